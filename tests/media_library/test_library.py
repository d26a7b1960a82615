"""The library's rules: one item per picture, alt text asked once, what uses a picture,
and no deleting a picture an article shows."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from articles.models import Article
from articles.sanitizer import sanitize_html
from media_library import services
from media_library.models import MediaImage
from media_library.usage import articles_using
from tests.adminforms import article_form

from .conftest import picture, stored_files, upload


def test_an_upload_through_the_library_needs_alt_text(editor, media_root):
    """Alt text is asked for once, at the library's door: an empty one stores nothing."""
    with pytest.raises(ValidationError) as refused:
        services.media_image_upload(upload=upload(picture()), alt="  \x0b ", by=editor)
    assert refused.value.code == "alt_required"
    assert "请填写替代文字" in refused.value.messages[0]
    assert not MediaImage.objects.exists()
    assert stored_files(media_root) == set()


def test_a_file_that_is_not_an_image_is_refused_in_chinese(editor, media_root):
    with pytest.raises(ValidationError) as refused:
        services.media_image_upload(upload=upload("不是图片".encode()), alt="图", by=editor)
    assert "JPEG、PNG、WebP 或 GIF" in refused.value.messages[0]
    assert not MediaImage.objects.exists()


def test_an_upload_is_stored_stripped_with_its_size_renditions_and_uploader(editor, media_root):
    result = services.media_image_upload(
        upload=upload(picture(size=(1600, 900)), "图表 final.png"), alt="营收走势图", by=editor
    )
    image = result.image
    assert result.created
    assert (image.width, image.height, image.animated) == (1600, 900, False)
    assert image.file.name.startswith("uploads/") and image.content_hash[:32] in image.file.name
    assert (media_root / image.file.name).exists()
    assert image.renditions["large"]["width"] == 1200
    assert image.original_name == "图表 final.png"
    assert image.uploaded_by == editor
    assert image.body_image() == (image.renditions["large"]["jpeg"], 1200, 675)


def test_the_same_picture_uploaded_twice_is_one_library_item(editor, media_root):
    """By content, not by name: the second upload finds the first and keeps its alt text."""
    first = services.media_image_upload(upload=upload(picture(), "a.png"), alt="第一次", by=editor)
    again = services.media_image_upload(upload=upload(picture(), "b.png"), alt="第二次", by=editor)
    assert first.created and not again.created
    assert again.image.pk == first.image.pk
    assert MediaImage.objects.get().alt == "第一次"
    other = services.media_image_upload(upload=upload(picture("red")), alt="另一张", by=editor)
    assert other.created and MediaImage.objects.count() == 2


def test_an_image_uploaded_from_the_body_editor_joins_the_library(editor_client, editor):
    response = editor_client.post(
        reverse("admin:articles_article_upload_image"), {"file": upload(picture(), "截图.png")}
    )
    assert response.status_code == 200, response.content
    image = MediaImage.objects.get()
    assert response.json()["location"] == image.renditions["large"]["jpeg"]
    assert (image.alt, image.original_name, image.uploaded_by) == ("", "截图.png", editor)


def test_a_new_cover_joins_the_library_with_its_alt_text(editor_client, category, media_root):
    """The cover's 封面图说明 is the picture's alt text the first time it is given."""
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(category, cover=upload(picture(), "封面.png"), cover_alt="蔚来交付中心"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get()
    image = MediaImage.objects.get()
    assert image.file.name == article.cover.name
    assert image.alt == "蔚来交付中心" and image.original_name == "封面.png"
    assert image.renditions == article.cover_renditions


def test_a_picture_uploaded_by_every_path_is_still_one_item_and_learns_its_alt_once(
    editor_client, category
):
    """From the editor first (no alt text), then as a cover (with one): one item, which
    keeps the first alt text it is given."""
    editor_client.post(reverse("admin:articles_article_upload_image"), {"file": upload(picture())})
    editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(category, cover=upload(picture(), "c.png"), cover_alt="交付中心"),
    )
    editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(category, title="又一篇", cover=upload(picture()), cover_alt="别的说明"),
    )
    assert Article.objects.count() == 2
    image = MediaImage.objects.get()
    assert image.alt == "交付中心"
    assert image.file.name.startswith("uploads/")  # the first copy stays the library's


def test_the_articles_using_a_picture_are_found_by_cover_and_by_body(library_image, make_article):
    """Whatever folder or month the copy sits in: the content hash is in every name."""
    src, width, height = library_image.body_image()
    in_body = make_article(
        title="正文用图", body_source=f'<p><img src="{src}" alt="图" width="{width}"></p>'
    )
    as_cover = make_article(title="封面用图")
    as_cover.cover.name = f"covers/2030/01/{library_image.content_hash[:32]}.png"
    as_cover.save()
    make_article(title="无关的文章")
    assert {a.title for a in articles_using(library_image)} == {"正文用图", "封面用图"}
    assert in_body.body_html.count(src) == 1


def test_a_picture_in_use_cannot_be_deleted_and_the_refusal_names_the_articles(
    library_image, make_article, editor
):
    src = library_image.body_image()[0]
    make_article(title="茅台年报解读", body_source=f'<p><img src="{src}" alt="x"></p>')
    with pytest.raises(services.ImageInUse) as refused:
        services.media_image_delete(image=library_image, by=editor)
    assert "《茅台年报解读》" in str(refused.value) and "不能删除" in str(refused.value)
    assert MediaImage.objects.filter(pk=library_image.pk).exists()


def test_a_refusal_for_a_much_used_picture_names_five_and_counts_the_rest(
    library_image, make_article, editor
):
    src = library_image.body_image()[0]
    for n in range(7):
        make_article(title=f"文章{n}", body_source=f'<p><img src="{src}" alt="x"></p>')
    with pytest.raises(services.ImageInUse) as refused:
        services.media_image_delete(image=library_image, by=editor)
    assert str(refused.value).count("《") == 5 and "等 7 篇文章" in str(refused.value)


def test_an_unused_picture_leaves_the_library_but_its_files_stay(library_image, editor, media_root):
    """Old revisions may still name the file; media is content-addressed, nothing piles up."""
    path = media_root / library_image.file.name
    services.media_image_delete(image=library_image, by=editor)
    assert not MediaImage.objects.exists()
    assert path.exists()


def test_alt_text_can_be_corrected_but_not_emptied(library_image, editor):
    services.media_image_set_alt(image=library_image, alt=" 新的\n说明 ", by=editor)
    assert MediaImage.objects.get().alt == "新的 说明"
    with pytest.raises(ValidationError):
        services.media_image_set_alt(image=library_image, alt="", by=editor)
    assert MediaImage.objects.get().alt == "新的 说明"


def test_an_animated_gif_is_inserted_as_itself_not_as_a_frozen_rendition(editor):
    frames = [Image.new("RGB", (60, 40), color) for color in ("red", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    image = services.media_image_upload(
        upload=upload(buf.getvalue(), "动图.gif"), alt="动图", by=editor
    ).image
    assert image.animated
    assert image.body_image() == (image.file.url, 60, 40)


def test_the_img_a_picture_is_inserted_as_passes_the_sanitizer_unchanged(library_image):
    """What the editor's 图片库 button inserts (tinymce-library.js) is published as is."""
    src, width, height = library_image.body_image()
    html = f'<p><img src="{src}" alt="{library_image.alt}" width="{width}" height="{height}"></p>'
    assert sanitize_html(html) == html

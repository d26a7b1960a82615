"""图片库 in the admin: the grid and its search, uploading with alt text, who may delete,
the picker's JSON, and the article form taking its cover from the library."""

import json
import re

import pytest
from django.urls import reverse

from articles.models import Article
from media_library import services
from media_library.models import MediaImage
from tests.adminforms import article_form

from .conftest import picture, stored_files, upload

LIST = "admin:media_library_mediaimage_changelist"
ADD = "admin:media_library_mediaimage_add"
PICKER = "admin:media_library_mediaimage_picker"


def change_url(image):
    return reverse("admin:media_library_mediaimage_change", args=[image.pk])


def delete_url(image):
    return reverse("admin:media_library_mediaimage_delete", args=[image.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def several(editor):
    """Five pictures: three with alt text naming 茅台, one about 蔚来, one without any."""
    made = [
        services.media_image_upload(upload=upload(picture(color), name), alt=alt, by=editor).image
        for color, alt, name in [
            ("red", "贵州茅台营收走势图", "mt1.png"),
            ("green", "茅台酒厂外景", "mt2.png"),
            ("blue", "茅台股价日线", "mt3.png"),
            ("yellow", "蔚来交付中心", "nio-delivery.png"),
            ("purple", "x", "截图2024.png"),
        ]
    ]
    # Without alt text, as the body editor's upload registers a picture.
    MediaImage.objects.filter(pk=made[-1].pk).update(alt="")
    made[-1].alt = ""
    return made


def test_writers_may_upload_correct_and_use_pictures_and_editors_may_also_delete(writer, desk):
    """The roles, from migration 0002: deleting is the editors' call."""
    library = {"add_mediaimage", "change_mediaimage", "view_mediaimage"}
    assert {p for p in library if writer.has_perm(f"media_library.{p}")} == library
    assert not writer.has_perm("media_library.delete_mediaimage")
    assert desk.has_perm("media_library.delete_mediaimage")


# --- The library's pages ----------------------------------------------------------------------


def test_the_library_is_a_grid_of_thumbnails_with_their_alt_text(
    editor_client, several, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = editor_client.get(reverse(LIST))
    html = response.content.decode()
    assert response.status_code == 200
    grid = html.split('<ul class="media-grid">', 1)[1].split("</ul>", 1)[0]
    assert grid.count('<li class="media-card') == 5
    assert "贵州茅台营收走势图" in grid and "缺少替代文字" in grid
    for image in several:
        assert image.thumb_url in grid and change_url(image) in grid
    assert "上传图片" in html


def test_the_library_is_searched_by_alt_text_and_by_file_name(editor_client, several):
    by_alt = editor_client.get(reverse(LIST), {"q": "茅台"}).content.decode()
    grid = by_alt.split("media-grid")[1]
    assert by_alt.count('<li class="media-card') == 3 and "蔚来" not in grid
    by_name = editor_client.get(reverse(LIST), {"q": "nio-delivery"}).content.decode()
    assert by_name.count('<li class="media-card') == 1 and "蔚来交付中心" in by_name
    missing = editor_client.get(reverse(LIST), {"alt": "missing"}).content.decode()
    assert missing.count('<li class="media-card') == 1
    nothing = editor_client.get(reverse(LIST), {"q": "不存在的图"}).content.decode()
    assert "没有找到与“不存在的图”相符的图片" in nothing


def test_uploading_without_alt_text_is_refused_in_chinese_and_stores_nothing(
    writer_client, media_root
):
    response = writer_client.post(reverse(ADD), {"upload": upload(picture()), "alt": ""})
    assert response.status_code == 200
    assert "请填写替代文字" in response.content.decode()
    assert not MediaImage.objects.exists() and stored_files(media_root) == set()


def test_a_writer_uploads_a_picture_with_its_alt_text(writer_client, writer):
    response = writer_client.post(
        reverse(ADD), {"upload": upload(picture(), "图.png"), "alt": "宁德时代工厂"}, follow=True
    )
    image = MediaImage.objects.get()
    assert response.redirect_chain[-1][0] == change_url(image)
    assert (image.alt, image.uploaded_by) == ("宁德时代工厂", writer)
    assert any("已上传" in m for m in messages_of(response))


def test_a_file_that_is_not_an_image_is_a_form_error_not_a_500(writer_client):
    response = writer_client.post(
        reverse(ADD), {"upload": upload(b"%PDF-1.4 not a picture", "x.png"), "alt": "说明"}
    )
    assert response.status_code == 200
    assert "JPEG、PNG、WebP 或 GIF" in response.content.decode()


def test_uploading_a_picture_the_library_has_leads_to_it(editor_client, several):
    response = editor_client.post(
        reverse(ADD), {"upload": upload(picture("red"), "again.png"), "alt": "新说明"}, follow=True
    )
    assert response.redirect_chain[-1][0] == change_url(several[0])
    assert MediaImage.objects.count() == 5
    note = " ".join(messages_of(response))
    assert "图片库里已有这张图片" in note and "贵州茅台营收走势图" in note


def test_the_alt_text_is_corrected_on_the_items_page(writer_client, several, make_article):
    image = several[0]
    src = image.body_image()[0]
    make_article(title="引用这张图的文章", body_source=f'<p><img src="{src}" alt="x"></p>')
    page = writer_client.get(change_url(image)).content.decode()
    assert "引用这张图的文章" in page and "1600 × 900 像素" in page
    response = writer_client.post(change_url(image), {"alt": "贵州茅台 2024 营收"})
    assert response.status_code == 302
    assert MediaImage.objects.get(pk=image.pk).alt == "贵州茅台 2024 营收"
    refused = writer_client.post(change_url(image), {"alt": " "})
    assert "请填写替代文字" in refused.content.decode()


def test_writers_cannot_delete_pictures(writer_client, several):
    assert writer_client.get(delete_url(several[0])).status_code == 403
    assert writer_client.post(delete_url(several[0]), {"post": "yes"}).status_code == 403
    assert MediaImage.objects.count() == 5


def test_editors_cannot_delete_a_picture_an_article_uses_and_are_told_which(
    desk_client, several, make_article
):
    image = several[1]
    make_article(
        title="茅台酒厂探访", body_source=f'<p><img src="{image.body_image()[0]}" alt="x"></p>'
    )
    for method in (desk_client.get, lambda url: desk_client.post(url, {"post": "yes"})):
        response = method(delete_url(image))
        assert response.status_code == 302 and response["Location"] == change_url(image)
    note = " ".join(messages_of(desk_client.get(change_url(image))))
    assert "没有删除" in note and "《茅台酒厂探访》" in note
    assert MediaImage.objects.filter(pk=image.pk).exists()


def test_editors_delete_an_unused_picture(desk_client, several):
    response = desk_client.post(delete_url(several[2]), {"post": "yes"})
    assert response.status_code == 302
    assert not MediaImage.objects.filter(pk=several[2].pk).exists()


def test_the_list_has_no_bulk_delete_that_would_skip_the_check(desk_client, several):
    html = desk_client.get(reverse(LIST)).content.decode()
    assert 'name="action"' not in html


# --- The picker's JSON ------------------------------------------------------------------------


def test_the_picker_lists_searches_and_pages_the_library(
    writer_client, several, django_assert_max_num_queries, monkeypatch
):
    from media_library.admin import library

    with django_assert_max_num_queries(6):
        data = writer_client.get(reverse(PICKER)).json()
    assert data["count"] == 5 and data["pages"] == 1
    first = next(item for item in data["results"] if item["alt"] == "贵州茅台营收走势图")
    image = several[0]
    assert first == {
        "id": image.pk,
        "alt": "贵州茅台营收走势图",
        "name": "mt1.png",
        "thumb": image.renditions["thumb"]["jpeg"],
        "src": image.renditions["large"]["jpeg"],
        "width": 1200,
        "height": 675,
        "alt_url": None,
    }
    missing = next(item for item in data["results"] if not item["alt"])
    assert missing["alt_url"] == reverse("admin:media_library_mediaimage_alt", args=[several[4].pk])

    found = writer_client.get(reverse(PICKER), {"q": "茅台"}).json()
    assert sorted(item["alt"] for item in found["results"]) == sorted(
        ["贵州茅台营收走势图", "茅台酒厂外景", "茅台股价日线"]
    )
    monkeypatch.setattr(library, "PICKER_PAGE_SIZE", 2)
    page3 = writer_client.get(reverse(PICKER), {"page": "3"}).json()
    assert (page3["page"], page3["pages"], len(page3["results"])) == (3, 3, 1)
    assert writer_client.get(reverse(PICKER), {"page": "x"}).json()["page"] == 1


def test_the_picker_is_for_staff_only(client, db):
    response = client.get(reverse(PICKER))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_alt_text_typed_once_in_the_picker_is_kept_by_the_library(writer_client, several):
    image = several[4]
    url = reverse("admin:media_library_mediaimage_alt", args=[image.pk])
    refused = writer_client.post(url, {"alt": ""})
    assert refused.status_code == 400 and "请填写替代文字" in refused.json()["error"]
    assert writer_client.get(url).status_code == 405
    response = writer_client.post(url, {"alt": "比亚迪新车发布会"})
    assert response.json()["alt"] == "比亚迪新车发布会"
    assert MediaImage.objects.get(pk=image.pk).alt == "比亚迪新车发布会"


# --- The article form -------------------------------------------------------------------------


def test_the_article_form_offers_the_library_for_the_cover_and_the_body(editor_client):
    html = editor_client.get(reverse("admin:articles_article_add")).content.decode()
    hidden = re.search(r'<input type="hidden" name="cover_library_image"[^>]*>', html).group(0)
    assert f'data-picker-url="{reverse(PICKER)}"' in hidden
    assert "media_library/picker.js" in html
    config = json.loads(
        re.search(r'data-tinymce-config="([^"]*)"', html).group(1).replace("&quot;", '"')
    )
    assert config["external_plugins"]["medialibrary"].endswith("media_library/tinymce-library.js")
    assert "image medialibrary" in config["toolbar"]
    assert config["media_library_url"] == reverse(PICKER)
    assert "<script>" not in html.split("<body", 1)[1]  # still no inline script


def test_a_cover_chosen_from_the_library_is_the_stored_file_with_its_alt_text(
    editor_client, category, library_image, media_root
):
    before = stored_files(media_root)
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(category, cover_library_image=str(library_image.pk), cover_alt=""),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get()
    assert article.cover.name == library_image.file.name
    assert article.cover_alt == "贵州茅台 2024 年营收走势图"
    assert article.cover_renditions == library_image.renditions
    assert stored_files(media_root) == before  # nothing uploaded or made again
    assert MediaImage.objects.count() == 1


def test_an_alt_text_typed_on_the_article_wins_over_the_librarys(
    editor_client, category, library_image
):
    editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(category, cover_library_image=str(library_image.pk), cover_alt="本文专用说明"),
    )
    assert Article.objects.get().cover_alt == "本文专用说明"


@pytest.mark.parametrize("value", ["999999", "abc"])
def test_a_library_choice_that_is_gone_is_a_form_error_on_the_cover(editor_client, category, value):
    response = editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(category, cover_library_image=value, title="保留我写的标题"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "所选的图片已不在图片库中" in html and "保留我写的标题" in html
    assert not Article.objects.exists()


def test_a_file_uploaded_with_a_library_choice_wins(editor_client, category, library_image):
    editor_client.post(
        reverse("admin:articles_article_add"),
        article_form(
            category,
            cover_library_image=str(library_image.pk),
            cover=upload(picture("orange"), "新封面.png"),
            cover_alt="新封面",
        ),
    )
    article = Article.objects.get()
    assert article.cover.name != library_image.file.name and article.cover.name.startswith(
        "covers/"
    )
    assert MediaImage.objects.count() == 2  # and it joined the library


def test_a_writer_reading_a_published_article_sees_no_picker(writer_client, make_article):
    article = make_article()
    html = writer_client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    ).content.decode()
    assert 'name="cover_library_image"' not in html


def test_the_preview_shows_a_cover_chosen_from_the_library(
    editor_client, category, library_image, media_root
):
    """预览 shows what will be published: the library's picture, nothing stored."""
    before = stored_files(media_root)
    response = editor_client.post(
        reverse("admin:articles_article_preview"),
        article_form(category, cover_library_image=str(library_image.pk), title="预览标题"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert library_image.renditions["large"]["jpeg"] in html
    assert f'alt="{library_image.alt}"' in html
    assert stored_files(media_root) == before and not Article.objects.exists()

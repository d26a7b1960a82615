"""The importer's memory stays bounded, whatever the size of the archive.

A run holds one window of files at a time: their stored hashes and story keys are looked up
per window, the file list is streamed, the report keeps only the files worth reporting and
the row caches have a cap. These tests check that each of those structures stays within its
bound, and that working in small pieces writes exactly what the defaults write.
"""

import functools
import gc
import sys

import pytest
from django.db import transaction
from taggit.models import Tag

from articles.models import Article, Category, LegacyRedirect, StockReference
from legacy import importer as importers
from legacy import report as reports
from legacy import rows, stories
from legacy.files import iter_post_paths
from legacy.importer import FileResult, Importer, ImportReport, import_posts
from legacy.models import LegacySource
from tests.legacy.test_importer import REPO_ROOT, source_post, write

sys.path.insert(0, str(REPO_ROOT / "bench"))

from make_corpus import generate  # noqa: E402

pytestmark = pytest.mark.django_db


def database_content():
    """Everything an import writes, without row ids or timestamps, which differ between runs."""
    articles = [
        (
            a.legacy_key,
            a.title,
            a.slug,
            a.body_source,
            a.body_html,
            a.summary,
            a.excerpt,
            a.category.slug,
            a.status,
            a.published_at,
            a.source_name,
            a.original_url,
            # The digest holds the category's row id, which differs between the two runs
            # on PostgreSQL (a rolled-back transaction does not give sequence values
            # back): compare whether it matches what was written instead.
            a.import_fingerprint == stories.fingerprint(stories.current_values(a)),
            sorted(a.tags.names()),
            [f"{s.symbol}:{s.name}" for s in a.ordered_stocks()],
            list(a.revisions.order_by("pk").values_list("kind", "title", "body_source")),
        )
        for a in Article.objects.select_related("category").order_by("legacy_key")
    ]
    sources = list(
        LegacySource.objects.order_by("path").values_list(
            "path", "article__legacy_key", "kind", "content_hash", "source_text"
        )
    )
    redirects = list(
        LegacyRedirect.objects.order_by("path").values_list(
            "path", "article__legacy_key", "category__slug"
        )
    )
    categories = list(Category.objects.order_by("slug").values_list("slug", "name"))
    tags = sorted(Tag.objects.values_list("name", flat=True))
    stocks = list(StockReference.objects.order_by("market", "code").values_list("name"))
    return articles, sources, redirects, categories, tags, stocks


def test_lookups_per_window_and_evicted_cache_rows_change_nothing(tmp_path, monkeypatch):
    """With windows of 4 files, the stories whose files straddle two windows are found by
    the next window's lookup; with batches of 3 and 2 cached rows of each kind, rows drop
    out of the caches all the time. The database ends as with the default batches and caches.

    (The window size itself decides which files of a story are inserted together, and so
    revisions and the order in which categories are created; it did before lookups were
    per window too, so both runs use the same.)
    """
    generate(60, tmp_path)
    monkeypatch.setattr(importers, "_windows", functools.partial(importers._windows, size=4))
    with transaction.atomic():
        import_posts([tmp_path])
        expected = database_content()
        transaction.set_rollback(True)
    assert Article.objects.count() == 0

    monkeypatch.setattr(importers, "_batches", functools.partial(importers._batches, size=3))
    monkeypatch.setattr(rows, "CACHED_ROWS", 2)
    importer = Importer()
    sizes = []

    def progress(done, total, result):
        cache = importer.rows
        caches = (cache._categories, cache._aliased, cache._tags, cache._stock_cache)
        imported = importer.imported
        sizes.append((len(imported._hashes), len(imported._keys), *map(len, caches)))

    report = importer.run([tmp_path], progress=progress)

    assert report.counts["created"] + report.counts["updated"] == 60
    assert database_content() == expected
    assert len(sizes) == 60
    assert max(s[0] for s in sizes) <= 4 and max(s[1] for s in sizes) <= 4
    assert max(max(s[2:]) for s in sizes) <= 2

    rerun = Importer()
    rerun.run([tmp_path])
    assert database_content() == expected


def test_a_rerun_in_small_windows_finds_every_file_unchanged(tmp_path, monkeypatch):
    generate(30, tmp_path)
    import_posts([tmp_path])
    monkeypatch.setattr(importers, "_windows", functools.partial(importers._windows, size=4))

    report = import_posts([tmp_path])

    assert report.counts["unchanged"] == 30


def test_two_folders_with_one_relative_path_compare_with_the_hashes_from_the_start(
    tmp_path, monkeypatch
):
    """As when every stored hash was loaded up front: both copies are compared with the hash
    stored before the run, even when the first copy, in an earlier window, has replaced it."""
    name = "2022-03-01-NW202203011000001.md"
    write(tmp_path / "b", name, source_post("202203011000001", body="<p>第二版。</p>"))
    import_posts([tmp_path / "b"])
    write(tmp_path / "a", name, source_post("202203011000001", body="<p>第一版。</p>"))
    monkeypatch.setattr(importers, "_windows", functools.partial(importers._windows, size=1))

    report = import_posts([tmp_path / "a", tmp_path / "b"])

    assert [(r.path, r.outcome) for r in report.results] == [(name, "updated"), (name, "unchanged")]
    assert "第一版" in Article.objects.get().body_html


def test_post_files_are_streamed_in_sorted_order_one_folder_at_a_time(tmp_path):
    """Folders are listed as the walk reaches them, and the order is that of sorting every
    full path ("-" and "." sort before "/", so a.md comes before a/x.md)."""
    for rel in ["a/x.md", "a.md", "a-b.md", "a-c/y.md", "a0.md", "b/c/d.md", "b.md", "z/.h/q.md"]:
        write(tmp_path, rel, "x")

    found = iter_post_paths([tmp_path])
    first = next(found)
    write(tmp_path, "b/c/late.md", "x")  # b/ has not been listed yet
    rels = [rel for _, rel in [first, *found]]

    expected = ["a-b.md", "a-c/y.md", "a.md", "a/x.md", "a0.md", "b.md", "b/c/d.md", "b/c/late.md"]
    assert rels == expected
    assert [path for path, _ in iter_post_paths([tmp_path])] == [
        f"{tmp_path}/{rel}" for rel in expected
    ]


@pytest.mark.parametrize("temporary_directory", [True, False])
def test_a_report_holds_only_the_results_worth_reporting(temporary_directory, monkeypatch):
    if not temporary_directory:

        def no_temporary_file():
            raise FileNotFoundError("No usable temporary directory found")

        monkeypatch.setattr(reports.tempfile, "TemporaryFile", no_temporary_file)
    results = [
        FileResult("a.md", "created"),
        FileResult("b.md", "failed", "坏文件"),
        FileResult("c.md", "updated", warnings=["注意"]),
        FileResult("d\udcff.md", "unchanged"),  # an undecodable name, as os.fsdecode gives it
        FileResult("e.md", "skipped", "以后者为准"),
        FileResult("f.md", "created"),
    ]
    report = ImportReport()
    for result in results:
        report.add(result)

    # Only the failed, warned and skipped files are held; the others are spooled to disk.
    assert len(report._notable) == 3
    assert report.results == results
    assert report.counts == {
        "created": 2,
        "updated": 1,
        "unchanged": 1,
        "skipped": 1,
        "failed": 1,
    }
    assert report.with_outcome("created") == [results[0], results[5]]
    assert report.with_outcome("failed") == [results[1]]
    assert report.warnings == [("c.md", "注意")]
    assert report.exit_code == 1
    report.add(FileResult("g.md", "created"))  # results can be read while a run goes on
    assert report.results == [*results, FileResult("g.md", "created")]


def test_the_start_up_heap_is_frozen_only_while_a_run_lasts(tmp_path):
    """gc.freeze() keeps full collections frequent during a run (see importers); the
    objects must be handed back to the collector afterwards, even when the run fails."""
    write(tmp_path, "2022-03-01-NW202203011000001.md", source_post("202203011000001"))
    assert gc.get_freeze_count() == 0
    frozen = []
    Importer().run([tmp_path], progress=lambda *args: frozen.append(gc.get_freeze_count()))
    assert frozen and all(frozen)
    assert gc.get_freeze_count() == 0

    def fail(*args):
        raise RuntimeError("progress bar broke")

    with pytest.raises(RuntimeError):
        Importer().run([tmp_path], progress=fail)
    assert gc.get_freeze_count() == 0

"""`manage.py import_posts`: options in, `legacy.importer.import_posts`, a summary out."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from legacy.importer import import_posts


class Command(BaseCommand):
    help = (
        "导入旧站 Jekyll 文章（可重复运行）：PATH 为文件或目录，"
        "目录会递归查找 .md/.markdown/.html/.txt。"
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument(
            "--encoding", default="utf-8", help="文件编码，默认 utf-8（可带 BOM）。"
        )
        parser.add_argument("--dry-run", action="store_true", help="只解析和校验，不写入数据库。")
        parser.add_argument(
            "--overwrite-edited", action="store_true", help="覆盖编辑在后台修改过的文章。"
        )
        parser.add_argument(
            "--fetch-images", action="store_true", help="把正文里的外站图片下载到本站媒体目录。"
        )
        parser.add_argument("--quiet", action="store_true", help="只输出汇总和失败的文件。")

    def handle(self, *args, paths, quiet, **options):
        self._started = time.monotonic()
        progress = None
        if not quiet and sys.stdout.isatty():
            progress = self._progress
        try:
            report = import_posts(
                paths,
                progress=progress,
                encoding=options["encoding"],
                dry_run=options["dry_run"],
                overwrite_edited=options["overwrite_edited"],
                fetch_images=options["fetch_images"],
            )
        except (FileNotFoundError, LookupError) as exc:
            raise CommandError(str(exc)) from exc
        if progress:
            self.stdout.write("")
        self._summary(report, quiet)
        if report.exit_code:
            sys.exit(report.exit_code)

    def _progress(self, done, total, result):
        width = 30
        filled = width * done // total if total else width
        bar = "█" * filled + "░" * (width - filled)
        elapsed = max(time.monotonic() - self._started, 1e-6)
        self.stdout.write(f"\r{bar} {done}/{total} 篇  {done / elapsed:.0f} 篇/秒", ending="")
        self.stdout.flush()

    def _summary(self, report, quiet):
        counts = report.counts
        prefix = "【演练，未写入】" if report.dry_run else ""
        self.stdout.write(
            f"{prefix}新建 {counts['created']}，更新 {counts['updated']}，"
            f"未变 {counts['unchanged']}，"
            f"跳过 {counts['skipped']}，失败 {counts['failed']}；"
            f"用时 {report.elapsed:.1f} 秒，{report.rate:.1f} 篇/秒。"
        )
        if not quiet:
            for result in report.with_outcome("skipped"):
                self.stdout.write(f"跳过 {result.path}：{result.reason}")
            for path, warning in report.warnings:
                self.stdout.write(f"注意 {path}：{warning}")
        for result in report.with_outcome("failed"):
            self.stderr.write(f"失败 {result.path}：{result.reason}")

from django.core.management.base import BaseCommand

from articles.maintenance import resanitize_all


class Command(BaseCommand):
    help = "按当前白名单重新清理所有文章的正文（修改清理规则后运行）。"

    def handle(self, *args, **options):
        checked, changed = resanitize_all()
        self.stdout.write(self.style.SUCCESS(f"检查 {checked} 篇文章，更新 {changed} 篇。"))

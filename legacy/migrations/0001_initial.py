
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('articles', '0008_revision_state'),
    ]

    # The tables exist: the articles app created them (articles_legacysource and so on,
    # kept by db_table). This migration only tells Django they are the legacy app's now;
    # articles 0009 lets go of them. No data is copied or touched.
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='ImportRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('started_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='开始时间')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='结束时间')),
                ('dry_run', models.BooleanField(default=False, verbose_name='演练')),
                ('created', models.PositiveIntegerField(default=0, verbose_name='新建')),
                ('updated', models.PositiveIntegerField(default=0, verbose_name='更新')),
                ('unchanged', models.PositiveIntegerField(default=0, verbose_name='未变')),
                ('skipped', models.PositiveIntegerField(default=0, verbose_name='跳过')),
                ('failed', models.PositiveIntegerField(default=0, verbose_name='失败')),
            ],
            options={
                'verbose_name': '导入记录',
                'verbose_name_plural': '导入记录',
                'db_table': 'articles_importrun',
                'ordering': ['-started_at'],
                'get_latest_by': 'started_at',
            },
        ),
        migrations.CreateModel(
            name='LegacyImage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('url', models.URLField(max_length=1000, unique=True, verbose_name='原地址')),
                ('file', models.FileField(max_length=300, upload_to='legacy/', verbose_name='本地文件')),
                ('fetched_at', models.DateTimeField(auto_now_add=True, verbose_name='下载时间')),
            ],
            options={
                'verbose_name': '旧站图片',
                'verbose_name_plural': '旧站图片',
                'db_table': 'articles_legacyimage',
                'ordering': ['url'],
            },
        ),
        migrations.CreateModel(
            name='LegacyRejectedFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('path', models.CharField(max_length=500, unique=True, verbose_name='文件路径')),
                ('content_hash', models.CharField(max_length=64, verbose_name='内容摘要')),
                ('data', models.BinaryField(verbose_name='原始内容')),
                ('reason', models.TextField(verbose_name='失败原因')),
                ('rejected_at', models.DateTimeField(auto_now=True, verbose_name='失败时间')),
            ],
            options={
                'verbose_name': '导入失败的旧站文件',
                'verbose_name_plural': '导入失败的旧站文件',
                'db_table': 'articles_legacyrejectedfile',
                'ordering': ['path'],
            },
        ),
        migrations.CreateModel(
            name='LegacySource',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('path', models.CharField(max_length=500, unique=True, verbose_name='文件路径')),
                ('kind', models.CharField(choices=[('source', '原稿'), ('rolling', '滚动新闻'), ('other', '其他')], max_length=10, verbose_name='类型')),
                ('content_hash', models.CharField(max_length=64, verbose_name='内容摘要')),
                ('source_text', models.TextField(verbose_name='原始文本')),
                ('imported_at', models.DateTimeField(auto_now=True, verbose_name='导入时间')),
                ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='legacy_sources', to='articles.article', verbose_name='文章')),
            ],
            options={
                'verbose_name': '旧站文件',
                'verbose_name_plural': '旧站文件',
                'db_table': 'articles_legacysource',
                'ordering': ['path'],
            },
        ),
    ]
        )
    ]

"""TagReading: how each tag is read in pinyin, for the tag chips' autocomplete."""

from django.db import models

from .. import readings


class TagReading(models.Model):
    """The pinyin of one taggit Tag (光伏 -> gf, guangfu), kept beside it.

    A side table, not fields on Tag: taggit's Tag is a third-party model, and a
    migration altering another app's table would fight taggit's own migrations.
    Not an in-memory cache either: the archive holds thousands of tags, and a
    table lets `gf` be an indexed prefix query whatever their number. Kept in step
    by a post_save receiver on Tag (articles.tagging.fill_tag_reading), however
    the tag is written; a tag without a row (written by raw SQL) is still found
    by its characters.
    """

    tag = models.OneToOneField(
        "taggit.Tag",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="reading",
        verbose_name="标签",
    )
    initials = models.CharField(
        "拼音首字母", max_length=readings.READING_MAX_LENGTH, blank=True, db_index=True
    )
    pinyin = models.CharField(
        "拼音", max_length=readings.READING_MAX_LENGTH, blank=True, db_index=True
    )

    class Meta:
        ordering = ["tag"]
        verbose_name = "标签拼音"
        verbose_name_plural = "标签拼音"

    def __str__(self):
        return f"{self.tag_id}: {self.initials} {self.pinyin}"


def fill_tag_reading(sender, instance, raw=False, **kwargs) -> None:
    """post_save receiver for taggit's Tag (articles.signals.connect): its reading, now."""
    if raw:
        return  # loaddata: the fixture brings its own rows
    initials, pinyin = readings.reading(instance.name)
    TagReading.objects.update_or_create(
        tag=instance, defaults={"initials": initials, "pinyin": pinyin}
    )

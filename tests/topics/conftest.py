"""Factories for 专题 and menu items, written through the services as the admin does."""

import pytest
from taggit.models import Tag

from topics import services
from topics.models import Topic


@pytest.fixture
def make_topic(db):
    def make(title="新能源汽车", *, articles=(), tags=(), stocks=(), **fields):
        return services.topic_save(
            topic=Topic(title=title, **fields),
            articles=list(articles),
            rule_tags=[Tag.objects.get_or_create(name=name)[0] for name in tags],
            rule_stocks=list(stocks),
        )

    return make

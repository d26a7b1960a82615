"""Shared by the API tests: a JSON client and the 7×24 section."""

import pytest
from django.utils import timezone

from articles import listings


@pytest.fixture
def flash_section(make_category):
    return make_category(name="7×24 快讯", slug=listings.ROLLING_CATEGORY_SLUG)


@pytest.fixture
def get_json(client):
    """GET an API path (or a full next/previous link) and return (response, data)."""

    def get(path, expect=200, **params):
        response = client.get(path, params)
        assert response.status_code == expect, (response.status_code, response.content[:500])
        return response, (response.json() if response.content else None)

    return get


@pytest.fixture
def walk(get_json):
    """Follow `next` links from `path`, calling `between()` after each page fetch (to
    add items while a client pages), and return every item in the order seen."""

    def run(path, between=lambda n: None, key="id", **params):
        _, data = get_json(path, **params)
        seen, n = [], 0
        while True:
            seen += [item[key] for item in data["results"]]
            between(n)
            n += 1
            if not data["next"]:
                return seen
            _, data = get_json(data["next"])
            assert n < 100, "pagination does not end"

    return run


def now():
    return timezone.now()

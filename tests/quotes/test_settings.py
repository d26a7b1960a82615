"""QUOTES_* settings: a wrong value stops the process at start, not a reader's page later."""

import pytest

from tests.project.test_settings import _env, _refused, _start


@pytest.mark.parametrize(
    "values",
    [
        {"QUOTES_URL": "push2.eastmoney.com/api/qt/stock/get"},
        {"QUOTES_URL": "file:///etc/passwd"},
        {"QUOTES_URL": "https://"},
        {"QUOTES_URL": "https://push2.eastmoney.com/api/qt/stock/get", "QUOTES_TIMEOUT": "30"},
        {"QUOTES_TIMEOUT": "0"},
        {"QUOTES_CACHE_SECONDS": "0"},
    ],
    ids=["no-scheme", "file", "no-host", "timeout-30", "timeout-0", "cache-0"],
)
def test_a_wrong_quotes_setting_refuses_to_start(tmp_path, values):
    _refused(_start(_env(tmp_path, **values)), "QUOTES_")


def test_the_eastmoney_endpoint_starts(tmp_path):
    result = _start(_env(tmp_path, QUOTES_URL="https://push2.eastmoney.com/api/qt/stock/get?ut=x"))
    assert result.returncode == 0, result.stderr

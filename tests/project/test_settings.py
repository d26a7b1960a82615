"""The settings module refuses configurations that would run the wrong way, silently.

Settings are read once, when the module is imported, so every case starts a fresh
Python with its own environment and checks the exit code and what it printed.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)

REPO = Path(__file__).resolve().parents[2]
SETUP = "import django; django.setup(); print('started')"


def _env(tmp_path, **values):
    """A clean environment: nothing of the caller's DJANGO_*, a database that exists."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "NEWSROOM_", "DATABASE_URL", "CACHE_URL"))
    }
    database = tmp_path / "db.sqlite3"
    database.touch()
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DATABASE_URL=f"sqlite:///{database}",
        NEWSROOM_CACHE_DIR=str(tmp_path / "cache"),
    )
    env.update(values)
    return env


def _production(tmp_path, **values):
    production = {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "news.example.com",
    }
    return _env(tmp_path, **{**production, **values})


def _start(env):
    return subprocess.run(
        [sys.executable, "-c", SETUP], cwd=REPO, env=env, capture_output=True, text=True
    )


def _refused(result, *phrases):
    assert result.returncode != 0, result.stdout + result.stderr
    assert "started" not in result.stdout
    assert "ImproperlyConfigured" in result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, result.stderr


# --- DJANGO_ENV ----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["Production", "PRODUCTION", "prod", "production ", "", "dev"])
def test_an_unknown_django_env_refuses_to_start_and_names_the_accepted_values(tmp_path, value):
    """A typo must not quietly run production traffic with local defaults (no HSTS, a known key)."""
    result = _start(_production(tmp_path, DJANGO_ENV=value))
    _refused(result, "DJANGO_ENV", "local, production", repr(value))


@pytest.mark.parametrize("value", ["local", "production"])
def test_the_accepted_django_env_values_start(tmp_path, value):
    """Only the exact lowercase words are accepted; both start with a proper environment."""
    result = _start(_production(tmp_path, DJANGO_ENV=value))
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_no_django_env_at_all_means_local(tmp_path):
    """`make run` and the tests set nothing and get the local defaults."""
    result = _start(_env(tmp_path))
    assert result.returncode == 0, result.stderr


# --- The production secret key -------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        secrets.token_urlsafe(64)[: SECRET_KEY_MIN_LENGTH - 1],
        "abcd" * 20,  # long, but too few different characters
        SECRET_KEY_INSECURE_PREFIX + secrets.token_urlsafe(64),  # startproject's placeholder
    ],
    ids=["49-characters", "4-unique-characters", "django-insecure-prefix"],
)
def test_production_refuses_to_start_with_a_weak_secret_key(tmp_path, key):
    """Django only warns (security.W009) about a key that can be guessed; production refuses."""
    result = _start(_production(tmp_path, DJANGO_SECRET_KEY=key))
    _refused(result, "DJANGO_SECRET_KEY", str(SECRET_KEY_MIN_LENGTH))
    assert key not in result.stderr  # the key itself never reaches a log


def test_the_shortest_strong_key_is_accepted(tmp_path):
    """The rule is Django's own: 50 characters, 5 of them different, is enough."""
    key = ("abcde" * SECRET_KEY_MIN_LENGTH)[:SECRET_KEY_MIN_LENGTH]
    assert len(set(key)) == SECRET_KEY_MIN_UNIQUE_CHARACTERS
    result = _start(_production(tmp_path, DJANGO_SECRET_KEY=key))
    assert result.returncode == 0, result.stderr


def test_local_mode_accepts_a_short_key(tmp_path):
    """On a laptop a short key is the developer's business; Django's check --deploy says so."""
    result = _start(_env(tmp_path, DJANGO_SECRET_KEY="short"))
    assert result.returncode == 0, result.stderr


# --- A missing SQLite file -----------------------------------------------------------------


def test_production_warns_at_startup_that_a_missing_sqlite_file_will_be_created_empty(tmp_path):
    """A wrong path would otherwise serve, and take edits into, a new empty database."""
    missing = tmp_path / "elsewhere" / "db.sqlite3"
    result = _start(_production(tmp_path, DATABASE_URL=f"sqlite:///{missing}"))
    assert result.returncode == 0, result.stderr  # the first `migrate` must still work
    assert str(missing) in result.stderr
    assert "does not exist" in result.stderr and "DATABASE_URL" in result.stderr
    assert not missing.exists()  # starting up alone creates nothing


def test_production_says_nothing_when_the_sqlite_file_exists(tmp_path):
    """No false alarm on every start of a healthy server."""
    result = _start(_production(tmp_path))
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_local_mode_creates_a_missing_sqlite_file_without_a_word(tmp_path):
    """`make run` on a fresh clone makes db.sqlite3 itself, as before."""
    missing = tmp_path / "db.sqlite3"
    env = _env(tmp_path)
    missing.unlink()
    result = _start(env)
    assert result.returncode == 0 and "does not exist" not in result.stderr, result.stderr

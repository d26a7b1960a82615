"""Finding the post files of the legacy archive, and reading what their names say.

Walking is streamed and works on plain strings, because an import walks 17,000 files: see
`iter_post_paths`. The names matter too: Jekyll took a post's date and URL title from a file
name of the form YYYY-MM-DD-title.ext (`dated_name`).
"""

from __future__ import annotations

import heapq
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

POST_SUFFIXES = frozenset({".md", ".markdown", ".html", ".txt"})

_DATED_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(.+)")
# Names that are never posts, whatever they hold (Jekyll's index.html is the home page).
_NOT_POST_NAME = re.compile(r"(?:readme|index)(?:\..*)?", re.IGNORECASE)


def iter_post_paths(paths: Iterable[str | Path]) -> Iterator[tuple[str, str]]:
    """(path, relative path) of every file that may be a post under the given files and
    directories, in the order of their paths.

    Hidden files and folders and files of other types are left out. A README beside the posts
    (as in sample_posts/) is listed: `parse_post` says it is not a post (NotAPostError), so
    the import report can show it as skipped rather than pass over it in silence.

    The relative path is a file argument's name, or the path below a directory argument with
    "/" between its parts; a file reached through two arguments comes once, with the first's.
    A missing path raises FileNotFoundError here, before any file is yielded.

    The paths are streamed, not collected: the order is that of sorting them all, but only one
    folder's names are held at a time (a list of 10,000 paths cost 6 MB for a whole import).
    They are plain strings, too: pathlib interns every name it parses, and a run's worth of
    names grew the interpreter's table of interned strings for good (by 1.8 MB).
    """
    streams = []
    for given in paths:
        path = Path(given)
        if path.is_file():
            streams.append(iter([(str(path), path.name)]))
        elif path.is_dir():
            top = str(path)
            # What str(Path(top, rel)) would give: "." is dropped, a root keeps its slashes.
            prefix = "" if top == "." else top if top.endswith("/") else top + "/"
            streams.append(_walk_post_files(top, prefix, ""))
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
    return _merge_paths(streams)


def _merge_paths(streams: list[Iterator[tuple[str, str]]]) -> Iterator[tuple[str, str]]:
    # Each stream is sorted, so a file found twice comes out twice in a row; heapq.merge is
    # stable, so the first argument's relative path is the one kept.
    last = None
    for path, rel in heapq.merge(*streams, key=lambda item: item[0]):
        if path != last:
            last = path
            yield path, rel


def _walk_post_files(folder: str, prefix: str, rel: str) -> Iterator[tuple[str, str]]:
    """The post files in `folder` (prefix + rel), walked as os.walk does (unreadable folders
    skipped, symlinked folders not entered), in the order of their sorted full paths.

    A folder's entries are sorted by name with "/" appended to the folders: "x" sorts before
    every "x/…", and "/" compares as it does inside the full paths, so visiting the entries
    in that order and each folder as it comes gives exactly the sorted order of the paths.
    """
    keys = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    if not entry.name.startswith("."):
                        keys.append(entry.name + "/")
                elif _looks_like_post_file(entry.name):
                    keys.append(entry.name)
    except OSError:
        return  # as os.walk: a folder that cannot be listed is skipped, with all it holds
    keys.sort()
    for key in keys:
        if key.endswith("/"):
            subfolder = prefix + rel + key[:-1]
            if not os.path.islink(subfolder):
                yield from _walk_post_files(subfolder, prefix, rel + key)
        else:
            yield prefix + rel + key, rel + key


def _looks_like_post_file(name: str) -> bool:
    return _suffix(name).lower() in POST_SUFFIXES and not name.startswith(".")


def never_a_post(name: str) -> bool:
    """Whether a file of this name is no post whatever it holds (README.*, INDEX.*)."""
    return _NOT_POST_NAME.fullmatch(name) is not None


def dated_name(path: str) -> re.Match | None:
    """The parts of a post's name YYYY-MM-DD-title.ext (groups 1 to 4), or None."""
    return _DATED_NAME.fullmatch(file_stem(path))


# PurePosixPath's name, suffix and stem, for strings: pathlib interns every part it parses.


def file_name(path: str) -> str:
    return next((part for part in reversed(path.split("/")) if part and part != "."), "")


def _suffix(name: str) -> str:
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def file_stem(path: str) -> str:
    name = file_name(path)
    i = name.rfind(".")
    return name[:i] if 0 < i < len(name) - 1 else name

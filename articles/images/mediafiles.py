"""Writing into the media storage: a file is there whole, or not at all.

Uploads and renditions are named by their content, and a name that exists is reused. So a
file cut short (a full disk, or a worker killed by SIGKILL, a timeout or the OOM killer in
the middle of a write) would be served, and trusted by every later upload of the picture,
for good. Django's FileSystemStorage writes straight to the final name; `write_whole` writes
to a private temporary file in the same folder, flushes it to disk and renames it over the
name, which is atomic: readers see the old file or the new one, never a part. A killed
worker can leave only a temporary `.<random>.part` file, readable by nobody but its owner
and referenced by nothing.

Contract: `write_whole(storage, name, data) -> str` (the stored name), `same_content(storage,
name, data) -> bool` and `discard(storage, name)`. Storage errors are OSError, as Django's.
"""

import contextlib
import logging
import os
import tempfile

from django.core.files.base import ContentFile

logger = logging.getLogger(__name__)


def _make_folder(storage, folder: str) -> None:
    """Create `folder` as FileSystemStorage would, with its directory permissions."""
    mode = getattr(storage, "directory_permissions_mode", None)
    if mode is None:
        os.makedirs(folder, exist_ok=True)
        return
    old_umask = os.umask(0o777 & ~mode)
    try:
        os.makedirs(folder, mode, exist_ok=True)
    finally:
        os.umask(old_umask)


def _sync_folder(folder: str) -> None:
    """Flush the rename itself, so the name survives a power cut, not just the bytes."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_whole(storage, name: str, data: bytes) -> str:
    """Store `data` under `name`, replacing what is there; see the module doc."""
    try:
        path = storage.path(name)
    except NotImplementedError:
        # A remote storage (S3 and the like) has no rename, but stores an object whole or
        # not at all: replace it.
        if storage.exists(name):
            storage.delete(name)
        return storage.save(name, ContentFile(data))
    folder = os.path.dirname(path)
    _make_folder(storage, folder)
    # mkstemp creates the file readable by its owner only, so the web server cannot serve it
    # while it is partial.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, getattr(storage, "file_permissions_mode", None) or 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)
    return name


def same_content(storage, name: str, data: bytes) -> bool:
    """Whether `name` exists and holds exactly `data` (a file cut short does not)."""
    try:
        if not storage.exists(name):
            return False
        with storage.open(name, "rb") as fh:
            return fh.read(len(data) + 1) == data
    except OSError:
        return False


def discard(storage, name: str) -> None:
    """Remove `name`, if it exists; a failure is logged, not raised."""
    try:
        if storage.exists(name):
            storage.delete(name)
    except OSError as exc:  # a read-only folder: then nothing was written either
        logger.warning("Could not remove %s: %s", name, exc)

"""Files that failed to import keep their bytes, as LegacyRejectedFile rows, until they do.

A failed file has no article for a LegacySource to hang on, yet its text must not be lost:
an operator fixes the parser or the file and imports again. Rows are written and cleared
once per window of files, in one statement each.
"""

from __future__ import annotations

from .models import LegacyRejectedFile


class RejectedFiles:
    """The failed files of the current window, as read: path -> (reason, bytes, hash)."""

    def __init__(self, *, dry_run: bool = False):
        self.dry_run = dry_run
        self._files: dict[str, tuple[str, bytes, str]] = {}

    def add(self, rel: str, reason: str, data: bytes, digest: str) -> None:
        self._files[rel] = (reason, data, digest)

    def settle(self, rels: list[str], failed: set[str]) -> None:
        """Keep the bytes of the files of `rels` that failed; drop the rows of the others.

        A failed file's row is refreshed on every failure; once a file imports, is unchanged
        or is no post after all, its old row goes. A dry run writes neither.
        """
        rejected, self._files = self._files, {}
        if self.dry_run:
            return
        if rejected:
            LegacyRejectedFile.objects.bulk_create(
                [
                    LegacyRejectedFile(path=rel, reason=reason, data=data, content_hash=digest)
                    for rel, (reason, data, digest) in rejected.items()
                ],
                update_conflicts=True,
                unique_fields=["path"],
                update_fields=["reason", "data", "content_hash", "rejected_at"],
            )
        settled = [rel for rel in rels if rel not in failed]
        if settled:
            LegacyRejectedFile.objects.filter(path__in=settled).delete()

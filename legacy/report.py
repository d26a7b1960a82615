"""What an import run did, file by file: the importer fills it, the command prints it.

Kept small in memory whatever the size of the archive; see ImportReport.
"""

from __future__ import annotations

import io
import tempfile
import weakref
from dataclasses import dataclass, field

OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")
# Outcomes that say all there is to say about a file when they come without a reason or
# warnings; failed and skipped files always carry a reason.
_PLAIN_OUTCOMES = ("created", "updated", "unchanged")


@dataclass
class FileResult:
    """One file's outcome (one of OUTCOMES), with the reason for a failed or skipped file."""

    path: str
    outcome: str
    reason: str = ""
    warnings: list[str] = field(default_factory=list)


class ImportReport:
    """What a run did, file by file; the command prints it, tests assert on it.

    Memory must not grow with the archive, so only the counts and the files worth reporting
    (failed, skipped, or with warnings) are held. The rest, a path and an outcome each, go to
    an anonymous temporary file, read back only when `results` is asked for: a FileResult per
    file held 2 MB at 10,000 files, and the tracked objects made garbage collection rarer.
    """

    def __init__(self, *, dry_run: bool = False):
        self.dry_run = dry_run
        self.elapsed = 0.0
        self._counts = dict.fromkeys(OUTCOMES, 0)
        self._size = 0
        self._notable: list[tuple[int, FileResult]] = []  # (position in the run, result)
        self._spool = None

    def add(self, result: FileResult) -> None:
        self._counts[result.outcome] = self._counts.get(result.outcome, 0) + 1
        if (
            result.outcome in _PLAIN_OUTCOMES
            and not result.reason
            and not result.warnings
            and "\0" not in result.path
        ):
            if self._spool is None:
                # Closed (and so gone) with the report; Linux unlinks it at once.
                try:
                    self._spool = tempfile.TemporaryFile()  # noqa: SIM115
                except OSError:
                    # No writable temporary directory: keep the records in memory, compactly.
                    self._spool = io.BytesIO()
                weakref.finalize(self, self._spool.close)
            code = _PLAIN_OUTCOMES.index(result.outcome)
            # One record per file: the outcome's index as a digit, the path, NUL.
            self._spool.write(b"%d%s\0" % (code, result.path.encode(errors="surrogatepass")))
        else:
            self._notable.append((self._size, result))
        self._size += 1

    @property
    def results(self) -> list[FileResult]:
        """Every file's result, in the order they were added."""
        plain = []
        if self._spool is not None:
            self._spool.seek(0)
            plain = self._spool.read().split(b"\0")[:-1]
            self._spool.seek(0, io.SEEK_END)
        notable = dict(self._notable)
        plain_results = (
            FileResult(record[1:].decode(errors="surrogatepass"), _PLAIN_OUTCOMES[int(record[:1])])
            for record in plain
        )
        return [notable[i] if i in notable else next(plain_results) for i in range(self._size)]

    def count(self, outcome: str) -> int:
        return self._counts.get(outcome, 0)

    @property
    def counts(self) -> dict[str, int]:
        return {outcome: self.count(outcome) for outcome in OUTCOMES}

    def with_outcome(self, outcome: str) -> list[FileResult]:
        results = self.results if outcome in _PLAIN_OUTCOMES else self._notable_results()
        return [r for r in results if r.outcome == outcome]

    @property
    def warnings(self) -> list[tuple[str, str]]:
        return [(r.path, w) for r in self._notable_results() for w in r.warnings]

    @property
    def rate(self) -> float:
        return self._size / self.elapsed if self.elapsed else 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.count("failed") else 0

    def _notable_results(self) -> list[FileResult]:
        return [result for _, result in self._notable]

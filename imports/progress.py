"""How far an import has got: the counters the runner moves as it goes, and the share done and the time left
that the import page's progress bar (through the import's job, imports.jobs) and `import_data`'s bar on a
terminal show.

An import goes through four phases. Reading: the reader loads the whole sheet in one call (calamine, or
the csv module), so its length is not known before it returns. Checking: the importer's loop takes the
rows one by one and they are counted as it does. Writing: the app's write service takes every row in one
call inside the import's transaction (a COPY and one INSERT on PostgreSQL), so the rows written are known
when it returns, and the transaction commits after. Finished.

The bar gives each phase the share of the time it takes in docs/performance.md (100,000 rows: reading
about a quarter, checking a seventh, writing and committing the rest); the time left is what the rows yet
to check would take at the speed of those checked so far, plus the write that this speed predicts, and,
once writing, the rest of that prediction. They are estimates, and say so (`about`).
"""

import datetime
import shutil
import threading
import time
from dataclasses import dataclass

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Shares of the bar (in percent) of reading, checking and writing, as their times in docs/performance.md.
READ_SHARE, CHECK_SHARE, WRITE_SHARE = 25, 15, 60
# While writing, the bar stops short of the end until the write returns.
WRITING_CAP = 0.95
# How often the checking loop updates the count (rows): often enough for a bar, cheap enough for 100,000.
COUNT_EVERY = 500


class Phase(models.TextChoices):
    QUEUED = "queued", _("waiting for the worker")
    READING = "reading", _("reading the file")
    CHECKING = "checking", _("checking the rows")
    WRITING = "writing", _("writing")
    FINISHED = "finished", _("finished")


@dataclass
class ProgressState:
    """A snapshot of an import's progress (a running Progress, or an ImportJob's stored fields)."""

    phase: str = Phase.QUEUED
    rows_total: int | None = None
    rows_read: int = 0
    rows_checked: int = 0
    rows_written: int = 0
    started_at: datetime.datetime | None = None
    checking_since: datetime.datetime | None = None
    writing_since: datetime.datetime | None = None

    def _check_rate(self, now):
        """Rows checked per second so far, or None before there is anything to go by."""
        if self.phase == Phase.CHECKING:
            elapsed = (now - self.checking_since).total_seconds() if self.checking_since else 0
            rows = self.rows_checked
        elif self.checking_since and self.writing_since:
            elapsed = (self.writing_since - self.checking_since).total_seconds()
            rows = self.rows_total or 0
        else:
            return None
        if rows <= 0 or elapsed <= 0:
            return None
        return rows / elapsed

    def _write_estimate(self, now):
        """Seconds the write is expected to take: the check's time scaled by the phases' shares."""
        rate = self._check_rate(now)
        if rate is None or not self.rows_total:
            return None
        return self.rows_total / rate * WRITE_SHARE / CHECK_SHARE

    def percent(self, now=None) -> int:
        """The share done, 0 to 100."""
        now = now or timezone.now()
        total = self.rows_total or 0
        if self.phase == Phase.FINISHED:
            return 100
        if self.phase == Phase.CHECKING and total:
            return int(READ_SHARE + CHECK_SHARE * min(1, self.rows_checked / total))
        if self.phase == Phase.WRITING:
            share = 0.0
            expected = self._write_estimate(now)
            if self.rows_written:
                share = WRITING_CAP  # written, committing
            elif expected and self.writing_since:
                share = min(WRITING_CAP, (now - self.writing_since).total_seconds() / expected)
            return int(READ_SHARE + CHECK_SHARE + WRITE_SHARE * share)
        return 0

    def seconds_left(self, now=None) -> int | None:
        """About how many seconds are left; None when there is nothing to estimate from yet."""
        now = now or timezone.now()
        if self.phase == Phase.FINISHED:
            return 0
        expected = self._write_estimate(now)
        if expected is None:
            return None
        if self.phase == Phase.CHECKING:
            left = (self.rows_total - self.rows_checked) / self._check_rate(now) + expected
        elif self.phase == Phase.WRITING and self.writing_since:
            left = expected - (now - self.writing_since).total_seconds()
        else:
            return None
        return max(1, round(left))


class Progress:
    """The counters of a running import. The runner calls the phase methods and `counting` in order; another
    thread may read `state()` at any time (a bar). Subclasses (a job's) also store them, and may act in
    the import's transaction just before it commits (`committing`)."""

    def __init__(self):
        self.phase = Phase.QUEUED
        self.rows_total = None
        self.rows_read = self.rows_checked = self.rows_written = 0
        self.started_at = self.checking_since = self.writing_since = None

    def reading(self):
        self.phase = Phase.READING
        self.started_at = self.started_at or timezone.now()

    def read(self, rows):
        """The file is read: `rows` rows below its header (or objects of a .json file) to check."""
        self.rows_total = self.rows_read = rows
        self.phase = Phase.CHECKING
        self.checking_since = timezone.now()

    def counting(self, rows, header_row):
        """Pass on the (row number, cells) of the checking loop, counting them as it takes them."""
        for count, item in enumerate(rows, 1):
            if count % COUNT_EVERY == 0:
                self.rows_checked = item[0] - header_row
            yield item

    def checked(self):
        self.rows_checked = self.rows_total or 0

    def writing(self):
        """Called just before the write's transaction begins."""
        self.phase = Phase.WRITING
        self.writing_since = timezone.now()

    def wrote(self, rows):
        """Called inside the transaction when the write service has returned."""
        self.rows_written = rows

    def committing(self, report):
        """Called inside the write's transaction, after the import's record, just before the commit."""

    def finished(self):
        self.phase = Phase.FINISHED

    def state(self) -> ProgressState:
        return ProgressState(
            phase=self.phase,
            rows_total=self.rows_total,
            rows_read=self.rows_read,
            rows_checked=self.rows_checked,
            rows_written=self.rows_written,
            started_at=self.started_at,
            checking_since=self.checking_since,
            writing_since=self.writing_since,
        )


class TerminalBar:
    """`import_data`'s bar on a terminal: a thread redraws it in place (a carriage return) a few times a
    second from the run's Progress, and leaves its last state on its own line when the run ends. Only for
    a terminal: the command's output to a file or a pipe stays as it was."""

    WIDTH = 20

    def __init__(self, progress, stream, *, interval=0.2, columns=None):
        self.progress = progress
        self.stream = stream
        self.interval = interval
        self.columns = columns
        self._stop = threading.Event()
        self._thread = None
        self._began = time.monotonic()

    def line(self, now=None) -> str:
        state = self.progress.state()
        now = now or timezone.now()
        percent = state.percent(now)
        filled = round(self.WIDTH * percent / 100)
        parts = [f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {percent:3d}% {Phase(state.phase).label}"]
        if state.rows_total is not None:
            parts.append(f"read {state.rows_read:,}, checked {state.rows_checked:,}, written {state.rows_written:,}")
        if state.phase == Phase.FINISHED:
            parts.append(f"in {_duration(round(time.monotonic() - self._began))}")
        else:
            left = state.seconds_left(now)
            if left is not None:
                parts.append(f"about {_duration(left)} left")
        return " · ".join(parts)

    def draw(self):
        columns = self.columns or shutil.get_terminal_size().columns
        self.stream.write("\r" + self.line()[: max(20, columns - 1)] + "\x1b[K", ending="")
        self.stream.flush()

    def _run(self):
        while not self._stop.wait(self.interval):
            self.draw()

    def __enter__(self):
        self._thread = threading.Thread(target=self._run, name="import-progress-bar", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()
        self.draw()
        self.stream.write("")  # ends the bar's line


def _duration(seconds) -> str:
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60}:{seconds % 60:02d} min"

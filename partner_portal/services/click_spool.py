"""An append-only spool of clicks on local disk.

The redirect appends one JSON line per click with a single ``write(2)`` on an
``O_APPEND`` file before it answers, so a click survives the worker being killed the
moment after. A drainer (``jobs/clicks.py``) renames the active file into a segment,
waits for in-flight writers to settle, loads the segment into the database idempotently
(click tokens are unique) and only then deletes it.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

ACTIVE = "clicks.log"
SEGMENT_PREFIX = "segment-"
SETTLE_SECONDS = 0.5


class ClickSpool:
    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.active = self.directory / ACTIVE
        self._ready = False

    def append(self, record: dict) -> None:
        line = (json.dumps(record, separators=(",", ":"), ensure_ascii=True) + "\n").encode()
        try:
            fd = os.open(self.active, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        except FileNotFoundError:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.active, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)

    @contextmanager
    def drain_lock(self, blocking: bool = False):
        """One drainer at a time per spool (across processes). Yields False if busy."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / "drain.lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def rotate(self) -> Path | None:
        """Move the active file aside as a new segment (writers reopen per click, so new
        clicks go to a fresh active file at once)."""
        try:
            if self.active.stat().st_size == 0:
                return None
        except FileNotFoundError:
            return None
        segment = self.directory / f"{SEGMENT_PREFIX}{time.time_ns()}.log"
        os.rename(self.active, segment)
        return segment

    def segments(self, *, settled_only: bool = True) -> list[Path]:
        cutoff = time.time_ns() - int(SETTLE_SECONDS * 1e9)
        found = []
        for path in sorted(self.directory.glob(f"{SEGMENT_PREFIX}*.log")):
            stamp = int(path.stem[len(SEGMENT_PREFIX):] or 0)
            if not settled_only or stamp <= cutoff:
                found.append(path)
        return found

    @staticmethod
    def read(segment: Path) -> tuple[list[dict], int]:
        """The records in a segment, and how many lines could not be read."""
        records, bad = [], 0
        with open(segment, "rb") as handle:
            for raw in handle:
                if not raw.endswith(b"\n"):
                    bad += 1  # a torn final line (disk full): keep the rest
                    continue
                try:
                    records.append(json.loads(raw))
                except ValueError:
                    bad += 1
        return records, bad

    def discard(self, segment: Path, *, keep_as: str | None = None) -> None:
        if keep_as:
            segment.rename(segment.with_name(keep_as))
        else:
            segment.unlink(missing_ok=True)

    def pending_bytes(self) -> int:
        total = 0
        for path in [self.active, *self.segments(settled_only=False)]:
            try:
                total += path.stat().st_size
            except FileNotFoundError:
                pass
        return total

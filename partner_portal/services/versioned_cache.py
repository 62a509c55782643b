"""A per-process cache that every worker on a host empties when a version file changes.

A committed change to what a cache holds touches the file (``bump``); each read compares
the file's modification time (one ``stat``) with the one the cache last saw. Entries older
than ``ttl_seconds`` are reloaded anyway, which bounds staleness when another host made the
change (it touched its own file, not ours).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any, Callable

MAX_ENTRIES = 50_000


class VersionedCache:
    def __init__(self, version_file: Path, ttl_seconds: float):
        self.version_file = Path(version_file)
        self.ttl = ttl_seconds
        self._entries: dict[Any, tuple[Any, float]] = {}
        self._version: int | None = None
        self._lock = threading.Lock()

    def current_version(self) -> int:
        try:
            return self.version_file.stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    def lookup(self, key, loader: Callable[[], Any], *, keep_none: bool = True,
               version: int | None = None):
        """The cached value of ``key``, or ``loader()`` (kept unless it is None and
        ``keep_none`` is False). ``version``: the version file's, read by the caller
        already (``current_version``)."""
        # Read the version before loading: a change committed after this point bumps the
        # version again, so a copy loaded before it can never outlive the next check.
        if version is None:
            version = self.current_version()
        now = time.monotonic()
        if version != self._version:
            with self._lock:
                self._entries.clear()
                self._version = version
        hit = self._entries.get(key)
        if hit is not None and now - hit[1] < self.ttl:
            return hit[0]
        value = loader()
        if value is not None or keep_none:
            if len(self._entries) > MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (value, now)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def bump(self) -> None:
        """Tell every worker on this host to forget what it cached."""
        self.version_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.version_file, "a"):
            pass
        now_ns = time.time_ns()
        os.utime(self.version_file, ns=(now_ns, now_ns))

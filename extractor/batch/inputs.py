"""Input discovery: files, folders and globs into a list of files; hashing them ahead of the run."""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import os
import queue
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class InputFile:
    """``path`` opens the file; ``name`` is how the dataset records it (:func:`display_path`)."""

    path: str
    size: int
    name: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", display_path(self.path))


def display_path(path: str) -> str:
    """The path as text that UTF-8 can store: a file name that is not valid UTF-8 (GBK names
    from Windows zips are common) is decoded as GB18030, else its bad bytes are escaped."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        raw = os.fsencode(path)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace")


def _has_magic(s: str) -> bool:
    return any(ch in s for ch in "*?[")


def collect_inputs(inputs: Sequence[str], exclude: Sequence[str | os.PathLike[str]] = ()) -> tuple[
        list[InputFile], list[str], list[str]]:
    """Expand files, folders (recursively, hidden entries skipped) and globs.

    Returns ``(files, missing, warnings)``: files deduplicated by real path, the inputs that
    do not exist, and messages about globs that matched nothing.
    """
    found = _Collector({os.path.realpath(p) for p in exclude})
    found.collect(inputs)
    return found.files, list(dict.fromkeys(found.missing)), found.warnings


class InputSpool:
    """The input files of a run in a SQLite file rather than in memory (a run of a million
    files would hold ~0.3 KB per file as Python objects): one row per file, deduplicated by
    real path, read back largest first (:meth:`by_size`) a page at a time. The file is
    created afresh and deleted by :meth:`close`."""

    PAGE = 1000

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._unlink()
        self.conn = sqlite3.connect(self.path)
        self.conn.execute("PRAGMA journal_mode = OFF")
        self.conn.execute("PRAGMA synchronous = OFF")
        # paths as bytes (os.fsencode): a file name need not be valid UTF-8
        self.conn.execute("CREATE TABLE files (real BLOB PRIMARY KEY, path BLOB NOT NULL, name TEXT NOT NULL, "
                          "size INTEGER NOT NULL) WITHOUT ROWID")
        self.count = 0

    def _unlink(self) -> None:
        for p in (self.path, self.path.with_name(self.path.name + "-journal")):
            try:
                p.unlink()
            except FileNotFoundError:
                pass

    def add(self, real: str, f: InputFile) -> None:
        """Add ``f`` unless a file of the same real path is in already."""
        cur = self.conn.execute("INSERT OR IGNORE INTO files VALUES (?, ?, ?, ?)",
                                (os.fsencode(real), os.fsencode(f.path), f.name, f.size))
        self.count += cur.rowcount

    def seen(self, real: str) -> bool:
        return self.conn.execute("SELECT 1 FROM files WHERE real = ?", (os.fsencode(real),)).fetchone() is not None

    def by_size(self) -> Iterator[InputFile]:
        """Every file, largest first (then by path): the order that keeps workers evenly busy
        to the end. Its own connection, so it may run in another thread."""
        conn = sqlite3.connect(self.path)
        try:
            rows = conn.execute("SELECT path, name, size FROM files ORDER BY size DESC, path LIMIT ?",
                                (self.PAGE,)).fetchall()
            while rows:
                for path, name, size in rows:
                    yield InputFile(os.fsdecode(path), size, name)
                _, _, size = rows[-1]
                rows = conn.execute("SELECT path, name, size FROM files WHERE size < ? OR (size = ? AND path > ?) "
                                    "ORDER BY size DESC, path LIMIT ?",
                                    (size, size, rows[-1][0], self.PAGE)).fetchall()
        finally:
            conn.close()

    def names(self) -> Iterator[list[str]]:
        """The names of every file (as the dataset records them), a page at a time."""
        last = b""
        while True:
            rows = self.conn.execute("SELECT real, name FROM files WHERE real > ? ORDER BY real LIMIT ?",
                                     (last, self.PAGE)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [name for _, name in rows]

    def close(self) -> None:
        self.conn.close()
        self._unlink()


def spool_inputs(inputs: Sequence[str], spool: InputSpool, exclude: Sequence[str | os.PathLike[str]] = ()) -> tuple[
        list[str], list[str]]:
    """:func:`collect_inputs` into ``spool``; returns ``(missing, warnings)``."""
    found = _Collector({os.path.realpath(p) for p in exclude}, spool)
    found.collect(inputs)
    spool.conn.execute("CREATE INDEX files_by_size ON files(size DESC, path)")
    spool.conn.commit()
    return list(dict.fromkeys(found.missing)), found.warnings


class _Collector:
    """The files found so far, each once (by real path): in a list, or in a spool."""

    def __init__(self, excluded: set[str], spool: InputSpool | None = None) -> None:
        self.excluded = excluded
        self.spool = spool
        self.seen: set[str] = set()
        self.files: list[InputFile] = []
        self.missing: list[str] = []
        self.warnings: list[str] = []

    def collect(self, inputs: Sequence[str]) -> None:
        for inp in inputs:
            if os.path.isdir(inp):
                self.walk(inp)
            elif os.path.lexists(inp):
                self.add(inp)
            elif _has_magic(inp):
                self.glob(inp)
            else:
                self.missing.append(display_path(os.path.normpath(inp)))

    def add(self, path: str) -> None:
        path = os.path.normpath(path)
        try:
            real = os.path.realpath(path)
            if (real in self.seen) if self.spool is None else self.spool.seen(real):
                return
            st = os.stat(path)
        except OSError:
            self.missing.append(display_path(path))
            return
        if not os.path.isfile(path):
            return
        f = InputFile(path, st.st_size, display_path(path))
        if self.spool is not None:
            self.spool.add(real, f)
        else:
            self.seen.add(real)
            self.files.append(f)

    def walk(self, top: str) -> None:
        if os.path.realpath(top) in self.excluded:
            return
        for root, dirs, names in os.walk(top):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                             and os.path.realpath(os.path.join(root, d)) not in self.excluded)
            for name in sorted(names):
                if not name.startswith("."):
                    self.add(os.path.join(root, name))

    def glob(self, pattern: str) -> None:
        matches = sorted(glob.glob(pattern, recursive=True))
        if not matches:
            self.warnings.append(f"no file matches {pattern}")
        for m in matches:
            if os.path.isdir(m):
                self.walk(m)
            elif not any(fnmatch.fnmatch(os.path.basename(part), ".*") for part in Path(m).parts[:-1]):
                self.add(m)


def _hash_file(path: str) -> tuple[str | None, str | None]:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                h.update(chunk)
    except OSError as e:
        return None, f"cannot read {display_path(path)}: {e.strerror or e}"
    return h.hexdigest(), None


def _hashed(files: Iterable[InputFile], stop: threading.Event) -> Iterator[tuple[InputFile, str | None, str | None]]:
    """Hash files in a background thread, a little ahead of the consumer."""
    q: queue.Queue[Any] = queue.Queue(maxsize=256)
    end = object()

    def producer() -> None:
        for f in files:
            if stop.is_set():
                break
            sha, err = _hash_file(f.path)
            while not stop.is_set():
                try:
                    q.put((f, sha, err), timeout=0.2)
                    break
                except queue.Full:
                    continue
        q.put(end)

    threading.Thread(target=producer, name="extractor-hash", daemon=True).start()
    while True:
        item = q.get()
        if item is end:
            return
        yield item

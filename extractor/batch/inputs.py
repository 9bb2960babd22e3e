"""Input discovery: files, folders and globs into a list of files; hashing them ahead of the run."""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
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
    for inp in inputs:
        if os.path.isdir(inp):
            found.walk(inp)
        elif os.path.lexists(inp):
            found.add(inp)
        elif _has_magic(inp):
            found.glob(inp)
        else:
            found.missing.append(display_path(os.path.normpath(inp)))
    return found.files, list(dict.fromkeys(found.missing)), found.warnings


class _Collector:
    """The files found so far, each once (by real path)."""

    def __init__(self, excluded: set[str]) -> None:
        self.excluded = excluded
        self.seen: set[str] = set()
        self.files: list[InputFile] = []
        self.missing: list[str] = []
        self.warnings: list[str] = []

    def add(self, path: str) -> None:
        path = os.path.normpath(path)
        try:
            real = os.path.realpath(path)
            if real in self.seen:
                return
            st = os.stat(path)
        except OSError:
            self.missing.append(display_path(path))
            return
        if not os.path.isfile(path):
            return
        self.seen.add(real)
        self.files.append(InputFile(path, st.st_size, display_path(path)))

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


def _hashed(files: Sequence[InputFile], stop: threading.Event) -> Iterator[tuple[InputFile, str | None, str | None]]:
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

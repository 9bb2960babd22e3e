"""Explicit, configurable limits. Hitting one gives an issue or a LimitExceeded error
that names the limit (``limit.<name>``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 200 * 1024 * 1024  # input file size
    max_pages: int = 500  # PDF pages read
    max_cells: int = 2_000_000  # cells over all grids of one document
    max_text_chars: int = 50_000_000  # decoded characters
    max_depth: int = 2000  # HTML nesting kept
    time_s: float = 120.0  # per-file time (enforced by the batch runner)


DEFAULT_LIMITS = Limits()

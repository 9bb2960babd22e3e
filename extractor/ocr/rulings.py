"""Ruling lines and merged cells of ruled tables in a page image (OpenCV morphology).

:func:`find_tables` takes the page's ink mask (ink = 255, upright and deskewed) and the
typical text height, and returns every ruled table as a :class:`Lattice`:

1. horizontal rules are what survives a morphological opening with a long flat kernel
   (at least 4 text heights, or a thirtieth of the page), vertical rules likewise with a tall kernel
   (about one text height, since a rule between two header rows is short); a short
   vertical piece whose ends do not both lie on a horizontal rule is a stroke of a
   character, not a rule, unless two of the table's horizontal rules cross it (then what
   sticks out beyond them is cut off);
2. each connected group of rules wide and tall enough is a table; its rules' positions,
   clustered, are the row and column boundaries of its slot lattice;
3. two neighbouring slots belong to one merged cell when no rule separates them (the
   rule's pixels cover less than half of their common side); merged slots are joined with
   a union-find and each group becomes one cell ``(r0, r1, c0, c1)`` (its bounding slots).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Lattice", "find_tables", "rule_mask"]


@dataclass
class Lattice:
    """One ruled table: boundaries (pixels) and cells as slot ranges (end exclusive)."""

    xs: list[float]
    ys: list[float]
    cells: list[tuple[int, int, int, int]]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]

    def cell_box(self, cell: tuple[int, int, int, int]) -> tuple[float, float, float, float]:
        r0, r1, c0, c1 = cell
        return self.xs[c0], self.ys[r0], self.xs[c1], self.ys[r1]


def rule_mask(ink: np.ndarray, text_h: float) -> tuple[np.ndarray, np.ndarray]:
    """The horizontal and vertical rule pixels of ``ink`` (two masks, 255 = rule)."""
    import cv2

    h, w = ink.shape
    th = max(6, int(round(text_h)))
    hk = cv2.getStructuringElement(cv2.MORPH_RECT, (max(4 * th, w // 30), 1))
    vk = cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(8, int(0.9 * th))))
    # close pinholes of a scanned rule first (a rule broken by JPEG noise stays one rule)
    closed_h = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 1)))
    closed_v = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, 5)))
    horiz = cv2.morphologyEx(closed_h, cv2.MORPH_OPEN, hk)
    vert = cv2.morphologyEx(closed_v, cv2.MORPH_OPEN, vk)
    strict = _vertical_rules_only(vert, horiz, th)
    vert = _short_rules_overshooting(vert, strict, _horizontal_rules_only(horiz, strict, th), th)
    horiz = _horizontal_rules_only(horiz, vert, th)
    return horiz, vert


def _horizontal_rules_only(horiz: np.ndarray, vert: np.ndarray, th: int) -> np.ndarray:
    """Drop horizontal pieces whose ends do not both lie on a vertical rule (the aligned
    strokes of a run of characters, joined by the closing, are not a rule)."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(horiz, connectivity=8)
    tol = max(2, th // 8)
    near = cv2.dilate(vert, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * tol + 1, 5)))
    keep = np.zeros(n, dtype=bool)
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        left = near[y:y + bh, x:x + 1].any()
        right = near[y:y + bh, x + bw - 1:x + bw].any()
        keep[i] = bool(left and right)
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def _vertical_rules_only(vert: np.ndarray, horiz: np.ndarray, th: int) -> np.ndarray:
    """Drop vertical pieces that do not touch a horizontal rule at both ends."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(vert, connectivity=8)
    tol = max(2, th // 8)
    near = cv2.dilate(horiz, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 2 * tol + 1)))
    keep = np.zeros(n, dtype=bool)
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        if bh >= 6 * th:
            keep[i] = True
            continue
        top = near[y:y + 1, x:x + bw].any()
        bottom = near[y + bh - 1:y + bh, x:x + bw].any()
        keep[i] = bool(top and bottom)
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def _short_rules_overshooting(vert: np.ndarray, kept: np.ndarray, rules_h: np.ndarray, th: int) -> np.ndarray:
    """``kept`` plus the short vertical pieces of ``vert`` it lacks that two of the table's
    horizontal rules (``rules_h``, already checked against the vertical rules) cross, with
    what sticks out beyond the outermost two cut off: on a low-resolution scan a stroke of a
    character just under the table's last rule joins the rule above it into one piece, whose
    lower end then lies on no rule."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(vert, connectivity=8)
    tol = max(2, th // 8)
    near = cv2.dilate(rules_h, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 2 * tol + 1)))
    out = kept.copy()
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        if bh >= 6 * th or kept[y:y + bh, x:x + bw][labels[y:y + bh, x:x + bw] == i].any():
            continue
        rows = np.flatnonzero(near[y:y + bh, x:x + bw].any(axis=1))
        if rows.size == 0 or not (np.diff(rows) > 1).any():
            continue  # crosses one rule at most: a stroke of a character
        y0, y1 = y + int(rows[0]), y + int(rows[-1])
        band = labels[y0:y1 + 1, x:x + bw] == i
        out[y0:y1 + 1, x:x + bw][band] = 255
    return out


def _cluster(values: list[float], tol: float) -> list[float]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [float(np.mean(g)) for g in out]


def _segments(mask: np.ndarray, axis: int) -> list[tuple[float, int, int]]:
    """(position across, start, end along) of each connected rule piece."""
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    segs = []
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        if axis == 0:  # horizontal rule: y across, x along
            segs.append((y + bh / 2, int(x), int(x + bw)))
        else:
            segs.append((x + bw / 2, int(y), int(y + bh)))
    return segs


def find_tables(ink: np.ndarray, text_h: float) -> tuple[list[Lattice], np.ndarray]:
    """Ruled tables of the page (top to bottom) and the mask of all rule pixels."""
    import cv2

    horiz, vert = rule_mask(ink, text_h)
    rules = cv2.bitwise_or(horiz, vert)
    th = max(6, int(round(text_h)))
    joined = cv2.dilate(rules, cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    tables: list[Lattice] = []
    for i in range(1, n):
        x, y, bw, bh, _ = stats[i]
        if bw < 8 * th or bh < 1.5 * th:
            continue
        lat = _lattice(horiz[y:y + bh, x:x + bw], vert[y:y + bh, x:x + bw], th)
        if lat is None:
            continue
        lat.xs = [v + x for v in lat.xs]
        lat.ys = [v + y for v in lat.ys]
        tables.append(lat)
    tables.sort(key=lambda t: (t.ys[0], t.xs[0]))
    return tables, rules


def _lattice(horiz: np.ndarray, vert: np.ndarray, th: int) -> Lattice | None:
    hs = [s for s in _segments(horiz, 0) if s[2] - s[1] >= 2 * th]
    vs = [s for s in _segments(vert, 1)]
    if len(hs) < 2 or len(vs) < 2:
        return None
    tol = max(3.0, th * 0.35)
    # no row or column is thinner than half a text line: closer rules are one rule (a thick
    # or slightly bent scanned rule found twice)
    ys = _cluster([s[0] for s in hs], max(tol, 0.5 * th))
    xs = _cluster([s[0] for s in vs], max(tol, 0.5 * th))
    if len(ys) < 2 or len(xs) < 2:
        return None
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    band = max(2, int(tol))

    def wall_v(c: int, r: int) -> bool:  # a rule at xs[c] between rows r..r+1?
        x = int(round(xs[c]))
        y0, y1 = int(ys[r]), int(ys[r + 1])
        pad = (y1 - y0) // 5
        strip = vert[y0 + pad:y1 - pad, max(0, x - band):x + band + 1]
        return strip.size > 0 and float((strip.max(axis=1) > 0).mean()) >= 0.5

    def wall_h(r: int, c: int) -> bool:  # a rule at ys[r] between columns c..c+1?
        y = int(round(ys[r]))
        x0, x1 = int(xs[c]), int(xs[c + 1])
        pad = (x1 - x0) // 5
        strip = horiz[max(0, y - band):y + band + 1, x0 + pad:x1 - pad]
        return strip.size > 0 and float((strip.max(axis=0) > 0).mean()) >= 0.5

    parent = list(range(n_rows * n_cols))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not wall_v(c + 1, r):
                parent[find(r * n_cols + c + 1)] = find(r * n_cols + c)
            if r + 1 < n_rows and not wall_h(r + 1, c):
                parent[find((r + 1) * n_cols + c)] = find(r * n_cols + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            groups.setdefault(find(r * n_cols + c), []).append((r, c))
    cells = []
    for slots in groups.values():
        rs = [s[0] for s in slots]
        cs = [s[1] for s in slots]
        cells.append((min(rs), max(rs) + 1, min(cs), max(cs) + 1))
    cells.sort()
    return Lattice(xs, ys, cells)

"""pdfplumber's table finder ("lines" strategy, the settings of ``page.find_tables()``),
run on edge dicts, with a faster step from intersections to cells.

pdfplumber's ``TableFinder`` snaps and joins the edges, finds where they cross, then looks
for each crossing's smallest cell: for every point below it and every point right of it
joined to it by an edge, a bottom-right corner joined to both. Its ``edge_connects`` turns
the edge lists of both points into sets of boxes at every test; most of the finder's time
went there. :func:`find_tables` runs the same steps with pdfplumber's own functions
(``merge_edges``, ``edges_to_intersections``, ``cells_to_tables``) and settings, and the
same search for cells over sets built once per point: the same cells in the same order
(a test compares both on every fixture page).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

__all__ = ["FoundTable", "find_tables"]

Bbox = tuple[float, float, float, float]


@dataclass(frozen=True)
class FoundTable:
    """A table found: its cell boxes (``x0, top, x1, bottom``) and the box around them."""

    cells: list[Bbox]

    @property
    def bbox(self) -> Bbox:
        c = self.cells
        return (min(b[0] for b in c), min(b[1] for b in c), max(b[2] for b in c), max(b[3] for b in c))


def find_tables(edges: list[dict[str, Any]]) -> list[FoundTable]:
    """The tables pdfplumber's ``TableFinder`` finds on a page with these edges (default
    settings: the ones of ``page.find_tables()``)."""
    from pdfplumber.table import TableSettings, cells_to_tables

    s = TableSettings.resolve(None)
    vs = [(e["x0"], e["x1"], e["top"], e["bottom"], e["height"]) for e in edges
          if e["orientation"] == "v" and e["height"] >= s.edge_min_length_prefilter]
    hs = [(e["top"], e["bottom"], e["x0"], e["x1"], e["width"]) for e in edges
          if e["orientation"] == "h" and e["width"] >= s.edge_min_length_prefilter]
    v_edges = [(a, lo, b, hi) for a, b, lo, hi, n in _join(_snap(vs, s.snap_x_tolerance), s.join_y_tolerance, False)
               if n >= s.edge_min_length]  # as boxes: x0, top, x1, bottom
    h_edges = [(lo, a, hi, b) for a, b, lo, hi, n in _join(_snap(hs, s.snap_y_tolerance), s.join_x_tolerance, True)
               if n >= s.edge_min_length]
    crossings = _crossings(v_edges, h_edges, s.intersection_x_tolerance, s.intersection_y_tolerance)
    return [FoundTable(list(t)) for t in cells_to_tables(_cells(crossings))]


# an edge across its line: (position, position of its other side, start, end, length), as
# pdfplumber keeps it: a vertical edge (x0, x1, top, bottom, height), a horizontal one
# (top, bottom, x0, x1, width)
_Edge = tuple[float, float, float, float, float]


def _snap(edges: list[_Edge], tol: float) -> list[_Edge]:
    """pdfplumber's ``snap_objects``: positions within ``tol`` of the one before form a
    cluster, moved to the cluster's mean (by the same arithmetic), clusters in order."""
    values = sorted(set(e[0] for e in edges))
    cluster_of: dict[float, int] = {}
    k = -1
    last: float | None = None
    for x in values:
        if last is None or x > last + tol:
            k += 1
        cluster_of[x] = k
        last = x
    clusters: list[list[_Edge]] = [[] for _ in range(k + 1)]
    for e in edges:
        clusters[cluster_of[e[0]]].append(e)
    out: list[_Edge] = []
    for cluster in clusters:
        avg = sum(e[0] for e in cluster) / len(cluster)
        for a, b, lo, hi, n in cluster:
            d = avg - a
            out.append((a + d, b + d, lo, hi, n))
    return out


def _join(edges: list[_Edge], tol: float, horizontal: bool) -> list[_Edge]:
    """pdfplumber's ``merge_edges`` after snapping: edges on the same line (the same
    position) joined where they meet or are within ``tol`` of each other. A joined vertical
    edge's height grows by what it gained (``resize_object``: bottom), a horizontal one's
    width is its new x1 minus x0."""
    out: list[_Edge] = []
    by_line: dict[float, list[_Edge]] = {}
    for e in sorted(edges, key=lambda e: e[0]):
        by_line.setdefault(e[0], []).append(e)
    for group in by_line.values():
        group.sort(key=lambda e: e[2])
        joined = [group[0]]
        for e in group[1:]:
            a, b, lo, hi, n = joined[-1]
            if e[2] <= hi + tol:
                if e[3] > hi:
                    joined[-1] = (a, b, lo, e[3], e[3] - lo if horizontal else n + (e[3] - hi))
            else:
                joined.append(e)
        out += joined
    return out


def _crossings(v_edges: list[Bbox], h_edges: list[Bbox], xtol: float,
               ytol: float) -> dict[tuple[float, float], dict[str, list[Bbox]]]:
    """pdfplumber's ``edges_to_intersections`` on edge boxes: where a vertical and a
    horizontal edge cross (within the tolerances), the point (x of the vertical, top of the
    horizontal) with the edges through it."""
    h_sorted = sorted(h_edges, key=lambda e: (e[1], e[0]))
    tops = [e[1] for e in h_sorted]
    out: dict[tuple[float, float], dict[str, list[Bbox]]] = {}
    for v in sorted(v_edges, key=lambda e: (e[0], e[1])):
        x, top, bottom = v[0], v[1], v[3]
        for h in h_sorted[bisect.bisect_left(tops, top - ytol):bisect.bisect_right(tops, bottom + ytol)]:
            if top <= h[1] + ytol and bottom >= h[1] - ytol and h[0] - xtol <= x <= h[2] + xtol:
                d = out.setdefault((x, h[1]), {"v": [], "h": []})
                d["v"].append(v)
                d["h"].append(h)
    return out


def _cells(crossings: dict[tuple[float, float], dict[str, list[Bbox]]]) -> list[Bbox]:
    """pdfplumber's ``intersections_to_cells``, with each point's edges as sets of boxes made
    once: the smallest cell at each point, points in sorted order."""
    v = {p: frozenset(d["v"]) for p, d in crossings.items()}
    h = {p: frozenset(d["h"]) for p, d in crossings.items()}
    points = sorted(crossings)
    column: dict[float, list[tuple[float, float]]] = {}
    row: dict[float, list[tuple[float, float]]] = {}
    for p in points:  # in sorted order: a column top to bottom, a row left to right
        column.setdefault(p[0], []).append(p)
        row.setdefault(p[1], []).append(p)
    cells: list[Bbox] = []
    for pt in points:
        below = [q for q in column[pt[0]] if q[1] > pt[1] and not v[pt].isdisjoint(v[q])]
        if not below:
            continue
        right = [q for q in row[pt[1]] if q[0] > pt[0] and not h[pt].isdisjoint(h[q])]
        cell = _smallest(pt, below, right, v, h)
        if cell is not None:
            cells.append(cell)
    return cells


def _smallest(pt: tuple[float, float], below: list[tuple[float, float]], right: list[tuple[float, float]],
              v: dict[tuple[float, float], frozenset[Bbox]], h: dict[tuple[float, float], frozenset[Bbox]]) -> Bbox | None:
    for b in below:
        for r in right:
            corner = (r[0], b[1])
            vc = v.get(corner)
            if vc is not None and not vc.isdisjoint(v[r]) and not h[corner].isdisjoint(h[b]):
                return (pt[0], pt[1], corner[0], corner[1])
    return None

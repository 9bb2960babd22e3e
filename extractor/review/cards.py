"""The cards of the review, chosen and ordered inside SQLite (bounded memory).

A card is one flagged table (s2, s3, s4) of one ok report, or the issues of a report that
name no field ("document-level"). :func:`build` walks the flagged reports one at a time and
writes one row per card into TEMP tables of the connection (``rv_cards``, ``rv_codes``),
then ranks them worst first in SQL (``rv_rank``: severity, then more issues, then lower
confidence, then path and table). Nothing here holds more than one report in memory; the
sort is SQLite's, which spills to a temporary file. :func:`load_card` reads the values and
issues of one card when its page is written.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..templates import FIELDS

SEVERITY_RANK = {"error": 0, "warning": 1}
TABLE_TITLES = {"s2": "二、主动公开政府信息情况", "s3": "三、收到和处理政府信息公开申请情况",
                "s4": "四、政府信息公开行政复议、行政诉讼情况"}


def split_field(fid: str) -> tuple[str, str, str]:
    """``s3.denied.state_secret.total`` -> (``s3``, ``denied.state_secret``, ``total``)."""
    parts = fid.split(".")
    if len(parts) < 3:
        return parts[0], ".".join(parts[1:]), ""
    return parts[0], ".".join(parts[1:-1]), parts[-1]


@dataclass
class _Layout:
    row_order: dict[tuple[str, str], int] = field(default_factory=dict)
    col_order: dict[tuple[str, str], int] = field(default_factory=dict)
    row_label: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    col_label: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)


def _common_prefix(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    out: list[str] = []
    for items in zip(*paths, strict=False):
        if all(x == items[0] for x in items):
            out.append(items[0])
        else:
            break
    return tuple(out)


@lru_cache(maxsize=1)
def layout() -> _Layout:
    """Row and column order and labels of every table, derived from the codebook."""
    lay = _Layout()
    by_row: dict[tuple[str, str], list[tuple[str, ...]]] = defaultdict(list)
    by_col: dict[tuple[str, str], list[tuple[str, ...]]] = defaultdict(list)
    for f in FIELDS:
        t, r, c = split_field(f.id)
        lay.row_order.setdefault((t, r), len(lay.row_order))
        lay.col_order.setdefault((t, c), len(lay.col_order))
        by_row[(t, r)].append(f.label_path)
        by_col[(t, c)].append(f.label_path)
    vocab: dict[str, set[str]] = defaultdict(set)
    for (t, c), paths in by_col.items():
        rev = _common_prefix([tuple(reversed(p)) for p in paths]) if len(paths) > 1 else (paths[0][-1],)
        lab = tuple(reversed(rev)) or (paths[0][-1],)
        lay.col_label[(t, c)] = lab
        vocab[t].update(lab)
    for (t, r), paths in by_row.items():
        pre = list(_common_prefix(paths)[1:]) if len(paths) > 1 else list(paths[0][1:-1])
        while len(pre) > 1 and pre[-1] in vocab[t]:
            pre.pop()
        lay.row_label[(t, r)] = tuple(pre) or (r,)
    return lay


@dataclass
class Card:
    """One flagged table (or the document-level issues) of one report."""

    sha256: str
    path: str
    table: str  # s2 / s3 / s4, or "" for issues that name no field
    issuer: str | None
    year: int | None
    template: str | None
    confidence: float | None
    fmt: str | None
    issues: list[dict[str, Any]]
    values: dict[str, dict[str, Any]]
    #: the table's parsing report (a row of the dataset's ``tables``), or None
    parsing: dict[str, Any] | None = None

    @property
    def severity(self) -> str:
        return min((i["severity"] for i in self.issues), key=lambda s: SEVERITY_RANK.get(s, 9))

    @property
    def offending(self) -> dict[str, list[str]]:
        """field id -> the codes of the issues that name it (in this card's table)."""
        out: dict[str, list[str]] = defaultdict(list)
        for i in self.issues:
            for f in i["fields"]:
                if split_field(f)[0] == self.table and i["code"] not in out[f]:
                    out[f].append(i["code"])
        return out

    def field_severity(self, fid: str) -> str:
        """The worst severity of the issues that name ``fid``."""
        sev = [i["severity"] for i in self.issues if fid in i["fields"]]
        return min(sev, key=lambda s: SEVERITY_RANK.get(s, 9)) if sev else ""


#: the order of the cards: worst first (the default sort of every page)
CARD_ORDER = "c.sev, c.n DESC, COALESCE(c.conf, 0), c.path, c.tbl"

_FLAGGED_REPORTS = (
    "SELECT sha256, MIN(path), issuer, year, template, confidence, format FROM reports "
    "WHERE status = 'ok' AND sha256 IS NOT NULL AND (COALESCE(n_errors, 0) + COALESCE(n_warnings, 0)) > 0 "
    "GROUP BY sha256")


def _issues(conn: sqlite3.Connection, sha: str) -> list[dict[str, Any]]:
    return [
        {"code": c, "severity": s, "message": m, "fields": [f for f in (fs or "").split(";") if f]}
        for c, s, m, fs in conn.execute(
            "SELECT code, severity, message, fields FROM issues WHERE sha256 = ? "
            "AND severity IN ('error', 'warning') ORDER BY rowid", (sha,))
    ]


def _by_table(issues: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """table ("" for none) -> the issues that name a field of it (an issue may be in two)."""
    by_table: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for i in issues:
        tables = sorted({split_field(f)[0] for f in i["fields"]})
        for t in tables or [""]:
            by_table[t].append(i)
    return by_table


@dataclass
class Built:
    """What :func:`build` found: the number of cards and of flagged reports."""

    n_cards: int
    n_reports: int


def drop(conn: sqlite3.Connection) -> None:
    for t in ("rv_rank", "rv_codes", "rv_cards"):
        conn.execute(f"DROP TABLE IF EXISTS temp.{t}")


def build(conn: sqlite3.Connection) -> Built:
    """Fill the TEMP tables ``rv_cards`` / ``rv_codes`` / ``rv_rank`` (see the module doc)."""
    drop(conn)
    conn.execute("CREATE TEMP TABLE rv_cards (id INTEGER PRIMARY KEY, sha256 TEXT, path TEXT, tbl TEXT, "
                 "sev INTEGER, n INTEGER, conf REAL, issuer TEXT, year INTEGER, template TEXT, fmt TEXT, "
                 "codes TEXT)")
    conn.execute("CREATE TEMP TABLE rv_codes (card INTEGER, code TEXT)")
    n_reports = 0
    reader = conn.cursor()  # a second cursor: the inserts below go through conn
    for sha, path, issuer, year, template, conf, fmt in reader.execute(_FLAGGED_REPORTS):
        issues = _issues(conn, sha)
        if not issues:
            continue
        n_reports += 1
        by_table = _by_table(issues)
        for t in sorted(by_table, key=lambda x: (x == "", x)):
            iss = by_table[t]
            sev = min(SEVERITY_RANK.get(i["severity"], 9) for i in iss)
            codes = list(dict.fromkeys(i["code"] for i in iss))
            cur = conn.execute("INSERT INTO rv_cards (sha256, path, tbl, sev, n, conf, issuer, year, template, "
                               "fmt, codes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               (sha, path, t, sev, len(iss), conf, issuer, year, template, fmt, " ".join(codes)))
            conn.executemany("INSERT INTO rv_codes VALUES (?, ?)", [(cur.lastrowid, c) for c in codes])
    conn.execute(f"CREATE TEMP TABLE rv_rank AS SELECT c.id AS card, ROW_NUMBER() OVER (ORDER BY {CARD_ORDER}) "
                 "AS rank FROM rv_cards c")
    conn.execute("CREATE INDEX temp.rv_rank_card ON rv_rank(card)")
    conn.execute("CREATE INDEX temp.rv_rank_rank ON rv_rank(rank)")
    conn.execute("CREATE INDEX temp.rv_codes_code ON rv_codes(code)")
    conn.execute("CREATE INDEX temp.rv_cards_issuer ON rv_cards(issuer)")
    n_cards = conn.execute("SELECT COUNT(*) FROM rv_cards").fetchone()[0]
    return Built(n_cards, n_reports)


@dataclass
class CardRow:
    """One card as ranked by :func:`build` (no values yet)."""

    rank: int
    sha256: str
    path: str
    table: str
    severity: int
    n_issues: int
    confidence: float | None
    issuer: str | None
    year: int | None
    template: str | None
    fmt: str | None
    codes: str


_CARD_ROW_SQL = ("SELECT r.rank, c.sha256, c.path, c.tbl, c.sev, c.n, c.conf, c.issuer, c.year, c.template, "
                 "c.fmt, c.codes FROM rv_rank r JOIN rv_cards c ON c.id = r.card")


def ranked(conn: sqlite3.Connection, where: str = "", params: tuple[Any, ...] = (),
           order: str = "r.rank") -> Iterator[CardRow]:
    """The cards, worst first (or in ``order``), streamed."""
    cur = conn.cursor()
    cur.execute(f"{_CARD_ROW_SQL} {where} ORDER BY {order}", params)
    while True:
        rows = cur.fetchmany(500)
        if not rows:
            return
        for r in rows:
            yield CardRow(*r)


def load_card(conn: sqlite3.Connection, row: CardRow) -> Card:
    """The full card of ``row``: its issues and the values of its table."""
    iss = _by_table(_issues(conn, row.sha256)).get(row.table, [])
    values: dict[str, dict[str, Any]] = {}
    if row.table:
        for fid, value, kind, raw, where in conn.execute(
                'SELECT field, value, kind, raw, "where" FROM "values" WHERE sha256 = ? ORDER BY rowid',
                (row.sha256,)):
            if split_field(fid)[0] == row.table:
                values.setdefault(fid, {"value": value, "kind": kind, "raw": raw, "where": where})
    return Card(row.sha256, row.path, row.table, row.issuer, row.year, row.template, row.confidence, row.fmt,
                iss, values, _parsing(conn, row.sha256, row.table) if row.table else None)


def _parsing(conn: sqlite3.Connection, sha: str, table: str) -> dict[str, Any] | None:
    """The parsing report of ``table`` in report ``sha`` (None when the dataset has none)."""
    cur = conn.execute('SELECT * FROM tables WHERE sha256 = ? AND "table" = ? LIMIT 1', (sha, table))
    row = cur.fetchone()
    if row is None:
        return None
    return {d[0]: v for d, v in zip(cur.description, row, strict=True)}


def collect_cards(conn: sqlite3.Connection) -> list[Card]:
    """Every card, worst first, as a list (for small datasets and tests; the export streams)."""
    build(conn)
    try:
        return [load_card(conn, r) for r in ranked(conn)]
    finally:
        drop(conn)

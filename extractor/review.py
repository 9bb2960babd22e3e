"""``review.html``: the page researchers read before they trust a dataset.

One static, self-contained HTML file (inline CSS and JS, a Content-Security-Policy that
forbids every external resource). For every report with an ``error`` or ``warning``
issue it shows each flagged table as a grid of the values read, the offending cells (the
issue's ``fields``) highlighted, the issue messages, the file, and where in the file the
table is (page for PDF, lines for text, table number for HTML and Word). Issues that name no field
(a missing section, a document-level problem) get a card without a grid. Cards sort by
severity (default), file or confidence, and a filter box narrows them by any text.
The page ends with the files that could not be read.

``#sort=file`` / ``#sort=confidence`` / ``#sort=severity`` in the URL picks the initial order.
"""

from __future__ import annotations

import html
import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .templates import FIELD_BY_ID, FIELDS

SEVERITY_RANK = {"error": 0, "warning": 1}
#: formats read by the DOCX reader (.doc, .odt, .rtf through LibreOffice): their ``where`` is
#: ``{table, row, column}`` of a Word table or ``{paragraph}``
WORD_FORMATS = ("docx", "doc", "odt", "rtf")
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


def _e(s: Any) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _location(fmt: str | None, wheres: list[dict[str, Any]]) -> str:
    pages = sorted({w["page"] for w in wheres if isinstance(w.get("page"), int)})
    if pages:
        return f"page {pages[0]}" if len(pages) == 1 else f"pages {pages[0]}–{pages[-1]}"
    lines = sorted({w["line"] for w in wheres if isinstance(w.get("line"), int)})
    if lines:
        return f"line {lines[0]}" if len(lines) == 1 else f"lines {lines[0]}–{lines[-1]}"
    tables = sorted({w["table"] for w in wheres if isinstance(w.get("table"), int)})
    kind = "Word" if fmt in WORD_FORMATS else "HTML"
    if tables:
        return f"{kind} table{'s' if len(tables) > 1 else ''} " + ", ".join(str(t + 1) for t in tables)
    paras = sorted({w["paragraph"] for w in wheres if isinstance(w.get("paragraph"), int)})
    if paras:
        return f"paragraph {paras[0] + 1}" if len(paras) == 1 else f"paragraphs {paras[0] + 1}–{paras[-1] + 1}"
    return ""


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


def collect_cards(conn: sqlite3.Connection) -> list[Card]:
    """Every flagged table of every ok report with error/warning issues, worst first."""
    reports = conn.execute(
        "SELECT sha256, MIN(path), issuer, year, template, confidence, format FROM reports "
        "WHERE status = 'ok' AND sha256 IS NOT NULL AND (COALESCE(n_errors, 0) + COALESCE(n_warnings, 0)) > 0 "
        "GROUP BY sha256 ORDER BY MIN(path)").fetchall()
    cards: list[Card] = []
    for sha, path, issuer, year, template, conf, fmt in reports:
        issues = [
            {"code": c, "severity": s, "message": m, "fields": [f for f in (fs or "").split(";") if f]}
            for c, s, m, fs in conn.execute(
                "SELECT code, severity, message, fields FROM issues WHERE sha256 = ? "
                "AND severity IN ('error', 'warning') ORDER BY rowid", (sha,))
        ]
        if not issues:
            continue
        values: dict[str, dict[str, Any]] = {}
        for fid, value, kind, raw, where in conn.execute(
                'SELECT field, value, kind, raw, "where" FROM "values" WHERE sha256 = ? ORDER BY rowid', (sha,)):
            values.setdefault(fid, {"value": value, "kind": kind, "raw": raw, "where": where})
        by_table: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for i in issues:
            tables = sorted({split_field(f)[0] for f in i["fields"]})
            for t in tables or [""]:
                by_table[t].append(i)
        for t in sorted(by_table, key=lambda x: (x == "", x)):
            tv = {f: v for f, v in values.items() if split_field(f)[0] == t} if t else {}
            cards.append(Card(sha, path, t, issuer, year, template, conf, fmt, by_table[t], tv))
    cards.sort(key=lambda c: (SEVERITY_RANK.get(c.severity, 9), -len(c.issues), c.confidence or 0, c.path, c.table))
    return cards


def _grid(card: Card) -> str:
    lay = layout()
    bad = card.offending
    fields = set(card.values) | set(bad)
    rows = sorted({split_field(f)[1] for f in fields}, key=lambda r: lay.row_order.get((card.table, r), 10**6))
    cols = sorted({split_field(f)[2] for f in fields}, key=lambda c: lay.col_order.get((card.table, c), 10**6))
    out = ['<table class="grid"><thead><tr><th class="corner">field</th>']
    for c in cols:
        lab = lay.col_label.get((card.table, c), (c,))
        out.append(f'<th scope="col" title="{_e(" / ".join(lab))} ({_e(c)})">{_e(lab[-1])}</th>')
    out.append("</tr></thead><tbody>")
    for r in rows:
        lab = lay.row_label.get((card.table, r), (r,))
        out.append(f'<tr><th scope="row" title="{_e(" / ".join(lab))} ({_e(r)})">{_e(" / ".join(lab[-2:]))}</th>')
        for c in cols:
            fid = f"{card.table}.{r}.{c}"
            v = card.values.get(fid)
            codes = bad.get(fid)
            if v is None and fid not in FIELD_BY_ID and not codes:
                out.append('<td class="na"></td>')
                continue
            cls = ["bad", f"bad-{card.field_severity(fid)}"] if codes else []
            if v is None:
                cls.append("missing")
                text = "missing" if codes else ""
            else:
                text = v["raw"] if v["raw"] not in (None, "") else ("" if v["value"] is None else str(v["value"]))
                cls.append(f"k-{v['kind']}")
            tip = fid + (f" — {', '.join(codes)}" if codes else "")
            if v is not None and v["value"] is not None:
                tip += f" — value {v['value']}"
            mark = '<span class="mark" aria-label="flagged">!</span>' if codes else ""
            out.append(f'<td class="{" ".join(cls)}" data-field="{_e(fid)}" title="{_e(tip)}">{mark}{_e(text)}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _card_html(card: Card, n: int) -> str:
    where = _location(card.fmt, [json.loads(v["where"]) for v in card.values.values() if v["where"]])
    table_title = TABLE_TITLES.get(card.table, "document-level issues") if card.table else "document-level issues"
    meta = " · ".join(x for x in [
        _e(card.issuer or "issuer unknown"), _e(card.year if card.year is not None else "year unknown"),
        f"template {_e(card.template)}",
        f"confidence {card.confidence:.2f}" if isinstance(card.confidence, (int, float)) else "",
        _e(card.fmt or ""), _e(where),
    ] if x)
    issues = "".join(
        f'<li class="{_e(i["severity"])}"><span class="sev">{_e(i["severity"])}</span> '
        f'<code>{_e(i["code"])}</code> {_e(i["message"])}</li>' for i in card.issues)
    grid = _grid(card) if card.table else ""
    return (
        f'<section class="flag sev-{_e(card.severity)}" id="card-{n}" '
        f'data-severity="{SEVERITY_RANK.get(card.severity, 9)}" data-file="{_e(card.path)}" '
        f'data-confidence="{card.confidence if card.confidence is not None else 0}" '
        f'data-issues="{len(card.issues)}" data-table="{_e(card.table)}" data-sha256="{_e(card.sha256)}">'
        f'<h2><span class="badge">{_e(card.severity)}</span> <span class="file">{_e(card.path)}</span>'
        f' — {_e(table_title)}</h2><p class="meta">{meta} · sha256 <code>{_e(card.sha256[:12])}</code></p>'
        f'<ul class="issues">{issues}</ul>{grid}</section>'
    )


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#1d1d1f;background:#f6f6f4}
header{background:#fff;border-bottom:1px solid #ddd;padding:12px 20px;position:sticky;top:0;z-index:2}
h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:0 0 4px}
.summary{margin:0 0 8px;color:#444}
#controls button{font:inherit;padding:2px 10px;margin-right:4px;border:1px solid #999;background:#fafafa;border-radius:3px;cursor:pointer}
#controls button[aria-pressed=true]{background:#1d1d1f;color:#fff}
#controls input{font:inherit;padding:2px 6px;margin-left:10px;width:22em}
main{padding:12px 20px}
section.flag{background:#fff;border:1px solid #ddd;border-left:6px solid #c90;margin:0 0 14px;padding:10px 14px;overflow-x:auto}
section.flag.sev-error{border-left-color:#c00}
.badge{display:inline-block;font-size:12px;padding:0 6px;border-radius:3px;background:#c90;color:#fff;text-transform:uppercase}
.sev-error .badge{background:#c00}
.file{font-family:ui-monospace,monospace}
.meta{color:#555;margin:0 0 6px}
ul.issues{margin:4px 0 8px;padding-left:18px}
ul.issues li.error .sev{color:#c00;font-weight:600}ul.issues li.warning .sev{color:#a60;font-weight:600}
table.grid{border-collapse:collapse;font-size:13px}
table.grid th,table.grid td{border:1px solid #ccc;padding:2px 6px;text-align:right;white-space:nowrap}
table.grid thead th{background:#f0f0ee;text-align:center;font-weight:600}
table.grid tbody th{background:#f7f7f5;text-align:left;font-weight:normal;max-width:26em;overflow:hidden;text-overflow:ellipsis}
td.na{background:#fbfbfb}
td.bad{background:#ffd9d6;outline:2px solid #c00;outline-offset:-2px;font-weight:600}
td.bad-warning{background:#fff0c2;outline-color:#b80}
td.missing{color:#999;font-style:italic}
.mark{color:#c00;font-weight:700;margin-right:3px}
table.failed{border-collapse:collapse;background:#fff}table.failed td,table.failed th{border:1px solid #ccc;padding:2px 6px;text-align:left}
.hidden{display:none}
"""

_JS = """
(function () {
  var main = document.getElementById('cards');
  var buttons = document.querySelectorAll('#controls button[data-sort]');
  var filter = document.getElementById('filter');
  var current = null, reversed = false;
  function num(el, k) { return parseFloat(el.getAttribute('data-' + k)) || 0; }
  function txt(el, k) { return el.getAttribute('data-' + k) || ''; }
  var orders = {
    severity: function (a, b) {
      return (num(a, 'severity') - num(b, 'severity')) || (num(b, 'issues') - num(a, 'issues')) ||
        (num(a, 'confidence') - num(b, 'confidence')) || (txt(a, 'file') < txt(b, 'file') ? -1 : txt(a, 'file') > txt(b, 'file') ? 1 : 0);
    },
    file: function (a, b) {
      return (txt(a, 'file') < txt(b, 'file') ? -1 : txt(a, 'file') > txt(b, 'file') ? 1 : 0) ||
        (txt(a, 'table') < txt(b, 'table') ? -1 : txt(a, 'table') > txt(b, 'table') ? 1 : 0);
    },
    confidence: function (a, b) { return (num(a, 'confidence') - num(b, 'confidence')) || orders.severity(a, b); }
  };
  function sortBy(key) {
    if (!orders[key]) { key = 'severity'; }
    reversed = (key === current) ? !reversed : false;
    current = key;
    var cards = Array.prototype.slice.call(main.querySelectorAll('section.flag'));
    cards.sort(orders[key]);
    if (reversed) { cards.reverse(); }
    for (var i = 0; i < cards.length; i++) { main.appendChild(cards[i]); }
    for (var j = 0; j < buttons.length; j++) {
      buttons[j].setAttribute('aria-pressed', buttons[j].getAttribute('data-sort') === key ? 'true' : 'false');
    }
    document.body.setAttribute('data-sort', key + (reversed ? '-desc' : ''));
  }
  function applyFilter() {
    var q = filter.value.toLowerCase(), shown = 0;
    var cards = main.querySelectorAll('section.flag');
    for (var i = 0; i < cards.length; i++) {
      var hit = !q || cards[i].textContent.toLowerCase().indexOf(q) >= 0;
      cards[i].classList.toggle('hidden', !hit);
      if (hit) { shown++; }
    }
    document.getElementById('shown').textContent = String(shown);
  }
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener('click', function (ev) { sortBy(ev.currentTarget.getAttribute('data-sort')); });
  }
  filter.addEventListener('input', applyFilter);
  var m = /(?:^|[#&])sort=([a-z]+)/.exec(window.location.hash || '');
  sortBy(m ? m[1] : 'severity');
  applyFilter();
  document.body.setAttribute('data-ready', '1');
}());
"""


def render_review(conn: sqlite3.Connection, *, max_cards: int = 2000, max_failed: int = 2000) -> str:
    """The review page of the dataset in ``conn`` (the SQLite store), as one HTML string."""
    cards = collect_cards(conn)
    counts = dict(conn.execute("SELECT status, COUNT(*) FROM reports GROUP BY status").fetchall())
    n_err = conn.execute("SELECT COUNT(*) FROM reports WHERE status = 'ok' AND n_errors > 0").fetchone()[0]
    failed = conn.execute(
        "SELECT path, error_type, error FROM reports WHERE status = 'failed' ORDER BY path LIMIT ?",
        (max_failed,)).fetchall()
    shown = cards[:max_cards]
    more = (f'<p class="summary">Showing the {len(shown)} worst of {len(cards)} flagged tables; '
            f'see issues.csv for all.</p>') if len(cards) > len(shown) else ""
    body = "".join(_card_html(c, i) for i, c in enumerate(shown))
    if not shown:
        body = '<p class="summary" id="none">No table has an error or warning issue.</p>'
    failed_rows = "".join(
        f"<tr><td class=\"file\">{_e(p)}</td><td>{_e(t)}</td><td>{_e(e)}</td></tr>" for p, t, e in failed)
    failed_html = (
        f'<section id="failed"><h2>Files that could not be read ({counts.get("failed", 0)})</h2>'
        f'<table class="failed"><thead><tr><th>file</th><th>error_type</th><th>error</th></tr></thead>'
        f"<tbody>{failed_rows}</tbody></table></section>" if failed else "")
    summary = (
        f"{sum(counts.values())} files: {counts.get('ok', 0)} ok ({n_err} with errors), "
        f"{counts.get('failed', 0)} failed, {counts.get('not_a_report', 0)} not reports · "
        f"{len(cards)} flagged tables, <span id=\"shown\">{len(shown)}</span> shown"
    )
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>extractor — review</title><style>{_CSS}</style></head><body>"
        "<header><h1>Review: tables with errors or warnings</h1>"
        f'<p class="summary">{summary}</p>'
        '<div id="controls">sort by <button type="button" data-sort="severity">severity</button>'
        '<button type="button" data-sort="file">file</button>'
        '<button type="button" data-sort="confidence">confidence</button>'
        '<input id="filter" type="search" placeholder="filter: file, issuer, issue code…" aria-label="filter">'
        f"</div></header><main>{more}<div id=\"cards\">{body}</div>{failed_html}</main>"
        f"<script>{_JS}</script></body></html>\n"
    )


def write_review(sqlite_path: str, out_path: str) -> None:
    """Write ``review.html`` for an existing ``dataset.sqlite``."""
    conn = sqlite3.connect(sqlite_path)
    try:
        page = render_review(conn)
    finally:
        conn.close()
    with open(out_path, "w", encoding="utf-8") as fh:
        fh.write(page)

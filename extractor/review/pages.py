"""The HTML of the review: the pages of cards, the lists behind the index's links, the index.

Every file is static and self-contained (inline CSS and JS, a Content-Security-Policy that
forbids every external resource). A card shows one flagged table as a grid of the values
read, the offending cells (the issue's ``fields``) highlighted, the issue messages, the
file, and where in the file the table is (page for PDF, lines for text, table number for
HTML). On a page of cards the buttons sort the page by severity (default), file or
confidence, and the filter box narrows it by any text; ``#sort=file`` / ``#sort=confidence``
/ ``#sort=severity`` in the URL picks the initial order.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from ..templates import FIELD_BY_ID
from .cards import SEVERITY_RANK, TABLE_TITLES, Card, CardRow, layout, load_card, ranked, split_field
from .sources import Sources

#: cards per page, rows per list page
PAGE_CARDS = 200
LIST_ROWS = 1000
SEVERITY_NAMES = {0: "error", 1: "warning"}

_HEAD = ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")


def _e(s: Any) -> str:
    return html.escape("" if s is None else str(s), quote=True)


#: formats read by the DOCX reader (.doc, .odt, .rtf through LibreOffice): their ``where`` is
#: ``{table, row, column}`` of a Word table or ``{paragraph}``
WORD_FORMATS = ("docx", "doc", "odt", "rtf")


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


def _parsing_line(p: dict[str, Any] | None) -> str:
    """The table's parsing report in one line (README, "Parsing report")."""
    if not p:
        return ""
    pages = f" · pages {_e(str(p['pages']).replace(';', ', '))}" if p.get("pages") else ""
    return (f'<p class="parsing">read by <b>{_e(p["strategy"])}</b>{pages} · {_e(p["fragments"])} fragment(s) · '
            f'rows {_e(p["rows_exact"])} exact, {_e(p["rows_approximate"])} approximate, '
            f'{_e(p["rows_missing"])} missing · cells {_e(p["cells_read"])} read, '
            f'{_e(p["cells_by_position"])} by position, {_e(p["cells_inferred"])} inferred</p>')


def _card_html(card: Card, n: int, source: str = "") -> str:
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
    grid = _parsing_line(card.parsing) + grid
    if source:
        grid = f'<div class="pair"><div class="gridside">{grid}</div>{source}</div>'
    return (
        f'<section class="flag sev-{_e(card.severity)}" id="card-{n}" data-rank="{n}" '
        f'data-severity="{SEVERITY_RANK.get(card.severity, 9)}" data-file="{_e(card.path)}" '
        f'data-confidence="{card.confidence if card.confidence is not None else 0}" '
        f'data-issues="{len(card.issues)}" data-table="{_e(card.table)}" data-sha256="{_e(card.sha256)}">'
        f'<h2><span class="badge">{_e(card.severity)}</span> <span class="file">{_e(card.path)}</span>'
        f' — {_e(table_title)}</h2><p class="meta">{meta} · sha256 <code>{_e(card.sha256[:12])}</code></p>'
        f'<ul class="issues">{issues}</ul>{grid}</section>'
    )


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Source Han Sans SC","Noto Sans SC","Microsoft YaHei","WenQuanYi Micro Hei","WenQuanYi Zen Hei",SimSun,sans-serif;margin:0;color:#1d1d1f;background:#f6f6f4}
header{background:#fff;border-bottom:1px solid #ddd;padding:12px 20px;position:sticky;top:0;z-index:2}
h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:0 0 4px}
.summary{margin:0 0 8px;color:#444}
.parsing{margin:2px 0 6px;color:#555;font-size:12px}
#controls button{font:inherit;padding:2px 10px;margin-right:4px;border:1px solid #999;background:#fafafa;border-radius:3px;cursor:pointer}
#controls button[aria-pressed=true]{background:#1d1d1f;color:#fff}
#controls input{font:inherit;padding:2px 6px;margin-left:10px;width:22em}
main{padding:12px 20px}
section.flag{background:#fff;border:1px solid #ddd;border-left:6px solid #c90;margin:0 0 14px;padding:10px 14px;overflow-x:auto}
section.flag.sev-error{border-left-color:#c00}
.badge{display:inline-block;font-size:12px;padding:0 6px;border-radius:3px;background:#c90;color:#fff;text-transform:uppercase}
.sev-error .badge{background:#c00}
.file,table.srctext{font-family:ui-monospace,"Noto Sans Mono CJK SC","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","WenQuanYi Micro Hei",monospace}
.pair{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
.src{max-width:100%;max-height:900px;overflow:auto;border:1px solid #ddd;padding:4px 6px;background:#fcfcfb}
.src h3{font-size:12px;margin:0 0 4px;color:#666;text-transform:uppercase}
figure.crop{margin:0 0 6px}figure.crop figcaption{font-size:12px;color:#666}
.shot{position:relative}.shot img{display:block}
.box{position:absolute;box-sizing:border-box;outline:1px solid rgba(0,90,200,.45)}
.box.s-bad{outline:2px solid #c00;background:rgba(204,0,0,.12)}.box.s-bad-warning{outline-color:#b80;background:rgba(187,136,0,.15)}
.srchtml table{border-collapse:collapse;font-size:12px;background:#fff}.srchtml td,.srchtml th{border:1px solid #bbb;padding:1px 4px}
.cell.s-bad{background:#ffd9d6;outline:2px solid #c00;outline-offset:-2px;font-weight:600}.cell.s-bad-warning{background:#fff0c2;outline-color:#b80}
table.srctext{border-collapse:collapse;font-size:12px}table.srctext td{padding:0 4px;vertical-align:top}
td.ln{color:#888;text-align:right;user-select:none}td.tx{white-space:pre}tr.used td.tx{background:#f3f7ff}
[data-field].hl{outline:3px solid #06c;outline-offset:0;background-color:rgba(0,102,204,.18)}
[data-field].pinned{outline:3px solid #06c;outline-offset:0;background-color:rgba(0,102,204,.28)}
.nosrc,.srcnote{color:#666;font-style:italic;margin:2px 0}
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
nav.pages{margin:4px 0}nav.pages a,nav.pages span{margin-right:10px}
table.counts,table.list{border-collapse:collapse;background:#fff;margin:0 0 14px}table.counts td,table.counts th,table.list td,table.list th{border:1px solid #ccc;padding:2px 8px;text-align:left}
td.num{text-align:right}p.pagelinks a{margin-right:6px}section.facet{display:inline-block;vertical-align:top;margin-right:24px}
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
  // a cell of the grid and its place in the source: hovering lights both, a click pins them
  function hit(ev) {
    var t = ev.target && ev.target.closest ? ev.target.closest('[data-field]') : null;
    var card = t ? t.closest('section.flag') : null;
    return card ? { card: card, field: t.getAttribute('data-field'), el: t } : null;
  }
  function mark(card, field, cls, on) {
    var els = card.querySelectorAll('[data-field]');
    for (var i = 0; i < els.length; i++) {
      if (els[i].getAttribute('data-field') === field) { els[i].classList.toggle(cls, on); }
    }
  }
  main.addEventListener('mouseover', function (ev) { var h = hit(ev); if (h) { mark(h.card, h.field, 'hl', true); } });
  main.addEventListener('mouseout', function (ev) { var h = hit(ev); if (h) { mark(h.card, h.field, 'hl', false); } });
  main.addEventListener('click', function (ev) {
    var h = hit(ev);
    if (!h) { return; }
    var was = h.card.getAttribute('data-pinned');
    if (was !== null) { mark(h.card, was, 'pinned', false); h.card.removeAttribute('data-pinned'); }
    if (was !== h.field) { mark(h.card, h.field, 'pinned', true); h.card.setAttribute('data-pinned', h.field); }
  });
  document.body.setAttribute('data-ready', '1');
}());
"""



Opener = Callable[[str], TextIO]


def page_name(rank: int) -> str:
    """The page of cards that holds the card of this rank (1 = the worst)."""
    return f"page-{(rank - 1) // PAGE_CARDS + 1:04d}.html"


def _doc(title: str, body: str, *, script: bool = False) -> str:
    js = f"<script>{_JS}</script>" if script else ""
    return (f"{_HEAD}<title>{_e(title)}</title><style>{_CSS}</style></head><body>{body}{js}</body></html>\n")


def _nav(k: int, n: int, prefix: str, index: str = "../review.html") -> str:
    prev = f'<a href="{prefix}-{k - 1:04d}.html" rel="prev">← previous</a>' if k > 1 else ""
    nxt = f'<a href="{prefix}-{k + 1:04d}.html" rel="next">next →</a>' if k < n else ""
    return (f'<nav class="pages"><a href="{index}" rel="index">index</a><span>page {k} of {n}</span>'
            f"{prev}{nxt}</nav>")


_CONTROLS = (
    '<div id="controls">sort this page by <button type="button" data-sort="severity">severity</button>'
    '<button type="button" data-sort="file">file</button>'
    '<button type="button" data-sort="confidence">confidence</button>'
    '<input id="filter" type="search" placeholder="filter this page: file, issuer, issue code…" '
    'aria-label="filter"></div>')


def _page_head(k: int, n_pages: int, first: int, n_cards: int) -> str:
    last = min(n_cards, first + PAGE_CARDS - 1)
    n = max(0, last - first + 1)
    head = (f"<header><h1>Review: cards {first}–{last} of {n_cards}, worst first</h1>"
            f'<p class="summary"><span id="shown">{n}</span> of {n} cards on this page shown'
            f"</p>{_nav(k, n_pages, 'page')}{_CONTROLS}</header>")
    return (f"{_HEAD}<title>extractor — review, page {k}</title><style>{_CSS}</style></head><body>{head}"
            '<main><div id="cards">')


def _page_tail(k: int, n_pages: int) -> str:
    return f"</div>{_nav(k, n_pages, 'page')}</main><script>{_JS}</script></body></html>\n"


def write_card_pages(conn: sqlite3.Connection, n_cards: int, open_file: Opener,
                     sources: Sources | None = None) -> int:
    """``page-0001.html`` …: every card, worst first, :data:`PAGE_CARDS` a page, each card
    written as soon as it is drawn (one card in memory), with its source beside the grid
    when ``sources`` is given (:mod:`extractor.review.sources`). Returns the number of pages."""
    n_pages = max(1, -(-n_cards // PAGE_CARDS))
    fh: TextIO | None = None
    k = 0
    try:
        for row in ranked(conn):
            if (row.rank - 1) % PAGE_CARDS == 0:
                if fh is not None:
                    fh.write(_page_tail(k, n_pages))
                    fh.close()
                k += 1
                fh = open_file(f"page-{k:04d}.html")
                fh.write(_page_head(k, n_pages, row.rank, n_cards))
            assert fh is not None
            card = load_card(conn, row)
            fh.write(_card_html(card, row.rank, sources.html(card) if sources is not None else ""))
        if fh is None:  # no card: one empty page
            k = 1
            fh = open_file("page-0001.html")
            fh.write(_page_head(1, 1, 1, 0))
        fh.write(_page_tail(k, n_pages))
    finally:
        if fh is not None:
            fh.close()
    return n_pages


def _list_row(r: CardRow) -> str:
    table = TABLE_TITLES.get(r.table, "document-level issues") if r.table else "document-level issues"
    return (f'<tr data-rank="{r.rank}"><td><a href="{page_name(r.rank)}#card-{r.rank}">{_e(r.path)}</a></td>'
            f"<td>{_e(table)}</td><td>{SEVERITY_NAMES.get(r.severity, '')}</td><td>{_e(r.codes)}</td>"
            f"<td>{_e(r.issuer or '')}</td><td>{_e(r.year if r.year is not None else '')}</td>"
            f"<td>{_e(r.template or '')}</td></tr>")


_LIST_HEAD = ("<table class=\"list\"><thead><tr><th>file (link to its card)</th><th>table</th><th>severity</th>"
              "<th>issue codes</th><th>issuer</th><th>year</th><th>template</th></tr></thead><tbody>")


def write_list(rows: Iterator[CardRow], n_rows: int, prefix: str, title: str, open_file: Opener) -> None:
    """``PREFIX-0001.html`` …: the cards of ``rows`` (worst first) as links, :data:`LIST_ROWS` a page."""
    n_pages = max(1, -(-n_rows // LIST_ROWS))
    k = 0
    buf: list[str] = []

    def flush() -> None:
        nonlocal k, buf
        k += 1
        body = (f"<header><h1>{_e(title)}</h1><p class=\"summary\">{n_rows} cards, worst first</p>"
                f"{_nav(k, n_pages, prefix)}</header><main>{_LIST_HEAD}{''.join(buf)}</tbody></table>"
                f"{_nav(k, n_pages, prefix)}</main>")
        with open_file(f"{prefix}-{k:04d}.html") as fh:
            fh.write(_doc(f"extractor — {title}", body))
        buf = []

    for r in rows:
        buf.append(_list_row(r))
        if len(buf) == LIST_ROWS:
            flush()
    if buf or k == 0:
        flush()


def slug(value: Any) -> str:
    """A file-name-safe form of an issue code, a year or a template."""
    return "unknown" if value is None or value == "" else re.sub(r"[^A-Za-z0-9._-]", "_", str(value))


#: (facet, column of rv_cards / the code join, label)
FACETS = (("code", "k.code", "issue code"), ("year", "c.year", "year"), ("template", "c.template", "template"))


def facet_counts(conn: sqlite3.Connection, facet: str) -> list[tuple[Any, int, int]]:
    """(value, cards, reports) per value of ``facet``, most cards first."""
    src = "rv_codes k JOIN rv_cards c ON c.id = k.card" if facet == "code" else "rv_cards c"
    col = dict((f, c) for f, c, _ in FACETS)[facet]
    return conn.execute(f"SELECT {col}, COUNT(*), COUNT(DISTINCT c.sha256) FROM {src} GROUP BY {col} "
                        f"ORDER BY COUNT(*) DESC, {col}").fetchall()


def write_facet_lists(conn: sqlite3.Connection, open_file: Opener) -> None:
    """The lists behind the index's links: one series of pages per issue code, year, template."""
    for facet, col, label in FACETS:
        for value, n, _ in facet_counts(conn, facet):
            params: tuple[Any, ...]
            if facet == "code":
                where, params = "WHERE c.id IN (SELECT card FROM rv_codes WHERE code = ?)", (value,)
            else:
                where, params = (f"WHERE {col} = ?", (value,)) if value is not None else (f"WHERE {col} IS NULL", ())
            write_list(ranked(conn, where, params), n, f"{facet}-{slug(value)}",
                       f"Review: {label} {value if value is not None else 'unknown'}", open_file)


BODIES_PER_PAGE = 500
BODY_LINKS = 100


def _bodies(conn: sqlite3.Connection) -> Iterator[tuple[str | None, list[CardRow], int]]:
    """(issuer, its first :data:`BODY_LINKS` cards worst first, its number of cards), by issuer."""
    cur: str | None = None
    rows: list[CardRow] = []
    n = 0
    started = False
    for r in ranked(conn, order="c.issuer, r.rank"):
        if started and r.issuer != cur:
            yield cur, rows, n
            rows, n = [], 0
        cur, started = r.issuer, True
        n += 1
        if len(rows) < BODY_LINKS:
            rows.append(r)
    if started:
        yield cur, rows, n


def write_body_lists(conn: sqlite3.Connection, open_file: Opener) -> int:
    """``bodies-0001.html`` …: every issuing body A–Z with links to its cards. Returns the pages."""
    n_bodies = conn.execute("SELECT COUNT(DISTINCT COALESCE(issuer, '')) FROM rv_cards").fetchone()[0]
    n_pages = max(1, -(-n_bodies // BODIES_PER_PAGE))
    k = 0
    buf: list[str] = []

    def flush() -> None:
        nonlocal k, buf
        k += 1
        body = (f"<header><h1>Review: issuing bodies A–Z</h1><p class=\"summary\">{n_bodies} bodies with "
                f"flagged tables</p>{_nav(k, n_pages, 'bodies')}</header><main><table class=\"list\"><thead>"
                f"<tr><th>issuer</th><th>cards</th><th>cards, worst first (year · table)</th></tr></thead>"
                f"<tbody>{''.join(buf)}</tbody></table>{_nav(k, n_pages, 'bodies')}</main>")
        with open_file(f"bodies-{k:04d}.html") as fh:
            fh.write(_doc("extractor — review by body", body))
        buf = []

    for issuer, rows, n in _bodies(conn):
        links = " ".join(f'<a href="{page_name(r.rank)}#card-{r.rank}">{_e(r.year or "?")}·{_e(r.table or "doc")}</a>'
                         for r in rows)
        more = f" … and {n - len(rows)} more (see the lists by year)" if n > len(rows) else ""
        buf.append(f"<tr><td>{_e(issuer or 'issuer unknown')}</td><td class=\"num\">{n}</td><td>{links}{more}</td></tr>")
        if len(buf) == BODIES_PER_PAGE:
            flush()
    if buf or k == 0:
        flush()
    return n_pages


def write_failed_lists(conn: sqlite3.Connection, open_file: Opener) -> int:
    """``failed-0001.html`` …: every file that could not be read. Returns the number of pages."""
    n = conn.execute("SELECT COUNT(*) FROM reports WHERE status = 'failed'").fetchone()[0]
    n_pages = max(1, -(-n // LIST_ROWS))
    cur = conn.cursor()
    cur.execute("SELECT path, error_type, error FROM reports WHERE status = 'failed' ORDER BY path")
    for k in range(1, n_pages + 1):
        rows = cur.fetchmany(LIST_ROWS)
        body = (f"<header><h1>Review: files that could not be read ({n})</h1>{_nav(k, n_pages, 'failed')}</header>"
                f"<main>{failed_table(rows)}{_nav(k, n_pages, 'failed')}</main>")
        with open_file(f"failed-{k:04d}.html") as fh:
            fh.write(_doc("extractor — files that could not be read", body))
    return n_pages


def failed_table(rows: list[tuple[Any, ...]]) -> str:
    trs = "".join(f"<tr><td class=\"file\">{_e(p)}</td><td>{_e(t)}</td><td>{_e(e)}</td></tr>" for p, t, e in rows)
    return ('<table class="failed"><thead><tr><th>file</th><th>error_type</th><th>error</th></tr></thead>'
            f"<tbody>{trs}</tbody></table>")


def render_index(conn: sqlite3.Connection, n_cards: int, n_reports: int, pages_dir: str = "review") -> str:
    """``review.html``: counts by issue code, year, template and body, with links into ``review/``."""
    counts = dict(conn.execute("SELECT status, COUNT(*) FROM reports GROUP BY status").fetchall())
    n_err = conn.execute("SELECT COUNT(*) FROM reports WHERE status = 'ok' AND n_errors > 0").fetchone()[0]
    n_pages = max(1, -(-n_cards // PAGE_CARDS))
    d = pages_dir
    summary = (
        f"{sum(counts.values())} files: {counts.get('ok', 0)} ok ({n_err} with errors), "
        f"{counts.get('failed', 0)} failed, {counts.get('not_a_report', 0)} not reports · "
        f"{n_reports} reports with errors or warnings, <span id=\"n-cards\">{n_cards}</span> flagged tables "
        f"on {n_pages} pages of {PAGE_CARDS}")
    parts = [f'<header><h1>Review: tables with errors or warnings</h1><p class="summary">{summary}</p></header><main>']
    if n_cards == 0:
        parts.append('<p class="summary" id="none">No table has an error or warning issue.</p>')
    else:
        links = " ".join(f'<a href="{d}/page-{k:04d}.html">{k}</a>' for k in range(1, n_pages + 1))
        parts.append(f'<section id="pages"><h2>Every flagged table, worst first</h2><p class="pagelinks">'
                     f'<a href="{d}/page-0001.html" id="first-page">start with the worst</a> · pages: {links}</p></section>')
        for facet, _, label in FACETS:
            rows = "".join(
                f'<tr><td><a href="{d}/{facet}-{slug(v)}-0001.html">{_e(v if v is not None else "unknown")}</a></td>'
                f'<td class="num">{n}</td><td class="num">{nr}</td></tr>' for v, n, nr in facet_counts(conn, facet))
            parts.append(f'<section class="facet" id="by-{facet}"><h2>By {label}</h2><table class="counts"><thead>'
                         f"<tr><th>{label}</th><th>tables</th><th>reports</th></tr></thead><tbody>{rows}</tbody>"
                         "</table></section>")
        parts.append(_top_bodies(conn, d))
    parts.append(_failed_section(conn, counts.get("failed", 0), d))
    parts.append("</main>")
    return _doc("extractor — review", "".join(parts))


def _top_bodies(conn: sqlite3.Connection, d: str, top: int = 50) -> str:
    rows = []
    for issuer, n, nr in conn.execute("SELECT issuer, COUNT(*), COUNT(DISTINCT sha256) FROM rv_cards GROUP BY issuer "
                                      "ORDER BY COUNT(*) DESC, issuer LIMIT ?", (top,)).fetchall():
        pos = 0 if issuer is None else conn.execute(
            "SELECT COUNT(DISTINCT COALESCE(issuer, '')) FROM rv_cards WHERE issuer IS NULL OR issuer < ?",
            (issuer,)).fetchone()[0]
        page = f"{d}/bodies-{pos // BODIES_PER_PAGE + 1:04d}.html"
        rows.append(f'<tr><td><a href="{page}">{_e(issuer or "issuer unknown")}</a></td><td class="num">{n}</td>'
                    f'<td class="num">{nr}</td></tr>')
    return (f'<section class="facet" id="by-body"><h2>By issuing body</h2><p><a href="{d}/bodies-0001.html">'
            f'every body A–Z</a>; the {top} with the most flagged tables:</p><table class="counts"><thead><tr>'
            f"<th>issuer</th><th>tables</th><th>reports</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>")


def _failed_section(conn: sqlite3.Connection, n_failed: int, d: str, first: int = 100) -> str:
    if not n_failed:
        return ""
    rows = conn.execute("SELECT path, error_type, error FROM reports WHERE status = 'failed' ORDER BY path LIMIT ?",
                        (first,)).fetchall()
    more = (f'<p>The first {first}; <a href="{d}/failed-0001.html">every failed file</a>.</p>'
            if n_failed > first else "")
    return f'<section id="failed"><h2>Files that could not be read ({n_failed})</h2>{more}{failed_table(rows)}</section>'

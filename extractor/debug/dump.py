"""The plain-text dump of a report's grids (any format), as ``extractor debug`` prints it."""

from __future__ import annotations

import json
import os
from typing import Any

from ..limits import DEFAULT_LIMITS, Limits
from ..model import Format
from .annotate import ROW_CLASSES, Annotated, CellNote, GridNote, RowNote, annotate


def _show(text: str, width: int = 24) -> str:
    t = " ".join(text.split())
    return t if len(t) <= width else t[: width - 1] + "…"


def _cell_str(cn: CellNote) -> str:
    if cn.covered:
        return "~"
    span = f"[{cn.rowspan}×{cn.colspan}]" if cn.rowspan > 1 or cn.colspan > 1 else ""
    return f"「{_show(cn.text)}」{','.join(cn.fields) or '-'}{span}"


def _where_str(where: dict[str, Any]) -> str:
    return json.dumps(where, ensure_ascii=False)


def _grid_header(gn: GridNote) -> str:
    g = gn.grid
    if gn.reflowed:
        lines = [n for r in g.rows for c in r if isinstance(n := c.where.get("line"), int)]
        at = f"text lines {min(lines)}–{max(lines)}" if lines else _where_str(g.where)
    else:
        at = _where_str(g.where)
    sec = f"section {gn.section}" if gn.section is not None else "section -"
    return (f"{gn.name} · {g.source or '?'} · strategy {gn.strategy} · {at} · {sec} · "
            f"{len(g.rows)} rows × {g.width} columns")


def row_line(r: RowNote) -> str:
    """One row of the dump: ``row 5  data   s3_data    「…」-  「12」s3.new.natural_person …``."""
    return f"  row {r.index:>2}  {r.cls:<6} {r.kind or '-':<10} " + "  ".join(_cell_str(c) for c in r.cells)


def debug_text_dump(
    data_or_path: str | os.PathLike[str] | bytes | Annotated,
    *,
    format: Format | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """The plain-text dump of a report's grids (any format), as ``extractor debug`` prints it.

    Per grid: its source, strategy, where and section; per row its class and the stages'
    row kind, per cell ``「text」field-id`` (``-`` when no value was read from it, ``~`` a
    position covered by a merged cell, ``[r×c]`` the spans). Then the values that stand on
    no cell, the sections found and the issues."""
    a = annotate(data_or_path, format=format, limits=limits)
    rep = a.report
    m = rep.metadata
    out = [
        f"extractor debug: {rep.source.path or '<bytes>'}",
        f"format {rep.source.format} · template {m.template} · issuer {m.issuer or '-'} · year {m.year or '-'}"
        f" · published {m.published or '-'} · {len(rep.values)} values · confidence {rep.confidence:.2f}",
        f"row classes: {' / '.join(ROW_CLASSES[:5])} (stage kind after it); cells: 「text」field id",
    ]
    if not a.classified:
        out.append("rows unread: the template is not 2019 or 2021, so the table stages did not run")
    for gn in a.grids:
        out += ["", _grid_header(gn)]
        out += [row_line(r) for r in gn.rows]
    out += ["", f"values on no cell above ({len(a.unplaced)}):"]
    out += [f"  「{_show(v.raw)}」{v.field}  where {_where_str(v.where)}" for v in a.unplaced]
    out += ["", f"sections ({len(rep.sections)}):"]
    out += [f"  {s.number} {s.title} ({len(s.text)} characters)" for s in rep.sections]
    out += ["", f"issues ({len(rep.issues)}):"]
    for i in rep.issues:
        w = f"  where {_where_str(i.where)}" if i.where else ""
        out.append(f"  {i.severity} {i.code}: {i.message}{w}")
    return "\n".join(out) + "\n"

"""The format-blind stages: Document -> Report.

sections -> metadata -> template -> tables -> values -> checks -> confidence.
"""

from __future__ import annotations

from .checks import identities, plausibility
from .confidence import report_confidence, value_confidence
from .metadata import detect_template, find_metadata
from .model import Block, Document, Flag, Issue, Metadata, Report, Section, Source, Text, Value
from .sections import Layout, find_layout
from .tables import TableResult, extract_tables
from .tables.report import parsing_report
from .templates import SECTION_TITLES, expected_fields
from .text_norm import clean_line
from .values import parse_value

_TABLE_OF_SECTION = {2: "s2", 3: "s3", 4: "s4"}
_TABLE_NAME = {"s2": "section-2 主动公开 tables", "s3": "section-3 申请 table", "s4": "section-4 复议诉讼 table"}


def _section_of_blocks(blocks: list[Block], lines: list[Text], layout: Layout) -> list[int | None]:
    """Which section every block stands in (grids take the section of the text before them)."""
    section_of_line: list[int | None] = [None] * len(lines)
    for h, sp in zip(layout.headings, layout.spans, strict=True):
        for li in range(h.index, sp.end):
            section_of_line[li] = sp.number
    for li in range(min(layout.preamble_end, len(lines))):
        section_of_line[li] = 0
    for li in range(layout.signature_start, len(lines)):
        section_of_line[li] = -1
    line_index = {id(t): i for i, t in enumerate(lines)}
    out: list[int | None] = []
    cur: int | None = None
    for b in blocks:
        if isinstance(b, Text):
            cur = section_of_line[line_index[id(b)]]
        out.append(cur)
    return out


def _sections(blocks: list[Block], lines: list[Text], layout: Layout, consumed: set[int]) -> list[Section]:
    """The sections' body text, without the lines a re-flowed table consumed."""
    block_pos = {id(b): i for i, b in enumerate(blocks)}
    out = []
    for s in layout.spans:
        body = [clean_line(lines[i].text) for i in range(s.start, s.end)
                if block_pos[id(lines[i])] not in consumed]
        out.append(Section(s.number, s.title, "\n".join(t for t in body if t)))
    return out


def _document_issues(template: str, why: str, sections: list[Section]) -> list[Issue]:
    """Missing sections, no template, or a pre-2019 report."""
    found_numbers = {s.number for s in sections}
    if template in ("2019", "2021"):
        return [Issue("gap.section", "warning", f"section {n} ({SECTION_TITLES[n]}) was not found")
                for n in range(1, 6) if n not in found_numbers]
    if template == "unknown":
        out = [Issue("gap.template", "error",
                     "no table of the 2019 or 2021 template was found: this does not read as a "
                     "政府信息公开工作年度报告 (" + why + ")")]
        if not sections:
            out.append(Issue("gap.section", "warning", "no numbered section (一、总体情况 …) was found"))
        return out
    return [Issue("input.pre2019", "info",
                  "a pre-2019 free-form report: the modern statistics tables are not part of it, "
                  "so no values are given")]


def _values(result: TableResult, template: str, tconf: float) -> tuple[list[Value], list[Issue]]:
    """Every mapped cell read, checked against the identities and given its confidence."""
    other_split = bool(result.other_split)
    issues: list[Issue] = list(result.issues)
    for table in ("s2", "s3", "s4"):
        if table not in result.found:
            issues.append(Issue("gap.table", "error" if table in ("s3",) else "warning",
                                f"the {_TABLE_NAME[table]} was not found", ()))
    parsed = {f: (parse_value(m.raw, m.default_unit), m) for f, m in result.cells.items()}
    # identities first, on provisional values, so the values they touch can be marked
    prov = {f: Value(f, cv.value, cv.kind, cv.raw, cv.unit, 1.0, {}) for f, (cv, m) in parsed.items()}
    id_issues = identities(prov, template, other_split)
    failed = {f for i in id_issues if i.severity == "error" for f in i.fields}
    values: list[Value] = []
    for f, (cv, m) in parsed.items():
        conf = value_confidence(cv.kind, m.flags, f in failed, tconf)
        where = dict(m.where or {})
        if Flag.INFERRED in m.flags or Flag.FUSED in m.flags:
            where["inferred"] = True
        values.append(Value(f, cv.value, cv.kind, cv.raw, cv.unit, conf, where))
    issues.extend(id_issues)
    if failed and any("alt" in (m.where or {}).get("ocr", {}) for _, m in parsed.values()):
        from .ocr.suspect import alternatives_of, suspect_digits  # no OCR package: pure checks

        issues.extend(suspect_digits({v.field: v for v in values}, alternatives_of(values), id_issues,
                                     lambda vals: identities(vals, template, other_split)))
    # gaps: template cells a shown table does not show
    exp = expected_fields(template, other_split)
    missing = [f for f in exp if f not in result.cells and f.split(".")[0] in result.found]
    if missing:
        issues.append(Issue("gap.cell", "warning",
                            f"{len(missing)} template cells not shown: " + ", ".join(missing[:12])
                            + (" …" if len(missing) > 12 else ""), tuple(missing)))
    order = {f: i for i, f in enumerate(exp)}
    values.sort(key=lambda v: order.get(v.field, 10_000))
    return values, issues


def _two_number_issues(result: TableResult) -> list[Issue]:
    """``table.two_numbers`` for every mapped cell that holds two numbers (extractor/values.py)."""
    out = []
    for f, m in result.cells.items():
        cv = parse_value(m.raw, m.default_unit)
        if cv.two_numbers:
            out.append(Issue("table.two_numbers", "warning",
                             f"{f}: the cell {cv.raw!r} holds two numbers (digits on both sides of a "
                             "space or line break that is no thousands separator); not read as a number",
                             (f,), dict(m.where) if m.where else None))
    return out


def build_report(doc: Document, source: Source) -> Report:
    issues: list[Issue] = list(doc.issues)
    blocks = list(doc.blocks)
    lines = [b for b in blocks if isinstance(b, Text)]
    layout = find_layout(lines)
    section_of_block = _section_of_blocks(blocks, lines, layout)

    issuer, year, published, how_found = find_metadata(lines, layout.preamble_end, layout.signature_start, doc.hints)
    template, tconf, why = detect_template(blocks, year)
    if template == "unknown" and how_found.get("year") != "title":
        year = None  # a year quoted in a document that is not a report is no report year

    result = extract_tables(blocks, template, section_of_block) if template in ("2019", "2021") else None
    if result is not None:
        # template words but no cell of a template table, or no title or header row and not
        # even most of the section-3 rows: a document that talks about reports, not a report
        s3_rows_seen = {f.rsplit(".", 1)[0] for f in result.cells if f.startswith("s3.")}
        if not result.cells or (not result.headers and len(s3_rows_seen) < 8):
            template, tconf, result = "unknown", 0.8, None
            why = "template words appear, but no table of the template (no title or header row)"

    sections = _sections(blocks, lines, layout, result.consumed_lines if result else set())
    preamble = "\n".join(clean_line(t.text) for t in lines[: layout.preamble_end])
    signature = "\n".join(clean_line(t.text) for t in lines[layout.signature_start:])
    issues.extend(_document_issues(template, why, sections))

    values: list[Value] = []
    coverage = 0.0
    if result is not None:
        values, table_issues = _values(result, template, tconf)
        issues.extend(table_issues)
        issues.extend(_two_number_issues(result))
        issues.extend(plausibility({v.field: v for v in values}, issuer, year, template,
                                   next((s.text for s in sections if s.number == 1), "")))
        exp = expected_fields(template, bool(result.other_split))
        coverage = sum(1 for f in exp if f in result.cells) / len(exp) if exp else 0.0

    issues = _dedupe(issues)
    conf = report_confidence(template, tconf, [v.confidence for v in values], coverage, len(sections), issues)
    meta = Metadata(issuer, year, published, template)  # type: ignore[arg-type]
    tables = parsing_report(result, template) if result is not None else ()
    return Report(source, meta, tuple(sections), tuple(values), tuple(issues), conf, preamble, signature, tables)


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen = set()
    out = []
    for i in issues:
        k = (i.code, i.severity, i.message, i.fields)
        if k not in seen:
            seen.add(k)
            out.append(i)
    return out


__all__ = ["build_report"]

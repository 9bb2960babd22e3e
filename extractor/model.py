"""Records passed between the stages.

A reader turns bytes into a :class:`Document`: an ordered list of blocks, each either a
line of text (:class:`Text`) or a table (:class:`Grid`). Every later stage works on
Documents only, so it does not know whether the report came from PDF, HTML or text.
The pipeline turns a Document into a :class:`Report`, whose :meth:`Report.to_dict`
gives the JSON record described in the README ("The record of one report").

``where`` dictionaries carry provenance and are copied into the output unchanged:

* text: ``{"line": 12, "column": 3}`` (1-based line, 0-based cell index in that line)
* html: ``{"table": 2, "row": 5, "column": 4}`` (0-based, after spans are expanded)
* pdf:  ``{"page": 3, "bbox": [x0, top, x1, bottom]}``; a paragraph continued on the next
  page also has ``"continued": [{"page": 4, "bbox": [...]}]``
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Format = Literal["pdf", "html", "text", "docx", "doc", "odt", "rtf", "image"]
#: the reader's unit a grid came from: text tab-separated / markdown pipe table / flattened
#: "a|b|c" lines, an HTML table, a PDF table, a Word table, an OCR-read table image, cells re-flowed
#: from one-per-line text, or the rows of a one-line body whose cells are fused ("fused": see :class:`Grid`)
GridSource = Literal["tsv", "md", "pipes", "html", "pdf", "docx", "ocr", "cells", "fused", ""]
Kind = Literal["number", "blank", "none", "na", "text"]
Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Cell:
    """One cell of a grid as the document shows it.

    ``text`` is the cell text with line breaks kept as ``\\n``. ``rowspan``/``colspan``
    are the spans of the original merged cell; readers that rebuild merged cells repeat
    the same Cell object in every position it covers and set ``origin`` to False on the
    copies, so a table can be read both as printed and as a full rectangle.
    """

    text: str
    where: dict[str, Any] = field(default_factory=dict)
    rowspan: int = 1
    colspan: int = 1
    origin: bool = True


@dataclass(frozen=True)
class Grid:
    """A table: rows of cells. Rows may be ragged (text renderings collapse merged cells).

    ``source`` names the reader's unit the grid came from (:data:`GridSource`: ``"tsv"``,
    ``"md"``, ``"pipes"``, ``"html"``, ``"pdf"``, ``"cells"``, ``"fused"``); ``where`` is where
    the grid starts.

    A ``"fused"`` grid holds the rows of one table of a one-line body (a naive
    ``get_text()``), whose cells were printed with no separator: every row is two cells, the
    label as printed (everything since the previous row's digits, so the first row's label
    starts with the table's title and header words) and the row's digits as printed, one
    fused cell (``"15620002160"``).  The reader does not split them: the tables stage cuts
    them against the template's arithmetic (:mod:`extractor.fused`).  Their ``where`` is
    ``{"line": n, "offset": k}``, ``k`` the 0-based character offset in the line.
    """

    rows: tuple[tuple[Cell, ...], ...]
    where: dict[str, Any] = field(default_factory=dict)
    source: GridSource = ""

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def texts(self) -> list[list[str]]:
        return [[c.text for c in r] for r in self.rows]


@dataclass(frozen=True)
class Text:
    """One line (or paragraph) of running text."""

    text: str
    where: dict[str, Any] = field(default_factory=dict)


Block = Text | Grid


class Flag(StrEnum):
    """How a table cell was placed, when not plainly by its header position or an exact
    cell count; each flag lowers the value's confidence (``extractor/confidence.py``)."""

    MISALIGNED = "misaligned"  # stood in a position no column names, or a row had too many cells
    UNSURE = "unsure"  # its row had too few cells, a spanned cell, or a duplicate row disagreed
    FALLBACK = "fallback"  # aligned to the right because the header's positions did not fit
    REFLOWED = "reflowed"  # rebuilt from one-cell-per-line text
    FUZZY = "fuzzy"  # its row label was damaged and matched approximately (table.fuzzy_label)
    INFERRED = "inferred"  # not shown, but could only be blank
    FUSED = "fused"  # cut from a fused run of digits: the single split the arithmetic allows


@dataclass(frozen=True)
class Issue:
    """Something a researcher should know before trusting the numbers.

    ``code``: an identity id (docs/report-formats.md, Identities) (``s3.balance`` …), or a code
    beginning ``gap.`` (something missing), ``table.`` (malformed structure),
    ``input.`` (about the document as a whole), ``limit.`` (a configured limit was hit)
    or ``check.`` (a plausibility warning).
    """

    code: str
    severity: Severity
    message: str
    fields: tuple[str, ...] = ()
    where: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "fields": list(self.fields),
        }
        if self.where:
            d["where"] = self.where
        return d


@dataclass(frozen=True)
class Document:
    """What a reader produces: ordered blocks plus hints the reader found on the way.

    ``hints`` may carry metadata a reader saw outside the report body (for example an
    HTML page's 发布机构 / 发文日期 box): keys ``issuer``, ``published``, ``title``.
    ``issues`` are problems the reader met (tables published as images, no text layer).
    """

    blocks: tuple[Block, ...]
    format: Format
    hints: dict[str, str] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()

    def lines(self) -> list[Text]:
        return [b for b in self.blocks if isinstance(b, Text)]

    def grids(self) -> list[Grid]:
        return [b for b in self.blocks if isinstance(b, Grid)]


@dataclass(frozen=True)
class Value:
    """One cell of a standard table, read and keyed by its field id."""

    field: str
    value: float | int | None
    kind: Kind
    raw: str
    unit: str | None
    confidence: float
    where: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "value": self.value,
            "kind": self.kind,
            "raw": self.raw,
            "unit": self.unit,
            "confidence": self.confidence,
            "where": self.where,
        }


@dataclass(frozen=True)
class Section:
    """A numbered section (1–6); number 0 is the unnumbered preamble, -1 the signature."""

    number: int
    title: str
    text: str
    where: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "title": self.title, "text": self.text}


@dataclass(frozen=True)
class Metadata:
    issuer: str | None
    year: int | None
    published: str | None
    template: Literal["2021", "2019", "pre2019", "unknown"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "year": self.year,
            "published": self.published,
            "template": self.template,
        }


@dataclass(frozen=True)
class Source:
    path: str | None
    sha256: str
    format: Format

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "format": self.format}


@dataclass(frozen=True)
class TableReport:
    """How one standard table was read: the parsing report (README, "Parsing report"),
    made by :func:`extractor.tables.report.parsing_report` from what the table stages did.

    ``strategy``: how the reader found the table's cells (``rules``/``words`` for PDF, the
    reader's name otherwise, several joined by ``+``); ``pages``: the PDF pages it stands on
    (None when the format has no pages); ``fragments``: the grids (pieces) stitched into it;
    rows of the template matched exactly, approximately (``table.fuzzy_label``) or not at all;
    ``cells_read``: the table's entries in ``values``, of which ``cells_by_position`` were
    placed by their place in the row rather than under a header position, and
    ``cells_inferred`` were not shown (inferred blank) or cut from fused digits."""

    table: str  # "s2", "s3", "s4"
    strategy: str
    pages: tuple[int, ...] | None
    fragments: int
    rows_exact: int
    rows_approximate: int
    rows_missing: int
    cells_read: int
    cells_by_position: int
    cells_inferred: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "pages": None if self.pages is None else list(self.pages),
            "fragments": self.fragments,
            "rows": {"exact": self.rows_exact, "approximate": self.rows_approximate, "missing": self.rows_missing},
            "cells": {"read": self.cells_read, "by_position": self.cells_by_position,
                      "inferred": self.cells_inferred},
        }


@dataclass(frozen=True)
class Report:
    """The record of one report (README, "The record of one report")."""

    source: Source
    metadata: Metadata
    sections: tuple[Section, ...]
    values: tuple[Value, ...]
    issues: tuple[Issue, ...]
    confidence: float
    preamble: str = ""
    signature: str = ""
    tables: tuple[TableReport, ...] = ()  # the parsing report of every standard table shown

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready dict of the record (plus ``preamble`` and ``signature``)."""
        return {
            "source": self.source.to_dict(),
            "metadata": self.metadata.to_dict(),
            "sections": [s.to_dict() for s in self.sections],
            "preamble": self.preamble,
            "signature": self.signature,
            "values": [v.to_dict() for v in self.values],
            "tables": {t.table: t.to_dict() for t in self.tables},
            "issues": [i.to_dict() for i in self.issues],
            "confidence": self.confidence,
        }

    def value(self, field_id: str) -> Value | None:
        """The value of one field id, or None when the document does not show that cell.

        Raises ``KeyError`` for a field id that is in no template (see ``docs/fields.md``)."""
        from .templates import FIELD_BY_ID

        for v in self.values:
            if v.field == field_id:
                return v
        if field_id not in FIELD_BY_ID:
            raise KeyError(f"{field_id!r} is not a field id of any template (see docs/fields.md)")
        return None

    def issue_codes(self) -> list[str]:
        return [i.code for i in self.issues]

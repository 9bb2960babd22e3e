"""The format-blind stages on the official merged-cell layout (spans repeated, as the
HTML and PDF readers give them), for every fixture report."""

from __future__ import annotations

import pytest

import extractor

from docbuild import document, reports

NAMES = [n for n, s in reports.REPORTS.items()]


@pytest.mark.parametrize("name", NAMES)
def test_spec_as_merged_grids_reads_every_cell(name):
    spec = reports.REPORTS[name]
    exp = reports.expected(spec)
    rep = extractor.parse_document(document(spec))
    assert rep.metadata.template == exp["template"]
    got = {v.field: {"kind": v.kind, "value": v.value, "raw": v.raw, "unit": v.unit} for v in rep.values}
    assert got == exp["values"]
    codes = set(rep.issue_codes())
    assert set(exp["issues"]) <= codes

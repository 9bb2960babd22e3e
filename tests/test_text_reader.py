from __future__ import annotations

import extractor
from extractor.model import Grid, Text
from extractor.readers import text

from conftest import seed_path


def grids(doc):
    return [b for b in doc.blocks if isinstance(b, Grid)]


def test_tsv_rows_keep_their_ragged_cells():
    doc = text.read("前言\n规章\t0\t0\t0\n行政许可\t0\t\t\n后记\n".encode())
    (g,) = grids(doc)
    assert g.source == "tsv"
    assert g.texts() == [["规章", "0", "0", "0"], ["行政许可", "0", "", ""]]
    assert g.rows[1][1].where == {"line": 3, "column": 1}
    assert [b.text for b in doc.blocks if isinstance(b, Text)] == ["前言", "后记"]


def test_markdown_table_with_rule_row():
    doc = text.read("| 信息内容 | 本年制发件数 |\n|---|:---:|\n| 规章 | 3 |\n".encode())
    (g,) = grids(doc)
    assert g.source == "md"
    assert g.texts() == [["信息内容", "本年制发件数"], ["规章", "3"]]


def test_flattened_pipes_and_double_bar_row_end():
    doc = text.read("行政处罚|12|\n行政强制|3||\n".encode())
    (g,) = grids(doc)
    assert g.source == "pipes"
    assert g.texts() == [["行政处罚", "12", ""], ["行政强制", "3", "", ""]]


def test_a_lone_bar_in_prose_is_text():
    doc = text.read("咨询电话|12345\n".encode())
    assert [type(b) for b in doc.blocks] == [Text]


def _seed_as(renderer) -> bytes:
    lines = seed_path().read_text(encoding="utf-8").splitlines()
    return "\n".join(renderer(line.split("\t")) if "\t" in line else line for line in lines).encode()


def test_seed_rendered_as_markdown_and_pipes_gives_the_same_values():
    base = extractor.parse(seed_path())
    md = extractor.parse(_seed_as(lambda cells: "| " + " | ".join(cells) + " |"))
    pipes = extractor.parse(_seed_as(lambda cells: "|".join(cells)))
    key = lambda r: [(v.field, v.kind, v.value, v.raw) for v in r.values]  # noqa: E731
    assert key(md) == key(base)
    assert key(pipes) == key(base)


def test_encodings_give_the_same_report():
    raw = seed_path().read_text(encoding="utf-8")
    base = extractor.parse(raw.encode("utf-8")).to_dict()["values"]
    for enc in ("utf-8-sig", "gb18030", "utf-16", "utf-16-le", "utf-16-be"):
        assert extractor.parse(raw.encode(enc)).to_dict()["values"] == base, enc


def test_nul_bytes_inside_text_are_removed_with_an_issue():
    rep = extractor.parse(seed_path().read_bytes().replace("一、总体情况".encode(), "一、总\x00体情况".encode()))
    assert "input.nul_bytes" in rep.issue_codes()
    assert rep.sections[0].title == "一、总体情况"


def test_only_nul_bytes_is_empty_input():
    import pytest

    from extractor.errors import EmptyInput

    with pytest.raises(EmptyInput):
        extractor.parse(b"\x00" * 1000)


def test_many_heading_lines_parse_in_linear_time():
    # 200 000 candidate headings: the section chain is found in one pass, not O(n^2)
    import time

    data = ("一、总体情况\n二、主动公开政府信息情况\n" * 100_000).encode()
    t = time.process_time()
    rep = extractor.parse(data)
    assert [s.number for s in rep.sections] == [1, 2]
    assert time.process_time() - t < 60  # was about 10 minutes with the quadratic search

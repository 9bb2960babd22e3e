"""The command line: JSON on stdout, one clear line on stderr and a documented exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, seed_path


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=120)


def test_parse_prints_the_json_record():
    p = run("parse", str(seed_path()))
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert set(r) >= {"source", "metadata", "sections", "values", "issues", "confidence"}
    assert r["source"]["format"] == "text"
    assert len(r["source"]["sha256"]) == 64
    assert r["metadata"] == {"issuer": "哈拉直沟乡人民政府", "year": 2023, "published": "2024-01-29",
                             "template": "2021"}
    v = next(v for v in r["values"] if v["field"] == "s3.new.total")
    assert (v["kind"], v["raw"], v["value"]) == ("none", "无", None)


@pytest.mark.parametrize(
    "name,content,code,words",
    [
        ("missing.txt", None, 3, "cannot read"),
        ("empty.txt", b"", 4, "empty"),
        ("spaces.html", b"  \n\n ", 4, "empty"),
        ("noise.pdf", os.urandom(4096) + b"\x00\x01\x02" * 100, 5, "not a report"),
        ("picture.txt", b"\x89PNG\r\n\x1a\n" + os.urandom(2000), 5, "PNG"),
    ],
)
def test_unreadable_input_exits_nonzero_with_one_line(tmp_path, name, content, code, words):
    f = tmp_path / name
    if content is not None:
        f.write_bytes(content)
    p = run("parse", str(f))
    assert p.returncode == code
    assert p.stdout == ""
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("extractor: error: ") and words in lines[0]
    assert "Traceback" not in p.stderr


def test_a_text_that_is_not_a_report(tmp_path):
    f = tmp_path / "notice.txt"
    f.write_text("关于做好2024年春节期间安全生产工作的通知\n各乡镇、各部门：\n为切实做好春节期间安全生产工作，现将有关事项通知如下。\n"
                 "一、提高思想认识\n二、加强隐患排查\n\n某某县人民政府办公室\n2024年1月20日\n", encoding="utf-8")
    p = run("parse", str(f))
    assert p.returncode == 0
    r = json.loads(p.stdout)
    assert r["metadata"]["template"] == "unknown"
    assert r["values"] == []
    codes = [i["code"] for i in r["issues"]]
    assert "gap.template" in codes


def test_python_api_matches_cli():
    import extractor

    rep = extractor.parse(seed_path())
    data = seed_path().read_bytes()
    assert extractor.parse(data).to_dict()["values"] == rep.to_dict()["values"]
    p = run("parse", str(seed_path()))
    assert json.loads(p.stdout)["values"] == rep.to_dict()["values"]


def test_codebook_command_lists_every_field():
    from extractor.templates import FIELD_IDS

    p = run("codebook")
    assert p.returncode == 0
    rows = p.stdout.strip().splitlines()
    assert rows[0] == "field,table,label_path,templates,unit,signed,meaning"
    assert [r.split(",")[0] for r in rows[1:]] == list(FIELD_IDS)


def test_codebook_into_a_missing_folder_is_a_usage_error(tmp_path):
    target = tmp_path / "missing" / "dir" / "file.csv"
    p = run("codebook", "-o", str(target))
    assert (p.returncode, p.stdout) == (2, "")
    assert p.stderr == f"extractor: error: -o {target}: the folder {target.parent} does not exist\n"
    assert not (tmp_path / "missing").exists()
    p = run("codebook", "-o", str(tmp_path))
    assert (p.returncode, p.stderr) == (2, f"extractor: error: -o {tmp_path}: is a folder, not a file\n")
    p = run("codebook", "-o", str(tmp_path / "codebook.csv"))
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "codebook.csv").read_text(encoding="utf-8").startswith("field,table,label_path,")


@pytest.mark.parametrize("fmt", ["docx", "doc", "odt", "rtf"])
def test_parse_format_offers_the_word_formats(fmt):
    from extractor.cli import build_parser

    assert build_parser().parse_args(["parse", "--format", fmt, "x"]).format == fmt


def test_parse_format_docx_forces_the_docx_reader(tmp_path):
    from conftest import FIXTURES, load_expected

    p = run("parse", "--format", "docx", str(FIXTURES / "docx" / "county-2021.numbered.docx"))
    assert p.returncode == 0, p.stderr
    r = json.loads(p.stdout)
    assert r["source"]["format"] == "docx"
    got = {v["field"]: {"kind": v["kind"], "value": v["value"], "raw": v["raw"], "unit": v["unit"]} for v in r["values"]}
    assert got == load_expected("county-2021")["values"]
    # a text file forced through the DOCX reader: it is not a ZIP, a named error (exit 6)
    p = run("parse", "--format", "docx", str(FIXTURES / "text" / "county-2021.tsv.txt"))
    assert (p.returncode, p.stdout) == (6, ""), p.stderr

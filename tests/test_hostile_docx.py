"""Hostile Word files: each ends in a named error, or in a report with a named issue,
within the limits (tests/docxbuild.py builds them byte by byte)."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from docxbuild import document_xml, fib, lvl, numbering_xml, ole, p, package, styles_xml, tbl, tc

import extractor
import extractor.readers
from extractor.errors import ConverterMissing, DamagedDocument, EncryptedDocument, LimitExceeded
from extractor.limits import Limits
from extractor.readers import docx

from conftest import FIXTURES, ROOT

DOCX = FIXTURES / "docx"
DOC = DOCX / "county-2021.template.doc"


def test_zip_bomb_in_the_document_part() -> None:
    body = document_xml(p("x") + "<w:p/>" * 2_000_000)  # 12 MB of XML, a few KB compressed
    data = package(body)
    assert len(data) < 100_000
    with pytest.raises(LimitExceeded, match="max_inflated_bytes=1000000") as e:
        docx.read(data, Limits(max_inflated_bytes=1_000_000))
    assert e.value.limit == "max_inflated_bytes"
    assert "word/document.xml" in str(e.value)


@pytest.mark.parametrize("part", ["numbering", "styles"])
def test_zip_bomb_in_every_part_read(part: str) -> None:
    """The limit counts every part read: a small document with a bomb in numbering.xml or styles.xml."""
    bomb = {"numbering": numbering_xml({1: "<w:lvl/>" * 400_000}, {1: (1, "")}),
            "styles": styles_xml("<w:style/>" * 300_000 + "<w:numPr/>")}[part]
    parts = {"numbering": numbering_xml({1: lvl(0, "decimal", "%1.")}, {1: (1, "")}),  # lists exist, and
             "styles": styles_xml('<w:style w:styleId="H"><w:pPr><w:numPr/></w:pPr></w:style>')}  # a styled paragraph
    parts[part] = bomb
    data = package(document_xml(p("一、总体情况", '<w:pStyle w:val="H"/>')),
                   {f"word/{k}.xml": v for k, v in parts.items()})
    with pytest.raises(LimitExceeded, match=f"word/{part}.xml"):
        docx.read(data, Limits(max_inflated_bytes=1_000_000))
    assert docx.read(data).lines()[0].text == "一、总体情况"  # under the default limit it reads


def test_zip_entry_that_lies_about_its_size_is_damaged() -> None:
    """The declared size is never trusted: a part that inflates past what its header claims
    is cut there, and its checksum fails."""
    data = bytearray(package(document_xml(p("正文") * 5000)))
    assert zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml").file_size > 100
    # the central-directory entry of word/document.xml: its uncompressed size set to 100
    header = data.find(b"word/document.xml", data.find(b"PK\x01\x02")) - 46
    assert data[header:header + 4] == b"PK\x01\x02"
    data[header + 24:header + 28] = (100).to_bytes(4, "little")
    with pytest.raises(DamagedDocument, match="word/document.xml"):
        docx.read(bytes(data))


def test_entity_expansion_is_refused() -> None:
    decl = "".join(f'<!ENTITY e{i} "' + f"&e{i - 1};" * 10 + '">' for i in range(1, 10))
    prolog = f'<!DOCTYPE w:document [<!ENTITY e0 "lol">{decl}]>'
    with pytest.raises(DamagedDocument, match="entity amplification"):
        docx.read(package(document_xml(p("前&e9;后"), prolog=prolog)))


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER", encoding="utf-8")
    prolog = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{secret.as_uri()}"><!ENTITY net SYSTEM "http://127.0.0.1:9/x">]>'
    doc = docx.read(package(document_xml(p("前&xxe;中&net;后"), prolog=prolog)))
    assert [b.text for b in doc.lines()] == ["前中后"]


def test_a_hundred_thousand_paragraphs() -> None:
    body = "".join(f"<w:p><w:r><w:t>第{i}段</w:t></w:r></w:p>" for i in range(100_000))
    data = package(document_xml(body))
    doc = docx.read(data)
    assert len(doc.blocks) == 100_000 and doc.blocks[-1].text == "第99999段"
    assert doc.blocks[-1].where == {"paragraph": 99_999}
    short = docx.read(data, Limits(max_lines=1000))
    assert len(short.blocks) == 1000 and [i.code for i in short.issues] == ["limit.max_lines"]


def test_time_limit_stops_a_long_document() -> None:
    body = "".join(f"<w:p><w:r><w:t>第{i}段</w:t></w:r></w:p>" for i in range(5000))
    from extractor.limits import time_limit

    with time_limit(1e-9), pytest.raises(LimitExceeded, match="time_s"):
        docx.read(package(document_xml(body)))


def _nested(depth: int) -> str:
    body = p("最里层")
    for i in range(depth):
        body = f"<w:tbl><w:tr><w:tc>{body}</w:tc><w:tc>{p(f'第{i}层')}</w:tc></w:tr></w:tbl>"
    return body


def test_nested_tables_read_inner_grid_and_outer_text() -> None:
    doc = docx.read(package(document_xml(_nested(40))))
    assert doc.grids()[0].texts() == [["最里层", "第0层"]]
    assert [b.text for b in doc.lines()] == [f"第{i}层" for i in range(1, 40)]


def test_too_deeply_nested_tables_are_a_named_limit() -> None:
    with pytest.raises(LimitExceeded, match="deeper than the XML parser allows") as e:
        docx.read(package(document_xml(_nested(100))))
    assert e.value.limit == "max_depth"


def test_max_cells_counts_spans() -> None:
    row = tc("x", span=600) + tc("y", span=600)
    with pytest.raises(LimitExceeded, match="max_cells=1000"):
        docx.read(package(document_xml(tbl(row, row))), Limits(max_cells=1000))


def test_truncated_docx_is_damaged() -> None:
    data = (DOCX / "county-2021.plain.docx").read_bytes()
    for cut in (len(data) // 2, len(data) - 10):
        with pytest.raises(DamagedDocument, match=r"Word document \(\.docx\)"):
            extractor.parse(data[:cut])


def test_encrypted_documents() -> None:
    with pytest.raises(EncryptedDocument):
        extractor.parse(ole({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x00" * 64}))
    with pytest.raises(EncryptedDocument):
        extractor.parse(ole({"WordDocument": fib(encrypted=True), "1Table": b""}))


def _fake_soffice(folder: Path, script: str) -> None:
    exe = folder / "soffice"
    exe.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def test_hanging_libreoffice_is_killed_at_the_time_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A .doc that makes LibreOffice hang: the timeout kills its whole process group and the
    file fails with a named error (the conversion never blocks past time_s)."""
    pids = tmp_path / "pids"
    _fake_soffice(tmp_path, f'echo $$ >> "{pids}"\nsleep 300 &\necho $! >> "{pids}"\nwait\n')
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setattr("shutil.which", lambda name, *a, **k: str(tmp_path / "soffice") if name == "soffice" else None)
    t0 = time.monotonic()
    with pytest.raises(LimitExceeded, match="LibreOffice did not convert the file within the time limit") as e:
        extractor.parse(DOC.read_bytes(), limits=Limits(time_s=2))
    assert e.value.limit == "time_s"
    assert time.monotonic() - t0 < 60
    started = [int(x) for x in pids.read_text().split()]
    assert len(started) == 2
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in started)


def test_failing_libreoffice_is_a_damaged_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_soffice(tmp_path, 'echo "Error: source file could not be loaded"\nexit 1\n')
    monkeypatch.setattr("shutil.which", lambda name, *a, **k: str(tmp_path / "soffice") if name == "soffice" else None)
    with pytest.raises(DamagedDocument, match="source file could not be loaded"):
        extractor.parse(DOC.read_bytes())


def test_without_libreoffice_word_97_files_name_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda *a, **k: None)
    for name in ("county-2021.template.doc", "county-2021.template.odt"):
        with pytest.raises(ConverterMissing, match="apt-get install libreoffice-writer-nogui") as e:
            extractor.parse(DOCX / name)
        assert e.value.exit_code == 10
    assert extractor.parse(DOCX / "county-2021.template.docx").metadata.template == "2021"  # DOCX needs nothing


def test_cli_exit_code_10_without_libreoffice(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}  # no soffice, no libreoffice
    r = subprocess.run([sys.executable, "-m", "extractor", "parse", str(DOC)], capture_output=True, text=True,
                       env=env, cwd=ROOT, timeout=120)
    assert r.returncode == 10
    assert r.stderr.strip().count("\n") == 0
    assert r.stderr.startswith("extractor: error: reading a Word 97-2003 (.doc) or WPS (.wps) document needs LibreOffice")


def test_in_a_run_the_hanging_doc_fails_alone(tmp_path: Path) -> None:
    """``extractor run`` over a hanging .doc and a good .docx: the .doc fails with the named
    time limit (LibreOffice's group killed before the worker's watchdog), the .docx is ok."""
    import csv

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_soffice(bin_dir, "sleep 300\n")
    src = tmp_path / "in"
    src.mkdir()
    (src / "hangs.doc").write_bytes(DOC.read_bytes())
    (src / "good.docx").write_bytes((DOCX / "county-2021.plain.docx").read_bytes())
    out = tmp_path / "out"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}
    r = subprocess.run([sys.executable, "-m", "extractor", "run", str(src), "-o", str(out), "--workers", "2",
                        "--timeout", "8"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    with open(out / "reports.csv", encoding="utf-8", newline="") as f:
        rows = {Path(row["path"]).name: row for row in csv.DictReader(f)}
    assert (rows["good.docx"]["status"], rows["good.docx"]["format"]) == ("ok", "docx")
    assert (rows["hangs.doc"]["status"], rows["hangs.doc"]["error_type"]) == ("failed", "LimitExceeded")
    assert "LibreOffice did not convert the file" in rows["hangs.doc"]["error"]


def test_every_conversion_gets_a_fresh_profile_and_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """LibreOffice runs headless with a user profile and a working folder of its own, both
    removed afterwards, and an environment that carries no proxy settings."""
    log = tmp_path / "calls"
    script = (f'echo "$@" >> "{log}"\necho "HOME=$HOME http_proxy=$http_proxy" >> "{log}"\n'
              'for a in "$@"; do case "$a" in --outdir) next=1;; *) if [ -n "$next" ]; then out="$a"; next=; fi;; esac; done\n'
              f'cp "{DOCX / "county-2021.plain.docx"}" "$out/document.docx"\n')
    _fake_soffice(tmp_path, script)
    monkeypatch.setattr("shutil.which", lambda name, *a, **k: str(tmp_path / "soffice") if name == "soffice" else None)
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    for _ in range(2):
        rep = extractor.parse(DOC.read_bytes())
        assert rep.source.format == "doc" and rep.metadata.template == "2021"
    calls = log.read_text(encoding="utf-8").splitlines()
    args, envs = calls[0::2], calls[1::2]
    profiles = [next(a for a in line.split() if a.startswith("-env:UserInstallation=file:///")) for line in args]
    assert len(set(profiles)) == 2
    for line in args:
        assert line.split()[:1] == ["--headless"] and "--convert-to docx:MS Word 2007 XML" in line
    for profile in profiles:
        assert not Path(profile.split("file://", 1)[1]).exists()
    assert all(e.startswith("HOME=/") and e.endswith("http_proxy=") for e in envs)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_rtf_is_converted_and_read() -> None:
    rtf = (b"{\\rtf1\\ansi\\ansicpg936\\deff0{\\fonttbl{\\f0 SimSun;}}\\f0 "
           b"\\u19968?\\u12289?\\u24635?\\u20307?\\u24773?\\u20917?\\par "
           b"\\u20840?\\u24180?\\u20027?\\u21160?\\u20844?\\u24320?\\par}")
    doc = extractor.readers.read(rtf)
    assert doc.format == "rtf"
    assert [b.text for b in doc.lines()] == ["一、总体情况", "全年主动公开"]


def test_a_table_merged_down_every_column() -> None:
    """Every column of a 150 x 100 table merged from top to bottom: one cell per column,
    each spanning every row (the merge is followed by a lookup per row, not a scan)."""
    first = "".join(tc(f"列{c}", vmerge="restart") for c in range(100))
    rest = "".join(tc(vmerge="continue") for _ in range(100))
    doc = docx.read(package(document_xml(tbl(first, *([rest] * 149)))))
    g = doc.grids()[0]
    assert (len(g.rows), g.width) == (150, 100)
    assert {(c.text, c.rowspan, c.where["row"]) for c in g.rows[149][:3]} == {
        ("列0", 150, 0), ("列1", 150, 0), ("列2", 150, 0)}
    with pytest.raises(LimitExceeded, match="max_cells=10000"):
        docx.read(package(document_xml(tbl(first, *([rest] * 149)))), Limits(max_cells=10_000))

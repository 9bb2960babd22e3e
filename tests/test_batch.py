"""`extractor run`: every input file accounted for, isolation, resume, kill -9, Ctrl-C, Dask.

These tests run the real parser on the real fixtures (text, HTML and PDF) in real worker
processes. Crashes, hangs and memory blow-ups are injected into the workers from outside
the package: ``tests/faults/sitecustomize.py``, which the ``faults_in_workers`` fixture puts on
their import path, reads the ``EXTRACTOR_TEST_*`` variables a test sets.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

import extractor
from extractor import batch
from extractor.batch import runner
from extractor.cli import add_run_arguments
from extractor.dataset import REPORT_COLUMNS, not_a_report_reason, rows_from_record
from extractor.errors import ExtractorError
from extractor.limits import Limits

from conftest import FIXTURES, ROOT

FAULTS = Path(__file__).resolve().parent / "faults"


@pytest.fixture(autouse=True)
def faults_in_workers(monkeypatch):
    """Every child process of a test (a CLI run, its workers) imports ``tests/faults/sitecustomize.py``."""
    old = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", str(FAULTS) + (os.pathsep + old if old else ""))


REPORT_GLOBS = {"text": "*.txt", "html": "*.htm*", "pdf": "*.pdf"}
HOOKS = {
    "EXTRACTOR_TEST_CRASH_ON": "crash-here",
    "EXTRACTOR_TEST_SEGFAULT_ON": "segfault-here",
    "EXTRACTOR_TEST_HANG_ON": "hang-here",
    "EXTRACTOR_TEST_MEMORY_ON": "memory-here",
}


def fixture_reports(kinds: tuple[str, ...] = ("text", "html", "pdf")) -> list[Path]:
    out: list[Path] = []
    for kind in kinds:
        out += sorted(p for p in (FIXTURES / kind).glob(REPORT_GLOBS[kind]) if p.is_file())
    return out


def direct(path: Path) -> dict:
    """What the batch row of ``path`` must say: the in-process parse of the same bytes."""
    try:  # OCR off, as the runs that compare with it (the scanned PDFs' OCR: tests/test_ocr.py)
        rec = extractor.parse(path, limits=Limits(ocr=False)).to_dict()
    except ExtractorError as e:
        return {"status": "failed", "error_type": type(e).__name__}
    if not_a_report_reason(rec) is not None:
        return {"status": "not_a_report", "error_type": "gap.template"}
    rows = rows_from_record(rec)
    return {"status": "ok", "error_type": "", "template": rec["metadata"]["template"],
            "issuer": rec["metadata"]["issuer"] or "", "n_values": len(rec["values"]),
            "n_issues": len(rec["issues"]), "confidence": rec["confidence"],
            "values": [tuple(v[1:]) for v in rows.values]}


def annual_reports(kinds: tuple[str, ...] = ("text", "html", "pdf")) -> list[Path]:
    """The fixture files of ``kinds`` but the notices (``not-a-report.*``, status not_a_report)."""
    return [p for p in fixture_reports(kinds) if not p.name.startswith("not-a-report.")]


@pytest.fixture(scope="module")
def expected_fixtures() -> dict[str, dict]:
    return {p.name: direct(p) for p in fixture_reports()}


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "extractor", "run", *args], capture_output=True, text=True,
                          cwd=ROOT, env=full_env, timeout=timeout)


def unique_copy(src: Path, dst: Path, marker: str) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(src.read_bytes() + f"\n{marker}\n".encode())


def make_mixed_corpus(root: Path) -> dict[str, tuple[str, str]]:
    """Good reports in every format plus broken files; returns path -> (status, error_type)
    for the broken ones (good ones are checked against a direct parse)."""
    for p in fixture_reports():
        dst = root / p.parent.name / p.name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(p, dst)
    b = root / "broken"
    b.mkdir()
    rnd = random.Random(7)
    (b / "empty.pdf").write_bytes(b"")
    (b / "blank.txt").write_bytes(b"  \n\n \t\n")
    (b / "noise.pdf").write_bytes(bytes(rnd.randrange(256) for _ in range(4096)))
    (b / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(rnd.randrange(256) for _ in range(500)))
    (b / "photo.jpg").write_bytes(bytes([0x00, 0x10]) + bytes(rnd.randrange(256) for _ in range(500)))
    (b / "archive.zip").write_bytes(b"PK\x03\x04" + bytes(rnd.randrange(256) for _ in range(300)))
    (b / "site.css").write_text("body { color: red; font-family: 'SimSun'; }\n", encoding="utf-8")
    (b / "app.js").write_text("var x = '政府信息公开';\nfunction f() { return 1; }\n", encoding="utf-8")
    seed = FIXTURES / "text" / "county-2021.tsv.txt"
    for name in ("crash-here.txt", "segfault-here.txt", "hang-here.txt", "memory-here.txt"):
        unique_copy(seed, b / name, name)
    shutil.copy(seed, b / "copy-of-county.txt")  # same bytes as text/county-2021.tsv.txt
    shutil.copy(seed, b / ".hidden-report.txt")  # hidden: not an input when walking folders
    return {
        "broken/empty.pdf": ("failed", "EmptyInput"),
        "broken/blank.txt": ("failed", "EmptyInput"),
        "broken/noise.pdf": ("failed", "UnsupportedFormat"),
        "broken/picture.png": ("not_a_report", "UnsupportedFormat"),
        "broken/photo.jpg": ("not_a_report", "UnsupportedFormat"),
        "broken/archive.zip": ("not_a_report", "UnsupportedFormat"),
        "broken/site.css": ("not_a_report", "UnsupportedFormat"),
        "broken/app.js": ("not_a_report", "UnsupportedFormat"),
        "broken/crash-here.txt": ("failed", "crashed"),
        "broken/segfault-here.txt": ("failed", "crashed"),
        "broken/hang-here.txt": ("failed", "timeout"),
        "broken/memory-here.txt": ("failed", "memory"),
        "broken/copy-of-county.txt": ("ok", ""),
    }


def test_mixed_folder_every_file_accounted_for_once(tmp_path, expected_fixtures):
    corpus = tmp_path / "in"
    broken = make_mixed_corpus(corpus)
    out = tmp_path / "out"
    p = cli(str(corpus), "-o", str(out), "--workers", "2", "--timeout", "20", "--max-memory-mb", "512",
            "--strict", "--no-ocr", env=HOOKS)
    assert p.returncode == 9, p.stderr

    rows = read_csv(out / "reports.csv")
    rel = {str(Path(r["path"]).relative_to(corpus)): r for r in rows}
    assert len(rows) == len(rel) == len(expected_fixtures) + len(broken)
    assert set(rel) == {f"{p.parent.name}/{p.name}" for p in fixture_reports()} | set(broken)
    assert list(rows[0]) == list(REPORT_COLUMNS)

    for name, (status, error_type) in broken.items():
        assert (rel[name]["status"], rel[name]["error_type"]) == (status, error_type), name
    assert "exited with code 70" in rel["broken/crash-here.txt"]["error"]
    assert "SIGSEGV" in rel["broken/segfault-here.txt"]["error"]
    assert rel["broken/hang-here.txt"]["error"] == "parsing took longer than the time limit (20 s, --timeout)"
    assert rel["broken/memory-here.txt"]["error"] == "ran out of memory while parsing (--max-memory-mb 512)"
    assert rel["broken/picture.png"]["error"] == "not a report: the file is a PNG image"
    assert rel["broken/site.css"]["error"] == "not a report: a .css file (web page asset)"
    assert rel["broken/copy-of-county.txt"]["sha256"] == rel["text/county-2021.tsv.txt"]["sha256"]

    by_sha_values: dict[str, list[tuple]] = {}
    for v in read_csv(out / "values.csv"):
        by_sha_values.setdefault(v["sha256"], []).append(v)
    for f in fixture_reports():
        row = rel[f"{f.parent.name}/{f.name}"]
        exp = expected_fixtures[f.name]
        assert row["status"] == exp["status"], f.name
        assert row["error_type"] == exp["error_type"], f.name
        if exp["status"] != "ok":
            continue
        assert row["format"] == f.parent.name, f.name
        assert (row["template"], row["issuer"], int(row["n_values"]), int(row["n_issues"]), float(row["confidence"])) \
            == (exp["template"], exp["issuer"], exp["n_values"], exp["n_issues"], exp["confidence"]), f.name
        got = [(v["field"], v["kind"], v["raw"], v["where"]) for v in by_sha_values.get(row["sha256"], [])]
        assert got == [(v[0], v[2], v[3], v[6]) for v in exp["values"]], f.name

    n_failed = sum(1 for r in rows if r["status"] == "failed")
    n_not = sum(1 for r in rows if r["status"] == "not_a_report")
    n_ok = len(rows) - n_failed - n_not
    # the notices of fixtures/{text,html} (template unknown, no section) and the five files above
    assert sum(1 for e in expected_fixtures.values() if e["status"] == "not_a_report") == 5
    assert n_not == 5 + 5
    assert n_failed == 7 + sum(1 for e in expected_fixtures.values() if e["status"] == "failed")
    summary = p.stderr.strip().splitlines()
    assert summary[0].startswith(f"{len(rows)} files: {n_ok} ok (")
    assert f"{n_failed} failed, {n_not} not reports; {len(rows) - 1} parsed now" in summary[0]
    assert summary[-2] == f"--strict: exit 9: {n_failed} failed; {n_not} not reports (they do not fail a run)"
    assert "\r" not in p.stderr  # no progress bar when stderr is not a terminal
    # the duplicate was parsed once: one wide row per distinct ok report
    wide = read_csv(out / "wide.csv")
    assert len(wide) == len({r["sha256"] for r in rows if r["status"] == "ok"}) == n_ok - 1


def test_rerun_parses_nothing_and_changes_nothing(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    for p in fixture_reports(("text",))[:6]:
        shutil.copy(p, corpus / p.name)
    out = tmp_path / "out"
    first = batch.run([str(corpus)], out, workers=2, progress=False)
    assert (first.counts["parsed"], first.counts["cached"], first.counts["ok"], first.exit_code) == (6, 0, 6, 0)
    before = {n: (out / n).read_bytes() for n in ("reports.csv", "values.csv", "wide.csv", "issues.csv",
                                                  "sections.jsonl")}
    second = batch.run([str(corpus)], out, workers=2, progress=False)
    assert (second.counts["parsed"], second.counts["cached"], second.counts["ok"]) == (0, 6, 6)
    assert {n: (out / n).read_bytes() for n in before} == before

    # a new path with known bytes is recorded without parsing; a changed file is parsed again
    names = sorted(x.name for x in corpus.iterdir())
    shutil.copy(corpus / names[0], corpus / "again.txt")
    changed = corpus / names[1]
    old_sha = read_csv(out / "reports.csv")[1]["sha256"]
    changed.write_bytes(changed.read_bytes() + b"\n")
    third = batch.run([str(corpus)], out, workers=2, progress=False)
    assert (third.counts["parsed"], third.counts["cached"], third.counts["files"]) == (1, 6, 7)
    rows = read_csv(out / "reports.csv")
    assert len(rows) == 7 and len({r["path"] for r in rows}) == 7
    shas = {r["sha256"] for r in rows}
    assert old_sha not in shas
    values = read_csv(out / "values.csv")
    assert {v["sha256"] for v in values} <= shas
    assert old_sha not in {v["sha256"] for v in values}
    assert len(values) == sum(int(r["n_values"]) for r in rows if r["path"] != str(corpus / "again.txt"))


def test_retry_failed_and_force(tmp_path, monkeypatch):
    corpus = tmp_path / "in"
    corpus.mkdir()
    unique_copy(FIXTURES / "text" / "dept-2019.pipes.txt", corpus / "crash-here.txt", "x")
    shutil.copy(FIXTURES / "text" / "county-2021.tsv.txt", corpus / "good.txt")
    out = tmp_path / "out"
    monkeypatch.setenv("EXTRACTOR_TEST_CRASH_ON", "crash-here")
    s = batch.run([str(corpus)], out, workers=1, progress=False, strict=True)
    assert (s.counts["ok"], s.counts["failed"], s.exit_code) == (1, 1, 9)
    monkeypatch.delenv("EXTRACTOR_TEST_CRASH_ON")
    s = batch.run([str(corpus)], out, workers=1, progress=False, strict=True)  # failed files stay failed
    assert (s.counts["parsed"], s.counts["failed"], s.exit_code) == (0, 1, 9)
    s = batch.run([str(corpus)], out, workers=1, progress=False, retry_failed=True, strict=True)
    assert (s.counts["parsed"], s.counts["ok"], s.counts["failed"], s.exit_code) == (1, 2, 0, 0)
    s = batch.run([str(corpus)], out, workers=1, progress=False, force=True)
    assert (s.counts["parsed"], s.counts["ok"]) == (2, 2)
    assert len(read_csv(out / "reports.csv")) == 2


def _children_of(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _count_done(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _corpus(tmp_path: Path, n: int) -> Path:
    corpus = tmp_path / "in"
    srcs = annual_reports(("text", "html"))
    for i in range(n):
        unique_copy(srcs[i % len(srcs)], corpus / f"{i:03d}-{srcs[i % len(srcs)].name}", f"copy {i}")
    return corpus


#: two files of the corpus of ``_start_stuck_run`` on which the workers hang for good
STUCK = ("hang-here-1.txt", "hang-here-2.txt")


def _start_stuck_run(corpus: Path, out: Path) -> subprocess.Popen:
    """A run over ``corpus`` plus the two ``STUCK`` files, with two workers and no time limit:
    it writes every other file, then both workers hang on the ``STUCK`` files (the smallest
    files: a run takes the largest first), so the run is certainly still going when all the
    others are done."""
    for name in STUCK:
        (corpus / name).write_text(f"{name}\n2023年政府信息公开工作年度报告\n", encoding="utf-8")
    env = {**os.environ, "EXTRACTOR_TEST_HANG_ON": "hang-here"}
    return subprocess.Popen([sys.executable, "-m", "extractor", "run", str(corpus), "-o", str(out), "--workers", "2",
                             "--timeout", "0"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_rows(proc: subprocess.Popen, db: Path, n: int) -> None:
    """Until ``db`` holds ``n`` reports rows; a safety net of 10 minutes, not a speed bound."""
    deadline = time.monotonic() + 600
    while _count_done(db) < n:
        assert proc.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_kill_9_mid_run_then_rerun(tmp_path):
    n = 24
    corpus = _corpus(tmp_path, n)
    out = tmp_path / "out"
    db = out / "dataset.sqlite"
    proc = _start_stuck_run(corpus, out)
    _wait_for_rows(proc, db, n)
    workers = _children_of(proc.pid)
    assert len(workers) == 2
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    proc.stdout.close()
    proc.stderr.close()
    deadline = time.monotonic() + 60
    while any(_alive(w) for w in workers):  # workers notice the parent is gone and exit
        assert time.monotonic() < deadline, "worker processes outlived the killed run"
        time.sleep(0.1)

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    done = conn.execute("SELECT COUNT(*), COUNT(DISTINCT path) FROM reports").fetchone()
    assert conn.execute("SELECT COUNT(*) FROM reports WHERE path LIKE '%hang-here%'").fetchone()[0] == 0
    conn.close()
    assert done == (n, n)

    total = n + len(STUCK)
    p = cli(str(corpus), "-o", str(out), "--workers", "2")
    assert p.returncode == 0, p.stderr
    assert f"{total} files: {total} ok" in p.stderr
    assert f"{len(STUCK)} parsed now" in p.stderr and f"{n} already done" in p.stderr
    rows = read_csv(out / "reports.csv")
    assert sorted(Path(r["path"]).name for r in rows) == sorted(x.name for x in corpus.iterdir())
    assert {r["status"] for r in rows} == {"ok"}
    values = read_csv(out / "values.csv")
    assert len(values) == sum(int(r["n_values"]) for r in rows)
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == total
    assert conn.execute('SELECT COUNT(*) FROM "values"').fetchone()[0] == len(values)
    conn.close()
    assert not list(out.glob(".*.tmp"))


def test_ctrl_c_stops_cleanly_and_exports_what_is_done(tmp_path):
    n = 24
    corpus = _corpus(tmp_path, n)
    out = tmp_path / "out"
    proc = _start_stuck_run(corpus, out)
    _wait_for_rows(proc, out / "dataset.sqlite", n)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    rows = read_csv(out / "reports.csv")
    conn = sqlite3.connect(out / "dataset.sqlite")
    assert len(rows) == conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == n
    conn.close()
    assert {r["status"] for r in rows} == {"ok"}  # files in flight are dropped, not failed
    with_errors = sum(int(r["n_errors"]) > 0 for r in rows)
    assert f"{n + len(STUCK)} files: {n} ok ({with_errors} with errors), 0 failed, 0 not reports" in err
    assert f"interrupted: {len(STUCK)} files not reached;" in err
    total = n + len(STUCK)
    s = batch.run([str(corpus)], out, workers=2, progress=False)
    assert (s.counts["ok"], s.counts["parsed"], s.counts["cached"], s.exit_code) == (total, len(STUCK), n, 0)


def test_inputs_files_globs_and_missing(tmp_path):
    src = tmp_path / "src"
    (src / "a" / "b").mkdir(parents=True)
    (src / ".git").mkdir()
    shutil.copy(FIXTURES / "text" / "county-2021.tsv.txt", src / "a" / "one.txt")
    shutil.copy(FIXTURES / "text" / "dept-2019.pipes.txt", src / "a" / "b" / "two.txt")
    shutil.copy(FIXTURES / "html" / "county-2021.cms.html", src / "three.html")
    shutil.copy(FIXTURES / "text" / "dept-2019.pipes.txt", src / ".git" / "objects.txt")
    out = src / "out"  # the output folder inside an input folder is never an input
    s = batch.run([str(src / "a" / "b" / "two.txt"), str(src), f"{src}/**/*.html", str(src / "nope.txt"),
                   f"{src}/*.nothing"], out, workers=1, progress=False, strict=True)
    assert s.warnings == [f"no file matches {src}/*.nothing"]
    rows = {r["path"]: r for r in read_csv(out / "reports.csv")}
    assert set(rows) == {str(src / "a" / "one.txt"), str(src / "a" / "b" / "two.txt"), str(src / "three.html"),
                         str(src / "nope.txt")}
    assert (rows[str(src / "nope.txt")]["status"], rows[str(src / "nope.txt")]["error_type"]) == \
        ("failed", "InputNotFound")
    assert rows[str(src / "three.html")]["format"] == "html"
    assert (s.counts["files"], s.counts["ok"], s.counts["failed"], s.exit_code) == (4, 3, 1, 9)
    s = batch.run([str(src)], out, workers=1, progress=False)  # rerun over the folder: outdir still excluded
    assert (s.counts["files"], s.counts["parsed"]) == (3, 0)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_only(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    for p in fixture_reports(("text",))[:3]:
        shutil.copy(p, corpus / p.name)
    term = _Terminal()
    s = batch.run([str(corpus)], tmp_path / "out", workers=1, stream=term)
    text = term.getvalue()
    assert "\r" in text and "files/s" in text and "ETA" in text
    last = text.rstrip("\n").rsplit("\r", 1)[1]
    assert last.startswith("100% |") and " 3/3  ok 3  failed 0  not reports 0  " in last
    # the bar's last rate is the summary's: the same measure (files parsed per second of parsing)
    assert f"  {s.rate:.1f} files/s  ETA --:--" in last
    assert f"3 parsed now ({s.rate:.1f} files/s)" in s.text()
    assert s.rate > 0 and s.seconds > 3 / s.rate  # the whole run, export included, took longer
    quiet = io.StringIO()
    batch.run([str(corpus)], tmp_path / "out2", workers=1, stream=quiet)
    assert quiet.getvalue() == ""


def test_second_run_on_a_busy_outdir_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    lock = batch._acquire_lock(out)
    try:
        with pytest.raises(batch.BatchError, match="another `extractor run`"):
            batch.run([str(FIXTURES / "text" / "county-2021.tsv.txt")], out, progress=False)
    finally:
        lock.close()


def test_cli_options_and_usage_errors(tmp_path):
    import argparse

    parser = argparse.ArgumentParser()
    add_run_arguments(parser)
    a = parser.parse_args(["x", "y"])
    assert (a.inputs, a.output, a.workers, a.timeout, a.max_memory_mb, a.engine, a.scheduler) == \
        (["x", "y"], "output", None, 120.0, 4096, "local", None)
    p = cli(str(FIXTURES / "text"), "-o", str(tmp_path / "o"), "--engine", "dask")
    assert p.returncode == 2 and "--scheduler" in p.stderr
    p = cli(str(FIXTURES / "text"), "-o", str(tmp_path / "o"), "--workers", "0")
    assert p.returncode == 2


def test_output_that_is_a_file_is_a_usage_error(tmp_path):
    taken = tmp_path / "taken.csv"
    taken.write_text("x\n", encoding="utf-8")
    p = cli(str(FIXTURES / "text" / "county-2021.tsv.txt"), "-o", str(taken))
    assert (p.returncode, p.stderr) == (2, f"extractor: error: -o {taken}: is a file; the output must be a folder "
                                           "(new or from an earlier run)\n")
    with pytest.raises(batch.UsageError):
        batch.run([str(FIXTURES / "text" / "county-2021.tsv.txt")], taken, progress=False)
    assert taken.read_text(encoding="utf-8") == "x\n"


@pytest.mark.parametrize("strict", [False, True])
def test_library_run_and_cli_give_the_same_exit_code(tmp_path, strict):
    corpus = tmp_path / "in"
    corpus.mkdir()
    shutil.copy(FIXTURES / "text" / "county-2021.tsv.txt", corpus / "good.txt")
    (corpus / "empty.txt").write_bytes(b"")
    p = cli(str(corpus), "-o", str(tmp_path / "cli"), "--workers", "1", *(["--strict"] if strict else []))
    s = batch.run([str(corpus)], tmp_path / "lib", workers=1, progress=False, strict=strict)
    assert p.returncode == s.exit_code == (9 if strict else 0)


def test_worker_start_failure_is_an_error_not_a_hang(tmp_path, monkeypatch):
    monkeypatch.setattr(batch.worker, "_CHILD_CODE", "import sys; sys.exit(3)")
    with pytest.raises(batch.BatchError, match="worker processes cannot start") as e:
        batch.run([str(FIXTURES / "text" / "county-2021.tsv.txt")], tmp_path / "out", workers=1, progress=False)
    assert "crashed while starting: it exited with code 3" in str(e.value)


# ---------------------------------------------------------------------------------- Dask


def _dataset_rows(out: Path) -> list[tuple]:
    keep = ("path", "sha256", "format", "status", "error_type", "template", "n_values", "n_issues")
    return sorted(tuple(Path(r["path"]).name if k == "path" else r[k] for k in keep)
                  for r in read_csv(out / "reports.csv"))


#: a crash and a hang in the Dask tests: the hang costs this long in each run, so it is short
#: (the other files parse in well under a second each on an idle machine)
DASK_TEST_TIMEOUT = 10
DASK_FAULTS = {"EXTRACTOR_TEST_CRASH_ON": "crash-here", "EXTRACTOR_TEST_HANG_ON": "hang-here"}


@pytest.fixture(scope="module")
def dask_corpus(tmp_path_factory):
    """A mixed corpus with a crash and a hang, and its dataset by the local engine (run once
    for both Dask tests)."""
    pytest.importorskip("distributed")
    root = tmp_path_factory.mktemp("dask")
    corpus = root / "in"
    for p in fixture_reports(("text", "html"))[::3] + fixture_reports(("pdf",))[:3]:
        (corpus / p.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(p, corpus / p.parent.name / p.name)
    unique_copy(FIXTURES / "text" / "county-2021.tsv.txt", corpus / "crash-here.txt", "crash")
    unique_copy(FIXTURES / "text" / "county-2021.tsv.txt", corpus / "hang-here.txt", "hang")
    (corpus / "site.css").write_text("body{}", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        old = os.environ.get("PYTHONPATH")
        mp.setenv("PYTHONPATH", str(FAULTS) + (os.pathsep + old if old else ""))
        for k, v in DASK_FAULTS.items():
            mp.setenv(k, v)
        local = batch.run([str(corpus)], root / "local", workers=2, timeout=DASK_TEST_TIMEOUT, progress=False,
                          strict=True)
    return corpus, root / "local", local


@pytest.mark.parametrize("processes", [True, False])
def test_dask_engine_gives_the_same_dataset(tmp_path, monkeypatch, processes, dask_corpus):
    import distributed

    corpus, local_out, local = dask_corpus
    for k, v in DASK_FAULTS.items():
        monkeypatch.setenv(k, v)
    with distributed.LocalCluster(host="127.0.0.1", processes=processes, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None, protocol="tcp://") as cluster:
        try:
            remote = batch.run([str(corpus)], tmp_path / "dask", engine="dask",
                               scheduler=cluster.scheduler_address, timeout=DASK_TEST_TIMEOUT, progress=False,
                               strict=True)
        finally:
            batch.shutdown_dask_pool()
    assert remote.counts == local.counts
    assert remote.exit_code == local.exit_code == 9
    assert _dataset_rows(tmp_path / "dask") == _dataset_rows(local_out)
    rows = {Path(r["path"]).name: r for r in read_csv(tmp_path / "dask" / "reports.csv")}
    assert (rows["crash-here.txt"]["status"], rows["crash-here.txt"]["error_type"]) == ("failed", "crashed")
    assert (rows["hang-here.txt"]["status"], rows["hang-here.txt"]["error_type"]) == ("failed", "timeout")
    assert (rows["site.css"]["status"]) == "not_a_report"
    files = _dataset_files(local_out)
    assert {"values.csv", "wide.csv", "issues.csv", "sections.jsonl", "codebook.csv", "review.html",
            "reports/year=2021/part-0.parquet", "values/year=2021/part-0.parquet"} <= set(files)
    assert _dataset_files(tmp_path / "dask") == files


#: the columns of ``reports`` that record the run rather than the file
RUN_COLUMNS = ("parse_seconds", "parsed_at")


def _dataset_files(out: Path) -> dict[str, object]:
    """Every file of a dataset folder but the store and the logs: its bytes, or for the
    ``reports`` table (CSV and Parquet) its rows without :data:`RUN_COLUMNS`."""
    import pyarrow.parquet as pq

    files: dict[str, object] = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if not p.is_file() or rel.startswith(("dataset.sqlite", "worker.log", ".extractor.lock")):
            continue
        if rel == "reports.csv":
            files[rel] = [{k: v for k, v in r.items() if k not in RUN_COLUMNS} for r in read_csv(p)]
        elif rel.startswith("reports/"):
            files[rel] = pq.read_table(p).drop_columns(list(RUN_COLUMNS)).to_pylist()
        else:
            files[rel] = p.read_bytes()
    return files


def test_process_file_is_the_same_work_as_parse():
    path = FIXTURES / "text" / "city-2022-bad-totals.md.txt"
    r = batch.process_file(str(path))
    rec = extractor.parse(path).to_dict()
    assert r["sha256"] == rec["source"]["sha256"]
    assert r["content"]["status"] == "ok" and r["retire"] is False
    assert [v[1] for v in r["rows"].values] == [v["field"] for v in rec["values"]]
    assert [i[1] for i in r["rows"].issues] == [i["code"] for i in rec["issues"]]
    assert json.loads(r["rows"].values[0][7]) == rec["values"][0]["where"]
    assert Counter(i["severity"] for i in rec["issues"])["error"] == r["content"]["n_errors"]


def test_file_names_that_are_not_utf8(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    base = os.fsencode(corpus)
    shutil.copy(FIXTURES / "text" / "county-2021.tsv.txt", os.path.join(base, "报告2023.txt".encode("gbk")))
    shutil.copy(FIXTURES / "text" / "dept-2019.pipes.txt", os.path.join(base, b"bad\xff\xfe.txt"))
    s = batch.run([str(corpus)], tmp_path / "out", workers=1, progress=False)
    assert (s.counts["ok"], s.exit_code) == (2, 0)
    paths = sorted(r["path"] for r in read_csv(tmp_path / "out" / "reports.csv"))
    assert paths == sorted([str(corpus / "报告2023.txt"), str(corpus) + "/bad\\xff\\xfe.txt"])
    s = batch.run([str(corpus)], tmp_path / "out", workers=1, progress=False)
    assert (s.counts["parsed"], s.counts["cached"]) == (0, 2)


def test_a_complete_run_with_failed_files_exits_0_unless_strict(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    (corpus / "good.txt").write_bytes((FIXTURES / "text" / "county-2021.tsv.txt").read_bytes())
    (corpus / "empty.txt").write_bytes(b"")
    p = cli(str(corpus), "-o", str(tmp_path / "out"), "--workers", "1")
    assert p.returncode == 0, p.stderr
    assert "1 failed" in p.stderr
    p = cli(str(corpus), "-o", str(tmp_path / "out"), "--workers", "1", "--strict")
    assert p.returncode == 9


def test_workers_write_the_files_they_parse(tmp_path, monkeypatch):
    corpus = tmp_path / "in"
    corpus.mkdir()
    for p in fixture_reports(("text", "html"))[:8]:
        shutil.copy(p, corpus / p.name)
    (corpus / "empty.txt").write_bytes(b"")
    unique_copy(FIXTURES / "text" / "county-2021.tsv.txt", corpus / "crash-here.txt", "x")
    monkeypatch.setenv("EXTRACTOR_TEST_CRASH_ON", "crash-here")
    seen: dict[str, dict] = {}
    on_result = batch._Run.on_result

    def spy(self, task, result):
        seen[Path(task.path).name] = {"written": result.get("written"), "rows": result.get("rows"),
                                      "paths": list(task.paths)}
        on_result(self, task, result)

    monkeypatch.setattr(batch._Run, "on_result", spy)
    s = batch.run([str(corpus)], tmp_path / "out", workers=2, progress=False)
    assert (s.counts["parsed"], s.counts["failed"]) == (10, 2)
    crash = seen.pop("crash-here.txt")  # the worker died: the parent writes the failed row
    assert crash["written"] is None and crash["rows"] is None
    for name, r in seen.items():  # every other result, ok or failed, was written by its worker
        assert r["written"] == r["paths"] and r["rows"] is None, name
    rows = read_csv(tmp_path / "out" / "reports.csv")
    assert len(rows) == 10
    assert len(read_csv(tmp_path / "out" / "values.csv")) == sum(int(r["n_values"] or 0) for r in rows)


def test_worker_writer_hands_the_rows_back_when_the_lock_is_busy(tmp_path, monkeypatch):
    from extractor.dataset import Store

    store = Store(tmp_path / "dataset.sqlite")
    store.close()
    rec = extractor.parse(FIXTURES / "text" / "county-2021.tsv.txt").to_dict()
    rec["source"]["sha256"] = "f" * 64
    rows = rows_from_record(rec)

    def result():
        return {"sha256": "f" * 64, "content": dict(rows.content), "rows": rows, "retire": False}

    monkeypatch.setattr(batch._WorkerWriter, "LOCK_TIMEOUT", 0.2)
    writer = batch._WorkerWriter(str(tmp_path / "dataset.sqlite"))
    other = sqlite3.connect(tmp_path / "dataset.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. the parent exporting
    busy = result()
    writer.write(busy, ["a.txt"], True)
    assert "written" not in busy and busy["rows"] is rows  # for the parent to write
    other.execute("ROLLBACK")
    free = result()
    writer.write(free, ["a.txt"], True)
    assert free["written"] == ["a.txt"] and free["rows"] is None
    assert other.execute('SELECT COUNT(*) FROM "values"').fetchone()[0] == len(rows.values) > 100
    assert other.execute("SELECT path, status FROM reports").fetchall() == [("a.txt", "ok")]
    other.close()


def test_exports_during_the_run_while_workers_write(tmp_path, monkeypatch):
    corpus = tmp_path / "in"
    corpus.mkdir()
    for i, p in enumerate(annual_reports(("text",)) * 2):
        unique_copy(p, corpus / f"{i:02d}-{p.name}", str(i))
    exports = []
    orig = runner.export

    def counted(*a, **k):
        exports.append(k.get("jobs", 1))
        return orig(*a, **k)

    monkeypatch.setattr(runner, "export", counted)
    s = batch.run([str(corpus)], tmp_path / "busy", workers=2, progress=False, export_every=0.001)
    monkeypatch.setattr(runner, "export", orig)
    assert s.counts["ok"] == len(list(corpus.iterdir()))
    assert len(exports) >= 3 and exports[-1] == 2 and set(exports[:-1]) == {1}
    quiet = batch.run([str(corpus)], tmp_path / "quiet", workers=1, progress=False, export_every=0)
    for name in ("values.csv", "wide.csv", "issues.csv", "sections.jsonl"):
        assert (tmp_path / "busy" / name).read_bytes() == (tmp_path / "quiet" / name).read_bytes(), name
    assert quiet.counts["ok"] == s.counts["ok"]


def test_workers_killed_at_random_never_leave_half_a_file(tmp_path, monkeypatch):
    """Workers write their own results: SIGKILL them at protocol points chosen at random
    (idle, just before a task is sent to it; stopped with a task sent and unread) and the store still holds every file once, each ok file with all its values and
    no value twice, each killed file as a crashed row; the next run changes nothing.

    Kills happen only to workers that said they are ready (a task is only ever sent to
    them), never during start-up and never after a wall-clock delay: the same kills happen
    however fast the machine is."""
    n = 120
    corpus = _corpus(tmp_path, n)
    # and workers that die in the middle of their own work: parsing, or writing the file (its
    # values inserted, its reports row not yet)
    for i in range(3):
        unique_copy(FIXTURES / "text" / "county-2021.tsv.txt", corpus / f"die-parsing-{i}.txt", f"p{i}")
        unique_copy(FIXTURES / "text" / "county-2021.tsv.txt", corpus / f"die-writing-{i}.txt", f"w{i}")
    monkeypatch.setenv("EXTRACTOR_TEST_KILL_ON", "die-parsing")
    monkeypatch.setenv("EXTRACTOR_TEST_KILL_WRITING_ON", "die-writing")
    rnd = random.Random(5)
    plan = dict.fromkeys(rnd.sample(range(1, n), 12), "")
    for i, k in enumerate(sorted(plan)):
        plan[k] = ("idle", "busy")[i % 2]
    kills: list[tuple[int, str]] = []
    sends = [0]
    assign = batch.Worker.assign

    def killing_assign(self, task, timeout):
        sends[0] += 1
        when = plan.get(sends[0])
        if when == "idle":
            self.proc.kill()
            kills.append((sends[0], when))
        elif when == "busy":  # it cannot read the task before it dies
            self.proc.send_signal(signal.SIGSTOP)
        assign(self, task, timeout)  # an OSError (the pipe is gone) is the engine's to handle
        if when == "busy":
            self.proc.kill()
            kills.append((sends[0], when))

    monkeypatch.setattr(batch.Worker, "assign", killing_assign)
    s = batch.run([str(corpus)], tmp_path / "out", workers=2, progress=False, review=False, parquet=False)
    assert sorted(kills) == sorted(plan.items())
    n += 6
    assert s.counts["files"] == n and s.counts["ok"] + s.counts["failed"] == n
    # a busy kill fails its file; an idle kill does when the task got into the pipe in time
    assert 6 + len(plan) // 2 <= s.counts["failed"] <= 6 + len(plan)
    db = sqlite3.connect(tmp_path / "out" / "dataset.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT COUNT(*), COUNT(DISTINCT path) FROM reports").fetchone() == (n, n)
    assert {Path(r[0]).name for r in db.execute("SELECT path FROM reports WHERE status = 'failed'")} >= \
        {f"die-{when}-{i}.txt" for when in ("parsing", "writing") for i in range(3)}
    assert {r for r in db.execute("SELECT error_type, error FROM reports WHERE status = 'failed'")} == \
        {("crashed", "the worker process crashed while parsing this file: killed by SIGKILL (signal 9)")}
    expected = db.execute("SELECT COALESCE(SUM(n_values), 0) FROM (SELECT DISTINCT sha256, n_values "
                          "FROM reports WHERE status = 'ok')").fetchone()[0]
    assert db.execute('SELECT COUNT(*) FROM "values"').fetchone()[0] == expected
    assert db.execute('SELECT COUNT(*) FROM (SELECT 1 FROM "values" GROUP BY sha256, field, "where" '
                      "HAVING COUNT(*) > 1)").fetchone()[0] == 0
    db.close()
    assert len(read_csv(tmp_path / "out" / "values.csv")) == expected
    monkeypatch.setattr(batch.Worker, "assign", assign)
    monkeypatch.delenv("EXTRACTOR_TEST_KILL_ON")
    monkeypatch.delenv("EXTRACTOR_TEST_KILL_WRITING_ON")
    again = batch.run([str(corpus)], tmp_path / "out", workers=2, progress=False, review=False, parquet=False)
    assert (again.counts["parsed"], again.counts["cached"]) == (0, n)


def test_worker_dying_after_writing_a_file_leaves_it_done(tmp_path, monkeypatch):
    """Killed between writing a file and reporting it: the file is in the store, so it is
    ok, not crashed; the worker is replaced and the run goes on."""
    corpus = tmp_path / "in"
    corpus.mkdir()
    for p in fixture_reports(("text",))[:4]:
        shutil.copy(p, corpus / p.name)
    unique_copy(FIXTURES / "text" / "county-2021.tsv.txt", corpus / "exit-after-write.txt", "x")
    unique_copy(FIXTURES / "text" / "county-2021.tsv.txt", corpus / "crash-here.txt", "y")
    monkeypatch.setenv("EXTRACTOR_TEST_EXIT_AFTER_WRITE_ON", "exit-after-write")
    monkeypatch.setenv("EXTRACTOR_TEST_CRASH_ON", "crash-here")
    s = batch.run([str(corpus)], tmp_path / "out", workers=2, progress=False)
    assert (s.counts["ok"], s.counts["failed"], s.counts["parsed"]) == (5, 1, 6)
    rows = {Path(r["path"]).name: r for r in read_csv(tmp_path / "out" / "reports.csv")}
    assert (rows["exit-after-write.txt"]["status"], rows["exit-after-write.txt"]["error_type"]) == ("ok", "")
    assert (rows["crash-here.txt"]["status"], rows["crash-here.txt"]["error_type"]) == ("failed", "crashed")
    sha = rows["exit-after-write.txt"]["sha256"]
    n = int(rows["exit-after-write.txt"]["n_values"])
    assert n > 100 and sum(v["sha256"] == sha for v in read_csv(tmp_path / "out" / "values.csv")) == n


# --------------------------------------------------------------------------- Word files, not reports

NOT_A_REPORT = "not a report: no section and no table of a 政府信息公开工作年度报告 was found (template unknown)"


def _word_corpus(root: Path) -> None:
    """A scraped folder: two Word reports, a text report, and four files that are not reports."""
    import zipfile

    root.mkdir(parents=True)
    shutil.copy(FIXTURES / "docx" / "city-2022-bad-totals.numbered.docx", root / "report.docx")
    shutil.copy(FIXTURES / "docx" / "county-2021.numbered.doc", root / "report.doc")
    shutil.copy(FIXTURES / "text" / "county-2021.tsv.txt", root / "report.txt")
    shutil.copy(ROOT / "README.md", root / "README.md")
    (root / "fetch.py").write_text("import urllib.request\n\n\ndef fetch(url):\n"
                                   "    return urllib.request.urlopen(url).read()\n", encoding="utf-8")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(64)))
    with zipfile.ZipFile(root / "table.xlsx", "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")


WORD_STATUSES = {  # file -> (format, status, error_type, error)
    "report.docx": ("docx", "ok", "", ""),
    "report.doc": ("doc", "ok", "", ""),
    "report.txt": ("text", "ok", "", ""),
    "README.md": ("text", "not_a_report", "gap.template", NOT_A_REPORT),
    "fetch.py": ("text", "not_a_report", "gap.template", NOT_A_REPORT),
    "logo.png": ("", "not_a_report", "UnsupportedFormat", "not a report: the file is a PNG image"),
    "table.xlsx": ("", "not_a_report", "UnsupportedFormat",
                   "not a report: the file is an Excel workbook (.xlsx), not a Word document"),
}


def _values_by_field(rows: list[dict[str, str]], sha: str) -> dict[str, dict]:
    def num(s: str) -> int | float | None:
        return None if s == "" else int(s) if s.lstrip("-").isdigit() else float(s)

    return {v["field"]: {"kind": v["kind"], "value": num(v["value"]), "raw": v["raw"], "unit": v["unit"] or None}
            for v in rows if v["sha256"] == sha}


@pytest.mark.skipif(shutil.which("soffice") is None and shutil.which("libreoffice") is None,
                    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
def test_word_files_are_parsed_and_files_that_are_not_reports_are_counted_apart(tmp_path):
    from conftest import load_expected

    corpus = tmp_path / "in"
    _word_corpus(corpus)
    out = tmp_path / "out"
    p = cli(str(corpus), "-o", str(out), "--workers", "2", "--timeout", "60", "--strict")
    assert p.returncode == 0, p.stderr  # none failed: files that are not reports do not fail --strict

    rows = {Path(r["path"]).name: r for r in read_csv(out / "reports.csv")}
    assert {n: (r["format"], r["status"], r["error_type"], r["error"]) for n, r in rows.items()} == WORD_STATUSES
    for name in ("README.md", "fetch.py", "logo.png", "table.xlsx"):  # no content rows, no metadata
        assert (rows[name]["template"], rows[name]["n_values"], rows[name]["n_issues"]) == ("", "", ""), name

    wide = read_csv(out / "wide.csv")
    assert sorted(Path(w["path"]).name for w in wide) == ["report.doc", "report.docx", "report.txt"]
    not_ok = {rows[n]["sha256"] for n in ("README.md", "fetch.py", "logo.png", "table.xlsx")}
    for name in ("values.csv", "issues.csv"):
        assert not_ok.isdisjoint(r["sha256"] for r in read_csv(out / name)), name

    values = read_csv(out / "values.csv")
    assert _values_by_field(values, rows["report.docx"]["sha256"]) == load_expected("city-2022-bad-totals")["values"]
    assert _values_by_field(values, rows["report.doc"]["sha256"]) == load_expected("county-2021")["values"]
    assert [(v["field"], v["where"]) for v in values if v["sha256"] == rows["report.docx"]["sha256"]][0] == \
        ("s2.regulations.issued", '{"column":1,"row":2,"table":0}')

    lines = p.stderr.splitlines()
    assert lines[0].startswith("7 files: 3 ok (1 with errors), 0 failed, 4 not reports; 7 parsed now (")
    assert lines[0].endswith(" files/s), 0 already done")
    assert lines[1:] == [
        "templates: 2021 3",
        "--strict: exit 0: none failed; 4 not reports (they do not fail a run)",
        f"dataset: {out}",
    ]
    page = (out / "review.html").read_text(encoding="utf-8")
    assert ">7 files: 3 ok (1 with errors), 0 failed, 4 not reports · " in page
    # the one card, on the first page of cards: the s3 table of the bad-totals docx, its second table
    cards = (out / "review" / "page-0001.html").read_text(encoding="utf-8")
    assert cards.count('<section class="flag') == 1
    assert " · docx · Word table 2 · sha256 " in cards
    assert "HTML table" not in cards
    conn = sqlite3.connect(out / "dataset.sqlite")
    assert conn.execute("SELECT n_files, n_ok, n_failed, n_not_a_report FROM runs").fetchall() == [(7, 3, 0, 4)]
    conn.close()


def test_word_files_without_libreoffice_fail_and_the_summary_says_what_to_install(tmp_path):
    corpus = tmp_path / "in"
    _word_corpus(corpus)
    (corpus / "report.odt").write_bytes((FIXTURES / "docx" / "city-2022-bad-totals.plain.odt").read_bytes())
    no_soffice = tmp_path / "bin"  # PATH without soffice (the workers run sys.executable by its full path)
    no_soffice.mkdir()
    out = tmp_path / "out"
    p = cli(str(corpus), "-o", str(out), "--workers", "2", "--strict", env={"PATH": str(no_soffice)})
    assert p.returncode == 9, p.stderr
    rows = {Path(r["path"]).name: r for r in read_csv(out / "reports.csv")}
    assert (rows["report.doc"]["status"], rows["report.doc"]["error_type"], rows["report.doc"]["format"]) == \
        ("failed", "ConverterMissing", "")
    assert rows["report.doc"]["error"] == (
        "reading a Word 97-2003 (.doc) or WPS (.wps) document needs LibreOffice, which is not installed: "
        "install LibreOffice Writer (Debian/Ubuntu: apt-get install libreoffice-writer-nogui)")
    assert (rows["report.odt"]["status"], rows["report.odt"]["error_type"]) == ("failed", "ConverterMissing")
    assert (rows["report.docx"]["status"], rows["README.md"]["status"]) == \
        ("ok", "not_a_report")
    lines = p.stderr.splitlines()
    assert lines[0].startswith("8 files: 2 ok (1 with errors), 2 failed, 4 not reports; 8 parsed now (")
    assert lines[1:] == [
        "templates: 2021 2",
        "2 failed for want of LibreOffice (.doc, .wps, .odt, .rtf): install LibreOffice Writer "
        "(Debian/Ubuntu: apt-get install libreoffice-writer-nogui), then run again with --retry-failed",
        "--strict: exit 9: 2 failed; 4 not reports (they do not fail a run)",
        f"dataset: {out}",
    ]

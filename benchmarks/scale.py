"""Scale: does a run cost the same per report at 1 000 and at 10 000 reports (and 100 000)?

    .venv/bin/python benchmarks/scale.py [--n 1000 10000] [--huge] [--workers 2] [--keep DIR]
                                         [--engine local|dask] [--compare-engines]

For each N it generates N unique reports (:func:`generate`), runs ``extractor run`` on them
in a child process with ``--workers`` workers and measures:

* ``files/s``: the run's own rate (parsing phase; the summary line of ``extractor run``);
* ``files per CPU-second``: the files parsed over the CPU time of the whole run (parent,
  workers, export; ``getrusage(RUSAGE_CHILDREN)``, plus the Dask cluster's processes sampled
  with psutil): the measure to compare on a machine shared with other work, where files/s
  moves with the others' load;
* ``peak RSS``: the largest sum of the resident memory of the run's whole process tree
  (parent, workers, export helper; with Dask, the cluster's processes too), sampled every
  50 ms with psutil; the parent's own; and the largest single process
  (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` after it exits);
* ``disk/report``: the output folder (SQLite store, CSV, Parquet, review) over N;
* ``export``: a second ``extractor run`` on the same inputs (nothing to parse, only the
  export), its time and its peak RSS;
* ``incremental``: 1 % new reports are added and run in this process; the time of that
  run's final export (only the years touched are rewritten in Parquet; the CSV files and
  the review are written whole) against a full export of the same store, and the Parquet
  files it rewrote;
* ``review``: every flagged table of the store is found on the pages linked from
  ``review.html`` (followed as a reader would).

The last lines give the growth from one N to the next and whether the goals of issue 16
hold: peak RSS at 10x the reports within 1.25x, files/s within 20 % (and the same with
files per CPU-second), every flagged report reachable from the review index.

``--engine dask`` runs the same on a Dask cluster of ``--workers`` processes on this
machine (``distributed.LocalCluster``; without the incremental part). ``--compare-engines``
only runs each N through both engines and compares the two dataset folders file by file:
byte for byte, or, for ``reports.csv`` and the ``reports`` Parquet files, without the
columns that record the run (``parse_seconds``, ``parsed_at``); it exits 1 if any file
differs.

The reports: the fixture specs of ``fixtures/reports.py`` (the 2021 template of
``county-2021``) with random numbers that satisfy every identity (one in eight has a
total off by one, so the review has cards), issued by N/4 bodies over the years 2021-2024
(so the cross-year checks run), rendered as text (TSV, markdown), HTML (CMS, Word,
portal) or, one in ten, a copy of a fixture PDF with a unique trailing comment (the bytes
differ, the content parses).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "fixtures"))

import make_html  # noqa: E402
import make_text  # noqa: E402

import reports  # noqa: E402

PDFS = ("county-2021.plain.pdf", "county-2021.borderless.pdf", "county-2021.split-results.pdf",
        "dept-2019.chromium-cms.pdf", "city-2022-bad-totals.split-results.pdf", "seed-halazhigou-2023.plain.pdf",
        "bureau-2021-oneline-other.borderless.pdf", "town-2021-missing-section.plain.pdf")
S3_ROWS = ("granted", "partly_granted", "denied.third_party", "denied.process_info", "unable.not_held",
           "unable.unclear", "not_processed.repeated", "other.no_correction")
SYLLABLES = "安宝昌成丰福广和华嘉江金康乐临龙平庆仁瑞山胜泰通文西新兴阳永玉云长镇中"


def _body(i: int) -> str:
    r = random.Random(i)
    return "".join(r.choice(SYLLABLES) for _ in range(2)) + f"{i}县人民政府"


def _spec(rng: random.Random, issuer: str, year: int, bad: bool) -> reports.ReportSpec:
    """The county-2021 report of ``issuer`` and ``year`` with random consistent numbers."""
    base = reports.REPORTS["county-2021"]
    rows = {rid: tuple(rng.randint(0, 6) if i < 2 else rng.randint(0, 1) for i in range(6)) for rid in S3_ROWS}
    carried_over = tuple(rng.randint(0, 3) if i == 0 else 0 for i in range(6))
    carried_forward = tuple(rng.randint(0, 2) if i == 0 else 0 for i in range(6))
    results = [sum(rows[r][i] for r in S3_ROWS) for i in range(6)]
    new = tuple(results[i] + carried_forward[i] - carried_over[i] for i in range(6))
    if min(new) < 0:
        carried_over = tuple(0 for _ in range(6))
        new = tuple(results[i] + carried_forward[i] for i in range(6))
    s3 = reports.s3_counts(True, {**rows, "new": new, "carried_over": carried_over, "carried_forward": carried_forward})
    s4 = reports.s4_counts(*(tuple(rng.randint(0, 3) for _ in range(4)) for _ in range(3)))
    s2 = dict(base.s2)
    for k in s2:
        if k.endswith((".issued", ".repealed", ".decisions")):
            s2[k] = str(rng.randint(0, 500))
    for stem in ("regulations", "normative"):  # in force = last year's + issued - repealed >= 0
        prev = int(s2[f"s2.{stem}.repealed"]) + rng.randint(0, 80)
        s2[f"s2.{stem}.in_force"] = str(prev + int(s2[f"s2.{stem}.issued"]) - int(s2[f"s2.{stem}.repealed"]))
    override = {"s3.new.total": str(s3["s3.new.total"] + 1)} if bad else None
    day = rng.randint(10, 28)
    preamble = tuple(p.replace("2021", str(year)).replace("临江县人民政府", issuer) for p in base.preamble)
    sections = ((1, "一、总体情况", (f"{year}年，{issuer}深入贯彻落实《条例》，扎实推进政府信息公开工作。",)),
                *base.sections[1:])
    return dataclasses.replace(
        base, name=f"gen-{issuer}-{year}", issuer=issuer, year=year, published=f"{year + 1}-01-{day:02d}",
        title=(f"{issuer}{year}年政府信息公开工作年度报告",), preamble=preamble, sections=sections,
        signature=(issuer, f"{year + 1}年1月{day}日"), s2=s2, s3=reports.fmt_cells(s3, override=override),
        s4=reports.fmt_cells(s4))


def generate(folder: Path, n: int, *, seed: int = 16, start: int = 0, year: int | None = None,
             n_bodies: int | None = None, pdf_share: float = 0.1) -> dict[str, int]:
    """``n`` unique reports into ``folder`` (numbered from ``start``), of ``year`` (None: one of
    2021-2024 at random), by ``n_bodies`` bodies (None: a fourth of them), ``pdf_share`` of
    them copies of fixture PDFs (of the fixture's year); their count by format."""
    rng = random.Random(seed * 1_000_003 + start)
    folder.mkdir(parents=True, exist_ok=True)
    text_styles = [make_text.TextFile("gen", "tsv", "tsv"), make_text.TextFile("gen", "md", "md")]
    html_styles = list(make_html.RENDER.items())
    counts = {"text": 0, "html": 0, "pdf": 0}
    n_bodies = n_bodies or max(1, (start + n) // 4)
    for i in range(start, start + n):
        sub = folder / f"{i // 1000:04d}"
        sub.mkdir(exist_ok=True)
        kind = rng.random()
        if kind < pdf_share:
            src = ROOT / "fixtures" / "pdf" / PDFS[i % len(PDFS)]
            (sub / f"{i:07d}.pdf").write_bytes(src.read_bytes() + f"\n%scale-benchmark copy {i}\n".encode())
            counts["pdf"] += 1
            continue
        y = year if year is not None else 2021 + rng.randrange(4)
        spec = _spec(rng, _body(rng.randrange(n_bodies)), y, bad=rng.random() < 0.125)
        if kind < pdf_share + (1 - pdf_share) / 2:
            style = text_styles[i % 2]
            (sub / f"{i:07d}.txt").write_bytes(make_text.encode(make_text.render(spec, style), style))
            counts["text"] += 1
        else:
            _, render = html_styles[i % len(html_styles)]
            (sub / f"{i:07d}.html").write_bytes(render(spec))
            counts["html"] += 1
    return counts


# --------------------------------------------------------------------------- measuring


def _tree_rss(proc: Any) -> int:
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


class _TreeClock:
    """CPU seconds and resident memory of process trees, sampled (a process that ends between
    two samples keeps its last CPU time): for the Dask cluster, whose processes are not
    this process's waited-for children, so ``getrusage`` does not see them."""

    def __init__(self, roots: list[Any]) -> None:
        self.roots = roots
        self.cpu: dict[int, float] = {}
        self.base: dict[int, float] = {}
        for p in self._procs():
            self.base[p.pid] = self._cpu_of(p)

    def _procs(self) -> list[Any]:
        import psutil

        out = []
        for r in self.roots:
            try:
                out += [r, *r.children(recursive=True)]
            except psutil.Error:
                pass
        return out

    @staticmethod
    def _cpu_of(p: Any) -> float:
        import psutil

        try:
            t = p.cpu_times()
            return t.user + t.system
        except psutil.Error:
            return 0.0

    def sample(self) -> int:
        import psutil

        rss = 0
        for p in self._procs():
            c = self._cpu_of(p)
            if c:
                self.cpu[p.pid] = max(self.cpu.get(p.pid, 0.0), c)
            try:
                rss += p.memory_info().rss
            except psutil.Error:
                pass
        return rss

    def seconds(self) -> float:
        return sum(c - self.base.get(pid, 0.0) for pid, c in self.cpu.items())


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_child(inputs: Path, out: Path, workers: int, cluster: Any = None) -> dict[str, Any]:
    """``extractor run`` in a child process (with ``--engine dask`` on ``cluster`` when given):
    seconds, rate, CPU seconds, peak RSS of the tree (with the cluster's), of the parent alone,
    and of the largest process."""
    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    cpu0 = _children_cpu()
    cmd = [sys.executable, "-m", "extractor", "run", str(inputs), "-o", str(out), "--workers", str(workers),
           "--no-progress", "--export-every", "0"]
    clock = None
    if cluster is not None:
        cmd += ["--engine", "dask", "--scheduler", cluster.scheduler_address]
        clock = _TreeClock([psutil.Process(p.pid) for p in _cluster_processes(cluster)])
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    ps = psutil.Process(p.pid)
    peak = parent = 0
    while p.poll() is None:
        tree = _tree_rss(ps) + (clock.sample() if clock else 0)
        peak = max(peak, tree)
        try:
            parent = max(parent, ps.memory_info().rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    out_s, err_s = p.communicate()
    seconds = time.monotonic() - t0
    cpu = _children_cpu() - cpu0 + (clock.seconds() if clock else 0.0)
    text = out_s.decode() + err_s.decode()
    if p.returncode != 0:
        raise SystemExit(f"extractor run failed ({p.returncode}):\n{text[-3000:]}")
    m = re.search(r"\(([\d.]+) files/s\)", text)
    parsed = re.search(r"(\d+) parsed now", text)
    n_parsed = int(parsed.group(1)) if parsed else 0
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"seconds": seconds, "rate": float(m.group(1)) if m else 0.0, "peak_tree_mb": peak / 2**20,
            "parent_mb": parent / 2**20, "max_process_mb": max(before, after) / 1024, "cpu_s": cpu,
            "parsed": n_parsed, "files_per_cpu_s": n_parsed / cpu if cpu > 0 else 0.0,
            "summary": text.strip().splitlines()[0] if text else ""}


def _cluster_processes(cluster: Any) -> list[Any]:
    """The OS processes of a LocalCluster's workers (their nannies' processes)."""
    procs = []
    for w in cluster.workers.values():
        proc = getattr(getattr(w, "process", None), "process", None)  # Nanny -> WorkerProcess -> process
        if proc is not None and proc.pid:
            procs.append(proc)
    return procs


def local_cluster(workers: int) -> Any:
    """A Dask cluster on this machine: ``workers`` worker processes of one thread each."""
    import distributed

    return distributed.LocalCluster(host="127.0.0.1", processes=True, n_workers=workers, threads_per_worker=1,
                                    dashboard_address=None, protocol="tcp://")


def disk_mb(out: Path) -> dict[str, float]:
    parts = {"sqlite": 0, "csv": 0, "parquet": 0, "review": 0}
    for p in out.rglob("*"):
        if not p.is_file():
            continue
        size = p.stat().st_size
        rel = p.relative_to(out).parts
        key = ("sqlite" if p.name.startswith("dataset.sqlite") else "review" if rel[0] in ("review", "review.html")
               else "parquet" if p.suffix == ".parquet" else "csv")
        parts[key] += size
    return {k: v / 2**20 for k, v in parts.items()}


def review_reachable(out: Path) -> tuple[int, int]:
    """(flagged tables found by following review.html's page links, flagged tables in the store)."""
    from lxml import html as lxml_html

    conn = sqlite3.connect(out / "dataset.sqlite")
    ok = {r[0] for r in conn.execute("SELECT sha256 FROM reports WHERE status = 'ok'")}
    want = set()
    for sha, fields in conn.execute("SELECT sha256, fields FROM issues WHERE severity IN ('error', 'warning')"):
        if sha in ok:
            tables = {f.split(".")[0] for f in (fields or "").split(";") if f} or {""}
            want |= {(sha, t) for t in tables}
    conn.close()
    index = lxml_html.fromstring((out / "review.html").read_bytes())
    pages = sorted({h for h in index.xpath("//a/@href") if h.startswith("review/page-")})
    got = set()
    for page in pages:
        doc = lxml_html.fromstring((out / page).read_bytes())
        got |= {(s.get("data-sha256"), s.get("data-table")) for s in doc.xpath("//section[@data-sha256]")}
    return len(got & want), len(want)


def _timed_export(out: Path, clock: dict[str, float], *, incremental: bool) -> dict[str, float]:
    """One export of the store in ``out`` in this process (``jobs=1``, so that its Parquet part
    can be timed), from a closed store with its content indexes dropped, as after a run."""
    from extractor import export as exporting
    from extractor.dataset import Store

    store = Store(out / "dataset.sqlite")
    try:
        store.drop_content_indexes()
        clock["parquet"] = 0.0
        t = time.monotonic()
        exporting.export(store, out, jobs=1, incremental=incremental)
        return {"export": time.monotonic() - t, "parquet": clock["parquet"]}
    finally:
        store.close()


def incremental(inputs: Path, out: Path, n: int, workers: int) -> dict[str, Any]:
    """Add 1 % new reports twice (first all of a new year, 2025, as when next year's reports
    are scraped, no PDF copies since those have the years of their fixtures; then of random
    years 2021-2024 with PDFs) and parse them (a run whose own export is left out); then time
    an incremental export, whole and its Parquet part, against a full export of the same
    store (both from the closed store, in one process)."""
    import pyarrow.parquet  # noqa: F401  (imported before the clock starts, as in a run)

    from extractor import batch, partitions, review  # noqa: F401
    from extractor.batch import runner

    new = max(1, n // 100)
    clock = {"parquet": 0.0}
    real_export, real_write = runner.export, partitions.write_table

    def timed_write(*a: Any, **kw: Any) -> None:
        t = time.monotonic()
        try:
            real_write(*a, **kw)
        finally:
            clock["parquet"] += time.monotonic() - t

    out_res: dict[str, Any] = {"new": new}
    _timed_export(out, clock, incremental=True)  # warm up every code path of the export here
    partitions.write_table = timed_write  # type: ignore[assignment]
    try:
        for k, (label, year, pdf) in enumerate((("new_year", 2025, 0.0), ("random_years", None, 0.1))):
            generate(inputs, new, start=n + k * new, year=year, n_bodies=max(1, n // 4), pdf_share=pdf)
            runner.export = lambda *a, **kw: []  # type: ignore[assignment]
            try:
                batch.run([str(inputs)], out, workers=workers, progress=False, export_every=0)
            finally:
                runner.export = real_export  # type: ignore[assignment]
            before = {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")}
            inc = _timed_export(out, clock, incremental=True)
            after = {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")}
            full = _timed_export(out, clock, incremental=False)
            out_res[label] = {
                "export_s": inc["export"], "full_s": full["export"], "ratio": inc["export"] / full["export"],
                "parquet_s": inc["parquet"], "parquet_full_s": full["parquet"],
                "parquet_ratio": inc["parquet"] / full["parquet"] if full["parquet"] else 0.0,
                "parquet_rewritten": sum(1 for p, t in after.items() if before.get(p) != t),
                "parquet_files": len(after)}
    finally:
        partitions.write_table = real_write  # type: ignore[assignment]
    return out_res


def measure(n: int, root: Path, workers: int, cluster: Any = None) -> dict[str, Any]:
    inputs, out = root / f"in-{n}", root / f"out-{n}"
    t = time.monotonic()
    fmt = generate(inputs, n)
    gen_s = time.monotonic() - t
    print(f"N={n}: generated {fmt} in {gen_s:.0f} s", flush=True)
    first = run_child(inputs, out, workers, cluster)
    print(f"  run: {first['summary']}", flush=True)
    rerun = run_child(inputs, out, workers, cluster)  # nothing to parse: the export alone
    disk = disk_mb(out)
    found, flagged = review_reachable(out)
    inc = incremental(inputs, out, n, workers) if cluster is None else None
    res = {"n": n, "formats": fmt, "run": first, "export": rerun, "disk_mb": disk,
           "disk_kb_per_report": sum(disk.values()) * 1024 / n, "review_found": found, "review_flagged": flagged,
           "incremental": inc}
    r, e = first, rerun
    print(f"  {r['rate']:.1f} files/s, {r['files_per_cpu_s']:.1f} files per CPU-second ({r['cpu_s']:.0f} CPU-s); "
          f"run {r['seconds']:.0f} s; peak RSS tree {r['peak_tree_mb']:.0f} MB "
          f"(parent {r['parent_mb']:.0f} MB, largest process {r['max_process_mb']:.0f} MB); export alone "
          f"{e['seconds']:.1f} s, peak tree {e['peak_tree_mb']:.0f} MB; disk {res['disk_kb_per_report']:.1f} "
          "KB/report " + ", ".join(f"{k} {v:.1f} MB" for k, v in disk.items())
          + f"; review: {found} of {flagged} flagged tables reachable", flush=True)
    for label in ("new_year", "random_years") if inc else ():
        i = inc[label]
        print(f"  incremental export (+{inc['new']} reports, {label.replace('_', ' ')}): {i['export_s']:.1f} s vs "
              f"full {i['full_s']:.1f} s = {i['ratio']:.2f}; its Parquet part {i['parquet_s']:.2f} s vs "
              f"{i['parquet_full_s']:.2f} s = {i['parquet_ratio']:.2f}, files rewritten {i['parquet_rewritten']} "
              f"of {i['parquet_files']}", flush=True)
    return res


#: files of a dataset folder that are not compared between engines: the store itself (its
#: pages hold the rows in the order they were written) and the run's own logs
NOT_COMPARED = ("dataset.sqlite", "dataset.sqlite-wal", "dataset.sqlite-shm", "worker.log", ".extractor.lock")
#: columns of reports.csv that depend on the run, not on the file: how long it took and
#: which run wrote it
RUN_COLUMNS = ("parse_seconds", "parsed_at")


def _csv_without(path: Path, drop: tuple[str, ...]) -> list[list[str]]:
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    keep = [i for i, h in enumerate(rows[0]) if h not in drop] if rows else []
    return [[r[i] for i in keep] for r in rows]


def _same_but_run_columns(a: Path, b: Path) -> bool:
    if a.suffix == ".csv":
        return _csv_without(a, RUN_COLUMNS) == _csv_without(b, RUN_COLUMNS)
    if a.suffix == ".parquet":
        import pyarrow.parquet as pq

        ta, tb = pq.read_table(a), pq.read_table(b)
        return bool(ta.drop_columns([c for c in RUN_COLUMNS if c in ta.schema.names]).equals(
            tb.drop_columns([c for c in RUN_COLUMNS if c in tb.schema.names])))
    return False


def compare_outputs(a: Path, b: Path) -> dict[str, Any]:
    """Every file of dataset folder ``a`` against ``b``: the same bytes, the same once the
    run-dependent columns of ``reports.csv`` are left out, or different."""
    files_a = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    same, same_but_run_columns, differ = [], [], []
    for rel in sorted(files_a & files_b):
        if rel in NOT_COMPARED:
            continue
        if (a / rel).read_bytes() == (b / rel).read_bytes():
            same.append(rel)
        elif _same_but_run_columns(a / rel, b / rel):
            same_but_run_columns.append(rel)
        else:
            differ.append(rel)
    return {"same": same, "same_but_run_columns": same_but_run_columns, "differ": differ,
            "only_in_first": sorted(files_a - files_b - set(NOT_COMPARED)),
            "only_in_second": sorted(files_b - files_a - set(NOT_COMPARED))}


def compare_engines(n: int, root: Path, workers: int) -> dict[str, Any]:
    """The same N reports through the local engine and through Dask on a local cluster of
    ``workers`` processes; the two dataset folders compared file by file."""
    inputs = root / f"in-{n}"
    fmt = generate(inputs, n)
    print(f"N={n}: generated {fmt}", flush=True)
    local = run_child(inputs, root / f"out-{n}-local", workers)
    print(f"  local: {local['summary']}; {local['files_per_cpu_s']:.1f} files per CPU-second, "
          f"peak tree {local['peak_tree_mb']:.0f} MB", flush=True)
    with local_cluster(workers) as cluster:
        dask = run_child(inputs, root / f"out-{n}-dask", workers, cluster)
    print(f"  dask:  {dask['summary']}; {dask['files_per_cpu_s']:.1f} files per CPU-second, "
          f"peak tree (with the cluster) {dask['peak_tree_mb']:.0f} MB", flush=True)
    diff = compare_outputs(root / f"out-{n}-local", root / f"out-{n}-dask")
    print(f"  {len(diff['same'])} files byte for byte the same; "
          f"{len(diff['same_but_run_columns'])} the same but for the run's columns {RUN_COLUMNS} "
          f"({', '.join(diff['same_but_run_columns'])}); different: {diff['differ'] or 'none'}; "
          f"only local: {diff['only_in_first'] or 'none'}; only dask: {diff['only_in_second'] or 'none'}", flush=True)
    return {"n": n, "local": local, "dask": dask, "diff": diff}


def _growth(results: list[dict[str, Any]]) -> bool:
    ok = True
    for a, b in zip(results, results[1:], strict=False):
        rss = b["run"]["peak_tree_mb"] / a["run"]["peak_tree_mb"]
        exp_rss = b["export"]["peak_tree_mb"] / a["export"]["peak_tree_mb"]
        rate = b["run"]["rate"] / a["run"]["rate"]
        cpu_rate = b["run"]["files_per_cpu_s"] / a["run"]["files_per_cpu_s"]
        per = (b["export"]["seconds"] / b["n"]) / (a["export"]["seconds"] / a["n"])
        disk = b["disk_kb_per_report"] / a["disk_kb_per_report"]
        print(f"growth {a['n']} -> {b['n']}: peak RSS x{rss:.2f} (export alone x{exp_rss:.2f}), files/s x{rate:.2f}, "
              f"files per CPU-second x{cpu_rate:.2f}, export time per report x{per:.2f}, disk per report x{disk:.2f}")
        good = rss <= 1.25 and abs(rate - 1) <= 0.2
        good_cpu = rss <= 1.25 and abs(cpu_rate - 1) <= 0.2
        ok &= good or good_cpu
        print(f"  goal (peak RSS within 1.25x, files/s within 20%): {'yes' if good else 'NO'}; "
              f"with files per CPU-second: {'yes' if good_cpu else 'NO'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--huge", action="store_true", help="also N = 100 000")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--engine", choices=["local", "dask"], default="local",
                    help="dask: run on a local Dask cluster of --workers processes (no incremental part)")
    ap.add_argument("--compare-engines", action="store_true",
                    help="only run each N through both engines and compare the dataset files")
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)
    ns = sorted(set(args.n + ([100_000] if args.huge else [])))
    root = args.keep or Path(tempfile.mkdtemp(prefix="extractor-scale-"))
    root.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    try:
        if args.compare_engines:
            results = [compare_engines(n, root, args.workers) for n in ns]
        elif args.engine == "dask":
            with local_cluster(args.workers) as cluster:
                results = [measure(n, root, args.workers, cluster) for n in ns]
        else:
            results = [measure(n, root, args.workers) for n in ns]
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    if args.compare_engines:
        return 0 if all(not r["diff"]["differ"] and not r["diff"]["only_in_first"]
                        and not r["diff"]["only_in_second"] for r in results) else 1
    ok = _growth(results)
    every = all(r["review_found"] == r["review_flagged"] for r in results)
    print(f"every flagged table reachable from review.html: {'yes' if every else 'NO'}")
    return 0 if ok and every else 1


if __name__ == "__main__":
    sys.exit(main())

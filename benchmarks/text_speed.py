"""Text extraction speed per report, by shape, against a floor measured in the same run.

    .venv/bin/python benchmarks/text_speed.py [--rounds 7]

Every text fixture is timed, grouped by the shape it is written in:

- tidy: the renderings of ``fixtures/text/`` (tab-separated, markdown, pipes, one cell per
  line; UTF-8, UTF-8 with BOM, GB18030, UTF-16), the not-a-report files apart;
- pipe-per-line (``*.pipecells.txt``), one-line fused (``*.oneline.txt``), fragment;
- Traditional in UTF-8 (``*.trad-tw.txt`` and ``fixtures/traditional/*.txt``);
- Big5 and Big5-HKSCS (``*.trad-big5.txt``, ``*.trad-tw-big5.txt``, ``*.trad-hkscs.txt``).

For each file, best of ``--rounds`` rounds in CPU time (``time.process_time``: other processes
on a busy machine do not count), every functools cache of the package cleared before each
round as a fresh worker would find them:

- ours: ``extractor.parse(bytes)``, the whole extraction (sniffing, decoding, the text reader
  with its shape detection and fused-cell recovery, the format-blind pipeline);
- warm: the same with the caches kept (a batch worker's steady state, its label and value
  caches filled by the reports before);
- the stages alone: the text reader (bytes -> Document) and the pipeline (Document -> Report);
- the floor: what any script pays to look at the same bytes and find nothing: decode them with
  the codec our decoder found (known in advance, so no sniffing), ``splitlines()``, and one
  regex scan of every line for numbers.

Printed per shape: mean ms per report for each measure, and the slowest file and the ratio ours / floor.  No speed goal
for text is written down in the README or the issues (the HTML goal is <= 2x a bare
BeautifulSoup parse, which builds a tree; the text floor builds nothing), so the ratio is
printed for the record, not checked against a line.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import extractor  # noqa: E402
from extractor.model import Source  # noqa: E402
from extractor.pipeline import build_report  # noqa: E402
from extractor.readers import text as text_reader  # noqa: E402
from extractor.readers.encoding import decode_text  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TEXT = ROOT / "fixtures" / "text"
SHAPES = TEXT / "shapes"
_NUMBER = re.compile(r"\d[\d,.]*")


def shape_groups() -> dict[str, list[Path]]:
    """The text fixtures by shape (every ``.txt`` fixture falls in exactly one group)."""
    tidy = sorted(TEXT.glob("*.txt"))
    shapes = sorted(SHAPES.glob("*.txt"))

    def pick(*tags: str) -> list[Path]:
        return [p for p in shapes if any(p.name.endswith(f".{t}.txt") for t in tags)]

    groups = {
        "tidy": [p for p in tidy if not p.name.startswith("not-a-report")],
        "not a report": [p for p in tidy if p.name.startswith("not-a-report")],
        "pipe-per-line": pick("pipecells"),
        "one-line fused": pick("oneline"),
        "fragment": pick("fragment"),
        "Traditional UTF-8": pick("trad-tw") + sorted((ROOT / "fixtures" / "traditional").glob("*.txt")),
        "Big5 / Big5-HKSCS": pick("trad-big5", "trad-tw-big5", "trad-hkscs"),
    }
    placed = {p for ps in groups.values() for p in ps}
    missing = [p.name for p in tidy + shapes if p not in placed]
    if missing:
        raise SystemExit(f"text fixtures in no shape group: {missing}")
    return groups


def _package_caches() -> list[Callable[[], None]]:
    """``cache_clear`` of every functools cache in the extractor package."""
    for info in pkgutil.walk_packages(extractor.__path__, "extractor."):
        if info.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(info.name)
        except ImportError:  # optional extras that are not installed
            continue
    return [obj.cache_clear for name, mod in list(sys.modules.items()) if name.startswith("extractor")
            for obj in vars(mod).values()
            if callable(getattr(obj, "cache_clear", None)) and getattr(obj, "__module__", "") == name]


def best(fn: Callable[[], object], rounds: int, clears: list[Callable[[], None]]) -> float:
    """The least CPU time of ``rounds`` calls, every cache cleared before each."""
    least = float("inf")
    for _ in range(rounds):
        for clear in clears:
            clear()
        t0 = time.process_time()
        fn()
        least = min(least, time.process_time() - t0)
    return least


def floor(data: bytes, encoding: str) -> int:
    """Decode with a known codec, split the lines and scan each for numbers."""
    return sum(len(_NUMBER.findall(line)) for line in data.decode(encoding).splitlines())


def measure(path: Path, rounds: int, clears: list[Callable[[], None]]) -> dict[str, float]:
    data = path.read_bytes()
    encoding = decode_text(data).encoding
    doc = text_reader.read(data)
    source = Source(None, "", "text")
    return {
        "ours": best(lambda: extractor.parse(data), rounds, clears),
        "warm": best(lambda: extractor.parse(data), rounds, []),
        "reader": best(lambda: text_reader.read(data), rounds, clears),
        "pipeline": best(lambda: build_report(doc, source), rounds, clears),
        "floor": best(lambda: floor(data, encoding), rounds, clears),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    clears = _package_caches()
    groups = shape_groups()
    extractor.parse(groups["tidy"][0].read_bytes())  # imports and compiled patterns, outside the timing
    print(f"CPU time per report (ms), best of {args.rounds} rounds, caches cleared before each")
    print(f"{'shape':20s} {'files':>5s} {'ours':>7s} {'warm':>6s} {'reader':>7s} {'pipeline':>8s} {'floor':>6s} {'ours/floor':>10s}")
    total = {"ours": 0.0, "floor": 0.0}
    count = 0
    for shape, paths in groups.items():
        got = [measure(p, args.rounds, clears) for p in paths]
        mean = {k: sum(g[k] for g in got) / len(got) for k in got[0]}
        total["ours"] += sum(g["ours"] for g in got)
        total["floor"] += sum(g["floor"] for g in got)
        count += len(got)
        print(f"{shape:20s} {len(paths):5d} {mean['ours'] * 1000:7.2f} {mean['warm'] * 1000:6.2f} {mean['reader'] * 1000:7.2f} "
              f"{mean['pipeline'] * 1000:8.2f} {mean['floor'] * 1000:6.3f} {mean['ours'] / mean['floor']:9.0f}x")
        slowest = max(zip(got, paths, strict=True), key=lambda gp: gp[0]["ours"])
        print(f"{'':20s} slowest: {slowest[1].name} {slowest[0]['ours'] * 1000:.2f} ms")
    print(f"{'all':20s} {count:5d} {total['ours'] / count * 1000:7.2f} {'':6s} {'':7s} {'':8s} "
          f"{total['floor'] / count * 1000:6.3f} {total['ours'] / total['floor']:9.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

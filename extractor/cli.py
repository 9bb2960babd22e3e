"""Command line: parse options, call the library, map errors to exit codes.

Exit codes (documented in README "Exit codes"):
0 ok · 1 other library error · 2 usage error · 3 input not found · 4 empty input ·
5 unsupported format · 6 damaged document · 7 encrypted document · 8 limit exceeded ·
9 `run --strict` finished but some files failed · 10 converter missing (LibreOffice) · 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import get_args

from . import __version__
from .errors import ExtractorError, LimitExceeded
from .limits import DEFAULT_LIMITS, Limits
from .model import Format


def _limits(args: argparse.Namespace) -> Limits:
    """The limits of `extractor parse`: the defaults, changed by the options given."""
    changes = {k: getattr(args, k) for k in ("max_bytes", "max_pages", "max_cells") if getattr(args, k) is not None}
    if args.timeout is not None:
        changes["time_s"] = args.timeout
    if args.no_ocr:
        changes["ocr"] = False
    return dataclasses.replace(DEFAULT_LIMITS, **changes)


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """A hard stop on top of the library's cooperative time checks: raise LimitExceeded
    from a SIGALRM handler (it runs as soon as a long C call returns)."""
    if seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def fire(_sig: int, _frame: object) -> None:
        raise LimitExceeded("time_s", f"parsing took longer than the time limit time_s={seconds:g} s (--timeout)")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds + 0.5)  # the cooperative checks get there first
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _cmd_parse(args: argparse.Namespace) -> int:
    from . import parse

    limits = _limits(args)
    with _alarm(limits.time_s):
        report = parse(args.file, format=args.format, limits=limits)
    indent = 2 if args.pretty else None
    sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=indent) + "\n")
    return 0


def _cmd_codebook(args: argparse.Namespace) -> int:
    from .batch.errors import UsageError
    from .codebook import write_codebook_csv

    if args.output in (None, "-"):
        write_codebook_csv(sys.stdout)
        return 0
    folder = os.path.dirname(args.output) or "."
    if not os.path.isdir(folder):
        raise UsageError(f"-o {args.output}: the folder {folder} does not exist")
    if os.path.isdir(args.output):
        raise UsageError(f"-o {args.output}: is a folder, not a file")
    try:
        with open(args.output, "w", encoding="utf-8", newline="") as fh:
            write_codebook_csv(fh)
    except OSError as e:
        raise UsageError(f"-o {args.output}: cannot write it: {e.strerror or e}") from None
    return 0


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Define the options of ``extractor run`` (each one is an argument of :func:`extractor.batch.run`)."""
    parser.add_argument("inputs", nargs="+", metavar="INPUT",
                        help="files, folders (walked recursively) or globs (quote them: 'data/**/*.pdf')")
    parser.add_argument("-o", "--output", default="output", metavar="OUTDIR",
                        help="dataset folder (default: output/); a second run on it resumes")
    parser.add_argument("-j", "--workers", type=int, default=None, metavar="N",
                        help="worker processes (default: the number of CPU cores)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_LIMITS.time_s, metavar="SECONDS",
                        help=f"time limit per file; a file past it fails with error_type timeout "
                             f"(default: {DEFAULT_LIMITS.time_s:g}; 0: none)")
    parser.add_argument("--max-memory-mb", type=int, default=4096, metavar="MB",
                        help="address-space limit of each worker (default: 4096; 0: none)")
    parser.add_argument("--retry-failed", action="store_true",
                        help="parse again the files that failed in an earlier run")
    parser.add_argument("--force", action="store_true", help="parse every file again, even those done")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show a progress bar (default: when stderr is a terminal)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    parser.add_argument("--export-every", type=_export_every, default=None, metavar="SECONDS|auto",
                        help="also export the dataset files during the run this often (default: auto, "
                             "every 300 s or 20 times as long as the last export took, whichever is "
                             "longer; 0: only at the end)")
    parser.add_argument("--no-parquet", action="store_true",
                        help="do not write Parquet files even when pyarrow is installed")
    parser.add_argument("--no-review", action="store_true", help="do not write review.html")
    parser.add_argument("--no-crops", action="store_true",
                        help="review.html without the source beside each flagged table (no PDF crops; faster)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with 9 when any file failed (default: 0 once the run is complete; "
                             "failed files are rows of reports.csv); files that are not reports "
                             "(status not_a_report) do not count")
    parser.add_argument("--no-ocr", action="store_true",
                        help="do not read scanned PDF pages and HTML table images by OCR (the ocr extra); "
                             "they stay gaps (gap.no_text_layer, gap.table_image)")
    parser.add_argument("--engine", choices=["local", "dask"], default="local",
                        help="local worker processes (default) or a Dask distributed cluster")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="Dask scheduler address for --engine dask (e.g. tcp://10.0.0.5:8786)")


def _cmd_debug(args: argparse.Namespace) -> int:
    """``extractor debug``: the annotated dump on stdout, and for a PDF a picture of one page."""
    from .debug import debug_file

    run = debug_file(args.file, page=args.page, out_png=args.output, scale=args.scale)
    sys.stdout.write(run.dump)
    if run.picture is not None:
        p = run.picture
        print(f"extractor: wrote {p.path} (page {p.page} of {p.pages}, {p.image_size[0]}x{p.image_size[1]} px, "
              f"{len(p.grids)} grid(s) outlined)", file=sys.stderr)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    """``extractor run``: the exit code is the summary's (see :attr:`extractor.batch.RunSummary.exit_code`)."""
    from . import batch

    summary = batch.run(
        args.inputs,
        args.output,
        workers=args.workers,
        timeout=args.timeout,
        max_memory_mb=args.max_memory_mb,
        engine=args.engine,
        scheduler=args.scheduler,
        retry_failed=args.retry_failed,
        force=args.force,
        progress=False if args.quiet else args.progress,
        export_every=args.export_every,
        parquet=False if args.no_parquet else None,
        review=not args.no_review,
        crops=not args.no_crops,
        strict=args.strict,
        limits=dataclasses.replace(DEFAULT_LIMITS, ocr=False) if args.no_ocr else DEFAULT_LIMITS,
        argv=sys.argv[1:],
    )
    if not args.quiet:
        sys.stderr.write(summary.text() + "\n")
    return summary.exit_code


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="extractor",
        description="Turn 政府信息公开工作年度报告 (PDF, HTML, text, Word) into research datasets.",
    )
    p.add_argument("--version", action="version", version=f"extractor {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    pp = sub.add_parser("parse", help="parse one report and print its JSON record")
    pp.add_argument("file", help="a PDF, HTML, text or Word report (format sniffed from content)")
    pp.add_argument("--format", choices=list(get_args(Format)), default=None,
                    help="skip sniffing and read the file as this format (doc, odt, rtf: through LibreOffice)")
    pp.add_argument("--pretty", action="store_true", help="indent the JSON")
    d = DEFAULT_LIMITS
    pp.add_argument("--max-bytes", type=_positive_int, default=None, metavar="N",
                    help=f"refuse a larger file (exit 8; default: {d.max_bytes})")
    pp.add_argument("--max-pages", type=_positive_int, default=None, metavar="N",
                    help=f"read only the first N pages of a PDF, with a limit.max_pages issue (default: {d.max_pages})")
    pp.add_argument("--max-cells", type=_positive_int, default=None, metavar="N",
                    help=f"refuse a document whose tables have more cells (exit 8; default: {d.max_cells})")
    pp.add_argument("--timeout", type=_seconds, default=None, metavar="SECONDS",
                    help=f"stop after this long (exit 8; default: {d.time_s:g}; 0: no limit)")
    pp.add_argument("--no-ocr", action="store_true",
                    help="do not read scanned PDF pages and HTML table images by OCR (the ocr extra); "
                         "they stay gaps (gap.no_text_layer, gap.table_image)")
    pp.set_defaults(func=_cmd_parse)

    pr = sub.add_parser("run", help="parse many files in parallel into a dataset")
    add_run_arguments(pr)
    pr.set_defaults(func=_cmd_run)

    pd = sub.add_parser("debug", help="show how a report's tables were read: a text dump, and for a PDF a "
                                      "picture of one page")
    pd.add_argument("file", help="a report in any format (sniffed from its content)")
    pd.add_argument("--page", type=_positive_int, default=None, metavar="N",
                    help="PDF: the page to draw (default: the first page with a table)")
    pd.add_argument("-o", "--output", default=None, metavar="OUT.png",
                    help="PDF: the picture's file (default: <file stem>.p<N>.debug.png)")
    pd.add_argument("--scale", type=float, default=None, help="PDF: pixels per point (default 2, at most 8)")
    pd.set_defaults(func=_cmd_debug)

    pc = sub.add_parser("codebook", help="write the codebook (one row per field id) as CSV")
    pc.add_argument("-o", "--output", default=None, help="file to write (default: stdout)")
    pc.set_defaults(func=_cmd_codebook)
    return p


def _positive_int(s: str) -> int:
    try:
        n = int(s.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {s!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {s!r}")
    return n


def _seconds(s: str) -> float:
    try:
        x = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {s!r}") from None
    if not x >= 0 or x == float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more: {s!r}")
    return x


def _export_every(s: str) -> float | None:
    """``--export-every``: ``auto`` (None) or seconds (0: only at the end)."""
    return None if s == "auto" else _seconds(s)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ExtractorError as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"extractor: error: {msg}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("extractor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # a bug: one line, and the traceback only when asked for
        if os.environ.get("EXTRACTOR_DEBUG"):
            raise
        print(f"extractor: internal error: {type(e).__name__}: {e} (set EXTRACTOR_DEBUG=1 for the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

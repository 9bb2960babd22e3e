"""Command line: parse options, call the library, map errors to exit codes.

Exit codes (documented in README "Exit codes"):
0 ok · 1 other library error · 2 usage error · 3 input not found · 4 empty input ·
5 unsupported format · 6 damaged document · 7 encrypted document · 8 limit exceeded ·
9 `run` finished but some files failed · 130 interrupted.
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

from . import __version__
from .errors import ExtractorError, LimitExceeded
from .limits import DEFAULT_LIMITS, Limits


def _limits(args: argparse.Namespace) -> Limits:
    """The limits of `extractor parse`: the defaults, changed by the options given."""
    changes = {k: getattr(args, k) for k in ("max_bytes", "max_pages", "max_cells") if getattr(args, k) is not None}
    if args.timeout is not None:
        changes["time_s"] = args.timeout
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
    from .codebook import write_codebook_csv

    if args.output in (None, "-"):
        write_codebook_csv(sys.stdout)
    else:
        with open(args.output, "w", encoding="utf-8", newline="") as fh:
            write_codebook_csv(fh)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from . import batch

    return batch.main(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="extractor",
        description="Turn 政府信息公开工作年度报告 (PDF, HTML, text) into research datasets.",
    )
    p.add_argument("--version", action="version", version=f"extractor {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    pp = sub.add_parser("parse", help="parse one report and print its JSON record")
    pp.add_argument("file", help="a PDF, HTML or text report (format sniffed from content)")
    pp.add_argument("--format", choices=["pdf", "html", "text"], default=None,
                    help="skip sniffing and read the file as this format")
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
    pp.set_defaults(func=_cmd_parse)

    pr = sub.add_parser("run", help="parse many files in parallel into a dataset")
    try:
        from . import batch

        batch.add_arguments(pr)
    except ImportError:  # pragma: no cover - batch not installed
        pass
    pr.set_defaults(func=_cmd_run)

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

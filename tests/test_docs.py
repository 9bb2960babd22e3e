"""Tests that keep the docs honest: every issue code the code can emit, every CLI command
and every exit code is documented in the README; the field reference is generated."""

from __future__ import annotations

import re

from extractor import errors
from extractor.cli import build_parser

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_issue_code_in_the_code_is_in_the_readme():
    src = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "extractor").rglob("*.py"))
    codes = set(re.findall(r'"((?:gap|table|input|limit|check)\.[a-z_]+)"', src))
    assert len(codes) > 25
    missing = sorted(c for c in codes if f"`{c}`" not in README and not (
        c.startswith("limit.") and "`limit.<name>`" in README))
    assert missing == []


def test_every_command_is_in_the_readme():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == {"parse", "run", "codebook"}
    for name in sub.choices:
        assert f"`extractor {name}" in README, name


def test_every_exit_code_is_in_the_readme():
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.ExtractorError)]
    for c in classes:
        assert re.search(rf"^\| {c.exit_code} \|", README, re.M), c.__name__
    for code in (0, 2, 9, 130):
        assert re.search(rf"^\| {code} \|", README, re.M), code


def test_every_option_of_run_is_in_docs_dataset():
    """docs/dataset.md's table "Options of `extractor run`" names every option of the parser, and no other."""
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    run = sub.choices["run"]
    want = {s for a in run._actions if a.dest != "help" for s in (a.option_strings or [a.metavar])}
    doc = (ROOT / "docs" / "dataset.md").read_text(encoding="utf-8")
    table = doc.split("### Options of `extractor run`", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    documented = {name for line in rows for name in re.findall(r"`([^`]+)`", line.split("|")[1])}
    assert documented == want
    assert len(rows) == len([a for a in run._actions if a.dest != "help"])

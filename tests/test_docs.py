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
    assert set(sub.choices) == {"parse", "run", "debug", "codebook"}
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


def _repo_texts():
    for folder, pattern in (("extractor", "**/*.py"), ("tests", "*.py"), ("benchmarks", "*.py"),
                            ("fixtures", "*.py"), ("scripts", "*.py"), ("docs", "*.md")):
        for path in sorted((ROOT / folder).glob(pattern)):
            yield path, path.read_text(encoding="utf-8")
    yield ROOT / "README.md", README


def test_the_domain_reference_is_in_the_repository_and_every_citation_names_one_of_its_sections():
    """The repository carries its own domain reference (docs/report-formats.md); code and docs cite it
    by section name, never by a section number of a file outside the repository."""
    ref = (ROOT / "docs" / "report-formats.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (.+)$", ref, re.M))
    assert {"Generations", "Sections", "Cell values", "Identities", "Soft checks", "Deviations"} <= sections
    cited = []
    for path, text in _repo_texts():
        assert not re.search(r"report-formats\.md\s*§", text), path
        for m in re.finditer(r"report-formats\.md[,;]?\s*\(?\"?([A-Z][a-z]+(?: [a-z0-9]+)*)", text):
            cited.append((path.name, m.group(1)))
    assert cited, "nothing cites the domain reference"
    for name, section in cited:
        assert any(s.startswith(section) for s in sections), (name, section)

"""review.html in a real headless Chromium: it opens, shows every flagged table with the
offending cells highlighted, sorts, loads nothing external and logs no console message.

Skips only when /usr/bin/chromium is missing AND the environment variable CI is not set;
in CI (the CI script installs Debian's chromium) a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from lxml import html as lxml_html

from extractor import batch
from extractor.review import collect_cards, render_review, split_field

from conftest import FIXTURES

CHROMIUM = "/usr/bin/chromium"


def _browser() -> str:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("CI is set but Chromium is missing: the CI script must install the Debian package chromium")
    pytest.skip("Chromium is not installed (apt-get install chromium); in CI this test runs")


def dump_dom(url: str, profile: Path) -> tuple[str, list[str]]:
    """The DOM after the page's scripts ran, and the browser's console lines."""
    cmd = [
        _browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-extensions", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
        "--enable-logging=stderr", "--v=0", "--dump-dom", url,
    ]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    console = [line for line in p.stderr.splitlines() if ":CONSOLE" in line]
    return p.stdout, console


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("review")
    corpus = root / "in"
    corpus.mkdir()
    for rel in ("text/city-2022-bad-totals.md.txt", "text/town-2021-missing-section.tsv.txt",
                "text/county-2021.tsv.txt", "text/seed-halazhigou-2023.tsv.txt", "html/city-2022-bad-totals.cms.html",
                "html/images-only.html", "pdf/city-2022-bad-totals.split-results.pdf",
                "pdf/county-2021.encrypted-password.pdf"):
        shutil.copy(FIXTURES / rel, corpus / Path(rel).name)
    (corpus / "broken <b>&amp;.pdf").write_bytes(b"%PDF-1.4\n garbage")
    batch.run([str(corpus)], root / "out", workers=2, progress=False)
    return root / "out"


def _expected_cards(db: Path) -> dict[tuple[str, str], set[str]]:
    """(sha256, table) -> offending fields, computed from issues.csv's twin table."""
    conn = sqlite3.connect(db)
    ok = {r[0] for r in conn.execute("SELECT sha256 FROM reports WHERE status = 'ok'")}
    out: dict[tuple[str, str], set[str]] = {}
    for sha, fields in conn.execute("SELECT sha256, fields FROM issues WHERE severity IN ('error', 'warning')"):
        if sha not in ok:
            continue
        fs = [f for f in (fields or "").split(";") if f]
        if not fs:
            out.setdefault((sha, ""), set())
        for f in fs:
            out.setdefault((sha, split_field(f)[0]), set()).add(f)
    conn.close()
    return out


def _cards(dom: str) -> list:
    return lxml_html.fromstring(dom).xpath('//section[contains(concat(" ", @class, " "), " flag ")]')


def test_review_page_opens_and_shows_every_flagged_table(dataset, tmp_path):
    page = dataset / "review.html"
    dom, console = dump_dom(page.as_uri(), tmp_path / "profile")
    assert console == []
    doc = lxml_html.fromstring(dom)
    assert doc.xpath("//body/@data-ready") == ["1"]
    assert doc.xpath("//body/@data-sort") == ["severity"]

    expected = _expected_cards(dataset / "dataset.sqlite")
    cards = _cards(dom)
    got = {(c.get("data-sha256"), c.get("data-table")): {td.get("data-field") for td in c.xpath('.//td[contains(@class, "bad")]')}
           for c in cards}
    assert len(cards) == len(got) == len(expected)
    assert got == expected
    # the city report: its section-3 grid with exactly the cells of s3.balance and s3.row_total marked
    city = [c for c in cards if c.get("data-file").endswith("city-2022-bad-totals.md.txt") and c.get("data-table") == "s3"]
    assert len(city) == 1
    bad = {td.get("data-field"): td.text_content() for td in city[0].xpath('.//td[contains(@class, "bad")]')}
    assert bad["s3.new.total"] == "!401"
    assert "s3.carried_forward.total" in bad and "s3.new.natural_person" in bad
    codes = [li.xpath('.//code')[0].text for li in city[0].xpath('.//ul[@class="issues"]/li')]
    assert codes[:3] == ["s3.balance", "s3.balance", "s3.row_total"]
    assert "lines " in city[0].xpath('.//p[@class="meta"]')[0].text_content()
    pdf = [c for c in cards if c.get("data-file").endswith(".pdf") and c.get("data-table") == "s3"]
    assert len(pdf) == 1 and "page" in pdf[0].xpath('.//p[@class="meta"]')[0].text_content()
    # worst first: severity ranks never go down
    ranks = [int(c.get("data-severity")) for c in cards]
    assert ranks == sorted(ranks) and ranks[0] == 0
    # the files that could not be read are listed, their names escaped
    failed = doc.xpath('//section[@id="failed"]//tbody/tr/td[1]/text()')
    assert sorted(Path(f).name for f in failed) == ["broken <b>&amp;.pdf", "county-2021.encrypted-password.pdf"]


def test_review_page_sorts_by_file_and_confidence(dataset, tmp_path):
    page = dataset / "review.html"
    dom, console = dump_dom(page.as_uri() + "#sort=file", tmp_path / "p1")
    assert console == []
    assert lxml_html.fromstring(dom).xpath("//body/@data-sort") == ["file"]
    keys = [(c.get("data-file"), c.get("data-table")) for c in _cards(dom)]
    assert keys == sorted(keys)
    dom, console = dump_dom(page.as_uri() + "#sort=confidence", tmp_path / "p2")
    assert console == []
    conf = [float(c.get("data-confidence")) for c in _cards(dom)]
    assert conf == sorted(conf) and len(conf) == len(_expected_cards(dataset / "dataset.sqlite"))


def test_review_page_is_self_contained(dataset):
    text = (dataset / "review.html").read_text(encoding="utf-8")
    doc = lxml_html.fromstring(text)
    assert doc.xpath("//@src | //@href | //link | //iframe | //img | //object | //embed") == []
    assert "Content-Security-Policy" in text and "default-src 'none'" in text
    assert "http://" not in text and "https://" not in text


def test_console_errors_would_be_caught(tmp_path):
    """The console check above is not vacuous: an error on a page shows up."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><body><script>console.error('boom-1'); throw new Error('boom-2');</script>",
                   encoding="utf-8")
    _, console = dump_dom(bad.as_uri(), tmp_path / "profile")
    joined = "\n".join(console)
    assert "boom-1" in joined and "Uncaught Error: boom-2" in joined


def test_review_without_flagged_tables(tmp_path):
    corpus = tmp_path / "in"
    corpus.mkdir()
    shutil.copy(FIXTURES / "text" / "county-2021.tsv.txt", corpus / "clean.txt")
    batch.run([str(corpus)], tmp_path / "out", workers=1, progress=False)
    conn = sqlite3.connect(tmp_path / "out" / "dataset.sqlite")
    assert collect_cards(conn) == []
    page = render_review(conn)
    conn.close()
    assert "No table has an error or warning issue." in page
    dom, console = dump_dom((tmp_path / "out" / "review.html").as_uri(), tmp_path / "profile")
    assert console == []
    assert _cards(dom) == [] and 'data-ready="1"' in dom


def _with_script(page: Path, out: Path, js: str) -> str:
    """A copy of ``page`` with ``js`` run after the page's own script (as a user's clicks)."""
    text = page.read_text(encoding="utf-8")
    assert text.count("</body>") == 1
    out.write_text(text.replace("</body>", f"<script>{js}</script></body>"), encoding="utf-8")
    return out.as_uri()


def test_review_page_sort_buttons_and_filter_box(dataset, tmp_path):
    page = dataset / "review.html"
    n = len(_expected_cards(dataset / "dataset.sqlite"))
    url = _with_script(page, tmp_path / "confidence.html",
                       "document.querySelector('button[data-sort=confidence]').click();")
    dom, console = dump_dom(url, tmp_path / "p1")
    assert console == []
    assert lxml_html.fromstring(dom).xpath("//body/@data-sort") == ["confidence"]
    conf = [float(c.get("data-confidence")) for c in _cards(dom)]
    assert conf == sorted(conf) and len(conf) == n

    url = _with_script(page, tmp_path / "file.html",
                       "document.querySelector('button[data-sort=file]').click();"
                       "var f = document.getElementById('filter'); f.value = 'CITY-2022';"
                       "f.dispatchEvent(new Event('input'));")
    dom, console = dump_dom(url, tmp_path / "p2")
    assert console == []
    doc = lxml_html.fromstring(dom)
    assert doc.xpath("//body/@data-sort") == ["file"]
    cards = _cards(dom)
    keys = [(c.get("data-file"), c.get("data-table")) for c in cards]
    assert keys == sorted(keys) and len(keys) == n
    shown = [c for c in cards if "hidden" not in c.get("class").split()]
    assert shown and all("city-2022" in c.get("data-file") for c in shown)
    assert len(shown) < n
    assert doc.xpath('//*[@id="shown"]/text()') == [str(len(shown))]

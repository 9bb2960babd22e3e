"""The review in a real headless Chromium: the index (review.html) and the pages of cards
(review/page-0001.html …) open, show every flagged table with the offending cells
highlighted, sort, load nothing external and log no console message; with small pages every
flagged table is reachable from the index, worst first, and the lists by issue code, year,
template and body link to exactly their cards.

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
from extractor.review import collect_cards, render_review, split_field, write_review

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
    page = dataset / "review" / "page-0001.html"
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
    # the index: opens, links to this page, lists the files that could not be read (names escaped)
    dom, console = dump_dom((dataset / "review.html").as_uri(), tmp_path / "profile-index")
    assert console == []
    index = lxml_html.fromstring(dom)
    assert index.xpath('//a[@id="first-page"]/@href') == ["review/page-0001.html"]
    assert index.xpath('//span[@id="n-cards"]/text()') == [str(len(expected))]
    failed = index.xpath('//section[@id="failed"]//tbody/tr/td[1]/text()')
    assert sorted(Path(f).name for f in failed) == ["broken <b>&amp;.pdf", "county-2021.encrypted-password.pdf"]


def test_review_page_sorts_by_file_and_confidence(dataset, tmp_path):
    page = dataset / "review" / "page-0001.html"
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
    files = [dataset / "review.html", *sorted((dataset / "review").glob("*.html"))]
    assert len(files) > 5
    for f in files:
        text = f.read_text(encoding="utf-8")
        doc = lxml_html.fromstring(text)
        assert doc.xpath("//link | //iframe | //object | //embed | //script/@src") == [], f.name
        for src in doc.xpath("//@src"):  # the source crops only: PNG files of review/
            assert doc.xpath("//@src") == doc.xpath("//img/@src"), f.name
            assert f.parent.name == "review" and "/" not in src and src.endswith(".png"), (f.name, src)
            assert (f.parent / src).is_file(), (f.name, src)
        for href in doc.xpath("//@href"):  # links only to the review's own files
            target = (f.parent / href.split("#")[0]).resolve()
            assert target.is_file() and target.parent in (dataset, dataset / "review"), (f.name, href)
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
    assert console == [] and "No table has an error or warning issue." in dom
    dom, console = dump_dom((tmp_path / "out" / "review" / "page-0001.html").as_uri(), tmp_path / "profile2")
    assert console == []
    assert _cards(dom) == [] and 'data-ready="1"' in dom


def _with_script(page: Path, out: Path, js: str) -> str:
    """A copy of ``page`` with ``js`` run after the page's own script (as a user's clicks)."""
    text = page.read_text(encoding="utf-8")
    assert text.count("</body>") == 1
    out.write_text(text.replace("</body>", f"<script>{js}</script></body>"), encoding="utf-8")
    return out.as_uri()


def test_review_page_sort_buttons_and_filter_box(dataset, tmp_path):
    page = dataset / "review" / "page-0001.html"
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


def _links(page: Path) -> list[str]:
    return lxml_html.fromstring(page.read_text(encoding="utf-8")).xpath("//a/@href")


def test_small_pages_reach_every_flagged_table_worst_first(dataset, tmp_path, monkeypatch):
    """Three cards a page, ten list rows a page: walking from the index reaches every card once."""
    monkeypatch.setattr("extractor.review.pages.PAGE_CARDS", 3)
    monkeypatch.setattr("extractor.review.pages.LIST_ROWS", 2)
    out = tmp_path / "paged"
    write_review(dataset / "dataset.sqlite", out)
    expected = _expected_cards(dataset / "dataset.sqlite")
    n_pages = -(-len(expected) // 3)
    assert n_pages >= 3
    pages = [h for h in _links(out / "review.html") if h.startswith("review/page-")]
    assert pages[0] == "review/page-0001.html"
    assert sorted(set(pages)) == [f"review/page-{k:04d}.html" for k in range(1, n_pages + 1)]

    seen, ranks, severity = {}, [], []
    page = out / "review" / "page-0001.html"
    dom, console = dump_dom(page.as_uri(), tmp_path / "profile")  # one of them in the browser
    assert console == [] and len(_cards(dom)) == 3
    while True:  # follow the "next" links
        doc = lxml_html.fromstring(page.read_text(encoding="utf-8"))
        for c in _cards(page.read_text(encoding="utf-8")):
            key = (c.get("data-sha256"), c.get("data-table"))
            assert key not in seen
            seen[key] = {td.get("data-field") for td in c.xpath('.//td[contains(@class, "bad")]')}
            ranks.append(int(c.get("data-rank")))
            severity.append(int(c.get("data-severity")))
        nxt = doc.xpath('//nav[1]/a[@rel="next"]/@href')
        if not nxt:
            break
        page = page.parent / nxt[0]
    assert seen == expected
    assert ranks == list(range(1, len(expected) + 1))
    assert severity == sorted(severity)  # worst first across pages, not only within one


def test_lists_by_code_year_template_and_body_link_to_exactly_their_cards(dataset, tmp_path, monkeypatch):
    monkeypatch.setattr("extractor.review.pages.LIST_ROWS", 2)
    out = tmp_path / "lists"
    write_review(dataset / "dataset.sqlite", out)
    conn = sqlite3.connect(dataset / "dataset.sqlite")
    ok = {sha: (year, template, issuer) for sha, year, template, issuer in conn.execute(
        "SELECT sha256, year, template, issuer FROM reports WHERE status = 'ok'")}
    codes: dict[str, set] = {}
    for sha, code, fields in conn.execute(
            "SELECT sha256, code, fields FROM issues WHERE severity IN ('error', 'warning')"):
        if sha in ok:
            for t in {split_field(f)[0] for f in (fields or "").split(";") if f} or {""}:
                codes.setdefault(code, set()).add((sha, t))
    conn.close()
    cards = {}  # "page-0001.html#card-3" -> (sha256, table)
    page = out / "review" / "page-0001.html"
    for c in _cards(page.read_text(encoding="utf-8")):
        cards[f"page-0001.html#card-{c.get('data-rank')}"] = (c.get("data-sha256"), c.get("data-table"))
    assert len(cards) == len(_expected_cards(dataset / "dataset.sqlite"))

    def listed(first: str) -> set:
        """The cards a list links to, over all its pages."""
        got, page = [], out / "review" / first
        while True:
            got += [h for h in _links(page) if "#card-" in h]
            nxt = lxml_html.fromstring(page.read_text(encoding="utf-8")).xpath('//nav[1]/a[@rel="next"]/@href')
            if not nxt:
                break
            page = page.parent / nxt[0]
        assert len(got) == len(set(got))
        return {cards[h] for h in got}

    index = _links(out / "review.html")
    code_links = {h.split("/")[1] for h in index if h.startswith("review/code-")}
    assert code_links == {f"code-{c}-0001.html" for c in codes}
    for code, want in codes.items():
        assert listed(f"code-{code}-0001.html") == want, code
    by_year: dict = {}
    by_template: dict = {}
    for sha, t in cards.values():
        by_year.setdefault(ok[sha][0], set()).add((sha, t))
        by_template.setdefault(ok[sha][1], set()).add((sha, t))
    assert {h.split("/")[1] for h in index if h.startswith("review/year-")} == {
        f"year-{y}-0001.html" for y in by_year}
    for y, want in by_year.items():
        assert listed(f"year-{y}-0001.html") == want
    for t, want in by_template.items():
        assert listed(f"template-{t}-0001.html") == want
    # the bodies A–Z: every card under its issuer
    doc = lxml_html.fromstring((out / "review" / "bodies-0001.html").read_text(encoding="utf-8"))
    body_cards = {}
    for tr in doc.xpath("//tbody/tr"):
        issuer = tr.xpath("./td[1]/text()")[0]
        body_cards[issuer] = {cards[h] for h in tr.xpath(".//a/@href")}
    want_bodies: dict = {}
    for sha, t in cards.values():
        want_bodies.setdefault(ok[sha][2] or "issuer unknown", set()).add((sha, t))
    assert body_cards == want_bodies

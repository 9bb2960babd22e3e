"""The source beside each review card (extractor/review/sources.py): the PDF crop and its
outlines, the sanitised HTML table, the text lines, the Word table, and what a card says when
the file is gone or changed. The browser checks are in test_review_sources_browser.py."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from lxml import html as lxml_html
from PIL import Image, ImageChops, ImageStat

from extractor import batch
from extractor.review import write_review
from extractor.review.sources import CROP_DPI, boxes_on, crop_rect, pdf_crops

from conftest import FIXTURES

CORPUS = {  # name in the corpus -> fixture
    "city.pdf": "pdf/city-2022-bad-totals.split-results.pdf",
    "city.html": "html/city-2022-bad-totals.cms.html",
    "city.txt": "text/city-2022-bad-totals.md.txt",
    "city.docx": "docx/city-2022-bad-totals.plain.docx",
}
EVIL = "http://evil.example"


def copy_corpus(root: Path) -> Path:
    """The files of :data:`CORPUS` copied into ``root/in`` (returned)."""
    corpus = root / "in"
    corpus.mkdir()
    for name, rel in CORPUS.items():
        shutil.copy(FIXTURES / rel, corpus / name)
    return corpus


def _hostile_html() -> bytes:
    """The CMS page with a script, an event handler, a style that fetches, an image and a
    link inside its section-3 table (none of them changes a value read)."""
    text = (FIXTURES / CORPUS["city.html"]).read_text(encoding="utf-8")
    text = text.replace("<td colspan=\"3\">一、本年新收政府信息公开申请数量</td>",
                        f"<td colspan=\"3\" onclick=\"steal()\" style=\"background:url({EVIL}/bg.png)\">"
                        f"<a href=\"{EVIL}/\" onmouseover=\"steal()\">一、本年新收政府信息公开申请数量</a>"
                        f"<img src=\"{EVIL}/i.png\" onerror=\"steal()\"><script>steal()</script></td>", 1)
    text = text.replace("<td>312</td><td>58</td>", "<td><span style=\"color:red\" onclick=\"steal()\">312</span></td>"
                        "<td><style>td{background:url(" + EVIL + "/s.png)}</style>58</td>", 1)
    assert text.count(EVIL) == 4
    return text.encode("utf-8")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sources")
    corpus = copy_corpus(root)
    (corpus / "hostile.html").write_bytes(_hostile_html())
    shutil.copy(FIXTURES / "html/city-2022-bad-totals.portal.html", corpus / "gone.html")
    shutil.copy(FIXTURES / "html/city-2022-bad-totals.word.html", corpus / "changed.html")
    batch.run([str(corpus)], root / "out", workers=1, progress=False)
    (corpus / "gone.html").unlink()
    with open(corpus / "changed.html", "a", encoding="utf-8") as fh:
        fh.write("\n")
    write_review(root / "out" / "dataset.sqlite", root / "out")  # the review as a later export writes it
    return root


def _values(db: Path, name: str, table: str) -> tuple[str, dict[str, dict]]:
    conn = sqlite3.connect(db)
    sha = conn.execute("SELECT sha256 FROM reports WHERE path LIKE ?", (f"%/{name}",)).fetchone()[0]
    out = {f: {"raw": raw, "where": json.loads(w)} for f, raw, w in conn.execute(
        'SELECT field, raw, "where" FROM "values" WHERE sha256 = ? AND field LIKE ? ORDER BY rowid', (sha, f"{table}.%"))}
    conn.close()
    return sha, out


def _card(page: Path, name: str, table: str):
    doc = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    cards = [c for c in doc.xpath('//section[contains(@class, "flag")]')
             if c.get("data-file").endswith("/" + name) and c.get("data-table") == table]
    assert len(cards) == 1, (name, table)
    return cards[0]


@pytest.fixture(scope="module")
def page(run) -> Path:
    return run / "out" / "review" / "page-0001.html"


def test_pdf_crop_is_the_page_region_and_its_boxes_are_the_values_bboxes_scaled(run, page):
    sha, values = _values(run / "out" / "dataset.sqlite", "city.pdf", "s3")
    data = (run / "in" / "city.pdf").read_bytes()
    crops = pdf_crops(data, {f: v["where"] for f, v in values.items()})
    assert [c.page for c, _ in crops] == [2, 3]  # the split table: two pages
    scale = CROP_DPI / 72
    pdf = pdfium.PdfDocument(data)
    for crop, png in crops:
        on_page = {f: tuple(v["where"]["bbox"]) for f, v in values.items() if v["where"]["page"] == crop.page}
        assert {b.field for b in crop.boxes} == set(on_page) and len(on_page) > 20
        x0, top, x1, bottom = crop.rect
        for b in crop.boxes:  # each outline: the value's bbox, in pixels of the crop
            bx0, btop, bx1, bbottom = on_page[b.field]
            assert b.left == round((bx0 - x0) * scale) and b.top == round((btop - top) * scale)
            assert abs(b.left + b.width - (bx1 - x0) * scale) <= 1 and abs(b.top + b.height - (bbottom - top) * scale) <= 1
        img = Image.open(__import__("io").BytesIO(png))
        assert img.format == "PNG" and img.size == crop.size
        assert abs(img.size[0] - (x1 - x0) * scale) <= 1 and abs(img.size[1] - (bottom - top) * scale) <= 1
        # the crop is that region of the whole page rendered at the same scale (grey levels apart)
        full = pdf[crop.page - 1].render(scale=scale).to_pil().convert("L")
        region = full.crop((round(x0 * scale), round(top * scale), round(x0 * scale) + img.size[0],
                            round(top * scale) + img.size[1]))
        assert ImageStat.Stat(ImageChops.difference(region, img.convert("L"))).mean[0] < 6
        # and each value's digits are inside its box: dark pixels there, for every non-blank value
        grey = img.convert("L")
        for b in crop.boxes:
            if values[b.field]["raw"]:
                inside = grey.crop((b.left, b.top, b.left + b.width, b.top + b.height))
                assert inside.getextrema()[0] < 100, b.field
    pdf.close()
    # the page draws the same boxes, the flagged ones in the card's colours
    card = _card(page, "city.pdf", "s3")
    flagged = {td.get("data-field") for td in card.xpath('.//td[contains(@class, "bad")]')}
    for crop, _ in crops:
        fig = card.xpath(f'.//figure[@data-page="{crop.page}"]')[0]
        assert fig.xpath(".//img/@src") == [f"src-{sha[:16]}-s3-p{crop.page}.png"]
        assert (page.parent / fig.xpath(".//img/@src")[0]).read_bytes() == dict((c.page, p) for c, p in crops)[crop.page]
        drawn = {d.get("data-field"): d for d in fig.xpath('.//div[contains(@class, "box")]')}
        assert set(drawn) == {b.field for b in crop.boxes}
        for b in crop.boxes:
            assert drawn[b.field].get("style") == f"left:{b.left}px;top:{b.top}px;width:{b.width}px;height:{b.height}px"
            assert ("s-bad" in drawn[b.field].get("class").split()) == (b.field in flagged)
    assert {"s3.new.total", "s3.carried_forward.total"} <= flagged


def test_crop_rect_and_boxes_on_a_made_up_page():
    rect = crop_rect([(300.0, 400.0, 340.0, 415.0), (350.0, 420.0, 390.0, 435.0)], (595.0, 842.0))
    assert rect == (595.0 * 0.06, 400.0 - 72.0, 595.0 * 0.94, 435.0 + 10.0)
    boxes = boxes_on(rect, 2.0, {"a": (300.0, 400.0, 340.0, 415.0)})
    assert [(b.left, b.top, b.width, b.height) for b in boxes] == [
        (round((300 - 35.7) * 2), 144, 80, 30)]
    # at the page's edge the crop stops there
    assert crop_rect([(2.0, 5.0, 590.0, 840.0)], (595.0, 842.0)) == (0.0, 0.0, 595.0, 842.0)


def test_html_source_is_the_page_table_sanitised(run, page):
    for name in ("city.html", "hostile.html"):
        _, values = _values(run / "out" / "dataset.sqlite", name, "s3")
        card = _card(page, name, "s3")
        src = card.xpath('.//div[@class="src"]')[0]
        text = lxml_html.tostring(src, encoding="unicode")
        assert "evil" not in text and "steal" not in text
        assert src.xpath(".//script | .//style | .//img | .//a | .//link | .//iframe") == []
        for el in src.xpath(".//*"):
            assert set(el.attrib) <= {"class", "data-field", "rowspan", "colspan"}, el.attrib
        cells = {td.get("data-field"): td.text_content() for td in src.xpath(".//td[@data-field]")}
        assert set(cells) == set(values)
        for f, v in values.items():
            assert cells[f] == v["raw"], f
        # the header and label cells are there, with their spans, as the page had them
        assert src.xpath(".//th[@rowspan='3'][@colspan='3']")[0].text_content().startswith("（本列数据的勾稽关系为")
        assert "一、本年新收政府信息公开申请数量" in src.text_content()
        flagged = {td.get("data-field") for td in src.xpath('.//td[contains(@class, "s-bad")]')}
        assert flagged == {td.get("data-field") for td in card.xpath('.//table[@class="grid"]//td[contains(@class, "bad")]')
                           if td.get("data-field") in values}


def test_text_source_shows_the_lines_with_numbers_and_marks_each_value(run, page):
    _, values = _values(run / "out" / "dataset.sqlite", "city.txt", "s3")
    card = _card(page, "city.txt", "s3")
    lines = (run / "in" / "city.txt").read_text(encoding="utf-8").splitlines()
    rows = card.xpath('.//table[@class="srctext"]/tr')
    used = sorted({v["where"]["line"] for v in values.values()})
    numbers = [int(r.xpath('./td[@class="ln"]/text()')[0]) for r in rows]
    assert numbers == list(range(used[0] - 2, used[-1] + 3))
    for r, k in zip(rows, numbers, strict=True):
        assert r.xpath('./td[@class="tx"]')[0].text_content() == lines[k - 1]
    marks = {s.get("data-field"): s for s in card.xpath('.//table[@class="srctext"]//span[@data-field]')}
    assert set(marks) == {f for f, v in values.items() if v["raw"]}
    for f, s in marks.items():
        assert s.text_content() == values[f]["raw"]
        assert int(s.xpath("./ancestor::tr[1]/td[@class='ln']/text()")[0]) == values[f]["where"]["line"]
    assert "s-bad" in marks["s3.new.total"].get("class")


def test_word_source_is_the_table_as_the_docx_reader_read_it(run, page):
    _, values = _values(run / "out" / "dataset.sqlite", "city.docx", "s3")
    card = _card(page, "city.docx", "s3")
    cells = {td.get("data-field"): td.text_content() for td in card.xpath('.//table[@class="srcdocx"]//td[@data-field]')}
    assert cells == {f: v["raw"] for f, v in values.items()}
    assert card.xpath('.//table[@class="srcdocx"]/@data-table') == [str(values["s3.new.total"]["where"]["table"])]


def test_a_file_gone_or_changed_since_the_run_is_said_not_shown(run, page):
    gone = _card(page, "gone.html", "s3")
    assert gone.xpath('.//p[@class="nosrc"]/text()') == [
        "the file is not there any more (FileNotFoundError): the source cannot be shown"]
    changed = [c for c in lxml_html.fromstring(page.read_text(encoding="utf-8")).xpath('//section[contains(@class, "flag")]')
               if c.get("data-file").endswith("/changed.html") and c.get("data-table")]
    assert changed
    for c in changed:
        assert c.xpath('.//p[@class="nosrc"]/text()') == ["the file changed since it was parsed: the source is not shown"]
        assert c.xpath(".//img") == []


def test_no_crops_leaves_the_sources_out(run, tmp_path):
    write_review(run / "out" / "dataset.sqlite", tmp_path, crops=False)
    text = (tmp_path / "review" / "page-0001.html").read_text(encoding="utf-8")
    assert 'class="src"' not in text and "<img" not in text
    assert sorted(p.suffix for p in (tmp_path / "review").iterdir() if p.suffix != ".html") == []
    # and with them: one PNG per cropped page, nothing else new
    write_review(run / "out" / "dataset.sqlite", tmp_path / "with", crops=True)
    pngs = sorted(p.name for p in (tmp_path / "with" / "review").glob("*.png"))
    assert len(pngs) == 2 and all(re.fullmatch(r"src-[0-9a-f]{16}-s3-p[23]\.png", n) for n in pngs)


def test_a_file_over_the_size_limit_is_not_read_again(run, tmp_path, monkeypatch):
    size = (run / "in" / "city.txt").stat().st_size
    monkeypatch.setattr("extractor.review.sources.MAX_SOURCE_BYTES", size - 1)
    write_review(run / "out" / "dataset.sqlite", tmp_path)
    card = _card(tmp_path / "review" / "page-0001.html", "city.txt", "s3")
    assert card.xpath('.//p[@class="nosrc"]/text()') == ["the file is larger than 0 MB: the source is not shown"]


def test_card_shows_the_tables_parsing_report_from_the_dataset(run, page):
    """Each card names how its table was read: the row of the dataset's ``tables`` for it."""
    conn = sqlite3.connect(run / "out" / "dataset.sqlite")
    conn.row_factory = sqlite3.Row
    for name, strategy in (("city.pdf", "rules"), ("city.html", "html"), ("city.docx", "docx")):
        sha = conn.execute("SELECT sha256 FROM reports WHERE path LIKE ?", (f"%/{name}",)).fetchone()[0]
        row = conn.execute('SELECT * FROM tables WHERE sha256 = ? AND "table" = ?', (sha, "s3")).fetchone()
        assert row["strategy"] == strategy
        text = " ".join(_card(page, name, "s3").xpath('.//p[@class="parsing"]')[0].text_content().split())
        expected = (f"read by {row['strategy']}"
                    + (f" · pages {row['pages'].replace(';', ', ')}" if row["pages"] else "")
                    + f" · {row['fragments']} fragment(s) · rows {row['rows_exact']} exact, "
                    f"{row['rows_approximate']} approximate, {row['rows_missing']} missing · cells "
                    f"{row['cells_read']} read, {row['cells_by_position']} by position, "
                    f"{row['cells_inferred']} inferred")
        assert text == expected
        if name == "city.pdf":  # the split table: two pages, two fragments
            assert (row["pages"], row["fragments"]) == ("2;3", 2)
    conn.close()

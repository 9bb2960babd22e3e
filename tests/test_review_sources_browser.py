"""The sources beside the review's cards in a real headless Chromium (nothing reaches the
network: the pages forbid it and every file is local): a review built from flagged reports
of every format (PDF, HTML, text, Word) loads every source image, a click on a flagged cell
of the grid pins its outline on the source (and hovering over the source lights the grid),
and a screenshot shows the crop itself, not a broken image.

Skips like test_review_browser.py when Chromium is missing outside CI.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from lxml import html as lxml_html
from PIL import Image, ImageChops, ImageStat
from test_review_browser import _browser, _cards, _with_script, dump_dom
from test_review_sources import copy_corpus

from extractor import batch

FORMATS = {"city.pdf": "pdf", "city.html": "html", "city.txt": "text", "city.docx": "docx"}


@pytest.fixture(scope="module")
def review(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("srcbrowser")
    corpus = copy_corpus(root)
    batch.run([str(corpus)], root / "out", workers=1, progress=False)
    return root / "out"


#: after the page loaded: every image's natural size; on each card a click on the first
#: flagged cell of the grid that the source shows too, and a hover over the source of another
_PROBE = """
window.addEventListener('load', function () {
  var imgs = document.querySelectorAll('img'), out = [];
  for (var i = 0; i < imgs.length; i++) {
    out.push(imgs[i].getAttribute('src') + '=' + imgs[i].naturalWidth + 'x' + imgs[i].naturalHeight);
  }
  document.body.setAttribute('data-images', out.join(' '));
  var cards = document.querySelectorAll('section.flag');
  for (var c = 0; c < cards.length; c++) {
    var card = cards[c], tds = card.querySelectorAll('table.grid td.bad[data-field]'), done = [];
    for (var k = 0; k < tds.length && done.length < 2; k++) {
      var f = tds[k].getAttribute('data-field');
      if (!card.querySelector('.src [data-field="' + f + '"]')) { continue; }
      if (done.length === 0) {
        tds[k].click();
        card.setAttribute('data-clicked', f);
        var pinned = card.querySelector('.src .pinned');
        if (pinned) { card.setAttribute('data-outline', getComputedStyle(pinned).outlineColor); }
      } else {
        card.querySelector('.src [data-field="' + f + '"]').dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
        card.setAttribute('data-hovered', f);
      }
      done.push(f);
    }
  }
  document.body.setAttribute('data-probed', '1');
});
"""


def test_every_source_loads_and_a_click_pins_the_cell_on_both_sides(review, tmp_path):
    page = review / "review" / "page-0001.html"
    url = _with_script(page, page.parent / "probe.html", _PROBE)  # beside the page: the images are relative
    try:
        dom, console = dump_dom(url, tmp_path / "profile")
    finally:
        (page.parent / "probe.html").unlink()
    assert console == []
    doc = lxml_html.fromstring(dom)
    assert doc.xpath("//body/@data-probed") == ["1"]
    images = doc.xpath("//body/@data-images")[0].split()
    assert len(images) == 2  # the PDF table is on pages 2 and 3
    for entry in images:
        src, size = entry.split("=")
        w, h = (int(x) for x in size.split("x"))
        assert w > 0 and h > 0, entry
        assert Image.open(page.parent / src).size == (w, h)
    cards = {(Path(c.get("data-file")).name, c.get("data-table")): c for c in _cards(dom)}
    tables = [k for k in cards if k[1]]
    assert {FORMATS[name] for name, _ in tables} == {"pdf", "html", "text", "docx"}
    for key in tables:
        card = cards[key]
        f = card.get("data-clicked")
        assert f, key
        assert card.get("data-pinned") == f
        pinned = card.xpath('.//*[contains(concat(" ", @class, " "), " pinned ")]')
        assert {p.get("data-field") for p in pinned} == {f}
        on_grid = [p for p in pinned if p.xpath('ancestor::table[@class="grid"]')]
        on_source = [p for p in pinned if p.xpath('ancestor::div[@class="src"]')]
        assert len(on_grid) == 1 and len(on_source) >= 1, key
        assert len(on_grid) + len(on_source) == len(pinned)
        assert card.get("data-outline") == "rgb(0, 102, 204)", key  # the pin's outline is drawn
        hovered = card.get("data-hovered")
        assert hovered and hovered != f
        lit = card.xpath('.//*[contains(concat(" ", @class, " "), " hl ")]')
        assert {x.get("data-field") for x in lit} == {hovered}
        assert [x for x in lit if x.xpath('ancestor::table[@class="grid"]')], key  # the grid lights up too
    pdf = cards[("city.pdf", "s3")]
    assert pdf.xpath('.//div[contains(@class, "box")][contains(@class, "pinned")]/@data-field') == [
        pdf.get("data-clicked")]


#: the PDF card alone, its outlines hidden, at the top of the page; the images' places recorded
_ALONE = """
var style = document.createElement('style');
style.textContent = 'header{position:static} .src{max-height:none} .box{display:none} section.flag{display:none} section.flag.keep{display:block}';
document.head.appendChild(style);
var cs = document.querySelectorAll('section.flag');
for (var i = 0; i < cs.length; i++) { if (cs[i].querySelector('img')) { cs[i].classList.add('keep'); } }
window.addEventListener('load', function () {
  var imgs = document.querySelectorAll('img'), out = [];
  for (var i = 0; i < imgs.length; i++) {
    var r = imgs[i].getBoundingClientRect();
    out.push([imgs[i].getAttribute('src'), Math.round(r.left), Math.round(r.top), Math.round(r.width), Math.round(r.height)].join(','));
  }
  document.body.setAttribute('data-rects', out.join(' '));
});
"""

WINDOW = (1600, 3200)


def _chromium(url: str, profile: Path, *what: str) -> str:
    """Chromium at a fixed window size and scale: ``--dump-dom`` (returns the DOM) or
    ``--screenshot=FILE``, so that both see the same layout."""
    cmd = [_browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
           "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
           f"--window-size={WINDOW[0]},{WINDOW[1]}", f"--user-data-dir={profile}", *what, url]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    return p.stdout


def test_screenshot_shows_the_crops_not_a_broken_image(review, tmp_path):
    page = review / "review" / "page-0001.html"
    url = _with_script(page, page.parent / "alone.html", _ALONE)
    try:
        dom = _chromium(url, tmp_path / "p1", "--dump-dom")
        _chromium(url, tmp_path / "p2", f"--screenshot={tmp_path / 'shot.png'}")
    finally:
        (page.parent / "alone.html").unlink()
    rects = lxml_html.fromstring(dom).xpath("//body/@data-rects")[0].split()
    assert len(rects) == 2
    shot = Image.open(tmp_path / "shot.png").convert("L")
    assert shot.size == WINDOW
    for r in rects:
        src, left, top, width, height = r.split(",")
        crop = Image.open(page.parent / src).convert("L")
        assert (int(width), int(height)) == crop.size
        x, y = int(left), int(top)
        assert y + crop.size[1] <= WINDOW[1]
        shown = shot.crop((x, y, x + crop.size[0], y + crop.size[1]))
        # the crop's own pixels are on the screen: a broken image (an icon and its alt
        # text on white) or a blank area differs from it on most of its dark pixels
        assert ImageStat.Stat(ImageChops.difference(shown, crop)).mean[0] < 3, src
        dark = crop.point(lambda v: 255 if v < 128 else 0)
        assert ImageStat.Stat(dark).mean[0] > 5  # the crop has text to compare

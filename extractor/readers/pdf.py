"""PDF reader: bytes -> :class:`Document` of text lines and ruled grids.

How a PDF is read:

1. **One pypdfium2 pass** over every page collects the characters of the text layer (with
   their boxes) and counts the path and image objects. A page is a *table page* when its text
   holds a label word of the template tables (信息内容, 申请人情况, 本年新收 …, see
   :data:`TABLE_WORDS`) or it draws many ruling paths (a continuation fragment of a split
   table may hold numbers only). Only on table pages are the ruling lines read (the
   horizontal and vertical segments of every path, into form XObjects). Pages without any
   character but with images have no text layer: a ``gap.no_text_layer`` issue (OCR is a
   later step), never an empty success.
2. **Tables** are found by pdfplumber's table finder (``TableFinder``, "lines" strategy, the
   default settings of ``page.find_tables()``) on those edges; doubled fake-bold glyphs are
   dropped (like ``dedupe_chars()``), and each table's cells are rebuilt with their spans from
   the cell boxes (pdfplumber gives ``None`` in spanned positions): the same :class:`Cell` in
   every position it covers, ``origin=False`` on the copies. The default ``engine="pdfium"``
   feeds the finder pdfium's geometry; ``engine="pdfplumber"`` parses the table pages with
   pdfplumber/pdfminer instead (``dedupe_chars()`` + ``find_tables()``) — the reference
   implementation, five times slower, giving the same grids on the fixtures (a test checks).
3. **Text lines** are the characters outside the table areas, in reading order, each with
   ``where={"page": p, "bbox": [x0, top, x1, bottom]}`` (1-based page, PDF points from the
   page's top-left corner). Wrapped lines are joined into paragraphs, also across a page
   break (``where["continued"]`` then lists the other pages' boxes); page-number lines
   (``- 3 -``, ``— 3 —``, ``第3页``, ``3``) in the page margins are dropped.

Grids and text of a page are ordered by position; each table fragment on each page is its
own :class:`Grid` (the pipeline joins fragments that continue the same template table).
Every page and document handle is closed after use, so memory stays flat however many
documents one process reads.
"""

from __future__ import annotations

import base64
import bisect
import ctypes
import io
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from ..errors import DamagedDocument, EncryptedDocument, LimitExceeded
from ..limits import DEFAULT_LIMITS, Limits, check_time
from ..model import Block, Cell, Document, Grid, Issue, Text

__all__ = ["read", "TABLE_WORDS"]

#: Words that show a page holds (part of) one of the template tables.
TABLE_WORDS: tuple[str, ...] = (
    "信息内容",
    "第二十条",
    "本年制发",
    "本年新制作",
    "现行有效",
    "处理决定数量",
    "收费金额",
    "申请人情况",
    "自然人",
    "法人或其他组织",
    "商业企业",
    "勾稽关系",
    "本年新收",
    "上年结转",
    "办理结果",
    "予以公开",
    "部分公开",
    "不予公开",
    "国家秘密",
    "无法提供",
    "不予处理",
    "其他处理",
    "结转下年度",
    "行政复议",
    "行政诉讼",
    "结果维持",
    "结果纠正",
    "尚未审结",
    "复议后起诉",
)

# A page drawing at least this many path objects is examined for tables even when no
# label word is on it (a fragment of a split table can hold numbers only).
_MIN_TABLE_PATHS = 8

_PAGE_NUMBER_RE = re.compile(
    r"^\s*(?:"
    r"[-—–－―~～_]*\s*\d{1,4}\s*[-—–－―~～_]*"  # 3, - 3 -, — 3 —
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"  # 第3页, 第3页 共9页
    r"|\d{1,4}\s*/\s*\d{1,4}"  # 3/9
    r"|[Pp]age\s*\d{1,4}(?:\s*of\s*\d{1,4})?"
    r")\s*$"
)
_HEADING_RE = re.compile(
    r"^\s*(?:#+\s*)?(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十]+\s*[）)]"
    r"|\d{1,2}\s*[、.．](?!\d))"
)
_SENTENCE_END = set("。！？!?：:；;")
_MARGIN_FRACTION = 0.12  # page numbers are looked for in the top/bottom 12% of a page


@dataclass
class _Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass
class _Line:
    text: str
    page: int
    x0: float
    top: float
    x1: float
    bottom: float
    # set when a paragraph continues on the next page: [(page, bbox), ...]
    more: list[tuple[int, list[float]]] | None = None

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def where(self) -> dict[str, Any]:
        w: dict[str, Any] = {"page": self.page, "bbox": _bbox(self.x0, self.top, self.x1, self.bottom)}
        if self.more:
            w["continued"] = [{"page": p, "bbox": b} for p, b in self.more]
        return w


@dataclass
class _PageScan:
    number: int  # 1-based
    width: float
    height: float
    chars: list[_Char]
    breaks: list[int]  # indices into chars where pdfium starts a new line
    text: str
    paths: int
    images: int
    table_page: bool = False
    image_cover: float = 0.0  # the largest image's share of the page area
    edges: list[dict[str, Any]] | None = None  # ruling edges (pdfplumber's edge dicts), table pages only


def _bbox(x0: float, top: float, x1: float, bottom: float) -> list[float]:
    return [round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2)]


def _is_cjk(ch: str) -> bool:
    return ord(ch) > 0x2E7F


def _join_parts(parts: Iterable[str]) -> str:
    """Join wrapped pieces: no separator between CJK characters, a space otherwise."""
    out = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if out and not (_is_cjk(out[-1]) or _is_cjk(part[0])):
            out += " "
        out += part
    return out


# --------------------------------------------------------------------------- decompression guard

# a stream starts after its dictionary: ">>", white space, "stream", end of line
_STREAM_START = re.compile(rb">>[\x00\t\n\f\r ]*stream(?:\r\n|\n|\r)")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>()]+)")
_NAME = re.compile(rb"/([^\s/\[\]<>()]+)")
_IMAGE = re.compile(rb"/Subtype\s*/Image\b")
_OBJSTM = re.compile(rb"/Type\s*/(ObjStm|XRef)\b")
_DIRECT_LENGTH = re.compile(rb"/Length\s+(\d{1,12})(?![\d.])(?!\s+\d+\s+R)")
_OBJ_NUMBER = re.compile(rb"(\d{1,10})\s+\d{1,5}\s+obj\b")
_CONTENTS = re.compile(rb"/Contents\s*(?:(\d{1,10})\s+\d{1,5}\s+R|\[([^\]]{0,200000})\])")
_REF = re.compile(rb"(\d{1,10})\s+\d{1,5}\s+R")
#: the filters the guard decodes, by their PDF names (long and abbreviated); a chain is
#: followed up to its first other filter (image codecs: the reader never decodes images)
_DECODERS = {
    b"FlateDecode": "flate", b"Fl": "flate",
    b"LZWDecode": "lzw", b"LZW": "lzw",
    b"RunLengthDecode": "rl", b"RL": "rl",
    b"ASCII85Decode": "a85", b"A85": "a85",
    b"ASCIIHexDecode": "ahx", b"AHx": "ahx",
}
_EARLY_CHANGE_0 = re.compile(rb"/EarlyChange\s+0(?![\d.])")
_CHUNK = 1 << 16
_OUT_CHUNK = 1 << 20


class _TooBig(Exception):
    pass


class _BadData(Exception):
    """The stream is not valid data for one of its filters (pdfium stops there too)."""


class _Decoder:
    """A stage of a filter chain: ``feed`` pieces in, decoded pieces out; ``finish`` at the
    end of the data gives what it still holds; ``eof`` once its end-of-data mark was read."""

    eof = False

    def finish(self) -> Iterator[bytes]:
        return iter(())


class _Flate(_Decoder):
    """Streamed Flate: at most ``_OUT_CHUNK`` bytes per piece out."""

    def __init__(self, raw: bool = False) -> None:
        self.d = zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)

    @property
    def eof(self) -> bool:
        return self.d.eof

    def feed(self, chunk: bytes | memoryview) -> Iterator[bytes]:
        d = self.d
        while chunk and not d.eof:
            try:
                out = d.decompress(chunk, _OUT_CHUNK)
            except zlib.error as e:
                raise _BadData(str(e)) from None
            chunk = d.unconsumed_tail
            if out:
                yield out
            elif not chunk:
                break


class _LZW(_Decoder):
    """Streamed LZW (PDF flavour: 9–12-bit codes, /EarlyChange 1 unless told 0), as pdfium
    and pdfminer read it; the string table is capped at 4096 entries."""

    def __init__(self, early: bool = True) -> None:
        self.early = early
        self.eof = False
        self.acc = 0
        self.nacc = 0
        self._reset()

    def _reset(self) -> None:
        self.table: list[bytes] = [bytes((i,)) for i in range(256)] + [b"", b""]
        self.width = 9
        self.prev = b""

    def feed(self, chunk: bytes | memoryview) -> Iterator[bytes]:
        out: list[bytes] = []
        size = 0
        acc, nacc, table, early = self.acc, self.nacc, self.table, self.early
        for byte in bytes(chunk):
            if self.eof:
                break
            acc = (acc << 8) | byte
            nacc += 8
            while nacc >= self.width:
                nacc -= self.width
                code = acc >> nacc
                acc &= (1 << nacc) - 1
                if code == 256:
                    self._reset()
                    table = self.table
                    continue
                if code == 257:
                    self.eof = True
                    break
                prev = self.prev
                if code < len(table):
                    entry = table[code]
                    if prev and len(table) < 4096:
                        table.append(prev + entry[:1])
                elif code == len(table) and prev:
                    entry = prev + prev[:1]
                    table.append(entry)
                else:
                    raise _BadData(f"LZW code {code} with {len(table)} entries")
                self.prev = entry
                n = len(table) + (1 if early else 0)
                self.width = 12 if n >= 2048 else 11 if n >= 1024 else 10 if n >= 512 else 9
                out.append(entry)
                size += len(entry)
                if size >= _OUT_CHUNK:
                    self.acc, self.nacc = acc, nacc
                    yield b"".join(out)
                    out, size = [], 0
        self.acc, self.nacc = acc, nacc
        if out:
            yield b"".join(out)


class _RunLength(_Decoder):
    """Streamed RunLengthDecode."""

    def __init__(self) -> None:
        self.eof = False
        self.rest = b""

    def feed(self, chunk: bytes | memoryview) -> Iterator[bytes]:
        data = self.rest + bytes(chunk)
        i, n = 0, len(data)
        out = bytearray()
        while i < n:
            length = data[i]
            if length == 128:
                self.eof = True
                break
            if length < 128:
                if i + length + 2 > n:
                    break
                out += data[i + 1:i + length + 2]
                i += length + 2
            else:
                if i + 2 > n:
                    break
                out += data[i + 1:i + 2] * (257 - length)
                i += 2
            if len(out) >= _OUT_CHUNK:
                yield bytes(out)
                out.clear()
        self.rest = b"" if self.eof else data[i:]
        if out:
            yield bytes(out)


_A85_END = re.compile(rb"[^!-uz\x00\t\n\f\r ]")
_NOT_A85 = re.compile(rb"[\x00\t\n\f\r ]+")
_NOT_HEX = re.compile(rb"[^0-9A-Fa-f]+")


class _ASCII85(_Decoder):
    """ASCII85, decoded at the end (it shrinks: the stream is already in memory)."""

    def __init__(self) -> None:
        self.eof = False
        self.parts: list[bytes] = []

    def feed(self, chunk: bytes | memoryview) -> Iterator[bytes]:
        if not self.eof:
            chunk = bytes(chunk)
            m = _A85_END.search(chunk)  # "~>" or any other character pdfium stops at
            if m:
                chunk = chunk[:m.start()]
                self.eof = True
            self.parts.append(chunk)
        return iter(())

    def finish(self) -> Iterator[bytes]:
        text = _NOT_A85.sub(b"", b"".join(self.parts))
        self.parts = []
        # pad the last group as the spec says; "z" only between groups, as a85decode wants
        groups = text.replace(b"z", b"!!!!!")
        pad = -len(groups) % 5
        try:
            data = base64.a85decode(groups + b"u" * pad)
        except ValueError as e:
            raise _BadData(str(e)) from None
        data = data[:len(data) - pad] if pad else data
        for off in range(0, len(data), _OUT_CHUNK):
            yield data[off:off + _OUT_CHUNK]


class _ASCIIHex(_Decoder):
    """ASCIIHex, streamed (anything but hex digits is skipped, ``>`` ends it)."""

    def __init__(self) -> None:
        self.eof = False
        self.odd = b""

    def feed(self, chunk: bytes | memoryview) -> Iterator[bytes]:
        if self.eof:
            return
        chunk = bytes(chunk)
        end = chunk.find(b">")
        if end >= 0:
            chunk = chunk[:end]
            self.eof = True
        digits = self.odd + _NOT_HEX.sub(b"", chunk)
        cut = len(digits) & ~1
        self.odd = digits[cut:]
        if cut:
            yield bytes.fromhex(digits[:cut].decode("ascii"))

    def finish(self) -> Iterator[bytes]:
        if self.odd:
            yield bytes.fromhex((self.odd + b"0").decode("ascii"))
            self.odd = b""


def _stage(name: str, raw_flate: bool, early: bool) -> _Decoder:
    if name == "flate":
        return _Flate(raw_flate)
    if name == "lzw":
        return _LZW(early)
    if name == "rl":
        return _RunLength()
    if name == "a85":
        return _ASCII85()
    return _ASCIIHex()


def _inflate(buf: memoryview, filters: Sequence[str], cap: int, keep: list[bytes] | None = None,
             early: bool = True) -> tuple[int, bool]:
    """Bytes ``buf`` decodes to through the chain ``filters`` (names of :data:`_DECODERS`),
    streamed (about a megabyte held at a time, unless ``keep`` collects the output); raises
    _TooBig past ``cap``. Second value: the data is not valid for its filters (damaged)."""

    def run(raw_flate: bool) -> int:
        first_flate = filters.index("flate") if "flate" in filters else -1
        stages = [_stage(f, raw_flate and i == first_flate, early) for i, f in enumerate(filters)]
        total = 0
        if keep is not None:
            keep.clear()

        def push(i: int, pieces: Iterator[bytes]) -> None:
            nonlocal total
            for out in pieces:
                if i + 1 < len(stages):
                    if not stages[i + 1].eof:
                        push(i + 1, stages[i + 1].feed(out))
                    continue
                total += len(out)
                if total > cap:
                    raise _TooBig(total)
                if keep is not None and out:
                    keep.append(out)

        for off in range(0, len(buf), _CHUNK):
            push(0, stages[0].feed(buf[off:off + _CHUNK]))
            if stages[0].eof:
                break
        for i, st in enumerate(stages):  # the end of the data: what the stages still hold
            push(i, st.finish())
        return total

    try:
        return run(False), False
    except _BadData:
        pass
    if "flate" in filters:
        try:  # some writers omit the zlib header (raw deflate); pdfium reads those too
            return run(True), False
        except _BadData:
            pass
    return 0, True


@dataclass
class _Stream:
    obj: int | None  # object number
    start: int
    end: int
    filters: tuple[str, ...]  # the leading filters the guard decodes (:data:`_DECODERS`)
    image: bool  # labelled /Subtype /Image (and not an object or xref stream)
    objstm: bool
    early: bool = True  # LZW /EarlyChange

    @property
    def what(self) -> str:
        return f"object {self.obj}" if self.obj is not None else f"the stream at byte {self.start}"


def _encoded_streams(data: bytes) -> list[_Stream]:
    out: list[_Stream] = []
    for k, m in enumerate(_STREAM_START.finditer(data)):
        if k & 255 == 255:
            check_time("while checking the PDF's compressed streams")
        head_start = max(0, m.start() - 4096)
        obj_at = data.rfind(b"obj", head_start, m.start())
        head = data[obj_at - 16 if obj_at >= 16 else head_start:m.start() + 2]
        f = _FILTER.search(head)
        if not f:
            continue
        filters: list[str] = []
        for name in _NAME.findall(f.group(1)):
            if name not in _DECODERS:
                break
            filters.append(_DECODERS[name])
        if not filters:
            continue
        start = m.end()
        end = data.find(b"endstream", start)
        if end < 0:
            end = len(data)
        length = _DIRECT_LENGTH.search(head)
        if length and start + int(length.group(1)) <= end:
            end = start + int(length.group(1))
        num = _OBJ_NUMBER.search(head)
        objstm = bool(_OBJSTM.search(head))
        out.append(_Stream(int(num.group(1)) if num else None, start, end, tuple(filters[:8]),
                           bool(_IMAGE.search(head)) and not objstm, objstm,
                           early=not _EARLY_CHANGE_0.search(head)))
    return out


def _content_refs(text: bytes) -> set[int]:
    refs: set[int] = set()
    for m in _CONTENTS.finditer(text):
        if m.group(1):
            refs.add(int(m.group(1)))
        else:
            refs.update(int(r) for r in _REF.findall(m.group(2)))
    return refs


def _guard_streams(data: bytes, limits: Limits) -> list[Issue]:
    """Decode every compressed stream of the PDF (Flate, LZW, RunLength, and the ASCII85 /
    ASCIIHex wrappings in front of them; streamed, never held) before pdfium sees it: raise
    ``LimitExceeded("max_inflated_bytes")`` when they inflate to more than
    ``limits.max_inflated_bytes`` in total (a decompression bomb: pdfium inflates a content
    stream in memory, whatever its size), and report streams that are not valid compressed
    data (``input.damaged``).

    Images are not inflated (the reader never decodes them: it does not render), unless a
    page names the stream as its ``/Contents`` (a content stream dressed up as an image is
    still inflated by pdfium). An encrypted PDF is not checked (its streams are ciphertext
    here)."""
    if b"/Encrypt" in data:
        return []
    view = memoryview(data)
    budget = limits.max_inflated_bytes
    used = 0
    damaged: list[str] = []
    streams = _encoded_streams(data)
    contents = _content_refs(data)
    deferred: list[_Stream] = []

    def inflate(st: _Stream, keep: list[bytes] | None = None) -> None:
        nonlocal used
        try:
            size, bad = _inflate(view[st.start:st.end], st.filters, budget - used, keep, st.early)
        except _TooBig:
            raise LimitExceeded(
                "max_inflated_bytes",
                f"the PDF's compressed streams inflate to more than max_inflated_bytes={budget} bytes "
                f"({st.what} alone to more than {budget - used}): a decompression bomb, or a document far "
                f"larger than any report",
            ) from None
        used += size
        if bad:
            damaged.append(st.what)

    for k, st in enumerate(streams):
        if k & 63 == 63:
            check_time("while checking the PDF's compressed streams")
        if st.image:
            deferred.append(st)
            continue
        keep: list[bytes] | None = [] if st.objstm else None
        inflate(st, keep)
        if keep:  # page dictionaries inside an object stream name their contents too
            contents |= _content_refs(b"".join(keep))
    for st in deferred:
        if st.obj is None or st.obj in contents:
            inflate(st)
    if not damaged:
        return []
    return [Issue(
        "input.damaged", "warning",
        f"{len(damaged)} of the PDF's {len(streams)} compressed streams are damaged and cannot be decompressed "
        f"({', '.join(damaged[:5])}{' …' if len(damaged) > 5 else ''}): text or tables drawn by them may be "
        f"missing from this record",
        where={"streams": damaged[:20]},
    )]


# --------------------------------------------------------------------------- opening


def _pdfium_error(e: Exception) -> int | None:
    return getattr(e, "err_code", None)


def _open_pdfium(data: bytes) -> Any:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        return pdfium.PdfDocument(data, password=None)
    except pdfium.PdfiumError as e:
        code = _pdfium_error(e)
        if code == raw.FPDF_ERR_PASSWORD:
            try:
                return pdfium.PdfDocument(data, password="")
            except pdfium.PdfiumError:
                raise EncryptedDocument(
                    "the PDF is encrypted with a user password; it cannot be read without the password"
                ) from None
        if code == raw.FPDF_ERR_SECURITY:
            raise EncryptedDocument("the PDF uses an unsupported security handler; it cannot be decrypted") from None
        raise DamagedDocument(f"the PDF is damaged or truncated and cannot be opened ({e})") from None
    except Exception as e:  # pragma: no cover - defensive: pdfium raising something else
        raise DamagedDocument(f"the PDF is damaged and cannot be opened ({type(e).__name__}: {e})") from None


# --------------------------------------------------------------------------- pdfium pass


def _scan_page(pdf: Any, index: int, with_edges: bool = True) -> _PageScan:
    """Characters, line starts and object counts of one page, from pdfium (cheap); on a table
    page also the ruling edges (``with_edges``)."""
    import pypdfium2.raw as raw

    page = pdf[index]
    try:
        width, height = page.get_width(), page.get_height()  # as displayed (/Rotate applied)
        to_display = _display_transform(page)
        paths = images = 0
        image_area = 0.0
        bounds = tuple(ctypes.c_float() for _ in range(4))
        n_obj = raw.FPDFPage_CountObjects(page.raw)
        for k in range(n_obj):
            t = raw.FPDFPage_GetObject(page.raw, k)
            kind = raw.FPDFPageObj_GetType(t)
            if kind == raw.FPDF_PAGEOBJ_PATH:
                paths += 1
            elif kind == raw.FPDF_PAGEOBJ_IMAGE:
                images += 1
                if raw.FPDFPageObj_GetBounds(t, *bounds):
                    l_, b_, r_, t_ = (v.value for v in bounds)
                    image_area = max(image_area, (r_ - l_) * (t_ - b_))
        textpage = page.get_textpage()
        try:
            tp = textpage.raw
            n = raw.FPDFText_CountChars(tp)
            chars: list[_Char] = []
            breaks: list[int] = []
            new_line = True
            rect = raw.FS_RECTF()
            for i in range(n):
                code = raw.FPDFText_GetUnicode(tp, i)
                if code in (10, 13):
                    new_line = True
                    continue
                if code == 0 or code == 0xFFFE:
                    continue
                generated = code == 32 and raw.FPDFText_IsGenerated(tp, i) == 1
                ch = chr(code)
                if generated or ch.isspace():
                    # a space: kept in the line text (it has no reliable box); a space pdfium
                    # generated next to a CJK character is only the gap Word/LibreOffice leave
                    # between Chinese and Latin text (年 2021 年): it is checked at the next char
                    if chars and not new_line and chars[-1].text != " ":
                        c = chars[-1]
                        chars.append(_Char(" " if not generated else "\x00", c.x1, c.top, c.x1, c.bottom))
                    continue
                # the loose box (font ascent to descent): flat glyphs such as 一 keep a line's height
                if not raw.FPDFText_GetLooseCharBox(tp, i, rect):
                    continue
                (x0, y0), (x1, y1) = to_display(rect.left, rect.top), to_display(rect.right, rect.bottom)
                c = _Char(ch, min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
                if c.bottom - c.top < 0.5:  # degenerate box (some fonts): use the font size
                    size = raw.FPDFText_GetFontSize(tp, i) or 10.0
                    c = _Char(ch, c.x0, c.bottom - size * 0.85, max(c.x1, c.x0 + size * 0.5), c.bottom + size * 0.15)
                # fake bold: the same glyph drawn twice at (almost) the same place
                if chars and not new_line:
                    prev = chars[-1]
                    if prev.text == ch and _overlap_x(prev, c) > 0.5:
                        continue
                if chars and chars[-1].text == "\x00":  # a generated space
                    if new_line or _is_cjk(ch) or (len(chars) > 1 and _is_cjk(chars[-2].text)):
                        chars.pop()
                    else:
                        chars[-1].text = " "
                if new_line:
                    breaks.append(len(chars))
                    new_line = False
                chars.append(c)
            if chars and chars[-1].text == "\x00":
                chars.pop()
            text = "".join(c.text for c in chars)
        finally:
            textpage.close()
        scan = _PageScan(index + 1, width, height, chars, breaks, text, paths, images)
        scan.image_cover = image_area / (width * height) if width * height > 0 else 0.0
        if chars and _is_table_page(scan):
            scan.table_page = True
            if with_edges:
                scan.edges = _page_edges(page.raw, to_display)
    finally:
        page.close()
    return scan


def _display_transform(page: Any) -> Callable[[float, float], tuple[float, float]]:
    """(x, y) in the page's PDF user space (what pdfium's text and path APIs give) to
    (x, top) of the page as displayed: origin at the top left of the crop box, y down,
    the page's /Rotate (clockwise) applied. A landscape table printed on a portrait sheet
    turned by /Rotate reads like any other page."""
    left, bottom, right, top = page.get_cropbox()
    rotation = page.get_rotation() % 360
    if rotation == 90:
        return lambda x, y: (y - bottom, x - left)
    if rotation == 180:
        return lambda x, y: (right - x, y - bottom)
    if rotation == 270:
        return lambda x, y: (top - y, right - x)
    return lambda x, y: (x - left, top - y)


def _page_edges(page_raw: Any, to_display: Callable[[float, float], tuple[float, float]]) -> list[dict[str, Any]]:
    """The horizontal and vertical segments of every path on the page (into form XObjects),
    as pdfplumber edge dicts in top-left coordinates of the displayed page — what
    pdfplumber's table finder needs, read by pdfium instead of pdfminer."""
    import pypdfium2.raw as raw

    edges: list[dict[str, Any]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    matrix = raw.FS_MATRIX()

    def segment(p0: tuple[float, float], p1: tuple[float, float]) -> None:
        (x0, y0), (x1, y1) = to_display(*p0), to_display(*p1)
        if abs(y0 - y1) < 0.05 and abs(x0 - x1) >= 0.05:
            top = y0
            lo, hi = min(x0, x1), max(x0, x1)
            edges.append({"object_type": "line", "orientation": "h", "x0": lo, "x1": hi, "top": top,
                          "bottom": top, "doctop": top, "width": hi - lo, "height": 0.0})
        elif abs(x0 - x1) < 0.05 and abs(y0 - y1) >= 0.05:
            top, bottom = min(y0, y1), max(y0, y1)
            edges.append({"object_type": "line", "orientation": "v", "x0": x0, "x1": x0, "top": top,
                          "bottom": bottom, "doctop": top, "width": 0.0, "height": bottom - top})

    def walk(obj: Any, parent: tuple[float, ...]) -> None:
        kind = raw.FPDFPageObj_GetType(obj)
        if kind not in (raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM):
            return
        if not raw.FPDFPageObj_GetMatrix(obj, matrix):
            return
        a, b, c, d, e, f = matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f
        pa, pb, pc, pd, pe, pf = parent
        m = (a * pa + b * pc, a * pb + b * pd, c * pa + d * pc, c * pb + d * pd,
             e * pa + f * pc + pe, e * pb + f * pd + pf)
        if kind == raw.FPDF_PAGEOBJ_FORM:
            for k in range(raw.FPDFFormObj_CountObjects(obj)):
                walk(raw.FPDFFormObj_GetObject(obj, k), m)
            return
        start: tuple[float, float] | None = None
        last: tuple[float, float] | None = None
        for i in range(raw.FPDFPath_CountSegments(obj)):
            seg = raw.FPDFPath_GetPathSegment(obj, i)
            if not raw.FPDFPathSegment_GetPoint(seg, x, y):
                continue
            px, py = x.value, y.value
            pt = (m[0] * px + m[2] * py + m[4], m[1] * px + m[3] * py + m[5])
            if raw.FPDFPathSegment_GetType(seg) == raw.FPDF_SEGMENT_MOVETO or last is None:
                start = last = pt
                continue
            segment(last, pt)
            last = pt
            if raw.FPDFPathSegment_GetClose(seg) and start is not None:
                segment(pt, start)
                last = start

    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    for k in range(raw.FPDFPage_CountObjects(page_raw)):
        if k & 4095 == 4095:
            check_time("while reading the ruling lines of a page")
        walk(raw.FPDFPage_GetObject(page_raw, k), identity)
    return edges


def _overlap_x(a: _Char, b: _Char) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    span = min(a.x1 - a.x0, b.x1 - b.x0)
    if span <= 0:
        return 1.0 if abs(a.x0 - b.x0) < 0.5 else 0.0
    return w / span


def _n_glyphs(scan: _PageScan) -> int:
    return sum(1 for c in scan.chars if not c.text.isspace())


def _is_table_page(scan: _PageScan) -> bool:
    compact = re.sub(r"\s+", "", scan.text)
    if any(w in compact for w in TABLE_WORDS):
        return True
    return scan.paths >= _MIN_TABLE_PATHS


# --------------------------------------------------------------------------- text lines


def _lines_of(scan: _PageScan, tables: Sequence[tuple[float, float, float, float]]) -> list[_Line]:
    """The page's text lines outside ``tables`` (bboxes x0, top, x1, bottom)."""

    def in_table(c: _Char) -> bool:
        cx, cy = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
        return any(x0 <= cx <= x1 and t <= cy <= b for x0, t, x1, b in tables)

    raw_lines: list[list[_Char]] = []
    starts = set(scan.breaks)
    current: list[_Char] = []
    for i, c in enumerate(scan.chars):
        if i in starts and current:
            raw_lines.append(current)
            current = []
        if tables and c.text != " " and in_table(c):
            if current:
                raw_lines.append(current)
                current = []
            continue
        # pdfium did not break but the character is on another line
        if current and c.text != " ":
            ref = next((x for x in reversed(current) if x.text != " "), None)
            if ref is not None:
                cy = (c.top + c.bottom) / 2
                if not (ref.top - 1 <= cy <= ref.bottom + 1) or c.x0 < ref.x0 - 2 * (ref.bottom - ref.top):
                    raw_lines.append(current)
                    current = []
        current.append(c)
    if current:
        raw_lines.append(current)

    lines: list[_Line] = []
    for chars in raw_lines:
        text = re.sub(r"\s+", " ", "".join(c.text for c in chars)).strip()
        if not text:
            continue
        boxed = [c for c in chars if c.text != " "]
        lines.append(
            _Line(
                text=text,
                page=scan.number,
                x0=min(c.x0 for c in boxed),
                top=min(c.top for c in boxed),
                x1=max(c.x1 for c in boxed),
                bottom=max(c.bottom for c in boxed),
            )
        )
    # reading order: top to bottom; pieces sharing a baseline (runs in other fonts that
    # pdfium put on lines of their own) left to right, merged into one line
    lines.sort(key=lambda ln: (ln.top + ln.bottom) / 2)
    groups: list[list[_Line]] = []
    for ln in lines:
        if groups:
            first = groups[-1][0]
            if first.top <= (ln.top + ln.bottom) / 2 <= first.bottom:
                groups[-1].append(ln)
                continue
        groups.append([ln])
    ordered = [_merge_same_baseline(g) for g in groups]
    return [ln for ln in ordered if not _is_page_number(ln, scan.height)]


def _merge_same_baseline(group: list[_Line]) -> _Line:
    group.sort(key=lambda x: x.x0)
    out = group[0]
    for ln in group[1:]:
        size = max(out.height, 1.0)
        gap = ln.x0 - out.x1
        if gap > 1.5 * size or not (_is_cjk(out.text[-1]) or _is_cjk(ln.text[0])):
            text = out.text + " " + ln.text
        else:
            text = out.text + ln.text
        out = _Line(text, out.page, min(out.x0, ln.x0), min(out.top, ln.top), max(out.x1, ln.x1), max(out.bottom, ln.bottom))
    return out


def _is_page_number(line: _Line, page_height: float) -> bool:
    if not _PAGE_NUMBER_RE.match(line.text):
        return False
    margin = page_height * _MARGIN_FRACTION
    return line.top >= page_height - margin or line.bottom <= margin


def _continues(prev: _Line, nxt: _Line, right: float, left: float, same_page: bool, indented: bool) -> bool:
    """Does ``nxt`` continue the paragraph whose last line is ``prev``?

    ``indented``: the document starts its paragraphs with a first-line indent, so a full line
    followed by a line at the left margin continues the paragraph even after a 。; otherwise a
    line ending a sentence ends the paragraph.
    """
    size = max(prev.height, 1.0)
    if not indented and prev.text[-1] in _SENTENCE_END:
        return False
    if prev.x1 < right - 1.5 * size:  # the line stops short: the paragraph ended
        return False
    if nxt.x0 > left + 0.8 * size:  # indented: a new paragraph
        return False
    if _HEADING_RE.match(nxt.text):
        return False
    if abs(nxt.height - prev.height) > 0.3 * size:
        return False
    if same_page and nxt.top - prev.bottom > 1.2 * size:
        return False
    return True


# --------------------------------------------------------------------------- tables


def _cluster(values: Iterable[float], tol: float = 1.5) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def _nearest(bounds: list[float], v: float) -> int:
    i = bisect.bisect_left(bounds, v)
    if i == 0:
        return 0
    if i == len(bounds):
        return len(bounds) - 1
    return i if bounds[i] - v < v - bounds[i - 1] else i - 1


def _cell_text(chars: list[dict[str, Any]]) -> str:
    """Text of one cell: its lines top to bottom, wrapped pieces joined.

    A label broken into one character per line (a narrow merged cell) comes out as one
    string; a line break is kept as ``\\n`` only between non-CJK pieces (``12\\n34``).
    """
    if not chars:
        return ""
    chars.sort(key=lambda c: (c["top"] + c["bottom"]) / 2)
    lines: list[list[dict[str, Any]]] = []
    for c in chars:
        cy = (c["top"] + c["bottom"]) / 2
        if lines:
            last = lines[-1]
            top = min(x["top"] for x in last)
            bottom = max(x["bottom"] for x in last)
            h = bottom - top
            if top - 0.1 * h <= cy <= bottom + 0.1 * h:
                last.append(c)
                continue
        lines.append([c])
    texts: list[str] = []
    for line in lines:
        line.sort(key=lambda c: c["x0"])
        s = ""
        prev = None
        for c in line:
            t = c["text"]
            if prev is not None and t.strip() and s and not s.endswith(" "):
                gap = c["x0"] - prev["x1"]
                size = max(c.get("size") or (c["bottom"] - c["top"]), 1.0)
                if gap > 0.6 * size and not (_is_cjk(t[0]) and _is_cjk(s[-1])):
                    s += " "
            s += t
            prev = c
        s = re.sub(r"\s+", " ", s).strip()
        if s:
            texts.append(s)
    out = ""
    for t in texts:
        if not out:
            out = t
        elif _is_cjk(out[-1]) or _is_cjk(t[0]):
            out += t
        else:
            out += "\n" + t
    return out


def _grid_of(table: Any, chars: list[dict[str, Any]], page_no: int,
             origin: tuple[float, float] = (0.0, 0.0)) -> Grid | None:
    """Rebuild one pdfplumber table as a Grid with spans, from its cell boxes. ``origin``:
    the top-left corner of the page in the table's coordinates (the bboxes of the grid are
    given from the page's top-left corner)."""
    ox, oy = origin

    def at(x0: float, top: float, x1: float, bottom: float) -> list[float]:
        return _bbox(x0 - ox, top - oy, x1 - ox, bottom - oy)

    cells = [tuple(c) for c in table.cells]
    if not cells:
        return None
    xs = _cluster([c[0] for c in cells] + [c[2] for c in cells])
    ys = _cluster([c[1] for c in cells] + [c[3] for c in cells])
    n_cols, n_rows = len(xs) - 1, len(ys) - 1
    if n_cols < 1 or n_rows < 1:
        return None
    placed: list[tuple[int, int, int, int, tuple[float, float, float, float]]] = []
    for x0, top, x1, bottom in cells:
        c0, c1 = _nearest(xs, x0), _nearest(xs, x1)
        r0, r1 = _nearest(ys, top), _nearest(ys, bottom)
        if c1 <= c0 or r1 <= r0:
            continue
        placed.append((r0, r1, c0, c1, (x0, top, x1, bottom)))

    # characters into cells: by the centre of each character, over the slot lattice
    slot_owner: dict[tuple[int, int], int] = {}
    for k, (r0, r1, c0, c1, _) in enumerate(placed):
        for r in range(r0, r1):
            for c in range(c0, c1):
                slot_owner.setdefault((r, c), k)
    buckets: list[list[dict[str, Any]]] = [[] for _ in placed]
    for ch in chars:
        cx = (ch["x0"] + ch["x1"]) / 2
        cy = (ch["top"] + ch["bottom"]) / 2
        if not (xs[0] <= cx <= xs[-1] and ys[0] <= cy <= ys[-1]):
            continue
        c = min(bisect.bisect_right(xs, cx) - 1, n_cols - 1)
        r = min(bisect.bisect_right(ys, cy) - 1, n_rows - 1)
        k = slot_owner.get((r, c))
        if k is not None:
            buckets[k].append(ch)

    slots: list[list[Cell | None]] = [[None] * n_cols for _ in range(n_rows)]
    for k, (r0, r1, c0, c1, box) in enumerate(placed):
        if slots[r0][c0] is not None:
            continue
        cell = Cell(
            text=_cell_text(buckets[k]),
            where={"page": page_no, "bbox": at(*box)},
            rowspan=r1 - r0,
            colspan=c1 - c0,
        )
        copy = replace(cell, origin=False) if (r1 - r0) * (c1 - c0) > 1 else cell
        for r in range(r0, r1):
            for c in range(c0, c1):
                if slots[r][c] is None:
                    slots[r][c] = cell if (r, c) == (r0, c0) else copy
    rows: list[tuple[Cell, ...]] = []
    for r in range(n_rows):
        row: list[Cell] = []
        for c in range(n_cols):
            cell = slots[r][c]
            if cell is None:  # an area no ruled cell covers (a missing rule): an empty cell
                cell = Cell("", {"page": page_no, "bbox": at(xs[c], ys[r], xs[c + 1], ys[r + 1])})
            row.append(cell)
        rows.append(tuple(row))
    bbox = at(xs[0], ys[0], xs[-1], ys[-1])
    return Grid(rows=tuple(rows), where={"page": page_no, "bbox": bbox}, source="pdf")


def _page_tables(plumber_page: Any, page_no: int) -> list[Grid]:
    page = plumber_page.dedupe_chars()
    tables = page.find_tables()
    if not tables:
        return []
    chars = [c for c in page.chars if c["text"].strip()]
    grids: list[Grid] = []
    for t in sorted(tables, key=lambda t: (t.bbox[1], t.bbox[0])):
        x0, top, x1, bottom = t.bbox
        inside = [c for c in chars if x0 - 1 <= c["x0"] and c["x1"] <= x1 + 1 and top - 1 <= c["top"] and c["bottom"] <= bottom + 1]
        # pdfplumber keeps the page box's offset from the user-space origin; bboxes are given
        # from the page's top-left corner, as the pdfium engine gives them
        g = _grid_of(t, inside, page_no, (plumber_page.bbox[0], plumber_page.bbox[1]))
        if g is not None and _is_real_table(g):
            grids.append(g)
    return grids


def _is_real_table(g: Grid) -> bool:
    """A boxed paragraph or a frame around the page is not a table."""
    if len(g.rows) == 1 and g.width == 1:
        return False
    return True


# --------------------------------------------------------------------------- read


class _EdgePage:
    """What pdfplumber's TableFinder reads from a page with the "lines" strategy."""

    def __init__(self, edges: list[dict[str, Any]], width: float, height: float) -> None:
        self.edges = edges
        self.bbox = (0.0, 0.0, width, height)


def _pdfium_tables(scan: _PageScan) -> list[Grid]:
    """Grids of one page from pdfium's edges and characters, found by pdfplumber's table
    finder (the same algorithm and default settings as ``page.find_tables()``)."""
    from pdfplumber.table import TableFinder

    if not scan.edges:
        return []
    finder = TableFinder(_EdgePage(scan.edges, scan.width, scan.height))  # type: ignore[arg-type]
    if not finder.tables:
        return []
    chars = _dedupe([c for c in scan.chars if c.text.strip()])
    grids: list[Grid] = []
    for t in sorted(finder.tables, key=lambda t: (t.bbox[1], t.bbox[0])):
        x0, top, x1, bottom = t.bbox
        inside = [
            {"text": c.text, "x0": c.x0, "x1": c.x1, "top": c.top, "bottom": c.bottom}
            for c in chars
            if x0 - 1 <= (c.x0 + c.x1) / 2 <= x1 + 1 and top - 1 <= (c.top + c.bottom) / 2 <= bottom + 1
        ]
        g = _grid_of(t, inside, scan.number)
        if g is not None and _is_real_table(g):
            grids.append(g)
    return grids


def _dedupe(chars: list[_Char], tol: float = 1.0) -> list[_Char]:
    """Drop a character drawn again at (almost) the same place (fake bold), like pdfplumber's
    ``dedupe_chars``."""
    seen: dict[tuple[str, int], list[_Char]] = {}
    out: list[_Char] = []
    for c in chars:
        k = int(c.x0)
        if any(
            abs(o.x0 - c.x0) <= tol and abs(o.top - c.top) <= tol
            for kk in (k - 1, k, k + 1)
            for o in seen.get((c.text, kk), ())
        ):
            continue
        seen.setdefault((c.text, k), []).append(c)
        out.append(c)
    return out


def read(data: bytes, limits: Limits = DEFAULT_LIMITS, *, engine: Literal["pdfium", "pdfplumber"] = "pdfium") -> Document:
    """Read a PDF into a Document of text lines and grids (format ``"pdf"``).

    ``engine``: ``"pdfium"`` (default: pdfium's geometry into pdfplumber's table finder) or
    ``"pdfplumber"`` (pdfplumber/pdfminer parse the table pages; slower, the reference).

    Raises :class:`EncryptedDocument` when a user password is needed,
    :class:`DamagedDocument` when the file cannot be parsed, and :class:`LimitExceeded`
    (``max_inflated_bytes`` before pdfium sees the file: a decompression bomb;
    ``max_cells`` / ``max_text_chars``; ``time_s``, checked between pages) when a limit is
    hit. More pages than ``limits.max_pages`` are not read: the document gets a
    ``limit.max_pages`` issue. Compressed streams that do not decompress give an
    ``input.damaged`` warning (pdfium reads around them).
    """
    if engine not in ("pdfium", "pdfplumber"):
        raise ValueError(f"unknown PDF engine {engine!r}")
    issues: list[Issue] = _guard_streams(data, limits)
    check_time("after checking the PDF's compressed streams")
    pdf = _open_pdfium(data)
    try:
        try:
            n_pages = len(pdf)
        except Exception as e:
            raise DamagedDocument(f"the PDF is damaged: its page tree cannot be read ({e})") from None
        if n_pages == 0:
            raise DamagedDocument("the PDF is damaged or truncated: it has no readable page")
        if n_pages > limits.max_pages:
            issues.append(
                Issue(
                    "limit.max_pages",
                    "warning",
                    f"the PDF has {n_pages} pages; only the first max_pages={limits.max_pages} were read",
                )
            )
        scans: list[_PageScan] = []
        chars_total = 0
        for i in range(min(n_pages, limits.max_pages)):
            check_time(f"at page {i + 1} of {n_pages}")
            try:
                scan = _scan_page(pdf, i, with_edges=engine != "pdfplumber")
            except (EncryptedDocument, DamagedDocument, LimitExceeded):
                raise
            except Exception as e:
                raise DamagedDocument(f"the PDF is damaged: page {i + 1} cannot be read ({e})") from None
            chars_total += len(scan.chars)
            if chars_total > limits.max_text_chars:
                raise LimitExceeded(
                    "max_text_chars", f"the PDF holds more than max_text_chars={limits.max_text_chars} characters"
                )
            scans.append(scan)
    finally:
        pdf.close()

    # a page of pictures: no character, or a page-size picture with a few stray characters
    # (a stamped page number) over it
    no_text = [s.number for s in scans if s.images and (not s.chars or (s.image_cover > 0.5 and _n_glyphs(s) <= 10))]
    if no_text and len(no_text) == len(scans):
        issues.append(
            Issue(
                "gap.no_text_layer",
                "error",
                f"the PDF has no text layer: its {len(scans)} page(s) are images (a scan); "
                "nothing can be read without OCR",
                where={"pages": no_text},
            )
        )
    elif no_text:
        pages = ", ".join(str(p) for p in no_text)
        issues.append(
            Issue(
                "gap.no_text_layer",
                "warning",
                f"page(s) {pages} have no text layer (scanned images); their content is missing without OCR",
                where={"pages": no_text},
            )
        )
    elif not any(s.chars for s in scans):
        issues.append(Issue("gap.no_text_layer", "error", "the PDF has no text: every page is empty"))

    table_pages = [s.number for s in scans if s.table_page]
    if engine == "pdfplumber":
        grids_by_page = _read_tables(data, table_pages, limits) if table_pages else {}
    else:
        grids_by_page = {}
        cells_total = 0
        for scan in scans:
            if not scan.table_page:
                continue
            check_time(f"at the tables of page {scan.number}")
            grids = _pdfium_tables(scan)
            scan.edges = None
            cells_total += sum(len(r) for g in grids for r in g.rows)
            if cells_total > limits.max_cells:
                raise LimitExceeded("max_cells", f"the PDF's tables hold more than max_cells={limits.max_cells} cells")
            if grids:
                grids_by_page[scan.number] = grids

    blocks = _assemble(scans, grids_by_page)
    return Document(blocks=tuple(blocks), format="pdf", issues=tuple(issues))


def _read_tables(data: bytes, pages: list[int], limits: Limits) -> dict[int, list[Grid]]:
    """Grids of the given 1-based pages, from one pdfplumber pass."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.psparser import PSException

    out: dict[int, list[Grid]] = {}
    cells_total = 0
    try:
        pdf = pdfplumber.open(io.BytesIO(data), password="")
    except (PDFPasswordIncorrect, PDFEncryptionError) as e:
        raise EncryptedDocument(f"the PDF is encrypted and cannot be decrypted by pdfminer ({e})") from None
    except Exception as e:
        raise DamagedDocument(f"the PDF is damaged: pdfminer cannot parse it ({type(e).__name__}: {e})") from None
    try:
        try:
            plumber_pages = pdf.pages
        except (PSException, Exception) as e:
            raise DamagedDocument(f"the PDF is damaged: its pages cannot be parsed ({type(e).__name__}: {e})") from None
        for p in pages:
            if p > len(plumber_pages):
                continue
            check_time(f"at the tables of page {p}")
            page = plumber_pages[p - 1]
            try:
                grids = _page_tables(page, p)
            except (LimitExceeded, EncryptedDocument, DamagedDocument):
                raise
            except Exception as e:
                raise DamagedDocument(
                    f"the PDF is damaged: page {p} cannot be parsed ({type(e).__name__}: {e})"
                ) from None
            finally:
                page.close()
            for g in grids:
                cells_total += sum(len(r) for r in g.rows)
            if cells_total > limits.max_cells:
                raise LimitExceeded("max_cells", f"the PDF's tables hold more than max_cells={limits.max_cells} cells")
            if grids:
                out[p] = grids
    finally:
        pdf.close()
    return out


def _assemble(scans: list[_PageScan], grids_by_page: dict[int, list[Grid]]) -> list[Block]:
    """Order lines and grids page by page, join paragraphs, drop page numbers."""
    items: list[_Line | Grid] = []
    for scan in scans:
        grids = grids_by_page.get(scan.number, [])
        boxes = [tuple(g.where["bbox"]) for g in grids]
        lines = _lines_of(scan, boxes)  # type: ignore[arg-type]
        page_items: list[tuple[float, int, _Line | Grid]] = [((ln.top + ln.bottom) / 2, 1, ln) for ln in lines]
        page_items += [(g.where["bbox"][1], 0, g) for g in grids]
        page_items.sort(key=lambda t: (t[0], t[1]))
        items.extend(it for _, _, it in page_items)

    # the body's left/right edges (for paragraph joins): over the whole document, since a
    # page may hold only a few short lines
    lines = [it for it in items if isinstance(it, _Line)]
    left = min((ln.x0 for ln in lines), default=0.0)
    right = max((ln.x1 for ln in lines), default=0.0)

    # first-line indented paragraphs (the Chinese norm: two characters)?
    n_indented = sum(
        1 for ln in lines if 1.5 * ln.height <= ln.x0 - left <= 2.6 * ln.height and ln.x1 > right - 1.5 * ln.height
    )
    indented = n_indented >= max(1, len(lines) // 20)

    blocks: list[Block] = []
    para: _Line | None = None  # the paragraph being built
    last: _Line | None = None  # its last physical line
    parts: list[str] = []

    def flush() -> None:
        nonlocal para, last, parts
        if para is not None:
            para.text = _join_parts(parts)
            blocks.append(Text(para.text, para.where()))
        para, last, parts = None, None, []

    for it in items:
        if isinstance(it, Grid):
            flush()
            blocks.append(it)
            continue
        if para is not None and last is not None:
            same_page = it.page == last.page
            joined = _continues(last, it, right, left, same_page, indented)
            if joined:
                parts.append(it.text)
                if same_page and para.more is None:
                    para.x0, para.top = min(para.x0, it.x0), min(para.top, it.top)
                    para.x1, para.bottom = max(para.x1, it.x1), max(para.bottom, it.bottom)
                elif para.more is None:
                    para.more = [(it.page, _bbox(it.x0, it.top, it.x1, it.bottom))]
                else:
                    p, b = para.more[-1]
                    if p == it.page:
                        para.more[-1] = (p, _bbox(min(b[0], it.x0), min(b[1], it.top), max(b[2], it.x1), max(b[3], it.bottom)))
                    else:
                        para.more.append((it.page, _bbox(it.x0, it.top, it.x1, it.bottom)))
                last = it
                continue
            flush()
        para = _Line(it.text, it.page, it.x0, it.top, it.x1, it.bottom)
        last = it
        parts = [it.text]
    flush()
    return blocks

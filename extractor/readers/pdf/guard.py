"""Stage 0 of the PDF reader, over the raw bytes: the decompression-bomb guard.

Before pdfium sees a file, every compressed stream in it is decoded here, streamed, and
the bytes it inflates to are counted: past ``limits.max_inflated_bytes`` in total the read
stops with ``LimitExceeded("max_inflated_bytes")``. pdfium inflates a page's content stream
whole into memory whatever its size (and aborts the process on an LZW bomb), so the check
has to come first and has to hold no more than about a megabyte at a time itself. Streams
that are not valid data for their filters are reported (``input.damaged``), since pdfium
reads around them and the text they drew is missing.

Why the decoders are written here (Flate over :mod:`zlib`, LZW, RunLength, ASCII85,
ASCIIHex) instead of taken from a PDF library: the libraries at hand decode a stream whole,
with no bound on the output. Measured on one Flate stream of 256 MiB of spaces (261 KB
compressed), each in a fresh process, peak resident memory above the process's start
(pdfminer.six 20260107, pypdfium2 5.15.2, December 2026):

=====================================================  ==============  ============
decoder                                                output          peak memory
=====================================================  ==============  ============
ours, ``_inflate`` with a 64 MiB cap                   stops at 64 MiB     9 MB
pdfminer ``PDFStream.get_data()``                      all 256 MiB       519 MB
:func:`zlib.decompress` (what pdfminer calls)          all 256 MiB       511 MB
pdfium, loading the page whose content it is           all 256 MiB       519 MB
=====================================================  ==============  ============

— the libraries hold about twice the output at once. pypdfium2 exposes no stream
decoding to call with a bound; pdfminer's ``lzwdecode`` / ``rldecode`` / ``ascii85decode``
also return the whole output. Its ``LZWDecoder.run()`` is a generator that could be
bounded, but on 4 MiB of text (2.6 MB of LZW codes) it took 13.2 s against 1.1 s for
``_LZW`` here, and it reads neither ``/EarlyChange 0`` nor pdfium's cap of 4096 table
entries. Ours stop at the limit, holding one
output piece (``_OUT_CHUNK``, 1 MiB) at a time.

Chain: raw bytes → :func:`guard_streams` (this module) → pdfium (``scan``) → ...
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ...errors import LimitExceeded
from ...limits import Limits, check_time
from ...model import Issue

__all__ = ["guard_streams"]

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

    def feed(self, chunk: bytes | memoryview) -> Iterator[bytes]:
        raise NotImplementedError

    def finish(self) -> Iterator[bytes]:
        return iter(())


class _Flate(_Decoder):
    """Streamed Flate: at most ``_OUT_CHUNK`` bytes per piece out."""

    def __init__(self, raw: bool = False) -> None:
        self.d = zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)

    def feed(self, chunk: bytes | memoryview) -> Iterator[bytes]:
        d = self.d
        while chunk and not d.eof:
            try:
                out = d.decompress(chunk, _OUT_CHUNK)
            except zlib.error as e:
                raise _BadData(str(e)) from None
            self.eof = d.eof
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


def guard_streams(data: bytes, limits: Limits) -> list[Issue]:
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

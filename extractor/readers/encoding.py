"""Sniff the encoding of text bytes: UTF-8 (with or without BOM), UTF-16 (BOM or not),
GB18030 (a superset of GBK and GB2312). A declared encoding is only a hint: pages
declared gb2312 often hold GBK-only characters, so GB-family declarations decode as
gb18030, and a declaration that yields garbage is overruled by the bytes."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_GB_FAMILY = {"gb2312", "gbk", "gb18030", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "hz-gb-2312", "gb_2312"}


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    quality: float  # share of plausible characters, 0..1


def normalise_encoding_name(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


_BAD = re.compile("[\x01-\x08\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff]")


def quality(text: str) -> float:
    """Share of characters that plausibly belong to a document (not control characters,
    not U+FFFD, not private use). NULs are stray bytes, not evidence of binary."""
    if not text:
        return 0.0
    sample = text[:20000]
    return 1.0 - len(_BAD.findall(sample)) / len(sample)


def _utf16_guess(data: bytes) -> str | None:
    head = data[:4096]
    if len(head) < 4:
        return None
    # ASCII characters (newlines, tabs, digits) put a NUL in the high byte of every
    # code unit; CJK text has few of them, but NULs in the other half are rarer still.
    n = len(head) // 2
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    if odd >= max(2, 0.01 * n) and even * 3 <= odd:
        return "utf-16-le"
    if even >= max(2, 0.01 * n) and odd * 3 <= even:
        return "utf-16-be"
    return None


def decode_text(data: bytes, declared: str | None = None, partial: bool = False) -> Decoded:
    """Decode ``data``; ``partial`` when the bytes are a prefix cut anywhere."""
    if data.startswith(codecs.BOM_UTF8):
        return _dec(data[3:], "utf-8", partial)
    if data.startswith(codecs.BOM_UTF16_LE):
        return _dec(data[2:], "utf-16-le", partial)
    if data.startswith(codecs.BOM_UTF16_BE):
        return _dec(data[2:], "utf-16-be", partial)
    u16 = _utf16_guess(data)
    if u16:
        d = _dec(data, u16, partial)
        if d.quality > 0.9:
            return d
    candidates: list[str] = []
    hint = normalise_encoding_name(declared)
    if hint and hint not in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):
        candidates.append(hint)
    for enc in ("utf-8", "gb18030"):
        if enc not in candidates:
            candidates.append(enc)
    best: Decoded | None = None
    for enc in candidates:
        try:
            text = data.decode(enc) if not partial else codecs.getincrementaldecoder(enc)().decode(data)
            d = Decoded(text, enc, quality(text))
            if d.quality >= 0.98:
                return d
        except (UnicodeDecodeError, LookupError):
            d = _dec(data, enc, partial)
        if best is None or d.quality > best.quality:
            best = d
    assert best is not None
    return best


def _dec(data: bytes, enc: str, partial: bool) -> Decoded:
    if partial:
        text = codecs.getincrementaldecoder(enc)(errors="replace").decode(data)
    else:
        text = data.decode(enc, errors="replace")
    return Decoded(text, enc, quality(text))

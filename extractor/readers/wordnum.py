"""Word's automatic list numbering (``word/numbering.xml``), rendered as Word prints it.

A heading whose "一、" or "（一）" comes from a numbered list has no such characters in the
XML; without rendering the number the section stage would not find it. :class:`Numbering`
holds the list definitions (``w:abstractNum`` levels: ``w:numFmt``, ``w:lvlText``,
``w:start``, ``w:lvlRestart``, ``w:isLgl``, ``w:suff``; ``w:num`` instances with their
``w:lvlOverride``/``w:startOverride``) and the paragraph styles that carry a list
(``styles.xml``, followed through ``w:basedOn``). :meth:`Numbering.label` is called once
per paragraph in body order and advances the counters: one set per list (paragraphs of
``w:num`` instances that share an ``w:abstractNum`` without overriding it continue one
list, as Word does), a level counting up from its ``w:start``, the deeper levels
restarting when a higher level is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_VAL = f"{W}val"

_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def chinese_counting(n: int, digits: str = _CN_DIGITS, units: str = "十百千") -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 105 → 一百零五 (numbers up to 9999; larger in
    decimal digits)."""
    if n <= 0 or n > 9999:
        return str(n)
    s = str(n)
    out: list[str] = []
    zero = False
    for k, ch in enumerate(s):
        d = int(ch)
        place = len(s) - 1 - k
        if d == 0:
            zero = True
            continue
        if zero and out:
            out.append(digits[0])
        zero = False
        out.append(digits[d])
        if place:
            out.append(units[place - 1])
    text = "".join(out)
    if digits is _CN_DIGITS and 10 <= n <= 19:
        text = text[1:]  # 十一, not 一十一
    return text


def _letters(n: int, upper: bool) -> str:
    if n <= 0:
        return str(n)
    ch = chr((ord("A") if upper else ord("a")) + (n - 1) % 26)
    return ch * ((n - 1) // 26 + 1)


def _roman(n: int, upper: bool) -> str:
    if n <= 0 or n >= 4000:
        return str(n)
    out = []
    for v, r in _ROMAN:
        while n >= v:
            out.append(r)
            n -= v
    s = "".join(out)
    return s if upper else s.lower()


def _cycle(chars: str, n: int) -> str:
    return chars[(n - 1) % len(chars)] if n > 0 else str(n)


_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_SIMPLE: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "none": lambda n: "",
    "ideographDigital": lambda n: "".join("〇一二三四五六七八九"[int(c)] for c in str(n)) if n >= 0 else str(n),
    "decimalFullWidth": lambda n: str(n).translate(_FULL_WIDTH),
    "decimalFullWidth2": lambda n: str(n).translate(_FULL_WIDTH),
    "decimalHalfWidth": str,
    "upperLetter": lambda n: _letters(n, True),
    "lowerLetter": lambda n: _letters(n, False),
    "upperRoman": lambda n: _roman(n, True),
    "lowerRoman": lambda n: _roman(n, False),
}


def format_number(n: int, fmt: str) -> str:
    """One counter value in a ``w:numFmt`` (unknown formats give decimal digits)."""
    simple = _SIMPLE.get(fmt)
    if simple is not None:
        return simple(n)
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "taiwaneseCountingThousand", "japaneseDigitalTenThousand"):
        return chinese_counting(n)
    if fmt in ("chineseLegalSimplified", "japaneseLegal"):
        return chinese_counting(n, _CN_LEGAL, "拾佰仟")
    if fmt == "ideographTraditional":
        return _cycle(_TIANGAN, n)
    if fmt == "ideographZodiac":
        return _cycle(_DIZHI, n)
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle"):
        return _CIRCLED[n - 1] if 1 <= n <= 20 else str(n)
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return f"{n}."
    return str(n)


@dataclass
class Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1
    restart: int | None = None  # w:lvlRestart (None: after any higher level; 0: never)
    legal: bool = False
    suffix: str = "tab"
    style: str | None = None  # w:pStyle: the paragraph style this level belongs to
    # w:lvlText split into literal text and level references (0-based), made on first use
    parts: tuple[str | int, ...] | None = field(default=None, compare=False, repr=False)


@dataclass
class _List:
    levels: dict[int, Level]
    counters: dict[int, int] = field(default_factory=dict)


def _int(el: Any, default: int | None = None) -> int | None:
    if el is None:
        return default
    try:
        return int(el.get(_VAL))
    except (TypeError, ValueError):
        return default


_NUMFMT, _LVLTEXT, _START, _LVLRESTART = f"{W}numFmt", f"{W}lvlText", f"{W}start", f"{W}lvlRestart"
_ISLGL, _SUFF, _PSTYLE = f"{W}isLgl", f"{W}suff", f"{W}pStyle"
_ABSTRACT_ID, _OVERRIDE, _START_OVERRIDE = f"{W}abstractNumId", f"{W}lvlOverride", f"{W}startOverride"
_LVL = f"{W}lvl"


def _level(lvl: Any) -> Level:
    """One ``w:lvl``; of each property the first child counts (as ``find`` would take it),
    read in one pass over the children."""
    level = Level()
    seen: set[str] = set()
    for ch in lvl.iterchildren(_NUMFMT, _LVLTEXT, _START, _LVLRESTART, _ISLGL, _SUFF, _PSTYLE):
        tag = ch.tag
        if tag in seen:
            continue
        seen.add(tag)
        val = ch.get(_VAL)
        if tag == _NUMFMT:
            if val:
                level.fmt = val
        elif tag == _LVLTEXT:
            level.text = val or ""
        elif tag == _START:
            level.start = _int(ch, 1) or 0
        elif tag == _LVLRESTART:
            level.restart = _int(ch)
        elif tag == _ISLGL:
            level.legal = val not in ("0", "false", "off")
        elif tag == _SUFF:
            level.suffix = val or "tab"
        else:
            level.style = val
    return level


def _levels(parent: Any) -> dict[int, Level]:
    out: dict[int, Level] = {}
    for lvl in parent.iter(f"{W}lvl"):
        ilvl = _int_attr(lvl, f"{W}ilvl")
        if ilvl is not None and 0 <= ilvl < 9:
            out[ilvl] = _level(lvl)
    return out


def _int_attr(el: Any, name: str) -> int | None:
    try:
        return int(el.get(name))
    except (TypeError, ValueError):
        return None


class Numbering:
    """The lists of one document; :meth:`label` renders and counts one numbered paragraph."""

    def __init__(self, numbering: Any | None, styles: Any | Callable[[], Any] | None) -> None:
        """``numbering``/``styles``: the parsed parts (None when absent); ``styles`` may be
        a function that parses it, called only when a paragraph style has to be looked up."""
        # the list definitions are parsed on first use: abstractNumId / numId -> element
        # (the last of each id counts), abstractNumId -> levels, numId -> (list key, levels,
        # start overrides)
        self._abstract_el: dict[str, Any] = {}
        self._num_el: dict[str, Any] = {}
        self._abstract: dict[str, dict[int, Level]] = {}
        self._nums: dict[str, tuple[str, dict[int, Level], dict[int, int]]] = {}
        self._lists: dict[str, _List] = {}
        self._fresh: set[str] = set()  # lists whose overrides still have to be applied
        if numbering is not None:
            for an in numbering.iter(f"{W}abstractNum"):
                self._abstract_el[an.get(f"{W}abstractNumId") or ""] = an
            for num in numbering.iter(f"{W}num"):
                self._num_el[num.get(f"{W}numId") or ""] = num
        # paragraph style id -> (numId, ilvl or None, basedOn), read on first need
        self._styles: dict[str, tuple[str | None, int | None, str | None]] | None = None
        self._styles_source = styles

    def _load_styles(self) -> dict[str, tuple[str | None, int | None, str | None]]:
        source, self._styles_source = self._styles_source, None
        styles = source() if callable(source) else source
        out: dict[str, tuple[str | None, int | None, str | None]] = {}
        if styles is not None:
            for st in styles.iter(f"{W}style"):
                if st.get(f"{W}type") not in (None, "paragraph"):
                    continue
                num_pr = st.find(f"{W}pPr/{W}numPr")
                based = st.find(f"{W}basedOn")
                num_id = ilvl = None
                if num_pr is not None:
                    nid = num_pr.find(f"{W}numId")
                    num_id = nid.get(_VAL) if nid is not None else None
                    ilvl = _int(num_pr.find(f"{W}ilvl"))
                out[st.get(f"{W}styleId") or ""] = (num_id, ilvl, based.get(_VAL) if based is not None else None)
        self._styles = out
        return out

    @property
    def active(self) -> bool:
        """Whether the document defines any list (else no paragraph is numbered)."""
        return bool(self._num_el)

    def _abstract_levels(self, aid: str) -> dict[int, Level]:
        levels = self._abstract.get(aid)
        if levels is None:
            el = self._abstract_el.get(aid)
            levels = self._abstract[aid] = _levels(el) if el is not None else {}
        return levels

    def _num(self, num_id: str) -> tuple[str, dict[int, Level], dict[int, int]] | None:
        """(list key, levels, start overrides) of a ``w:num``, None when not defined."""
        got = self._nums.get(num_id)
        if got is None and num_id in self._num_el:
            got = self._add_num(num_id, self._num_el[num_id])
        return got

    def _add_num(self, num_id: str, num: Any) -> tuple[str, dict[int, Level], dict[int, int]]:
        ref = next(num.iterchildren(_ABSTRACT_ID), None)
        aid = (ref.get(_VAL) if ref is not None else "") or ""
        abstract = self._abstract_levels(aid)
        levels = dict(abstract)
        starts: dict[int, int] = {}
        for ov in num.iterchildren(_OVERRIDE):
            ilvl = _int_attr(ov, f"{W}ilvl")
            if ilvl is None or not 0 <= ilvl < 9:
                continue
            so = _int(next(ov.iterchildren(_START_OVERRIDE), None))
            lvl = next(ov.iterchildren(_LVL), None)
            if lvl is not None:
                levels[ilvl] = _level(lvl)
            if so is not None:
                starts[ilvl] = so
        # a num that overrides nothing continues the list of its abstractNum (Word's rule)
        key = f"n{num_id}" if (starts or levels != abstract) else f"a{aid}"
        got = self._nums[num_id] = (key, levels, starts)
        if starts:
            self._fresh.add(num_id)
        return got

    def _style_num(self, style: str | None) -> tuple[str | None, int | None]:
        styles = self._styles if self._styles is not None else self._load_styles()
        seen: set[str] = set()
        while style and style not in seen and len(seen) < 50:
            seen.add(style)
            num_id, ilvl, based = styles.get(style, (None, None, None))
            if num_id is not None:
                return num_id, ilvl
            style = based
        return None, None

    def label(self, num_id: str | None, ilvl: int | None, style: str | None) -> str:
        """The number Word prints before this paragraph ("一、", "（二）", "3." …), its
        separator included (a space for ``w:suff="space"``); "" when it is not numbered.
        ``num_id``/``ilvl`` are the paragraph's own ``w:numPr`` (None when absent)."""
        if num_id is None:
            if not style:
                return ""
            num_id, style_ilvl = self._style_num(style)
            if num_id is None:
                return ""
            if ilvl is None:
                ilvl = style_ilvl
            if ilvl is None:
                ilvl = self._level_of_style(num_id, style)
        entry = self._num(num_id) if num_id != "0" else None
        if entry is None:
            return ""
        key, levels, starts = entry
        ilvl = ilvl if ilvl is not None and 0 <= ilvl < 9 else 0
        lst = self._lists.get(key)
        if lst is None:
            lst = self._lists[key] = _List(levels)
        if num_id in self._fresh:
            self._fresh.discard(num_id)
            for k, v in starts.items():
                lst.counters[k] = v - 1
        level = levels.get(ilvl) or _DEFAULT_LEVEL
        lst.counters[ilvl] = lst.counters.get(ilvl, level.start - 1) + 1
        for k in list(lst.counters):
            if k > ilvl:
                deeper = levels.get(k) or _DEFAULT_LEVEL
                if deeper.restart is None or (deeper.restart != 0 and ilvl < deeper.restart):
                    del lst.counters[k]
        return self._render(lst, levels, ilvl)

    def _level_of_style(self, num_id: str, style: str | None) -> int:
        entry = self._num(num_id) if style else None
        if entry is not None:
            for k, lvl in entry[1].items():
                if lvl.style == style:
                    return k
        return 0

    @staticmethod
    def _render(lst: _List, levels: dict[int, Level], ilvl: int) -> str:
        level = levels.get(ilvl) or _DEFAULT_LEVEL
        if level.fmt == "bullet":
            return ""  # a bullet glyph, not a number
        parts = level.parts
        if parts is None:
            parts = level.parts = _split_text(level.text)
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            lv = levels.get(part) or _DEFAULT_LEVEL
            n = lst.counters.get(part, lv.start)
            fmt = "decimal" if level.legal or lv.fmt == "bullet" else lv.fmt
            key = (n, fmt)
            text = _FORMATTED.get(key)
            if text is None:
                text = format_number(n, fmt)
                if len(_FORMATTED) < 4096:
                    _FORMATTED[key] = text
            out.append(text)
        label = "".join(out)
        if label and level.suffix == "space":
            label += " "
        return label


_DEFAULT_LEVEL = Level()
_FORMATTED: dict[tuple[int, str], str] = {}  # (counter, w:numFmt) -> the number as printed


def _split_text(text: str) -> tuple[str | int, ...]:
    """``w:lvlText`` as literal text and level references: "%1、" -> (0, "、")."""
    out: list[str | int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "%" and i + 1 < len(text) and text[i + 1] in "123456789":
            out.append(int(text[i + 1]) - 1)
            i += 2
            continue
        if out and out[-1].__class__ is str:
            out[-1] = f"{out[-1]}{ch}"
        else:
            out.append(ch)
        i += 1
    return tuple(out)

"""The report's vocabulary and the one normalisation every match goes through.

Every reader and stage that looks for a word of the report — a section heading
(一、总体情况), a table marker (信息内容, 申请人情况, 行政复议 …), a numeral — takes it
from here and compares through :func:`match_key`, so a Traditional-Chinese mirror, a
page with full-width brackets or spaced-out characters, or Taiwan vocabulary (資訊 for
信息) matches like the plain Simplified text. The template's row and column labels are
in ``extractor/templates.py`` (the codebook's source) and go through the same key.

For raw text that is searched before it is split into lines (the HTML reader's scan of
text nodes), :func:`raw_pattern` gives a regular expression that finds a word in any
spelling :func:`match_key` folds onto it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# ---------------------------------------------------------------- normalisation

# full-width ASCII block -> ASCII, ideographic space -> space, and common look-alikes
_FW: dict[int, int | None] = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FW.update({
    0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20,  # spaces, nbsp
    0x200B: None, 0xFEFF: None,  # zero width space, BOM
    0x3001: ord("."), 0xFF0E: ord("."),  # 、 ．
    0x2014: ord("-"), 0x2013: ord("-"), 0x2212: ord("-"),  # — – minus
    0xFF5E: ord("~"),
    0x3010: ord("["), 0x3011: ord("]"),  # 【】
    0x2018: ord("'"), 0x2019: ord("'"), 0x201C: ord('"'), 0x201D: ord('"'),
})
_WS = re.compile(r"\s+")

# Taiwan vocabulary as mirrors write it -> the mainland word of the templates, each word also in
# Simplified characters (资讯, 资料, 档案: a mirror converted character by character).  The one
# table for match_key, raw_pattern and the one-line reader's fold (extractor/readers/shapes.py);
# every pair is two characters for two, so a fold keeps offsets.
TAIWAN_WORDS: tuple[tuple[str, str], ...] = (
    ("資訊", "信息"), ("资讯", "信息"), ("資料", "数据"), ("资料", "数据"), ("檔案", "文件"), ("档案", "文件"))
_TAIWAN_CHARS = frozenset("".join(tw for tw, _ in TAIWAN_WORDS))


def halfwidth(s: str) -> str:
    """Full-width ASCII, brackets, dots and dashes folded to ASCII (、 and ． become '.')."""
    return s.translate(_FW)


def norm_label(s: str) -> str:
    """A label as a matching key: half-width, no white space, no quotes or bold marks."""
    s = halfwidth(s)
    s = s.replace("*", "").replace('"', "").replace("'", "")
    return _WS.sub("", s)


_T2S_TABLE: dict[int, str] | None = None


def _t2s() -> dict[int, str]:
    global _T2S_TABLE
    if _T2S_TABLE is None:
        from .t2s_data import T2S

        _T2S_TABLE = {ord(t): s for t, s in T2S.items()}
    return _T2S_TABLE


def match_key(s: str) -> str:
    """A label as a matching key: :func:`norm_label`, Taiwan words replaced by the
    mainland ones (資訊 → 信息, 資料 → 数据, 檔案 → 文件, also as 资讯, 资料, 档案), and the Traditional characters of
    our vocabulary folded to Simplified (``extractor/t2s_data.py``)."""
    k = norm_label(s)
    if not _TAIWAN_CHARS.isdisjoint(k):
        for tw, cn in TAIWAN_WORDS:
            k = k.replace(tw, cn)
    return k.translate(_t2s())


def _spellings(ch: str) -> str:
    """Every character match_key folds onto the same character as ``ch``."""
    t2s = _t2s()
    target = t2s.get(ord(ch), ch)
    return "".join(sorted({ch, target} | {chr(t) for t, s in t2s.items() if s == target}))


_GAP = r"[\s\u200b\ufeff]*"


def raw_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """A regex that finds any of ``words`` in raw text wherever ``match_key`` of that text
    would hold it: Traditional spellings, Taiwan words and white space between characters.
    (A superset filter: confirm a hit with ``match_key``.)"""
    variants: set[str] = set()
    for w in words:
        variants.add(w)
        for tw, cn in TAIWAN_WORDS:
            if cn in w:
                variants.add(w.replace(cn, tw))
    alts = []
    for v in sorted(variants, key=lambda x: (-len(x), x)):
        parts = []
        for ch in v:
            sp = _spellings(ch)
            parts.append(re.escape(ch) if len(sp) == 1 else "[" + sp + "]")
        alts.append(_GAP.join(parts))
    return re.compile("|".join(alts))


# ---------------------------------------------------------------- numerals

NUMERALS = "一二三四五六七八九十"
CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "O": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_number(s: str) -> int | None:
    """一 -> 1, 十二 -> 12, 二十九 -> 29, 二〇二四 -> 2024 (digit by digit when no 十)."""
    s = s.strip()
    if not s:
        return None
    if s.isdigit():
        return int(halfwidth(s))
    if "十" in s:
        a, _, b = s.partition("十")
        tens = CN_DIGITS.get(a, None) if a else 1
        ones = CN_DIGITS.get(b, None) if b else 0
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    out = 0
    for ch in s:
        d = CN_DIGITS.get(ch)
        if d is None:
            return None
        out = out * 10 + d
    return out


# ---------------------------------------------------------------- section headings

#: a numbered heading line "一、总体情况" (also "一.", "一 ", "第一部分"): numeral, title
HEADING = re.compile(rf"^(?:第\s*)?([{NUMERALS}])\s*(?:[、.．，,:：]|部分|\s)\s*(\S.{{0,44}})$")
#: section-3 row labels and other lines that look like headings but are not (on match keys)
NOT_HEADING = re.compile(r"本年新收|上年结转|本年度办理结果|结转下年度|继续办理|申请数量$")
#: the words that tell which section a heading numbers
SECTION_WORDS: dict[int, tuple[str, ...]] = {
    1: ("总体情况", "概述", "基本情况", "总体", "概况", "工作情况"),
    2: ("主动公开",),
    3: ("收到和处理", "依申请", "申请情况", "申请公开"),
    4: ("复议", "诉讼"),
    5: ("存在的主要问题", "问题", "改进", "整改"),
    6: ("其他需要报告", "其他事项", "其他需报告", "其他"),
}
#: modern titles, for completing a heading split over two lines
OFFICIAL_TITLES: dict[int, tuple[str, ...]] = {
    1: ("总体情况",),
    2: ("主动公开政府信息情况", "行政机关主动公开政府信息情况", "主动公开信息情况"),
    3: ("收到和处理政府信息公开申请情况", "行政机关收到和处理政府信息公开申请情况"),
    4: ("政府信息公开行政复议、行政诉讼情况", "因政府信息公开工作被申请行政复议、提起行政诉讼情况",
        "政府信息公开行政复议及行政诉讼情况"),
    5: ("存在的主要问题及改进情况", "政府信息公开工作存在的主要问题及改进情况", "存在的主要问题及整改措施",
        "存在的主要问题和改进措施"),
    6: ("其他需要报告的事项",),
}
#: every section word of two characters or more (what a reader scans raw text for)
HEADING_WORDS: tuple[str, ...] = tuple(sorted({w for ws in SECTION_WORDS.values() for w in ws if len(w) > 1}))


def heading_number(line: str) -> int | None:
    """The section number of a heading line whose words fit that section, else None."""
    m = HEADING.match(line.strip())
    if not m:
        return None
    n = cn_number(m.group(1))
    rest = match_key(m.group(2))
    if n is None or NOT_HEADING.search(rest):
        return None
    return n if any(w in rest for w in SECTION_WORDS.get(n, ())) else None


# ---------------------------------------------------------------- table markers

#: labels that show a page holds (part of) a template table
TABLE_MARKERS: tuple[str, ...] = ("信息内容", "申请人情况", "本年新收", "结果维持", "第二十条", "行政复议",
                                  "自然人", "本年制发", "本年新制作")
#: the title row of a section-2 table: 第二十条第（一）项 (on match keys)
S2_TITLE = re.compile(rf"第二十条第?\(?([{NUMERALS}]+)\)?项")
#: words of a section-3 header row
S3_HEADER_WORDS: tuple[str, ...] = ("申请人情况", "自然人", "商业企业", "科研机构", "公益组织", "法律服务",
                                    "法人或其他组织")
#: words of the section-3 rows that open the table (so a row can open it without a header)
S3_ROW_WORDS = re.compile(r"本年新收|上年结转|结转下年|办理结果")
#: a header cell of any table, in a re-flowed cell stream
COLUMN_WORDS = re.compile(r"^信息内容$|申请人情况|法人或其他组织|^行政复议$|^行政诉讼$|未经复议|复议后起诉|勾稽关系")
#: the section-4 column groups (on match keys); the most specific first
S4_GROUPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("suit_direct", re.compile(r"未经复议|直接起诉")),
    ("suit_after_review", re.compile(r"复议后起诉")),
    ("review", re.compile(r"^行政复议$|^行政复议[\(（]|^复议$")),
    ("suit", re.compile(r"^行政诉讼$|^行政诉讼[\(（]|^诉讼$")),
)

#: the template generation, by the labels a document shows (on match keys)
TEMPLATE_2021_WORDS = ("制发件数", "废止件数", "现行有效件数", "收费金额", "不补正", "缴纳费用", "收费通知")
TEMPLATE_2019_WORDS = ("新制作数量", "新公开数量", "公开总数量", "上一年项目数量", "增/减", "增减", "集中采购",
                       "采购总金额", "对外管理服务")
MODERN_WORDS = ("申请人情况", "本年新收", "予以公开", "不予公开", "结转下年度", "结果维持", "尚未审结", "信息内容")
PRE2019_WORDS = ("同意公开", "否决公开", "申请总数", "当面申请", "咨询处理", "依申请公开政府信息", "收费及减免",
                 "网上申请", "信函申请", "概述")
#: a report title: 政府信息公开工作年度报告 (on match keys)
REPORT_WORDS = re.compile(r"信息公开.{0,4}(年度)?报告|年度报告")


# ---------------------------------------------------------------- page words (readers)

#: label words that show a PDF page holds (part of) a template table: the PDF reader reads the ruling
#: lines of those pages only
PAGE_TABLE_WORDS: tuple[str, ...] = (
    "信息内容", "第二十条", "本年制发", "本年新制作", "现行有效", "处理决定数量", "收费金额", "申请人情况", "自然人",
    "法人或其他组织", "商业企业", "勾稽关系", "本年新收", "上年结转", "办理结果", "予以公开", "部分公开", "不予公开",
    "国家秘密", "无法提供", "不予处理", "其他处理", "结转下年度", "行政复议", "行政诉讼", "结果维持", "结果纠正",
    "尚未审结", "复议后起诉",
)
#: a heading's numbering at the start of a line: 一、 / （一） / 1. (not 1.5), after an optional markdown
#: ``#`` (a line the PDF reader never joins to the paragraph above it)
NUMBERED_LINE = re.compile(
    r"^\s*(?:#+\s*)?(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十]+\s*[）)]"
    r"|\d{1,2}\s*[、.．](?!\d))"
)
#: words that mark a government web page's publication record (the info box)
BOX_MARKERS: tuple[str, ...] = ("索引号", "发布机构", "发文机关", "发文日期", "成文日期", "发布日期", "发布时间")
#: the labels of that info box (索引号 / 发布机构 / 发文日期 …), longest first where one holds another
BOX_LABELS: tuple[str, ...] = (
    "信息索引号", "索引号", "主题分类", "组配分类", "体裁分类", "服务对象分类", "分类", "发布机构", "发文机关",
    "发文机构", "发布单位", "公开责任部门", "责任部门", "生成日期", "成文日期", "发文日期", "发布日期", "公开日期",
    "发布时间", "文号", "发文字号", "主题词", "关键词", "有效性", "时效性", "信息来源", "文章来源", "来源", "名称",
    "标题", "公开方式", "公开范围", "浏览次数", "访问量", "点击数", "字号",
)
#: the box labels that name the issuer, the date and the title, in order of preference
BOX_ISSUER_KEYS: tuple[str, ...] = ("发布机构", "发文机关", "发文机构", "发布单位", "信息来源", "文章来源", "来源")
BOX_DATE_KEYS: tuple[str, ...] = ("发文日期", "成文日期", "发布日期", "公开日期", "生成日期", "发布时间")
BOX_TITLE_KEYS: tuple[str, ...] = ("名称", "标题")


def box_label_pattern(colon_required: bool) -> re.Pattern[str]:
    """A box label at the start of a cell or line (its characters may be spaced: 名 称), then a colon
    (optional where the page's markup separates label and value)."""
    colon = r"\s*[:：]" if colon_required else r"\s*[:：]?"
    return re.compile(r"(" + "|".join(r"\s*".join(lbl) for lbl in BOX_LABELS) + r")" + colon, re.S)

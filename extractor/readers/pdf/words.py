"""The words the PDF reader looks for: the label words that mark a page holding a template
table (``scan`` reads the ruling lines of those pages only) and the numbering that starts a
heading (``lines`` never joins a heading to the paragraph above it). The report's own
vocabulary, not PDF layout; kept in this one block so that one shared vocabulary module can
replace it."""

from __future__ import annotations

import re

__all__ = ["TABLE_WORDS", "HEADING_RE", "BOX_LABEL_RE", "BOX_ISSUER_KEYS", "BOX_DATE_KEYS", "BOX_TITLE_KEYS"]

# vocabulary: to be taken from extractor.vocab ------------------------------------------

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

#: A heading's numbering at the start of a line: 一、 / （一） / 1. (not 1.5), after an
#: optional markdown ``#``.
HEADING_RE = re.compile(
    r"^\s*(?:#+\s*)?(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十]+\s*[）)]"
    r"|\d{1,2}\s*[、.．](?!\d))"
)

#: The labels of a government web page's publication record (the info box 索引号 / 发布机构 /
#: 发文日期 …), longest first where one holds another.
BOX_LABELS: tuple[str, ...] = (
    "信息索引号", "索引号", "主题分类", "组配分类", "体裁分类", "服务对象分类", "分类", "发布机构", "发文机关",
    "发文机构", "发布单位", "公开责任部门", "责任部门", "生成日期", "成文日期", "发文日期", "发布日期", "公开日期",
    "发布时间", "文号", "发文字号", "主题词", "关键词", "有效性", "时效性", "信息来源", "文章来源", "来源", "名称",
    "标题", "公开方式", "公开范围",
)
#: a box label at the start of a cell (its characters may be spaced: 名 称), then a colon
BOX_LABEL_RE = re.compile(r"(" + "|".join(r"\s*".join(lbl) for lbl in BOX_LABELS) + r")\s*[:：]")
BOX_ISSUER_KEYS = ("发布机构", "发文机关", "发文机构", "发布单位", "信息来源", "文章来源", "来源")
BOX_DATE_KEYS = ("发文日期", "成文日期", "发布日期", "公开日期", "生成日期", "发布时间")
BOX_TITLE_KEYS = ("名称", "标题")

# end of vocabulary ----------------------------------------------------------------------

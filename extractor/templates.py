"""The two national templates as data: tables, labels, field ids, units and identities.

This module is the single source of the codebook: ``codebook.csv`` and the field
reference in ``docs/fields.md`` are generated from it (``python -m extractor codebook``).
Label matching keys (``keys``) are regular expressions applied to *normalised* label
text (see :func:`extractor.text_norm.norm_label`: no white space, ASCII brackets and
digits, ``、``/``．`` folded to ``.``).
"""

from __future__ import annotations

from dataclasses import dataclass

TEMPLATES = ("2019", "2021")

SECTION_TITLES = {
    1: "一、总体情况",
    2: "二、主动公开政府信息情况",
    3: "三、收到和处理政府信息公开申请情况",
    4: "四、政府信息公开行政复议、行政诉讼情况",
    5: "五、存在的主要问题及改进情况",
    6: "六、其他需要报告的事项",
}


@dataclass(frozen=True)
class Column:
    suffix: str
    label: str
    keys: tuple[str, ...]
    meaning: str


@dataclass(frozen=True)
class S2Row:
    """A data row of a section-2 grid (第二十条第（N）项)."""

    item: str  # （一）, （五）...
    stem: str  # field id stem, e.g. "regulations"
    label: str
    keys: tuple[str, ...]
    columns: tuple[Column, ...]
    templates: tuple[str, ...]
    unit: str | None = None  # unit of money cells
    money: tuple[str, ...] = ()  # suffixes that hold money
    signed: tuple[str, ...] = ()  # suffixes that may be negative
    optional: bool = False  # not every report has it (regional variants)
    meaning: str = ""


@dataclass(frozen=True)
class S3Row:
    rid: str
    path: tuple[str, ...]
    keys: tuple[str, ...]
    templates: tuple[str, ...]
    group: str | None = None  # parent group key for sub-rows
    meaning: str = ""


@dataclass(frozen=True)
class FieldDef:
    id: str
    table: str
    label_path: tuple[str, ...]
    templates: tuple[str, ...]
    unit: str | None
    meaning: str
    signed: bool = False
    money: bool = False
    optional: bool = False


@dataclass(frozen=True)
class Identity:
    id: str
    severity: str
    text: str


# ---------------------------------------------------------------- section 2
_C21_DOCS = (
    Column("issued", "本年制发件数", (r"制发",), "documents issued this year"),
    Column("repealed", "本年废止件数", (r"废止",), "documents repealed this year"),
    Column("in_force", "现行有效件数", (r"现行有效",), "documents in force at year end"),
)
_C19_DOCS = (
    Column("made", "本年新制作数量", (r"新制作",), "documents newly made this year"),
    Column("published", "本年新公开数量", (r"新公开",), "documents newly published this year"),
    Column("total_public", "对外公开总数量", (r"公开总数",), "documents public in total"),
)
_C21_DECISIONS = (Column("decisions", "本年处理决定数量", (r"处理决定",), "decisions made this year"),)
_C19_ITEMS = (
    Column("prior_items", "上一年项目数量", (r"上一年", r"(?<!采购)项目数量"), "items the year before"),
    Column("change", "本年增/减", (r"增.?减", r"增减"), "change this year (signed)"),
    Column("decisions", "处理决定数量", (r"处理决定",), "decisions made this year"),
)
_C19_FEES = _C19_ITEMS[:2]
_C21_FEES = (Column("amount", "本年收费金额（单位：万元）", (r"收费金额",), "fees collected this year"),)
_C19_PROC = (
    Column("projects", "采购项目数量", (r"采购项目", r"项目数量"), "procurement projects"),
    Column("amount", "采购总金额", (r"总金额", r"采购金额"), "procurement total amount"),
)

S2_ROWS: tuple[S2Row, ...] = (
    S2Row("（一）", "regulations", "规章", (r"^规章",), _C21_DOCS, ("2021",), meaning="rules (规章)"),
    S2Row("（一）", "normative", "行政规范性文件", (r"规范性文件",), _C21_DOCS, ("2021",),
          meaning="normative documents"),
    S2Row("（五）", "licensing", "行政许可", (r"行政许可",), _C21_DECISIONS, ("2021",),
          meaning="administrative licensing"),
    S2Row("（六）", "penalty", "行政处罚", (r"行政处罚",), _C21_DECISIONS, ("2021",),
          meaning="administrative penalties"),
    S2Row("（六）", "coercion", "行政强制", (r"行政强制",), _C21_DECISIONS, ("2021",),
          meaning="administrative coercion"),
    S2Row("（八）", "fees", "行政事业性收费", (r"事业性收费", r"收费$"), _C21_FEES, ("2021",), unit="万元",
          money=("amount",), meaning="administrative fees"),
    # 2019 format
    S2Row("（一）", "regulations", "规章", (r"^规章",), _C19_DOCS, ("2019",), meaning="rules (规章)"),
    S2Row("（一）", "normative", "规范性文件", (r"规范性文件",), _C19_DOCS, ("2019",),
          meaning="normative documents"),
    S2Row("（一）", "other_docs", "其他主动公开文件", (r"其他主动公开",), _C19_DOCS, ("2019",),
          optional=True, meaning="other proactively published documents (Hubei variant)"),
    S2Row("（五）", "licensing", "行政许可", (r"行政许可",), _C19_ITEMS, ("2019",), signed=("change",),
          meaning="administrative licensing"),
    S2Row("（五）", "other_services", "其他对外管理服务事项", (r"对外管理服务",), _C19_ITEMS, ("2019",),
          signed=("change",), meaning="other external management services"),
    S2Row("（六）", "penalty", "行政处罚", (r"行政处罚",), _C19_ITEMS, ("2019",), signed=("change",),
          meaning="administrative penalties"),
    S2Row("（六）", "coercion", "行政强制", (r"行政强制",), _C19_ITEMS, ("2019",), signed=("change",),
          meaning="administrative coercion"),
    S2Row("（八）", "fees", "行政事业性收费", (r"事业性收费", r"收费$"), _C19_FEES, ("2019",), signed=("change",),
          meaning="administrative fees"),
    S2Row("（九）", "procurement", "政府集中采购", (r"集中采购",), _C19_PROC, ("2019",),
          money=("amount",), meaning="government centralised procurement"),
)

# ---------------------------------------------------------------- section 3
S3_COLUMNS: tuple[Column, ...] = (
    Column("natural_person", "自然人", (r"自然人",), "natural persons"),
    Column("commercial", "商业企业", (r"商业企业",), "commercial enterprises"),
    Column("research", "科研机构", (r"科研机构",), "research institutions"),
    Column("nonprofit", "社会公益组织", (r"公益组织",), "social non-profit organisations"),
    Column("legal_services", "法律服务机构", (r"法律服务",), "legal service institutions"),
    Column("other_org", "其他", (r"^其他$",), "other legal persons or organisations"),
    Column("total", "总计", (r"^总计$", r"^合计$"), "total of all applicants"),
)

_BOTH = ("2019", "2021")
_R3 = "三、本年度办理结果"
S3_ROWS: tuple[S3Row, ...] = (
    S3Row("new", ("一、本年新收政府信息公开申请数量",), (r"本年新收",), _BOTH,
          meaning="applications newly received this year"),
    S3Row("carried_over", ("二、上年结转政府信息公开申请数量",), (r"上年结转",), _BOTH,
          meaning="applications carried over from last year"),
    S3Row("granted", (_R3, "（一）予以公开"), (r"予以公开",), _BOTH, meaning="disclosed"),
    S3Row("partly_granted", (_R3, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
          (r"部分公开",), _BOTH, meaning="partly disclosed"),
    S3Row("denied.state_secret", (_R3, "（三）不予公开", "1.属于国家秘密"), (r"国家秘密",), _BOTH,
          "denied", "denied: state secret"),
    S3Row("denied.prohibited_by_law", (_R3, "（三）不予公开", "2.其他法律行政法规禁止公开"),
          (r"禁止公开",), _BOTH, "denied", "denied: prohibited by other laws"),
    S3Row("denied.security_stability", (_R3, "（三）不予公开", "3.危及“三安全一稳定”"),
          (r"三安全", r"一稳定", r"^\d?\.?危及"), _BOTH, "denied", "denied: endangers security/stability"),
    S3Row("denied.third_party", (_R3, "（三）不予公开", "4.保护第三方合法权益"), (r"第三方",), _BOTH,
          "denied", "denied: third-party rights"),
    S3Row("denied.internal_affairs", (_R3, "（三）不予公开", "5.属于三类内部事务信息"),
          (r"内部事务", r"三类内", r"内容事务"), _BOTH, "denied", "denied: internal affairs"),
    S3Row("denied.process_info", (_R3, "（三）不予公开", "6.属于四类过程性信息"), (r"过程性",), _BOTH,
          "denied", "denied: process information"),
    S3Row("denied.enforcement_files", (_R3, "（三）不予公开", "7.属于行政执法案卷"), (r"执法案卷",), _BOTH,
          "denied", "denied: law-enforcement files"),
    S3Row("denied.query_matters", (_R3, "（三）不予公开", "8.属于行政查询事项"), (r"查询事项",), _BOTH,
          "denied", "denied: administrative query matters"),
    S3Row("unable.not_held", (_R3, "（四）无法提供", "1.本机关不掌握相关政府信息"), (r"不掌握",), _BOTH,
          "unable", "unable: information not held"),
    S3Row("unable.needs_creation", (_R3, "（四）无法提供", "2.没有现成信息需要另行制作"),
          (r"另行制作", r"没有现成"), _BOTH, "unable", "unable: would need to be created"),
    S3Row("unable.unclear", (_R3, "（四）无法提供", "3.补正后申请内容仍不明确"), (r"不明确",), _BOTH,
          "unable", "unable: still unclear after correction"),
    S3Row("not_processed.petition", (_R3, "（五）不予处理", "1.信访举报投诉类申请"), (r"信访", r"举报投诉"),
          _BOTH, "not_processed", "not processed: petitions and complaints"),
    S3Row("not_processed.repeated", (_R3, "（五）不予处理", "2.重复申请"), (r"重复申请",), _BOTH,
          "not_processed", "not processed: repeated application"),
    S3Row("not_processed.publications", (_R3, "（五）不予处理", "3.要求提供公开出版物"), (r"出版物",), _BOTH,
          "not_processed", "not processed: asks for publications"),
    S3Row("not_processed.excessive", (_R3, "（五）不予处理", "4.无正当理由大量反复申请"),
          (r"大量反[复覆]", r"反[复覆]申请"), _BOTH, "not_processed", "not processed: excessive repeated"),
    S3Row("not_processed.confirm_reissue", (_R3, "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
          (r"重新出具", r"确认或重新"), _BOTH, "not_processed",
          "not processed: asks to confirm or reissue information already obtained"),
    S3Row("other", (_R3, "（六）其他处理"), (r"其他处理",), _BOTH,
          meaning="other handling (one row: 2019 format, and 2021 reports that print one row)"),
    S3Row("other.no_correction",
          (_R3, "（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
          (r"不补正",), ("2021",), "other", "other: applicant did not correct in time"),
    S3Row("other.fee_unpaid",
          (_R3, "（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
          (r"缴纳费用", r"收费通知"), ("2021",), "other", "other: fee not paid"),
    S3Row("other.other", (_R3, "（六）其他处理", "3.其他"), (r"^\d\.?其他$",), ("2021",), "other",
          "other: other"),
    S3Row("total", (_R3, "（七）总计"), (r"^\(七\)总计", r"^\(?七\)?\.?总计", r"^总计$"), _BOTH,
          meaning="total handled"),
    S3Row("carried_forward", ("四、结转下年度继续办理",), (r"结转下年", r"继续办理"), _BOTH,
          meaning="carried forward to next year"),
)

S3_GROUPS = {
    "denied": ("（三）不予公开", (r"不予公开",)),
    "unable": ("（四）无法提供", (r"无法提供",)),
    "not_processed": ("（五）不予处理", (r"不予处理",)),
    "other": ("（六）其他处理", (r"其他处理",)),
    "results": ("三、本年度办理结果", (r"办理结果",)),
}

# ---------------------------------------------------------------- section 4
S4_GROUPS = (
    ("review", "行政复议", "administrative review"),
    ("suit_direct", "行政诉讼/未经复议直接起诉", "lawsuit without prior review"),
    ("suit_after_review", "行政诉讼/复议后起诉", "lawsuit after review"),
)
S4_COLUMNS: tuple[Column, ...] = (
    # the partial keys (他结果, ^计$) read labels a page break cut after their first character
    Column("upheld", "结果维持", (r"维持",), "upheld"),
    Column("corrected", "结果纠正", (r"纠正",), "corrected"),
    Column("other", "其他结果", (r"其他结果", r"^他结果$"), "other outcome"),
    Column("pending", "尚未审结", (r"尚未审结", r"未审结"), "not yet concluded"),
    Column("total", "总计", (r"总计", r"合计", r"^计$"), "total"),
)

IDENTITIES: tuple[Identity, ...] = (
    Identity("s3.balance", "error",
             "for every column c: new[c] + carried_over[c] = total[c] + carried_forward[c]"),
    Identity("s3.row_total", "error", "for every row r: total column = sum of the six applicant columns"),
    Identity("s3.results_total", "error",
             "for every column c: total[c] = granted + partly_granted + Σ denied.* + Σ unable.* "
             "+ Σ not_processed.* + (other, or Σ other.*)"),
    Identity("s4.group_total", "error", "for each group: total = upheld + corrected + other + pending"),
    Identity("non_negative", "error", "counts are non-negative (except 2019 *.change)"),
    Identity("check.regulations_level", "warning",
             "a township or department reporting 规章 (only State Council departments, provinces and "
             "larger cities may make 规章)"),
    Identity("check.template_year", "warning", "the template found does not match the report year"),
    Identity("check.prose_mismatch", "warning",
             "a number quoted in the 总体情况 prose differs from the tables"),
)


def _build_fields() -> tuple[FieldDef, ...]:
    out: dict[str, FieldDef] = {}
    s2 = SECTION_TITLES[2]
    for row in S2_ROWS:
        for col in row.columns:
            fid = f"s2.{row.stem}.{col.suffix}"
            prev = out.get(fid)
            templates = row.templates if prev is None else tuple(sorted(set(prev.templates) | set(row.templates)))
            out[fid] = FieldDef(
                id=fid,
                table="s2",
                label_path=(s2, f"第二十条第{row.item}项", row.label, col.label),
                templates=templates,
                unit=row.unit if col.suffix in row.money else None,
                meaning=f"{row.meaning}: {col.meaning}",
                signed=col.suffix in row.signed,
                money=col.suffix in row.money,
                optional=row.optional,
            )
    s3 = SECTION_TITLES[3]
    for r in S3_ROWS:
        for col in S3_COLUMNS:
            fid = f"s3.{r.rid}.{col.suffix}"
            colpath = ("申请人情况", col.label) if col.suffix == "natural_person" else (
                ("申请人情况", "法人或其他组织", col.label) if col.suffix != "total" else ("申请人情况", "总计"))
            out[fid] = FieldDef(fid, "s3", (s3, *r.path, *colpath), r.templates, None,
                                f"{r.meaning}: {col.meaning}")
    s4 = SECTION_TITLES[4]
    for g, glabel, gmeaning in S4_GROUPS:
        for col in S4_COLUMNS:
            fid = f"s4.{g}.{col.suffix}"
            out[fid] = FieldDef(fid, "s4", (s4, *glabel.split("/"), col.label), _BOTH, None,
                                f"{gmeaning}: {col.meaning}")
    return tuple(out.values())


FIELDS: tuple[FieldDef, ...] = _build_fields()
FIELD_BY_ID: dict[str, FieldDef] = {f.id: f for f in FIELDS}
FIELD_IDS: tuple[str, ...] = tuple(f.id for f in FIELDS)


def s2_rows(template: str) -> tuple[S2Row, ...]:
    return tuple(r for r in S2_ROWS if template in r.templates)


def s3_rows(template: str, other_split: bool) -> tuple[S3Row, ...]:
    """The section-3 rows a report of ``template`` shows; ``other_split``: （六） as three rows."""
    if template == "2019":
        other_split = False
    rows = []
    for r in S3_ROWS:
        if template not in r.templates:
            continue
        if r.rid == "other" and other_split:
            continue
        if r.rid.startswith("other.") and not other_split:
            continue
        rows.append(r)
    return tuple(rows)


def expected_fields(template: str, other_split: bool = True) -> list[str]:
    """Every field id a complete report of ``template`` shows (optional rows left out)."""
    out = []
    for row in s2_rows(template):
        if not row.optional:
            out += [f"s2.{row.stem}.{c.suffix}" for c in row.columns]
    for r in s3_rows(template, other_split):
        out += [f"s3.{r.rid}.{c.suffix}" for c in S3_COLUMNS]
    for g, _, _ in S4_GROUPS:
        out += [f"s4.{g}.{c.suffix}" for c in S4_COLUMNS]
    return out


CODEBOOK_COLUMNS = ("field", "table", "label_path", "templates", "unit", "signed", "meaning")


def codebook_rows() -> list[dict[str, str]]:
    """The codebook, one dict per field id (the rows of ``codebook.csv``)."""
    return [
        {
            "field": f.id,
            "table": f.table,
            "label_path": " / ".join(f.label_path),
            "templates": " ".join(f.templates),
            "unit": f.unit or "",
            "signed": "yes" if f.signed else "",
            "meaning": f.meaning + (" (regional variant, optional)" if f.optional else ""),
        }
        for f in FIELDS
    ]

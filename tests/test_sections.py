from __future__ import annotations

from extractor.model import Text
from extractor.sections import find_layout


def layout(text: str):
    lines = [Text(t) for t in text.splitlines() if t.strip()]
    return lines, find_layout(lines)


def test_heading_variants_and_traps():
    lines, lay = layout(
        "某某县人民政府2022年政府信息公开工作年度报告\n"
        "本报告依据《条例》编制。\n"
        "### 一. 总体情况\n"
        "（一）主动公开\n本年度主动公开信息。\n"
        "（二）依申请公开\n"
        "二、行政机关主动公开政府信息情况\n"
        "三、收到和处理政府信息公开\n申请情况\n"
        "一、本年新收政府信息公开申请数量\n"
        "三、本年度办理结果\n"
        "四、结转下年度继续办理\n"
        "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况\n"
        "五、存在的主要问题及整改措施\n"
        "问题如下。\n"
        "六、其他需要报告的事项\n"
        "无。\n"
        "某某县人民政府\n"
        "2023年1月20日\n"
    )
    assert [(h.number, h.title) for h in lay.headings] == [
        (1, "一. 总体情况"),
        (2, "二、行政机关主动公开政府信息情况"),
        (3, "三、收到和处理政府信息公开申请情况"),
        (4, "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况"),
        (5, "五、存在的主要问题及整改措施"),
        (6, "六、其他需要报告的事项"),
    ]
    assert lay.preamble_end == 2
    assert [t.text for t in lines[lay.signature_start:]] == ["某某县人民政府", "2023年1月20日"]
    six = lay.spans[-1]
    assert [t.text for t in lines[six.start:six.end]] == ["无。"]


def test_missing_section_keeps_the_others():
    _, lay = layout("一、总体情况\n文字。\n二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n"
                    "五、存在的主要问题及改进情况\n文字。\n")
    assert [h.number for h in lay.headings] == [1, 2, 3, 5]


def test_duplicated_heading_is_not_a_new_section():
    _, lay = layout("一、总体情况\n文字。\n二、主动公开政府信息情况\n二、主动公开政府信息情况\n"
                    "三、收到和处理政府信息公开申请情况\n四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n")
    assert [h.number for h in lay.headings] == [1, 2, 3, 4, 5]


def test_prose_numbered_list_is_not_headings():
    _, lay = layout("今年工作如下：\n一是加强领导。\n二是完善制度，推进公开。\n")
    assert lay.headings == ()

"""Build small Word packages (and OLE files) byte by byte for the reader tests: no
python-docx, every part written as the test needs it, hostile ones included."""

from __future__ import annotations

import io
import struct
import zipfile

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = (f'xmlns:w="{W_NS}" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:v="urn:schemas-microsoft-com:vml" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def p(text: str = "", ppr: str = "", runs: str | None = None) -> str:
    """A paragraph: one run of ``text`` (or the raw ``runs``), optional raw ``<w:pPr>`` content."""
    pp = f"<w:pPr>{ppr}</w:pPr>" if ppr else ""
    body = runs if runs is not None else (f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>' if text else "")
    return f"<w:p>{pp}{body}</w:p>"


def num(num_id: int, ilvl: int = 0) -> str:
    return f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'


def tc(text: str = "", span: int = 1, vmerge: str | None = None) -> str:
    pr = ""
    if span > 1:
        pr += f'<w:gridSpan w:val="{span}"/>'
    if vmerge == "restart":
        pr += '<w:vMerge w:val="restart"/>'
    elif vmerge == "continue":
        pr += "<w:vMerge/>"
    return f"<w:tc>{'<w:tcPr>' + pr + '</w:tcPr>' if pr else ''}{p(text) if text else '<w:p/>'}</w:tc>"


def tbl(*rows: str) -> str:
    return "<w:tbl>" + "".join(f"<w:tr>{r}</w:tr>" for r in rows) + "</w:tbl>"


def document_xml(body: str, prolog: str = "") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}'
            f"<w:document {NS}><w:body>{body}<w:sectPr/></w:body></w:document>").encode()


def lvl(ilvl: int, fmt: str, text: str, start: int = 1, extra: str = "") -> str:
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/>{extra}</w:lvl>')


def numbering_xml(abstracts: dict[int, str], nums: dict[int, tuple[int, str]]) -> bytes:
    """``abstracts``: id -> levels XML; ``nums``: numId -> (abstractNumId, override XML)."""
    a = "".join(f'<w:abstractNum w:abstractNumId="{k}">{v}</w:abstractNum>' for k, v in abstracts.items())
    n = "".join(f'<w:num w:numId="{k}"><w:abstractNumId w:val="{aid}"/>{ov}</w:num>' for k, (aid, ov) in nums.items())
    return f'<?xml version="1.0" encoding="UTF-8"?><w:numbering {NS}>{a}{n}</w:numbering>'.encode()


def styles_xml(styles: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><w:styles {NS}>{styles}</w:styles>'.encode()


def package(document: bytes, parts: dict[str, bytes] | None = None, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A .docx: content types, package and document relationships (numbering, styles,
    header, comments when those parts are given), the main part and ``parts``."""
    parts = dict(parts or {})
    rels = []
    kinds = {"word/numbering.xml": "numbering", "word/styles.xml": "styles", "word/header1.xml": "header",
             "word/comments.xml": "comments", "word/footer1.xml": "footer"}
    for k, (name, kind) in enumerate((n, kinds[n]) for n in parts if n in kinds):
        rels.append(f'<Relationship Id="rId{k + 1}" Type="{REL}/{kind}" Target="{name.split("/", 1)[1]}"/>')
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{MAIN_TYPE}"/></Types>').encode(),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/>'
            '</Relationships>').encode(),
        "word/document.xml": document,
        "word/_rels/document.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships">{"".join(rels)}</Relationships>').encode(),
        **parts,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def ole(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE compound file (512-byte sectors, one FAT sector) holding ``streams``
    (each stored in regular sectors, padded to 4096 bytes at least)."""
    size = 512
    FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    names = list(streams)
    n_dir = (len(names) + 1 + 3) // 4
    fat = [FATSECT] + [(k + 1 if k < n_dir else END) for k in range(1, n_dir + 1)]
    data_sectors = b""
    entries = [("Root Entry", 5, END, 0)]
    next_sector = 1 + n_dir
    for name in names:
        payload = streams[name].ljust(4096, b"\0")
        payload += b"\0" * (-len(payload) % size)
        count = len(payload) // size
        entries.append((name, 2, next_sector, len(streams[name]) if len(streams[name]) >= 4096 else 4096))
        fat += [next_sector + k + 1 for k in range(count - 1)] + [END]
        next_sector += count
        data_sectors += payload
    fat += [FREE] * (size // 4 - len(fat))
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, END, 0, END)
    struct.pack_into("<I", header, 0x48, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([FREE] * 108))
    directory = b""
    for k, (name, kind, start, length) in enumerate(entries):
        e = bytearray(128)
        raw = name.encode("utf-16-le") + b"\0\0"
        e[0:len(raw)] = raw
        struct.pack_into("<HBB", e, 0x40, len(raw), kind, 1)
        struct.pack_into("<III", e, 0x44, 0xFFFFFFFF, 0xFFFFFFFF, 1 if k == 0 and len(entries) > 1 else 0xFFFFFFFF)
        if 0 < k < len(entries) - 1:
            struct.pack_into("<I", e, 0x48, k + 1)
        struct.pack_into("<II", e, 0x74, start, length)
        directory += bytes(e)
    directory = directory.ljust(n_dir * size, b"\0")
    return bytes(header) + struct.pack(f"<{size // 4}I", *fat[:size // 4]) + directory + data_sectors


def fib(encrypted: bool = False) -> bytes:
    """The start of a WordDocument stream: the FIB's wIdent and flags."""
    flags = 0x0100 if encrypted else 0
    return struct.pack("<HHHHHH", 0xA5EC, 0xC1, 0, 0, 0, flags).ljust(4096, b"\0")

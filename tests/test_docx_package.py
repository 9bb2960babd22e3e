"""The ZIP package under the DOCX reader (extractor/readers/docxpkg.py): the plainest
ZIP's central directory is read from the bytes, anything else by zipfile, and both give
the same parts, the same document and the same errors."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from docxbuild import document_xml, p, package, tbl, tc

from extractor.errors import DamagedDocument
from extractor.readers import docx, docxpkg

BODY = p("一、总体情况") + tbl(tc("项目") + tc("数量"), tc("规章") + tc("3"))


def fields(data: bytes) -> dict[str, tuple[object, ...]]:
    """zipfile's view of each entry, in the fields the package reader uses."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: (i.orig_filename, i.flag_bits, i.compress_type, i.CRC, i.compress_size, i.file_size,
                             i.header_offset) for i in z.infolist()}


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_plain_zip_directory_is_zipfiles(compression: int) -> None:
    data = package(document_xml(BODY), compression=compression)
    got = docxpkg._directory(data)
    assert got is not None
    assert {k: tuple(v) for k, v in got.items()} == fields(data)


def with_comment(data: bytes) -> bytes:
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as z:
        z.comment = b"a comment"
    return buf.getvalue()


def with_extra(data: bytes, extra: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            info.extra = extra
            dst.writestr(info, src.read(info.filename))
    return out.getvalue()


@pytest.mark.parametrize("change", [with_comment, lambda d: b"MZ prepended" + d])
def test_other_zips_are_read_by_zipfile_to_the_same_document(change) -> None:
    plain = package(document_xml(BODY))
    data = change(plain)
    assert docxpkg._directory(data) is None
    assert docx.read(data) == docx.read(plain)


def test_well_formed_extra_fields_are_read_as_zipfile_reads_them() -> None:
    plain = package(document_xml(BODY))
    data = with_extra(plain, struct.pack("<HHB", 0x5455, 1, 0))  # an extended timestamp field
    got = docxpkg._directory(data)
    assert got is not None and {k: tuple(v) for k, v in got.items()} == fields(data)
    assert docx.read(data) == docx.read(plain)


def test_corrupt_extra_field_is_left_to_zipfile_which_refuses_it() -> None:
    data = with_extra(package(document_xml(BODY)), struct.pack("<HH", 0x5455, 40) + b"\x00")
    assert docxpkg._directory(data) is None
    with pytest.raises(DamagedDocument, match="damaged or truncated ZIP package: Corrupt extra field"):
        docx.read(data)


def test_part_whose_crc_differs_is_damaged() -> None:
    data = bytearray(package(document_xml(BODY), compression=zipfile.ZIP_STORED))
    at = data.index("总体".encode())
    data[at:at + 3] = "全".encode()  # same length, the XML still well formed: only the CRC tells
    with pytest.raises(DamagedDocument, match="damaged part word/document.xml: Bad CRC-32"):
        docx.read(bytes(data))


def test_part_of_compressed_patched_data_is_refused_as_zipfile_refuses_it() -> None:
    data = bytearray(package(document_xml(BODY)))
    at = data.rindex(b"PK\x01\x02", 0, data.rindex(b"word/document.xml"))
    flags = struct.unpack_from("<H", data, at + 8)[0]
    struct.pack_into("<H", data, at + 8, flags | 0x20)
    with pytest.raises(DamagedDocument, match=r"cannot read word/document.xml: compressed patched data"):
        docx.read(bytes(data))

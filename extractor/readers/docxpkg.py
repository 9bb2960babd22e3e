"""The ZIP package of a Word document: its parts inflated under a cap, XML parsed safely,
the main part and its related parts found through the relationships, and a ZIP told apart
from other ZIPs by content (:func:`sniff_zip`). Used by :mod:`.docx`.

The plainest ZIP (what Word and LibreOffice write) has its central directory read and its
stored or deflated parts inflated straight from the bytes, each within the caps; any
other ZIP, and any part that is not plain, is read by zipfile, so both give the same
parts and the same errors (``tests/test_docx_package.py``)."""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
import zlib
from typing import Any, NamedTuple

from lxml import etree

from ..errors import DamagedDocument, EncryptedDocument, LimitExceeded, UnsupportedFormat

_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

MAIN_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)
_OTHER_ZIPS = (  # (a part name, what the package is)
    ("xl/workbook.xml", "an Excel workbook (.xlsx), not a Word document"),
    ("ppt/presentation.xml", "a PowerPoint presentation (.pptx), not a Word document"),
    ("visio/document.xml", "a Visio drawing (.vsdx)"),
    ("Documents/1/FixedDocument.fdoc", "an XPS document"),
)
_ODF_TYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.text-template": "odt",
}
_MAX_XML_PART = 1 << 20  # [Content_Types].xml, .rels, mimetype: small parts read while sniffing

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                          huge_tree=False, remove_comments=True, remove_pis=True)




class _Entry(NamedTuple):
    """What :meth:`Package.read` needs of a central directory entry (zipfile's names)."""

    orig_filename: str
    flag_bits: int
    compress_type: int
    CRC: int
    compress_size: int
    file_size: int
    header_offset: int


def _directory(data: bytes) -> dict[str, _Entry] | None:
    """The central directory of the plainest ZIP (no comment, no data before the archive,
    no ZIP64, no split archive, extra fields well formed, names without NUL), read
    straight from the bytes; None for any other ZIP (zipfile reads it). What is read here
    is what zipfile would read: the same entries, the last of a name counting."""
    n = len(data)
    if n < 22 or data[n - 22:n - 18] != b"PK\x05\x06" or data[n - 42:n - 38] == b"PK\x06\x07":
        return None
    disk, cd_disk, here, total, cd_size, cd_offset, comment = struct.unpack_from("<4H2LH", data, n - 18)
    if disk or cd_disk or here != total or comment or cd_offset + cd_size != n - 22 or total == 0xFFFF:
        return None
    out: dict[str, _Entry] = {}
    pos, end = cd_offset, n - 22
    while pos < end:
        if pos + 46 > end or data[pos:pos + 4] != b"PK\x01\x02":
            return None
        (version, flags, method, crc, csize, usize, name_len, extra_len, comment_len,
         offset) = _CD_FIELDS.unpack_from(data, pos)
        name_end = pos + 46 + name_len
        stop = name_end + extra_len + comment_len
        if stop > end or version > 63 or 0xFFFFFFFF in (csize, usize, offset) or not _plain_extra(data, name_end,
                                                                                                   extra_len):
            return None
        raw = data[pos + 46:name_end]
        try:
            name = raw.decode("utf-8") if flags & 0x800 else raw.decode("cp437")
        except UnicodeDecodeError:
            return None
        if "\x00" in name:
            return None
        out[name] = _Entry(name, flags, method, crc, csize, usize, offset)
        pos = stop
    return out


# central directory entry from its extract version: version, flags, method, (time, date), CRC,
# sizes, name/extra/comment lengths, (disk, attributes), local header offset
_CD_FIELDS = struct.Struct("<6xBxHH4xLLLHHH8xL")


def _plain_extra(data: bytes, pos: int, length: int) -> bool:
    """Whether extra fields are well formed and hold no ZIP64 field (zipfile would read
    sizes from it, or refuse it)."""
    end = pos + length
    while end - pos >= 4:
        kind, size = struct.unpack_from("<HH", data, pos)
        if kind == 1 or pos + 4 + size > end:
            return False
        pos += 4 + size
    return True


class Package:
    """A ZIP package whose parts are inflated with a cap on the total inflated bytes."""

    def __init__(self, data: bytes, limit: int) -> None:
        self.data = data
        self.limit = limit
        self.used = 0
        self._zip: zipfile.ZipFile | None = None
        infos: dict[str, Any] | None = _directory(data)
        if infos is None:
            infos = {i.filename: i for i in self.zip.infolist()}
        self.infos = infos
        self.names = infos.keys()

    @property
    def zip(self) -> zipfile.ZipFile:
        """The package opened by zipfile (on first need when its directory was read here)."""
        if self._zip is None:
            try:
                self._zip = zipfile.ZipFile(io.BytesIO(self.data))
            except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
                raise DamagedDocument(f"damaged or truncated ZIP package: {e}") from None
        return self._zip

    def read(self, name: str, cap: int | None = None) -> bytes:
        """The inflated bytes of one part; never trusts the sizes the archive declares."""
        got = self._inflate(name, cap)
        if got is not None:
            self.used += len(got)
            return got
        return self._stream(name, cap)

    def _inflate(self, name: str, cap: int | None) -> bytes | None:
        """A stored or deflated, unencrypted part inflated at once from the package's bytes,
        no further than the bytes left under the limit and ``cap`` (one more byte tells it
        went over); None for anything else, or anything irregular (a local header that
        does not match the directory, a stream that does not end, a CRC that differs,
        a part over the limit): :meth:`_stream` reads it as zipfile does and raises the
        error."""
        info = self.infos.get(name)
        if info is None or info.flag_bits & 0x61 or info.compress_type not in (zipfile.ZIP_STORED,
                                                                                zipfile.ZIP_DEFLATED):
            return None  # encrypted, patched or strongly encrypted data: as zipfile reads (or refuses) it
        data, off = self.data, info.header_offset
        head = data[off:off + 30]
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            return None
        name_len, extra_len = struct.unpack_from("<HH", head, 26)
        utf8 = struct.unpack_from("<H", head, 6)[0] & 0x800  # the local header's flag, as zipfile reads the name
        local = data[off + 30:off + 30 + name_len].decode("utf-8" if utf8 else "cp437", "replace")
        if local != info.orig_filename:
            return None
        start = off + 30 + name_len + extra_len
        raw = data[start:start + info.compress_size]
        budget = self.limit - self.used
        if cap is not None:
            budget = min(budget, cap)
        if budget < 0:
            return None
        if info.compress_type == zipfile.ZIP_STORED:
            out = raw
        else:
            inflater = zlib.decompressobj(-15)
            try:
                out = inflater.decompress(raw, budget + 1)
            except zlib.error:
                return None
            if not inflater.eof:
                return None
        if len(out) > budget or len(out) != info.file_size or zlib.crc32(out) != info.CRC:
            return None
        return out

    def _stream(self, name: str, cap: int | None) -> bytes:
        chunks: list[bytes] = []
        got = 0
        try:
            with self.zip.open(name) as f:
                while True:
                    chunk = f.read(1 << 16)
                    if not chunk:
                        break
                    got += len(chunk)
                    self.used += len(chunk)
                    if self.used > self.limit:
                        raise LimitExceeded(
                            "max_inflated_bytes",
                            f"the parts of the package inflate to more than max_inflated_bytes={self.limit} "
                            f"bytes (stopped in {name}; a decompression bomb?)")
                    if cap is not None and got > cap:
                        raise DamagedDocument(f"the part {name} is larger than {cap} bytes")
                    chunks.append(chunk)
        except RuntimeError as e:  # an encrypted ZIP entry
            if "encrypted" in str(e).lower() or "password" in str(e).lower():
                raise EncryptedDocument(f"the ZIP entry {name} is encrypted") from None
            raise DamagedDocument(f"cannot read {name}: {e}") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError) as e:
            raise DamagedDocument(f"damaged part {name}: {e}") from None
        return b"".join(chunks)


def parse_xml(data: bytes, part: str) -> Any:
    """One XML part, parsed without entities, DTDs, network or huge trees."""
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as e:
        if "depth" in str(e).lower():
            raise LimitExceeded("max_depth", f"{part} nests its elements deeper than the XML parser allows "
                                             f"(256 levels): {e}") from None
        raise DamagedDocument(f"{part} is not well-formed XML: {e}") from None


def _content_types(pkg: Package) -> dict[str, str]:
    """Part name (no leading slash) -> content type, from ``[Content_Types].xml`` overrides."""
    if "[Content_Types].xml" not in pkg.names:
        return {}
    root = parse_xml(pkg.read("[Content_Types].xml", _MAX_XML_PART), "[Content_Types].xml")
    return {(el.get("PartName") or "").lstrip("/"): el.get("ContentType") or ""
            for el in root if isinstance(el.tag, str) and el.tag.endswith("Override")}


def main_part(pkg: Package) -> str | None:
    """The main document part: the officeDocument relationship of ``_rels/.rels`` when it
    is a Word part, else ``word/document.xml`` when present."""
    if "_rels/.rels" in pkg.names:
        rels = parse_xml(pkg.read("_rels/.rels", _MAX_XML_PART), "_rels/.rels")
        for rel in rels.iter(f"{_PKG_REL}Relationship"):
            if (rel.get("Type") or "").endswith("/officeDocument") and rel.get("TargetMode") != "External":
                target = posixpath.normpath((rel.get("Target") or "").lstrip("/"))
                if target in pkg.names and (target == "word/document.xml"
                                            or _content_types(pkg).get(target) in MAIN_TYPES):
                    return target
    return "word/document.xml" if "word/document.xml" in pkg.names else None


def related(pkg: Package, main: str, kinds: tuple[str, ...] = ("numbering", "styles")) -> dict[str, str]:
    """Relationship type (its last word: one of ``kinds``) -> part name, for the internal
    relationships of the main part (the first of each type counts)."""
    folder, base = posixpath.split(main)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    out: dict[str, str] = {}
    if rels_name not in pkg.names:
        for kind in kinds:
            guess = posixpath.join(folder, f"{kind}.xml")
            if guess in pkg.names:
                out[kind] = guess
        return out
    rels = parse_xml(pkg.read(rels_name, _MAX_XML_PART), rels_name)
    for rel in rels.iter(f"{_PKG_REL}Relationship"):
        kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
        if kind in kinds and rel.get("TargetMode") != "External" and kind not in out:
            target = posixpath.normpath(posixpath.join(folder, rel.get("Target") or ""))
            if target in pkg.names:
                out[kind] = target
    return out


def _looks_like_word(data: bytes) -> bool:
    """Whether the local entries at the start of a ZIP that cannot be opened (no central
    directory: a truncated download) are those of a Word package: a ``word/`` part, or a
    ``[Content_Types].xml`` naming WordprocessingML (inflated as far as it goes)."""
    off = 0
    for _ in range(64):
        if data[off:off + 4] != b"PK\x03\x04" or off + 30 > len(data):
            return False
        method, size = struct.unpack_from("<H", data, off + 8)[0], struct.unpack_from("<I", data, off + 18)[0]
        name_len, extra_len = struct.unpack_from("<HH", data, off + 26)
        name = data[off + 30:off + 30 + name_len]
        start = off + 30 + name_len + extra_len
        if name.startswith(b"word/"):
            return True
        if name == b"[Content_Types].xml":
            raw = data[start:start + min(size, 1 << 16)] if size else data[start:start + (1 << 16)]
            try:
                text = zlib.decompressobj(-15).decompress(raw, 1 << 17) if method == 8 else raw
            except zlib.error:
                text = b""
            if b"wordprocessingml" in text:
                return True
        if not size:
            return False
        off = start + size
    return False


def sniff_zip(data: bytes) -> str:
    """``"docx"`` or ``"odt"`` for a ZIP package holding one; raise otherwise:
    :class:`UnsupportedFormat` naming what the ZIP is (.xlsx, .pptx, an archive),
    :class:`DamagedDocument` for a ZIP that cannot be opened (a truncated download)."""
    try:
        pkg = Package(data, 1 << 24)
    except DamagedDocument:
        if _looks_like_word(data):
            raise DamagedDocument("damaged or truncated file: it starts as a Word document (.docx) but the "
                                  "ZIP cannot be opened (cut short?)") from None
        raise UnsupportedFormat("not a report: the file is a ZIP archive (one that cannot be opened: damaged "
                                "or cut short)") from None
    if main_part(pkg) is not None:
        return "docx"
    if "mimetype" in pkg.names:
        mime = pkg.read("mimetype", 200).decode("ascii", "replace").strip()
        if mime in _ODF_TYPES:
            return _ODF_TYPES[mime]
        raise UnsupportedFormat(f"not a report: the file is an OpenDocument file of type {mime!r}, not a text document")
    if "EncryptedPackage" in pkg.names:
        raise EncryptedDocument("an encrypted Office document: it cannot be opened without its password")
    for name, what in _OTHER_ZIPS:
        if name in pkg.names:
            raise UnsupportedFormat(f"not a report: the file is {what}")
    raise UnsupportedFormat("not a report: the file is a ZIP archive (not a Word document)")

"""Word formats other than DOCX (.doc, Kingsoft .wps, .odt, .rtf): converted to DOCX by
LibreOffice, then read by :mod:`.docx`.

Conversion (:func:`convert_to_docx`) runs ``soffice --headless --convert-to docx`` in a
temporary folder of its own, with a fresh LibreOffice user profile per conversion
(``-env:UserInstallation``; parallel workers never share one), that profile set to
update no links and to use a proxy that does not exist, inside a network namespace of
its own when ``unshare -rn`` works (so nothing reaches the network), under the time
limit (``limits.time_s``): past it the whole process group is killed and the file fails
with ``LimitExceeded("time_s")``. Without LibreOffice the error is
:class:`~extractor.errors.ConverterMissing` (exit code 10), naming the Debian package.

:func:`sniff_ole` tells OLE (compound) files apart by their stream names: a
``WordDocument`` stream is a Word 97–2003 document (Kingsoft WPS writes the same
format), ``Workbook``/``Book`` an Excel workbook, ``EncryptedPackage`` a password-
protected Office 2007+ document, and a .doc whose FIB says it is encrypted is one too.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import struct
import subprocess
import tempfile
import time
from functools import cache
from pathlib import Path

from ..errors import ConverterMissing, DamagedDocument, EncryptedDocument, LimitExceeded, UnsupportedFormat
from ..limits import _DEADLINE, DEFAULT_LIMITS, Limits, check_time
from ..model import Document
from . import docx

INSTALL_HINT = "install LibreOffice Writer (Debian/Ubuntu: apt-get install libreoffice-writer-nogui)"
_NAMES = {"doc": "a Word 97-2003 (.doc) or WPS (.wps) document", "odt": "an OpenDocument text (.odt)",
          "rtf": "an RTF document"}

# --------------------------------------------------------------------------- OLE files

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE
_MAX_SECTORS = 1 << 20  # bounded walks: a cyclic or absurd chain stops here


def _sector(data: bytes, n: int, size: int) -> bytes:
    off = (n + 1) * size
    return data[off:off + size]


def _chain(fat: list[int], start: int) -> list[int]:
    out: list[int] = []
    seen: set[int] = set()
    n = start
    while n < len(fat) and n not in seen and len(out) < _MAX_SECTORS:
        seen.add(n)
        out.append(n)
        n = fat[n]
    return out


def ole_streams(data: bytes) -> dict[str, tuple[int, int]]:
    """Names of the streams and storages of an OLE file -> (start sector, size).
    Raises :class:`DamagedDocument` when the header or directory cannot be read."""
    if len(data) < 512 or not data.startswith(_OLE_MAGIC):
        raise DamagedDocument("damaged OLE file: the header is cut short")
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):
        raise DamagedDocument("damaged OLE file: bad sector size")
    size = 1 << shift
    n_fat, first_dir = struct.unpack_from("<I", data, 0x2C)[0], struct.unpack_from("<I", data, 0x30)[0]
    difat = list(struct.unpack_from("<109I", data, 0x4C))
    next_difat, n_difat = struct.unpack_from("<II", data, 0x44)
    seen: set[int] = set()
    while next_difat not in (_FREE, _END) and next_difat not in seen and len(seen) < n_difat + 1:
        seen.add(next_difat)
        sec = _sector(data, next_difat, size)
        if len(sec) < size:
            break
        vals = struct.unpack(f"<{size // 4}I", sec)
        difat.extend(vals[:-1])
        next_difat = vals[-1]
    fat: list[int] = []
    for s in difat[:min(n_fat, _MAX_SECTORS)]:
        if s in (_FREE, _END):
            continue
        sec = _sector(data, s, size)
        if len(sec) < size:
            raise DamagedDocument("damaged or truncated OLE file: its allocation table is cut short")
        fat.extend(struct.unpack(f"<{size // 4}I", sec))
    out: dict[str, tuple[int, int]] = {}
    for s in _chain(fat, first_dir):
        sec = _sector(data, s, size)
        for k in range(0, len(sec) - 127, 128):
            entry = sec[k:k + 128]
            name_len = struct.unpack_from("<H", entry, 0x40)[0]
            if entry[0x42] in (1, 2) and 2 <= name_len <= 64:
                name = entry[:name_len - 2].decode("utf-16-le", "replace")
                start, length = struct.unpack_from("<II", entry, 0x74)
                out.setdefault(name, (start, length))
    if not out:
        raise DamagedDocument("damaged OLE file: no directory entries")
    return out


def _word_encrypted(data: bytes, start: int) -> bool:
    """The FIB of a WordDocument stream (in its first sector) says fEncrypted."""
    size = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    first = _sector(data, start, size)
    if len(first) < 12 or struct.unpack_from("<H", first, 0)[0] != 0xA5EC:
        return False
    return bool(struct.unpack_from("<H", first, 0x0A)[0] & 0x0100)


def sniff_ole(data: bytes) -> str:
    """``"doc"`` for a Word 97–2003 / WPS document; raise for any other OLE file."""
    streams = ole_streams(data)
    if "EncryptedPackage" in streams:
        raise EncryptedDocument("an encrypted Office document: it cannot be opened without its password")
    if "WordDocument" in streams:
        start, length = streams["WordDocument"]
        if length >= 4096 and _word_encrypted(data, start):
            raise EncryptedDocument("an encrypted Word document (.doc): it cannot be opened without its password")
        return "doc"
    if "Workbook" in streams or "Book" in streams:
        raise UnsupportedFormat("not a report: the file is an Excel workbook (.xls), not a Word document")
    if "PowerPoint Document" in streams:
        raise UnsupportedFormat("not a report: the file is a PowerPoint presentation (.ppt)")
    raise UnsupportedFormat("not a report: the file is an OLE file that is not a Word document")


# --------------------------------------------------------------------------- LibreOffice


def soffice_path() -> str | None:
    """The LibreOffice program on PATH (``soffice`` or ``libreoffice``), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


@cache
def _unshare(exe: str | None) -> str | None:
    """``exe`` (the ``unshare`` program) when ``unshare -rn`` (a user and network namespace
    of our own) can run here, else None."""
    if not exe:
        return None
    try:
        ok = subprocess.run([exe, "-rn", "true"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return exe if ok else None


# the fresh profile: never update links, never fetch through a proxy that exists
_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" \
oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" \
oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update"><prop oor:name="Link" oor:op="fuse">\
<value>2</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetProxyType" oor:op="fuse">\
<value>1</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetHTTPProxyName" oor:op="fuse">\
<value>127.0.0.1</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetHTTPProxyPort" oor:op="fuse">\
<value>9</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetHTTPSProxyName" oor:op="fuse">\
<value>127.0.0.1</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetHTTPSProxyPort" oor:op="fuse">\
<value>9</value></prop></item>
</oor:items>
"""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SAL_USE_VCLPLUGIN", "FONTCONFIG_PATH")}
    env.update(HOME=str(home), TMPDIR=str(home), SAL_USE_VCLPLUGIN="svp")
    return env


def convert_to_docx(data: bytes, fmt: str, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The DOCX LibreOffice makes of ``data`` (a .doc, .wps, .odt or .rtf)."""
    exe = soffice_path()
    if exe is None:
        raise ConverterMissing(f"reading {_NAMES.get(fmt, 'this file')} needs LibreOffice, which is not "
                               f"installed: {INSTALL_HINT}")
    ext = {"doc": "doc", "odt": "odt", "rtf": "rtf"}.get(fmt, "bin")
    with tempfile.TemporaryDirectory(prefix="extractor-soffice-") as tmp:
        work = Path(tmp)
        src, out = work / f"document.{ext}", work / "out"
        profile = work / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_PROFILE, encoding="utf-8")
        out.mkdir()
        src.write_bytes(data)
        cmd = [exe, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
               f"-env:UserInstallation={profile.as_uri()}", "--convert-to", "docx:MS Word 2007 XML",
               "--outdir", str(out), str(src)]
        unshare = _unshare(shutil.which("unshare"))
        if unshare:
            cmd = [unshare, "-rn", *cmd]
        timeout = _conversion_timeout(limits)
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                cwd=work, env=_env(work), start_new_session=True)
        try:
            log, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise LimitExceeded("time_s", f"LibreOffice did not convert the file within the time limit "
                                          f"time_s={limits.time_s:g} s; it was stopped") from None
        except BaseException:
            _kill_group(proc)
            raise
        _kill_group(proc)  # helpers LibreOffice may have left in its group
        result = out / "document.docx"
        if proc.returncode != 0 or not result.is_file():
            last = (log or b"").decode("utf-8", "replace").strip().splitlines()
            why = f": {last[-1][:200]}" if last else ""
            raise DamagedDocument(f"LibreOffice could not convert {_NAMES.get(fmt, 'the file')} to DOCX "
                                  f"(exit code {proc.returncode}){why}")
        if result.stat().st_size > limits.max_bytes:
            raise LimitExceeded("max_bytes", f"the DOCX converted by LibreOffice is larger than "
                                             f"max_bytes={limits.max_bytes}")
        return result.read_bytes()


def _conversion_timeout(limits: Limits) -> float | None:
    """Seconds LibreOffice may take: what is left of the running parse's deadline less a
    second (so that this kill, which reaches LibreOffice's whole process group, comes before
    a batch watchdog that kills only the worker), else ``limits.time_s``; None: no limit."""
    running = _DEADLINE.get()
    if running is not None:
        return max(0.5, running[0] - time.monotonic() - 1.0)
    return limits.time_s if limits.time_s > 0 else None


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def read(data: bytes, fmt: str, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Convert with LibreOffice and read the result as DOCX; the Document keeps ``fmt``."""
    converted = convert_to_docx(data, fmt, limits)
    check_time("after the LibreOffice conversion")
    doc = docx.read(converted, limits)
    return dataclasses.replace(doc, format=fmt)  # type: ignore[arg-type]

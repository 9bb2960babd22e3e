"""Hostile and broken inputs: never crash, never hang, never lose data.

Every case below is one file (the file name's extension lies on purpose in some). Each is
parsed by ``extractor.parse`` in a child process of its own, so that a hang is a timeout,
a crash is an exit status and the peak memory is the child's own, and it must end as

* a report whose issues say what is wrong (at least the codes listed), or
* one subclass of ``ExtractorError`` (and for ``LimitExceeded`` the limit it names),

within its time budget (the parse's CPU time, measured in the child, so that a busy machine
does not fail it; the child is killed at ``seconds + 30`` of wall time) and its memory budget (the child's peak resident set, interpreter and
libraries included; the address space is capped too so that a regression cannot take the
machine down), and without a file or network access caused by the document: the hostile
documents point at /etc/passwd, at a canary file and at a TCP listener of this module; the
child records Python-level opens, sockets and subprocesses (an audit hook), runs under
``strace`` when the machine allows it (every open, connect, send and execve system call of
the process, libxml2's and pdfium's included), the listener must see no connection and the
record must hold neither the canary nor a line of /etc/passwd. A control run first checks
that each of these probes does see an access when one happens.

The command line gets the same files in ``test_cli_*``: the exit codes of README "Exit
codes" and one line on stderr, never a traceback.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from conftest import FIXTURES, ROOT

TEXT = FIXTURES / "text"
PASSWD = Path("/etc/passwd")


# ---------------------------------------------------------------- the child process

RUNNER = r"""
import json, os, resource, sys, time

spec = json.loads(sys.argv[1])
MB = 1 << 20
resource.setrlimit(resource.RLIMIT_AS, (spec["address_space_mb"] * MB, resource.RLIM_INFINITY))
cpu = int(spec["cpu_s"])
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))

import extractor, extractor.pipeline, extractor.readers.html, extractor.readers.pdf, extractor.readers.text
import pdfplumber.table, pypdfium2
from extractor.errors import ExtractorError
from extractor.limits import Limits

forbidden = tuple(spec["forbidden"])
events = []
WATCHED = ("urllib.Request", "http.client.connect", "ftplib.connect", "smtplib.connect", "subprocess.Popen",
           "os.system", "os.exec", "os.posix_spawn", "os.spawn", "webbrowser.open")


def audit(event, args):
    if event.startswith("socket.") or event in WATCHED:
        events.append([event, repr(args)[:200]])
    elif event == "open" and isinstance(args[0], (str, bytes)):
        path = os.fsdecode(args[0])
        if path.startswith("file:") or any(path.startswith(f) for f in forbidden):
            events.append([event, path])


def hwm_mb():
    try:  # this process's own high-water mark (ru_maxrss may include the parent's after exec)
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


sys.addaudithook(audit)
base = hwm_mb()
t0 = time.process_time()  # CPU time: the budget holds on a busy machine too
if spec.get("control"):  # the harness checks itself: do what no document may make the parser do
    import socket
    blob = bytearray(100 * MB)
    blob[::4096] = b"x" * len(range(0, len(blob), 4096))
    with open(spec["control"]["file"], encoding="utf-8") as fh:
        text = fh.read()
    socket.create_connection(("127.0.0.1", spec["control"]["port"]), timeout=5).close()
    import subprocess
    subprocess.run([sys.executable, "-c", "0"], check=True)
    out = {"outcome": "control", "text": text}
    del blob
else:
    try:
        report = extractor.parse(spec["path"], limits=Limits(**spec["limits"]))
        out = {"outcome": "report", "record": report.to_dict()}
    except ExtractorError as e:
        out = {"outcome": "error", "class": type(e).__name__, "limit": getattr(e, "limit", None),
               "message": str(e)}
out["seconds"] = time.process_time() - t0
out["base_mb"] = base
out["peak_mb"] = hwm_mb()
out["events"] = events
with open(spec["result"], "w", encoding="utf-8") as fh:
    json.dump(out, fh, ensure_ascii=False)
"""

ADDRESS_SPACE_MB = 3072  # a backstop only: the budgets below are what the tests assert


_TRACED = "open,openat,openat2,creat,connect,sendto,sendmsg,execve"


@functools.cache
def strace_prefix() -> tuple[str, ...]:
    """``strace … -o`` for the system calls that open files, reach the network or run a
    program (with the seccomp filter when available: then only those calls stop the
    child); empty when strace is missing or not permitted (containers without ptrace)."""
    exe = shutil.which("strace")
    if not exe:
        return ()
    for prefix in ((exe, "--seccomp-bpf", "-f", "-qq", "-e", f"trace={_TRACED}"),
                   (exe, "-f", "-qq", "-e", "trace=open,openat,creat,connect,sendto,sendmsg,execve")):
        try:
            p = subprocess.run([*prefix, "-o", os.devnull, sys.executable, "-c", "0"], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return ()
        if p.returncode == 0:
            return prefix
    return ()


def strace_works() -> bool:
    return bool(strace_prefix())


def run_child(cmd: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` in its own process group; on timeout kill the whole group (strace and its
    tracee alike) and fail: a hang."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"hang: still running after {timeout:g} s: {' '.join(cmd[:3])} …")
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


# ---------------------------------------------------------------- traps for file and network access


@dataclass
class Traps:
    """What the hostile documents point at, and how to tell that one was touched."""

    dir: Path
    canary: Path
    token: str
    listener: socket.socket
    port: int
    passwd_lines: list[str] = field(default_factory=list)

    @property
    def forbidden(self) -> list[str]:
        return [str(PASSWD), "/etc/shadow", str(self.canary)]

    def leaked(self, text: str) -> list[str]:
        found = [self.token] if self.token in text else []
        return found + [ln for ln in self.passwd_lines if ln in text]

    def connections(self) -> int:
        n = 0
        while True:
            try:
                conn, _ = self.listener.accept()
            except (BlockingIOError, OSError):
                return n
            conn.close()
            n += 1


@pytest.fixture(scope="module")
def traps(tmp_path_factory: pytest.TempPathFactory):
    d = tmp_path_factory.mktemp("traps")
    token = f"CANARY-{random.Random().getrandbits(64):016x}"
    canary = d / "canary.txt"
    canary.write_text(token + "\n", encoding="utf-8")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.setblocking(False)
    lines: list[str] = []
    try:
        lines = [ln for ln in PASSWD.read_text(encoding="utf-8", errors="replace").splitlines() if len(ln) >= 12][:20]
    except OSError:
        pass
    t = Traps(d, canary, token, listener, listener.getsockname()[1], lines)
    yield t
    listener.close()


# ---------------------------------------------------------------- building the hostile files


def fixture_bytes(rel: str) -> bytes:
    return (FIXTURES / rel).read_bytes()


def noise(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def pdf_file(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF of the given objects (numbered from 1, object 1 the catalog), xref computed."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def stream(data: bytes, dict_extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), dict_extra) + data + b"\nendstream"


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
HELLO = b"BT /F1 12 Tf 50 250 Td (Annual report of nothing) Tj ET\n"


def one_page_pdf(content_obj: bytes, page_extra: bytes = b"", catalog_extra: bytes = b"",
                 more: list[bytes] | None = None) -> bytes:
    """Catalog 1, pages 2, page 3, content 4, font 5, then ``more`` (objects 6…)."""
    return pdf_file([
        b"<< /Type /Catalog /Pages 2 0 R %s>>" % catalog_extra,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> %s>>" % page_extra,
        content_obj,
        FONT,
        *(more or []),
    ])


def flate(data: bytes) -> bytes:
    return zlib.compress(data, 6)


@functools.cache
def gigabyte_of_spaces() -> bytes:
    """A zlib stream of HELLO and then 1 GiB of spaces, about 1 MB: built from one compressed
    megabyte repeated (a full flush makes every block independent), the checksum computed."""
    chunk = b" " * (1 << 20)
    c = zlib.compressobj(9)
    head = c.compress(HELLO) + c.flush(zlib.Z_FULL_FLUSH)
    unit = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush()
    adler = zlib.adler32(HELLO)
    for _ in range(1024):
        adler = zlib.adler32(chunk, adler)
    return head + unit * 1024 + end[:-4] + struct.pack(">I", adler)


def bomb_pdf(_t: Traps) -> bytes:
    return one_page_pdf(stream(gigabyte_of_spaces(), b"/Filter /FlateDecode "))


def double_bomb_pdf(_t: Traps) -> bytes:
    return one_page_pdf(stream(zlib.compress(gigabyte_of_spaces(), 9), b"/Filter [/FlateDecode /Fl] "))


def disguised_bomb_pdf(_t: Traps) -> bytes:
    # a content stream that calls itself an image: pdfium inflates page contents whatever they say
    return one_page_pdf(stream(gigabyte_of_spaces(), b"/Subtype /Image /Width 1 /Height 1 /Filter /FlateDecode "))


class LZWWriter:
    """PDF LZW codes (9–12 bits, /EarlyChange 1 unless ``early`` is False), written by hand."""

    def __init__(self, early: bool = True) -> None:
        self.early = early
        self.out = bytearray()
        self.acc = self.nacc = 0
        self.size, self.prev, self.width = 258, False, 9

    def put(self, code: int) -> None:
        self.acc = (self.acc << self.width) | code
        self.nacc += self.width
        while self.nacc >= 8:
            self.nacc -= 8
            self.out.append((self.acc >> self.nacc) & 0xFF)
        self.acc &= (1 << self.nacc) - 1
        if code == 256:
            self.size, self.prev, self.width = 258, False, 9
            return
        if self.prev and self.size < 4096:
            self.size += 1
        self.prev = True
        n = self.size + self.early
        self.width = 12 if n >= 2048 else 11 if n >= 1024 else 10 if n >= 512 else 9

    def compress(self, data: bytes) -> LZWWriter:
        """Ordinary LZW of ``data`` (the table cleared when full)."""
        table = {bytes((i,)): i for i in range(256)}
        self.put(256)
        w = b""
        for b in data:
            wc = w + bytes((b,))
            if wc in table:
                w = wc
                continue
            self.put(table[w])
            if len(table) + 2 < 4096:
                table[wc] = len(table) + 2
            else:
                self.put(256)
                table = {bytes((i,)): i for i in range(256)}
            w = bytes((b,))
        if w:
            self.put(table[w])
        return self

    def run_of_spaces(self, cycles: int) -> LZWWriter:
        """``cycles`` runs of spaces, each growing the table to 4096 entries: about 7.4 MB
        decoded per 5.6 KB of codes."""
        for _ in range(cycles):
            self.put(256)
            self.put(32)
            while self.size < 4096:
                self.put(self.size)
        return self

    def end(self) -> bytes:
        self.put(257)
        if self.nacc:
            self.out.append((self.acc << (8 - self.nacc)) & 0xFF)
        return bytes(self.out)


def lzw_bomb_pdf(_t: Traps) -> bytes:
    # 790 KB of codes, 1 GiB decoded: pdfium aborts the process on it
    return one_page_pdf(stream(LZWWriter().compress(HELLO).run_of_spaces(146).end(), b"/Filter /LZWDecode "))


def runlength_bomb_pdf(_t: Traps) -> bytes:
    body = bytes([len(HELLO) - 1]) + HELLO + bytes([129, 32]) * (1 << 20) + bytes([128])  # 2 MB -> 128 MiB
    return one_page_pdf(stream(body, b"/Filter /RunLengthDecode "))


def ascii85_bomb_pdf(_t: Traps) -> bytes:
    # the Flate bomb behind an ASCII85 wrapping: a filter the guard once stopped at
    return one_page_pdf(stream(base64.a85encode(gigabyte_of_spaces()) + b"~>", b"/Filter [/ASCII85Decode /FlateDecode] "))


def asciihex_bomb_pdf(_t: Traps) -> bytes:
    return one_page_pdf(stream(gigabyte_of_spaces().hex().encode() + b">", b"/Filter [/AHx /Fl] "))


def pages_pdf(n: int) -> bytes:
    content = flate(b"BT /F1 10 Tf 50 200 Td (Page text) Tj ET")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (5 + i) for i in range(n)) + b"] /Count %d >>" % n,
        stream(content, b"/Filter /FlateDecode "),
        FONT,
    ]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 3 0 R "
                b"/Resources << /Font << /F1 4 0 R >> >> >>"] * n
    return pdf_file(objects)


def vector_paths_pdf(_t: Traps) -> bytes:
    return one_page_pdf(stream(flate(HELLO + b"0 0 m 1 1 l S\n" * 100_000), b"/Filter /FlateDecode "))


def actions_pdf(t: Traps) -> bytes:
    """A PDF whose catalog, page and link annotation ask for the network, a file and JavaScript."""
    url = b"http://127.0.0.1:%d/" % t.port
    canary = str(t.canary).encode()
    return one_page_pdf(
        stream(flate(HELLO), b"/Filter /FlateDecode "),
        page_extra=b"/Annots [6 0 R 7 0 R] /AA << /O << /S /URI /URI (" + url + b"page-open) >> >> ",
        catalog_extra=b"/OpenAction << /S /JavaScript /JS (app.launchURL\\(\"" + url + b"js\"\\); "
                      b"this.importDataObject\\(\"x\", \"" + canary + b"\"\\);) >> "
                      b"/Names << /EmbeddedFiles << /Names [(c) << /Type /Filespec /F (" + canary + b") >>] >> >> ",
        more=[
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 300 300] /A << /S /Launch /F (" + canary + b") >> >>",
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /GoToR /F (" + canary + b") /D [0 /Fit] >> "
            b"/AA << /E << /S /URI /URI (" + url + b"annot) >> >> >>",
        ],
    )


def truncated(fraction: float) -> Callable[[Traps], bytes]:
    def build(_t: Traps) -> bytes:
        data = fixture_bytes("pdf/county-2021.plain.pdf")
        return data[: int(len(data) * fraction)]
    return build


def damaged_pdf(_t: Traps) -> bytes:
    """county-2021 with 3000 bytes zeroed in the middle (inside a compressed font)."""
    data = bytearray(fixture_bytes("pdf/county-2021.plain.pdf"))
    at = len(data) // 3
    data[at:at + 3000] = bytes(3000)
    return bytes(data)


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx(document: str, prolog: str = "") -> bytes:
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", f'<?xml version="1.0"?>{prolog}<w:document {_W}><w:body>{document}'
                                        "</w:body></w:document>")
    return buf.getvalue()


def docx_pdf(_t: Traps) -> bytes:
    """A Word document named .pdf: read as DOCX (by content, never by name)."""
    return _docx("<w:p><w:r><w:t>一、总体情况</w:t></w:r></w:p>")


def docx_bomb(_t: Traps) -> bytes:
    """70 MB of empty paragraphs, about 70 KB compressed."""
    return _docx("<w:p/>" * 12_000_000)


def docx_external_entity(t: Traps) -> bytes:
    url = f"http://127.0.0.1:{t.port}"
    prolog = (f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY c SYSTEM "file://{t.canary}">'
              f'<!ENTITY % remote SYSTEM "{url}/evil.dtd"> %remote;<!ENTITY n SYSTEM "{url}/entity">]>')
    return _docx("<w:p><w:r><w:t>一、总体情况[&xxe;][&c;][&n;]</w:t></w:r></w:p>", prolog)


def docx_many_paragraphs(_t: Traps) -> bytes:
    return _docx("".join(f"<w:p><w:r><w:t>第{i}段</w:t></w:r></w:p>" for i in range(100_000)))


def xlsx_docx(_t: Traps) -> bytes:
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


def text_report() -> str:
    return fixture_bytes("text/county-2021.tsv.txt").decode("utf-8")


def html_page(body: str, head: str = "") -> bytes:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>".encode()


LOL = ('<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
       + "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(2, 10)))


def laughs_html(_t: Traps) -> bytes:
    return (f"<!DOCTYPE html [{LOL}]>" + "<html><body><p>一、总体情况</p><p>&lol9;</p></body></html>").encode()


def laughs_xhtml(_t: Traps) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html [{LOL}]>'
            '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>&lol9;&lol9;</p></body></html>').encode()


def xxe_html(t: Traps) -> bytes:
    return (f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY c SYSTEM "file://{t.canary}">]>'
            "<html><body><p>一、总体情况</p><p>[&xxe;] [&c;]</p></body></html>").encode()


def xxe_xhtml(t: Traps) -> bytes:
    url = f"http://127.0.0.1:{t.port}"
    return (f'<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "{url}/dtd" ['
            f'<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY % remote SYSTEM "{url}/evil.dtd"> %remote;'
            f'<!ENTITY c SYSTEM "{t.canary}">]>'
            f'<html xmlns="http://www.w3.org/1999/xhtml" xmlns:xi="http://www.w3.org/2001/XInclude">'
            f'<head><link rel="stylesheet" href="{url}/a.css"/><script src="{url}/a.js"></script>'
            f'<base href="{url}/"/></head><body><p>&xxe; &c;</p>'
            f'<xi:include href="/etc/passwd" parse="text"/><xi:include href="{t.canary}" parse="text"/>'
            f'<img src="file:///etc/passwd" width="600"/><iframe src="{url}/frame"></iframe>'
            f'<object data="file://{t.canary}"></object><embed src="{url}/e.swf"/>'
            f'<table background="{url}/bg.png"><tr><td>自然人</td><td>&xxe;</td></tr></table>'
            f'</body></html>').encode()


def deep_html(_t: Traps) -> bytes:
    n = 200_000
    return ("<html><body><p>一、总体情况</p>" + "<div>" * n + "深处的文字" + "</div>" * n + "<p>结尾</p></body></html>").encode()


def deep_unclosed_html(_t: Traps) -> bytes:
    n = 100_000  # 200 000 levels, never closed
    return ("<html><body><p>一、总体情况</p>" + "<span><b>" * n + "深处的文字").encode()


def big_table_html(_t: Traps) -> bytes:
    row = "<tr><td>自然人</td>" + "<td>123</td>" * 8 + "</tr>\n"
    rows = 20_000_000 // len(row.encode())
    return html_page("<p>三、收到和处理政府信息公开申请情况</p><table>" + row * rows + "</table>")


def paragraphs_html(_t: Traps) -> bytes:
    return html_page("<p>字</p>" * 2_000_000)


def pathological_markup(_t: Traps) -> bytes:
    # openings that are never closed: a regex retried at each one would be quadratic
    return (b"<html><body><p>x</p>" + b"<!DOCTYPE x [" * 20_000 + b"<!ENTITY " * 20_000 + b"<script>" * 20_000
            + b"<p" * 50_000 + b"<br" * 20_000 + b"<!--" * 20_000)


def redirect_script(_t: Traps) -> bytes:
    return b'<html><head><script>window.location.href = "/xxgk/2022/report.html";</script></head><body></body></html>'


def redirect_meta(_t: Traps) -> bytes:
    return b'<meta http-equiv="refresh" content="0; url=/xxgk/2022/report.html">'


def images_html(_t: Traps) -> bytes:
    return html_page("<h1>某县2021年政府信息公开工作年度报告</h1><p>一、总体情况</p><p>正文。</p>"
                     "<p>二、主动公开政府信息情况</p><img src='t2.png' width='600'>"
                     "<p>三、收到和处理政府信息公开申请情况</p><img src='t3.png' width='600'>"
                     "<p>四、行政复议、行政诉讼情况</p><img src='t4.jpg' width='600'>")


# ---------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    id: str
    name: str  # the file name (its extension may lie)
    build: Callable[[Traps], bytes]
    error: str | None = None  # the ExtractorError subclass expected, None: a report
    limit: str | None = None  # the limit a LimitExceeded names
    issues: tuple[str, ...] = ()  # issue codes the report must have
    check: Callable[[dict[str, Any]], None] | None = None  # more about the record
    limits: dict[str, Any] = field(default_factory=dict)  # Limits(**limits)
    seconds: float = 5.0  # parse time budget
    memory_mb: int = 200  # peak resident set of the child, interpreter included


def const(data: bytes) -> Callable[[Traps], bytes]:
    return lambda _t: data


def fixture(rel: str) -> Callable[[Traps], bytes]:
    return lambda _t: fixture_bytes(rel)


@functools.cache
def expected_values(rel: str) -> list[tuple[str, str, Any]]:
    import extractor

    return [(v.field, v.kind, v.value) for v in extractor.parse(FIXTURES / rel).values]


def same_values_as(rel: str) -> Callable[[dict[str, Any]], None]:
    def check(record: dict[str, Any]) -> None:
        got = [(v["field"], v["kind"], v["value"]) for v in record["values"]]
        assert got == expected_values(rel)
    return check


def all_text(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False)


def holds(*words: str) -> Callable[[dict[str, Any]], None]:
    def check(record: dict[str, Any]) -> None:
        text = all_text(record)
        for w in words:
            assert w in text, w
    return check


def issue_says(code: str, *words: str, severity: str | None = None) -> Callable[[dict[str, Any]], None]:
    def check(record: dict[str, Any]) -> None:
        issue = next(i for i in record["issues"] if i["code"] == code)
        for w in words:
            assert w in issue["message"], (w, issue["message"])
        if severity:
            assert issue["severity"] == severity
    return check


def no_laughs(record: dict[str, Any]) -> None:
    text = all_text(record)
    assert "lollol" not in text
    assert len(text) < 20_000


def no_limit_issues(record: dict[str, Any]) -> None:
    assert not [i for i in record["issues"] if i["code"].startswith("limit.")]


TEN_LINES = "一、总体情况\n" + "正文。\n" * 9

CASES: list[Case] = [
    # empty and zero-byte files
    Case("empty-text", "empty.txt", const(b""), error="EmptyInput"),
    Case("zero-byte-pdf", "zero.pdf", const(b""), error="EmptyInput"),
    Case("white-space-html", "blank.html", const(b" \r\n\t\n   \n"), error="EmptyInput"),
    Case("nul-bytes-only", "nul.txt", const(b"\x00" * 4096), error="EmptyInput"),
    # random bytes with a report's name
    Case("random-bytes-pdf", "report.pdf", const(noise(16384, 1)), error="UnsupportedFormat"),
    Case("random-bytes-html", "report.html", const(noise(16384, 2)), error="UnsupportedFormat"),
    Case("random-bytes-txt", "report.txt", const(noise(16384, 3)), error="UnsupportedFormat"),
    Case("pdf-magic-then-noise", "report.pdf", const(b"%PDF-1.4\n" + noise(16384, 4)), error="DamagedDocument"),
    # truncated and damaged PDFs
    Case("pdf-header-only", "header.pdf", const(b"%PDF-1.7\n"), error="DamagedDocument"),
    Case("pdf-truncated-1pct", "cut.pdf", truncated(0.01), error="DamagedDocument"),
    Case("pdf-truncated-half", "cut.pdf", truncated(0.5), error="DamagedDocument"),
    Case("pdf-truncated-tail", "cut.pdf", truncated(0.97), error="DamagedDocument"),
    Case("pdf-damaged-stream", "damaged.pdf", damaged_pdf, issues=("input.damaged",),
         check=issue_says("input.damaged", "damaged", severity="warning")),
    Case("docx-named-pdf", "report.pdf", docx_pdf,
         check=lambda r: r["source"]["format"] == "docx" and [s["number"] for s in r["sections"]] == [1]),
    Case("xlsx-named-docx", "report.docx", xlsx_docx, error="UnsupportedFormat"),
    Case("docx-decompression-bomb", "bomb.docx", docx_bomb, error="LimitExceeded", limit="max_inflated_bytes"),
    Case("docx-external-entities", "xxe.docx", docx_external_entity,
         check=lambda r: [s["title"] for s in r["sections"]] == ["一、总体情况[][][]"]),
    Case("docx-100k-paragraphs", "long.docx", docx_many_paragraphs, seconds=20.0, memory_mb=400),
    # encrypted PDFs
    Case("pdf-encrypted-user-password", "enc.pdf", fixture("pdf/county-2021.encrypted-password.pdf"),
         error="EncryptedDocument"),
    Case("pdf-encrypted-empty-password", "enc.pdf", fixture("pdf/county-2021.encrypted-empty-password.pdf"),
         check=same_values_as("pdf/county-2021.plain.pdf")),
    # decompression bombs: a content stream of 1 GiB, 1 MB on disk (or 5 KB, Flate twice)
    Case("pdf-decompression-bomb", "bomb.pdf", bomb_pdf, error="LimitExceeded", limit="max_inflated_bytes",
         memory_mb=150),
    Case("pdf-double-flate-bomb", "bomb.pdf", double_bomb_pdf, error="LimitExceeded", limit="max_inflated_bytes",
         memory_mb=150),
    Case("pdf-bomb-labelled-image", "bomb.pdf", disguised_bomb_pdf, error="LimitExceeded",
         limit="max_inflated_bytes", memory_mb=150),
    Case("pdf-lzw-bomb", "bomb.pdf", lzw_bomb_pdf, error="LimitExceeded", limit="max_inflated_bytes",
         memory_mb=150),
    Case("pdf-runlength-bomb", "bomb.pdf", runlength_bomb_pdf, error="LimitExceeded",
         limit="max_inflated_bytes", memory_mb=150),
    Case("pdf-ascii85-flate-bomb", "bomb.pdf", ascii85_bomb_pdf, error="LimitExceeded",
         limit="max_inflated_bytes", memory_mb=150),
    Case("pdf-asciihex-flate-bomb", "bomb.pdf", asciihex_bomb_pdf, error="LimitExceeded",
         limit="max_inflated_bytes", memory_mb=150),
    Case("pdf-100k-vector-paths", "paths.pdf", vector_paths_pdf, issues=("gap.template",), seconds=10),
    # long PDFs: the first max_pages pages are read, and the issue says so
    Case("pdf-1500-pages", "long.pdf", lambda _t: pages_pdf(1500), issues=("limit.max_pages",),
         check=issue_says("limit.max_pages", "1500 pages", "max_pages=500")),
    Case("pdf-1500-pages-all-read", "long.pdf", lambda _t: pages_pdf(1500), limits={"max_pages": 2000},
         check=no_limit_issues),
    Case("pdf-1500-pages-time-limit", "long.pdf", lambda _t: pages_pdf(1500), limits={"time_s": 1e-6},
         error="LimitExceeded", limit="time_s"),
    Case("pdf-image-only", "scan.pdf", fixture("pdf/county-2021-scanned.image-only.pdf"), limits={"ocr": False},
         issues=("gap.no_text_layer",), check=issue_says("gap.no_text_layer", "OCR", severity="error")),
    Case("pdf-actions-and-links", "actions.pdf", actions_pdf, issues=("gap.template",),
         check=holds("Annual report of nothing")),
    # text encodings and bytes
    Case("text-utf16-no-bom", "r.txt", lambda _t: text_report().encode("utf-16-le"),
         check=same_values_as("text/county-2021.tsv.txt")),
    Case("text-utf16-be-bom", "r.txt", lambda _t: b"\xfe\xff" + text_report().encode("utf-16-be"),
         check=same_values_as("text/county-2021.tsv.txt")),
    Case("text-undeclared-gbk", "r.txt", lambda _t: text_report().encode("gbk"),
         check=same_values_as("text/county-2021.tsv.txt")),
    Case("text-nul-bytes-inside", "r.txt",
         lambda _t: text_report().replace("三、收到和处理", "三、\x00收到和处理").replace("\t", "\t\x00", 5).encode(),
         issues=("input.nul_bytes",), check=same_values_as("text/county-2021.tsv.txt")),
    Case("text-15mb-one-line", "line.txt", lambda _t: ("一、总体情况" + "字" * 5_000_000).encode(),
         issues=("gap.template",), seconds=10),
    Case("text-100k-tabs", "tabs.txt", lambda _t: b"\t" * 100_000 + "一、总体情况\n自然人".encode() + b"\t1" * 50_000,
         issues=("gap.template",)),
    Case("text-5m-lines", "lines.txt", lambda _t: "字\n".encode() * 5_000_000, issues=("limit.max_lines",),
         check=issue_says("limit.max_lines", "max_lines=200000"), seconds=10, memory_mb=300),
    Case("text-lines-limit", "r.txt", lambda _t: TEN_LINES.encode(), limits={"max_lines": 3},
         issues=("limit.max_lines",)),
    Case("text-chars-limit", "r.txt", fixture("text/county-2021.tsv.txt"), limits={"max_text_chars": 1000},
         error="LimitExceeded", limit="max_text_chars"),
    Case("text-300k-cells", "cells.txt", lambda _t: b"a\tb\tc\n" * 100_001, error="LimitExceeded", limit="max_cells"),
    Case("text-bytes-limit", "r.txt", fixture("text/county-2021.tsv.txt"), limits={"max_bytes": 100},
         error="LimitExceeded", limit="max_bytes"),
    Case("text-time-limit", "lines.txt", lambda _t: "字\n".encode() * 2_000_000, limits={"time_s": 0.01},
         error="LimitExceeded", limit="time_s"),
    Case("text-not-a-report", "notice.txt", fixture("text/not-a-report.tsv.txt"), issues=("gap.template",)),
    # HTML: nesting, size, entities
    Case("html-200k-nested-divs", "deep.html", deep_html, issues=("limit.max_depth",), check=holds("深处的文字", "结尾")),
    Case("html-200k-unclosed-tags", "deep.html", deep_unclosed_html, issues=("limit.max_depth",),
         check=holds("深处的文字")),
    Case("html-20mb-table", "table.html", big_table_html, error="LimitExceeded", limit="max_cells", memory_mb=350),
    Case("html-2m-paragraphs", "p.html", paragraphs_html, issues=("limit.max_elements", "limit.max_lines"),
         seconds=10, memory_mb=400),
    Case("html-unclosed-openings", "odd.html", pathological_markup),
    Case("html-billion-laughs", "lol.html", laughs_html, check=no_laughs),
    Case("html-billion-laughs-xhtml", "lol.xhtml", laughs_xhtml, check=no_laughs),
    Case("html-xxe-file", "xxe.html", xxe_html, check=holds("[&xxe;]")),
    Case("html-xxe-network-xinclude", "xxe.html", xxe_xhtml),
    # HTML pages that hold no report
    Case("html-no-body", "head.html",
         const('<html><head><title>某县2021年政府信息公开工作年度报告</title></head></html>'.encode()),
         issues=("input.no_body",)),
    Case("html-frameset", "frames.html",
         const(b'<html><head><title>x</title></head><frameset><frame src="main.html"></frameset></html>'),
         issues=("input.no_body",), check=issue_says("input.no_body", "main.html")),
    Case("html-script-redirect", "r.html", redirect_script, issues=("gap.redirect",),
         check=issue_says("gap.redirect", "/xxgk/2022/report.html")),
    Case("html-meta-refresh-only", "r.html", redirect_meta, issues=("gap.redirect",),
         check=issue_says("gap.redirect", "/xxgk/2022/report.html")),
    Case("html-empty-body", "e.html", const(b"<html><body><p>&nbsp;</p></body></html>"), issues=("input.no_text",)),
    Case("html-tables-as-images", "img.html", images_html, issues=("gap.table_image",)),
    Case("html-images-only-fixture", "img.html", fixture("html/images-only.html"), issues=("gap.table_image",)),
    Case("html-attachment-only", "att.html", fixture("html/attachment-only.html"), issues=("gap.attachment_only",)),
    Case("html-not-a-report", "notice.html", fixture("html/not-a-report.cms.html"), issues=("gap.template",)),
    Case("html-elements-limit", "p.html", lambda _t: html_page("<p>字</p>" * 100), limits={"max_elements": 20},
         issues=("limit.max_elements",)),
    Case("html-cells-limit", "t.html", fixture("html/county-2021.cms.html"), limits={"max_cells": 100},
         error="LimitExceeded", limit="max_cells"),
]


def test_the_case_ids_are_unique():
    assert len({c.id for c in CASES}) == len(CASES)


def _strace_findings(log: Path, traps: Traps) -> list[str]:
    """Opens of the trapped files, connections and datagrams to the network, and programs
    run (every execve after the interpreter's own)."""
    bad = []
    execs = 0
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        paths = re.findall(r'"((?:[^"\\]|\\.)*)"', line)
        if re.search(r"\bexecve\(", line):
            execs += 1
            if execs > 1:
                bad.append(line)
        elif any(p.startswith(f) for p in paths for f in traps.forbidden):
            bad.append(line)
        elif re.search(r"\b(connect|sendto|sendmsg)\(", line) and re.search(r"AF_INET6?\b", line):
            bad.append(line)
    return bad


def run_runner(spec: dict[str, Any], tmp_path: Path, traps: Traps, timeout: float) -> tuple[dict[str, Any], Path]:
    """Run RUNNER on ``spec`` (under strace when it works); its result and the strace log."""
    result_file = tmp_path / "result.json"
    spec = {**spec, "result": str(result_file), "forbidden": traps.forbidden, "address_space_mb": ADDRESS_SPACE_MB}
    cmd = [sys.executable, "-c", RUNNER, json.dumps(spec)]
    log = tmp_path / "strace.log"
    if strace_works():
        cmd = [*strace_prefix(), "-o", str(log), *cmd]
    p = run_child(cmd, timeout)
    assert "Traceback" not in p.stderr, p.stderr[-3000:]
    assert p.returncode == 0 and result_file.exists(), f"the child died (exit {p.returncode}): {p.stderr[-3000:]}"
    return json.loads(result_file.read_text(encoding="utf-8")), log


def test_the_harness_sees_file_and_network_access_and_memory(traps: Traps, tmp_path: Path):
    """A control run that opens the canary, connects to the listener, runs a program and
    touches 100 MB: the audit hook, the listener, strace, the leak check and the memory probe
    must all see it (else the hostile cases below would pass for the wrong reason)."""
    spec = {"control": {"file": str(traps.canary), "port": traps.port}, "cpu_s": 30}
    r, log = run_runner(spec, tmp_path, traps, 60)
    assert r["outcome"] == "control"
    assert any(e[0] == "open" and e[1] == str(traps.canary) for e in r["events"])
    assert any(e[0] == "socket.connect" for e in r["events"])
    assert any(e[0] == "subprocess.Popen" for e in r["events"])
    assert traps.connections() == 1
    assert traps.leaked(json.dumps(r)) == [traps.token]
    assert r["peak_mb"] >= r["base_mb"] + 90
    if strace_works():
        found = _strace_findings(log, traps)
        assert any(str(traps.canary) in line for line in found)
        assert any("connect(" in line for line in found)
        assert any("execve(" in line for line in found)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case: Case, traps: Traps, tmp_path: Path):
    path = tmp_path / case.name
    path.write_bytes(case.build(traps))
    spec = {"path": str(path), "limits": case.limits, "cpu_s": 3 * case.seconds + 20}
    r, log = run_runner(spec, tmp_path, traps, case.seconds + 30)

    # the outcome
    if case.error:
        assert r["outcome"] == "error", f"expected {case.error}, got a report with {_codes(r)}"
        assert r["class"] == case.error, r["message"]
        msg = r["message"]
        assert msg and "\n" not in msg.strip() and "Traceback" not in msg
        if case.limit:
            assert r["limit"] == case.limit, msg
            assert case.limit in msg, msg
    else:
        assert r["outcome"] == "report", f"expected a report, got {r.get('class')}: {r.get('message')}"
        record = r["record"]
        codes = _codes(r)
        assert set(case.issues) <= set(codes), codes
        assert 0 <= record["confidence"] <= 1
        assert all(0 <= v["confidence"] <= 1 for v in record["values"])
        for code in codes:
            if code.startswith("limit."):
                name = code.split(".", 1)[1]
                assert any(name in i["message"] for i in record["issues"] if i["code"] == code)
        if case.check:
            case.check(record)

    # within time and memory
    assert r["seconds"] <= case.seconds, f"took {r['seconds']:.2f} s of CPU (budget {case.seconds} s)"
    assert r["peak_mb"] <= case.memory_mb, f"peak {r['peak_mb']:.0f} MB (budget {case.memory_mb} MB)"

    # no file or network access caused by the document
    assert r["events"] == []
    assert traps.connections() == 0, "the document made the parser connect to the network"
    assert traps.leaked(json.dumps(r, ensure_ascii=False)) == []
    if strace_works():
        assert _strace_findings(log, traps) == []


def _codes(r: dict[str, Any]) -> list[str]:
    return [i["code"] for i in r["record"]["issues"]] if r.get("outcome") == "report" else []


# ---------------------------------------------------------------- the command line


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return run_child([sys.executable, "-m", "extractor", *args], timeout)


def one_error_line(p: subprocess.CompletedProcess[str]) -> str:
    assert p.stdout == ""
    assert "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("extractor: error: ")
    return lines[0]


CLI_CASES = [  # (case id, extra options, exit code, words of the error line)
    ("empty-text", (), 4, "empty"),
    ("random-bytes-pdf", (), 5, "not a report"),
    ("xlsx-named-docx", (), 5, "Excel workbook"),
    ("docx-decompression-bomb", (), 8, "max_inflated_bytes"),
    ("pdf-header-only", (), 6, "damaged"),
    ("pdf-truncated-half", (), 6, "damaged"),
    ("pdf-encrypted-user-password", (), 7, "password"),
    ("pdf-decompression-bomb", (), 8, "max_inflated_bytes"),
    ("html-20mb-table", (), 8, "max_cells"),
    ("pdf-1500-pages", ("--timeout", "0.000001"), 8, "time_s"),
    ("pdf-1500-pages", ("--max-bytes", "1000"), 8, "max_bytes"),
    ("pdf-image-only", ("--no-ocr",), 0, ""),
    ("text-nul-bytes-inside", ("--max-cells", "10"), 8, "max_cells"),
]
BY_ID = {c.id: c for c in CASES}


@pytest.mark.parametrize("case_id,options,code,words", CLI_CASES,
                         ids=[f"{c[0]}{'-' + '-'.join(c[1]) if c[1] else ''}" for c in CLI_CASES])
def test_cli_exit_codes(case_id: str, options: tuple[str, ...], code: int, words: str, traps: Traps,
                        tmp_path: Path):
    case = BY_ID[case_id]
    path = tmp_path / case.name
    path.write_bytes(case.build(traps))
    p = cli("parse", str(path), *options)
    assert p.returncode == code, p.stderr
    if code == 0:
        json.loads(p.stdout)
        assert p.stderr == ""
    else:
        assert words in one_error_line(p)


def test_cli_max_pages_option_reads_the_first_pages(tmp_path: Path):
    path = tmp_path / "long.pdf"
    path.write_bytes(pages_pdf(30))
    p = cli("parse", str(path), "--max-pages", "10")
    assert p.returncode == 0, p.stderr
    issue = next(i for i in json.loads(p.stdout)["issues"] if i["code"] == "limit.max_pages")
    assert "30 pages" in issue["message"] and "max_pages=10" in issue["message"]
    p = cli("parse", str(path), "--max-pages", "30", "--timeout", "0")
    assert p.returncode == 0, p.stderr
    assert not any(i["code"] == "limit.max_pages" for i in json.loads(p.stdout)["issues"])


@pytest.mark.parametrize("options", [("--max-pages", "0"), ("--max-bytes", "-5"), ("--timeout", "soon"),
                                     ("--max-cells", "many")])
def test_cli_bad_limit_options_are_usage_errors(options: tuple[str, ...]):
    p = cli("parse", str(TEXT / "county-2021.tsv.txt"), *options)
    assert p.returncode == 2
    assert "Traceback" not in p.stderr and options[0] in p.stderr


def test_limits_reject_nonsense():
    from extractor.limits import Limits

    for bad in ({"max_pages": 0}, {"max_cells": -1}, {"max_bytes": 1.5}, {"time_s": "soon"}):
        with pytest.raises(ValueError):
            Limits(**bad)
    assert Limits(time_s=0).time_s == 0  # no time limit


def test_time_limit_inside_parse_names_the_limit():
    """The cooperative deadline works in-process too (no batch runner, no signal)."""
    import extractor
    from extractor.errors import LimitExceeded
    from extractor.limits import Limits

    with pytest.raises(LimitExceeded) as e:
        extractor.parse(pages_pdf(200), limits=Limits(time_s=1e-9))
    assert e.value.limit == "time_s" and "time_s=" in str(e.value)
    # without a limit, and after a limit was hit, parsing works as before
    assert extractor.parse(pages_pdf(3), limits=Limits(time_s=0)).metadata.template == "unknown"
    assert len(extractor.parse(FIXTURES / "text" / "county-2021.tsv.txt").values) == 200


def _runlength(data: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        j = i
        while j < len(data) and j - i < 128 and data[j] == data[i]:
            j += 1
        if j - i >= 2:
            out += bytes([257 - (j - i), data[i]])
            i = j
        else:
            k = i
            while k < len(data) and k - i < 128 and not (k + 1 < len(data) and data[k] == data[k + 1]):
                k += 1
            k = max(k, i + 1)
            out += bytes([k - i - 1]) + data[i:k]
            i = k
    return bytes(out + b"\x80")


@pytest.mark.parametrize("filters,encode", [
    (b"/FlateDecode", zlib.compress),
    (b"[/ASCII85Decode /FlateDecode]", lambda d: base64.a85encode(zlib.compress(d), wrapcol=64) + b"~>"),
    (b"/LZWDecode", lambda d: LZWWriter().compress(d).end()),
    (b"/LZWDecode /DecodeParms << /EarlyChange 0 >>", lambda d: LZWWriter(early=False).compress(d).end()),
    (b"[/AHx /LZW]", lambda d: LZWWriter().compress(d).end().hex().encode() + b">"),
    (b"/RunLengthDecode", _runlength),
    (b"[/A85 /RL]", lambda d: base64.a85encode(_runlength(d)) + b"~>"),
], ids=["flate", "a85-flate", "lzw", "lzw-early0", "ahx-lzw", "runlength", "a85-runlength"])
def test_streams_under_every_guarded_filter_read_normally(filters, encode):
    """The bomb guard decodes these chains itself: real data under them passes it whole
    (no input.damaged), and pdfium then reads the page."""
    from extractor.limits import DEFAULT_LIMITS
    from extractor.model import Text
    from extractor.readers import pdf as pdf_reader
    from extractor.readers.pdf import guard

    lines = [b"BT /F1 12 Tf 50 %d Td (Line %d of the annual report, 0000000000 aaaa) Tj ET\n" % (280 - 12 * i, i)
             for i in range(20)]
    content = b"".join(lines) * 30  # long enough for the LZW table to fill and clear
    data = one_page_pdf(stream(encode(content), b"/Filter %s " % filters))
    assert guard.guard_streams(data, DEFAULT_LIMITS) == []
    st = guard._encoded_streams(data)[0]
    assert guard._inflate(memoryview(data)[st.start:st.end], st.filters, 1 << 30, early=st.early) \
        == (len(content), False)
    doc = pdf_reader.read(data)
    texts = [b.text for b in doc.blocks if isinstance(b, Text)]
    assert any("Line 19 of the annual report" in t for t in texts), texts[:3]
    assert not doc.issues

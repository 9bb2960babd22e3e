"""Regenerate the files derived from extractor/templates.py: docs/fields.md and codebook.csv.

    python scripts/gen_docs.py          # write them
    python scripts/gen_docs.py --check  # exit 1 when they are out of date (used by the tests)
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.codebook import fields_markdown, write_codebook_csv  # noqa: E402


def outputs() -> dict[Path, str]:
    buf = io.StringIO()
    write_codebook_csv(buf)
    return {ROOT / "docs" / "fields.md": fields_markdown(), ROOT / "codebook.csv": buf.getvalue()}


def main() -> int:
    check = "--check" in sys.argv
    stale = []
    for path, text in outputs().items():
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old != text:
            stale.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    if check and stale:
        print("out of date:", ", ".join(str(p.relative_to(ROOT)) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

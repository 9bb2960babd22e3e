"""The OCR models: RapidOCR's PP-OCR detector and recogniser on onnxruntime, CPU only.

The models ship inside the ``rapidocr-onnxruntime`` wheel (``rapidocr_onnxruntime/models``);
nothing is downloaded, ever. :func:`get_engine` loads them once per process (about 0.3 s,
~16 MB of weights) and keeps them: a batch worker calls it once and reads every page with
the same :class:`Engine`.

Two calls are used, both without RapidOCR's text-direction classifier (page orientation is
decided per page by :mod:`extractor.ocr.layout`):

* :meth:`Engine.detect` – text boxes of a page image (DB detector);
* :meth:`Engine.recognise` – the text of many crops, batched, with per-character
  probabilities and the recogniser's *alternative reading* of every uncertain digit (the
  second most likely class of the CTC frame that emitted the character), so that a cell
  read ``8`` with ``3`` a close second can be flagged rather than silently trusted.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import OcrUnavailable

__all__ = ["Engine", "Reading", "get_engine", "ALT_MIN_PROB"]

#: a second-best class this likely (at the frame that emitted a character) is an alternative reading
ALT_MIN_PROB = 0.02
_DIGITS = set("0123456789")
_DET_MAX_SIDE = 1600
_MIN_RATIO = 2.0


@dataclass(frozen=True)
class Reading:
    """What the recogniser read in one crop.

    ``score``: the mean of the characters' probabilities (RapidOCR's own score);
    ``min_prob``: the least sure character; ``alternatives``: whole-string readings that
    swap one uncertain digit for a runner-up digit, most likely first.
    """

    text: str
    score: float
    min_prob: float
    alternatives: tuple[str, ...] = field(default=())


class Engine:
    """RapidOCR's detector and recogniser, loaded once."""

    def __init__(self, threads: int | None = None) -> None:
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as e:  # pragma: no cover - exercised without the extra
            raise OcrUnavailable() from e
        kw: dict[str, Any] = {}
        if threads:
            kw = {"intra_op_num_threads": threads, "inter_op_num_threads": 1}
        self.rapid = RapidOCR(**kw)
        self._det = self.rapid.text_det
        self._rec = self.rapid.text_rec
        self._chars: list[str] = self._rec.postprocess_op.character
        self.threads = threads

    # -- detection ---------------------------------------------------------------------
    def detect(self, gray: np.ndarray) -> list[tuple[float, float, float, float]]:
        """Axis-aligned text boxes ``(x0, y0, x1, y1)`` in ``gray``'s pixels, top to bottom.

        The detector sees the image scaled so that its longer side is at most 1600 px (as
        RapidOCR's own call limits it to 2000 px).
        """
        import cv2

        h, w = gray.shape[:2]
        scale = min(1.0, _DET_MAX_SIDE / max(h, w))
        img = gray if scale == 1.0 else cv2.resize(gray, (round(w * scale), round(h * scale)),
                                                   interpolation=cv2.INTER_AREA)
        bgr = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        boxes, _ = self._det(bgr)
        out: list[tuple[float, float, float, float]] = []
        if boxes is None:
            return out
        for quad in boxes:
            xs = [float(p[0]) / scale for p in quad]
            ys = [float(p[1]) / scale for p in quad]
            out.append((min(xs), min(ys), max(xs), max(ys)))
        out.sort(key=lambda b: (b[1], b[0]))
        return out

    def upside_down(self, crops: list[np.ndarray]) -> float:
        """The share of crops RapidOCR's direction classifier finds turned by 180°."""
        import cv2

        if not crops:
            return 0.0
        bgr = [cv2.cvtColor(c, cv2.COLOR_GRAY2BGR) for c in crops]
        _, labels, _ = self.rapid.text_cls(bgr)
        return sum(1 for lab, score in labels if lab == "180" and score >= 0.9) / len(crops)

    # -- recognition -------------------------------------------------------------------
    def recognise(self, crops: list[np.ndarray], batch: int = 8) -> list[Reading]:
        """Readings of grayscale crops (one line of text each), in the order given."""
        import cv2

        n = len(crops)
        out: list[Reading | None] = [None] * n
        ratios = [c.shape[1] / max(1, c.shape[0]) for c in crops]
        order: list[int] = [int(i) for i in np.argsort(np.array(ratios, dtype=float), kind="stable")]
        img_h = int(self._rec.rec_image_shape[1])
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            # RapidOCR pads every batch to at least 320 px; a batch of short crops (the
            # digits of table cells) is padded only to its widest crop here, which reads
            # them the same and several times faster
            max_ratio = max([_MIN_RATIO] + [ratios[i] for i in idx])
            width = int(img_h * max_ratio)
            arr = np.zeros((len(idx), 3, img_h, width), dtype=np.float32)
            for k, i in enumerate(idx):
                c = crops[i]
                rw = min(width, int(math.ceil(img_h * ratios[i])))
                resized = cv2.resize(c, (max(1, rw), img_h)).astype(np.float32)
                arr[k, :, :, :rw] = (resized / 255.0 - 0.5) / 0.5
            preds = self._rec.session(arr)[0]
            for k, i in enumerate(idx):
                out[i] = self._decode(preds[k])
        return [r if r is not None else Reading("", 0.0, 0.0) for r in out]

    def _decode(self, probs: np.ndarray) -> Reading:
        """CTC greedy decoding that also keeps each character's runner-up."""
        best = probs.argmax(axis=1)
        chars: list[str] = []
        conf: list[float] = []
        runner: list[tuple[str, float]] = []
        prev = -1
        for t, k in enumerate(best):
            k = int(k)
            if k == prev and chars and k != 0:
                p = float(probs[t, k])
                if p > conf[-1]:  # the same character over several frames: its surest frame
                    conf[-1] = p
                    runner[-1] = self._runner_up(probs[t], k)
                prev = k
                continue
            prev = k
            if k == 0 or k >= len(self._chars):
                continue
            chars.append(self._chars[k])
            conf.append(float(probs[t, k]))
            runner.append(self._runner_up(probs[t], k))
        text = "".join(chars)
        if not chars:
            return Reading("", 0.0, 0.0)
        alts: list[tuple[float, str]] = []
        for i, (alt, p) in enumerate(runner):
            if p >= ALT_MIN_PROB and alt in _DIGITS and chars[i] in _DIGITS:
                alts.append((p, text[:i] + alt + text[i + 1:]))
        alts.sort(key=lambda a: -a[0])
        return Reading(text, float(np.mean(conf)), float(min(conf)), tuple(a for _, a in alts))

    def _runner_up(self, row: np.ndarray, k: int) -> tuple[str, float]:
        top = np.argpartition(row, -2)[-2:]
        j = int(top[0]) if int(top[1]) == k else int(top[1])
        if j == k:
            return "", 0.0
        ch = "" if j == 0 or j >= len(self._chars) else self._chars[j]  # blank: a dropped character
        return ch, float(row[j])


_ENGINE: Engine | None = None
_LOCK = threading.Lock()


def get_engine(threads: int | None = None) -> Engine:
    """The process's engine, loaded on first use (``threads``: onnxruntime intra-op threads
    on first load; default ``EXTRACTOR_OCR_THREADS`` or onnxruntime's choice)."""
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            if threads is None and os.environ.get("EXTRACTOR_OCR_THREADS", "").isdigit():
                threads = int(os.environ["EXTRACTOR_OCR_THREADS"])
            _ENGINE = Engine(threads)
        return _ENGINE

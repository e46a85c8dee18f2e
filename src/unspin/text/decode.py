"""Turn bytes from a file or stdin into checked text, with clear errors for bad input.

>>> decode_bytes("今年要交付".encode("gb18030"))
'今年要交付'
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from unspin.errors import InputError

MAX_BYTES = 20_000_000
"""Largest single document accepted by restore/detect (use ``unspin scan`` for corpora)."""

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_ENCODINGS = ("utf-8", "gb18030", "big5", "utf-16")


def han_count(text: str) -> int:
    """Number of Chinese (Han) characters in ``text``."""
    return len(_HAN.findall(text))


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data[:4096]:
        return True
    sample = data[:4096]
    ctrl = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return len(sample) > 0 and ctrl / len(sample) > 0.05


def decode_bytes(data: bytes, encoding: str | None = None) -> str:
    """Decode ``data``; auto-detect UTF-8, GB18030/GBK and Big5 unless ``encoding`` is given."""
    if encoding:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(f"cannot decode input as {encoding}: {exc}", hint="check --encoding") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError("cannot decode input as UTF-16", hint="pass --encoding NAME") from None
    if _looks_binary(data):
        raise InputError("input looks binary, not text", hint="pass a UTF-8, GBK or Big5 text file")
    best: tuple[int, str] | None = None
    for enc in _ENCODINGS[:3]:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if enc == "utf-8":
            return text
        score = han_count(text) - 3 * text.count("\ufffd")
        if best is None or score > best[0]:
            best = (score, text)
    if best is None:
        raise InputError(
            "cannot decode input: not UTF-8, GB18030 or Big5",
            hint="pass --encoding NAME (e.g. --encoding gbk)",
        )
    return best[1]


def check_text(text: str, max_chars: int = MAX_BYTES) -> str:
    """Raise :class:`InputError` for empty, non-Chinese or oversized text; return it otherwise."""
    if not text.strip():
        raise InputError("input is empty", hint="pass a file or standard input with Chinese text")
    if len(text) > max_chars:
        raise InputError(
            f"input has {len(text):,} characters, over the limit of {max_chars:,}",
            hint="split it, or use `unspin scan` for corpora",
        )
    if han_count(text) == 0:
        raise InputError("input has no Chinese characters", hint="unspin analyses Chinese text")
    return text


def read_input(path: str | Path, encoding: str | None = None, max_bytes: int = MAX_BYTES) -> str:
    """Read a file (``-`` is standard input), decode and check it."""
    if str(path) == "-":
        data = sys.stdin.buffer.read(max_bytes + 1)
    else:
        p = Path(path)
        if not p.exists():
            raise InputError(f"no such file: {p}")
        if p.is_dir():
            raise InputError(f"{p} is a folder", hint="pass a text file, or use `unspin scan` for folders")
        if p.stat().st_size > max_bytes:
            raise InputError(
                f"{p} is {p.stat().st_size:,} bytes, over the limit of {max_bytes:,}",
                hint="use `unspin scan` to stream large corpora",
            )
        data = p.read_bytes()
    if len(data) > max_bytes:
        raise InputError(f"input is over the limit of {max_bytes:,} bytes", hint="use `unspin scan`")
    return check_text(decode_bytes(data, encoding))

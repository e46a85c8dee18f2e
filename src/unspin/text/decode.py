r"""Turn bytes from a file or stdin into checked text, with clear errors for bad input.

Stray control characters (a few NULs or escape codes in a web page) are removed, and a
:class:`~unspin.errors.UnspinWarning` says how many; only input that really is binary
(many control bytes or NULs) is refused.

>>> decode_bytes("今年要交付".encode("gb18030"))
'今年要交付'
>>> decode_bytes("今年\x00要\x1b交付".encode())
'今年要交付'
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from unspin.errors import InputError, UnspinWarning

MAX_BYTES = 2_000_000
"""Largest input read by restore/detect/trace, and largest document (in characters) they and
``unspin scan`` analyse: decoding costs about 2 KB of memory per character (BENCHMARKS.md)."""

BINARY_SHARE = 0.05
"""Input whose sample has more than this share of control bytes/characters is binary."""
SAMPLE = 65_536
"""Bytes (or characters) sampled by the binary test."""

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af]")
"""Han characters: CJK Unified Ideographs, Extension A, compatibility, Extensions B-H (planes 2 and 3)."""
_ENCODINGS = ("utf-8", "gb18030", "big5", "utf-16")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0, DEL, C1 but tab, LF, CR
_CONTROL_BYTES = bytes([*range(9), 11, 12, *range(14, 32), 127])
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_BINARY_HINT = "pass a UTF-8, GBK or Big5 text file"


def han_count(text: str) -> int:
    """Number of Chinese (Han) characters in ``text``, Extension B and beyond included.

    >>> han_count("今年\U00020000\U0002a6dfabc")
    4
    """
    return len(_HAN.findall(text))


def printable(text: str, limit: int = 300) -> str:
    r"""``text`` safe to print on a terminal: control, bidi and lone-surrogate characters escaped, clipped.

    >>> printable("a\x1b[31mb\ud800")
    'a\\x1b[31mb\\ud800'
    """
    text = text if len(text) <= limit else text[:limit] + "…"
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)


def lines(stream: BinaryIO, max_bytes: int) -> Iterator[bytes | None]:
    """The lines of a binary ``stream``; a line over ``max_bytes`` is skipped (read in blocks) as ``None``."""
    while line := stream.readline(max_bytes + 1):
        if len(line) > max_bytes and not line.endswith(b"\n"):
            while (rest := stream.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield line


def read_limited(path: str | Path, max_bytes: int = MAX_BYTES, what: str = "input") -> bytes:
    """The bytes of a file, device, pipe or standard input (``-``), reading at most ``max_bytes``.

    Raises :class:`InputError` for a missing file, a folder, an unreadable file or more data than
    ``max_bytes`` (``/dev/zero`` stops at the limit instead of filling memory).
    """
    name = "standard input" if str(path) == "-" else str(path)
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with open(path, "rb") as f:
                data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(f"no such file: {name}") from None
    except IsADirectoryError:
        raise InputError(f"{name} is a folder", hint="pass a text file, or use `unspin scan` for folders") from None
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise InputError(f"{what} {name} is over the limit of {max_bytes:,} bytes",
                         hint="split it, or use `unspin scan` to stream large corpora")
    return data


def _many(count: int, total: int, share: float = BINARY_SHARE, floor: int = 8) -> bool:
    return count > max(floor, share * total)


def _looks_binary(data: bytes) -> bool:
    """Many NULs or over 5% control bytes in the sample; a few stray ones are fine."""
    sample = data[:SAMPLE]
    ctrl = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return _many(sample.count(0), len(sample), 0.005, 4) or _many(ctrl, len(sample))


def clean_text(text: str) -> tuple[str, str]:
    r"""Remove control characters (but tab, newline, CR) and lone surrogates.

    Returns the clean text and what was removed (``""`` if nothing); surrogate pairs are joined.

    >>> clean_text("今年\x00要\x9b交付\ud800")
    ('今年要交付', '2 control characters and 1 lone surrogate')
    >>> clean_text("今年要交付")
    ('今年要交付', '')
    """
    removed = []
    text, n = _CONTROL.subn("", text)
    if n:
        removed.append(f"{n} control character{'s' * (n > 1)}")
    if _SURROGATE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        text, n = _SURROGATE.subn("", text)
        if n:
            removed.append(f"{n} lone surrogate{'s' * (n > 1)}")
    return text, " and ".join(removed)


def decode_bytes(data: bytes, encoding: str | None = None) -> str:
    """Decode ``data`` and drop control characters (see :func:`clean_text`).

    UTF-8, GB18030/GBK and Big5 are detected unless ``encoding`` is given.
    """
    return _decode_clean(data, encoding)[0]


def _decode_clean(data: bytes, encoding: str | None) -> tuple[str, str]:
    """(clean text, what was removed); raises InputError for binary or undecodable data."""
    text = _decode(data, encoding)
    sample = text[:SAMPLE]
    if _many(len(_CONTROL.findall(sample)), len(sample)):
        raise InputError("input looks binary, not text", hint=_BINARY_HINT)
    return clean_text(text)


def _decode(data: bytes, encoding: str | None) -> str:
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
        raise InputError("input looks binary, not text", hint=_BINARY_HINT)
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
    """Return ``text`` cleaned (see :func:`clean_text`, with an :class:`UnspinWarning`).

    Raises :class:`InputError` for empty, non-Chinese or oversized text.

    >>> check_text("今年要交付")
    '今年要交付'
    """
    if len(text) > max_chars:
        raise InputError(
            f"input has {len(text):,} characters, over the limit of {max_chars:,}",
            hint="split it, or use `unspin scan` for corpora",
        )
    text, removed = clean_text(text)
    if removed:
        warnings.warn(UnspinWarning(f"removed {removed} from the text"), stacklevel=2)
    if not text.strip():
        raise InputError("input is empty", hint="pass a file or standard input with Chinese text")
    if han_count(text) == 0:
        raise InputError("input has no Chinese characters", hint="unspin analyses Chinese text")
    return text


MAX_SIDE_BYTES = 50_000_000
"""Largest ``--keep`` / ``--lexicon`` file."""


def check_side_file(flag: str, path: str | Path | None, max_bytes: int = MAX_SIDE_BYTES) -> None:
    """Refuse an option file that is missing, not a regular file (``/dev/zero``, a pipe) or too large."""
    if path is None:
        return
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{flag} {p}: {'not a regular file' if p.exists() else 'no such file'}",
                         hint="pass a UTF-8 text file")
    if p.stat().st_size > max_bytes:
        raise InputError(f"{flag} {p} is over the limit of {max_bytes:,} bytes")


def read_input(path: str | Path, encoding: str | None = None, max_bytes: int = MAX_BYTES) -> str:
    """Read a file (``-`` is standard input), decode, clean and check it.

    HTML (an ``.html``/``.htm`` name, or content that looks like a page) becomes its
    readable text (:func:`unspin.text.page.html_to_text`).  Removed control characters
    are reported as one :class:`UnspinWarning` naming the file.
    """
    from unspin.text.page import HTML_EXTS, html_to_text, looks_like_html

    where = "standard input" if str(path) == "-" else str(path)
    if where != "standard input" and Path(path).is_file() and Path(path).stat().st_size > max_bytes:
        raise InputError(f"{path} is {Path(path).stat().st_size:,} bytes, over the limit of {max_bytes:,}",
                         hint="use `unspin scan` to stream large corpora")
    data = read_limited(path, max_bytes)
    text, removed = _decode_clean(data, encoding)
    if removed:
        warnings.warn(UnspinWarning(f"removed {removed} from {where}"), stacklevel=2)
    if where.lower().endswith(HTML_EXTS) or looks_like_html(text):
        text = html_to_text(text)
        if not text.strip():
            raise InputError(f"no readable text in the HTML of {where}")
    return check_text(text)

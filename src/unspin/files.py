"""Listing input folders so that a folder that cannot be read is an error, never an empty input;
reading the arrays of a model's ``.npz`` files within a bound.

``Path.rglob`` skips a folder it may not list (permission denied, an I/O error) without a word,
so ``scan``, ``index add`` and ``trace`` read such a folder as one holding nothing and exit 0.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path

from unspin.errors import InputError


def files_under(folder: str | Path, keep: Callable[[Path], object] = lambda p: True) -> list[Path]:
    """Every file under ``folder`` (symbolic links to folders followed once) for which ``keep`` holds,
    sorted as ``sorted(folder.rglob("*"))`` would; :class:`InputError` names a folder that cannot be listed.

    >>> import tempfile; d = Path(tempfile.mkdtemp()); (d / "b").mkdir(); _ = (d / "b" / "x.txt").write_text("")
    >>> [p.relative_to(d).as_posix() for p in files_under(d)]
    ['b/x.txt']
    """

    def fail(exc: OSError) -> None:
        where = exc.filename if exc.filename is not None else folder
        raise InputError(f"cannot list the folder {where}: {exc.strerror or exc}",
                         hint="check its permissions (a folder that cannot be read is not taken as empty)")

    seen: set[tuple[int, int]] = set()
    found: list[Path] = []
    for top, dirs, names in os.walk(folder, onerror=fail, followlinks=True):
        st = os.stat(top)
        if (st.st_dev, st.st_ino) in seen:  # a link back to a folder already listed
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        for name in names:
            p = Path(top, name)
            if p.is_file() and keep(p):
                found.append(p)
    return sorted(found)


def read_npz(path: str | Path, max_bytes: int) -> dict:
    """The arrays of an ``.npz`` file (never pickles: ``allow_pickle=False``), refused with
    ``ValueError`` before reading when they would take more than ``max_bytes`` uncompressed."""
    import numpy as np

    with zipfile.ZipFile(path) as z:
        if sum(i.file_size for i in z.infolist()) > max_bytes:
            raise ValueError(f"over {max_bytes:,} bytes uncompressed")
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}

"""Optional compiled kernels (built by ``pip install .`` when a C compiler is there).

:data:`trees` is the compiled tree walk, or None when it was not built or ``UNSPIN_PURE=1``
asks for the numpy path (the results are the same to the bit; the switch is for measuring).
"""

from __future__ import annotations

import os

trees = None
if os.environ.get("UNSPIN_PURE") != "1":
    try:
        from unspin._native import _trees as trees
    except ImportError:  # no compiler at install time: numpy walks the trees
        trees = None

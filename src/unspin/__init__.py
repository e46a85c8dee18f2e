"""unspin: find, undo and trace spun (伪原创) Chinese text.

>>> import unspin
>>> result = unspin.restore(open("examples/spun.txt", encoding="utf-8").read())  # doctest: +SKIP
>>> result.spin_probability, [e.original for e in result.edits]  # doctest: +SKIP

Names are imported on first use, so that ``import unspin`` (and ``unspin --help``) stays fast.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_SOURCES = {
    "unspin.api": ["detect", "restore"],
    "unspin.batch": ["detect_batch", "to_columns"],
    "unspin.errors": ["InputError", "ModelError", "UnspinError", "UnspinWarning"],
    "unspin.model": ["Model", "load_model"],
    "unspin.result": ["DEFAULT_THRESHOLD", "Edit", "Evidence", "Result"],
    "unspin.trace": ["trace"],
    "unspin.trace.restore": ["restore_from_source"],
}
_WHERE = {name: module for module, names in _SOURCES.items() for name in names}
__all__ = [
    "DEFAULT_THRESHOLD", "Edit", "Evidence", "InputError", "Model", "ModelError", "Result", "UnspinError",
    "UnspinWarning", "detect", "detect_batch", "load_model", "restore", "restore_from_source", "to_columns",
    "trace",
]

if TYPE_CHECKING:
    from unspin.api import detect, restore
    from unspin.batch import detect_batch, to_columns
    from unspin.errors import InputError, ModelError, UnspinError, UnspinWarning
    from unspin.model import Model, load_model
    from unspin.result import DEFAULT_THRESHOLD, Edit, Evidence, Result
    from unspin.trace import trace
    from unspin.trace.restore import restore_from_source


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'unspin' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """``unspin.trace`` stays the function even after ``import unspin.trace`` loads the subpackage."""

    def __setattr__(self, name: str, value: Any) -> None:
        if not (name == "trace" and isinstance(value, types.ModuleType)):
            super().__setattr__(name, value)

    def __reduce__(self) -> tuple[Any, tuple[str]]:  # pickled by name, like any module (dill, datasets)
        return importlib.import_module, (self.__name__,)


sys.modules[__name__].__class__ = _Package

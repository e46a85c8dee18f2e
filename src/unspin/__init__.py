"""unspin: find, undo and trace spun (伪原创) Chinese text.

>>> import unspin
>>> result = unspin.restore("雷军:本年要交给30万辆小米轿车")   # doctest: +SKIP
>>> result.spin_probability, [e.original for e in result.edits]  # doctest: +SKIP
"""

from unspin.api import detect, restore
from unspin.errors import InputError, ModelError, UnspinError, UnspinWarning
from unspin.model import Model, load_model
from unspin.result import DEFAULT_THRESHOLD, Edit, Result
from unspin.trace import trace

__all__ = [
    "DEFAULT_THRESHOLD", "Edit", "InputError", "Model", "ModelError", "Result", "UnspinError", "UnspinWarning",
    "detect", "load_model", "restore", "trace",
]
__version__ = "0.1.0"

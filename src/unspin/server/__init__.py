"""``unspin serve``: the HTTP API and the web page (needs ``pip install 'unspin[server]'``).

>>> from unspin.server import create_app      # doctest: +SKIP
>>> app = create_app(index="my-index/")       # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

DEFAULT_MAX_BYTES = 1_000_000
DEFAULT_TIMEOUT_S = 30.0

if TYPE_CHECKING:
    from unspin.server.app import create_app


def __getattr__(name: str) -> Any:  # FastAPI loads on first use, not with `unspin --help`
    if name == "create_app":
        from unspin.server.app import create_app

        return create_app
    raise AttributeError(f"module 'unspin.server' has no attribute {name!r}")


__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_TIMEOUT_S", "create_app"]

"""``unspin serve``: the HTTP API and the web page (needs ``pip install unspin[server]``).

>>> from unspin.server import create_app      # doctest: +SKIP
>>> app = create_app(index="my-index/")       # doctest: +SKIP
"""

from unspin.server.app import create_app

__all__ = ["create_app"]

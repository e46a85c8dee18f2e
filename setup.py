"""Build hook for the optional compiled tree walk (``unspin._native._trees``).

Everything else is in pyproject.toml.  ``optional=True``: a machine without a C compiler
installs unspin all the same, and the trees are then walked in numpy (the same results, to the
bit: tests/test_native.py).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("unspin._native._trees", ["src/unspin/_native/trees.c"], optional=True,
                             extra_compile_args=["-O3"])])

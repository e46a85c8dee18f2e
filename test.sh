#!/usr/bin/env bash
# The test command: set up whatever is missing, then run the whole test suite and ruff.
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
.venv/bin/ruff check src tests bench
exec .venv/bin/python -m pytest -q "$@"

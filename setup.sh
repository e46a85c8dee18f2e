#!/usr/bin/env bash
# Set up unspin on a fresh Debian/Ubuntu machine: system packages, a virtualenv, the package.
# Idempotent: rerunning only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# libime-data-language-model: the modern Chinese word trigram model (KenLM format) unspin scores with.
# chromium: the real browser the web page tests drive (never a browser download).
APT_PACKAGES="libime-data-language-model chromium"
missing=""
for p in $APT_PACKAGES; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing system packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q </dev/null >/dev/null || true
  $SUDO apt-get install -y -q $missing </dev/null >/dev/null
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip </dev/null 2>&1 | grep -v -i warning || true
.venv/bin/python -m pip install -q -e '.[data,trace,scan,server,test]' </dev/null 2>&1 | grep -v -i warning || true
.venv/bin/python -c "import unspin; unspin.load_model()" && echo "setup: ok (run: .venv/bin/unspin --help)"

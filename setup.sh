#!/usr/bin/env bash
# Set up unspin on a fresh Debian/Ubuntu machine: system packages, a virtualenv, the package with
# every extra (what the tests need).  Idempotent: rerunning only installs what is missing.
# A user who only wants restore/detect needs none of this: `pip install .` is the small core.
set -euo pipefail
cd "$(dirname "$0")"

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
step() { echo "setup: $*"; }

# libime-data-language-model: the modern Chinese word trigram model (KenLM format) unspin scores with.
# wordnet-base: English antonyms (WordNet 3.0) the meaning guard carries over to Chinese at `unspin train` time.
# chromium: the real browser the web page tests drive (never a browser download).
# fonts-noto-cjk: Chinese glyphs for the browser, so the page's screenshots show text, not boxes.
# build-essential: a C compiler for the compiled tree walk (optional: without one, numpy walks the trees).
APT_PACKAGES="libime-data-language-model wordnet-base chromium fonts-noto-cjk build-essential"
missing=""
for p in $APT_PACKAGES; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  step "installing system packages:$missing (apt-get, about a minute)"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q </dev/null >/dev/null || true
  $SUDO apt-get install -y -q $missing </dev/null >/dev/null
else
  step "system packages present: $APT_PACKAGES"
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  step "creating the virtualenv .venv"
  "$PY" -m venv .venv
fi
step "upgrading pip"
.venv/bin/python -m pip install -q --upgrade pip </dev/null 2>&1 | grep -v -i warning || true
step "installing unspin with every extra: .[all] (first run: a few minutes, about 1.6 GB)"
.venv/bin/python -m pip install -q -e '.[all]' </dev/null 2>&1 | grep -v -i warning || true
step "checking that the built-in model loads"
.venv/bin/python -c "import unspin; unspin.load_model()" && step "ok (run: .venv/bin/unspin --help)"

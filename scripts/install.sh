#!/usr/bin/env bash
# Installs effipia in ./.venv. With --test, also the test tools and the Debian
# packages the tests use for real: chromium (browser tests), postgresql (store
# tests), R with survey/sandwich/MASS (statistical cross-checks).
set -euo pipefail
cd "$(dirname "$0")/.."
with_test=0
[ "${1:-}" = "--test" ] && with_test=1

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ $with_test = 1 ]; then
  .venv/bin/python -m pip install -q -e '.[test]'
else
  .venv/bin/python -m pip install -q -e .
fi

if [ $with_test = 1 ]; then
  need=()
  [ -x /usr/bin/chromium ] || need+=(chromium)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'suppressMessages({library(survey); library(sandwich); library(MASS)})' >/dev/null 2>&1; then
    need+=(r-cran-survey r-cran-sandwich r-cran-mass)
  fi
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  command -v npm >/dev/null 2>&1 || need+=(npm)
  # WeasyPrint (PDF reports) loads pango through cffi; the reports' charts use DejaVu Sans
  ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so' || need+=(libpango-1.0-0 libpangoft2-1.0-0)
  fc-list 2>/dev/null | grep -qi 'DejaVuSans.ttf' || need+=(fonts-dejavu-core)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    else
      echo "Paquets Debian manquants (installez-les en root) : ${need[*]}" >&2
    fi
  fi
fi

if [ $with_test = 1 ] && command -v npm >/dev/null 2>&1; then
  # axe-core for the accessibility checks of the browser tests (tests/utils/axe.py, same version).
  axe_dir="${XDG_CACHE_HOME:-$HOME/.cache}/effipia-tests/axe-core-4.14.1"
  if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
    mkdir -p "$axe_dir"
    npm install --no-save --no-audit --no-fund --prefix "$axe_dir" axe-core@4.14.1 >/dev/null
  fi
fi

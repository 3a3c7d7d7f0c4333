#!/usr/bin/env bash
# Create .venv (once) and install the package with its test tools. Idempotent: re-installs only
# when pyproject.toml changed. torch is installed first, pinned to the CPU wheel: a bare `torch`
# would pull a multi-GB CUDA build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${TRANSLATE_VENV:-$root/.venv}"
python="${PYTHON:-python3}"
extras="${TRANSLATE_EXTRAS:-test}"   # CI: test,ray (every optional extra, so no test is skipped)
stamp="$venv/.installed-$( (cat "$root/pyproject.toml"; echo "$extras") | sha256sum | cut -c1-16)"
if [ -f "$stamp" ]; then
  exit 0
fi
echo "setting up $venv (first run only; a few minutes)..." >&2
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip >&2
"$venv/bin/python" -m pip install --quiet "torch==2.13.0" >&2
# this clone installed under its former distribution name ("translate"): replaced by arabic-news-translate
if "$venv/bin/python" -m pip show translate 2>/dev/null | grep -qxF "Editable project location: $root"; then
  "$venv/bin/python" -m pip uninstall --quiet -y translate >&2
fi
"$venv/bin/python" -m pip install --quiet -e "$root[$extras]" >&2
rm -f "$venv"/.installed-*
touch "$stamp"

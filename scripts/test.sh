#!/usr/bin/env bash
# Run the test suite (offline; builds its own tiny models), setting up on first use:
#   .venv        the package with its test extras (scripts/setup.sh)
#   chromium     Debian's chromium + chromium-driver, for the HTML tests in a real browser
#   .venv-ttk    translate-toolkit in its own environment (it installs under the import name
#                `translate`, like this package), to read our TMX files back independently
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  sudo=""
  if [ "$(id -u)" != 0 ] && sudo -n true 2>/dev/null; then sudo="sudo -n"; fi
  if { [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; } && command -v apt-get >/dev/null; then
    echo "installing chromium and chromium-driver (browser tests)..." >&2
    $sudo apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 \
      || { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1; } \
      || echo "warning: could not install chromium; browser tests will be skipped" >&2
  else
    echo "note: chromium/chromedriver not found and cannot be installed here; browser tests will be skipped" >&2
  fi
fi
ttk="$root/.venv-ttk"
if [ ! -x "$ttk/bin/python" ] || ! "$ttk/bin/python" -c "import translate.storage.tmx" 2>/dev/null; then
  echo "setting up translate-toolkit in $ttk (TMX read-back tests)..." >&2
  "${PYTHON:-python3}" -m venv "$ttk"
  "$ttk/bin/python" -m pip install --quiet translate-toolkit >&2
fi
cd "$root"
HF_HUB_OFFLINE=1 TRANSLATE_TTK_PYTHON="$ttk/bin/python" exec "${TRANSLATE_VENV:-$root/.venv}/bin/python" -m pytest "$@"

#!/usr/bin/env bash
# Run the test suite (offline; builds its own tiny models), setting up .venv on first use.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
HF_HUB_OFFLINE=1 exec "${TRANSLATE_VENV:-$root/.venv}/bin/python" -m pytest "$@"

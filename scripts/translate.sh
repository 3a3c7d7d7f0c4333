#!/usr/bin/env bash
# Run the translate CLI, setting up .venv on first use. Example:
#   bash scripts/translate.sh batch articles/ --out outputs/
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
exec "${TRANSLATE_VENV:-$root/.venv}/bin/translate" "$@"

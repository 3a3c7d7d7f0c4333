"""CAT round trips through PO (issue 19): translate-toolkit's ``xliff2po`` keeps each unit's
article and sentence id (as the PO reference ``#: ARTICLE#SENTENCE-ID``) and our notes (flags,
confidence: as ``#.`` comments); ``review import`` reads the edited PO itself, and the XLIFF that
``po2xliff`` makes of it (whose ``<file original>`` is the PO's name), placing every unit."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.support import required
from tests.support.helpers import load, run_cli

TTK = Path(os.environ.get("TRANSLATE_TTK_PYTHON", Path(__file__).parents[1] / ".venv-ttk" / "bin" / "python"))
FIXTURES = Path(__file__).parent / "fixtures"


def ttk_tool(name: str, *args: Path) -> None:
    tool = TTK.parent / name
    if not tool.exists():
        required(f"translate-toolkit at {TTK.parent}", "bash scripts/test.sh sets it up")
    done = subprocess.run([str(tool), *map(str, args)], capture_output=True, text=True, cwd="/")
    assert done.returncode == 0, done.stderr


def edit_po(path: Path, sid: str, english: str) -> None:
    """Set the msgstr of the entry whose reference ends in #sid, and clear its fuzzy flag (as Poedit does)."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    for n, block in enumerate(blocks):
        if re.search(rf"^#: \S+%23{re.escape(sid)}$", block, re.M):
            head = block.split("msgstr")[0].replace("#, fuzzy\n", "")
            blocks[n] = head + f'msgstr "{english}"'
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")


def test_po_round_trip_keeps_ids_and_notes_and_imports(tmp_path, tiny_models):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "article_full.txt").write_bytes((FIXTURES / "article_full.txt").read_bytes())
    out = tmp_path / "out"
    assert run_cli("batch", folder, "--out", out, "--config", tiny_models, "--formats", "xliff").exit_code == 0
    po = tmp_path / "article.po"
    ttk_tool("xliff2po", out / "article_full.xliff", po)
    text = po.read_text(encoding="utf-8")
    assert "#: article_full.txt%23p2.s1" in text  # the unit's place survives (percent-encoded, as PO tools do)
    assert re.search(r"^#\. (number_mismatch|untranslated|repetition|length_ratio|hit_limit): ", text, re.M)
    edit_po(po, "p4.s1", "The foreign minister discussed economic cooperation with his Egyptian counterpart.")
    result = run_cli("review", "import", po, "--out", out)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 correction(s) applied") and "article_full.txt p4.s1" in result.output
    back = tmp_path / "back.xlf"
    edit_po(po, "p5.s1", "The minister said trade reached 1.8 billion dollars in 2023.")
    ttk_tool("po2xliff", po, back)
    assert 'original="' in back.read_text(encoding="utf-8")
    result = run_cli("review", "import", back, "--out", out)
    assert result.exit_code == 0, result.output
    assert "1 correction(s) applied" in result.output and "article_full.txt p5.s1" in result.output
    assert run_cli("batch", folder, "--out", out, "--config", tiny_models, "--formats", "xliff").exit_code == 0
    targets = {s["id"]: s["target"] for p in load(out / "article_full.json")["paragraphs"] for s in p["sentences"]}
    assert targets["p4.s1"].startswith("The foreign minister") and targets["p5.s1"].startswith("The minister said")

"""Start-up of the CTranslate2 path (issue 21), for bench/cores.py: time from process start to the
first model call, split into interpreter start, imports, model load and the first call, on the tiny
test models and the real-size ones; and a one-article ``translate batch`` through the real command
line, its first model call against process start plus the time spent loading models. Each child
process reports what it imported (torch, transformers, sacremoses: none should be)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HEAVY = ("torch", "transformers", "sacremoses")
# imports, backend (tokenizer, config, CTranslate2 model loaded: load_backend with backend auto), one call
PROBE = """
import time; started = time.time()
import json, sys
from pathlib import Path
from translate import load_config
from translate.backends import load_backend
imported = time.time()
options = load_config(Path(sys.argv[1])).profile().translation
backend = load_backend(options, role="translation")
backend.load()
loaded = time.time()
backend.translate(["قال الوزير إن المحادثات كانت مثمرة."])
called = time.time()
print(json.dumps({"started": started, "imported": imported, "loaded": loaded, "called": called,
                  "heavy": [m for m in %r if m in sys.modules]}))
""" % (HEAVY,)
# the command line, with the first model call and the model loads timed from inside
CLI = """
import time; started = time.time()
import atexit, json, sys
from translate.backends import ct2
seen = {"started": started, "load": 0.0, "first": None}
load, start = ct2.CTranslate2Backend.load, ct2.CTranslate2Backend._start
def timed_load(self):
    began = time.time()
    try:
        return load(self)
    finally:
        seen["load"] += time.time() - began
def first(self, encoded):
    seen["first"] = seen["first"] or time.time()
    return start(self, encoded)
ct2.CTranslate2Backend.load, ct2.CTranslate2Backend._start = timed_load, first
atexit.register(lambda: print("STARTUP " + json.dumps({**seen, "heavy": [m for m in %r if m in sys.modules]}),
                              file=sys.stderr))
from translate.cli import main
sys.argv = ["translate", *sys.argv[1:]]
main()
""" % (HEAVY,)


def _child(code: str, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    spawned = time.time()
    child = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if child.returncode not in (0,):
        sys.exit(f"start-up probe failed:\n{child.stderr[-3000:]}")
    return spawned, child


def probe(config: Path, repeat: int) -> dict:
    """The best (by total) of ``repeat`` fresh processes: seconds of interpreter start, imports,
    model load and first call."""
    best = None
    for _ in range(repeat):
        spawned, child = _child(PROBE, str(config))
        t = json.loads(child.stdout.strip().splitlines()[-1])
        found = {"interpreter": t["started"] - spawned, "imports": t["imported"] - t["started"],
                 "load": t["loaded"] - t["imported"], "first call": t["called"] - t["loaded"],
                 "total": t["called"] - spawned, "heavy": t["heavy"]}
        best = found if best is None or found["total"] < best["total"] else best
    return best


def one_article(config: Path, article: Path, out: Path, repeat: int) -> dict:
    """``translate batch`` on one article (summary off): process start to the first model call,
    less the time spent loading models (the issue's target: <= 1 s), and the whole run."""
    folder = out / "one-article-in"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / article.name).write_bytes(article.read_bytes())
    best = None
    for _ in range(repeat):
        spawned, child = _child(CLI, "batch", str(folder), "--out", str(out / "one-article-out"), "--config",
                                str(config), "--summary", "none", "--force", "--quiet", "--no-cache")
        line = next(x for x in child.stderr.splitlines() if x.startswith("STARTUP "))
        t = json.loads(line[len("STARTUP "):])
        found = {"to first call": t["first"] - spawned, "model load": t["load"], "wall": time.time() - spawned,
                 "heavy": t["heavy"]}
        found["start-up"] = found["to first call"] - found["model load"]
        best = found if best is None or found["start-up"] < best["start-up"] else best
    return best


def startup_rows(args, config: Path) -> list[tuple[str, str, str, str]]:
    """Rows for bench/cores.py's table: tiny and real-size models, probe and command line."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository: tests.support
    from tests.support.tiny_models import build_all

    tiny = args.cache / "tiny" / "models.yaml"
    if not tiny.is_file():
        build_all(tiny.parent)
    subprocess.run([sys.executable, "-m", "translate", "models", "convert", "--config", str(tiny)], check=True,
                   capture_output=True)  # the conversion (and the tokenizer snapshot) once, outside the timing
    article = min(sorted(args.articles.iterdir()), key=lambda p: p.stat().st_size)
    rows = []
    for label, models in (("tiny models", tiny), ("real-size models", config)):
        found = probe(models, args.repeat)
        split = ", ".join(f"{k} {found[k]:.2f}" for k in ("interpreter", "imports", "load", "first call"))
        rows.append((f"start-up, {label}: process start to first call done", f"{found['total']:.2f}", split,
                     f"imported: {', '.join(found['heavy']) or 'no torch, transformers, sacremoses'}"))
        cli = one_article(models, article, args.cache / "runs" / f"startup-{label.split()[0]}", args.repeat)
        rows.append((f"start-up, {label}: `translate batch` one article, to first model call",
                     f"{cli['to first call']:.2f}", f"model load {cli['model load']:.2f}, run {cli['wall']:.2f}",
                     f"start-up without model load {cli['start-up']:.2f} s (target <= 1 s); imported: "
                     f"{', '.join(cli['heavy']) or 'no torch, transformers, sacremoses'}"))
    return rows

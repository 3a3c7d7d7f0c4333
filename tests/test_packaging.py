"""What the package imports is what it declares: every third-party module imported anywhere in
``translate/`` belongs to a distribution named in pyproject.toml (a dependency or an extra), so a
fresh install with any pip gets it; and what our dependencies need at run time but do not declare
themselves (lxml's HTML cleaner, used by trafilatura through jusText) is declared by us."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)).lower()


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {_name(r) for r in requirements}


def imported_modules() -> dict[str, list[str]]:
    """Top-level names of the absolute imports in the package, with the files importing them."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "translate").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top != "translate" and top not in sys.stdlib_module_names:
                    found.setdefault(top, []).append(path.relative_to(ROOT).as_posix())
    return found


def test_every_imported_module_is_a_declared_dependency():
    distributions = importlib.metadata.packages_distributions()
    names = declared()
    missing = {}
    for module, files in imported_modules().items():
        owners = {_name(d) for d in distributions.get(module, [module])}
        if not owners & names:
            missing[module] = (sorted(owners), files[:3])
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_what_dependencies_need_at_run_time_is_declared():
    assert "lxml-html-clean" in declared()  # jusText (trafilatura) imports lxml.html.clean
    from lxml.html.clean import Cleaner  # noqa: F401 - installed, so web pages can be read

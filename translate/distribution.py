"""The package as installed: its distribution name on the package index (``arabic-news-translate``;
the import package and the command are ``translate``, a name the index gives to an unrelated
project) and the command that installs an optional extra, worded so that it works as printed."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

DIST_NAME = "arabic-news-translate"


def project_root() -> Path | None:
    """The clone this package runs from (its ``pyproject.toml`` beside the ``translate`` folder), if any."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "translate" / "__init__.py").is_file() else None


def extra_requirements(extra: str) -> list[str]:
    """The requirements of ``extra`` as the installed distribution declares them."""
    from importlib import metadata

    try:
        requires = metadata.requires(DIST_NAME) or []
    except metadata.PackageNotFoundError:
        return []
    marker = re.compile(r";\s*extra\s*==\s*['\"]" + re.escape(extra) + r"['\"]\s*$")
    return [marker.sub("", r).strip() for r in requires if marker.search(r)]


def install_command(extra: str) -> str:
    """The command that installs ``extra`` into this Python: from the clone when running from one
    (``python -m pip install -e 'CLONE[extra]'``), else the extra's own requirements."""
    pip = f"{shlex.quote(sys.executable)} -m pip install"
    root = project_root()
    if root is not None:
        return f"{pip} -e {shlex.quote(f'{root}[{extra}]')}"
    requirements = extra_requirements(extra)
    if requirements:
        return f"{pip} {' '.join(shlex.quote(r) for r in requirements)}"
    return f"{pip} {shlex.quote(f'{DIST_NAME}[{extra}]')}"

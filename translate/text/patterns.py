"""The user's own patterns for a source's furniture (``input:`` in a ``models.yaml`` profile).

Every outlet has lines of its own that no built-in rule can know: a channel's follow-us line, a
paper's column label, a feed's odd timestamp. A profile lists regular expressions for chrome
lines, meta lines (each with a role) and date lines; a line (its shown text: trimmed, on one line,
without Markdown markers) that a pattern *searches* successfully gets that kind before any
built-in rule is tried — date patterns first, then meta, then chrome. Anchor a pattern (``^…$``)
to match whole lines only.

Patterns are compiled once, when the configuration is loaded: a pattern that does not compile, or
that matches an empty line (it would match everything), is refused there with its key and text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from .dates import DateLine, find_date, read_date_line

ROLE = re.compile(r"[a-z][a-z0-9_]{0,30}")


class PatternError(ValueError):
    """A user pattern that cannot be used: ``key`` names it (``meta_patterns.byline[0]``)."""

    def __init__(self, key: str, pattern: str, problem: str) -> None:
        super().__init__(f"{key}: {pattern!r}: {problem}")
        self.key = key
        self.pattern = pattern
        self.problem = problem


def check(pattern: str, key: str) -> re.Pattern:
    """``pattern`` compiled, or :class:`PatternError` saying why it cannot be used."""
    if not isinstance(pattern, str) or not pattern:
        raise PatternError(key, str(pattern), "is not a regular expression (expected a non-empty string)")
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise PatternError(key, pattern, f"is not a valid regular expression ({exc})") from exc
    if compiled.search(""):
        raise PatternError(key, pattern, "matches an empty line, so it would match every line")
    return compiled


@dataclass(frozen=True)
class Patterns:
    """Compiled user patterns; :meth:`classify` says what a line is by them."""

    chrome: tuple[re.Pattern, ...] = ()
    meta: tuple[tuple[str, re.Pattern], ...] = ()  # (role, pattern)
    dates: tuple[re.Pattern, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.chrome or self.meta or self.dates)

    def classify(self, line: str) -> tuple[str, str | None, DateLine | None] | None:
        """``(kind, role, date)`` for a line that a pattern matches, else None."""
        for pattern in self.dates:
            match = pattern.search(line)
            if match:
                return "date", None, _date_of(match, line)
        for role, pattern in self.meta:
            if pattern.search(line):
                return "meta", role, None
        for pattern in self.chrome:
            if pattern.search(line):
                return "chrome", None, None
        return None


def compile_patterns(*, chrome: Iterable[str] = (), meta: Iterable[tuple[str, str]] = (),
                     dates: Iterable[str] = ()) -> Patterns:
    """Check and compile; ``meta`` is ``(role, pattern)`` pairs. Raises :class:`PatternError`."""
    meta_compiled = []
    counts: dict[str, int] = {}
    for role, pattern in meta:
        index = counts.get(role, 0)
        counts[role] = index + 1
        if not isinstance(role, str) or not ROLE.fullmatch(role):
            raise PatternError(f"meta_patterns.{role}", str(pattern),
                               "has a role that is not a lowercase word (letters, digits, _), e.g. byline")
        meta_compiled.append((role, check(pattern, f"meta_patterns.{role}[{index}]")))
    return Patterns(chrome=tuple(check(p, f"chrome_patterns[{i}]") for i, p in enumerate(chrome)),
                    meta=tuple(meta_compiled),
                    dates=tuple(check(p, f"date_patterns[{i}]") for i, p in enumerate(dates)))


def from_options(options: Any) -> Patterns | None:
    """The patterns of a profile's ``input`` options (``config.InputOptions``), None when it has none."""
    patterns = compile_patterns(chrome=getattr(options, "chrome_patterns", ()),
                                meta=getattr(options, "meta_patterns", ()),
                                dates=getattr(options, "date_patterns", ()))
    return patterns or None


def _date_of(match: re.Match, line: str) -> DateLine:
    """The date a date pattern found: its ``year``/``month``/``day`` groups when it has them (the
    month as a number or a name), else the date written in the line (None when there is none)."""
    groups = match.groupdict()
    if groups.get("year") and groups.get("month") and groups.get("day"):
        found = read_date_line(f"{groups['day']} {groups['month']} {groups['year']}")
        if found is None and groups["month"].strip().isdigit():
            found = read_date_line(f"{groups['year']}-{int(groups['month']):02d}-{int(groups['day']):02d}")
        if found is not None:
            return found
    return read_date_line(line) or DateLine(find_date(line))

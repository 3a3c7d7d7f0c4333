"""Quality flags: which sentence translations a reviewer should look at first, and why.

| flag | meaning |
|---|---|
| ``untranslated`` | the English still contains Arabic script (the model copied source words through) |
| ``number_mismatch`` | a number in the source does not appear in the English (Arabic-Indic and ASCII digits, thousands separators and decimal commas are compared as the same number) |
| ``length_ratio`` | the English is implausibly short or long for the source (character ratio outside 0.5-3.0; sentences of 20+ characters) |
| ``repetition`` | the English contains a repetition loop (the same 1-4 word run three or more times in a row) |
| ``empty`` | the model returned nothing for Arabic text |
| ``hit_limit`` | generation stopped at ``max_new_tokens``: the translation may be cut off |
| ``glossary`` | the source has a glossary term but the English lacks its rendering |
| ``refusal`` | an instruction LLM declined to translate the sentence |
| ``suspicious_output`` | the English has markup, a link, code or an instruction/assistant phrase the source does not have (an LLM obeying text in the article, or a server adding its own) |
| ``low_confidence`` | the model's confidence in its translation is below the profile's ``translation.low_confidence`` |
"""  # noqa: E501 - the rows of a Markdown table cannot be wrapped

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from ..errors import UsageError
from ..text.normalize import for_model

_ARABIC_LETTERS = re.compile(r"[\u0621-\u064a\u0671-\u06d3\ufb50-\ufdff\ufe70-\ufefc]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_DIACRITICS = re.compile(r"[\u064b-\u0652\u0670\u0640]")
_WORD = re.compile(r"\w+", re.UNICODE)
MIN_RATIO, MAX_RATIO = 0.5, 3.0


def _numbers(text: str) -> set[str]:
    found = set()
    for raw in _NUMBER.findall(for_model(text)):
        date = re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{4})", raw)
        if date:  # 11.03.2024: the month may be written as a word in English
            found.update({date.group(1).lstrip("0"), date.group(3)})
            continue
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):
            raw = raw.replace(",", "")  # thousands separators
        elif re.fullmatch(r"\d+,\d{1,2}", raw):
            raw = raw.replace(",", ".")  # a decimal comma
        for part in re.split(r",", raw):
            found.add(part.lstrip("0") or "0")
    return found


def _repeats(words: list[str]) -> bool:
    for n in range(1, 5):
        for i in range(len(words) - 3 * n + 1):
            gram = words[i:i + n]
            if words[i + n:i + 2 * n] == gram and words[i + 2 * n:i + 3 * n] == gram:
                return True
    return False


def arabic_key(text: str) -> str:
    """Arabic compared loosely: no diacritics or tatweel, one form of alef, ta marbuta as ha."""
    text = _DIACRITICS.sub("", for_model(text))
    return re.sub("[أإآ]", "ا", text).replace("ة", "ه").replace("ى", "ي")


@dataclass(frozen=True)
class Glossary:
    """Arabic term -> required English rendering(s) (any one of them is enough)."""

    terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    path: str | None = None

    def missing(self, source: str, target: str) -> list[str]:
        key, lowered = arabic_key(source), target.lower()
        return [term for term, renderings in self.terms.items()
                if arabic_key(term) in key and not any(r.lower() in lowered for r in renderings)]


def load_glossary(path: Path) -> Glossary:
    """``.yaml`` (term: rendering, or term: [renderings]) or ``.tsv`` (term<TAB>rendering[<TAB>...])."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"glossary {path} cannot be read ({exc})", "pass a UTF-8 .yaml or .tsv file") from exc
    terms: dict[str, tuple[str, ...]] = {}
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            raise UsageError(f"glossary {path} is not valid YAML ({exc})",
                             "write one 'arabic term: english' per line") from exc
        if not isinstance(data, dict):
            raise UsageError(f"glossary {path} must be a mapping", "write one 'arabic term: english' per line")
        for term, rendering in data.items():
            renderings = rendering if isinstance(rendering, list) else [rendering]
            if not isinstance(term, str) or not all(isinstance(r, str) and r.strip() for r in renderings):
                raise UsageError(f"glossary {path}: entry {term!r} must map text to text (or a list of texts)",
                                 "write 'arabic term: english' or 'arabic term: [english, alternative]'")
            terms[term.strip()] = tuple(r.strip() for r in renderings)
    else:
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            cells = [c.strip() for c in line.split("\t")]
            if len(cells) < 2 or not all(cells[:2]):
                raise UsageError(f"glossary {path}, line {number}: expected 'term<TAB>rendering'",
                                 "separate the Arabic term and its English rendering with a tab")
            terms[cells[0]] = tuple(c for c in cells[1:] if c)
    return Glossary(terms=terms, path=str(path))


# what a translation may carry that its source does not: markup, links, code, an assistant's voice
_SUSPICIOUS = {
    "markup": re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9-]*(\s[^<>]*)?>"),
    "link": re.compile(r"(?i)\b(?:https?://|www\.)\S+|\]\(\S+\)"),
    "code": re.compile(r"```|\bimport\s+\w+|\bdef\s+\w+\(|;\s*\}|\$\(|<script"),
    "instruction": re.compile(r"(?i)\b(?:ignore (?:all |the |any )?(?:previous |prior |above )?instructions?|"
                              r"as an ai\b|language model|i cannot (?:help|assist|translate)|system prompt|"
                              r"here is the translation)"),
}


def suspicious(source: str, target: str) -> bool:
    """The translation carries markup, a link, code or an assistant's phrase its source does not."""
    return any(pattern.search(target) and not pattern.search(source) for pattern in _SUSPICIOUS.values())


def flag_sentence(source: str, target: str, *, hit_limit: bool = False, glossary: Glossary | None = None,
                  notes: Sequence[str] = (), confidence: float | None = None,
                  low_confidence: float | None = None) -> list[str]:
    """The flags raised for one translated sentence (in the order of ``record.FLAGS``).
    ``confidence``: the model's (``record.confidence``); ``low_confidence``: the profile's threshold
    (None: the flag is off)."""
    flags = []
    if _ARABIC_LETTERS.search(source):
        if len(_ARABIC_LETTERS.findall(target)) >= 2:
            flags.append("untranslated")
        if not _numbers(source) <= _numbers(target):
            flags.append("number_mismatch")
        ratio = len(target) / max(len(source), 1)
        if target.strip() and len(source.strip()) >= 20 and not MIN_RATIO <= ratio <= MAX_RATIO:
            flags.append("length_ratio")
        if _repeats([w.lower() for w in _WORD.findall(target)]):
            flags.append("repetition")
        if not target.strip():
            flags.append("empty")
    if hit_limit:
        flags.append("hit_limit")
    if glossary and glossary.missing(source, target):
        flags.append("glossary")
    if "refusal" in notes:
        flags.append("refusal")
    if suspicious(source, target):
        flags.append("suspicious_output")
    if confidence is not None and low_confidence is not None and confidence < low_confidence:
        flags.append("low_confidence")
    return flags

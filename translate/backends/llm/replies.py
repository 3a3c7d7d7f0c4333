"""Reading an LLM's reply: chatter removed, numbered items parsed strictly, refusals recognized,
citations of summary sentences extracted.

Strict means: a reply to N numbered sentences parses only when it holds exactly the items 1..N, in
order, each once and non-empty; anything else (a missing, merged, split or extra item) is ``None``
and the caller retries sentence by sentence. Nothing is ever guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.S | re.I)
_FENCE = re.compile(r"^\s*```[\w-]*\s*$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")  # markdown bold: not part of a translation
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# "1. text", "1) text", "(1) text", "[1] text", "**1.** text", "- 1: text"
_ITEM = re.compile(r"^\s*(?:[-*•]\s*)?(?:\*\*)?(?:\((\d{1,3})\)|\[(\d{1,3})\]|(\d{1,3})\s*[.):\-–])"
                   r"(?:\*\*)?\s*(.*)$")
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# a line before the answer: "Here is the translation:", "Sure!", "English translation:" ...
_OPENER = r"(?:sure|certainly|of course|okay|ok|absolutely)[!.,]*"
_HERE = rf"(?:{_OPENER}\s+)?(?:here(?:'s| is| are)|below (?:is|are))\b"
_PREAMBLE = re.compile(rf"^(?:{_OPENER}|{_HERE}[^\n]*(?::|\b(?:translat\w*|summar\w*)\b[^\n]*)|"
                       r"[^\n]{0,80}\b(?:translations?|translated|summary|summari[sz]ed)\b[^\n]{0,40}:)\s*$", re.I)
_INLINE = re.compile(rf"^\s*{_HERE}[^:\n]{{0,80}}:\s*(?=\S)", re.I)  # "Here is the translation: The ..."
_LABEL = re.compile(r"^(?:\*\*)?(?:english(?:\s+translation)?|translation|summary)(?:\*\*)?\s*:\s*(?:\*\*)?\s*", re.I)
# a line after the answer: notes, offers of more help
_CLOSING = re.compile(r"^\s*(?:\(?\s*(?:\*\*)?(?:note|notes|translator'?s? notes?|n\.b\.)\b|i hope\b|let me know\b|"
                      r"please note\b|feel free\b|if you (?:need|have|want|would)\b|(?:-{3,}|\*{3,}|_{3,})\s*$)", re.I)
_REFUSAL = re.compile(r"^[\s*_]*(?:i'?m sorry|i am sorry|sorry|i apologi[sz]e|i can(?:'|no)?t|i cannot|"
                      r"i'?m (?:unable|not able)|i am (?:unable|not able)|i (?:won'?t|will not)|as an ai)\b", re.I)
_REFUSAL_TOPIC = re.compile(r"\b(?:help|assist|translat\w*|provide|comply|fulfil\w*|request|content|summari[sz]\w*)\b",
                            re.I)
_CITATION = re.compile(r"\s*[\[(]((?:\s*[A-Za-z]{0,4}\s*\d+\s*(?:[-–]\s*[A-Za-z]{0,4}\s*\d+\s*)?[,;]?)+)[\])]")
_CITED_END = re.compile(r"(?:\s*[\[(](?:\s*[A-Za-z]{0,4}\s*\d+\s*(?:[-–]\s*[A-Za-z]{0,4}\s*\d+\s*)?[,;]?)+[\])])+"
                        r"[.!?]?(?=\s|$)")


def clean(reply: str) -> str:
    """The reply without reasoning blocks, code fences, control characters, leading chatter lines
    and trailing notes or offers of help; lines are kept."""
    text = _CONTROL.sub("", _THINK.sub("", reply))
    lines = [line.rstrip() for line in text.splitlines() if not _FENCE.match(line)]
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines:
        lines[0] = _INLINE.sub("", lines[0])
    while lines and (not lines[0].strip() or _PREAMBLE.match(lines[0].strip())):
        lines.pop(0)
    for i, line in enumerate(lines):
        if i and _CLOSING.match(line):
            lines = lines[:i]
            break
    while lines and not lines[-1].strip():
        lines.pop()
    if lines:
        lines[0] = _LABEL.sub("", lines[0])
    return "\n".join(lines)


def is_refusal(text: str) -> bool:
    """A reply that declines the task ("I'm sorry, but I can't help with that.") instead of doing it:
    it must start with an apology or refusal and speak of helping, translating, the request..."""
    head = text.strip()[:200]
    return bool(_REFUSAL.match(head) and _REFUSAL_TOPIC.search(head))


def _items(lines: Iterable[str]) -> list[tuple[int, str]]:
    """(number, text) of numbered lines; an unnumbered line continues the item before it; lines
    before the first item are dropped (chatter)."""
    items: list[tuple[int, str]] = []
    for line in lines:
        match = _ITEM.match(line.translate(_ARABIC_DIGITS))
        if match:
            number = int(next(g for g in match.groups()[:3] if g))
            items.append((number, line[match.start(4):].strip()))
        elif items and line.strip():
            number, text = items[-1]
            items[-1] = (number, f"{text} {line.strip()}".strip())
    return [(n, _strip_markup(t)) for n, t in items]


def _strip_markup(text: str) -> str:
    text = _BOLD.sub(r"\1", _LABEL.sub("", text.strip()))
    return " ".join(text.split())


def parse_numbered(reply: str, count: int) -> Optional[list[str]]:
    """Exactly ``count`` item texts in order, or ``None`` when the reply does not parse. A reply to
    one sentence may also be unnumbered (the whole cleaned reply is the item)."""
    cleaned = clean(reply)
    items = _items(cleaned.splitlines())
    if count == 1 and not (items and items[0][0] == 1 and len(items) == 1):
        if items and any(n != 1 for n, _ in items):
            return None  # several numbered items for one sentence
        text = _strip_markup(" ".join(cleaned.split()))
        return [text] if text else None
    if [n for n, _ in items] != list(range(1, count + 1)) or not all(t for _, t in items):
        return None
    return [t for _, t in items]


@dataclass(frozen=True)
class CitedSentence:
    """A summary sentence, its known citations (in citation order) and the unknown ones."""

    text: str
    ids: tuple[str, ...]
    unknown: tuple[str, ...]


def _citation_ids(group: str) -> list[str]:
    """``p3, p5`` / ``3;5`` / ``P3-P5`` -> ``['p3', 'p5']`` / ``['p3', 'p5']`` / ``['p3', 'p4', 'p5']``."""
    ids: list[str] = []
    for part in re.split(r"[,;]", group):
        part = part.strip().lower().replace(" ", "")
        if not part:
            continue
        bounds = re.split(r"[-–]", part)
        if len(bounds) == 2 and all(re.fullmatch(r"[a-z]{0,4}\d+", b) for b in bounds):
            low, high = (int(re.sub(r"\D", "", b)) for b in bounds)
            if 0 <= high - low <= 50:
                ids += [f"p{n}" for n in range(low, high + 1)]
                continue
        ids.append(f"p{part}" if part.isdigit() else part)
    return ids


def split_cited(line: str) -> list[str]:
    """A line holding several sentences, each ending with its citations, cut after each citation."""
    pieces, start = [], 0
    for match in _CITED_END.finditer(line):
        pieces.append(line[start:match.end()])
        start = match.end()
    pieces.append(line[start:])
    return [p.strip() for p in pieces if p.strip()]


def parse_cited(reply: str, *, known: Iterable[str]) -> list[CitedSentence]:
    """The summary sentences of a reply with their citations; ids not in ``known`` are set apart."""
    known_ids = set(known)
    sentences = []
    lines = [text for _, text in _items(clean(reply).splitlines())] or clean(reply).splitlines()
    for line in lines:
        for piece in split_cited(line):
            cited: list[str] = []
            for group in _CITATION.findall(piece):
                cited += _citation_ids(group)
            text = " ".join(_CITATION.sub("", piece).split())
            text = re.sub(r"\s+([.,;:!?])", r"\1", text)
            if not re.search(r"\w", text):
                continue
            ids = tuple(dict.fromkeys(i for i in cited if i in known_ids))
            unknown = tuple(dict.fromkeys(i for i in cited if i not in known_ids))
            sentences.append(CitedSentence(_strip_markup(text), ids, unknown))
    return sentences

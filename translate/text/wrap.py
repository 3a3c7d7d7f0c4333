"""Hard-wrapped text: files whose paragraphs were cut into lines near one width (wire-service
feeds, e-mails, text saved from PDFs), where a line end is usually not the end of anything.

Detection looks for the trace a line-wrapping program leaves: consecutive non-blank lines that
stop mid-sentence close to one maximum width, where the next line's first word would not have
fitted on the line. An ordinary article (one paragraph per line, with short lines for the title,
date, headings and credits) has no such cluster and is left alone. Widths are tried in characters
and in UTF-8 bytes (``fmt`` and ``fold`` count bytes); a wrapper that is not greedy (optimal fill,
justified or PDF text) is recognized by lines that stop early, and gets a tolerance (``slack``).

A detected file is regrouped into paragraphs. A paragraph ends at a blank line, after a line the
next word would have fitted on (the writer ended it on purpose: a title, a heading, a date, the
last line of a paragraph), after an unwrapped title (a first line longer than the width), before
a line that opens a paragraph by its words (a credit: ``المصدر: …``), and before a one-line
paragraph without a sentence end (a heading) that follows a sentence end. A title or heading as
long as the width, followed by a paragraph with no blank line between, cannot be told from a
wrapped line, and is joined to the paragraph.

Verse is not wrapping: a poem's lines are short, of even length and end where the writer ended
them, which looks like a wrapper's output. Lines that rhyme (three or more in a row ending in the
same letter, or every other line in four or more; none with a sentence ending inside it) do not
count as evidence of wrapping, and
lines split into hemistichs (``***``, wide gaps) always end a paragraph line of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from .furniture import rhyme
from .normalize import is_blank

Span = tuple[int, int]

MIN_WIDTH = 30  # narrower "wrapping" is a list of short lines, not wrapped prose
MAX_WIDTH = 200  # wider lines are unwrapped paragraphs
MIN_CONTINUED = 2  # lines cut mid-sentence where the next word would not fit, needed to call a file wrapped
MIN_CONTINUED_SHARE = 0.5  # ... as a share of the lines not ending a sentence, followed by a non-blank line
#                            and not clearly short (a title or heading fits either reading)
NON_GREEDY_SLACK = 35  # percent of the width: optimal fill (fmt) and PDF text stop lines well short of it
_CANDIDATES = 8  # widths tried: the longest distinct line lengths
_UNITS = ("characters", "bytes")  # what the wrapper counted: characters, or UTF-8 bytes (fmt, fold)
_BREAKABLE_SPACE = re.compile(r"[^\S\u00a0\u2007\u202f]")  # no-break spaces do not end a word for a wrapper
_HEMISTICH = re.compile(r"[^\W\d_]\s*(?:\*\s*\*|\s\*\s)\s*[^\W\d_]|[^\W\d_](?:[ \u00a0]{4,}|\t)[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]{2,}")
# a line ending in a preposition, conjunction or particle runs on into the next: prose, not verse
_RUNS_ON = re.compile(r"(?<![^\W\d_])(?:في|من|على|إلى|الى|عن|أن|إن|ان|بين|مع|حتى|التي|الذي|الذين|ثم|أو|او|قد|لم|لن|"
                      r"كما|بعد|قبل|عند|منذ|خلال|حول|ضد|و|ف|ب|ل|ك|،|,)\s*$")
VERSE_CHANCE = 0.002  # how unlikely, by the text's own word endings, a run of rhymes must be to be verse
_INNER_END = re.compile(r"[.!?؟…][\"'»”’)]*\s+\S")
_SENTENCE_END = re.compile(r"(?:[.!?؟…]|\.\.\.)[\"'»”’)\]}›\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]*$")


@dataclass(frozen=True)
class LineWrap:
    """How a text file is hard-wrapped (``Document.line_wrap``)."""

    width: int  # the longest wrapped line, in ``unit``
    unit: str  # "characters", or "bytes" (UTF-8) for wrappers that count bytes
    slack: int  # 0: every line was cut just where the next word would not fit (greedy: textwrap, mail
    #             clients); more for justified, optimally filled (fmt) or PDF text: how much shorter
    #             than the limit a line may be and still be a wrapped one
    limit: int  # a line is full when its next word would pass this: for a greedy wrapper the widest
    #             width that explains every cut (its own width, when no line reaches it); else width

    def as_record(self) -> dict:
        """For the JSON record: ``{"width": 72, "unit": "characters", "greedy": true}``."""
        return {"width": self.width, "unit": self.unit, "greedy": self.slack == 0}


@dataclass(frozen=True)
class _Line:
    span: Span  # the whole line, terminator included
    length: int  # in the unit measured: before the terminator, trailing whitespace excluded
    first_word: int  # length of the first word, up to a breakable space (0 for a blank line)
    ends_sentence: bool
    blank: bool


def _verse(text: str, lines: Sequence[Span]) -> tuple[set[int], set[int]]:
    """Indexes of lines that look like verse: ``rhymed`` (consecutive lines, or every other line,
    ending in the same letter more often than the text's words do by chance, none ending in a word
    that runs on nor holding the end of one sentence and the start of the next) and ``split`` (two
    or more consecutive lines cut into hemistichs)."""
    ends = [rhyme(text[a:b]) for a, b in lines]  # "" for a line without letters (blank ones too)
    finals = [rhyme(word) for a, b in lines for word in _WORD.findall(text[a:b])[:-1]]  # not the rhymes themselves
    rate = {letter: finals.count(letter) / len(finals) for letter in set(finals)} if finals else {}
    open_end = [bool(_RUNS_ON.search(text[a:b])) for a, b in lines]
    # a verse line is one unit: a sentence that ends inside a line and another that starts there is prose
    inner_end = [bool(_INNER_END.search(text[a:b].rstrip())) for a, b in lines]
    last_words = [(_WORD.findall(text[a:b]) or [""])[-1] for a, b in lines]
    rhymed: set[int] = set()
    for step in (1, 2):
        for start in range(len(ends)):
            letter = ends[start]
            if not letter or (start >= step and ends[start - step] == letter):
                continue  # runs are taken from their first line
            run = [start]
            while run[-1] + step < len(ends) and ends[run[-1] + step] == letter:
                run.append(run[-1] + step)
            span = range(start, run[-1] + 1)
            chance = rate.get(letter, 0.0) ** (len(run) - 1)
            # a rhyme repeats a sound, not a word: lines that keep ending in the same word are prose
            # (or text) that happens to repeat it, far likelier than the letter's rate says
            distinct = len({last_words[k] for k in run})
            if (len(run) >= 3 and chance <= VERSE_CHANCE and 2 * distinct > len(run)
                    and all(ends[k] and not open_end[k] and not inner_end[k] for k in span)):
                rhymed.update(span)
    split_lines = [bool(_HEMISTICH.search(text[a:b])) for a, b in lines]
    split = {i for i, s in enumerate(split_lines)
             if s and ((i > 0 and split_lines[i - 1]) or (i + 1 < len(lines) and split_lines[i + 1]))}
    return rhymed, split


def _size(text: str, unit: str) -> int:
    return len(text) if unit == "characters" else len(text.encode("utf-8", "surrogatepass"))


def _measure(text: str, lines: Sequence[Span], unit: str) -> list[_Line]:
    measured = []
    for a, b in lines:
        content = text[a:b].rstrip("\r\n")
        stripped = content.rstrip()
        start = content.lstrip()
        gap = _BREAKABLE_SPACE.search(start)
        measured.append(_Line((a, b), _size(stripped, unit), _size(start[:gap.start()] if gap else start, unit),
                              bool(_SENTENCE_END.search(stripped)), is_blank(content)))
    return measured


def _full(line: _Line, following: _Line, width: int, *, slack: int) -> bool:
    """The next line's first word would not have fitted on ``line`` (within ``slack``)."""
    return _reach(line, following) > width - slack


def _reach(line: _Line, following: _Line) -> int:
    """Where ``line`` would end with the next line's first word on it."""
    return line.length + 1 + following.first_word


def detect(text: str, lines: Sequence[Span]) -> LineWrap | None:
    """How the text is hard-wrapped, or None when it is not."""
    best, best_score = None, 0
    rhymed, split = _verse(text, lines)
    verse = rhymed | split
    for unit in _UNITS:
        measured = _measure(text, lines, unit)
        content = [m for m in measured if not m.blank]
        pairs = [(m, measured[i + 1]) for i, m in enumerate(measured[:-1])
                 if not m.blank and not measured[i + 1].blank and i not in verse]
        open_pairs = [(m, nxt) for m, nxt in pairs if not m.ends_sentence]
        if len(open_pairs) < MIN_CONTINUED:
            return None
        lengths = sorted({m.length for m in content if MIN_WIDTH <= m.length <= MAX_WIDTH}, reverse=True)
        for width in lengths[:_CANDIDATES]:
            # a line longer than the width was not wrapped: allowed for a title on the first line and
            # for one line in twenty (a long URL, a table row)
            if sum(1 for m in content[1:] if m.length > width) > len(content) // 20:
                continue
            reach = [_reach(m, nxt) for m, nxt in open_pairs if m.length <= width]
            continued = sum(1 for r in reach if r > width - width // 10)
            full = sum(1 for r in reach if r > width)  # the next word would have passed the width
            score = continued + full
            undecided = sum(1 for r in reach if r > width // 2) + sum(1 for m, _ in open_pairs if m.length > width)
            if full >= MIN_CONTINUED and continued >= MIN_CONTINUED_SHARE * undecided and score > best_score:
                slack = _slack(reach, width)
                limit = width
                if not slack:  # greedy: the widest width below which no line that may continue would stop
                    limit = min((r for r in (_reach(m, nxt) for m, nxt in pairs) if r > width), default=width + 1) - 1
                best, best_score = LineWrap(width, unit, slack, limit), score
    return best


def _slack(reach: list[int], width: int) -> int:
    """0 when the lines that continue stop just before the next word would pass the width (a greedy
    wrapper; two lines, or one in twenty, may end early on purpose: headings); else NON_GREEDY_SLACK
    of the width (fmt ends one line in ten or more early, PDF text more)."""
    near = [r for r in reach if r > width - width // 10]
    early = sum(1 for r in near if r <= width)
    return 0 if early <= max(2, len(near) // 20) else width * NON_GREEDY_SLACK // 100


def paragraphs(text: str, lines: Sequence[Span], wrap: LineWrap,
               *, opens: Callable[[str], bool] | None = None) -> list[list[Span]]:
    """The non-blank lines of a hard-wrapped text, grouped into paragraphs. ``opens``: whether a
    line's text starts a paragraph of its own whatever the line before (a credit: ``المصدر: …``)."""
    measured = _measure(text, lines, wrap.unit)
    limit, slack = wrap.limit, wrap.slack
    hemistichs = _verse(text, lines)[1]
    n = len(measured)
    first = next((i for i, m in enumerate(measured) if not m.blank), n)

    def own_end(i: int) -> bool:  # the writer ended line i on purpose
        if i + 1 >= n or measured[i + 1].blank or i in hemistichs or i + 1 in hemistichs:
            return True
        if opens is not None and opens(text[measured[i + 1].span[0]:measured[i + 1].span[1]]):
            return True
        line = measured[i]
        if line.length > wrap.width:
            return i == first  # an unwrapped title; elsewhere a long word or URL the wrapper could not cut
        return not _full(line, measured[i + 1], limit, slack=slack)

    ends = [own_end(i) for i in range(n)]
    for i in range(n - 1):
        line, following = measured[i], measured[i + 1]
        if ends[i] or line.blank or following.blank or not line.ends_sentence:
            continue
        if ends[i + 1] and not following.ends_sentence:
            ends[i] = True  # a sentence end before a one-line paragraph that is not a sentence: a heading
    groups: list[list[Span]] = []
    current: list[Span] = []
    for i, line in enumerate(measured):
        if line.blank:
            continue
        current.append(line.span)
        if ends[i]:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups

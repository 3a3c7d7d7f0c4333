"""The chat messages sent to an instruction LLM: numbered sentences to translate (with the article's
title and the previous paragraph as context), or an article's paragraphs, with their ids, to
summarize with citations.

Templates are ``str.format`` strings: the user template's placeholders are listed below; write a
literal brace as ``{{`` or ``}}``. System prompts are used as they are (no placeholders).
"""

from __future__ import annotations

from typing import Optional, Sequence

TRANSLATION_SYSTEM = (
    "You are a professional translator of Arabic news into English. Translate faithfully and completely: keep "
    "every name, number, date and quotation, and do not summarize, explain, comment or add anything. Answer with "
    "the translations only."
)
TRANSLATION_USER = (
    "{context}Translate the {count} numbered Arabic sentence(s) below into English. Answer with exactly {count} "
    "numbered line(s) in the same order, each in the form \"N. translation\": one line per sentence, never merging "
    "or splitting sentences, and nothing else.\n\n{sentences}"
)
SUMMARY_SYSTEM = (
    "You are a news editor who writes accurate, neutral English summaries of news articles. You never add facts "
    "that are not in the article."
)
SUMMARY_USER = (
    "Summarize the news article below in at most {count} English sentences. Each passage starts with the id(s) of "
    "the article paragraph(s) it comes from, in square brackets, like [p3]. Write one sentence per line, numbered "
    "\"1.\", \"2.\", ..., and end each sentence with the ids of the paragraphs it draws on, in square brackets, like "
    "[p3] or [p3, p5]. Use only ids that appear below. Answer with the sentences only.\n\n{paragraphs}"
)

# user-template placeholders: (allowed, required)
FIELDS = {
    "translation": ({"context", "count", "sentences", "title", "previous"}, {"sentences"}),
    "summary": ({"count", "paragraphs"}, {"paragraphs"}),
}
DEFAULTS = {"translation": (TRANSLATION_SYSTEM, TRANSLATION_USER), "summary": (SUMMARY_SYSTEM, SUMMARY_USER)}


def template_fields(template: str) -> set[str]:
    """The placeholders of a ``str.format`` template; ValueError when it is malformed."""
    import string

    names = set()
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"placeholder {{{name}}} is not a plain name")
        names.add(name)
    return names


def numbered(sentences: Sequence[str]) -> str:
    """``1. first\\n2. second``; line breaks inside a sentence become spaces (one line per item)."""
    return "\n".join(f"{i}. {' '.join(text.split())}" for i, text in enumerate(sentences, 1))


def context_block(*, title: Optional[str], previous: Optional[str], paragraph: Optional[str]) -> str:
    """What the model is told about the sentences' surroundings (not to be translated)."""
    lines = []
    if title:
        lines.append(f"Article title: {' '.join(title.split())}")
    if previous:
        lines.append(f"Previous paragraph: {' '.join(previous.split())}")
    if paragraph:
        lines.append(f"The sentences come from this paragraph: {' '.join(paragraph.split())}")
    if not lines:
        return ""
    return "Context, for reference only (do not translate it):\n" + "\n".join(lines) + "\n\n"


def translation_messages(system: str, user: str, sentences: Sequence[str], *, title: Optional[str] = None,
                         previous: Optional[str] = None, paragraph: Optional[str] = None) -> tuple[dict, ...]:
    content = user.format(context=context_block(title=title, previous=previous, paragraph=paragraph),
                          count=len(sentences), sentences=numbered(sentences), title=title or "",
                          previous=previous or "")
    return ({"role": "system", "content": system}, {"role": "user", "content": content})


def summary_messages(system: str, user: str, passages: str, *, count: int) -> tuple[dict, ...]:
    """``passages``: the article's paragraphs, each starting with its id(s) (``[p3] ...``)."""
    content = user.format(count=count, paragraphs=passages)
    return ({"role": "system", "content": system}, {"role": "user", "content": content})

"""What the two LLM backends share: prompting, strict parsing, the per-sentence retry, token
budgets, settings and provenance. A backend only says how a list of chat requests is executed
(``_execute``), how text is counted (``_count``) and how large its context window is.

One main method, ``translate(batch, *, context)``, serves both roles, so every wrapper (batching,
memo, translation memory) works unchanged:

* ``role="translation"``: the batch's segments are grouped by paragraph (``context[text].paragraph``)
  and each group is sent as numbered sentences, with the article's title and the previous
  paragraph as context; the reply must parse into exactly those sentences. A group whose reply does
  not parse is sent again one sentence per request, and those outputs carry the note ``retried``.
  Without a context, each segment is sent on its own.
* ``role="summary"``: each input is an article's passages, each starting with its paragraph id(s)
  (``[p3] ...``, built by ``stages.cited``); the backend wraps it in the summary prompt (asking for
  ``options.sentences`` sentences that cite those ids) and returns the cleaned reply, whose
  citations ``stages.cited`` parses and checks.

A refusal gives an empty text and the note ``refusal``; a reply to one sentence that still does not
parse, an empty text and the note ``unparsed``; a reply cut at ``max_tokens`` sets ``hit_limit`` (on
the last sentence of a numbered reply, the one possibly cut); a request the server rejects sets
``Output.error`` (a multi-sentence request is first retried sentence by sentence).

Every output is handed on the moment its reply is parsed: ``on_output(model input, Output)`` (when
set) is called, in the thread that called ``translate``, for each output worth keeping (no error,
no refusal, parsed), before the batch returns, so a caller can store paid replies as they arrive
and a run stopped halfway loses none of them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from ...errors import UsageError
from ..base import Context, Contexts, Output
from .prompts import summary_messages, translation_messages
from .replies import clean, is_refusal, parse_numbered
from .settings import LLMSettings

log = logging.getLogger("translate")
MESSAGE_OVERHEAD = 8  # tokens a chat template adds around each message (role markers), counted generously
ITEM_OVERHEAD = 4  # tokens of an item's number ("12. ") and line break


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[dict, ...]
    max_tokens: int


@dataclass(frozen=True)
class Reply:
    text: str
    finish_reason: str = "stop"  # "length": cut at max_tokens
    error: Optional[str] = None  # the server rejected this request (the others go on)


@dataclass
class _Group:
    """Segments of one paragraph, in paragraph order, with what the model is told around them."""

    texts: list[str]
    title: Optional[str] = None
    previous: Optional[str] = None
    paragraph: Optional[str] = None  # the whole paragraph, shown when only part of it is sent
    partial: bool = False


class LLMBackend:
    """Base of the OpenAI-compatible and the local causal LM backends (see the module docstring)."""

    name = "llm"
    groups_paragraphs = True  # batch whole windows: the backend groups by paragraph and paces requests itself
    device = "server"  # where the model runs (the local causal LM backend sets its own)
    context_window: int

    def __init__(self, options, llm: LLMSettings, *, role: str) -> None:
        if role not in ("translation", "summary"):
            raise ValueError(f"unknown role {role!r}")
        self.options = options
        self.llm = llm
        self.role = role
        self.system, self.user = llm.prompts(role)
        self.sentences = getattr(options, "sentences", 3)  # summary sentences asked for
        self.calls = 0  # inputs translated (or summarized) by the model
        self.retried = 0  # segments sent again one by one
        self.on_progress: Optional[Callable[[int], None]] = None  # called with segments done
        # called with (model input, Output) as each output worth keeping is parsed (see the module docstring)
        self.on_output: Optional[Callable[[str, Output], None]] = None
        self._max_input = 0

    # --------------------------------------------------------------- what a backend provides

    def _count(self, texts: Sequence[str]) -> list[int]:
        raise NotImplementedError

    def _execute(self, requests: Sequence[ChatRequest], on_reply: Callable[[int, Reply], None]) -> list[Reply]:
        """One reply per request, in order; ``on_reply(i, reply)`` as request ``i`` is answered, in the
        calling thread."""
        raise NotImplementedError

    def _ready(self) -> None:
        """Called by a backend once ``context_window`` is known: the input budget follows from it."""
        room = self._room({} if self.role == "translation" else None)
        if room < 16:
            half = " (at most half of max_tokens, so the reply has room)" if self.role == "translation" else ""
            small_budget = self.role == "translation" and self.llm.max_tokens // 2 < 16
            where = getattr(self, "window_source", "")
            raise UsageError(f"{self.role} model {self.options.model!r}: only {room} tokens are left for the text of "
                             f"a request{half} once the prompt and the reply budget (max_tokens "
                             f"{self.llm.max_tokens}) are counted in the context window of {self.context_window}"
                             f"{f' ({where})' if where else ''}",
                             f"raise {self.role}.llm.max_tokens in models.yaml" if small_budget else
                             f"lower {self.role}.llm.max_tokens, or give the model a larger window: "
                             f"{self.role}.llm.context_window up to the model's limit, and on a server its own "
                             "setting (llama.cpp: -c, divided among the -np slots; vLLM: --max-model-len; Ollama: "
                             "OLLAMA_CONTEXT_LENGTH)")
        self._max_input = room

    # --------------------------------------------------------------- the Backend interface

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self._count(list(texts)) if texts else []

    @property
    def max_input_tokens(self) -> int:
        return self._max_input

    def translate(self, batch: Sequence[str], *, context: Contexts | None = None) -> list[Output]:
        if not batch:
            return []
        unique = list(dict.fromkeys(batch))
        longest = max(self.count_tokens(unique))
        if longest > self.max_input_tokens:
            raise ValueError(f"input of {longest} tokens exceeds the model limit {self.max_input_tokens}; "
                             "inputs must be split before they reach the backend")
        self.calls += len(unique)
        if self.role == "summary":
            done = self._summaries(unique)
        else:
            done = self._translations(unique, context or {})
        return [done[text] for text in batch]

    def settings(self) -> dict:
        """What determines the outputs (the translation memory's key): never the API key."""
        record = {"model": self.options.model, "revision": self.options.revision, "backend": self.name,
                  "role": self.role, "prompts": self.llm.prompt_hash(self.role), "decoding": self.llm.decoding(),
                  "context_window": self.context_window}
        if self.role == "summary":
            record["sentences"] = self.sentences
        return record

    def provenance(self) -> dict:
        from ... import __version__

        return {**self.settings(), "max_in_flight": self.llm.max_in_flight,
                "versions": {"translate": __version__}}

    # --------------------------------------------------------------- budgets

    def _fixed_tokens(self, messages: Sequence[dict]) -> int:
        return sum(self._count([m["content"] for m in messages])) + MESSAGE_OVERHEAD * len(messages)

    def _room(self, ctx: Optional[dict]) -> int:
        """Tokens left for the text in one request: the window less the reply budget and the prompt
        around the text (``ctx``: the translation context shown; ``None``: the summary prompt). A
        translation request also holds at most half the reply budget, so the reply has room."""
        if ctx is None:
            messages = summary_messages(self.system, self.user, "", count=self.sentences)
            return self.context_window - self.llm.max_tokens - self._fixed_tokens(messages)
        messages = translation_messages(self.system, self.user, [], **ctx)
        room = self.context_window - self.llm.max_tokens - self._fixed_tokens(messages)
        return min(room, self.llm.max_tokens // 2)

    # --------------------------------------------------------------- translation

    def _groups(self, texts: Sequence[str], context: Contexts) -> list[_Group]:
        groups: dict[object, _Group] = {}
        for text in texts:
            ctx: Optional[Context] = context.get(text)
            if ctx is None or text not in ctx.paragraph:
                groups[("alone", text)] = _Group([text])
                continue
            group = groups.setdefault((ctx.paragraph, ctx.title, ctx.previous), _Group(
                [], ctx.title, ctx.previous, " ".join(dict.fromkeys(ctx.paragraph))))
            group.texts.append(text)
        for key, group in groups.items():
            if key[0] != "alone":
                order = {t: i for i, t in reversed(list(enumerate(key[0])))}
                group.texts.sort(key=order.__getitem__)
                group.partial = group.texts != list(dict.fromkeys(key[0]))
        return list(groups.values())

    def _plan(self, group: _Group) -> list[tuple[list[str], dict]]:
        """The group cut into requests that fit, with the richest context that leaves room for its
        longest sentence (the whole paragraph is shown when the request holds only part of it)."""
        counts = dict(zip(group.texts, self._count(group.texts)))
        need = max(counts.values()) + ITEM_OVERHEAD

        def cut(ctx: dict) -> Optional[list[list[str]]]:
            limit = self._room(ctx)
            if limit < need:
                return None
            chunks: list[list[str]] = [[]]
            size = 0
            for text in group.texts:
                if chunks[-1] and size + counts[text] + ITEM_OVERHEAD > limit:
                    chunks.append([])
                    size = 0
                chunks[-1].append(text)
                size += counts[text] + ITEM_OVERHEAD
            return chunks

        base = {"title": group.title, "previous": group.previous}
        if not group.partial:
            chunks = cut(base)
            if chunks is not None and len(chunks) == 1:
                return [(chunks[0], base)]
        for ctx in ({**base, "paragraph": group.paragraph}, base, {"title": group.title}, {}):
            chunks = cut(ctx)
            if chunks is not None:
                return [(chunk, ctx) for chunk in chunks]
        return [([text], {}) for text in group.texts]

    def _translations(self, texts: Sequence[str], context: Contexts) -> dict[str, Output]:
        planned = [(chunk, ctx, group) for group in self._groups(texts, context) for chunk, ctx in self._plan(group)]
        requests = [ChatRequest(translation_messages(self.system, self.user, chunk, **ctx), self.llm.max_tokens)
                    for chunk, ctx, _ in planned]
        done: dict[str, Output] = {}
        again: list[tuple[str, dict]] = []

        def answered(index: int, reply: Reply) -> None:
            chunk, _, group = planned[index]
            self._progress(len(chunk))
            items = None if reply.error else parse_numbered(reply.text, len(chunk))
            if items is None and len(chunk) > 1:
                log.debug("a reply to %d numbered sentences did not parse (or the request was rejected); sending "
                          "them one by one", len(chunk))
                again.extend((text, {"title": group.title, "previous": group.previous, "paragraph": group.paragraph})
                             for text in chunk)
                return
            for i, text in enumerate(chunk):
                cut_off = reply.finish_reason == "length" and i == len(chunk) - 1
                self._done(done, text, self._output(items[i] if items else "", cut_off,
                                                    () if items else ("unparsed",), reply.error))

        self._execute(requests, answered)
        if again:
            self.retried += len(again)
            log.info("%d sentence(s) sent again one by one: a numbered reply did not parse", len(again))
            retry = [ChatRequest(translation_messages(self.system, self.user, [text], **self._fit(text, ctx)),
                                 self.llm.max_tokens) for text, ctx in again]

            def answered_alone(index: int, reply: Reply) -> None:
                items = None if reply.error else parse_numbered(reply.text, 1)
                self._done(done, again[index][0], self._output(items[0] if items else "",
                                                               reply.finish_reason == "length",
                                                               ("retried",) if items else ("retried", "unparsed"),
                                                               reply.error))

            self._execute(retry, answered_alone)
        return done

    def _done(self, done: dict[str, Output], text: str, output: Output) -> None:
        """Record ``output`` for ``text`` and hand it on at once when it is worth keeping."""
        done[text] = output
        if self.on_output is not None and output.error is None and output.text and \
                not {"refusal", "unparsed"} & set(output.notes):
            self.on_output(text, output)

    def _fit(self, text: str, ctx: dict) -> dict:
        need = self._count([text])[0] + ITEM_OVERHEAD
        for variant in (ctx, {k: v for k, v in ctx.items() if k != "paragraph"}, {"title": ctx.get("title")}, {}):
            if self._room(variant) >= need:
                return variant
        return {}

    def _output(self, text: str, hit_limit: bool, notes: tuple[str, ...], error: Optional[str] = None) -> Output:
        if error:
            return Output(text="", tokens=0, notes=tuple(n for n in notes if n != "unparsed"), error=error)
        if text and is_refusal(text):
            text, notes = "", notes + ("refusal",)
        tokens = self._count([text])[0] if text else 0
        return Output(text=text, tokens=tokens, hit_limit=hit_limit, notes=notes)

    def _progress(self, n: int) -> None:
        if self.on_progress:
            self.on_progress(n)

    # --------------------------------------------------------------- summaries

    def _summaries(self, texts: Sequence[str]) -> dict[str, Output]:
        requests = [ChatRequest(summary_messages(self.system, self.user, text, count=self.sentences),
                                self.llm.max_tokens) for text in texts]
        done: dict[str, Output] = {}

        def answered(index: int, reply: Reply) -> None:
            self._progress(1)
            self._done(done, texts[index], self._output(clean(reply.text), reply.finish_reason == "length", (),
                                                        reply.error))

        self._execute(requests, answered)
        return done

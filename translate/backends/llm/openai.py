"""Any OpenAI-compatible chat server (vLLM, SGLang, llama.cpp's llama-server, ``transformers serve``,
Ollama, a hosted API) as a backend.

HTTP is the standard library's (``http.client``, see ``transport``): no extra dependency,
environment proxies honoured (set ``NO_PROXY`` for a server on this machine when a proxy is
configured), redirects never followed. The API key is sent as ``Authorization: Bearer`` and never
logged or recorded: whatever the server says back (an error body may echo the request's headers)
is redacted (``redaction.redact``) and cut to one line before it reaches a message, a log line or
an output's error.

Each request has two deadlines (``llm.queue_timeout_s`` for the reply to begin, the server's queue
and generation included; then ``llm.timeout_s`` for the whole body) and a size cap derived from its
``max_tokens``: a server that drips is abandoned, one that floods is refused after a few hundred
kilobytes (an error for that request, never a translation).

Requests run in up to ``max_in_flight`` threads (capped to the server's slots where it publishes
them: llama.cpp's ``/props`` ``total_slots``, ``/slots``), so a batching server batches them. When
the server says it is overloaded (429, 503, "busy", or llama.cpp's "Context size has been exceeded"
while several requests shared its context) the number in flight is halved (at least 1; it grows
back by one after a run of answers) and the request retried after ``backoff_s`` (or the server's
``Retry-After``) without counting against ``retries``. Other failures (408/409/425/5xx, a deadline
passed, a dropped connection, an answer that is not a chat completion) are retried up to
``retries`` times, waiting ``backoff_s`` doubled each time (at most 60 s); when the retries are
spent the server is taken as down: :class:`LLMServerError` (a ``UsageError``, exit 2) stops the run
once the requests already in flight are answered (their replies are handed on: ``on_output``).
Retries are reported in one warning per minute at most, and one line per batch.

A request the server rejects as longer than its context window is a configuration error
(:class:`LLMContextError`, exit 2): the window this backend plans with is wrong. Another rejected
request (a 4xx) fails alone: its segments get ``Output.error`` (after the per-sentence retry, so
only the offending sentence does). A 401/403 mid-run stops the run (the key was revoked).

On construction the server is asked for its models (``GET /models``): an unreachable server, a
refused key or a model it does not serve is an :class:`LLMServerError` (exit 2) before any article.
Then its context window is read where it says it (see ``settings``), else taken from
``llm.context_window``, else a conservative default (logged once).

Token counts use the model's own tokenizer when it is available locally (``model`` is a folder or
is in the Hugging Face cache); otherwise they are estimated as UTF-8 bytes / 2, rounded up: one
token per Arabic letter (two bytes) and per two ASCII characters. Tokenizers with Arabic in their
vocabulary (Qwen, Llama 3, Gemma, Aya, Jais...) use fewer, so budgets err on the safe side; a
tokenizer that spells Arabic byte by byte would use more: give such a model a local tokenizer (set
``model`` to its folder or Hub id) or a smaller ``llm.context_window``.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Callable, Optional, Sequence

from ...errors import LLMContextError, LLMRequestError, LLMServerError, UsageError
from . import transport
from .answers import (
    BUSY_WORDS,
    CONTEXT_WORDS,
    OVERLOAD_STATUS,
    RETRY_STATUS,
    chat_reply,
    error_message,
    failure_reason,
    positive,
    reply_limit,
    retry_after,
)
from .engine import ChatRequest, LLMBackend, Reply
from .pacing import Batch, Gate, RetryReport, Stopped
from .redaction import redact, shorten
from .settings import LLMSettings, server_address
from .window import choose_window

log = logging.getLogger("translate")
_TRANSIENT = (OSError, http.client.HTTPException)  # connection failures; deadlines are TimeoutError (OSError)
LIST_BYTES = 16 * 1024 * 1024  # GET /models of a hosted API that lists hundreds of models
PROPS_BYTES = 2 * 1024 * 1024  # llama.cpp's /props (chat template included)
PROBE_S = 30.0  # GET requests made on construction wait at most this long


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text.encode("utf-8")) / 2)


def local_model(model: str, revision: Optional[str]) -> Optional[Path]:
    """The folder holding ``model`` when it is here already (a folder, or the Hugging Face cache)."""
    from ..hub import is_cached, resolve_model

    try:
        return resolve_model(model, revision, "tokenizer") if is_cached(model, revision) else None
    except (OSError, ValueError, UsageError) as exc:
        log.debug("no local copy of %s (%s)", model, exc)
        return None


class OpenAIBackend(LLMBackend):
    name = "openai"

    def __init__(self, options, llm: LLMSettings, *, role: str) -> None:
        super().__init__(options, llm, role=role)
        if not llm.base_url:
            raise UsageError(f"{role}.backend is 'openai' but {role}.llm.base_url is not set",
                             f"set {role}.llm.base_url in models.yaml to the server's root, e.g. "
                             "http://127.0.0.1:8000/v1")
        self.base_url = llm.base_url.rstrip("/")
        self.address = server_address(self.base_url)
        self.server_model = llm.server_model or options.model
        self._api_key = self._read_key()
        self._target = transport.Target.parse(self.base_url)
        self._secrets = tuple(s for s in (self._api_key, *self._target.secrets) if s)
        folder = local_model(options.model, options.revision)
        self.tokenizer = self._load_tokenizer(folder)
        self.served = self.check()
        props = self._props()
        self.slots = self._slots(props)
        self.context_window, self.window_source = choose_window(
            self.served, props, slots=self.slots, profile=llm.context_window, folder=folder, role=role,
            address=self.address, server_model=self.server_model)
        ceiling = min(llm.max_in_flight, self.slots) if self.slots else llm.max_in_flight
        if ceiling < llm.max_in_flight:
            log.info("the LLM server at %s has %d slot(s): at most %d %s request(s) in flight (%s.llm.max_in_flight "
                     "is %d)", self.address, self.slots, ceiling, role, role, llm.max_in_flight)
        self._gate = Gate(ceiling)
        self._report = RetryReport(self.address)
        self._ready()

    def _read_key(self) -> Optional[str]:
        name = self.llm.api_key_env
        if not name:
            return None
        key = os.environ.get(name, "").strip()
        if not key:
            raise UsageError(f"{self.role}.llm.api_key_env names the environment variable {name}, which is not set",
                             f"export {name}=... (the server's API key) before running, or remove api_key_env "
                             "when the server needs no key")
        return key

    def _load_tokenizer(self, folder: Optional[Path]):
        if folder is None:
            log.info("%s model %s: no local tokenizer, token counts are estimated (UTF-8 bytes / 2)",
                     self.role, self.options.model)
            return None
        from transformers import AutoTokenizer

        try:
            return AutoTokenizer.from_pretrained(folder)
        except (OSError, ValueError, KeyError) as exc:
            log.info("%s model %s: tokenizer not loadable (%s), token counts are estimated", self.role,
                     self.options.model, exc)
            return None

    def _count(self, texts: Sequence[str]) -> list[int]:
        if self.tokenizer is None:
            return [estimate_tokens(text) for text in texts]
        encoded = self.tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]

    # --------------------------------------------------------------- what the server says about itself

    def _props(self) -> dict:
        """llama.cpp's ``GET /props`` (at the root, beside ``/v1``), or ``{}`` from other servers."""
        if not self._target.path.endswith("/v1"):
            return {}
        props = self._probe("/props", PROPS_BYTES)
        return props if isinstance(props, dict) else {}

    def _probe(self, path: str, limit: int) -> object:
        try:
            answer = self._get(path, limit, root=True)
        except (transport.TooLarge, *_TRANSIENT) as exc:
            log.debug("LLM server at %s: GET %s failed (%s)", self.address, path, self._redact(failure_reason(exc)))
            return None
        if answer.status != 200:
            return None
        try:
            return json.loads(answer.body)
        except (ValueError, UnicodeDecodeError):
            return None

    def _slots(self, props: dict) -> Optional[int]:
        """How many requests the server runs at once, where it says (llama.cpp); else ``None``."""
        if positive(props.get("total_slots")):
            return props["total_slots"]
        if props:  # a llama.cpp server without total_slots in /props: count /slots
            slots = self._probe("/slots", PROPS_BYTES)
            if isinstance(slots, list) and slots:
                return len(slots)
        return None

    # --------------------------------------------------------------- HTTP

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets)

    def _words(self, data: bytes) -> str:
        """What the server said in an answer: redacted, on one line, at most 300 characters."""
        return shorten(self._redact(error_message(data)))

    def _headers(self, json_body: bool) -> dict:
        from ... import __version__

        headers = {"Accept": "application/json", "User-Agent": f"translate/{__version__}"}
        if json_body:
            headers["Content-Type"] = "application/json"
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def _get(self, path: str, limit: int, *, root: bool = False) -> transport.Answer:
        return transport.exchange(self._target.root() if root else self._target, "GET", path, None,
                                  self._headers(False), wait_s=min(self.llm.queue_timeout_s, PROBE_S),
                                  body_s=min(self.llm.timeout_s, PROBE_S), limit=limit)

    def check(self) -> dict:
        """The server's entry for the model (``GET /models``); :class:`LLMServerError` when the
        server cannot be reached, refuses the key, or does not serve the model."""
        where = f"the LLM server at {self.address}"
        fix_url = (f"start the server (e.g. `vllm serve MODEL`, `llama-server -m MODEL.gguf`, `transformers serve "
                   f"MODEL`), or fix {self.role}.llm.base_url in models.yaml (the OpenAI-compatible root, usually "
                   "ending in /v1)")
        try:
            answer = self._get("/models", LIST_BYTES)
        except transport.TooLarge as exc:
            raise LLMServerError(f"{where} answered GET /models with {exc}", fix_url) from None
        except _TRANSIENT as exc:
            raise LLMServerError(f"{where} cannot be reached ({self._redact(failure_reason(exc))})", fix_url) from None
        status, data = answer.status, answer.body
        if status in (401, 403):
            raise LLMServerError(f"{where} refused the request (HTTP {status}: {self._words(data)})", self._key_hint())
        if 300 <= status < 400:
            moved = self._redact(answer.headers.get("Location") or "elsewhere")
            raise LLMServerError(f"{where} redirects GET /models (HTTP {status}) to {shorten(moved, 200)}",
                                 f"set {self.role}.llm.base_url in models.yaml to the address it redirects to")
        if status != 200:
            raise LLMServerError(f"{where} answered HTTP {status} to GET /models ({self._words(data)})", fix_url)
        try:
            entries = [m for m in json.loads(data)["data"] if isinstance(m, dict) and "id" in m]
        except (ValueError, KeyError, TypeError):
            raise LLMServerError(f"{where} did not answer GET /models with a model list", fix_url) from None
        for entry in entries:
            if entry["id"] == self.server_model:
                return entry
        served = shorten(self._redact(", ".join(repr(m["id"]) for m in entries[:10]) or "none"), 600)
        raise LLMServerError(f"{where} does not serve the model {self.server_model!r} (it serves: {served})",
                             f"set {self.role}.llm.server_model (or {self.role}.model) in models.yaml to a served id")

    def _key_hint(self) -> str:
        return (f"set the environment variable {self.llm.api_key_env} to a key this server accepts"
                if self.llm.api_key_env else
                f"this server needs an API key: put it in an environment variable and name that variable in "
                f"{self.role}.llm.api_key_env")

    def _context_error(self, problem: str) -> LLMContextError:
        role = self.role
        return LLMContextError(
            f"the LLM server at {self.address} rejected a request as longer than its context window ({problem}); "
            f"this run plans requests for a window of {self.context_window} tokens ({self.window_source})",
            f"set {role}.llm.context_window in models.yaml to the server's window per request (llama.cpp: its -c "
            f"divided by its -np slots; vLLM: --max-model-len; Ollama: OLLAMA_CONTEXT_LENGTH), or lower "
            f"{role}.llm.max_tokens; when slots share one context (llama.cpp), lower {role}.llm.max_in_flight")

    def _chat(self, request: ChatRequest, batch: Batch) -> Reply:
        """One request, retried as the module docstring says; :class:`LLMRequestError` for a request
        that fails alone, :class:`LLMServerError` (or :class:`LLMContextError`) for the run."""
        body = {"model": self.server_model, "messages": list(request.messages), "temperature": self.llm.temperature,
                "max_tokens": request.max_tokens, "stream": False}
        if self.llm.seed is not None:
            body["seed"] = self.llm.seed
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        limit = reply_limit(request.max_tokens)
        where = f"the LLM server at {self.address}"
        failures = 0
        while True:
            if batch.stopped.is_set():
                raise Stopped
            ticket = self._gate.enter(batch.stopped)
            answer: Optional[transport.Answer] = None
            try:
                answer = transport.exchange(self._target, "POST", "/chat/completions", data, self._headers(True),
                                            wait_s=self.llm.queue_timeout_s, body_s=self.llm.timeout_s, limit=limit)
            except transport.TooLarge as exc:
                raise LLMRequestError(f"{where} sent {exc} for a request of max_tokens {request.max_tokens}: not "
                                      "read further, not used",
                                      f"check that {self.role}.llm.base_url is an LLM server that honours "
                                      "max_tokens") from None
            except _TRANSIENT as exc:
                problem = self._redact(failure_reason(exc))
            finally:
                self._gate.leave(ticket)
            wait = min(self.llm.backoff_s * 2 ** failures, 60.0)
            overload = False
            if answer is not None:
                status = answer.status
                if status == 200:
                    reply = chat_reply(answer.body)
                    if reply is not None:
                        self._gate.answered()
                        return reply
                    words = shorten(self._words(answer.body), 120)
                    problem = f"an answer that is not a chat completion ({words})" if words else \
                        "an empty answer, not a chat completion"
                else:
                    words = self._words(answer.body)
                    problem = f"HTTP {status}: {words}" if words else f"HTTP {status}"
                    if CONTEXT_WORDS.search(words):
                        # llama.cpp's slots sharing one context overflow together: fewer at once may fit
                        if not (status >= 500 and ticket.crowded):
                            raise self._context_error(problem)
                        overload = True
                    elif status in (401, 403):
                        raise LLMServerError(f"{where} refused a request ({problem})", self._key_hint())
                    elif 300 <= status < 400:
                        raise LLMServerError(f"{where} redirects requests (HTTP {status})",
                                             f"set {self.role}.llm.base_url in models.yaml to the address it "
                                             "redirects to")
                    elif status in RETRY_STATUS or (status >= 500 and BUSY_WORDS.search(words)):
                        overload = status in OVERLOAD_STATUS or bool(BUSY_WORDS.search(words))
                        wait = max(wait, retry_after(answer.headers))
                    else:
                        raise LLMRequestError(f"{where} rejected a request ({problem})",
                                              "check the request's size (llm.context_window, max_tokens) and the "
                                              "server's log")
            lowered = self._gate.overloaded(ticket) if overload else None
            if lowered is not None:
                what = f"requests in flight now at most {lowered}, retrying"
            else:
                if overload and CONTEXT_WORDS.search(problem):
                    raise self._context_error(problem)  # alone in flight, and still too long
                failures += 1
                if failures > self.llm.retries:
                    raise LLMServerError(f"{where} failed {failures} time(s) in a row (last: {problem})",
                                         "check that the server is up and not overloaded (lower llm.max_in_flight, "
                                         "raise llm.retries or llm.queue_timeout_s), then run the same command "
                                         "again: finished articles are kept")
                what = f"retry {failures} of {self.llm.retries}"
            self._report.failed(batch, problem, wait, what)
            batch.sleep(wait)

    def _send(self, request: ChatRequest, batch: Batch) -> Reply:
        try:
            return self._chat(request, batch)
        except UsageError:  # the run cannot go on: no other request of the batch starts after this
            batch.stopped.set()
            raise

    def _execute(self, requests: Sequence[ChatRequest], on_reply: Callable[[int, Reply], None]) -> list[Reply]:
        replies: list[Optional[Reply]] = [None] * len(requests)
        if not requests:
            return []
        batch = Batch()
        pool = ThreadPoolExecutor(max_workers=max(1, min(self._gate.ceiling, len(requests))),
                                  thread_name_prefix="llm")
        futures = {pool.submit(self._send, request, batch): i for i, request in enumerate(requests)}
        fatal: Optional[UsageError] = None
        try:
            for future in as_completed(futures):
                if future.cancelled():
                    continue
                index = futures[future]
                try:
                    reply = future.result()
                except LLMRequestError as exc:  # this request only: its segments get the error
                    reply = Reply(text="", error=str(exc))
                except Stopped:
                    continue
                except UsageError as exc:  # the run cannot go on: send nothing more, keep what is in flight
                    if fatal is None:
                        fatal = exc
                        for other in futures:
                            other.cancel()
                    continue
                replies[index] = reply
                on_reply(index, reply)
        except BaseException:
            batch.stopped.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        self._report.batch_done(batch)
        if fatal is not None:
            raise fatal
        return replies  # type: ignore[return-value]

    # --------------------------------------------------------------- records

    def settings(self) -> dict:
        return {**super().settings(), "server": self.address, "server_model": self.server_model}

    def provenance(self) -> dict:
        record = super().provenance()
        record.update(device="server", context_window_source=self.window_source, server_slots=self.slots,
                      in_flight=self._gate.ceiling,
                      tokenizer="model" if self.tokenizer is not None else "estimate (UTF-8 bytes / 2)")
        return record

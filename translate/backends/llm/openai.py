"""Any OpenAI-compatible chat server (vLLM, SGLang, llama.cpp's llama-server, ``transformers serve``,
Ollama, a hosted API) as a backend.

HTTP is the standard library's (``urllib``): no extra dependency, environment proxies honoured
(set ``NO_PROXY`` for a server on this machine when a proxy is configured),
the API key sent as ``Authorization: Bearer`` and never on a redirect, never logged or recorded.
Requests run in up to ``max_in_flight`` threads at once, so a batching server (vLLM) batches
them. A request that fails with 408/409/425/429/5xx, a timeout or a dropped connection is retried
up to ``retries`` times, waiting ``backoff_s`` doubled each time (at most 60 s), or the server's
``Retry-After`` when longer (at most 300 s); when the retries are spent the server is taken as
down: :class:`LLMServerError` (a ``UsageError``) stops the run, finished articles are kept. A
request the server rejects (another 4xx, e.g. a prompt over its limit) fails alone: its segments
get ``Output.error`` (after the per-sentence retry, so only the offending sentence does).

On construction the server is asked for its models (``GET /models``): an unreachable server, a
refused key or a model it does not serve is an :class:`LLMServerError` (exit 2) before any article.

Token counts use the model's own tokenizer when it is available locally (``model`` is a folder or
is in the Hugging Face cache); otherwise they are estimated as UTF-8 bytes / 2, rounded up: one
token per Arabic letter (two bytes) and per two ASCII characters. Tokenizers with Arabic in their
vocabulary (Qwen, Llama 3, Gemma, Aya, Jais...) use fewer, so budgets err on the safe side; a
tokenizer that spells Arabic byte by byte would use more: give such a model a local tokenizer (set
``model`` to its folder or Hub id) or a smaller ``llm.context_window``.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import math
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Callable, Mapping, Optional, Sequence

from ...errors import LLMRequestError, LLMServerError, UsageError
from .engine import ChatRequest, LLMBackend, Reply
from .settings import DEFAULT_CONTEXT_WINDOW, LLMSettings, server_address

log = logging.getLogger("translate")
RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
_TRANSIENT = (urllib.error.URLError, http.client.HTTPException, OSError, TimeoutError)
WINDOW_KEYS = ("max_model_len", "context_length", "max_context_length", "context_window")  # vLLM, others


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


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return str(reason) or type(reason).__name__


def _message(data: bytes) -> str:
    """The error message of a server's JSON answer (OpenAI, vLLM, FastAPI shapes), shortened."""
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return data[:200].decode("utf-8", "replace").strip()
    if isinstance(body, dict):
        error = body.get("error", body.get("detail", body.get("message", body)))
        if isinstance(error, dict):
            error = error.get("message", error)
        return str(error)[:300]
    return str(body)[:300]


def _retry_after(headers: Optional[Mapping]) -> float:
    value = (headers or {}).get("Retry-After")
    if not value:
        return 0.0
    try:
        return min(max(float(value), 0.0), 300.0)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return 0.0
        return min(max(moment.timestamp() - time.time(), 0.0), 300.0)


def _reply(data: bytes) -> Optional[Reply]:
    try:
        choice = json.loads(data)["choices"][0]
        content = choice["message"].get("content") or ""
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    return Reply(text=str(content), finish_reason=choice.get("finish_reason") or "stop")


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
        folder = local_model(options.model, options.revision)
        self.tokenizer = self._load_tokenizer(folder)
        self.served = self.check()
        self.context_window = llm.context_window or self._window(self.served, folder)
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

    def _window(self, served: dict, folder: Optional[Path]) -> int:
        """The context window the server reports, else the local model config's, else 4096."""
        for key in WINDOW_KEYS:
            if isinstance(served.get(key), int) and served[key] > 0:
                return served[key]
        if folder is not None and (folder / "config.json").is_file():
            config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            config = config.get("text_config", config)
            if isinstance(config.get("max_position_embeddings"), int):
                return config["max_position_embeddings"]
        return DEFAULT_CONTEXT_WINDOW

    def _count(self, texts: Sequence[str]) -> list[int]:
        if self.tokenizer is None:
            return [estimate_tokens(text) for text in texts]
        encoded = self.tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]

    # --------------------------------------------------------------- HTTP

    def _request(self, method: str, path: str, body: Optional[dict], *, timeout: float) -> tuple[int, Mapping, bytes]:
        from ... import __version__

        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        headers = {"Accept": "application/json", "User-Agent": f"translate/{__version__}"}
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self._api_key:
            request.add_unredirected_header("Authorization", f"Bearer {self._api_key}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.headers, exc.read()

    def check(self) -> dict:
        """The server's entry for the model (``GET /models``); :class:`LLMServerError` when the
        server cannot be reached, refuses the key, or does not serve the model."""
        where = f"the LLM server at {self.address}"
        fix_url = (f"start the server (e.g. `vllm serve MODEL`, `llama-server -m MODEL.gguf`, `transformers serve "
                   f"MODEL`), or fix {self.role}.llm.base_url in models.yaml (the OpenAI-compatible root, usually "
                   "ending in /v1)")
        try:
            status, _, data = self._request("GET", "/models", None, timeout=min(self.llm.timeout_s, 10.0))
        except _TRANSIENT as exc:
            raise LLMServerError(f"{where} cannot be reached ({_reason(exc)})", fix_url) from None
        if status in (401, 403):
            hint = (f"set the environment variable {self.llm.api_key_env} to a key this server accepts"
                    if self.llm.api_key_env else
                    f"this server needs an API key: put it in an environment variable and name that variable "
                    f"in {self.role}.llm.api_key_env")
            raise LLMServerError(f"{where} refused the request (HTTP {status}: {_message(data)})", hint)
        if status != 200:
            raise LLMServerError(f"{where} answered HTTP {status} to GET /models ({_message(data)})", fix_url)
        try:
            entries = [m for m in json.loads(data)["data"] if isinstance(m, dict) and "id" in m]
        except (ValueError, KeyError, TypeError):
            raise LLMServerError(f"{where} did not answer GET /models with a model list", fix_url) from None
        for entry in entries:
            if entry["id"] == self.server_model:
                return entry
        served = ", ".join(repr(m["id"]) for m in entries[:10]) or "none"
        raise LLMServerError(f"{where} does not serve the model {self.server_model!r} (it serves: {served})",
                             f"set {self.role}.llm.server_model (or {self.role}.model) in models.yaml to a served id")

    def _chat(self, request: ChatRequest) -> Reply:
        body = {"model": self.server_model, "messages": list(request.messages), "temperature": self.llm.temperature,
                "max_tokens": request.max_tokens, "stream": False}
        if self.llm.seed is not None:
            body["seed"] = self.llm.seed
        problem = ""
        for attempt in range(self.llm.retries + 1):
            wait = min(self.llm.backoff_s * 2 ** attempt, 60.0)
            try:
                status, headers, data = self._request("POST", "/chat/completions", body, timeout=self.llm.timeout_s)
            except _TRANSIENT as exc:
                problem = _reason(exc)
            else:
                if status == 200:
                    reply = _reply(data)
                    if reply is not None:
                        return reply
                    problem = "an answer that is not a chat completion"
                elif status in RETRY_STATUS:
                    problem = f"HTTP {status}"
                    wait = max(wait, _retry_after(headers))
                else:
                    raise LLMRequestError(f"the LLM server at {self.address} rejected a request: HTTP {status} "
                                          f"({_message(data)})",
                                          "check the model's context window (llm.context_window, max_tokens) and "
                                          "the server's log")
            if attempt < self.llm.retries:
                log.warning("LLM request failed (%s); retry %d of %d in %.1f s", problem, attempt + 1,
                            self.llm.retries, wait)
                time.sleep(wait)
        raise LLMServerError(f"the LLM server at {self.address} failed {self.llm.retries + 1} time(s) in a row "
                             f"(last: {problem})",
                             "check that the server is up and not overloaded (lower llm.max_in_flight or raise "
                             "llm.retries), then run the same command again: finished articles are kept")

    def _execute(self, requests: Sequence[ChatRequest], on_reply: Callable[[int], None]) -> list[Reply]:
        replies: list[Optional[Reply]] = [None] * len(requests)
        with ThreadPoolExecutor(max_workers=max(1, min(self.llm.max_in_flight, len(requests))),
                                thread_name_prefix="llm") as pool:
            futures = {pool.submit(self._chat, request): i for i, request in enumerate(requests)}
            try:
                for future in as_completed(futures):
                    index = futures[future]
                    try:
                        replies[index] = future.result()
                    except LLMRequestError as exc:  # this request only: its segments get the error
                        replies[index] = Reply(text="", error=str(exc))
                    on_reply(index)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
        return replies  # type: ignore[return-value]

    # --------------------------------------------------------------- records

    def settings(self) -> dict:
        return {**super().settings(), "server": self.address, "server_model": self.server_model}

    def provenance(self) -> dict:
        record = super().provenance()
        record.update(device="server",
                      tokenizer="model" if self.tokenizer is not None else "estimate (UTF-8 bytes / 2)")
        return record

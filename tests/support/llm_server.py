"""A real OpenAI-compatible server for the tests, and a fault-injecting proxy in front of it.

* :func:`start_server`: ``transformers serve FOLDER`` (from ``transformers[serving]``) as a child
  process on 127.0.0.1, offline (``HF_HUB_OFFLINE=1``), pinned to the tiny model of
  ``tiny_llm.py``; the model id it serves is the folder path.
* :class:`FaultProxy`: an ``http.server`` on 127.0.0.1 that forwards every request to the server
  and records it; a test can make it answer an error status instead (429, 500, 401...), or rewrite
  the model's reply (a random model's replies never parse) — e.g. into a well-formed numbered
  translation with chatter around it, or with an item missing.

Both listen on localhost only and stop with the test session.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Optional


def serving_missing() -> Optional[str]:
    """Why ``transformers serve`` cannot run here, or None."""
    try:
        from transformers.utils.import_utils import is_serve_available
    except ImportError as exc:
        return f"transformers is not installed ({exc})"
    if not is_serve_available():
        return "the serving extra is not installed (pip install 'transformers[serving]')"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    url: str  # OpenAI-compatible root, ending in /v1
    model: str  # the id it serves
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


def start_server(folder: Path, *, log: Path, timeout: float = 180.0) -> Server:
    """``transformers serve`` for the model in ``folder``, once it answers ``/health``."""
    port = free_port()
    script = Path(sys.executable).with_name("transformers")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "transformers.cli.transformers"]
    command += ["serve", str(folder), "--host", "127.0.0.1", "--port", str(port), "--device", "cpu",
                "--dtype", "float32", "--log-level", "warning"]
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1")
    handle = log.open("wb")
    process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=folder.parent)
    server = Server(process, f"http://127.0.0.1:{port}/v1", str(folder), log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace")
            raise RuntimeError(f"transformers serve exited with {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"transformers serve did not answer within {timeout} s:\n{log.read_text(errors='replace')}")


# ------------------------------------------------------------------------------------ the proxy

_NUMBERED = re.compile(r"^(\d+)\. (.*)$", re.M)


def numbered_sentences(body: dict) -> list[str]:
    """The numbered sentences of a translation request (the last user message)."""
    user = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
    return [text for _, text in _NUMBERED.findall(user.split("\n\n")[-1])]


def fake_translation(sentence: str) -> str:
    return f"EN<{sentence}>"


def well_formed(body: dict, content: str) -> str:
    """A numbered reply, one fake translation per sentence, wrapped in chatter."""
    items = "\n".join(f"{i}. {fake_translation(s)}" for i, s in enumerate(numbered_sentences(body), 1))
    return f"Sure! Here is the translation:\n\n{items}\n\nI hope this helps!"


def dropping(item: int) -> Callable[[dict, str], str]:
    """Well-formed replies, except that item ``item`` is left out of replies with several items."""

    def rewrite(body: dict, content: str) -> str:
        sentences = numbered_sentences(body)
        if len(sentences) < 2:
            return well_formed(body, content)
        return "\n".join(f"{i}. {fake_translation(s)}" for i, s in enumerate(sentences, 1) if i != item)

    return rewrite


def merging(body: dict, content: str) -> str:
    """Well-formed replies, except that the first two items are merged into one."""
    sentences = numbered_sentences(body)
    if len(sentences) < 2:
        return well_formed(body, content)
    items = [" ".join(fake_translation(s) for s in sentences[:2])] + [fake_translation(s) for s in sentences[2:]]
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, 1))


def adding(body: dict, content: str) -> str:
    """Well-formed replies, with an extra item in replies with several items."""
    count = len(numbered_sentences(body))
    reply = well_formed(body, content)
    return reply if count < 2 else reply.replace("\n\nI hope", f"\n{count + 1}. An extra line.\n\nI hope")


def cite_first_ids(body: dict, content: str) -> str:
    """A summary reply: one sentence per passage (at most 3) citing the passage's first id; the first
    sentence also cites p99, which no test article has."""
    user = body["messages"][1]["content"]
    ids = [label.split(",")[0].strip() for label in re.findall(r"^\[([^\]]+)\] ", user, re.M)]
    lines = [f"{i}. Point {i} from {pid} [{pid}{', p99' if i == 1 else ''}]." for i, pid in enumerate(ids[:3], 1)]
    return "Here is a summary:\n" + "\n".join(lines)


def serve(get: Callable[[BaseHTTPRequestHandler], None], post: Callable[[BaseHTTPRequestHandler], None], *,
          block_on_close: bool = True) -> ThreadingHTTPServer:
    """A threaded HTTP server on a free loopback port, serving in a daemon thread: each GET and
    POST handed to ``get``/``post`` with its request handler; no access log."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            get(self)

        def do_POST(self) -> None:
            post(self)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = block_on_close
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def url(httpd: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}/v1"


@dataclass
class Seen:
    method: str
    path: str
    body: Optional[dict]
    authorization: Optional[str]
    status: int = 0
    model_reply: Optional[str] = None  # what the real model answered (before a rewrite)


@dataclass
class FaultProxy:
    upstream: str  # e.g. http://127.0.0.1:8000 (no /v1)
    faults: list = field(default_factory=list)  # (status, headers) answered instead of the next POSTs; 0: hang up
    fault_when: Optional[Callable[[dict], Optional[int]]] = None  # a status for requests it matches
    rewrite: Optional[Callable[[dict, str], str]] = None  # (request body, model reply) -> new reply
    cap_tokens: Optional[int] = 8  # the model generates at most this many tokens (speed)
    require_key: Optional[str] = None  # answer 401 unless "Bearer <key>"
    seen: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> "FaultProxy":
        def post(handler: BaseHTTPRequestHandler) -> None:
            length = int(handler.headers.get("Content-Length") or 0)
            self.handle(handler, json.loads(handler.rfile.read(length) or b"null"))

        self.httpd = serve(lambda handler: self.handle(handler, None), post)
        return self

    @property
    def url(self) -> str:
        return url(self.httpd)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self, **changes) -> None:
        with self.lock:
            self.faults, self.fault_when, self.rewrite, self.require_key = [], None, None, None
            self.cap_tokens = 8
            self.seen = []
        for key, value in changes.items():
            setattr(self, key, value)

    def posts(self) -> list[Seen]:
        return [s for s in self.seen if s.method == "POST"]

    def handle(self, handler: BaseHTTPRequestHandler, body: Optional[dict]) -> None:
        seen = Seen(handler.command, handler.path, body, handler.headers.get("Authorization"))
        with self.lock:
            self.seen.append(seen)
            fault = self.faults.pop(0) if self.faults and body is not None else None
        if fault is None and body is not None and self.fault_when:
            status = self.fault_when(body)
            fault = (status, {}) if status else None
        if fault is None and self.require_key and seen.authorization != f"Bearer {self.require_key}":
            fault = (401, {})
        if fault is not None:
            status, headers = fault
            return self._answer(handler, seen, status, {"error": {"message": f"injected {status}"}}, headers)
        forwarded = dict(body) if body is not None else None
        if forwarded is not None and self.cap_tokens:
            forwarded["max_tokens"] = min(forwarded.get("max_tokens") or self.cap_tokens, self.cap_tokens)
        request = urllib.request.Request(self.upstream + handler.path,
                                         data=json.dumps(forwarded).encode() if forwarded is not None else None,
                                         headers={"Content-Type": "application/json"}, method=handler.command)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, answer = response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            status, answer = exc.code, json.loads(exc.read() or b"{}")
        if status == 200 and body is not None and "choices" in answer:
            message = answer["choices"][0]["message"]
            seen.model_reply = message.get("content")
            if self.rewrite:
                message["content"] = self.rewrite(body, seen.model_reply or "")
                answer["choices"][0]["finish_reason"] = "stop"
        self._answer(handler, seen, status, answer, {})

    def _answer(self, handler, seen: Seen, status: int, answer: dict, headers: dict) -> None:
        seen.status = status
        if status == 0:  # drop the connection without an answer
            handler.close_connection = True
            return
        data = json.dumps(answer).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)


# ------------------------------------------------------------------------------------ a scripted server

@dataclass
class Call:
    """One request the scripted server received."""

    method: str
    path: str
    headers: dict
    body: Optional[dict]


def completion(content: str, finish_reason: str = "stop") -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion", "model": "scripted",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": finish_reason}]}


def translated(call: Call) -> tuple[int, dict]:
    """The default answer: a well-formed numbered fake translation of the request's sentences."""
    return 200, completion(well_formed(call.body, ""))


@dataclass
class ScriptedServer:
    """An OpenAI-compatible server of the test's own (``http.server`` in a thread, 127.0.0.1 only)
    that answers chat requests as ``chat`` says, without any model: ``chat(call)`` returns
    ``(status, JSON payload[, headers])``, or writes the answer itself via ``call.handler`` (to drip,
    flood or hang up) and returns None. ``GET /v1/models`` lists ``model`` with the keys of
    ``entry``; ``GET /props`` answers ``props`` (404 when None); ``GET /slots`` answers ``slots``."""

    model: str = "scripted-llm"
    entry: dict = field(default_factory=dict)
    props: Optional[dict] = None
    slots: Optional[list] = None
    chat: Callable = translated
    calls: list = field(default_factory=list)
    in_flight: int = 0
    peak: int = 0  # the most chat requests in flight at once
    sent: int = 0  # bytes written by helpers that stream (flood, drip)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)

    def start(self) -> "ScriptedServer":
        # looked up per request: a test may replace ``_get``/``_post`` on a running server
        self.httpd = serve(lambda handler: self._get(handler), lambda handler: self._post(handler),
                           block_on_close=False)
        return self

    @property
    def url(self) -> str:
        return url(self.httpd)

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def chats(self) -> list[Call]:
        return [c for c in self.calls if c.method == "POST"]

    def _record(self, handler, body) -> Call:
        if handler.path.startswith("http://"):  # asked as a proxy: the request line holds the whole URL
            handler.path = "/" + handler.path.split("/", 3)[3]
        call = Call(handler.command, handler.path, dict(handler.headers.items()), body)
        call.handler = handler  # type: ignore[attr-defined]
        with self.lock:
            self.calls.append(call)
        return call

    def _get(self, handler) -> None:
        self.lines = getattr(self, "lines", []) + [handler.requestline]
        self._record(handler, None)
        if handler.path == "/v1/models":
            return send(handler, 200, {"object": "list", "data": [{"id": self.model, "object": "model", **self.entry}]})
        if handler.path == "/props" and self.props is not None:
            return send(handler, 200, self.props)
        if handler.path == "/slots" and self.slots is not None:
            return send(handler, 200, self.slots)
        send(handler, 404, {"error": {"message": "Not Found"}})

    def _post(self, handler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        call = self._record(handler, json.loads(handler.rfile.read(length) or b"null"))
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            answer = self.chat(call)  # helpers that stream (drip, flood) write here
        except (BrokenPipeError, ConnectionResetError):
            answer = None
        finally:
            with self.lock:  # before the answer is sent: the client may send the next request at once
                self.in_flight -= 1
        if answer is not None:
            send(handler, *answer)


def send(handler, status: int, payload, headers: Optional[dict] = None) -> None:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def drip(server: ScriptedServer, call: Call, *, every: float = 1.0, limit: int = 600) -> None:
    """Headers at once (a Content-Length of a whole reply), then one byte every ``every`` seconds
    until the client leaves (or ``limit`` bytes)."""
    handler = call.handler  # type: ignore[attr-defined]
    data = json.dumps(completion("x" * 1000)).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.flush()
    for byte in data[:limit]:
        if server.stopping.wait(every):
            return
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        with server.lock:
            server.sent += 1


def flood(server: ScriptedServer, call: Call, *, total: int = 50 * 1024 * 1024, announce: bool = True) -> None:
    """A 200 answer of ``total`` bytes (a chat completion whose content never ends), written in
    64 KB pieces until the client leaves; ``announce``: with a true Content-Length, else without
    one (the body ends when the connection closes)."""
    handler = call.handler  # type: ignore[attr-defined]
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    if announce:
        handler.send_header("Content-Length", str(total))
    handler.end_headers()
    head = b'{"choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "'
    handler.wfile.write(head)
    piece = b"junk " * (64 * 1024 // 5)
    written = len(head)
    while written < total and not server.stopping.is_set():
        chunk = piece[:total - written]
        handler.wfile.write(chunk)
        written += len(chunk)
        with server.lock:
            server.sent = written

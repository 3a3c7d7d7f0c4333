"""One HTTP exchange with an LLM server, under deadlines and a size cap (standard library only).

``urllib`` (and ``http.client`` alone) only bound each socket read, so a server that sends its
headers and then one byte a second holds a request for as long as it likes, and a server that
floods is read whole. Here an exchange has two deadlines, each enforced by a timer that shuts the
socket down (which wakes any blocked read), not by per-read timeouts:

* ``wait_s``, from the start: connecting (itself at most ``connect_s``), sending, and waiting for
  the status line and headers. A server sends the headers of a non-streamed reply once it has
  generated it, so this is the time in its queue plus the generation.
* ``body_s``, from the headers: the whole body must have arrived.

The body is read in pieces and refused (:class:`TooLarge`) as soon as it passes ``limit`` bytes, or
at once when its ``Content-Length`` says so. Redirects are not followed (they are answers like any
other: the caller decides), so an ``Authorization`` header never travels to another host.
Environment proxies (``http_proxy``, ``https_proxy``, ``no_proxy``) are honoured as ``urllib``
does: plain HTTP through the proxy, HTTPS tunnelled with ``CONNECT``.
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
import threading
import urllib.request
from dataclasses import dataclass, field
from typing import Mapping, Optional
from urllib.parse import unquote, urlsplit

CONNECT_S = 10.0  # the longest wait for a TCP (and TLS) connection
_PIECE = 64 * 1024


class DeadlineExceeded(TimeoutError):
    """The server did not start its reply within ``wait_s``, or did not finish it within ``body_s``."""


class TooLarge(Exception):
    """The reply's body is larger than the cap (``size``: the bytes it announced or that were read)."""

    def __init__(self, limit: int, size: int, announced: bool) -> None:
        super().__init__(f"a reply of {'at least ' if not announced else ''}{size} bytes (more than the "
                         f"{limit} allowed{', as announced by its Content-Length' if announced else ''})")
        self.limit = limit
        self.size = size


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Target:
    """Where requests go: the server's root URL, and the proxy in between if the environment names one."""

    scheme: str
    host: str
    port: int
    path: str  # the base path, e.g. /v1 (no trailing slash)
    proxy: Optional[tuple[str, int]] = None
    proxy_auth: Optional[str] = field(default=None, repr=False)  # the Proxy-Authorization value

    @classmethod
    def parse(cls, base_url: str) -> "Target":
        parts = urlsplit(base_url)
        scheme = parts.scheme.lower()
        port = parts.port or (443 if scheme == "https" else 80)
        host = parts.hostname or ""
        proxy = auth = None
        proxies = urllib.request.getproxies()
        if proxies.get(scheme) and not urllib.request.proxy_bypass(f"{host}:{port}"):
            through = urlsplit(proxies[scheme] if "://" in proxies[scheme] else f"http://{proxies[scheme]}")
            proxy = (through.hostname or "", through.port or 80)
            if through.username is not None:
                pair = f"{unquote(through.username)}:{unquote(through.password or '')}"
                auth = "Basic " + base64.b64encode(pair.encode()).decode()
        return cls(scheme, host, port, parts.path.rstrip("/"), proxy, auth)

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never be shown: the proxy's credentials."""
        if not self.proxy_auth:
            return ()
        pair = base64.b64decode(self.proxy_auth.split(" ", 1)[1]).decode(errors="replace")
        return tuple(s for s in (self.proxy_auth.split(" ", 1)[1], pair.partition(":")[2]) if s)

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    def connection(self, timeout: float) -> http.client.HTTPConnection:
        if self.scheme == "https":
            context = ssl.create_default_context()
            if self.proxy:
                conn = http.client.HTTPSConnection(*self.proxy, timeout=timeout, context=context)
                conn.set_tunnel(self.host, self.port,
                                headers={"Proxy-Authorization": self.proxy_auth} if self.proxy_auth else None)
                return conn
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=context)
        if self.proxy:
            return http.client.HTTPConnection(*self.proxy, timeout=timeout)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def request_target(self, path: str) -> str:
        """The request line's target: the path, or the absolute URL when a plain-HTTP proxy relays it."""
        full = self.path + path
        return f"http://{self.authority}{full}" if self.proxy and self.scheme == "http" else full

    def root(self) -> "Target":
        """The same server with the base path's last ``/v1`` removed (where llama.cpp serves ``/props``)."""
        return Target(self.scheme, self.host, self.port, self.path.removesuffix("/v1"), self.proxy, self.proxy_auth)


class _Guard:
    """Shuts a connection's socket down when a deadline passes: the blocked read returns at once."""

    def __init__(self) -> None:
        # the socket itself: http.client drops it from the connection once a response that closes the
        # connection begins (the response reads on through its own file object)
        self.sock: Optional[socket.socket] = None
        self.expired: Optional[str] = None
        self._timer: Optional[threading.Timer] = None

    def arm(self, seconds: float, what: str) -> None:
        self.disarm()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire, args=(what,))
        self._timer.daemon = True
        self._timer.start()

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self, what: str) -> None:
        self.expired = what  # first: exchange sets ``sock`` before it looks at ``expired``
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def check(self) -> None:
        if self.expired:
            raise DeadlineExceeded(self.expired)


def exchange(target: Target, method: str, path: str, data: Optional[bytes], headers: Mapping[str, str], *,
             wait_s: float, body_s: float, limit: int, connect_s: float = CONNECT_S) -> Answer:
    """One request and its whole answer (any status), within the deadlines; the body at most ``limit``
    bytes. Raises :class:`DeadlineExceeded`, :class:`TooLarge`, or ``OSError`` /
    ``http.client.HTTPException`` when the connection fails."""
    conn = target.connection(timeout=min(connect_s, wait_s))
    guard = _Guard()
    guard.arm(wait_s, f"no reply within {wait_s:g} s (llm.queue_timeout_s)")
    try:
        try:
            conn.connect()
            guard.sock = conn.sock
            guard.check()
            conn.sock.settimeout(wait_s + body_s + 1.0)  # a fallback only: the guard ends the exchange
            sent = {"Host": target.authority, **headers}
            if target.proxy and target.scheme == "http" and target.proxy_auth:  # HTTPS: on CONNECT only
                sent["Proxy-Authorization"] = target.proxy_auth
            conn.request(method, target.request_target(path), body=data, headers=sent)
            response = conn.getresponse()
            guard.check()
            guard.arm(body_s, f"the reply was not complete {body_s:g} s after it began (llm.timeout_s)")
            announced = response.getheader("Content-Length")
            if announced and announced.strip().isdigit() and int(announced) > limit:
                raise TooLarge(limit, int(announced), True)
            pieces, size = [], 0
            while True:
                piece = response.read1(_PIECE)
                if not piece:
                    break
                size += len(piece)
                if size > limit:
                    raise TooLarge(limit, size, False)
                pieces.append(piece)
            guard.check()  # a socket shut down by the guard ends the body early: not a whole reply
            return Answer(response.status, response.headers, b"".join(pieces))
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if guard.expired:
                raise DeadlineExceeded(guard.expired) from None
            if isinstance(exc, ValueError):  # http.client on a garbled status line or chunk size
                raise http.client.HTTPException(f"a malformed HTTP answer ({exc})") from None
            raise
    finally:
        guard.disarm()
        conn.close()

"""The batch on a real terminal (a pseudo-terminal): the status line and progress bars never swallow
a message, and the final line and the Ctrl-C message come whole, after the bars are closed."""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.support import required_module

pty = required_module("pty", "a POSIX system")
FIXTURES = Path(__file__).parent / "fixtures"
ESCAPES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# The run, made slow enough to be interrupted while articles are read (0.4 s each).
SLOW = ("import sys, time, translate.runners.local as local; real = local.prepare_article; "
        "local.prepare_article = lambda *a, **k: (time.sleep(0.4), real(*a, **k))[1]; "
        "sys.argv[0] = 'translate'; from translate.cli import main; main()")


def run_on_terminal(args: list[str], *, interrupt_when: bytes | None = None, columns: int = 100,
                    timeout: float = 300) -> tuple[str, int]:
    """Run ``python -c SLOW ARGS`` on a pseudo-terminal of ``columns``; with ``interrupt_when``, type
    Ctrl-C once that text has appeared. Returns (everything the terminal received, exit code)."""
    import fcntl
    import struct
    import termios

    env = dict(os.environ, HF_HUB_OFFLINE="1", COLUMNS=str(columns), LINES="30")
    pid, fd = pty.fork()
    if pid == 0:  # the child: its terminal is the pseudo-terminal, Ctrl-C sends it SIGINT
        try:
            os.execve(sys.executable, [sys.executable, "-c", SLOW, *args], env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
    received, typed, deadline = b"", False, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                received += chunk
            if interrupt_when and not typed and interrupt_when in received:
                time.sleep(0.3)
                os.write(fd, b"\x03")  # Ctrl-C, as typed
                typed = True
        else:
            os.kill(pid, signal.SIGKILL)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return received.decode("utf-8", errors="replace"), os.waitstatus_to_exitcode(status)


def screen_lines(received: str) -> list[str]:
    """The lines as they finally stand: each line's text after its last carriage return / erase."""
    lines = []
    for raw in received.replace("\r\n", "\n").split("\n"):
        lines.append(ESCAPES.sub("", raw.rsplit("\r", 1)[-1].rsplit("\x1b[2K", 1)[-1]))
    return lines


@pytest.fixture
def folder(tmp_path) -> Path:
    articles = tmp_path / "articles"
    articles.mkdir()
    for i in range(3):
        for name in ("article_full.txt", "article.md"):
            shutil.copyfile(FIXTURES / name, articles / f"{i}-{name}")
    return articles


def test_the_final_line_is_whole_and_after_the_bars(folder, tmp_path, tiny_models):
    out = tmp_path / "out"
    received, code = run_on_terminal(["batch", str(folder), "--out", str(out), "--config", str(tiny_models)])
    assert code == 0, received
    final = f"6 done, 0 unchanged, 0 failed -> {out / 'index.md'} ("
    raw_lines = received.replace("\r\n", "\n").split("\n")
    index = next(i for i, line in enumerate(raw_lines) if final in line)
    assert raw_lines[index].startswith(final) and "\r" not in raw_lines[index] and "\x1b" not in raw_lines[index]
    assert raw_lines[index].endswith("from the translation memory)")
    assert all(final not in line for line in raw_lines[:index])  # printed once, not into a bar
    bars = [i for i, line in enumerate(raw_lines) if "articles:" in line or "segments:" in line]
    assert bars and max(bars) < index  # every bar drawn before it
    shown = screen_lines(received)
    assert shown[index - 3].startswith("articles: 100%") and "6/6" in shown[index - 3]  # left in their last state
    assert shown[index - 2].startswith("segments: 100%") and shown[index - 1].startswith("summaries: 100%")
    assert "checking the models" in received  # a status line while the models load
    drawn = [line for line in shown if line.startswith(("articles:", "segments:", "summaries:", "⠋", "⠙", "⠹"))]
    assert drawn and all(len(line) < 100 for line in drawn)  # never wider than the terminal (no wrapped redraws)


def test_ctrl_c_gives_one_whole_message_after_the_bars(folder, tmp_path, tiny_models):
    out = tmp_path / "out"
    received, code = run_on_terminal(["batch", str(folder), "--out", str(out), "--config", str(tiny_models),
                                      "--force"], interrupt_when=b"articles:")
    assert code == 130, received
    message = (f"interrupted: finished articles are saved and listed in {out / 'index.md'}; run the same command "
               "without --force to resume (with --force every article is redone)")
    raw_lines = received.replace("\r\n", "\n").split("\n")
    assert message in raw_lines  # its own line: no carriage return, escape or "^C" in it
    index = raw_lines.index(message)
    assert all("articles:" not in line for line in raw_lines[index:])
    assert raw_lines[index + 1:] in ([], [""])
    assert "^C" not in screen_lines(received)[index - 1]  # the echoed ^C was erased with the bars

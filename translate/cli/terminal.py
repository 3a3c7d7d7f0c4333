"""What a terminal shows while a command works: a status line with a spinner (reading the inputs,
loading the models), then progress bars (articles, segments, summaries), with log lines printed
*above* them — never into them. ``close()`` leaves the bars in their last state on lines of their
own and puts the cursor below them, so the final line, an error or the Ctrl-C message that follows
is printed whole, after the bars.

Only used when stderr is a terminal (``Display.wanted``); elsewhere the commands log plain lines.
Everything is drawn with carriage returns and "erase line" / "cursor up" codes on at most a few
lines, each cut to the terminal's width so that no line wraps (a wrapped line could not be redrawn
in place)."""

from __future__ import annotations

import contextlib
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator, TextIO

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_ERASE_LINE = "\r\x1b[2K"
_UP = "\x1b[1A"
_active: "Display | None" = None


def active_display() -> "Display | None":
    """The display open in this process, if any (the log handler writes through it)."""
    return _active


@dataclass
class Bar:
    label: str
    unit: str
    total: int = 0
    n: int = 0
    started: float = field(default_factory=time.monotonic)
    note: str = ""  # e.g. "loading the model" until the first result
    stopped: float | None = None  # when it reached its total (its clock and rate stop there)

    def elapsed(self) -> float:
        full = self.total and self.n >= self.total
        if full and self.stopped is None:
            self.stopped = time.monotonic()
        elif not full:
            self.stopped = None
        return (self.stopped or time.monotonic()) - self.started


class Display:
    """A status line and progress bars on a terminal (see the module docstring)."""

    def __init__(self, stream: TextIO | None = None, *, interval: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self.lock = threading.RLock()
        self.status_text: str | None = None
        self.bars: dict[str, Bar] = {}
        self._drawn = 0  # lines on screen, the cursor at the end of the last one
        self._tick = 0
        self._closed = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="translate-display", daemon=True)
        self._thread.start()

    @staticmethod
    def wanted(stream: TextIO | None = None) -> bool:
        stream = stream or sys.stderr
        try:
            return stream.isatty()
        except (AttributeError, ValueError):
            return False

    # ------------------------------------------------------------ what is shown

    def status(self, text: str | None) -> None:
        """A line with a spinner under the bars (None: no status line)."""
        with self.lock:
            self.status_text = text
            self._redraw()

    def bar(self, name: str, label: str, unit: str, total: int = 0, note: str = "") -> Bar:
        with self.lock:
            if name not in self.bars:
                self.bars[name] = Bar(label, unit, total, note=note)
                self._redraw()
            return self.bars[name]

    def add_total(self, name: str, n: int) -> None:
        with self.lock:
            if name in self.bars:
                self.bars[name].total += n
                self._redraw()

    def advance(self, name: str, n: int = 1, *, note: str | None = None) -> None:
        with self.lock:
            if name in self.bars:
                self.bars[name].n += n
                if note is not None:
                    self.bars[name].note = note
                self._redraw()

    def note(self, name: str, text: str) -> None:
        with self.lock:
            if name in self.bars:
                self.bars[name].note = text
                self._redraw()

    def write(self, line: str) -> None:
        """A log line, printed above the bars (which are drawn again below it)."""
        with self.lock:
            if self._closed:
                self.stream.write(line + "\n")
                self.stream.flush()
                return
            self._erase()
            self.stream.write(line + "\n")
            self._draw()

    def close(self) -> None:
        """Stop drawing: the bars stay in their last state, each on its own line, the status line
        goes, and the cursor is at the start of the next line."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=1)
        with self.lock:
            if self._closed:
                return
            self.status_text = None
            self._erase()  # also erases what the terminal echoed on the last line (e.g. "^C")
            lines = self._lines(final=True)
            if lines:
                self.stream.write("\n".join(lines) + "\n")
            self.stream.flush()
            self._closed = True

    # ------------------------------------------------------------ drawing

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self.lock:
                if self._closed:
                    return
                self._tick += 1
                self._redraw()

    def _width(self) -> int:
        return max(20, shutil.get_terminal_size((80, 24)).columns - 1)

    def _lines(self, *, final: bool = False) -> list[str]:
        from tqdm import tqdm

        width = self._width()
        spin = _SPINNER[self._tick % len(_SPINNER)]
        lines = []
        for bar in self.bars.values():
            elapsed = bar.elapsed()
            note = f" {spin} {bar.note}" if bar.note and not final else ""
            line = tqdm.format_meter(bar.n, max(bar.total, bar.n) or None, elapsed, ncols=width - len(note),
                                     prefix=bar.label, unit=bar.unit)
            lines.append((line + note)[:width])
        if self.status_text and not final:
            lines.append(f"{spin} {self.status_text}"[:width])
        return lines

    def _erase(self) -> None:
        if self._drawn:
            self.stream.write(_ERASE_LINE + (_UP + _ERASE_LINE) * (self._drawn - 1))
            self._drawn = 0

    def _draw(self) -> None:
        lines = self._lines()
        if lines:
            self.stream.write("\n".join(lines))
        self._drawn = len(lines)
        self.stream.flush()

    def _redraw(self) -> None:
        if self._closed:
            return
        frame = []  # one write per frame: an interrupt never leaves half a frame
        if self._drawn:
            frame.append(_ERASE_LINE + (_UP + _ERASE_LINE) * (self._drawn - 1))
        lines = self._lines()
        frame.append("\n".join(lines))
        self.stream.write("".join(frame))
        self.stream.flush()
        self._drawn = len(lines)


class _Stderr:
    """``sys.stderr`` while a display is open: what libraries print (a converter's progress bar, a
    warning) comes out as whole lines above the bars; a line redrawn in place with carriage returns
    shows only as it ends."""

    def __init__(self, display: Display, original: TextIO) -> None:
        self.display = display
        self.original = original
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            line = line.rsplit("\r", 1)[-1]
            if line.strip():
                self.display.write(line)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False  # libraries need not draw their own progress bars

    def fileno(self) -> int:
        return self.original.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self.original, "encoding", "utf-8")


@contextlib.contextmanager
def opened(display: Display | None) -> Iterator[Display | None]:
    """Make ``display`` the one log lines (and whatever is printed to ``sys.stderr``) go through,
    and close it on the way out (whatever happens), so what the command prints next comes after it."""
    global _active
    if display is None:
        yield None
        return
    _active = display
    original = sys.stderr
    sys.stderr = _Stderr(display, original)
    try:
        yield display
    finally:
        sys.stderr = original
        _active = None
        display.close()


class BarProgress:
    """The batch's ``Progress`` on a terminal: bars for articles finished, segments translated (its
    total grows as articles are segmented, since segments of several articles are translated
    together) and summaries made, and a status line while the models load."""

    def __init__(self, display: Display) -> None:
        self.display = display
        self._translating = False

    def start(self, total_articles: int) -> None:
        self.display.status(None)
        self.display.bar("articles", "articles", " article", total_articles)
        if total_articles:
            self.display.bar("segments", "segments", " seg", 0, note="loading the translation model")

    def article(self, name: str, segments: int) -> None:
        self.display.add_total("segments", segments)

    def segments_done(self, n: int) -> None:
        self.display.advance("segments", n, note="" if not self._translating else None)
        self._translating = True

    def finished(self, name: str, status: str) -> None:
        self.display.note("segments", "")
        self.display.advance("articles", 1)
        if status == "failed":
            from ..outputs.escape import display_name

            self.display.write(f"{display_name(name)}: failed")

    def summaries(self, event: str, articles: int) -> None:
        """A window's summaries: ``start`` (``articles`` of them being made together) or ``done``."""
        if event == "start":
            self.display.note("segments", "")
            self.display.bar("summaries", "summaries", " article", 0)
            self.display.add_total("summaries", articles)
            self.display.note("summaries", "summarizing")
        else:
            self.display.advance("summaries", articles, note="")

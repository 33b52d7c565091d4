"""JSON-lines input and output shared by the CLI subcommands, with located errors."""

from __future__ import annotations

import json
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from safeship.errors import InputError

err_console = Console(stderr=True)
MAX_LINE_BYTES = 8_000_000


@dataclass(frozen=True)
class Line:
    """One input record, or the reason it could not be read."""

    number: int
    record: dict[str, Any] | None
    error: str | None = None


def read_jsonl(path: Path) -> Iterator[Line]:
    """Yield every line of a JSONL file; bad lines come back with an error naming the line."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {exc.strerror}") from exc
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            if len(raw) > MAX_LINE_BYTES:
                yield Line(number, None, f"{path}:{number}: line longer than 8 MB")
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as exc:
                yield Line(number, None, f"{path}:{number}: not valid UTF-8 (byte {exc.start})")
                continue
            except json.JSONDecodeError as exc:
                yield Line(
                    number, None, f"{path}:{number}: bad JSON: {exc.msg} at column {exc.colno}"
                )
                continue
            if not isinstance(record, dict):
                yield Line(number, None, f"{path}:{number}: expected a JSON object per line")
                continue
            yield Line(number, record)


def count_lines(path: Path) -> int:
    """Number of non-empty lines (for the progress bar total)."""
    try:
        with path.open("rb") as handle:
            return sum(1 for raw in handle if raw.strip())
    except OSError:
        return 0


NO_ROWS = "no rows to read (the input is empty or only blank lines)"


def require_rows(path: Path) -> int | None:
    """Number of non-blank lines; ``InputError`` if the file cannot be read or has none.

    An empty export is a pipeline bug, not a clean run: with no line to fail on, a file with no
    rows would otherwise exit 0, as if every row had passed. A pipe (``/dev/stdin``, a process
    substitution) can be read only once, so it is not counted here (None): the caller counts
    the rows it reads, and fails with ``NO_ROWS`` if there were none.
    """
    try:
        if path.is_dir():
            raise InputError(f"{path}: is a directory, not a JSONL file")
        if not path.is_file() and path.exists():  # a pipe, a FIFO, /dev/stdin
            return None
        with path.open("rb") as handle:
            rows = sum(1 for raw in handle if raw.strip())
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {exc.strerror}") from exc
    if not rows:
        raise InputError(f"{path}: {NO_ROWS}")
    return rows


def text_field(record: dict[str, Any], field: str, path: Path, number: int) -> str:
    """The string under ``field``; raises ``InputError`` naming file, line and field."""
    if field not in record:
        raise InputError(f"{path}:{number}: missing field {field!r}")
    value = record[field]
    if not isinstance(value, str):
        raise InputError(
            f"{path}:{number}: field {field!r} must be a string, got {type(value).__name__}"
        )
    return value


class Writer(Protocol):
    """Where a subcommand writes its JSON lines: stdout or a ``ReplacedFile``."""

    def write(self, text: str, /) -> int:
        """Write ``text``; return the number of characters written."""
        ...


class ReplacedFile:
    """Lines written to a temporary file beside ``path``, which replaces ``path`` at the end.

    Why: the output must appear whole or not at all. A run that refuses its input before any
    decision (an empty pipe, which cannot be counted beforehand) or fails half-way leaves an
    existing output as it was and creates none, instead of an empty or partial file that looks
    like a clean result; and an output that is also the input is read whole before it is
    replaced, instead of the run reading back its own lines for ever.
    """

    def __init__(self, path: Path) -> None:
        self.path = path.resolve() if path.is_symlink() else path  # write through a link
        path = self.path
        self.written = False
        self._made = [d for d in (path.parent, *path.parent.parents) if not d.exists()]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in finish()
                "w",
                encoding="utf-8",
                errors="backslashreplace",
                dir=path.parent,
                prefix=f".{path.name}.",
                suffix=".partial",
                delete=False,
            )
        except OSError as exc:  # a path under a file, no permission: say which, up front
            reason = exc.strerror or type(exc).__name__
            raise fail(f"cannot write {path}: {reason}") from exc

    def write(self, text: str, /) -> int:
        """Write ``text`` to the temporary file."""
        self.written = True
        return self._handle.write(text)

    def finish(self, keep: bool) -> None:
        """Put the lines in place (``keep`` and something was written), or throw them away."""
        self._handle.close()
        temp = Path(self._handle.name)
        if keep and self.written:
            os.chmod(temp, _mode_for(self.path))
            os.replace(temp, self.path)
        else:
            temp.unlink(missing_ok=True)
            for made in self._made:  # deepest first; directories made for nothing go too
                try:
                    made.rmdir()
                except OSError:
                    break


def _mode_for(path: Path) -> int:
    """The permissions ``path`` has, or those a newly created file would get (umask applied).

    A temporary file is created private (0600); the output must not change its mode by being
    written through one.
    """
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def output_stream(output: Path | None) -> Iterator[Writer]:
    """``output`` written whole when the run ends well (see ``ReplacedFile``), or stdout.

    A directory is refused now, before a model loads: that mistake needs no input to show. A
    device, a FIFO or ``/dev/stdout`` is written as the run goes (replacing it would put a file
    where the device was). SIGTERM and SIGHUP (unless ignored, as under ``nohup``) end the run
    like Ctrl-C, so no temporary file is left.
    """
    if output is None:
        yield sys.stdout
        return
    if output.is_dir():
        raise fail(f"cannot write {output}: it is a directory")
    try:
        mode: int | None = output.stat().st_mode  # through links: /dev/stdout may be a pipe
    except FileNotFoundError:
        mode = None  # a new file (or a link to one)
    except OSError as exc:  # a symlink loop, no permission
        raise fail(f"cannot write {output}: {exc.strerror or type(exc).__name__}") from exc
    if mode is not None and not stat.S_ISREG(mode):
        try:
            handle = output.open("w", encoding="utf-8", errors="backslashreplace")
        except OSError as exc:
            raise fail(f"cannot write {output}: {exc.strerror or type(exc).__name__}") from exc
        with handle:
            yield handle
        return
    replaced = ReplacedFile(output)
    keep = False
    try:
        with _stopped_cleanly():
            yield replaced
        keep = True
    finally:
        replaced.finish(keep)


@contextmanager
def _stopped_cleanly() -> Iterator[None]:
    """SIGTERM and SIGHUP raise ``SystemExit`` meanwhile, so ``finally`` blocks still run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    watched = [
        s for s in (signal.SIGTERM, signal.SIGHUP) if signal.getsignal(s) is not signal.SIG_IGN
    ]
    before = {sig: signal.signal(sig, stop) for sig in watched}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)


@contextmanager
def progress(total: int | None, label: str, enabled: bool) -> Iterator[Progress]:
    """A rich progress bar on stderr (hidden when not wanted)."""
    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not enabled,
        transient=False,
    )
    with bar:
        bar.add_task(label, total=total)
        yield bar


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print a clean error (no traceback) and return the exit to raise."""
    err_console.print(Text.assemble(("error: ", "bold red"), message))
    return typer.Exit(code)


def dump(record: dict[str, Any]) -> str:
    """One compact JSON line (escaped where a field holds text UTF-8 cannot encode)."""
    line = json.dumps(record, ensure_ascii=False, default=str)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from the input: keep it as a JSON escape
        return json.dumps(record, default=str)
    return line

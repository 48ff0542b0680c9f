"""The one family of errors a user can meet: every kind derives from :class:`EscalationError`.

The command line turns any of them into a one-line message and exit status 2; a traceback means a
bug, never bad input. The kinds say which input was at fault:

- :class:`ScenarioError`: a scenario file, an override (``--set``) or a command-line value;
- :class:`ExperimentError`: an experiment file (a kind of ScenarioError: it carries file, key, line);
- :class:`StoreError`: a results folder (missing, damaged, locked, another experiment's);
- :class:`AnalysisError`: an analysis that cannot be made from these results (an outcome, a design);
- :class:`PlotError`: a figure that cannot be drawn from these results;
- :class:`WriteError`: the file system refused a write (disk full, quota, read-only, permission):
  exit status 3, as for any ``OSError`` that reaches the command line (:func:`os_error_message`
  turns it into the one line).

A signal ends a command as an interruption: SIGINT raises ``KeyboardInterrupt`` (exit 130), SIGTERM
:class:`Terminated`, a ``KeyboardInterrupt`` too (exit 143), so that every ``finally`` runs: locks
released, the manifest says "interrupted", nothing half-written is left under a final name.
"""

from __future__ import annotations

import errno
import re
import signal
from pathlib import Path

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_WRITE",
    "AnalysisError",
    "EscalationError",
    "ExperimentError",
    "PlotError",
    "ScenarioError",
    "StoreError",
    "Terminated",
    "WriteError",
    "exit_status_of_signal",
    "os_error_message",
]

#: Exit status of bad input (a file, a key, a value, an option, a results folder that cannot be used).
EXIT_BAD_INPUT = 2
#: Exit status of a write the file system refused (disk full, quota, read-only, permission, I/O error).
EXIT_WRITE = 3


class EscalationError(Exception):
    """Root of every error this package raises for bad input or unusable files."""


class ScenarioError(EscalationError):
    """A scenario (or override) that cannot be run; the message says where and what is allowed.

    Attributes:
        file: the file at fault, or None for command-line overrides.
        key: the dotted key at fault (``russia.noise``, ``events[2].month``), or None.
        line: the line of the file where the key stands, when it can be found.
        detail: the message without the location.
    """

    def __init__(self, file: str | Path | None, key: str | None, message: str, line: int | None = None):
        self.file, self.key, self.line, self.detail = file, key, line, message
        # no file: an override (--set) names its key; a command-line argument names itself in the message
        where = str(file) if file else ("<overrides>" if key else "")
        if line:
            where += f", line {line}"
        text = f"{key}: {message}" if key else message
        super().__init__(f"{where}: {text}" if where else text)


class ExperimentError(ScenarioError):
    """An experiment (or its output folder) that cannot be run; the message says where and why."""


class StoreError(EscalationError):
    """A results folder that cannot be used (not a store, damaged, locked, another experiment's)."""


class AnalysisError(EscalationError):
    """An analysis that cannot be made from these results (unknown outcome, missing design points)."""


class PlotError(EscalationError):
    """A figure that cannot be drawn from these results (the message says why and what would work)."""


class WriteError(EscalationError):
    """A folder the file system will not let us write (read-only, no permission): exit status 3."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (or SIGHUP) arrived: raised by the command line's handler so that cleanup runs as for Ctrl-C."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


def exit_status_of_signal(signum: int) -> int:
    """The shell's convention: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM)."""
    return 128 + signum


#: What to do about each refusal of the file system.
_ADVICE = {
    errno.ENOSPC: (
        "the disk is full",
        "free some space (or choose another --out), then run the same command again: what was committed is kept",
    ),
    errno.EDQUOT: (
        "the disk quota is exceeded",
        "free some of your space (or choose another --out), then run the same command again: what was committed "
        "is kept",
    ),
    errno.EFBIG: ("the file is too large for this file system", "choose --out on another file system"),
    errno.EROFS: ("the file system is read-only", "choose --out on a writable disk"),
    errno.EACCES: ("permission denied", "choose --out in a folder you may write, or change its permissions"),
    errno.EPERM: ("the operation is not permitted", "choose --out in a folder you may write"),
    errno.ENOENT: (
        "a file or folder vanished",
        "check that the folder still exists (was it moved or deleted meanwhile?), then run the same command again",
    ),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "choose --out elsewhere"),
    errno.EIO: (
        "an input/output error (a failing disk or network file system)",
        "check the disk, then run the same command again: what was committed is kept",
    ),
}
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.\d+\.[0-9a-f]{12}\.tmp$")
#: Subfolders of a results folder: a file in one of them is named from the results folder (figures/x.png).
_SUBFOLDERS = ("parts", "scenarios", "figures")


def _folder_and_file(filename: str) -> tuple[Path, str]:
    """The folder the user named (a results or calibration folder) and the file in it, for a message."""
    path = Path(filename)
    m = _TEMPORARY.match(path.name)
    if m:  # a temporary of an atomic write: name the file it was to become
        path = path.with_name(m["name"])
    folder = path.parent
    if folder.name.startswith("chunk="):  # steps/chunk=00003/part-0.parquet
        folder = folder.parent.parent
    elif folder.name in _SUBFOLDERS:
        folder = folder.parent
    return folder, str(path.relative_to(folder))


def os_error_message(e: OSError, doing: str = "writing") -> str:
    """One line for an ``OSError``: the folder, the file being written, what happened and what to do.

    This is the one place that maps errnos to messages; the command line prints it and exits with
    :data:`EXIT_WRITE`.
    """
    code = e.errno
    text = e.strerror or " ".join(str(a) for a in e.args) or type(e).__name__
    if code is None:  # pyarrow's IOError carries the errno in its text only
        m = re.search(r"errno (\d+)", text, re.IGNORECASE)
        code = int(m.group(1)) if m else None
    what, todo = _ADVICE.get(code, (text, "fix the cause, then run the same command again"))
    name = f" [{errno.errorcode[code]}]" if code in errno.errorcode else ""
    if e.filename is None:
        return f"{what}{name} while {doing} the output; {todo}"
    folder, file = _folder_and_file(str(e.filename))
    return f"{folder}: {what}{name} while {doing} {file}; {todo}"

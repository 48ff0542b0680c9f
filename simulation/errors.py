"""The one family of errors a user can meet: every kind derives from :class:`EscalationError`.

The command line turns any of them into a one-line message and exit status 2; a traceback means a
bug, never bad input. The kinds say which input was at fault:

- :class:`ScenarioError`: a scenario file, an override (``--set``) or a command-line value;
- :class:`ExperimentError`: an experiment file (a kind of ScenarioError: it carries file, key, line);
- :class:`StoreError`: a results folder (missing, damaged, locked, another experiment's);
- :class:`AnalysisError`: an analysis that cannot be made from these results (an outcome, a design);
- :class:`PlotError`: a figure that cannot be drawn from these results.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["AnalysisError", "EscalationError", "ExperimentError", "PlotError", "ScenarioError", "StoreError"]


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

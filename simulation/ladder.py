"""The escalation ladder: Kahn's rungs read from Russia's escalation intensity, with hysteresis.

Kahn (1965), *On Escalation*, has 44 rungs; docs/MODEL.md section 4 condenses them to ten, keeping his
thresholds "nuclear war is unthinkable" (below nuclear signalling) and "no nuclear use" (below rung 9).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

__all__ = ["DIRECT_CLASH", "NUCLEAR_SIGNALLING", "NUCLEAR_USE", "Ladder"]

#: Rung of the default ladder at which nuclear signalling starts (Kahn's "nuclear war is unthinkable").
NUCLEAR_SIGNALLING = 6
#: Rung of the default ladder at which Russia and an alliance member clash directly.
DIRECT_CLASH = 7
#: The top rung of the default ladder: nuclear use.
NUCLEAR_USE = 9


class Ladder:
    """Rungs read from intensity y in [0, 1].

    Rung e (e >= 1) begins where y reaches ``thresholds[e - 1]``. Russia climbs one rung a month
    toward the rung y reads, or straight to it on a miscalculation; it steps down one rung a month,
    and only once y has fallen ``hysteresis`` below the current rung's threshold, so a rung once
    reached is sticky (escalation is easier to start than to undo).
    """

    def __init__(self, thresholds: Sequence[float], names: Sequence[str], hysteresis: float):
        """Build a ladder from validated thresholds (increasing) and names (one more)."""
        self.thresholds = tuple(float(t) for t in thresholds)
        self.names = tuple(names)
        self.hysteresis = float(hysteresis)
        self.top = len(self.thresholds)
        #: The rung a nuclear-signalling episode raises Russia to (the top of a shorter ladder).
        self.signalling_rung = min(NUCLEAR_SIGNALLING, self.top)

    def rung_of(self, y: float) -> int:
        """The rung that intensity y reads, with no history."""
        return bisect_right(self.thresholds, y)

    def next_rung(self, rung: int, y: float, *, jump: bool = False) -> int:
        """The rung after a month whose intensity is y, starting from ``rung``."""
        target = bisect_right(self.thresholds, y)
        if target > rung:
            return target if jump else rung + 1
        if rung > 0 and y < self.thresholds[rung - 1] - self.hysteresis:
            return rung - 1
        return rung

    def name(self, rung: int) -> str:
        """The name of a rung."""
        return self.names[rung]

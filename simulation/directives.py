"""Directives: a player's decisions replace the model's own rule for one donor (the classroom wargame, issue 21).

A team that plays a member government decides, for the months of a turn, what the model's member rule
would otherwise decide for it. :meth:`simulation.model.EscalationModel.set_directives` sets them,
as ``{ISO3: Directive(...)}``; every field left ``None`` (and every donor not named) follows the
model's rule, and with no directives set the model runs exactly as before (the regression tests pin it).

What a directive replaces, and where (the only places the engine reads it):

- ``lethal``, ``nonlethal``, ``training`` (in the declared range of ``aid_level``, [0, 1]): the share of
  the donor's capacity for that category, in place of ``level x resolve`` in :func:`members.decide`:
  ``aid_c = d_c x stockpile x willing capacity x share_c`` (``share_c`` the donor's own split of its
  aid: its lethal share, the training share, the rest), so that ``d_c = level x resolve`` in every
  category gives the model's own aid. Stockpile and fatigue draw on what the directive gives.
  The government's capacity and its public's stance still bound what it can give.
- ``posture`` (in [0, 1], posture's own range): ``floor + (1 - floor) x posture`` in place of the
  rule's ``floor + (1 - floor) x posture_gain x drivers`` (standing forces are the floor).
- ``back`` (True or False): whether the donor backs a pending package of advanced systems, in place of
  ``resolve >= alliance.package_threshold`` (:meth:`Alliance.release_packages`); a partner never backs.
- ``signal`` (in the declared range of ``ambiguity``, [0, 1]): how ambiguous the government's signal
  to Russia is (0: clear red lines, 1: deliberately vague); the alliance's ambiguity in its
  credibility (:meth:`Alliance.assess`) is the GDP-weighted mean over its members of each member's
  signal, the ``ambiguity`` lever standing in for members without one.
- Russia's leadership (``russia``, in the declared range of ``russia.initial_intensity``, [0, 1]): the
  escalation intensity Russia chooses, in place of its rule's (:meth:`Russia.decide`, after the rule's
  random draws, so the stream stays aligned); the ladder and the committed force follow from it as
  from the rule's.

The module holds no state of the model's and draws no random numbers: same directives, same run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from simulation import parameters

if TYPE_CHECKING:
    from simulation.members import MemberArrays

__all__ = ["AID_CATEGORIES", "INTENSITY_RANGE", "RANGES", "Directive", "Directives"]

#: The aid categories a directive sets, in the member arrays' order.
AID_CATEGORIES: tuple[str, ...] = ("lethal", "nonlethal", "training")


def _declared(key: str) -> tuple[float, float]:
    p = parameters.by_name(key)
    return float(p.low), float(p.high)


#: Allowed range of each numeric field: the declared range of the parameter it stands for.
RANGES: dict[str, tuple[float, float]] = {
    **{c: _declared("aid_level") for c in AID_CATEGORIES},
    "posture": (0.0, 1.0),  # posture's range as a state (docs/ODD.md); no lever declares it
    "signal": _declared("ambiguity"),
}
#: Allowed range of Russia's chosen escalation intensity.
INTENSITY_RANGE: tuple[float, float] = _declared("russia.initial_intensity")


@dataclass(frozen=True)
class Directive:
    """One donor's decisions for a turn; ``None`` leaves a field to the model's rule.

    Raises:
        ValueError: a number outside its range (``RANGES``), not finite, or a ``back`` that is not a bool.
    """

    lethal: float | None = None
    nonlethal: float | None = None
    training: float | None = None
    posture: float | None = None
    back: bool | None = None
    signal: float | None = None

    def __post_init__(self) -> None:
        """Check every field against its range (a directive never holds a value the model does not allow)."""
        for name, (low, high) in RANGES.items():
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"{name}: {value!r} is not a number; allowed: {low:g} to {high:g}")
            if not low <= value <= high:
                raise ValueError(f"{name}: {value!r} is out of range; allowed: {low:g} to {high:g}")
            object.__setattr__(self, name, float(value))
        if self.back is not None and not isinstance(self.back, bool):
            raise ValueError(f"back: {self.back!r} is not true or false")

    def as_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (``None`` for the ones left to the model)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


class Directives:
    """The directives of one turn, compiled to index and value arrays over the donors' columns.

    Built by :meth:`EscalationModel.set_directives`; the member rules call :meth:`aid`, :meth:`posture`,
    :meth:`backing` and :meth:`ambiguity` when the model has directives (and only then).
    """

    def __init__(self, by_index: dict[int, Directive], russia: float | None = None):
        """``by_index``: donor column -> its directive; ``russia``: Russia's chosen intensity (None: its rule).

        Raises:
            ValueError: ``russia`` outside ``INTENSITY_RANGE`` or not a number.
        """
        low, high = INTENSITY_RANGE
        if russia is not None and (
            isinstance(russia, bool) or not isinstance(russia, int | float) or not low <= russia <= high
        ):
            raise ValueError(f"russia: {russia!r} is out of range; allowed: {low:g} to {high:g}")
        self.russia = None if russia is None else float(russia)
        self.by_index = dict(sorted(by_index.items()))

        def pick(name: str) -> tuple[np.ndarray, np.ndarray]:
            items = [(i, getattr(d, name)) for i, d in self.by_index.items() if getattr(d, name) is not None]
            return np.array([i for i, _ in items], dtype=np.int64), np.array([v for _, v in items], dtype=float)

        self._aid = {c: pick(c) for c in AID_CATEGORIES}
        self._posture = pick("posture")
        self._signal = pick("signal")
        back = [(i, d.back) for i, d in self.by_index.items() if d.back is not None]
        self._back = np.array([i for i, _ in back], dtype=np.int64), np.array([b for _, b in back], dtype=bool)

    def aid(self, m: MemberArrays, frac: np.ndarray, training_share: float) -> np.ndarray:
        """Replace the directed donors' aid by category (``m.aid_*``); return the share of capacity drawn.

        ``frac`` is the rule's share of capacity given this month (drawn from the stockpile); a directed
        donor's is the sum over categories of ``d_c x stockpile x share_c``.
        """
        shares = {"lethal": m.lethal_share, "training": np.full_like(m.lethal_share, training_share)}
        shares["nonlethal"] = 1.0 - shares["lethal"] - shares["training"]
        drawn = frac.copy()
        for c in AID_CATEGORIES:
            idx, value = self._aid[c]
            if not idx.size:
                continue
            given = value * m.stockpile[idx] * shares[c][idx]  # this category's share of capacity
            drawn[idx] += given - frac[idx] * shares[c][idx]  # in place of the rule's share for it
            column = getattr(m, f"aid_{c}").copy()  # a new array (see MemberArrays)
            column[idx] = given * m.willing[idx]
            setattr(m, f"aid_{c}", column)
        return drawn

    def posture(self, m: MemberArrays) -> np.ndarray:
        """The posture column with the directed donors' posture in place of the rule's."""
        idx, value = self._posture
        if not idx.size:
            return m.posture
        out = m.posture.copy()
        out[idx] = m.floor[idx] + (1.0 - m.floor[idx]) * value
        return out

    def backing(self, backers: np.ndarray, m: MemberArrays) -> np.ndarray:
        """The package's backers with the directed members' choice in place of the threshold (members only)."""
        idx, value = self._back
        if not idx.size:
            return backers
        out = backers.copy()
        out[idx] = value & (m.member[idx] == 1.0)
        return out

    def intensity(self, rule: float) -> float:
        """Russia's escalation intensity: the team's choice, else the rule's ``rule``."""
        return rule if self.russia is None else self.russia

    def ambiguity(self, lever: float, m: MemberArrays) -> float:
        """The alliance's ambiguity: the members' GDP-weighted signals, the lever for members without one."""
        idx, value = self._signal
        if not idx.size:
            return lever
        signal = np.full(m.aw.shape, lever)
        signal[idx] = value
        return float(m.aw.dot(signal))

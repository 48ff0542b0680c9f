"""The alliance's members and partners: their state and every member rule, in one place.

A member's state lives in :class:`MemberArrays`, one column per quantity and one entry per donor
(members and partners, in joining order): the month's member rules are array operations, which is
why a month costs about a hundred microseconds for 32 members. :class:`AllianceMember` is the
per-member view Mesa, the dashboard and the tests use; it holds no state of its own.

The month's member rules, called by the model in this order (docs/ODD.md, process overview):

1. :func:`perceive`: each donor's threat perception T moves toward the threat it reads in Russia's
   intensity (exposed members read more);
2. :func:`decide`: resolve, aid by category, stockpile, fatigue and posture, synchronously;
3. :func:`pledge`: backers pledge to a package of advanced systems in an order shuffled by the model's
   generator (the one member action whose order matters).

A **partner** (Finland and Sweden before they joined) gives aid and reads the threat like a member but
stands outside the alliance's deterrence (cohesion, credibility, posture) and its package quorum;
an accession changes its role, not whether it gives.

No module here imports plotting, the dashboard or file writers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from simulation import roster as rs

if TYPE_CHECKING:
    from simulation.model import EscalationModel

__all__ = ["MONTHS_PER_YEAR", "AllianceMember", "MemberArrays", "decide", "perceive", "pledge", "static_columns"]

#: Aid capacity is declared per year (share of GDP a year); flows are per month.
MONTHS_PER_YEAR = 12.0
#: Posture rises with the mean of resolve and threat (an average of two drivers, not a tunable weight:
#: ``members.posture_gain`` scales the rise).
POSTURE_DRIVER_MEAN = 0.5
#: A package backer pledges at most this many times its own share of the package: first movers carry
#: more, and no single member carries all of it (the shape of burden-sharing, not a calibrated value).
PLEDGE_CAP = 2.0


@dataclass
class MemberArrays:
    """Donor state as columns (one entry per donor: members and partners, in joining order).

    Rule: a column is updated by assigning a new array, never changed in place, because the model's
    member history keeps references to each month's arrays.
    """

    gdp: np.ndarray  # USD bn a year (the roster's unit)
    capacity: np.ndarray  # aid capacity, EUR bn per month
    exposure: np.ndarray
    hawk: np.ndarray  # structural hawkishness in [0, 1]
    risk: np.ndarray  # structural risk aversion in [0.5, 1]
    floor: np.ndarray  # posture floor from standing forces
    frontline: np.ndarray
    member: np.ndarray  # 1.0 for a member of the alliance, 0.0 for a partner
    aid_policy: np.ndarray  # this donor's own aid level, NaN: the alliance's aid_level
    resolve: np.ndarray
    threat: np.ndarray
    stockpile: np.ndarray
    fatigue: np.ndarray
    posture: np.ndarray
    aid_lethal: np.ndarray
    aid_nonlethal: np.ndarray
    aid_training: np.ndarray
    # derived each time the roster, a role or unity changes
    w: np.ndarray = field(default=None)  # GDP weights over every donor
    aw: np.ndarray = field(default=None)  # GDP weights over the alliance's members only (0 for partners)
    fear_mult: np.ndarray = field(default=None)  # effective hawkishness / donors' mean
    risk_mult: np.ndarray = field(default=None)
    lethal_share: np.ndarray = field(default=None)
    threat_mult: np.ndarray = field(default=None)

    DERIVED = ("w", "aw", "fear_mult", "risk_mult", "lethal_share", "threat_mult")

    @classmethod
    def empty(cls) -> MemberArrays:
        """No donors yet."""
        names = [f for f in cls.__dataclass_fields__ if f not in cls.DERIVED]
        return cls(**{n: np.zeros(0) for n in names})

    @property
    def aid_total(self) -> np.ndarray:
        """Aid of each donor this month, EUR bn."""
        return self.aid_lethal + self.aid_nonlethal + self.aid_training

    def append(self, cols: dict[str, np.ndarray]) -> None:
        """Add donors: one array per state column, each as long as the others."""
        for name, v in cols.items():
            setattr(self, name, np.concatenate([getattr(self, name), v]))

    def refresh(self, unity: float, mp: Any) -> None:
        """Recompute weights and unity-narrowed dispositions (after an accession or a unity change).

        Each donor's effective hawkishness and risk aversion are ``U * mean + (1 - U) * own``; the
        multipliers divide by the GDP-weighted mean so that a one-member alliance has multiplier 1
        (the Richardson limit).
        """
        self.w = self.gdp / self.gdp.sum()
        in_alliance = self.gdp * self.member
        self.aw = in_alliance / in_alliance.sum()
        hawk_bar = float(self.w @ self.hawk)
        risk_bar = float(self.w @ self.risk)
        eff_hawk = unity * hawk_bar + (1.0 - unity) * self.hawk
        self.fear_mult = unity + (1.0 - unity) * self.hawk / hawk_bar if hawk_bar > 0 else np.ones_like(self.hawk)
        self.risk_mult = unity + (1.0 - unity) * self.risk / risk_bar if risk_bar > 0 else np.ones_like(self.risk)
        # capped so that lethal + training never exceed all of the aid (the defaults stay below the cap)
        self.lethal_share = np.minimum(mp.lethal_base + mp.lethal_hawk * eff_hawk, 1.0 - mp.training_share)
        self.threat_mult = 1.0 + mp.exposure_weight * (self.exposure - float(self.w @ self.exposure))


@cache
def static_columns(
    specs: tuple[rs.MemberSpec, ...], capacity_share: float, posture_full_pct: float, eur_per_usd: float
) -> dict:
    """Static per-donor columns derived from the roster (cached: scenarios are immutable)."""
    gdp = np.array([s.gdp_usd_bn for s in specs])
    cols = {
        "gdp": gdp,
        "capacity": capacity_share * gdp * eur_per_usd / MONTHS_PER_YEAR,
        "exposure": np.array([rs.exposure(s) for s in specs]),
        "hawk": np.array([rs.hawkishness(s, posture_full_pct) for s in specs]),
        "risk": np.array([rs.risk_aversion(s) for s in specs]),
        "floor": np.minimum(1.0, np.array([s.defence_pct_gdp for s in specs]) / posture_full_pct),
        "frontline": np.array([float(s.frontline) for s in specs]),
    }
    for v in cols.values():
        v.flags.writeable = False  # shared by every model of this roster; concatenation copies them
    return cols


def new_columns(specs: tuple[rs.MemberSpec, ...], mp: Any, *, member: bool) -> dict[str, np.ndarray]:
    """Every column of new donors: the static ones and the initial state."""
    cols = dict(static_columns(tuple(specs), mp.capacity_share, mp.posture_full_pct, mp.eur_per_usd))
    n = len(specs)
    cols.update(
        member=np.full(n, 1.0 if member else 0.0),
        aid_policy=np.full(n, np.nan),
        resolve=np.full(n, mp.initial_resolve),
        threat=np.full(n, mp.initial_threat),
        stockpile=np.full(n, mp.initial_stockpile),
        fatigue=np.zeros(n),
        posture=cols["floor"].copy(),
        aid_lethal=np.zeros(n),
        aid_nonlethal=np.zeros(n),
        aid_training=np.zeros(n),
    )
    return cols


# ---------------------------------------------------------------------------------------------------
# the member rules of a month
# ---------------------------------------------------------------------------------------------------


def perceive(model: EscalationModel) -> None:
    """Phase 1: every donor's T moves toward the threat it reads in Russia's intensity.

    Exposed donors read more (``threat_mult``); spillover shocks were added when they struck.
    """
    m, mp = model.m, model.params.members
    reading = model.russia.intensity * m.threat_mult
    if model.bounded:
        reading = np.minimum(np.maximum(reading, 0.0), 1.0)
    mu = mp.perception_rate
    m.threat = (1.0 - mu) * m.threat + mu * reading


def decide(model: EscalationModel) -> None:
    """Phase 3: resolve, aid by category, stockpile, fatigue and posture of every donor at once.

    ``drive = k*T - a*r + g - q*max(0, y - y_fear) - phi*fatigue``;
    ``r <- r + response*[(1 - U)*drive + U*(mean drive + c*(mean r - r))]``;
    ``aid = level * r * s * capacity`` (EUR bn a month), split lethal / non-lethal / training by hawkishness,
    where ``level`` is the donor's own aid level if an event set one, else the alliance's ``aid_level``.
    """
    m, p, ra = model.m, model.params, model.params.richardson
    mp = p.members
    unity, y = model.member_unity, model.russia.intensity
    self_deterrence = mp.risk_aversion * max(0.0, y - mp.fear_threshold)
    drive = (
        ra.fear_alliance * m.fear_mult * m.threat
        - ra.restraint_alliance * m.resolve
        + ra.grievance_alliance * m.fear_mult * model.aid_level
        - self_deterrence * m.risk_mult
        - model.fatigue * mp.fatigue_weight * m.fatigue
    )
    mean_drive = float(m.w @ drive)
    mean_r = float(m.w @ m.resolve)
    consensus = mean_drive + mp.consensus_pull * (mean_r - m.resolve)
    r = m.resolve + ra.response * ((1.0 - unity) * drive + unity * consensus)
    if model.bounded:
        r = np.minimum(np.maximum(r, 0.0), 1.0)
    m.resolve = r
    level = np.where(np.isnan(m.aid_policy), model.aid_level, m.aid_policy)
    # share of capacity given this month; resolve beyond 1 (bounds off) cannot give beyond capacity
    frac = level * np.minimum(np.maximum(r, 0.0), 1.0) * m.stockpile
    aid = frac * m.capacity
    m.aid_lethal = aid * m.lethal_share
    m.aid_training = aid * mp.training_share
    m.aid_nonlethal = aid - m.aid_lethal - m.aid_training
    m.stockpile = np.minimum(
        np.maximum(m.stockpile - mp.depletion * frac + mp.replenish * (1.0 - m.stockpile), 0.0), 1.0
    )
    m.fatigue = m.fatigue + mp.fatigue_growth * frac * (1.0 - m.fatigue)
    drivers = POSTURE_DRIVER_MEAN * (np.minimum(r, 1.0) + np.minimum(m.threat, 1.0))
    m.posture = m.floor + (1.0 - m.floor) * mp.posture_gain * drivers


def pledge(model: EscalationModel, backers: np.ndarray, size: float) -> float:
    """Backers pledge to a package of ``size`` months of their capacity; return what was delivered (EUR bn).

    They pledge in an order shuffled by the model's generator, each up to ``PLEDGE_CAP`` times its own
    share, until the package is covered: first movers carry more (order matters here, so it is shuffled).
    A package draws stockpiles like regular aid (months of capacity drawn x depletion).
    """
    m = model.m
    total = size * float(m.capacity @ m.member)  # sized on the members' capacity: partners do not pledge
    remaining = total
    pledges = np.zeros_like(m.capacity)
    for i in model.rng.permutation(np.flatnonzero(backers)):
        give = min(remaining, PLEDGE_CAP * size * float(m.capacity[i]))
        pledges[i] = give
        remaining -= give
        if remaining <= 0.0:
            break
    m.aid_lethal = m.aid_lethal + pledges
    drawn = np.divide(pledges, m.capacity, out=np.zeros_like(pledges), where=m.capacity > 0)
    m.stockpile = np.maximum(m.stockpile - model.params.members.depletion * drawn, 0.0)
    return total - max(remaining, 0.0)


# ---------------------------------------------------------------------------------------------------
# the per-member view
# ---------------------------------------------------------------------------------------------------


class AllianceMember(mesa.Agent):
    """A member (or partner) state: a read-only view of column ``index`` of the model's member arrays.

    The rules that change its state are this module's :func:`perceive`, :func:`decide` and
    :func:`pledge`, applied to every donor at once.
    """

    def __init__(self, model: EscalationModel, spec: rs.MemberSpec, index: int):
        """Register a donor whose state is column ``index`` of the model's arrays."""
        super().__init__(model)
        self.spec = spec
        self.index = index
        self.iso3 = spec.iso3

    def _col(self, name: str) -> float:
        return float(getattr(self.model.m, name)[self.index])

    resolve = property(lambda self: self._col("resolve"), doc="Resolve r in [0, 1].")
    threat_perception = property(lambda self: self._col("threat"), doc="Threat perception T.")
    stockpile = property(lambda self: self._col("stockpile"), doc="Stockpile s in [0, 1].")
    posture = property(lambda self: self._col("posture"), doc="Force posture p in [0, 1].")
    fatigue = property(lambda self: self._col("fatigue"), doc="Aid fatigue in [0, 1].")
    aid_lethal = property(lambda self: self._col("aid_lethal"), doc="Lethal aid, EUR bn/month.")
    aid_nonlethal = property(lambda self: self._col("aid_nonlethal"), doc="Non-lethal aid, EUR bn/month.")
    aid_training = property(lambda self: self._col("aid_training"), doc="Training aid, EUR bn/month.")
    exposure = property(lambda self: self._col("exposure"), doc="Structural exposure in [0, 1].")
    is_member = property(lambda self: self._col("member") == 1.0, doc="In the alliance (False: a partner).")

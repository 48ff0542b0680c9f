"""The agents: alliance members, the alliance, Ukraine and Russia (docs/docs/MODEL.md sections 2-4).

Members decide synchronously: each reads the state at the start of the month, so the order in
which they act cannot change the outcome, and the model applies the member rule
(:meth:`AllianceMember.decide`) to every member at once as array operations. Each member is still a
Mesa agent, whose attributes read its column of the model's :class:`MemberArrays`. The one member
action whose order matters, pledging to a package of advanced systems, runs in an order shuffled by
the model's generator (:meth:`Alliance.release_packages`).

No module here imports plotting, the dashboard or file writers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulation import roster as rs

if TYPE_CHECKING:
    from simulation.model import EscalationModel

__all__ = ["Alliance", "AllianceMember", "MemberArrays", "Russia", "Ukraine", "clip01"]


def clip01(x: float, bounded: bool = True) -> float:
    """Clip a scalar to [0, 1] (no-op when bounds are off)."""
    if not bounded:
        return x
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


@dataclass
class MemberArrays:
    """Member state as columns (one entry per member, in joining order).

    Rule: a column is updated by assigning a new array, never changed in place, because the model's
    member history keeps references to each month's arrays.
    """

    gdp: np.ndarray
    capacity: np.ndarray  # aid capacity, USD bn per month
    exposure: np.ndarray
    hawk: np.ndarray  # structural hawkishness in [0, 1]
    risk: np.ndarray  # structural risk aversion in [0.5, 1]
    floor: np.ndarray  # posture floor from standing forces
    frontline: np.ndarray
    resolve: np.ndarray
    threat: np.ndarray
    stockpile: np.ndarray
    fatigue: np.ndarray
    posture: np.ndarray
    aid_lethal: np.ndarray
    aid_nonlethal: np.ndarray
    aid_training: np.ndarray
    # derived each time the roster or unity changes
    w: np.ndarray = field(default=None)  # GDP weights
    fear_mult: np.ndarray = field(default=None)  # effective hawkishness / alliance mean
    risk_mult: np.ndarray = field(default=None)
    lethal_share: np.ndarray = field(default=None)
    threat_mult: np.ndarray = field(default=None)

    @property
    def aid_total(self) -> np.ndarray:
        """Aid of each member this month, USD bn."""
        return self.aid_lethal + self.aid_nonlethal + self.aid_training


class AllianceMember(mesa.Agent):
    """A member state. Its state lives in column ``index`` of the model's member arrays.

    Rule (docs/MODEL.md section 4, Richardson's "fear - restraint + grievance" plus the essay's frictions):
    ``drive = k*T - a*r + g - q*max(0, y - y_fear) - phi*fatigue``;
    ``r <- r + dt*[(1 - U)*drive + U*(mean drive + c*(mean r - r))]``;
    ``aid = aid_level * r * s * capacity``, split lethal / non-lethal / training by hawkishness.
    """

    def __init__(self, model: EscalationModel, spec: rs.MemberSpec, index: int):
        """Register a member whose state is column ``index`` of the model's arrays."""
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
    aid_lethal = property(lambda self: self._col("aid_lethal"), doc="Lethal aid, USD bn/month.")
    aid_nonlethal = property(lambda self: self._col("aid_nonlethal"), doc="Non-lethal aid.")
    aid_training = property(lambda self: self._col("aid_training"), doc="Training aid.")
    exposure = property(lambda self: self._col("exposure"), doc="Structural exposure in [0, 1].")

    @staticmethod
    def perceive(model: EscalationModel) -> None:
        """Phase 1: every member's T moves toward the threat it reads in Russia's intensity.

        Exposed members read more (``threat_mult``); spillover shocks were added when they struck.
        """
        m, mp = model.m, model.sc.members
        reading = model.russia.intensity * m.threat_mult
        if model.bounded:
            reading = np.minimum(np.maximum(reading, 0.0), 1.0)
        mu = mp.perception_rate
        m.threat = (1.0 - mu) * m.threat + mu * reading

    @staticmethod
    def decide(model: EscalationModel) -> None:
        """Phase 3: resolve, aid by category, stockpile, fatigue and posture of every member at once."""
        m, sc, ra = model.m, model.sc, model.sc.richardson
        mp = sc.members
        unity, y, dt = model.member_unity, model.russia.intensity, ra.dt
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
        r = m.resolve + dt * ((1.0 - unity) * drive + unity * (mean_drive + mp.consensus_pull * (mean_r - m.resolve)))
        if model.bounded:
            r = np.minimum(np.maximum(r, 0.0), 1.0)
        m.resolve = r
        # share of capacity given this month; resolve beyond 1 (bounds off) cannot give beyond capacity
        frac = model.aid_level * np.minimum(np.maximum(r, 0.0), 1.0) * m.stockpile
        aid = frac * m.capacity
        m.aid_lethal = aid * m.lethal_share
        m.aid_training = aid * mp.training_share
        m.aid_nonlethal = aid - m.aid_lethal - m.aid_training
        m.stockpile = np.minimum(
            np.maximum(m.stockpile - mp.depletion * frac + mp.replenish * (1.0 - m.stockpile), 0.0), 1.0
        )
        m.fatigue = m.fatigue + mp.fatigue_growth * frac * (1.0 - m.fatigue)
        m.posture = m.floor + (1.0 - m.floor) * mp.posture_gain * 0.5 * (np.minimum(r, 1.0) + np.minimum(m.threat, 1.0))


class Alliance(mesa.Agent):
    """The collective: cohesion, credibility, posture, the deterrence signal and packages.

    ``C = 1 - c_disp * std_w(r)``; ``Cr = C^2 * (1 - ambiguity/2)``; ``D = Cr * P`` where P is the
    GDP-weighted posture. Deterrence rests on the alliance's own forces and cohesion (Article 5
    credibility), not on how much it gives Ukraine (docs/MODEL.md section 4).
    """

    def __init__(self, model: EscalationModel):
        """Start with no pending package."""
        super().__init__(model)
        self.effort = 0.0
        self.cohesion = 1.0
        self.credibility = 0.0
        self.posture = 0.0
        self.deterrence = 0.0
        self.pending: list[tuple[int, float]] = []  # (month proposed, size in months of capacity)
        self.decision_delay = 0

    def assess(self) -> None:
        """Phase 2: aggregate the members' state into cohesion, credibility and deterrence."""
        model = self.model
        m = model.m
        mean_r = float(m.w @ m.resolve)
        spread = math.sqrt(max(0.0, float(m.w @ (m.resolve - mean_r) ** 2)))
        # GDP weights sum to 1 only up to rounding: keep the unit-interval aggregates in [0, 1]
        self.effort = clip01(mean_r, model.bounded)
        self.cohesion = clip01(1.0 - model.sc.alliance.cohesion_dispersion * spread)
        self.credibility = self.cohesion**2 * (1.0 - model.ambiguity / 2.0)
        self.posture = clip01(float(m.w @ m.posture))
        self.deterrence = self.credibility * self.posture

    def release_packages(self, month: int) -> float:
        """Phase 2: propose and release packages of advanced systems; return lethal aid added (USD bn).

        A package goes out when the GDP-weighted share of members whose resolve passes the threshold
        reaches the quorum; until then it waits (the decision delay). Backers pledge in an order
        shuffled by the model's generator, each up to twice its share, until the package is covered:
        first movers carry more (order matters here, so it is shuffled).
        """
        model, m, al = self.model, self.model.m, self.model.sc.alliance
        if month % al.package_interval == 0 and not self.pending:
            self.pending.append((month, al.package_size))
        if not self.pending:
            self.decision_delay = 0
            return 0.0
        backers = m.resolve >= al.package_threshold
        if float(m.w @ backers) < al.package_quorum:
            self.decision_delay = month - self.pending[0][0]
            return 0.0
        size = sum(s for _, s in self.pending) * model.aid_level
        waited = month - self.pending[0][0]
        self.pending.clear()
        self.decision_delay = 0
        total = size * model._capacity
        remaining = total
        pledges = np.zeros_like(m.capacity)
        for i in model.rng.permutation(np.flatnonzero(backers)):
            give = min(remaining, 2.0 * size * float(m.capacity[i]))
            pledges[i] = give
            remaining -= give
            if remaining <= 0.0:
                break
        delivered = total - max(remaining, 0.0)
        m.aid_lethal = m.aid_lethal + pledges
        drawn = np.divide(pledges, m.capacity, out=np.zeros_like(pledges), where=m.capacity > 0)
        # drawn is in months of capacity, as frac is for regular aid
        m.stockpile = np.maximum(m.stockpile - model.sc.members.depletion * drawn, 0.0)
        when = f"after {waited} months of deliberation" if waited else "as soon as it is proposed"
        model.log_event(
            "alliance",
            "package",
            f"The alliance releases a package of advanced systems (USD {delivered:.1f} bn) {when}",
        )
        return delivered


class Ukraine(mesa.Agent):
    """Ukraine: capacity u, territory held tau, training level and morale.

    u grows with absorbed aid (training raises the share absorbed) and its own regeneration, and
    decays with attrition by Russia's committed force F; territory moves with combat power against F.
    """

    def __init__(self, model: EscalationModel):
        """Start from the scenario's initial conditions."""
        super().__init__(model)
        uk = model.sc.ukraine
        self.capacity = uk.initial_capacity
        self.territory = uk.initial_territory
        self.training = uk.initial_training
        self.morale = uk.initial_morale
        self.losses = 0.0
        self.history: list[float] = [self.territory]

    def fight(self, lethal: float, nonlethal: float, training: float, force: float, ceasefire: bool) -> float:
        """Phase 4: absorb this month's aid (shares of alliance capacity) and fight; return Russia's losses."""
        uk = self.model.sc.ukraine
        absorb = uk.absorb_base + (1.0 - uk.absorb_base) * self.training
        absorbed = (lethal + 0.5 * nonlethal) * absorb
        self.training += uk.training_rate * training * (1.0 - self.training) - uk.training_decay * self.training
        self.training = clip01(self.training)
        u = self.capacity
        u += uk.aid_effect * absorbed * (1.0 - u) + uk.regeneration * (1.0 - u) - uk.attrition * force * u
        self.capacity = clip01(u)
        # Combat power: capacity scaled by morale, plus the firepower of the weapons delivered this month.
        power = self.capacity * (0.5 + 0.5 * self.morale) + uk.firepower * lethal * absorb
        engagement = 0.1 if ceasefire else 1.0
        balance = power - self.model.sc.russia.force_ratio * force
        d_tau = uk.territory_rate * balance * engagement
        self.territory = clip01(self.territory + d_tau)
        target = clip01(0.5 + 0.5 * balance + 20.0 * d_tau)
        self.morale += uk.morale_rate * (target - self.morale)
        self.losses = uk.casualty_rate * force * (1.0 - 0.5 * power) * engagement
        self.history.append(self.territory)
        return uk.casualty_rate * power * force * engagement


class Russia(mesa.Agent):
    """Russia: threat perception theta, escalation intensity y, ladder rung, committed force, talks.

    ``theta <- (1-mu_R)*theta + mu_R*clip((w_l*lethal + w_n*nonlethal + w_t*training + w_p*P
    + w_e*expansion + w_x*effort) * (1 - ambiguity/2) * exp(eps))``, eps ~ N(0, sigma);
    ``drive = (1-iota)*l*theta + iota*opportunity*(1-D) - b*y + h - iota*d*D + w_loss*losses
    - restraint``; ``y <- y + dt*drive + sigma*noise*N(0, 1)``.
    """

    def __init__(self, model: EscalationModel):
        """Start from the scenario's initial conditions."""
        super().__init__(model)
        ru = model.sc.russia
        self.intensity = ru.initial_intensity
        self.threat = ru.initial_threat
        self.rung = ru.initial_rung if ru.initial_rung >= 0 else model.ladder.rung_of(self.intensity)
        self.force = self.intensity
        self.losses = 0.0
        self.expansion = 0.0
        self.shock = 0.0  # this month's misperception shock eps
        self.negotiating = False
        self.ceasefire = False
        self.talk_months = 0

    def perceive(self, flows: tuple[float, float, float], eps: float) -> None:
        """Phase 1: read last month's aid flows, posture, expansion and effort through the filter."""
        model, ru = self.model, self.model.sc.russia
        lethal, nonlethal, training = flows
        al = model.alliance
        reading = (
            ru.w_lethal * lethal
            + ru.w_nonlethal * nonlethal
            + ru.w_training * training
            + ru.w_posture * al.posture
            + ru.w_expansion * self.expansion
            + ru.w_effort * al.effort
        ) * (1.0 - model.ambiguity / 2.0)
        self.shock = eps
        if eps != 0.0:
            reading *= math.exp(eps)
        self.threat = (1.0 - ru.perception_rate) * self.threat + ru.perception_rate * clip01(reading, model.bounded)
        self.expansion *= 1.0 - ru.expansion_decay

    def decide(self, noise: float, jump_draw: float) -> int:
        """Phase 5: move intensity and climb or descend the ladder; return the previous rung."""
        model, ru, ra = self.model, self.model.sc.russia, self.model.sc.richardson
        iota, sigma = model.russia_intent, model.misperception
        D = model.alliance.deterrence
        restraint = ru.ceasefire_restraint if self.ceasefire else ru.negotiation_restraint if self.negotiating else 0.0
        y = self.intensity
        drive = (
            (1.0 - iota) * ra.fear_russia * self.threat
            + iota * ru.opportunity * (1.0 - D)
            - ra.restraint_russia * y
            + ra.grievance_russia
            - iota * ru.deterrence_weight * D
            + ru.loss_weight * self.losses
            - restraint
        )
        self.intensity = clip01(y + ra.dt * drive + sigma * ru.noise * noise, model.bounded)
        self.force += ru.force_rate * (min(max(self.intensity, 0.0), 1.0) - self.force)
        before = self.rung
        self.rung = model.ladder.next_rung(before, self.intensity, jump=jump_draw < ru.jump_chance * sigma)
        return before

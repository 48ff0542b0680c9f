"""The collective actors: the alliance, Ukraine and Russia (docs/MODEL.md sections 2-4).

The members and partners, their state and their rules, are in :mod:`simulation.members`.

Russia has two state variables that the history of 2022-2024 keeps apart: its **committed force F**
against Ukraine (the war: war aims, mobilisation when losing, and the force its escalation brings) and
its **escalation intensity y** against the alliance, read on Kahn's ladder (threat perception,
deterrence, losses). A large war with escalation against the alliance kept to signalling is a state
the model can be in.

Aid enters in EUR bn a month and is read against Russia's monthly war spending
(``russia.war_spending``): its absolute size matters, to Ukraine's fighting power and to Russia's
threat perception alike.

No module here imports plotting, the dashboard or file writers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulation import members
from simulation.members import kernel

if TYPE_CHECKING:
    from simulation.model import EscalationModel

__all__ = ["Alliance", "Russia", "Ukraine", "clip01", "weighted_moments"]

#: Non-lethal aid (vehicles, fuel, medical, demining) adds to Ukraine's capacity at half the weight of
#: weapons: a design constant of docs/MODEL.md section 4 ("lethal weighs more"), not calibrated.
NONLETHAL_ABSORB_WEIGHT = 0.5
#: Combat power is capacity scaled between half (morale 0) and all of it (morale 1): morale multiplies,
#: it cannot create or remove more than half of a force's power (a bound of the form, not a rate).
MORALE_FLOOR = 0.5
#: Morale's target moves with the month's territorial change, 20 times as strongly as with the force
#: balance: a month's gain of 1% of the country lifts morale as much as a balance of 0.2 (design form).
MORALE_MOMENTUM = 20.0
#: Fighting continues at a tenth of its intensity under a ceasefire (skirmishes along the line).
CEASEFIRE_ENGAGEMENT = 0.1
#: Ukraine's own losses fall by at most half with its combat power (it defends; design form).
LOSS_SHIELD = 0.5


def clip01(x: float, bounded: bool = True) -> float:
    """Clip a scalar to [0, 1] (no-op when bounds are off)."""
    if not bounded:
        return x
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


class Alliance(mesa.Agent):
    """The collective: cohesion, credibility, posture, the deterrence signal and packages.

    ``C = 1 - c_disp * std_w(r)``; ``Cr = C^2 * (1 - ambiguity/2)``; ``D = Cr * P`` where P is the
    GDP-weighted posture, all over the alliance's members (partners stand outside its deterrence).
    Deterrence rests on the alliance's own forces and cohesion (Article 5 credibility), not on how
    much it gives Ukraine (docs/MODEL.md section 4).
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
        mean_r, variance, posture = weighted_moments(m.aw, m.resolve, m.posture)
        spread = math.sqrt(max(0.0, variance))
        # GDP weights sum to 1 only up to rounding: keep the unit-interval aggregates in [0, 1]
        self.effort = clip01(mean_r, model.bounded)
        self.cohesion = clip01(1.0 - model.params.alliance.cohesion_dispersion * spread)
        ambiguity = model.ambiguity if model.directives is None else model.directives.ambiguity(model.ambiguity, m)
        self.credibility = self.cohesion**2 * (1.0 - ambiguity / 2.0)
        self.posture = clip01(posture)
        self.deterrence = self.credibility * self.posture

    def release_packages(self, month: int) -> float:
        """Phase 2: propose and release packages of advanced systems; return lethal aid added (EUR bn).

        A package goes out when the GDP-weighted share of members whose resolve passes the threshold
        reaches the quorum; until then it waits (the decision delay). Partners neither vote nor pledge.
        """
        model, m, al = self.model, self.model.m, self.model.params.alliance
        if month % al.package_interval == 0 and not self.pending:
            self.pending.append((month, al.package_size))
        if not self.pending:
            self.decision_delay = 0
            return 0.0
        # m.may_back: members whose aid level is not zero (the US hold), read by members.decide this month
        backers = _backers(m.resolve, al.package_threshold, m.may_back)
        if model.directives is not None:  # players' decisions (simulation.directives)
            backers = model.directives.backing(backers, m)
        if _share(m.aw, backers) < al.package_quorum:
            self.decision_delay = month - self.pending[0][0]
            return 0.0
        size = sum(s for _, s in self.pending) * model.aid_level
        waited = month - self.pending[0][0]
        self.pending.clear()
        self.decision_delay = 0
        delivered = members.pledge(model, backers, size)
        when = f"after {waited} months of deliberation" if waited else "as soon as it is proposed"
        model.log_event(
            "alliance",
            "package",
            f"The alliance releases a package of advanced systems (EUR {delivered:.1f} bn) {when}",
        )
        return delivered


@kernel
def weighted_moments(w, a, b):
    """``w``-weighted mean and variance of ``a`` and mean of ``b``, summed in donor order.

    ``Alliance.assess`` reads resolve and posture; the model's metrics resolve and threat perception.
    """
    mean_a = mean_b = 0.0
    for i in range(w.size):
        mean_a += w[i] * a[i]
        mean_b += w[i] * b[i]
    variance = 0.0
    for i in range(w.size):
        variance += w[i] * (a[i] - mean_a) ** 2
    return mean_a, variance, mean_b


@kernel
def _backers(resolve, threshold, may_back):
    """Members whose resolve passes the package threshold and whose aid level is not zero (``release_packages``)."""
    backers = np.empty(resolve.size, dtype=np.bool_)
    for i in range(resolve.size):
        backers[i] = resolve[i] >= threshold and may_back[i]
    return backers


@kernel
def _share(w, backers):
    """The weighted share of the backers (in donor order)."""
    share = 0.0
    for i in range(w.size):
        if backers[i]:
            share += w[i]
    return share


class Ukraine(mesa.Agent):
    """Ukraine: capacity u, territory held tau, training level, morale and the front's fortification.

    u grows with absorbed aid (training raises the share absorbed) and its own regeneration, and
    decays with attrition by Russia's committed force F; territory moves with combat power against F,
    once the balance overcomes the fortification both sides have built (the 2023 positional war).
    """

    def __init__(self, model: EscalationModel):
        """Start from the scenario's initial conditions."""
        super().__init__(model)
        uk = model.params.ukraine
        self.capacity = uk.initial_capacity
        self.territory = uk.initial_territory
        self.training = uk.initial_training
        self.morale = uk.initial_morale
        self.fortification = 0.0
        self.power = 0.0
        self.gain = 0.0  # territory retaken this month (Russia's setback)
        self.lost = 0.0  # territory Russia took this month
        self.losses = 0.0
        self.history: list[float] = [self.territory]

    def fight(
        self, lethal: float, nonlethal: float, training: float, force: float, ceasefire: bool, luck: float = 0.0
    ) -> float:
        """Phase 4: absorb this month's aid (relative to Russia's war spending) and fight; return Russia's losses.

        ``luck`` is this month's standard normal draw for the fortunes of war (``ukraine.combat_noise``).
        """
        model = self.model
        uk = model.params.ukraine
        absorb = uk.absorb_base + (1.0 - uk.absorb_base) * self.training
        absorbed = (lethal + NONLETHAL_ABSORB_WEIGHT * nonlethal) * absorb
        self.training += uk.training_rate * training * (1.0 - self.training) - uk.training_decay * self.training
        self.training = clip01(self.training)
        u = self.capacity
        u += uk.aid_effect * absorbed * (1.0 - u) + uk.regeneration * (1.0 - u) - uk.attrition * force * u
        self.capacity = clip01(u)
        # Combat power: capacity scaled by morale, plus the firepower of the weapons delivered this
        # month, more of it once capability thresholds (long-range fires, tanks, aircraft) are crossed.
        firepower = uk.firepower * (1.0 + uk.capability_gain * model.capability)
        self.power = self.capacity * (MORALE_FLOOR + (1.0 - MORALE_FLOOR) * self.morale) + firepower * lethal * absorb
        engagement = CEASEFIRE_ENGAGEMENT if ceasefire else 1.0
        balance = self.power - model.params.russia.force_ratio * force + uk.combat_noise * luck
        # An offensive needs a margin of combat power, and fortification absorbs a further part of
        # any advantage (entrenchment_scale) and slows what gets through (fortification_drag).
        self.fortification += uk.entrenchment_rate * (1.0 - self.fortification)
        edge = uk.entrenchment_scale * self.fortification + uk.offensive_margin
        effective = math.copysign(max(abs(balance) - edge, 0.0), balance)
        d_tau = uk.territory_rate * effective * engagement / (1.0 + uk.fortification_drag * self.fortification)
        before = self.territory
        self.territory = clip01(self.territory + d_tau)
        moved = self.territory - before
        # An advance overruns the lines it crosses (breakthrough) and spends the attacker's strength
        # (culmination: Ukraine's capacity here, Russia's committed force in Russia.decide).
        self.fortification = max(self.fortification - uk.breakthrough * abs(moved), 0.0)
        self.capacity = clip01(self.capacity - uk.culmination * max(moved, 0.0))
        self.lost = max(-moved, 0.0)
        target = clip01(MORALE_FLOOR + (1.0 - MORALE_FLOOR) * balance + MORALE_MOMENTUM * d_tau)
        self.morale += uk.morale_rate * (target - self.morale)
        self.losses = uk.casualty_rate * force * (1.0 - LOSS_SHIELD * self.power) * engagement
        self.history.append(self.territory)
        self.gain = max(0.0, self.territory - self.history[-2])
        return uk.casualty_rate * self.power * force * engagement


class Russia(mesa.Agent):
    """Russia: threat perception theta, escalation intensity y, ladder rung, committed force F, talks.

    ``theta <- (1-mu_R)*theta + mu_R*clip((w_l*lethal + w_n*nonlethal + w_t*training + w_c*capability
    + w_p*P + w_e*expansion + w_x*effort) * (1 - ambiguity/2) * exp(eps))``, eps ~ N(0, sigma), aid
    read as EUR bn a month over Russia's war spending;
    ``drive = (1-iota)*l*theta + iota*opportunity*(1-D) - b*y + h - iota*d*D + w_loss*losses
    + w_setback*(territory Ukraine retook this month) - restraint``; ``y <- y + response*drive + sigma*noise*N(0, 1)``;
    ``F <- F + force_rate*(clip(war_aim + war_escalation*y) - F) + mobilisation*shortfall``.
    """

    def __init__(self, model: EscalationModel):
        """Start from the scenario's initial conditions."""
        super().__init__(model)
        ru = model.params.russia
        self.intensity = ru.initial_intensity
        self.threat = ru.initial_threat
        self.rung = ru.initial_rung if ru.initial_rung >= 0 else model.ladder.rung_of(self.intensity)
        self.force = ru.initial_force if ru.initial_force >= 0 else self.intensity
        self.losses = 0.0
        self.expansion = 0.0
        self.shock = 0.0  # this month's misperception shock eps
        self.negotiating = False
        self.ceasefire = False
        self.talk_months = 0
        self.reserves = 0.0  # called-up force not yet at the front
        self.mobilised = 0.0  # mobilised force that has reached the front (it raises the force's target)
        # the tracks of Russia's escalation beside the intensity y (docs/ODD.md section 7.4)
        self.ladder_rung = self.rung  # the rung y reads on the ladder (with hysteresis)
        self.signalling = False  # a nuclear-signalling episode this month
        self.pressure = 0.0  # the triggers' pressure on the episode hazard
        self.triggers = 0.0  # triggers of this month's events (capability crossed, accessions), for next month
        st = model.params.strikes
        self.strike_production = 1.0  # missiles and drones made a month, in month-0 production
        self.strike_stock = st.initial_stock
        self.strike_effort = 0.0  # share of the stock fired a month
        self.strike_launches = 0.0
        self.campaign = 0.0  # the hybrid campaign against members, in [0, 1]

    def perceive(self, flows: tuple[float, float, float], eps: float) -> None:
        """Phase 1: read last month's aid (over war spending), capability, posture, expansion and effort."""
        model, ru = self.model, self.model.params.russia
        lethal, nonlethal, training = flows
        al = model.alliance
        reading = (
            ru.w_lethal * lethal
            + ru.w_nonlethal * nonlethal
            + ru.w_training * training
            + ru.w_capability * model.capability
            + ru.w_posture * al.posture
            + ru.w_expansion * self.expansion
            + ru.w_effort * al.effort
        ) * (1.0 - model.ambiguity / 2.0)
        self.shock = eps
        if eps != 0.0:
            reading *= math.exp(eps)
        self.threat = (1.0 - ru.perception_rate) * self.threat + ru.perception_rate * clip01(reading, model.bounded)
        self.expansion *= 1.0 - ru.expansion_decay

    def decide(self, noise: float, jump_draw: float, episode_draw: float = 1.0) -> int:
        """Phase 5: move intensity, climb or descend the ladder, commit force, strike, signal; return the previous rung.

        The month's rung is derived from the tracks: the rung y reads on the ladder, raised to the
        signalling rung during a nuclear-signalling episode.
        """
        model, ru, ra = self.model, self.model.params.russia, self.model.params.richardson
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
            + ru.setback_weight * model.ukraine.gain
            - restraint
        )
        self.intensity = clip01(y + ra.response * drive + sigma * ru.noise * noise, model.bounded)
        if model.directives is not None:  # a team plays Russia's leadership (simulation.directives)
            self.intensity = model.directives.intensity(self.intensity)
        # The war: force follows its own target (war aims plus what escalation brings) and grows by
        # mobilisation while Ukraine's combat power exceeds Russia's.
        shortfall = max(0.0, model.ukraine.power - ru.force_ratio * self.force)
        # mobilised reserves reach the front over months (reserve_arrival; 1: at once) and stay
        # committed: what has arrived raises the force's target too, so the war aims grow with it
        self.reserves += ru.mobilisation * shortfall
        arriving = ru.reserve_arrival * self.reserves
        self.reserves -= arriving
        self.mobilised += arriving
        target = clip01(ru.war_aim + ru.war_escalation * min(max(self.intensity, 0.0), 1.0) + self.mobilised)
        spent = model.params.ukraine.culmination * model.ukraine.lost
        self.force = clip01(self.force + ru.force_rate * (target - self.force) + arriving - spent)
        before = self.rung
        self.ladder_rung = model.ladder.next_rung(
            self.ladder_rung, self.intensity, jump=jump_draw < ru.jump_chance * sigma
        )
        self._strike()
        self._hybrid()
        self._signal(episode_draw)
        self.rung = max(self.ladder_rung, model.ladder.signalling_rung) if self.signalling else self.ladder_rung
        return before

    def _strike(self) -> None:
        """The strike campaign on Ukraine: production grows, the stock fills, the effort fires a share of it.

        ``target = clip(effort_base + effort_escalation y + effort_setback gain)``; the effort follows it
        at ``effort_rate``; ``launches = effort x stock`` (after this month's production is added). In the
        long run launches follow production; a change of effort fires or saves the stock (docs/ODD.md 7.4).
        """
        model, st = self.model, self.model.params.strikes
        y = min(max(self.intensity, 0.0), 1.0)
        target = clip01(st.effort_base + st.effort_escalation * y + st.effort_setback * model.ukraine.gain)
        self.strike_effort += st.effort_rate * (target - self.strike_effort)
        self.strike_stock += self.strike_production
        self.strike_launches = self.strike_effort * self.strike_stock
        self.strike_stock -= self.strike_launches
        self.strike_production *= 1.0 + st.growth

    def _hybrid(self) -> None:
        """Russia's hybrid campaign against members builds toward its threat perception (``campaign_build``)."""
        build = self.model.params.spillover.campaign_build
        self.campaign = clip01(self.campaign + build * (self.threat - self.campaign))

    def _signal(self, draw: float) -> None:
        """Nuclear signalling in episodes: started by triggers, ended by chance (docs/ODD.md section 7.5).

        The hazard is ``base_rate + pressure``, scaled by this month's misperception shock exp(eps);
        pressure is ``memory x pressure + w_setback x gain + last month's event triggers`` (capability
        crossed, accessions). An episode ends each month with probability 1 / duration.
        """
        model, sg = self.model, self.model.params.signalling
        self.pressure = sg.memory * self.pressure + sg.w_setback * model.ukraine.gain + self.triggers
        self.triggers = 0.0
        if self.signalling:
            self.signalling = draw >= 1.0 / sg.duration
            return
        hazard = (sg.base_rate + self.pressure) * math.exp(self.shock)
        if hazard > 0.0 and draw < -math.expm1(-hazard):
            self.signalling = True
            self.pressure = 0.0  # the episode answers the triggers so far

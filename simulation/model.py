"""The escalation model: alliance members, the alliance, Ukraine and Russia in one Mesa model.

One step is one month, in the order of docs/MODEL.md section 3 (docs/ODD.md, process overview):

1. perception (``members.perceive``: donors' T, then their neighbours'; ``Russia.perceive``: theta);
   domestic politics (``members.politics``: support, government stance, this month's elections);
2. alliance aggregates (``Alliance.assess``: cohesion, credibility, deterrence);
3. members decide resolve, aid and posture (``members.decide``: with their government's stance and
   burden-sharing), then packages (``Alliance.release_packages``, pledged by ``members.pledge``);
4. Ukraine absorbs aid and fights (``Ukraine.fight``);
5. Russia decides intensity and committed force and moves on the ladder (``Russia.decide``); spillover
   incidents (``members.spill``: the shock spreads to neighbours), talks and ceasefire;
6. scheduled events fire and metrics are collected.

Every random draw comes from ``self.rng`` (Mesa's numpy generator), in a fixed number per month, so
the same scenario and seed give bit-identical results. The model returns data; it writes no files.
"""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from simulation import members
from simulation import roster as rs
from simulation.agents import Alliance, Russia, Ukraine, clip01, weighted_moments
from simulation.calendar import date_of
from simulation.directives import Directive, Directives
from simulation.ladder import Ladder
from simulation.members import MONTHS_PER_YEAR, UNDATED_START, AllianceMember, MemberArrays, kernel
from simulation.metrics import MEMBER_COLUMNS, STEP_COLUMNS
from simulation.parameters import LEVERS
from simulation.scenario import Scenario, load_scenario

__all__ = ["EscalationModel"]

#: Member state kept each month at the end of the member history, with its MEMBER_COLUMNS name (issue 11).
POLITICS = (("support", "support"), ("stance", "government_stance"))

#: Normal draws every month (perception error, intensity noise, fortunes of war), for the same reason.
NORMALS_PER_MONTH = 3
#: Uniform draws every month (ladder jump, talks, ceasefire break, a signalling episode's start or
#: end): a fixed count keeps the random stream aligned whatever happens, so same seed = same run.
UNIFORMS_PER_MONTH = 4
#: The member state kept each month for the members table, in MEMBER_COLUMNS order.
SNAPSHOT = MEMBER_COLUMNS[2:10]


class EscalationModel(mesa.Model):
    """Escalation between an alliance, Ukraine and Russia (docs/MODEL.md).

    Args:
        scenario: a Scenario, a shipped scenario's name or a scenario file (default ``"baseline"``).
        rng: seed or numpy Generator, passed to ``mesa.Model`` (``mesa.batch_run`` passes it).
        **overrides: flat overrides of top-level parameters (``aid_level=0.8``), so that
            ``mesa.batch_run`` and Solara's ``model_params`` can drive the model unchanged.

    Attributes:
        config: the validated Scenario (``model.scenario`` is Mesa's own, used by SolaraViz).
        params: the validated parameter values (``model.params.russia.opportunity``).
        date: the current month as ``YYYY-MM`` when the scenario has a ``start``, else None.
        datacollector: model-level metrics of docs/MODEL.md section 7, one row per month from month 0.
        events: narrative records ``(month, actor, kind, description)``.
    """

    def __init__(self, scenario: Scenario | str | Path = "baseline", rng: Any = None, **overrides: Any):
        """Build the agents from the scenario; month 0 is collected at once."""
        super().__init__(rng=rng)
        self.config = load_scenario(scenario, overrides)
        p = self.params = self.config.values
        self.bounded = p.bounded
        for name in LEVERS:
            setattr(self, name, float(getattr(p, name)))
        self.horizon = p.steps
        self.start = p.start or None
        self.ladder = Ladder(p.ladder.thresholds, p.ladder.names, p.ladder.hysteresis)
        self.events: list[tuple[int, str, str, str]] = []
        self._timeline: dict[int, list[Any]] = {}
        for ev in p.events:
            self._timeline.setdefault(ev.month, []).append(ev)

        self.member_agents: list[AllianceMember] = []
        self.donor_index: dict[str, int] = {}  # ISO3 -> column of the member arrays
        # month -> members voting (the sourced calendar, then every members.election_term months)
        self.elections = members.election_calendar(self.start or UNDATED_START, self.horizon, p.members.election_term)
        self.m = MemberArrays.empty()
        self.directives: Directives | None = None  # players' decisions (set_directives); None: the model's rules
        self._add_members(self.config.members, member=True)
        self._add_members(self.config.partners, member=False)
        self._refresh_dispositions()
        self.alliance = Alliance(self)
        self.ukraine = Ukraine(self)
        self.russia = Russia(self)
        self.alliance.assess()

        self.spillover_incidents = 0
        self.hybrid_attacks = 0  # incidents this month (spillover_incidents counts them all)
        self.struck = ()
        self.ceasefire_month: int | None = None
        self._member_history: list[tuple[np.ndarray, ...]] = []
        self._flows = (0.0, 0.0, 0.0)  # lethal, non-lethal, training aid of the last month, EUR bn
        self.datacollector = ScalarCollector(STEP_COLUMNS)
        self._update_metrics(0)

    # ---------------------------------------------------------------------------------------------
    # roster
    # ---------------------------------------------------------------------------------------------

    def _add_members(self, specs: tuple[rs.MemberSpec, ...] | list[rs.MemberSpec], *, member: bool) -> None:
        """Append donors (the roster at month 0, partners, or an accession): their columns and their agents."""
        if not specs:
            return
        self.m.append(members.new_columns(tuple(specs), self.params.members, member=member))
        for spec in specs:
            self.donor_index[spec.iso3] = len(self.member_agents)
            self.member_agents.append(AllianceMember(self, spec, len(self.member_agents)))

    def _refresh_dispositions(self) -> None:
        """Recompute weights and unity-narrowed dispositions (after an accession or a unity change)."""
        self.m.refresh(self.member_unity, self.params.members, tuple(self.donor_index))
        self.members = self.agents_by_type[AllianceMember]

    def set_directives(self, decisions: dict[str, Directive] | None, russia: float | None = None) -> None:
        """Let players decide for donors (``{ISO3: Directive}``) and Russia from the next month on, until changed.

        Every field a directive leaves ``None``, every donor not named, and Russia when ``russia`` (its
        escalation intensity) is None, follow the model's rules; ``None`` or ``{}`` and no ``russia``
        give everything back to the model (:mod:`simulation.directives`).

        Raises:
            KeyError: a code that is not one of the model's donors.
            ValueError: ``russia`` out of its range.
        """
        unknown = sorted(set(decisions or {}) - set(self.donor_index))
        if unknown:
            raise KeyError(f"not a donor of this model: {', '.join(unknown)}; donors: {', '.join(self.donor_index)}")
        chosen = {self.donor_index[c]: d for c, d in (decisions or {}).items()}
        self.directives = Directives(chosen, russia) if chosen or russia is not None else None

    # ---------------------------------------------------------------------------------------------
    # the month
    # ---------------------------------------------------------------------------------------------

    def step(self) -> None:
        """Advance one month (docs/MODEL.md section 3)."""
        month = self.steps
        m, ru = self.m, self.russia
        z = self.rng.standard_normal(NORMALS_PER_MONTH).tolist()  # perception error, intensity noise, fortunes of war
        jump_u, talk_u, break_u, episode_u = self.rng.random(UNIFORMS_PER_MONTH).tolist()
        n = len(m.gdp)
        draws = self.rng.random(2 * n)  # one per donor for spillover, one for an election
        spill_draws, vote_draws = draws[:n], draws[n:]

        # The alliance's aggregates of the start of the month: what Russia perceives (1) and what
        # cohesion, credibility and deterrence are this month (2); perception changes no input of them.
        self.alliance.assess()
        # 1. perception (last month's flows, read against Russia's war spending)
        members.perceive(self)
        members.politics(self, vote_draws, month)
        ru.perceive(self._flow_ratios(), self.misperception * z[0])

        # 3. members decide (synchronously, from start-of-month aggregates); 2. packages
        members.decide(self)
        self.alliance.release_packages(month)

        # 4. Ukraine (this month's flows, EUR bn, are kept for the metrics and next month's perception)
        self._flows = _totals(m.aid_lethal, m.aid_nonlethal, m.aid_training)
        ru.losses = self.ukraine.fight(*self._flow_ratios(), force=ru.force, ceasefire=ru.ceasefire, luck=z[2])

        # 5. Russia, the ladder, spillover and diplomacy
        before = ru.decide(z[1], jump_u, episode_u)
        self._narrate_rung(month, before)
        self._spillover(month, spill_draws)
        self._diplomacy(month, before, talk_u, break_u)

        # 6. events and metrics
        for ev in self._timeline.get(month, ()):
            self._fire(month, ev)
        self._update_metrics(month)
        if month >= self.horizon:
            self.running = False

    def _flow_ratios(self) -> tuple[float, float, float]:
        """Last flows (lethal, non-lethal, training) over Russia's monthly war spending (EUR bn / EUR bn).

        The absolute size of aid matters: twice the aid is twice the ratio, whatever the alliance's size.
        """
        spend = self.params.russia.war_spending
        lethal, nonlethal, training = self._flows
        return lethal / spend, nonlethal / spend, training / spend

    def _narrate_rung(self, month: int, before: int) -> None:
        ru = self.russia
        if ru.rung == before:
            return
        verb = "climbs" if ru.rung > before else "steps down"
        if ru.rung > before + 1:
            verb = "jumps (a miscalculation)"
        self.log_event(
            "Russia",
            "rung_up" if ru.rung > before else "rung_down",
            f"Russia {verb} from rung {before} to rung {ru.rung} ({self.ladder.name(ru.rung)}): "
            f"threat perception {ru.threat:.2f}, deterrence {self.alliance.deterrence:.2f}",
        )

    def _spillover(self, month: int, draws: np.ndarray) -> None:
        """From the spillover rung up, incidents strike exposed members (docs/MODEL.md section 4)."""
        sp = self.params.spillover
        self.struck: tuple[int, ...] = ()
        self.hybrid_attacks = 0
        gated = self.russia.ladder_rung >= sp.from_rung
        campaign = sp.campaign_rate * self.russia.campaign
        if not gated and campaign == 0.0:
            return
        rate = sp.rate * min(self.russia.intensity, 1.0) if gated else 0.0
        hit = members.incidents(self, draws, rate, campaign)
        if hit.size == 0:
            return
        m = self.m
        self.struck = tuple(int(i) for i in hit)  # member indices struck this month (the dashboard flashes them)
        members.spill(self, hit)
        self.spillover_incidents += int(hit.size)
        self.hybrid_attacks = int(hit.size)
        for i in hit:
            self.log_event(
                "Russia",
                "spillover",
                f"Spillover incident strikes {self.member_agents[i].spec.name} "
                f"(sabotage, airspace or cyber): its threat perception rises to {m.threat[i]:.2f}",
            )

    def _diplomacy(self, month: int, rung_before: int, talk_draw: float, break_draw: float) -> None:
        """Talks open with probability diplomacy x ripeness; lasting talks become a ceasefire."""
        ru, dp, uk = self.russia, self.params.talks, self.ukraine
        climbed = ru.rung > rung_before
        if ru.ceasefire:
            if climbed or ru.shock > dp.break_shock:
                ru.ceasefire = False
                why = "a new climb" if climbed else "a misperception shock"
                self.log_event("Russia", "ceasefire_broken", f"The ceasefire breaks down after {why}")
            return
        if ru.negotiating:
            if climbed:
                ru.negotiating = False
                self.log_event("Russia", "talks_collapse", "Talks collapse as Russia climbs the ladder")
                return
            ru.talk_months += 1
            if ru.talk_months >= dp.ceasefire_after:
                ru.negotiating, ru.ceasefire = False, True
                if self.ceasefire_month is None:
                    self.ceasefire_month = month
                self.log_event(
                    "Russia",
                    "ceasefire",
                    f"After {ru.talk_months} months of talks a ceasefire "
                    f"holds; Ukraine holds {uk.territory:.0%} of its territory",
                )
            return
        if talk_draw < self.diplomacy * self.ripeness():
            self._open_talks("Talks open: the front has stalled and both sides are hurting")

    def ripeness(self) -> float:
        """Zartman's mutually hurting stalemate in [0, 1]: a still front times losses on both sides."""
        dp, uk = self.params.talks, self.ukraine
        hist = uk.history
        if len(hist) <= dp.stalemate_window:
            return 0.0
        moved = abs(hist[-1] - hist[-1 - dp.stalemate_window])
        still = float(np.exp(-moved / dp.stalemate_tolerance))
        hurt = min(1.0, min(uk.losses, self.russia.losses) / dp.hurt_reference)
        return still * hurt

    def _open_talks(self, text: str) -> None:
        ru = self.russia
        ru.negotiating, ru.talk_months = True, 0
        self.log_event("alliance", "talks_open", text)

    def _fire(self, month: int, ev: Any) -> None:
        """Scheduled scenario events (phase 6)."""
        if ev.kind == "accession":
            self._accede(ev.member)
        elif ev.kind == "aid_package":
            size = ev.size if ev.size is not None else self.params.alliance.package_size
            self.alliance.pending.append((month, size))
            self.log_event(
                "alliance",
                "package_proposed",
                f"A package of advanced systems is proposed ({size:g} months of capacity)"
                + (f" ({ev.note})" if ev.note else ""),
            )
        elif ev.kind == "talks":
            if not (self.russia.negotiating or self.russia.ceasefire):
                self._open_talks("Talks open on a diplomatic initiative")
        elif ev.kind == "government":
            i = self.donor_index[ev.member]
            stance = self.m.stance.copy()  # a new array (see MemberArrays)
            old, stance[i] = float(stance[i]), float(ev.value)
            self.m.stance = stance
            name = self.member_agents[i].spec.name
            self.log_event(
                name,
                "government",
                f"A new government in {name}: its stance moves from {old:+.2f} to {float(ev.value):+.2f}"
                + (f" ({ev.note})" if ev.note else ""),
            )
        elif ev.kind == "set" and ev.member is not None:
            i = self.donor_index[ev.member]
            policy = self.m.aid_policy.copy()  # a new array (see MemberArrays)
            old = self.aid_level if np.isnan(policy[i]) else float(policy[i])
            policy[i] = float(ev.value)
            self.m.aid_policy = policy
            self.log_event(
                self.member_agents[i].spec.name,
                "set",
                f"{self.member_agents[i].spec.name} changes its {ev.key} from {old:g} to {ev.value:g}"
                + (f" ({ev.note})" if ev.note else ""),
            )
        elif ev.kind == "set":
            old = getattr(self, ev.key)
            setattr(self, ev.key, float(ev.value))
            if ev.key == "capability":  # a threshold crossed triggers Russia's signalling (section 7.5)
                self.russia.triggers += self.params.signalling.w_capability * max(float(ev.value) - old, 0.0)
            if ev.key == "member_unity":
                self._refresh_dispositions()
            self.log_event(
                "scenario",
                "set",
                f"Policy change: {ev.key} goes from {old:g} to {ev.value:g}" + (f" ({ev.note})" if ev.note else ""),
            )

    def _accede(self, code: str) -> None:
        """A partner becomes a member, or a new state joins; Russia reads the expansion."""
        i = self.donor_index.get(code)
        if i is None:
            spec = self.config.pool[code]
            self._add_members([spec], member=True)
        else:
            spec = self.member_agents[i].spec
            role = self.m.member.copy()  # a new array (see MemberArrays)
            role[i] = 1.0
            self.m.member = role
        self._refresh_dispositions()
        self.russia.expansion += 1.0
        self.russia.triggers += self.params.signalling.w_accession
        n = int(self.m.member.sum())
        self.log_event("alliance", "accession", f"{spec.name} joins the alliance ({n} members)")

    def log_event(self, actor: str, kind: str, description: str) -> None:
        """Record one narrative event of this month."""
        self.events.append((self.steps, actor, kind, description))

    # ---------------------------------------------------------------------------------------------
    # metrics (docs/MODEL.md section 7)
    # ---------------------------------------------------------------------------------------------

    def _update_metrics(self, month: int) -> None:
        m, al, ru, uk = self.m, self.alliance, self.russia, self.ukraine
        lethal, nonlethal, training = self._flows
        self.month = month
        self.date = date_of(self.start, month) if self.start else None
        self.escalation_rung = ru.rung
        self.escalation_intensity = float(ru.intensity)
        self.russia_threat_perception = float(ru.threat)
        effort, _, threat = weighted_moments(m.aw, m.resolve, m.threat)
        self.alliance_effort = clip01(effort, self.bounded)  # end of month (assess: start)
        self.alliance_threat_perception = clip01(threat, self.bounded)
        self.alliance_cohesion = al.cohesion
        self.deterrence_credibility = al.credibility
        self.deterrence_signal = al.deterrence
        self.aid_lethal = lethal
        self.aid_nonlethal = nonlethal
        self.aid_training = training
        self.aid_total = lethal + nonlethal + training
        self.ukraine_capacity = uk.capacity
        self.territory_held = uk.territory
        self.decision_delay = al.decision_delay
        self.negotiating = ru.negotiating
        self.ceasefire = ru.ceasefire
        self.russia_force = ru.force
        self.strike_launches = ru.strike_launches
        self.strike_stock = ru.strike_stock
        self.strike_effort = ru.strike_effort
        self.hybrid_campaign = ru.campaign
        self.signalling = ru.signalling
        self.member_count = m.member_count
        self.datacollector.collect(self)
        # The member arrays are replaced, never changed in place, each month, so keeping references
        # is a snapshot (MemberArrays documents the rule; test_member_history_is_a_snapshot checks it).
        self._member_history.append(_HISTORY(m))

    def member_table(self) -> dict[str, np.ndarray]:
        """Per month and member columns (``MEMBER_COLUMNS``) as arrays, one entry per row."""
        sizes = np.fromiter((len(h[0]) for h in self._member_history), dtype=np.int64)
        out: dict[str, np.ndarray] = {"month": np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)}
        idx = np.concatenate([np.arange(k) for k in sizes])
        codes = np.array([a.iso3 for a in self.member_agents], dtype=object)
        out["iso3"] = codes[idx]
        for j, name in enumerate(SNAPSHOT):
            out[name] = np.concatenate([h[j] for h in self._member_history])
        out["aid_total"] = out["aid_lethal"] + out["aid_nonlethal"] + out["aid_training"]
        gdp_eur = self.m.gdp[idx] * self.params.members.eur_per_usd
        out["aid_share_gdp"] = out["aid_total"] * MONTHS_PER_YEAR / gdp_eur
        out["frontline"] = self.m.frontline[idx].astype(bool)
        for j, (_, name) in enumerate(POLITICS, start=len(self._member_history[0]) - len(POLITICS)):
            out[name] = np.concatenate([h[j] for h in self._member_history])
        return out

    def step_table(self) -> dict[str, np.ndarray]:
        """Per month columns (``STEP_COLUMNS``) as arrays, from the DataCollector.

        A scenario with a start gets a ``date`` column (``YYYY-MM``) after ``month``.
        """
        mv = self.datacollector.model_vars
        out = {c: np.asarray(mv[c], dtype=_STEP_DTYPES.get(c, np.float64)) for c in STEP_COLUMNS}
        if self.start:
            dates = np.array([date_of(self.start, int(k)) for k in out["month"]], dtype=object)
            out = {"month": out.pop("month"), "date": dates, **out}
        return out


@kernel
def _totals(lethal, nonlethal, training):
    """This month's lethal, non-lethal and training aid over every donor, EUR bn (summed in donor order)."""
    sl = sn = st = 0.0
    for i in range(lethal.size):
        sl += lethal[i]
        sn += nonlethal[i]
        st += training[i]
    return sl, sn, st


_STEP_DTYPES = {
    "month": np.int32,
    "escalation_rung": np.int16,
    "spillover_incidents": np.int32,
    "decision_delay": np.int32,
    "negotiating": np.bool_,
    "ceasefire": np.bool_,
    "member_count": np.int16,
    "hybrid_attacks": np.int16,
    "signalling": np.bool_,
}


#: The member arrays kept each month, in the order member_table reads them: SNAPSHOT (by its MemberArrays
#: name), then POLITICS.
_HISTORY = operator.attrgetter(
    *("threat" if c == "threat_perception" else c for c in SNAPSHOT), *(field for field, _ in POLITICS)
)


class ScalarCollector(mesa.DataCollector):
    """A DataCollector for model attributes that hold immutable scalars (float, int, bool).

    Mesa's ``collect`` deep-copies every value to protect mutable ones; for scalars the copy is a
    no-op that cost a third of a month's run time. This collector keeps each month's values as one
    tuple and moves them into Mesa's columns (``model_vars``) when they are read, so a month costs one
    call whatever the number of columns. ``model_vars`` keeps Mesa's structure, so
    ``get_model_vars_dataframe`` and ``mesa.batch_run`` work unchanged.
    """

    def __init__(self, names: tuple[str, ...]):
        """Collect the model attributes ``names`` each time ``collect`` is called."""
        self._rows: list[tuple[Any, ...]] = []  # months collected and not yet moved into model_vars
        super().__init__(model_reporters={n: n for n in names})
        self._names = names
        # every attribute in one call (attrgetter of one name returns the value, not a tuple)
        self._values = operator.attrgetter(*names, *names[:1]) if len(names) == 1 else operator.attrgetter(*names)

    @property
    def model_vars(self) -> dict[str, list[Any]]:
        """Mesa's columns: name -> one value per collection, the months collected so far included."""
        if self._rows:
            for name, column in zip(self._names, zip(*self._rows, strict=True), strict=False):
                self._model_vars[name].extend(column)
            self._rows.clear()
        return self._model_vars

    @model_vars.setter
    def model_vars(self, value: dict[str, list[Any]]) -> None:
        self._model_vars = value

    def collect(self, model: mesa.Model) -> None:
        """Keep the current value of every attribute."""
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        self._rows.append(self._values(model))

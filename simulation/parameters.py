"""Every model parameter, declared once: name, meaning, unit, range, default and source.

The scenario schema (`simulation.scenario`), the CLI's ``--set``, the generated parameter table in
``docs/ODD.md`` and the dashboard's sliders all read this table; nothing else holds a default.

A parameter lives either at the top level of a scenario file (``group = ""``: the policy levers a
class or a researcher varies most) or in a table (``[members]``, ``[russia]`` ...). Its dotted name
(``russia.opportunity``) is how ``--set`` and experiment designs address it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CLASSROOM", "GROUPS", "LEVERS", "MEMBER_LEVERS", "PARAMETERS", "Param", "by_name", "defaults"]


@dataclass(frozen=True, kw_only=True)
class Param:
    """One declared parameter.

    Attributes:
        name: key inside its group (``aid_level``, ``opportunity``).
        group: table name, or ``""`` for a top-level key.
        default: default value; its Python type is the parameter's type (float, int, bool, str, list).
        low: smallest allowed value (numbers only).
        high: largest allowed value (numbers only).
        unit: unit of measurement, ``"1"`` for a dimensionless share or weight.
        meaning: one sentence a reader of the ODD understands.
        source: where the mechanism or the value comes from (essay section, literature, calibration).
    """

    name: str
    group: str
    default: Any
    low: float | None = None
    high: float | None = None
    unit: str = "1"
    meaning: str = ""
    source: str = ""

    @property
    def key(self) -> str:
        """Dotted name: ``aid_level`` or ``russia.opportunity``."""
        return f"{self.group}.{self.name}" if self.group else self.name

    @property
    def kind(self) -> type:
        """The Python type of the value (bool is checked before int)."""
        return type(self.default)

    @property
    def numeric(self) -> bool:
        """True for int and float parameters (bool excluded)."""
        return self.kind in (int, float)

    def allowed(self) -> str:
        """Human description of what is allowed, for error messages."""
        if self.numeric:
            kind = "an integer" if self.kind is int else "a number"
            return f"{kind} in [{_fmt(self.low)}, {_fmt(self.high)}]"
        if self.kind is bool:
            return "true or false"
        if self.kind is list:
            return "a list"
        return "a string"


def _fmt(x: float | None) -> str:
    return "-inf" if x is None else f"{x:g}"


ESSAY = "essay"
P = Param

# The essay's sections are cited by their headings (docs/essay.md).
_MIL = "essay: 'Military Support and Assistance from NATO Countries'"
_POL = "essay: 'Impact of NATO's Political Positioning on the Conflict Dynamics'"
_PERC = "essay: 'The influence of NATO's policies on Russian perceptions and actions'"
_EXP = "essay: 'NATO's Eastward Expansion and Its Consequences'"
_REG = "essay: 'Regional Security Implications' (spillover)"
_DIP = "essay: 'The Role of NATO in Diplomatic Efforts'"
_CHAL = "essay: 'Challenges Faced by NATO Amid the Ukrainian Crisis'"
_RICH = "Richardson (1960), Arms and Insecurity"
_CAL = "calibration: chosen so that the stylized facts of docs/MODEL.md section 6 hold"

PARAMETERS: tuple[Param, ...] = (
    # ---- top level: identity, horizon and the policy levers --------------------------------------
    P(name="name", group="", default="", unit="-", meaning="Short name of the scenario (defaults to the file name)."),
    P(name="description", group="", default="", unit="-", meaning="One line describing the scenario."),
    P(
        name="start",
        group="",
        default="",
        unit="YYYY-MM",
        meaning="Calendar month of month 0 (e.g. 2022-02); empty: an undated run. With a start, events may be dated and the steps table gains a date column.",
        source="design choice",
    ),
    P(
        name="steps",
        group="",
        default=120,
        low=1,
        high=100_000,
        unit="month",
        meaning="Horizon: months simulated by a run.",
        source="design choice",
    ),
    P(
        name="bounded",
        group="",
        default=True,
        unit="-",
        meaning="Clip resolve, threat and intensity to [0, 1]; false lets the Richardson race run beyond any level.",
        source=_RICH,
    ),
    P(
        name="aid_level",
        group="",
        default=0.5,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Share of each member's aid capacity that alliance policy "
        "makes available; also scales the members' grievance term.",
        source=_MIL,
    ),
    P(
        name="member_unity",
        group="",
        default=0.5,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="U: narrows member dispositions toward the alliance mean and weights consensus over each member's own drive.",
        source=_CHAL + " ('divergent perspectives')",
    ),
    P(
        name="russia_intent",
        group="",
        default=0.5,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="iota: 0 security-seeking (spiral model), 1 revisionist (deterrence model).",
        source="Jervis (1976), Perception and Misperception, ch. 3",
    ),
    P(
        name="misperception",
        group="",
        default=0.2,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="sigma: standard deviation of the log error in Russia's "
        "threat perception; also scales intensity noise and miscalculation jumps.",
        source=_PERC + " ('strategic miscalculations')",
    ),
    P(
        name="diplomacy",
        group="",
        default=0.3,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Propensity to open talks when the conflict is ripe (monthly probability = diplomacy x ripeness).",
        source=_DIP,
    ),
    P(
        name="ambiguity",
        group="",
        default=0.3,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Strategic ambiguity: lowers both the provocation Russia "
        "reads and the credibility of deterrence by a factor (1 - ambiguity/2).",
        source=_POL,
    ),
    P(
        name="fatigue",
        group="",
        default=0.5,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Strength of aid fatigue: scales the fatigue penalty on resolve (phi = fatigue x members.fatigue_weight).",
        source=_CHAL + " ('as conflicts prolong')",
    ),
    P(
        name="capability",
        group="",
        default=0.0,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Capability thresholds crossed by the systems members deliver (0 none; history: HIMARS 0.2, tanks 0.4, ATACMS 0.6, F-16s 0.8, strikes inside Russia 1): raises the firepower of lethal aid and the threat Russia reads in it.",
        source=_MIL + " (advanced systems); the 2022-2024 decisions in simulation/data/history_events.csv",
    ),
    # ---- Richardson's arms-race core -------------------------------------------------------------
    P(
        name="fear_alliance",
        group="richardson",
        default=0.15,
        low=0.0,
        high=5.0,
        unit="1/month",
        meaning="k: how strongly members' resolve responds to the threat they perceive.",
        source=_RICH,
    ),
    P(
        name="fear_russia",
        group="richardson",
        default=0.25,
        low=0.0,
        high=5.0,
        unit="1/month",
        meaning="l: how strongly Russia's escalation responds to its threat perception (weighted by 1 - intent).",
        source=_RICH,
    ),
    P(
        name="restraint_alliance",
        group="richardson",
        default=0.25,
        low=0.0,
        high=5.0,
        unit="1/month",
        meaning="a: pull of resolve back toward zero (cost and domestic restraint).",
        source=_RICH,
    ),
    P(
        name="restraint_russia",
        group="richardson",
        default=0.25,
        low=0.0,
        high=5.0,
        unit="1/month",
        meaning="b: pull of escalation intensity back toward zero (cost of escalating).",
        source=_RICH,
    ),
    P(
        name="grievance_alliance",
        group="richardson",
        default=0.12,
        low=-2.0,
        high=2.0,
        unit="1/month",
        meaning="g: standing grievance pushing members to support Ukraine, scaled by aid_level and hawkishness.",
        source=_RICH,
    ),
    P(
        name="grievance_russia",
        group="richardson",
        default=0.02,
        low=-2.0,
        high=2.0,
        unit="1/month",
        meaning="h: Russia's standing grievance (drive to escalate at zero threat).",
        source=_RICH,
    ),
    P(
        name="response",
        group="richardson",
        default=1.0,
        low=0.001,
        high=1.0,
        unit="month",
        meaning="Response: the share of each month's drive by which resolve and intensity move (the Euler step of the Richardson limit, in months; every other rate is per month).",
        source=_RICH,
    ),
    # ---- members ---------------------------------------------------------------------------------
    P(
        name="initial_resolve",
        group="members",
        default=0.5,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Resolve r of every member at month 0.",
    ),
    P(
        name="initial_threat",
        group="members",
        default=0.3,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Threat perception T of every member at month 0.",
    ),
    P(
        name="initial_stockpile",
        group="members",
        default=0.8,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Stockpile s of every member at month 0.",
    ),
    P(
        name="perception_rate",
        group="members",
        default=0.3,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="mu: weight of this month's perceived threat in T (1 = instant perception).",
        source=_PERC,
    ),
    P(
        name="exposure_weight",
        group="members",
        default=1.0,
        low=0.0,
        high=3.0,
        unit="1",
        meaning="How much more threat exposed (frontline) members perceive than the GDP-weighted average member.",
        source=_REG,
    ),
    P(
        name="consensus_pull",
        group="members",
        default=0.2,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="c: pull of each member's resolve toward the alliance mean under unity.",
        source=_CHAL,
    ),
    P(
        name="risk_aversion",
        group="members",
        default=0.3,
        low=0.0,
        high=5.0,
        unit="1/month",
        meaning="q: self-deterrence when Russia's intensity exceeds fear_threshold (scaled by each member's risk aversion).",
        source="Snyder (1984), alliance security dilemma: fear of entrapment",
    ),
    P(
        name="fear_threshold",
        group="members",
        default=0.55,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="y_fear: intensity above which members self-deter.",
        source="Snyder (1984)",
    ),
    P(
        name="fatigue_growth",
        group="members",
        default=0.03,
        low=0.0,
        high=0.5,
        unit="1/month",
        meaning="Growth of a member's fatigue per month of aid at full capacity.",
        source=_CHAL,
    ),
    P(
        name="fatigue_weight",
        group="members",
        default=0.4,
        low=0.0,
        high=2.0,
        unit="1/month",
        meaning="Penalty on resolve per unit of fatigue at fatigue = 1.",
        source=_CHAL,
    ),
    P(
        name="capacity_share",
        group="members",
        default=0.004,
        low=0.0,
        high=0.1,
        unit="share of GDP/year",
        meaning="Aid capacity: the share of its GDP a member could give per year at full resolve, stockpile and aid_level.",
        source="calibration: the alliance gave about 0.1% of its GDP a year in military aid in 2022-2023 (Kiel Ukraine Support Tracker) at about a quarter of full capacity",
    ),
    P(
        name="eur_per_usd",
        group="members",
        default=0.94,
        low=0.5,
        high=1.5,
        unit="EUR/USD",
        meaning="Exchange rate that turns the roster's GDP (USD) into aid capacity in EUR, the unit of all aid flows.",
        source="ECB euro reference rate, average of 2022-2023 (0.95 and 0.92)",
    ),
    P(
        name="depletion",
        group="members",
        default=0.08,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="Stockpile drawn down per month of aid at full capacity.",
        source=_CHAL + " ('logistics and resource constraints')",
    ),
    P(
        name="replenish",
        group="members",
        default=0.04,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="Share of the stockpile gap refilled by production each month.",
        source=_CHAL,
    ),
    P(
        name="lethal_base",
        group="members",
        default=0.3,
        low=0.0,
        high=0.9,
        unit="1",
        meaning="Lethal share of aid for the least hawkish member.",
        source=_MIL,
    ),
    P(
        name="lethal_hawk",
        group="members",
        default=0.5,
        low=0.0,
        high=0.9,
        unit="1",
        meaning="Extra lethal share for the most hawkish member (the lethal share is capped at 1 - training_share).",
        source=_MIL,
    ),
    P(
        name="training_share",
        group="members",
        default=0.1,
        low=0.0,
        high=0.5,
        unit="1",
        meaning="Share of aid given as training.",
        source=_MIL + " ('Training and advisory missions')",
    ),
    P(
        name="posture_full_pct",
        group="members",
        default=5.0,
        low=0.5,
        high=20.0,
        unit="% of GDP",
        meaning="Defence spending at which a member's standing forces alone give full posture.",
        source="NATO (2024) defence expenditure",
    ),
    P(
        name="posture_gain",
        group="members",
        default=0.4,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="How far resolve and threat raise posture above the standing-force floor.",
        source=_POL,
    ),
    P(
        name="spillover_shock",
        group="members",
        default=0.3,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Jump in a struck member's perceived threat after a spillover incident.",
        source=_REG,
    ),
    # ---- alliance --------------------------------------------------------------------------------
    P(
        name="cohesion_dispersion",
        group="alliance",
        default=1.5,
        low=0.0,
        high=10.0,
        unit="1",
        meaning="c_disp: cohesion C = 1 - c_disp x (GDP-weighted std of resolve).",
        source=_POL + " ('allied unity')",
    ),
    P(
        name="package_interval",
        group="alliance",
        default=6,
        low=1,
        high=120,
        unit="month",
        meaning="Months between proposals of a package of advanced systems.",
        source=_CHAL + " ('delay decision processes')",
    ),
    P(
        name="package_threshold",
        group="alliance",
        default=0.35,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Resolve a member needs to back a package.",
        source=_CHAL,
    ),
    P(
        name="package_quorum",
        group="alliance",
        default=0.6,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="GDP-weighted share of backing members needed to release a package.",
        source=_CHAL,
    ),
    P(
        name="package_size",
        group="alliance",
        default=1.0,
        low=0.0,
        high=12.0,
        unit="months of capacity",
        meaning="Lethal aid in a released package, in months of the alliance's aid capacity (times aid_level).",
        source=_MIL,
    ),
    # ---- Russia ----------------------------------------------------------------------------------
    P(
        name="initial_intensity",
        group="russia",
        default=0.35,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Escalation intensity y at month 0.",
    ),
    P(
        name="initial_force",
        group="russia",
        default=-1.0,
        low=-1.0,
        high=1.0,
        unit="1",
        meaning="Committed force F against Ukraine at month 0 (-1: equal to initial_intensity).",
        source="design choice",
    ),
    P(
        name="initial_threat",
        group="russia",
        default=0.3,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Threat perception theta at month 0.",
    ),
    P(
        name="initial_rung",
        group="russia",
        default=-1,
        low=-1,
        high=9,
        unit="rung",
        meaning="Ladder rung at month 0 (-1: read from initial_intensity).",
    ),
    P(
        name="perception_rate",
        group="russia",
        default=0.3,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="mu_R: weight of this month's reading in theta.",
        source=_PERC,
    ),
    P(
        name="w_lethal",
        group="russia",
        default=0.71,
        low=0.0,
        high=5.0,
        unit="1",
        meaning="Weight of lethal aid (aid over Russia's war spending) in Russia's threat reading.",
        source=_PERC
        + "; rescaled by 1/2.1 when aid became EUR bn over war spending, so that the baseline keeps its dynamics",
    ),
    P(
        name="w_nonlethal",
        group="russia",
        default=0.14,
        low=0.0,
        high=5.0,
        unit="1",
        meaning="Weight of non-lethal aid.",
        source=_PERC
        + "; rescaled by 1/2.1 when aid became EUR bn over war spending, so that the baseline keeps its dynamics",
    ),
    P(
        name="w_training",
        group="russia",
        default=0.24,
        low=0.0,
        high=5.0,
        unit="1",
        meaning="Weight of training.",
        source=_PERC
        + "; rescaled by 1/2.1 when aid became EUR bn over war spending, so that the baseline keeps its dynamics",
    ),
    P(
        name="w_posture",
        group="russia",
        default=0.3,
        low=0.0,
        high=5.0,
        unit="1",
        meaning="Weight of the alliance's aggregate posture.",
        source=_PERC,
    ),
    P(
        name="w_expansion",
        group="russia",
        default=0.6,
        low=0.0,
        high=5.0,
        unit="1",
        meaning="Weight of the memory of accessions.",
        source=_EXP,
    ),
    P(
        name="w_effort",
        group="russia",
        default=0.0,
        low=0.0,
        high=5.0,
        unit="1",
        meaning="Weight of alliance effort (mean resolve) itself; 1 with all other weights 0 gives the Richardson limit.",
        source=_RICH,
    ),
    P(
        name="expansion_decay",
        group="russia",
        default=0.05,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="Monthly decay of the memory of an accession.",
        source=_EXP,
    ),
    P(
        name="opportunity",
        group="russia",
        default=0.35,
        low=0.0,
        high=2.0,
        unit="1/month",
        meaning="Gain a revisionist Russia sees in escalating against weak deterrence (x intent x (1 - D)).",
        source="Jervis (1976): deterrence model",
    ),
    P(
        name="deterrence_weight",
        group="russia",
        default=0.25,
        low=0.0,
        high=2.0,
        unit="1/month",
        meaning="d: restraint a revisionist Russia takes from the deterrence signal D.",
        source="Schelling (1966), Arms and Influence",
    ),
    P(
        name="loss_weight",
        group="russia",
        default=0.15,
        low=0.0,
        high=2.0,
        unit="1/month",
        meaning="Push to escalate from battlefield losses.",
        source=_MIL,
    ),
    P(
        name="negotiation_restraint",
        group="russia",
        default=0.06,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="Restraint on escalation while talks are open.",
        source=_DIP,
    ),
    P(
        name="ceasefire_restraint",
        group="russia",
        default=0.15,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="Restraint on escalation during a ceasefire.",
        source=_DIP,
    ),
    P(
        name="noise",
        group="russia",
        default=0.15,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="Standard deviation of monthly intensity noise per unit of misperception.",
        source="Jervis (1976): misperception",
    ),
    P(
        name="jump_chance",
        group="russia",
        default=0.4,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Chance per unit of misperception that a climb "
        "jumps straight to the rung y reads (a miscalculation) instead of one rung.",
        source="Kahn (1965), On Escalation",
    ),
    P(
        name="force_ratio",
        group="russia",
        default=1.7,
        low=0.0,
        high=5.0,
        unit="1",
        meaning="Combat power of Russia's committed force relative to the same share of Ukraine's capacity.",
        source=_MIL,
    ),
    P(
        name="force_rate",
        group="russia",
        default=0.2,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="Speed at which committed force F follows intensity.",
        source=_MIL,
    ),
    P(
        name="war_aim",
        group="russia",
        default=0.0,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Force Russia commits to its war aims in Ukraine whatever its escalation against the alliance (F's own target).",
        source="essay: 'Overview of NATO's Role in the Ukrainian Conflict'; calibration for the history scenario",
    ),
    P(
        name="war_escalation",
        group="russia",
        default=1.0,
        low=0.0,
        high=2.0,
        unit="1",
        meaning="Committed force added per unit of escalation intensity y (1 with war_aim 0: F follows y, the original design).",
        source="docs/MODEL.md section 4",
    ),
    P(
        name="mobilisation",
        group="russia",
        default=0.0,
        low=0.0,
        high=2.0,
        unit="1/month",
        meaning="Force added per month per unit of battlefield shortfall (Ukraine's combat power beyond Russia's): mobilisation when losing.",
        source="Russia's partial mobilisation of September 2022 after the Kharkiv counter-offensive",
    ),
    P(
        name="war_spending",
        group="russia",
        default=8.0,
        low=0.1,
        high=100.0,
        unit="EUR bn/month",
        meaning="Russia's military spending per month: the yardstick against which aid's absolute size is read, by Ukraine's fighting power and by Russia's threat perception.",
        source="SIPRI Military Expenditure Database: Russia USD 86 bn (2022) and 109 bn (2023), about EUR 8 bn a month",
    ),
    P(
        name="w_capability",
        group="russia",
        default=0.3,
        low=0.0,
        high=5.0,
        unit="1",
        meaning="Threat Russia reads per unit of capability crossed (long-range fires, tanks, aircraft), on top of the aid's size.",
        source=_PERC,
    ),
    # ---- Ukraine ---------------------------------------------------------------------------------
    P(
        name="initial_capacity",
        group="ukraine",
        default=0.4,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Capacity u at month 0.",
    ),
    P(
        name="initial_territory",
        group="ukraine",
        default=0.82,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Share of its territory Ukraine holds at month 0.",
        source="about 18% occupied in 2023-2024 (public estimates)",
    ),
    P(
        name="initial_training",
        group="ukraine",
        default=0.2,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Training level at month 0.",
    ),
    P(name="initial_morale", group="ukraine", default=0.6, low=0.0, high=1.0, unit="1", meaning="Morale at month 0."),
    P(
        name="aid_effect",
        group="ukraine",
        default=0.38,
        low=0.0,
        high=5.0,
        unit="1/month",
        meaning="Growth of capacity per unit of absorbed aid.",
        source=_MIL
        + "; rescaled by 1/2.1 when aid became EUR bn over war spending, so that the baseline keeps its dynamics",
    ),
    P(
        name="firepower",
        group="ukraine",
        default=0.47,
        low=0.0,
        high=5.0,
        unit="1",
        meaning="Combat power added per unit of absorbed lethal aid (aid over Russia's war spending) in the month it arrives.",
        source=_MIL
        + "; rescaled by 1/2.1 when aid became EUR bn over war spending, so that the baseline keeps its dynamics",
    ),
    P(
        name="capability_gain",
        group="ukraine",
        default=1.0,
        low=0.0,
        high=5.0,
        unit="1",
        meaning="Extra firepower of lethal aid per unit of capability crossed (firepower x (1 + gain x capability)).",
        source=_MIL,
    ),
    P(
        name="entrenchment_rate",
        group="ukraine",
        default=0.0,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="Monthly growth of fortification on both sides of the front (minefields, lines): the share of the gap to full fortification closed each month.",
        source="the 2023 positional war (the failed summer counter-offensive); calibration for the history scenario",
    ),
    P(
        name="entrenchment_scale",
        group="ukraine",
        default=0.0,
        low=0.0,
        high=5.0,
        unit="1",
        meaning="Combat-power advantage an attacker needs against full fortification before the front moves.",
        source="the defender's advantage (the 3:1 rule of thumb); calibration for the history scenario",
    ),
    P(
        name="absorb_base",
        group="ukraine",
        default=0.5,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Share of aid absorbed with no training (training raises it toward 1).",
        source=_MIL + " ('Training and advisory missions')",
    ),
    P(
        name="training_rate",
        group="ukraine",
        default=0.95,
        low=0.0,
        high=10.0,
        unit="1/month",
        meaning="Growth of the training level per unit of training aid.",
        source=_MIL
        + "; rescaled by 1/2.1 when aid became EUR bn over war spending, so that the baseline keeps its dynamics",
    ),
    P(
        name="training_decay",
        group="ukraine",
        default=0.02,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="Monthly loss of training (turnover).",
    ),
    P(
        name="regeneration",
        group="ukraine",
        default=0.02,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="Ukraine's own mobilisation and production refilling capacity.",
    ),
    P(
        name="attrition",
        group="ukraine",
        default=0.06,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="Capacity lost per unit of Russia's committed force.",
    ),
    P(
        name="territory_rate",
        group="ukraine",
        default=0.015,
        low=0.0,
        high=0.2,
        unit="1/month",
        meaning="Territory gained per unit of (combat power - committed force).",
    ),
    P(
        name="morale_rate",
        group="ukraine",
        default=0.1,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="Speed at which morale follows the battlefield.",
    ),
    P(
        name="casualty_rate",
        group="ukraine",
        default=0.2,
        low=0.0,
        high=2.0,
        unit="1",
        meaning="Losses per unit of engagement (u x F).",
    ),
    # ---- talks (diplomacy) -------------------------------------------------------------------------------
    P(
        name="stalemate_window",
        group="talks",
        default=6,
        low=1,
        high=36,
        unit="month",
        meaning="Months over which territory must stay nearly still for a stalemate.",
        source="Zartman (2000), ripeness",
    ),
    P(
        name="stalemate_tolerance",
        group="talks",
        default=0.005,
        low=0.0001,
        high=1.0,
        unit="1",
        meaning="Territory change over the window below which the front counts as still.",
        source="Zartman (2000)",
    ),
    P(
        name="hurt_reference",
        group="talks",
        default=0.12,
        low=0.001,
        high=1.0,
        unit="1",
        meaning="Monthly losses at which both sides count as fully hurting.",
        source="Zartman (2000): mutually hurting stalemate",
    ),
    P(
        name="ceasefire_after",
        group="talks",
        default=6,
        low=1,
        high=60,
        unit="month",
        meaning="Months of talks without a new climb before a ceasefire.",
        source=_DIP,
    ),
    P(
        name="break_shock",
        group="talks",
        default=0.5,
        low=0.0,
        high=10.0,
        unit="1",
        meaning="Misperception shock (eps) above which a ceasefire breaks.",
        source="Jervis (1976)",
    ),
    # ---- spillover -------------------------------------------------------------------------------
    P(
        name="rate",
        group="spillover",
        default=0.08,
        low=0.0,
        high=1.0,
        unit="1/month",
        meaning="Monthly incident probability per unit of intensity x exposure, from the spillover rung up.",
        source=_REG,
    ),
    P(
        name="from_rung",
        group="spillover",
        default=5,
        low=0,
        high=9,
        unit="rung",
        meaning="Lowest rung at which incidents happen.",
        source=_REG,
    ),
    P(
        name="alliance_share",
        group="spillover",
        default=0.3,
        low=0.0,
        high=1.0,
        unit="1",
        meaning="Share of a struck member's threat jump felt by every other member.",
        source=_REG,
    ),
    # ---- ladder ----------------------------------------------------------------------------------
    P(
        name="hysteresis",
        group="ladder",
        default=0.03,
        low=0.0,
        high=0.2,
        unit="1",
        meaning="Intensity must fall this far below a rung's threshold before Russia steps down.",
        source="Kahn (1965)",
    ),
    P(
        name="thresholds",
        group="ladder",
        default=[0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70, 0.80, 0.92],
        unit="1",
        meaning="Intensity at which each rung from 1 up begins (increasing, in (0, 1]).",
        source="Kahn (1965), condensed",
    ),
    P(
        name="names",
        group="ladder",
        default=[
            "competition short of crisis",
            "hardened positions, formal declarations",
            "show of force, exercises at the borders",
            "significant mobilisation",
            "intensified offensive, strikes on infrastructure",
            "hybrid attacks on alliance members",
            "nuclear signalling",
            "direct military incident with an alliance member",
            "limited conventional war with the alliance",
            "nuclear use",
        ],
        unit="-",
        meaning="Names of the rungs, from 0 up (one more than thresholds).",
        source="Kahn (1965), On Escalation, condensed in docs/MODEL.md section 4",
    ),
)

GROUPS: tuple[str, ...] = tuple(dict.fromkeys(p.group for p in PARAMETERS if p.group))

_BY_KEY = {p.key: p for p in PARAMETERS}

#: The policy levers: the top-level numbers a scenario's ``set`` events may change mid-run, the
#: model keeps as attributes and the dashboard shows as sliders. Nothing else can be set mid-run (the
#: horizon, the bounds and the tables' parameters are fixed when a run is built).
LEVERS: tuple[str, ...] = (
    "aid_level",
    "member_unity",
    "russia_intent",
    "misperception",
    "diplomacy",
    "ambiguity",
    "fatigue",
    "capability",
)
#: Levers an event may set on one member (``member = "USA"``): its own aid level, which then replaces
#: the alliance's for that member (the US aid hold of 2024).
MEMBER_LEVERS: tuple[str, ...] = ("aid_level",)
#: The dashboard's sliders (an alias kept for the dashboard while it moves to LEVERS).
CLASSROOM = LEVERS


def by_name(key: str) -> Param:
    """The declaration of a dotted key (``aid_level``, ``russia.opportunity``).

    Raises:
        KeyError: the key is not declared.
    """
    return _BY_KEY[key]


def defaults() -> dict[str, Any]:
    """Nested dict of every default: top-level keys plus one dict per group."""
    out: dict[str, Any] = {g: {} for g in GROUPS}
    for p in PARAMETERS:
        value = list(p.default) if isinstance(p.default, list) else p.default
        if p.group:
            out[p.group][p.name] = value
        else:
            out[p.name] = value
    return out

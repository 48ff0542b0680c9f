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

__all__ = ["CLASSROOM", "GROUPS", "PARAMETERS", "Param", "by_name", "defaults"]


@dataclass(frozen=True)
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

# The essay's sections are cited by their headings (shared/seed/essay-nato-ukraine.txt).
_MIL = "essay: 'Military Support and Assistance from NATO Countries'"
_POL = "essay: 'Impact of NATO's Political Positioning on the Conflict Dynamics'"
_PERC = "essay: 'The influence of NATO's policies on Russian perceptions and actions'"
_EXP = "essay: 'NATO's Eastward Expansion and Its Consequences'"
_REG = "essay: 'Regional Security Implications' (spillover)"
_DIP = "essay: 'The Role of NATO in Diplomatic Efforts'"
_CHAL = "essay: 'Challenges Faced by NATO Amid the Ukrainian Crisis'"
_RICH = "Richardson (1960), Arms and Insecurity"
_CAL = "calibration: chosen so that the stylized facts of MODEL.md section 6 hold"

PARAMETERS: tuple[Param, ...] = (
    # ---- top level: identity, horizon and the policy levers --------------------------------------
    P("name", "", "", unit="-", meaning="Short name of the scenario (defaults to the file name)."),
    P("description", "", "", unit="-", meaning="One line describing the scenario."),
    P("steps", "", 120, 1, 100_000, "month", "Horizon: months simulated by a run.", "design choice"),
    P(
        "bounded",
        "",
        True,
        unit="-",
        meaning="Clip resolve, threat and intensity to [0, 1]; false lets the Richardson race run beyond any level.",
        source=_RICH,
    ),
    P(
        "aid_level",
        "",
        0.5,
        0.0,
        1.0,
        "1",
        "Share of each member's aid capacity that alliance policy "
        "makes available; also scales the members' grievance term.",
        _MIL,
    ),
    P(
        "member_unity",
        "",
        0.5,
        0.0,
        1.0,
        "1",
        "U: narrows member dispositions toward the alliance mean and weights consensus over each member's own drive.",
        _CHAL + " ('divergent perspectives')",
    ),
    P(
        "russia_intent",
        "",
        0.5,
        0.0,
        1.0,
        "1",
        "iota: 0 security-seeking (spiral model), 1 revisionist (deterrence model).",
        "Jervis (1976), Perception and Misperception, ch. 3",
    ),
    P(
        "misperception",
        "",
        0.2,
        0.0,
        1.0,
        "1",
        "sigma: standard deviation of the log error in Russia's "
        "threat perception; also scales intensity noise and miscalculation jumps.",
        _PERC + " ('strategic miscalculations')",
    ),
    P(
        "diplomacy",
        "",
        0.3,
        0.0,
        1.0,
        "1",
        "Propensity to open talks when the conflict is ripe (monthly probability = diplomacy x ripeness).",
        _DIP,
    ),
    P(
        "ambiguity",
        "",
        0.3,
        0.0,
        1.0,
        "1",
        "Strategic ambiguity: lowers both the provocation Russia "
        "reads and the credibility of deterrence by a factor (1 - ambiguity/2).",
        _POL,
    ),
    P(
        "fatigue",
        "",
        0.5,
        0.0,
        1.0,
        "1",
        "Strength of aid fatigue: scales the fatigue penalty on resolve (phi = fatigue x members.fatigue_weight).",
        _CHAL + " ('as conflicts prolong')",
    ),
    # ---- Richardson's arms-race core -------------------------------------------------------------
    P(
        "fear_alliance",
        "richardson",
        0.15,
        0.0,
        5.0,
        "1/month",
        "k: how strongly members' resolve responds to the threat they perceive.",
        _RICH,
    ),
    P(
        "fear_russia",
        "richardson",
        0.25,
        0.0,
        5.0,
        "1/month",
        "l: how strongly Russia's escalation responds to its threat perception (weighted by 1 - intent).",
        _RICH,
    ),
    P(
        "restraint_alliance",
        "richardson",
        0.25,
        0.0,
        5.0,
        "1/month",
        "a: pull of resolve back toward zero (cost and domestic restraint).",
        _RICH,
    ),
    P(
        "restraint_russia",
        "richardson",
        0.25,
        0.0,
        5.0,
        "1/month",
        "b: pull of escalation intensity back toward zero (cost of escalating).",
        _RICH,
    ),
    P(
        "grievance_alliance",
        "richardson",
        0.12,
        -2.0,
        2.0,
        "1/month",
        "g: standing grievance pushing members to support Ukraine, scaled by aid_level and hawkishness.",
        _RICH,
    ),
    P(
        "grievance_russia",
        "richardson",
        0.02,
        -2.0,
        2.0,
        "1/month",
        "h: Russia's standing grievance (drive to escalate at zero threat).",
        _RICH,
    ),
    P("dt", "richardson", 1.0, 0.001, 1.0, "month", "Euler step length of both sides' updates.", _RICH),
    # ---- members ---------------------------------------------------------------------------------
    P("initial_resolve", "members", 0.5, 0.0, 1.0, "1", "Resolve r of every member at month 0."),
    P("initial_threat", "members", 0.3, 0.0, 1.0, "1", "Threat perception T of every member at month 0."),
    P("initial_stockpile", "members", 0.8, 0.0, 1.0, "1", "Stockpile s of every member at month 0."),
    P(
        "perception_rate",
        "members",
        0.3,
        0.0,
        1.0,
        "1/month",
        "mu: weight of this month's perceived threat in T (1 = instant perception).",
        _PERC,
    ),
    P(
        "exposure_weight",
        "members",
        1.0,
        0.0,
        3.0,
        "1",
        "How much more threat exposed (frontline) members perceive than the GDP-weighted average member.",
        _REG,
    ),
    P(
        "consensus_pull",
        "members",
        0.2,
        0.0,
        1.0,
        "1/month",
        "c: pull of each member's resolve toward the alliance mean under unity.",
        _CHAL,
    ),
    P(
        "risk_aversion",
        "members",
        0.3,
        0.0,
        5.0,
        "1/month",
        "q: self-deterrence when Russia's intensity exceeds fear_threshold (scaled by each member's risk aversion).",
        "Snyder (1984), alliance security dilemma: fear of entrapment",
    ),
    P(
        "fear_threshold",
        "members",
        0.55,
        0.0,
        1.0,
        "1",
        "y_fear: intensity above which members self-deter.",
        "Snyder (1984)",
    ),
    P(
        "fatigue_growth",
        "members",
        0.03,
        0.0,
        0.5,
        "1/month",
        "Growth of a member's fatigue per month of aid at full capacity.",
        _CHAL,
    ),
    P(
        "fatigue_weight",
        "members",
        0.4,
        0.0,
        2.0,
        "1/month",
        "Penalty on resolve per unit of fatigue at fatigue = 1.",
        _CHAL,
    ),
    P(
        "capacity_share",
        "members",
        0.01,
        0.0,
        0.1,
        "share of GDP/year",
        "Aid capacity: the share of its GDP a member could give per year at full resolve, stockpile and aid_level.",
        "Kiel Ukraine Support Tracker order of magnitude (0.1-1% of GDP per year)",
    ),
    P(
        "depletion",
        "members",
        0.08,
        0.0,
        1.0,
        "1/month",
        "Stockpile drawn down per month of aid at full capacity.",
        _CHAL + " ('logistics and resource constraints')",
    ),
    P(
        "replenish",
        "members",
        0.04,
        0.0,
        1.0,
        "1/month",
        "Share of the stockpile gap refilled by production each month.",
        _CHAL,
    ),
    P("lethal_base", "members", 0.3, 0.0, 0.9, "1", "Lethal share of aid for the least hawkish member.", _MIL),
    P(
        "lethal_hawk",
        "members",
        0.5,
        0.0,
        0.9,
        "1",
        "Extra lethal share for the most hawkish member (the lethal share is capped at 1 - training_share).",
        _MIL,
    ),
    P(
        "training_share",
        "members",
        0.1,
        0.0,
        0.5,
        "1",
        "Share of aid given as training.",
        _MIL + " ('Training and advisory missions')",
    ),
    P(
        "posture_full_pct",
        "members",
        5.0,
        0.5,
        20.0,
        "% of GDP",
        "Defence spending at which a member's standing forces alone give full posture.",
        "NATO (2024) defence expenditure",
    ),
    P(
        "posture_gain",
        "members",
        0.4,
        0.0,
        1.0,
        "1",
        "How far resolve and threat raise posture above the standing-force floor.",
        _POL,
    ),
    P(
        "spillover_shock",
        "members",
        0.3,
        0.0,
        1.0,
        "1",
        "Jump in a struck member's perceived threat after a spillover incident.",
        _REG,
    ),
    # ---- alliance --------------------------------------------------------------------------------
    P(
        "cohesion_dispersion",
        "alliance",
        1.5,
        0.0,
        10.0,
        "1",
        "c_disp: cohesion C = 1 - c_disp x (GDP-weighted std of resolve).",
        _POL + " ('allied unity')",
    ),
    P(
        "package_interval",
        "alliance",
        6,
        1,
        120,
        "month",
        "Months between proposals of a package of advanced systems.",
        _CHAL + " ('delay decision processes')",
    ),
    P("package_threshold", "alliance", 0.35, 0.0, 1.0, "1", "Resolve a member needs to back a package.", _CHAL),
    P(
        "package_quorum",
        "alliance",
        0.6,
        0.0,
        1.0,
        "1",
        "GDP-weighted share of backing members needed to release a package.",
        _CHAL,
    ),
    P(
        "package_size",
        "alliance",
        1.0,
        0.0,
        12.0,
        "months of capacity",
        "Lethal aid in a released package, in months of the alliance's aid capacity (times aid_level).",
        _MIL,
    ),
    # ---- Russia ----------------------------------------------------------------------------------
    P("initial_intensity", "russia", 0.35, 0.0, 1.0, "1", "Escalation intensity y at month 0."),
    P("initial_threat", "russia", 0.3, 0.0, 1.0, "1", "Threat perception theta at month 0."),
    P("initial_rung", "russia", -1, -1, 9, "rung", "Ladder rung at month 0 (-1: read from initial_intensity)."),
    P("perception_rate", "russia", 0.3, 0.0, 1.0, "1/month", "mu_R: weight of this month's reading in theta.", _PERC),
    P(
        "w_lethal",
        "russia",
        1.5,
        0.0,
        5.0,
        "1",
        "Weight of lethal aid (share of alliance capacity) in Russia's threat reading.",
        _PERC,
    ),
    P("w_nonlethal", "russia", 0.3, 0.0, 5.0, "1", "Weight of non-lethal aid.", _PERC),
    P("w_training", "russia", 0.5, 0.0, 5.0, "1", "Weight of training.", _PERC),
    P("w_posture", "russia", 0.3, 0.0, 5.0, "1", "Weight of the alliance's aggregate posture.", _PERC),
    P("w_expansion", "russia", 0.6, 0.0, 5.0, "1", "Weight of the memory of accessions.", _EXP),
    P(
        "w_effort",
        "russia",
        0.0,
        0.0,
        5.0,
        "1",
        "Weight of alliance effort (mean resolve) itself; 1 with all other weights 0 gives the Richardson limit.",
        _RICH,
    ),
    P("expansion_decay", "russia", 0.05, 0.0, 1.0, "1/month", "Monthly decay of the memory of an accession.", _EXP),
    P(
        "opportunity",
        "russia",
        0.35,
        0.0,
        2.0,
        "1/month",
        "Gain a revisionist Russia sees in escalating against weak deterrence (x intent x (1 - D)).",
        "Jervis (1976): deterrence model",
    ),
    P(
        "deterrence_weight",
        "russia",
        0.25,
        0.0,
        2.0,
        "1/month",
        "d: restraint a revisionist Russia takes from the deterrence signal D.",
        "Schelling (1966), Arms and Influence",
    ),
    P("loss_weight", "russia", 0.15, 0.0, 2.0, "1/month", "Push to escalate from battlefield losses.", _MIL),
    P(
        "negotiation_restraint",
        "russia",
        0.06,
        0.0,
        1.0,
        "1/month",
        "Restraint on escalation while talks are open.",
        _DIP,
    ),
    P("ceasefire_restraint", "russia", 0.15, 0.0, 1.0, "1/month", "Restraint on escalation during a ceasefire.", _DIP),
    P(
        "noise",
        "russia",
        0.15,
        0.0,
        1.0,
        "1/month",
        "Standard deviation of monthly intensity noise per unit of misperception.",
        "Jervis (1976): misperception",
    ),
    P(
        "jump_chance",
        "russia",
        0.4,
        0.0,
        1.0,
        "1",
        "Chance per unit of misperception that a climb "
        "jumps straight to the rung y reads (a miscalculation) instead of one rung.",
        "Kahn (1965), On Escalation",
    ),
    P(
        "force_ratio",
        "russia",
        1.7,
        0.0,
        5.0,
        "1",
        "Combat power of Russia's committed force relative to the same share of Ukraine's capacity.",
        _MIL,
    ),
    P("force_rate", "russia", 0.2, 0.0, 1.0, "1/month", "Speed at which committed force F follows intensity.", _MIL),
    # ---- Ukraine ---------------------------------------------------------------------------------
    P("initial_capacity", "ukraine", 0.4, 0.0, 1.0, "1", "Capacity u at month 0."),
    P(
        "initial_territory",
        "ukraine",
        0.82,
        0.0,
        1.0,
        "1",
        "Share of its territory Ukraine holds at month 0.",
        "about 18% occupied in 2023-2024 (public estimates)",
    ),
    P("initial_training", "ukraine", 0.2, 0.0, 1.0, "1", "Training level at month 0."),
    P("initial_morale", "ukraine", 0.6, 0.0, 1.0, "1", "Morale at month 0."),
    P("aid_effect", "ukraine", 0.8, 0.0, 5.0, "1/month", "Growth of capacity per unit of absorbed aid.", _MIL),
    P(
        "firepower",
        "ukraine",
        1.0,
        0.0,
        5.0,
        "1",
        "Combat power added per unit of absorbed lethal aid (share of alliance capacity) in the month it arrives.",
        _MIL,
    ),
    P(
        "absorb_base",
        "ukraine",
        0.5,
        0.0,
        1.0,
        "1",
        "Share of aid absorbed with no training (training raises it toward 1).",
        _MIL + " ('Training and advisory missions')",
    ),
    P(
        "training_rate",
        "ukraine",
        2.0,
        0.0,
        10.0,
        "1/month",
        "Growth of the training level per unit of training aid.",
        _MIL,
    ),
    P("training_decay", "ukraine", 0.02, 0.0, 1.0, "1/month", "Monthly loss of training (turnover)."),
    P(
        "regeneration",
        "ukraine",
        0.02,
        0.0,
        1.0,
        "1/month",
        "Ukraine's own mobilisation and production refilling capacity.",
    ),
    P("attrition", "ukraine", 0.06, 0.0, 1.0, "1/month", "Capacity lost per unit of Russia's committed force."),
    P(
        "territory_rate",
        "ukraine",
        0.015,
        0.0,
        0.2,
        "1/month",
        "Territory gained per unit of (combat power - committed force).",
    ),
    P("morale_rate", "ukraine", 0.1, 0.0, 1.0, "1/month", "Speed at which morale follows the battlefield."),
    P("casualty_rate", "ukraine", 0.2, 0.0, 2.0, "1", "Losses per unit of engagement (u x F)."),
    # ---- talks (diplomacy) -------------------------------------------------------------------------------
    P(
        "stalemate_window",
        "talks",
        6,
        1,
        36,
        "month",
        "Months over which territory must stay nearly still for a stalemate.",
        "Zartman (2000), ripeness",
    ),
    P(
        "stalemate_tolerance",
        "talks",
        0.005,
        0.0001,
        1.0,
        "1",
        "Territory change over the window below which the front counts as still.",
        "Zartman (2000)",
    ),
    P(
        "hurt_reference",
        "talks",
        0.12,
        0.001,
        1.0,
        "1",
        "Monthly losses at which both sides count as fully hurting.",
        "Zartman (2000): mutually hurting stalemate",
    ),
    P("ceasefire_after", "talks", 6, 1, 60, "month", "Months of talks without a new climb before a ceasefire.", _DIP),
    P(
        "break_shock",
        "talks",
        0.5,
        0.0,
        10.0,
        "1",
        "Misperception shock (eps) above which a ceasefire breaks.",
        "Jervis (1976)",
    ),
    # ---- spillover -------------------------------------------------------------------------------
    P(
        "rate",
        "spillover",
        0.08,
        0.0,
        1.0,
        "1/month",
        "Monthly incident probability per unit of intensity x exposure, from the spillover rung up.",
        _REG,
    ),
    P("from_rung", "spillover", 5, 0, 9, "rung", "Lowest rung at which incidents happen.", _REG),
    P(
        "alliance_share",
        "spillover",
        0.3,
        0.0,
        1.0,
        "1",
        "Share of a struck member's threat jump felt by every other member.",
        _REG,
    ),
    # ---- ladder ----------------------------------------------------------------------------------
    P(
        "hysteresis",
        "ladder",
        0.03,
        0.0,
        0.2,
        "1",
        "Intensity must fall this far below a rung's threshold before Russia steps down.",
        "Kahn (1965)",
    ),
    P(
        "thresholds",
        "ladder",
        [0.10, 0.20, 0.30, 0.40, 0.50, 0.60, 0.70, 0.80, 0.92],
        unit="1",
        meaning="Intensity at which each rung from 1 up begins (increasing, in (0, 1]).",
        source="Kahn (1965), condensed",
    ),
    P(
        "names",
        "ladder",
        [
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
        source="Kahn (1965), On Escalation, condensed in MODEL.md section 4",
    ),
)

GROUPS: tuple[str, ...] = tuple(dict.fromkeys(p.group for p in PARAMETERS if p.group))

_BY_KEY = {p.key: p for p in PARAMETERS}

#: The parameters a classroom dashboard shows as sliders.
CLASSROOM: tuple[str, ...] = (
    "aid_level",
    "member_unity",
    "russia_intent",
    "misperception",
    "diplomacy",
    "ambiguity",
    "fatigue",
)


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

"""The alliance's members and partners: their state and every member rule, in one place.

A member's state lives in :class:`MemberArrays`, one column per quantity and one entry per donor
(members and partners, in joining order). The month's member rules are loops over the donors compiled
by numba (:func:`kernel`): a rule is one call whatever the number of members, where as whole-array
numpy operations a month made about a hundred calls of a microsecond each on 32 entries (issue 19).
:class:`AllianceMember` is the per-member view Mesa, the dashboard and the tests use; it holds no
state of its own.

Members are governments (issue 11): each has **interests from data** (the public's support for
sanctions in spring 2022, dependence on Russian energy before the war, Soviet-bloc history:
``simulation/member_data.py``; never aid data), which set the share of its GDP it is willing to give;
**domestic politics** (the public's support, which erodes with the cost of aid and rallies with
incidents, and a government stance that follows it with a lag and changes at elections on the real
calendar); **burden-sharing** (members see the others' aid: Olson-Zeckhauser free-riding and
reciprocity); and **neighbours** (land, sea and regional-group edges along which spillover shocks
spread and threat perceptions converge).

The month's member rules, called by the model in this order (docs/ODD.md, process overview):

1. :func:`perceive`: each donor's threat perception T moves toward the threat it reads in Russia's
   intensity (exposed members read more), then toward its neighbours';
2. :func:`politics`: the public's support, the government's stance and this month's elections;
3. :func:`decide`: resolve (with the government's stance and burden-sharing), aid by category,
   stockpile, fatigue and posture, synchronously;
4. :func:`pledge`: backers pledge to a package of advanced systems in an order shuffled by the model's
   generator (the one member action whose order matters), each responding to what is already pledged;
5. :func:`spill`: spillover incidents strike members; the shock spreads to their neighbours.

Every new term enters a member's drive as its deviation from the GDP-weighted mean over the donors, so
the alliance's mean drive, and with it total aid, is unchanged, and with one member every new term is
exactly zero (the Richardson limit).

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
from numba import njit

from simulation import member_data as md
from simulation import roster as rs
from simulation.calendar import parse_month

if TYPE_CHECKING:
    from simulation.model import EscalationModel

__all__ = [
    "MONTHS_PER_YEAR",
    "AllianceMember",
    "MemberArrays",
    "decide",
    "election_calendar",
    "interest_inputs",
    "network",
    "perceive",
    "pledge",
    "politics",
    "spill",
    "static_columns",
]

#: Aid capacity is declared per year (share of GDP a year); flows are per month.
MONTHS_PER_YEAR = 12.0
#: Posture rises with the mean of resolve and threat (an average of two drivers, not a tunable weight:
#: ``members.posture_gain`` scales the rise).
POSTURE_DRIVER_MEAN = 0.5
#: A package backer pledges at most this many times its own share of the package: first movers carry
#: more, and no single member carries all of it (the shape of burden-sharing, not a calibrated value).
PLEDGE_CAP = 2.0
#: Undated scenarios (no ``start``) read the sourced election calendar as if month 0 were February 2022,
#: the war's first month and the vintage of the interest data (a convention, not a parameter).
UNDATED_START = "2022-02"


def kernel(fn: Any) -> Any:
    """Compile a member rule with numba: IEEE double arithmetic in the order written.

    No fast-math, so no reassociation and no fused multiply-add (tests/test_kernels.py checks the bits
    against the plain Python).

    Compiled once per machine and kept in ``__pycache__`` (or numba's user cache); where neither can be
    written, each process compiles its own. ``NUMBA_DISABLE_JIT=1`` runs the plain Python (for a debugger).
    **A kernel calls only kernels of its own module**: numba checks a cached compile against the time
    stamp of the file that defines the kernel alone, so a kernel from another file could be edited
    without its callers being compiled again (tests/test_kernels.py checks the rule).
    """
    try:
        return njit(cache=True)(fn)
    except RuntimeError as e:
        if "no locator available" not in str(e):  # a misconfigured NUMBA_CACHE_LOCATOR_CLASSES, say
            raise
        return njit(fn)  # numba found no writable cache location


@dataclass
class MemberArrays:
    """Donor state as columns (one entry per donor: members and partners, in joining order).

    Rule: a column is updated by assigning a new array, never changed in place, because the model's
    member history keeps references to each month's arrays.
    """

    gdp: np.ndarray  # USD bn a year (the roster's unit)
    capacity_base: np.ndarray  # aid capacity at commitment 1, EUR bn per month
    exposure: np.ndarray
    hawk: np.ndarray  # structural hawkishness in [0, 1]
    risk: np.ndarray  # structural risk aversion in [0.5, 1]
    floor: np.ndarray  # posture floor from standing forces
    frontline: np.ndarray
    public_rank: np.ndarray  # percentile rank of the public's support for sanctions, spring 2022 (data)
    energy_rank: np.ndarray  # percentile rank of pre-war dependence on Russian gas and oil (data)
    history: np.ndarray  # 1 former Soviet republic, 1/2 former Warsaw Pact, else 0 (data)
    support0: np.ndarray  # the public's support in spring 2022 (data)
    stance0: np.ndarray  # the government's stance at month 0: its 2022 stance moved by the invasion
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
    support: np.ndarray  # the public's support for aiding Ukraine in [0, 1]
    stance: np.ndarray  # the government's stance toward Russia in [-1, 1] (+1 hawkish)
    threat_seen: np.ndarray  # T when politics last ran (its rise rallies the public)
    willing: np.ndarray  # capacity the government acts on this month (capacity x stance factor), EUR bn/month
    # derived each time the roster, a role or unity changes
    w: np.ndarray = field(default=None)  # GDP weights over every donor
    aw: np.ndarray = field(default=None)  # GDP weights over the alliance's members only (0 for partners)
    fear_mult: np.ndarray = field(default=None)  # effective hawkishness / donors' mean
    risk_mult: np.ndarray = field(default=None)
    lethal_share: np.ndarray = field(default=None)
    threat_mult: np.ndarray = field(default=None)
    commitment: np.ndarray = field(default=None)  # willingness to give from interests, GDP-weighted mean 1
    stance_norm: float = field(default=1.0)  # GDP-weighted mean stance factor of the month-0 governments
    capacity: np.ndarray = field(default=None)  # aid capacity, EUR bn per month (capacity_base x commitment)
    nb_src: np.ndarray = field(default=None)  # neighbour edges, both directions: member, neighbour, weight
    nb_dst: np.ndarray = field(default=None)
    nb_w: np.ndarray = field(default=None)
    nb_deg: np.ndarray = field(default=None)  # summed edge weight of each donor (0: no neighbours)
    nb_has: np.ndarray = field(default=None)  # 1.0 for a donor with neighbours, else 0.0
    nb_share: np.ndarray = field(default=None)  # each edge's weight over its member's nb_deg (sums to 1 a member)
    inv_w: np.ndarray = field(default=None)  # 1 / w
    willing_per_stance: np.ndarray = field(default=None)  # capacity / h0 (x the stance factor: capacity acted on)
    # kept by decide between refreshes (None: to be computed)
    policy_seen: np.ndarray | None = field(default=None)  # the aid_policy array last read by decide, and ...
    may_back: np.ndarray | None = field(default=None)  # ... the members whose aid level is not zero (packages)
    member_count: int = field(default=0)  # members of the alliance (partners not counted)

    DERIVED = (
        "w",
        "aw",
        "fear_mult",
        "risk_mult",
        "lethal_share",
        "threat_mult",
        "commitment",
        "stance_norm",
        "capacity",
        "nb_src",
        "nb_dst",
        "nb_w",
        "nb_deg",
        "nb_has",
        "nb_share",
        "inv_w",
        "willing_per_stance",
        "policy_seen",
        "may_back",
        "member_count",
    )

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

    def refresh(self, unity: float, mp: Any, codes: tuple[str, ...] = ()) -> None:
        """Recompute weights, dispositions, commitment and the network (after an accession or a unity change).

        Each donor's effective hawkishness and risk aversion are ``U * mean + (1 - U) * own``; the
        multipliers divide by the GDP-weighted mean so that a one-member alliance has multiplier 1
        (the Richardson limit). Commitment is ``exp(index)`` over its GDP-weighted mean, where the
        interest index is ``interest_public * public_rank - interest_energy * energy_rank +
        interest_history * history + interest_exposure * exposure``: it spreads capacity across members
        without changing the total.
        ``codes`` are the donors' ISO3 codes, in column order (for the neighbour network).
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
        index = mp.interest_public * self.public_rank - mp.interest_energy * self.energy_rank
        index = index + mp.interest_history * self.history + mp.interest_exposure * self.exposure
        raw = np.exp(index - index.max())  # shifted for range; the ratio below is unchanged
        self.commitment = raw / float(self.w @ raw)
        self.capacity = self.capacity_base * self.commitment
        # the month-0 governments act on all of the alliance's capacity on average (weighted by capacity)
        total = float(self.capacity.sum())
        norm = float(self.capacity @ stance_factor(self.stance0, mp)) / total if total > 0.0 else 1.0
        self.stance_norm = norm if norm > 0.0 else 1.0
        self.nb_src, self.nb_dst, self.nb_w, self.nb_deg = network(
            tuple(codes), mp.edge_land, mp.edge_sea, mp.edge_group
        )
        has = self.nb_deg > 0.0
        self.nb_has = has.astype(float)
        # the neighbours' mean as a convex combination: weight / degree is finite and at most 1 for any legal
        # weight (1 / degree overflows for a weight as small as 5e-324, and inf x 0 is NaN)
        self.nb_share = self.nb_w / self.nb_deg[self.nb_src]
        self.inv_w = 1.0 / self.w
        self.willing_per_stance = self.capacity / self.stance_norm
        self.policy_seen = None
        self.member_count = int(self.member.sum())


@cache
def static_columns(
    specs: tuple[rs.MemberSpec, ...], capacity_share: float, posture_full_pct: float, eur_per_usd: float
) -> dict:
    """Static per-donor columns derived from the roster (cached: scenarios are immutable)."""
    gdp = np.array([s.gdp_usd_bn for s in specs])
    cols = {
        "gdp": gdp,
        "capacity_base": capacity_share * gdp * eur_per_usd / MONTHS_PER_YEAR,
        "exposure": np.array([rs.exposure(s) for s in specs]),
        "hawk": np.array([rs.hawkishness(s, posture_full_pct) for s in specs]),
        "risk": np.array([rs.risk_aversion(s) for s in specs]),
        "floor": np.minimum(1.0, np.array([s.defence_pct_gdp for s in specs]) / posture_full_pct),
        "frontline": np.array([float(s.frontline) for s in specs]),
        **interest_inputs(tuple(s.iso3 for s in specs)),
    }
    for v in cols.values():
        v.flags.writeable = False  # shared by every model of this roster; concatenation copies them
    return cols


def new_columns(specs: tuple[rs.MemberSpec, ...], mp: Any, *, member: bool) -> dict[str, np.ndarray]:
    """Every column of new donors: the static ones and the initial state."""
    cols = dict(static_columns(tuple(specs), mp.capacity_share, mp.posture_full_pct, mp.eur_per_usd))
    n = len(specs)
    # the invasion moved each government toward hawkish, no further than its public backed
    before = interest_inputs(tuple(s.iso3 for s in specs), stance=True)
    cols["stance0"] = np.minimum(before + mp.stance_shift, public_stance(cols["support0"], mp))
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
        support=cols["support0"].copy(),
        stance=cols["stance0"].copy(),
        threat_seen=np.full(n, mp.initial_threat),
        willing=np.zeros(n),
    )
    return cols


# ---------------------------------------------------------------------------------------------------
# the data behind members' interests, the election calendar and the neighbour network
# ---------------------------------------------------------------------------------------------------


@kernel
def total_of(x: np.ndarray) -> float:
    """``x[0] + x[1] + ...`` in that order (numpy's ``sum`` adds pairwise; a kernel adds as written)."""
    out = 0.0
    for v in x:
        out += v
    return out


def public_stance(support: np.ndarray, mp: Any) -> np.ndarray:
    """The stance a public with ``support`` backs: ``clip(stance_slope * (support - stance_pivot), -1, 1)``."""
    return _over(_public_stance, support, mp.stance_slope, mp.stance_slope * mp.stance_pivot)


def stance_factor(stance: np.ndarray, mp: Any) -> np.ndarray:
    """Share of its capacity a government with ``stance`` acts on: ``max(0, 1 - stance_weight * (1 - stance))``."""
    return _over(_stance_factor, stance, mp.stance_weight, 1.0 - mp.stance_weight)


@kernel
def _public_stance(support: float, slope: float, offset: float) -> float:
    """``clip(slope * support - slope * pivot, -1, 1)`` with ``offset = slope * pivot``."""
    return min(max(support * slope - offset, -1.0), 1.0)


@kernel
def _stance_factor(stance: float, weight: float, rest: float) -> float:
    """``max(0, weight * stance + (1 - weight))`` with ``rest = 1 - weight``."""
    return max(stance * weight + rest, 0.0)


def _over(rule: Any, x: np.ndarray, a: float, b: float) -> np.ndarray:
    """A scalar rule of the member kernels applied to every entry of ``x`` (set-up time, not the month)."""
    return np.array([rule(float(v), a, b) for v in x], dtype=float)


def _percentile_rank(x: np.ndarray) -> np.ndarray:
    """Rank of each value among ``x`` in [0, 1] (ties share their mean rank): the data as ordinal signals."""
    srt = np.sort(x)
    mean_rank = (np.searchsorted(srt, x, "left") + np.searchsorted(srt, x, "right") - 1) / 2
    return mean_rank / max(len(x) - 1, 1)


@cache
def _interest_table() -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Per-member interest inputs over the 32 members of the data, and their GDP-weighted means.

    Energy and opinion shares are read as ranks (their sources measure differently: SOURCES.md);
    history is 1 for a former Soviet republic, 1/2 for a former Warsaw Pact state.
    """
    codes = list(md.member_interests())
    col = lambda f: md.interest_array(f, codes)  # noqa: E731
    energy = (col("gas_import_share_russia") + col("oil_import_share_russia")) / 2
    support = col("public_sanctions_support_2022")
    table = {
        "public_rank": _percentile_rank(support),
        "energy_rank": _percentile_rank(energy),
        "history": col("soviet_republic_former") + col("warsaw_pact_former") / 2,
        "support0": support,
        "stance": col("government_stance_2022"),
    }
    roster = rs.nato_2024()
    gdp = np.array([roster[c].gdp_usd_bn for c in codes])
    means = {k: float(gdp @ v / gdp.sum()) for k, v in table.items()}
    return {k: dict(zip(codes, v, strict=True)) for k, v in table.items()}, means


def interest_inputs(codes: tuple[str, ...], *, stance: bool = False) -> dict[str, np.ndarray] | np.ndarray:
    """The interest columns of donors ``codes`` (or, with ``stance``, their governments' 2022 stance).

    A hand-written member without data gets the GDP-weighted mean member's values: a neutral interest.
    """
    table, means = _interest_table()
    if stance:
        return np.array([table["stance"].get(c, means["stance"]) for c in codes])
    return {
        k: np.array([table[k].get(c, means[k]) for c in codes])
        for k in ("public_rank", "energy_rank", "history", "support0")
    }


@cache
def network(
    codes: tuple[str, ...], edge_land: float, edge_sea: float, edge_group: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weighted neighbour edges among ``codes`` (both directions) and each donor's summed weight.

    A pair's weight is ``edge_land`` per land border + ``edge_sea`` per shared sea + ``edge_group`` per
    regional group both belong to, capped at 1 (groups are cliques: JEF alone links 45 pairs). Built
    from the edge list in time linear in the edges, so large synthetic rosters stay cheap.
    """
    index = {c: i for i, c in enumerate(codes)}
    weight: dict[tuple[int, int], float] = {}
    for a, b, kind in md.neighbour_edges():
        if a in index and b in index:
            w = edge_land if kind == "land" else edge_sea if kind == "sea" else edge_group
            key = (index[a], index[b])
            weight[key] = min(1.0, weight.get(key, 0.0) + w)
    pairs = [(i, j, w) for (i, j), w in weight.items() if w > 0]
    src = np.array([p[0] for p in pairs] + [p[1] for p in pairs], dtype=np.int64)
    dst = np.array([p[1] for p in pairs] + [p[0] for p in pairs], dtype=np.int64)
    wt = np.array([p[2] for p in pairs] * 2, dtype=float)
    deg = np.bincount(src, weights=wt, minlength=len(codes)) if len(src) else np.zeros(len(codes))
    for v in (src, dst, wt, deg):
        v.flags.writeable = False
    return src, dst, wt, deg


@cache
def election_calendar(start: str, horizon: int, term: int) -> dict[int, tuple[str, ...]]:
    """Month (from ``start``) -> ISO3 codes of the members holding an election that month, to ``horizon``.

    The sourced calendar (``member_elections.csv``, 2022-2027) first; after a member's last listed
    election, one every ``term`` months. Only elections from month 1 on count (month 0 is the initial state).
    """
    y0, m0 = parse_month(start)
    out: dict[int, list[str]] = {}
    for code, specs in md.elections().items():
        months = [(e.year - y0) * int(MONTHS_PER_YEAR) + (e.month - m0) for e in specs]
        last = max(months)
        months += list(range(last + term, horizon + 1, term))
        for k in sorted(set(months)):
            if 1 <= k <= horizon:
                out.setdefault(k, []).append(code)
    return {k: tuple(v) for k, v in out.items()}


# ---------------------------------------------------------------------------------------------------
# the member rules of a month
# ---------------------------------------------------------------------------------------------------


def perceive(model: EscalationModel) -> None:
    """Phase 1: every donor's T moves toward the threat it reads in Russia's intensity, then its neighbours'.

    ``T <- (1 - perception_rate) * T + perception_rate * reading``, ``reading = intensity * threat_mult``
    (exposed donors read more; clipped to [0, 1] when bounded); spillover shocks were added when they
    struck. Then ``T <- T + neighbour_pull * (weighted mean of neighbours' T - T)`` for donors with neighbours.
    """
    m, mp = model.m, model.params.members
    m.threat = _perceive(
        m.threat, m.threat_mult, model.russia.intensity, model.bounded, mp.perception_rate, mp.neighbour_pull,
        m.nb_src, m.nb_dst, m.nb_share, m.nb_has,
    )  # fmt: skip


@kernel
def _perceive(threat, threat_mult, intensity, bounded, mu, pull, src, dst, share, has):
    n = threat.size
    t = np.empty(n)
    for i in range(n):
        reading = intensity * threat_mult[i]
        if bounded:
            reading = min(max(reading, 0.0), 1.0)
        t[i] = (1.0 - mu) * threat[i] + mu * reading
    if pull > 0.0 and src.size > 0:
        near = np.zeros(n)  # each donor's weighted mean of its neighbours' T (edges in both directions)
        for e in range(src.size):
            near[src[e]] += share[e] * t[dst[e]]
        for i in range(n):
            t[i] = t[i] + pull * (near[i] - has[i] * t[i])
    return t


def politics(model: EscalationModel, draws: np.ndarray, month: int) -> None:
    """Phase 1b: the public's support, the government's stance and this month's elections.

    ``S <- S + support_rate*(S0*(1 - support_erosion*fatigue*f) - S) + support_rally*max(0, rise of T)``;
    the public backs stance ``clip(stance_slope*(S - stance_pivot), -1, 1)``, which the government
    follows at ``stance_rate``. A member holding an election this month (the sourced calendar) changes
    government when its draw ``u < election_turnover``; the new government takes the public's stance
    plus a uniform spread of half-width ``election_noise`` (from the same draw). ``draws`` holds one
    uniform per donor, drawn every month whether or not anyone votes (a fixed number of draws).
    """
    m, mp = model.m, model.params.members
    a = mp.support_rate
    support, public, stance = _politics(
        m.support, m.support0, m.fatigue, m.threat, m.threat_seen, m.stance,
        a, a * mp.support_erosion * model.fatigue, mp.support_rally,
        mp.stance_slope, mp.stance_slope * mp.stance_pivot, mp.stance_rate,
    )  # fmt: skip
    voting = model.elections.get(month, ())
    if voting:
        # one or two members vote in a month: Python floats on each
        where, p, noise = model.donor_index, mp.election_turnover, mp.election_noise
        for code in voting:
            i = where.get(code)
            if i is None:
                continue
            u = float(draws[i])
            name = model.member_agents[i].spec.name
            if u < p:
                s_new = min(max(float(public[i]) + noise * (2.0 * u / p - 1.0), -1.0), 1.0)
                model.log_event(
                    name,
                    "election",
                    f"{name} elects a new government: its stance moves from {stance[i]:+.2f} to {s_new:+.2f} "
                    f"(public support {support[i]:.0%})",
                )
                stance[i] = s_new
            else:
                model.log_event(name, "election", f"{name}'s government is re-elected (stance {stance[i]:+.2f})")
    m.support, m.stance, m.threat_seen = support, stance, m.threat


@kernel
def _politics(support, support0, fatigue, threat, seen, stance, a, cost, rally, slope, offset, rate):
    n = support.size
    s_new, public, g_new = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        s = support[i] * (1.0 - a) + a * support0[i]  # S + a*(S0*(1 - e*phi*f) - S), with cost = a*e*phi
        if cost > 0.0:
            s -= cost * (support0[i] * fatigue[i])
        if rally > 0.0:
            s += max(threat[i] - seen[i], 0.0) * rally
        s = min(max(s, 0.0), 1.0)
        s_new[i] = s
        public[i] = _public_stance(s, slope, offset)
        g_new[i] = stance[i] * (1.0 - rate) + rate * public[i]
    return s_new, public, g_new


def decide(model: EscalationModel) -> None:
    """Phase 3: resolve, aid by category, stockpile, fatigue and posture of every donor at once.

    ``drive = k*T - a*r + g - q*max(0, y - y_fear) - phi*fatigue + burden``, where ``burden =
    free_riding*(a - mean_w a)/war_spending + reciprocity*(lag - mean_w lag)``, ``a`` last month's aid
    (EUR bn) and ``lag = max(0, 1 - (a/GDP)/(alliance aid/alliance GDP))`` (Olson-Zeckhauser: the small
    leave the common good to the large; reciprocity: peers press laggards);
    ``r <- r + response*[(1 - U)*drive + U*(mean drive + c*(mean r - r))]``;
    ``aid = level * r * s * capacity * max(0, 1 - stance_weight*(1 - G))`` (EUR bn a month; G the
    government's stance, so that an accommodating government gives nothing), split lethal / non-lethal /
    training by hawkishness,
    where ``level`` is the donor's own aid level if an event set one, else the alliance's ``aid_level``.
    ``k`` and ``g`` are scaled by each donor's fear multiplier, ``q`` by its risk multiplier.
    """
    m, p, ra = model.m, model.params, model.params.richardson
    mp = p.members
    y = model.russia.intensity
    r, frac, m.willing, m.aid_lethal, m.aid_nonlethal, m.aid_training = _resolve_and_aid(
        m.threat, m.resolve, m.fear_mult, m.risk_mult, m.fatigue,
        m.aid_lethal, m.aid_nonlethal, m.aid_training, m.w, m.inv_w,
        m.aid_policy, m.stockpile, m.willing_per_stance, m.stance, m.lethal_share,
        ra.fear_alliance, ra.restraint_alliance, ra.grievance_alliance, model.aid_level,
        mp.risk_aversion * max(0.0, y - mp.fear_threshold), model.fatigue * mp.fatigue_weight,
        mp.free_riding / p.russia.war_spending, mp.reciprocity, mp.consensus_pull, ra.response,
        model.member_unity, model.bounded, mp.stance_weight, mp.training_share,
    )  # fmt: skip
    m.resolve = r
    if m.aid_policy is not m.policy_seen:  # a new array only when an event gives a donor its own level
        # a member whose own aid level an event set to zero (the US hold) neither backs nor pledges a package
        m.policy_seen, m.may_back = m.aid_policy, (m.member == 1.0) & (m.aid_policy != 0.0)
    if model.directives is not None:  # players' decisions replace the rule for their donors (simulation.directives)
        frac = model.directives.aid(m, frac, mp.training_share)
    m.stockpile, m.fatigue, m.posture = _stocks_and_posture(
        m.stockpile, m.fatigue, frac, r, m.threat, m.floor,
        mp.depletion, mp.replenish, mp.fatigue_growth, mp.posture_gain, model.bounded,
    )  # fmt: skip
    if model.directives is not None:
        m.posture = model.directives.posture(m)


@kernel
def _relative_terms(aid, w, inv_w, free_riding, reciprocity):
    """Burden-sharing: free-riding and reciprocity, each as its deviation from the GDP-weighted mean.

    ``aid`` is last month's aid of each donor (EUR bn), ``free_riding`` already over Russia's war
    spending. Mean zero over the donors by construction, so they move members apart without moving the
    alliance's mean drive; with one member they are exactly zero.
    """
    n = aid.size
    out = np.zeros(n)
    if free_riding > 0.0:
        mean = 0.0
        for i in range(n):
            mean += w[i] * aid[i]
        for i in range(n):
            out[i] = (aid[i] - mean) * free_riding
    total = total_of(aid)
    if reciprocity > 0.0 and total > 0.0:
        # lag = max(0, 1 - (aid/GDP) / (total aid / total GDP)) = max(0, 1 - (aid/total) / w): the relative
        # shortfall of a laggard (aid/total stays finite however small the total)
        lag = np.empty(n)
        mean = 0.0
        for i in range(n):
            lag[i] = max(1.0 - aid[i] / total * inv_w[i], 0.0)
            mean += w[i] * lag[i]
        for i in range(n):
            out[i] = out[i] + (lag[i] - mean) * reciprocity
    return out


@kernel
def _resolve_and_aid(
    threat, resolve, fear_mult, risk_mult, fatigue, lethal, nonlethal, training, w, inv_w,
    aid_policy, stockpile, willing_per_stance, stance, lethal_share,
    fear, restraint, grievance, aid_level, self_deterrence, fatigue_cost,
    free_riding, reciprocity, consensus_pull, response, unity, bounded, stance_weight, training_share,
):  # fmt: skip
    """Resolve, the share of capacity given, capacity acted on and aid by category (``decide``)."""
    n = threat.size
    burden = _relative_terms(lethal + nonlethal + training, w, inv_w, free_riding, reciprocity)
    drive = np.empty(n)
    mean_drive = mean_r = 0.0
    for i in range(n):
        d = fear * fear_mult[i] * threat[i] - restraint * resolve[i] + grievance * fear_mult[i] * aid_level
        d = d - self_deterrence * risk_mult[i] - fatigue_cost * fatigue[i] + burden[i]
        drive[i] = d
        mean_drive += w[i] * d
        mean_r += w[i] * resolve[i]
    r, frac, willing = np.empty(n), np.empty(n), np.empty(n)
    out_l, out_n, out_t = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        consensus = mean_drive + consensus_pull * (mean_r - resolve[i])
        ri = resolve[i] + response * ((1.0 - unity) * drive[i] + unity * consensus)
        given = min(max(ri, 0.0), 1.0)  # resolve beyond 1 (bounds off) cannot give beyond capacity
        if bounded:
            ri = given
        r[i] = ri
        level = aid_level if np.isnan(aid_policy[i]) else aid_policy[i]
        frac[i] = level * given * stockpile[i]
        willing[i] = willing_per_stance[i] * _stance_factor(stance[i], stance_weight, 1.0 - stance_weight)
        aid = frac[i] * willing[i]
        out_l[i] = aid * lethal_share[i]
        out_t[i] = aid * training_share
        out_n[i] = aid - out_l[i] - out_t[i]
    return r, frac, willing, out_l, out_n, out_t


@kernel
def _stocks_and_posture(stockpile, fatigue, frac, r, threat, floor, depletion, replenish, growth, gain, bounded):
    """Stockpile, fatigue and posture after this month's aid (``decide``)."""
    n = stockpile.size
    s_new, f_new, p_new = np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        s_new[i] = min(max(stockpile[i] - depletion * frac[i] + replenish * (1.0 - stockpile[i]), 0.0), 1.0)
        f_new[i] = fatigue[i] + growth * frac[i] * (1.0 - fatigue[i])
        # bounded, r is already in [0, 1] (the threat is not: spillover adds to it before its cap)
        drivers = POSTURE_DRIVER_MEAN * ((r[i] if bounded else min(r[i], 1.0)) + min(threat[i], 1.0))
        p_new[i] = floor[i] + (1.0 - floor[i]) * gain * drivers
    return s_new, f_new, p_new


def pledge(model: EscalationModel, backers: np.ndarray, size: float) -> float:
    """Backers pledge to a package of ``size`` months of their capacity; return what was delivered (EUR bn).

    They pledge in an order shuffled by the model's generator, each up to ``PLEDGE_CAP x max(0, 1 +
    pledge_bandwagon x share already pledged)`` times its own share, until the package is covered: first
    movers carry more, and later backers respond to who has pledged before them (reciprocity when
    ``alliance.pledge_bandwagon`` > 0, free-riding on first movers when < 0). Order matters here, so it
    is shuffled.
    A package draws stockpiles like regular aid (months of capacity drawn x depletion).
    """
    m = model.m
    bandwagon = model.params.alliance.pledge_bandwagon
    total = size * float(m.willing.dot(m.member))  # sized on the members' capacity: partners do not pledge
    remaining = total
    pledges = np.zeros_like(m.willing)
    for i in model.rng.permutation(np.flatnonzero(backers)):
        covered = 1.0 - remaining / total if total > 0.0 else 0.0
        cap = PLEDGE_CAP * max(0.0, 1.0 + bandwagon * covered)
        give = min(remaining, cap * size * float(m.willing[i]))
        pledges[i] = give
        remaining -= give
        if remaining <= 0.0:
            break
    m.aid_lethal = m.aid_lethal + pledges
    drawn = np.divide(pledges, m.willing, out=np.zeros_like(pledges), where=m.willing > 0)
    m.stockpile = np.maximum(m.stockpile - model.params.members.depletion * drawn, 0.0)
    return total - max(remaining, 0.0)


def spill(model: EscalationModel, hit: np.ndarray) -> None:
    """Phase 5: spillover incidents strike donors ``hit``; the shock spreads to every donor and to neighbours.

    A struck donor's T jumps by ``spillover_shock x (1 - alliance_share)``, every donor's by
    ``spillover_shock x alliance_share`` per incident, and each neighbour's by ``spillover_shock x
    neighbour_spill x`` the edge's weight.
    """
    m, mp, sp = model.m, model.params.members, model.params.spillover
    shock = mp.spillover_shock
    threat = m.threat + shock * sp.alliance_share * hit.size  # a new array (see MemberArrays)
    threat[hit] += shock * (1.0 - sp.alliance_share)
    if mp.neighbour_spill > 0.0 and m.nb_src.size:
        struck = np.zeros_like(threat)
        struck[hit] = 1.0
        near = np.bincount(m.nb_src, weights=m.nb_w * struck[m.nb_dst], minlength=threat.size)
        threat = threat + shock * mp.neighbour_spill * near
    m.threat = np.minimum(threat, 1.0) if model.bounded else threat


def hybrid_targets(model: EscalationModel) -> np.ndarray:
    """Each donor's weight as a target of Russia's hybrid campaign (docs/ODD.md section 7.6).

    ``target_i = exposure_i ((1 - aid_targeting) + aid_targeting rel_i)``, where rel_i is the donor's
    aid this month as a share of its GDP over the alliance's (0 for a donor that gives nothing): the
    campaign falls on the eastern flank and on those that arm Ukraine, and spares Hungary.
    """
    m = model.m
    return _targets(m.exposure, m.aid_lethal, m.aid_nonlethal, m.aid_training, m.gdp,
                    model.params.spillover.aid_targeting)  # fmt: skip


@kernel
def _targets(exposure, lethal, nonlethal, training, gdp, targeting):
    if targeting == 0.0:
        return exposure.copy()
    given = lethal + nonlethal + training
    total = total_of(given)
    scale = total_of(gdp) / total if total > 0.0 else 0.0
    return exposure * ((1.0 - targeting) + targeting * (given / gdp * scale))


def incidents(model: EscalationModel, draws: np.ndarray, rate: float, campaign: float) -> np.ndarray:
    """Donors struck this month (indices): ``draw_i < rate x exposure_i + campaign x target_i``.

    ``rate`` is spillover's (``spillover.rate`` x intensity from the spillover rung up, else 0),
    ``campaign`` the hybrid campaign's (``spillover.campaign_rate`` x its level); targets as
    :func:`hybrid_targets`.
    """
    m = model.m
    return _incidents(draws, m.exposure, rate, campaign, m.aid_lethal, m.aid_nonlethal, m.aid_training, m.gdp,
                      model.params.spillover.aid_targeting)  # fmt: skip


@kernel
def _incidents(draws, exposure, rate, campaign, lethal, nonlethal, training, gdp, targeting):
    p = rate * exposure
    if campaign > 0.0:
        p = p + campaign * _targets(exposure, lethal, nonlethal, training, gdp, targeting)
    return np.flatnonzero(draws < p)


# ---------------------------------------------------------------------------------------------------
# the per-member view
# ---------------------------------------------------------------------------------------------------


class AllianceMember(mesa.Agent):
    """A member (or partner) state: a read-only view of column ``index`` of the model's member arrays.

    The rules that change its state are this module's :func:`perceive`, :func:`politics`,
    :func:`decide`, :func:`pledge` and :func:`spill`, applied to every donor at once.
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
    support = property(lambda self: self._col("support"), doc="The public's support for aiding Ukraine in [0, 1].")
    government_stance = property(lambda self: self._col("stance"), doc="Government stance in [-1, 1] (+1 hawkish).")
    commitment = property(lambda self: self._col("commitment"), doc="Willingness to give from interests (mean 1).")

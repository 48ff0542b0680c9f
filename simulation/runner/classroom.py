"""The classroom wargame's session: roles, turns, decisions, saving, resuming, replaying and the export (issue 21).

Teams play member governments (or groups of them: the Baltic states, the Nordic countries); every other
actor follows the model. One :class:`Session` is the room: the web pages (``simulation.classroom_app``)
of every browser read and change it through its methods, which take its lock (it is thread-safe), and
wait for a change with :meth:`Session.wait`.

A turn: the instructor opens it (optionally with a timer), teams submit and may revise until it closes,
the instructor closes it (or the timer, or the last submission when ``auto_close``); then the model
advances ``turn_months`` months with the teams' decisions as directives (:mod:`simulation.directives`),
a missing decision (or field) falling back to the model's own rule, and the session is saved atomically.

What a student sends is checked here, never trusted: the room code, the role (the token names it: a
team can only change its own role's decisions), the turn it is for (a replayed submission of a closed
turn is refused), and every value against its declared range (:data:`simulation.directives.RANGES`);
joins and submissions are rate-limited. Nothing a student sends loads a file, names a scenario or runs
code: the scenario, the seed and the folder come from the instructor's command line.

The saved state is the scenario, the seed and the decisions of every turn: resuming replays them, so
same seed + same decisions = same run (the replay test), and a crash loses at most the open turn.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.directives import AID_CATEGORIES, INTENSITY_RANGE, RANGES, Directive
from simulation.errors import EscalationError
from simulation.model import EscalationModel
from simulation.runner.store import _atomic_write_bytes
from simulation.scenario import load_scenario

__all__ = [
    "CODE_ALPHABET",
    "GROUPS",
    "RUSSIA",
    "ClassroomError",
    "RateLimit",
    "Role",
    "RussiaDirective",
    "Session",
    "available_roles",
    "parse_decision",
]

#: Groups of members a single team may play (only the members the scenario has count).
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "BALTIC": ("Baltic states", ("EST", "LVA", "LTU")),
    "NORDIC": ("Nordic countries", ("DNK", "FIN", "ISL", "NOR", "SWE")),
}
#: The role of Russia's leadership (optional: every other actor, Russia included, follows the model by default).
RUSSIA = "RUS"
#: Room codes: no 0/O, 1/I (read aloud and typed on phones).
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 4
STATE_FILE = "session.json"
STATE_VERSION = 1
#: Decision fields a team may send, and their kind (numbers are checked against RANGES).
DECISION_FIELDS: dict[str, type] = {
    **{c: float for c in AID_CATEGORIES},
    "posture": float,
    "back": bool,
    "signal": float,
}
RUSSIA_FIELDS: dict[str, type] = {"intensity": float}
#: Rate limits (events, per seconds): per team for submissions, per browser for joins, and room-wide for
#: failed joins (a wrong code), which bounds guessing the 32^4 codes to weeks.
SUBMIT_LIMIT = (10, 10.0)
JOIN_LIMIT = (5, 60.0)
FAILED_JOIN_LIMIT = (30, 60.0)
#: At most this many clients are remembered by the rate limiter (the oldest are forgotten).
MAX_CLIENTS = 4096
#: The longest text a student may send (a room code, a role key): anything longer is refused unread.
MAX_TEXT = 32


class ClassroomError(EscalationError, ValueError):
    """A request the session refuses: the message says why, in one line, for the page to show."""


@dataclass(frozen=True)
class Role:
    """A part a team can play: one member, or a group of members, by key (``"POL"``, ``"BALTIC"``)."""

    key: str
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class RussiaDirective:
    """Russia's leadership's decision for a turn: its escalation intensity (None: the model's rule)."""

    intensity: float | None = None

    def __post_init__(self) -> None:
        """Check the intensity against its declared range."""
        low, high = INTENSITY_RANGE
        v = self.intensity
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float) or not _finite(v)):
            raise ValueError(f"intensity: {v!r} is not a number; allowed: {low:g} to {high:g}")
        if v is not None and not low <= v <= high:
            raise ValueError(f"intensity: {v!r} is out of range; allowed: {low:g} to {high:g}")

    def as_dict(self) -> dict[str, Any]:
        """The field as a plain dict."""
        return {"intensity": None if self.intensity is None else float(self.intensity)}


def available_roles(model: EscalationModel) -> dict[str, Role]:
    """Every role the scenario offers: each member and partner, the groups it has members of, Russia's leadership."""
    out: dict[str, Role] = {}
    for a in model.member_agents:
        out[a.iso3] = Role(a.iso3, a.spec.name, (a.iso3,))
    for key, (name, codes) in GROUPS.items():
        present = tuple(c for c in codes if c in model.donor_index)
        if len(present) >= 2:
            out[key] = Role(key, name, present)
    out[RUSSIA] = Role(RUSSIA, "Russia's leadership", ())
    return out


class RateLimit:
    """At most ``count`` events per ``seconds`` for each key (a sliding window), remembering MAX_CLIENTS keys."""

    def __init__(self, count: int, seconds: float, clock: Callable[[], float] = time.monotonic):
        """A limit of ``count`` events in any window of ``seconds``."""
        self.count, self.seconds, self.clock = count, seconds, clock
        self._seen: OrderedDict[str, list[float]] = OrderedDict()

    def allow(self, key: str) -> bool:
        """Record an event for ``key`` if the limit allows it; False if it does not."""
        now = self.clock()
        times = [t for t in self._seen.pop(key, []) if now - t < self.seconds]
        allowed = len(times) < self.count
        if allowed:
            times.append(now)
        self._seen[key] = times
        while len(self._seen) > MAX_CLIENTS:
            self._seen.popitem(last=False)
        return allowed


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ClassroomError(f"{what}: not a short text")
    return value.strip().upper()


def parse_decision(raw: Any, russia: bool = False) -> Directive | RussiaDirective:
    """A team's decisions from untrusted input: a dict of known fields, each of its kind and in range.

    ``russia``: the decisions of Russia's leadership (its one field, ``intensity``).

    Raises:
        ClassroomError: not a dict, an unknown field, a value of the wrong kind or out of its range.
    """
    allowed = RUSSIA_FIELDS if russia else DECISION_FIELDS
    if not isinstance(raw, dict):
        raise ClassroomError("decisions: expected a set of fields")
    unknown = [str(k)[:MAX_TEXT] for k in raw if k not in allowed]
    if unknown:
        raise ClassroomError(f"unknown field {unknown[0]!r}; allowed: {', '.join(allowed)}")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None:
            continue
        kind = allowed[key]
        if kind is bool:
            if not isinstance(value, bool):
                raise ClassroomError(f"{key}: expected true or false")
        elif isinstance(value, bool) or not isinstance(value, int | float) or not _finite(value):
            low, high = INTENSITY_RANGE if russia else RANGES[key]
            raise ClassroomError(f"{key}: expected a number from {low:g} to {high:g}")
        values[key] = value
    try:
        return RussiaDirective(**values) if russia else Directive(**values)
    except ValueError as e:
        raise ClassroomError(str(e)) from None


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Session:
    """One classroom room: the model, the roles, the teams, the turns (thread-safe; see the module).

    Args:
        scenario: a shipped scenario's name (from the instructor's command line, never from a student).
        folder: where the session is saved (``session.json``) and exported.
        seed: the model's seed.
        turn_months: months the model advances per turn.
        code: the room code (a new one if None).
        clock: seconds, monotonic (tests pass a fake one).

    Attributes:
        secret: the instructor's secret (in the instructor's URL); a new one each time the session starts.
        code: the room code teams join with.
        version: increases with every change any page should show.
        epoch: increases with every change a team's page shows (not with other teams' joins and submissions).
    """

    def __init__(
        self,
        scenario: str,
        folder: Path,
        *,
        seed: int = 1,
        turn_months: int = 3,
        code: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        """A new room in the setup phase (the instructor picks the roles, then opens turn 1)."""
        if turn_months < 1:
            raise ClassroomError(f"turn_months: {turn_months} is not allowed; at least 1")
        self.scenario_name = scenario
        self.config = load_scenario(scenario)
        self.folder = Path(folder)
        self.seed = int(seed)
        self.turn_months = int(turn_months)
        self.clock = clock
        self.code = code or "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        self.secret = secrets.token_urlsafe(18)
        self.model = EscalationModel(self.config, rng=self.seed)
        self.roles = available_roles(self.model)
        self.played: list[str] = []  # role keys played by teams
        self._tokens: dict[str, str] = {}  # token digest -> role key
        self.phase = "setup"  # setup -> open -> closed -> open ... -> over
        self.turn = 0
        self.deadline: float | None = None
        self.auto_close = False
        self.submitted: dict[str, Directive] = {}  # this turn's decisions by role
        self.turns: list[dict[str, Any]] = []  # closed turns: number, months, decisions by role
        self.version = 0
        self.epoch = 0  # changes a team's page shows: turns opened and closed, roles chosen or freed
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._submits = RateLimit(*SUBMIT_LIMIT, clock=clock)
        self._joins = RateLimit(*JOIN_LIMIT, clock=clock)
        self._failed = RateLimit(*FAILED_JOIN_LIMIT, clock=clock)
        self._alone: EscalationModel | None = None

    # ---------------------------------------------------------------------------------------------
    # access
    # ---------------------------------------------------------------------------------------------

    def is_instructor(self, secret: Any) -> bool:
        """Whether ``secret`` is the instructor's (compared in constant time)."""
        return isinstance(secret, str) and hmac.compare_digest(secret.encode(), self.secret.encode())

    def _instructor(self, secret: Any) -> None:
        if not self.is_instructor(secret):
            raise ClassroomError("instructor's controls: wrong secret")

    def role_of(self, token: Any) -> Role:
        """The role a team token plays.

        Raises:
            ClassroomError: not a token of this room.
        """
        if not isinstance(token, str) or len(token) > 64:
            raise ClassroomError("not a team of this room")
        key = self._tokens.get(_digest(token))
        if key is None:
            raise ClassroomError("not a team of this room (join again with the room code)")
        return self.roles[key]

    def _touch(self, turn: bool = True) -> None:
        """A change every page may show; ``turn=False``: one only the projector and /join show (join, submit)."""
        self.version += 1
        if turn:
            self.epoch += 1
        self._changed.notify_all()

    def wait(self, seen: int, timeout: float, what: str = "version") -> int:
        """Block until ``what`` (``version``: any change; ``epoch``: a turn, a role) passes ``seen``; return it.

        Returns after ``timeout`` seconds at the latest (the caller looks whether its page is still open).
        """
        with self._changed:
            self._changed.wait_for(lambda: getattr(self, what) != seen, timeout=timeout)
            return getattr(self, what)

    # ---------------------------------------------------------------------------------------------
    # the instructor
    # ---------------------------------------------------------------------------------------------

    def check_roles(self, keys: list[str]) -> list[str]:
        """``keys`` if they are roles of this scenario and no member is in two of them.

        Raises:
            ClassroomError: naming the role that is not one, or the member played twice.
        """
        seen: set[str] = set()
        for k in keys:
            if k not in self.roles:
                raise ClassroomError(f"roles: no role {k!r} in this scenario; allowed: {', '.join(self.roles)}")
            overlap = seen & set(self.roles[k].members)
            if overlap:
                raise ClassroomError(f"roles: {', '.join(sorted(overlap))} would be played by two teams")
            seen |= set(self.roles[k].members)
        return list(dict.fromkeys(keys))

    def choose_roles(self, secret: Any, keys: list[str]) -> None:
        """Set the roles teams play (setup phase only); a member may be in one played role at most."""
        with self._lock:
            self._instructor(secret)
            if self.phase != "setup":
                raise ClassroomError("roles are chosen before the first turn")
            self.played = self.check_roles(keys)
            self._tokens = {d: r for d, r in self._tokens.items() if r in self.played}
            self._touch()

    def release(self, secret: Any, key: str) -> None:
        """Free a role so that another device can join it (a team whose phone died)."""
        with self._lock:
            self._instructor(secret)
            self._tokens = {d: r for d, r in self._tokens.items() if r != key}
            self._touch()

    def open_turn(self, secret: Any, seconds: float | None = None, auto_close: bool | None = None) -> None:
        """Open the next turn (a timer of ``seconds`` closes it; ``auto_close``: the last submission does)."""
        with self._lock:
            self._instructor(secret)
            if self.phase == "open":
                raise ClassroomError(f"turn {self.turn} is already open")
            if self.phase == "over":
                raise ClassroomError("the war is over: open the debrief")
            if not self.played:
                raise ClassroomError("choose at least one role for a team first")
            self.turn += 1
            self.phase = "open"
            self.submitted = {}
            if auto_close is not None:
                self.auto_close = bool(auto_close)
            self.deadline = None if not seconds else self.clock() + float(seconds)
            self._touch()

    def close_turn(self, secret: Any) -> None:
        """Close the open turn: missing decisions fall back to the model; advance; save."""
        with self._lock:
            self._instructor(secret)
            self._close()

    def tick(self) -> None:
        """Close the open turn if its timer has run out (the server calls this every half second)."""
        with self._lock:
            if self.phase == "open" and self.deadline is not None and self.clock() >= self.deadline:
                self._close()

    def _close(self) -> None:
        if self.phase != "open":
            raise ClassroomError("no turn is open")
        decisions = {k: self.submitted[k] for k in self.played if k in self.submitted}
        record = self._advance(self.turn, decisions)
        self.turns.append(record)
        self.phase = "over" if not self.model.running else "closed"
        self.deadline = None
        self.submitted = {}
        self.save()
        self._touch()

    def _advance(self, turn: int, decisions: dict[str, Directive]) -> dict[str, Any]:
        """Run the turn's months with ``decisions`` (role -> Directive); the turn's record."""
        m = self.model
        russia = decisions.get(RUSSIA)
        m.set_directives(
            {c: d for k, d in decisions.items() for c in self.roles[k].members},
            None if russia is None else russia.intensity,
        )
        first = m.steps + 1
        for _ in range(self.turn_months):
            if not m.running:
                break
            m.step()
        m.set_directives(None)
        return {
            "turn": turn,
            "first_month": first,
            "last_month": m.steps,
            "decisions": {k: d.as_dict() for k, d in decisions.items()},
        }

    # ---------------------------------------------------------------------------------------------
    # teams
    # ---------------------------------------------------------------------------------------------

    def join(self, code: Any, role: Any, client: str) -> str:
        """A team joins ``role`` with the room code; returns its token (the team page's key).

        ``client`` identifies the browser (its session id) for the rate limit.

        Raises:
            ClassroomError: too many attempts, a wrong code, a role no team plays, or one already taken.
        """
        with self._lock:
            if not self._joins.allow(client):
                raise ClassroomError("too many attempts: wait a minute")
            code_text = _text(code, "room code")
            if not hmac.compare_digest(code_text.encode(), self.code.encode()):
                if not self._failed.allow("room"):
                    raise ClassroomError("too many wrong codes in this room: wait a minute")
                raise ClassroomError("wrong room code")
            key = _text(role, "role")
            if key not in self.played:
                raise ClassroomError("that role is not played by a team in this room")
            if key in self._tokens.values():
                raise ClassroomError("that role has already joined (the instructor can free it)")
            token = secrets.token_urlsafe(18)
            self._tokens[_digest(token)] = key
            self._touch(turn=False)
            return token

    def submit(self, token: Any, turn: Any, raw: Any) -> Directive:
        """A team's decisions for ``turn`` (revisable until the turn closes).

        Raises:
            ClassroomError: not a team, too many submissions, not the open turn, or a bad value.
        """
        with self._lock:
            role = self.role_of(token)
            if not self._submits.allow(role.key):
                raise ClassroomError("too many submissions: wait a few seconds")
            if self.phase != "open" or isinstance(turn, bool) or turn != self.turn:
                raise ClassroomError("that turn is not open")
            decision = parse_decision(raw, russia=role.key == RUSSIA)
            self.submitted[role.key] = decision
            if self.auto_close and set(self.submitted) >= set(self.played):
                self._close()
            else:
                self._touch(turn=False)
            return decision

    # ---------------------------------------------------------------------------------------------
    # what the pages show
    # ---------------------------------------------------------------------------------------------

    def joined(self) -> set[str]:
        """Roles a team has joined."""
        with self._lock:
            return set(self._tokens.values())

    def status(self) -> dict[str, Any]:
        """What the projector shows: the turn, the phase, who has joined and submitted (never what)."""
        with self._lock:
            m = self.model
            left = None if self.deadline is None else max(0.0, self.deadline - self.clock())
            return {
                "scenario": self.scenario_name,
                "turn": self.turn,
                "phase": self.phase,
                "month": m.steps,
                "date": m.date,
                "seconds_left": left,
                "auto_close": self.auto_close,
                "roles": [
                    {
                        "key": k,
                        "name": self.roles[k].name,
                        "joined": k in self._tokens.values(),
                        "submitted": k in self.submitted,
                    }
                    for k in self.played
                ],
                "rung": int(m.russia.rung),
                "rung_name": m.ladder.name(m.russia.rung),
                "territory": float(m.ukraine.territory),
            }

    def advice(self, key: str) -> dict[str, Any]:
        """The model's own rule for a role this month, as decision values (the team page's starting values)."""
        if key == RUSSIA:
            return {"intensity": round(float(np.clip(self.model.russia.intensity, *INTENSITY_RANGE)), 2)}
        m, mp = self.model.m, self.model.params
        idx = [self.model.donor_index[c] for c in self.roles[key].members]
        level = np.where(np.isnan(m.aid_policy[idx]), self.model.aid_level, m.aid_policy[idx])
        aid = float(np.mean(level * np.clip(m.resolve[idx], 0.0, 1.0)))
        floor = m.floor[idx]
        posture = np.where(floor < 1.0, (m.posture[idx] - floor) / np.where(floor < 1.0, 1.0 - floor, 1.0), 0.0)
        return {
            **{c: round(aid, 2) for c in AID_CATEGORIES},
            "posture": round(float(np.clip(np.mean(posture), 0.0, 1.0)), 2),
            "back": bool(np.mean(m.resolve[idx]) >= mp.alliance.package_threshold),
            "signal": round(float(self.model.ambiguity), 2),
        }

    def team_view(self, token: Any) -> dict[str, Any]:
        """What one government knows: its own state, the alliance's last package, Russia's last moves.

        Russia's intent and its threat perception are not in it (nor other teams' decisions).
        """
        with self._lock:
            role = self.role_of(token)
            if role.key == RUSSIA:
                return self._russia_view(role)
            model, m = self.model, self.model.m
            own = []
            for c in role.members:
                i = model.donor_index[c]
                own.append(
                    {
                        "iso3": c,
                        "name": model.member_agents[i].spec.name,
                        "resolve": float(m.resolve[i]),
                        "support": float(m.support[i]),
                        "threat": float(m.threat[i]),
                        "stance": float(m.stance[i]),
                        "stockpile": float(m.stockpile[i]),
                        "posture": float(m.posture[i]),
                        "aid": {c2: float(getattr(m, f"aid_{c2}")[i]) for c2 in AID_CATEGORIES},
                    }
                )
            russia_kinds = {
                "rung_up",
                "rung_down",
                "spillover",
                "talks_open",
                "talks_collapse",
                "ceasefire",
                "ceasefire_broken",
            }
            since = self.turns[-1]["first_month"] if self.turns else 0
            return {
                **self._common_view(role),
                "members": own,
                "russia_moves": [
                    e[3] for e in model.events if e[1] == "Russia" and e[0] >= since and e[2] in russia_kinds
                ],
            }

    def _common_view(self, role: Role) -> dict[str, Any]:
        """What every team's page shows: the turn, the date, the front, the rung, the last package, its decisions."""
        model = self.model
        mine = self.submitted.get(role.key)
        packages = [e for e in model.events if e[2] == "package"]
        return {
            "role": role.key,
            "name": role.name,
            "turn": self.turn,
            "phase": self.phase,
            "month": model.steps,
            "date": model.date,
            "seconds_left": None if self.deadline is None else max(0.0, self.deadline - self.clock()),
            "last_package": packages[-1][3] if packages else None,
            "russia_rung": int(model.russia.rung),
            "russia_rung_name": model.ladder.name(model.russia.rung),
            "territory": float(model.ukraine.territory),
            "advice": self.advice(role.key),
            "submitted": None if mine is None else mine.as_dict(),
            "history": [{"turn": t["turn"], **(t["decisions"].get(role.key) or {})} for t in self.turns],
        }

    def _russia_view(self, role: Role) -> dict[str, Any]:
        """What Russia's leadership knows: its own threat perception, force, losses, the front, the alliance's moves.

        Not the members' resolve or their publics' support (only what the alliance shows: its posture
        and packages, and the aid that reaches the front).
        """
        model, ru, al = self.model, self.model.russia, self.model.alliance
        return {
            **self._common_view(role),
            "members": [],
            "russia": {
                "threat": float(ru.threat),
                "force": float(ru.force),
                "losses": float(ru.losses),
                "intensity": float(ru.intensity),
                "alliance_posture": float(al.posture),
                "aid_last_month": float(model.aid_total),
            },
            "russia_moves": [],
        }

    # ---------------------------------------------------------------------------------------------
    # saving, resuming, the model alone, the export
    # ---------------------------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Everything needed to resume: the configuration, the teams' token digests, the closed turns."""
        return {
            "version": STATE_VERSION,
            "scenario": self.scenario_name,
            "seed": self.seed,
            "turn_months": self.turn_months,
            "code": self.code,
            "played": self.played,
            "tokens": self._tokens,
            "auto_close": self.auto_close,
            "turns": self.turns,
        }

    def save(self) -> Path:
        """Write the state atomically (a crash leaves the last saved turn intact)."""
        path = self.folder / STATE_FILE
        _atomic_write_bytes(json.dumps(self.state(), indent=1).encode(), path)
        return path

    @classmethod
    def resume(cls, folder: Path, clock: Callable[[], float] = time.monotonic) -> Session:
        """The session saved in ``folder``, its closed turns replayed (a new instructor secret).

        Raises:
            ClassroomError: no saved session there, or one this version cannot read.
        """
        path = Path(folder) / STATE_FILE
        try:
            state = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as e:
            raise ClassroomError(f"{path}: not a saved classroom session ({e.__class__.__name__})") from None
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise ClassroomError(f"{path}: version {state.get('version')!r} is not {STATE_VERSION}")
        s = cls(
            state["scenario"],
            folder,
            seed=state["seed"],
            turn_months=state["turn_months"],
            code=state["code"],
            clock=clock,
        )
        s.played = [k for k in state["played"] if k in s.roles]
        s._tokens = {d: k for d, k in state["tokens"].items() if k in s.played}
        s.auto_close = bool(state.get("auto_close", False))
        for t in state["turns"]:
            decisions = {
                k: RussiaDirective(**d) if k == RUSSIA else Directive(**d)
                for k, d in t["decisions"].items()
                if k in s.roles
            }
            s.turns.append(s._advance(t["turn"], decisions))
        s.turn = len(s.turns)
        s.phase = "setup" if not s.turns else "over" if not s.model.running else "closed"
        return s

    def model_alone(self) -> EscalationModel:
        """The same scenario and seed played by the model alone, to the class's month (for the debrief)."""
        with self._lock:
            alone = self._alone
            if alone is None or alone.steps > self.model.steps:
                alone = self._alone = EscalationModel(self.config, rng=self.seed)
            while alone.steps < self.model.steps and alone.running:
                alone.step()
            return alone

    def tables(self) -> dict[str, pd.DataFrame]:
        """The session as tidy tables: decisions (turn, role, member, field, value, source), steps, members."""
        with self._lock:
            rows = []
            for t in self.turns:
                for key in self.played:
                    chosen = t["decisions"].get(key)
                    for c in self.roles[key].members or (key,):
                        for name in RUSSIA_FIELDS if key == RUSSIA else DECISION_FIELDS:
                            value = None if chosen is None else chosen.get(name)
                            rows.append(
                                {
                                    "turn": t["turn"],
                                    "first_month": t["first_month"],
                                    "role": key,
                                    "iso3": c,
                                    "field": name,
                                    "value": None if value is None else float(value),
                                    "source": "model" if value is None else "team",
                                }
                            )
            decisions = pd.DataFrame(
                rows, columns=["turn", "first_month", "role", "iso3", "field", "value", "source"]
            ).astype({"value": "float64"})
            turn_of = np.zeros(self.model.steps + 1, dtype=np.int32)
            for t in self.turns:
                turn_of[t["first_month"] : t["last_month"] + 1] = t["turn"]
            steps = pd.DataFrame(self.model.step_table())
            steps.insert(1, "turn", turn_of[steps["month"].to_numpy()])
            alone = pd.DataFrame(self.model_alone().step_table())
            steps_alone = alone.add_suffix("_model_alone").rename(columns={"month_model_alone": "month"})
            steps = steps.merge(steps_alone[["month", "escalation_rung_model_alone", "territory_held_model_alone",
                                             "aid_total_model_alone"]], on="month", how="left")  # fmt: skip
            members = pd.DataFrame(self.model.member_table())
            members.insert(1, "turn", turn_of[members["month"].to_numpy()])
            played_by = {c: k for k in self.played for c in self.roles[k].members}
            members.insert(3, "played_by", members["iso3"].map(played_by).fillna("model"))
            return {"decisions": decisions, "steps": steps, "members": members}

    def export(self, folder: Path | None = None) -> list[Path]:
        """Write the tables as Parquet and CSV (``decisions``, ``steps``, ``members``); return the files."""
        out = Path(folder) if folder is not None else self.folder / "export"
        written = []
        for name, df in self.tables().items():
            for suffix in ("parquet", "csv"):
                path = out / f"{name}.{suffix}"
                data = df.to_parquet(index=False) if suffix == "parquet" else df.to_csv(index=False).encode()
                _atomic_write_bytes(data, path)
                written.append(path)
        return written

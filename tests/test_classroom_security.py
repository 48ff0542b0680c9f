"""The classroom room refuses what a student may not do: forged roles, wrong or replayed codes, bad values, floods."""

import json

import pytest

from simulation.runner import classroom
from simulation.runner.classroom import MAX_CLIENTS, ClassroomError, Session, parse_decision


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def room(tmp_path):
    clock = Clock()
    s = Session("classroom", tmp_path / "room", seed=1, turn_months=2, clock=clock)
    s.choose_roles(s.secret, ["USA", "POL", "EST"])
    s.clock_ = clock
    return s


def test_a_team_changes_only_its_own_role(room):
    usa = room.join(room.code, "USA", "a")
    pol = room.join(room.code, "POL", "b")
    room.open_turn(room.secret)
    with pytest.raises(ClassroomError, match="unknown field 'role'"):
        room.submit(usa, 1, {"role": "POL", "lethal": 1.0})  # a forged role in the message
    for forged in ("POL", "x" * 24, "", None, 7, ["POL"], pol + "x", "x" * 10_000):
        with pytest.raises(ClassroomError, match="not a team of this room"):
            room.submit(forged, 1, {"lethal": 1.0})
    room.submit(usa, 1, {"lethal": 1.0})
    assert set(room.submitted) == {"USA"}, "USA's token decides for USA only"
    other = Session("classroom", room.folder.parent / "other")
    other.choose_roles(other.secret, ["USA"])
    with pytest.raises(ClassroomError, match="not a team of this room"):
        other.role_of(usa)  # a token of another room


def test_wrong_and_replayed_codes_are_refused(room):
    wrong = "".join(c for c in classroom.CODE_ALPHABET if c not in room.code)[:4]
    for code in (wrong, room.code + "X", "", None, 1234, "../../etc/passwd", room.code * 100):
        with pytest.raises(ClassroomError, match=r"wrong room code|not a short text"):
            room.join(code, "USA", f"client-{code!r}"[:40])
    assert room.join(room.code.lower(), "USA", "a"), "codes are read case-insensitively"
    with pytest.raises(ClassroomError, match="already joined"):
        room.join(room.code, "USA", "b")  # the code replayed to take over a joined role
    with pytest.raises(ClassroomError, match="not played by a team"):
        room.join(room.code, "DEU", "c")
    old = Session("classroom", room.folder.parent / "old")  # last week's room, its code replayed
    old.choose_roles(old.secret, ["USA"])
    if old.code != room.code:
        with pytest.raises(ClassroomError, match="wrong room code"):
            room.join(old.code, "POL", "d")


def test_a_replayed_submission_of_a_closed_turn_is_refused(room):
    usa = room.join(room.code, "USA", "a")
    room.open_turn(room.secret)
    room.submit(usa, 1, {"lethal": 0.4})
    room.close_turn(room.secret)
    with pytest.raises(ClassroomError, match="not open"):
        room.submit(usa, 1, {"lethal": 1.0})  # between turns
    room.open_turn(room.secret)
    for turn in (1, 3, "2", True, None, 2.5):
        with pytest.raises(ClassroomError, match="not open"):
            room.submit(usa, turn, {"lethal": 1.0})
    room.submit(usa, 2, {"lethal": 1.0})
    assert room.turns[0]["decisions"]["USA"]["lethal"] == 0.4


@pytest.mark.parametrize(
    "raw",
    [
        {"lethal": 1.01},
        {"lethal": -0.01},
        {"posture": 2},
        {"signal": -5},
        {"lethal": float("nan")},
        {"training": float("inf")},
        {"nonlethal": 10**400},
        {"lethal": "0.5"},
        {"lethal": True},
        {"lethal": [0.5]},
        {"back": 1},
        {"back": "true"},
        {"scenario": "baseline"},
        {"file": "/etc/passwd"},
        {"__class__": "x"},
        {"aid_level": 0.5},
        {1: 0.5},
        "lethal=1",
        ["lethal", 1],
        None,
        42,
    ],
)
def test_out_of_range_and_malformed_values_are_refused(room, raw):
    usa = room.join(room.code, "USA", "a")
    room.open_turn(room.secret)
    with pytest.raises(ClassroomError):
        room.submit(usa, 1, raw)
    assert room.submitted == {}


def test_a_valid_decision_keeps_its_values():
    d = parse_decision({"lethal": 1, "nonlethal": 0.0, "training": 0.25, "posture": 0.5, "back": False, "signal": None})
    assert d.lethal == 1.0 and d.back is False and d.signal is None


def test_the_instructors_controls_need_the_secret(room):
    team = room.join(room.code, "USA", "a")
    for fake in (None, "", room.code, team, room.secret[:-1], room.secret + "x", 0):
        for control in (
            lambda f: room.open_turn(f),
            lambda f: room.close_turn(f),
            lambda f: room.choose_roles(f, ["DEU"]),
            lambda f: room.release(f, "USA"),
        ):
            with pytest.raises(ClassroomError, match="wrong secret"):
                control(fake)
    assert room.turn == 0 and room.played == ["USA", "POL", "EST"]


def test_two_hundred_joins(room):
    """200 devices join at once: three roles are taken, the rest refused; memory stays bounded."""
    results = {"joined": [], "refused": 0}
    roles = ["USA", "POL", "EST"]
    for k in range(200):
        try:
            results["joined"].append(room.join(room.code, roles[k % 3], f"device-{k}"))
        except ClassroomError:
            results["refused"] += 1
    assert len(results["joined"]) == 3 and results["refused"] == 197
    assert room.joined() == set(roles)
    assert len(json.dumps(room.state())) < 5_000, "refused joins leave nothing in the saved state"
    for k in range(MAX_CLIENTS + 50):
        room._joins.allow(f"flood-{k}")
    assert len(room._joins._seen) == MAX_CLIENTS


def test_joins_are_rate_limited(room):
    count, seconds = classroom.JOIN_LIMIT
    for _ in range(count):
        with pytest.raises(ClassroomError, match="wrong room code"):
            room.join("ZZZZZ", "USA", "one-device")
    with pytest.raises(ClassroomError, match="too many attempts"):
        room.join(room.code, "USA", "one-device")  # even with the right code, until the window passes
    room.clock_.now += seconds + 1
    assert room.join(room.code, "USA", "one-device")


def test_guessing_the_code_is_bounded_room_wide(room):
    """Many devices guessing: after FAILED_JOIN_LIMIT wrong codes a minute, every wrong code is turned away."""
    count, _ = classroom.FAILED_JOIN_LIMIT
    for k in range(count):
        with pytest.raises(ClassroomError, match="wrong room code"):
            room.join("QQQQ" if room.code != "QQQQ" else "WWWW", "USA", f"guesser-{k}")
    with pytest.raises(ClassroomError, match="too many wrong codes"):
        room.join("QQQQ" if room.code != "QQQQ" else "WWWW", "USA", "guesser-last")
    assert room.join(room.code, "USA", "honest"), "the right code still gets in"


def test_submissions_are_rate_limited(room):
    usa = room.join(room.code, "USA", "a")
    room.open_turn(room.secret)
    count, seconds = classroom.SUBMIT_LIMIT
    for k in range(count):
        room.submit(usa, 1, {"lethal": k / count})
    with pytest.raises(ClassroomError, match="too many submissions"):
        room.submit(usa, 1, {"lethal": 1.0})
    room.clock_.now += seconds + 0.1
    room.submit(usa, 1, {"lethal": 1.0})
    assert room.submitted["USA"].lethal == 1.0


def test_a_freed_role_can_be_joined_from_a_new_device(room):
    old = room.join(room.code, "USA", "a")
    room.release(room.secret, "USA")
    with pytest.raises(ClassroomError):
        room.role_of(old)
    assert room.role_of(room.join(room.code, "USA", "b")).key == "USA"

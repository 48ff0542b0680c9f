"""The classroom benchmark's default mode, small: two websocket teams and the projector play a turn (issue 21).

It checks that the measurement works (a sample for every page, the line in its form), never how long
anything took: timing is the benchmark's job (``benchmarks/classroom_scale.py``), on a quiet machine.
"""

import math
import re

import pytest

from tests.test_browser import _chromium


def test_two_teams_and_the_projector_give_a_sample_each():
    pytest.importorskip("solara")
    pytest.importorskip("websockets")
    pytest.importorskip("playwright.async_api")
    _chromium()
    from benchmarks import classroom_scale

    samples, peak = classroom_scale.websocket_room(2, 1, time_limit=120)
    assert len(samples) == 3, "one sample per team page and one for the projector"
    assert all(math.isfinite(s) for s in samples) and peak > 0
    line = classroom_scale.summary(samples, 2, 1, peak)
    assert re.fullmatch(
        r"3 samples \(2 teams \+ projector, 1 turns\): p50 \d+ ms, p95 \d+ ms, max \d+ ms; "
        r"p95 / goal \(500 ms\) = \d+\.\d\d; server peak memory \d+ MB",
        line,
    ), line

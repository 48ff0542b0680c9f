"""Months as dates: a scenario with ``start = "2022-02"`` has month 0 in February 2022.

Dates are ``YYYY-MM`` strings (or ``YYYY-MM-DD``, read as their month): the form the history data and
the steps table's ``date`` column use.
"""

from __future__ import annotations

import re
from functools import cache

__all__ = ["date_of", "month_between", "month_name", "parse_month"]

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?$")
_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # fmt: skip


def parse_month(text: str) -> tuple[int, int]:
    """``"2022-09"`` or ``"2022-09-21"`` -> (2022, 9); ValueError for anything else."""
    m = _MONTH.match(str(text).strip())
    if not m:
        raise ValueError(f"{text!r} is not a date: write YYYY-MM (or YYYY-MM-DD), e.g. 2022-09")
    return int(m.group(1)), int(m.group(2))


def month_between(start: str, date: str) -> int:
    """Months from ``start`` to ``date`` (negative if ``date`` is earlier)."""
    y0, m0 = parse_month(start)
    y1, m1 = parse_month(date)
    return (y1 - y0) * 12 + (m1 - m0)


@cache  # a model asks once a month; a run's months are few
def date_of(start: str, month: int) -> str:
    """The ``YYYY-MM`` of month ``month`` of a run that starts at ``start``."""
    y0, m0 = parse_month(start)
    k = y0 * 12 + (m0 - 1) + int(month)
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def month_name(date: str) -> str:
    """``"2022-09"`` -> ``"September 2022"``."""
    y, m = parse_month(date)
    return f"{_NAMES[m - 1]} {y}"

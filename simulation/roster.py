"""The member roster: the real 32-member data set and the dispositions derived from it.

Dispositions (exposure, hawkishness, risk aversion) come only from structural attributes (borders,
distance of the capital from Moscow, defence spending share); never from observed aid, so observed aid
stays an out-of-sample check (docs/MODEL.md section 2). The data and their sources are in
``simulation/data/nato_members_2024.csv`` and ``simulation/data/SOURCES.md``.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

__all__ = ["MOSCOW", "MemberSpec", "exposure", "hawkishness", "nato_2024", "risk_aversion"]

#: Moscow (55.7558 N, 37.6173 E), the reference point for the distance of each capital.
MOSCOW = (55.7558, 37.6173)

#: A capital this far from Moscow or farther has no proximity exposure.
PROXIMITY_RANGE_KM = 3000.0
#: Mean radius of the Earth (km), for great-circle distances.
EARTH_RADIUS_KM = 6371.0
#: Border exposure by neighbour: Russia itself, Belarus (Russia's ally and 2022 staging ground) a little
#: less, Ukraine (the war next door) less again. An ordinal design choice of docs/MODEL.md section 2,
#: not calibrated; members' interests from data (issue 11) refine dispositions beyond it.
BORDER_EXPOSURE = {"russia": 1.0, "belarus": 0.7, "ukraine": 0.6}
#: Exposure is the mean of border exposure and proximity; hawkishness the mean of exposure and defence
#: effort: equal weights, for want of data that would weigh them otherwise.
HALF = 0.5
#: Risk aversion spans [1 - RISK_SPAN, 1]: the most exposed member fears entrapment least (Snyder 1984).
RISK_SPAN = 0.5


@dataclass(frozen=True)
class MemberSpec:
    """Static attributes of one member state (one row of the roster)."""

    iso3: str
    name: str
    gdp_usd_bn: float
    defence_pct_gdp: float
    borders_russia: bool = False
    borders_belarus: bool = False
    borders_ukraine: bool = False
    capital_lat: float = 50.0
    capital_lon: float = 10.0
    joined: int = 1949

    @property
    def frontline(self) -> bool:
        """True if the member has a land border with Russia, Belarus or Ukraine."""
        return self.borders_russia or self.borders_belarus or self.borders_ukraine

    @property
    def km_to_moscow(self) -> float:
        """Great-circle distance from the capital to Moscow, in km."""
        return haversine_km(self.capital_lat, self.capital_lon, *MOSCOW)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km on a sphere of radius 6371 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@cache
def nato_2024() -> dict[str, MemberSpec]:
    """The 32 members with NATO's June 2024 figures, keyed by ISO3 (see SOURCES.md)."""
    text = resources.files("simulation").joinpath("data/nato_members_2024.csv").read_text("utf-8")
    out = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["iso3"]] = MemberSpec(
            iso3=row["iso3"],
            name=row["name"],
            gdp_usd_bn=float(row["gdp_usd_bn"]),
            defence_pct_gdp=float(row["defence_pct_gdp_2024"]),
            borders_russia=row["borders_russia"] == "1",
            borders_belarus=row["borders_belarus"] == "1",
            borders_ukraine=row["borders_ukraine"] == "1",
            capital_lat=float(row["capital_lat"]),
            capital_lon=float(row["capital_lon"]),
            joined=int(row["joined"]),
        )
    return out


def exposure(m: MemberSpec) -> float:
    """Exposure in [0, 1]: half land borders (Russia 1, Belarus 0.7, Ukraine 0.6), half proximity.

    Proximity is 1 - distance/3000 km of the capital from Moscow, floored at 0.
    """
    b = BORDER_EXPOSURE
    border = max(b["russia"] * m.borders_russia, b["belarus"] * m.borders_belarus, b["ukraine"] * m.borders_ukraine)
    proximity = max(0.0, 1.0 - m.km_to_moscow / PROXIMITY_RANGE_KM)
    return HALF * border + HALF * proximity


def hawkishness(m: MemberSpec, posture_full_pct: float) -> float:
    """Hawkishness in [0, 1]: mean of exposure and defence effort (spending share / full-posture share)."""
    return HALF * exposure(m) + HALF * min(1.0, m.defence_pct_gdp / posture_full_pct)


def risk_aversion(m: MemberSpec) -> float:
    """Risk aversion in [0.5, 1]: distant members fear entrapment more than exposed ones (Snyder 1984)."""
    return 1.0 - RISK_SPAN * exposure(m)

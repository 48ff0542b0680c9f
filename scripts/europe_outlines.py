"""Extract the dashboard's map outlines (Europe, 1:110m) from Natural Earth via the world-atlas TopoJSON.

The member map (``simulation/viz/web.py``) draws country outlines from
``simulation/data/europe_110m.geojson``, which this script writes. Its input is ``countries-110m.json``
of the npm package ``world-atlas`` 2.0.2 (Natural Earth 1:110m Admin 0 countries, public domain,
converted to TopoJSON by Mike Bostock, ISC licence); get it without a browser with

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/europe_outlines.py package/countries-110m.json

It decodes the TopoJSON arcs, keeps the countries that reach into the map's frame, clips their rings
to the frame (lon -25..48, lat 33.5..71.5; Russia, Kazakhstan and the Middle East are cut at its
edges), rounds coordinates to 0.01 degree and names each feature by its ISO 3166-1 alpha-3 code (the
roster's ``iso3``), so the file is small (about 60 kB) and the page joins members to outlines by code.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "simulation" / "data" / "europe_110m.geojson"
#: The map's frame: west, south, east, north (degrees).
FRAME = (-25.0, 33.5, 48.0, 71.5)
#: ISO 3166-1 numeric (world-atlas ids) -> alpha-3, for the countries in or near the frame.
ALPHA3 = {
    "008": "ALB", "012": "DZA", "031": "AZE", "040": "AUT", "051": "ARM", "056": "BEL", "070": "BIH",
    "100": "BGR", "112": "BLR", "191": "HRV", "196": "CYP", "203": "CZE", "208": "DNK", "233": "EST",
    "246": "FIN", "250": "FRA", "268": "GEO", "276": "DEU", "300": "GRC", "348": "HUN", "352": "ISL",
    "364": "IRN", "368": "IRQ", "372": "IRL", "376": "ISR", "380": "ITA", "398": "KAZ", "400": "JOR",
    "422": "LBN", "428": "LVA", "434": "LBY", "440": "LTU", "442": "LUX", "498": "MDA", "499": "MNE",
    "504": "MAR", "528": "NLD", "578": "NOR", "616": "POL", "620": "PRT", "642": "ROU", "643": "RUS",
    "682": "SAU", "688": "SRB", "703": "SVK", "705": "SVN", "724": "ESP", "752": "SWE", "756": "CHE",
    "760": "SYR", "788": "TUN", "792": "TUR", "795": "TKM", "804": "UKR", "807": "MKD", "818": "EGY",
    "826": "GBR", "275": "PSE", "304": "GRL",
}  # fmt: skip
#: Countries without an ISO numeric code in world-atlas, by name.
BY_NAME = {"Kosovo": "XKX", "N. Cyprus": "CYN"}


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """The arcs of a quantized TopoJSON in degrees (delta-decoded, transformed)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """A closed ring from arc indices (a negative index ~i is arc i reversed; shared ends are dropped)."""
    out: list[tuple[float, float]] = []
    for i in indices:
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        out.extend(points if not out else points[1:])
    return out


def clip(points: list[tuple[float, float]], frame: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: the part of a ring inside the rectangular frame."""
    west, south, east, north = frame
    edges = (
        (lambda p: p[0] >= west, lambda a, b: _at_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _at_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _at_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _at_y(a, b, north)),
    )
    for inside, cut in edges:
        if not points:
            break
        out = []
        for k, cur in enumerate(points):
            prev = points[k - 1]
            if inside(cur):
                if not inside(prev):
                    out.append(cut(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cut(prev, cur))
        points = out
    return points


def _at_x(a: tuple[float, float], b: tuple[float, float], x: float) -> tuple[float, float]:
    return x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])


def _at_y(a: tuple[float, float], b: tuple[float, float], y: float) -> tuple[float, float]:
    return a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y


def europe(topo: dict, frame: tuple[float, float, float, float] = FRAME) -> dict:
    """A GeoJSON FeatureCollection of the countries inside ``frame``, clipped to it, ids in alpha-3."""
    arcs = decode_arcs(topo)
    features = []
    for geom in topo["objects"]["countries"]["geometries"]:
        name = geom.get("properties", {}).get("name", "")
        code = ALPHA3.get(geom.get("id", "")) or BY_NAME.get(name)
        if code is None or geom["type"] not in ("Polygon", "MultiPolygon"):
            continue
        polygons = [geom["arcs"]] if geom["type"] == "Polygon" else geom["arcs"]
        kept = []
        for polygon in polygons:
            rings = [clip(ring(r, arcs), frame) for r in polygon]
            rings = [[[round(x, 2), round(y, 2)] for x, y in r] for r in rings if len(r) >= 3]
            rings = [[*r, r[0]] if r[0] != r[-1] else r for r in rings]
            if rings and len(rings[0]) >= 4:
                kept.append(rings)
        if kept:
            features.append(
                {
                    "type": "Feature",
                    "id": code,
                    "properties": {"name": name},
                    "geometry": {"type": "MultiPolygon", "coordinates": kept},
                }
            )
    features.sort(key=lambda f: f["id"])
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    """Write the outline file from a world-atlas TopoJSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("topojson", type=Path, help="world-atlas countries-110m.json")
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args()
    fc = europe(json.loads(a.topojson.read_text("utf-8")))
    a.out.write_text(json.dumps(fc, separators=(",", ":")) + "\n", "utf-8")
    print(f"wrote {len(fc['features'])} countries to {a.out} ({a.out.stat().st_size / 1000:.0f} kB)")


if __name__ == "__main__":
    main()

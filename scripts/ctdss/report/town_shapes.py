"""The 169 towns' outlines, shipped with the report (static/ct-towns.geojson), as SVG paths the pages draw.

The shipped file is the U.S. Census Bureau's 2017 cartographic boundary file of Connecticut's county subdivisions
(cb_2017_09_cousub_500k, 1:500,000, public domain), simplified by `simplify` and written with:

    .venv/bin/python -m ctdss.report.town_shapes SOURCE.geojson scripts/ctdss/report/static/ct-towns.geojson

Simplifying rounds every coordinate to DECIMALS decimal places (about 110 m north-south, 80 m east-west, well
under a pixel of the drawn map) and drops the points that then repeat the one before. Neighbouring towns share
their border points, so they round alike and still meet without gaps. Only GEOID and NAME are kept. A ring that
collapses below a triangle is dropped, but a town's largest ring never is, so all 169 shapes stay.

Pages draw the towns in an equirectangular projection scaled by the cosine of the state's middle latitude, which
at Connecticut's size is indistinguishable from a conformal one.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

DECIMALS = 3
SHIPPED = "ct-towns.geojson"
WIDTH = 800  # the SVG viewBox width; the height follows from the state's shape
CREDIT = ("Town boundaries: U.S. Census Bureau, 2017 Cartographic Boundary File, county subdivisions of "
          "Connecticut, 1:500,000.")

Ring = list[tuple[float, float]]


def _polygons(geometry: dict) -> list[list[Ring]]:
    coordinates = geometry["coordinates"]
    return coordinates if geometry["type"] == "MultiPolygon" else [coordinates]


def _rounded(ring: Ring) -> Ring:
    kept: Ring = []
    for lon, lat in ring:
        point = (round(lon, DECIMALS), round(lat, DECIMALS))
        if not kept or point != kept[-1]:
            kept.append(point)
    return kept


def simplify(source: dict) -> dict:
    """The feature collection with rounded, de-duplicated rings (see the module's docstring)."""
    features = []
    for feature in source["features"]:
        polygons = [[_rounded(ring) for ring in polygon] for polygon in _polygons(feature["geometry"])]
        largest = max((ring for polygon in polygons for ring in polygon), key=len)
        polygons = [[ring for ring in polygon if len(ring) >= 4 or ring is largest] for polygon in polygons]
        polygons = [polygon for polygon in polygons if polygon]
        geometry = ({"type": "Polygon", "coordinates": polygons[0]} if len(polygons) == 1
                    else {"type": "MultiPolygon", "coordinates": polygons})
        properties = {key: feature["properties"][key] for key in ("GEOID", "NAME")}
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


@dataclass(frozen=True)
class TownShapes:
    """Each town's SVG path (by its 2020 county-subdivision FIPS code, GEOID) in a viewBox WIDTH x height."""

    paths: dict[str, str]
    height: int

    @property
    def view_box(self) -> str:
        return f"0 0 {WIDTH} {self.height}"


@functools.cache
def town_shapes() -> TownShapes:
    collection = json.loads((importlib.resources.files("ctdss.report") / "static" / SHIPPED).read_text("utf-8"))
    rings = {f["properties"]["GEOID"]: [ring for polygon in _polygons(f["geometry"]) for ring in polygon]
             for f in collection["features"]}
    points = [point for town in rings.values() for ring in town for point in ring]
    west, east = min(x for x, _ in points), max(x for x, _ in points)
    south, north = min(y for _, y in points), max(y for _, y in points)
    aspect = math.cos(math.radians((south + north) / 2))
    scale = WIDTH / ((east - west) * aspect)

    def path(town: list[Ring]) -> str:
        # One decimal of a pixel is finer than any screen shows; the fill rule keeps lakes as holes.
        return "".join("M" + "L".join(f"{(x - west) * aspect * scale:.1f},{(north - y) * scale:.1f}"
                                      for x, y in ring) + "Z" for ring in town)

    return TownShapes({geoid: path(town) for geoid, town in rings.items()}, math.ceil((north - south) * scale))


def main(argv: list[str]) -> None:
    source, target = (Path(arg) for arg in argv)
    simplified = simplify(json.loads(source.read_text(encoding="utf-8")))
    target.write_text(json.dumps(simplified, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])

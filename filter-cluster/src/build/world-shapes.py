#!/usr/bin/env python3
"""Makes filter-cluster's world-shapes.tsv (the spam-source map's countries) from a GeoJSON file.

Input: countries.geo.json of github.com/johan/world.geo.json (commit 34c96bb, Unlicense), whose
shapes are Natural Earth's 1:110m Admin-0 countries (public domain, naturalearthdata.com).
Output, one line per country: ISO 3166-1 alpha-3 id, name, SVG path data in the map's own
equirectangular projection (x = (lon + 180) * 1000 / 360, y = (84 - lat) * 1000 / 360, so the
viewBox 0 0 1000 400 runs from 84N to 60S), rounded to 0.1 and simplified (Douglas-Peucker,
0.4 units); Antarctica is left out. Run: python3 world-shapes.py countries.geo.json > world-shapes.tsv
"""
import json
import sys

SCALE = 1000 / 360
TOL = 0.4


def project(p):
    return ((p[0] + 180) * SCALE, (84 - p[1]) * SCALE)


def dp(pts, tol):
    if len(pts) < 3:
        return pts
    (x1, y1), (x2, y2) = pts[0], pts[-1]
    dx, dy = x2 - x1, y2 - y1
    norm = (dx * dx + dy * dy) ** 0.5
    best, idx = -1.0, 0
    for i in range(1, len(pts) - 1):
        x, y = pts[i]
        d = abs(dy * x - dx * y + x2 * y1 - y2 * x1) / norm if norm else ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
        if d > best:
            best, idx = d, i
    if best <= tol:
        return [pts[0], pts[-1]]
    return dp(pts[: idx + 1], tol)[:-1] + dp(pts[idx:], tol)


def ring(r):
    pts = [project(p) for p in r]
    out = dp(pts, TOL)
    if len(out) < 4:  # a ring simplified to a line is too small to see at this scale
        return ""
    cmd = []
    for i, (x, y) in enumerate(out[:-1]):
        cmd.append(("M" if i == 0 else "L") + f"{x:.1f} {y:.1f}".replace(".0 ", " ").replace(".0", ""))
    return "".join(cmd) + "Z"


def main():
    data = json.load(open(sys.argv[1], encoding="utf-8"))
    for f in data["features"]:
        if f["id"] == "ATA":
            continue
        g = f["geometry"]
        polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
        d = "".join(ring(r) for poly in polys for r in poly)
        if d:
            print(f"{f['id']}\t{f['properties']['name']}\t{d}")


main()

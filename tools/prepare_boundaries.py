#!/usr/bin/env python3
"""Builds data/geography/provinces_2025.geojson: the 34 provinces after 1/7/2025, simplified for a small choropleth.

Source: ../shared/data/admin-units/geo/provinces-34-2025-geojson (one FeatureCollection per province, id = GSO code;
geometry from sapnhap.bando.com.vn, licence not verified: see data/geography/README.md). Rings are simplified with
Douglas-Peucker at 0.01 degree (about 1 km) and rounded to 3 decimals; rings left with fewer than 4 points are dropped.
"""
import glob
import json
import os
import sys

SRC = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "admin-units", "geo", "provinces-34-2025-geojson")
OUT = os.path.join(os.path.dirname(__file__), "..", "data", "geography", "provinces_2025.geojson")
TOLERANCE = 0.01


def simplify(points, tolerance):
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        start, end = stack.pop()
        (x1, y1), (x2, y2) = points[start], points[end]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        best, index = 0.0, None
        for i in range(start + 1, end):
            x, y = points[i]
            if norm == 0:
                dist = ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
            else:
                dist = abs(dy * x - dx * y + x2 * y1 - y2 * x1) / norm
            if dist > best:
                best, index = dist, i
        if index is not None and best > tolerance:
            keep[index] = True
            stack.append((start, index))
            stack.append((index, end))
    return [p for p, k in zip(points, keep) if k]


def main():
    features = []
    for path in sorted(glob.glob(os.path.join(SRC, "*.geojson"))):
        with open(path, encoding="utf-8") as f:
            collection = json.load(f)
        for feature in collection["features"]:
            geometry = feature["geometry"]
            polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
            simplified = []
            for polygon in polygons:
                rings = []
                for ring in polygon:
                    ring = simplify([tuple(p[:2]) for p in ring], TOLERANCE)
                    ring = [[round(x, 3), round(y, 3)] for x, y in ring]
                    if len(ring) >= 4:
                        rings.append(ring)
                if rings:
                    simplified.append(rings)
            code = str(feature.get("id") or feature["properties"].get("id") or os.path.basename(path).split("_")[0])
            features.append({
                "type": "Feature",
                "properties": {"code": code.zfill(2), "name": feature["properties"].get("fullName") or feature["properties"].get("name")},
                "geometry": {"type": "MultiPolygon", "coordinates": simplified},
            })
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(features)} provinces, {os.path.getsize(OUT)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()

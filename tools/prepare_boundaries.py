#!/usr/bin/env python3
"""Builds data/geography/provinces_2025.geojson: the 34 provinces after 1/7/2025, simplified for a small choropleth.

Source: ../shared/data/admin-units/geo/provinces-34-2025-geojson (one FeatureCollection per province, id = GSO code;
geometry from sapnhap.bando.com.vn, licence not verified: see data/geography/README.md). Rings are simplified with
Douglas-Peucker at 0.01 degree (about 1 km) and rounded to 3 decimals; rings left with fewer than 4 points are dropped.

It also builds data/geography/provinces_2021.geojson: the 63 provinces before 1/7/2025, in the same format and with the
same simplification. Source: ../shared/data/admin-units/geo/topojson-odv/provinces-63_pre2025.topo.json (TopoJSON,
MIT repository, upstream Open Development Vietnam, licence not verified). Its arcs are decoded here. Its codes are not
GSO codes, so each feature's name is matched to one of the 63 provinces of data/geography/units_2025-03-01.csv after
normalisation (prefix, case, spacing, hyphens, tone-mark placement and a few spelling variants); the script stops if
any name matches no province or more than one, or if a province is left without a shape. Names come from the unit list.
"""
import csv
import glob
import json
import os
import sys
import unicodedata

SRC = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "admin-units", "geo", "provinces-34-2025-geojson")
OUT = os.path.join(os.path.dirname(__file__), "..", "data", "geography", "provinces_2025.geojson")
TOLERANCE = 0.01

SRC_2021 = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "admin-units", "geo", "topojson-odv",
                        "provinces-63_pre2025.topo.json")
UNITS_2021 = os.path.join(os.path.dirname(__file__), "..", "data", "geography", "units_2025-03-01.csv")
OUT_2021 = os.path.join(os.path.dirname(__file__), "..", "data", "geography", "provinces_2021.geojson")
TOLERANCE_2021 = 0.01


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


def simplify_polygons(polygons, tolerance):
    simplified = []
    for polygon in polygons:
        rings = []
        for ring in polygon:
            ring = simplify([tuple(p[:2]) for p in ring], tolerance)
            ring = [[round(x, 3), round(y, 3)] for x, y in ring]
            if len(ring) >= 4:
                rings.append(ring)
        if rings:
            simplified.append(rings)
    return simplified


def build_2025():
    features = []
    for path in sorted(glob.glob(os.path.join(SRC, "*.geojson"))):
        with open(path, encoding="utf-8") as f:
            collection = json.load(f)
        for feature in collection["features"]:
            geometry = feature["geometry"]
            polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
            simplified = simplify_polygons(polygons, TOLERANCE)
            code = str(feature.get("id") or feature["properties"].get("id") or os.path.basename(path).split("_")[0])
            features.append({
                "type": "Feature",
                "properties": {"code": code.zfill(2), "name": feature["properties"].get("fullName") or feature["properties"].get("name")},
                "geometry": {"type": "MultiPolygon", "coordinates": simplified},
            })
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(features)} provinces, {os.path.getsize(OUT)} bytes", file=sys.stderr)


TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
PREFIXES = ("thành phố ", "tỉnh ", "tp. ", "tp.", "tp ")
SPELLINGS = {  # normalised variant -> normalised name in the unit list
    "hcm": "hồ chí minh",
    "thừa thiên huế": "huế",
    "đắc lắc": "đắk lắk",
    "đăk lăk": "đắk lắk",
    "đăk nông": "đắk nông",
    "bắc cạn": "bắc kạn",
}


def syllable_key(word):
    """A syllable with its tone mark moved to the end, so "hoà" and "hòa" give the same key."""
    letters = unicodedata.normalize("NFD", word)
    tones = "".join(c for c in letters if c in TONE_MARKS)
    base = "".join(c for c in letters if c not in TONE_MARKS)
    return unicodedata.normalize("NFC", base) + tones


def name_key(name):
    name = unicodedata.normalize("NFC", name).lower().replace("-", " ").replace("\u2013", " ")
    name = " ".join(name.split())
    for prefix in PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):].strip()
            break
    name = " ".join(syllable_key(w) for w in name.split())
    return SPELLING_KEYS.get(name, name)


SPELLING_KEYS = {" ".join(syllable_key(w) for w in k.split()): " ".join(syllable_key(w) for w in v.split())
                 for k, v in SPELLINGS.items()}


def decode_arcs(topology):
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for p in arc:
                x, y = x + p[0], y + p[1]
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(p[0], p[1]) for p in arc]
        arcs.append(points)
    return arcs


def stitch(ring_arcs, arcs):
    ring = []
    for index in ring_arcs:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        if ring:
            ring.pop()  # the previous arc ends where this one starts
        ring.extend(points)
    return ring


def build_2021():
    with open(UNITS_2021, encoding="utf-8", newline="") as f:
        provinces = [row for row in csv.DictReader(f) if row["level"] == "province"]
    if len(provinces) != 63:
        sys.exit(f"expected 63 provinces in {UNITS_2021}, found {len(provinces)}")
    by_key = {}
    for row in provinces:
        by_key.setdefault(name_key(row["name"]), []).append(row)
    with open(SRC_2021, encoding="utf-8") as f:
        topology = json.load(f)
    arcs = decode_arcs(topology)
    geometries = [g for obj in topology["objects"].values() for g in obj["geometries"]]
    errors, features, seen = [], [], {}
    for geometry in geometries:
        source_name = geometry["properties"]["ten_tinh"]
        matches = by_key.get(name_key(source_name), [])
        if len(matches) != 1:
            errors.append(f"{source_name!r} matches {len(matches)} provinces")
            continue
        province = matches[0]
        if province["code"] in seen:
            errors.append(f"{source_name!r} and {seen[province['code']]!r} both match {province['code']}")
            continue
        seen[province["code"]] = source_name
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            errors.append(f"{source_name!r} has geometry type {geometry['type']}")
            continue
        polygons = [[stitch(ring, arcs) for ring in polygon] for polygon in polygons]
        simplified = simplify_polygons(polygons, TOLERANCE_2021)
        if not simplified:
            errors.append(f"{source_name!r} has no geometry left after simplification")
        features.append({
            "type": "Feature",
            "properties": {"code": province["code"], "name": province["name"]},
            "geometry": {"type": "MultiPolygon", "coordinates": simplified},
        })
    missing = [f"{row['code']} {row['name']}" for row in provinces if row["code"] not in seen]
    if missing:
        errors.append("no shape for " + ", ".join(missing))
    if errors:
        sys.exit("provinces_2021: " + "; ".join(errors))
    features.sort(key=lambda feature: feature["properties"]["code"])
    with open(OUT_2021, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f, ensure_ascii=False, separators=(",", ":"))
    print(f"{len(features)} pre-reform provinces, {os.path.getsize(OUT_2021)} bytes", file=sys.stderr)


def main():
    build_2025()
    build_2021()


if __name__ == "__main__":
    main()

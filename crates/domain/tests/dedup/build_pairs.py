#!/usr/bin/env python3
"""Builds the labelled duplicate pairs used by `crates/domain/tests/dedup_quality.rs`.

Two steps, both deterministic (see README.md beside this file):

    python3 build_pairs.py propose    # writes candidates.csv (unlabelled)
    python3 build_pairs.py assemble   # joins candidates.csv with labels.csv into pairs.csv

`propose` reads the shared source files, proposes candidate pairs and writes
them with a stable `pair_id`. A person then labels pairs in `labels.csv`
(`pair_id,same,note`). `assemble` writes `pairs.csv`, self-contained: both
records' attributes and the label, only for labelled pairs.

The proposal deliberately uses none of the Rust scorer's code or constants,
so that the labelled set does not inherit the scorer's blind spots.

Standard library only. Paths can be overridden with MAILLAGE_PLACES (the
folder holding france-services-2024-08.csv and mednum/) and
MAILLAGE_COMMUNES (referentials/territory/communes.csv).
"""

import csv
import json
import math
import os
import random
import re
import sys
import unicodedata
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
PLACES = os.environ.get("MAILLAGE_PLACES", os.path.join(REPO, "..", "shared", "data", "places"))
COMMUNES = os.environ.get("MAILLAGE_COMMUNES", os.path.join(REPO, "referentials", "territory", "communes.csv"))

SOURCES = [
    # (short name used in pairs.csv, path under PLACES)
    ("cnfs", "mednum/lieux-de-mediation-numerique.cnfs.json"),
    ("cnfs-idf", "mednum/lieux-cnfs-idf.json"),
    ("hinaura", "mednum/source-hinaura.json"),
    ("charente", "mednum/20230711-charente-lieux-de-mediation-numeriques-nouvelle-aquitaine.json"),
    ("charente-bus", "mednum/20231003-bus-france-services-en-charente-lieux-de-mediation-numeriques-nouvelle-aquitaine.json"),
    ("france-services", "france-services-2024-08.csv"),
]

# Files whose records come from several independent producers: pairs inside
# them are proposed too. The Charente file merges five upstream sources; the
# national CNFS file holds what each digital mediator registered, so one
# place is often registered twice and one SIRET often covers many places.
AGGREGATES = {"charente", "cnfs"}

RECORD_COLUMNS = [
    "file", "id", "name", "address", "postal_code", "commune", "commune_insee",
    "lat", "lon", "pivot", "phone", "email", "website",
]

SEED = 20240817


def fold(s):
    s = unicodedata.normalize("NFKD", s or "")
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = re.sub(r"[^a-z0-9]+", " ", s)
    return " ".join(s.split())


STOP = set("de du des la le les l d et a au aux en sur mairie commune ville france services service espace maison msap".split())


def tokens(name):
    return {t for t in fold(name).split() if t not in STOP and len(t) > 1}


def haversine(a, b):
    (la1, lo1), (la2, lo2) = a, b
    p1, p2 = math.radians(la1), math.radians(la2)
    dp, dl = p2 - p1, math.radians(lo2 - lo1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def digits(s):
    return re.sub(r"\D", "", s or "")


def phone_key(s):
    d = digits(s)
    if d.startswith("33") and len(d) == 11:
        d = "0" + d[2:]
    return d[-9:] if len(d) >= 9 else ""


class Communes:
    """Resolves a commune's INSEE code from a postal code and a name, as
    the import pipeline does when a source gives no code."""

    def __init__(self, path):
        self.by_postal = defaultdict(list)
        with open(path, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                for cp in re.split(r"[\s;]+", row["codes_postaux"]):
                    if cp:
                        self.by_postal[cp].append((row["code_insee"], fold(row["nom"])))

    def resolve(self, postal_code, name):
        cands = self.by_postal.get(postal_code or "", [])
        if not cands:
            return ""
        n = fold(name)
        n = re.sub(r"\b(cedex|\d+(e|er|eme)?)\b", " ", n)
        n = " ".join(n.replace(" st ", " saint ").replace(" ste ", " sainte ").split())
        n = re.sub(r"^st ", "saint ", re.sub(r"^ste ", "sainte ", n))
        exact = [c for c, cn in cands if cn == n or cn.replace(" ", "") == n.replace(" ", "")]
        if len(exact) == 1:
            return exact[0]
        if len(cands) == 1:
            return cands[0][0]
        return ""


def load():
    communes = Communes(COMMUNES)
    records = []
    for short, rel in SOURCES:
        path = os.path.join(PLACES, rel)
        if rel.endswith(".json"):
            with open(path, encoding="utf-8") as f:
                rows = json.load(f)
            for r in rows:
                records.append(
                    {
                        "file": short,
                        "id": str(r["id"]),
                        "name": r.get("nom", ""),
                        "address": r.get("adresse", ""),
                        "postal_code": r.get("code_postal", ""),
                        "commune": r.get("commune", ""),
                        "commune_insee": r.get("code_insee", "")
                        or communes.resolve(r.get("code_postal"), r.get("commune")),
                        "lat": r.get("latitude"),
                        "lon": r.get("longitude"),
                        "pivot": str(r.get("pivot", "") or ""),
                        "phone": r.get("telephone", ""),
                        "email": r.get("courriel", ""),
                        "website": r.get("site_web", ""),
                        "_upstream": r.get("source", ""),
                    }
                )
        else:
            with open(path, encoding="utf-8") as f:
                for r in csv.DictReader(f):
                    address = r["adresse"]
                    records.append(
                        {
                            "file": short,
                            "id": r["id_fs"],
                            "name": r["lib_fs"],
                            "address": address,
                            "postal_code": r["code_postal"],
                            "commune": r["lib_com"],
                            "commune_insee": r["insee_com"],
                            "lat": float(r["latitude"]) if r["latitude"] else None,
                            "lon": float(r["longitude"]) if r["longitude"] else None,
                            "pivot": "",
                            "phone": r["telephone"],
                            "email": r["mail"],
                            "website": "",
                            "_upstream": "france-services",
                        }
                    )
    for r in records:
        r["_geo"] = (r["lat"], r["lon"]) if r["lat"] is not None and r["lon"] is not None else None
        r["_tokens"] = tokens(r["name"])
        r["_phone"] = phone_key(r["phone"])
        r["_email"] = (r["email"] or "").strip().lower()
        r["_pivot"] = digits(r["pivot"]) if digits(r["pivot"]) not in ("", "0" * 14) else ""
        r["_key"] = f'{r["file"]}:{r["id"]}'
    return records


def proposable(a, b):
    if a["file"] == b["file"] and a["file"] not in AGGREGATES:
        return False
    # The IDF file republishes national records under the same id: those
    # are copies, matched upstream by (source, id), not by this scorer.
    if a["id"] == b["id"] and {a["file"], b["file"]} == {"cnfs", "cnfs-idf"}:
        return False
    return True


def features(a, b):
    dist = haversine(a["_geo"], b["_geo"]) if a["_geo"] and b["_geo"] else None
    ta, tb = a["_tokens"], b["_tokens"]
    jac = len(ta & tb) / len(ta | tb) if ta and tb else 0.0
    same_contact = bool(a["_phone"] and a["_phone"] == b["_phone"]) or bool(a["_email"] and a["_email"] == b["_email"])
    same_pivot = bool(a["_pivot"] and a["_pivot"] == b["_pivot"])
    same_commune = bool(a["commune_insee"] and a["commune_insee"] == b["commune_insee"]) or (
        a["postal_code"] == b["postal_code"] and fold(a["commune"]) == fold(b["commune"])
    )
    return dist, jac, same_contact, same_pivot, same_commune


def propose():
    records = load()
    by_block = defaultdict(list)
    for r in records:
        keys = set()
        if r["postal_code"]:
            keys.add("cp:" + r["postal_code"])
        if r["commune_insee"]:
            keys.add("insee:" + r["commune_insee"])
        if r["_geo"]:
            # About 1 km cells; neighbours are joined below.
            keys.add("g:%d:%d" % (math.floor(r["lat"] / 0.009), math.floor(r["lon"] / 0.013)))
        if r["_pivot"]:
            keys.add("pv:" + r["_pivot"])
        if r["_phone"]:
            keys.add("ph:" + r["_phone"])
        if r["_email"]:
            keys.add("em:" + r["_email"])
        for k in keys:
            by_block[k].append(r)
    # Geo cells: add neighbours so pairs straddling a cell border are seen.
    geo_cells = {k for k in by_block if k.startswith("g:")}
    seen = {}
    for k, rs in by_block.items():
        pools = [rs]
        if k.startswith("g:"):
            _, y, x = k.split(":")
            y, x = int(y), int(x)
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    nk = "g:%d:%d" % (y + dy, x + dx)
                    if (dy or dx) and nk in geo_cells:
                        pools.append(by_block[nk])
        others = [r for pool in pools for r in pool]
        if len(others) > 400:
            continue
        for a in rs:
            for b in others:
                if a is b or not proposable(a, b):
                    continue
                x, y = sorted([a, b], key=lambda r: r["_key"])
                pid = f'{x["_key"]}|{y["_key"]}'
                if pid in seen:
                    continue
                dist, jac, contact, pivot, commune = features(x, y)
                near = dist is not None and dist <= 1000
                if not (near or commune or ((contact or pivot) and (dist is None or dist <= 30000))):
                    continue
                seen[pid] = (x, y, dist, jac, contact, pivot, commune)

    # Strata, so the set holds clear positives, clear negatives and hard cases
    # in useful proportions rather than the millions of easy negatives.
    strata = defaultdict(list)
    for pid, (x, y, dist, jac, contact, pivot, commune) in seen.items():
        if jac >= 0.5 or (contact and (dist is None or dist < 300)):
            s = "A-similar"
        elif pivot:
            s = "B-shared-pivot"
        elif contact:
            s = "C-shared-contact"
        elif dist is not None and dist < 150:
            s = "D-very-near"
        elif jac > 0:
            s = "E-some-name-overlap"
        else:
            s = "F-same-area"
        strata[s].append(pid)
    # Pairs already labelled are kept whatever the sampling draws, so that
    # re-running the proposal (after a fix to the loaders, say) never drops a
    # label; the quota is then filled with fresh pairs.
    labelled = set(read_labels())
    lost = labelled - set(seen)
    if lost:
        raise SystemExit(f"{len(lost)} labelled pairs are no longer proposed, e.g. {sorted(lost)[0]}")
    quotas = {"A-similar": 300, "B-shared-pivot": 60, "C-shared-contact": 40, "D-very-near": 80, "E-some-name-overlap": 50, "F-same-area": 40}
    rng = random.Random(SEED)
    chosen = []
    for s in sorted(strata):
        pids = sorted(strata[s])
        rng.shuffle(pids)
        kept = [p for p in pids if p in labelled]
        kept += [p for p in pids if p not in labelled][: max(0, quotas[s] - len(kept))]
        chosen += [(s, p) for p in kept]
        print(f"{s}: {len(pids)} proposed, {len(kept)} kept", file=sys.stderr)
    with open(os.path.join(HERE, "candidates.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["pair_id", "stratum", "distance_m"] + [f"a_{c}" for c in RECORD_COLUMNS] + [f"b_{c}" for c in RECORD_COLUMNS])
        for s, pid in sorted(chosen, key=lambda t: (t[0], t[1])):
            x, y, dist, *_ = seen[pid]
            w.writerow([pid, s, "" if dist is None else round(dist)] + [cell(x, c) for c in RECORD_COLUMNS] + [cell(y, c) for c in RECORD_COLUMNS])
    print(f"{len(chosen)} candidates written", file=sys.stderr)


def cell(r, c):
    v = r.get(c)
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return " ".join(str(v).split())


def read_labels():
    path = os.path.join(HERE, "labels.csv")
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        rows = {row["pair_id"]: row for row in csv.DictReader(f)}
    for pid, row in rows.items():
        # "?" marks a pair the labeller could not decide: kept in labels.csv
        # as a record of the decision, left out of pairs.csv.
        if row["same"] not in ("0", "1", "?"):
            raise SystemExit(f"bad label for {pid}: {row['same']!r}")
    return rows


def assemble():
    with open(os.path.join(HERE, "candidates.csv"), encoding="utf-8") as f:
        cands = {row["pair_id"]: row for row in csv.DictReader(f)}
    labels = {}
    undecided = 0
    for pid, row in read_labels().items():
        if pid not in cands:
            raise SystemExit(f"label for an unknown pair: {pid}")
        if row["same"] == "?":
            undecided += 1
        else:
            labels[pid] = row
    cols = [f"a_{c}" for c in RECORD_COLUMNS] + [f"b_{c}" for c in RECORD_COLUMNS]
    with open(os.path.join(HERE, "pairs.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["pair_id", "stratum", "same", "note"] + cols)
        for pid in sorted(labels, key=lambda p: (cands[p]["stratum"], p)):
            row = cands[pid]
            w.writerow([pid, row["stratum"], labels[pid]["same"], labels[pid]["note"]] + [row[c] for c in cols])
    pos = sum(1 for l in labels.values() if l["same"] == "1")
    print(f"{len(labels)} labelled pairs, {pos} same, {len(labels) - pos} different, {undecided} undecided left out", file=sys.stderr)
    unlabelled = len(cands) - len(labels) - undecided
    if unlabelled:
        print(f"{unlabelled} candidates are not labelled yet", file=sys.stderr)


if __name__ == "__main__":
    {"propose": propose, "assemble": assemble}[sys.argv[1] if len(sys.argv) > 1 else "propose"]()

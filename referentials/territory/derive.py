#!/usr/bin/env python3
"""Derives the territory referential Maillage ships from ../shared/data/territory.

Sources (see referentials/README.md): INSEE/La Poste via @etalab/decoupage-administratif
6.0.0 (Licence Ouverte 2.0), centroids and outlines from IGN Admin Express 2018 via
gregoiredavid/france-geojson (Licence Ouverte 2.0).

Run from the repository root:  python3 referentials/territory/derive.py ../shared/data/territory
"""
import csv, json, sys, shutil, os

src = sys.argv[1]
out = os.path.dirname(os.path.abspath(__file__))

epci_of = {}
with open(os.path.join(src, 'epci.json'), encoding='utf-8') as f:
    epcis = json.load(f)
with open(os.path.join(out, 'epci.csv'), 'w', newline='', encoding='utf-8') as f:
    w = csv.writer(f)
    w.writerow(['siren', 'nom', 'type', 'population'])
    for e in epcis:
        w.writerow([e['code'], e['nom'], e['type'], e.get('populationTotale') or ''])
        for m in e['membres']:
            epci_of[m['code']] = e['code']

with open(os.path.join(src, 'communes-fr.csv'), encoding='utf-8') as f, \
     open(os.path.join(out, 'communes.csv'), 'w', newline='', encoding='utf-8') as g:
    w = csv.writer(g)
    w.writerow(['code_insee', 'nom', 'departement', 'region', 'epci', 'population', 'lat', 'lon', 'codes_postaux'])
    for r in csv.DictReader(f):
        w.writerow([r['code_insee'], r['nom'], r['departement'], r['region'], epci_of.get(r['code_insee'], ''),
                    r['population'], r['lat'], r['lon'], r['codes_postaux']])

for name in ['departements.json', 'regions.json']:
    with open(os.path.join(src, name), encoding='utf-8') as f:
        rows = json.load(f)
    with open(os.path.join(out, name.replace('.json', '.csv')), 'w', newline='', encoding='utf-8') as g:
        w = csv.writer(g)
        if name.startswith('dep'):
            w.writerow(['code', 'nom', 'region', 'zone'])
            for r in rows:
                w.writerow([r['code'], r['nom'], r['region'], r['zone']])
        else:
            w.writerow(['code', 'nom', 'zone'])
            for r in rows:
                w.writerow([r['code'], r['nom'], r['zone']])

for name in ['departements-metropole.geojson', 'regions-metropole.geojson']:
    shutil.copyfile(os.path.join(src, name), os.path.join(out, name))

#!/usr/bin/env python3
"""Builds data/geography/groupings_regions.csv: the 7 socio-economic regions of the 2021–2025 new-rural criteria and
the 6 regions of poverty statistics, as dated memberships (run by a developer after prepare_geography.py; the
output is committed and loaded on first start like the unit lists).

Decisions (also in data/geography/README.md):
- The 63 provinces are placed in the 6 regions of NQ 81/2023/QH15 (the GSO regions); the 7-region scheme splits
  "Bắc Trung Bộ và Duyên hải miền Trung" into Bắc Trung Bộ (Thanh Hóa … Thừa Thiên Huế) and Duyên hải Nam Trung Bộ
  (Đà Nẵng … Bình Thuận). Not checked against the QĐ 318 annex: every grouping carries "[verify]".
- Old provinces hold their membership from 1/1/2021 until 1/7/2025.
- From 1/7/2025 a new province whose predecessors all lay in one region holds that region; where a merged province
  spans regions, each of its communes holds the region of most of its predecessor communes (ties: the first in code
  order), as DOMAIN.md §3 asks ("region membership is held per commune").
"""
import csv, os
from collections import Counter, defaultdict

GEO = os.path.join(os.path.dirname(__file__), '..', 'data', 'geography')

SIX = {
    'TDMNPB': ('Trung du và miền núi phía Bắc', '02 04 06 08 10 11 12 14 15 17 19 20 24 25'),
    'DBSH': ('Đồng bằng sông Hồng', '01 22 26 27 30 31 33 34 35 36 37'),
    'BTBDHMT': ('Bắc Trung Bộ và Duyên hải miền Trung', '38 40 42 44 45 46 48 49 51 52 54 56 58 60'),
    'TN': ('Tây Nguyên', '62 64 66 67 68'),
    'DNB': ('Đông Nam Bộ', '70 72 74 75 77 79'),
    'DBSCL': ('Đồng bằng sông Cửu Long', '80 82 83 84 86 87 89 91 92 93 94 95 96'),
}
SEVEN = {
    'TDMNPB': SIX['TDMNPB'],
    'DBSH': SIX['DBSH'],
    'BTB': ('Bắc Trung Bộ', '38 40 42 44 45 46'),
    'DHNTB': ('Duyên hải Nam Trung Bộ', '48 49 51 52 54 56 58 60'),
    'TN': SIX['TN'],
    'DNB': SIX['DNB'],
    'DBSCL': SIX['DBSCL'],
}
SCHEMES = [
    ('VUNG7', 'ntm_region', SEVEN, 'Vùng KT-XH áp dụng ngưỡng tiêu chí xã NTM theo QĐ 318/QĐ-TTg ngày 08/3/2022'),
    ('VUNG6', 'poverty_region', SIX, 'Vùng KT-XH theo NQ 81/2023/QH15 và Tổng cục Thống kê (thống kê nghèo)'),
]
REFORM = '2025-07-01'
START = '2021-01-01'
NOTE = '[verify] danh sách tỉnh theo vùng chưa đối chiếu phụ lục văn bản'


def read(name):
    return list(csv.DictReader(open(os.path.join(GEO, name), encoding='utf-8')))


def main():
    old_units = {r['code']: r for r in read('units_2023-04-08.csv')}
    old_units.update({r['code']: r for r in read('units_2025-03-01.csv')})
    new_units = {r['code']: r for r in read('units_2025-07-01.csv')}

    def old_province(code):
        while code in old_units and old_units[code]['level'] != 'province':
            code = old_units[code]['parent_code']
        return code

    preds = defaultdict(list)
    for r in read('crosswalk_2025-07-01.csv'):
        preds[r['new_code']].append(r['old_code'])
    rows = []
    for prefix, category, scheme, basis in SCHEMES:
        region_of = {p: key for key, (_, provinces) in scheme.items() for p in provinces.split()}
        assert len(region_of) == 63, len(region_of)
        first = set()

        def member(key, unit_code, valid_from, valid_to, note=''):
            code = f'{prefix}-{key}'
            name = scheme[key][0]
            head = code not in first
            first.add(code)
            rows.append([code, name if head else '', category if head else '', unit_code, valid_from, valid_to,
                         basis if head else '', NOTE if head else note])

        for province in sorted(region_of):
            member(region_of[province], province, START, REFORM)
        new_provinces = sorted(c for c, r in new_units.items() if r['level'] == 'province')
        for province in new_provinces:
            regions = {region_of[p] for p in preds[province]}
            if len(regions) == 1:
                member(regions.pop(), province, REFORM, '')
                continue
            communes = sorted(c for c, r in new_units.items() if r['level'] == 'commune' and r['parent_code'] == province)
            for commune in communes:
                counts = Counter(region_of[old_province(p)] for p in preds[commune])
                if not counts:
                    raise SystemExit(f'commune {commune} has no predecessors')
                key = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
                note = 'ghép từ nhiều vùng, lấy vùng của đa số xã cũ' if len(counts) > 1 else ''
                member(key, commune, REFORM, '', note)
    with open(os.path.join(GEO, 'groupings_regions.csv'), 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(['grouping_code', 'grouping_name', 'category', 'unit_code', 'valid_from', 'valid_to',
                    'legal_basis', 'note'])
        w.writerows(rows)
    print(len(rows), 'memberships')


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Builds data/geography/ from ../shared/data/admin-units (run once by a developer; outputs are committed).

The outputs are in mtqg's own import formats (see docs/import-formats.md), so the shipped
data goes through the same importer as a user's file.
Cleaning done here, each a decision recorded in data/geography/README.md:
- the 2023 list drops the spurious "Thị trấn Quân Chu" 05764 (the real unit is Xã Quân Chu 05851);
- names that differ between sources only in tone-mark placement take the newest spelling;
- the lower-case "xã Bắc Sơn" (06325) in the 2026 list is capitalised;
- crosswalk edges from the 12 communes already gone before 1/3/2025 are dropped;
- crosswalk new codes 06970 and 23737 (CV 1027 typos) are mapped to the GSO codes 06978 and 23938.
"""
import csv, json, os, sys, unicodedata

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'data', 'admin-units')
OUT = os.path.join(os.path.dirname(__file__), '..', 'data', 'geography')

def nfc(s): return unicodedata.normalize('NFC', s.strip())
def fold(s):
    s = unicodedata.normalize('NFD', nfc(s).replace('đ', 'd').replace('Đ', 'D'))
    return ''.join(c for c in s if unicodedata.category(c) != 'Mn').lower()

TYPE_2023 = {'xa': 'Xã', 'phuong': 'Phường', 'thi-tran': 'Thị trấn', 'huyen': 'Huyện', 'thi-xa': 'Thị xã',
             'quan': 'Quận', 'thanh-pho': 'Thành phố', 'tinh': 'Tỉnh'}

def write(name, header, rows):
    with open(os.path.join(OUT, name), 'w', newline='', encoding='utf-8') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(header)
        w.writerows(rows)

def main():
    os.makedirs(OUT, exist_ok=True)
    d = lambda *p: os.path.join(SRC, *p)
    # Newest spelling of every (code) name, used to settle tone-mark-only differences.
    newest = {}
    for f in ['pre2025_provinces.csv', 'pre2025_districts.csv', 'pre2025_communes.csv']:
        for r in csv.DictReader(open(d('derived', f), encoding='utf-8')):
            newest[r['code']] = nfc(r['full_name'])
    def settle(code, name):
        n = newest.get(code)
        return n if n is not None and fold(n) == fold(name) else name

    # 1. The 2023-04-08 list (madnh), three levels.
    base = d('pre-2025', 'madnh-hanhchinhvn-2023-04-08')
    rows = []
    for f, level in [('tinh_tp.json', 'province'), ('quan_huyen.json', 'district'), ('xa_phuong.json', 'commune')]:
        for code, u in sorted(json.load(open(os.path.join(base, f), encoding='utf-8')).items()):
            if code == '05764':
                continue
            t = TYPE_2023[u['type']]
            if level == 'province' and t == 'Thành phố':
                t = 'Thành phố trực thuộc trung ương'
            rows.append([code, settle(code, u['name_with_type']), nfc(u['name']), t, level, u.get('parent_code', '')])
    write('units_2023-04-08.csv', ['code', 'name', 'short_name', 'type', 'level', 'parent_code'], rows)

    # 2. The 2025-03-01 list (thanglequoc v2.4.1 via derived CSVs).
    rows = []
    for r in csv.DictReader(open(d('derived', 'pre2025_provinces.csv'), encoding='utf-8')):
        rows.append([r['code'], nfc(r['full_name']), nfc(r['name']), r['type'], 'province', ''])
    for r in csv.DictReader(open(d('derived', 'pre2025_districts.csv'), encoding='utf-8')):
        rows.append([r['code'], nfc(r['full_name']), nfc(r['name']), r['type'], 'district', r['province_code']])
    for r in csv.DictReader(open(d('derived', 'pre2025_communes.csv'), encoding='utf-8')):
        rows.append([r['code'], nfc(r['full_name']), nfc(r['name']), r['type'], 'commune', r['district_code']])
    write('units_2025-03-01.csv', ['code', 'name', 'short_name', 'type', 'level', 'parent_code'], rows)

    # 3. The 2025-07-01 list (thanglequoc v3.0.2), two levels; 4. the current list (v4.2.0).
    v4 = json.load(open(d('post-2025', 'thanglequoc-v4.2.0_units_2026-07-25.json'), encoding='utf-8'))
    newest2 = {}
    for p in v4:
        newest2[p['Code']] = nfc(p['FullName'])
        for w in p['Wards']:
            newest2[w['Code']] = nfc(w['FullName'])
    newest2['06325'] = 'Xã Bắc Sơn'
    v3 = json.load(open(d('post-2025', 'thanglequoc-v3.0.2_units_2025-07-01.min.json'), encoding='utf-8'))
    v3_names = {}
    def post_rows(data, names_from):
        out = []
        for p in data:
            pt = 'Tỉnh' if p['FullName'].startswith('Tỉnh') else 'Thành phố trực thuộc trung ương'
            out.append([p['Code'], names_from(p['Code'], nfc(p['FullName'])), nfc(p['Name']), pt, 'province', ''])
            for w in p['Wards']:
                full = names_from(w['Code'], nfc(w['FullName']))
                t = next(t for t in ['Xã', 'Phường', 'Đặc khu'] if full.lower().startswith(t.lower()))
                out.append([w['Code'], full, nfc(w['Name']), t, 'commune', p['Code']])
        return out
    def settle2(code, name):
        n = newest2.get(code)
        return n if n is not None and fold(n) == fold(name) else name
    v3rows = post_rows(v3, settle2)
    write('units_2025-07-01.csv', ['code', 'name', 'short_name', 'type', 'level', 'parent_code'], v3rows)
    v3_by_code = {r[0]: r for r in v3rows}
    v4rows = post_rows(v4, lambda code, name: newest2[code])
    changed = [r for r in v4rows if v3_by_code[r[0]][1] != r[1] or v3_by_code[r[0]][3] != r[3]]
    write('units_2026-04-30.csv', ['code', 'name', 'short_name', 'type', 'level', 'parent_code'], v4rows)
    print('2026 changes:', len(changed), [r[:2] for r in changed])

    # 5. The 2025 crosswalk (dvhcvn, MIT): provinces and communes.
    pre_codes = {r[0] for r in rows}
    m = json.load(open(d('mapping-2025', 'dvhcvn-20250701_merges_new-to-old.json'), encoding='utf-8'))
    fix_new = {'06970': '06978', '23737': '23938'}
    edges, dropped = [], []
    basis_p = 'Nghị quyết 202/2025/QH15 về sắp xếp đơn vị hành chính cấp tỉnh'
    basis_c = 'Nghị quyết của UBTVQH15 về sắp xếp đơn vị hành chính cấp xã năm 2025 (số 1654–1687/NQ-UBTVQH15)'
    for p in m['data']:
        for o in p['merges']:
            edges.append([o['old_id'], p['level1_id'], o['type'], '2025-07-01', basis_p, 'nguồn: dvhcvn/20250701, cần đối chiếu'])
        for w in p['level2s']:
            new = fix_new.get(w['level2_id'], w['level2_id'])
            for o in w['merges']:
                if o['old_id'] not in pre_codes:
                    dropped.append(o['old_id'])
                    continue
                note = 'nguồn: dvhcvn/20250701, cần đối chiếu'
                if new != w['level2_id']:
                    note += f'; mã mới {w["level2_id"]} theo CV 1027 đổi thành {new} theo danh mục GSO'
                edges.append([o['old_id'], new, o['type'], '2025-07-01', basis_c, note])
    write('crosswalk_2025-07-01.csv', ['old_code', 'new_code', 'kind', 'date', 'legal_basis', 'note'], edges)
    print('edges', len(edges), 'dropped', sorted(set(dropped)))

main()

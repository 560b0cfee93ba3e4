//! Administrative geography over time: unit codes, levels, validity intervals, lineage and re-basing.
//!
//! Every unit, version (name, type, parent) and lineage edge holds for a half-open interval
//! `[valid_from, valid_to)`: a unit dissolved by a change effective 1/7/2025 has `valid_to = 2025-07-01`,
//! and its successor has `valid_from = 2025-07-01`. A missing `valid_from` means "since before our records".

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;

/// Identifies a unit row in storage. A code can be reused after a unit ends, so the id, not the code, names a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitId(pub i64);

/// A GSO/NSO unit code (province 2 digits, district 3, commune 5) or a province-defined village code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitCode(String);

impl UnitCode {
    /// Accepts 1–20 ASCII letters, digits, "." or "-"; administrative codes are digits only.
    pub fn parse(text: &str) -> Result<UnitCode, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("mã đơn vị trống".to_owned());
        }
        if text.len() > 20
            || !text
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '.' || ch == '-')
        {
            return Err(format!(
                "mã đơn vị \"{text}\" không hợp lệ (chỉ gồm chữ số, tối đa 20 ký tự)"
            ));
        }
        Ok(UnitCode(text.to_owned()))
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The administrative level a GSO code's length implies: 2 digits province, 3 district, 5 commune.
    pub fn implied_level(&self) -> Option<Level> {
        if !self.0.chars().all(|ch| ch.is_ascii_digit()) {
            return None;
        }
        match self.0.len() {
            2 => Some(Level::Province),
            3 => Some(Level::District),
            5 => Some(Level::Commune),
            _ => None,
        }
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The tier of a unit. Districts exist only until 30/6/2025; villages sit under communes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Province,
    District,
    Commune,
    Village,
}

impl Level {
    /// All levels, top first.
    pub const ALL: [Level; 4] = [
        Level::Province,
        Level::District,
        Level::Commune,
        Level::Village,
    ];

    /// Parses the English key used in files and the API, or the Vietnamese word.
    pub fn parse(text: &str) -> Option<Level> {
        match crate::vi::fold(text).as_str() {
            "province" | "tinh" | "cap tinh" => Some(Level::Province),
            "district" | "huyen" | "cap huyen" => Some(Level::District),
            "commune" | "xa" | "cap xa" => Some(Level::Commune),
            "village" | "thon" | "cap thon" => Some(Level::Village),
            _ => None,
        }
    }

    /// The key stored in databases and files.
    pub fn key(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
            Level::Village => "village",
        }
    }

    /// The Vietnamese label shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Level::Province => "Cấp tỉnh",
            Level::District => "Cấp huyện",
            Level::Commune => "Cấp xã",
            Level::Village => "Thôn, tổ dân phố",
        }
    }
}

/// A half-open validity interval `[from, to)`; `None` is unbounded on that side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Validity {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Validity {
    /// Whether the interval holds on `date`.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|from| from <= date) && self.to.is_none_or(|to| date < to)
    }

    /// Whether two intervals share at least one day.
    pub fn overlaps(&self, other: &Validity) -> bool {
        let starts_before_other_ends = match (self.from, other.to) {
            (Some(from), Some(to)) => from < to,
            _ => true,
        };
        let other_starts_before_self_ends = match (other.from, self.to) {
            (Some(from), Some(to)) => from < to,
            _ => true,
        };
        starts_before_other_ends && other_starts_before_self_ends
    }
}

/// Whether an old unit went into a new one whole or in part (../shared/DOMAIN.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineageKind {
    Full,
    Partial,
}

impl LineageKind {
    /// Parses "full"/"partial" or the Vietnamese "toàn bộ"/"một phần" (also the NSO's "Nhập toàn bộ", "Giữ nguyên").
    pub fn parse(text: &str) -> Option<LineageKind> {
        match crate::vi::fold(text).as_str() {
            "full" | "toan bo" | "nhap toan bo" | "giu nguyen" => Some(LineageKind::Full),
            "partial" | "mot phan" | "nhap mot phan" => Some(LineageKind::Partial),
            _ => None,
        }
    }

    /// The key stored in databases and files.
    pub fn key(self) -> &'static str {
        match self {
            LineageKind::Full => "full",
            LineageKind::Partial => "partial",
        }
    }

    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            LineageKind::Full => "toàn bộ",
            LineageKind::Partial => "một phần",
        }
    }
}

/// A kind of dated grouping of units that policies key on (../shared/DOMAIN.md §3). Within one category a unit
/// belongs to at most one grouping on any date; a membership held by a unit covers its descendants unless a
/// descendant has its own (region membership is held per commune where a merged province spans regions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupingCategory {
    /// The 7 socio-economic regions of the 2021–2025 new-rural criteria.
    NtmRegion,
    /// The 6 regions of poverty statistics.
    PovertyRegion,
    /// Ethnic-minority area zones I, II, III.
    EthnicZone,
    /// Extremely difficult (ĐBKK) communes and villages.
    Dbkk,
    /// Coastal and island ĐBKK communes (bãi ngang ven biển và hải đảo).
    CoastalDbkk,
    /// Poor districts (QĐ 353/QĐ-TTg).
    PoorDistrict,
    /// Safe-zone (ATK) communes.
    Atk,
    /// The new-rural commune groups 1/2/3 from 2026.
    NtmCommuneGroup,
}

impl GroupingCategory {
    /// All categories, in display order.
    pub const ALL: [GroupingCategory; 8] = [
        GroupingCategory::NtmRegion,
        GroupingCategory::PovertyRegion,
        GroupingCategory::EthnicZone,
        GroupingCategory::Dbkk,
        GroupingCategory::CoastalDbkk,
        GroupingCategory::PoorDistrict,
        GroupingCategory::Atk,
        GroupingCategory::NtmCommuneGroup,
    ];

    /// The key stored in databases and files.
    pub fn key(self) -> &'static str {
        match self {
            GroupingCategory::NtmRegion => "ntm_region",
            GroupingCategory::PovertyRegion => "poverty_region",
            GroupingCategory::EthnicZone => "ethnic_zone",
            GroupingCategory::Dbkk => "dbkk",
            GroupingCategory::CoastalDbkk => "coastal_dbkk",
            GroupingCategory::PoorDistrict => "poor_district",
            GroupingCategory::Atk => "atk",
            GroupingCategory::NtmCommuneGroup => "ntm_commune_group",
        }
    }

    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            GroupingCategory::NtmRegion => "Vùng (tiêu chí nông thôn mới 2021–2025)",
            GroupingCategory::PovertyRegion => "Vùng thống kê nghèo",
            GroupingCategory::EthnicZone => "Khu vực vùng đồng bào DTTS và miền núi",
            GroupingCategory::Dbkk => "Xã, thôn đặc biệt khó khăn",
            GroupingCategory::CoastalDbkk => "Xã ĐBKK vùng bãi ngang ven biển và hải đảo",
            GroupingCategory::PoorDistrict => "Huyện nghèo",
            GroupingCategory::Atk => "Xã an toàn khu (ATK)",
            GroupingCategory::NtmCommuneGroup => "Nhóm xã (tiêu chí nông thôn mới 2026–2030)",
        }
    }

    /// Parses the key or the Vietnamese label (diacritics and case ignored).
    pub fn parse(text: &str) -> Option<GroupingCategory> {
        let folded = crate::vi::fold(text).replace(['_', '-'], " ");
        GroupingCategory::ALL.into_iter().find(|category| {
            folded == category.key().replace('_', " ")
                || folded == crate::vi::fold(category.label())
        })
    }
}

/// One lineage edge as re-basing needs it: old unit, new unit, kind, and for a partial edge an optional weight
/// (the share of the old unit's quantities that went to the new one).
#[derive(Debug, Clone, PartialEq)]
pub struct RebaseEdge {
    pub from: UnitId,
    pub to: UnitId,
    pub kind: LineageKind,
    pub weight: Option<f64>,
    pub date: NaiveDate,
}

/// Why a value could not be carried onto the new units.
#[derive(Debug, Clone, PartialEq)]
pub enum NotRebasable {
    /// The old unit went partly into a new unit and no weight says how much.
    PartialWithoutWeight { from: UnitId, to: UnitId },
    /// The weights of a unit's edges do not add up to 1 (within 0.001).
    WeightsDoNotSumToOne { from: UnitId, sum: f64 },
}

/// Values carried onto new units, and those that could not be.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rebased {
    pub values: BTreeMap<UnitId, i64>,
    pub not_rebasable: Vec<(UnitId, i64, NotRebasable)>,
}

/// Maps additive values (money in đồng, counts) keyed by old units onto their successors.
///
/// Rules (../shared/DOMAIN.md §3): a unit with no outgoing edge keeps its value; `full` edges carry the
/// whole value (an old unit with several `full` edges is an error in the data and is reported through
/// its weights); `partial` edges carry `value × weight`, rounded so that the parts add up to the whole;
/// without weights the value is reported, never guessed. Edges are applied in date order, so values
/// keyed by 2023 units can cross several reforms. Ratios are not additive: re-base numerator and
/// denominator, then divide.
pub fn rebase(values: &BTreeMap<UnitId, i64>, edges: &[RebaseEdge]) -> Rebased {
    let mut dates: Vec<NaiveDate> = edges.iter().map(|edge| edge.date).collect();
    dates.sort();
    dates.dedup();
    let mut current = values.clone();
    let mut not_rebasable = Vec::new();
    for date in dates {
        let mut by_from: BTreeMap<UnitId, Vec<&RebaseEdge>> = BTreeMap::new();
        for edge in edges.iter().filter(|edge| edge.date == date) {
            by_from.entry(edge.from).or_default().push(edge);
        }
        let mut next: BTreeMap<UnitId, i64> = BTreeMap::new();
        for (unit, value) in current {
            let outgoing = match by_from.get(&unit) {
                Some(outgoing) => outgoing,
                None => {
                    *next.entry(unit).or_default() += value;
                    continue;
                }
            };
            match split_value(value, outgoing) {
                Ok(parts) => {
                    for (to, part) in parts {
                        *next.entry(to).or_default() += part;
                    }
                }
                Err(reason) => not_rebasable.push((unit, value, reason)),
            }
        }
        current = next;
    }
    Rebased {
        values: current,
        not_rebasable,
    }
}

fn split_value(value: i64, outgoing: &[&RebaseEdge]) -> Result<Vec<(UnitId, i64)>, NotRebasable> {
    if let [edge] = outgoing {
        if edge.kind == LineageKind::Full || edge.weight.is_none_or(|weight| weight >= 0.9995) {
            if edge.kind == LineageKind::Partial && edge.weight.is_none() {
                return Err(NotRebasable::PartialWithoutWeight {
                    from: edge.from,
                    to: edge.to,
                });
            }
            return Ok(vec![(edge.to, value)]);
        }
    }
    let mut weights = Vec::with_capacity(outgoing.len());
    for edge in outgoing {
        let weight = match (edge.kind, edge.weight) {
            (_, Some(weight)) => weight,
            (LineageKind::Full, None) => 1.0,
            (LineageKind::Partial, None) => {
                return Err(NotRebasable::PartialWithoutWeight {
                    from: edge.from,
                    to: edge.to,
                })
            }
        };
        weights.push((edge.to, weight));
    }
    let sum: f64 = weights.iter().map(|(_, weight)| weight).sum();
    if (sum - 1.0).abs() > 0.001 {
        return Err(NotRebasable::WeightsDoNotSumToOne {
            from: outgoing[0].from,
            sum,
        });
    }
    // Largest remainder: floor every share, then hand the leftover units to the largest fractions.
    let mut parts: Vec<(UnitId, i64, f64)> = weights
        .iter()
        .map(|(to, weight)| {
            let exact = value as f64 * weight;
            (*to, exact.floor() as i64, exact - exact.floor())
        })
        .collect();
    let mut leftover = value - parts.iter().map(|(_, part, _)| part).sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| parts[*b].2.total_cmp(&parts[*a].2));
    for idx in order.into_iter().cycle() {
        if leftover <= 0 {
            break;
        }
        parts[idx].1 += 1;
        leftover -= 1;
    }
    Ok(parts.into_iter().map(|(to, part, _)| (to, part)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn edge(from: i64, to: i64, kind: LineageKind, weight: Option<f64>) -> RebaseEdge {
        RebaseEdge {
            from: UnitId(from),
            to: UnitId(to),
            kind,
            weight,
            date: date(2025, 7, 1),
        }
    }

    fn check(values: &[(i64, i64)], edges: &[RebaseEdge], expected: &[(i64, i64)]) -> Rebased {
        let values = values.iter().map(|(k, v)| (UnitId(*k), *v)).collect();
        let res = rebase(&values, edges);
        let expected: BTreeMap<UnitId, i64> =
            expected.iter().map(|(k, v)| (UnitId(*k), *v)).collect();
        assert_eq!(res.values, expected);
        res
    }

    #[test]
    fn codes_imply_levels_by_length() {
        let level = |code: &str| UnitCode::parse(code).expect("valid").implied_level();
        assert_eq!(level("38"), Some(Level::Province));
        assert_eq!(level("384"), Some(Level::District));
        assert_eq!(level("15943"), Some(Level::Commune));
        assert_eq!(level("T01"), None);
        assert!(UnitCode::parse("").is_err());
        assert!(UnitCode::parse("01 2").is_err());
    }

    #[test]
    fn validity_is_half_open() {
        let reform = Validity {
            from: None,
            to: Some(date(2025, 7, 1)),
        };
        assert!(reform.contains(date(2025, 6, 30)));
        assert!(!reform.contains(date(2025, 7, 1)));
        let after = Validity {
            from: Some(date(2025, 7, 1)),
            to: None,
        };
        assert!(!reform.overlaps(&after));
        assert!(after.overlaps(&Validity::default()));
        let inner = Validity {
            from: Some(date(2025, 1, 1)),
            to: Some(date(2025, 7, 2)),
        };
        assert!(inner.overlaps(&after));
    }

    #[test]
    fn full_edges_sum_the_values_of_merged_units() {
        check(
            &[(1, 100), (2, 50), (3, 7)],
            &[
                edge(1, 10, LineageKind::Full, None),
                edge(2, 10, LineageKind::Full, None),
            ],
            &[(10, 150), (3, 7)],
        );
    }

    #[test]
    fn partial_edges_without_weights_are_reported_not_guessed() {
        let res = check(
            &[(1, 100), (2, 50)],
            &[
                edge(1, 10, LineageKind::Partial, None),
                edge(1, 11, LineageKind::Partial, None),
                edge(2, 11, LineageKind::Full, None),
            ],
            &[(11, 50)],
        );
        assert_eq!(res.not_rebasable.len(), 1);
        assert_eq!(res.not_rebasable[0].0, UnitId(1));
        assert_eq!(res.not_rebasable[0].1, 100);
    }

    #[test]
    fn weighted_partial_edges_split_without_losing_a_dong() {
        let res = check(
            &[(1, 100)],
            &[
                edge(1, 10, LineageKind::Partial, Some(1.0 / 3.0)),
                edge(1, 11, LineageKind::Partial, Some(1.0 / 3.0)),
                edge(1, 12, LineageKind::Partial, Some(1.0 / 3.0)),
            ],
            &[(10, 34), (11, 33), (12, 33)],
        );
        assert!(res.not_rebasable.is_empty());
    }

    #[test]
    fn weights_that_do_not_sum_to_one_are_reported() {
        let res = check(
            &[(1, 100)],
            &[
                edge(1, 10, LineageKind::Partial, Some(0.5)),
                edge(1, 11, LineageKind::Partial, Some(0.3)),
            ],
            &[],
        );
        assert!(matches!(
            res.not_rebasable[0].2,
            NotRebasable::WeightsDoNotSumToOne { .. }
        ));
    }

    #[test]
    fn values_cross_several_reforms_in_date_order() {
        let mut later = edge(10, 20, LineageKind::Full, None);
        later.date = date(2026, 4, 30);
        check(
            &[(1, 5), (2, 6)],
            &[
                later,
                edge(1, 10, LineageKind::Full, None),
                edge(2, 10, LineageKind::Full, None),
            ],
            &[(20, 11)],
        );
    }

    #[test]
    fn lineage_kinds_parse_in_english_and_vietnamese() {
        assert_eq!(LineageKind::parse("Nhập toàn bộ"), Some(LineageKind::Full));
        assert_eq!(LineageKind::parse("một phần"), Some(LineageKind::Partial));
        assert_eq!(LineageKind::parse("full"), Some(LineageKind::Full));
        assert_eq!(LineageKind::parse("half"), None);
    }
}

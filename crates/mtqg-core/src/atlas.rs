//! The geography held in memory for as-of reading: every unit, its dated versions and the lineage links, indexed so
//! that children, descendants, paths, counts and search on any date take microseconds.
//!
//! The store is the truth; an [`Atlas`] is built from it and rebuilt whenever the geography changes (the service
//! compares a revision number). Nothing here does IO.

use std::collections::{HashMap, HashSet};

/// The atlas's own indexes: looked up for every unit of every roll-up, so hashed with a fast (non-DoS-resistant)
/// hasher; the keys are ids and codes from our own tables.
type FastMap<K, V> = foldhash::HashMap<K, V>;

use chrono::NaiveDate;

use crate::geo::{GroupingCategory, Level, RebaseEdge, Validity};
use crate::vi;

/// A unit as stored: identity, code, level and lifetime.
#[derive(Debug, Clone)]
pub struct AtlasUnit {
    pub id: i64,
    pub code: String,
    pub level: Level,
    pub validity: Validity,
    pub end_note: Option<String>,
}

/// One dated version of a unit: name, type and parent for an interval.
#[derive(Debug, Clone)]
pub struct AtlasVersion {
    pub unit_id: i64,
    pub name: String,
    pub short_name: String,
    pub unit_type: String,
    pub parent_id: Option<i64>,
    pub validity: Validity,
}

/// A unit as of a date: its version then, and its parent and grandparent then.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitAsOf {
    pub id: i64,
    pub code: String,
    pub level: Level,
    pub name: String,
    pub short_name: String,
    pub unit_type: String,
    pub unit_valid_from: Option<NaiveDate>,
    pub unit_valid_to: Option<NaiveDate>,
    pub end_note: Option<String>,
    pub parent_id: Option<i64>,
    pub parent_code: Option<String>,
    pub parent_name: Option<String>,
    pub grandparent_name: Option<String>,
}

/// How many units of one level and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelTypeCount {
    pub level: Level,
    pub unit_type: String,
    pub n_units: i64,
}

/// A dated grouping: a region, a zone, a list of communes.
#[derive(Debug, Clone, PartialEq)]
pub struct AtlasGrouping {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub category: GroupingCategory,
    pub legal_basis: String,
    /// Shown with the grouping; "[verify]" marks memberships not yet checked against the official text.
    pub note: String,
}

/// One unit's membership of a grouping for an interval.
#[derive(Debug, Clone, PartialEq)]
pub struct AtlasMembership {
    pub grouping_id: i64,
    pub unit_id: i64,
    pub validity: Validity,
    pub legal_basis: String,
}

/// A grouping a unit belongs to on a date, and through which unit (itself or an ancestor).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupingOf<'a> {
    pub grouping: &'a AtlasGrouping,
    /// The unit holding the membership: the unit itself, or the ancestor it inherits from.
    pub via_unit_id: i64,
}

/// The indexed geography. Build with [`Atlas::new`]; unknown parent ids in versions are kept but lead nowhere.
#[derive(Debug, Default)]
pub struct Atlas {
    units: Vec<AtlasUnit>,
    index: FastMap<i64, usize>,
    versions: Vec<AtlasVersion>,
    /// Folded names, one per version, for search.
    keys: Vec<String>,
    /// Version indices per unit index.
    versions_of: Vec<Vec<usize>>,
    /// Version indices per parent id: whoever was ever a child of that parent.
    children_of: FastMap<i64, Vec<usize>>,
    /// Unit indices per code, newest first.
    by_code: FastMap<String, Vec<usize>>,
    /// Unit indices sorted by code, for ordered listings.
    by_code_order: Vec<usize>,
    /// For scope checks: each unit's parents of any date and the units it became.
    up_links: FastMap<i64, Vec<i64>>,
    /// The reverse: each unit's children of any date and the units it was formed from.
    down_links: FastMap<i64, Vec<i64>>,
    groupings: Vec<AtlasGrouping>,
    memberships: Vec<AtlasMembership>,
    /// Lineage edges with kind, weight and date, for re-basing.
    lineage: Vec<RebaseEdge>,
    /// Membership indices per unit id.
    memberships_of: FastMap<i64, Vec<usize>>,
}

impl Atlas {
    /// Indexes units, versions and lineage links (`(from_unit_id, to_unit_id)`).
    pub fn new(
        units: Vec<AtlasUnit>,
        versions: Vec<AtlasVersion>,
        lineage: &[(i64, i64)],
    ) -> Atlas {
        let index: FastMap<i64, usize> = units
            .iter()
            .enumerate()
            .map(|(i, unit)| (unit.id, i))
            .collect();
        let mut versions_of = vec![Vec::new(); units.len()];
        let mut children_of: FastMap<i64, Vec<usize>> = FastMap::default();
        let mut up_links: FastMap<i64, Vec<i64>> = FastMap::default();
        let mut keys = Vec::with_capacity(versions.len());
        for (i, version) in versions.iter().enumerate() {
            keys.push(vi::fold(&version.name));
            if let Some(&unit_idx) = index.get(&version.unit_id) {
                versions_of[unit_idx].push(i);
            }
            if let Some(parent_id) = version.parent_id {
                children_of.entry(parent_id).or_default().push(i);
                up_links.entry(version.unit_id).or_default().push(parent_id);
            }
        }
        for &(from, to) in lineage {
            up_links.entry(from).or_default().push(to);
        }
        for links in up_links.values_mut() {
            links.sort_unstable();
            links.dedup();
        }
        let mut down_links: FastMap<i64, Vec<i64>> = FastMap::default();
        for (&from, tos) in &up_links {
            for &to in tos {
                down_links.entry(to).or_default().push(from);
            }
        }
        let mut by_code: FastMap<String, Vec<usize>> = FastMap::default();
        for (i, unit) in units.iter().enumerate() {
            by_code.entry(unit.code.clone()).or_default().push(i);
        }
        for list in by_code.values_mut() {
            list.sort_by_key(|&i| std::cmp::Reverse(units[i].validity.from));
        }
        let mut by_code_order: Vec<usize> = (0..units.len()).collect();
        by_code_order.sort_by(|&a, &b| units[a].code.cmp(&units[b].code));
        Atlas {
            units,
            index,
            versions,
            keys,
            versions_of,
            children_of,
            by_code,
            by_code_order,
            up_links,
            down_links,
            groupings: Vec::new(),
            memberships: Vec::new(),
            memberships_of: FastMap::default(),
            lineage: Vec::new(),
        }
    }

    /// Adds the lineage edges with their kind, weight and date (the links given to [`Atlas::new`] say only who
    /// became whom).
    pub fn with_lineage(mut self, lineage: Vec<RebaseEdge>) -> Atlas {
        self.lineage = lineage;
        self
    }

    /// Every lineage edge, for re-basing.
    pub fn lineage(&self) -> &[RebaseEdge] {
        &self.lineage
    }

    /// Adds the groupings and their memberships.
    pub fn with_groupings(
        mut self,
        groupings: Vec<AtlasGrouping>,
        memberships: Vec<AtlasMembership>,
    ) -> Atlas {
        let mut memberships_of: FastMap<i64, Vec<usize>> = FastMap::default();
        for (i, membership) in memberships.iter().enumerate() {
            memberships_of
                .entry(membership.unit_id)
                .or_default()
                .push(i);
        }
        self.groupings = groupings;
        self.memberships = memberships;
        self.memberships_of = memberships_of;
        self
    }

    /// Every grouping, in category then code order.
    pub fn groupings(&self) -> Vec<&AtlasGrouping> {
        let mut res: Vec<&AtlasGrouping> = self.groupings.iter().collect();
        res.sort_by(|a, b| (a.category, &a.code).cmp(&(b.category, &b.code)));
        res
    }

    /// The grouping with this code.
    pub fn grouping(&self, code: &str) -> Option<&AtlasGrouping> {
        self.groupings.iter().find(|grouping| grouping.code == code)
    }

    fn grouping_by_id(&self, id: i64) -> Option<&AtlasGrouping> {
        self.groupings.iter().find(|grouping| grouping.id == id)
    }

    /// Memberships held by this very unit on `date`.
    fn own_memberships(
        &self,
        unit_id: i64,
        date: NaiveDate,
    ) -> impl Iterator<Item = &AtlasMembership> + '_ {
        self.memberships_of
            .get(&unit_id)
            .into_iter()
            .flatten()
            .map(|&i| &self.memberships[i])
            .filter(move |membership| membership.validity.contains(date))
    }

    /// The unit and its ancestors on `date`, nearest first, as ids.
    pub fn chain_up(&self, unit_id: i64, date: NaiveDate) -> Vec<i64> {
        let mut res = vec![unit_id];
        let mut current = unit_id;
        while let Some(parent) = self
            .index
            .get(&current)
            .and_then(|&i| self.version_at(i, date))
            .and_then(|v| self.versions[v].parent_id)
        {
            if res.contains(&parent) {
                break;
            }
            res.push(parent);
            current = parent;
        }
        res
    }

    /// The unit that holds what `unit_id` held, on `date`: the unit itself if it exists then, else the unit its
    /// lineage leads to (a full edge first, else the partial edge with the largest weight, else the first edge),
    /// followed until a unit existing on `date` is reached. `None` when the lineage ends before.
    pub fn carried_to(&self, unit_id: i64, date: NaiveDate) -> Option<i64> {
        let mut current = unit_id;
        let mut seen = vec![unit_id];
        loop {
            let &unit_idx = self.index.get(&current)?;
            if self.version_at(unit_idx, date).is_some() {
                return Some(current);
            }
            let next = self
                .lineage
                .iter()
                .filter(|edge| edge.from.0 == current && !seen.contains(&edge.to.0))
                .max_by(|a, b| {
                    let rank = |edge: &RebaseEdge| {
                        (
                            edge.kind == crate::geo::LineageKind::Full,
                            edge.weight.unwrap_or(0.0),
                        )
                    };
                    let (a_full, a_weight) = rank(a);
                    let (b_full, b_weight) = rank(b);
                    a_full
                        .cmp(&b_full)
                        .then(a_weight.total_cmp(&b_weight))
                        .then(b.to.cmp(&a.to))
                })?;
            current = next.to.0;
            seen.push(current);
        }
    }

    /// The groupings a unit belongs to on `date`, one per category: its own membership, or else the nearest
    /// ancestor's (a commune in a province of the Red River Delta region is in that region).
    pub fn groupings_of(&self, unit_id: i64, date: NaiveDate) -> Vec<GroupingOf<'_>> {
        let mut res: Vec<GroupingOf<'_>> = Vec::new();
        if self.memberships.is_empty() {
            return res;
        }
        for holder in self.chain_up(unit_id, date) {
            for membership in self.own_memberships(holder, date) {
                let Some(grouping) = self.grouping_by_id(membership.grouping_id) else {
                    continue;
                };
                if res
                    .iter()
                    .all(|found| found.grouping.category != grouping.category)
                {
                    res.push(GroupingOf {
                        grouping,
                        via_unit_id: holder,
                    });
                }
            }
        }
        res.sort_by_key(|found| found.grouping.category);
        res
    }

    /// For every grouping, the ids of the units of `level` it covers on `date` (directly or through an ancestor,
    /// unless the unit or a nearer ancestor holds another grouping of the same category), by code.
    pub fn coverage(&self, level: Level, date: NaiveDate) -> HashMap<i64, Vec<i64>> {
        let mut res: HashMap<i64, Vec<i64>> = HashMap::new();
        if self.memberships.is_empty() {
            return res;
        }
        for &i in &self.by_code_order {
            let unit = &self.units[i];
            if unit.level != level || self.version_at(i, date).is_none() {
                continue;
            }
            for found in self.groupings_of(unit.id, date) {
                res.entry(found.grouping.id).or_default().push(unit.id);
            }
        }
        res
    }

    /// The units holding a membership of the grouping on `date` (not their descendants), by code, each with the
    /// membership's legal basis.
    pub fn members(&self, grouping_id: i64, date: NaiveDate) -> Vec<(UnitAsOf, &AtlasMembership)> {
        let mut res: Vec<(UnitAsOf, &AtlasMembership)> = self
            .memberships
            .iter()
            .filter(|membership| {
                membership.grouping_id == grouping_id && membership.validity.contains(date)
            })
            .filter_map(|membership| Some((self.unit(membership.unit_id, date)?, membership)))
            .collect();
        res.sort_by(|a, b| a.0.code.cmp(&b.0.code));
        res
    }

    /// Ids of the units of `level` the grouping covers on `date` (see [`Atlas::coverage`]).
    pub fn covered(&self, grouping_id: i64, level: Level, date: NaiveDate) -> Vec<i64> {
        self.coverage(level, date)
            .remove(&grouping_id)
            .unwrap_or_default()
    }

    /// How many units, over all dates.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// Whether the atlas holds no unit.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// The stored unit with this id, whatever the date.
    pub fn stored(&self, id: i64) -> Option<&AtlasUnit> {
        self.index.get(&id).map(|&i| &self.units[i])
    }

    /// The index of the version of unit `unit_idx` valid on `date`.
    fn version_at(&self, unit_idx: usize, date: NaiveDate) -> Option<usize> {
        self.versions_of[unit_idx]
            .iter()
            .copied()
            .find(|&v| self.versions[v].validity.contains(date))
    }

    fn name_at(&self, id: i64, date: NaiveDate) -> Option<(&AtlasUnit, &AtlasVersion)> {
        let &unit_idx = self.index.get(&id)?;
        let version = self.version_at(unit_idx, date)?;
        Some((&self.units[unit_idx], &self.versions[version]))
    }

    fn record(&self, unit_idx: usize, date: NaiveDate) -> Option<UnitAsOf> {
        let unit = &self.units[unit_idx];
        let version = &self.versions[self.version_at(unit_idx, date)?];
        let parent = version.parent_id.and_then(|id| self.name_at(id, date));
        let grandparent = parent
            .and_then(|(_, pv)| pv.parent_id)
            .and_then(|id| self.name_at(id, date));
        Some(UnitAsOf {
            id: unit.id,
            code: unit.code.clone(),
            level: unit.level,
            name: version.name.clone(),
            short_name: version.short_name.clone(),
            unit_type: version.unit_type.clone(),
            unit_valid_from: unit.validity.from,
            unit_valid_to: unit.validity.to,
            end_note: unit.end_note.clone(),
            parent_id: version.parent_id,
            parent_code: version
                .parent_id
                .and_then(|id| self.stored(id))
                .map(|p| p.code.clone()),
            parent_name: parent.map(|(_, pv)| pv.name.clone()),
            grandparent_name: grandparent.map(|(_, gv)| gv.name.clone()),
        })
    }

    /// The unit with this id on `date`, if it has a version then.
    pub fn unit(&self, id: i64, date: NaiveDate) -> Option<UnitAsOf> {
        self.record(*self.index.get(&id)?, date)
    }

    /// The unit carrying `code` on `date`.
    pub fn unit_by_code(&self, code: &str, date: NaiveDate) -> Option<UnitAsOf> {
        self.by_code
            .get(code)?
            .iter()
            .find_map(|&i| self.record(i, date))
    }

    /// Every unit that ever carried `code`, newest first.
    pub fn units_with_code(&self, code: &str) -> Vec<&AtlasUnit> {
        self.by_code
            .get(code)
            .map(|list| list.iter().map(|&i| &self.units[i]).collect())
            .unwrap_or_default()
    }

    /// Top-level units (provinces) on `date`, by code.
    pub fn roots(&self, date: NaiveDate) -> Vec<UnitAsOf> {
        self.by_code_order
            .iter()
            .filter(|&&i| {
                self.version_at(i, date)
                    .is_some_and(|v| self.versions[v].parent_id.is_none())
            })
            .filter_map(|&i| self.record(i, date))
            .collect()
    }

    /// Ids of the direct children of `parent_id` on `date`.
    fn child_ids(&self, parent_id: i64, date: NaiveDate) -> impl Iterator<Item = i64> + '_ {
        self.children_of
            .get(&parent_id)
            .into_iter()
            .flatten()
            .map(|&v| &self.versions[v])
            .filter(move |version| version.validity.contains(date))
            .map(|version| version.unit_id)
    }

    fn sorted_records(&self, ids: impl Iterator<Item = i64>, date: NaiveDate) -> Vec<UnitAsOf> {
        let mut res: Vec<UnitAsOf> = ids
            .filter_map(|id| self.index.get(&id))
            .filter_map(|&i| self.record(i, date))
            .collect();
        res.sort_by(|a, b| a.code.cmp(&b.code));
        res
    }

    /// Direct children of a unit on `date`, by code.
    pub fn children(&self, parent_id: i64, date: NaiveDate) -> Vec<UnitAsOf> {
        self.sorted_records(self.child_ids(parent_id, date), date)
    }

    /// Ids of all descendants of a unit on `date`, top-down, for roll-ups.
    pub fn descendant_ids(&self, root_id: i64, date: NaiveDate) -> Vec<i64> {
        let mut res = Vec::new();
        // Guards against a corrupted store with a cycle: a unit is listed once.
        let mut seen = HashSet::from([root_id]);
        let mut stack = vec![root_id];
        while let Some(id) = stack.pop() {
            for child in self.child_ids(id, date) {
                if seen.insert(child) {
                    res.push(child);
                    stack.push(child);
                }
            }
        }
        res
    }

    /// All descendants of a unit on `date`, optionally of one level, by code.
    pub fn descendants(
        &self,
        root_id: i64,
        date: NaiveDate,
        level: Option<Level>,
    ) -> Vec<UnitAsOf> {
        let ids = self.descendant_ids(root_id, date);
        let mut res = self.sorted_records(ids.into_iter(), date);
        if let Some(level) = level {
            res.retain(|unit| unit.level == level);
        }
        res
    }

    /// Every unit of one level on `date`, by code.
    pub fn of_level(&self, level: Level, date: NaiveDate) -> Vec<UnitAsOf> {
        self.by_code_order
            .iter()
            .filter(|&&i| self.units[i].level == level)
            .filter_map(|&i| self.record(i, date))
            .collect()
    }

    /// The chain from the top unit down to this one on `date`; empty when the unit has no version then.
    pub fn path(&self, id: i64, date: NaiveDate) -> Vec<UnitAsOf> {
        let mut res = Vec::new();
        let mut next = Some(id);
        while let Some(id) = next {
            let Some(unit) = self.unit(id, date) else {
                break;
            };
            next = unit.parent_id;
            if res.iter().any(|seen: &UnitAsOf| seen.id == id) {
                break;
            }
            res.push(unit);
        }
        res.reverse();
        res
    }

    /// Counts by level and type of the units listed, in level order then type.
    fn count(&self, ids: impl Iterator<Item = i64>, date: NaiveDate) -> Vec<LevelTypeCount> {
        let mut counts: HashMap<(Level, &str), i64> = HashMap::new();
        for id in ids {
            if let Some((unit, version)) = self.name_at(id, date) {
                *counts
                    .entry((unit.level, version.unit_type.as_str()))
                    .or_default() += 1;
            }
        }
        let mut res: Vec<LevelTypeCount> = counts
            .into_iter()
            .map(|((level, unit_type), n_units)| LevelTypeCount {
                level,
                unit_type: unit_type.to_owned(),
                n_units,
            })
            .collect();
        res.sort_by(|a, b| (a.level, &a.unit_type).cmp(&(b.level, &b.unit_type)));
        res
    }

    /// Counts of a unit's descendants by level and type on `date` (Lào Cai, 2023: 127 xã, 16 phường, 9 thị trấn).
    pub fn count_descendants(&self, root_id: i64, date: NaiveDate) -> Vec<LevelTypeCount> {
        self.count(self.descendant_ids(root_id, date).into_iter(), date)
    }

    /// Counts of all units by level and type on `date`, nationwide.
    pub fn count_all(&self, date: NaiveDate) -> Vec<LevelTypeCount> {
        self.count(self.units.iter().map(|unit| unit.id), date)
    }

    /// Units whose name (ignoring diacritics and case) contains `query`, or whose code is `query`, on `date`;
    /// exact code first, then names starting a word with the query, then others; at most `limit`.
    pub fn search(&self, query: &str, date: NaiveDate, limit: usize) -> Vec<UnitAsOf> {
        let folded = vi::fold(query);
        let code = query.trim();
        if folded.is_empty() {
            return Vec::new();
        }
        let word_start = format!(" {folded}");
        let mut found: Vec<(u8, Level, &str, usize)> = Vec::new();
        for (v, version) in self.versions.iter().enumerate() {
            if !version.validity.contains(date) {
                continue;
            }
            let Some(&unit_idx) = self.index.get(&version.unit_id) else {
                continue;
            };
            let unit = &self.units[unit_idx];
            let key = &self.keys[v];
            let rank = if unit.code == code {
                0
            } else if key.starts_with(&folded) || key.contains(&word_start) {
                1
            } else if key.contains(&folded) {
                2
            } else {
                continue;
            };
            found.push((rank, unit.level, unit.code.as_str(), unit_idx));
        }
        found.sort_unstable();
        found
            .into_iter()
            .take(limit)
            .filter_map(|(_, _, _, unit_idx)| self.record(unit_idx, date))
            .collect()
    }

    /// Every unit within reach of `scope` (see [`Atlas::is_within`]), the scope itself included: its descendants of
    /// any date and the units they were formed from. Old data recorded on merged units stays in the new unit's reach.
    pub fn reach(&self, scope_id: i64) -> Vec<i64> {
        let mut seen = HashSet::from([scope_id]);
        let mut res = vec![scope_id];
        let mut i = 0;
        while i < res.len() {
            let id = res[i];
            for &down in self.down_links.get(&id).into_iter().flatten() {
                if seen.insert(down) {
                    res.push(down);
                }
            }
            i += 1;
        }
        res
    }

    /// Whether `target` lies within `scope`: reachable by parent links of any date or by lineage towards newer
    /// units. An officer of a 2025 commune thereby sees the old communes it was formed from.
    pub fn is_within(&self, scope_id: i64, target_id: i64) -> bool {
        let mut seen = vec![target_id];
        let mut stack = vec![target_id];
        while let Some(id) = stack.pop() {
            if id == scope_id {
                return true;
            }
            for &up in self.up_links.get(&id).into_iter().flatten() {
                if !seen.contains(&up) {
                    seen.push(up);
                    stack.push(up);
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn unit(id: i64, code: &str, level: Level, to: Option<NaiveDate>) -> AtlasUnit {
        AtlasUnit {
            id,
            code: code.to_owned(),
            level,
            validity: Validity { from: None, to },
            end_note: None,
        }
    }

    fn version(
        unit_id: i64,
        name: &str,
        unit_type: &str,
        parent_id: Option<i64>,
        validity: Validity,
    ) -> AtlasVersion {
        AtlasVersion {
            unit_id,
            name: name.to_owned(),
            short_name: name.to_owned(),
            unit_type: unit_type.to_owned(),
            parent_id,
            validity,
        }
    }

    /// A province (1) with a district (2) holding two communes (3, 4) until 1/7/2025, when they merge into a new
    /// commune (5) directly under the province.
    fn sample() -> Atlas {
        let reform = day(2025, 7, 1);
        let before = Validity {
            from: None,
            to: Some(reform),
        };
        let after = Validity {
            from: Some(reform),
            to: None,
        };
        Atlas::new(
            vec![
                unit(1, "38", Level::Province, None),
                unit(2, "384", Level::District, Some(reform)),
                unit(3, "14848", Level::Commune, Some(reform)),
                unit(4, "14851", Level::Commune, Some(reform)),
                AtlasUnit {
                    validity: after,
                    ..unit(5, "15000", Level::Commune, None)
                },
            ],
            vec![
                version(1, "Tỉnh Thanh Hóa", "Tỉnh", None, Validity::default()),
                version(2, "Huyện Mường Lát", "Huyện", Some(1), before),
                version(3, "Thị trấn Mường Lát", "Thị trấn", Some(2), before),
                version(4, "Xã Tam Chung", "Xã", Some(2), before),
                version(5, "Xã Mường Lát", "Xã", Some(1), after),
            ],
            &[(3, 5), (4, 5)],
        )
    }

    #[test]
    fn descendants_follow_the_parents_valid_on_the_date() {
        let atlas = sample();
        let codes = |units: Vec<UnitAsOf>| units.into_iter().map(|u| u.code).collect::<Vec<_>>();
        assert_eq!(
            codes(atlas.descendants(1, day(2023, 1, 1), None)),
            ["14848", "14851", "384"]
        );
        assert_eq!(
            codes(atlas.descendants(1, day(2023, 1, 1), Some(Level::Commune))),
            ["14848", "14851"]
        );
        assert_eq!(
            codes(atlas.descendants(1, day(2025, 7, 1), None)),
            ["15000"]
        );
        assert_eq!(
            codes(atlas.children(2, day(2025, 7, 1))),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_path_runs_from_the_province_down_with_names_of_that_date() {
        let atlas = sample();
        let path = atlas.path(3, day(2024, 5, 5));
        let names: Vec<&str> = path.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(
            names,
            ["Tỉnh Thanh Hóa", "Huyện Mường Lát", "Thị trấn Mường Lát"]
        );
        assert_eq!(path[2].parent_code.as_deref(), Some("384"));
        assert_eq!(path[2].grandparent_name.as_deref(), Some("Tỉnh Thanh Hóa"));
        assert!(atlas.path(3, day(2025, 7, 1)).is_empty());
    }

    #[test]
    fn counts_group_by_level_then_type() {
        let atlas = sample();
        let counts = atlas.count_descendants(1, day(2023, 1, 1));
        let flat: Vec<(Level, &str, i64)> = counts
            .iter()
            .map(|c| (c.level, c.unit_type.as_str(), c.n_units))
            .collect();
        assert_eq!(
            flat,
            [
                (Level::District, "Huyện", 1),
                (Level::Commune, "Thị trấn", 1),
                (Level::Commune, "Xã", 1)
            ]
        );
        assert_eq!(
            atlas
                .count_all(day(2026, 1, 1))
                .iter()
                .map(|c| c.n_units)
                .sum::<i64>(),
            2
        );
    }

    #[test]
    fn search_ignores_diacritics_and_ranks_codes_then_word_starts() {
        let atlas = sample();
        let found = atlas.search("muong lat", day(2023, 1, 1), 10);
        let codes: Vec<&str> = found.iter().map(|u| u.code.as_str()).collect();
        // District before commune at equal rank; both start a word with the query.
        assert_eq!(codes, ["384", "14848"]);
        assert_eq!(
            atlas.search("14851", day(2023, 1, 1), 10)[0].name,
            "Xã Tam Chung"
        );
        assert_eq!(
            atlas.search("Mường Lát", day(2026, 1, 1), 10)[0].code,
            "15000"
        );
        assert_eq!(atlas.search("muong lat", day(2023, 1, 1), 1).len(), 1);
        assert!(atlas.search("  ", day(2023, 1, 1), 10).is_empty());
    }

    #[test]
    fn an_ended_commune_is_carried_to_the_unit_its_lineage_leads_to() {
        let reform = day(2025, 7, 1);
        let edge = |from, to, kind, weight| RebaseEdge {
            from: crate::geo::UnitId(from),
            to: crate::geo::UnitId(to),
            kind,
            weight,
            date: reform,
        };
        let atlas = sample().with_lineage(vec![
            edge(3, 5, crate::geo::LineageKind::Full, None),
            edge(4, 1, crate::geo::LineageKind::Partial, Some(0.2)),
            edge(4, 5, crate::geo::LineageKind::Partial, Some(0.8)),
        ]);
        assert_eq!(atlas.carried_to(3, day(2026, 1, 1)), Some(5));
        assert_eq!(
            atlas.carried_to(4, day(2026, 1, 1)),
            Some(5),
            "largest part"
        );
        assert_eq!(
            atlas.carried_to(3, day(2024, 1, 1)),
            Some(3),
            "still existing"
        );
        assert_eq!(atlas.carried_to(2, day(2026, 1, 1)), None, "no lineage");
    }

    #[test]
    fn scope_reaches_old_units_through_parents_and_lineage() {
        let atlas = sample();
        assert!(atlas.is_within(1, 3), "a province covers its old communes");
        assert!(
            atlas.is_within(5, 3),
            "a new commune covers those it was formed from"
        );
        assert!(
            !atlas.is_within(3, 4),
            "a commune does not cover its neighbour"
        );
        assert!(
            !atlas.is_within(5, 1),
            "a commune does not cover its province"
        );
    }

    fn with_regions(atlas: Atlas) -> Atlas {
        let grouping = |id: i64, code: &str, category| AtlasGrouping {
            id,
            code: code.to_owned(),
            name: format!("Vùng {code}"),
            category,
            legal_basis: String::new(),
            note: String::new(),
        };
        let membership = |grouping_id, unit_id, validity| AtlasMembership {
            grouping_id,
            unit_id,
            validity,
            legal_basis: String::new(),
        };
        let until_reform = Validity {
            from: Some(day(2021, 1, 1)),
            to: Some(day(2025, 7, 1)),
        };
        atlas.with_groupings(
            vec![
                grouping(1, "BTB", GroupingCategory::NtmRegion),
                grouping(2, "TDMNPB", GroupingCategory::NtmRegion),
                grouping(3, "KV3", GroupingCategory::EthnicZone),
            ],
            vec![
                membership(1, 1, until_reform),
                // A commune held apart from its province's region.
                membership(2, 3, until_reform),
                membership(3, 4, until_reform),
            ],
        )
    }

    #[test]
    fn a_unit_inherits_its_ancestors_grouping_unless_it_holds_its_own() {
        let atlas = with_regions(sample());
        let in_2023 = day(2023, 1, 1);
        let of = |id| {
            atlas
                .groupings_of(id, in_2023)
                .iter()
                .map(|found| (found.grouping.code.clone(), found.via_unit_id))
                .collect::<Vec<_>>()
        };
        assert_eq!(of(4), [("BTB".to_owned(), 1), ("KV3".to_owned(), 4)]);
        assert_eq!(of(3), [("TDMNPB".to_owned(), 3)]);
        assert_eq!(atlas.covered(1, Level::Commune, in_2023), [4]);
        assert_eq!(atlas.covered(2, Level::Commune, in_2023), [3]);
        assert_eq!(atlas.members(1, in_2023).len(), 1);
        assert!(
            atlas.groupings_of(5, day(2025, 8, 1)).is_empty(),
            "memberships end with their interval"
        );
        assert_eq!(
            atlas.grouping("KV3").map(|g| g.category),
            Some(GroupingCategory::EthnicZone)
        );
    }

    #[test]
    fn a_code_resolves_to_the_unit_carrying_it_on_the_date() {
        let atlas = sample();
        assert_eq!(
            atlas.unit_by_code("384", day(2024, 1, 1)).map(|u| u.id),
            Some(2)
        );
        assert!(atlas.unit_by_code("384", day(2025, 7, 1)).is_none());
        assert_eq!(atlas.units_with_code("384").len(), 1);
        assert_eq!(atlas.roots(day(2024, 1, 1)).len(), 1);
        assert_eq!(atlas.of_level(Level::Commune, day(2025, 8, 1)).len(), 1);
    }
}

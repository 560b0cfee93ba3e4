//! Geography in storage: units and their dated versions, lineage edges, as-of queries, and applying import plans.

use std::collections::HashMap;

use chrono::NaiveDate;
use mtqg_core::atlas::{Atlas, AtlasUnit, AtlasVersion};
use mtqg_core::geo::{Level, LineageKind, UnitCode, UnitId, Validity};
use mtqg_core::import::{
    CrosswalkPlan, EdgeChange, ExistingEdge, ExistingUnit, ExistingVersion, GeoState, ParentRef,
    UnitAttrs, UnitChange, UnitImportPlan,
};
use mtqg_core::vi;

use crate::db::{args, insert_many, other, sync_identity, Arg, Tx};
use crate::{Store, StoreError};

/// One dated version of a unit, with its parent as it was then.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionRecord {
    pub name: String,
    pub unit_type: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub parent_code: Option<String>,
    pub parent_name: Option<String>,
}

/// A lineage edge seen from one side, with the other unit as it was at the change.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EdgeRecord {
    pub id: i64,
    pub kind: String,
    pub weight: Option<f64>,
    pub effective_date: NaiveDate,
    pub legal_basis: String,
    pub note: String,
    pub other_id: i64,
    pub other_code: String,
    pub other_name: Option<String>,
    pub other_parent_name: Option<String>,
    pub other_grandparent_name: Option<String>,
    /// Bumped by every correction; a correction names the version it was made on.
    pub version: i64,
}

/// One lineage edge by id, as its correction form shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EdgeRow {
    pub from_unit_id: i64,
    pub to_unit_id: i64,
    pub kind: String,
    pub weight: Option<f64>,
    pub effective_date: NaiveDate,
    pub legal_basis: String,
    pub note: String,
    pub version: i64,
}

/// One edge by id: from, to, kind, weight, date, legal basis, note, version.
const EDGE_BY_ID: &str =
    "select from_unit_id, to_unit_id, kind, weight, effective_date, legal_basis, note, version \
     from lineage_edges where id = $1";

/// `alias` is valid on the date bound to `$n`.
fn valid_at(alias: &str, n: usize) -> String {
    format!("({alias}.valid_from is null or {alias}.valid_from <= ${n}) and ({alias}.valid_to is null or {alias}.valid_to > ${n})")
}

#[derive(sqlx::FromRow)]
struct AtlasUnitRow {
    id: i64,
    code: String,
    level: String,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    end_note: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AtlasVersionRow {
    unit_id: i64,
    name: String,
    short_name: String,
    unit_type: String,
    parent_id: Option<i64>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct StateUnit {
    id: i64,
    code: String,
    level: String,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct StateVersion {
    unit_id: i64,
    name: String,
    short_name: String,
    unit_type: String,
    parent_code: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct StateEdge {
    id: i64,
    from_unit_id: i64,
    to_unit_id: i64,
    effective_date: NaiveDate,
    kind: String,
    weight: Option<f64>,
}

fn parse_level(text: &str) -> Result<Level, StoreError> {
    Level::parse(text).ok_or_else(|| other(anyhow::anyhow!("unknown level {text:?} in storage")))
}

fn parse_code(text: &str) -> Result<UnitCode, StoreError> {
    UnitCode::parse(text)
        .map_err(|message| other(anyhow::anyhow!("bad unit code in storage: {message}")))
}

impl Tx {
    /// Everything an import plan is compared against, read inside the transaction that will apply it.
    pub async fn geo_state(&mut self) -> Result<GeoState, StoreError> {
        let units: Vec<StateUnit> = self
            .conn()
            .fetch_all(
                "select id, code, level, valid_from, valid_to from units order by id",
                vec![],
            )
            .await?;
        let versions: Vec<StateVersion> = self
            .conn()
            .fetch_all(
                "select v.unit_id, v.name, v.short_name, v.unit_type, p.code as parent_code, v.valid_from, v.valid_to \
                 from unit_versions v left join units p on p.id = v.parent_id order by v.unit_id, v.valid_from",
                vec![],
            )
            .await?;
        let edges: Vec<StateEdge> = self
            .conn()
            .fetch_all("select id, from_unit_id, to_unit_id, effective_date, kind, weight from lineage_edges", vec![])
            .await?;
        let mut by_unit: HashMap<i64, Vec<ExistingVersion>> = HashMap::new();
        for version in versions {
            let parent_code = match version.parent_code {
                Some(code) => Some(parse_code(&code)?),
                None => None,
            };
            by_unit
                .entry(version.unit_id)
                .or_default()
                .push(ExistingVersion {
                    attrs: UnitAttrs {
                        name: version.name,
                        short_name: version.short_name,
                        unit_type: version.unit_type,
                        parent_code,
                    },
                    validity: Validity {
                        from: version.valid_from,
                        to: version.valid_to,
                    },
                });
        }
        let mut existing = Vec::with_capacity(units.len());
        for unit in units {
            existing.push(ExistingUnit {
                id: UnitId(unit.id),
                code: parse_code(&unit.code)?,
                level: parse_level(&unit.level)?,
                validity: Validity {
                    from: unit.valid_from,
                    to: unit.valid_to,
                },
                versions: by_unit.remove(&unit.id).unwrap_or_default(),
            });
        }
        let mut existing_edges = Vec::with_capacity(edges.len());
        for edge in edges {
            existing_edges.push(ExistingEdge {
                id: edge.id,
                from: UnitId(edge.from_unit_id),
                to: UnitId(edge.to_unit_id),
                date: edge.effective_date,
                kind: LineageKind::parse(&edge.kind).ok_or_else(|| {
                    other(anyhow::anyhow!("unknown lineage kind {:?}", edge.kind))
                })?,
                weight: edge.weight,
            });
        }
        Ok(GeoState::new(existing, existing_edges))
    }

    /// Writes a unit import plan: new units (parents first), new versions for changed units, ends for ended ones.
    pub async fn apply_unit_plan(&mut self, plan: &UnitImportPlan) -> Result<(), StoreError> {
        self.bump_geography_revision().await?;
        let (max_id,) = self
            .conn()
            .fetch_one::<(i64,)>("select coalesce(max(id), 0) from units", vec![])
            .await?;
        let mut next_id = max_id + 1;
        let mut new_ids: HashMap<&UnitCode, i64> = HashMap::new();
        let mut unit_rows = Vec::new();
        let mut version_rows = Vec::new();
        let resolve = |parent: &Option<ParentRef>,
                       new_ids: &HashMap<&UnitCode, i64>|
         -> Result<Option<i64>, StoreError> {
            match parent {
                None => Ok(None),
                Some(ParentRef::Existing(id)) => Ok(Some(id.0)),
                Some(ParentRef::New(code)) => {
                    new_ids.get(code).map(|id| Some(*id)).ok_or_else(|| {
                        other(anyhow::anyhow!(
                            "parent {code} is not created before its child"
                        ))
                    })
                }
            }
        };
        let version_row = |unit_id: i64,
                           attrs: &UnitAttrs,
                           parent_id: Option<i64>,
                           validity: Validity|
         -> Vec<Arg> {
            args![
                unit_id,
                attrs.name.clone(),
                attrs.short_name.clone(),
                attrs.unit_type.clone(),
                parent_id,
                search_key(&attrs.name),
                validity.from,
                validity.to
            ]
        };
        let mut changed_by_date: HashMap<NaiveDate, Vec<i64>> = HashMap::new();
        let mut ended_by_date: HashMap<(NaiveDate, Option<String>), Vec<i64>> = HashMap::new();
        for change in &plan.changes {
            match change {
                UnitChange::New {
                    code,
                    level,
                    attrs,
                    parent,
                    validity,
                } => {
                    let id = next_id;
                    next_id += 1;
                    let parent_id = resolve(parent, &new_ids)?;
                    new_ids.insert(code, id);
                    unit_rows.push(args![
                        id,
                        code.as_str(),
                        level.key(),
                        validity.from,
                        validity.to
                    ]);
                    version_rows.push(version_row(id, attrs, parent_id, *validity));
                }
                UnitChange::Changed {
                    id,
                    after,
                    parent,
                    from,
                    until,
                    ..
                } => {
                    let parent_id = resolve(parent, &new_ids)?;
                    changed_by_date.entry(*from).or_default().push(id.0);
                    version_rows.push(version_row(
                        id.0,
                        after,
                        parent_id,
                        Validity {
                            from: Some(*from),
                            to: *until,
                        },
                    ));
                }
                UnitChange::Ended { id, at, note, .. } => {
                    ended_by_date
                        .entry((*at, note.clone()))
                        .or_default()
                        .push(id.0);
                }
            }
        }
        insert_many(
            self,
            "units",
            &["id", "code", "level", "valid_from", "valid_to"],
            unit_rows,
        )
        .await?;
        sync_identity(self, "units").await?;
        for (date, ids) in &changed_by_date {
            for chunk in ids.chunks(900) {
                let list = id_list(chunk);
                self.conn()
                    .execute(&format!("delete from unit_versions where valid_from = $1 and unit_id in ({list})"), args![*date])
                    .await?;
                self.conn()
                    .execute(
                        &format!(
                            "update unit_versions set valid_to = $1, updated_at = current_timestamp \
                             where unit_id in ({list}) and {}",
                            valid_at("unit_versions", 1)
                        ),
                        args![*date],
                    )
                    .await?;
            }
        }
        insert_many(
            self,
            "unit_versions",
            &[
                "unit_id",
                "name",
                "short_name",
                "unit_type",
                "parent_id",
                "search_key",
                "valid_from",
                "valid_to",
            ],
            version_rows,
        )
        .await?;
        for ((date, note), ids) in &ended_by_date {
            for chunk in ids.chunks(900) {
                let list = id_list(chunk);
                self.conn()
                    .execute(
                        &format!("update units set valid_to = $1, end_note = $2, updated_at = current_timestamp where id in ({list})"),
                        args![*date, note.clone()],
                    )
                    .await?;
                self.conn()
                    .execute(
                        &format!(
                            "update unit_versions set valid_to = $1, updated_at = current_timestamp \
                             where unit_id in ({list}) and (valid_to is null or valid_to > $1)"
                        ),
                        args![*date],
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// Writes a crosswalk plan: new edges, and changed kinds, weights and notes.
    pub async fn apply_crosswalk_plan(&mut self, plan: &CrosswalkPlan) -> Result<(), StoreError> {
        self.bump_geography_revision().await?;
        let mut rows = Vec::new();
        for change in &plan.changes {
            match change {
                EdgeChange::New { from, to, row } => rows.push(args![
                    from.0,
                    to.0,
                    row.kind.key(),
                    row.weight,
                    row.date,
                    row.legal_basis.clone(),
                    row.note.clone()
                ]),
                EdgeChange::Changed { id, row } => {
                    if !self
                        .update_edge(*id, None, row.kind, row.weight, &row.legal_basis, &row.note)
                        .await?
                    {
                        return Err(StoreError::NotFound);
                    }
                }
            }
        }
        insert_many(
            self,
            "lineage_edges",
            &[
                "from_unit_id",
                "to_unit_id",
                "kind",
                "weight",
                "effective_date",
                "legal_basis",
                "note",
            ],
            rows,
        )
        .await
    }

    /// Corrects one edge in place, bumping its version; with `version`, only if the edge is still at it. False when
    /// no edge changed (none with that id, or someone corrected it first). The caller records the reason in the
    /// audit log.
    pub async fn update_edge(
        &mut self,
        id: i64,
        version: Option<i64>,
        kind: LineageKind,
        weight: Option<f64>,
        legal_basis: &str,
        note: &str,
    ) -> Result<bool, StoreError> {
        self.bump_geography_revision().await?;
        let set = "update lineage_edges set kind = $1, weight = $2, legal_basis = $3, note = $4, \
                   version = version + 1, updated_at = current_timestamp where id = $5";
        let n_rows = match version {
            None => {
                self.conn()
                    .execute(set, args![kind.key(), weight, legal_basis, note, id])
                    .await?
            }
            Some(version) => {
                self.conn()
                    .execute(
                        &format!("{set} and version = $6"),
                        args![kind.key(), weight, legal_basis, note, id, version],
                    )
                    .await?
            }
        };
        Ok(n_rows == 1)
    }

    /// Marks the geography changed, so every process rebuilds its atlas once this transaction commits.
    pub(crate) async fn bump_geography_revision(&mut self) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "update revisions set value = value + 1 where name = 'geography'",
                vec![],
            )
            .await?;
        Ok(())
    }

    /// Reads one edge inside the transaction, e.g. to record its state before a correction.
    pub async fn edge_by_id(&mut self, id: i64) -> Result<Option<EdgeRow>, StoreError> {
        self.conn().fetch_optional(EDGE_BY_ID, args![id]).await
    }
}

fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// What search matches: the folded name, so "muong lat" finds "Huyện Mường Lát".
fn search_key(name: &str) -> String {
    vi::fold(name)
}

impl Store {
    /// The geography's revision: bumped by every write, so a cached [`Atlas`] knows when it is stale.
    pub async fn geography_revision(&self) -> Result<i64, StoreError> {
        let (value,): (i64,) = self
            .pool
            .conn()
            .fetch_one(
                "select value from revisions where name = 'geography'",
                vec![],
            )
            .await?;
        Ok(value)
    }

    /// Reads every unit, version, lineage link, grouping and membership into an [`Atlas`], with the revision it reflects.
    /// One transaction, so a concurrent import is seen whole or not at all.
    pub async fn load_atlas(&self) -> Result<(i64, Atlas), StoreError> {
        let mut tx = self.pool.begin_read().await?;
        let (revision,): (i64,) = tx
            .conn()
            .fetch_one(
                "select value from revisions where name = 'geography'",
                vec![],
            )
            .await?;
        let units: Vec<AtlasUnitRow> = tx
            .conn()
            .fetch_all(
                "select id, code, level, valid_from, valid_to, end_note from units order by id",
                vec![],
            )
            .await?;
        let versions: Vec<AtlasVersionRow> = tx
            .conn()
            .fetch_all(
                "select unit_id, name, short_name, unit_type, parent_id, valid_from, valid_to from unit_versions \
                 order by unit_id, valid_from",
                vec![],
            )
            .await?;
        let edges: Vec<(i64, i64, String, Option<f64>, NaiveDate)> = tx
            .conn()
            .fetch_all(
                "select from_unit_id, to_unit_id, kind, weight, effective_date from lineage_edges",
                vec![],
            )
            .await?;
        let links: Vec<(i64, i64)> = edges.iter().map(|(from, to, ..)| (*from, *to)).collect();
        let lineage = edges
            .into_iter()
            .map(|(from, to, kind, weight, date)| {
                Ok(mtqg_core::geo::RebaseEdge {
                    from: UnitId(from),
                    to: UnitId(to),
                    kind: LineageKind::parse(&kind)
                        .ok_or_else(|| other(anyhow::anyhow!("unknown lineage kind {kind:?}")))?,
                    weight,
                    date,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let (groupings, memberships) = crate::groupings::load(&mut tx).await?;
        tx.commit().await?;
        let units = units
            .into_iter()
            .map(|unit| {
                Ok(AtlasUnit {
                    id: unit.id,
                    code: unit.code,
                    level: parse_level(&unit.level)?,
                    validity: Validity {
                        from: unit.valid_from,
                        to: unit.valid_to,
                    },
                    end_note: unit.end_note,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let versions = versions
            .into_iter()
            .map(|version| AtlasVersion {
                unit_id: version.unit_id,
                name: version.name,
                short_name: version.short_name,
                unit_type: version.unit_type,
                parent_id: version.parent_id,
                validity: Validity {
                    from: version.valid_from,
                    to: version.valid_to,
                },
            })
            .collect();
        Ok((
            revision,
            Atlas::new(units, versions, &links)
                .with_groupings(groupings, memberships)
                .with_lineage(lineage),
        ))
    }

    /// Every version of a unit in date order, each with its parent as it was at the version's start.
    pub async fn versions_of(&self, unit_id: i64) -> Result<Vec<VersionRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select v.name, v.unit_type, v.valid_from, v.valid_to, p.code as parent_code, \
                 (select pv.name from unit_versions pv where pv.unit_id = v.parent_id \
                    and (pv.valid_to is null or v.valid_from is null or pv.valid_to > v.valid_from) \
                    and (pv.valid_from is null or v.valid_to is null or pv.valid_from < v.valid_to) \
                  order by coalesce(pv.valid_from, '0001-01-01') desc limit 1) as parent_name \
                 from unit_versions v left join units p on p.id = v.parent_id \
                 where v.unit_id = $1 order by coalesce(v.valid_from, '0001-01-01')",
                args![unit_id],
            )
            .await
    }

    /// The units this one was formed from, each as it was the day before the change (name, parent, grandparent).
    pub async fn predecessors(&self, unit_id: i64) -> Result<Vec<EdgeRecord>, StoreError> {
        self.edges(unit_id, "to_unit_id", "from_unit_id", true)
            .await
    }

    /// The units this one went into, each as it was on the day of the change.
    pub async fn successors(&self, unit_id: i64) -> Result<Vec<EdgeRecord>, StoreError> {
        self.edges(unit_id, "from_unit_id", "to_unit_id", false)
            .await
    }

    async fn edges(
        &self,
        unit_id: i64,
        this_side: &str,
        other_side: &str,
        day_before: bool,
    ) -> Result<Vec<EdgeRecord>, StoreError> {
        // The other unit is described on the day before the change (predecessors) or on its day (successors);
        // "valid on the day before" is "valid_from < date and (valid_to is null or valid_to >= date)".
        let at = |alias: &str| match day_before {
            true => format!(
                "({alias}.valid_from is null or {alias}.valid_from < e.effective_date) and \
                 ({alias}.valid_to is null or {alias}.valid_to >= e.effective_date)"
            ),
            false => format!(
                "({alias}.valid_from is null or {alias}.valid_from <= e.effective_date) and \
                 ({alias}.valid_to is null or {alias}.valid_to > e.effective_date)"
            ),
        };
        let sql = format!(
            "select e.id, e.kind, e.weight, e.effective_date, e.legal_basis, e.note, o.id as other_id, o.code as other_code, \
             ov.name as other_name, pv.name as other_parent_name, gv.name as other_grandparent_name, e.version \
             from lineage_edges e join units o on o.id = e.{other_side} \
             left join unit_versions ov on ov.unit_id = o.id and {ov} \
             left join unit_versions pv on pv.unit_id = ov.parent_id and {pv} \
             left join unit_versions gv on gv.unit_id = pv.parent_id and {gv} \
             where e.{this_side} = $1 order by e.effective_date, o.code",
            ov = at("ov"),
            pv = at("pv"),
            gv = at("gv")
        );
        self.pool.conn().fetch_all(&sql, args![unit_id]).await
    }

    /// One edge by id, seen from its new unit.
    pub async fn edge(&self, id: i64) -> Result<Option<EdgeRow>, StoreError> {
        self.pool.conn().fetch_optional(EDGE_BY_ID, args![id]).await
    }

    /// Numbers of units, versions and edges, for load reports and tests.
    pub async fn geo_totals(&self) -> Result<(i64, i64, i64), StoreError> {
        self.pool
            .conn()
            .fetch_one(
                "select (select count(*) from units), (select count(*) from unit_versions), (select count(*) from lineage_edges)",
                vec![],
            )
            .await
    }
}

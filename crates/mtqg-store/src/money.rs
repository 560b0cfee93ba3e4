//! Money in storage: the program catalogue, investment projects, the append-only ledger, own-level balances and
//! the daily aggregates per scope that figures are read from.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use mtqg_core::money::{Balance, Bucket, CapitalType, Extension, Holder, Source};

use crate::db::{
    args, insert_many, insert_rows, other, parse_day, parse_int, parse_opt_int, unit_filter, Arg,
    Tx,
};
use crate::{Store, StoreError};

/// One item of the program catalogue.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProgramItemRecord {
    pub id: i64,
    pub code: String,
    pub parent_id: Option<i64>,
    pub level: String,
    pub name: String,
    pub phase: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub legal_basis: String,
    pub verify: bool,
    pub maps_to_id: Option<i64>,
    pub note: String,
    /// Bumped by every edit; an edit names the version it was made on.
    pub version: i64,
}

/// A catalogue item to insert; parents and mapping targets by code, resolved in file order.
#[derive(Debug, Clone)]
pub struct NewProgramItem {
    pub code: String,
    pub parent_code: Option<String>,
    pub level: String,
    pub name: String,
    pub phase: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub legal_basis: String,
    pub verify: bool,
    pub maps_to_code: Option<String>,
    pub note: String,
}

/// An investment project.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProjectRecord {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub unit_id: i64,
    pub investor: String,
    pub item_id: i64,
    pub capital_type: String,
    pub sources: String,
    pub total_investment: i64,
    pub approval: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub status: String,
    pub contractors: String,
    /// Bumped when the commitment schedule is replaced; a replacement names the version it was made on.
    pub version: i64,
}

/// An obstacle of a project (khó khăn, vướng mắc) with who owns it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ObstacleRecord {
    pub id: i64,
    pub kind: String,
    pub description: String,
    pub owner: String,
    pub status: String,
    pub raised_on: NaiveDate,
    pub resolved_on: Option<NaiveDate>,
}

/// A project to insert.
#[derive(Debug, Clone)]
pub struct NewProject {
    pub code: String,
    pub name: String,
    pub unit_id: i64,
    pub location_ids: Vec<i64>,
    pub investor: String,
    pub item_id: i64,
    pub capital_type: CapitalType,
    pub sources: String,
    pub total_investment: i64,
    pub approval: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub status: String,
    pub contractors: String,
}

/// A checked ledger event ready to store.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub kind: &'static str,
    pub unit_id: i64,
    pub project_id: Option<i64>,
    pub to_unit_id: Option<i64>,
    pub to_project_id: Option<i64>,
    pub bucket: Bucket,
    pub amount: i64,
    pub date: NaiveDate,
    pub legal_basis: String,
    pub adjusts: Option<&'static str>,
    pub deadline: Option<NaiveDate>,
    pub reason: String,
}

/// What one checked batch writes: its events, the new balances of the holders they touched (with the unit holding
/// each) and the daily sums they add.
#[derive(Debug, Default)]
pub struct LedgerWrite {
    /// The import or form the events came from.
    pub batch: String,
    pub created_by: Option<i64>,
    pub events: Vec<EventRow>,
    pub balances: Vec<((Holder, Bucket), i64, Balance)>,
    pub daily: HashMap<DailyKey, DailyAmounts>,
}

/// A ledger event as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRecord {
    pub id: i64,
    pub kind: String,
    pub unit_id: i64,
    pub project_id: Option<i64>,
    pub to_unit_id: Option<i64>,
    pub to_project_id: Option<i64>,
    pub item_id: i64,
    pub source: String,
    pub capital_type: String,
    pub plan_year: i64,
    pub amount: i64,
    pub event_date: NaiveDate,
    pub legal_basis: String,
    pub adjusts: Option<String>,
    pub reason: String,
}

/// The own-level sums of one scope (and source and capital type) as of a date.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct CapitalSums {
    pub scope_id: i64,
    pub source: String,
    pub capital_type: String,
    pub medium_term: i64,
    pub received: i64,
    pub to_projects: i64,
    pub disbursed: i64,
    pub carried: i64,
    pub lapsed: i64,
}

/// Measures a day adds to a scope, in the column order of `capital_daily`.
pub type DailyKey = (i64, i32, NaiveDate, i64, Source, CapitalType);

/// medium_term, received, to_projects, disbursed, carried, lapsed.
pub type DailyAmounts = [i64; 6];

/// A project with what it holds: allocation and disbursement over all its buckets of one plan year.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HolderRemaining {
    pub holder_kind: String,
    pub holder_id: i64,
    pub unit_id: i64,
    pub item_id: i64,
    pub source: String,
    pub capital_type: String,
    pub plan_year: i64,
    pub received: i64,
    pub to_projects: i64,
    pub disbursed: i64,
    pub lapsed: i64,
    pub carried: i64,
    pub disbursed_late: i64,
    pub carry_deadline: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct BalanceRow {
    holder_kind: String,
    holder_id: i64,
    item_id: i64,
    source: String,
    capital_type: String,
    plan_year: i64,
    medium_term: i64,
    received: i64,
    to_projects: i64,
    disbursed: i64,
    disbursed_late: i64,
    carried: i64,
    lapsed: i64,
    carry_deadline: Option<NaiveDate>,
}

/// plan_year, capital_type, item_id, until, legal_basis.
type ExtensionRow = (i64, Option<String>, Option<i64>, NaiveDate, String);

/// A project's columns after `id`, in the order of `projects`.
fn project_args(project: &NewProject) -> Vec<Arg> {
    args![
        project.code.as_str(),
        project.name.as_str(),
        project.unit_id,
        project.investor.as_str(),
        project.item_id,
        project.capital_type.key(),
        project.sources.as_str(),
        project.total_investment,
        project.approval.as_str(),
        project.start_date,
        project.end_date,
        project.status.as_str(),
        project.contractors.as_str()
    ]
}

fn holder_key(holder: Holder) -> (&'static str, i64) {
    match holder {
        Holder::Unit(id) => ("unit", id),
        Holder::Project(id) => ("project", id),
    }
}

fn year_list(years: &[i32]) -> String {
    years
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

impl Tx {
    /// Inserts catalogue items in order (a parent before its children; a mapping target before its source);
    /// references to items stored earlier are looked up by code.
    pub async fn insert_program_items(
        &mut self,
        items: &[NewProgramItem],
    ) -> Result<(), StoreError> {
        let mut ids: HashMap<String, i64> = HashMap::new();
        for item in items {
            let mut refs = [None, None];
            for (slot, code) in refs.iter_mut().zip([&item.parent_code, &item.maps_to_code]) {
                let Some(code) = code else { continue };
                let id = match ids.get(code) {
                    Some(id) => *id,
                    None => {
                        let found: Option<(i64,)> = self
                            .conn()
                            .fetch_optional(
                                "select id from program_items where code = $1",
                                args![code.as_str()],
                            )
                            .await?;
                        found.map(|(id,)| id).ok_or_else(|| {
                            other(anyhow::anyhow!(
                                "catalogue item {code} is not defined before use"
                            ))
                        })?
                    }
                };
                *slot = Some(id);
            }
            let [parent_id, maps_to_id] = refs;
            let (id,): (i64,) = self
                .conn()
                .fetch_one(
                    "insert into program_items (code, parent_id, level, name, phase, valid_from, valid_to, legal_basis, \
                     verify, maps_to_id, note) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id",
                    args![
                        item.code.as_str(),
                        parent_id,
                        item.level.as_str(),
                        item.name.as_str(),
                        item.phase.as_str(),
                        item.valid_from,
                        item.valid_to,
                        item.legal_basis.as_str(),
                        item.verify,
                        maps_to_id,
                        item.note.as_str()
                    ],
                )
                .await?;
            ids.insert(item.code.clone(), id);
        }
        Ok(())
    }

    /// Updates the name, legal basis, flag and note of one catalogue item if it is still at `version`; false when
    /// someone changed it first.
    pub async fn update_program_item(
        &mut self,
        id: i64,
        version: i64,
        name: &str,
        legal_basis: &str,
        verify: bool,
        note: &str,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "update program_items set name = $1, legal_basis = $2, verify = $3, note = $4, version = version + 1, \
                 updated_at = current_timestamp where id = $5 and version = $6",
                args![name, legal_basis, verify, note, id, version],
            )
            .await?;
        Ok(n == 1)
    }

    /// Inserts a project with its locations; returns its id.
    pub async fn insert_project(&mut self, project: &NewProject) -> Result<i64, StoreError> {
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into projects (code, name, unit_id, investor, item_id, capital_type, sources, total_investment, \
                 approval, start_date, end_date, status, contractors) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id",
                project_args(project),
            )
            .await?;
        let rows = project
            .location_ids
            .iter()
            .map(|unit_id| args![id, *unit_id])
            .collect();
        insert_many(self, "project_locations", &["project_id", "unit_id"], rows).await?;
        Ok(id)
    }

    /// Inserts many projects at once with ids chosen here (for generated data); returns the ids in order.
    pub async fn insert_projects_bulk(
        &mut self,
        projects: &[NewProject],
    ) -> Result<Vec<i64>, StoreError> {
        let (max_id,): (i64,) = self
            .conn()
            .fetch_one("select coalesce(max(id), 0) from projects", vec![])
            .await?;
        let ids: Vec<i64> = (1..=projects.len() as i64).map(|i| max_id + i).collect();
        let rows = projects
            .iter()
            .zip(&ids)
            .map(|(project, id)| {
                let mut row = args![*id];
                row.extend(project_args(project));
                row
            })
            .collect();
        insert_many(
            self,
            "projects",
            &[
                "id",
                "code",
                "name",
                "unit_id",
                "investor",
                "item_id",
                "capital_type",
                "sources",
                "total_investment",
                "approval",
                "start_date",
                "end_date",
                "status",
                "contractors",
            ],
            rows,
        )
        .await?;
        crate::db::sync_identity(self, "projects").await?;
        let locations = projects
            .iter()
            .zip(&ids)
            .flat_map(|(project, id)| {
                project
                    .location_ids
                    .iter()
                    .map(move |unit| args![*id, *unit])
            })
            .collect();
        insert_many(
            self,
            "project_locations",
            &["project_id", "unit_id"],
            locations,
        )
        .await?;
        Ok(ids)
    }

    /// Replaces a project's monthly disbursement commitments if the project is still at `version` (bumping it);
    /// false, with nothing written, when someone replaced them first.
    pub async fn set_commitments(
        &mut self,
        project_id: i64,
        version: i64,
        months: &[(NaiveDate, i64)],
    ) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "update projects set version = version + 1, updated_at = current_timestamp \
                 where id = $1 and version = $2",
                args![project_id, version],
            )
            .await?;
        if n != 1 {
            return Ok(false);
        }
        self.conn()
            .execute(
                "delete from project_commitments where project_id = $1",
                args![project_id],
            )
            .await?;
        let rows = months
            .iter()
            .map(|(month, amount)| args![project_id, *month, *amount])
            .collect();
        insert_many(
            self,
            "project_commitments",
            &["project_id", "month", "amount"],
            rows,
        )
        .await?;
        Ok(true)
    }

    /// Records a progress report of a project.
    pub async fn insert_progress(
        &mut self,
        project_id: i64,
        report_date: NaiveDate,
        physical_pct: f64,
        value_done: i64,
        note: &str,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "insert into project_progress (project_id, report_date, physical_pct, value_done, note) \
                 values ($1, $2, $3, $4, $5)",
                args![project_id, report_date, Some(physical_pct), value_done, note],
            )
            .await?;
        Ok(())
    }

    /// Records an obstacle of a project.
    pub async fn insert_obstacle(
        &mut self,
        project_id: i64,
        kind: &str,
        description: &str,
        owner: &str,
        raised_on: NaiveDate,
    ) -> Result<i64, StoreError> {
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into project_obstacles (project_id, kind, description, owner, status, raised_on) \
                 values ($1, $2, $3, $4, 'mo', $5) returning id",
                args![project_id, kind, description, owner, raised_on],
            )
            .await?;
        Ok(id)
    }

    /// Marks an open obstacle resolved; false when it was resolved already (by someone else, say).
    pub async fn resolve_obstacle(
        &mut self,
        id: i64,
        resolved_on: NaiveDate,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "update project_obstacles set status = 'da_xu_ly', resolved_on = $1, updated_at = current_timestamp \
                 where id = $2 and status = 'mo'",
                args![resolved_on, id],
            )
            .await?;
        Ok(n == 1)
    }

    /// Records a deadline extension.
    pub async fn insert_extension(&mut self, extension: &Extension) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "insert into deadline_extensions (plan_year, capital_type, item_id, until, legal_basis) \
                 values ($1, $2, $3, $4, $5)",
                args![
                    i64::from(extension.plan_year),
                    extension.capital_type.map(|ctype| ctype.key().to_owned()),
                    extension.item_id,
                    extension.until,
                    extension.legal_basis.as_str()
                ],
            )
            .await?;
        Ok(())
    }

    /// The balances of every holder in the given plan years (only those held in `units`, when given), to check a
    /// batch of events against.
    pub async fn balances_of_years(
        &mut self,
        years: &[i32],
        units: Option<&[i64]>,
    ) -> Result<HashMap<(Holder, Bucket), Balance>, StoreError> {
        if years.is_empty() {
            return Ok(HashMap::new());
        }
        let unit_filter = match units {
            None => String::new(),
            Some(ids) => format!(
                " and unit_id in ({})",
                ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
            ),
        };
        let rows: Vec<BalanceRow> = self
            .conn()
            .fetch_all(
                &format!(
                    "select holder_kind, holder_id, item_id, source, capital_type, plan_year, medium_term, received, \
                     to_projects, disbursed, disbursed_late, carried, lapsed, carry_deadline from capital_balances \
                     where plan_year in ({}){unit_filter}",
                    year_list(years)
                ),
                vec![],
            )
            .await?;
        rows.into_iter().map(balance_entry).collect()
    }

    /// The balances of the given holders in one bucket.
    pub async fn balances_of(
        &mut self,
        holders: &[Holder],
        bucket: &Bucket,
    ) -> Result<HashMap<(Holder, Bucket), Balance>, StoreError> {
        let mut res = HashMap::new();
        for holder in holders {
            let (kind, id) = holder_key(*holder);
            let row: Option<BalanceRow> = self
                .conn()
                .fetch_optional(
                    "select holder_kind, holder_id, item_id, source, capital_type, plan_year, medium_term, received, \
                     to_projects, disbursed, disbursed_late, carried, lapsed, carry_deadline from capital_balances \
                     where holder_kind = $1 and holder_id = $2 and item_id = $3 and source = $4 and capital_type = $5 \
                     and plan_year = $6",
                    args![
                        kind,
                        id,
                        bucket.item_id,
                        bucket.source.key(),
                        bucket.capital_type.key(),
                        i64::from(bucket.plan_year)
                    ],
                )
                .await?;
            if let Some(row) = row {
                let (key, balance) = balance_entry(row)?;
                res.insert(key, balance);
            }
        }
        Ok(res)
    }

    /// Stores checked events, the new balances of the holders they touched and the daily and monthly aggregates they
    /// add. Rows go in few statements (`insert_rows`): bulk imports are bound by round trips otherwise.
    pub async fn write_ledger(&mut self, write: LedgerWrite) -> Result<(), StoreError> {
        let LedgerWrite {
            batch,
            created_by,
            events,
            mut balances,
            daily,
        } = write;
        // One timestamp per batch, in the form the column default writes.
        let created_at = chrono::Utc::now()
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        let event_rows = events
            .into_iter()
            .map(|event| {
                args![
                    event.kind,
                    event.unit_id,
                    event.project_id,
                    event.to_unit_id,
                    event.to_project_id,
                    event.bucket.item_id,
                    event.bucket.source.key(),
                    event.bucket.capital_type.key(),
                    i64::from(event.bucket.plan_year),
                    event.amount,
                    event.date,
                    event.legal_basis,
                    event.adjusts.map(str::to_owned),
                    event.deadline,
                    event.reason
                ]
            })
            .collect();
        insert_rows(
            self,
            "capital_events",
            &[
                ("kind", "text"),
                ("unit_id", "bigint"),
                ("project_id", "bigint"),
                ("to_unit_id", "bigint"),
                ("to_project_id", "bigint"),
                ("item_id", "bigint"),
                ("source", "text"),
                ("capital_type", "text"),
                ("plan_year", "bigint"),
                ("amount", "bigint"),
                ("event_date", "date"),
                ("legal_basis", "text"),
                ("adjusts", "text"),
                ("deadline", "date"),
                ("reason", "text"),
            ],
            event_rows,
            &[
                ("batch", "text", Arg::from(batch)),
                ("created_by", "bigint", Arg::from(created_by)),
                ("created_at", "timestamptz", Arg::from(created_at)),
            ],
            "",
        )
        .await?;
        tracing::debug!("ledger write: events inserted");
        balances.sort_unstable_by_key(|((holder, bucket), _, _)| {
            (
                holder_key(*holder),
                bucket.item_id,
                bucket.source.key(),
                bucket.capital_type.key(),
                bucket.plan_year,
            )
        });
        let balance_rows = balances
            .into_iter()
            .map(|((holder, bucket), unit_id, balance)| {
                let (kind, id) = holder_key(holder);
                args![
                    kind,
                    id,
                    bucket.item_id,
                    bucket.source.key(),
                    bucket.capital_type.key(),
                    i64::from(bucket.plan_year),
                    unit_id,
                    balance.medium_term,
                    balance.received,
                    balance.to_projects,
                    balance.disbursed,
                    balance.disbursed_late,
                    balance.carried,
                    balance.lapsed,
                    balance.carry_deadline
                ]
            })
            .collect();
        insert_rows(
            self,
            "capital_balances",
            &[
                ("holder_kind", "text"),
                ("holder_id", "bigint"),
                ("item_id", "bigint"),
                ("source", "text"),
                ("capital_type", "text"),
                ("plan_year", "bigint"),
                ("unit_id", "bigint"),
                ("medium_term", "bigint"),
                ("received", "bigint"),
                ("to_projects", "bigint"),
                ("disbursed", "bigint"),
                ("disbursed_late", "bigint"),
                ("carried", "bigint"),
                ("lapsed", "bigint"),
                ("carry_deadline", "date"),
            ],
            balance_rows,
            &[],
            " on conflict (holder_kind, holder_id, item_id, source, capital_type, plan_year) do update set \
             medium_term = excluded.medium_term, received = excluded.received, to_projects = excluded.to_projects, \
             disbursed = excluded.disbursed, disbursed_late = excluded.disbursed_late, carried = excluded.carried, \
             lapsed = excluded.lapsed, carry_deadline = excluded.carry_deadline",
        )
        .await?;
        tracing::debug!("ledger write: balances upserted");
        let mut monthly: HashMap<DailyKey, DailyAmounts> = HashMap::new();
        for ((scope, year, day, item, source, ctype), amounts) in &daily {
            let month = NaiveDate::from_ymd_opt(day.year(), day.month(), 1)
                .expect("first of a month exists");
            let entry = monthly
                .entry((*scope, *year, month, *item, *source, *ctype))
                .or_default();
            for (total, amount) in entry.iter_mut().zip(amounts) {
                *total += amount;
            }
        }
        for (table, period, rows) in [
            ("capital_daily", "day", daily),
            ("capital_monthly", "month", monthly),
        ] {
            // In primary-key order: consecutive upserts land on the same B-tree pages.
            let mut rows: Vec<_> = rows.into_iter().collect();
            rows.sort_unstable_by_key(|((scope, year, day, item, source, ctype), _)| {
                (*scope, *year, *day, *item, source.key(), ctype.key())
            });
            let rows = rows
                .into_iter()
                .map(|((scope, year, day, item, source, ctype), amounts)| {
                    args![
                        scope,
                        i64::from(year),
                        day,
                        item,
                        source.key(),
                        ctype.key(),
                        amounts[0],
                        amounts[1],
                        amounts[2],
                        amounts[3],
                        amounts[4],
                        amounts[5]
                    ]
                })
                .collect();
            insert_rows(
                self,
                table,
                &[
                    ("scope_id", "bigint"),
                    ("plan_year", "bigint"),
                    (period, "date"),
                    ("item_id", "bigint"),
                    ("source", "text"),
                    ("capital_type", "text"),
                    ("medium_term", "bigint"),
                    ("received", "bigint"),
                    ("to_projects", "bigint"),
                    ("disbursed", "bigint"),
                    ("carried", "bigint"),
                    ("lapsed", "bigint"),
                ],
                rows,
                &[],
                &format!(
                    " on conflict (scope_id, plan_year, {period}, item_id, source, capital_type) do update set \
                     medium_term = {table}.medium_term + excluded.medium_term, \
                     received = {table}.received + excluded.received, \
                     to_projects = {table}.to_projects + excluded.to_projects, \
                     disbursed = {table}.disbursed + excluded.disbursed, \
                     carried = {table}.carried + excluded.carried, \
                     lapsed = {table}.lapsed + excluded.lapsed"
                ),
            )
            .await?;
        }
        Ok(())
    }
}

fn balance_entry(row: BalanceRow) -> Result<((Holder, Bucket), Balance), StoreError> {
    let holder = match row.holder_kind.as_str() {
        "unit" => Holder::Unit(row.holder_id),
        _ => Holder::Project(row.holder_id),
    };
    let bucket = Bucket {
        item_id: row.item_id,
        source: Source::parse(&row.source)
            .ok_or_else(|| other(anyhow::anyhow!("unknown source {:?}", row.source)))?,
        capital_type: CapitalType::parse(&row.capital_type).ok_or_else(|| {
            other(anyhow::anyhow!(
                "unknown capital type {:?}",
                row.capital_type
            ))
        })?,
        plan_year: row.plan_year as i32,
    };
    Ok((
        (holder, bucket),
        Balance {
            medium_term: row.medium_term,
            received: row.received,
            to_projects: row.to_projects,
            disbursed: row.disbursed,
            disbursed_late: row.disbursed_late,
            carried: row.carried,
            lapsed: row.lapsed,
            carry_deadline: row.carry_deadline,
        },
    ))
}

/// `and item_id in (…)` for an optional item filter.
fn item_filter(items: Option<&[i64]>) -> String {
    match items {
        None => String::new(),
        Some([]) => " and 1 = 0".to_owned(),
        Some(ids) => format!(
            " and item_id in ({})",
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        ),
    }
}

impl Store {
    /// The whole catalogue, in code order.
    pub async fn program_items(&self) -> Result<Vec<ProgramItemRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select id, code, parent_id, level, name, phase, valid_from, valid_to, legal_basis, verify, maps_to_id, \
                 note, version from program_items order by code",
                vec![],
            )
            .await
    }

    /// Recorded deadline extensions.
    pub async fn extensions(&self) -> Result<Vec<Extension>, StoreError> {
        let rows: Vec<ExtensionRow> = self
            .pool
            .conn()
            .fetch_all(
                "select plan_year, capital_type, item_id, until, legal_basis from deadline_extensions order by id",
                vec![],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(plan_year, capital_type, item_id, until, legal_basis)| Extension {
                    plan_year: plan_year as i32,
                    capital_type: capital_type.as_deref().and_then(CapitalType::parse),
                    item_id,
                    until,
                    legal_basis,
                },
            )
            .collect())
    }

    /// Every project's id, code, managing unit, program item and capital type, to resolve codes in a batch.
    pub async fn project_keys(&self) -> Result<Vec<(i64, String, i64, i64, String)>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select id, code, unit_id, item_id, capital_type from projects",
                vec![],
            )
            .await
    }

    /// The codes of some projects, by id.
    pub async fn project_codes(&self, ids: &[i64]) -> Result<HashMap<i64, String>, StoreError> {
        let mut res = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(5_000) {
            let rows: Vec<(i64, String)> = self
                .pool
                .conn()
                .fetch_all(
                    &format!(
                        "select id, code from projects where 1 = 1{}",
                        unit_filter("id", Some(chunk))
                    ),
                    vec![],
                )
                .await?;
            res.extend(rows);
        }
        Ok(res)
    }

    /// The id, code, managing unit, program item and capital type of the projects with these codes.
    pub async fn project_keys_of(
        &self,
        codes: &[&str],
    ) -> Result<Vec<(i64, String, i64, i64, String)>, StoreError> {
        let mut res = Vec::with_capacity(codes.len());
        for chunk in codes.chunks(900) {
            let placeholders = (1..=chunk.len())
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(",");
            let mut rows: Vec<(i64, String, i64, i64, String)> = self
                .pool
                .conn()
                .fetch_all(
                    &format!(
                        "select id, code, unit_id, item_id, capital_type from projects where code in ({placeholders})"
                    ),
                    chunk.iter().map(|code| Arg::from(*code)).collect(),
                )
                .await?;
            res.append(&mut rows);
        }
        Ok(res)
    }

    /// One project by code.
    pub async fn project_by_code(&self, code: &str) -> Result<Option<ProjectRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_optional(
                "select id, code, name, unit_id, investor, item_id, capital_type, sources, total_investment, approval, \
                 start_date, end_date, status, contractors, version from projects where code = $1",
                args![code],
            )
            .await
    }

    /// Projects whose managing unit is one of `unit_ids`, by code; at most `limit`.
    pub async fn projects_of_units(
        &self,
        unit_ids: &[i64],
        limit: i64,
    ) -> Result<Vec<ProjectRecord>, StoreError> {
        if unit_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut res = Vec::new();
        for chunk in unit_ids.chunks(900) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let mut rows: Vec<ProjectRecord> = self
                .pool
                .conn()
                .fetch_all(
                    &format!(
                        "select id, code, name, unit_id, investor, item_id, capital_type, sources, total_investment, \
                         approval, start_date, end_date, status, contractors, version from projects where unit_id in ({list}) \
                         order by code limit $1"
                    ),
                    args![limit],
                )
                .await?;
            res.append(&mut rows);
        }
        res.sort_by(|a, b| a.code.cmp(&b.code));
        res.truncate(limit.max(0) as usize);
        Ok(res)
    }

    /// The first projects by code, whatever their unit.
    pub async fn projects_of_all(&self, limit: i64) -> Result<Vec<ProjectRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select id, code, name, unit_id, investor, item_id, capital_type, sources, total_investment, approval, \
                 start_date, end_date, status, contractors, version from projects order by code limit $1",
                args![limit],
            )
            .await
    }

    /// The location units of a project.
    pub async fn project_locations(&self, project_id: i64) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = self
            .pool
            .conn()
            .fetch_all(
                "select unit_id from project_locations where project_id = $1 order by unit_id",
                args![project_id],
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// A project's ledger events in date order.
    pub async fn project_events(&self, project_id: i64) -> Result<Vec<EventRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select id, kind, unit_id, project_id, to_unit_id, to_project_id, item_id, source, capital_type, \
                 plan_year, amount, event_date, legal_basis, adjusts, reason from capital_events \
                 where project_id = $1 or to_project_id = $1 order by event_date, id",
                args![project_id],
            )
            .await
    }

    /// A project's commitments by month.
    pub async fn project_commitments(
        &self,
        project_id: i64,
    ) -> Result<Vec<(NaiveDate, i64)>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select month, amount from project_commitments where project_id = $1 order by month",
                args![project_id],
            )
            .await
    }

    /// A project's progress reports: date, physical %, value done, note.
    pub async fn project_progress(
        &self,
        project_id: i64,
    ) -> Result<Vec<(NaiveDate, f64, i64, String)>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select report_date, physical_pct, value_done, note from project_progress where project_id = $1 \
                 order by report_date",
                args![project_id],
            )
            .await
    }

    /// A project's obstacles, oldest first.
    pub async fn project_obstacles(
        &self,
        project_id: i64,
    ) -> Result<Vec<ObstacleRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select id, kind, description, owner, status, raised_on, resolved_on from project_obstacles \
                 where project_id = $1 order by raised_on, id",
                args![project_id],
            )
            .await
    }

    /// Own-level sums per scope, source and capital type for one plan year, counting events up to `as_of`: whole
    /// months before `as_of`'s month from `capital_monthly`, the days of its month from `capital_daily`.
    pub async fn capital_sums(
        &self,
        scope_ids: &[i64],
        plan_year: i32,
        as_of: NaiveDate,
        items: Option<&[i64]>,
    ) -> Result<Vec<CapitalSums>, StoreError> {
        if scope_ids.is_empty() {
            return Ok(Vec::new());
        }
        let scopes = scope_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let month_start = NaiveDate::from_ymd_opt(as_of.year(), as_of.month(), 1)
            .expect("first of a month exists");
        let items = item_filter(items);
        let columns = "scope_id, source, capital_type, medium_term, received, to_projects, disbursed, carried, lapsed";
        self.pool
            .conn()
            .fetch_all(
                &format!(
                    "select scope_id, source, capital_type, cast(sum(medium_term) as bigint) as medium_term, \
                     cast(sum(received) as bigint) as received, cast(sum(to_projects) as bigint) as to_projects, \
                     cast(sum(disbursed) as bigint) as disbursed, cast(sum(carried) as bigint) as carried, \
                     cast(sum(lapsed) as bigint) as lapsed from ( \
                       select {columns} from capital_monthly where scope_id in ({scopes}) and plan_year = $1 \
                         and month < $3{items} \
                       union all \
                       select {columns} from capital_daily where scope_id in ({scopes}) and plan_year = $1 \
                         and day >= $3 and day <= $2{items} \
                     ) t group by scope_id, source, capital_type"
                ),
                args![i64::from(plan_year), as_of, month_start],
            )
            .await
    }

    /// Disbursement of one scope and plan year up to `as_of`: per month (dated the first) for whole months, per day
    /// within `as_of`'s month; for the monthly curve.
    pub async fn capital_days(
        &self,
        scope_id: i64,
        plan_year: i32,
        as_of: NaiveDate,
        items: Option<&[i64]>,
    ) -> Result<Vec<(NaiveDate, i64)>, StoreError> {
        let month_start = NaiveDate::from_ymd_opt(as_of.year(), as_of.month(), 1)
            .expect("first of a month exists");
        let items = item_filter(items);
        self.pool
            .conn()
            .fetch_all(
                &format!(
                    "select month, cast(sum(disbursed) as bigint) from capital_monthly where scope_id = $1 \
                     and plan_year = $2 and month < $4{items} group by month \
                     union all \
                     select day, cast(sum(disbursed) as bigint) from capital_daily where scope_id = $1 \
                     and plan_year = $2 and day >= $4 and day <= $3{items} group by day"
                ),
                args![scope_id, i64::from(plan_year), as_of, month_start],
            )
            .await
    }

    /// Committed disbursement per month of the projects managed by `unit_ids`.
    pub async fn commitments_of_units(
        &self,
        unit_ids: &[i64],
    ) -> Result<Vec<(NaiveDate, i64)>, StoreError> {
        let mut by_month: std::collections::BTreeMap<NaiveDate, i64> = Default::default();
        for chunk in unit_ids.chunks(900) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let rows: Vec<(NaiveDate, i64)> = self
                .pool
                .conn()
                .fetch_all(
                    &format!(
                        "select c.month, cast(sum(c.amount) as bigint) from project_commitments c join projects p on p.id = c.project_id \
                         where p.unit_id in ({list}) group by c.month"
                    ),
                    vec![],
                )
                .await?;
            for (month, amount) in rows {
                *by_month.entry(month).or_default() += amount;
            }
        }
        Ok(by_month.into_iter().collect())
    }

    /// Holders with money of `plan_year` left, whose unit is one of `unit_ids` (all units when `None`).
    pub async fn remaining_of_year(
        &self,
        plan_year: i32,
        unit_ids: Option<&[i64]>,
    ) -> Result<Vec<HolderRemaining>, StoreError> {
        let filter = unit_filter("unit_id", unit_ids);
        // Packed: a country's year holds tens of thousands of holders with money left.
        let packed = self
            .pool
            .conn()
            .fetch_packed(
                &[
                    "holder_kind",
                    "holder_id",
                    "unit_id",
                    "item_id",
                    "source",
                    "capital_type",
                    "plan_year",
                    "received",
                    "to_projects",
                    "disbursed",
                    "lapsed",
                    "carried",
                    "disbursed_late",
                    "carry_deadline",
                ],
                &format!(
                    "capital_balances where plan_year = $1 and received - to_projects - disbursed - lapsed > 0{filter}"
                ),
                args![i64::from(plan_year)],
            )
            .await?;
        packed
            .rows()
            .map(|row| {
                Ok(HolderRemaining {
                    holder_kind: row[0].to_owned(),
                    holder_id: parse_int(row[1])?,
                    unit_id: parse_int(row[2])?,
                    item_id: parse_int(row[3])?,
                    source: row[4].to_owned(),
                    capital_type: row[5].to_owned(),
                    plan_year: parse_int(row[6])?,
                    received: parse_int(row[7])?,
                    to_projects: parse_int(row[8])?,
                    disbursed: parse_int(row[9])?,
                    lapsed: parse_int(row[10])?,
                    carried: parse_int(row[11])?,
                    disbursed_late: parse_int(row[12])?,
                    carry_deadline: (!row[13].is_empty())
                        .then(|| parse_day(row[13]))
                        .transpose()?,
                })
            })
            .collect()
    }

    /// Disbursed per holder in `[from, to]`, for the recent pace of disbursement: of every holder (`None`), or of
    /// the given ones (a scope's, read through the project and unit indexes instead of the country's window).
    pub async fn disbursed_between(
        &self,
        plan_year: i32,
        from: NaiveDate,
        to: NaiveDate,
        holders: Option<&[Holder]>,
    ) -> Result<HashMap<Holder, i64>, StoreError> {
        // Packed (one text per statement): a country's window groups into tens of thousands of holders.
        const SELECT: &str = "(select unit_id, project_id, sum(amount) as amount from capital_events \
             where kind in ('disbursement', 'adjustment') and (kind = 'disbursement' or adjusts = 'disbursement') \
             and plan_year = $1 and event_date >= $2 and event_date <= $3";
        const GROUP: &str = " group by unit_id, project_id) as paced";
        let statements = match holders {
            None => vec![format!("{SELECT}{GROUP}")],
            Some(holders) => {
                let projects: Vec<i64> = holders
                    .iter()
                    .filter_map(|holder| match holder {
                        Holder::Project(id) => Some(*id),
                        Holder::Unit(_) => None,
                    })
                    .collect();
                let units: Vec<i64> = holders
                    .iter()
                    .filter_map(|holder| match holder {
                        Holder::Unit(id) => Some(*id),
                        Holder::Project(_) => None,
                    })
                    .collect();
                let mut statements = Vec::new();
                for chunk in projects.chunks(5_000) {
                    statements.push(format!(
                        "{SELECT}{}{GROUP}",
                        unit_filter("project_id", Some(chunk))
                    ));
                }
                for chunk in units.chunks(5_000) {
                    statements.push(format!(
                        "{SELECT} and project_id is null{}{GROUP}",
                        unit_filter("unit_id", Some(chunk))
                    ));
                }
                statements
            }
        };
        let mut rows: Vec<(i64, Option<i64>, i64)> = Vec::new();
        for from_where in statements {
            let packed = self
                .pool
                .conn()
                .fetch_packed(
                    &["unit_id", "project_id", "amount"],
                    &from_where,
                    args![i64::from(plan_year), from, to],
                )
                .await?;
            for row in packed.rows() {
                rows.push((
                    parse_int(row[0])?,
                    parse_opt_int(row[1])?,
                    parse_int(row[2])?,
                ));
            }
        }
        let mut res = HashMap::new();
        for (unit_id, project_id, amount) in rows {
            let holder = match project_id {
                Some(id) => Holder::Project(id),
                None => Holder::Unit(unit_id),
            };
            *res.entry(holder).or_default() += amount;
        }
        Ok(res)
    }

    /// Number of ledger events, for reports and tests.
    pub async fn count_events(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = self
            .pool
            .conn()
            .fetch_one("select count(*) from capital_events", vec![])
            .await?;
        Ok(n)
    }
}

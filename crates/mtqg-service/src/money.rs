//! Money use cases: recording ledger events (one from a form, or a whole file), the capital summary of a unit as of
//! a date with ranks and the monthly curve, the will-lapse list, and the import template.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use mtqg_core::access::Permission;
use mtqg_core::atlas::{Atlas, UnitAsOf};
use mtqg_core::import::RowProblem;
use mtqg_core::money::{
    apply_delta, check_event, projected_lapse, rank, rate, Balance, Bucket, CapitalRow,
    CapitalRowParser, CapitalType, Deadlines, EventKind, Holder, Measure, NewEvent, Source,
    TEMPLATE_HEADERS,
};
use mtqg_store::{CapitalSums, DailyAmounts, DailyKey, EventRow, LedgerWrite, Tx};
use mtqg_xlsx::{Cell, SheetData, TableEvent};

use crate::auth::Actor;
use crate::geography::TableSource;
use crate::{Service, ServiceError};

/// Above this many events a batch loads every balance of its plan years at once instead of holder by holder.
const BULK_THRESHOLD: usize = 64;
/// The window the will-lapse projection takes the recent pace from.
const PACE_WINDOW_DAYS: i64 = 90;

/// One event as entered: codes, not ids.
#[derive(Debug, Clone, PartialEq)]
pub struct EventInput {
    pub kind: EventKind,
    pub unit_code: Option<String>,
    pub project_code: Option<String>,
    pub to_unit_code: Option<String>,
    pub to_project_code: Option<String>,
    pub item_code: Option<String>,
    pub source: Source,
    pub capital_type: Option<CapitalType>,
    pub plan_year: i32,
    /// Whole đồng.
    pub amount: i64,
    pub date: NaiveDate,
    pub legal_basis: String,
    pub adjusts: Option<EventKind>,
    pub deadline: Option<NaiveDate>,
    pub reason: String,
}

impl From<CapitalRow> for EventInput {
    fn from(row: CapitalRow) -> EventInput {
        EventInput {
            kind: row.kind,
            unit_code: row.unit_code,
            project_code: row.project_code,
            to_unit_code: row.to_unit_code,
            to_project_code: row.to_project_code,
            item_code: row.item_code,
            source: row.source,
            capital_type: row.capital_type,
            plan_year: row.plan_year,
            amount: row.amount,
            date: row.date,
            legal_basis: row.legal_basis,
            adjusts: row.adjusts,
            deadline: row.deadline,
            reason: row.reason,
        }
    }
}

/// What a capital import found and did.
#[derive(Debug, Clone, Default)]
pub struct CapitalReport {
    pub file_name: String,
    pub n_rows: usize,
    /// Events that are (or would be, in a dry run) recorded.
    pub n_events: usize,
    pub skipped_totals: Vec<usize>,
    pub problems: Vec<RowProblem>,
    pub n_problems: usize,
    pub applied: bool,
}

impl CapitalReport {
    fn add_problems(&mut self, sheet: &Option<String>, problems: Vec<RowProblem>) {
        crate::keep_problems(&mut self.problems, &mut self.n_problems, sheet, problems);
    }
}

/// Plan, allocation, disbursement and what follows from them, for one scope.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Figures {
    pub medium_term: i64,
    /// Kế hoạch vốn: what the scope's units hold, net of what moved between them.
    pub plan: i64,
    pub to_projects: i64,
    pub disbursed: i64,
    pub carried: i64,
    pub lapsed: i64,
}

impl Figures {
    fn add_figures(&mut self, other: &Figures) {
        self.medium_term += other.medium_term;
        self.plan += other.plan;
        self.to_projects += other.to_projects;
        self.disbursed += other.disbursed;
        self.carried += other.carried;
        self.lapsed += other.lapsed;
    }

    fn add(&mut self, sums: &CapitalSums) {
        self.medium_term += sums.medium_term;
        self.plan += sums.received;
        self.to_projects += sums.to_projects;
        self.disbursed += sums.disbursed;
        self.carried += sums.carried;
        self.lapsed += sums.lapsed;
    }

    /// Not yet disbursed nor lapsed.
    pub fn remaining(&self) -> i64 {
        self.plan - self.disbursed - self.lapsed
    }

    /// Disbursed over plan ("đạt 43,6% KH").
    pub fn rate(&self) -> Option<f64> {
        rate(self.disbursed, self.plan)
    }
}

/// A child unit's figures with its rank among its siblings by disbursement rate.
#[derive(Debug, Clone)]
pub struct ChildFigures {
    pub unit: UnitAsOf,
    pub figures: Figures,
    pub rank: Option<usize>,
    /// Rate below the parent's own rate.
    pub below_average: bool,
}

/// One month of the cumulative curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthPoint {
    pub month: NaiveDate,
    pub disbursed_cumulative: i64,
    pub committed_cumulative: i64,
}

/// Everything the capital dashboard shows for one scope.
#[derive(Debug, Clone)]
pub struct CapitalSummary {
    /// `None` for the whole country.
    pub unit: Option<UnitAsOf>,
    pub plan_year: i32,
    pub as_of: NaiveDate,
    pub program: Option<(String, String)>,
    pub totals: Figures,
    pub by_source: Vec<(Source, CapitalType, Figures)>,
    pub children: Vec<ChildFigures>,
    /// Place among the siblings and their number ("xếp thứ 17/63").
    pub rank_in_parent: Option<(usize, usize)>,
    pub curve: Vec<MonthPoint>,
    /// The ordinary deadline of investment money of the year, after extensions.
    pub investment_deadline: NaiveDate,
    /// Present when the figures were re-based onto today's units.
    pub rebasing: Option<Rebasing>,
}

/// What re-basing added and could not add.
#[derive(Debug, Clone, Default)]
pub struct Rebasing {
    /// What was carried onto each target unit (the unit shown, its children and siblings), by id.
    pub extra_by_unit: HashMap<i64, Figures>,
    /// What was carried onto the unit shown.
    pub extra: Figures,
    /// Codes of the ended units whose money was carried.
    pub from_units: Vec<String>,
    /// Plan that stayed with old units (partial lineage without a weight).
    pub not_rebasable_plan: i64,
    pub not_rebasable_units: Vec<String>,
}

/// Money projected to lapse for one holder.
#[derive(Debug, Clone)]
pub struct LapseRow {
    pub holder: Holder,
    pub label: String,
    pub unit: Option<UnitAsOf>,
    pub source: String,
    pub capital_type: String,
    pub remaining: i64,
    pub recent: i64,
    pub deadline: NaiveDate,
    pub will_lapse: i64,
}

/// How the projection is made, shown next to the list.
pub const LAPSE_METHOD: &str = "Dự báo theo tốc độ giải ngân bình quân ngày của 90 ngày gần nhất, kéo dài đến hạn \
     giải ngân (kể cả gia hạn, chuyển nguồn); phần chưa giải ngân còn lại đến hạn được tính là có nguy cơ bị hủy.";

struct ProjectKey {
    id: i64,
    unit_id: i64,
    item_id: i64,
    capital_type: Option<CapitalType>,
}

/// Resolves codes of a batch against the atlas, the catalogue and the projects.
struct Resolver {
    atlas: std::sync::Arc<Atlas>,
    items: HashMap<String, (i64, Option<NaiveDate>, Option<NaiveDate>)>,
    projects: HashMap<String, ProjectKey>,
}

/// A resolved event: what the rules check, plus what is stored.
struct Resolved {
    event: NewEvent,
    unit_id: i64,
    row: EventRow,
}

impl Resolver {
    fn resolve(&self, actor: &Actor, input: &EventInput) -> Result<Resolved, (String, String)> {
        let fail = |column: &str, message: String| (column.to_owned(), message);
        let date = input.date;
        let project =
            match &input.project_code {
                Some(code) => Some(self.projects.get(code).ok_or_else(|| {
                    fail("project_code", format!("không có dự án mã \"{code}\""))
                })?),
                None => None,
            };
        let unit_id = match (&input.unit_code, project) {
            (_, Some(project)) => {
                if let Some(code) = &input.unit_code {
                    let unit = self.atlas.unit_by_code(code, date);
                    if unit.as_ref().map(|unit| unit.id) != Some(project.unit_id) {
                        return Err(fail(
                            "unit_code",
                            format!("dự án không thuộc đơn vị mã \"{code}\""),
                        ));
                    }
                }
                project.unit_id
            }
            (Some(code), None) => {
                self.atlas
                    .unit_by_code(code, date)
                    .ok_or_else(|| {
                        fail(
                            "unit_code",
                            format!(
                                "không có đơn vị mã \"{code}\" vào ngày {}",
                                mtqg_core::vi::format_date(date)
                            ),
                        )
                    })?
                    .id
            }
            (None, None) => {
                return Err(fail("unit_code", "cần mã đơn vị hoặc mã dự án".to_owned()))
            }
        };
        if self.atlas.unit(unit_id, date).is_none() {
            return Err(fail(
                "unit_code",
                format!(
                    "đơn vị của dự án không còn tồn tại vào ngày {}",
                    mtqg_core::vi::format_date(date)
                ),
            ));
        }
        if let Some(scope) = actor.scope_unit_id {
            if scope != unit_id && !self.atlas.is_within(scope, unit_id) {
                return Err(fail(
                    "unit_code",
                    "đơn vị nằm ngoài phạm vi của tài khoản".to_owned(),
                ));
            }
        }
        let item_id = match (&input.item_code, project) {
            (Some(code), _) => {
                let (id, from, to) = self.items.get(code).ok_or_else(|| {
                    fail(
                        "item_code",
                        format!("không có mục chương trình mã \"{code}\""),
                    )
                })?;
                let valid = mtqg_core::geo::Validity {
                    from: *from,
                    to: *to,
                };
                let year_start =
                    NaiveDate::from_ymd_opt(input.plan_year, 1, 1).expect("1 January exists");
                if !valid.contains(year_start) && !valid.contains(date) {
                    return Err(fail(
                        "item_code",
                        format!(
                            "mục chương trình \"{code}\" không áp dụng cho năm {}",
                            input.plan_year
                        ),
                    ));
                }
                *id
            }
            (None, Some(project)) => project.item_id,
            (None, None) => return Err(fail("item_code", "cần mã mục chương trình".to_owned())),
        };
        let capital_type = input
            .capital_type
            .or(project.and_then(|project| project.capital_type))
            .ok_or_else(|| {
                fail(
                    "capital_type",
                    "cần loại vốn (ĐTPT hoặc sự nghiệp)".to_owned(),
                )
            })?;
        let holder = match project {
            Some(project) => Holder::Project(project.id),
            None => Holder::Unit(unit_id),
        };
        let mut to_unit_id = None;
        let mut to_project_id = None;
        let counterpart = match (&input.to_unit_code, &input.to_project_code) {
            (Some(code), None) => {
                let to = self.atlas.unit_by_code(code, date).ok_or_else(|| {
                    fail(
                        "to_unit_code",
                        format!(
                            "không có đơn vị mã \"{code}\" vào ngày {}",
                            mtqg_core::vi::format_date(date)
                        ),
                    )
                })?;
                if to.id == unit_id || !self.atlas.chain_up(to.id, date).contains(&unit_id) {
                    return Err(fail(
                        "to_unit_code",
                        format!(
                            "đơn vị nhận \"{code}\" không phải đơn vị cấp dưới của đơn vị phân bổ"
                        ),
                    ));
                }
                to_unit_id = Some(to.id);
                Some(Holder::Unit(to.id))
            }
            (None, Some(code)) => {
                let to = self.projects.get(code).ok_or_else(|| {
                    fail("to_project_code", format!("không có dự án mã \"{code}\""))
                })?;
                if to.unit_id != unit_id {
                    return Err(fail(
                        "to_project_code",
                        format!("dự án \"{code}\" không do đơn vị phân bổ quản lý"),
                    ));
                }
                to_project_id = Some(to.id);
                Some(Holder::Project(to.id))
            }
            (Some(_), Some(_)) => {
                return Err(fail(
                    "to_unit_code",
                    "chỉ ghi một trong hai: đơn vị nhận hoặc dự án nhận".to_owned(),
                ))
            }
            (None, None) => None,
        };
        let bucket = Bucket {
            item_id,
            source: input.source,
            capital_type,
            plan_year: input.plan_year,
        };
        Ok(Resolved {
            event: NewEvent {
                kind: input.kind,
                holder,
                counterpart,
                bucket,
                amount: input.amount,
                date,
                adjusts: input.adjusts,
                deadline: input.deadline,
                reason: input.reason.clone(),
            },
            unit_id,
            row: EventRow {
                kind: input.kind.key(),
                unit_id,
                project_id: project.map(|project| project.id),
                to_unit_id,
                to_project_id,
                bucket,
                amount: input.amount,
                date,
                legal_basis: input.legal_basis.clone(),
                adjusts: input.adjusts.map(EventKind::key),
                deadline: input.deadline,
                reason: input.reason.clone(),
            },
        })
    }
}

/// The daily aggregate column a measure adds to; `None` for what figures do not show on their own.
fn daily_column(holder: Holder, measure: Measure) -> Option<usize> {
    match (holder, measure) {
        // A project's allocation is already in its unit's plan (as money committed to projects).
        (Holder::Project(_), Measure::Received) => None,
        (_, Measure::MediumTerm) => Some(0),
        (_, Measure::Received) => Some(1),
        (_, Measure::ToProjects) => Some(2),
        (_, Measure::Disbursed) => Some(3),
        (_, Measure::Carried) => Some(4),
        (_, Measure::Lapsed) => Some(5),
        (_, Measure::DisbursedLate) => None,
    }
}

/// The outcome of checking a batch: problems by row, or what to write.
struct Checked {
    problems: Vec<RowProblem>,
    write: LedgerWrite,
}

impl Service {
    /// A resolver for a batch: the projects it names are looked up by code (all projects are read only when the
    /// batch names more codes than a scan costs).
    async fn resolver_for(&self, inputs: &[(usize, EventInput)]) -> Result<Resolver, ServiceError> {
        let mut codes: Vec<&str> = inputs
            .iter()
            .flat_map(|(_, input)| {
                [
                    input.project_code.as_deref(),
                    input.to_project_code.as_deref(),
                ]
            })
            .flatten()
            .collect();
        codes.sort_unstable();
        codes.dedup();
        let atlas = self.atlas().await?;
        let items = self
            .store()
            .program_items()
            .await?
            .into_iter()
            .map(|item| (item.code, (item.id, item.valid_from, item.valid_to)))
            .collect();
        let keys = if codes.len() > 20_000 {
            self.store().project_keys().await?
        } else {
            self.store().project_keys_of(&codes).await?
        };
        let projects = keys
            .into_iter()
            .map(|(id, code, unit_id, item_id, capital_type)| {
                let capital_type = CapitalType::parse(&capital_type);
                (
                    code,
                    ProjectKey {
                        id,
                        unit_id,
                        item_id,
                        capital_type,
                    },
                )
            })
            .collect();
        Ok(Resolver {
            atlas,
            items,
            projects,
        })
    }

    pub(crate) async fn deadlines(&self) -> Result<Deadlines, ServiceError> {
        let mut deadlines = Deadlines::standard();
        deadlines.extensions = self.store().extensions().await?;
        Ok(deadlines)
    }

    /// Resolves and checks events in date order against the balances inside `tx`.
    async fn check_batch(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        inputs: Vec<(usize, EventInput)>,
        batch: &str,
    ) -> Result<Checked, ServiceError> {
        let started = std::time::Instant::now();
        let resolver = self.resolver_for(&inputs).await?;
        let deadlines = self.deadlines().await?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "ledger batch: resolver ready"
        );
        let mut problems = Vec::new();
        let mut resolved = Vec::with_capacity(inputs.len());
        for (row, input) in &inputs {
            match resolver.resolve(actor, input) {
                Ok(event) => resolved.push((*row, event)),
                Err((column, message)) => problems.push(RowProblem {
                    sheet: None,
                    row: *row,
                    column: Some(column),
                    message,
                }),
            }
        }
        resolved.sort_by_key(|(row, event)| (event.event.date, *row));
        let mut balances: HashMap<(Holder, Bucket), Balance> = if resolved.len() > BULK_THRESHOLD {
            let mut years: Vec<i32> = resolved
                .iter()
                .map(|(_, r)| r.event.bucket.plan_year)
                .collect();
            years.sort_unstable();
            years.dedup();
            // Balances are stored with the unit holding them (a project's, its unit): load only those of the units the
            // batch touches, unless it touches so many that one scan is cheaper.
            let mut units: Vec<i64> = resolved
                .iter()
                .flat_map(|(_, r)| {
                    let counterpart = match r.event.counterpart {
                        Some(Holder::Unit(id)) => Some(id),
                        _ => None,
                    };
                    std::iter::once(r.unit_id).chain(counterpart)
                })
                .collect();
            units.sort_unstable();
            units.dedup();
            let filter = (units.len() <= 2_000).then_some(units.as_slice());
            tx.balances_of_years(&years, filter).await?
        } else {
            let mut res = HashMap::new();
            for (_, r) in &resolved {
                let mut holders = vec![r.event.holder];
                holders.extend(r.event.counterpart);
                res.extend(tx.balances_of(&holders, &r.event.bucket).await?);
            }
            res
        };
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            n = resolved.len(),
            "ledger batch: resolved, balances loaded"
        );
        let locks = match (resolved.first(), resolved.last()) {
            (Some((_, first)), Some((_, last))) => {
                crate::report::Locks::load(tx, first.event.date, last.event.date).await?
            }
            _ => crate::report::Locks::none(),
        };
        let mut holder_units: HashMap<Holder, i64> = HashMap::new();
        let mut touched: HashSet<(Holder, Bucket)> = HashSet::new();
        let mut daily: HashMap<DailyKey, DailyAmounts> = HashMap::new();
        let mut events = Vec::with_capacity(resolved.len());
        for (row, r) in resolved {
            if let Some(message) = locks.refusal(&resolver.atlas, r.unit_id, r.event.date) {
                problems.push(RowProblem {
                    sheet: None,
                    row,
                    column: Some("date".to_owned()),
                    message,
                });
                continue;
            }
            let bucket = r.event.bucket;
            let deadline = deadlines.deadline(&bucket);
            let deltas = match check_event(
                &r.event,
                &|holder| balances.get(&(holder, bucket)).copied().unwrap_or_default(),
                deadline,
            ) {
                Ok(deltas) => deltas,
                Err(violation) => {
                    problems.push(RowProblem {
                        sheet: None,
                        row,
                        column: Some("amount".to_owned()),
                        message: violation.to_string(),
                    });
                    continue;
                }
            };
            holder_units.insert(r.event.holder, r.unit_id);
            if let Some(Holder::Unit(id)) = r.event.counterpart {
                holder_units.insert(Holder::Unit(id), id);
            }
            if let Some(Holder::Project(_)) = r.event.counterpart {
                holder_units.insert(r.event.counterpart.expect("matched"), r.unit_id);
            }
            for delta in &deltas {
                let entry = balances.entry((delta.holder, bucket)).or_default();
                apply_delta(entry, delta);
                touched.insert((delta.holder, bucket));
                let Some(column) = daily_column(delta.holder, delta.measure) else {
                    continue;
                };
                let unit_of_delta = *holder_units.get(&delta.holder).unwrap_or(&r.unit_id);
                let mut scopes = resolver.atlas.chain_up(unit_of_delta, r.event.date);
                scopes.push(0);
                for scope in scopes {
                    let key = (
                        scope,
                        bucket.plan_year,
                        r.event.date,
                        bucket.item_id,
                        bucket.source,
                        bucket.capital_type,
                    );
                    daily.entry(key).or_default()[column] += delta.amount;
                }
            }
            if r.event.kind == EventKind::CarryOver {
                let entry = balances.entry((r.event.holder, bucket)).or_default();
                entry.carry_deadline = entry.carry_deadline.max(r.event.deadline);
                touched.insert((r.event.holder, bucket));
            }
            events.push(r.row);
        }
        let balances = touched
            .into_iter()
            .map(|key| {
                let unit_id = holder_units.get(&key.0).copied().unwrap_or_default();
                (
                    key,
                    unit_id,
                    balances.get(&key).copied().unwrap_or_default(),
                )
            })
            .collect();
        problems.sort_by_key(|problem| problem.row);
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "ledger batch: checked"
        );
        Ok(Checked {
            problems,
            write: LedgerWrite {
                batch: batch.to_owned(),
                created_by: actor.user_id,
                events,
                balances,
                daily,
            },
        })
    }

    /// Records one event (from a form or the API); every rule is checked and the write is audited.
    pub async fn record_event(&self, actor: &Actor, input: EventInput) -> Result<(), ServiceError> {
        actor.require(Permission::RecordCapital)?;
        let mut tx = self.store().begin().await?;
        let checked = self
            .check_batch(&mut tx, actor, vec![(0, input.clone())], "")
            .await?;
        if let Some(problem) = checked.problems.first() {
            if problem.message.contains("ngoài phạm vi") {
                return Err(ServiceError::Forbidden);
            }
            return Err(ServiceError::Invalid(problem.message.clone()));
        }
        tx.write_ledger(checked.write).await?;
        let mut entry = actor.audit(
            "capital.event",
            "capital_event",
            input
                .unit_code
                .clone()
                .or(input.project_code.clone())
                .unwrap_or_default(),
        );
        entry.after = Some(serde_json::json!({
            "kind": input.kind.key(), "unit": input.unit_code, "project": input.project_code,
            "to_unit": input.to_unit_code, "to_project": input.to_project_code, "item": input.item_code,
            "source": input.source.key(), "capital_type": input.capital_type.map(CapitalType::key),
            "plan_year": input.plan_year, "amount": input.amount, "date": input.date.to_string(),
            "legal_basis": input.legal_basis, "adjusts": input.adjusts.map(EventKind::key),
        }));
        if !input.reason.is_empty() {
            entry.reason = Some(input.reason);
        }
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records generated events in one transaction; any refusal is an error naming the event (generated data must
    /// obey the rules like any other). Returns the number recorded.
    pub(crate) async fn post_generated(
        &self,
        actor: &Actor,
        inputs: Vec<EventInput>,
    ) -> Result<usize, ServiceError> {
        let mut tx = self.store().begin().await?;
        let rows = inputs
            .into_iter()
            .enumerate()
            .map(|(i, input)| (i + 1, input))
            .collect();
        let checked = self.check_batch(&mut tx, actor, rows, "demo").await?;
        if let Some(problem) = checked.problems.first() {
            return Err(ServiceError::Other(anyhow::anyhow!(
                "generated event {} refused ({}): {}",
                problem.row,
                problem.column.as_deref().unwrap_or(""),
                problem.message
            )));
        }
        let n_events = checked.write.events.len();
        let started = std::time::Instant::now();
        tx.write_ledger(checked.write).await?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            n_events,
            "ledger batch: written"
        );
        let mut entry = actor.audit("capital.generate", "import", "demo".to_owned());
        entry.after = Some(serde_json::json!({ "events": n_events }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "ledger batch: committed"
        );
        Ok(n_events)
    }

    /// Imports ledger events from a CSV or XLSX file: every row is validated and checked against the rules in date
    /// order; nothing is written unless all rows pass. `progress` gets the row number every 10,000 rows.
    pub async fn import_capital(
        &self,
        actor: &Actor,
        file_name: &str,
        source: TableSource,
        dry_run: bool,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<CapitalReport, ServiceError> {
        actor.require(Permission::RecordCapital)?;
        let mut report = CapitalReport {
            file_name: file_name.to_owned(),
            ..CapitalReport::default()
        };
        let mut parser = CapitalRowParser::new();
        let mut sheet = None;
        let mut n_rows = 0;
        let visit = |event: TableEvent<'_>| match event {
            TableEvent::Head(head) => {
                sheet = head.sheet.clone();
                parser.push(1, &head.headers);
            }
            TableEvent::Row(row, cells) => {
                n_rows += 1;
                if n_rows % 10_000 == 0 {
                    progress(row);
                }
                parser.push(row, cells);
            }
        };
        let res = match source {
            TableSource::Csv(reader) => mtqg_xlsx::read_csv(reader, visit),
            TableSource::Xlsx(bytes) => {
                mtqg_xlsx::read_xlsx(std::io::Cursor::new(bytes), None, visit)
            }
        };
        report.n_rows = n_rows;
        if let Err(err) = res {
            let row = match &err {
                mtqg_xlsx::TableError::NotUtf8 { row } | mtqg_xlsx::TableError::Csv { row, .. } => {
                    *row
                }
                _ => 0,
            };
            report.add_problems(
                &sheet,
                vec![RowProblem {
                    sheet: None,
                    row,
                    column: None,
                    message: err.to_string(),
                }],
            );
            return Ok(report);
        }
        report.skipped_totals = parser.skipped_totals.clone();
        let (rows, problems) = parser.finish();
        report.add_problems(&sheet, problems);
        let inputs: Vec<(usize, EventInput)> = rows
            .into_iter()
            .map(|row| (row.row, EventInput::from(row)))
            .collect();
        let mut tx = self.store().begin().await?;
        let batch = format!(
            "{}@{}",
            file_name,
            chrono::Utc::now().format("%Y%m%dT%H%M%S")
        );
        let checked = self.check_batch(&mut tx, actor, inputs, &batch).await?;
        report.add_problems(&sheet, checked.problems);
        report.problems.sort_by_key(|problem| problem.row);
        report.n_events = checked.write.events.len();
        if dry_run || report.n_problems > 0 {
            return Ok(report);
        }
        tx.write_ledger(checked.write).await?;
        let mut entry = actor.audit("capital.import", "import", file_name.to_owned());
        entry.after = Some(
            serde_json::json!({ "rows": report.n_rows, "events": report.n_events, "batch": batch }),
        );
        tx.append_audit(entry).await?;
        tx.commit().await?;
        report.applied = true;
        Ok(report)
    }

    /// The capital summary of a unit (or the country, `None`) for a plan year as of a date, optionally for one
    /// program item and its descendants: totals, by source, children ranked, the monthly curve.
    pub async fn capital_summary(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        plan_year: i32,
        as_of: NaiveDate,
        program_code: Option<&str>,
    ) -> Result<CapitalSummary, ServiceError> {
        self.capital_summary_with(actor, unit_code, plan_year, as_of, program_code, false)
            .await
    }

    /// [`Service::capital_summary`], optionally re-based: money recorded on units that ended before `as_of`
    /// (old communes merged in 2025, an old province merged into today's) is carried onto today's units through
    /// the lineage (full edges whole, partial edges by weight; what cannot be carried is reported), and rates are
    /// recomputed from the re-based amounts.
    pub async fn capital_summary_with(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        plan_year: i32,
        as_of: NaiveDate,
        program_code: Option<&str>,
        rebased: bool,
    ) -> Result<CapitalSummary, ServiceError> {
        actor.require(Permission::ReadCapital)?;
        let atlas = self.atlas().await?;
        let unit = match (unit_code, actor.scope_unit_id) {
            (Some(code), _) => Some(self.unit_at(actor, code, as_of).await?),
            (None, Some(scope)) => Some(atlas.unit(scope, as_of).ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "đơn vị phạm vi vào ngày {}",
                    mtqg_core::vi::format_date(as_of)
                ))
            })?),
            (None, None) => None,
        };
        let (program, items) = match program_code {
            None => (None, None),
            Some(code) => {
                let catalogue = self.store().program_items().await?;
                let root = catalogue
                    .iter()
                    .find(|item| item.code == code.trim())
                    .ok_or_else(|| {
                        ServiceError::NotFound(format!("mục chương trình mã \"{}\"", code.trim()))
                    })?;
                let mut ids = vec![root.id];
                let mut i = 0;
                while i < ids.len() {
                    let parent = ids[i];
                    ids.extend(
                        catalogue
                            .iter()
                            .filter(|item| item.parent_id == Some(parent))
                            .map(|item| item.id),
                    );
                    i += 1;
                }
                (Some((root.code.clone(), root.name.clone())), Some(ids))
            }
        };
        let scope_id = unit.as_ref().map(|unit| unit.id).unwrap_or(0);
        let children: Vec<UnitAsOf> = match &unit {
            Some(unit) => atlas.children(unit.id, as_of),
            None => atlas.roots(as_of),
        };
        let mut scope_ids: Vec<i64> = children.iter().map(|child| child.id).collect();
        scope_ids.push(scope_id);
        let parent_id = unit.as_ref().and_then(|unit| unit.parent_id);
        let siblings: Vec<i64> = match (&unit, parent_id) {
            (Some(_), Some(parent)) => atlas
                .children(parent, as_of)
                .into_iter()
                .map(|sibling| sibling.id)
                .collect(),
            (Some(_), None) => atlas.roots(as_of).into_iter().map(|root| root.id).collect(),
            (None, _) => Vec::new(),
        };
        for sibling in &siblings {
            if !scope_ids.contains(sibling) {
                scope_ids.push(*sibling);
            }
        }
        let sums = self
            .store()
            .capital_sums(&scope_ids, plan_year, as_of, items.as_deref())
            .await?;
        let mut per_scope: HashMap<i64, Figures> = HashMap::new();
        let mut by_source: BTreeMap<(Source, CapitalType), Figures> = BTreeMap::new();
        for row in &sums {
            per_scope.entry(row.scope_id).or_default().add(row);
            if row.scope_id == scope_id {
                if let (Some(source), Some(ctype)) = (
                    Source::parse(&row.source),
                    CapitalType::parse(&row.capital_type),
                ) {
                    by_source.entry((source, ctype)).or_default().add(row);
                }
            }
        }
        let rebasing = match (&unit, rebased) {
            (Some(unit), true) => {
                let mut targets: Vec<i64> = scope_ids.clone();
                targets.sort_unstable();
                targets.dedup();
                let root = unit.parent_id.unwrap_or(unit.id);
                let rebasing = self
                    .rebase_into(&atlas, root, &targets, plan_year, as_of, items.as_deref())
                    .await?;
                for (id, extra) in &rebasing.extra_by_unit {
                    per_scope.entry(*id).or_default().add_figures(extra);
                }
                Some(rebasing)
            }
            _ => None,
        };
        let totals = per_scope.get(&scope_id).copied().unwrap_or_default();
        let child_rates: Vec<(i64, Option<f64>)> = children
            .iter()
            .map(|child| (child.id, per_scope.get(&child.id).and_then(Figures::rate)))
            .collect();
        let child_ranks: HashMap<i64, Option<usize>> = rank(&child_rates).into_iter().collect();
        let parent_rate = totals.rate();
        let children = children
            .into_iter()
            .map(|child| {
                let figures = per_scope.get(&child.id).copied().unwrap_or_default();
                ChildFigures {
                    rank: child_ranks.get(&child.id).copied().flatten(),
                    below_average: matches!((figures.rate(), parent_rate), (Some(own), Some(parent)) if own < parent),
                    figures,
                    unit: child,
                }
            })
            .collect();
        let rank_in_parent = if siblings.is_empty() {
            None
        } else {
            let sibling_rates: Vec<(i64, Option<f64>)> = siblings
                .iter()
                .map(|id| (*id, per_scope.get(id).and_then(Figures::rate)))
                .collect();
            rank(&sibling_rates)
                .into_iter()
                .find(|(id, _)| *id == scope_id)
                .and_then(|(_, place)| place)
                .map(|place| (place, siblings.len()))
        };
        let curve = self
            .curve(
                &atlas,
                unit.as_ref(),
                scope_id,
                plan_year,
                as_of,
                items.as_deref(),
            )
            .await?;
        let deadlines = self.deadlines().await?;
        let investment_deadline = deadlines.deadline(&Bucket {
            item_id: 0,
            source: Source::Central,
            capital_type: CapitalType::Investment,
            plan_year,
        });
        Ok(CapitalSummary {
            unit,
            plan_year,
            as_of,
            program,
            totals,
            by_source: by_source
                .into_iter()
                .map(|((source, ctype), figures)| (source, ctype, figures))
                .collect(),
            children,
            rank_in_parent,
            curve,
            investment_deadline,
            rebasing: rebasing.map(|rebasing| Rebasing {
                extra: rebasing
                    .extra_by_unit
                    .get(&scope_id)
                    .copied()
                    .unwrap_or_default(),
                ..rebasing
            }),
        })
    }

    /// Money of `plan_year` recorded on units that ended by `as_of` and fed `root`'s subtree, carried onto today's
    /// units and summed per target in `targets` (each target gets what lands in its subtree).
    async fn rebase_into(
        &self,
        atlas: &Atlas,
        root: i64,
        targets: &[i64],
        plan_year: i32,
        as_of: NaiveDate,
        items: Option<&[i64]>,
    ) -> Result<Rebasing, ServiceError> {
        use mtqg_core::geo::{rebase, UnitId};
        let mut subtree: std::collections::HashSet<i64> =
            atlas.descendant_ids(root, as_of).into_iter().collect();
        subtree.insert(root);
        let ended = |id: i64| {
            atlas
                .stored(id)
                .and_then(|unit| unit.validity.to)
                .is_some_and(|to| to <= as_of)
        };
        let candidates: std::collections::HashSet<i64> = atlas
            .lineage()
            .iter()
            .filter(|edge| edge.date <= as_of && subtree.contains(&edge.to.0) && ended(edge.from.0))
            .map(|edge| edge.from.0)
            .collect();
        // Only the topmost ended units: a unit under another candidate is counted through that one.
        let last_chain = |id: i64| {
            let last = atlas
                .stored(id)
                .and_then(|unit| unit.validity.to)
                .and_then(|to| to.pred_opt())
                .unwrap_or(as_of);
            atlas.chain_up(id, last)
        };
        let kept: Vec<i64> = candidates
            .iter()
            .copied()
            .filter(|&id| {
                last_chain(id)[1..]
                    .iter()
                    .all(|ancestor| !candidates.contains(ancestor))
            })
            .collect();
        let sums = self
            .store()
            .capital_sums(&kept, plan_year, as_of, items)
            .await?;
        let mut old: HashMap<i64, Figures> = HashMap::new();
        for row in &sums {
            old.entry(row.scope_id).or_default().add(row);
        }
        let measures: [fn(&mut Figures) -> &mut i64; 6] = [
            |f| &mut f.medium_term,
            |f| &mut f.plan,
            |f| &mut f.to_projects,
            |f| &mut f.disbursed,
            |f| &mut f.carried,
            |f| &mut f.lapsed,
        ];
        let subtree_of = |target: i64| -> std::collections::HashSet<i64> {
            let mut set: std::collections::HashSet<i64> =
                atlas.descendant_ids(target, as_of).into_iter().collect();
            set.insert(target);
            set
        };
        let target_sets: Vec<(i64, std::collections::HashSet<i64>)> = targets
            .iter()
            .map(|&target| (target, subtree_of(target)))
            .collect();
        let mut extra: HashMap<i64, Figures> = HashMap::new();
        let mut not_rebasable_plan = 0;
        let mut not_rebasable_units = Vec::new();
        for (&old_id, figures) in &old {
            let chain = last_chain(old_id);
            let edges: Vec<mtqg_core::geo::RebaseEdge> = atlas
                .lineage()
                .iter()
                .filter(|edge| edge.from.0 == old_id && edge.date <= as_of)
                .cloned()
                .collect();
            let mut landed: HashMap<i64, Figures> = HashMap::new();
            for (m, measure) in measures.iter().enumerate() {
                let mut figures = *figures;
                let value = *measure(&mut figures);
                if value == 0 {
                    continue;
                }
                let result = rebase(
                    &std::collections::BTreeMap::from([(UnitId(old_id), value)]),
                    &edges,
                );
                for (unit, value) in result.values {
                    if subtree.contains(&unit.0) {
                        *measure(landed.entry(unit.0).or_default()) += value;
                    }
                }
                if m == 1 && !result.not_rebasable.is_empty() {
                    not_rebasable_plan += result
                        .not_rebasable
                        .iter()
                        .map(|(_, value, _)| value)
                        .sum::<i64>();
                    if let Some(stored) = atlas.stored(old_id) {
                        not_rebasable_units.push(stored.code.clone());
                    }
                }
            }
            // A target whose own aggregates already hold this old unit (a continuing province) gets nothing more.
            for (target, set) in &target_sets {
                if chain.iter().any(|ancestor| set.contains(ancestor)) {
                    continue;
                }
                for (unit, figures) in &landed {
                    if set.contains(unit) {
                        extra.entry(*target).or_default().add_figures(figures);
                    }
                }
            }
        }
        let mut from: Vec<String> = kept
            .iter()
            .filter(|id| old.contains_key(id))
            .filter_map(|id| atlas.stored(*id).map(|unit| unit.code.clone()))
            .collect();
        from.sort();
        not_rebasable_units.sort();
        not_rebasable_units.dedup();
        Ok(Rebasing {
            extra_by_unit: extra,
            extra: Figures::default(),
            from_units: from,
            not_rebasable_plan,
            not_rebasable_units,
        })
    }

    /// Cumulative disbursement per month against the cumulative commitments of the scope's projects.
    async fn curve(
        &self,
        atlas: &Atlas,
        unit: Option<&UnitAsOf>,
        scope_id: i64,
        plan_year: i32,
        as_of: NaiveDate,
        items: Option<&[i64]>,
    ) -> Result<Vec<MonthPoint>, ServiceError> {
        let days = self
            .store()
            .capital_days(scope_id, plan_year, as_of, items)
            .await?;
        let unit_ids: Vec<i64> = match unit {
            Some(unit) => {
                let mut ids = atlas.descendant_ids(unit.id, as_of);
                ids.push(unit.id);
                ids
            }
            None => Vec::new(),
        };
        let commitments = match unit {
            Some(_) => self.store().commitments_of_units(&unit_ids).await?,
            None => Vec::new(),
        };
        let month_of = |date: NaiveDate| {
            NaiveDate::from_ymd_opt(date.year(), date.month(), 1).expect("first of month")
        };
        let mut months: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
        let first = NaiveDate::from_ymd_opt(plan_year, 1, 1).expect("1 January exists");
        let mut month = first;
        while month <= as_of && month < first + chrono::Duration::days(800) {
            months.insert(month, (0, 0));
            month = mtqg_core::money::next_month(month);
        }
        for (day, amount) in days {
            months.entry(month_of(day)).or_default().0 += amount;
        }
        for (committed_month, amount) in commitments {
            if committed_month.year() >= plan_year && committed_month <= as_of {
                months.entry(month_of(committed_month)).or_default().1 += amount;
            }
        }
        let (mut disbursed, mut committed) = (0, 0);
        Ok(months
            .into_iter()
            .map(|(month, (d, c))| {
                disbursed += d;
                committed += c;
                MonthPoint {
                    month,
                    disbursed_cumulative: disbursed,
                    committed_cumulative: committed,
                }
            })
            .collect())
    }

    /// The holders whose money is projected to lapse, largest first, at most `limit` (see `lapse_projection`).
    pub async fn will_lapse(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        plan_year: i32,
        as_of: NaiveDate,
        limit: usize,
    ) -> Result<Vec<LapseRow>, ServiceError> {
        let mut rows = self
            .lapse_projection(actor, unit_code, plan_year, as_of)
            .await?;
        rows.truncate(limit);
        // Names only for the rows shown: a country's list has tens of thousands of holders.
        let project_ids: Vec<i64> = rows
            .iter()
            .filter_map(|(row, _)| match row.holder {
                Holder::Project(id) => Some(id),
                Holder::Unit(_) => None,
            })
            .collect();
        let projects = self.store().project_codes(&project_ids).await?;
        let atlas = self.atlas().await?;
        Ok(rows
            .into_iter()
            .map(|(mut row, unit_id)| {
                row.label = match row.holder {
                    Holder::Project(id) => {
                        format!("Dự án {}", projects.get(&id).cloned().unwrap_or_default())
                    }
                    Holder::Unit(_) => "Vốn chưa phân bổ cho dự án".to_owned(),
                };
                row.unit = atlas.unit(unit_id, as_of);
                row
            })
            .collect())
    }

    /// How much is projected to lapse in all and for how many holders (the dashboard's card).
    pub async fn will_lapse_total(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        plan_year: i32,
        as_of: NaiveDate,
    ) -> Result<(i64, usize), ServiceError> {
        let rows = self
            .lapse_projection(actor, unit_code, plan_year, as_of)
            .await?;
        Ok((rows.iter().map(|(row, _)| row.will_lapse).sum(), rows.len()))
    }

    /// Every holder of `plan_year`'s money under a unit (or the actor's scope, or the country) whose money left is
    /// projected to lapse at its deadline at the recent pace, largest first, with the holder's unit id; labels and
    /// units are left for the caller to fill.
    async fn lapse_projection(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        plan_year: i32,
        as_of: NaiveDate,
    ) -> Result<Vec<(LapseRow, i64)>, ServiceError> {
        actor.require(Permission::ReadCapital)?;
        let atlas = self.atlas().await?;
        let root = match (unit_code, actor.scope_unit_id) {
            (Some(code), _) => Some(self.unit_at(actor, code, as_of).await?.id),
            (None, scope) => scope,
        };
        let unit_ids = root.map(|root| {
            let mut ids = atlas.descendant_ids(root, as_of);
            ids.push(root);
            ids
        });
        let remaining = self
            .store()
            .remaining_of_year(plan_year, unit_ids.as_deref())
            .await?;
        let window_start = as_of - chrono::Duration::days(PACE_WINDOW_DAYS - 1);
        let holder_of = |row: &mtqg_store::HolderRemaining| {
            if row.holder_kind == "unit" {
                Holder::Unit(row.holder_id)
            } else {
                Holder::Project(row.holder_id)
            }
        };
        // A scope reads the pace of its own holders only; the country reads the whole window at once.
        let holders: Option<Vec<Holder>> = unit_ids
            .is_some()
            .then(|| remaining.iter().map(holder_of).collect());
        let recent = self
            .store()
            .disbursed_between(plan_year, window_start, as_of, holders.as_deref())
            .await?;
        let deadlines = self.deadlines().await?;
        let mut res = Vec::new();
        for row in &remaining {
            let (Some(source), Some(ctype)) = (
                Source::parse(&row.source),
                CapitalType::parse(&row.capital_type),
            ) else {
                continue;
            };
            let bucket = Bucket {
                item_id: row.item_id,
                source,
                capital_type: ctype,
                plan_year,
            };
            let deadline = deadlines
                .deadline(&bucket)
                .max(row.carry_deadline.unwrap_or(NaiveDate::MIN));
            let holder = holder_of(row);
            let left = row.received - row.to_projects - row.disbursed - row.lapsed;
            let pace = recent.get(&holder).copied().unwrap_or(0);
            let will_lapse = projected_lapse(left, pace, PACE_WINDOW_DAYS, as_of, deadline);
            if will_lapse <= 0 {
                continue;
            }
            res.push((
                LapseRow {
                    holder,
                    label: String::new(),
                    unit: None,
                    source: source.label().to_owned(),
                    capital_type: ctype.label().to_owned(),
                    remaining: left,
                    recent: pace,
                    deadline,
                    will_lapse,
                },
                row.unit_id,
            ));
        }
        res.sort_by_key(|(row, _)| std::cmp::Reverse(row.will_lapse));
        Ok(res)
    }

    /// The XLSX import template for plans, allocations and disbursement, with an instructions sheet.
    pub fn capital_template(&self) -> Result<Vec<u8>, ServiceError> {
        let text = |value: &str| Cell::Text(value.to_owned());
        let example = vec![
            vec![
                Cell::Number(1.0),
                text("Giao kế hoạch vốn năm"),
                text("15/01/2024"),
                Cell::Number(2024.0),
                text("38"),
                text(""),
                text("GNBV.DA1"),
                text("NSTW"),
                text("ĐTPT"),
                text("58.759,9"),
                text(""),
                text(""),
                text("QĐ 123/QĐ-UBND ngày 10/01/2024"),
                text(""),
                text(""),
            ],
            vec![
                Cell::Number(2.0),
                text("Phân bổ"),
                text("20/01/2024"),
                Cell::Number(2024.0),
                text("38"),
                text(""),
                text("GNBV.DA1"),
                text("NSTW"),
                text("ĐTPT"),
                text("1.200"),
                text("14848"),
                text(""),
                text("QĐ 150/QĐ-UBND ngày 20/01/2024"),
                text(""),
                text(""),
            ],
            vec![
                Cell::Number(3.0),
                text("Giải ngân"),
                text("15/03/2024"),
                Cell::Number(2024.0),
                text("14848"),
                text(""),
                text("GNBV.DA1"),
                text("NSTW"),
                text("ĐTPT"),
                text("350,5"),
                text(""),
                text(""),
                text(""),
                text(""),
                text(""),
            ],
        ];
        let guide = [
            "Mỗi dòng là một nghiệp vụ: Kế hoạch trung hạn, Giao kế hoạch vốn năm, Phân bổ, Điều chỉnh, Giải ngân, Chuyển nguồn, Hủy hoàn trả.",
            "Số tiền tính bằng triệu đồng (ghi \"(đồng)\" hoặc \"(tỷ đồng)\" trong tiêu đề cột để đổi đơn vị).",
            "Số viết theo kiểu Việt Nam: dấu chấm phân cách hàng nghìn, dấu phẩy thập phân: 1.234,5. Chú ý: \"1,234\" được hiểu là một phẩy hai ba bốn; \"1.5\" bị từ chối vì không rõ.",
            "Không nhận số lẻ dưới 1 đồng; chỉ dòng Điều chỉnh được ghi số âm, và phải có lý do (cột reason) và nghiệp vụ được điều chỉnh (cột adjusts).",
            "Phân bổ: ghi đơn vị cấp dưới nhận (to_unit_code) hoặc dự án nhận (to_project_code). Giải ngân của dự án: ghi project_code.",
            "Ngày viết dd/mm/yyyy hoặc yyyy-mm-dd. Đơn vị phải tồn tại vào ngày của nghiệp vụ. Dòng \"Tổng cộng\" được bỏ qua.",
            "Tệp được kiểm tra toàn bộ trước khi ghi; có lỗi ở bất kỳ dòng nào thì không ghi dòng nào.",
        ];
        let sheets = [
            SheetData {
                name: "Nghiệp vụ vốn".to_owned(),
                headers: TEMPLATE_HEADERS
                    .iter()
                    .map(|header| (*header).to_owned())
                    .collect(),
                rows: example,
            },
            SheetData {
                name: "Hướng dẫn".to_owned(),
                headers: vec!["Hướng dẫn".to_owned()],
                rows: guide.iter().map(|line| vec![text(line)]).collect(),
            },
        ];
        mtqg_xlsx::write_xlsx(&sheets).map_err(|err| ServiceError::Other(err.into()))
    }
}

/// The capital summary's table (the scope, then its children) as an XLSX sheet, amounts in `unit`.
pub fn summary_xlsx(
    summary: &CapitalSummary,
    unit: mtqg_core::money::MoneyUnit,
) -> Result<Vec<u8>, ServiceError> {
    let amount = |dong: i64| Cell::Number(dong as f64 / unit.factor() as f64);
    let rate = |figures: &Figures| {
        figures
            .rate()
            .map(|rate| Cell::Number((rate * 1000.0).round() / 10.0))
            .unwrap_or(Cell::Text(String::new()))
    };
    let row = |code: &str, name: &str, figures: &Figures, rank: Option<usize>| {
        vec![
            Cell::Text(code.to_owned()),
            Cell::Text(name.to_owned()),
            amount(figures.plan),
            amount(figures.to_projects),
            amount(figures.disbursed),
            amount(figures.remaining()),
            rate(figures),
            rank.map(|rank| Cell::Number(rank as f64))
                .unwrap_or(Cell::Text(String::new())),
        ]
    };
    let mut rows = vec![row(
        summary
            .unit
            .as_ref()
            .map(|unit| unit.code.as_str())
            .unwrap_or(""),
        &summary
            .unit
            .as_ref()
            .map(|unit| unit.name.clone())
            .unwrap_or_else(|| "Toàn quốc".to_owned()),
        &summary.totals,
        summary.rank_in_parent.map(|(place, _)| place),
    )];
    rows.extend(summary.children.iter().map(|child| {
        row(
            &child.unit.code,
            &child.unit.name,
            &child.figures,
            child.rank,
        )
    }));
    let label = unit.label();
    let sheet = SheetData {
        name: format!("Vốn năm {}", summary.plan_year),
        headers: vec![
            "Mã".to_owned(),
            "Đơn vị".to_owned(),
            format!("Kế hoạch ({label})"),
            format!("Phân bổ cho dự án ({label})"),
            format!(
                "Giải ngân đến {} ({label})",
                mtqg_core::vi::format_date(summary.as_of)
            ),
            format!("Còn lại ({label})"),
            "Tỷ lệ giải ngân (%)".to_owned(),
            "Xếp hạng".to_owned(),
        ],
        rows,
    };
    mtqg_xlsx::write_xlsx(&[sheet]).map_err(|err| ServiceError::Other(err.into()))
}

/// The will-lapse list as an XLSX sheet, amounts in `unit`.
pub fn lapse_xlsx(
    rows: &[LapseRow],
    unit: mtqg_core::money::MoneyUnit,
) -> Result<Vec<u8>, ServiceError> {
    let amount = |dong: i64| Cell::Number(dong as f64 / unit.factor() as f64);
    let label = unit.label();
    let sheet = SheetData {
        name: "Nguy cơ hủy vốn".to_owned(),
        headers: vec![
            "Dự án / vốn".to_owned(),
            "Đơn vị".to_owned(),
            "Nguồn vốn".to_owned(),
            "Loại vốn".to_owned(),
            format!("Còn lại ({label})"),
            format!("Giải ngân 90 ngày qua ({label})"),
            "Hạn giải ngân".to_owned(),
            format!("Nguy cơ hủy ({label})"),
        ],
        rows: rows
            .iter()
            .map(|row| {
                vec![
                    Cell::Text(row.label.clone()),
                    Cell::Text(
                        row.unit
                            .as_ref()
                            .map(|unit| unit.name.clone())
                            .unwrap_or_default(),
                    ),
                    Cell::Text(row.source.clone()),
                    Cell::Text(row.capital_type.clone()),
                    amount(row.remaining),
                    amount(row.recent),
                    Cell::Text(mtqg_core::vi::format_date(row.deadline)),
                    amount(row.will_lapse),
                ]
            })
            .collect(),
    };
    mtqg_xlsx::write_xlsx(&[sheet]).map_err(|err| ServiceError::Other(err.into()))
}

/// A project list as an XLSX sheet, amounts in triệu đồng.
pub fn projects_xlsx(projects: &[mtqg_store::ProjectRecord]) -> Result<Vec<u8>, ServiceError> {
    let sheet = SheetData {
        name: "Dự án".to_owned(),
        headers: [
            "Mã dự án",
            "Tên dự án",
            "Chủ đầu tư",
            "Loại vốn",
            "Nguồn vốn",
            "Tổng mức đầu tư (triệu đồng)",
            "Quyết định phê duyệt",
            "Khởi công",
            "Hoàn thành",
            "Tình trạng",
            "Nhà thầu",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: projects
            .iter()
            .map(|project| {
                vec![
                    Cell::Text(project.code.clone()),
                    Cell::Text(project.name.clone()),
                    Cell::Text(project.investor.clone()),
                    Cell::Text(
                        CapitalType::parse(&project.capital_type)
                            .map(CapitalType::label)
                            .unwrap_or("")
                            .to_owned(),
                    ),
                    Cell::Text(project.sources.clone()),
                    Cell::Number(project.total_investment as f64 / 1e6),
                    Cell::Text(project.approval.clone()),
                    Cell::Text(
                        project
                            .start_date
                            .map(mtqg_core::vi::format_date)
                            .unwrap_or_default(),
                    ),
                    Cell::Text(
                        project
                            .end_date
                            .map(mtqg_core::vi::format_date)
                            .unwrap_or_default(),
                    ),
                    Cell::Text(
                        crate::projects::label_of(&crate::projects::STATUSES, &project.status)
                            .to_owned(),
                    ),
                    Cell::Text(project.contractors.clone()),
                ]
            })
            .collect(),
    };
    mtqg_xlsx::write_xlsx(&[sheet]).map_err(|err| ServiceError::Other(err.into()))
}

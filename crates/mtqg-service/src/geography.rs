//! Geography use cases: browsing units as of a date, search, history and lineage, imports and edge corrections.

use std::io::Read;

use chrono::NaiveDate;
use mtqg_core::access::Permission;
use mtqg_core::atlas::{LevelTypeCount, UnitAsOf};
use mtqg_core::geo::{Level, LineageKind};
use mtqg_core::import::{
    detect_kind, plan_crosswalk_import, plan_grouping_import, plan_unit_import, CrosswalkRowParser,
    EdgeChange, GroupingRef, GroupingRowParser, ImportKind, RowProblem, UnitChange,
    UnitImportOptions, UnitRowParser,
};
use mtqg_store::{EdgeRecord, Tx, VersionRecord};
use mtqg_xlsx::{TableError, TableEvent};

use crate::auth::Actor;
use crate::{Service, ServiceError};

/// At most this many changes are described in a report.
const MAX_SAMPLES: usize = 200;

/// The most units a search returns.
const SEARCH_LIMIT: usize = 50;

/// Where the rows of an import come from.
pub enum TableSource {
    /// A CSV stream, read row by row.
    Csv(Box<dyn Read + Send>),
    /// An XLSX workbook in memory.
    Xlsx(Vec<u8>),
}

impl TableSource {
    /// Chooses the reader from the file name and first bytes.
    pub fn from_bytes(file_name: &str, bytes: Vec<u8>) -> TableSource {
        match mtqg_xlsx::Format::detect(file_name, &bytes) {
            mtqg_xlsx::Format::Xlsx => TableSource::Xlsx(bytes),
            mtqg_xlsx::Format::Csv => TableSource::Csv(Box::new(std::io::Cursor::new(bytes))),
        }
    }
}

/// How to run an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The date a unit list describes (rows without `valid_from` take effect then).
    pub as_of: Option<NaiveDate>,
    /// Only report what would change.
    pub dry_run: bool,
    /// Write the valid rows even when other rows have problems (the explicit opt-in; default is all or nothing).
    pub accept_valid: bool,
    /// The worksheet to read from an XLSX file; the first one when `None`.
    pub sheet: Option<String>,
    /// Whether units missing from a unit list (under the parents it covers) end on `as_of`.
    pub end_missing: bool,
}

/// What an import found and did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub file_name: String,
    pub kind: Option<ImportKind>,
    pub n_rows: usize,
    pub n_new: usize,
    pub n_changed: usize,
    pub n_ended: usize,
    pub n_unchanged: usize,
    /// The first problems, each with sheet, row and column.
    pub problems: Vec<RowProblem>,
    pub n_problems: usize,
    /// Whether anything was written.
    pub applied: bool,
    /// Human-readable lines describing the first changes.
    pub samples: Vec<String>,
}

impl ImportReport {
    fn new(file_name: &str) -> ImportReport {
        ImportReport {
            file_name: file_name.to_owned(),
            kind: None,
            n_rows: 0,
            n_new: 0,
            n_changed: 0,
            n_ended: 0,
            n_unchanged: 0,
            problems: Vec::new(),
            n_problems: 0,
            applied: false,
            samples: Vec::new(),
        }
    }

    fn add_problems(&mut self, sheet: &Option<String>, problems: Vec<RowProblem>) {
        crate::keep_problems(&mut self.problems, &mut self.n_problems, sheet, problems);
    }

    /// One problem as a sentence naming the file, sheet, row and column.
    pub fn describe(&self, problem: &RowProblem) -> String {
        let mut res = self.file_name.clone();
        if let Some(sheet) = &problem.sheet {
            res.push_str(&format!(", trang \"{sheet}\""));
        }
        if problem.row > 0 {
            res.push_str(&format!(", dòng {}", problem.row));
        }
        if let Some(column) = &problem.column {
            res.push_str(&format!(", cột \"{column}\""));
        }
        res.push_str(": ");
        res.push_str(&problem.message);
        res
    }
}

/// Everything the unit page shows.
#[derive(Debug, Clone)]
pub struct UnitPage {
    pub date: NaiveDate,
    pub unit: UnitAsOf,
    pub path: Vec<UnitAsOf>,
    pub children: Vec<UnitAsOf>,
    pub counts: Vec<LevelTypeCount>,
    /// The groupings (region, zone, …) the unit belongs to on the date.
    pub groupings: Vec<crate::groupings::UnitGrouping>,
    pub versions: Vec<VersionRecord>,
    pub predecessors: Vec<EdgeRecord>,
    pub successors: Vec<EdgeRecord>,
}

/// Rows of one table, typed.
enum Parsed {
    Units(Vec<mtqg_core::import::UnitRow>),
    Crosswalk(Vec<mtqg_core::import::CrosswalkRow>),
    Groupings(Vec<mtqg_core::import::GroupingRow>),
}

enum Parser {
    Undecided,
    Units(UnitRowParser),
    Crosswalk(CrosswalkRowParser),
    Groupings(GroupingRowParser),
}

/// Reads a whole table into typed rows, recording every problem in the report.
/// `progress` gets the row number every 1,000 rows. `None` when the file or its header is unusable.
fn parse_table(
    source: TableSource,
    sheet: Option<&str>,
    report: &mut ImportReport,
    progress: &(dyn Fn(usize) + Sync),
) -> Option<(Option<String>, Parsed)> {
    let mut parser = Parser::Undecided;
    let mut head_problems = Vec::new();
    let mut head_sheet = None;
    let mut n_rows = 0;
    let visit = |event: TableEvent<'_>| match event {
        TableEvent::Head(head) => {
            head_sheet = head.sheet.clone();
            match detect_kind(&head.headers) {
                Some(ImportKind::Units) => match UnitRowParser::new(&head.headers) {
                    Ok(units) => parser = Parser::Units(units),
                    Err(problems) => head_problems = problems,
                },
                Some(ImportKind::Crosswalk) => match CrosswalkRowParser::new(&head.headers) {
                    Ok(crosswalk) => parser = Parser::Crosswalk(crosswalk),
                    Err(problems) => head_problems = problems,
                },
                Some(ImportKind::Groupings) => match GroupingRowParser::new(&head.headers) {
                    Ok(groupings) => parser = Parser::Groupings(groupings),
                    Err(problems) => head_problems = problems,
                },
                None => head_problems.push(RowProblem {
                    sheet: None,
                    row: 1,
                    column: None,
                    message: "không nhận ra loại tệp: danh sách đơn vị cần các cột code, name, type, parent_code; \
                              bảng chuyển đổi cần các cột old_code, new_code, kind, date; \
                              danh sách thành viên nhóm cần các cột grouping_code, unit_code"
                        .to_owned(),
                }),
            }
        }
        TableEvent::Row(row, cells) => {
            n_rows += 1;
            if n_rows % 1000 == 0 {
                progress(row);
            }
            match &mut parser {
                Parser::Units(units) => units.push(row, cells),
                Parser::Crosswalk(crosswalk) => crosswalk.push(row, cells),
                Parser::Groupings(groupings) => groupings.push(row, cells),
                Parser::Undecided => {}
            }
        }
    };
    let res = match source {
        TableSource::Csv(reader) => mtqg_xlsx::read_csv(reader, visit),
        TableSource::Xlsx(bytes) => mtqg_xlsx::read_xlsx(std::io::Cursor::new(bytes), sheet, visit),
    };
    report.n_rows = n_rows;
    if let Err(err) = res {
        let row = match &err {
            TableError::NotUtf8 { row } | TableError::Csv { row, .. } => *row,
            _ => 0,
        };
        report.add_problems(
            &head_sheet,
            vec![RowProblem {
                sheet: None,
                row,
                column: None,
                message: err.to_string(),
            }],
        );
        return None;
    }
    if !head_problems.is_empty() {
        report.add_problems(&head_sheet, head_problems);
        return None;
    }
    let parsed = match parser {
        Parser::Undecided => return None,
        Parser::Units(units) => {
            report.kind = Some(ImportKind::Units);
            let (rows, problems) = units.finish();
            report.add_problems(&head_sheet, problems);
            Parsed::Units(rows)
        }
        Parser::Crosswalk(crosswalk) => {
            report.kind = Some(ImportKind::Crosswalk);
            let (rows, problems) = crosswalk.finish();
            report.add_problems(&head_sheet, problems);
            Parsed::Crosswalk(rows)
        }
        Parser::Groupings(groupings) => {
            report.kind = Some(ImportKind::Groupings);
            let (rows, problems) = groupings.finish();
            report.add_problems(&head_sheet, problems);
            Parsed::Groupings(rows)
        }
    };
    Some((head_sheet, parsed))
}

/// Plans a parsed table against the state inside `tx` and, unless the report says otherwise, writes it.
async fn plan_and_apply(
    tx: &mut Tx,
    sheet: &Option<String>,
    parsed: Parsed,
    options: &ImportOptions,
    end_note: Option<String>,
    report: &mut ImportReport,
) -> Result<(), ServiceError> {
    let state = tx.geo_state().await?;
    match parsed {
        Parsed::Units(rows) => {
            let plan = plan_unit_import(
                &rows,
                &state,
                &UnitImportOptions {
                    as_of: options.as_of,
                    end_missing: options.end_missing,
                    end_note,
                },
            );
            let (n_new, n_changed, n_ended) = plan.counts();
            (
                report.n_new,
                report.n_changed,
                report.n_ended,
                report.n_unchanged,
            ) = (n_new, n_changed, n_ended, plan.unchanged);
            report.add_problems(sheet, plan.problems.clone());
            report.samples = plan
                .changes
                .iter()
                .take(MAX_SAMPLES)
                .map(describe_unit_change)
                .collect();
            if may_write(options, report) {
                tx.apply_unit_plan(&plan).await?;
                report.applied = true;
            }
        }
        Parsed::Crosswalk(rows) => {
            let plan = plan_crosswalk_import(&rows, &state);
            report.n_new = plan
                .changes
                .iter()
                .filter(|change| matches!(change, EdgeChange::New { .. }))
                .count();
            report.n_changed = plan.changes.len() - report.n_new;
            report.n_unchanged = plan.unchanged;
            report.add_problems(sheet, plan.problems.clone());
            report.samples = plan
                .changes
                .iter()
                .take(MAX_SAMPLES)
                .map(|change| match change {
                    EdgeChange::New { row, .. } => {
                        format!(
                            "Thêm: {} → {} ({}), {}",
                            row.old_code,
                            row.new_code,
                            row.kind.label(),
                            mtqg_core::vi::format_date(row.date)
                        )
                    }
                    EdgeChange::Changed { row, .. } => {
                        format!(
                            "Sửa: {} → {} thành {}",
                            row.old_code,
                            row.new_code,
                            row.kind.label()
                        )
                    }
                })
                .collect();
            if may_write(options, report) {
                tx.apply_crosswalk_plan(&plan).await?;
                report.applied = true;
            }
        }
        Parsed::Groupings(rows) => {
            let (groupings, memberships) = tx.grouping_state().await?;
            let plan = plan_grouping_import(&rows, &state, &groupings, &memberships);
            report.n_new = plan.new_memberships.len();
            report.n_unchanged = plan.unchanged;
            report.add_problems(sheet, plan.problems.clone());
            report.samples = plan
                .new_groupings
                .iter()
                .map(|grouping| {
                    format!(
                        "Nhóm mới: {} {} ({})",
                        grouping.code,
                        grouping.name,
                        grouping.category.label()
                    )
                })
                .chain(plan.new_memberships.iter().map(|membership| {
                    let code = match &membership.grouping {
                        GroupingRef::Existing(id) => groupings
                            .iter()
                            .find(|grouping| grouping.id == *id)
                            .map(|grouping| grouping.code.clone())
                            .unwrap_or_default(),
                        GroupingRef::New(code) => code.clone(),
                    };
                    format!(
                        "Thêm {} vào nhóm {code}{}",
                        membership.unit_code,
                        membership
                            .validity
                            .from
                            .map(|from| format!(" từ {}", mtqg_core::vi::format_date(from)))
                            .unwrap_or_default()
                    )
                }))
                .take(MAX_SAMPLES)
                .collect();
            if may_write(options, report) {
                tx.apply_grouping_plan(&plan).await?;
                report.applied = true;
            }
        }
    }
    Ok(())
}

fn may_write(options: &ImportOptions, report: &ImportReport) -> bool {
    !options.dry_run && (report.n_problems == 0 || options.accept_valid)
}

fn describe_unit_change(change: &UnitChange) -> String {
    match change {
        UnitChange::New {
            code,
            attrs,
            validity,
            ..
        } => format!(
            "Thêm mới: {code} {}{}",
            attrs.name,
            validity
                .from
                .map(|from| format!(" từ {}", mtqg_core::vi::format_date(from)))
                .unwrap_or_default()
        ),
        UnitChange::Changed {
            code,
            before,
            after,
            from,
            ..
        } => {
            let mut parts = Vec::new();
            if before.name != after.name {
                parts.push(format!("tên \"{}\" → \"{}\"", before.name, after.name));
            }
            if before.unit_type != after.unit_type {
                parts.push(format!("loại {} → {}", before.unit_type, after.unit_type));
            }
            if before.parent_code != after.parent_code {
                let show = |code: &Option<mtqg_core::geo::UnitCode>| {
                    code.as_ref()
                        .map(|code| code.to_string())
                        .unwrap_or_else(|| "—".to_owned())
                };
                parts.push(format!(
                    "cấp trên {} → {}",
                    show(&before.parent_code),
                    show(&after.parent_code)
                ));
            }
            if before.short_name != after.short_name && parts.is_empty() {
                parts.push(format!(
                    "tên ngắn \"{}\" → \"{}\"",
                    before.short_name, after.short_name
                ));
            }
            format!(
                "Thay đổi: {code} từ {}: {}",
                mtqg_core::vi::format_date(*from),
                parts.join("; ")
            )
        }
        UnitChange::Ended { code, last, at, .. } => {
            format!(
                "Chấm dứt: {code} {} từ {}",
                last.name,
                mtqg_core::vi::format_date(*at)
            )
        }
    }
}

impl Service {
    /// Imports a unit list or a crosswalk: validates every row, compares with stored units, and writes
    /// everything in one transaction, or nothing if any row has a problem (unless `accept_valid`).
    pub async fn import_geography(
        &self,
        actor: &Actor,
        file_name: &str,
        source: TableSource,
        options: &ImportOptions,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<ImportReport, ServiceError> {
        actor.require(Permission::ImportGeography)?;
        let mut report = ImportReport::new(file_name);
        let Some((sheet, parsed)) =
            parse_table(source, options.sheet.as_deref(), &mut report, progress)
        else {
            return Ok(report);
        };
        let mut tx = self.store.begin().await?;
        plan_and_apply(&mut tx, &sheet, parsed, options, None, &mut report).await?;
        if report.applied {
            let mut entry = actor.audit("geography.import", "import", file_name.to_owned());
            entry.after = Some(serde_json::json!({
                "kind": report.kind.map(ImportKind::key),
                "as_of": options.as_of.map(|date| date.to_string()),
                "rows": report.n_rows,
                "new": report.n_new,
                "changed": report.n_changed,
                "ended": report.n_ended,
                "skipped_problems": report.n_problems,
                "changes": report.samples,
            }));
            tx.append_audit(entry).await?;
            tx.commit().await?;
        }
        Ok(report)
    }

    /// Loads the shipped official units of both eras and the 2025 crosswalk into an empty database, in one
    /// transaction. Returns `None` when units are already stored.
    pub async fn load_shipped_geography(
        &self,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<Option<Vec<ImportReport>>, ServiceError> {
        let (n_units, _, _) = self.store.geo_totals().await?;
        if n_units > 0 {
            return Ok(None);
        }
        let mut tx = self.store.begin().await?;
        let mut reports = Vec::new();
        for step in crate::shipped::STEPS {
            progress(step.file);
            let mut report = ImportReport::new(step.file);
            let options = ImportOptions {
                as_of: step.as_of(),
                end_missing: true,
                ..ImportOptions::default()
            };
            let source = TableSource::Csv(Box::new(step.bytes));
            let Some((sheet, parsed)) = parse_table(source, None, &mut report, &|_| {}) else {
                return Err(ServiceError::Other(anyhow::anyhow!(
                    "shipped file {} is unreadable: {:?}",
                    step.file,
                    report.problems
                )));
            };
            plan_and_apply(
                &mut tx,
                &sheet,
                parsed,
                &options,
                step.end_note.map(str::to_owned),
                &mut report,
            )
            .await?;
            if report.n_problems > 0 {
                return Err(ServiceError::Other(anyhow::anyhow!(
                    "shipped file {} has {} problems, first: {}",
                    step.file,
                    report.n_problems,
                    report.describe(&report.problems[0])
                )));
            }
            reports.push(report);
        }
        let mut entry = Actor::system().audit("geography.seed", "import", "shipped".to_owned());
        entry.after = Some(serde_json::json!(reports
            .iter()
            .map(|report| serde_json::json!({"file": report.file_name, "new": report.n_new, "changed": report.n_changed, "ended": report.n_ended}))
            .collect::<Vec<_>>()));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        // Without fresh statistics PostgreSQL plans the as-of queries badly right after the load.
        self.store.analyze().await?;
        Ok(Some(reports))
    }

    /// The unit with `code` on `date`, within the actor's scope.
    pub async fn unit_at(
        &self,
        actor: &Actor,
        code: &str,
        date: NaiveDate,
    ) -> Result<UnitAsOf, ServiceError> {
        actor.require(Permission::ReadGeography)?;
        let unit = self
            .atlas()
            .await?
            .unit_by_code(code.trim(), date)
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "đơn vị mã \"{}\" vào ngày {}",
                    code.trim(),
                    mtqg_core::vi::format_date(date)
                ))
            })?;
        self.require_scope(actor, unit.id).await?;
        Ok(unit)
    }

    /// Everything the unit page shows: the unit on `date`, its path, children, counts, history and lineage.
    /// A code that was not valid on `date` is shown as of its last day, so old units stay reachable.
    pub async fn unit_page(
        &self,
        actor: &Actor,
        code: &str,
        date: NaiveDate,
    ) -> Result<UnitPage, ServiceError> {
        actor.require(Permission::ReadGeography)?;
        let code = code.trim();
        let atlas = self.atlas().await?;
        let (unit, date) = match atlas.unit_by_code(code, date) {
            Some(unit) => (unit, date),
            None => {
                // The code may belong to a unit that ended before (or started after) the date: show the nearest one.
                let nearest = atlas
                    .units_with_code(code)
                    .into_iter()
                    .map(|unit| match (unit.validity.to, unit.validity.from) {
                        (Some(to), _) if to <= date => to.pred_opt().unwrap_or(to),
                        (_, Some(from)) if from > date => from,
                        _ => date,
                    })
                    .next();
                let Some(nearest) = nearest else {
                    return Err(ServiceError::NotFound(format!("đơn vị mã \"{code}\"")));
                };
                let unit = atlas
                    .unit_by_code(code, nearest)
                    .ok_or_else(|| ServiceError::NotFound(format!("đơn vị mã \"{code}\"")))?;
                (unit, nearest)
            }
        };
        self.require_scope(actor, unit.id).await?;
        let page = UnitPage {
            path: atlas.path(unit.id, date),
            children: atlas.children(unit.id, date),
            counts: atlas.count_descendants(unit.id, date),
            groupings: crate::groupings::groupings_of(&atlas, unit.id, date),
            versions: self.store.versions_of(unit.id).await?,
            predecessors: self.store.predecessors(unit.id).await?,
            successors: self.store.successors(unit.id).await?,
            date,
            unit,
        };
        Ok(page)
    }

    /// The top of the tree the actor may browse on `date`: all provinces, or the actor's scope unit.
    pub async fn tree_roots(
        &self,
        actor: &Actor,
        date: NaiveDate,
    ) -> Result<Vec<UnitAsOf>, ServiceError> {
        actor.require(Permission::ReadGeography)?;
        let atlas = self.atlas().await?;
        match actor.scope_unit_id {
            None => Ok(atlas.roots(date)),
            Some(scope_id) => Ok(atlas.unit(scope_id, date).into_iter().collect()),
        }
    }

    /// Units of a level on `date`, optionally under a parent (any depth), within the actor's scope.
    pub async fn list_units(
        &self,
        actor: &Actor,
        level: Level,
        parent_code: Option<&str>,
        date: NaiveDate,
    ) -> Result<Vec<UnitAsOf>, ServiceError> {
        actor.require(Permission::ReadGeography)?;
        let root = match (parent_code, actor.scope_unit_id) {
            (Some(code), _) => Some(self.unit_at(actor, code, date).await?.id),
            (None, Some(scope_id)) => Some(scope_id),
            (None, None) => None,
        };
        let atlas = self.atlas().await?;
        let units = match root {
            Some(root_id) => {
                let mut units = atlas.descendants(root_id, date, Some(level));
                if let Some(root_unit) = atlas.unit(root_id, date) {
                    if root_unit.level == level && parent_code.is_none() {
                        units.insert(0, root_unit);
                    }
                }
                units
            }
            None => atlas.of_level(level, date),
        };
        Ok(units)
    }

    /// Units whose name or code matches `query` on `date`, ignoring diacritics, within the actor's scope.
    pub async fn search_units(
        &self,
        actor: &Actor,
        query: &str,
        date: NaiveDate,
    ) -> Result<Vec<UnitAsOf>, ServiceError> {
        actor.require(Permission::ReadGeography)?;
        if mtqg_core::vi::fold(query).chars().count() < 2 {
            return Ok(Vec::new());
        }
        let atlas = self.atlas().await?;
        let found = match actor.scope_unit_id {
            None => atlas.search(query, date, SEARCH_LIMIT),
            Some(scope_id) => {
                let mut found = atlas.search(query, date, usize::MAX);
                found.retain(|unit| unit.id == scope_id || atlas.is_within(scope_id, unit.id));
                found.truncate(SEARCH_LIMIT);
                found
            }
        };
        Ok(found)
    }

    /// Counts of units by level and type on `date`, under `code` or nationwide.
    pub async fn count_units(
        &self,
        actor: &Actor,
        code: Option<&str>,
        date: NaiveDate,
    ) -> Result<Vec<LevelTypeCount>, ServiceError> {
        actor.require(Permission::ReadGeography)?;
        let root = match (code, actor.scope_unit_id) {
            (Some(code), _) => Some(self.unit_at(actor, code, date).await?.id),
            (None, scope) => scope,
        };
        let atlas = self.atlas().await?;
        Ok(match root {
            Some(root_id) => atlas.count_descendants(root_id, date),
            None => atlas.count_all(date),
        })
    }

    /// Corrects one lineage edge (kind, weight, note); the reason is required and goes to the audit log.
    /// `version` is the edge's version the correction was made on (checked when given): when someone else
    /// corrected the edge since, the correction is refused with a conflict and nothing is written.
    #[allow(clippy::too_many_arguments)]
    pub async fn correct_edge(
        &self,
        actor: &Actor,
        edge_id: i64,
        kind: LineageKind,
        weight: Option<f64>,
        note: &str,
        reason: &str,
        version: Option<i64>,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::CorrectLineage)?;
        if reason.trim().is_empty() {
            return Err(ServiceError::Invalid("cần ghi lý do điều chỉnh".to_owned()));
        }
        if weight.is_some_and(|weight| !(0.0..=1.0).contains(&weight)) {
            return Err(ServiceError::Invalid("tỷ trọng phải từ 0 đến 1".to_owned()));
        }
        let mut tx = self.store.begin().await?;
        let edge = tx
            .edge_by_id(edge_id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("cạnh chuyển đổi số {edge_id}")))?;
        let stale = || ServiceError::stale(&format!("quan hệ chuyển đổi số {edge_id}"));
        if version.is_some_and(|version| version != edge.version) {
            return Err(stale());
        }
        if !tx
            .update_edge(
                edge_id,
                Some(edge.version),
                kind,
                weight,
                &edge.legal_basis,
                note.trim(),
            )
            .await?
        {
            return Err(stale());
        }
        let mut entry = actor.audit("lineage.correct", "lineage_edge", edge_id.to_string());
        entry.before = Some(serde_json::json!({
            "from_unit_id": edge.from_unit_id, "to_unit_id": edge.to_unit_id,
            "date": edge.effective_date.to_string(), "kind": edge.kind, "weight": edge.weight, "note": edge.note,
        }));
        entry.after =
            Some(serde_json::json!({"kind": kind.key(), "weight": weight, "note": note.trim()}));
        entry.reason = Some(reason.trim().to_owned());
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// One lineage edge with both of its units, for the correction form.
#[derive(Debug, Clone)]
pub struct EdgeDetail {
    pub id: i64,
    pub kind: String,
    pub weight: Option<f64>,
    pub date: NaiveDate,
    pub legal_basis: String,
    pub note: String,
    /// The version a correction made on this reading names.
    pub version: i64,
    /// The old unit as it was the day before the change.
    pub from: Option<UnitAsOf>,
    /// The new unit on the day of the change.
    pub to: Option<UnitAsOf>,
}

impl Service {
    /// One lineage edge with its units; only those who may correct edges read it this way.
    pub async fn lineage_edge(
        &self,
        actor: &Actor,
        edge_id: i64,
    ) -> Result<EdgeDetail, ServiceError> {
        actor.require(Permission::CorrectLineage)?;
        let atlas = self.atlas().await?;
        let edge =
            self.store.edge(edge_id).await?.ok_or_else(|| {
                ServiceError::NotFound(format!("quan hệ chuyển đổi số {edge_id}"))
            })?;
        let date = edge.effective_date;
        Ok(EdgeDetail {
            id: edge_id,
            kind: edge.kind,
            weight: edge.weight,
            date,
            legal_basis: edge.legal_basis,
            note: edge.note,
            version: edge.version,
            from: atlas.unit(edge.from_unit_id, date.pred_opt().unwrap_or(date)),
            to: atlas.unit(edge.to_unit_id, date),
        })
    }
}

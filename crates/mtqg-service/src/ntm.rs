//! New-rural criteria use cases that need no database: evaluating a table of communes against a criteria set
//! (the stateless `mtqg ntm evaluate` for Excel workflows).

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use mtqg_core::access::Permission;
use mtqg_core::import::RowProblem;
use mtqg_core::ntm::{evaluate, CommuneInput, CriteriaSet, Evaluation, Status, Value};
use mtqg_xlsx::TableEvent;

use crate::auth::Actor;
use crate::geography::TableSource;
use crate::{Service, ServiceError};

/// The criteria sets shipped in data/ntm, by code.
pub const SHIPPED_SETS: &[(&str, &str)] = &[
    (
        "QD1980-2016-XA",
        include_str!("../../../data/ntm/qd1980-2016-xa.toml"),
    ),
    (
        "QD318-2022-XA",
        include_str!("../../../data/ntm/qd318-2022-xa.toml"),
    ),
    (
        "QD318-2022-XA-NC",
        include_str!("../../../data/ntm/qd318-2022-xa-nc.toml"),
    ),
    (
        "QD320-2022-HUYEN",
        include_str!("../../../data/ntm/qd320-2022-huyen.toml"),
    ),
    (
        "QD51-2025-XA",
        include_str!("../../../data/ntm/qd51-2025-xa.toml"),
    ),
];

/// A shipped set by code, or a set read from TOML text.
pub fn load_set(code_or_text: &str) -> Result<CriteriaSet, Vec<String>> {
    let text = SHIPPED_SETS
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(code_or_text.trim()))
        .map(|(_, text)| *text)
        .unwrap_or(code_or_text);
    CriteriaSet::from_toml(text)
}

/// What loading a set found and did.
#[derive(Debug, Clone, Default)]
pub struct SetReport {
    pub code: String,
    pub name: String,
    pub n_criteria: usize,
    pub n_indicators: usize,
    pub n_without_threshold: usize,
    pub verify: bool,
    pub problems: Vec<String>,
    pub applied: bool,
}

fn record_of(set: &CriteriaSet, source: &str) -> mtqg_store::CriteriaSetRecord {
    let tier = match set.tier {
        mtqg_core::ntm::Tier::Standard => "standard",
        mtqg_core::ntm::Tier::Advanced => "advanced",
        mtqg_core::ntm::Tier::Model => "model",
        mtqg_core::ntm::Tier::Modern => "modern",
    };
    mtqg_store::CriteriaSetRecord {
        code: set.code.clone(),
        name: set.name.clone(),
        tier: tier.to_owned(),
        level: set.level.clone(),
        province: set.province.clone(),
        parent_code: set.parent.clone(),
        valid_from: set.valid_from,
        valid_to: set.valid_to,
        verify: set.verify,
        source: source.to_owned(),
    }
}

impl Service {
    /// Loads the shipped sets that are not stored yet. Returns how many were loaded.
    pub async fn load_shipped_criteria_sets(&self) -> Result<usize, ServiceError> {
        let stored = self.store().criteria_sets().await?;
        let mut tx = self.store().begin().await?;
        let mut n = 0;
        for (code, text) in SHIPPED_SETS {
            if stored.iter().any(|set| set.code == *code) {
                continue;
            }
            let set = CriteriaSet::from_toml(text).map_err(|problems| {
                ServiceError::Other(anyhow::anyhow!(
                    "shipped set {code}: {}",
                    problems.join("; ")
                ))
            })?;
            tx.insert_criteria_set(&record_of(&set, text), None).await?;
            n += 1;
        }
        if n > 0 {
            let mut entry =
                Actor::system().audit("ntm.seed", "criteria_sets", "shipped".to_owned());
            entry.after = Some(serde_json::json!({ "sets": n }));
            tx.append_audit(entry).await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// The stored sets, by code.
    pub async fn criteria_sets(
        &self,
        actor: &Actor,
    ) -> Result<Vec<mtqg_store::CriteriaSetRecord>, ServiceError> {
        actor.require(Permission::ReadCriteria)?;
        Ok(self.store().criteria_sets().await?)
    }

    /// One stored set, parsed (a provincial set merged onto its parent).
    pub async fn criteria_set(
        &self,
        actor: &Actor,
        code: &str,
    ) -> Result<CriteriaSet, ServiceError> {
        let stored = self.criteria_sets(actor).await?;
        let record = stored
            .iter()
            .find(|set| set.code == code.trim())
            .ok_or_else(|| ServiceError::NotFound(format!("bộ tiêu chí mã \"{}\"", code.trim())))?;
        let set = CriteriaSet::from_toml(&record.source)
            .map_err(|problems| ServiceError::Invalid(problems.join("; ")))?;
        match &set.parent {
            None => Ok(set),
            Some(parent_code) => {
                let parent = stored
                    .iter()
                    .find(|other| &other.code == parent_code)
                    .ok_or_else(|| {
                        ServiceError::NotFound(format!("bộ tiêu chí cha \"{parent_code}\""))
                    })?;
                let parent = CriteriaSet::from_toml(&parent.source)
                    .map_err(|problems| ServiceError::Invalid(problems.join("; ")))?;
                parent
                    .specialise(&set)
                    .map_err(|problems| ServiceError::Invalid(problems.join("; ")))
            }
        }
    }

    /// Loads a new set or a provincial specialisation from TOML: validated whole (a provincial set against its
    /// stored parent), refused if its code exists; written and audited unless `dry_run`.
    pub async fn load_criteria_set(
        &self,
        actor: &Actor,
        file_name: &str,
        text: &str,
        dry_run: bool,
    ) -> Result<SetReport, ServiceError> {
        actor.require(Permission::EditCatalogue)?;
        let mut report = SetReport::default();
        let set = match CriteriaSet::from_toml(text) {
            Ok(set) => set,
            Err(problems) => {
                report.problems = problems
                    .into_iter()
                    .map(|problem| format!("{file_name}: {problem}"))
                    .collect();
                return Ok(report);
            }
        };
        let stored = self.store().criteria_sets().await?;
        if stored.iter().any(|other| other.code == set.code) {
            report.problems.push(format!(
                "{file_name}: đã có bộ tiêu chí mã \"{}\"; phiên bản mới cần mã mới",
                set.code
            ));
        }
        let effective = match &set.parent {
            None => Some(set.clone()),
            Some(parent_code) => match stored.iter().find(|other| &other.code == parent_code) {
                None => {
                    report.problems.push(format!(
                        "{file_name}: không có bộ tiêu chí cha \"{parent_code}\""
                    ));
                    None
                }
                Some(parent) => match CriteriaSet::from_toml(&parent.source)
                    .and_then(|parent| parent.specialise(&set))
                {
                    Ok(merged) => Some(merged),
                    Err(problems) => {
                        report.problems.extend(
                            problems
                                .into_iter()
                                .map(|problem| format!("{file_name}: {problem}")),
                        );
                        None
                    }
                },
            },
        };
        if let Some(effective) = &effective {
            report.code = effective.code.clone();
            report.name = effective.name.clone();
            report.n_criteria = effective.criteria.len();
            report.n_indicators = effective.indicators().count();
            report.n_without_threshold = effective
                .indicators()
                .filter(|(_, indicator)| {
                    indicator.kind != mtqg_core::ntm::IndicatorKind::PassFail
                        && indicator.thresholds.is_empty()
                })
                .count();
            report.verify = effective.verify;
        }
        if dry_run || !report.problems.is_empty() {
            return Ok(report);
        }
        let mut tx = self.store().begin().await?;
        tx.insert_criteria_set(&record_of(&set, text), actor.user_id)
            .await?;
        let mut entry = actor.audit("ntm.load_set", "criteria_set", set.code.clone());
        entry.after = Some(serde_json::json!({
            "file": file_name, "name": set.name, "parent": set.parent, "province": set.province,
            "criteria": report.n_criteria, "indicators": report.n_indicators,
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        report.applied = true;
        Ok(report)
    }
}

/// An assessment as entered: raw cell texts by indicator code.
#[derive(Debug, Clone, Default)]
pub struct AssessmentInput {
    pub commune_code: String,
    pub year: i32,
    /// "tu_danh_gia" (self-assessment) or "tham_dinh" (appraisal).
    pub stage: String,
    pub set_code: String,
    pub values: HashMap<String, String>,
    pub evidence: Option<String>,
    /// Region or group key; taken from the commune's groupings when absent.
    pub key: Option<String>,
    /// Extra flags; ĐBKK and ATK-in-poor-district come from the groupings.
    pub flags: Vec<String>,
    /// The date the xã code is read at, within the year; by default the last day of the year the code existed. Set
    /// it when a code was reused after an arrangement (the 2025 reform gave some old xã codes to new units).
    pub on: Option<chrono::NaiveDate>,
}

impl Service {
    /// Records an assessment of a xã: values parsed and evaluated against the set, region and flags taken from the
    /// commune's groupings unless given; stored with its result and audited.
    pub async fn record_assessment(
        &self,
        actor: &Actor,
        input: AssessmentInput,
    ) -> Result<(Evaluation, Status), ServiceError> {
        let mut results = self.record_assessments(actor, vec![input]).await?;
        Ok(results.remove(0))
    }

    /// Records many assessments in one transaction, all or none (the first refusal is returned, naming its xã when
    /// there are several); each is audited.
    pub async fn record_assessments(
        &self,
        actor: &Actor,
        inputs: Vec<AssessmentInput>,
    ) -> Result<Vec<(Evaluation, Status)>, ServiceError> {
        actor.require(Permission::RecordAssessment)?;
        let several = inputs.len() > 1;
        let mut sets = HashMap::new();
        let mut prepared = Vec::with_capacity(inputs.len());
        for input in &inputs {
            let one =
                self.prepare_assessment(actor, input, &mut sets)
                    .await
                    .map_err(|err| match err {
                        ServiceError::Invalid(message) if several => ServiceError::Invalid(
                            format!("xã {} năm {}: {message}", input.commune_code, input.year),
                        ),
                        other => other,
                    })?;
            prepared.push(one);
        }
        self.write_assessments(actor, prepared).await
    }

    async fn write_assessments(
        &self,
        actor: &Actor,
        prepared: Vec<(mtqg_store::NewAssessment, String, Evaluation, Status)>,
    ) -> Result<Vec<(Evaluation, Status)>, ServiceError> {
        let mut tx = self.store().begin().await?;
        let mut results = Vec::with_capacity(prepared.len());
        // An assessment of a year counts in that year's annual report: refused once the report is approved.
        let year_end = |year: i32| NaiveDate::from_ymd_opt(year, 12, 31).expect("valid date");
        let years = prepared.iter().map(|(record, ..)| record.year);
        if let (Some(first), Some(last)) = (years.clone().min(), years.max()) {
            let locks =
                crate::report::Locks::load(&mut tx, year_end(first), year_end(last)).await?;
            let atlas = self.atlas().await?;
            for (record, code, ..) in &prepared {
                if let Some(message) = locks.refusal(&atlas, record.unit_id, year_end(record.year))
                {
                    return Err(ServiceError::Conflict {
                        message: format!("xã {code} năm {}: {message}", record.year),
                    });
                }
            }
        }
        for (record, code, evaluation, status) in prepared {
            let id = tx.insert_assessment(&record, actor.user_id).await?;
            let mut entry = actor.audit("ntm.assessment", "ntm_assessment", code);
            entry.after = Some(serde_json::json!({
                "id": id, "year": record.year, "stage": record.stage, "set": record.set_code,
                "criteria_met": evaluation.n_met, "status": status.label(),
            }));
            tx.append_audit(entry).await?;
            results.push((evaluation, status));
        }
        tx.commit().await?;
        Ok(results)
    }

    /// Imports assessments from a CSV or XLSX table (one xã per row: code, year, optionally region or group and
    /// flags, then one column per indicator code; the headers `evaluate_table` reads) for `set_code` and `stage`.
    /// Every row is checked as the form checks it (scope, xã, values); every problem is reported with its row and
    /// column; nothing is written unless all rows pass, and nothing at all in a dry run.
    pub async fn import_assessments(
        &self,
        actor: &Actor,
        source: TableSource,
        set_code: &str,
        stage: &str,
        dry_run: bool,
    ) -> Result<AssessmentImport, ServiceError> {
        actor.require(Permission::RecordAssessment)?;
        let set = self.criteria_set(actor, set_code).await?;
        let indicator_codes: std::collections::HashSet<String> = set
            .indicators()
            .map(|(_, indicator)| indicator.code.clone())
            .collect();
        let mut headers: Vec<String> = Vec::new();
        let mut problems: Vec<RowProblem> = Vec::new();
        let mut rows: Vec<(usize, AssessmentInput)> = Vec::new();
        let problem = |row: usize, column: Option<&str>, message: String| RowProblem {
            sheet: None,
            row,
            column: column.map(str::to_owned),
            message,
        };
        let visit = |event: TableEvent<'_>| match event {
            TableEvent::Head(head) => {
                headers = head.headers.iter().map(|h| h.trim().to_owned()).collect();
                for header in &headers {
                    if !header.is_empty()
                        && fixed_column(header).is_none()
                        && !indicator_codes.contains(header)
                    {
                        problems.push(problem(
                            1,
                            Some(header),
                            format!("chỉ tiêu \"{header}\" không có trong bộ {}", set.code),
                        ));
                    }
                }
                for required in ["code", "year"] {
                    if !headers.iter().any(|h| fixed_column(h) == Some(required)) {
                        problems.push(problem(
                            1,
                            Some(required),
                            format!("thiếu cột \"{required}\""),
                        ));
                    }
                }
            }
            TableEvent::Row(row, cells) => {
                if cells.iter().all(|cell| cell.trim().is_empty()) {
                    return;
                }
                let mut input = AssessmentInput {
                    stage: stage.to_owned(),
                    set_code: set.code.clone(),
                    ..AssessmentInput::default()
                };
                for (header, cell) in headers.iter().zip(cells) {
                    let cell = cell.trim();
                    match fixed_column(header) {
                        Some("code") => input.commune_code = cell.to_owned(),
                        Some("key") if !cell.is_empty() => input.key = Some(cell.to_owned()),
                        Some("flags") => {
                            input.flags = cell
                                .split([',', ';', ' '])
                                .filter(|flag| !flag.is_empty())
                                .map(|flag| mtqg_core::vi::fold(flag).replace(' ', "_"))
                                .collect()
                        }
                        Some("year") => match cell.parse() {
                            Ok(year) => input.year = year,
                            Err(_) => problems.push(problem(
                                row,
                                Some(header),
                                format!("năm \"{cell}\" không hợp lệ"),
                            )),
                        },
                        Some(_) => {}
                        None if indicator_codes.contains(header) && !cell.is_empty() => {
                            input.values.insert(header.clone(), cell.to_owned());
                        }
                        None => {}
                    }
                }
                rows.push((row, input));
            }
        };
        let res = match source {
            TableSource::Csv(reader) => mtqg_xlsx::read_csv(reader, visit),
            TableSource::Xlsx(bytes) => {
                mtqg_xlsx::read_xlsx(std::io::Cursor::new(bytes), None, visit)
            }
        };
        if let Err(err) = res {
            return Err(ServiceError::Invalid(err.to_string()));
        }
        let n_rows = rows.len();
        let mut sets = HashMap::from([(set.code.clone(), set.clone())]);
        let mut prepared = Vec::with_capacity(rows.len());
        if problems.is_empty() {
            for (row, input) in &rows {
                match self.prepare_assessment(actor, input, &mut sets).await {
                    Ok(one) => prepared.push(one),
                    Err(ServiceError::Invalid(message)) => {
                        problems.push(problem(*row, None, message))
                    }
                    Err(ServiceError::NotFound(what)) => problems.push(problem(
                        *row,
                        Some("code"),
                        format!("không tìm thấy {what}"),
                    )),
                    Err(ServiceError::Forbidden) => problems.push(problem(
                        *row,
                        Some("code"),
                        format!("xã {} ngoài phạm vi của bạn", input.commune_code),
                    )),
                    Err(other) => return Err(other),
                }
            }
        }
        let n_met_all = prepared
            .iter()
            .filter(|(_, _, evaluation, _)| evaluation.all_met)
            .count();
        let applied = problems.is_empty() && !dry_run;
        if applied {
            self.write_assessments(actor, prepared).await?;
        }
        let mut report = AssessmentImport {
            n_rows,
            n_met_all,
            applied,
            ..AssessmentImport::default()
        };
        crate::keep_problems(
            &mut report.problems,
            &mut report.n_problems,
            &None,
            problems,
        );
        Ok(report)
    }

    async fn prepare_assessment(
        &self,
        actor: &Actor,
        input: &AssessmentInput,
        sets: &mut HashMap<String, CriteriaSet>,
    ) -> Result<(mtqg_store::NewAssessment, String, Evaluation, Status), ServiceError> {
        if !matches!(input.stage.as_str(), "tu_danh_gia" | "tham_dinh") {
            return Err(ServiceError::Invalid(
                "giai đoạn phải là tự đánh giá hoặc thẩm định".to_owned(),
            ));
        }
        let year_end = chrono::NaiveDate::from_ymd_opt(input.year, 12, 31)
            .ok_or_else(|| ServiceError::Invalid(format!("năm {} không hợp lệ", input.year)))?;
        // The xã as it was on the last day of the year it existed (a xã merged on 1/7/2025 is assessed for 2025 as
        // it was on 30/6).
        let year_start = chrono::NaiveDate::from_ymd_opt(input.year, 1, 1).unwrap_or(year_end);
        let last_day = self
            .atlas()
            .await?
            .units_with_code(input.commune_code.trim())
            .iter()
            .filter(|unit| {
                unit.validity.from.is_none_or(|from| from <= year_end)
                    && unit.validity.to.is_none_or(|to| to > year_start)
            })
            .map(|unit| {
                unit.validity
                    .to
                    .and_then(|to| to.pred_opt())
                    .map_or(year_end, |last| last.min(year_end))
            })
            .max()
            .unwrap_or(year_end);
        let date = match input.on {
            Some(on) if on.year() == input.year => on,
            Some(on) => {
                return Err(ServiceError::Invalid(format!(
                    "ngày {} không thuộc năm đánh giá {}",
                    mtqg_core::vi::format_date(on),
                    input.year
                )))
            }
            None => last_day.min(chrono::Utc::now().date_naive()),
        };
        let unit = self.unit_at(actor, &input.commune_code, date).await?;
        if !sets.contains_key(&input.set_code) {
            let set = self.criteria_set(actor, &input.set_code).await?;
            sets.insert(input.set_code.clone(), set);
        }
        let set = &sets[&input.set_code];
        let atlas = self.atlas().await?;
        assessed_unit_fits(&atlas, set, &unit, date)?;
        let groupings = atlas.groupings_of(unit.id, date);
        let in_category = |category: mtqg_core::geo::GroupingCategory| {
            groupings
                .iter()
                .find(|found| found.grouping.category == category)
                .map(|found| found.grouping.code.clone())
        };
        let key = match (&input.key, set.keyed_by.as_str()) {
            (Some(key), _) => key.clone(),
            (None, "region") => in_category(mtqg_core::geo::GroupingCategory::NtmRegion)
                .and_then(|code| code.rsplit('-').next().map(str::to_owned))
                .ok_or_else(|| {
                    ServiceError::Invalid(format!("chưa xác định vùng của {}; ghi vùng", unit.name))
                })?,
            (None, "group") => in_category(mtqg_core::geo::GroupingCategory::NtmCommuneGroup)
                .and_then(|code| code.rsplit('-').next().map(str::to_owned))
                .ok_or_else(|| {
                    ServiceError::Invalid(format!(
                        "chưa xác định nhóm xã của {}; ghi nhóm",
                        unit.name
                    ))
                })?,
            (None, _) => String::new(),
        };
        let mut flags = input.flags.clone();
        if in_category(mtqg_core::geo::GroupingCategory::Dbkk).is_some() {
            flags.push("dbkk".to_owned());
        }
        if in_category(mtqg_core::geo::GroupingCategory::Atk).is_some()
            && in_category(mtqg_core::geo::GroupingCategory::PoorDistrict).is_some()
        {
            flags.push("atk_poor_district".to_owned());
        }
        let kinds: HashMap<&str, mtqg_core::ntm::IndicatorKind> = set
            .indicators()
            .map(|(_, indicator)| (indicator.code.as_str(), indicator.kind))
            .collect();
        let mut problems = Vec::new();
        let mut values = HashMap::new();
        for (code, text) in &input.values {
            match kinds.get(code.as_str()) {
                None => problems.push(format!(
                    "chỉ tiêu \"{code}\" không có trong bộ {}",
                    set.code
                )),
                Some(kind) => match Value::parse(*kind, text) {
                    Ok(Some(value)) => {
                        values.insert(code.clone(), value);
                    }
                    Ok(None) => {}
                    Err(message) => problems.push(format!("chỉ tiêu {code}: {message}")),
                },
            }
        }
        if !problems.is_empty() {
            problems.sort();
            return Err(ServiceError::Invalid(problems.join("; ")));
        }
        let commune = CommuneInput {
            key: key.clone(),
            flags: flags.clone(),
            year: input.year,
            values,
        };
        let evaluation = evaluate(set, &commune)
            .map_err(|problems| ServiceError::Invalid(problems.join("; ")))?;
        // What this assessment shows against its own set: the set's tier when every criterion is met. Whether the
        // xã holds the tiers below is the recognition lifecycle's business (`recognition`).
        let status = if evaluation.all_met {
            Status::from(set.tier)
        } else {
            Status::NotMet
        };
        let record = mtqg_store::NewAssessment {
            unit_id: unit.id,
            year: input.year,
            stage: input.stage.clone(),
            set_code: set.code.clone(),
            region_key: key,
            flags: flags.join(","),
            values: serde_json::json!(input.values),
            evidence: input
                .evidence
                .clone()
                .map(|text| serde_json::json!({ "note": text })),
            n_met: evaluation.n_met,
            n_criteria: evaluation.criteria.len(),
            status: format!("{status:?}"),
            met_criteria: evaluation
                .criteria
                .iter()
                .filter(|criterion| criterion.met)
                .map(|criterion| criterion.code.clone())
                .collect::<Vec<_>>()
                .join(","),
        };
        Ok((record, unit.code, evaluation, status))
    }
}

/// Whether `unit` may be assessed against `set`: a commune set takes xã only (not phường or thị trấn); a village set
/// (defined by a province) takes villages, of that province when the set names one; district sets take no
/// assessment here (historical, recognised by decision).
fn assessed_unit_fits(
    atlas: &mtqg_core::atlas::Atlas,
    set: &CriteriaSet,
    unit: &mtqg_core::atlas::UnitAsOf,
    date: chrono::NaiveDate,
) -> Result<(), ServiceError> {
    use mtqg_core::geo::Level;
    let kind = unit.unit_type.to_lowercase();
    match set.level.as_str() {
        "village" => {
            if unit.level != Level::Village {
                return Err(ServiceError::Invalid(format!(
                    "{} là {kind}: bộ {} là bộ tiêu chí thôn, chỉ thôn, bản, ấp được đánh giá theo bộ này",
                    unit.name, set.code
                )));
            }
            if let Some(province) = &set.province {
                let inside = atlas
                    .unit_by_code(province, date)
                    .is_some_and(|found| atlas.chain_up(unit.id, date).contains(&found.id));
                if !inside {
                    return Err(ServiceError::Invalid(format!(
                        "{} không thuộc tỉnh {province} ban hành bộ {}",
                        unit.name, set.code
                    )));
                }
            }
            Ok(())
        }
        "commune" => {
            if unit.level != Level::Commune || unit.unit_type != "Xã" {
                return Err(ServiceError::Invalid(format!(
                    "{} là {kind}: chỉ xã được đánh giá theo bộ tiêu chí xã nông thôn mới",
                    unit.name
                )));
            }
            Ok(())
        }
        level => Err(ServiceError::Invalid(format!(
            "bộ {} là bộ tiêu chí cấp {}: không đánh giá {} theo bộ này",
            set.code,
            match level {
                "district" => "huyện",
                other => other,
            },
            unit.name
        ))),
    }
}

/// What an assessment import found and did.
#[derive(Debug, Clone, Default)]
pub struct AssessmentImport {
    pub n_rows: usize,
    /// Rows meeting every criterion of the set.
    pub n_met_all: usize,
    pub problems: Vec<RowProblem>,
    pub n_problems: usize,
    pub applied: bool,
}

/// One commune's result.
#[derive(Debug, Clone)]
pub struct RowResult {
    pub row: usize,
    pub code: String,
    pub key: String,
    pub year: i32,
    pub evaluation: Evaluation,
    pub status: Status,
}

/// Header words of the fixed columns; every other column is an indicator code.
fn fixed_column(header: &str) -> Option<&'static str> {
    match mtqg_core::vi::fold(header)
        .replace(['_', '-'], " ")
        .as_str()
    {
        "code" | "ma" | "ma xa" | "ma don vi" => Some("code"),
        "name" | "ten" | "ten xa" => Some("name"),
        "region" | "group" | "vung" | "nhom" | "nhom xa" | "key" => Some("key"),
        "flags" | "dac diem" | "co" => Some("flags"),
        "year" | "nam" | "nam danh gia" => Some("year"),
        _ => None,
    }
}

/// Evaluates every row of a table (one commune per row: code, region or group, flags, year, then one column per
/// indicator code) against `set`. Every problem of every row is reported; results only when there is none.
pub fn evaluate_table(
    set: &CriteriaSet,
    source: TableSource,
) -> Result<Vec<RowResult>, Vec<RowProblem>> {
    let kinds: HashMap<String, mtqg_core::ntm::IndicatorKind> = set
        .indicators()
        .map(|(_, indicator)| (indicator.code.clone(), indicator.kind))
        .collect();
    let mut headers: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    let mut results = Vec::new();
    let problem = |row: usize, column: Option<&str>, message: String| RowProblem {
        sheet: None,
        row,
        column: column.map(str::to_owned),
        message,
    };
    let visit = |event: TableEvent<'_>| match event {
        TableEvent::Head(head) => {
            headers = head
                .headers
                .iter()
                .map(|header| header.trim().to_owned())
                .collect();
            for header in &headers {
                if !header.is_empty()
                    && fixed_column(header).is_none()
                    && !kinds.contains_key(header)
                {
                    problems.push(problem(
                        1,
                        Some(header),
                        format!("chỉ tiêu \"{header}\" không có trong bộ {}", set.code),
                    ));
                }
            }
            for required in ["code", "key", "year"] {
                if !headers
                    .iter()
                    .any(|header| fixed_column(header) == Some(required))
                {
                    problems.push(problem(
                        1,
                        Some(required),
                        format!("thiếu cột \"{required}\""),
                    ));
                }
            }
        }
        TableEvent::Row(row, cells) => {
            if cells.iter().all(|cell| cell.trim().is_empty()) {
                return;
            }
            let mut input = CommuneInput::default();
            let mut code = String::new();
            let n_before = problems.len();
            for (header, cell) in headers.iter().zip(cells) {
                match fixed_column(header) {
                    Some("code") => code = cell.trim().to_owned(),
                    Some("key") => input.key = cell.trim().to_owned(),
                    Some("flags") => {
                        input.flags = cell
                            .split([',', ';', ' '])
                            .filter(|flag| !flag.is_empty())
                            .map(|flag| mtqg_core::vi::fold(flag).replace(' ', "_"))
                            .collect()
                    }
                    Some("year") => match cell.trim().parse() {
                        Ok(year) => input.year = year,
                        Err(_) => problems.push(problem(
                            row,
                            Some(header),
                            format!("năm \"{}\" không hợp lệ", cell.trim()),
                        )),
                    },
                    Some(_) => {}
                    None => {
                        let Some(kind) = kinds.get(header) else {
                            continue;
                        };
                        match Value::parse(*kind, cell) {
                            Ok(Some(value)) => {
                                input.values.insert(header.clone(), value);
                            }
                            Ok(None) => {}
                            Err(message) => problems.push(problem(row, Some(header), message)),
                        }
                    }
                }
            }
            if problems.len() > n_before {
                return;
            }
            match evaluate(set, &input) {
                Ok(evaluation) => {
                    // The set's tier when every criterion is met (see `prepare_assessment`).
                    let status = if evaluation.all_met {
                        Status::from(set.tier)
                    } else {
                        Status::NotMet
                    };
                    results.push(RowResult {
                        row,
                        code,
                        key: input.key,
                        year: input.year,
                        evaluation,
                        status,
                    });
                }
                Err(messages) => {
                    problems.extend(
                        messages
                            .into_iter()
                            .map(|message| problem(row, None, message)),
                    );
                }
            }
        }
    };
    let res = match source {
        TableSource::Csv(reader) => mtqg_xlsx::read_csv(reader, visit),
        TableSource::Xlsx(bytes) => mtqg_xlsx::read_xlsx(std::io::Cursor::new(bytes), None, visit),
    };
    if let Err(err) = res {
        problems.push(RowProblem {
            sheet: None,
            row: 0,
            column: None,
            message: err.to_string(),
        });
    }
    if problems.is_empty() {
        Ok(results)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_of_communes_is_evaluated_and_bad_cells_are_reported_by_row_and_column() {
        let set = load_set("QD318-2022-XA").expect("shipped set");
        let good =
            "ma,vung,nam,19.1,11.1\n14848,TDMNPB,2024,Đạt,\"3,5\"\n14849,DBSH,2024,Không đạt,\n";
        let results = evaluate_table(
            &set,
            TableSource::from_bytes("x.csv", good.as_bytes().to_vec()),
        )
        .expect("evaluates");
        assert_eq!(results.len(), 2);
        assert_eq!(results[0].code, "14848");
        assert_eq!(results[0].status, Status::NotMet);
        let bad = "ma,vung,nam,19.1,99.9\n14848,TDMNPB,2024,tốt,1\n";
        let problems = evaluate_table(
            &set,
            TableSource::from_bytes("x.csv", bad.as_bytes().to_vec()),
        )
        .expect_err("refused");
        let located: Vec<(usize, Option<&str>)> = problems
            .iter()
            .map(|p| (p.row, p.column.as_deref()))
            .collect();
        assert_eq!(located, [(1, Some("99.9")), (2, Some("19.1"))]);
    }
}

//! Reporting use cases (DOMAIN.md §8): the shipped calendar and form definitions, the figures of a unit for a
//! period (from the ledger, the new-rural roll-up, the poverty lists and the direction registry), statutory forms
//! filled as XLSX, the narrative report as a `Document` (DOCX or HTML), submissions with their approval flow and
//! the locks approval puts on a unit's data, the completeness dashboard, and the exchange package (JSON or CSV)
//! that units without the system send in.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Utc};
use mtqg_core::access::Permission;
use mtqg_core::atlas::{Atlas, UnitAsOf};
use mtqg_core::geo::Level;
use mtqg_core::money::{CapitalType, Source};
use mtqg_core::ntm::Status as NtmStatus;
use mtqg_core::report::calendar::{self, Calendar, ReportKind};
use mtqg_core::report::form::{Fields, FormDefinition, Heading, Item, Values};
use mtqg_core::report::layout::{Document, FilledForm, Signature};
use mtqg_core::report::narrative::{
    self, CapitalPart, NarrativeInput, NtmPart, ObstacleLine, PovertyPart, TaskLine, TasksPart,
};
use mtqg_core::report::period::Period;
use mtqg_core::report::submission::{self, Action, Status};
use mtqg_core::vi;
use mtqg_store::{
    AuditEntry, NewReportStep, ReportStepRecord, SubmissionRecord, SubmissionWrite, Tx,
};
use serde::Deserialize;

use crate::{Actor, Service, ServiceError};

/// The shipped calendar and forms (data/reporting), parsed once.
pub struct Reporting {
    pub calendar: Calendar,
    pub forms: BTreeMap<String, FormDefinition>,
}

const CALENDAR: &str = include_str!("../../../data/reporting/calendar.toml");
const FORMS: [(&str, &str); 5] = [
    (
        "HUYDONG.toml",
        include_str!("../../../data/reporting/forms/HUYDONG.toml"),
    ),
    (
        "HUYDONG-N.toml",
        include_str!("../../../data/reporting/forms/HUYDONG-N.toml"),
    ),
    (
        "NTM-TC.toml",
        include_str!("../../../data/reporting/forms/NTM-TC.toml"),
    ),
    (
        "GN-BD.toml",
        include_str!("../../../data/reporting/forms/GN-BD.toml"),
    ),
    (
        "GIAINGAN.toml",
        include_str!("../../../data/reporting/forms/GIAINGAN.toml"),
    ),
];

/// Reads the shipped calendar and forms and checks they agree (every form a report names exists).
pub fn load_reporting() -> Result<Reporting, Vec<String>> {
    let mut problems = Vec::new();
    let calendar = Calendar::from_toml(CALENDAR).map_err(|errs| {
        errs.into_iter()
            .map(|e| format!("calendar.toml: {e}"))
            .collect::<Vec<_>>()
    });
    let mut forms = BTreeMap::new();
    for (file, text) in FORMS {
        match FormDefinition::from_toml(text) {
            Ok(form) => {
                forms.insert(form.code.clone(), form);
            }
            Err(errs) => problems.extend(errs.into_iter().map(|e| format!("{file}: {e}"))),
        }
    }
    let calendar = match calendar {
        Ok(calendar) => calendar,
        Err(errs) => {
            problems.extend(errs);
            return Err(problems);
        }
    };
    for kind in &calendar.reports {
        for form in &kind.forms {
            if !forms.contains_key(form) {
                problems.push(format!(
                    "calendar.toml: báo cáo \"{}\" dùng biểu \"{form}\" không có trong data/reporting/forms",
                    kind.code
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(Reporting { calendar, forms })
    } else {
        Err(problems)
    }
}

/// The shipped reporting data; a test checks it loads, so this never fails in a built binary.
pub fn reporting() -> &'static Reporting {
    static SHIPPED: OnceLock<Reporting> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        load_reporting().unwrap_or_else(|problems| panic!("shipped reporting data: {problems:?}"))
    })
}

/// Hand-entered fields of the narrative (texts, not figures).
pub const NARRATIVE_FIELDS: [(&str, &str); 8] = [
    ("so_hieu", "Số, ký hiệu văn bản (ví dụ: 123/BC-UBND)"),
    ("dia_danh", "Địa danh (ví dụ: Lào Cai)"),
    ("ngay_ky", "Ngày ký (dd/mm/yyyy)"),
    ("nguoi_ky", "Người ký"),
    (
        "chuc_vu",
        "Chức vụ người ký (ví dụ: KT. CHỦ TỊCH / PHÓ CHỦ TỊCH)",
    ),
    ("danh_gia", "Đánh giá chung"),
    ("kien_nghi", "Kiến nghị, đề xuất"),
    ("noi_nhan", "Nơi nhận (mỗi dòng một nơi)"),
];

/// Which report: its code, the period ("2025-H1") and the unit's code, as typed in URLs and on the command line.
#[derive(Debug, Clone, Copy)]
pub struct ReportKey<'a> {
    pub report: &'a str,
    pub period: &'a str,
    pub unit: &'a str,
}

impl<'a> ReportKey<'a> {
    pub fn new(report: &'a str, period: &'a str, unit: &'a str) -> ReportKey<'a> {
        ReportKey {
            report,
            period,
            unit,
        }
    }
}

/// A unit's report for a period, resolved: the calendar entry, the unit and who receives it.
#[derive(Debug, Clone)]
pub struct ReportContext {
    pub kind: ReportKind,
    pub period: Period,
    pub unit: UnitAsOf,
    /// The parent on the period's last day, which receives and approves the report.
    pub recipient: Option<UnitAsOf>,
    /// The unit's deadline; `None` when its level does not submit this report (it may still produce it).
    pub deadline: Option<NaiveDate>,
}

/// Figures of a unit for a period: what forms and packages are made of.
#[derive(Debug, Clone, Default)]
pub struct ReportFigures {
    pub values: Values,
    /// Lists `each` rows expand to: "ntm.criteria", "programs".
    pub items: BTreeMap<String, Vec<Item>>,
    pub capital: Option<CapitalPart>,
    pub ntm: Option<NtmPart>,
    pub poverty: Option<PovertyPart>,
}

/// What the submission page shows.
#[derive(Debug, Clone)]
pub struct SubmissionPage {
    pub context: ReportContext,
    pub submission: Option<SubmissionRecord>,
    pub fields: Fields,
    pub steps: Vec<ReportStepRecord>,
    /// Numeric fields the forms ask for: (key, label).
    pub form_fields: Vec<(String, String)>,
    pub status: Option<Status>,
    pub can_edit: bool,
    pub can_decide: bool,
    pub on_time: Option<bool>,
}

/// One expected reporter on the dashboard.
#[derive(Debug, Clone)]
pub struct ExpectedRow {
    pub unit: UnitAsOf,
    pub deadline: NaiveDate,
    pub status: Option<Status>,
    pub first_submitted_on: Option<NaiveDate>,
    pub on_time: Option<bool>,
    pub comment: Option<String>,
    pub origin: Option<String>,
}

/// Completeness and timeliness of one report and period for a receiving unit.
#[derive(Debug, Clone)]
pub struct ReportDashboard {
    pub kind: ReportKind,
    pub period: Period,
    /// The receiving unit; `None` for the country (provinces report to it).
    pub unit: Option<UnitAsOf>,
    pub rows: Vec<ExpectedRow>,
    pub expected: usize,
    /// Units that sent the report at least once (returned ones included).
    pub submitted: usize,
    pub on_time: usize,
    pub approved: usize,
    pub returned: usize,
    /// The receiving unit's own submission, if it reports further up.
    pub own: Option<SubmissionRecord>,
}

/// What a bulk approval did.
#[derive(Debug, Clone, Default)]
pub struct BulkOutcome {
    pub approved: Vec<String>,
    /// (unit code, why it was not approved).
    pub refused: Vec<(String, String)>,
}

/// The exchange package (format "mtqg-report-package", version 1): what a unit reports for a period, as the
/// national database collects it. Documented in docs/exchange-package.md.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct Package {
    pub format: String,
    pub version: u32,
    pub report: String,
    pub period: String,
    pub unit: PackageUnit,
    #[serde(default)]
    pub generated_at: Option<String>,
    /// Computed figures by key (money in whole đồng, counts of xã or households).
    pub values: BTreeMap<String, f64>,
    /// Entered fields by key, as typed.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct PackageUnit {
    pub code: String,
    #[serde(default)]
    pub name: String,
}

pub const PACKAGE_FORMAT: &str = "mtqg-report-package";

/// What importing a package found and did.
#[derive(Debug, Clone, Default)]
pub struct PackageImport {
    pub file_name: String,
    pub report: String,
    pub period: String,
    pub unit_code: String,
    pub unit_name: String,
    pub n_values: usize,
    pub problems: Vec<String>,
    pub applied: bool,
}

/// Approved periods overlapping a batch of writes: a write dated inside one, for the locked unit or below it, is
/// refused until the receiving level reopens the report.
pub(crate) struct Locks {
    locks: Vec<(i64, String, String, NaiveDate, NaiveDate)>,
}

impl Locks {
    pub(crate) async fn load(
        tx: &mut Tx,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Locks, ServiceError> {
        Ok(Locks {
            locks: tx.approved_periods(from, to).await?,
        })
    }

    pub(crate) fn none() -> Locks {
        Locks { locks: Vec::new() }
    }

    /// Why a write for `unit_id` dated `date` is refused, if it is.
    pub(crate) fn refusal(&self, atlas: &Atlas, unit_id: i64, date: NaiveDate) -> Option<String> {
        if self.locks.is_empty() {
            return None;
        }
        let mut chain: Option<Vec<i64>> = None;
        for (locked, code, period, start, end) in &self.locks {
            if date < *start || date > *end {
                continue;
            }
            let chain = chain.get_or_insert_with(|| atlas.chain_up(unit_id, date));
            if *locked == unit_id || chain.contains(locked) {
                let name = atlas
                    .unit(*locked, *end)
                    .map(|unit| unit.name)
                    .unwrap_or_else(|| format!("đơn vị {locked}"));
                let period = Period::parse(period)
                    .map(|p| p.label())
                    .unwrap_or_else(|_| period.clone());
                return Some(format!(
                    "số liệu ngày {} thuộc kỳ báo cáo \"{code}\" {period} của {name} đã được duyệt và khóa; cần cấp \
                     trên mở khóa báo cáo trước khi ghi",
                    vi::format_date(date)
                ));
            }
        }
        None
    }
}

/// A field as the officer sees it: ô "Ngày ký (dd/mm/yyyy)" rather than "ngay_ky".
fn field_label(key: &str, labels: &BTreeMap<String, String>) -> String {
    match labels.get(key) {
        Some(label) => format!("ô \"{label}\""),
        None => format!("ô \"{key}\""),
    }
}

/// A unit's report is written by the unit's own accounts; an administrator of the whole country may act for any.
fn own_unit(actor: &Actor, context: &ReportContext) -> bool {
    match actor.scope_unit_id {
        Some(scope) => scope == context.unit.id,
        None => actor.role == mtqg_core::access::Role::Admin,
    }
}

/// Today in Vietnam (UTC+7): deadlines and submission dates are Vietnamese calendar days.
pub fn today_in_vietnam() -> NaiveDate {
    (Utc::now() + chrono::Duration::hours(7)).date_naive()
}

fn parse_fields(text: &str) -> Fields {
    serde_json::from_str(text).unwrap_or_default()
}

fn field_date(fields: &Fields) -> Option<NaiveDate> {
    fields.get("ngay_ky").and_then(|text| vi::parse_date(text))
}

/// "Tỉnh Lào Cai" → "tỉnh Lào Cai" inside a sentence.
fn in_sentence(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Service {
    /// Resolves a report code, period and unit code: the calendar entry in force, the unit on the period's last day
    /// (within the actor's scope), its recipient and deadline.
    pub async fn report_context(
        &self,
        actor: &Actor,
        key: ReportKey<'_>,
    ) -> Result<ReportContext, ServiceError> {
        let period = Period::parse(key.period).map_err(ServiceError::Invalid)?;
        let kind = reporting()
            .calendar
            .report(key.report, period)
            .map_err(ServiceError::Invalid)?
            .clone();
        let unit = self.unit_at(actor, key.unit, period.end()).await?;
        let atlas = self.atlas().await?;
        let recipient = unit.parent_id.and_then(|id| atlas.unit(id, period.end()));
        let deadline = kind.deadline(unit.level, period);
        Ok(ReportContext {
            kind,
            period,
            unit,
            recipient,
            deadline,
        })
    }

    /// The figures of a unit for a report and period. Parts without data are left out (their cells stay empty).
    pub async fn report_figures(
        &self,
        actor: &Actor,
        context: &ReportContext,
    ) -> Result<ReportFigures, ServiceError> {
        let mut figures = ReportFigures::default();
        let started = std::time::Instant::now();
        let lap = |part: &str| {
            tracing::debug!(
                part,
                elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
                "report figures"
            );
        };
        let code = context.unit.code.as_str();
        let period = context.period;
        let year = period.year();
        let end = period.end();
        // Money: by source and capital type, this year's plan and disbursement, and what was disbursed before.
        let current = self
            .capital_summary(actor, Some(code), year, end, None)
            .await?;
        let before_end = NaiveDate::from_ymd_opt(year - 1, 12, 31).expect("valid date");
        let mut before: BTreeMap<(Source, CapitalType), i64> = BTreeMap::new();
        for plan_year in context.kind.from_year..year {
            let Ok(summary) = self
                .capital_summary(actor, Some(code), plan_year, before_end, None)
                .await
            else {
                continue;
            };
            for (source, ctype, amounts) in &summary.by_source {
                *before.entry((*source, *ctype)).or_default() += amounts.disbursed;
            }
        }
        let mut by_source = Vec::new();
        for source in Source::ALL {
            for ctype in [CapitalType::Investment, CapitalType::Recurrent] {
                let amounts = current
                    .by_source
                    .iter()
                    .find(|(s, t, _)| *s == source && *t == ctype)
                    .map(|(_, _, amounts)| *amounts)
                    .unwrap_or_default();
                let th_truoc = before.get(&(source, ctype)).copied().unwrap_or(0);
                let key = format!("von.{}.{}", source.key(), ctype.key());
                let values = &mut figures.values;
                values.insert(format!("{key}.th_truoc"), th_truoc as f64);
                values.insert(format!("{key}.kh_nam"), amounts.plan as f64);
                values.insert(format!("{key}.th_ky"), amounts.disbursed as f64);
                values.insert(format!("{key}.kh_con_lai"), amounts.remaining() as f64);
                values.insert(
                    format!("{key}.luy_ke"),
                    (th_truoc + amounts.disbursed) as f64,
                );
                if amounts.plan != 0 || amounts.disbursed != 0 {
                    by_source.push((
                        format!("{} - {}", source.label(), ctype.label()),
                        amounts.plan,
                        amounts.disbursed,
                    ));
                }
            }
        }
        lap("capital summaries");
        let (will_lapse, _) = self.will_lapse_total(actor, Some(code), year, end).await?;
        lap("will lapse");
        figures
            .values
            .insert("von.tong.kh_nam".to_owned(), current.totals.plan as f64);
        figures
            .values
            .insert("von.tong.gn".to_owned(), current.totals.disbursed as f64);
        figures
            .values
            .insert("von.tong.nguy_co".to_owned(), will_lapse as f64);
        let catalogue = self.store().program_items().await?;
        let mut programs = Vec::new();
        for program in &context.kind.programs {
            let name = catalogue
                .iter()
                .find(|item| item.code == *program)
                .map(|item| item.name.clone())
                .unwrap_or_else(|| program.clone());
            programs.push(Item {
                code: program.clone(),
                name,
            });
            let summary = self
                .capital_summary(actor, Some(code), year, end, Some(program))
                .await?;
            let key = format!("von.ct.{program}");
            figures
                .values
                .insert(format!("{key}.kh_nam"), summary.totals.plan as f64);
            figures
                .values
                .insert(format!("{key}.gn"), summary.totals.disbursed as f64);
        }
        figures.items.insert("programs".to_owned(), programs);
        if current.totals.plan != 0 || current.totals.disbursed != 0 || !before.is_empty() {
            figures.capital = Some(CapitalPart {
                plan_year: year,
                plan: current.totals.plan,
                disbursed: current.totals.disbursed,
                disbursed_before: before.values().sum(),
                by_source,
                will_lapse,
                slow_units: current
                    .children
                    .iter()
                    .filter(|child| child.below_average)
                    .take(10)
                    .map(|child| (child.unit.name.clone(), child.figures.rate()))
                    .collect(),
            });
        }
        lap("capital by program");
        // New-rural: recognised statuses and criteria met as of the period's last day.
        let rollup = self.ntm_rollup(actor, Some(code), end).await?;
        lap("new-rural roll-up");
        let recognised = rollup
            .by_status
            .iter()
            .any(|(status, n)| *status > NtmStatus::NotMet && *n > 0);
        if rollup.n_xa > 0 && (recognised || rollup.n_assessed > 0) {
            let at_least = |tier: NtmStatus| -> usize {
                rollup
                    .by_status
                    .iter()
                    .filter(|(status, _)| *status >= tier)
                    .map(|(_, n)| n)
                    .sum()
            };
            let n_xa = rollup.n_xa as f64;
            let values = &mut figures.values;
            for (key, count) in [
                ("ntm.xa", rollup.n_xa),
                ("ntm.dat_chuan", at_least(NtmStatus::Standard)),
                ("ntm.nang_cao", at_least(NtmStatus::Advanced)),
                ("ntm.kieu_mau", at_least(NtmStatus::Model)),
            ] {
                values.insert(format!("{key}.dat"), count as f64);
                values.insert(format!("{key}.danh_gia"), n_xa);
            }
            values.insert("ntm.danh_gia".to_owned(), rollup.n_assessed as f64);
            let mut criteria = Vec::new();
            for share in &rollup.per_criterion {
                let key = format!("ntm.tc.{}", share.code);
                values.insert(format!("{key}.dat"), share.n_met as f64);
                values.insert(format!("{key}.danh_gia"), rollup.n_assessed as f64);
                criteria.push(Item {
                    code: share.code.clone(),
                    name: share.name.clone(),
                });
            }
            figures.items.insert("ntm.criteria".to_owned(), criteria);
            let mut weakest: Vec<(String, usize, usize)> = rollup
                .per_criterion
                .iter()
                .map(|share| (share.name.clone(), share.n_met, rollup.n_assessed))
                .collect();
            weakest.sort_by_key(|(_, met, _)| *met);
            weakest.truncate(3);
            figures.ntm = Some(NtmPart {
                n_xa: rollup.n_xa,
                standard_or_above: at_least(NtmStatus::Standard),
                advanced_or_above: at_least(NtmStatus::Advanced),
                model: at_least(NtmStatus::Model),
                avg_criteria: rollup.avg_criteria,
                at_risk: rollup.at_risk.len(),
                weakest: if rollup.n_assessed > 0 {
                    weakest
                } else {
                    Vec::new()
                },
            });
        }
        // Poverty: the latest recognised lists (the period's year once it has ended, else the year before).
        let poverty_year = if end.month() == 12 && end.day() == 31 {
            year
        } else {
            year - 1
        };
        let rates = self
            .poverty_rates(actor, Some(code), poverty_year, false)
            .await;
        lap("poverty rates");
        if let Ok(rates) = rates {
            if rates.total.n_lists > 0 {
                let tally = &rates.total.tally;
                let values = &mut figures.values;
                values.insert("ngheo.ho".to_owned(), tally.households as f64);
                values.insert("ngheo.ngheo".to_owned(), tally.poor as f64);
                values.insert("ngheo.can_ngheo".to_owned(), tally.near_poor as f64);
                values.insert("ngheo.dtts.ho".to_owned(), tally.em_households as f64);
                values.insert("ngheo.dtts.ngheo".to_owned(), tally.em_poor as f64);
                values.insert("ngheo.dtts.can_ngheo".to_owned(), tally.em_near_poor as f64);
                let mut part = PovertyPart {
                    year: poverty_year,
                    households: tally.households,
                    poor: tally.poor,
                    near_poor: tally.near_poor,
                    previous_rate: rates
                        .total
                        .previous
                        .as_ref()
                        .filter(|previous| previous.households > 0)
                        .map(|previous| previous.poor as f64 / previous.households as f64),
                    em_households: tally.em_households,
                    em_poor: tally.em_poor,
                    escaped: None,
                    fell_back: None,
                    newly: None,
                };
                if let Ok(flows) = self
                    .poverty_flows(actor, Some(code), poverty_year - 1, poverty_year, false)
                    .await
                {
                    for (class, flow) in [
                        ("ngheo", &flows.total.poor),
                        ("can_ngheo", &flows.total.near_poor),
                    ] {
                        let numbers = crate::poverty_lists::flow_values(flow);
                        for ((row, _), value) in crate::poverty_lists::FLOW_ROWS.iter().zip(numbers)
                        {
                            values.insert(format!("ngheo.bd.{class}.{row}"), value as f64);
                        }
                    }
                    let poor = &flows.total.poor;
                    part.escaped = Some(poor.to_other_class + poor.rose_above);
                    part.fell_back = Some(poor.fell_back);
                    part.newly = Some(poor.newly);
                }
                figures.poverty = Some(part);
            }
        }
        lap("poverty flows");
        Ok(figures)
    }

    /// A statutory form filled for a unit and period, with the fields the unit entered (its submission's, or none).
    pub async fn report_form(
        &self,
        actor: &Actor,
        form_code: &str,
        key: ReportKey<'_>,
    ) -> Result<FilledForm, ServiceError> {
        actor.require(Permission::ReadCapital)?;
        let context = self.report_context(actor, key).await?;
        let form = reporting().forms.get(form_code.trim()).ok_or_else(|| {
            ServiceError::NotFound(format!("biểu mẫu mã \"{}\"", form_code.trim()))
        })?;
        if !context.kind.forms.iter().any(|code| code == &form.code) {
            return Err(ServiceError::Invalid(format!(
                "báo cáo \"{}\" kỳ {} không dùng biểu \"{}\" (dùng: {})",
                context.kind.code,
                context.period,
                form.code,
                context.kind.forms.join(", ")
            )));
        }
        let submission = self.submission_of(&context).await?;
        let fields = submission
            .as_ref()
            .map(|record| parse_fields(&record.fields))
            .unwrap_or_default();
        // An approved or submitted report prints the figures it was sent with.
        let figures = self.report_figures(actor, &context).await?;
        let values = match submission
            .as_ref()
            .and_then(|record| record.figures.as_deref())
        {
            Some(frozen) if submission.as_ref().is_some_and(|r| r.status != "draft") => {
                serde_json::from_str(frozen).unwrap_or(figures.values.clone())
            }
            _ => figures.values.clone(),
        };
        let heading = Heading {
            issuer: self.issuer_lines(&context).await?,
            unit_name: context.unit.name.clone(),
            period: context.period,
        };
        form.fill(&heading, &values, &fields, &figures.items)
            .map_err(|problems| ServiceError::Invalid(problems.join("; ")))
    }

    /// The unit's submission of the context's report and period, if it has one.
    async fn submission_of(
        &self,
        context: &ReportContext,
    ) -> Result<Option<SubmissionRecord>, ServiceError> {
        let period = context.period.to_string();
        Ok(self
            .store()
            .submission(&context.kind.code, &period, context.unit.id)
            .await?)
    }

    async fn issuer_lines(&self, context: &ReportContext) -> Result<Vec<String>, ServiceError> {
        let atlas = self.atlas().await?;
        let mut lines = Vec::new();
        if let Some(parent) = context
            .unit
            .parent_id
            .and_then(|id| atlas.unit(id, context.period.end()))
        {
            lines.push(format!("UBND {}", parent.name.to_uppercase()));
        }
        lines.push(format!("UBND {}", context.unit.name.to_uppercase()));
        Ok(lines)
    }

    /// The narrative report of a unit for a period, from its figures, its steering committee's tasks, the
    /// obstacles raised in the period and the fields it entered.
    pub async fn report_narrative(
        &self,
        actor: &Actor,
        key: ReportKey<'_>,
    ) -> Result<Document, ServiceError> {
        actor.require(Permission::ReadCapital)?;
        let context = self.report_context(actor, key).await?;
        if !context.kind.narrative {
            return Err(ServiceError::Invalid(format!(
                "báo cáo \"{}\" không có báo cáo thuyết minh; chỉ có biểu: {}",
                context.kind.code,
                context.kind.forms.join(", ")
            )));
        }
        let figures = self.report_figures(actor, &context).await?;
        let fields = self
            .submission_of(&context)
            .await?
            .map(|record| parse_fields(&record.fields))
            .unwrap_or_default();
        let tasks = self.narrative_tasks(actor, &context).await?;
        let obstacles = self.narrative_obstacles(&context).await?;
        let catalogue = self.store().program_items().await?;
        let programs = context
            .kind
            .programs
            .iter()
            .map(|code| {
                catalogue
                    .iter()
                    .find(|item| &item.code == code)
                    .map(|item| item.name.clone())
                    .unwrap_or_else(|| code.clone())
            })
            .collect();
        let field = |key: &str| {
            fields
                .get(key)
                .map(|text| text.trim().to_owned())
                .unwrap_or_default()
        };
        let is_province = context.unit.level == Level::Province;
        let recipients: Vec<String> = {
            let entered: Vec<String> = field("noi_nhan")
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(|line| {
                    if line.starts_with('-') {
                        line.to_owned()
                    } else {
                        format!("- {line}")
                    }
                })
                .collect();
            if entered.is_empty() {
                let mut lines = vec![match &context.recipient {
                    Some(parent) => format!("- UBND {};", parent.name),
                    None => "- Ban Chỉ đạo Trung ương các Chương trình MTQG;".to_owned(),
                }];
                if is_province {
                    lines.push("- Bộ Tài chính;".to_owned());
                    lines.push("- Bộ Nông nghiệp và Môi trường;".to_owned());
                    lines.push("- Ủy ban Dân tộc và Tôn giáo;".to_owned());
                }
                lines.push("- Lưu: VT.".to_owned());
                lines
            } else {
                entered
            }
        };
        let number = field("so_hieu");
        let input = NarrativeInput {
            parent_body: None,
            issuer: format!("ỦY BAN NHÂN DÂN\n{}", context.unit.name.to_uppercase()),
            number: if number.is_empty() {
                String::new()
            } else if number.starts_with("Số") {
                number
            } else {
                format!("Số: {number}")
            },
            place: {
                let place = field("dia_danh");
                if place.is_empty() {
                    context.unit.short_name.clone()
                } else {
                    place
                }
            },
            date: field_date(&fields),
            unit_name: in_sentence(&context.unit.name),
            period: context.period,
            programs,
            capital: figures.capital,
            ntm: figures.ntm,
            poverty: figures.poverty,
            tasks,
            obstacles,
            assessment: field("danh_gia"),
            proposals: field("kien_nghi"),
            recipients,
            signature: Signature {
                on_behalf: "TM. ỦY BAN NHÂN DÂN".to_owned(),
                position: {
                    let position = field("chuc_vu");
                    if position.is_empty() {
                        "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH".to_owned()
                    } else {
                        position.replace(" / ", "\n").to_uppercase()
                    }
                },
                name: field("nguoi_ky"),
            },
        };
        Ok(narrative::write(&input))
    }

    /// Tasks from the unit's steering committee's meetings: those due in or before the period, done or not, and the
    /// open ones that go into the next period.
    async fn narrative_tasks(
        &self,
        actor: &Actor,
        context: &ReportContext,
    ) -> Result<TasksPart, ServiceError> {
        if !actor.role.can(Permission::ReadDirection) {
            return Ok(TasksPart::default());
        }
        let end = context.period.end();
        let agencies = self.store().agencies().await?;
        let mut part = TasksPart::default();
        for meeting in self.store().meetings().await? {
            if meeting.unit_id != context.unit.id || meeting.held_on > end {
                continue;
            }
            for task in self.store().tasks_of_meeting(meeting.id).await? {
                let agency = task
                    .lead_agency_id
                    .and_then(|id| agencies.iter().find(|a| a.id == id))
                    .map(|a| a.name.clone())
                    .unwrap_or_else(|| "Chưa giao cơ quan chủ trì".to_owned());
                let line = TaskLine {
                    number: task.number.clone(),
                    content: task.content.clone(),
                    agency,
                    deadline: task.due_on,
                };
                let done = task.done_on.is_some_and(|done| done <= end);
                part.total += 1;
                if done {
                    part.done += 1;
                    if task
                        .due_on
                        .is_some_and(|due| task.done_on.is_some_and(|d| d > due))
                    {
                        part.done_late += 1;
                    }
                } else if task.due_on.is_some_and(|due| due < end) {
                    part.overdue.push(line.clone());
                    part.open.push(line);
                } else {
                    part.open.push(line);
                }
            }
        }
        Ok(part)
    }

    /// Obstacles raised in the period by the unit or units under it.
    async fn narrative_obstacles(
        &self,
        context: &ReportContext,
    ) -> Result<Vec<ObstacleLine>, ServiceError> {
        let atlas = self.atlas().await?;
        let mut lines = Vec::new();
        for obstacle in self.store().unit_obstacles(None).await? {
            if !context.period.contains(obstacle.raised_on)
                || !atlas.is_within(context.unit.id, obstacle.unit_id)
            {
                continue;
            }
            lines.push(ObstacleLine {
                raised_by: atlas
                    .unit(obstacle.unit_id, obstacle.raised_on)
                    .map(|unit| unit.name)
                    .unwrap_or_default(),
                content: if obstacle.detail.trim().is_empty() {
                    obstacle.title.clone()
                } else {
                    format!("{}: {}", obstacle.title, obstacle.detail)
                },
                answer: obstacle.answer.clone(),
            });
        }
        Ok(lines)
    }

    /// The exchange package of a unit for a period: the figures the national database collects, and the fields
    /// entered.
    pub async fn report_package(
        &self,
        actor: &Actor,
        key: ReportKey<'_>,
    ) -> Result<Package, ServiceError> {
        actor.require(Permission::ReadCapital)?;
        let context = self.report_context(actor, key).await?;
        let figures = self.report_figures(actor, &context).await?;
        let fields = self
            .submission_of(&context)
            .await?
            .map(|record| parse_fields(&record.fields))
            .unwrap_or_default();
        Ok(Package {
            format: PACKAGE_FORMAT.to_owned(),
            version: 1,
            report: context.kind.code.clone(),
            period: context.period.to_string(),
            unit: PackageUnit {
                code: context.unit.code.clone(),
                name: context.unit.name.clone(),
            },
            generated_at: Some(Utc::now().to_rfc3339()),
            values: figures.values,
            fields,
        })
    }

    /// The submission page of a unit for a report and period.
    pub async fn submission_page(
        &self,
        actor: &Actor,
        key: ReportKey<'_>,
    ) -> Result<SubmissionPage, ServiceError> {
        actor.require(Permission::ReadCapital)?;
        let context = self.report_context(actor, key).await?;
        let submission = self.submission_of(&context).await?;
        let steps = match &submission {
            Some(record) => self.store().report_steps(record.id).await?,
            None => Vec::new(),
        };
        let status = submission
            .as_ref()
            .and_then(|record| Status::parse(&record.status));
        let fields = submission
            .as_ref()
            .map(|record| parse_fields(&record.fields))
            .unwrap_or_default();
        let figures_items = self.form_items(actor, &context).await?;
        let mut form_fields = Vec::new();
        for code in &context.kind.forms {
            if let Some(form) = reporting().forms.get(code) {
                form_fields.extend(form.field_labels(&figures_items, context.period));
            }
        }
        let can_edit = actor.role.can(Permission::SubmitReport)
            && own_unit(actor, &context)
            && status.is_none_or(Status::editable);
        let can_decide = self.may_decide(actor, &context).await.is_ok();
        let on_time = match (&submission, context.deadline) {
            (Some(record), Some(deadline)) => record
                .first_submitted_on
                .map(|day| calendar::on_time(day, deadline)),
            _ => None,
        };
        Ok(SubmissionPage {
            context,
            submission,
            fields,
            steps,
            form_fields,
            status,
            can_edit,
            can_decide,
            on_time,
        })
    }

    /// The lists `each` rows expand to, without computing every figure.
    async fn form_items(
        &self,
        actor: &Actor,
        context: &ReportContext,
    ) -> Result<BTreeMap<String, Vec<Item>>, ServiceError> {
        let mut items = BTreeMap::new();
        let needs_criteria = context.kind.forms.iter().any(|code| code == "NTM-TC");
        if needs_criteria {
            let rollup = self
                .ntm_rollup(actor, Some(&context.unit.code), context.period.end())
                .await?;
            items.insert(
                "ntm.criteria".to_owned(),
                rollup
                    .per_criterion
                    .iter()
                    .map(|share| Item {
                        code: share.code.clone(),
                        name: share.name.clone(),
                    })
                    .collect(),
            );
        }
        Ok(items)
    }

    /// Whether the actor may approve, return or reopen the unit's report: the receiving level's steering role,
    /// never the unit itself.
    async fn may_decide(&self, actor: &Actor, context: &ReportContext) -> Result<(), ServiceError> {
        actor.require(Permission::ApproveReport)?;
        if actor.scope_unit_id == Some(context.unit.id) {
            return Err(ServiceError::Invalid(
                "đơn vị không tự duyệt báo cáo của mình; báo cáo do cấp trên duyệt".to_owned(),
            ));
        }
        match (&context.recipient, actor.scope_unit_id) {
            (_, None) => Ok(()),
            (Some(recipient), Some(_)) => self.require_scope(actor, recipient.id).await,
            (None, Some(_)) => Err(ServiceError::Forbidden),
        }
    }

    /// Saves the unit's entered fields, and with `Action::Submit` sends the report up, freezing the computed figures
    /// it was sent with. `version` is the version the officer edited (`None` for a new submission): when someone else
    /// saved in between, nothing is written and a conflict is returned.
    pub async fn save_submission(
        &self,
        actor: &Actor,
        key: ReportKey<'_>,
        fields: Fields,
        action: Action,
        version: Option<i64>,
    ) -> Result<Status, ServiceError> {
        actor.require(Permission::SubmitReport)?;
        if !matches!(action, Action::Save | Action::Submit) {
            return Err(ServiceError::Invalid("thao tác không hợp lệ".to_owned()));
        }
        let context = self.report_context(actor, key).await?;
        if !own_unit(actor, &context) {
            return Err(ServiceError::Invalid(format!(
                "báo cáo của {} do chính đơn vị lập và gửi; cấp trên duyệt hoặc trả lại, hoặc nhập gói dữ liệu của đơn vị",
                context.unit.name
            )));
        }
        let Some(deadline) = context.deadline else {
            return Err(ServiceError::Invalid(format!(
                "cấp {} không gửi báo cáo \"{}\" kỳ {}",
                context.unit.level.label(),
                context.kind.name,
                context.period.label()
            )));
        };
        let items = self.form_items(actor, &context).await?;
        let mut allowed: BTreeMap<String, bool> = NARRATIVE_FIELDS
            .iter()
            .map(|(key, _)| ((*key).to_owned(), false))
            .collect();
        for code in &context.kind.forms {
            if let Some(form) = reporting().forms.get(code) {
                for (key, _) in form.field_keys(&items) {
                    allowed.insert(key, true);
                }
            }
        }
        let mut labels: BTreeMap<String, String> = NARRATIVE_FIELDS
            .iter()
            .map(|(key, label)| ((*key).to_owned(), (*label).to_owned()))
            .collect();
        for code in &context.kind.forms {
            if let Some(form) = reporting().forms.get(code) {
                labels.extend(form.field_labels(&items, context.period));
            }
        }
        let mut problems = Vec::new();
        let mut kept = Fields::new();
        for (key, value) in fields {
            let value = value.trim().to_owned();
            let message = match allowed.get(&key) {
                None => Some(format!("ô \"{key}\" không thuộc báo cáo này")),
                Some(true) if !value.is_empty() => match vi::parse_number(&value) {
                    Ok(_) => None,
                    Err(err) => Some(format!("{}: {err}", field_label(&key, &labels))),
                },
                Some(false)
                    if key == "ngay_ky"
                        && !value.is_empty()
                        && vi::parse_date(&value).is_none() =>
                {
                    Some(format!(
                        "{}: ngày \"{value}\" không hợp lệ (dd/mm/yyyy)",
                        field_label(&key, &labels)
                    ))
                }
                Some(_) => None,
            };
            match message {
                Some(message) => problems.push(crate::FieldProblem { key, message }),
                None if !value.is_empty() => {
                    kept.insert(key, value);
                }
                None => {}
            }
        }
        if !problems.is_empty() {
            return Err(ServiceError::Fields(problems));
        }
        let figures = if action == Action::Submit {
            let figures = self.report_figures(actor, &context).await?;
            Some(serde_json::to_string(&figures.values).map_err(anyhow::Error::from)?)
        } else {
            None
        };
        self.write_submission(
            actor,
            &context,
            deadline,
            kept,
            figures,
            action,
            version,
            "system",
            today_in_vietnam(),
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn write_submission(
        &self,
        actor: &Actor,
        context: &ReportContext,
        deadline: NaiveDate,
        fields: Fields,
        figures: Option<String>,
        action: Action,
        version: Option<i64>,
        origin: &str,
        on: NaiveDate,
    ) -> Result<Status, ServiceError> {
        let period = context.period.to_string();
        let mut tx = self.store().begin().await?;
        let current = tx
            .submission_for_update(&context.kind.code, &period, context.unit.id)
            .await?;
        if let (Some(record), Some(version)) = (&current, version) {
            if record.version != version {
                return Err(ServiceError::Conflict {
                    message: "báo cáo vừa được người khác lưu hoặc xử lý; hãy tải lại trang, số liệu bạn nhập chưa được ghi"
                        .to_owned(),
                });
            }
        }
        let from = current
            .as_ref()
            .and_then(|record| Status::parse(&record.status));
        let to = submission::next(from, action).map_err(ServiceError::Invalid)?;
        let today = on;
        let now = if on == today_in_vietnam() {
            Utc::now()
        } else {
            // A date of the demo's reporting season: 9:00 in Vietnam.
            on.and_hms_opt(2, 0, 0).expect("valid time").and_utc()
        };
        let write = SubmissionWrite {
            report_code: context.kind.code.clone(),
            period: period.clone(),
            period_start: context.period.start(),
            period_end: context.period.end(),
            unit_id: context.unit.id,
            status: to.key().to_owned(),
            fields: serde_json::to_string(&fields).map_err(anyhow::Error::from)?,
            figures: figures.or_else(|| current.as_ref().and_then(|record| record.figures.clone())),
            origin: origin.to_owned(),
            deadline,
            first_submitted_on: current
                .as_ref()
                .and_then(|record| record.first_submitted_on)
                .or((to == Status::Submitted).then_some(today)),
            submitted_at: if to == Status::Submitted {
                Some(now)
            } else {
                current.as_ref().and_then(|record| record.submitted_at)
            },
            decided_at: current.as_ref().and_then(|record| record.decided_at),
            comment: current.as_ref().and_then(|record| record.comment.clone()),
        };
        let id = match &current {
            None => tx.insert_submission(&write).await?,
            Some(record) => {
                if !tx
                    .update_submission(record.id, record.version, &write)
                    .await?
                {
                    return Err(ServiceError::Conflict {
                        message: "báo cáo vừa được người khác lưu hoặc xử lý; hãy tải lại trang"
                            .to_owned(),
                    });
                }
                record.id
            }
        };
        tx.add_report_step(
            id,
            &NewReportStep {
                at: now,
                user_id: actor.user_id,
                actor: &actor.username,
                action: action.key(),
                from_status: from.map(Status::key),
                to_status: to.key(),
                comment: None,
            },
        )
        .await?;
        tx.append_audit(AuditEntry {
            user_id: actor.user_id,
            actor: actor.username.clone(),
            action: format!("report.{}", action.key()),
            entity: "report_submission".to_owned(),
            entity_key: format!("{}/{}/{}", context.kind.code, period, context.unit.code),
            before: from.map(|status| serde_json::json!({ "status": status.key() })),
            after: Some(serde_json::json!({
                "status": to.key(),
                "origin": origin,
                "n_fields": fields.len(),
            })),
            reason: None,
        })
        .await?;
        tx.commit().await?;
        Ok(to)
    }

    /// Approves, returns (with comments) or reopens (with a reason) a unit's report. Only the receiving level
    /// decides; returning and reopening need a comment; every step is audited.
    pub async fn decide_submission(
        &self,
        actor: &Actor,
        key: ReportKey<'_>,
        action: Action,
        comment: &str,
        version: Option<i64>,
    ) -> Result<Status, ServiceError> {
        self.decide_at(actor, key, action, comment, version, Utc::now())
            .await
    }

    /// [`Service::decide_submission`] at a given time (the demo's reporting season).
    pub(crate) async fn decide_at(
        &self,
        actor: &Actor,
        key: ReportKey<'_>,
        action: Action,
        comment: &str,
        version: Option<i64>,
        at: chrono::DateTime<Utc>,
    ) -> Result<Status, ServiceError> {
        if !action.by_receiver() {
            return Err(ServiceError::Invalid("thao tác không hợp lệ".to_owned()));
        }
        let context = self.report_context(actor, key).await?;
        self.may_decide(actor, &context).await?;
        let comment = comment.trim();
        if action.needs_comment() && comment.is_empty() {
            return Err(ServiceError::Invalid(match action {
                Action::Return => "cần ghi ý kiến khi trả lại báo cáo".to_owned(),
                _ => "cần ghi lý do mở khóa báo cáo".to_owned(),
            }));
        }
        let period_key = context.period.to_string();
        let mut tx = self.store().begin().await?;
        let Some(record) = tx
            .submission_for_update(&context.kind.code, &period_key, context.unit.id)
            .await?
        else {
            return Err(ServiceError::Invalid(
                submission::next(None, action).expect_err("no submission cannot be decided"),
            ));
        };
        if version.is_some_and(|version| version != record.version) {
            return Err(ServiceError::Conflict {
                message: "báo cáo vừa được người khác xử lý; hãy tải lại trang".to_owned(),
            });
        }
        let from = Status::parse(&record.status);
        let to = submission::next(from, action).map_err(ServiceError::Invalid)?;
        let write = SubmissionWrite {
            report_code: record.report_code.clone(),
            period: record.period.clone(),
            period_start: record.period_start,
            period_end: record.period_end,
            unit_id: record.unit_id,
            status: to.key().to_owned(),
            fields: record.fields.clone(),
            figures: record.figures.clone(),
            origin: record.origin.clone(),
            deadline: record.deadline,
            first_submitted_on: record.first_submitted_on,
            submitted_at: record.submitted_at,
            decided_at: Some(at),
            // The comment shown is the latest decision's: an approval clears an earlier return's.
            comment: (!comment.is_empty()).then(|| comment.to_owned()),
        };
        if !tx
            .update_submission(record.id, record.version, &write)
            .await?
        {
            return Err(ServiceError::Conflict {
                message: "báo cáo vừa được người khác xử lý; hãy tải lại trang".to_owned(),
            });
        }
        tx.add_report_step(
            record.id,
            &NewReportStep {
                at,
                user_id: actor.user_id,
                actor: &actor.username,
                action: action.key(),
                from_status: from.map(Status::key),
                to_status: to.key(),
                comment: (!comment.is_empty()).then_some(comment),
            },
        )
        .await?;
        tx.append_audit(AuditEntry {
            user_id: actor.user_id,
            actor: actor.username.clone(),
            action: format!("report.{}", action.key()),
            entity: "report_submission".to_owned(),
            entity_key: format!("{}/{}/{}", context.kind.code, period_key, context.unit.code),
            before: from.map(|status| serde_json::json!({ "status": status.key() })),
            after: Some(serde_json::json!({ "status": to.key() })),
            reason: (!comment.is_empty()).then(|| comment.to_owned()),
        })
        .await?;
        tx.commit().await?;
        Ok(to)
    }

    /// Approves the submitted reports of several units at once; each is decided on its own (one refused does not
    /// stop the others) and listed with its reason.
    pub async fn approve_many(
        &self,
        actor: &Actor,
        report_code: &str,
        period: &str,
        unit_codes: &[String],
    ) -> Result<BulkOutcome, ServiceError> {
        actor.require(Permission::ApproveReport)?;
        let mut outcome = BulkOutcome::default();
        for code in unit_codes {
            match self
                .decide_submission(
                    actor,
                    ReportKey::new(report_code, period, code),
                    Action::Approve,
                    "",
                    None,
                )
                .await
            {
                Ok(_) => outcome.approved.push(code.clone()),
                Err(err @ ServiceError::Other(_)) => return Err(err),
                Err(err) => outcome.refused.push((code.clone(), err.to_string())),
            }
        }
        Ok(outcome)
    }

    /// Completeness and timeliness of a report for a period among the units that report to `unit_code` (`None`: the
    /// actor's scope, or the country whose provinces report to it).
    pub async fn report_dashboard(
        &self,
        actor: &Actor,
        report_code: &str,
        period: &str,
        unit_code: Option<&str>,
    ) -> Result<ReportDashboard, ServiceError> {
        actor.require(Permission::ReadCapital)?;
        let period = Period::parse(period).map_err(ServiceError::Invalid)?;
        let kind = reporting()
            .calendar
            .report(report_code, period)
            .map_err(ServiceError::Invalid)?
            .clone();
        let atlas = self.atlas().await?;
        let end = period.end();
        let unit = match (unit_code, actor.scope_unit_id) {
            (Some(code), _) => Some(self.unit_at(actor, code, end).await?),
            (None, Some(scope)) => atlas.unit(scope, end),
            (None, None) => None,
        };
        let reporters: Vec<UnitAsOf> = match &unit {
            Some(unit) => atlas.children(unit.id, end),
            None => atlas.roots(end),
        }
        .into_iter()
        .filter(|child| kind.submitted_by(child.level))
        .collect();
        let ids: Vec<i64> = reporters
            .iter()
            .map(|reporter| reporter.id)
            .chain(unit.as_ref().map(|unit| unit.id))
            .collect();
        let submissions = self
            .store()
            .submissions_of_period(&kind.code, &period.to_string(), Some(&ids))
            .await?;
        let by_unit: BTreeMap<i64, &SubmissionRecord> = submissions
            .iter()
            .map(|record| (record.unit_id, record))
            .collect();
        let mut rows = Vec::new();
        let (mut submitted, mut on_time, mut approved, mut returned) = (0, 0, 0, 0);
        for reporter in reporters {
            let deadline = kind
                .deadline(reporter.level, period)
                .expect("filtered on level");
            let record = by_unit.get(&reporter.id);
            let status = record.and_then(|record| Status::parse(&record.status));
            let first = record.and_then(|record| record.first_submitted_on);
            let timely = first.map(|day| calendar::on_time(day, deadline));
            // Sent at least once, returned ones included: timeliness is counted among these.
            if first.is_some() {
                submitted += 1;
            }
            if timely == Some(true) {
                on_time += 1;
            }
            if status == Some(Status::Approved) {
                approved += 1;
            }
            if status == Some(Status::Returned) {
                returned += 1;
            }
            rows.push(ExpectedRow {
                unit: reporter,
                deadline,
                status,
                first_submitted_on: first,
                on_time: timely,
                comment: record.and_then(|record| record.comment.clone()),
                origin: record.map(|record| record.origin.clone()),
            });
        }
        rows.sort_by(|a, b| vi::compare(&a.unit.name, &b.unit.name));
        let own = match &unit {
            Some(unit) => by_unit.get(&unit.id).map(|record| (*record).clone()),
            None => None,
        };
        Ok(ReportDashboard {
            expected: rows.len(),
            kind,
            period,
            unit,
            rows,
            submitted,
            on_time,
            approved,
            returned,
            own,
        })
    }

    /// Reads an exchange package (JSON, or CSV with columns report, period, unit_code, kind, key, value) from a unit
    /// that does not use the system, checks it whole, and records it as that unit's submitted report, which then goes
    /// through the same approval. Nothing is written when there is any problem or in a dry run.
    pub async fn import_package(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
        dry_run: bool,
    ) -> Result<PackageImport, ServiceError> {
        actor.require(Permission::SubmitReport)?;
        let mut report = PackageImport {
            file_name: file_name.to_owned(),
            ..PackageImport::default()
        };
        let package = match parse_package(file_name, bytes) {
            Ok(package) => package,
            Err(problems) => {
                report.problems = problems;
                return Ok(report);
            }
        };
        report.report = package.report.clone();
        report.period = package.period.clone();
        report.unit_code = package.unit.code.clone();
        report.n_values = package.values.len();
        if package.format != PACKAGE_FORMAT || package.version != 1 {
            report.problems.push(format!(
                "{file_name}: định dạng \"{}\" phiên bản {} không được hỗ trợ (cần \"{PACKAGE_FORMAT}\" phiên bản 1)",
                package.format, package.version
            ));
            return Ok(report);
        }
        let context = match self
            .report_context(
                actor,
                ReportKey::new(&package.report, &package.period, &package.unit.code),
            )
            .await
        {
            Ok(context) => context,
            Err(
                err @ (ServiceError::Invalid(_)
                | ServiceError::NotFound(_)
                | ServiceError::Forbidden),
            ) => {
                report.problems.push(format!("{file_name}: {err}"));
                return Ok(report);
            }
            Err(err) => return Err(err),
        };
        report.unit_name = context.unit.name.clone();
        let Some(deadline) = context.deadline else {
            report.problems.push(format!(
                "{file_name}: cấp {} không gửi báo cáo \"{}\"",
                context.unit.level.label(),
                context.kind.code
            ));
            return Ok(report);
        };
        let items = self.form_items(actor, &context).await?;
        let mut known: BTreeSet<String> = BTreeSet::new();
        let mut field_keys: BTreeSet<String> = NARRATIVE_FIELDS
            .iter()
            .map(|(key, _)| (*key).to_owned())
            .collect();
        for code in &context.kind.forms {
            if let Some(form) = reporting().forms.get(code) {
                known.extend(form.measure_keys(&items));
                field_keys.extend(form.field_keys(&items).into_iter().map(|(key, _)| key));
            }
        }
        for (key, value) in &package.values {
            if !known.contains(key)
                && !key.starts_with("von.")
                && !key.starts_with("ngheo.")
                && !key.starts_with("ntm.")
            {
                report.problems.push(format!(
                    "{file_name}: chỉ tiêu \"{key}\" không thuộc báo cáo \"{}\"",
                    context.kind.code
                ));
            } else if !value.is_finite() || *value < 0.0 && !key.contains(".kh_con_lai") {
                report.problems.push(format!(
                    "{file_name}: chỉ tiêu \"{key}\" có giá trị {value} không hợp lệ"
                ));
            }
        }
        for (key, value) in &package.fields {
            if !field_keys.contains(key) {
                report.problems.push(format!(
                    "{file_name}: trường nhập \"{key}\" không thuộc báo cáo"
                ));
            } else if key.ends_with(".kh")
                && !value.trim().is_empty()
                && vi::parse_number(value).is_err()
            {
                report.problems.push(format!(
                    "{file_name}: trường nhập \"{key}\": \"{value}\" không phải là số"
                ));
            }
        }
        // Money is always reported (zero when there is none); new-rural and poverty figures only where the unit has
        // them, as the system's own packages do.
        let missing: Vec<&String> = known
            .iter()
            .filter(|key| key.starts_with("von.") && !package.values.contains_key(*key))
            .collect();
        if !missing.is_empty() {
            report.problems.push(format!(
                "{file_name}: thiếu {} chỉ tiêu bắt buộc của các biểu, ví dụ \"{}\"",
                missing.len(),
                missing[0]
            ));
        }
        if !report.problems.is_empty() || dry_run {
            return Ok(report);
        }
        let figures = serde_json::to_string(&package.values).map_err(anyhow::Error::from)?;
        let written = self
            .write_submission(
                actor,
                &context,
                deadline,
                package.fields.clone(),
                Some(figures),
                Action::Submit,
                None,
                "package",
                today_in_vietnam(),
            )
            .await;
        match written {
            Ok(_) => report.applied = true,
            Err(err @ (ServiceError::Invalid(_) | ServiceError::Conflict { .. })) => {
                report.problems.push(format!("{file_name}: {err}"));
            }
            Err(err) => return Err(err),
        }
        Ok(report)
    }
}

/// Parses a package file: JSON by its content, else CSV.
pub fn parse_package(file_name: &str, bytes: &[u8]) -> Result<Package, Vec<String>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| vec![format!("{file_name}: tệp không phải văn bản UTF-8")])?
        .trim_start_matches('\u{feff}');
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|err| {
            vec![format!(
                "{file_name}, dòng {}, cột {}: JSON không hợp lệ: {err}",
                err.line(),
                err.column()
            )]
        });
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(headers) => headers.iter().map(|h| h.trim().to_owned()).collect(),
        Err(err) => return Err(vec![format!("{file_name}: {err}")]),
    };
    let expected = ["report", "period", "unit_code", "kind", "key", "value"];
    if headers != expected {
        return Err(vec![format!(
            "{file_name}, dòng 1: tiêu đề cột phải là {}",
            expected.join(",")
        )]);
    }
    let mut problems = Vec::new();
    let mut package: Option<Package> = None;
    for (idx, record) in reader.records().enumerate() {
        let row = idx + 2;
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                problems.push(format!(
                    "{file_name}, dòng {row}: không đọc được dòng (số cột phải là 6; ô có dấu phẩy cần đặt trong \"…\"): {err}"
                ));
                continue;
            }
        };
        let cell = |i: usize| record.get(i).unwrap_or("").trim().to_owned();
        let package = package.get_or_insert_with(|| Package {
            format: PACKAGE_FORMAT.to_owned(),
            version: 1,
            report: cell(0),
            period: cell(1),
            unit: PackageUnit {
                code: cell(2),
                name: String::new(),
            },
            generated_at: None,
            values: BTreeMap::new(),
            fields: BTreeMap::new(),
        });
        for (col, name, current) in [
            (0, "report", package.report.clone()),
            (1, "period", package.period.clone()),
            (2, "unit_code", package.unit.code.clone()),
        ] {
            if cell(col) != current {
                problems.push(format!(
                    "{file_name}, dòng {row}, cột \"{name}\": \"{}\" khác dòng đầu (\"{current}\"); một tệp là một báo cáo",
                    cell(col)
                ));
            }
        }
        let key = cell(4);
        match cell(3).as_str() {
            "value" => match cell(5).parse::<f64>() {
                Ok(value) => {
                    package.values.insert(key, value);
                }
                Err(_) => problems.push(format!(
                    "{file_name}, dòng {row}, cột \"value\": \"{}\" không phải là số (dùng dấu chấm thập phân, không nhóm nghìn)",
                    cell(5)
                )),
            },
            "field" => {
                package.fields.insert(key, cell(5));
            }
            other => problems.push(format!(
                "{file_name}, dòng {row}, cột \"kind\": \"{other}\" phải là value hoặc field"
            )),
        }
    }
    match (package, problems.is_empty()) {
        (Some(package), true) => Ok(package),
        (None, true) => Err(vec![format!("{file_name}: tệp không có dòng số liệu")]),
        (_, false) => Err(problems),
    }
}

/// A package as CSV (columns report, period, unit_code, kind, key, value), values with "." as decimal mark.
pub fn package_csv(package: &Package) -> Result<Vec<u8>, ServiceError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let io = |err: csv::Error| ServiceError::Other(anyhow::Error::from(err));
    writer
        .write_record(["report", "period", "unit_code", "kind", "key", "value"])
        .map_err(io)?;
    for (key, value) in &package.values {
        writer
            .write_record([
                package.report.as_str(),
                package.period.as_str(),
                package.unit.code.as_str(),
                "value",
                key.as_str(),
                &value.to_string(),
            ])
            .map_err(io)?;
    }
    for (key, value) in &package.fields {
        writer
            .write_record([
                package.report.as_str(),
                package.period.as_str(),
                package.unit.code.as_str(),
                "field",
                key.as_str(),
                value.as_str(),
            ])
            .map_err(io)?;
    }
    writer
        .into_inner()
        .map_err(|err| ServiceError::Other(anyhow::anyhow!("{err}")))
}

/// A filled form as an XLSX file.
pub fn form_xlsx(form: &FilledForm) -> Result<Vec<u8>, ServiceError> {
    mtqg_xlsx::form::write_form(form).map_err(|err| ServiceError::Other(anyhow::Error::from(err)))
}

/// A narrative document as a DOCX file.
pub fn narrative_docx(document: &Document) -> Result<Vec<u8>, ServiceError> {
    mtqg_docx::write_document(document).map_err(|err| ServiceError::Other(anyhow::Error::from(err)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_calendar_and_forms_load_and_agree() {
        let reporting = load_reporting().unwrap();
        assert!(reporting.forms.contains_key("HUYDONG"));
        let half = reporting
            .calendar
            .report("6T", Period::FirstHalf(2025))
            .unwrap();
        assert!(half.submitted_by(Level::District));
        let new = reporting
            .calendar
            .report("6T", Period::FirstHalf(2026))
            .unwrap();
        assert!(
            !new.submitted_by(Level::District),
            "no districts from 1/7/2025"
        );
    }

    #[test]
    fn a_csv_package_reads_values_and_fields_and_names_bad_rows() {
        let csv = "report,period,unit_code,kind,key,value\n6T,2025-H1,01,value,von.nstw.dtpt.th_ky,1500000000\n\
                   6T,2025-H1,01,field,kien_nghi,Đề nghị bổ sung vốn\n";
        let package = parse_package("goi.csv", csv.as_bytes()).unwrap();
        assert_eq!(package.values["von.nstw.dtpt.th_ky"], 1_500_000_000.0);
        assert_eq!(package.fields["kien_nghi"], "Đề nghị bổ sung vốn");
        let round = parse_package("goi.csv", &package_csv(&package).unwrap()).unwrap();
        assert_eq!(round.values, package.values);
        let bad = "report,period,unit_code,kind,key,value\n6T,2025-H1,01,value,a,\"1.234,5\"\n6T,2025-H1,02,other,b,1\n";
        let problems = parse_package("goi.csv", bad.as_bytes()).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("dòng 2")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("dòng 3, cột \"unit_code\"")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("cột \"kind\"")),
            "{problems:?}"
        );
    }
}

//! Generated capital data from a fixed seed: plans assigned to provinces, allocated down the tree valid in each plan
//! year to communes and their investment projects, weekly disbursement along an S-curve, commitments, progress and
//! obstacles. Used by `serve --demo` (one province) and by the benchmarks (the whole country).
//!
//! Every event goes through the same checks as a user's import; generation is province by province, one
//! transaction each, so memory stays bounded at national scale.

use chrono::{Datelike, Duration, NaiveDate};
use mtqg_core::atlas::Atlas;
use mtqg_core::geo::Level;
use mtqg_core::money::{CapitalType, EventKind, Source};
use mtqg_store::NewProject;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::auth::Actor;
use crate::money::EventInput;
use crate::{Service, ServiceError};

mod direction;
mod ntm;
mod poverty;
mod report;

pub use direction::DirectionDemoReport;
pub use ntm::{NationalNtm, NtmDemoReport, DEMO_SET};
pub use poverty::{household_header, PovertyDemoReport, SyntheticHouseholds};
pub use report::ReportDemoReport;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoPlan {
    /// Province codes as of each plan year's start; all provinces when empty.
    pub provinces: Vec<String>,
    pub plan_years: Vec<i32>,
    /// Projects per commune and plan year (fractional: 0.3 gives about one commune in three).
    pub projects_per_commune: f64,
    /// No event after this date (today, for the demo).
    pub until: NaiveDate,
    /// Progress reports, commitments and obstacles (the demo); off for bulk benchmarks.
    pub details: bool,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct DemoReport {
    pub n_projects: usize,
    pub n_events: usize,
    /// Seconds spent checking and writing events (the import path), excluding generation.
    pub posting_seconds: f64,
}

/// The program items generated money goes to, with their share of a province's plan.
const ITEMS_2021: [(&str, CapitalType, f64); 5] = [
    ("GNBV.DA1", CapitalType::Investment, 0.30),
    ("DTTS.DA4", CapitalType::Investment, 0.30),
    ("NTM.ND02", CapitalType::Investment, 0.25),
    ("GNBV.DA4", CapitalType::Recurrent, 0.10),
    ("DTTS.DA5", CapitalType::Recurrent, 0.05),
];

/// From 2026 the merged program's components are not in the shipped catalogue yet: money goes to the program.
const ITEMS_2026: [(&str, CapitalType, f64); 2] = [
    ("MTQG26", CapitalType::Investment, 0.8),
    ("MTQG26", CapitalType::Recurrent, 0.2),
];

const SOURCES: [(Source, f64); 2] = [(Source::Central, 0.8), (Source::LocalProvince, 0.2)];

/// The last day money of a year is generated for: 31/1 of the next year, or the day before the 2025 reform for
/// money of a year whose tree ends then.
fn money_end(atlas: &Atlas, province_id: i64, plan_year: i32, until: NaiveDate) -> NaiveDate {
    let deadline = NaiveDate::from_ymd_opt(plan_year + 1, 1, 31).expect("31 January exists");
    let unit_end = atlas
        .stored(province_id)
        .and_then(|unit| unit.validity.to)
        .map(|to| to - Duration::days(1))
        .unwrap_or(deadline);
    deadline.min(unit_end).min(until)
}

/// Smooth S-curve share of a project's disbursement done by `t` in [0, 1].
fn s_curve(t: f64) -> f64 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Rounds to whole thousand đồng, as amounts in reports are.
fn round_thousand(amount: f64) -> i64 {
    ((amount / 1_000.0).round() as i64) * 1_000
}

struct PlannedProject {
    code: String,
    commune_code: String,
    item: &'static str,
    capital_type: CapitalType,
    source: Source,
    allocation: i64,
    start: NaiveDate,
    end: NaiveDate,
    /// Share of the allocation disbursed by the end.
    reach: f64,
}

const PLACES: [&str; 8] = [
    "bản Tà Cóm",
    "thôn Đông",
    "bản Mới",
    "thôn Trung Tâm",
    "bản Pù Quăn",
    "thôn Nam",
    "bản Sài Khao",
    "thôn Bắc",
];
const WORKS: [&str; 6] = [
    "Đường giao thông nông thôn",
    "Nhà văn hóa",
    "Kênh mương nội đồng",
    "Trường mầm non",
    "Công trình nước sinh hoạt tập trung",
    "Cầu treo dân sinh",
];

impl Service {
    /// Generates plans, allocations, projects and disbursement as described by `plan`.
    pub async fn generate_capital(
        &self,
        plan: &DemoPlan,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<DemoReport, ServiceError> {
        let actor = Actor::system();
        let mut rng = StdRng::seed_from_u64(plan.seed);
        let mut report = DemoReport::default();
        let atlas = self.atlas().await?;
        let item_ids: std::collections::HashMap<String, i64> = self
            .store()
            .program_items()
            .await?
            .into_iter()
            .map(|item| (item.code, item.id))
            .collect();
        for &plan_year in &plan.plan_years {
            let tree_date = NaiveDate::from_ymd_opt(plan_year, 1, 15).expect("valid date");
            let provinces: Vec<_> = atlas
                .roots(tree_date)
                .into_iter()
                .filter(|province| {
                    plan.provinces.is_empty() || plan.provinces.contains(&province.code)
                })
                .collect();
            let items: &[(&str, CapitalType, f64)] = if plan_year >= 2026 {
                &ITEMS_2026
            } else {
                &ITEMS_2021
            };
            for province in provinces {
                progress(&format!("{} — năm {plan_year}", province.name));
                let end = money_end(&atlas, province.id, plan_year, plan.until);
                let plan_date = NaiveDate::from_ymd_opt(plan_year, 1, 10).expect("valid date");
                if end <= plan_date + Duration::days(30) {
                    continue;
                }
                // Communes with their district (before the reform) under the province.
                let communes: Vec<(String, Option<String>, Option<NaiveDate>)> = atlas
                    .descendants(province.id, tree_date, Some(Level::Commune))
                    .into_iter()
                    .filter(|commune| commune.unit_type == "Xã")
                    .map(|commune| {
                        let district = atlas
                            .unit(commune.parent_id.unwrap_or_default(), tree_date)
                            .filter(|parent| parent.level == Level::District)
                            .map(|parent| parent.code);
                        (commune.code, district, commune.unit_valid_to)
                    })
                    .collect();
                let mut projects: Vec<PlannedProject> = Vec::new();
                for (commune_code, _, commune_end) in &communes {
                    let end = commune_end
                        .map(|to| (to - Duration::days(1)).min(end))
                        .unwrap_or(end);
                    let mut n = plan.projects_per_commune.floor() as usize;
                    if rng.gen::<f64>() < plan.projects_per_commune.fract() {
                        n += 1;
                    }
                    for _ in 0..n {
                        let roll: f64 = rng.gen();
                        let mut cumulative = 0.0;
                        let &(item, capital_type, _) = items
                            .iter()
                            .find(|(_, _, share)| {
                                cumulative += share;
                                roll < cumulative
                            })
                            .unwrap_or(&items[0]);
                        let source = if rng.gen::<f64>() < SOURCES[0].1 {
                            SOURCES[0].0
                        } else {
                            SOURCES[1].0
                        };
                        let start = plan_date + Duration::days(rng.gen_range(20..90));
                        // Recurrent money belongs to its budget year (see `Deadlines::standard`).
                        let year_end =
                            NaiveDate::from_ymd_opt(plan_year, 12, 31).expect("31 December exists");
                        let money_end = if capital_type == CapitalType::Recurrent {
                            end.min(year_end)
                        } else {
                            end
                        };
                        let project_end =
                            (start + Duration::days(rng.gen_range(150..330))).min(money_end);
                        if project_end <= start + Duration::days(14) {
                            continue;
                        }
                        let reach = if rng.gen::<f64>() < 0.2 {
                            rng.gen_range(0.3..0.7)
                        } else {
                            rng.gen_range(0.8..1.0)
                        };
                        projects.push(PlannedProject {
                            code: format!(
                                "{plan_year}-{commune_code}-{:02}",
                                projects.len() % 100 + 1
                            ),
                            commune_code: commune_code.clone(),
                            item,
                            capital_type,
                            source,
                            allocation: round_thousand(rng.gen_range(0.5e9..12e9)),
                            start,
                            end: project_end,
                            reach,
                        });
                    }
                }
                for (i, project) in projects.iter_mut().enumerate() {
                    project.code = format!("DA{plan_year}-{}-{:04}", project.commune_code, i + 1);
                }
                let mut inputs: Vec<EventInput> = Vec::new();
                let event =
                    |kind, unit: &str, item: &str, source, ctype, amount, date| EventInput {
                        kind,
                        unit_code: Some(unit.to_owned()),
                        project_code: None,
                        to_unit_code: None,
                        to_project_code: None,
                        item_code: Some(item.to_owned()),
                        source,
                        capital_type: Some(ctype),
                        plan_year,
                        amount,
                        date,
                        legal_basis: String::new(),
                        adjusts: None,
                        deadline: None,
                        reason: String::new(),
                    };
                // Sums per bucket up the tree: commune, district, province (+10% each level kept unallocated).
                use std::collections::BTreeMap;
                let mut per_commune: BTreeMap<(String, &str, Source, CapitalType), i64> =
                    BTreeMap::new();
                for project in &projects {
                    *per_commune
                        .entry((
                            project.commune_code.clone(),
                            project.item,
                            project.source,
                            project.capital_type,
                        ))
                        .or_default() += project.allocation;
                }
                let district_of: std::collections::HashMap<&String, &Option<String>> = communes
                    .iter()
                    .map(|(code, district, _)| (code, district))
                    .collect();
                let mut per_district: BTreeMap<(String, &str, Source, CapitalType), i64> =
                    BTreeMap::new();
                let mut per_province: BTreeMap<(&str, Source, CapitalType), i64> = BTreeMap::new();
                let slack = |amount: i64| round_thousand(amount as f64 * 1.1);
                for ((commune, item, source, ctype), amount) in &per_commune {
                    let with_slack = slack(*amount);
                    match district_of.get(commune).copied().cloned().flatten() {
                        Some(district) => {
                            *per_district
                                .entry((district, item, *source, *ctype))
                                .or_default() += with_slack
                        }
                        None => {
                            *per_province.entry((item, *source, *ctype)).or_default() += with_slack
                        }
                    }
                }
                for ((_, item, source, ctype), amount) in &per_district {
                    *per_province.entry((item, *source, *ctype)).or_default() += slack(*amount);
                }
                for ((item, source, ctype), amount) in &per_province {
                    inputs.push(event(
                        EventKind::AnnualPlan,
                        &province.code,
                        item,
                        *source,
                        *ctype,
                        slack(*amount),
                        plan_date,
                    ));
                }
                let allocate_date = plan_date + Duration::days(5);
                for ((district, item, source, ctype), amount) in &per_district {
                    inputs.push(EventInput {
                        to_unit_code: Some(district.clone()),
                        ..event(
                            EventKind::Allocation,
                            &province.code,
                            item,
                            *source,
                            *ctype,
                            slack(*amount),
                            allocate_date,
                        )
                    });
                }
                for ((commune, item, source, ctype), amount) in &per_commune {
                    let from = district_of
                        .get(commune)
                        .copied()
                        .cloned()
                        .flatten()
                        .unwrap_or(province.code.clone());
                    inputs.push(EventInput {
                        to_unit_code: Some(commune.clone()),
                        ..event(
                            EventKind::Allocation,
                            &from,
                            item,
                            *source,
                            *ctype,
                            slack(*amount),
                            allocate_date + Duration::days(5),
                        )
                    });
                }
                let mut new_projects = Vec::with_capacity(projects.len());
                for (i, project) in projects.iter().enumerate() {
                    let unit = atlas
                        .unit_by_code(&project.commune_code, tree_date)
                        .ok_or_else(|| ServiceError::Other(anyhow::anyhow!("commune vanished")))?;
                    let item_id = *item_ids.get(project.item).ok_or_else(|| {
                        ServiceError::Other(anyhow::anyhow!(
                            "catalogue item {} missing",
                            project.item
                        ))
                    })?;
                    new_projects.push(NewProject {
                        code: project.code.clone(),
                        name: format!(
                            "{} {}",
                            WORKS[i % WORKS.len()],
                            PLACES[(i / WORKS.len()) % PLACES.len()]
                        ),
                        unit_id: unit.id,
                        location_ids: vec![unit.id],
                        investor: format!("UBND {}", unit.name),
                        item_id,
                        capital_type: project.capital_type,
                        sources: project.source.key().to_owned(),
                        total_investment: round_thousand(project.allocation as f64 * 1.15),
                        approval: format!(
                            "QĐ {}/QĐ-UBND ngày {}",
                            100 + i,
                            mtqg_core::vi::format_date(project.start)
                        ),
                        start_date: Some(project.start),
                        end_date: Some(project.end),
                        status: if project.end < plan.until {
                            "hoan_thanh"
                        } else {
                            "dang_thuc_hien"
                        }
                        .to_owned(),
                        contractors: format!("Công ty TNHH Xây dựng số {}", i % 17 + 1),
                    });
                    inputs.push(EventInput {
                        to_project_code: Some(project.code.clone()),
                        ..event(
                            EventKind::Allocation,
                            &project.commune_code,
                            project.item,
                            project.source,
                            project.capital_type,
                            project.allocation,
                            project.start,
                        )
                    });
                    // Weekly disbursement along the S-curve, up to `reach` of the allocation.
                    let span = (project.end - project.start).num_days().max(7) as f64;
                    let target = project.allocation as f64 * project.reach;
                    let mut done = 0_i64;
                    let mut day = project.start + Duration::days(7);
                    while day <= project.end {
                        let t = (day - project.start).num_days() as f64 / span;
                        let due = round_thousand(target * s_curve(t));
                        if due > done {
                            inputs.push(EventInput {
                                project_code: Some(project.code.clone()),
                                unit_code: None,
                                item_code: None,
                                capital_type: None,
                                ..event(
                                    EventKind::Disbursement,
                                    "",
                                    project.item,
                                    project.source,
                                    project.capital_type,
                                    due - done,
                                    day,
                                )
                            });
                            done = due;
                        }
                        day += Duration::days(7);
                    }
                }
                let mut tx = self.store().begin().await?;
                tx.insert_projects_bulk(&new_projects).await?;
                tx.commit().await?;
                report.n_projects += new_projects.len();
                let started = std::time::Instant::now();
                let n_inputs = inputs.len();
                let posted = self.post_generated(&actor, inputs).await?;
                report.posting_seconds += started.elapsed().as_secs_f64();
                if posted != n_inputs {
                    return Err(ServiceError::Other(anyhow::anyhow!(
                        "generated events were refused ({} of {n_inputs} recorded)",
                        posted
                    )));
                }
                report.n_events += posted;
                if plan.details {
                    self.generate_details(&projects, plan.until, &mut rng)
                        .await?;
                }
            }
        }
        Ok(report)
    }

    /// Commitments, monthly progress and a few obstacles for the demo's projects.
    async fn generate_details(
        &self,
        projects: &[PlannedProject],
        until: NaiveDate,
        rng: &mut StdRng,
    ) -> Result<(), ServiceError> {
        let actor = Actor::system();
        for project in projects {
            let mut months = Vec::new();
            let mut month = NaiveDate::from_ymd_opt(project.start.year(), project.start.month(), 1)
                .expect("valid");
            let n_months = ((project.end - project.start).num_days() / 30).max(1);
            while month <= project.end {
                months.push((
                    month,
                    round_thousand(project.allocation as f64 / n_months as f64),
                ));
                month = mtqg_core::money::next_month(month);
            }
            self.set_commitments(&actor, &project.code, months, None)
                .await?;
            let mut day = project.start + Duration::days(30);
            while day <= project.end.min(until) {
                let t = (day - project.start).num_days() as f64
                    / (project.end - project.start).num_days().max(1) as f64;
                let pct = (s_curve(t) * project.reach * 100.0 + rng.gen_range(-3.0..3.0))
                    .clamp(0.0, 100.0);
                let value = round_thousand(project.allocation as f64 * pct / 100.0);
                self.report_progress(
                    &actor,
                    &project.code,
                    day,
                    (pct * 10.0).round() / 10.0,
                    value,
                    "",
                )
                .await?;
                day += Duration::days(30);
            }
            if project.reach < 0.7 {
                let raised = project.start + Duration::days(45);
                let kind = if rng.gen::<bool>() {
                    "mat_bang"
                } else {
                    "thu_tuc"
                };
                let description = if kind == "mat_bang" {
                    "Vướng giải phóng mặt bằng, một số hộ chưa đồng ý nhận tiền bồi thường"
                } else {
                    "Chậm phê duyệt điều chỉnh thiết kế, dự toán"
                };
                let id = self
                    .raise_obstacle(
                        &actor,
                        &project.code,
                        kind,
                        description,
                        "UBND xã",
                        raised.min(until),
                    )
                    .await?;
                if rng.gen::<bool>() && raised + Duration::days(40) <= until {
                    self.resolve_obstacle(&actor, &project.code, id, raised + Duration::days(40))
                        .await?;
                }
            }
        }
        Ok(())
    }
}

/// One step of `generate_everything`: what it made and how long it took.
#[derive(Debug, Clone)]
pub struct DemoStep {
    pub capability: &'static str,
    pub made: String,
    pub seconds: f64,
}

impl Service {
    /// Consistent demo data across every capability, from one seed: the capital ledger and projects of `plan`
    /// (one province, or the country when `plan.provinces` is empty), then new-rural recognitions and assessments,
    /// direction (meetings and tasks of Thanh Hóa), poverty lists of both eras and the 2026 half-year reports of the same
    /// provinces. The province scale goes through the forms' use cases; the national one seeds new-rural data in bulk
    /// and keeps a few households per commune so that it finishes in minutes.
    pub async fn generate_everything(
        &self,
        plan: &DemoPlan,
        today: NaiveDate,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<Vec<DemoStep>, ServiceError> {
        let national = plan.provinces.is_empty();
        let provinces: Vec<String> = if national {
            let reform = NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date");
            self.atlas()
                .await?
                .of_level(mtqg_core::geo::Level::Province, reform)
                .into_iter()
                .map(|unit| unit.code)
                .collect()
        } else {
            plan.provinces.clone()
        };
        // Counts in Vietnamese format (99.314), as every figure the product shows.
        let n = |count: usize| mtqg_core::vi::format_int(count as i64);
        let mut steps = Vec::new();
        let mut step = |capability: &'static str, made: String, started: std::time::Instant| {
            steps.push(DemoStep {
                capability,
                made,
                seconds: started.elapsed().as_secs_f64(),
            });
        };
        let started = std::time::Instant::now();
        progress("vốn");
        let capital = self.generate_capital(plan, progress).await?;
        step(
            "vốn",
            format!(
                "{} dự án, {} nghiệp vụ vốn",
                n(capital.n_projects),
                n(capital.n_events)
            ),
            started,
        );
        let started = std::time::Instant::now();
        progress("nông thôn mới");
        let made = if national {
            let seeded = self.generate_ntm_national().await?;
            format!(
                "{} xã, {} bản ghi công nhận, đánh giá, đăng ký",
                n(seeded.n_xa),
                n(seeded.n_rows)
            )
        } else {
            let mut made = Vec::new();
            for (idx, province) in provinces.iter().enumerate() {
                let report = self
                    .generate_ntm(province, today, plan.seed + idx as u64)
                    .await?;
                made.push(format!(
                    "{}: {} đánh giá, {} công nhận",
                    province,
                    n(report.n_assessments),
                    n(report.n_recognitions)
                ));
            }
            made.join("; ")
        };
        step("nông thôn mới", made, started);
        let started = std::time::Instant::now();
        progress("chỉ đạo, điều hành");
        let direction = self.generate_direction("38", today).await?;
        step(
            "chỉ đạo, điều hành",
            format!(
                "{} cuộc họp, {} nhiệm vụ, {} kiến nghị (tỉnh 38)",
                direction.n_meetings, direction.n_tasks, direction.n_obstacles
            ),
            started,
        );
        let started = std::time::Instant::now();
        let (years, per_commune) = if national {
            (2024..=2025, 6)
        } else {
            (2023..=2025, 40)
        };
        let (mut households, mut lists) = (0, 0);
        for (idx, province) in provinces.iter().enumerate() {
            progress(&format!("giảm nghèo: tỉnh {province}"));
            let report = self
                .generate_poverty(
                    province,
                    years.clone(),
                    per_commune,
                    plan.seed + idx as u64,
                    &|_| {},
                )
                .await?;
            households += report.n_households;
            lists += report.n_lists;
        }
        step(
            "giảm nghèo",
            format!("{} hộ, {} danh sách đã công nhận", n(households), n(lists)),
            started,
        );
        let started = std::time::Instant::now();
        let (mut communes, mut approved) = (0, 0);
        for province in &provinces {
            progress(&format!("báo cáo: tỉnh {province}"));
            let report = self.generate_reporting(province, "2026-H1").await?;
            communes += report.n_communes;
            approved += report.approved;
        }
        step(
            "báo cáo",
            format!(
                "báo cáo 6 tháng 2026 của {} xã, {} đã duyệt",
                n(communes),
                n(approved)
            ),
            started,
        );
        Ok(steps)
    }
}

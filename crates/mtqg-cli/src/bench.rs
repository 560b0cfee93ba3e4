//! `mtqg bench`: loads the shipped geography into the given (empty) database and times the as-of queries.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::NaiveDate;
use mtqg_core::geo::Level;
use mtqg_service::{Actor, Service};

use crate::output;

/// Which benchmark suite to run.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Suite {
    Geography,
    Capital,
    Ntm,
}

/// How much generated data.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Scale {
    /// Thanh Hóa, plan years 2022–2026, about 300 projects with details (the demo).
    Province,
    /// 34 provinces, 3,321 communes, about 100,000 projects, plan years 2026–2030, weekly disbursement.
    National,
}

/// The generation plan of a scale.
pub(crate) fn demo_plan(scale: Scale, seed: u64) -> mtqg_service::demo::DemoPlan {
    match scale {
        Scale::Province => mtqg_service::demo::DemoPlan {
            provinces: vec!["38".to_owned()],
            plan_years: vec![2022, 2023, 2024, 2025, 2026],
            projects_per_commune: 0.15,
            until: chrono::Utc::now().date_naive(),
            details: true,
            seed,
        },
        Scale::National => mtqg_service::demo::DemoPlan {
            provinces: Vec::new(),
            plan_years: vec![2026, 2027, 2028, 2029, 2030],
            projects_per_commune: 7.6,
            until: NaiveDate::from_ymd_opt(2031, 12, 31).expect("valid date"),
            details: false,
            seed,
        },
    }
}

/// Loads the geography, generates capital data at `scale` through the ledger checks (the import rate), then times
/// capital summaries for the country, a province and a commune, and the cost of one more disbursement.
pub(crate) async fn capital(
    service: &Service,
    iterations: usize,
    scale: Scale,
) -> anyhow::Result<()> {
    let store = service.store();
    store.migrate().await.context("while migrating")?;
    service.load_shipped_geography(&|_| {}).await?;
    service.load_shipped_catalogue().await?;
    let started = Instant::now();
    let plan = demo_plan(scale, 2026);
    let n_existing = store.count_events().await?;
    if n_existing > 0 {
        output::line(&format!(
            "using the {n_existing} events already stored (generation skipped)"
        ));
    } else {
        let report = service
            .generate_capital(&plan, &|step| tracing::info!(step, "generating"))
            .await?;
        output::line(&format!(
            "generate and record: {} projects, {} events in {:.1} s; checking and writing events took {:.1} s = {:.0} events/s",
            report.n_projects,
            report.n_events,
            started.elapsed().as_secs_f64(),
            report.posting_seconds,
            report.n_events as f64 / report.posting_seconds.max(1e-9)
        ));
    }
    store.analyze().await?;
    let actor = Actor::system();
    let year = *plan
        .plan_years
        .iter()
        .rev()
        .nth(2)
        .unwrap_or(&plan.plan_years[0]);
    let as_of = NaiveDate::from_ymd_opt(year, 12, 31).expect("valid date");
    let tree = NaiveDate::from_ymd_opt(year, 6, 1).expect("valid date");
    let province = plan
        .provinces
        .first()
        .cloned()
        .unwrap_or_else(|| "38".to_owned());
    let atlas = service.atlas().await?;
    let province_id = atlas
        .unit_by_code(&province, tree)
        .context("province exists")?
        .id;
    // A commune of the province with a project that still has money, for the commune summary and the single event.
    let descendants = atlas.descendant_ids(province_id, tree);
    let prefix = format!("DA{year}-");
    let mut project = None;
    for (_, code, unit_id, ..) in store.project_keys().await? {
        if !descendants.contains(&unit_id) || !code.starts_with(&prefix) {
            continue;
        }
        let page = service.project_page(&actor, &code).await?;
        if page.allocated - page.disbursed > 1_000_000 {
            project = Some(page.project);
            break;
        }
    }
    let project = project.context("a project with money left exists")?;
    let commune = atlas
        .unit(project.unit_id, tree)
        .context("commune exists")?
        .code;
    let mut timings: Vec<(String, Vec<Duration>)> = vec![
        (
            format!("capital summary of the country, plan year {year}"),
            Vec::new(),
        ),
        (
            format!("capital summary of a province ({province}), plan year {year}"),
            Vec::new(),
        ),
        (
            format!("capital summary of a commune ({commune}), plan year {year}"),
            Vec::new(),
        ),
    ];
    for _ in 0..iterations {
        for (idx, unit) in [None, Some(province.as_str()), Some(commune.as_str())]
            .into_iter()
            .enumerate()
        {
            let t = Instant::now();
            service
                .capital_summary(&actor, unit, year, as_of, None)
                .await?;
            timings[idx].1.push(t.elapsed());
        }
    }
    let mut single = Vec::new();
    for i in 0..iterations.min(100) {
        let input = mtqg_service::money::EventInput {
            kind: mtqg_core::money::EventKind::Disbursement,
            unit_code: None,
            project_code: Some(project.code.clone()),
            to_unit_code: None,
            to_project_code: None,
            item_code: None,
            source: mtqg_core::money::Source::parse(&project.sources)
                .unwrap_or(mtqg_core::money::Source::Central),
            capital_type: None,
            plan_year: project
                .start_date
                .map(|d| chrono::Datelike::year(&d))
                .unwrap_or(year),
            amount: 1_000,
            date: project.end_date.unwrap_or(tree) - chrono::Duration::days(i as i64 % 5),
            legal_basis: String::new(),
            adjusts: None,
            deadline: None,
            reason: String::new(),
        };
        let t = Instant::now();
        service.record_event(&actor, input).await?;
        single.push(t.elapsed());
    }
    output::line(&format!(
        "capital queries, {iterations} runs each (p50 / p95 ms):"
    ));
    for (name, samples) in &mut timings {
        output::line(&format!(
            "  {name}: {:.2} / {:.2}",
            percentile(samples, 0.50),
            percentile(samples, 0.95)
        ));
    }
    output::line(&format!(
        "  one more disbursement (checks, event, balances, daily aggregates, audit), {} runs: {:.2} / {:.2}",
        single.len(),
        percentile(&mut single, 0.50),
        percentile(&mut single, 0.95)
    ));
    Ok(())
}

fn percentile(samples: &mut [Duration], pct: f64) -> f64 {
    samples.sort();
    let idx = ((samples.len() as f64 * pct).ceil() as usize).clamp(1, samples.len()) - 1;
    samples[idx].as_secs_f64() * 1000.0
}

pub(crate) async fn run(service: &Service, iterations: usize) -> anyhow::Result<()> {
    let store = service.store();
    store.migrate().await.context("while migrating")?;
    let started = Instant::now();
    let loaded = service.load_shipped_geography(&|_| {}).await?;
    let load_seconds = started.elapsed().as_secs_f64();
    let (n_units, n_versions, n_edges) = store.geo_totals().await?;
    match loaded {
        Some(_) => output::line(&format!(
            "load shipped geography: {load_seconds:.2} s ({n_units} units, {n_versions} versions, {n_edges} lineage edges)"
        )),
        None => output::line("load shipped geography: skipped (database not empty; point --database-url at an empty one to time it)"),
    }
    let mut rebuilds = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        store.load_atlas().await?;
        rebuilds.push(t.elapsed());
    }
    output::line(&format!(
        "rebuild the in-memory atlas after a write (5 runs, p50 / max ms): {:.1} / {:.1}",
        percentile(&mut rebuilds, 0.5),
        percentile(&mut rebuilds, 1.0)
    ));
    let actor = Actor::system();
    let in_2023 = NaiveDate::from_ymd_opt(2023, 6, 1).expect("valid date");
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).expect("valid date");
    let thanh_hoa = service.unit_at(&actor, "38", in_2023).await?.id;
    let commune = service.unit_at(&actor, "14848", in_2023).await?.id;
    let mut timings: Vec<(&str, Vec<Duration>)> = vec![
        (
            "descendants of a province (Thanh Hóa, 2023: 27 districts + 559 communes)",
            Vec::new(),
        ),
        ("path of a commune (2023)", Vec::new()),
        ("search \"muong lat\" (2023)", Vec::new()),
        ("search \"ba dinh\" (today)", Vec::new()),
        ("unit page of a 2025 commune with lineage", Vec::new()),
        ("communes of a province (today)", Vec::new()),
    ];
    for _ in 0..iterations {
        let t = Instant::now();
        service.atlas().await?.descendants(thanh_hoa, in_2023, None);
        timings[0].1.push(t.elapsed());
        let t = Instant::now();
        service.atlas().await?.path(commune, in_2023);
        timings[1].1.push(t.elapsed());
        let t = Instant::now();
        service.search_units(&actor, "muong lat", in_2023).await?;
        timings[2].1.push(t.elapsed());
        let t = Instant::now();
        service.search_units(&actor, "ba dinh", today).await?;
        timings[3].1.push(t.elapsed());
        let t = Instant::now();
        service.unit_page(&actor, "00004", today).await?;
        timings[4].1.push(t.elapsed());
        let t = Instant::now();
        service
            .list_units(&actor, Level::Commune, Some("01"), today)
            .await?;
        timings[5].1.push(t.elapsed());
    }
    output::line(&format!(
        "as-of queries, {iterations} runs each (p50 / p95 ms):"
    ));
    for (name, samples) in &mut timings {
        let p50 = percentile(samples, 0.50);
        let p95 = percentile(samples, 0.95);
        output::line(&format!("  {name}: {p50:.2} / {p95:.2}"));
    }
    Ok(())
}

/// Evaluates 10,035 communes × 5 years against the shipped QĐ 318 set with illustrative thresholds filled in (the
/// official ones are not loaded; only the timing matters here).
pub(crate) fn ntm(iterations: usize) -> anyhow::Result<()> {
    use mtqg_core::ntm::{evaluate, CommuneInput, IndicatorKind, Threshold, Value};
    let mut set = mtqg_service::ntm::load_set("QD318-2022-XA")
        .map_err(|problems| anyhow::anyhow!("{}", problems.join("; ")))?;
    for criterion in &mut set.criteria {
        for indicator in &mut criterion.indicators {
            if indicator.kind != IndicatorKind::PassFail {
                indicator.thresholds = vec![Threshold {
                    key: "*".to_owned(),
                    year: None,
                    value: 50.0,
                }];
            }
        }
    }
    let keys = set.keys.clone();
    let mut communes: Vec<CommuneInput> = (0..10_035)
        .map(|i| CommuneInput {
            key: keys[i % keys.len()].clone(),
            flags: if i % 17 == 0 {
                vec!["dbkk".to_owned()]
            } else {
                Vec::new()
            },
            year: 2022,
            values: set
                .indicators()
                .enumerate()
                .map(|(j, (_, indicator))| {
                    let value = match indicator.kind {
                        IndicatorKind::PassFail => Value::Pass((i + j) % 7 != 0),
                        _ => Value::Number(((i * 31 + j * 17) % 100) as f64),
                    };
                    (indicator.code.clone(), value)
                })
                .collect(),
        })
        .collect();
    let mut samples = Vec::new();
    let mut n_met = 0;
    for _ in 0..iterations.clamp(1, 20) {
        let t = Instant::now();
        for year in 2022..2027 {
            for commune in &mut communes {
                commune.year = year;
                n_met += evaluate(&set, commune)
                    .map_err(|problems| anyhow::anyhow!("{problems:?}"))?
                    .n_met;
            }
        }
        samples.push(t.elapsed());
    }
    output::line(&format!(
        "evaluate 10,035 communes x 5 years against QĐ 318 (19 criteria, {} indicators), {} runs (p50 / max ms): {:.1} / {:.1} ({} criteria met in all)",
        set.indicators().count(),
        samples.len(),
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 1.0),
        n_met
    ));
    Ok(())
}

/// Synthetic national new-rural data on the 1/3/2025 tree (every xã: two yearly assessments, four in five recognised,
/// some advanced, some only under the 2016–2020 set, registrations), written straight to storage; then times the
/// roll-up for the country and a province as of 30/6/2025, and for the country on today's tree.
pub(crate) async fn ntm_rollup(service: &Service, iterations: usize) -> anyhow::Result<()> {
    let store = service.store();
    store.migrate().await.context("while migrating")?;
    service.load_shipped_geography(&|_| {}).await?;
    service.load_shipped_criteria_sets().await?;
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
    let as_of = day(2025, 6, 30);
    let atlas = service.atlas().await?;
    let xa: Vec<i64> = atlas
        .of_level(Level::Commune, as_of)
        .into_iter()
        .filter(|unit| unit.unit_type == "Xã")
        .map(|unit| unit.id)
        .collect();
    let started = Instant::now();
    let mut tx = store.begin().await?;
    let mut n_rows = 0;
    for (i, &unit_id) in xa.iter().enumerate() {
        let (set, tier, on) = match i % 20 {
            0 => ("QD1980-2016-XA", "standard", day(2019, 12, 20)),
            1..=3 => ("", "", as_of),
            _ => (
                "QD318-2022-XA",
                "standard",
                day(2022 + (i % 3) as i32, 12, 15),
            ),
        };
        if !set.is_empty() {
            let record = mtqg_store::RecognitionRecord {
                id: 0,
                unit_id,
                tier: tier.to_owned(),
                set_code: set.to_owned(),
                decision: format!("QĐ {i}/QĐ-UBND"),
                decided_on: on,
                revoked_on: None,
                revocation_decision: None,
                revocation_reason: None,
            };
            tx.insert_recognition(&record, None).await?;
            n_rows += 1;
            if i % 5 == 0 && set == "QD318-2022-XA" {
                let advanced = mtqg_store::RecognitionRecord {
                    tier: "advanced".to_owned(),
                    set_code: "QD318-2022-XA-NC".to_owned(),
                    decided_on: day(2024, 12, 20),
                    ..record
                };
                tx.insert_recognition(&advanced, None).await?;
                n_rows += 1;
            }
        }
        for year in [2024, 2025] {
            let n_met = 12 + (i + year as usize) % 8;
            let assessment = mtqg_store::NewAssessment {
                unit_id,
                year,
                stage: "tu_danh_gia".to_owned(),
                set_code: "QD318-2022-XA".to_owned(),
                region_key: "BTB".to_owned(),
                flags: String::new(),
                values: serde_json::json!({}),
                evidence: None,
                n_met,
                n_criteria: 19,
                status: if n_met == 19 { "Standard" } else { "NotMet" }.to_owned(),
                met_criteria: (1..=n_met)
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            };
            tx.insert_assessment(&assessment, None).await?;
            n_rows += 1;
        }
        if i % 9 == 0 {
            tx.insert_registration(
                &mtqg_store::RegistrationRecord {
                    unit_id,
                    target_year: 2025,
                    tier: "standard".to_owned(),
                    registered_on: day(2025, 1, 15),
                    legal_basis: String::new(),
                },
                None,
            )
            .await?;
            n_rows += 1;
        }
    }
    tx.commit().await?;
    output::line(&format!(
        "new-rural data: {} xã on 30/6/2025, {n_rows} rows written in {:.1} s",
        xa.len(),
        started.elapsed().as_secs_f64()
    ));
    let admin = Actor::system();
    let cases = [
        ("country as of 30/6/2025", None, as_of),
        ("a province (38) as of 30/6/2025", Some("38"), as_of),
        (
            "country as of 30/6/2026 (today's tree)",
            None,
            day(2026, 6, 30),
        ),
    ];
    output::line(&format!(
        "new-rural roll-up, {iterations} runs each (p50 / p95 ms):"
    ));
    for (label, unit, date) in cases {
        let mut samples = Vec::with_capacity(iterations);
        let mut n_xa = 0;
        for _ in 0..iterations {
            let t = Instant::now();
            n_xa = service.ntm_rollup(&admin, unit, date).await?.n_xa;
            samples.push(t.elapsed());
        }
        output::line(&format!(
            "  {label} ({n_xa} xã): {:.2} / {:.2}",
            percentile(&mut samples, 0.5),
            percentile(&mut samples, 0.95)
        ));
    }
    Ok(())
}

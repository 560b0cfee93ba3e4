//! `mtqg bench`: loads the shipped geography into the given (empty) database and times the as-of queries.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::NaiveDate;
use mtqg_core::geo::Level;
use mtqg_core::vi;
use mtqg_service::{Actor, Service};

use crate::output;

/// Which benchmark suite to run.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Suite {
    Geography,
    Capital,
    Ntm,
    Poverty,
    /// Households of the whole country (use with PostgreSQL and --households 27000000)
    PovertyNational,
    /// A province's reporting season on the demo data of Thanh Hóa: figures, forms, narrative, dashboard
    Report,
    /// The deadline storm: every commune logs in and sends its report over loopback HTTP (--users, --concurrency)
    Storm,
    /// Every issue's figures over one generated dataset of --scale (generated first on an empty database)
    Product,
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
    // A commune of the province with a project that still has money, for the commune summary and the single event.
    let project = project_with_money_left(service, &province, year).await?;
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
    let mut single = one_more_disbursement(service, &project, year, iterations.min(100)).await?;
    file_import(
        service,
        &actor,
        *plan.plan_years.last().expect("plan years"),
    )
    .await?;
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

/// A project of `plan_year` managed within `province` that still has more than a million đồng allocated and not
/// disbursed: the target of the single-event timing.
pub(crate) async fn project_with_money_left(
    service: &Service,
    province: &str,
    plan_year: i32,
) -> anyhow::Result<mtqg_store::ProjectRecord> {
    let actor = Actor::system();
    let tree = NaiveDate::from_ymd_opt(plan_year, 6, 1).expect("valid date");
    let atlas = service.atlas().await?;
    let province_id = atlas
        .unit_by_code(province, tree)
        .context("province exists")?
        .id;
    let descendants: HashSet<i64> = atlas
        .descendant_ids(province_id, tree)
        .into_iter()
        .collect();
    let prefix = format!("DA{plan_year}-");
    for (_, code, unit_id, ..) in service.store().project_keys().await? {
        if !descendants.contains(&unit_id) || !code.starts_with(&prefix) {
            continue;
        }
        let page = service.project_page(&actor, &code).await?;
        if page.allocated - page.disbursed > 1_000_000 {
            return Ok(page.project);
        }
    }
    anyhow::bail!("no project of {plan_year} in {province} has money left")
}

/// Records `runs` disbursements of 1.000 đồng on `project` (checks, event, balances, aggregates, audit), each timed.
pub(crate) async fn one_more_disbursement(
    service: &Service,
    project: &mtqg_store::ProjectRecord,
    plan_year: i32,
    runs: usize,
) -> anyhow::Result<Vec<Duration>> {
    let tree = NaiveDate::from_ymd_opt(plan_year, 6, 1).expect("valid date");
    let mut single = Vec::with_capacity(runs);
    for i in 0..runs {
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
                .unwrap_or(plan_year),
            amount: 1_000,
            date: project.end_date.unwrap_or(tree) - chrono::Duration::days(i as i64 % 5),
            legal_basis: String::new(),
            adjusts: None,
            deadline: None,
            reason: String::new(),
        };
        let t = Instant::now();
        service.record_event(&Actor::system(), input).await?;
        single.push(t.elapsed());
    }
    Ok(single)
}

/// A disbursement report as a file: five small disbursements for each project of `plan_year`, written as CSV and
/// imported through `import_capital` (parse, validate, check against the balances, write in one transaction). Rows a
/// dry run refuses (a project with nothing left) are dropped first, so the timed import writes every row.
async fn file_import(service: &Service, actor: &Actor, plan_year: i32) -> anyhow::Result<()> {
    use mtqg_service::geography::TableSource;
    let prefix = format!("DA{plan_year}-");
    let mut rows = Vec::new();
    for project in service.store().projects_of_all(1_000_000).await? {
        let (true, Some(end)) = (project.code.starts_with(&prefix), project.end_date) else {
            continue;
        };
        let source = mtqg_core::money::Source::parse(&project.sources)
            .unwrap_or(mtqg_core::money::Source::Central)
            .key();
        for back in 0..5 {
            let day = end - chrono::Duration::days(back);
            rows.push(format!(
                "disbursement,{},{plan_year},1000,{source},{}",
                day.format("%d/%m/%Y"),
                project.code
            ));
        }
    }
    let csv = |rows: &[String]| -> Vec<u8> {
        let mut text = String::from("kind,date,plan year,amount (đồng),source,project code\n");
        for row in rows {
            text.push_str(row);
            text.push('\n');
        }
        text.into_bytes()
    };
    let source = |bytes: Vec<u8>| TableSource::Csv(Box::new(std::io::Cursor::new(bytes)));
    let dry = service
        .import_capital(actor, "giai-ngan.csv", source(csv(&rows)), true, &|_| {})
        .await?;
    anyhow::ensure!(
        dry.n_problems <= dry.problems.len(),
        "too many refused rows to drop ({}; first: {:?})",
        dry.n_problems,
        dry.problems.first()
    );
    // Report rows count the header as row 1.
    let refused: HashSet<usize> = dry.problems.iter().map(|p| p.row - 2).collect();
    let rows: Vec<String> = rows
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !refused.contains(i))
        .map(|(_, row)| row)
        .collect();
    let bytes = csv(&rows);
    let started = Instant::now();
    let report = service
        .import_capital(actor, "giai-ngan.csv", source(bytes), false, &|_| {})
        .await?;
    let secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        report.applied,
        "the file import was refused: {:?}",
        report.problems.first()
    );
    output::line(&format!(
        "file import (CSV, {} disbursements of plan year {plan_year}: parse, check, write in one transaction): {secs:.2} s = {:.0} events/s ({} rows refused by the dry run and dropped)",
        report.n_events,
        report.n_events as f64 / secs,
        refused.len()
    ));
    Ok(())
}

pub(crate) fn percentile(samples: &mut [Duration], pct: f64) -> f64 {
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
    let started = Instant::now();
    // A database that already holds recognitions (an earlier run, or `demo generate`) is measured as it is.
    if store.recognitions(as_of, None).await?.is_empty() {
        let seeded = service.generate_ntm_national().await?;
        output::line(&format!(
            "new-rural data: {} xã on 30/6/2025, {} rows written in {:.1} s",
            seeded.n_xa,
            seeded.n_rows,
            started.elapsed().as_secs_f64()
        ));
    } else {
        output::line("using the new-rural data already stored (generation skipped)");
    }
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

/// Starts a new peak-memory measurement (Linux: resets the peak resident set size).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory of this process since the last reset, in MB (Linux; `None` elsewhere).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Imports a household file as the CLI does (CSV streamed, XLSX read whole) and measures time and peak memory.
async fn timed_import(
    service: &Service,
    path: &std::path::Path,
    year: i32,
    kind: &str,
) -> anyhow::Result<(mtqg_service::poverty::HouseholdImportReport, f64, f64)> {
    use mtqg_service::geography::TableSource;
    reset_peak_rss();
    let started = Instant::now();
    let source = if path.extension().is_some_and(|ext| ext == "xlsx") {
        TableSource::Xlsx(std::fs::read(path)?)
    } else {
        TableSource::Csv(Box::new(std::io::BufReader::new(std::fs::File::open(
            path,
        )?)))
    };
    let report = service
        .import_households(
            &Actor::system(),
            &path.to_string_lossy(),
            source,
            &mtqg_service::poverty::HouseholdImportOptions {
                year,
                kind: kind.to_owned(),
                dry_run: false,
            },
            &|_| {},
        )
        .await?;
    anyhow::ensure!(
        report.applied,
        "import refused: {:?}",
        report.problems.first()
    );
    Ok((
        report,
        started.elapsed().as_secs_f64(),
        peak_rss_mb().unwrap_or(0.0),
    ))
}

fn import_line(
    label: &str,
    report: &mtqg_service::poverty::HouseholdImportReport,
    secs: f64,
    peak: f64,
) {
    output::line(&format!(
        "{label}: {} dòng trong {secs:.1} s = {} dòng/s; bộ nhớ đỉnh khi nhập {peak:.0} MB.",
        vi::format_int(report.n_rows as i64),
        vi::format_int((report.n_rows as f64 / secs) as i64),
    ));
}

/// A large province's households (Thanh Hóa's communes, `households` in all): imports the 2024 list from CSV,
/// freezes every commune's list (classification totals per commune), re-classifies every list under another
/// standard (what-if), imports the 2025 list on the merged communes, times flows and rates, then imports the same
/// households from XLSX as an ad-hoc review. Figures for BENCHMARKS.md.
pub(crate) async fn poverty(
    service: &Service,
    iterations: usize,
    households: usize,
) -> anyhow::Result<()> {
    use mtqg_service::demo::SyntheticHouseholds;
    let store = service.store();
    store.migrate().await.context("while migrating")?;
    service.load_shipped_geography(&|_| {}).await?;
    service.load_shipped_poverty_standards().await?;
    let actor = Actor::system();
    let communes = service.communes_of("38", 2024).await?;
    let per_commune = households.div_ceil(communes.len()).max(1);
    let dir = std::env::temp_dir().join(format!("mtqg-bench-poverty-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let csv_path = dir.join("ho-2024.csv");
    {
        // The generator is rebuilt from its seed for the next year, so each import is measured on its own.
        let synthetic = SyntheticHouseholds::new(&communes, per_commune, 2026);
        let mut file = std::io::BufWriter::new(std::fs::File::create(&csv_path)?);
        synthetic.write_csv(&mut file)?;
        output::line(&format!(
            "Hộ tổng hợp: {} hộ ở {} xã của Thanh Hóa (2024); tệp CSV {:.0} MB.",
            vi::format_int(synthetic.len() as i64),
            communes.len(),
            std::fs::metadata(&csv_path)?.len() as f64 / 1e6
        ));
    }
    let (report, secs, peak) = timed_import(service, &csv_path, 2024, "annual").await?;
    import_line("Nhập CSV 2024 (hộ mới + danh sách)", &report, secs, peak);
    let started = Instant::now();
    for (idx, (_, _, list_id)) in report.lists.iter().enumerate() {
        service
            .freeze_poverty_list(
                &actor,
                *list_id,
                &format!("{idx}/QĐ-UBND"),
                day(2024, 12, 15),
            )
            .await?;
    }
    output::line(&format!(
        "Công nhận {} danh sách (đọc mọi hộ, tổng hợp theo xã, ghi): {:.2} s.",
        report.lists.len(),
        started.elapsed().as_secs_f64()
    ));
    let mut samples = Vec::with_capacity(iterations);
    let mut changed = (0, 0);
    for _ in 0..iterations.max(1) {
        let started = Instant::now();
        let what_if = service
            .poverty_what_if(&actor, Some("38"), 2024, "ND351-2025")
            .await?;
        samples.push(started.elapsed());
        changed = (what_if.before.poor, what_if.after.poor);
    }
    output::line(&format!(
        "Phân loại lại mọi hộ của tỉnh theo chuẩn ND351-2025 và tổng hợp theo xã (một lệnh): p50 {:.0} ms, max {:.0} ms (hộ nghèo {} → {}).",
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 1.0),
        vi::format_int(changed.0 as i64),
        vi::format_int(changed.1 as i64)
    ));
    let mut synthetic = SyntheticHouseholds::new(&communes, per_commune, 2026);
    let map = service.commune_successors(&communes, 2024, 2025).await?;
    synthetic.advance(&|code: &str| map.get(code).cloned());
    let csv_2025 = dir.join("ho-2025.csv");
    let xlsx_path = dir.join("ho-2025-thuong-xuyen.xlsx");
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&csv_2025)?);
        synthetic.write_csv(&mut file)?;
        let headers: Vec<String> = mtqg_service::demo::household_header()
            .split(',')
            .map(str::to_owned)
            .collect();
        let started = Instant::now();
        mtqg_xlsx::write_xlsx_file(
            &xlsx_path,
            "DS",
            &headers,
            synthetic
                .rows()
                .map(|row| row.into_iter().map(mtqg_xlsx::Cell::Text).collect()),
        )?;
        output::line(&format!(
            "Ghi tệp XLSX {} dòng (từng dòng, bộ nhớ không đổi): {:.1} s, {:.0} MB.",
            vi::format_int(synthetic.len() as i64),
            started.elapsed().as_secs_f64(),
            std::fs::metadata(&xlsx_path)?.len() as f64 / 1e6
        ));
    }
    drop(synthetic);
    let (report_2025, secs, peak) = timed_import(service, &csv_2025, 2025, "annual").await?;
    import_line(
        "Nhập CSV 2025 (hộ đã có, chuyển sang xã sau sắp xếp + danh sách)",
        &report_2025,
        secs,
        peak,
    );
    for (idx, (_, _, list_id)) in report_2025.lists.iter().enumerate() {
        service
            .freeze_poverty_list(
                &actor,
                *list_id,
                &format!("{idx}/QĐ-UBND"),
                day(2025, 12, 15),
            )
            .await?;
    }
    let mut samples = Vec::with_capacity(iterations);
    let mut balances = true;
    for _ in 0..iterations.max(1) {
        let started = Instant::now();
        let flows = service
            .poverty_flows(&actor, Some("38"), 2024, 2025, false)
            .await?;
        samples.push(started.elapsed());
        balances &= flows.total.poor.balances() && flows.total.near_poor.balances();
    }
    output::line(&format!(
        "Biến động 2024 → 2025 của tỉnh (mọi hộ, qua sắp xếp xã): p50 {:.0} ms, max {:.0} ms; cân đối: {balances}.",
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 1.0)
    ));
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations.max(1) {
        let started = Instant::now();
        service
            .poverty_rates(&actor, Some("38"), 2025, false)
            .await?;
        samples.push(started.elapsed());
    }
    output::line(&format!(
        "Tỷ lệ hộ nghèo 2025 của tỉnh theo xã, kèm năm trước: p50 {:.1} ms, max {:.1} ms.",
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 1.0)
    ));
    let (report_xlsx, secs, peak) = timed_import(service, &xlsx_path, 2025, "adhoc").await?;
    import_line(
        "Nhập XLSX (rà soát thường xuyên 2025 của các hộ đã có)",
        &report_xlsx,
        secs,
        peak,
    );
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid date")
}

/// The country's households (`households` in all, spread over the 3,321 communes of 2025, province by province):
/// each province's list is imported from CSV and frozen, then the national and provincial roll-ups are timed.
/// Meant for PostgreSQL (27 million households); figures for BENCHMARKS.md.
pub(crate) async fn poverty_national(
    service: &Service,
    iterations: usize,
    households: usize,
) -> anyhow::Result<()> {
    use mtqg_service::demo::SyntheticHouseholds;
    let store = service.store();
    store.migrate().await.context("while migrating")?;
    service.load_shipped_geography(&|_| {}).await?;
    service.load_shipped_poverty_standards().await?;
    let actor = Actor::system();
    let today = chrono::Utc::now().date_naive();
    let provinces: Vec<String> = service
        .atlas()
        .await?
        .of_level(Level::Province, today)
        .into_iter()
        .map(|unit| unit.code)
        .collect();
    let mut n_communes = 0;
    for province in &provinces {
        n_communes += service.communes_of(province, 2025).await?.len();
    }
    let per_commune = households.div_ceil(n_communes.max(1)).max(1);
    let dir = std::env::temp_dir().join(format!("mtqg-bench-national-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let started = Instant::now();
    let (mut n_rows, mut n_lists) = (0, 0);
    for (idx, province) in provinces.iter().enumerate() {
        let communes = service.communes_of(province, 2025).await?;
        let path = dir.join(format!("ho-{province}.csv"));
        {
            let synthetic = SyntheticHouseholds::new(&communes, per_commune, 2026 + idx as u64);
            let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
            synthetic.write_csv(&mut file)?;
        }
        let (report, secs, _) = timed_import(service, &path, 2025, "annual").await?;
        std::fs::remove_file(&path).ok();
        for (n, (_, _, list_id)) in report.lists.iter().enumerate() {
            service
                .freeze_poverty_list(&actor, *list_id, &format!("{n}/QĐ-UBND"), day(2025, 12, 15))
                .await?;
        }
        n_rows += report.n_rows;
        n_lists += report.lists.len();
        output::line(&format!(
            "  tỉnh {province}: {} hộ, nhập {secs:.0} s; lũy kế {} hộ sau {:.0} s",
            vi::format_int(report.n_rows as i64),
            vi::format_int(n_rows as i64),
            started.elapsed().as_secs_f64()
        ));
    }
    output::line(&format!(
        "Nhập và công nhận {} hộ, {} danh sách của {} tỉnh: {:.0} s.",
        vi::format_int(n_rows as i64),
        n_lists,
        provinces.len(),
        started.elapsed().as_secs_f64()
    ));
    for (label, unit) in [("toàn quốc", None), ("một tỉnh (38)", Some("38"))] {
        let mut samples = Vec::with_capacity(iterations);
        let mut poor = 0;
        for _ in 0..iterations.max(1) {
            let started = Instant::now();
            let rates = service.poverty_rates(&actor, unit, 2025, false).await?;
            samples.push(started.elapsed());
            poor = rates.total.tally.poor;
        }
        output::line(&format!(
            "Tỷ lệ hộ nghèo 2025, {label}, theo đơn vị trực thuộc: p50 {:.1} ms, max {:.1} ms ({} hộ nghèo).",
            percentile(&mut samples, 0.5),
            percentile(&mut samples, 1.0),
            vi::format_int(poor as i64)
        ));
    }
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}

/// The reporting suite: Thanh Hóa's demo data (capital, new-rural, poverty, direction), its 166 communes' half-year
/// reports through the approval flow, then the province's figures, forms, narrative and dashboard timed.
pub(crate) async fn report(service: &Service, iterations: usize) -> anyhow::Result<()> {
    use mtqg_service::report::{self, ReportKey};
    let store = service.store();
    store.migrate().await.context("while migrating")?;
    service.load_shipped_geography(&|_| {}).await?;
    service.load_shipped_catalogue().await?;
    service.load_shipped_criteria_sets().await?;
    service.load_shipped_poverty_standards().await?;
    let today = chrono::Utc::now().date_naive();
    let started = Instant::now();
    service
        .generate_capital(&demo_plan(Scale::Province, 2026), &|_| {})
        .await?;
    service.generate_ntm("38", today, 2026).await?;
    service.generate_direction("38", today).await?;
    service
        .generate_poverty("38", 2023..=2025, 40, 2026, &|_| {})
        .await?;
    output::line(&format!(
        "demo data of Thanh Hóa generated in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    let started = Instant::now();
    let season = service.generate_reporting("38", "2026-H1").await?;
    let elapsed = started.elapsed().as_secs_f64();
    output::line(&format!(
        "{} communes' reports (figures computed for {} sent, {} decisions) in {:.2} s: {:.1} ms per commune",
        season.n_communes,
        season.approved + season.returned + season.waiting,
        season.approved + season.returned,
        elapsed,
        elapsed * 1000.0 / season.n_communes.max(1) as f64
    ));
    let actor = Actor::system();
    let key = ReportKey::new("6T", "2026-H1", "38");
    let context = service.report_context(&actor, key).await?;
    let mut timings: Vec<(&str, Vec<Duration>)> = Vec::new();
    let mut sizes = (0, 0, 0);
    for name in [
        "figures (province)",
        "form HUYDONG → XLSX",
        "form NTM-TC → XLSX",
        "narrative → DOCX",
        "package → JSON",
        "dashboard (166 communes)",
    ] {
        let mut samples = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let started = Instant::now();
            match name {
                "figures (province)" => {
                    service.report_figures(&actor, &context).await?;
                }
                "form HUYDONG → XLSX" => {
                    let form = service.report_form(&actor, "HUYDONG", key).await?;
                    sizes.0 = report::form_xlsx(&form)?.len();
                }
                "form NTM-TC → XLSX" => {
                    let form = service.report_form(&actor, "NTM-TC", key).await?;
                    report::form_xlsx(&form)?;
                }
                "narrative → DOCX" => {
                    let document = service.report_narrative(&actor, key).await?;
                    sizes.1 = report::narrative_docx(&document)?.len();
                }
                "package → JSON" => {
                    let package = service.report_package(&actor, key).await?;
                    sizes.2 = serde_json::to_vec(&package)?.len();
                }
                _ => {
                    service
                        .report_dashboard(&actor, "6T", "2026-H1", Some("38"))
                        .await?;
                }
            }
            samples.push(started.elapsed());
        }
        timings.push((name, samples));
    }
    for (name, mut samples) in timings {
        let p50 = percentile(&mut samples, 0.5);
        let p95 = percentile(&mut samples, 0.95);
        output::line(&format!("{name}: p50 {p50:.1} ms, p95 {p95:.1} ms"));
    }
    output::line(&format!(
        "sizes: HUYDONG.xlsx {} bytes, narrative.docx {} bytes, package.json {} bytes",
        sizes.0, sizes.1, sizes.2
    ));
    Ok(())
}

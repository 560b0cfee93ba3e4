//! `mtqg bench --suite product --scale province|national`: every issue's figures over one generated dataset.
//!
//! On an empty database it first generates the data of the scale (`demo generate`: geography, capital, new-rural,
//! direction, poverty, the 2026 half-year reports) and times each step; on a database that already holds it (a
//! previous run, or `mtqg demo generate`), it reuses it. Then it times the reads each capability's users make, for
//! the country, a province (Thanh Hóa) and one of its xã, and prints one Markdown table to paste into
//! BENCHMARKS.md: the same command on both scales and both databases gives the growth from province to country.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use mtqg_core::geo::Level;
use mtqg_service::report::{self, ReportKey};
use mtqg_service::{Actor, Service};

use crate::bench::{self, demo_plan, percentile, Scale};
use crate::output;

/// The province every scoped figure is read for (it exists under the same code in every era).
const PROVINCE: &str = "38";

/// One timed figure.
struct Figure {
    area: &'static str,
    name: String,
    samples: Vec<Duration>,
}

/// Runs `call` `iterations` times and keeps the durations.
async fn time(
    iterations: usize,
    mut call: impl AsyncFnMut() -> anyhow::Result<()>,
) -> anyhow::Result<Vec<Duration>> {
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        call().await?;
        samples.push(started.elapsed());
    }
    Ok(samples)
}

pub(crate) async fn run(service: &Service, iterations: usize, scale: Scale) -> anyhow::Result<()> {
    let store = service.store();
    store.migrate().await.context("while migrating")?;
    let started = Instant::now();
    if service.load_shipped_geography(&|_| {}).await?.is_some() {
        output::line(&format!(
            "| geography | load the shipped geography into an empty database | {:.2} s |",
            started.elapsed().as_secs_f64()
        ));
    }
    service.load_shipped_catalogue().await?;
    service.load_shipped_criteria_sets().await?;
    service.load_shipped_poverty_standards().await?;
    let plan = demo_plan(scale, 2026);
    let today = mtqg_service::report::today_in_vietnam();
    if store.count_events().await? == 0 {
        let started = Instant::now();
        let steps = service
            .generate_everything(&plan, today, &|step| tracing::info!(step, "generating"))
            .await?;
        for step in &steps {
            output::line(&format!(
                "| generation | {}: {} | {:.1} s |",
                step.capability, step.made, step.seconds
            ));
        }
        output::line(&format!(
            "| generation | total | {:.1} s |",
            started.elapsed().as_secs_f64()
        ));
    } else {
        output::line("using the data already stored (generation skipped)");
    }
    let size = store.data_size().await?;
    output::line(&format!(
        "data: {}; database {:.0} MB",
        size.rows
            .iter()
            .map(|(table, n)| format!("{table} {n}"))
            .collect::<Vec<_>>()
            .join(", "),
        size.bytes as f64 / 1e6
    ));

    let actor = Actor::system();
    let atlas = service.atlas().await?;
    let mut figures: Vec<Figure> = Vec::new();
    let mut add = |area: &'static str, name: String, samples: Vec<Duration>| {
        figures.push(Figure {
            area,
            name,
            samples,
        })
    };

    // Geography (issue 2): the as-of reads every page makes.
    let in_2023 = day(2023, 6, 1);
    let province_2023 = atlas.unit_by_code(PROVINCE, in_2023).context("province")?;
    let xa_2023 = atlas
        .descendants(province_2023.id, in_2023, Some(Level::Commune))
        .into_iter()
        .find(|unit| unit.unit_type == "Xã")
        .context("a xã of the province in 2023")?;
    add(
        "geography",
        "descendants of a province (2023)".to_owned(),
        time(iterations, async || {
            service
                .atlas()
                .await?
                .descendants(province_2023.id, in_2023, None);
            Ok(())
        })
        .await?,
    );
    add(
        "geography",
        "path of a commune (2023)".to_owned(),
        time(iterations, async || {
            service.atlas().await?.path(xa_2023.id, in_2023);
            Ok(())
        })
        .await?,
    );
    add(
        "geography",
        "search \"muong lat\" (2023)".to_owned(),
        time(iterations, async || {
            service.search_units(&actor, "muong lat", in_2023).await?;
            Ok(())
        })
        .await?,
    );

    // Money (issue 3): summaries as of the 31/12 of the middle plan year, the will-lapse list at its 30/9.
    let year = plan.plan_years[plan.plan_years.len() / 2];
    let as_of = day(year, 12, 31);
    let xa_of_year = first_xa(service, PROVINCE, day(year, 6, 30)).await?;
    for (label, unit) in [
        ("the country", None),
        ("a province", Some(PROVINCE)),
        ("a xã", Some(xa_of_year.as_str())),
    ] {
        add(
            "money",
            format!("capital summary of {label}, plan year {year}"),
            time(iterations, async || {
                service
                    .capital_summary(&actor, unit, year, as_of, None)
                    .await?;
                Ok(())
            })
            .await?,
        );
    }
    let lapse_day = day(year, 9, 30);
    for (label, unit) in [("the country", None), ("a province", Some(PROVINCE))] {
        add(
            "money",
            format!("will-lapse list of {label}, plan year {year}"),
            time(iterations, async || {
                service
                    .will_lapse(&actor, unit, year, lapse_day, 100)
                    .await?;
                Ok(())
            })
            .await?,
        );
    }

    // One more disbursement on a project of the province with money left (checks, event, balances, aggregates,
    // audit): the write every weekly report repeats.
    let project = bench::project_with_money_left(service, PROVINCE, year).await?;
    add(
        "money",
        "one more disbursement (checks, event, balances, aggregates, audit)".to_owned(),
        bench::one_more_disbursement(service, &project, year, iterations).await?,
    );

    // New-rural (issue 4): the roll-up on the old tree (30/6/2025) and on today's.
    let old_tree = day(2025, 6, 30);
    let old_xa = first_xa(service, PROVINCE, old_tree).await?;
    for (label, unit, on) in [
        ("the country, 30/6/2025", None, old_tree),
        ("a province, 30/6/2025", Some(PROVINCE), old_tree),
        ("a xã, 30/6/2025", Some(old_xa.as_str()), old_tree),
        ("the country on today's tree", None, today),
    ] {
        add(
            "new-rural",
            format!("roll-up of {label}"),
            time(iterations, async || {
                service.ntm_rollup(&actor, unit, on).await?;
                Ok(())
            })
            .await?,
        );
    }

    // Poverty (issue 5): rates and flows from the frozen lists, the what-if under the next standard.
    let new_xa = first_xa(service, PROVINCE, today).await?;
    for (label, unit) in [
        ("the country", None),
        ("a province", Some(PROVINCE)),
        ("a xã", Some(new_xa.as_str())),
    ] {
        add(
            "poverty",
            format!("rates 2025 of {label}"),
            time(iterations, async || {
                service.poverty_rates(&actor, unit, 2025, false).await?;
                Ok(())
            })
            .await?,
        );
    }
    for (label, unit) in [("the country", None), ("a province", Some(PROVINCE))] {
        add(
            "poverty",
            format!("flows 2024 → 2025 of {label}"),
            time(iterations, async || {
                service
                    .poverty_flows(&actor, unit, 2024, 2025, false)
                    .await?;
                Ok(())
            })
            .await?,
        );
    }
    add(
        "poverty",
        "what-if of a province under ND351-2025".to_owned(),
        time(iterations, async || {
            service
                .poverty_what_if(&actor, Some(PROVINCE), 2025, "ND351-2025")
                .await?;
            Ok(())
        })
        .await?,
    );

    // Direction (issue 6): an agency's dashboard.
    if let Some(agency) = service.agencies(&actor).await?.into_iter().next() {
        add(
            "direction",
            "an agency's dashboard (tasks, obstacles)".to_owned(),
            time(iterations, async || {
                service
                    .agency_dashboard(&actor, &agency.code, today)
                    .await?;
                Ok(())
            })
            .await?,
        );
    }

    // Reporting (issue 7): the 2026 half-year report of a xã and of the province, its documents, who has reported.
    let period = "2026-H1";
    for (label, code) in [("a xã", new_xa.as_str()), ("a province", PROVINCE)] {
        let key = ReportKey::new("6T", period, code);
        let context = service.report_context(&actor, key).await?;
        add(
            "reporting",
            format!("report figures of {label}"),
            time(iterations, async || {
                service.report_figures(&actor, &context).await?;
                Ok(())
            })
            .await?,
        );
    }
    let key = ReportKey::new("6T", period, PROVINCE);
    add(
        "reporting",
        "form HUYDONG of a province → XLSX".to_owned(),
        time(iterations, async || {
            let form = service.report_form(&actor, "HUYDONG", key).await?;
            report::form_xlsx(&form)?;
            Ok(())
        })
        .await?,
    );
    add(
        "reporting",
        "narrative of a province → DOCX".to_owned(),
        time(iterations, async || {
            let document = service.report_narrative(&actor, key).await?;
            report::narrative_docx(&document)?;
            Ok(())
        })
        .await?,
    );
    for (label, unit) in [
        ("of the provinces", None),
        ("of a province's xã", Some(PROVINCE)),
    ] {
        add(
            "reporting",
            format!("who has reported: dashboard {label}"),
            time(iterations, async || {
                service.report_dashboard(&actor, "6T", period, unit).await?;
                Ok(())
            })
            .await?,
        );
    }

    // The whole product (issue 8): the home dashboard per scope.
    for (label, unit) in [
        ("the country", None),
        ("a province", Some(PROVINCE)),
        ("a xã", Some(new_xa.as_str())),
    ] {
        add(
            "home",
            format!("home dashboard of {label}"),
            time(iterations, async || {
                service.home(&actor, unit, today).await?;
                Ok(())
            })
            .await?,
        );
    }

    output::line(&format!(
        "| area | figure ({iterations} runs) | p50 ms | p95 ms |\n|---|---|---|---|"
    ));
    for mut figure in figures {
        output::line(&format!(
            "| {} | {} | {:.1} | {:.1} |",
            figure.area,
            figure.name,
            percentile(&mut figure.samples, 0.5),
            percentile(&mut figure.samples, 0.95)
        ));
    }
    Ok(())
}

/// The first xã (by code) of a province on `date`, where the data of every scale lies.
async fn first_xa(service: &Service, province: &str, date: NaiveDate) -> anyhow::Result<String> {
    let atlas = service.atlas().await?;
    let root = atlas
        .unit_by_code(province, date)
        .with_context(|| format!("province {province} on {date}"))?;
    let mut xa: Vec<String> = atlas
        .descendants(root.id, date, Some(Level::Commune))
        .into_iter()
        .filter(|unit| unit.unit_type == "Xã")
        .map(|unit| unit.code)
        .collect();
    xa.sort();
    xa.into_iter()
        .next()
        .with_context(|| format!("a xã of {province} on {date} ({})", date.year()))
}

fn day(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid date")
}

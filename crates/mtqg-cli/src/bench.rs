//! `mtqg bench`: loads the shipped geography into the given (empty) database and times the as-of queries.

use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::NaiveDate;
use mtqg_core::geo::Level;
use mtqg_service::{Actor, Service};

use crate::output;

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

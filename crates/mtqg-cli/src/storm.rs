//! `mtqg bench --suite storm`: the deadline storm. Every commune of the country (3,321 accounts) logs in on the web
//! server over loopback HTTP, opens its half-year report and sends it, as on the last day before the deadline; each
//! request is timed and every unexpected answer counted as an error. Figures for BENCHMARKS.md.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use mtqg_core::geo::Level;
use mtqg_service::Service;

use crate::output;

const PASSWORD: &str = "mat-khau-bao-cao-2026";

/// One HTTP request over a new connection; returns the status, headers and body.
async fn request(
    addr: SocketAddr,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    form: Option<&[(&str, &str)]>,
) -> anyhow::Result<(StatusCode, HeaderMap, String)> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, addr.to_string());
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    let body = match form {
        Some(form) => {
            builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            serde_urlencoded::to_string(form)?
        }
        None => String::new(),
    };
    let response = sender
        .send_request(builder.body(Full::new(std::io::Cursor::new(body.into_bytes())))?)
        .await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, headers, String::from_utf8_lossy(&body).into_owned()))
}

/// The value of a hidden input in a page.
fn input_value(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('"')?;
    Some(page[start..start + end].to_owned())
}

/// The steps of one commune, each timed: (step, duration, ok).
async fn commune_submits(
    addr: SocketAddr,
    username: String,
    path: String,
) -> Vec<(usize, Duration, bool)> {
    let mut timings = Vec::with_capacity(3);
    let started = Instant::now();
    let login = request(
        addr,
        Method::POST,
        "/login",
        None,
        Some(&[
            ("username", username.as_str()),
            ("password", PASSWORD),
            ("next", "/"),
        ]),
    )
    .await;
    let cookie = match &login {
        Ok((StatusCode::SEE_OTHER, headers, _)) => headers
            .get(header::SET_COOKIE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map(str::to_owned),
        _ => None,
    };
    timings.push((0, started.elapsed(), cookie.is_some()));
    let Some(cookie) = cookie else {
        return timings;
    };
    let started = Instant::now();
    let page = request(addr, Method::GET, &path, Some(&cookie), None).await;
    let form = match &page {
        Ok((StatusCode::OK, _, body)) => {
            input_value(body, "csrf_token").map(|csrf| (csrf, input_value(body, "version")))
        }
        _ => None,
    };
    timings.push((1, started.elapsed(), form.is_some()));
    let Some((csrf, version)) = form else {
        return timings;
    };
    let version = version.unwrap_or_default();
    let started = Instant::now();
    let sent = request(
        addr,
        Method::POST,
        &path,
        Some(&cookie),
        Some(&[
            ("csrf_token", csrf.as_str()),
            ("version", version.as_str()),
            ("action", "submit"),
            ("so_hieu", "12/BC-UBND"),
            ("danh_gia", "Hoàn thành các chỉ tiêu 6 tháng đầu năm."),
        ]),
    )
    .await;
    let ok = matches!(&sent, Ok((StatusCode::SEE_OTHER, headers, _))
        if headers.get(header::LOCATION).and_then(|l| l.to_str().ok()).is_some_and(|l| l.contains("done=submit")));
    timings.push((2, started.elapsed(), ok));
    timings
}

fn percentile(samples: &mut [Duration], pct: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort();
    let idx = ((samples.len() as f64 * pct).ceil() as usize).clamp(1, samples.len()) - 1;
    samples[idx].as_secs_f64() * 1000.0
}

/// Runs the storm with `users` communes (at most the country's 3,321) and `concurrency` clients at a time, each
/// sending its report of `period`: the half-year report of "2026-H1" (on an empty database), or the annual report
/// of "2026" (on generated data, whose half-year reports are already sent).
pub(crate) async fn storm(
    service: &Service,
    users: usize,
    concurrency: usize,
    period: &str,
) -> anyhow::Result<()> {
    let store = service.store();
    store.migrate().await.context("while migrating")?;
    service.load_shipped_geography(&|_| {}).await?;
    service.load_shipped_catalogue().await?;
    service.load_shipped_criteria_sets().await?;
    service.load_shipped_poverty_standards().await?;
    use mtqg_core::report::period::Period;
    let parsed = Period::parse(period)
        .map_err(|err| anyhow::anyhow!(err))
        .with_context(|| format!("period {period}"))?;
    // The half-year report for a first half, the annual report for a year.
    let report = match parsed {
        Period::FirstHalf(_) => "6T",
        Period::Year(_) => "NAM",
        _ => anyhow::bail!(
            "the storm sends a half-year (2026-H1) or annual (2026) report, not {period}"
        ),
    };
    let end = parsed.end();
    let communes: Vec<_> = service
        .atlas()
        .await?
        .of_level(Level::Commune, end)
        .into_iter()
        .take(users)
        .collect();
    // One Argon2id hash for every account: hashing 3,321 passwords is not what is measured; verifying them at login is.
    let hash = mtqg_service::auth::hash_password(PASSWORD)?;
    let mut tx = store.begin().await?;
    for commune in &communes {
        tx.insert_user(&mtqg_store::NewUser {
            username: format!("xa.{}", commune.code),
            display_name: format!("Cán bộ {}", commune.name),
            password_hash: hash.clone(),
            role: "commune".to_owned(),
            scope_unit_id: Some(commune.id),
        })
        .await?;
    }
    tx.commit().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(mtqg_web::run(listener, service.clone(), async {
        let _ = stopped.await;
    }));
    output::line(&format!(
        "{} commune accounts, {concurrency} at a time, on http://{addr}",
        communes.len()
    ));
    let limit = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(communes.len());
    for commune in &communes {
        let permit = Arc::clone(&limit).acquire_owned().await?;
        let username = format!("xa.{}", commune.code);
        let path = format!("/reports/{report}/{period}/{}", commune.code);
        tasks.push(tokio::spawn(async move {
            let timings = commune_submits(addr, username, path).await;
            drop(permit);
            timings
        }));
    }
    let mut steps: [(Vec<Duration>, usize); 3] = Default::default();
    let mut completed = 0;
    for task in tasks {
        let timings = task.await?;
        if timings.len() == 3 && timings.iter().all(|(_, _, ok)| *ok) {
            completed += 1;
        }
        for (step, elapsed, ok) in timings {
            steps[step].0.push(elapsed);
            if !ok {
                steps[step].1 += 1;
            }
        }
    }
    let wall = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    server.await??;
    let sent = store
        .submissions_of_period(report, period, None)
        .await?
        .iter()
        .filter(|record| record.status == "submitted")
        .count();
    output::line(&format!(
        "{completed} of {} communes sent their report in {wall:.1} s ({:.1} reports/s); {sent} stored as sent",
        communes.len(),
        completed as f64 / wall
    ));
    for (name, (mut samples, errors)) in ["login (Argon2id)", "open the report", "send the report"]
        .into_iter()
        .zip(steps)
    {
        output::line(&format!(
            "{name}: {} requests, {errors} errors, p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            samples.len(),
            percentile(&mut samples, 0.5),
            percentile(&mut samples, 0.99),
            percentile(&mut samples, 1.0)
        ));
    }
    Ok(())
}

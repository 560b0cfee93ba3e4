//! The web front end: server-rendered pages, the JSON API under /api/v1, sessions, CSRF and error pages.
#![doc = include_str!("../README.md")]

mod api;
mod auth;
mod capital;
mod charts;
mod direction;
mod error;
mod home;
mod map;
mod ntm;
mod pages;
mod poverty;
mod recognition;
mod report;
mod views;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use minijinja::Environment;
use mtqg_service::Service;

/// The largest upload accepted (a national unit list as CSV is about 1 MB; XLSX less).
pub const MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024;

/// Shared by every request: the services, the templates and uploads waiting for "Áp dụng".
#[derive(Clone)]
pub struct AppState {
    service: Service,
    templates: Arc<Environment<'static>>,
    pending: Arc<Mutex<HashMap<String, auth::PendingImport>>>,
}

impl AppState {
    /// Builds the state around a service.
    pub fn new(service: Service) -> AppState {
        AppState {
            service,
            templates: Arc::new(templates()),
            pending: Arc::new(Mutex::new(HashMap::new())),
        }
    }
}

pub(crate) fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, source) in [
        ("base.html", include_str!("../templates/base.html")),
        ("login.html", include_str!("../templates/login.html")),
        ("error.html", include_str!("../templates/error.html")),
        ("home.html", include_str!("../templates/home.html")),
        ("units.html", include_str!("../templates/units.html")),
        ("unit.html", include_str!("../templates/unit.html")),
        (
            "groupings.html",
            include_str!("../templates/groupings.html"),
        ),
        ("grouping.html", include_str!("../templates/grouping.html")),
        ("import.html", include_str!("../templates/import.html")),
        ("lineage.html", include_str!("../templates/lineage.html")),
        ("audit.html", include_str!("../templates/audit.html")),
        ("users.html", include_str!("../templates/users.html")),
        ("capital.html", include_str!("../templates/capital.html")),
        (
            "capital_lapse.html",
            include_str!("../templates/capital_lapse.html"),
        ),
        (
            "capital_event.html",
            include_str!("../templates/capital_event.html"),
        ),
        (
            "capital_import.html",
            include_str!("../templates/capital_import.html"),
        ),
        ("projects.html", include_str!("../templates/projects.html")),
        ("project.html", include_str!("../templates/project.html")),
        (
            "catalogue.html",
            include_str!("../templates/catalogue.html"),
        ),
        ("ntm.html", include_str!("../templates/ntm.html")),
        ("ntm_load.html", include_str!("../templates/ntm_load.html")),
        ("ntm_set.html", include_str!("../templates/ntm_set.html")),
        ("ntm_xa.html", include_str!("../templates/ntm_xa.html")),
        (
            "ntm_matrix.html",
            include_str!("../templates/ntm_matrix.html"),
        ),
        (
            "ntm_import.html",
            include_str!("../templates/ntm_import.html"),
        ),
        (
            "ntm_local.html",
            include_str!("../templates/ntm_local.html"),
        ),
        ("ntm_ocop.html", include_str!("../templates/ntm_ocop.html")),
        (
            "ntm_assessment.html",
            include_str!("../templates/ntm_assessment.html"),
        ),
        ("poverty.html", include_str!("../templates/poverty.html")),
        (
            "poverty_import.html",
            include_str!("../templates/poverty_import.html"),
        ),
        (
            "poverty_xa.html",
            include_str!("../templates/poverty_xa.html"),
        ),
        (
            "poverty_list.html",
            include_str!("../templates/poverty_list.html"),
        ),
        (
            "poverty_members.html",
            include_str!("../templates/poverty_members.html"),
        ),
        (
            "poverty_household.html",
            include_str!("../templates/poverty_household.html"),
        ),
        (
            "direction.html",
            include_str!("../templates/direction.html"),
        ),
        (
            "direction_new.html",
            include_str!("../templates/direction_new.html"),
        ),
        (
            "direction_meeting.html",
            include_str!("../templates/direction_meeting.html"),
        ),
        (
            "direction_agency.html",
            include_str!("../templates/direction_agency.html"),
        ),
        ("reports.html", include_str!("../templates/reports.html")),
        (
            "report_submission.html",
            include_str!("../templates/report_submission.html"),
        ),
        (
            "report_narrative.html",
            include_str!("../templates/report_narrative.html"),
        ),
    ] {
        env.add_template(name, source)
            .expect("bundled templates are valid");
    }
    env
}

/// Every route of the application.
pub fn app_router(state: AppState) -> Router {
    Router::new()
        .merge(home::router())
        .merge(pages::router())
        .merge(api::router())
        .merge(capital::router())
        .merge(ntm::router())
        .merge(recognition::router())
        .merge(poverty::router())
        .merge(direction::router())
        .merge(report::router())
        .route(
            "/static/app.css",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
                    include_str!("../static/app.css"),
                )
            }),
        )
        .route(
            "/static/app.js",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                    include_str!("../static/app.js"),
                )
            }),
        )
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .fallback(error::not_found)
        .route_layer(axum::middleware::from_fn(log_request))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::with_user_menu,
        ))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .with_state(state)
}

/// Logs each request by method, route template (`/units/{code}`, never the code or the query string, which may hold
/// names), status and duration: structured fields, no personal data.
async fn log_request(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "(không khớp)".to_owned());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        http.method = %method,
        http.route = %route,
        http.status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
}

/// Readiness: the database answers, every migration of this build is applied, and the geography is loaded into
/// memory. A load balancer sends traffic only when this says "ready"; `/healthz` only says the database answers.
async fn ready(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    use axum::http::StatusCode;
    let store = state.service.store();
    let known = store.known_migrations() as i64;
    match store.migrations_applied().await {
        Ok(applied) if applied < known => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("migrations pending: {applied} of {known} applied; run `mtqg migrate`"),
            )
        }
        Ok(_) => {}
        Err(_) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable".to_owned(),
            )
        }
    }
    match state.service.atlas().await {
        Ok(atlas) if atlas.is_empty() => (
            StatusCode::SERVICE_UNAVAILABLE,
            "no administrative units loaded; run `mtqg migrate`".to_owned(),
        ),
        Ok(_) => (StatusCode::OK, "ready".to_owned()),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "geography unavailable".to_owned(),
        ),
    }
}

async fn health(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.service.store().geo_totals().await {
        Ok(_) => (axum::http::StatusCode::OK, "ok"),
        Err(_) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "database unavailable",
        ),
    }
}

/// Serves the application on `listener` until `shutdown` completes, then finishes in-flight requests.
pub async fn run(
    listener: tokio::net::TcpListener,
    service: Service,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let app = app_router(AppState::new(service));
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await?;
    Ok(())
}

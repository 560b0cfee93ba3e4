//! The JSON API under /api/v1: the same use cases as the pages, for other systems. Session cookie auth;
//! state-changing calls need the session's CSRF token in the `X-CSRF-Token` header.

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{NaiveDate, Utc};
use mtqg_core::geo::{Level, LineageKind};
use mtqg_service::geography::{ImportOptions, TableSource};
use mtqg_service::ServiceError;
use serde::Deserialize;

use crate::auth::{session_cookie, Authed};
use crate::error::{date_param, AppError};
use crate::views::{AuditView, GroupingPageView, GroupingView, ReportView, UnitPageView, UnitView};
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route(
            "/api/v1/session",
            post(create_session).delete(delete_session),
        )
        .route("/api/v1/units", get(list_units))
        .route("/api/v1/units/search", get(search_units))
        .route("/api/v1/units/{code}", get(show_unit))
        .route("/api/v1/groupings", get(list_groupings))
        .route("/api/v1/groupings/{code}", get(show_grouping))
        .route("/api/v1/imports", post(create_import))
        .route("/api/v1/lineage/{id}", post(correct_edge))
        .route("/api/v1/audit", get(list_audit))
}

fn api_error(err: ServiceError) -> AppError {
    AppError::service(err, true)
}

fn parse_date_param(text: &Option<String>) -> Result<NaiveDate, AppError> {
    date_param(text, true)
}

pub(crate) fn check_csrf_header(authed: &Authed, headers: &HeaderMap) -> Result<(), AppError> {
    let submitted = headers
        .get("x-csrf-token")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    authed
        .check_csrf(submitted)
        .map_err(|_| AppError::Forbidden { api: true })
}

async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../openapi.json"),
    )
}

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

async fn create_session(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    Json(body): Json<LoginBody>,
) -> Result<Response, AppError> {
    let session = state
        .service
        .login(&body.username, &body.password, &addr.ip().to_string())
        .await
        .map_err(|err| match err {
            ServiceError::Invalid(_) => AppError::Unauthenticated { api: true },
            err => api_error(err),
        })?;
    let max_age = (session.expires_at - Utc::now()).num_seconds();
    let body = serde_json::json!({ "csrf_token": session.csrf_token, "expires_at": session.expires_at.to_rfc3339() });
    Ok((
        [(header::SET_COOKIE, session_cookie(&session.token, max_age))],
        Json(body),
    )
        .into_response())
}

async fn delete_session(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    check_csrf_header(&authed, &headers)?;
    state
        .service
        .logout(&authed.token, &authed.session.actor)
        .await
        .map_err(api_error)?;
    Ok((
        [(header::SET_COOKIE, session_cookie("", 0))],
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

#[derive(Deserialize)]
struct ListQuery {
    level: String,
    parent: Option<String>,
    as_of: Option<String>,
}

async fn list_units(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let level = Level::parse(&query.level).ok_or_else(|| AppError::Invalid {
        api: true,
        message: format!(
            "level \"{}\" không hợp lệ (province, district, commune)",
            query.level
        ),
    })?;
    let date = parse_date_param(&query.as_of)?;
    let units = state
        .service
        .list_units(
            &authed.session.actor,
            level,
            query.parent.as_deref().filter(|code| !code.is_empty()),
            date,
        )
        .await
        .map_err(api_error)?;
    Ok(Json(serde_json::json!({ "as_of": date, "units": units.iter().map(UnitView::new).collect::<Vec<_>>() })).into_response())
}

#[derive(Deserialize)]
struct SearchQuery {
    q: String,
    as_of: Option<String>,
}

async fn search_units(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<SearchQuery>,
) -> Result<Response, AppError> {
    let date = parse_date_param(&query.as_of)?;
    let units = state
        .service
        .search_units(&authed.session.actor, &query.q, date)
        .await
        .map_err(api_error)?;
    Ok(Json(serde_json::json!({ "as_of": date, "units": units.iter().map(UnitView::new).collect::<Vec<_>>() })).into_response())
}

#[derive(Deserialize)]
struct AsOfQuery {
    as_of: Option<String>,
}

async fn show_unit(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    Query(query): Query<AsOfQuery>,
) -> Result<Response, AppError> {
    let date = parse_date_param(&query.as_of)?;
    let page = state
        .service
        .unit_page(&authed.session.actor, &code, date)
        .await
        .map_err(api_error)?;
    Ok(Json(UnitPageView::new(&page)).into_response())
}

async fn list_groupings(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<AsOfQuery>,
) -> Result<Response, AppError> {
    let date = parse_date_param(&query.as_of)?;
    let groupings = state
        .service
        .list_groupings(&authed.session.actor, date)
        .await
        .map_err(api_error)?;
    Ok(Json(serde_json::json!({
        "as_of": date,
        "groupings": groupings.iter().map(GroupingView::new).collect::<Vec<_>>(),
    }))
    .into_response())
}

async fn show_grouping(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    Query(query): Query<AsOfQuery>,
) -> Result<Response, AppError> {
    let date = parse_date_param(&query.as_of)?;
    let page = state
        .service
        .grouping_page(&authed.session.actor, &code, date)
        .await
        .map_err(api_error)?;
    Ok(Json(GroupingPageView::new(&page)).into_response())
}

#[derive(Deserialize)]
struct ImportQuery {
    file_name: Option<String>,
    as_of: Option<String>,
    dry_run: Option<bool>,
    accept_valid: Option<bool>,
    end_missing: Option<bool>,
    sheet: Option<String>,
}

/// The body is the file itself (CSV or XLSX); the answer is the report, with 422 when nothing was written because of problems.
async fn create_import(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Query(query): Query<ImportQuery>,
    body: Bytes,
) -> Result<Response, AppError> {
    check_csrf_header(&authed, &headers)?;
    let file_name = query.file_name.unwrap_or_else(|| "upload.csv".to_owned());
    let options = ImportOptions {
        as_of: match query.as_of {
            Some(text) => Some(parse_date_param(&Some(text))?),
            None => None,
        },
        dry_run: query.dry_run.unwrap_or(true),
        accept_valid: query.accept_valid.unwrap_or(false),
        end_missing: query.end_missing.unwrap_or(false),
        sheet: query.sheet,
    };
    let source = TableSource::from_bytes(&file_name, body.to_vec());
    let report = state
        .service
        .import_geography(&authed.session.actor, &file_name, source, &options, &|_| {})
        .await
        .map_err(api_error)?;
    let status = match (report.n_problems, report.applied, options.dry_run) {
        (0, _, _) | (_, true, _) => StatusCode::OK,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    Ok((status, Json(ReportView::new(&report))).into_response())
}

#[derive(Deserialize)]
struct EdgeBody {
    kind: String,
    weight: Option<f64>,
    #[serde(default)]
    note: String,
    reason: String,
    /// The edge's version the correction was made on; checked when given.
    #[serde(default)]
    version: Option<i64>,
}

async fn correct_edge(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<EdgeBody>,
) -> Result<Response, AppError> {
    check_csrf_header(&authed, &headers)?;
    let kind = LineageKind::parse(&body.kind).ok_or_else(|| AppError::Invalid {
        api: true,
        message: format!("kind \"{}\" không hợp lệ (full, partial)", body.kind),
    })?;
    state
        .service
        .correct_edge(
            &authed.session.actor,
            id,
            kind,
            body.weight,
            &body.note,
            &body.reason,
            body.version,
        )
        .await
        .map_err(api_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct AuditQuery {
    entity_key: Option<String>,
    limit: Option<i64>,
}

async fn list_audit(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let entries = state
        .service
        .audit_log(
            &authed.session.actor,
            query.entity_key.as_deref(),
            query.limit.unwrap_or(100),
        )
        .await
        .map_err(api_error)?;
    Ok(Json(entries.iter().map(AuditView::new).collect::<Vec<_>>()).into_response())
}

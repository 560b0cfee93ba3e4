//! Server-rendered pages: login, the unit browser and unit page, imports, lineage corrections, accounts, audit log.

use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::{NaiveDate, Utc};
use minijinja::context;
use mtqg_core::access::Role;
use mtqg_core::geo::LineageKind;
use mtqg_core::vi;
use mtqg_service::auth::UserInput;
use mtqg_service::geography::{ImportOptions, TableSource};
use mtqg_service::ServiceError;
use rand::Rng;
use serde::Deserialize;

use crate::auth::{session_cookie, Authed, PendingImport};
use crate::error::{date_param, AppError};
use crate::views::{
    AccountView, AuditView, GroupingPageView, GroupingView, ReportView, UnitPageView, UnitView,
    UserView,
};
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(show_login).post(submit_login))
        .route("/logout", axum::routing::post(submit_logout))
        .route("/units", get(list_units))
        .route("/units/{code}", get(show_unit))
        .route("/groupings", get(list_groupings))
        .route("/groupings/{code}", get(show_grouping))
        .route("/admin/import", get(show_import).post(preview_import))
        .route("/admin/import/apply", axum::routing::post(apply_import))
        .route("/admin/lineage/{id}", get(show_edge).post(correct_edge))
        .route("/admin/users", get(list_users).post(add_user))
        .route("/admin/audit", get(show_audit))
}

pub(crate) fn render(
    state: &AppState,
    name: &str,
    ctx: minijinja::Value,
) -> Result<Response, AppError> {
    let html = state
        .templates
        .get_template(name)
        .and_then(|template| template.render(ctx))
        .map_err(|err| AppError::internal(err, false))?;
    Ok(Html(html).into_response())
}

/// A form field, trimmed; empty when absent.
pub(crate) fn field(form: &std::collections::HashMap<String, String>, name: &str) -> String {
    form.get(name)
        .map(|text| text.trim().to_owned())
        .unwrap_or_default()
}

/// A JSON body read as a form: strings as they are, arrays joined with commas, null as empty, other values as JSON.
pub(crate) fn json_form(
    body: std::collections::HashMap<String, serde_json::Value>,
) -> std::collections::HashMap<String, String> {
    body.into_iter()
        .map(|(key, value)| {
            let text = match value {
                serde_json::Value::String(text) => text,
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|item| {
                        item.as_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|| item.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            (key, text)
        })
        .collect()
}

fn page_error(err: ServiceError) -> AppError {
    AppError::service(err, false)
}

/// `?date=` as given, or today.
fn date_or_today(date: &Option<String>) -> Result<NaiveDate, AppError> {
    date_param(date, false)
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

async fn show_login(
    State(state): State<AppState>,
    Query(query): Query<LoginQuery>,
) -> Result<Response, AppError> {
    render(
        &state,
        "login.html",
        context! { next => query.next.unwrap_or_default(), username => "" },
    )
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn submit_login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    match state
        .service
        .login(&form.username, &form.password, &addr.ip().to_string())
        .await
    {
        Ok(session) => {
            // Only same-site paths are followed after login, so a crafted link cannot redirect elsewhere; by default
            // the user lands on the home dashboard of their scope.
            let next = if form.next.starts_with('/') && !form.next.starts_with("//") {
                form.next
            } else {
                "/".to_owned()
            };
            let max_age = (session.expires_at - Utc::now()).num_seconds();
            Ok((
                [(header::SET_COOKIE, session_cookie(&session.token, max_age))],
                Redirect::to(&next),
            )
                .into_response())
        }
        Err(err @ (ServiceError::Invalid(_) | ServiceError::RateLimited { .. })) => {
            let status = match err {
                ServiceError::RateLimited { .. } => axum::http::StatusCode::TOO_MANY_REQUESTS,
                _ => axum::http::StatusCode::UNAUTHORIZED,
            };
            let page = render(
                &state,
                "login.html",
                context! { error => err.to_string(), username => form.username, next => form.next },
            )?;
            Ok((status, page).into_response())
        }
        Err(err) => Err(page_error(err)),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    /// Absent: refused by the token check (403), not by the form's parser.
    #[serde(default)]
    csrf_token: String,
}

async fn submit_logout(
    State(state): State<AppState>,
    authed: Authed,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    authed.check_csrf(&form.csrf_token)?;
    state
        .service
        .logout(&authed.token, &authed.session.actor)
        .await
        .map_err(page_error)?;
    Ok((
        [(header::SET_COOKIE, session_cookie("", 0))],
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Deserialize)]
struct UnitsQuery {
    date: Option<String>,
    q: Option<String>,
}

async fn list_units(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<UnitsQuery>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let date = date_or_today(&query.date)?;
    let roots = state
        .service
        .tree_roots(actor, date)
        .await
        .map_err(page_error)?;
    let q = query.q.unwrap_or_default();
    let results = match q.trim() {
        "" => Vec::new(),
        text => state
            .service
            .search_units(actor, text, date)
            .await
            .map_err(page_error)?,
    };
    render(
        &state,
        "units.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "units",
            date => vi::format_date(date), date_iso => date.to_string(), q => q.trim(),
            roots => roots.iter().map(UnitView::new).collect::<Vec<_>>(),
            results => results.iter().map(UnitView::new).collect::<Vec<_>>(),
        },
    )
}

#[derive(Deserialize)]
struct DateQuery {
    date: Option<String>,
}

async fn show_unit(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    Query(query): Query<DateQuery>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let date = date_or_today(&query.date)?;
    let page = state
        .service
        .unit_page(actor, &code, date)
        .await
        .map_err(page_error)?;
    let view = UnitPageView::new(&page);
    render(
        &state,
        "unit.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "units",
            shown_other_date => page.date != date, requested => vi::format_date(date),
            ..minijinja::Value::from_serialize(&view)
        },
    )
}

async fn list_groupings(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<DateQuery>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let date = date_or_today(&query.date)?;
    let groupings = state
        .service
        .list_groupings(actor, date)
        .await
        .map_err(page_error)?;
    let groupings: Vec<GroupingView> = groupings.iter().map(GroupingView::new).collect();
    render(
        &state,
        "groupings.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "groupings",
            groupings, date => vi::format_date(date), date_iso => date.to_string(),
        },
    )
}

async fn show_grouping(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    Query(query): Query<DateQuery>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let date = date_or_today(&query.date)?;
    let page = state
        .service
        .grouping_page(actor, &code, date)
        .await
        .map_err(page_error)?;
    render(
        &state,
        "grouping.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "groupings",
            ..minijinja::Value::from_serialize(GroupingPageView::new(&page))
        },
    )
}

async fn show_import(State(state): State<AppState>, authed: Authed) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    if actor.role != Role::Admin {
        return Err(AppError::Forbidden { api: false });
    }
    render(
        &state,
        "import.html",
        context! { user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "import", today => Utc::now().date_naive().to_string() },
    )
}

/// Reads the upload form: the file, the date, the sheet and the CSRF token.
async fn read_import_form(
    mut multipart: Multipart,
) -> Result<(String, Vec<u8>, ImportOptions, String), AppError> {
    let invalid = |message: String| AppError::Invalid {
        api: false,
        message,
    };
    let mut file = None;
    let mut options = ImportOptions {
        end_missing: false,
        ..ImportOptions::default()
    };
    let mut csrf = String::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|err| invalid(format!("Không đọc được tệp tải lên: {err}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                let file_name = field.file_name().unwrap_or("tep-tai-len").to_owned();
                let bytes = field.bytes().await.map_err(|err| {
                    invalid(format!("Không đọc được tệp tải lên (tối đa 50 MB): {err}"))
                })?;
                file = Some((file_name, bytes.to_vec()));
            }
            _ => {
                let value = field
                    .text()
                    .await
                    .map_err(|err| invalid(format!("Biểu mẫu không hợp lệ: {err}")))?;
                match name.as_str() {
                    "csrf_token" => csrf = value,
                    "as_of" if !value.trim().is_empty() => {
                        options.as_of =
                            Some(vi::parse_date(&value).ok_or_else(|| {
                                invalid(format!("Ngày \"{value}\" không hợp lệ."))
                            })?)
                    }
                    "sheet" if !value.trim().is_empty() => {
                        options.sheet = Some(value.trim().to_owned())
                    }
                    "end_missing" => options.end_missing = value == "1",
                    _ => {}
                }
            }
        }
    }
    let (file_name, bytes) = file.ok_or_else(|| invalid("Chưa chọn tệp.".to_owned()))?;
    Ok((file_name, bytes, options, csrf))
}

async fn preview_import(
    State(state): State<AppState>,
    authed: Authed,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let (file_name, bytes, options, csrf) = read_import_form(multipart).await?;
    authed.check_csrf(&csrf)?;
    let dry = ImportOptions {
        dry_run: true,
        ..options.clone()
    };
    let source = TableSource::from_bytes(&file_name, bytes.clone());
    let report = state
        .service
        .import_geography(actor, &file_name, source, &dry, &|_| {})
        .await
        .map_err(page_error)?;
    let has_changes = report.n_new + report.n_changed + report.n_ended > 0;
    let pending = match has_changes {
        true => {
            let token = format!("{:032x}", rand::thread_rng().gen::<u128>());
            let mut pending = state
                .pending
                .lock()
                .expect("pending imports lock is never poisoned");
            pending.retain(|_, upload| Utc::now() - upload.created < chrono::Duration::hours(1));
            pending.insert(
                token.clone(),
                PendingImport {
                    user_id: actor.user_id,
                    file_name,
                    bytes,
                    options,
                    created: Utc::now(),
                },
            );
            Some(token)
        }
        false => None,
    };
    render(
        &state,
        "import.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "import",
            today => Utc::now().date_naive().to_string(), report => ReportView::new(&report), pending,
        },
    )
}

#[derive(Deserialize)]
struct ApplyForm {
    /// Absent: refused by the token check (403), not by the form's parser.
    #[serde(default)]
    csrf_token: String,
    pending: String,
    accept_valid: Option<String>,
}

async fn apply_import(
    State(state): State<AppState>,
    authed: Authed,
    Form(form): Form<ApplyForm>,
) -> Result<Response, AppError> {
    authed.check_csrf(&form.csrf_token)?;
    let actor = &authed.session.actor;
    let upload = {
        let mut pending = state
            .pending
            .lock()
            .expect("pending imports lock is never poisoned");
        match pending.get(&form.pending) {
            Some(upload) if upload.user_id == actor.user_id => pending.remove(&form.pending),
            _ => None,
        }
    };
    let Some(upload) = upload else {
        return Err(AppError::Invalid {
            api: false,
            message: "Bản xem trước đã hết hạn; hãy tải tệp lên lại.".to_owned(),
        });
    };
    let options = ImportOptions {
        accept_valid: form.accept_valid.as_deref() == Some("1"),
        ..upload.options
    };
    let source = TableSource::from_bytes(&upload.file_name, upload.bytes);
    let report = state
        .service
        .import_geography(actor, &upload.file_name, source, &options, &|_| {})
        .await
        .map_err(page_error)?;
    render(
        &state,
        "import.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "import",
            today => Utc::now().date_naive().to_string(), report => ReportView::new(&report),
        },
    )
}

/// The correction form of an edge: its stored values, or (after a refusal) what was typed, on the latest version.
fn edge_context(
    detail: &mtqg_service::geography::EdgeDetail,
    typed: Option<&EdgeForm>,
) -> minijinja::Value {
    let stored_weight = detail
        .weight
        .map(|weight| weight.to_string())
        .unwrap_or_default();
    let (kind, weight_text, note, reason) = match typed {
        Some(form) => (
            form.kind.clone(),
            form.weight.clone(),
            form.note.clone(),
            form.reason.clone(),
        ),
        None => (
            detail.kind.clone(),
            stored_weight,
            detail.note.clone(),
            String::new(),
        ),
    };
    context! {
        id => detail.id, kind, weight_text, note, reason, version => detail.version,
        date => vi::format_date(detail.date), date_iso => detail.date.to_string(),
        day_before_iso => detail.date.pred_opt().unwrap_or(detail.date).to_string(),
        legal_basis => detail.legal_basis,
        from_code => detail.from.as_ref().map(|unit| unit.code.clone()), from_name => detail.from.as_ref().map(|unit| unit.name.clone()),
        to_code => detail.to.as_ref().map(|unit| unit.code.clone()), to_name => detail.to.as_ref().map(|unit| unit.name.clone()),
    }
}

async fn show_edge(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let detail = state
        .service
        .lineage_edge(actor, id)
        .await
        .map_err(page_error)?;
    render(
        &state,
        "lineage.html",
        context! { user => UserView::new(actor), csrf_token => authed.session.csrf_token, edge => edge_context(&detail, None) },
    )
}

#[derive(Deserialize)]
struct EdgeForm {
    /// Absent: refused by the token check (403), not by the form's parser.
    #[serde(default)]
    csrf_token: String,
    kind: String,
    weight: String,
    note: String,
    reason: String,
    /// The edge's version the form was read at; empty: not checked.
    #[serde(default)]
    version: String,
}

async fn correct_edge(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    Form(form): Form<EdgeForm>,
) -> Result<Response, AppError> {
    authed.check_csrf(&form.csrf_token)?;
    let actor = &authed.session.actor;
    let kind = LineageKind::parse(&form.kind);
    let weight = match form.weight.trim() {
        "" => Ok(None),
        text => text
            .replace(',', ".")
            .parse::<f64>()
            .map(Some)
            .map_err(|_| format!("Tỷ trọng \"{text}\" không phải là số.")),
    };
    let res = match (kind, weight, crate::capital::version_text(&form.version)) {
        (Some(kind), Ok(weight), Ok(version)) => {
            state
                .service
                .correct_edge(actor, id, kind, weight, &form.note, &form.reason, version)
                .await
        }
        (None, _, _) => Err(ServiceError::Invalid("Hình thức không hợp lệ.".to_owned())),
        (_, Err(message), _) => Err(ServiceError::Invalid(message)),
        (_, _, Err(err)) => Err(err),
    };
    match res {
        Ok(()) => {
            let detail = state
                .service
                .lineage_edge(actor, id)
                .await
                .map_err(page_error)?;
            let target = detail
                .to
                .map(|unit| format!("/units/{}?date={}", unit.code, detail.date))
                .unwrap_or_else(|| "/units".to_owned());
            Ok(Redirect::to(&target).into_response())
        }
        Err(err) => {
            let (status, message) = crate::capital::refused(err)?;
            // The form again on the edge's latest version, with what was typed.
            let detail = state
                .service
                .lineage_edge(actor, id)
                .await
                .map_err(page_error)?;
            let page = render(
                &state,
                "lineage.html",
                context! { user => UserView::new(actor), csrf_token => authed.session.csrf_token, edge => edge_context(&detail, Some(&form)), error => message },
            )?;
            Ok((status, page).into_response())
        }
    }
}

fn roles() -> Vec<minijinja::Value> {
    Role::ALL
        .iter()
        .map(|role| context! { key => role.key(), label => role.label() })
        .collect()
}

/// Accounts shown on one page of `/admin/users` (a country has an account per commune: thousands).
const ACCOUNTS_PER_PAGE: usize = 100;

/// `?q=&page=` of the account list.
#[derive(Deserialize, Default)]
struct UsersQuery {
    /// Part of a username, a name or a scope code, without diacritics if wanted.
    q: Option<String>,
    /// From 1.
    page: Option<usize>,
}

/// The accounts matching the query, one page of them, and the paging links.
fn accounts_context(accounts: &[mtqg_store::UserRecord], query: &UsersQuery) -> minijinja::Value {
    let needle = mtqg_core::vi::fold(query.q.as_deref().unwrap_or("").trim());
    let matching: Vec<&mtqg_store::UserRecord> = accounts
        .iter()
        .filter(|account| {
            needle.is_empty()
                || [
                    account.username.as_str(),
                    account.display_name.as_str(),
                    account.scope_code.as_deref().unwrap_or(""),
                ]
                .iter()
                .any(|text| mtqg_core::vi::fold(text).contains(&needle))
        })
        .collect();
    let pages = matching.len().div_ceil(ACCOUNTS_PER_PAGE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, pages);
    let href = |page: usize| {
        let q = query.q.as_deref().unwrap_or("").trim();
        match q.is_empty() {
            true => format!("/admin/users?page={page}"),
            false => format!("/admin/users?q={}&page={page}", crate::views::url_escape(q)),
        }
    };
    context! {
        accounts => matching
            .iter()
            .skip((page - 1) * ACCOUNTS_PER_PAGE)
            .take(ACCOUNTS_PER_PAGE)
            .map(|account| AccountView::new(account))
            .collect::<Vec<_>>(),
        q => query.q.clone().unwrap_or_default(),
        n_matching => vi::format_int(matching.len() as i64),
        n_accounts => vi::format_int(accounts.len() as i64),
        page, pages,
        previous => (page > 1).then(|| href(page - 1)),
        next => (page < pages).then(|| href(page + 1)),
    }
}

async fn list_users(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<UsersQuery>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let accounts = state.service.list_users(actor).await.map_err(page_error)?;
    render(
        &state,
        "users.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "users",
            list => accounts_context(&accounts, &query), roles => roles(),
            form => context! { role => "viewer" },
        },
    )
}

#[derive(Deserialize, serde::Serialize)]
struct UserForm {
    /// Absent: refused by the token check (403), not by the form's parser.
    #[serde(default)]
    csrf_token: String,
    username: String,
    display_name: String,
    password: String,
    role: String,
    scope: String,
}

async fn add_user(
    State(state): State<AppState>,
    authed: Authed,
    Form(form): Form<UserForm>,
) -> Result<Response, AppError> {
    authed.check_csrf(&form.csrf_token)?;
    let actor = &authed.session.actor;
    let input = Role::parse(&form.role).map(|role| UserInput {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        password: form.password.clone(),
        role,
        scope_code: Some(form.scope.trim().to_owned()).filter(|scope| !scope.is_empty()),
    });
    let res = match input {
        Some(input) => state.service.add_user(actor, input).await,
        None => Err(ServiceError::Invalid("Vai trò không hợp lệ.".to_owned())),
    };
    match res {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(err @ (ServiceError::Invalid(_) | ServiceError::Conflict { .. })) => {
            let accounts = state.service.list_users(actor).await.map_err(page_error)?;
            let page = render(
                &state,
                "users.html",
                context! {
                    user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "users",
                    list => accounts_context(&accounts, &UsersQuery::default()), roles => roles(),
                    form => context! { username => form.username, display_name => form.display_name, role => form.role, scope => form.scope },
                    error => err.to_string(),
                },
            )?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(err) => Err(page_error(err)),
    }
}

async fn show_audit(
    State(state): State<AppState>,
    authed: Authed,
    _headers: HeaderMap,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let entries = state
        .service
        .audit_log(actor, None, 200)
        .await
        .map_err(page_error)?;
    render(
        &state,
        "audit.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "audit",
            entries => entries.iter().map(AuditView::new).collect::<Vec<_>>(),
        },
    )
}

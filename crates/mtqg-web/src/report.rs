//! Periodic reporting in the web front end: the completeness dashboard of a receiving unit (with bulk approval and
//! the upload of exchange packages), a unit's submission page (entered fields, submit, approve / return / reopen,
//! the steps), the downloads (filled forms as XLSX, the narrative as DOCX or print-ready HTML, the package as JSON
//! or CSV) and the package under /api/v1.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{Datelike, FixedOffset, NaiveDate, Utc};
use minijinja::context;
use mtqg_core::access::Permission;
use mtqg_core::report::form::Fields;
use mtqg_core::report::layout::{Block, Document};
use mtqg_core::report::period::Period;
use mtqg_core::report::submission::{Action, Status};
use mtqg_core::vi;
use mtqg_service::report::{
    self, BulkOutcome, PackageImport, ReportDashboard, ReportKey, NARRATIVE_FIELDS,
};
use mtqg_service::ServiceError;
use serde::Deserialize;

use crate::auth::Authed;
use crate::error::AppError;
use crate::pages::field;
use crate::views::UserView;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/reports", get(dashboard_page))
        .route("/reports/approve", post(approve_selected))
        .route("/reports/import-package", post(import_package))
        .route(
            "/reports/{report}/{period}/{unit}",
            get(submission_page).post(save_submission),
        )
        .route("/reports/{report}/{period}/{unit}/decide", post(decide))
        .route(
            "/reports/{report}/{period}/{unit}/narrative",
            get(narrative_page),
        )
        .route(
            "/reports/{report}/{period}/{unit}/narrative.docx",
            get(narrative_docx),
        )
        .route(
            "/reports/{report}/{period}/{unit}/forms/{file}",
            get(form_xlsx),
        )
        .route(
            "/reports/{report}/{period}/{unit}/package.json",
            get(package_json),
        )
        .route(
            "/reports/{report}/{period}/{unit}/package.csv",
            get(package_csv),
        )
        .route("/api/v1/reports/{report}/{period}/{unit}", get(api_package))
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Narrative fields typed in a textarea rather than a one-line input.
const LONG_FIELDS: [&str; 3] = ["danh_gia", "kien_nghi", "noi_nhan"];

/// Form fields of the submission form that are not report fields.
const CONTROL_FIELDS: [&str; 3] = ["csrf_token", "version", "action"];

fn page_error(err: ServiceError) -> AppError {
    AppError::service(err, false)
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// The period a dashboard opens on: after 30/6 the first half of this year, before it last year's annual report.
fn default_period(today: NaiveDate) -> Period {
    if today > NaiveDate::from_ymd_opt(today.year(), 6, 30).expect("valid date") {
        Period::FirstHalf(today.year())
    } else {
        Period::Year(today.year() - 1)
    }
}

/// A user's mistake shown as a sentence.
fn sentence(err: &ServiceError) -> String {
    vi::capitalise_first(&err.to_string())
}

/// The path of a unit's submission page; the period in its machine form ("2025-H1") when it reads.
fn submission_href(report: &str, period: &str, unit: &str) -> String {
    let period = Period::parse(period)
        .map(|p| p.to_string())
        .unwrap_or_else(|_| period.to_owned());
    format!(
        "/reports/{}/{}/{}",
        crate::views::url_escape(report),
        crate::views::url_escape(&period),
        crate::views::url_escape(unit)
    )
}

/// A path built from percent-encoded segments, safe in an HTML attribute as it is (minijinja would write every
/// '/' as "&#x2f;").
fn safe_href(href: String) -> minijinja::Value {
    minijinja::Value::from_safe_string(href)
}

/// The name of a downloaded file: `{prefix}-{report}-{period}-{unit}.{ext}`, ASCII only.
fn file_name(prefix: &str, key: &ReportKey<'_>, ext: &str) -> String {
    let period = Period::parse(key.period)
        .map(|p| p.to_string())
        .unwrap_or_else(|_| key.period.to_owned());
    format!(
        "{prefix}-{}-{period}-{}.{ext}",
        key.report.trim(),
        key.unit.trim()
    )
}

#[derive(Deserialize, Default)]
struct DashboardQuery {
    report: Option<String>,
    period: Option<String>,
    unit: Option<String>,
}

/// What the dashboard shows: a report, a period and the receiving unit (`None`: the actor's scope).
struct Chosen {
    report: String,
    period: String,
    unit: Option<String>,
}

impl Chosen {
    /// Fills what the user left out: the period by today's date, the report as the first in the calendar for it.
    fn new(report: Option<String>, period: Option<String>, unit: Option<String>) -> Chosen {
        let given = |text: Option<String>| {
            text.map(|text| text.trim().to_owned())
                .filter(|text| !text.is_empty())
        };
        let period = given(period).unwrap_or_else(|| default_period(today()).to_string());
        let report = given(report).unwrap_or_else(|| {
            Period::parse(&period)
                .ok()
                .and_then(|period| report::reporting().calendar.report_for(period, None))
                .map(|kind| kind.code.clone())
                .unwrap_or_else(|| "6T".to_owned())
        });
        Chosen {
            report,
            period,
            unit: given(unit),
        }
    }
}

/// Results of a form posted from the dashboard, shown above it.
#[derive(Default)]
struct DashboardExtra {
    error: Option<String>,
    approved: Option<BulkOutcome>,
    import: Option<(PackageImport, bool)>,
}

async fn dashboard_page(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<DashboardQuery>,
) -> Result<Response, AppError> {
    let chosen = Chosen::new(query.report, query.period, query.unit);
    render_dashboard(&state, &authed, &chosen, DashboardExtra::default()).await
}

fn percent(n: usize, of: usize) -> Option<String> {
    (of > 0).then(|| vi::format_percent(n as f64 / of as f64))
}

fn dashboard_view(dashboard: &ReportDashboard, can_approve: bool) -> minijinja::Value {
    let period = dashboard.period.to_string();
    let code = &dashboard.kind.code;
    let today = today();
    let rows: Vec<minijinja::Value> = dashboard
        .rows
        .iter()
        .map(|row| {
            context! {
                code => row.unit.code, name => row.unit.name,
                href => safe_href(submission_href(code, &period, &row.unit.code)),
                deadline => vi::format_date(row.deadline),
                status => row.status.map_or("Chưa gửi", Status::label),
                status_key => row.status.map(Status::key),
                missing_late => row.status.is_none_or(|s| !s.counts_as_submitted()) && today > row.deadline,
                first_submitted_on => row.first_submitted_on.map(vi::format_date),
                on_time => row.on_time,
                comment => row.comment,
                package => row.origin.as_deref() == Some("package"),
                selectable => can_approve && row.status == Some(Status::Submitted),
            }
        })
        .collect();
    let own = dashboard.unit.as_ref().and_then(|unit| {
        dashboard.kind.submitted_by(unit.level).then(|| {
            context! {
                name => unit.name,
                href => safe_href(submission_href(code, &period, &unit.code)),
                status => dashboard.own.as_ref().and_then(|own| Status::parse(&own.status)).map_or("Chưa lập", Status::label),
            }
        })
    });
    context! {
        name => dashboard.kind.name, code => code, basis => dashboard.kind.basis, verify => dashboard.kind.verify,
        period => period, period_label => dashboard.period.label(),
        unit => dashboard.unit.as_ref().map_or_else(|| "Cả nước".to_owned(), |unit| unit.name.clone()),
        unit_code => dashboard.unit.as_ref().map(|unit| unit.code.clone()),
        expected => dashboard.expected,
        submitted => dashboard.submitted, submitted_pct => percent(dashboard.submitted, dashboard.expected),
        on_time => dashboard.on_time, on_time_pct => percent(dashboard.on_time, dashboard.expected),
        approved => dashboard.approved, approved_pct => percent(dashboard.approved, dashboard.expected),
        returned => dashboard.returned, returned_pct => percent(dashboard.returned, dashboard.expected),
        any_selectable => can_approve && dashboard.rows.iter().any(|row| row.status == Some(Status::Submitted)),
        rows, own,
    }
}

async fn render_dashboard(
    state: &AppState,
    authed: &Authed,
    chosen: &Chosen,
    extra: DashboardExtra,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let can_approve = actor.role.can(Permission::ApproveReport);
    let (dashboard, mut error, mut status) = match state
        .service
        .report_dashboard(
            actor,
            &chosen.report,
            &chosen.period,
            chosen.unit.as_deref(),
        )
        .await
    {
        Ok(dashboard) => (Some(dashboard), None, StatusCode::OK),
        Err(err @ ServiceError::Invalid(_)) => {
            (None, Some(sentence(&err)), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(err @ ServiceError::NotFound(_)) => (None, Some(sentence(&err)), StatusCode::NOT_FOUND),
        Err(err) => return Err(page_error(err)),
    };
    if let Some(message) = extra.error {
        error = Some(message);
        status = StatusCode::UNPROCESSABLE_ENTITY;
    }
    let year = Period::parse(&chosen.period)
        .map(Period::year)
        .unwrap_or_else(|_| default_period(today()).year());
    let mut reports: Vec<minijinja::Value> = Vec::new();
    let mut seen = Vec::new();
    for kind in report::reporting().calendar.in_year(year) {
        if seen.contains(&kind.code) {
            continue;
        }
        seen.push(kind.code.clone());
        reports.push(context! { code => kind.code, name => kind.name, selected => kind.code == chosen.report });
    }
    let names: HashMap<String, String> = dashboard
        .as_ref()
        .map(|d| {
            d.rows
                .iter()
                .map(|row| (row.unit.code.clone(), row.unit.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    let name_of = |code: &str| {
        names
            .get(code)
            .map(|name| format!("{name} ({code})"))
            .unwrap_or_else(|| code.to_owned())
    };
    let approved = extra.approved.map(|outcome| {
        context! {
            approved => outcome.approved.iter().map(|code| name_of(code)).collect::<Vec<_>>(),
            refused => outcome.refused.iter().map(|(code, reason)| context! {
                unit => name_of(code), reason => vi::capitalise_first(reason),
            }).collect::<Vec<_>>(),
        }
    });
    let import = extra.import.map(|(result, dry_run)| {
        context! {
            file_name => result.file_name, report => result.report, period => result.period,
            unit_code => result.unit_code, unit_name => result.unit_name, n_values => result.n_values,
            problems => result.problems, applied => result.applied, dry_run => dry_run,
            href => (!result.report.is_empty() && !result.unit_code.is_empty())
                .then(|| safe_href(submission_href(&result.report, &result.period, &result.unit_code))),
        }
    });
    let mut response = crate::pages::render(
        state,
        "reports.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "reports",
            chosen => context! { report => chosen.report, period => chosen.period, unit => chosen.unit },
            reports, error, approved, import,
            dashboard => dashboard.as_ref().map(|d| dashboard_view(d, can_approve)),
            can_approve, can_import => actor.role.can(Permission::SubmitReport),
        },
    )?;
    *response.status_mut() = status;
    Ok(response)
}

async fn approve_selected(
    State(state): State<AppState>,
    authed: Authed,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let value = |name: &str| {
        form.iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim().to_owned())
    };
    authed.check_csrf(&value("csrf_token").unwrap_or_default())?;
    let chosen = Chosen::new(value("report"), value("period"), value("receiver"));
    let units: Vec<String> = form
        .iter()
        .filter(|(key, value)| key == "unit" && !value.trim().is_empty())
        .map(|(_, value)| value.trim().to_owned())
        .collect();
    if units.is_empty() {
        let extra = DashboardExtra {
            error: Some("Chưa chọn báo cáo nào để duyệt.".to_owned()),
            ..DashboardExtra::default()
        };
        return render_dashboard(&state, &authed, &chosen, extra).await;
    }
    let outcome = state
        .service
        .approve_many(
            &authed.session.actor,
            &chosen.report,
            &chosen.period,
            &units,
        )
        .await
        .map_err(page_error)?;
    let extra = DashboardExtra {
        approved: Some(outcome),
        ..DashboardExtra::default()
    };
    render_dashboard(&state, &authed, &chosen, extra).await
}

async fn import_package(
    State(state): State<AppState>,
    authed: Authed,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let upload = crate::auth::read_upload(multipart, "goi-du-lieu.json").await?;
    authed.check_csrf(&upload.csrf)?;
    let dry_run = upload.fields.get("dry_run").is_some_and(|v| v == "1");
    let result = state
        .service
        .import_package(
            &authed.session.actor,
            &upload.file_name,
            &upload.bytes,
            dry_run,
        )
        .await
        .map_err(page_error)?;
    let text = |name: &str| upload.fields.get(name).cloned();
    let mut chosen = Chosen::new(text("report"), text("period"), text("receiver"));
    // A written package shows on the dashboard of its own report and period.
    if result.applied {
        chosen.report = result.report.clone();
        chosen.period = result.period.clone();
    }
    let extra = DashboardExtra {
        import: Some((result, dry_run)),
        ..DashboardExtra::default()
    };
    render_dashboard(&state, &authed, &chosen, extra).await
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

/// What the page shows after a form: the user's mistake with what they typed, or what was done.
#[derive(Default)]
struct SubmissionExtra<'a> {
    error: Option<String>,
    /// The problem of each field refused, by key.
    field_errors: HashMap<String, String>,
    /// The fields as typed in the form that failed, shown instead of the stored ones.
    typed: Option<&'a HashMap<String, String>>,
    /// The decision comment as typed.
    comment: Option<String>,
    done: Option<String>,
}

fn action_label(key: &str) -> &'static str {
    [
        Action::Save,
        Action::Submit,
        Action::Approve,
        Action::Return,
        Action::Reopen,
    ]
    .into_iter()
    .find(|action| action.key() == key)
    .map_or("", Action::label)
}

fn status_label(key: &str) -> &'static str {
    Status::parse(key).map_or("", Status::label)
}

fn done_message(done: &str) -> Option<&'static str> {
    match done {
        "save" => Some("Đã lưu báo cáo."),
        "submit" => Some("Đã gửi báo cáo lên cấp trên."),
        "approve" => Some("Đã duyệt báo cáo; số liệu của kỳ báo cáo đã được khóa."),
        "return" => Some("Đã trả lại báo cáo kèm ý kiến."),
        "reopen" => Some("Đã mở khóa báo cáo để đơn vị sửa."),
        _ => None,
    }
}

async fn submission_page(
    State(state): State<AppState>,
    authed: Authed,
    Path((report, period, unit)): Path<(String, String, String)>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let key = ReportKey::new(&report, &period, &unit);
    let extra = SubmissionExtra {
        done: query.done,
        ..SubmissionExtra::default()
    };
    render_submission(&state, &authed, key, extra, StatusCode::OK).await
}

async fn render_submission(
    state: &AppState,
    authed: &Authed,
    key: ReportKey<'_>,
    extra: SubmissionExtra<'_>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let page = state
        .service
        .submission_page(actor, key)
        .await
        .map_err(page_error)?;
    let context = &page.context;
    let period = context.period.to_string();
    let href = submission_href(&context.kind.code, &period, &context.unit.code);
    let value = |key: &str| match extra.typed {
        Some(typed) => typed.get(key).cloned().unwrap_or_default(),
        None => page.fields.get(key).cloned().unwrap_or_default(),
    };
    let narrative_fields: Vec<minijinja::Value> = NARRATIVE_FIELDS
        .iter()
        .map(|(key, label)| {
            context! {
                key, label, value => value(key), long => LONG_FIELDS.contains(key),
                error => extra.field_errors.get(*key),
            }
        })
        .collect();
    let numeric_fields: Vec<minijinja::Value> = page
        .form_fields
        .iter()
        .map(|(key, label)| context! { key, label, value => value(key), error => extra.field_errors.get(key) })
        .collect();
    // What the user typed when the report can no longer be edited (someone else submitted or approved it in
    // between): listed so nothing is lost.
    let unsaved: Vec<minijinja::Value> = match extra.typed {
        Some(typed) if !page.can_edit => typed
            .iter()
            .filter(|(key, value)| {
                !CONTROL_FIELDS.contains(&key.as_str()) && !value.trim().is_empty()
            })
            .map(|(key, value)| {
                let label = NARRATIVE_FIELDS
                    .iter()
                    .find(|(known, _)| known == key)
                    .map(|(_, label)| (*label).to_owned())
                    .or_else(|| {
                        page.form_fields
                            .iter()
                            .find(|(known, _)| known == key)
                            .map(|(_, label)| label.clone())
                    })
                    .unwrap_or_else(|| key.clone());
                context! { label, value }
            })
            .collect(),
        _ => Vec::new(),
    };
    let decisions: Vec<minijinja::Value> = match page.status {
        Some(Status::Submitted) => vec![Action::Approve, Action::Return],
        Some(Status::Approved) => vec![Action::Reopen],
        _ => Vec::new(),
    }
    .into_iter()
    .map(|action| context! { key => action.key(), label => action.label() })
    .collect();
    let vietnam = FixedOffset::east_opt(7 * 3600).expect("a valid offset");
    let steps: Vec<minijinja::Value> = page
        .steps
        .iter()
        .map(|step| {
            context! {
                at => step.at.with_timezone(&vietnam).format("%d/%m/%Y %H:%M").to_string(),
                actor => step.actor, action => action_label(&step.action),
                from => step.from_status.as_deref().map(status_label),
                to => status_label(&step.to_status), comment => step.comment,
            }
        })
        .collect();
    let forms: Vec<minijinja::Value> = context
        .kind
        .forms
        .iter()
        .map(|code| {
            let label = report::reporting()
                .forms
                .get(code)
                .map_or_else(|| code.clone(), |form| format!("{} – {code}", form.label));
            context! { label, href => safe_href(format!("{href}/forms/{}.xlsx", crate::views::url_escape(code))) }
        })
        .collect();
    let submission = page.submission.as_ref();
    let mut response = crate::pages::render(
        state,
        "report_submission.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "reports",
            href => safe_href(href.clone()), period, code => context.kind.code, name => context.kind.name,
            period_label => context.period.label(), verify => context.kind.verify, basis => context.kind.basis,
            unit => context! { code => context.unit.code, name => context.unit.name, level => context.unit.level.label() },
            recipient => match &context.recipient {
                Some(parent) => format!("UBND {}", parent.name),
                None => "Ban Chỉ đạo Trung ương các Chương trình MTQG".to_owned(),
            },
            dashboard_href => format!(
                "/reports?report={}&period={}{}",
                crate::views::url_escape(&context.kind.code), crate::views::url_escape(&period),
                context.recipient.as_ref().map(|parent| format!("&unit={}", crate::views::url_escape(&parent.code))).unwrap_or_default(),
            ),
            deadline => context.deadline.map(vi::format_date),
            status => page.status.map_or("Chưa lập", Status::label),
            status_key => page.status.map(Status::key),
            on_time => page.on_time,
            first_submitted_on => submission.and_then(|s| s.first_submitted_on).map(vi::format_date),
            comment => submission.and_then(|s| s.comment.clone()),
            package => submission.is_some_and(|s| s.origin == "package"),
            version => submission.map(|s| s.version.to_string()).unwrap_or_default(),
            steps, narrative_fields, numeric_fields, unsaved, decisions, forms,
            narrative => context.kind.narrative,
            can_edit => page.can_edit && context.deadline.is_some(),
            can_decide => page.can_decide && !decisions.is_empty(),
            decision_comment => extra.comment.unwrap_or_default(),
            error => extra.error,
            done => extra.done.as_deref().and_then(done_message),
        },
    )?;
    *response.status_mut() = status;
    Ok(response)
}

/// The version the form was read at: empty for a report not saved yet.
fn version_field(form: &HashMap<String, String>) -> Result<Option<i64>, ServiceError> {
    let text = field(form, "version");
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| ServiceError::Invalid(format!("phiên bản \"{text}\" không hợp lệ")))
}

/// The page again after a refused form, with the message; anything else is an error page.
async fn refused(
    state: &AppState,
    authed: &Authed,
    key: ReportKey<'_>,
    err: ServiceError,
    typed: Option<&HashMap<String, String>>,
    comment: Option<String>,
) -> Result<Response, AppError> {
    let status = match &err {
        ServiceError::Invalid(_) | ServiceError::Fields(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Conflict { .. } => StatusCode::CONFLICT,
        _ => return Err(page_error(err)),
    };
    // Each field's problem goes next to the field; the top of the page says how many there are.
    let field_errors: HashMap<String, String> = match &err {
        ServiceError::Fields(problems) => problems
            .iter()
            .map(|problem| (problem.key.clone(), vi::capitalise_first(&problem.message)))
            .collect(),
        _ => HashMap::new(),
    };
    let mut error = match &err {
        ServiceError::Fields(problems) => format!(
            "Chưa ghi: {} ô chưa hợp lệ, xem ghi chú cạnh từng ô ({}).",
            problems.len(),
            sentence(&err)
        ),
        _ => sentence(&err),
    };
    if matches!(err, ServiceError::Conflict { .. }) && typed.is_some() {
        error.push_str(
            ". Các giá trị bạn vừa nhập (chưa ghi) vẫn ở dưới đây, trên bản mới nhất của báo cáo: kiểm tra lại rồi bấm Lưu nếu muốn ghi đè.",
        );
    }
    let extra = SubmissionExtra {
        error: Some(error),
        field_errors,
        typed,
        comment,
        done: None,
    };
    render_submission(state, authed, key, extra, status).await
}

async fn save_submission(
    State(state): State<AppState>,
    authed: Authed,
    Path((report, period, unit)): Path<(String, String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let key = ReportKey::new(&report, &period, &unit);
    let res = async {
        let action = match field(&form, "action").as_str() {
            "" | "save" => Action::Save,
            "submit" => Action::Submit,
            other => {
                return Err(ServiceError::Invalid(format!(
                    "thao tác \"{other}\" không hợp lệ"
                )))
            }
        };
        let version = version_field(&form)?;
        let fields: Fields = form
            .iter()
            .filter(|(key, _)| !CONTROL_FIELDS.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        state
            .service
            .save_submission(&authed.session.actor, key, fields, action, version)
            .await
            .map(|_| action)
    }
    .await;
    match res {
        Ok(action) => Ok(Redirect::to(&format!(
            "{}?done={}",
            submission_href(&report, &period, &unit),
            action.key()
        ))
        .into_response()),
        Err(err) => refused(&state, &authed, key, err, Some(&form), None).await,
    }
}

async fn decide(
    State(state): State<AppState>,
    authed: Authed,
    Path((report, period, unit)): Path<(String, String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let key = ReportKey::new(&report, &period, &unit);
    let comment = form.get("comment").cloned().unwrap_or_default();
    let res = async {
        let action = match field(&form, "action").as_str() {
            "approve" => Action::Approve,
            "return" => Action::Return,
            "reopen" => Action::Reopen,
            other => {
                return Err(ServiceError::Invalid(format!(
                    "thao tác \"{other}\" không hợp lệ"
                )))
            }
        };
        let version = version_field(&form)?;
        state
            .service
            .decide_submission(&authed.session.actor, key, action, &comment, version)
            .await
            .map(|_| action)
    }
    .await;
    match res {
        Ok(action) => Ok(Redirect::to(&format!(
            "{}?done={}",
            submission_href(&report, &period, &unit),
            action.key()
        ))
        .into_response()),
        Err(err) => refused(&state, &authed, key, err, None, Some(comment)).await,
    }
}

/// A download under an ASCII file name that keeps the codes' case ("bao-cao-6T-2026-H1-38.docx").
fn download(file_name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = file_name
        .chars()
        .map(|ch| match ch {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' => ch,
            _ => '-',
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A document's text split into lines for the template.
fn lines(text: &str) -> Vec<&str> {
    text.split('\n').collect()
}

fn document_view(document: &Document, back: minijinja::Value) -> minijinja::Value {
    let blocks: Vec<minijinja::Value> = document
        .blocks
        .iter()
        .map(|block| match block {
            Block::Heading { level, text } => {
                context! { kind => "heading", level => (*level).clamp(1, 3), text => text }
            }
            Block::Paragraph(text) => context! { kind => "paragraph", text => text },
            Block::Table(table) => {
                let n_columns = table
                    .rows
                    .iter()
                    .map(Vec::len)
                    .chain([table.header.len()])
                    .max()
                    .unwrap_or(0);
                let numeric = |i: usize| table.numeric.get(i).copied().unwrap_or(false);
                context! {
                    kind => "table", unit_note => table.unit_note, header => table.header,
                    rows => table.rows.iter().enumerate().map(|(r, row)| context! {
                        bold => table.bold_rows.contains(&r),
                        cells => (0..n_columns).map(|i| context! {
                            text => row.get(i).cloned().unwrap_or_default(), numeric => numeric(i),
                        }).collect::<Vec<_>>(),
                    }).collect::<Vec<_>>(),
                }
            }
        })
        .collect();
    let dated = match document.date {
        Some(date) => format!("{}, {}", document.place, vi::format_date_long(date)),
        None => format!(
            "{}, ngày     tháng     năm {}",
            document.place, document.year
        ),
    };
    context! {
        back,
        parent_body => document.parent_body.as_deref().filter(|p| !p.trim().is_empty()).map(lines),
        issuer => lines(&document.issuer),
        number => if document.number.trim().is_empty() { "Số:        /BC-UBND" } else { document.number.as_str() },
        dated, kind => document.kind, summary => lines(&document.summary), blocks,
        recipients => document.recipients,
        on_behalf => document.signature.on_behalf,
        position => lines(&document.signature.position),
        signer => document.signature.name,
    }
}

async fn narrative_page(
    State(state): State<AppState>,
    authed: Authed,
    Path((report, period, unit)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let key = ReportKey::new(&report, &period, &unit);
    let document = state
        .service
        .report_narrative(&authed.session.actor, key)
        .await
        .map_err(page_error)?;
    crate::pages::render(
        &state,
        "report_narrative.html",
        document_view(
            &document,
            safe_href(submission_href(&report, &period, &unit)),
        ),
    )
}

async fn narrative_docx(
    State(state): State<AppState>,
    authed: Authed,
    Path((report, period, unit)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let key = ReportKey::new(&report, &period, &unit);
    let document = state
        .service
        .report_narrative(&authed.session.actor, key)
        .await
        .map_err(page_error)?;
    let bytes = report::narrative_docx(&document).map_err(page_error)?;
    Ok(download(&file_name("bao-cao", &key, "docx"), DOCX, bytes))
}

async fn form_xlsx(
    State(state): State<AppState>,
    authed: Authed,
    Path((report, period, unit, file)): Path<(String, String, String, String)>,
) -> Result<Response, AppError> {
    let Some(form_code) = file.strip_suffix(".xlsx") else {
        return Err(AppError::NotFound {
            api: false,
            message: format!("Không tìm thấy tệp \"{file}\"; biểu mẫu tải về dạng .xlsx."),
        });
    };
    let key = ReportKey::new(&report, &period, &unit);
    let form = state
        .service
        .report_form(&authed.session.actor, form_code, key)
        .await
        .map_err(page_error)?;
    let bytes = report::form_xlsx(&form).map_err(page_error)?;
    Ok(download(
        &file_name(&format!("bieu-{}", form.code), &key, "xlsx"),
        XLSX,
        bytes,
    ))
}

async fn package_json(
    State(state): State<AppState>,
    authed: Authed,
    Path((report, period, unit)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let key = ReportKey::new(&report, &period, &unit);
    let package = state
        .service
        .report_package(&authed.session.actor, key)
        .await
        .map_err(page_error)?;
    let bytes =
        serde_json::to_vec_pretty(&package).map_err(|err| AppError::internal(err, false))?;
    Ok(download(
        &file_name("goi", &key, "json"),
        "application/json; charset=utf-8",
        bytes,
    ))
}

async fn package_csv(
    State(state): State<AppState>,
    authed: Authed,
    Path((report, period, unit)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let key = ReportKey::new(&report, &period, &unit);
    let package = state
        .service
        .report_package(&authed.session.actor, key)
        .await
        .map_err(page_error)?;
    let bytes = report::package_csv(&package).map_err(page_error)?;
    Ok(download(
        &file_name("goi", &key, "csv"),
        "text/csv; charset=utf-8",
        bytes,
    ))
}

async fn api_package(
    State(state): State<AppState>,
    authed: Authed,
    Path((report, period, unit)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let package = state
        .service
        .report_package(
            &authed.session.actor,
            ReportKey::new(&report, &period, &unit),
        )
        .await
        .map_err(|err| AppError::service(err, true))?;
    Ok(Json(package).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dashboard_opens_on_the_first_half_after_june_and_on_last_year_before() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(default_period(day(2026, 7, 1)), Period::FirstHalf(2026));
        assert_eq!(default_period(day(2026, 6, 30)), Period::Year(2025));
        assert_eq!(default_period(day(2026, 1, 5)), Period::Year(2025));
    }

    #[test]
    fn download_names_use_the_machine_form_of_the_period() {
        let key = ReportKey::new("6T", "6T/2026", "38");
        assert_eq!(
            file_name("bao-cao", &key, "docx"),
            "bao-cao-6T-2026-H1-38.docx"
        );
        assert_eq!(
            submission_href("6T", "6T/2026", "38"),
            "/reports/6T/2026-H1/38"
        );
    }
}

//! Direction in the web front end: meetings and their conclusion notices (paste the notice, correct the proposed
//! tasks, save), the meeting page with progress reports, an agency's dashboard (its tasks, overdue, due within seven
//! days, obstacles to answer) with an Excel download, the agency registry; the same under /api/v1.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use minijinja::context;
use mtqg_core::access::Permission;
use mtqg_core::direction::{Deadline, ParsedNotice};
use mtqg_core::vi;
use mtqg_service::direction::{AgencyInput, MeetingInput, TaskInput, TaskView};
use mtqg_service::ServiceError;
use serde::Deserialize;

use crate::auth::Authed;
use crate::error::AppError;
use crate::pages::field;
use crate::views::UserView;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/direction", get(overview))
        .route("/direction/agencies", post(submit_agency))
        .route("/direction/agencies/{code}", get(agency_page))
        .route("/direction/agencies/{code}/communes", post(submit_communes))
        .route("/direction/agencies/{code}/members", post(submit_member))
        .route("/direction/agencies/{code}/tasks.xlsx", get(agency_xlsx))
        .route("/direction/meetings/new", get(new_meeting))
        .route("/direction/meetings/propose", post(propose))
        .route("/direction/meetings", post(submit_meeting))
        .route("/direction/meetings/{id}", get(meeting_page))
        .route("/direction/meetings/{id}/targets", post(submit_target))
        .route("/direction/meetings/{id}/files", post(submit_file))
        .route("/direction/files/{id}", get(download_file))
        .route("/direction/tasks/{id}/report", post(submit_report))
        .route("/direction/obstacles", post(submit_obstacle))
        .route("/direction/obstacles/{id}/answer", post(submit_answer))
        .route("/api/v1/direction/propose", post(api_propose))
        .route("/api/v1/direction/meetings", post(api_record_meeting))
        .route("/api/v1/direction/meetings/{id}", get(api_meeting))
        .route("/api/v1/direction/tasks/{id}/reports", post(api_report))
        .route("/api/v1/direction/agencies/{code}", get(api_agency))
        .route("/api/v1/direction/obstacles", post(api_raise))
        .route("/api/v1/direction/obstacles/{id}/answer", post(api_answer))
}

fn page_error(err: ServiceError) -> AppError {
    AppError::service(err, false)
}

fn deadline_text(deadline: Deadline) -> String {
    match deadline {
        Deadline::By(day) => vi::format_date(day),
        Deadline::Ongoing => "thường xuyên".to_owned(),
        Deadline::None => String::new(),
    }
}

fn parse_deadline(text: &str) -> Result<Deadline, ServiceError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Deadline::None);
    }
    if vi::fold(text) == "thuong xuyen" {
        return Ok(Deadline::Ongoing);
    }
    vi::parse_date(text).map(Deadline::By).ok_or_else(|| {
        ServiceError::Invalid(format!(
            "thời hạn \"{text}\" không hợp lệ: ghi dd/mm/yyyy hoặc \"thường xuyên\""
        ))
    })
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn task_view(view: &TaskView) -> minijinja::Value {
    let task = &view.task;
    context! {
        id => task.id, number => task.number, content => task.content, version => task.version,
        lead => view.lead.as_ref().map(|a| a.name.clone()),
        lead_code => view.lead.as_ref().map(|a| a.code.clone()),
        coordinating => task.coordinating.replace(',', ", "),
        deadline => match (task.due_on, task.ongoing) {
            (Some(due), _) => vi::format_date(due),
            (None, true) => "thường xuyên".to_owned(),
            (None, false) => String::new(),
        },
        status => view.status.label(), status_code => format!("{:?}", view.status),
        done_on => task.done_on.map(vi::format_date),
    }
}

async fn overview(State(state): State<AppState>, authed: Authed) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let agencies = state.service.agencies(actor).await.map_err(page_error)?;
    let meetings = state.service.meetings(actor).await.map_err(page_error)?;
    let mine = state.service.my_agencies(actor).await.map_err(page_error)?;
    crate::pages::render(
        &state,
        "direction.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "direction",
            agencies => agencies.iter().map(|a| context! {
                code => a.code, name => a.name, abbreviations => a.abbreviations,
            }).collect::<Vec<_>>(),
            meetings => meetings.iter().map(|(m, unit)| context! {
                id => m.id, held_on => vi::format_date(m.held_on), title => m.title,
                notice => m.notice_number, unit => unit.clone(),
            }).collect::<Vec<_>>(),
            mine => mine.iter().map(|a| context! { code => a.code, name => a.name }).collect::<Vec<_>>(),
            can_manage => actor.role.can(Permission::ManageAgencies),
            can_record => actor.role.can(Permission::RecordMeetings),
            can_report => actor.role.can(Permission::ReportDirection),
        },
    )
}

async fn submit_agency(
    State(state): State<AppState>,
    authed: Authed,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    state
        .service
        .add_agency(
            &authed.session.actor,
            &AgencyInput {
                unit_code: field(&form, "unit"),
                code: field(&form, "code"),
                name: field(&form, "name"),
                abbreviations: field(&form, "abbreviations"),
                valid_from: vi::parse_date(&field(&form, "valid_from")),
                valid_to: vi::parse_date(&field(&form, "valid_to")),
            },
        )
        .await
        .map_err(page_error)?;
    let back = form
        .get("back")
        .filter(|back| back.starts_with("/direction"))
        .cloned()
        .unwrap_or_else(|| "/direction".to_owned());
    Ok(Redirect::to(&back).into_response())
}

async fn new_meeting(State(state): State<AppState>, authed: Authed) -> Result<Response, AppError> {
    render_new(&state, &authed, &HashMap::new(), None, None).await
}

/// The meeting form, with the proposed tasks when a notice was read.
async fn render_new(
    state: &AppState,
    authed: &Authed,
    form: &HashMap<String, String>,
    parsed: Option<&ParsedNotice>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let agencies = state.service.agencies(actor).await.map_err(page_error)?;
    let tasks: Vec<minijinja::Value> = match parsed {
        Some(parsed) => parsed
            .tasks
            .iter()
            .map(|t| context! {
                number => t.number, content => t.text, lead => t.lead.clone().unwrap_or_default(),
                coordinating => t.coordinating.join(", "), deadline => deadline_text(t.deadline),
                unknown => t.unknown_agencies,
            })
            .collect(),
        None => (0..field(form, "n_tasks").parse::<usize>().unwrap_or(0))
            .map(|i| context! {
                number => field(form, &format!("t{i}_number")), content => field(form, &format!("t{i}_content")),
                lead => field(form, &format!("t{i}_lead")), coordinating => field(form, &format!("t{i}_coord")),
                deadline => field(form, &format!("t{i}_deadline")), unknown => Vec::<String>::new(),
            })
            .collect(),
    };
    let mut response = crate::pages::render(
        state,
        "direction_new.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token.clone(), nav => "direction",
            form => context! {
                unit => field(form, "unit"), held_on => field(form, "held_on"), title => field(form, "title"),
                chair => field(form, "chair"), notice_number => field(form, "notice_number"),
                notice_date => field(form, "notice_date"), signer => field(form, "signer"),
                notice_text => form.get("notice_text").cloned().unwrap_or_default(),
                follows => field(form, "follows"),
            },
            tasks, n_tasks => parsed.map_or_else(|| field(form, "n_tasks").parse().unwrap_or(0), |p| p.tasks.len()),
            by_paragraph => parsed.is_some_and(|p| p.by_paragraph),
            agencies => agencies.iter().map(|a| context! { code => a.code, name => a.name }).collect::<Vec<_>>(),
            error => error.clone(),
            can_manage => actor.role.can(Permission::ManageAgencies),
        },
    )?;
    if error.is_some() {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

async fn propose(
    State(state): State<AppState>,
    authed: Authed,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let held_on = match vi::parse_date(&field(&form, "held_on")) {
        Some(day) => day,
        None => {
            let error = "ngày họp không hợp lệ; dùng dd/mm/yyyy".to_owned();
            return render_new(&state, &authed, &form, None, Some(error)).await;
        }
    };
    let text = form.get("notice_text").cloned().unwrap_or_default();
    match state
        .service
        .propose_tasks(&authed.session.actor, held_on, &text)
        .await
    {
        Ok(parsed) => render_new(&state, &authed, &form, Some(&parsed), None).await,
        Err(ServiceError::Invalid(message)) => {
            render_new(&state, &authed, &form, None, Some(message)).await
        }
        Err(err) => Err(page_error(err)),
    }
}

fn meeting_input(form: &HashMap<String, String>) -> Result<MeetingInput, ServiceError> {
    let date = |name: &str| {
        let text = field(form, name);
        vi::parse_date(&text).ok_or_else(|| {
            ServiceError::Invalid(format!("ngày \"{text}\" không hợp lệ; dùng dd/mm/yyyy"))
        })
    };
    let n = field(form, "n_tasks").parse::<usize>().unwrap_or(0);
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let content = field(form, &format!("t{i}_content"));
        if content.is_empty() {
            continue; // a row the officer emptied is dropped
        }
        tasks.push(TaskInput {
            number: field(form, &format!("t{i}_number")),
            content,
            lead: Some(field(form, &format!("t{i}_lead"))).filter(|code| !code.is_empty()),
            coordinating: field(form, &format!("t{i}_coord"))
                .split([',', ';'])
                .map(str::trim)
                .filter(|code| !code.is_empty())
                .map(str::to_owned)
                .collect(),
            deadline: parse_deadline(&field(form, &format!("t{i}_deadline")))?,
        });
    }
    Ok(MeetingInput {
        unit_code: field(form, "unit"),
        held_on: date("held_on")?,
        title: field(form, "title"),
        chair: field(form, "chair"),
        notice_number: field(form, "notice_number"),
        notice_date: date("notice_date").ok(),
        signer: field(form, "signer"),
        notice_text: form.get("notice_text").cloned().unwrap_or_default(),
        follows: field(form, "follows").parse().ok(),
        tasks,
    })
}

async fn submit_meeting(
    State(state): State<AppState>,
    authed: Authed,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let res = match meeting_input(&form) {
        Ok(input) => {
            state
                .service
                .record_meeting(&authed.session.actor, &input)
                .await
        }
        Err(err) => Err(err),
    };
    match res {
        Ok(id) => Ok(Redirect::to(&format!("/direction/meetings/{id}")).into_response()),
        Err(ServiceError::Invalid(message)) => {
            render_new(&state, &authed, &form, None, Some(message)).await
        }
        Err(err) => Err(page_error(err)),
    }
}

#[derive(Deserialize, Default)]
struct MessageQuery {
    error: Option<String>,
}

async fn meeting_page(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    Query(query): Query<MessageQuery>,
) -> Result<Response, AppError> {
    render_meeting(&state, &authed, id, query.error, None).await
}

/// A form the user sent that was refused: shown again filled in with what they typed, next to the reason, so that a
/// conflict with another officer or a mistake loses nothing.
#[derive(Debug, Default, serde::Serialize)]
struct Draft {
    /// The task or obstacle the form was about.
    id: i64,
    /// What was typed: the progress note or the answer.
    text: String,
    reported_on: String,
    /// The "Hoàn thành" or "Đóng" box.
    checked: bool,
}

/// The page shown again with a refused form's text; other errors as error pages.
fn shown_again(page: Result<Response, AppError>, err: &ServiceError) -> Result<Response, AppError> {
    let mut page = page?;
    *page.status_mut() = crate::error::refused_status(err);
    Ok(page)
}

async fn render_meeting(
    state: &AppState,
    authed: &Authed,
    id: i64,
    error: Option<String>,
    draft: Option<Draft>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let (meeting, unit, tasks) = state
        .service
        .meeting_page(actor, id, today())
        .await
        .map_err(page_error)?;
    let targets = state
        .service
        .target_progress(actor, id, today())
        .await
        .map_err(page_error)?;
    let files = state
        .service
        .direction_files(actor, id)
        .await
        .map_err(page_error)?;
    let all = state.service.meetings(actor).await.map_err(page_error)?;
    let link = |m: &mtqg_store::MeetingRecord| context! { id => m.id, title => m.title, held_on => vi::format_date(m.held_on) };
    let follows = meeting
        .follows_id
        .and_then(|previous| all.iter().find(|(m, _)| m.id == previous))
        .map(|(m, _)| link(m));
    let followed_by: Vec<minijinja::Value> = all
        .iter()
        .filter(|(m, _)| m.follows_id == Some(id))
        .map(|(m, _)| link(m))
        .collect();
    crate::pages::render(
        state,
        "direction_meeting.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token.clone(), nav => "direction",
            draft,
            meeting => context! {
                id => meeting.id, held_on => vi::format_date(meeting.held_on), title => meeting.title,
                chair => meeting.chair, notice => meeting.notice_number,
                notice_date => meeting.notice_date.map(vi::format_date), signer => meeting.signer,
                text => meeting.notice_text,
            },
            unit => unit.map(|u| u.name), follows, followed_by,
            files => files.iter().map(|f| context! {
                id => f.id, name => f.file_name, task_id => f.task_id,
                task => f.task_id.and_then(|t| tasks.iter().find(|v| v.task.id == t)).map(|v| v.task.number.clone()),
                size => vi::format_int(f.size),
            }).collect::<Vec<_>>(),
            tasks => tasks.iter().map(task_view).collect::<Vec<_>>(),
            targets => targets.iter().map(|t| context! {
                label => t.measure.label(), unit => t.unit.as_ref().map(|u| u.name.clone()), year => t.target.year,
                target => vi::format_decimal(t.target.target_value, 2), due => vi::format_date(t.target.due_on),
                actual => t.actual.map(|a| vi::format_decimal(a, 2)),
                progress => t.progress.map(|p| vi::format_decimal(p, 1)),
                met => t.progress.is_some_and(|p| p >= 100.0),
            }).collect::<Vec<_>>(),
            measures => mtqg_core::direction::Measure::ALL.iter().map(|m| context! { code => m.code(), label => m.label() }).collect::<Vec<_>>(),
            can_record => actor.role.can(Permission::RecordMeetings),
            today => vi::format_date(today()),
            can_report => actor.role.can(Permission::ReportDirection),
            error,
        },
    )
}

async fn submit_file(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let upload = crate::auth::read_upload(multipart, "van-ban.pdf").await?;
    authed.check_csrf(&upload.csrf)?;
    let task = upload
        .fields
        .get("task_id")
        .and_then(|t| t.trim().parse().ok());
    let back = format!("/direction/meetings/{id}");
    back_to(
        &back,
        state
            .service
            .attach_direction_file(
                &authed.session.actor,
                id,
                task,
                &upload.file_name,
                upload.bytes,
            )
            .await,
    )
}

async fn download_file(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (file, content) = state
        .service
        .direction_file(&authed.session.actor, id)
        .await
        .map_err(page_error)?;
    Ok(crate::recognition::file_response(
        &file.file_name,
        &file.content_type,
        content,
    ))
}

async fn submit_target(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let back = format!("/direction/meetings/{id}");
    let res = async {
        let measure = mtqg_core::direction::Measure::from_code(&field(&form, "measure"))
            .ok_or_else(|| ServiceError::Invalid("chưa chọn chỉ tiêu".to_owned()))?;
        let year = field(&form, "year")
            .parse()
            .map_err(|_| ServiceError::Invalid("năm không hợp lệ".to_owned()))?;
        let value = vi::parse_number(&field(&form, "value"))
            .map(|n| n.digits as f64 / 10f64.powi(n.decimals as i32))
            .map_err(ServiceError::Invalid)?;
        let due = vi::parse_date(&field(&form, "due_on"))
            .ok_or_else(|| ServiceError::Invalid("hạn không hợp lệ; dùng dd/mm/yyyy".to_owned()))?;
        state
            .service
            .add_target(
                &authed.session.actor,
                id,
                &mtqg_service::direction::TargetInput {
                    measure,
                    unit_code: field(&form, "unit"),
                    year,
                    value,
                    due_on: due,
                },
            )
            .await
    }
    .await;
    back_to(&back, res)
}

async fn submit_report(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let task = state
        .service
        .store()
        .task(id)
        .await
        .map_err(|err| page_error(err.into()))?;
    let res = async {
        let day = vi::parse_date(&field(&form, "reported_on"))
            .ok_or_else(|| ServiceError::Invalid("ngày báo cáo không hợp lệ".to_owned()))?;
        let version = field(&form, "version")
            .parse()
            .map_err(|_| ServiceError::Invalid("thiếu phiên bản của nhiệm vụ".to_owned()))?;
        state
            .service
            .report_task(
                &authed.session.actor,
                id,
                version,
                day,
                &field(&form, "note"),
                form.get("done").is_some_and(|v| v == "1"),
            )
            .await
    }
    .await;
    match res {
        Ok(_) => {
            Ok(Redirect::to(&format!("/direction/meetings/{}", task.meeting_id)).into_response())
        }
        Err(
            err @ (ServiceError::Invalid(_)
            | ServiceError::Conflict { .. }
            | ServiceError::NotFound(_)),
        ) => {
            let draft = Draft {
                id,
                text: field(&form, "note"),
                reported_on: field(&form, "reported_on"),
                checked: form.get("done").is_some_and(|v| v == "1"),
            };
            let page = render_meeting(
                &state,
                &authed,
                task.meeting_id,
                Some(err.to_string()),
                Some(draft),
            )
            .await;
            shown_again(page, &err)
        }
        Err(err) => Err(page_error(err)),
    }
}

/// After a form: back to the page, or back with the user's mistake (invalid input, a conflict, something not found)
/// shown on it; other errors as error pages.
fn back_to<T>(back: &str, res: Result<T, ServiceError>) -> Result<Response, AppError> {
    match res {
        Ok(_) => Ok(Redirect::to(back).into_response()),
        Err(
            err @ (ServiceError::Invalid(_)
            | ServiceError::Conflict { .. }
            | ServiceError::NotFound(_)),
        ) => Ok(Redirect::to(&format!(
            "{back}?error={}",
            crate::views::url_escape(&err.to_string())
        ))
        .into_response()),
        Err(err) => Err(page_error(err)),
    }
}

async fn agency_page(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    Query(query): Query<MessageQuery>,
) -> Result<Response, AppError> {
    render_agency(&state, &authed, &code, query.error, None).await
}

async fn render_agency(
    state: &AppState,
    authed: &Authed,
    code: &str,
    error: Option<String>,
    draft: Option<Draft>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let dashboard = state
        .service
        .agency_dashboard(actor, code, today())
        .await
        .map_err(page_error)?;
    crate::pages::render(
        state,
        "direction_agency.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token.clone(), nav => "direction",
            draft,
            agency => context! { code => dashboard.agency.code, name => dashboard.agency.name },
            tasks => dashboard.tasks.iter().map(task_view).collect::<Vec<_>>(),
            overdue => dashboard.overdue, due_within_week => dashboard.due_within_week,
            obstacles => dashboard.obstacles.iter().map(|(o, late)| context! {
                id => o.id, title => o.title, detail => o.detail, raised_on => vi::format_date(o.raised_on),
                answer_due => o.answer_due.map(vi::format_date), answer => o.answer,
                answered_on => o.answered_on.map(vi::format_date), closed => o.closed_on.is_some(), late => *late,
            }).collect::<Vec<_>>(),
            can_report => actor.role.can(Permission::ReportDirection),
            error,
        },
    )
}

async fn submit_communes(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let codes: Vec<String> = field(&form, "communes")
        .split([',', ';', ' '])
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect();
    let back = format!("/direction/agencies/{code}");
    back_to(
        &back,
        state
            .service
            .assign_agency_communes(&authed.session.actor, &code, &codes)
            .await,
    )
}

async fn submit_member(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let back = format!("/direction/agencies/{code}");
    back_to(
        &back,
        state
            .service
            .add_agency_member(&authed.session.actor, &code, &field(&form, "username"))
            .await,
    )
}

async fn agency_xlsx(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let dashboard = state
        .service
        .agency_dashboard(&authed.session.actor, &code, today())
        .await
        .map_err(page_error)?;
    let bytes = mtqg_service::direction::tasks_xlsx(&dashboard.tasks).map_err(page_error)?;
    Ok(crate::capital::xlsx_response(
        bytes,
        &format!("nhiem-vu-{}.xlsx", dashboard.agency.code),
    ))
}

async fn submit_obstacle(
    State(state): State<AppState>,
    authed: Authed,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let agency = field(&form, "agency");
    state
        .service
        .raise_unit_obstacle(
            &authed.session.actor,
            &field(&form, "unit"),
            &agency,
            &field(&form, "title"),
            &field(&form, "detail"),
            vi::parse_date(&field(&form, "answer_due")),
        )
        .await
        .map_err(page_error)?;
    Ok(Redirect::to(&format!("/direction/agencies/{agency}")).into_response())
}

async fn submit_answer(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let agency = field(&form, "agency");
    let res = state
        .service
        .answer_unit_obstacle(
            &authed.session.actor,
            id,
            &field(&form, "answer"),
            form.get("close").is_some_and(|v| v == "1"),
        )
        .await;
    match res {
        Ok(()) => Ok(Redirect::to(&format!("/direction/agencies/{agency}")).into_response()),
        Err(
            err @ (ServiceError::Invalid(_)
            | ServiceError::Conflict { .. }
            | ServiceError::NotFound(_)),
        ) => {
            let draft = Draft {
                id,
                text: field(&form, "answer"),
                reported_on: String::new(),
                checked: form.get("close").is_some_and(|v| v == "1"),
            };
            let page =
                render_agency(&state, &authed, &agency, Some(err.to_string()), Some(draft)).await;
            shown_again(page, &err)
        }
        Err(err) => Err(page_error(err)),
    }
}

#[derive(Deserialize)]
struct ProposeBody {
    held_on: String,
    text: String,
}

async fn api_propose(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Json(body): Json<ProposeBody>,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    let held_on = vi::parse_date(&body.held_on).ok_or_else(|| AppError::Invalid {
        api: true,
        message: "Ngày họp không hợp lệ.".to_owned(),
    })?;
    let parsed = state
        .service
        .propose_tasks(&authed.session.actor, held_on, &body.text)
        .await
        .map_err(|err| AppError::service(err, true))?;
    Ok(Json(serde_json::json!({
        "by_paragraph": parsed.by_paragraph,
        "tasks": parsed.tasks.iter().map(|t| serde_json::json!({
            "number": t.number, "text": t.text, "lead": t.lead, "coordinating": t.coordinating,
            "deadline": deadline_text(t.deadline), "unknown_agencies": t.unknown_agencies,
        })).collect::<Vec<_>>(),
    }))
    .into_response())
}

async fn api_meeting(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (meeting, unit, tasks) = state
        .service
        .meeting_page(&authed.session.actor, id, today())
        .await
        .map_err(|err| AppError::service(err, true))?;
    Ok(Json(serde_json::json!({
        "id": meeting.id, "unit": unit.map(|u| u.code), "held_on": meeting.held_on, "title": meeting.title,
        "notice": meeting.notice_number, "notice_date": meeting.notice_date,
        "tasks": tasks.iter().map(|v| serde_json::json!({
            "id": v.task.id, "number": v.task.number, "content": v.task.content,
            "lead": v.lead.as_ref().map(|a| &a.code), "coordinating": v.task.coordinating,
            "due_on": v.task.due_on, "ongoing": v.task.ongoing, "done_on": v.task.done_on,
            "status": v.status.label(), "version": v.task.version,
        })).collect::<Vec<_>>(),
    }))
    .into_response())
}

fn api_error(err: ServiceError) -> AppError {
    AppError::service(err, true)
}

#[derive(Deserialize)]
struct TaskBody {
    number: String,
    content: String,
    lead: Option<String>,
    #[serde(default)]
    coordinating: Vec<String>,
    /// dd/mm/yyyy, "thường xuyên" or empty.
    #[serde(default)]
    deadline: String,
}

#[derive(Deserialize)]
struct MeetingBody {
    unit: String,
    held_on: String,
    title: String,
    #[serde(default)]
    chair: String,
    #[serde(default)]
    notice_number: String,
    notice_date: Option<String>,
    #[serde(default)]
    signer: String,
    #[serde(default)]
    notice_text: String,
    follows: Option<i64>,
    tasks: Vec<TaskBody>,
}

async fn api_record_meeting(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Json(body): Json<MeetingBody>,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    let invalid = |message: String| AppError::Invalid { api: true, message };
    let held_on = vi::parse_date(&body.held_on)
        .ok_or_else(|| invalid(format!("Ngày họp \"{}\" không hợp lệ.", body.held_on)))?;
    let mut tasks = Vec::with_capacity(body.tasks.len());
    for task in body.tasks {
        tasks.push(TaskInput {
            number: task.number,
            content: task.content,
            lead: task.lead.filter(|code| !code.trim().is_empty()),
            coordinating: task.coordinating,
            deadline: parse_deadline(&task.deadline).map_err(api_error)?,
        });
    }
    let input = MeetingInput {
        unit_code: body.unit,
        held_on,
        title: body.title,
        chair: body.chair,
        notice_number: body.notice_number,
        notice_date: body.notice_date.as_deref().and_then(vi::parse_date),
        signer: body.signer,
        notice_text: body.notice_text,
        follows: body.follows,
        tasks,
    };
    let id = state
        .service
        .record_meeting(&authed.session.actor, &input)
        .await
        .map_err(api_error)?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(serde_json::json!({ "id": id })),
    )
        .into_response())
}

#[derive(Deserialize)]
struct ReportBody {
    version: i64,
    reported_on: String,
    note: String,
    #[serde(default)]
    done: bool,
}

async fn api_report(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<ReportBody>,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    let day = vi::parse_date(&body.reported_on).ok_or_else(|| AppError::Invalid {
        api: true,
        message: "Ngày báo cáo không hợp lệ.".to_owned(),
    })?;
    let status = state
        .service
        .report_task(
            &authed.session.actor,
            id,
            body.version,
            day,
            &body.note,
            body.done,
        )
        .await
        .map_err(api_error)?;
    Ok(Json(serde_json::json!({ "status": status.label() })).into_response())
}

async fn api_agency(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let dashboard = state
        .service
        .agency_dashboard(&authed.session.actor, &code, today())
        .await
        .map_err(api_error)?;
    Ok(Json(serde_json::json!({
        "code": dashboard.agency.code, "name": dashboard.agency.name,
        "overdue": dashboard.overdue, "due_within_week": dashboard.due_within_week,
        "tasks": dashboard.tasks.iter().map(|v| serde_json::json!({
            "id": v.task.id, "meeting": v.task.meeting_id, "number": v.task.number, "content": v.task.content,
            "due_on": v.task.due_on, "ongoing": v.task.ongoing, "status": v.status.label(), "version": v.task.version,
        })).collect::<Vec<_>>(),
        "obstacles": dashboard.obstacles.iter().map(|(o, late)| serde_json::json!({
            "id": o.id, "title": o.title, "raised_on": o.raised_on, "answer_due": o.answer_due,
            "answer": o.answer, "closed_on": o.closed_on, "answer_overdue": late,
        })).collect::<Vec<_>>(),
    }))
    .into_response())
}

#[derive(Deserialize)]
struct ObstacleBody {
    unit: String,
    agency: String,
    title: String,
    #[serde(default)]
    detail: String,
    answer_due: Option<String>,
}

async fn api_raise(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Json(body): Json<ObstacleBody>,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    let id = state
        .service
        .raise_unit_obstacle(
            &authed.session.actor,
            &body.unit,
            &body.agency,
            &body.title,
            &body.detail,
            body.answer_due.as_deref().and_then(vi::parse_date),
        )
        .await
        .map_err(api_error)?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(serde_json::json!({ "id": id })),
    )
        .into_response())
}

#[derive(Deserialize)]
struct AnswerBody {
    #[serde(default)]
    answer: String,
    #[serde(default)]
    close: bool,
}

async fn api_answer(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<AnswerBody>,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    state
        .service
        .answer_unit_obstacle(&authed.session.actor, id, &body.answer, body.close)
        .await
        .map_err(api_error)?;
    Ok(Json(serde_json::json!({ "id": id })).into_response())
}

//! Money in the web front end: the capital dashboard with drill-down, ranks and charts, the will-lapse list, the
//! entry form for ledger events, file import with a dry run, projects and their page, the program catalogue; the
//! same under /api/v1 as JSON; XLSX exports of the tables shown.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use chrono::{Datelike, NaiveDate, Utc};
use minijinja::context;
use mtqg_core::access::Role;
use mtqg_core::money::{format_amount_number, CapitalType, EventKind, MoneyUnit, Source};
use mtqg_core::vi;
use mtqg_service::catalogue::{ItemEdit, ItemInput};
use mtqg_service::geography::TableSource;
use mtqg_service::money::{
    CapitalReport, CapitalSummary, EventInput, Figures, LapseRow, LAPSE_METHOD,
};
use mtqg_service::projects::{label_of, ProjectInput, ProjectPage, OBSTACLE_KINDS, STATUSES};
use mtqg_service::ServiceError;
use serde::{Deserialize, Serialize};

use crate::auth::Authed;
use crate::charts::{rate_bars, Bar, Series};
use crate::error::{date_param, AppError};
use crate::views::UserView;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/capital", get(dashboard))
        .route("/capital/export.xlsx", get(export_dashboard))
        .route("/capital/lapse", get(lapse_page))
        .route("/capital/lapse.xlsx", get(export_lapse))
        .route("/capital/events", get(event_form).post(submit_event))
        .route("/capital/import", get(import_form).post(submit_import))
        .route("/capital/template.xlsx", get(template))
        .route("/projects", get(projects_page).post(submit_project))
        .route("/projects.xlsx", get(export_projects))
        .route("/projects/{code}/commitments", post(submit_commitments))
        .route("/projects/{code}", get(project_page))
        .route("/projects/{code}/progress", post(submit_progress))
        .route("/projects/{code}/obstacles", post(submit_obstacle))
        .route(
            "/projects/{code}/obstacles/{id}/resolve",
            post(submit_resolve),
        )
        .route("/catalogue", get(catalogue_page).post(submit_item))
        .route("/catalogue/{code}", post(submit_item_edit))
        .route("/api/v1/capital/summary", get(api_summary))
        .route("/api/v1/capital/lapse", get(api_lapse))
        .route("/api/v1/capital/events", post(api_event))
        .route("/api/v1/capital/imports", post(api_import))
        .route("/api/v1/projects", get(api_projects))
        .route("/api/v1/projects/{code}", get(api_project))
        .route("/api/v1/projects/{code}/commitments", post(api_commitments))
        .route("/api/v1/catalogue", get(api_catalogue))
}

fn render(state: &AppState, name: &str, ctx: minijinja::Value) -> Result<Response, AppError> {
    crate::pages::render(state, name, ctx)
}

fn page_error(err: ServiceError) -> AppError {
    AppError::service(err, false)
}

fn api_error(err: ServiceError) -> AppError {
    AppError::service(err, true)
}

/// `?unit=&year=&date=&program=&money=` of the dashboard and the lists.
#[derive(Deserialize, Default)]
struct CapitalQuery {
    unit: Option<String>,
    year: Option<String>,
    date: Option<String>,
    as_of: Option<String>,
    program: Option<String>,
    money: Option<String>,
    rebased: Option<String>,
}

struct Chosen {
    rebased: bool,
    unit: Option<String>,
    year: i32,
    date: NaiveDate,
    program: Option<String>,
    money: MoneyUnit,
}

impl CapitalQuery {
    fn chosen(&self, api: bool) -> Result<Chosen, AppError> {
        let date = date_param(&self.date.clone().or(self.as_of.clone()), api)?;
        let year = match self.year.as_deref().map(str::trim) {
            None | Some("") => date.year(),
            Some(text) => text
                .parse()
                .ok()
                .filter(|year| (2000..=2100).contains(year))
                .ok_or_else(|| AppError::Invalid {
                    api,
                    message: format!("Năm kế hoạch \"{text}\" không hợp lệ."),
                })?,
        };
        let nonempty = |text: &Option<String>| {
            text.as_ref()
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty())
        };
        Ok(Chosen {
            unit: nonempty(&self.unit),
            year,
            date,
            program: nonempty(&self.program),
            money: self
                .money
                .as_deref()
                .and_then(MoneyUnit::parse)
                .unwrap_or_default(),
            rebased: matches!(self.rebased.as_deref(), Some("1" | "true" | "on")),
        })
    }
}

/// Figures formatted for a page.
#[derive(Serialize)]
struct FiguresView {
    medium_term: String,
    plan: String,
    to_projects: String,
    disbursed: String,
    remaining: String,
    carried: String,
    lapsed: String,
    rate: String,
    rate_value: Option<f64>,
}

impl FiguresView {
    fn new(figures: &Figures, unit: MoneyUnit) -> FiguresView {
        let amount = |dong| format_amount_number(dong, unit);
        FiguresView {
            medium_term: amount(figures.medium_term),
            plan: amount(figures.plan),
            to_projects: amount(figures.to_projects),
            disbursed: amount(figures.disbursed),
            remaining: amount(figures.remaining()),
            carried: amount(figures.carried),
            lapsed: amount(figures.lapsed),
            rate: figures
                .rate()
                .map(vi::format_percent)
                .unwrap_or_else(|| "—".to_owned()),
            rate_value: figures.rate(),
        }
    }
}

/// Raw figures in đồng for the API.
fn figures_json(figures: &Figures) -> serde_json::Value {
    serde_json::json!({
        "medium_term": figures.medium_term, "plan": figures.plan, "to_projects": figures.to_projects,
        "disbursed": figures.disbursed, "carried": figures.carried, "lapsed": figures.lapsed,
        "remaining": figures.remaining(), "rate": figures.rate(),
    })
}

fn summary_json(summary: &CapitalSummary) -> serde_json::Value {
    serde_json::json!({
        "unit": summary.unit.as_ref().map(|unit| serde_json::json!({"code": unit.code, "name": unit.name})),
        "plan_year": summary.plan_year,
        "as_of": summary.as_of,
        "program": summary.program.as_ref().map(|(code, name)| serde_json::json!({"code": code, "name": name})),
        "totals": figures_json(&summary.totals),
        "rank_in_parent": summary.rank_in_parent.map(|(place, of)| serde_json::json!({"place": place, "of": of})),
        "investment_deadline": summary.investment_deadline,
        "by_source": summary.by_source.iter().map(|(source, ctype, figures)| serde_json::json!({
            "source": source.key(), "capital_type": ctype.key(), "figures": figures_json(figures),
        })).collect::<Vec<_>>(),
        "children": summary.children.iter().map(|child| serde_json::json!({
            "code": child.unit.code, "name": child.unit.name, "figures": figures_json(&child.figures),
            "rank": child.rank, "below_average": child.below_average,
        })).collect::<Vec<_>>(),
        "rebasing": summary.rebasing.as_ref().map(|rebasing| serde_json::json!({
            "added": figures_json(&rebasing.extra), "from_units": rebasing.from_units,
            "not_rebasable_plan": rebasing.not_rebasable_plan, "not_rebasable_units": rebasing.not_rebasable_units,
        })),
        "curve": summary.curve.iter().map(|point| serde_json::json!({
            "month": point.month, "disbursed_cumulative": point.disbursed_cumulative,
            "committed_cumulative": point.committed_cumulative,
        })).collect::<Vec<_>>(),
    })
}

/// The summary the query asks for, errors shaped for a page or the API.
async fn summary_for(
    state: &AppState,
    actor: &mtqg_service::Actor,
    chosen: &Chosen,
    api: bool,
) -> Result<CapitalSummary, AppError> {
    state
        .service
        .capital_summary_with(
            actor,
            chosen.unit.as_deref(),
            chosen.year,
            chosen.date,
            chosen.program.as_deref(),
            chosen.rebased,
        )
        .await
        .map_err(|err| AppError::service(err, api))
}

async fn dashboard(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<CapitalQuery>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let chosen = query.chosen(false)?;
    let summary = summary_for(&state, actor, &chosen, false).await?;
    let unit = chosen.money;
    let children: Vec<serde_json::Value> = summary
        .children
        .iter()
        .map(|child| {
            serde_json::json!({
                "code": child.unit.code, "name": child.unit.name, "rank": child.rank,
                "below_average": child.below_average, "figures": FiguresView::new(&child.figures, unit),
                "has_plan": child.figures.plan != 0,
            })
        })
        .collect();
    let bars: Vec<Bar> = summary
        .children
        .iter()
        .filter(|child| child.figures.plan != 0)
        .map(|child| Bar {
            label: child.unit.name.clone(),
            rate: child.figures.rate(),
            highlight: child.below_average,
        })
        .collect();
    let chart_rates = (!bars.is_empty())
        .then(|| rate_bars("Tỷ lệ giải ngân theo đơn vị", &bars, summary.totals.rate()));
    let factor = unit.factor() as f64;
    let chart_curve = (summary.curve.len() > 1).then(|| {
        let labels: Vec<String> = summary
            .curve
            .iter()
            .map(|point| format!("{}/{}", point.month.month(), point.month.year() % 100))
            .collect();
        let mut series = vec![Series {
            name: "Lũy kế giải ngân",
            class: "done",
            values: summary
                .curve
                .iter()
                .map(|p| p.disbursed_cumulative as f64 / factor)
                .collect(),
        }];
        if summary
            .curve
            .iter()
            .any(|point| point.committed_cumulative > 0)
        {
            series.push(Series {
                name: "Lũy kế cam kết giải ngân",
                class: "plan",
                values: summary
                    .curve
                    .iter()
                    .map(|p| p.committed_cumulative as f64 / factor)
                    .collect(),
            });
        }
        series.push(Series {
            name: "Kế hoạch vốn",
            class: "target",
            values: vec![summary.totals.plan as f64 / factor; summary.curve.len()],
        });
        crate::charts::lines("Lũy kế giải ngân", &labels, &series, unit.label())
    });
    let by_source: Vec<serde_json::Value> = summary
        .by_source
        .iter()
        .map(|(source, ctype, figures)| {
            serde_json::json!({"source": source.label(), "capital_type": ctype.label(), "figures": FiguresView::new(figures, unit)})
        })
        .collect();
    render(
        &state,
        "capital.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "capital",
            unit_name => summary.unit.as_ref().map(|unit| unit.name.clone()).unwrap_or_else(|| "Toàn quốc".to_owned()),
            unit_code => summary.unit.as_ref().map(|unit| unit.code.clone()),
            parent_code => summary.unit.as_ref().and_then(|unit| unit.parent_code.clone()),
            year => summary.plan_year, date => vi::format_date(summary.as_of), date_iso => summary.as_of.to_string(),
            program => summary.program.as_ref().map(|(code, name)| context!{code => code, name => name}),
            program_code => chosen.program.unwrap_or_default(),
            money => unit.key(), money_label => unit.label(),
            totals => FiguresView::new(&summary.totals, unit),
            rank => summary.rank_in_parent.map(|(place, of)| format!("{place}/{of}")),
            deadline => vi::format_date(summary.investment_deadline),
            children, by_source,
            chart_rates => chart_rates.map(minijinja::Value::from_safe_string),
            chart_curve => chart_curve.map(minijinja::Value::from_safe_string),
            can_record => actor.role.can(mtqg_core::access::Permission::RecordCapital),
            slow => {
                let mut slow: Vec<&mtqg_service::money::ChildFigures> =
                    summary.children.iter().filter(|child| child.below_average).collect();
                slow.sort_by(|a, b| a.figures.rate().unwrap_or(0.0).total_cmp(&b.figures.rate().unwrap_or(0.0)));
                slow.iter().map(|child| context! {
                    code => child.unit.code.clone(), name => child.unit.name.clone(),
                    rate => child.figures.rate().map(vi::format_percent).unwrap_or_default(),
                    remaining => format_amount_number(child.figures.remaining(), unit),
                }).collect::<Vec<_>>()
            },
            rebased => chosen.rebased,
            rebasing => summary.rebasing.as_ref().map(|rebasing| context! {
                extra => format_amount_number(rebasing.extra.plan, unit), n_from => rebasing.from_units.len(),
                not_rebasable => format_amount_number(rebasing.not_rebasable_plan, unit),
                not_rebasable_units => rebasing.not_rebasable_units.clone(),
            }),
        },
    )
}

async fn export_dashboard(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<CapitalQuery>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let chosen = query.chosen(false)?;
    let summary = summary_for(&state, actor, &chosen, false).await?;
    let bytes = mtqg_service::money::summary_xlsx(&summary, chosen.money).map_err(page_error)?;
    Ok(xlsx_response(
        bytes,
        &format!("von-{}-{}.xlsx", summary.plan_year, summary.as_of),
    ))
}

/// An XLSX download.
pub(crate) fn xlsx_response(bytes: Vec<u8>, file_name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

fn lapse_json(row: &LapseRow) -> serde_json::Value {
    serde_json::json!({
        "holder": row.label, "unit": row.unit.as_ref().map(|unit| &unit.code), "unit_name": row.unit.as_ref().map(|unit| &unit.name),
        "source": row.source, "capital_type": row.capital_type, "remaining": row.remaining,
        "disbursed_last_90_days": row.recent, "deadline": row.deadline, "will_lapse": row.will_lapse,
    })
}

async fn lapse_page(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<CapitalQuery>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let chosen = query.chosen(false)?;
    let rows = lapse_for(&state, actor, &chosen, 200, false).await?;
    let unit = chosen.money;
    let total: i64 = rows.iter().map(|row| row.will_lapse).sum();
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|row| {
            serde_json::json!({
                "label": row.label, "unit": row.unit.as_ref().map(|unit| unit.name.clone()).unwrap_or_default(),
                "source": row.source, "capital_type": row.capital_type,
                "remaining": format_amount_number(row.remaining, unit), "recent": format_amount_number(row.recent, unit),
                "deadline": vi::format_date(row.deadline), "will_lapse": format_amount_number(row.will_lapse, unit),
                "project": match row.label.strip_prefix("Dự án ") { Some(code) => code.to_owned(), None => String::new() },
            })
        })
        .collect();
    render(
        &state,
        "capital_lapse.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "capital",
            rows, method => LAPSE_METHOD, year => chosen.year, date => vi::format_date(chosen.date),
            date_iso => chosen.date.to_string(), unit_code => chosen.unit.unwrap_or_default(),
            money_label => unit.label(), total => format_amount_number(total, unit),
        },
    )
}

/// The will-lapse rows the query asks for, errors shaped for a page or the API.
async fn lapse_for(
    state: &AppState,
    actor: &mtqg_service::Actor,
    chosen: &Chosen,
    limit: usize,
    api: bool,
) -> Result<Vec<LapseRow>, AppError> {
    state
        .service
        .will_lapse(
            actor,
            chosen.unit.as_deref(),
            chosen.year,
            chosen.date,
            limit,
        )
        .await
        .map_err(|err| AppError::service(err, api))
}

async fn export_lapse(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<CapitalQuery>,
) -> Result<Response, AppError> {
    let chosen = query.chosen(false)?;
    let rows = lapse_for(&state, &authed.session.actor, &chosen, 5000, false).await?;
    let bytes = mtqg_service::money::lapse_xlsx(&rows, chosen.money).map_err(page_error)?;
    Ok(xlsx_response(
        bytes,
        &format!("nguy-co-huy-von-{}.xlsx", chosen.year),
    ))
}

async fn export_projects(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<ProjectsQuery>,
) -> Result<Response, AppError> {
    let unit = query.unit.filter(|unit| !unit.trim().is_empty());
    let projects = state
        .service
        .list_projects(&authed.session.actor, unit.as_deref(), 100_000)
        .await
        .map_err(page_error)?;
    let bytes = mtqg_service::money::projects_xlsx(&projects).map_err(page_error)?;
    Ok(xlsx_response(bytes, "du-an.xlsx"))
}

/// Lines "03/2024: 1.234,5" into months and amounts; every bad line is named.
fn parse_commitments(text: &str, api: bool) -> Result<Vec<(NaiveDate, i64)>, AppError> {
    let mut months = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
    {
        match mtqg_core::money::parse_commitment_line(line) {
            Ok(month) => months.push(month),
            Err(message) => problems.push(format!("dòng {}: {message}", i + 1)),
        }
    }
    if problems.is_empty() {
        Ok(months)
    } else {
        Err(AppError::Invalid {
            api,
            message: problems.join("; "),
        })
    }
}

#[derive(Deserialize)]
struct CommitmentsForm {
    /// Absent: refused by the token check (403), not by the form's parser.
    #[serde(default)]
    csrf_token: String,
    lines: String,
    /// The project's version the schedule was read at; empty: not checked.
    #[serde(default)]
    version: String,
}

async fn submit_commitments(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    Form(form): Form<CommitmentsForm>,
) -> Result<Response, AppError> {
    authed.check_csrf(&form.csrf_token)?;
    let months = match parse_commitments(&form.lines, false) {
        Ok(months) => Ok(months),
        Err(AppError::Invalid { message, .. }) => Err(ServiceError::Invalid(message)),
        Err(other) => return Err(other),
    };
    let res = match (months, version_text(&form.version)) {
        (Ok(months), Ok(version)) => {
            state
                .service
                .set_commitments(&authed.session.actor, &code, months, version)
                .await
        }
        (Err(err), _) | (_, Err(err)) => Err(err),
    };
    match res {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{code}")).into_response()),
        Err(err) => {
            let (status, message) = refused(err)?;
            render_project(
                &state,
                &authed,
                &code,
                Some((status, message, Some(&form.lines))),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct CommitmentsBody {
    /// One "mm/yyyy: amount in triệu đồng" per line.
    lines: String,
    /// The project's version the schedule was read at (`version` of GET /api/v1/projects/{code}); checked when given.
    #[serde(default)]
    version: Option<i64>,
}

async fn api_commitments(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(body): Json<CommitmentsBody>,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    let months = parse_commitments(&body.lines, true)?;
    state
        .service
        .set_commitments(&authed.session.actor, &code, months, body.version)
        .await
        .map_err(api_error)?;
    Ok(Json(serde_json::json!({"saved": true})).into_response())
}

/// The entry form of a ledger event.
#[derive(Deserialize, Default, Serialize, Clone)]
struct EventForm {
    #[serde(default)]
    csrf_token: String,
    kind: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    project_code: String,
    #[serde(default)]
    to_unit_code: String,
    #[serde(default)]
    to_project_code: String,
    #[serde(default)]
    item_code: String,
    source: String,
    #[serde(default)]
    capital_type: String,
    plan_year: String,
    /// In triệu đồng, written the Vietnamese way.
    amount: String,
    date: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    adjusts: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    reason: String,
}

impl EventForm {
    /// The form as an event; problems are named by field.
    fn input(&self) -> Result<EventInput, String> {
        let kind = EventKind::parse(&self.kind).ok_or("Chọn loại nghiệp vụ.")?;
        let source = Source::parse(&self.source).ok_or("Chọn nguồn vốn.")?;
        let capital_type = match self.capital_type.trim() {
            "" => None,
            text => Some(CapitalType::parse(text).ok_or("Loại vốn không hợp lệ.")?),
        };
        let plan_year = self
            .plan_year
            .trim()
            .parse()
            .map_err(|_| "Năm kế hoạch không hợp lệ.")?;
        let amount = mtqg_core::money::parse_amount(
            &self.amount,
            MoneyUnit::Million,
            kind == EventKind::Adjustment,
        )
        .map_err(|message| format!("Số tiền: {message}."))?;
        let date = vi::parse_date(&self.date).ok_or("Ngày không hợp lệ (dd/mm/yyyy).")?;
        let deadline = match self.deadline.trim() {
            "" => None,
            text => Some(vi::parse_date(text).ok_or("Hạn mới không hợp lệ.")?),
        };
        let adjusts = match self.adjusts.trim() {
            "" => None,
            text => Some(EventKind::parse(text).ok_or("Nghiệp vụ được điều chỉnh không hợp lệ.")?),
        };
        let nonempty = |text: &str| (!text.trim().is_empty()).then(|| text.trim().to_owned());
        Ok(EventInput {
            kind,
            unit_code: nonempty(&self.unit_code),
            project_code: nonempty(&self.project_code),
            to_unit_code: nonempty(&self.to_unit_code),
            to_project_code: nonempty(&self.to_project_code),
            item_code: nonempty(&self.item_code),
            source,
            capital_type,
            plan_year,
            amount,
            date,
            legal_basis: self.legal_basis.trim().to_owned(),
            adjusts,
            deadline,
            reason: self.reason.trim().to_owned(),
        })
    }
}

fn event_choices() -> minijinja::Value {
    context! {
        kinds => EventKind::ALL.iter().map(|kind| context!{key => kind.key(), label => kind.label()}).collect::<Vec<_>>(),
        sources => Source::ALL.iter().map(|source| context!{key => source.key(), label => source.label()}).collect::<Vec<_>>(),
        capital_types => CapitalType::ALL.iter().map(|ctype| context!{key => ctype.key(), label => ctype.label()}).collect::<Vec<_>>(),
    }
}

async fn event_form(State(state): State<AppState>, authed: Authed) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    actor
        .require(mtqg_core::access::Permission::RecordCapital)
        .map_err(page_error)?;
    let today = Utc::now().date_naive();
    let form = EventForm {
        kind: "disbursement".to_owned(),
        unit_code: actor.scope_code.clone().unwrap_or_default(),
        source: "nstw".to_owned(),
        plan_year: today.year().to_string(),
        date: vi::format_date(today),
        ..EventForm::default()
    };
    render(
        &state,
        "capital_event.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "capital",
            form, error => None::<String>, done => false, ..event_choices()
        },
    )
}

async fn submit_event(
    State(state): State<AppState>,
    authed: Authed,
    Form(form): Form<EventForm>,
) -> Result<Response, AppError> {
    authed.check_csrf(&form.csrf_token)?;
    let actor = &authed.session.actor;
    let res = match form.input() {
        Ok(input) => state.service.record_event(actor, input).await,
        Err(message) => Err(ServiceError::Invalid(message)),
    };
    let (error, done) = match res {
        Ok(()) => (None, true),
        Err(ServiceError::Invalid(message)) => (Some(message), false),
        Err(err) => return Err(page_error(err)),
    };
    render(
        &state,
        "capital_event.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "capital",
            form, error, done, ..event_choices()
        },
    )
}

fn report_view(report: &CapitalReport) -> serde_json::Value {
    serde_json::json!({
        "file_name": report.file_name, "n_rows": report.n_rows, "n_events": report.n_events,
        "skipped_totals": report.skipped_totals, "n_problems": report.n_problems, "applied": report.applied,
        "problems": report.problems.iter().map(|problem| serde_json::json!({
            "sheet": problem.sheet, "row": problem.row, "column": problem.column, "message": problem.message,
        })).collect::<Vec<_>>(),
    })
}

async fn import_form(State(state): State<AppState>, authed: Authed) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    actor
        .require(mtqg_core::access::Permission::RecordCapital)
        .map_err(page_error)?;
    render(
        &state,
        "capital_import.html",
        context! { user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "capital", report => None::<()> },
    )
}

async fn submit_import(
    State(state): State<AppState>,
    authed: Authed,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let upload = crate::auth::read_upload(multipart, "tep-tai-len").await?;
    authed.check_csrf(&upload.csrf)?;
    let (file_name, bytes, apply) = (upload.file_name, upload.bytes, upload.apply);
    let actor = &authed.session.actor;
    let report = state
        .service
        .import_capital(
            actor,
            &file_name,
            TableSource::from_bytes(&file_name, bytes),
            !apply,
            &|_| {},
        )
        .await
        .map_err(page_error)?;
    render(
        &state,
        "capital_import.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "capital",
            report => report_view(&report), dry_run => !apply,
        },
    )
}

async fn template(State(state): State<AppState>, _authed: Authed) -> Result<Response, AppError> {
    let bytes = state.service.capital_template().map_err(page_error)?;
    Ok(xlsx_response(bytes, "mau-nhap-von.xlsx"))
}

#[derive(Deserialize)]
struct ProjectsQuery {
    unit: Option<String>,
}

fn project_row(project: &mtqg_store::ProjectRecord) -> serde_json::Value {
    serde_json::json!({
        "code": project.code, "name": project.name, "investor": project.investor,
        "status": label_of(&STATUSES, &project.status), "capital_type": CapitalType::parse(&project.capital_type).map(CapitalType::label),
        "total_investment": format_amount_number(project.total_investment, MoneyUnit::Million),
        "start": project.start_date.map(vi::format_date), "end": project.end_date.map(vi::format_date),
    })
}

async fn projects_page(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<ProjectsQuery>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let unit = query.unit.filter(|unit| !unit.trim().is_empty());
    let projects = state
        .service
        .list_projects(actor, unit.as_deref(), 500)
        .await
        .map_err(page_error)?;
    render(
        &state,
        "projects.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "capital",
            projects => projects.iter().map(project_row).collect::<Vec<_>>(), unit => unit.unwrap_or_default(),
            statuses => STATUSES.iter().map(|(key, label)| context!{key => key, label => label}).collect::<Vec<_>>(),
            capital_types => CapitalType::ALL.iter().map(|ctype| context!{key => ctype.key(), label => ctype.label()}).collect::<Vec<_>>(),
            can_record => actor.role.can(mtqg_core::access::Permission::RecordCapital), error => None::<String>,
        },
    )
}

#[derive(Deserialize)]
struct ProjectForm {
    /// Absent: refused by the token check (403), not by the form's parser.
    #[serde(default)]
    csrf_token: String,
    code: String,
    name: String,
    unit_code: String,
    #[serde(default)]
    locations: String,
    investor: String,
    item_code: String,
    capital_type: String,
    #[serde(default)]
    sources: String,
    total_investment: String,
    #[serde(default)]
    approval: String,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    end_date: String,
    status: String,
    #[serde(default)]
    contractors: String,
}

async fn submit_project(
    State(state): State<AppState>,
    authed: Authed,
    Form(form): Form<ProjectForm>,
) -> Result<Response, AppError> {
    authed.check_csrf(&form.csrf_token)?;
    let actor = &authed.session.actor;
    let optional_date = |text: &str| match text.trim() {
        "" => Ok(None),
        text => vi::parse_date(text)
            .map(Some)
            .ok_or_else(|| format!("Ngày \"{text}\" không hợp lệ.")),
    };
    let input = (|| -> Result<ProjectInput, String> {
        Ok(ProjectInput {
            code: form.code.clone(),
            name: form.name.clone(),
            unit_code: form.unit_code.trim().to_owned(),
            location_codes: form
                .locations
                .split([',', ' '])
                .filter(|code| !code.is_empty())
                .map(str::to_owned)
                .collect(),
            investor: form.investor.clone(),
            item_code: form.item_code.trim().to_owned(),
            capital_type: CapitalType::parse(&form.capital_type).ok_or("Loại vốn không hợp lệ.")?,
            sources: form.sources.clone(),
            total_investment: mtqg_core::money::parse_amount(
                &form.total_investment,
                MoneyUnit::Million,
                false,
            )
            .map_err(|message| format!("Tổng mức đầu tư: {message}."))?,
            approval: form.approval.clone(),
            start_date: optional_date(&form.start_date)?,
            end_date: optional_date(&form.end_date)?,
            status: form.status.clone(),
            contractors: form.contractors.clone(),
        })
    })();
    let res = match input {
        Ok(input) => state.service.add_project(actor, input).await.map(|_| ()),
        Err(message) => Err(ServiceError::Invalid(message)),
    };
    match res {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{}", form.code.trim())).into_response()),
        Err(ServiceError::Invalid(message)) => {
            let projects = state
                .service
                .list_projects(actor, None, 500)
                .await
                .map_err(page_error)?;
            render(
                &state,
                "projects.html",
                context! {
                    user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "capital",
                    projects => projects.iter().map(project_row).collect::<Vec<_>>(), unit => "",
                    statuses => STATUSES.iter().map(|(key, label)| context!{key => key, label => label}).collect::<Vec<_>>(),
                    capital_types => CapitalType::ALL.iter().map(|ctype| context!{key => ctype.key(), label => ctype.label()}).collect::<Vec<_>>(),
                    can_record => true, error => Some(message),
                },
            )
        }
        Err(err) => Err(page_error(err)),
    }
}

fn project_view(page: &ProjectPage) -> serde_json::Value {
    let million = |dong: i64| format_amount_number(dong, MoneyUnit::Million);
    let project = &page.project;
    serde_json::json!({
        "code": project.code, "name": project.name, "investor": project.investor,
        "unit": page.unit.as_ref().map(|unit| serde_json::json!({"code": unit.code, "name": unit.name})),
        "locations": page.locations.iter().map(|unit| unit.name.clone()).collect::<Vec<_>>(),
        "item": page.item.as_ref().map(|(code, name, verify)| serde_json::json!({"code": code, "name": name, "verify": verify})),
        "capital_type": CapitalType::parse(&project.capital_type).map(CapitalType::label),
        "sources": project.sources, "total_investment": million(project.total_investment),
        "approval": project.approval, "start": project.start_date.map(vi::format_date),
        "end": project.end_date.map(vi::format_date), "status": label_of(&STATUSES, &project.status),
        "contractors": project.contractors, "version": project.version,
        "allocated": million(page.allocated), "disbursed": million(page.disbursed),
        "rate": mtqg_core::money::rate(page.disbursed, page.allocated).map(vi::format_percent),
        "events": page.events.iter().map(|event| serde_json::json!({
            "date": vi::format_date(event.event_date), "kind": EventKind::parse(&event.kind).map(EventKind::label),
            "plan_year": event.plan_year, "amount": million(event.amount), "legal_basis": event.legal_basis,
            "reason": event.reason,
        })).collect::<Vec<_>>(),
        "commitments": page.commitments.iter().map(|(month, amount)| serde_json::json!({
            "month": format!("{:02}/{}", month.month(), month.year()), "amount": million(*amount),
        })).collect::<Vec<_>>(),
        "progress": page.progress.iter().map(|(day, pct, value, note)| serde_json::json!({
            "date": vi::format_date(*day), "pct": vi::format_number(*pct, 1), "value": million(*value), "note": note,
        })).collect::<Vec<_>>(),
        "obstacles": page.obstacles.iter().map(|obstacle| serde_json::json!({
            "id": obstacle.id, "kind": label_of(&OBSTACLE_KINDS, &obstacle.kind), "description": obstacle.description,
            "owner": obstacle.owner, "open": obstacle.status == "mo", "raised": vi::format_date(obstacle.raised_on),
            "resolved": obstacle.resolved_on.map(vi::format_date),
        })).collect::<Vec<_>>(),
    })
}

async fn project_page(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    render_project(&state, &authed, &code, None).await
}

/// The project page; after a refused form (`refused`: its status, the sentence and the commitment lines typed, if
/// any), with the message and what was typed, on the project's latest state.
async fn render_project(
    state: &AppState,
    authed: &Authed,
    code: &str,
    refused: Option<(StatusCode, String, Option<&str>)>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let page = state
        .service
        .project_page(actor, code)
        .await
        .map_err(page_error)?;
    let (status, error, typed_lines) = match refused {
        Some((status, error, lines)) => (status, Some(error), lines),
        None => (StatusCode::OK, None, None),
    };
    let mut response = render(
        state,
        "project.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token.clone(), nav => "capital",
            project => project_view(&page), today => vi::format_date(Utc::now().date_naive()),
            obstacle_kinds => OBSTACLE_KINDS.iter().map(|(key, label)| context!{key => key, label => label}).collect::<Vec<_>>(),
            can_record => actor.role.can(mtqg_core::access::Permission::RecordCapital),
            error, typed_lines,
        },
    )?;
    *response.status_mut() = status;
    Ok(response)
}

#[derive(Deserialize)]
struct ProgressForm {
    /// Absent: refused by the token check (403), not by the form's parser.
    #[serde(default)]
    csrf_token: String,
    date: String,
    pct: String,
    value: String,
    #[serde(default)]
    note: String,
}

async fn submit_progress(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    Form(form): Form<ProgressForm>,
) -> Result<Response, AppError> {
    authed.check_csrf(&form.csrf_token)?;
    let invalid = |message: String| AppError::Invalid {
        api: false,
        message,
    };
    let date = vi::parse_date(&form.date)
        .ok_or_else(|| invalid(format!("Ngày \"{}\" không hợp lệ.", form.date)))?;
    let pct = vi::parse_number(&form.pct)
        .map(|n| n.digits as f64 / 10_f64.powi(n.decimals as i32))
        .map_err(|message| invalid(format!("Khối lượng (%): {message}")))?;
    let value = mtqg_core::money::parse_amount(&form.value, MoneyUnit::Million, false)
        .map_err(|message| invalid(format!("Giá trị thực hiện: {message}")))?;
    state
        .service
        .report_progress(&authed.session.actor, &code, date, pct, value, &form.note)
        .await
        .map_err(page_error)?;
    Ok(Redirect::to(&format!("/projects/{code}")).into_response())
}

#[derive(Deserialize)]
struct ObstacleForm {
    /// Absent: refused by the token check (403), not by the form's parser.
    #[serde(default)]
    csrf_token: String,
    kind: String,
    description: String,
    owner: String,
}

async fn submit_obstacle(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    Form(form): Form<ObstacleForm>,
) -> Result<Response, AppError> {
    authed.check_csrf(&form.csrf_token)?;
    state
        .service
        .raise_obstacle(
            &authed.session.actor,
            &code,
            &form.kind,
            &form.description,
            &form.owner,
            Utc::now().date_naive(),
        )
        .await
        .map_err(page_error)?;
    Ok(Redirect::to(&format!("/projects/{code}")).into_response())
}

#[derive(Deserialize)]
struct CsrfForm {
    /// Absent: refused by the token check (403), not by the form's parser.
    #[serde(default)]
    csrf_token: String,
}

async fn submit_resolve(
    State(state): State<AppState>,
    authed: Authed,
    Path((code, id)): Path<(String, i64)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, AppError> {
    authed.check_csrf(&form.csrf_token)?;
    let res = state
        .service
        .resolve_obstacle(&authed.session.actor, &code, id, Utc::now().date_naive())
        .await;
    match res {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{code}")).into_response()),
        Err(err) => {
            let (status, message) = refused(err)?;
            render_project(&state, &authed, &code, Some((status, message, None))).await
        }
    }
}

/// The catalogue's rows with their edit forms; a refused edit (`typed`: the item's code and what was typed) shows
/// its form open with the typed values, on the item's latest version.
fn catalogue_rows(
    items: &[mtqg_store::ProgramItemRecord],
    typed: Option<(&str, &ItemEditForm)>,
) -> Vec<serde_json::Value> {
    items
        .iter()
        .zip(catalogue_json(items))
        .map(|(item, mut row)| {
            row["form"] = match typed.filter(|(code, _)| *code == item.code) {
                Some((_, form)) => serde_json::json!({
                    "name": form.name, "legal_basis": form.legal_basis, "verify": form.verify.is_some(),
                    "note": form.note, "reason": form.reason, "open": true,
                }),
                None => serde_json::json!({
                    "name": item.name, "legal_basis": item.legal_basis, "verify": item.verify, "note": item.note,
                    "reason": "", "open": false,
                }),
            };
            row
        })
        .collect()
}

/// The catalogue's items as the API gives them (with the version an edit names).
fn catalogue_json(items: &[mtqg_store::ProgramItemRecord]) -> Vec<serde_json::Value> {
    let depth = |item: &mtqg_store::ProgramItemRecord| item.code.matches('.').count();
    items
        .iter()
        .map(|item| {
            serde_json::json!({
                "code": item.code, "name": item.name, "level": item.level, "phase": item.phase,
                "legal_basis": item.legal_basis, "verify": item.verify, "note": item.note, "depth": depth(item),
                "maps_to": item.maps_to_id.and_then(|id| items.iter().find(|other| other.id == id)).map(|other| other.code.clone()),
                "version": item.version,
            })
        })
        .collect()
}

async fn catalogue_page(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let items = state
        .service
        .program_items(actor)
        .await
        .map_err(page_error)?;
    render(
        &state,
        "catalogue.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "catalogue",
            items => catalogue_rows(&items, None), is_admin => actor.role == Role::Admin, error => None::<String>,
        },
    )
}

#[derive(Deserialize)]
struct ItemForm {
    /// Absent: refused by the token check (403), not by the form's parser.
    #[serde(default)]
    csrf_token: String,
    code: String,
    #[serde(default)]
    parent_code: String,
    level: String,
    name: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    verify: Option<String>,
    #[serde(default)]
    note: String,
}

async fn submit_item(
    State(state): State<AppState>,
    authed: Authed,
    Form(form): Form<ItemForm>,
) -> Result<Response, AppError> {
    authed.check_csrf(&form.csrf_token)?;
    let actor = &authed.session.actor;
    let input = ItemInput {
        code: form.code.clone(),
        parent_code: Some(form.parent_code.trim().to_owned()).filter(|code| !code.is_empty()),
        level: form.level.clone(),
        name: form.name.clone(),
        legal_basis: form.legal_basis.clone(),
        verify: form.verify.is_some(),
        note: form.note.clone(),
    };
    match state.service.add_program_item(actor, input).await {
        Ok(()) => Ok(Redirect::to("/catalogue").into_response()),
        Err(ServiceError::Invalid(message)) => {
            let items = state
                .service
                .program_items(actor)
                .await
                .map_err(page_error)?;
            render(
                &state,
                "catalogue.html",
                context! {
                    user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "catalogue",
                    items => catalogue_rows(&items, None), is_admin => true, error => Some(message),
                },
            )
        }
        Err(err) => Err(page_error(err)),
    }
}

#[derive(Deserialize)]
struct ItemEditForm {
    /// Absent: refused by the token check (403), not by the form's parser.
    #[serde(default)]
    csrf_token: String,
    name: String,
    #[serde(default)]
    legal_basis: String,
    #[serde(default)]
    verify: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    reason: String,
    /// The item's version the form was read at; empty: not checked.
    #[serde(default)]
    version: String,
}

/// The version a form was read at: empty for none (not checked).
pub(crate) fn version_text(text: &str) -> Result<Option<i64>, ServiceError> {
    match text.trim() {
        "" => Ok(None),
        text => text
            .parse()
            .map(Some)
            .map_err(|_| ServiceError::Invalid(format!("phiên bản \"{text}\" không hợp lệ"))),
    }
}

async fn submit_item_edit(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    Form(form): Form<ItemEditForm>,
) -> Result<Response, AppError> {
    authed.check_csrf(&form.csrf_token)?;
    let actor = &authed.session.actor;
    let edit = ItemEdit {
        name: form.name.clone(),
        legal_basis: form.legal_basis.clone(),
        verify: form.verify.is_some(),
        note: form.note.clone(),
    };
    let res = match version_text(&form.version) {
        Ok(version) => {
            state
                .service
                .edit_program_item(actor, &code, &edit, &form.reason, version)
                .await
        }
        Err(err) => Err(err),
    };
    let (status, message) = match res {
        Ok(()) => return Ok(Redirect::to("/catalogue").into_response()),
        Err(err) => refused(err)?,
    };
    // The page again, on the latest catalogue, with what was typed in the item's form.
    let items = state
        .service
        .program_items(actor)
        .await
        .map_err(page_error)?;
    let mut page = render(
        &state,
        "catalogue.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "catalogue",
            items => catalogue_rows(&items, Some((code.as_str(), &form))), is_admin => actor.role == Role::Admin,
            error => Some(message),
        },
    )?;
    *page.status_mut() = status;
    Ok(page)
}

/// A refused form: the status and sentence its page shows again, with what was typed (a conflict says so); any
/// other error is an error page.
pub(crate) fn refused(err: ServiceError) -> Result<(StatusCode, String), AppError> {
    let status = match &err {
        ServiceError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ServiceError::Conflict { .. } => StatusCode::CONFLICT,
        _ => return Err(page_error(err)),
    };
    let mut message = vi::capitalise_first(&err.to_string());
    if status == StatusCode::CONFLICT {
        message.push_str(
            ". Những gì bạn vừa nhập (chưa được ghi) vẫn ở trong biểu mẫu, trên bản mới nhất: \
             kiểm tra lại rồi bấm Lưu nếu vẫn muốn ghi.",
        );
    }
    Ok((status, message))
}

async fn api_summary(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<CapitalQuery>,
) -> Result<Response, AppError> {
    let chosen = query.chosen(true)?;
    let summary = summary_for(&state, &authed.session.actor, &chosen, true).await?;
    Ok(Json(summary_json(&summary)).into_response())
}

async fn api_lapse(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<CapitalQuery>,
) -> Result<Response, AppError> {
    let chosen = query.chosen(true)?;
    let rows = lapse_for(&state, &authed.session.actor, &chosen, 500, true).await?;
    Ok(Json(serde_json::json!({
        "method": LAPSE_METHOD, "rows": rows.iter().map(lapse_json).collect::<Vec<_>>(),
    }))
    .into_response())
}

async fn api_event(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Json(form): Json<EventForm>,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    let input = form
        .input()
        .map_err(|message| AppError::Invalid { api: true, message })?;
    state
        .service
        .record_event(&authed.session.actor, input)
        .await
        .map_err(api_error)?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(serde_json::json!({"recorded": true})),
    )
        .into_response())
}

#[derive(Deserialize)]
struct ImportQuery {
    file_name: Option<String>,
    dry_run: Option<bool>,
}

async fn api_import(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Query(query): Query<ImportQuery>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    let file_name = query.file_name.unwrap_or_else(|| "upload.csv".to_owned());
    let report = state
        .service
        .import_capital(
            &authed.session.actor,
            &file_name,
            TableSource::from_bytes(&file_name, body.to_vec()),
            query.dry_run.unwrap_or(true),
            &|_| {},
        )
        .await
        .map_err(api_error)?;
    let status = if report.n_problems > 0 {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((status, Json(report_view(&report))).into_response())
}

async fn api_projects(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<ProjectsQuery>,
) -> Result<Response, AppError> {
    let projects = state
        .service
        .list_projects(
            &authed.session.actor,
            query.unit.as_deref().filter(|unit| !unit.is_empty()),
            1000,
        )
        .await
        .map_err(api_error)?;
    Ok(Json(projects.iter().map(|project| serde_json::json!({
        "code": project.code, "name": project.name, "investor": project.investor, "status": project.status,
        "capital_type": project.capital_type, "total_investment": project.total_investment,
        "start_date": project.start_date, "end_date": project.end_date,
    })).collect::<Vec<_>>())
    .into_response())
}

async fn api_project(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let page = state
        .service
        .project_page(&authed.session.actor, &code)
        .await
        .map_err(api_error)?;
    Ok(Json(project_view(&page)).into_response())
}

async fn api_catalogue(
    State(state): State<AppState>,
    authed: Authed,
) -> Result<Response, AppError> {
    let items = state
        .service
        .program_items(&authed.session.actor)
        .await
        .map_err(api_error)?;
    Ok(Json(catalogue_json(&items)).into_response())
}

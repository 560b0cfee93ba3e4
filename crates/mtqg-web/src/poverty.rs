//! Poverty in the web front end: unit statistics (rates by unit, reduction against the target, deprivation
//! profile, flows) with SVG charts and Excel downloads; a commune's lists; the review screen (household table with
//! filters, quick entry with the class computed as you type, freezing, corrections, what-if); the household list
//! upload with a dry run; the same under /api/v1 as JSON.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Datelike;
use minijinja::context;
use mtqg_core::access::Permission;
use mtqg_core::poverty::flows::Flow;
use mtqg_core::poverty::{Area, Class, Household, Tally};
use mtqg_core::vi;
use mtqg_service::poverty::HouseholdImportOptions;
use mtqg_service::poverty_lists::{
    flow_values, FlowReport, HouseholdEdit, ListSummary, RateLine, Rates, ReviewInput, FLOW_ROWS,
};
use mtqg_service::ServiceError;
use serde::Deserialize;

use crate::auth::Authed;
use crate::charts::Bar;
use crate::error::AppError;
use crate::pages::{field, json_form};
use crate::views::UserView;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/poverty", get(overview))
        .route("/poverty/rates.xlsx", get(rates_xlsx))
        .route("/poverty/import", post(import))
        .route("/poverty/members", post(import_members))
        .route(
            "/poverty/households/{id}",
            get(household_page).post(submit_household),
        )
        .route("/poverty/targets", post(submit_target))
        .route("/poverty/xa", get(find_xa))
        .route("/poverty/xa/{code}", get(commune_page))
        .route("/poverty/lists/{id}", get(list_page))
        .route("/poverty/lists/{id}/export", get(list_xlsx))
        .route("/poverty/lists/{id}/reviews", post(submit_review))
        .route("/poverty/lists/{id}/freeze", post(submit_freeze))
        .route("/poverty/lists/{id}/correct", post(submit_correction))
        .route("/api/v1/poverty/rates", get(api_rates))
        .route("/api/v1/poverty/flows", get(api_flows))
        .route("/api/v1/poverty/classify", get(api_classify))
        .route("/api/v1/poverty/lists/{id}", get(api_list))
        .route("/api/v1/poverty/lists/{id}/reviews", post(api_review))
        .route("/api/v1/poverty/lists/{id}/freeze", post(api_freeze))
}

fn page_error(err: ServiceError) -> AppError {
    AppError::service(err, false)
}

fn api_error(err: ServiceError) -> AppError {
    AppError::service(err, true)
}

fn percent(value: Option<f64>) -> Option<String> {
    value.map(|v| format!("{}%", vi::format_decimal(v, 2)))
}

fn int(n: u64) -> String {
    vi::format_int(n as i64)
}

#[derive(Deserialize, Default)]
struct StatsQuery {
    unit: Option<String>,
    year: Option<i32>,
    rebase: Option<String>,
    /// A standard to re-classify the unit's households under (what-if).
    whatif: Option<String>,
}

impl StatsQuery {
    fn unit(&self) -> Option<String> {
        self.unit
            .as_deref()
            .map(str::trim)
            .filter(|unit| !unit.is_empty())
            .map(str::to_owned)
    }

    /// The year asked for, else the last year whose lists are due (the previous one until December).
    fn year(&self) -> i32 {
        let today = chrono::Utc::now().date_naive();
        self.year.unwrap_or(if today.month() == 12 {
            today.year()
        } else {
            today.year() - 1
        })
    }

    fn rebase(&self) -> bool {
        matches!(self.rebase.as_deref(), Some("1" | "true" | "on"))
    }
}

fn tally_view(tally: &Tally) -> minijinja::Value {
    context! {
        households => int(tally.households), poor => int(tally.poor), near_poor => int(tally.near_poor),
        average => int(tally.average), em => int(tally.em_households), em_poor => int(tally.em_poor),
        em_near_poor => int(tally.em_near_poor),
        poor_rate => percent(tally.poor_rate()), near_poor_rate => percent(tally.near_poor_rate()),
        em_poor_rate => percent(tally.em_poor_rate()), em_near_poor_rate => percent(tally.em_near_poor_rate()),
    }
}

fn line_view(line: &RateLine, year: i32) -> minijinja::Value {
    context! {
        code => line.unit.as_ref().map(|unit| unit.code.clone()),
        name => line.unit.as_ref().map(|unit| unit.name.clone()).unwrap_or_else(|| "Toàn quốc".to_owned()),
        tally => tally_view(&line.tally),
        previous_rate => line.previous.as_ref().and_then(|p| percent(p.poor_rate())),
        reduction => line.reduction.map(|r| vi::format_decimal(r.points, 2)),
        rank => line.rank.map(|(rank, of)| format!("{rank}/{of}")),
        n_lists => line.n_lists, year,
        commune => line.unit.as_ref().is_some_and(|unit| unit.level == mtqg_core::geo::Level::Commune),
    }
}

fn flows_view(report: &FlowReport) -> Vec<minijinja::Value> {
    let poor = flow_values(&report.total.poor);
    let near = flow_values(&report.total.near_poor);
    FLOW_ROWS
        .iter()
        .enumerate()
        .map(|(idx, (_, label))| context! { label, poor => int(poor[idx]), near_poor => int(near[idx]) })
        .collect()
}

fn rates_json(rates: &Rates) -> serde_json::Value {
    let tally = |tally: &Tally| {
        serde_json::json!({
            "households": tally.households, "poor": tally.poor, "near_poor": tally.near_poor,
            "average": tally.average, "em_households": tally.em_households, "em_poor": tally.em_poor,
            "em_near_poor": tally.em_near_poor, "poor_rate": tally.poor_rate(),
            "near_poor_rate": tally.near_poor_rate(), "em_poor_rate": tally.em_poor_rate(),
            "poor_deprived": tally.poor_deprived,
        })
    };
    let line = |line: &RateLine| {
        serde_json::json!({
            "unit": line.unit.as_ref().map(|unit| &unit.code),
            "name": line.unit.as_ref().map(|unit| &unit.name),
            "figures": tally(&line.tally),
            "previous": line.previous.as_ref().map(tally),
            "reduction_points": line.reduction.map(|r| r.points),
            "percent_of_target": line.reduction.and_then(|r| r.percent_of_target),
            "rank": line.rank,
            "lists": line.n_lists,
        })
    };
    serde_json::json!({
        "year": rates.year, "rebased": rates.rebased, "total": line(&rates.total),
        "target": rates.target.as_ref().map(|t| serde_json::json!({"points": t.target_points, "basis": t.legal_basis})),
        "children": rates.children.iter().map(line).collect::<Vec<_>>(),
    })
}

fn flows_json(report: &FlowReport) -> serde_json::Value {
    let flow = |flow: &Flow| -> serde_json::Value {
        let values = flow_values(flow);
        serde_json::Value::Object(
            FLOW_ROWS
                .iter()
                .zip(values)
                .map(|((key, _), value)| ((*key).to_owned(), serde_json::Value::from(value)))
                .collect(),
        )
    };
    serde_json::json!({
        "from_year": report.from_year, "to_year": report.to_year, "rebased": report.rebased,
        "unit": report.unit.as_ref().map(|unit| &unit.code),
        "poor": flow(&report.total.poor), "near_poor": flow(&report.total.near_poor),
        "children": report.children.iter().map(|(unit, flows)| serde_json::json!({
            "unit": unit.code, "name": unit.name, "poor": flow(&flows.poor), "near_poor": flow(&flows.near_poor),
        })).collect::<Vec<_>>(),
    })
}

async fn overview(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<StatsQuery>,
) -> Result<Response, AppError> {
    render_overview(&state, &authed, &query, None).await
}

/// A refused target form: the status, the sentence and what was typed.
struct TargetRefusal<'a> {
    status: axum::http::StatusCode,
    message: String,
    form: &'a HashMap<String, String>,
}

async fn render_overview(
    state: &AppState,
    authed: &Authed,
    query: &StatsQuery,
    refused: Option<TargetRefusal<'_>>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let (unit, year, rebase) = (query.unit(), query.year(), query.rebase());
    let rates = state
        .service
        .poverty_rates(actor, unit.as_deref(), year, rebase)
        .await
        .map_err(page_error)?;
    let flows = state
        .service
        .poverty_flows(actor, unit.as_deref(), year - 1, year, rates.rebased)
        .await
        .map_err(page_error)?;
    let standards = state
        .service
        .poverty_standards(actor)
        .await
        .map_err(page_error)?;
    let standard = state
        .service
        .poverty_standard(
            &standards
                .iter()
                .find(|s| {
                    s.province_code.is_none()
                        && (s.first_year..=s.last_year).contains(&i64::from(year))
                })
                .map(|s| s.code.clone())
                .unwrap_or_default(),
        )
        .await
        .ok();
    let overall = rates.total.tally.poor_rate();
    let bars: Vec<Bar> = rates
        .children
        .iter()
        .map(|line| Bar {
            label: line
                .unit
                .as_ref()
                .map(|unit| unit.name.clone())
                .unwrap_or_default(),
            rate: line.tally.poor_rate().map(|rate| rate / 100.0),
            highlight: matches!((line.tally.poor_rate(), overall), (Some(rate), Some(all)) if rate > all),
        })
        .collect();
    let children_chart = (bars.len() > 1).then(|| {
        crate::charts::rate_bars(
            "Tỷ lệ hộ nghèo theo đơn vị",
            &bars,
            overall.map(|rate| rate / 100.0),
        )
    });
    let profile: Vec<(String, String, Option<f64>)> = standard
        .iter()
        .flat_map(|standard| standard.indicators())
        .map(|indicator| {
            (
                indicator.number.clone(),
                indicator.name.clone(),
                rates.total.tally.deprivation_share(&indicator.code),
            )
        })
        .collect();
    let profile_chart = (rates.total.tally.poor > 0).then(|| {
        let bars: Vec<Bar> = profile
            .iter()
            .map(|(number, name, share)| Bar {
                label: format!("{number}. {name}"),
                rate: share.map(|share| share / 100.0),
                highlight: share.is_some_and(|share| share >= 50.0),
            })
            .collect();
        crate::charts::rate_bars("Tỷ lệ hộ nghèo thiếu hụt từng chỉ số", &bars, None)
    });
    let flow_bars = {
        let poor = &flows.total.poor;
        let bars: Vec<Bar> = FLOW_ROWS[1..8]
            .iter()
            .zip(&flow_values(poor)[1..8])
            .map(|((_, label), value)| Bar {
                label: label
                    .split(':')
                    .next_back()
                    .unwrap_or(label)
                    .trim()
                    .to_owned(),
                rate: (poor.start.max(poor.end) > 0)
                    .then(|| *value as f64 / poor.start.max(poor.end) as f64),
                highlight: label.starts_with("Tăng"),
            })
            .collect();
        (poor.start + poor.end > 0).then(|| {
            crate::charts::rate_bars(
                "Biến động hộ nghèo (so với số đầu kỳ hoặc cuối kỳ)",
                &bars,
                None,
            )
        })
    };
    let what_if = match query
        .whatif
        .as_deref()
        .map(str::trim)
        .filter(|code| !code.is_empty())
    {
        Some(code) => {
            let what_if = state
                .service
                .poverty_what_if(actor, unit.as_deref(), year, code)
                .await
                .map_err(page_error)?;
            Some(context! {
                code => what_if.standard_code, name => what_if.standard_name,
                before => tally_view(&what_if.before), after => tally_view(&what_if.after),
                children => what_if.children.iter().map(|(unit, before, after)| context! {
                    code => unit.code, name => unit.name,
                    before => tally_view(before), after => tally_view(after),
                }).collect::<Vec<_>>(),
                unanswered => what_if.unanswered,
            })
        }
        None => None,
    };
    let reduction = rates.total.reduction.map(|r| {
        context! {
            points => vi::format_decimal(r.points, 2),
            target => r.target_points.map(|t| vi::format_decimal(t, 2)),
            percent_of_target => r.percent_of_target.map(|p| vi::format_decimal(p, 2)),
        }
    });
    crate::pages::render(
        state,
        "poverty.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "poverty",
            unit => unit.clone().unwrap_or_default(), year, rebased => rates.rebased, rebase_asked => rebase,
            title_unit => rates.total.unit.as_ref().map(|u| u.name.clone()).unwrap_or_else(|| "Toàn quốc".to_owned()),
            total => line_view(&rates.total, year), reduction,
            target_basis => rates.target.as_ref().map(|t| t.legal_basis.clone()),
            // The target form: the stored target's version (0: none yet), or what was typed in a refused form on the
            // latest version.
            target_form => match &refused {
                Some(refused) => context! {
                    points => field(refused.form, "points"), basis => field(refused.form, "basis"),
                    version => if refused.status == axum::http::StatusCode::CONFLICT {
                        rates.target.as_ref().map_or(0, |t| t.version).to_string()
                    } else {
                        field(refused.form, "version")
                    },
                },
                None => context! {
                    points => rates.target.as_ref().map(|t| vi::format_decimal(t.target_points, 2)).unwrap_or_default(),
                    basis => rates.target.as_ref().map(|t| t.legal_basis.clone()).unwrap_or_default(),
                    version => rates.target.as_ref().map_or(0, |t| t.version).to_string(),
                },
            },
            target_error => refused.as_ref().map(|refused| refused.message.clone()),
            children => rates.children.iter().map(|line| line_view(line, year)).collect::<Vec<_>>(),
            children_chart => children_chart.map(minijinja::Value::from_safe_string),
            profile_chart => profile_chart.map(minijinja::Value::from_safe_string),
            profile => profile.iter().map(|(number, name, share)| context! { number, name, share => percent(*share) }).collect::<Vec<_>>(),
            flows => flows_view(&flows), flow_chart => flow_bars.map(minijinja::Value::from_safe_string),
            flows_balance => flows.total.poor.balances() && flows.total.near_poor.balances(),
            standards => standards.iter().map(|s| context! {
                code => s.code, name => s.name, years => format!("{}–{}", s.first_year, s.last_year),
                province => s.province_code, verify => s.verify,
            }).collect::<Vec<_>>(),
            can_record => actor.role.can(Permission::RecordPoverty),
            can_target => actor.role.can(Permission::SetPovertyTargets),
            this_year => chrono::Utc::now().date_naive().year(),
            what_if, whatif_code => query.whatif.clone().unwrap_or_default(),
        },
    )
}

async fn rates_xlsx(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<StatsQuery>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let (unit, year) = (query.unit(), query.year());
    let rates = state
        .service
        .poverty_rates(actor, unit.as_deref(), year, query.rebase())
        .await
        .map_err(page_error)?;
    let flows = state
        .service
        .poverty_flows(actor, unit.as_deref(), year - 1, year, rates.rebased)
        .await
        .map_err(page_error)?;
    let bytes = mtqg_service::poverty_lists::rates_xlsx(&rates, &flows).map_err(page_error)?;
    Ok(crate::capital::xlsx_response(
        bytes,
        &format!(
            "ho-ngheo-{}-{year}.xlsx",
            unit.unwrap_or_else(|| "toan-quoc".to_owned())
        ),
    ))
}

async fn import(
    State(state): State<AppState>,
    authed: Authed,
    multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let upload = crate::auth::read_upload(multipart, "danh-sach-ho.xlsx").await?;
    authed.check_csrf(&upload.csrf)?;
    let year: i32 = upload
        .fields
        .get("year")
        .and_then(|year| year.trim().parse().ok())
        .ok_or_else(|| AppError::Invalid {
            api: false,
            message: "Cần chọn năm rà soát.".to_owned(),
        })?;
    let kind = upload
        .fields
        .get("kind")
        .cloned()
        .unwrap_or_else(|| "annual".to_owned());
    let source = mtqg_service::geography::TableSource::from_bytes(&upload.file_name, upload.bytes);
    let report = state
        .service
        .import_households(
            &authed.session.actor,
            &upload.file_name,
            source,
            &HouseholdImportOptions {
                year,
                kind,
                dry_run: !upload.apply,
            },
            &|_| {},
        )
        .await
        .map_err(page_error)?;
    let [poor, near_poor, average, other] = report.by_class.map(|n| vi::format_int(n as i64));
    crate::pages::render(
        &state,
        "poverty_import.html",
        context! {
            user => UserView::new(&authed.session.actor), csrf_token => authed.session.csrf_token.clone(), nav => "poverty",
            file_name => report.file_name.clone(), year, dry_run => !upload.apply,
            report => context! {
                n_rows => vi::format_int(report.n_rows as i64), n_new => vi::format_int(report.n_new as i64),
                n_updated => vi::format_int(report.n_updated as i64), n_communes => report.n_communes,
                has_review => report.has_review, poor, near_poor, average, other,
                n_problems => report.n_problems, applied => report.applied,
                more_problems => report.n_problems.saturating_sub(report.problems.len()),
                problems => report.problems.iter().map(|p| context! {
                    row => p.row, column => p.column.clone(), message => p.message.clone(),
                }).collect::<Vec<_>>(),
                lists => report.lists.iter().map(|(code, name, id)| context! { code, name, id }).collect::<Vec<_>>(),
            },
        },
    )
}

async fn import_members(
    State(state): State<AppState>,
    authed: Authed,
    multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let upload = crate::auth::read_upload(multipart, "thanh-vien.xlsx").await?;
    authed.check_csrf(&upload.csrf)?;
    let source = mtqg_service::geography::TableSource::from_bytes(&upload.file_name, upload.bytes);
    let report = state
        .service
        .import_members(
            &authed.session.actor,
            &upload.file_name,
            source,
            !upload.apply,
        )
        .await
        .map_err(page_error)?;
    crate::pages::render(
        &state,
        "poverty_members.html",
        context! {
            user => UserView::new(&authed.session.actor), csrf_token => authed.session.csrf_token.clone(), nav => "poverty",
            file_name => upload.file_name, dry_run => !upload.apply,
            n_rows => report.n_rows, n_households => report.n_households, applied => report.applied,
            n_problems => report.n_problems,
            problems => report.problems.iter().map(|p| context! {
                sheet => p.sheet.clone(), row => p.row, column => p.column.clone(), message => p.message.clone(),
            }).collect::<Vec<_>>(),
        },
    )
}

/// An ID number shown with its last four digits only; the full number is in the register, not on screens.
fn masked(id: &str) -> String {
    let keep = id.len().saturating_sub(4);
    format!("{}{}", "•".repeat(keep), &id[keep..])
}

async fn household_page(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render_household(&state, &authed, id, None).await
}

/// The household page; after a refused edit (its status, sentence and form), with the message and what was typed,
/// on the household's latest version when the refusal was a conflict.
async fn render_household(
    state: &AppState,
    authed: &Authed,
    id: i64,
    refused: Option<(axum::http::StatusCode, String, &HashMap<String, String>)>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let page = state
        .service
        .household_page(actor, id)
        .await
        .map_err(page_error)?;
    let h = &page.household;
    let checked = |form: &HashMap<String, String>, name: &str| !field(form, name).is_empty();
    let edit = match &refused {
        Some((status, _, form)) => context! {
            head => field(form, "head_name"), village => field(form, "village"), address => field(form, "address"),
            area => field(form, "area"), ethnicity => field(form, "ethnicity"),
            em => checked(form, "ethnic_minority"), meritorious => checked(form, "meritorious"),
            social_protection => checked(form, "social_protection"), no_worker => checked(form, "no_worker"),
            version => if *status == axum::http::StatusCode::CONFLICT { h.version.to_string() } else { field(form, "version") },
            open => true,
        },
        None => context! {
            head => h.head_name, village => h.village, address => h.address, area => h.area, ethnicity => h.ethnicity,
            em => h.ethnic_minority, meritorious => h.meritorious, social_protection => h.social_protection,
            no_worker => h.no_worker, version => h.version.to_string(), open => false,
        },
    };
    let mut response = crate::pages::render(
        state,
        "poverty_household.html",
        context! {
            id, edit, error => refused.as_ref().map(|(_, message, _)| message.clone()),
            can_edit => actor.role.can(Permission::RecordPoverty),
            user => UserView::new(actor), csrf_token => authed.session.csrf_token.clone(), nav => "poverty",
            code => h.code, head => h.head_name, village => h.village, address => h.address,
            area => Area::parse(&h.area).map(Area::label), ethnicity => h.ethnicity, em => h.ethnic_minority,
            meritorious => h.meritorious, social_protection => h.social_protection, no_worker => h.no_worker,
            commune => page.commune.as_ref().map(|c| c.name.clone()),
            commune_code => page.commune.as_ref().map(|c| c.code.clone()),
            members => page.members.iter().map(|m| context! {
                name => m.name, birth_year => m.birth_year, relation => m.relation,
                sex => m.sex.as_deref().map(|sex| if sex == "nu" { "Nữ" } else { "Nam" }),
                national_id => m.national_id.as_deref().map(masked),
            }).collect::<Vec<_>>(),
            history => page.history.iter().map(|(list, class, deprived)| context! {
                list_id => list.id, year => list.year,
                kind => if list.kind == "adhoc" { "Thường xuyên" } else { "Định kỳ" },
                frozen => list.status == "frozen", decision => list.decision.clone(),
                class => Class::from_code(class).map(Class::label),
                n_deprived => deprived.split(',').filter(|c| !c.is_empty()).count(),
            }).collect::<Vec<_>>(),
        },
    )?;
    if let Some((status, ..)) = refused {
        *response.status_mut() = status;
    }
    Ok(response)
}

async fn submit_household(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let res = async {
        let version = crate::capital::version_text(&field(&form, "version"))?;
        let edit = HouseholdEdit {
            head_name: field(&form, "head_name"),
            village: field(&form, "village"),
            address: field(&form, "address"),
            area: field(&form, "area"),
            ethnicity: field(&form, "ethnicity"),
            ethnic_minority: !field(&form, "ethnic_minority").is_empty(),
            meritorious: !field(&form, "meritorious").is_empty(),
            social_protection: !field(&form, "social_protection").is_empty(),
            no_worker: !field(&form, "no_worker").is_empty(),
        };
        state
            .service
            .edit_household(&authed.session.actor, id, &edit, version)
            .await
    }
    .await;
    match res {
        Ok(()) => Ok(Redirect::to(&format!("/poverty/households/{id}")).into_response()),
        Err(err) => {
            let (status, message) = crate::capital::refused(err)?;
            render_household(&state, &authed, id, Some((status, message, &form))).await
        }
    }
}

async fn submit_target(
    State(state): State<AppState>,
    authed: Authed,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let unit = field(&form, "unit");
    let year: i32 = field(&form, "year")
        .parse()
        .map_err(|_| AppError::Invalid {
            api: false,
            message: "Năm không hợp lệ.".to_owned(),
        })?;
    let res = async {
        let points = vi::parse_number(&field(&form, "points"))
            .map(|n| n.digits as f64 / 10f64.powi(n.decimals as i32))
            .map_err(ServiceError::Invalid)?;
        let version = crate::capital::version_text(&field(&form, "version"))?;
        state
            .service
            .set_poverty_target(
                &authed.session.actor,
                &unit,
                year,
                points,
                &field(&form, "basis"),
                version,
            )
            .await
    }
    .await;
    match res {
        Ok(()) => Ok(Redirect::to(&format!(
            "/poverty?unit={}&year={year}",
            crate::views::url_escape(&unit)
        ))
        .into_response()),
        Err(err) => {
            let (status, message) = crate::capital::refused(err)?;
            let query = StatsQuery {
                unit: Some(unit.clone()),
                year: Some(year),
                ..StatsQuery::default()
            };
            let refused = TargetRefusal {
                status,
                message,
                form: &form,
            };
            let mut response = render_overview(&state, &authed, &query, Some(refused)).await?;
            *response.status_mut() = status;
            Ok(response)
        }
    }
}

#[derive(Deserialize, Default)]
struct CodeQuery {
    code: Option<String>,
    date: Option<String>,
}

async fn find_xa(Query(query): Query<CodeQuery>) -> Response {
    Redirect::to(&format!(
        "/poverty/xa/{}",
        query.code.unwrap_or_default().trim()
    ))
    .into_response()
}

fn summary_view(summary: &ListSummary) -> minijinja::Value {
    context! {
        id => summary.list.id, year => summary.list.year,
        kind => if summary.list.kind == "adhoc" { "Rà soát thường xuyên" } else { "Rà soát định kỳ" },
        open => summary.list.status == "open",
        decision => summary.list.decision.clone(),
        decided_on => summary.list.decided_on.map(vi::format_date),
        standard => summary.list.standard_code.clone(), standard_name => summary.standard_name.clone(),
        verify => summary.standard_verify, replaces => summary.list.replaces_id, note => summary.list.note.clone(),
        commune => summary.commune.name.clone(), commune_code => summary.commune.code.clone(),
        tally => tally_view(&summary.tally),
    }
}

async fn commune_page(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    Query(query): Query<CodeQuery>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let on = crate::error::date_param(&query.date, false)?;
    let found = state.service.commune_poverty_lists(actor, &code, on).await;
    // An old commune is found on the last day it existed.
    let (commune, lists) = match found {
        Err(ServiceError::NotFound(_)) => {
            let last = state
                .service
                .atlas()
                .await
                .map_err(page_error)?
                .units_with_code(code.trim())
                .first()
                .and_then(|unit| unit.validity.to)
                .and_then(|to| to.pred_opt());
            match last {
                Some(day) => state.service.commune_poverty_lists(actor, &code, day).await,
                None => found,
            }
        }
        other => other,
    }
    .map_err(page_error)?;
    crate::pages::render(
        &state,
        "poverty_xa.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "poverty",
            name => commune.name, code => commune.code, parent => commune.parent_name,
            lists => lists.iter().map(summary_view).collect::<Vec<_>>(),
            can_record => actor.role.can(Permission::RecordPoverty),
            this_year => chrono::Utc::now().date_naive().year(),
        },
    )
}

#[derive(Deserialize, Default)]
struct ListQuery {
    class: Option<String>,
    q: Option<String>,
    offset: Option<i64>,
    whatif: Option<String>,
    error: Option<String>,
    saved: Option<String>,
    /// A household code whose answers the quick-entry form opens with, to correct them.
    edit: Option<String>,
}

/// What the quick-entry form shows: a household's stored answers (to correct them), or what was typed in a refused
/// form; `version` is the row's version the form was read at (empty: entered without checking).
#[derive(Default)]
struct Entry {
    household: String,
    income: String,
    score_a: String,
    area: String,
    deprived: Vec<String>,
    version: String,
}

impl Entry {
    fn stored(h: &mtqg_store::ListedHousehold) -> Entry {
        Entry {
            household: h.code.clone(),
            income: h.income.map(vi::format_int).unwrap_or_default(),
            score_a: h.score_a.map(|a| a.to_string()).unwrap_or_default(),
            area: h.area.clone(),
            deprived: h
                .deprived
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            version: h.version.to_string(),
        }
    }

    fn typed(form: &HashMap<String, String>) -> Entry {
        Entry {
            household: field(form, "household"),
            income: field(form, "income"),
            score_a: field(form, "score_a"),
            area: field(form, "area"),
            deprived: form
                .iter()
                .filter(|(key, value)| key.starts_with("dep_") && !value.is_empty())
                .map(|(key, _)| key.trim_start_matches("dep_").to_owned())
                .collect(),
            version: field(form, "version"),
        }
    }
}

/// A refused quick entry: what was typed, and whether it was refused for a conflict (then the form carries the row's
/// latest version, so saving again is a deliberate overwrite).
struct Refused<'a> {
    form: &'a HashMap<String, String>,
    conflict: bool,
}

async fn render_list(
    state: &AppState,
    authed: &Authed,
    id: i64,
    query: &ListQuery,
    error: Option<String>,
    refused: Option<Refused<'_>>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let entry_code = match &refused {
        Some(refused) => Some(field(refused.form, "household")),
        None => query.edit.clone(),
    }
    .map(|code| code.trim().to_owned())
    .filter(|code| !code.is_empty());
    let stored = match &entry_code {
        Some(code) => state
            .service
            .poverty_list_page(actor, id, None, Some(code), 0, 50)
            .await
            .map_err(page_error)?
            .households
            .into_iter()
            .find(|h| &h.code == code),
        None => None,
    };
    let entry = match (&refused, &stored) {
        (Some(refused), _) => {
            let mut entry = Entry::typed(refused.form);
            if refused.conflict {
                entry.version = stored
                    .as_ref()
                    .map(|h| h.version.to_string())
                    .unwrap_or_default();
            }
            entry
        }
        (None, Some(h)) => Entry::stored(h),
        (None, None) => Entry::default(),
    };
    let class = query.class.as_deref().and_then(Class::from_code);
    let page = state
        .service
        .poverty_list_page(
            actor,
            id,
            class,
            query.q.as_deref(),
            query.offset.unwrap_or(0),
            100,
        )
        .await
        .map_err(page_error)?;
    let standard = &page.standard;
    let indicators: Vec<minijinja::Value> = standard
        .indicators()
        .map(|i| context! { code => i.code, number => i.number, name => i.name, when => i.deprived_when, verify => i.verify })
        .collect();
    let households: Vec<minijinja::Value> = page
        .households
        .iter()
        .map(|h| {
            let deprived: Vec<&str> = h.deprived.split(',').filter(|c| !c.is_empty()).collect();
            context! {
                id => h.id, code => h.code, edit => format!("?edit={}", crate::views::url_escape(&h.code)), head => h.head_name, village => h.village, ethnicity => h.ethnicity,
                em => h.ethnic_minority, area => Area::parse(&h.area).map(Area::label),
                income => h.income.map(vi::format_int), score_a => h.score_a,
                class => Class::from_code(&h.class).map(Class::label), class_code => h.class.clone(),
                deprived => standard.indicators().map(|i| deprived.contains(&i.code.as_str())).collect::<Vec<_>>(),
                n_deprived => deprived.len(),
            }
        })
        .collect();
    let what_if = match query.whatif.as_deref().filter(|code| !code.is_empty()) {
        Some(code) => {
            let what_if = state
                .service
                .reclassify_list(actor, id, code)
                .await
                .map_err(page_error)?;
            Some(context! {
                code => what_if.standard_code, name => what_if.standard_name,
                before => tally_view(&what_if.before), after => tally_view(&what_if.after),
                moves => what_if.moves.iter().filter(|((from, to), _)| from != to).map(|((from, to), n)| context! {
                    from => from.label(), to => to.label(), n => int(*n),
                }).collect::<Vec<_>>(),
                unanswered => what_if.unanswered,
            })
        }
        None => None,
    };
    let standards = state
        .service
        .poverty_standards(actor)
        .await
        .map_err(page_error)?;
    let next = page.offset + page.limit;
    crate::pages::render(
        state,
        "poverty_list.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token.clone(), nav => "poverty",
            list => summary_view(&page.summary), indicators, households,
            total => page.total, offset => page.offset, shown => page.households.len(),
            next => (next < page.total).then_some(next),
            previous => (page.offset > 0).then(|| (page.offset - page.limit).max(0)),
            class => query.class.clone().unwrap_or_default(), q => query.q.clone().unwrap_or_default(),
            classes => Class::ALL.iter().map(|c| context! { code => c.code(), label => c.label() }).collect::<Vec<_>>(),
            what_if, standards => standards.iter().map(|s| context! { code => s.code, name => s.name }).collect::<Vec<_>>(),
            can_record => actor.role.can(Permission::RecordPoverty),
            entry => context! {
                household => entry.household, income => entry.income, score_a => entry.score_a,
                area => entry.area, deprived => entry.deprived, version => entry.version,
                editing => stored.is_some() && refused.is_none(),
            },
            error => error.or_else(|| query.error.clone()), saved => query.saved.clone(),
            today => vi::format_date(chrono::Utc::now().date_naive()),
        },
    )
}

async fn list_page(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    render_list(&state, &authed, id, &query, None, None).await
}

async fn list_xlsx(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (summary, households) = state
        .service
        .export_poverty_list(&authed.session.actor, id)
        .await
        .map_err(page_error)?;
    let standard = state
        .service
        .poverty_standard(&summary.list.standard_code)
        .await
        .map_err(page_error)?;
    let bytes = mtqg_service::poverty_lists::list_xlsx(&summary, &standard, &households)
        .map_err(page_error)?;
    Ok(crate::capital::xlsx_response(
        bytes,
        &format!(
            "danh-sach-{}-{}-{}.xlsx",
            summary.commune.code, summary.list.year, id
        ),
    ))
}

fn review_input(form: &HashMap<String, String>) -> Result<ReviewInput, ServiceError> {
    let income = match field(form, "income") {
        text if text.is_empty() => None,
        text => {
            Some(mtqg_core::poverty::import::parse_income(&text).map_err(ServiceError::Invalid)?)
        }
    };
    let score_a =
        match field(form, "score_a") {
            text if text.is_empty() => None,
            text => Some(text.parse::<i64>().map_err(|_| {
                ServiceError::Invalid(format!("điểm A \"{text}\" phải là số nguyên"))
            })?),
        };
    let mut deprived: Vec<String> = form
        .iter()
        .filter(|(key, value)| key.starts_with("dep_") && !value.is_empty())
        .map(|(key, _)| key.trim_start_matches("dep_").to_owned())
        .collect();
    if let Some(list) = form.get("deprived") {
        deprived.extend(
            list.split(',')
                .map(str::trim)
                .filter(|code| !code.is_empty())
                .map(str::to_owned),
        );
    }
    deprived.sort();
    deprived.dedup();
    Ok(ReviewInput {
        household_code: field(form, "household"),
        income,
        score_a,
        deprived,
        version: crate::capital::version_text(&field(form, "version"))?,
    })
}

async fn submit_review(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let res = async {
        let input = review_input(&form)?;
        state
            .service
            .record_review(&authed.session.actor, id, &input)
            .await
            .map(|result| format!("Hộ {}: {}", input.household_code, result.class.label()))
    }
    .await;
    match res {
        Err(err @ (ServiceError::Invalid(_) | ServiceError::Conflict { .. })) => {
            // The list again with what was typed in the quick-entry form.
            let (status, message) = crate::capital::refused(err)?;
            let refused = Refused {
                form: &form,
                conflict: status == axum::http::StatusCode::CONFLICT,
            };
            let mut response = render_list(
                &state,
                &authed,
                id,
                &ListQuery::default(),
                Some(message),
                Some(refused),
            )
            .await?;
            *response.status_mut() = status;
            Ok(response)
        }
        res => after_form(&state, &authed, id, res).await,
    }
}

async fn after_form(
    state: &AppState,
    authed: &Authed,
    id: i64,
    res: Result<String, ServiceError>,
) -> Result<Response, AppError> {
    match res {
        Ok(saved) => Ok(Redirect::to(&format!(
            "/poverty/lists/{id}?saved={}",
            saved.replace(' ', "+")
        ))
        .into_response()),
        Err(
            err @ (ServiceError::Invalid(_)
            | ServiceError::Conflict { .. }
            | ServiceError::NotFound(_)),
        ) => {
            let mut response = render_list(
                state,
                authed,
                id,
                &ListQuery::default(),
                Some(err.to_string()),
                None,
            )
            .await?;
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(err) => Err(page_error(err)),
    }
}

async fn submit_freeze(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let res = async {
        let date = field(&form, "decided_on");
        let day = vi::parse_date(&date).ok_or_else(|| {
            ServiceError::Invalid(format!("ngày \"{date}\" không hợp lệ; dùng dd/mm/yyyy"))
        })?;
        state
            .service
            .freeze_poverty_list(&authed.session.actor, id, &field(&form, "decision"), day)
            .await
            .map(|tally| {
                format!(
                    "Đã công nhận danh sách: {} hộ nghèo, {} hộ cận nghèo",
                    tally.poor, tally.near_poor
                )
            })
    }
    .await;
    after_form(&state, &authed, id, res).await
}

async fn submit_correction(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    match state
        .service
        .open_correction(&authed.session.actor, id, &field(&form, "note"))
        .await
    {
        Ok(new_id) => Ok(Redirect::to(&format!("/poverty/lists/{new_id}")).into_response()),
        Err(err) => after_form(&state, &authed, id, Err(err)).await,
    }
}

async fn api_rates(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<StatsQuery>,
) -> Result<Response, AppError> {
    let rates = state
        .service
        .poverty_rates(
            &authed.session.actor,
            query.unit().as_deref(),
            query.year(),
            query.rebase(),
        )
        .await
        .map_err(api_error)?;
    Ok(Json(rates_json(&rates)).into_response())
}

#[derive(Deserialize, Default)]
struct FlowQuery {
    unit: Option<String>,
    from: Option<i32>,
    to: Option<i32>,
    rebase: Option<String>,
}

async fn api_flows(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<FlowQuery>,
) -> Result<Response, AppError> {
    let to = query
        .to
        .unwrap_or_else(|| chrono::Utc::now().date_naive().year() - 1);
    let from = query.from.unwrap_or(to - 1);
    let unit = query
        .unit
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    let report = state
        .service
        .poverty_flows(
            &authed.session.actor,
            unit,
            from,
            to,
            matches!(query.rebase.as_deref(), Some("1" | "true")),
        )
        .await
        .map_err(api_error)?;
    Ok(Json(flows_json(&report)).into_response())
}

#[derive(Deserialize, Default)]
struct ClassifyQuery {
    standard: String,
    area: Option<String>,
    income: Option<String>,
    score_a: Option<String>,
    /// Deprived indicator codes, comma-separated.
    deprived: Option<String>,
}

/// The class of one household's answers under a stored standard: what the quick-entry form shows as you type.
async fn api_classify(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<ClassifyQuery>,
) -> Result<Response, AppError> {
    authed
        .session
        .actor
        .require(Permission::ReadPoverty)
        .map_err(api_error)?;
    let invalid = |message: String| AppError::Invalid { api: true, message };
    let standard = state
        .service
        .poverty_standard(&query.standard)
        .await
        .map_err(api_error)?;
    let income = match query.income.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(mtqg_core::poverty::import::parse_income(text).map_err(invalid)?),
    };
    let score_a = match query.score_a.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(
            text.parse::<i64>()
                .map_err(|_| invalid(format!("điểm A \"{text}\" phải là số nguyên")))?,
        ),
    };
    let household = Household {
        area: Area::parse(query.area.as_deref().unwrap_or("rural")),
        income,
        score_a,
        deprived: query
            .deprived
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        answered: None,
    };
    let result = standard
        .classify(&household)
        .map_err(|err| invalid(err.to_string()))?;
    Ok(Json(serde_json::json!({
        "class": result.class.code(), "label": result.class.label(), "score_b": result.score_b,
        "deprived": result.deprived, "basis": format!("{:?}", result.basis),
    }))
    .into_response())
}

async fn api_list(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let page = state
        .service
        .poverty_list_page(
            &authed.session.actor,
            id,
            query.class.as_deref().and_then(Class::from_code),
            query.q.as_deref(),
            query.offset.unwrap_or(0),
            500,
        )
        .await
        .map_err(api_error)?;
    let summary = &page.summary;
    Ok(Json(serde_json::json!({
        "id": summary.list.id, "commune": summary.commune.code, "year": summary.list.year,
        "kind": summary.list.kind, "status": summary.list.status, "standard": summary.list.standard_code,
        "decision": summary.list.decision, "decided_on": summary.list.decided_on,
        "households_total": page.total, "offset": page.offset,
        "tally": { "households": summary.tally.households, "poor": summary.tally.poor, "near_poor": summary.tally.near_poor },
        "households": page.households.iter().map(|h| serde_json::json!({
            "code": h.code, "head": h.head_name, "village": h.village, "ethnicity": h.ethnicity,
            "ethnic_minority": h.ethnic_minority, "area": h.area, "income": h.income, "score_a": h.score_a,
            "deprived": h.deprived.split(',').filter(|c| !c.is_empty()).collect::<Vec<_>>(), "class": h.class,
            "version": h.version,
        })).collect::<Vec<_>>(),
    }))
    .into_response())
}

async fn api_review(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<HashMap<String, serde_json::Value>>,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    let input = review_input(&json_form(body)).map_err(api_error)?;
    let result = state
        .service
        .record_review(&authed.session.actor, id, &input)
        .await
        .map_err(api_error)?;
    Ok(Json(serde_json::json!({
        "household": input.household_code, "class": result.class.code(), "label": result.class.label(),
        "score_b": result.score_b,
    }))
    .into_response())
}

async fn api_freeze(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<HashMap<String, serde_json::Value>>,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    let form = json_form(body);
    let date = field(&form, "decided_on");
    let day = vi::parse_date(&date).ok_or_else(|| AppError::Invalid {
        api: true,
        message: format!("Ngày \"{date}\" không hợp lệ; dùng dd/mm/yyyy hoặc yyyy-mm-dd."),
    })?;
    let tally = state
        .service
        .freeze_poverty_list(&authed.session.actor, id, &field(&form, "decision"), day)
        .await
        .map_err(api_error)?;
    Ok(Json(serde_json::json!({
        "households": tally.households, "poor": tally.poor, "near_poor": tally.near_poor,
    }))
    .into_response())
}

//! New-rural criteria in the web front end: the roll-up of xã by status, the criteria sets (browse, load a file
//! with a dry run), the assessment form with its scorecard; the same under /api/v1/ntm as JSON.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Datelike;
use minijinja::context;
use mtqg_core::access::Role;
use mtqg_core::ntm::{CriteriaSet, Evaluation, Outcome, Status, Tier};
use mtqg_core::vi;
use mtqg_service::ntm::AssessmentInput;
use mtqg_service::recognition::{Rollup, TrendPoint};

use crate::charts::Bar;
use mtqg_service::ServiceError;
use serde::Deserialize;

use crate::auth::Authed;
use crate::error::AppError;
use crate::views::UserView;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/ntm", get(overview).post(load_set))
        .route("/ntm/at-risk.xlsx", get(at_risk_xlsx))
        .route("/ntm/sets/{code}", get(set_page))
        .route(
            "/ntm/assessments",
            get(assessment_form).post(submit_assessment),
        )
        .route("/api/v1/ntm/sets", get(api_sets))
        .route("/api/v1/ntm/rollup", get(api_rollup))
        .route(
            "/api/v1/ntm/assessments",
            axum::routing::post(api_assessment),
        )
}

fn page_error(err: ServiceError) -> AppError {
    AppError::service(err, false)
}

#[derive(Deserialize, Default)]
pub(crate) struct RollupQuery {
    unit: Option<String>,
    /// As of this date (dd/mm/yyyy or yyyy-mm-dd); today when absent.
    date: Option<String>,
    /// Shorthand for 31/12 of a year (or today, in the current year).
    year: Option<i32>,
    /// "1": count the xã of the date under today's units (through the 2025 crosswalk).
    rebase: Option<String>,
}

impl RollupQuery {
    /// Today, when the roll-up is to be re-based onto today's units.
    fn rebase_to(&self) -> Option<chrono::NaiveDate> {
        matches!(self.rebase.as_deref(), Some("1" | "true" | "on"))
            .then(|| chrono::Utc::now().date_naive())
    }

    /// The query again, for a link to another view of the same roll-up.
    fn to_query_string(&self) -> String {
        let mut pairs = Vec::new();
        if let Some(unit) = self.unit.as_deref().filter(|unit| !unit.trim().is_empty()) {
            pairs.push(format!("unit={}", crate::views::url_escape(unit.trim())));
        }
        if let Some(date) = self.date.as_deref().filter(|date| !date.trim().is_empty()) {
            pairs.push(format!("date={}", crate::views::url_escape(date.trim())));
        }
        if let Some(year) = self.year {
            pairs.push(format!("year={year}"));
        }
        if let Some(rebase) = self.rebase.as_deref().filter(|rebase| !rebase.is_empty()) {
            pairs.push(format!("rebase={}", crate::views::url_escape(rebase)));
        }
        pairs.join("&")
    }

    fn as_of(&self, api: bool) -> Result<chrono::NaiveDate, AppError> {
        let today = chrono::Utc::now().date_naive();
        match (self.date.as_deref().map(str::trim), self.year) {
            (Some(text), _) if !text.is_empty() => crate::error::date_param(&self.date, api),
            (_, Some(year)) => chrono::NaiveDate::from_ymd_opt(year, 12, 31)
                .map(|end| end.min(today))
                .ok_or_else(|| AppError::Invalid {
                    api,
                    message: format!("Năm {year} không hợp lệ."),
                }),
            _ => Ok(today),
        }
    }
}

pub(crate) fn tier_label(tier: Tier) -> &'static str {
    Status::from(tier).label()
}

fn rollup_json(rollup: &Rollup) -> serde_json::Value {
    let share = |n: usize, of: usize| (of > 0).then(|| n as f64 / of as f64);
    serde_json::json!({
        "as_of": rollup.as_of, "n_xa": rollup.n_xa,
        "by_status": rollup.by_status.iter().map(|(status, n)| serde_json::json!({
            "status": format!("{status:?}"), "label": status.label(), "count": n, "percent": share(*n, rollup.n_xa),
        })).collect::<Vec<_>>(),
        "set": rollup.set_code, "n_assessed": rollup.n_assessed, "n_assessed_met": rollup.n_assessed_met,
        "avg_criteria": rollup.avg_criteria, "below_15": rollup.below_15,
        "per_criterion": rollup.per_criterion.iter().map(|c| serde_json::json!({
            "code": c.code, "name": c.name, "met": c.n_met, "percent": share(c.n_met, rollup.n_assessed),
        })).collect::<Vec<_>>(),
        "registered": rollup.registered.iter().map(|(tier, counts)| serde_json::json!({
            "tier": mtqg_service::recognition::tier_key(*tier), "registered": counts.registered,
            "achieved": counts.achieved, "achieved_without_registration": counts.unregistered_achieved,
        })).collect::<Vec<_>>(),
        "at_risk": rollup.at_risk.iter().map(|c| serde_json::json!({
            "code": c.code, "name": c.name, "recognised_under": c.risk.recognised_under,
            "recognised_on": c.risk.recognised_on, "must_meet": c.risk.must_meet, "deadline": c.risk.deadline,
            "overdue": c.risk.overdue,
            "latest": c.risk.latest.map(|l| serde_json::json!({"year": l.year, "criteria_met": l.n_met, "criteria": l.n_criteria})),
        })).collect::<Vec<_>>(),
        "merged_awaiting_assessment": rollup.merged_awaiting,
        "villages": rollup.local.iter().map(|(kind, label, total, year)| serde_json::json!({
            "kind": kind, "label": label, "total": total, "this_year": year,
        })).collect::<Vec<_>>(),
        "ocop": rollup.ocop.iter().map(|(stars, total, year)| serde_json::json!({
            "stars": stars, "total": total, "this_year": year,
        })).collect::<Vec<_>>(),
        "children": rollup.children.iter().map(|c| serde_json::json!({
            "code": c.code, "name": c.name, "n_xa": c.n_xa, "recognised": c.recognised, "percent": c.share(),
        })).collect::<Vec<_>>(),
    })
}

/// Which count of a trend point a line shows.
type CountOf = fn(&TrendPoint) -> usize;

/// At-risk xã listed on the page, nearest deadline first; the whole list is the Excel download.
const AT_RISK_SHOWN: usize = 100;

/// Every at-risk xã of the roll-up the query asks for, as Excel.
async fn at_risk_xlsx(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<RollupQuery>,
) -> Result<Response, AppError> {
    let as_of = query.as_of(false)?;
    let unit = query.unit.clone().filter(|unit| !unit.trim().is_empty());
    let rollup = state
        .service
        .ntm_rollup_on(
            &authed.session.actor,
            unit.as_deref(),
            as_of,
            query.rebase_to(),
        )
        .await
        .map_err(page_error)?;
    let bytes = mtqg_service::recognition::at_risk_xlsx(&rollup.at_risk).map_err(page_error)?;
    Ok(crate::capital::xlsx_response(
        bytes,
        &format!(
            "xa-nguy-co-{}-{as_of}.xlsx",
            unit.as_deref().unwrap_or("toan-quoc")
        ),
    ))
}

async fn overview(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<RollupQuery>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let as_of = query.as_of(false)?;
    let unit = query.unit.clone().filter(|unit| !unit.trim().is_empty());
    let rollup = state
        .service
        .ntm_rollup_on(actor, unit.as_deref(), as_of, query.rebase_to())
        .await
        .map_err(page_error)?;
    let sets = state
        .service
        .criteria_sets(actor)
        .await
        .map_err(page_error)?;
    let percent = |n: usize, of: usize| (of > 0).then(|| vi::format_percent(n as f64 / of as f64));
    let statuses: Vec<minijinja::Value> = rollup
        .by_status
        .iter()
        .map(|(status, n)| context! { label => status.label(), n => vi::format_int(*n as i64), percent => percent(*n, rollup.n_xa) })
        .collect();
    let bars: Vec<Bar> = rollup
        .per_criterion
        .iter()
        .map(|criterion| Bar {
            label: format!("{}. {}", criterion.code, criterion.name),
            rate: (rollup.n_assessed > 0)
                .then(|| criterion.n_met as f64 / rollup.n_assessed as f64),
            highlight: rollup.n_assessed > 0 && criterion.n_met * 2 < rollup.n_assessed,
        })
        .collect();
    let chart = (!bars.is_empty() && rollup.n_assessed > 0)
        .then(|| crate::charts::rate_bars("Tỷ lệ xã đạt từng tiêu chí", &bars, None));
    let overall = (rollup.n_xa > 0).then(|| {
        rollup
            .by_status
            .iter()
            .filter(|(status, _)| *status >= Status::Standard)
            .map(|(_, n)| *n)
            .sum::<usize>() as f64
            / rollup.n_xa as f64
    });
    let child_bars: Vec<Bar> = rollup
        .children
        .iter()
        .map(|child| Bar {
            label: child.name.clone(),
            rate: child.share(),
            highlight: matches!((child.share(), overall), (Some(share), Some(all)) if share < all),
        })
        .collect();
    // The map of the country: the 63 provinces before 1/7/2025, today's 34 from then or when re-based.
    let rebased = query.rebase_to().is_some();
    let provinces = if rebased {
        crate::map::Provinces::From2025
    } else {
        crate::map::Provinces::on(as_of)
    };
    let map = (unit.is_none() && actor.scope_unit_id.is_none()).then(|| {
        let shares: std::collections::HashMap<String, (String, Option<f64>)> = rollup
            .children
            .iter()
            .map(|child| (child.code.clone(), (child.name.clone(), child.share())))
            .collect();
        let date = vi::format_date(as_of);
        crate::map::choropleth(
            provinces,
            "Tỷ lệ xã đạt chuẩn nông thôn mới theo tỉnh",
            &shares,
            |code| {
                let rebase = if rebased { "&rebase=1" } else { "" };
                format!("/ntm?unit={code}&date={date}{rebase}")
            },
        )
    });
    let children_chart = (child_bars.len() > 1).then(|| {
        crate::charts::rate_bars(
            "Tỷ lệ xã đạt chuẩn nông thôn mới theo đơn vị",
            &child_bars,
            overall,
        )
    });
    let year = as_of.year();
    let trend = state
        .service
        .ntm_trend(actor, unit.as_deref(), 2021, as_of)
        .await
        .map_err(page_error)?;
    let share = |n: usize, of: usize| {
        if of > 0 {
            n as f64 * 100.0 / of as f64
        } else {
            0.0
        }
    };
    let trend_chart = (trend.len() > 1).then(|| {
        let labels: Vec<String> = trend
            .iter()
            .map(|point| vi::format_date(point.date))
            .collect();
        let counts: [(&str, &str, CountOf); 3] = [
            ("% xã đạt chuẩn trở lên", "done", |p| {
                p.standard_or_above
            }),
            ("% xã nâng cao trở lên", "plan", |p| {
                p.advanced_or_above
            }),
            ("% xã kiểu mẫu", "target", |p| p.model_or_above),
        ];
        let series = counts.map(|(name, class, count)| crate::charts::Series {
            name,
            class,
            values: trend.iter().map(|p| share(count(p), p.n_xa)).collect(),
        });
        crate::charts::lines(
            "Tỷ lệ xã theo mức công nhận qua các năm",
            &labels,
            &series,
            "%",
        )
    });
    crate::pages::render(
        &state,
        "ntm.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "ntm",
            date => vi::format_date(as_of), year, unit => unit.unwrap_or_default(), rebased,
            rollup => context! {
                n_xa => vi::format_int(rollup.n_xa as i64), set => rollup.set_code.clone(),
                n_assessed => vi::format_int(rollup.n_assessed as i64), n_assessed_met => rollup.n_assessed_met,
                avg => rollup.avg_criteria.map(|avg| vi::format_number(avg, 2)), below_15 => rollup.below_15,
                merged_awaiting => rollup.merged_awaiting,
            },
            statuses, chart => chart.map(minijinja::Value::from_safe_string),
            trend_chart => trend_chart.map(minijinja::Value::from_safe_string),
            children_chart => children_chart.map(minijinja::Value::from_safe_string),
            map => map.map(minijinja::Value::from_safe_string),
            children => rollup.children.iter().enumerate().map(|(i, c)| context! {
                rank => i + 1, of => rollup.children.len(), code => c.code.clone(), name => c.name.clone(),
                n_xa => c.n_xa, recognised => c.recognised, percent => c.share().map(vi::format_percent),
            }).collect::<Vec<_>>(),
            trend => trend.iter().map(|p| context! {
                date => vi::format_date(p.date), n_xa => p.n_xa, standard => p.standard_or_above,
                advanced => p.advanced_or_above, model => p.model_or_above,
                percent => (p.n_xa > 0).then(|| vi::format_percent(p.standard_or_above as f64 / p.n_xa as f64)),
            }).collect::<Vec<_>>(),
            criteria => rollup.per_criterion.iter().map(|c| context! {
                code => c.code.clone(), name => c.name.clone(), n_met => c.n_met, percent => percent(c.n_met, rollup.n_assessed),
            }).collect::<Vec<_>>(),
            registered => rollup.registered.iter().map(|(tier, counts)| context! {
                tier => tier_label(*tier), registered => counts.registered, achieved => counts.achieved,
                percent => percent(counts.achieved, counts.registered), extra => counts.unregistered_achieved,
            }).collect::<Vec<_>>(),
            n_at_risk => vi::format_int(rollup.at_risk.len() as i64),
            at_risk_shown => rollup.at_risk.len().min(AT_RISK_SHOWN),
            truncated => rollup.at_risk.len() > AT_RISK_SHOWN,
            at_risk_href => format!("/ntm/at-risk.xlsx?{}", query.to_query_string()),
            at_risk => rollup.at_risk.iter().take(AT_RISK_SHOWN).map(|c| context! {
                code => c.code.clone(), name => c.name.clone(), under => c.risk.recognised_under.clone(),
                on => vi::format_date(c.risk.recognised_on), must_meet => c.risk.must_meet.clone(),
                deadline => c.risk.deadline.map(vi::format_date), overdue => c.risk.overdue,
                latest => c.risk.latest.map(|l| format!("{}/{} tiêu chí (năm {})", l.n_met, l.n_criteria, l.year)),
            }).collect::<Vec<_>>(),
            local => rollup.local.iter().map(|(_, label, total, this_year)| context! { label => label.clone(), total => total, this_year => this_year }).collect::<Vec<_>>(),
            ocop => rollup.ocop.iter().map(|(stars, total, this_year)| context! { stars => stars, total => total, this_year => this_year }).collect::<Vec<_>>(),
            sets => sets.iter().map(|set| context! {
                code => set.code.clone(), name => set.name.clone(), tier => set.tier.clone(), level => set.level.clone(),
                parent => set.parent_code.clone(), verify => set.verify,
                valid => format!("{} – {}", vi::format_date(set.valid_from), set.valid_to.map(vi::format_date).unwrap_or_default()),
            }).collect::<Vec<_>>(),
            is_admin => actor.role == Role::Admin, report => None::<()>,
            can_assess => actor.role.can(mtqg_core::access::Permission::RecordAssessment),
        },
    )
}

async fn load_set(
    State(state): State<AppState>,
    authed: Authed,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let upload = crate::auth::read_upload(multipart, "bo-tieu-chi.toml").await?;
    authed.check_csrf(&upload.csrf)?;
    let apply = upload.apply;
    let name = upload.file_name;
    let text = String::from_utf8(upload.bytes).map_err(|_| AppError::Invalid {
        api: false,
        message: format!("Tệp {name} không phải văn bản UTF-8."),
    })?;
    let report = state
        .service
        .load_criteria_set(&authed.session.actor, &name, &text, !apply)
        .await
        .map_err(page_error)?;
    crate::pages::render(
        &state,
        "ntm_load.html",
        context! {
            user => UserView::new(&authed.session.actor), csrf_token => authed.session.csrf_token, nav => "ntm",
            report => context! {
                code => report.code, name => report.name, n_criteria => report.n_criteria,
                n_indicators => report.n_indicators, n_without_threshold => report.n_without_threshold,
                verify => report.verify, problems => report.problems, applied => report.applied,
            },
            dry_run => !apply,
        },
    )
}

fn set_view(set: &CriteriaSet) -> Vec<minijinja::Value> {
    set.criteria
        .iter()
        .map(|criterion| {
            context! {
                code => criterion.code.clone(), name => criterion.name.clone(),
                indicators => criterion.indicators.iter().map(|indicator| context! {
                    code => indicator.code.clone(), name => indicator.name.clone(), unit => indicator.unit.clone(),
                    kind => format!("{:?}", indicator.kind), verify => indicator.verify,
                    thresholds => indicator.thresholds.iter().map(|threshold| format!(
                        "{}{}: {}", threshold.key, threshold.year.map(|year| format!(" ({year})")).unwrap_or_default(),
                        vi::format_number(threshold.value, 2)
                    )).collect::<Vec<_>>(),
                    pass_fail => indicator.kind == mtqg_core::ntm::IndicatorKind::PassFail,
                }).collect::<Vec<_>>(),
            }
        })
        .collect()
}

async fn set_page(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let set = state
        .service
        .criteria_set(actor, &code)
        .await
        .map_err(page_error)?;
    crate::pages::render(
        &state,
        "ntm_set.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "ntm",
            cset => context! { code => set.code.clone(), name => set.name.clone(), legal_basis => set.legal_basis.clone(),
                verify => set.verify, keys => set.keys.join(", "), keyed_by => set.keyed_by.clone() },
            criteria => set_view(&set),
        },
    )
}

#[derive(Deserialize, Default)]
struct AssessmentQuery {
    set: Option<String>,
    commune: Option<String>,
}

fn evaluation_view(evaluation: &Evaluation, status: Status) -> minijinja::Value {
    context! {
        n_met => evaluation.n_met, n_criteria => evaluation.criteria.len(), status => status.label(),
        criteria => evaluation.criteria.iter().map(|criterion| context! { code => criterion.code.clone(), met => criterion.met }).collect::<Vec<_>>(),
        gaps => evaluation.gaps.iter().map(|gap| {
            let text = match &gap.outcome {
                Outcome::Missing => "thiếu số liệu".to_owned(),
                Outcome::NoThreshold => "chưa có ngưỡng".to_owned(),
                Outcome::NotMet { gap: Some(short) } => format!("còn thiếu {}", vi::format_number(*short, 2)),
                Outcome::NotMet { gap: None } => "chưa đạt".to_owned(),
                Outcome::Met => String::new(),
            };
            context! { code => gap.code.clone(), text => text }
        }).collect::<Vec<_>>(),
    }
}

async fn assessment_form(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<AssessmentQuery>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let set_code = query.set.unwrap_or_else(|| "QD318-2022-XA".to_owned());
    let set = state
        .service
        .criteria_set(actor, &set_code)
        .await
        .map_err(page_error)?;
    crate::pages::render(
        &state,
        "ntm_assessment.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "ntm",
            set_code, criteria => set_view(&set), commune => query.commune.unwrap_or_default(),
            year => chrono::Utc::now().year(), values => HashMap::<String, String>::new(),
            result => None::<()>, error => None::<String>,
        },
    )
}

async fn submit_assessment(
    State(state): State<AppState>,
    authed: Authed,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let actor = &authed.session.actor;
    let set_code = form.get("set_code").cloned().unwrap_or_default();
    let values: HashMap<String, String> = form
        .iter()
        .filter_map(|(key, value)| {
            key.strip_prefix("v_")
                .map(|code| (code.to_owned(), value.clone()))
        })
        .filter(|(_, value)| !value.trim().is_empty())
        .collect();
    let input = AssessmentInput {
        commune_code: form.get("commune").cloned().unwrap_or_default(),
        year: form
            .get("year")
            .and_then(|year| year.trim().parse().ok())
            .unwrap_or(0),
        stage: form.get("stage").cloned().unwrap_or_default(),
        set_code: set_code.clone(),
        values: values.clone(),
        evidence: form
            .get("evidence")
            .cloned()
            .filter(|text| !text.trim().is_empty()),
        key: form
            .get("key")
            .map(|key| key.trim().to_owned())
            .filter(|key| !key.is_empty()),
        ..AssessmentInput::default()
    };
    let year = input.year;
    let commune = input.commune_code.clone();
    let (result, error) = match state.service.record_assessment(actor, input).await {
        Ok((evaluation, status)) => (Some(evaluation_view(&evaluation, status)), None),
        Err(ServiceError::Invalid(message)) => (None, Some(message)),
        Err(err) => return Err(page_error(err)),
    };
    let set = state
        .service
        .criteria_set(actor, &set_code)
        .await
        .map_err(page_error)?;
    crate::pages::render(
        &state,
        "ntm_assessment.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token, nav => "ntm",
            set_code, criteria => set_view(&set), commune, year, values, result, error,
        },
    )
}

async fn api_sets(State(state): State<AppState>, authed: Authed) -> Result<Response, AppError> {
    let sets = state
        .service
        .criteria_sets(&authed.session.actor)
        .await
        .map_err(|err| AppError::service(err, true))?;
    Ok(Json(
        sets.iter()
            .map(|set| serde_json::json!({
                "code": set.code, "name": set.name, "tier": set.tier, "level": set.level, "province": set.province,
                "parent": set.parent_code, "valid_from": set.valid_from, "valid_to": set.valid_to, "verify": set.verify,
            }))
            .collect::<Vec<_>>(),
    )
    .into_response())
}

async fn api_rollup(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<RollupQuery>,
) -> Result<Response, AppError> {
    let as_of = query.as_of(true)?;
    let rollup = state
        .service
        .ntm_rollup_on(
            &authed.session.actor,
            query.unit.as_deref().filter(|unit| !unit.is_empty()),
            as_of,
            query.rebase_to(),
        )
        .await
        .map_err(|err| AppError::service(err, true))?;
    Ok(Json(rollup_json(&rollup)).into_response())
}

#[derive(Deserialize)]
struct AssessmentBody {
    commune_code: String,
    year: i32,
    stage: String,
    set_code: String,
    values: HashMap<String, String>,
    #[serde(default)]
    evidence: Option<String>,
}

async fn api_assessment(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Json(body): Json<AssessmentBody>,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    let (evaluation, status) = state
        .service
        .record_assessment(
            &authed.session.actor,
            AssessmentInput {
                commune_code: body.commune_code,
                year: body.year,
                stage: body.stage,
                set_code: body.set_code,
                values: body.values,
                evidence: body.evidence,
                ..AssessmentInput::default()
            },
        )
        .await
        .map_err(|err| AppError::service(err, true))?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(serde_json::json!({
            "criteria_met": evaluation.n_met, "criteria": evaluation.criteria.len(), "status": status.label(),
            "gaps": evaluation.gaps.iter().map(|gap| serde_json::json!({"code": gap.code, "outcome": format!("{:?}", gap.outcome)})).collect::<Vec<_>>(),
        })),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_template_a_handler_renders_is_bundled() {
        let env = crate::templates();
        let sources = [
            include_str!("pages.rs"),
            include_str!("capital.rs"),
            include_str!("ntm.rs"),
            include_str!("recognition.rs"),
            include_str!("error.rs"),
        ];
        let mut checked = 0;
        for source in sources {
            for piece in source.split('"') {
                let stem = piece.strip_suffix(".html").unwrap_or("");
                if !stem.is_empty() && stem.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_') {
                    assert!(
                        env.get_template(piece).is_ok(),
                        "template {piece} is not bundled in lib.rs"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 15, "found {checked} template names");
    }
}

//! The new-rural recognition lifecycle in the web front end: a xã's scorecard (status, recognitions with revocation,
//! registrations, assessment history, predecessors), the forms that record decisions, village-level recognitions and
//! OCOP products; the same under /api/v1 as JSON.

use std::collections::HashMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{Datelike, NaiveDate};
use minijinja::context;
use mtqg_core::access::Permission;
use mtqg_core::vi;
use mtqg_service::recognition::{
    parse_tier, LocalRecognitionInput, OcopInput, RecognitionInput, RegistrationInput, Scorecard,
    LOCAL_KINDS, OCOP_SCALE,
};
use mtqg_service::ServiceError;
use serde::Deserialize;

use crate::auth::Authed;
use crate::error::AppError;
use crate::pages::{field, json_form};
use crate::views::UserView;
use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/ntm/xa", get(find_xa))
        .route("/ntm/matrix", get(matrix_page))
        .route("/ntm/assessments/import", post(import_assessments))
        .route("/ntm/assessments/{id}/evidence", post(upload_evidence))
        .route("/ntm/evidence/{id}", get(download_evidence))
        .route("/ntm/matrix.xlsx", get(matrix_xlsx))
        .route("/ntm/xa/{code}", get(scorecard_page))
        .route("/ntm/xa/{code}/recognitions", post(submit_recognition))
        .route("/ntm/xa/{code}/registrations", post(submit_registration))
        .route("/ntm/recognitions/{id}/revoke", post(submit_revocation))
        .route("/ntm/local", get(local_form).post(submit_local))
        .route("/ntm/ocop", get(ocop_form).post(submit_ocop))
        .route("/ntm/ocop/import", post(import_ocop))
        .route(
            "/ntm/ocop/{id}",
            get(ocop_edit_form).post(submit_ocop_correction),
        )
        .route(
            "/ntm/local/{id}",
            get(local_edit_form).post(submit_local_correction),
        )
        .route("/api/v1/ntm/xa/{code}", get(api_scorecard))
        .route("/api/v1/ntm/recognitions", post(api_recognition))
        .route("/api/v1/ntm/recognitions/{id}/revoke", post(api_revocation))
        .route("/api/v1/ntm/registrations", post(api_registration))
        .route("/api/v1/ntm/local-recognitions", post(api_local))
        .route("/api/v1/ocop/products", post(api_ocop))
}

fn page_error(err: ServiceError) -> AppError {
    AppError::service(err, false)
}

fn api_error(err: ServiceError) -> AppError {
    AppError::service(err, true)
}

fn form_date(form: &HashMap<String, String>, field: &str) -> Result<NaiveDate, ServiceError> {
    let text = form.get(field).map(|text| text.trim()).unwrap_or("");
    vi::parse_date(text).ok_or_else(|| {
        ServiceError::Invalid(format!(
            "ngày \"{text}\" không hợp lệ; dùng dd/mm/yyyy hoặc yyyy-mm-dd"
        ))
    })
}

#[derive(Deserialize, Default)]
struct DateQuery {
    date: Option<String>,
    code: Option<String>,
}

async fn find_xa(Query(query): Query<DateQuery>) -> Response {
    let code = query.code.unwrap_or_default();
    Redirect::to(&format!("/ntm/xa/{}", code.trim())).into_response()
}

fn scorecard_json(card: &Scorecard) -> serde_json::Value {
    serde_json::json!({
        "code": card.code, "name": card.name, "status": format!("{:?}", card.status), "label": card.status.label(),
        "recognitions": card.recognitions.iter().map(|r| serde_json::json!({
            "id": r.id, "tier": r.tier, "set": r.set_code, "decision": r.decision, "decided_on": r.decided_on,
            "revoked_on": r.revoked_on, "revocation_decision": r.revocation_decision, "revocation_reason": r.revocation_reason,
        })).collect::<Vec<_>>(),
        "assessments": card.assessments.iter().map(|a| serde_json::json!({
            "id": a.id, "year": a.year, "stage": a.stage, "set": a.set_code, "criteria_met": a.n_met,
            "criteria": a.n_criteria, "result": a.status,
        })).collect::<Vec<_>>(),
        "predecessors": card.predecessors.iter().map(|p| serde_json::json!({
            "code": p.code, "name": p.name, "status": format!("{:?}", p.status),
        })).collect::<Vec<_>>(),
        "at_risk": card.at_risk.as_ref().map(|risk| serde_json::json!({
            "recognised_under": risk.recognised_under, "must_meet": risk.must_meet, "deadline": risk.deadline,
            "overdue": risk.overdue,
        })),
        "villages": card.villages.iter().map(|v| serde_json::json!({
            "code": v.code, "name": v.name,
            "latest": v.latest.as_ref().map(|a| serde_json::json!({
                "id": a.id, "year": a.year, "stage": a.stage, "set": a.set_code, "criteria_met": a.n_met,
                "criteria": a.n_criteria, "result": a.status,
            })),
        })).collect::<Vec<_>>(),
    })
}

async fn render_scorecard(
    state: &AppState,
    authed: &Authed,
    code: &str,
    as_of: NaiveDate,
    error: Option<String>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    let card = state
        .service
        .ntm_scorecard(actor, code, as_of)
        .await
        .map_err(page_error)?;
    let sets = state
        .service
        .criteria_sets(actor)
        .await
        .map_err(page_error)?;
    let stage = |stage: &str| {
        if stage == "tham_dinh" {
            "Thẩm định"
        } else {
            "Tự đánh giá"
        }
    };
    crate::pages::render(
        state,
        "ntm_xa.html",
        context! {
            user => UserView::new(actor), csrf_token => authed.session.csrf_token.clone(), nav => "ntm",
            date => vi::format_date(as_of), year => as_of.year(), error,
            xa => context! { code => card.code.clone(), name => card.name.clone(), status => card.status.label() },
            recognitions => card.recognitions.iter().map(|r| context! {
                id => r.id, tier => parse_tier(&r.tier).map(crate::ntm::tier_label).unwrap_or(""), set => r.set_code.clone(),
                decision => r.decision.clone(), decided_on => vi::format_date(r.decided_on),
                revoked => r.revoked_on.map(|day| format!("{} ({}: {})", vi::format_date(day),
                    r.revocation_decision.clone().unwrap_or_default(), r.revocation_reason.clone().unwrap_or_default())),
            }).collect::<Vec<_>>(),
            assessments => card.assessments.iter().map(|a| context! {
                id => a.id, year => a.year, stage => stage(&a.stage), set => a.set_code.clone(),
                met => format!("{}/{}", a.n_met, a.n_criteria), all_met => a.n_met == a.n_criteria,
                note => a.evidence.as_ref().and_then(|e| e.get("note")).and_then(|n| n.as_str()).map(str::to_owned),
                files => card.evidence.iter().filter(|f| f.assessment_id == a.id).map(|f| context! {
                    id => f.id, name => f.file_name.clone(), size => vi::format_int((f.size + 1023) / 1024),
                }).collect::<Vec<_>>(),
            }).collect::<Vec<_>>(),
            predecessors => card.predecessors.iter().map(|p| context! {
                code => p.code.clone(), name => p.name.clone(), status => p.status.label(),
            }).collect::<Vec<_>>(),
            at_risk => card.at_risk.as_ref().map(|risk| context! {
                under => risk.recognised_under.clone(), must_meet => risk.must_meet.clone(),
                deadline => risk.deadline.map(vi::format_date), overdue => risk.overdue,
            }),
            villages => card.villages.iter().map(|v| context! {
                code => v.code.clone(), name => v.name.clone(),
                latest => v.latest.as_ref().map(|a| context! {
                    year => a.year, stage => stage(&a.stage), set => a.set_code.clone(),
                    met => format!("{}/{}", a.n_met, a.n_criteria), all_met => a.n_met == a.n_criteria,
                }),
            }).collect::<Vec<_>>(),
            village_sets => sets.iter().filter(|set| set.level == "village").map(|set| context! {
                code => set.code.clone(), name => set.name.clone(),
            }).collect::<Vec<_>>(),
            commune_sets => sets.iter().filter(|set| set.level == "commune").map(|set| context! {
                code => set.code.clone(), name => set.name.clone(),
            }).collect::<Vec<_>>(),
            can_assess => actor.role.can(Permission::RecordAssessment),
        },
    )
}

async fn scorecard_page(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    Query(query): Query<DateQuery>,
) -> Result<Response, AppError> {
    let as_of = crate::error::date_param(&query.date, false)?;
    render_scorecard(&state, &authed, &code, as_of, None).await
}

/// After a form: back to the scorecard, or the scorecard with the error when the input was refused.
async fn after_form(
    state: &AppState,
    authed: &Authed,
    code: &str,
    res: Result<(), ServiceError>,
) -> Result<Response, AppError> {
    match res {
        Ok(()) => Ok(Redirect::to(&format!("/ntm/xa/{code}")).into_response()),
        Err(ServiceError::Invalid(message)) => {
            let today = chrono::Utc::now().date_naive();
            render_scorecard(state, authed, code, today, Some(message)).await
        }
        Err(err) => Err(page_error(err)),
    }
}

async fn submit_recognition(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let res = async {
        let input = RecognitionInput {
            commune_code: code.clone(),
            set_code: field(&form, "set_code"),
            decision: field(&form, "decision"),
            decided_on: form_date(&form, "decided_on")?,
        };
        state
            .service
            .record_recognition(&authed.session.actor, input)
            .await
            .map(|_| ())
    }
    .await;
    after_form(&state, &authed, &code, res).await
}

async fn submit_registration(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let res = async {
        let input = RegistrationInput {
            commune_code: code.clone(),
            target_year: field(&form, "target_year").parse().map_err(|_| {
                ServiceError::Invalid("năm đăng ký đạt chuẩn không hợp lệ".to_owned())
            })?,
            tier: parse_tier(&field(&form, "tier"))?,
            registered_on: form_date(&form, "registered_on")?,
            legal_basis: field(&form, "legal_basis"),
        };
        state
            .service
            .register_target(&authed.session.actor, input)
            .await
            .map(|_| ())
    }
    .await;
    after_form(&state, &authed, &code, res).await
}

async fn submit_revocation(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let code = field(&form, "commune");
    let res = async {
        state
            .service
            .revoke_recognition(
                &authed.session.actor,
                id,
                form_date(&form, "revoked_on")?,
                &field(&form, "decision"),
                &field(&form, "reason"),
            )
            .await
    }
    .await;
    after_form(&state, &authed, &code, res).await
}

fn local_input(form: &HashMap<String, String>) -> Result<LocalRecognitionInput, ServiceError> {
    Ok(LocalRecognitionInput {
        kind: field(form, "kind"),
        commune_code: field(form, "commune"),
        village_code: Some(field(form, "village")).filter(|code| !code.is_empty()),
        name: field(form, "name"),
        decision: field(form, "decision"),
        decided_on: form_date(form, "decided_on")?,
    })
}

fn ocop_input(form: &HashMap<String, String>) -> Result<OcopInput, ServiceError> {
    let score = |name: &str, label: &str| {
        field(form, name)
            .parse::<i64>()
            .map_err(|_| ServiceError::Invalid(format!("điểm phần {label} phải là số nguyên")))
    };
    Ok(OcopInput {
        code: field(form, "code"),
        name: field(form, "name"),
        owner: field(form, "owner"),
        commune_code: field(form, "commune"),
        product_group: field(form, "product_group"),
        score_a: score("score_a", "A")?,
        score_b: score("score_b", "B")?,
        score_c: score("score_c", "C")?,
        decision: field(form, "decision"),
        decided_on: form_date(form, "decided_on")?,
    })
}

async fn render_form(
    state: &AppState,
    authed: &Authed,
    template: &str,
    form: HashMap<String, String>,
    done: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let page = FormPage {
        form,
        done,
        error,
        ..FormPage::default()
    };
    render_form_with(state, authed, template, page).await
}

/// What a form page shows besides the registry: the values in the form, a message, the problems of an uploaded list,
/// the product being corrected.
#[derive(Default)]
struct FormPage<'a> {
    form: HashMap<String, String>,
    done: Option<String>,
    error: Option<String>,
    problems: &'a [mtqg_core::import::RowProblem],
    /// The id and name of the record being corrected.
    editing: Option<(i64, String)>,
}

/// The form page with the problems of an uploaded list, each with its row and column.
async fn render_form_with(
    state: &AppState,
    authed: &Authed,
    template: &str,
    page: FormPage<'_>,
) -> Result<Response, AppError> {
    let FormPage {
        form,
        done,
        error,
        problems,
        editing,
    } = page;
    let scale = mtqg_core::ntm::ocop::OcopScale::from_toml(OCOP_SCALE)
        .map_err(|problems| AppError::internal(anyhow::anyhow!(problems.join("; ")), false))?;
    let registry = state
        .service
        .ntm_registry(&authed.session.actor, None, chrono::Utc::now().date_naive())
        .await
        .map_err(page_error)?;
    let kind_label = |kind: &str| {
        LOCAL_KINDS
            .iter()
            .find(|(key, _)| *key == kind)
            .map(|(_, label)| *label)
            .unwrap_or("")
    };
    let group_name = |code: &str| {
        scale
            .groups
            .iter()
            .find(|group| group.code == code)
            .map(|group| group.name.clone())
            .unwrap_or_else(|| code.to_owned())
    };
    crate::pages::render(
        state,
        template,
        context! {
            user => UserView::new(&authed.session.actor), csrf_token => authed.session.csrf_token.clone(), nav => "ntm",
            form, done, error,
            editing => editing.map(|(id, label)| context! { id, label }),
            problems => problems.iter().map(|p| context! {
                row => p.row, column => p.column.clone(), message => p.message.clone(),
            }).collect::<Vec<_>>(),
            kinds => LOCAL_KINDS.iter().map(|(key, label)| context! { key => key, label => label }).collect::<Vec<_>>(),
            groups => scale.groups.iter().map(|group| context! { code => group.code.clone(), name => group.name.clone() }).collect::<Vec<_>>(),
            parts => scale.parts.iter().map(|part| context! { code => part.code.clone(), name => part.name.clone(), max => part.max }).collect::<Vec<_>>(),
            legal_basis => scale.legal_basis.clone(), verify => scale.verify,
            n_products => registry.ocop.len(), n_local => registry.local.len(),
            products => registry.ocop.iter().take(500).map(|(p, commune)| context! {
                id => p.id, code => p.code.clone(), name => p.name.clone(), owner => p.owner.clone(), commune => commune.clone(),
                group => group_name(&p.product_group), score => p.score_a + p.score_b + p.score_c, stars => p.stars,
                decision => p.decision.clone(), decided_on => vi::format_date(p.decided_on),
            }).collect::<Vec<_>>(),
            locals => registry.local.iter().take(500).map(|(r, commune)| context! {
                id => r.id, kind => kind_label(&r.kind), name => r.name.clone(), commune => commune.clone(),
                decision => r.decision.clone(), decided_on => vi::format_date(r.decided_on),
            }).collect::<Vec<_>>(),
        },
    )
}

async fn local_form(State(state): State<AppState>, authed: Authed) -> Result<Response, AppError> {
    authed
        .session
        .actor
        .require(Permission::RecordAssessment)
        .map_err(page_error)?;
    render_form(
        &state,
        &authed,
        "ntm_local.html",
        HashMap::new(),
        None,
        None,
    )
    .await
}

async fn submit_local(
    State(state): State<AppState>,
    authed: Authed,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let res = match local_input(&form) {
        Ok(input) => {
            state
                .service
                .record_local_recognition(&authed.session.actor, input)
                .await
        }
        Err(err) => Err(err),
    };
    match res {
        Ok(_) => {
            render_form(
                &state,
                &authed,
                "ntm_local.html",
                HashMap::new(),
                Some("Đã ghi nhận quyết định công nhận.".to_owned()),
                None,
            )
            .await
        }
        Err(ServiceError::Invalid(message)) => {
            render_form(&state, &authed, "ntm_local.html", form, None, Some(message)).await
        }
        Err(err) => Err(page_error(err)),
    }
}

/// The form to correct a recorded village-level recognition, filled with what is stored.
async fn local_edit_form(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    actor
        .require(Permission::RecordAssessment)
        .map_err(page_error)?;
    let recognition = stored_local_recognition(&state, actor, id).await?;
    let atlas = state.service.atlas().await.map_err(page_error)?;
    let code = |id: i64| {
        atlas
            .stored(id)
            .map(|unit| unit.code.clone())
            .unwrap_or_default()
    };
    let form = [
        ("kind", recognition.kind.clone()),
        ("commune", code(recognition.commune_id)),
        (
            "village",
            recognition.village_id.map(code).unwrap_or_default(),
        ),
        ("name", recognition.name.clone()),
        ("decision", recognition.decision.clone()),
        ("decided_on", vi::format_date(recognition.decided_on)),
        ("version", recognition.version.to_string()),
    ];
    let editing = (recognition.id, recognition.name);
    render_edit(
        &state,
        &authed,
        "ntm_local.html",
        editing,
        owned(&form),
        None,
    )
    .await
}

/// A village-level recognition in the actor's scope, or the refusal.
async fn stored_local_recognition(
    state: &AppState,
    actor: &mtqg_service::Actor,
    id: i64,
) -> Result<mtqg_store::LocalRecognitionRecord, AppError> {
    let recognition = state
        .service
        .store()
        .local_recognition(id)
        .await
        .map_err(|err| page_error(err.into()))?
        .ok_or_else(|| {
            page_error(ServiceError::NotFound(format!(
                "quyết định công nhận số {id}"
            )))
        })?;
    state
        .service
        .require_scope(actor, recognition.commune_id)
        .await
        .map_err(page_error)?;
    Ok(recognition)
}

/// A correction of a village-level recognition, with its reason.
async fn submit_local_correction(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let actor = &authed.session.actor;
    // The service refuses an unknown record or one outside the scope before anything else; a form refused for
    // its content is shown again only after `current` has checked the same.
    let res = async {
        let input = local_input(&form)?;
        state
            .service
            .correct_local_recognition(
                actor,
                id,
                form_version(&form)?,
                input,
                &field(&form, "reason"),
            )
            .await
    }
    .await
    .map(|()| "Đã sửa quyết định công nhận; lý do được ghi vào nhật ký thay đổi.".to_owned());
    let current = async || {
        let stored = stored_local_recognition(&state, actor, id).await?;
        Ok(((stored.id, stored.name), stored.version))
    };
    after_correction(&state, &authed, "ntm_local.html", res, form, current).await
}

/// A record's fields as the form's values.
fn owned(pairs: &[(&str, String)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), value.clone()))
        .collect()
}

/// The version a correction form was read at.
fn form_version(form: &HashMap<String, String>) -> Result<i64, ServiceError> {
    crate::capital::version_text(&field(form, "version"))?
        .ok_or_else(|| ServiceError::Invalid("thiếu phiên bản của bản ghi đang sửa".to_owned()))
}

/// A correction form (`editing`: the record's id and name) with its values, and what refused it if anything.
async fn render_edit(
    state: &AppState,
    authed: &Authed,
    template: &str,
    editing: (i64, String),
    form: HashMap<String, String>,
    refused: Option<&ServiceError>,
) -> Result<Response, AppError> {
    let page = FormPage {
        form,
        error: refused.map(ToString::to_string),
        editing: Some(editing),
        ..FormPage::default()
    };
    let mut page = render_form_with(state, authed, template, page).await?;
    if let Some(err) = refused {
        *page.status_mut() = crate::error::refused_status(err);
    }
    Ok(page)
}

/// After a correction: the list page with what was done, or the form again as typed — on the version now stored
/// (`current`), so that resending applies it knowingly — with the refusal (a mistake, a stale version); other errors
/// as error pages.
async fn after_correction(
    state: &AppState,
    authed: &Authed,
    template: &str,
    res: Result<String, ServiceError>,
    form: HashMap<String, String>,
    current: impl AsyncFnOnce() -> Result<((i64, String), i64), AppError>,
) -> Result<Response, AppError> {
    match res {
        Ok(done) => render_form(state, authed, template, HashMap::new(), Some(done), None).await,
        Err(err @ (ServiceError::Invalid(_) | ServiceError::Conflict { .. })) => {
            let (editing, version) = current().await?;
            let mut typed = form;
            typed.insert("version".to_owned(), version.to_string());
            render_edit(state, authed, template, editing, typed, Some(&err)).await
        }
        Err(err) => Err(page_error(err)),
    }
}

async fn ocop_form(State(state): State<AppState>, authed: Authed) -> Result<Response, AppError> {
    authed
        .session
        .actor
        .require(Permission::RecordAssessment)
        .map_err(page_error)?;
    render_form(&state, &authed, "ntm_ocop.html", HashMap::new(), None, None).await
}

async fn submit_ocop(
    State(state): State<AppState>,
    authed: Authed,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let res = match ocop_input(&form) {
        Ok(input) => {
            state
                .service
                .record_ocop_product(&authed.session.actor, input)
                .await
        }
        Err(err) => Err(err),
    };
    match res {
        Ok((_, stars)) => {
            render_form(
                &state,
                &authed,
                "ntm_ocop.html",
                HashMap::new(),
                Some(format!("Đã ghi nhận sản phẩm OCOP {stars} sao.")),
                None,
            )
            .await
        }
        Err(ServiceError::Invalid(message)) => {
            render_form(&state, &authed, "ntm_ocop.html", form, None, Some(message)).await
        }
        Err(err) => Err(page_error(err)),
    }
}

/// The form to correct a recorded product, filled with what is stored.
async fn ocop_edit_form(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let actor = &authed.session.actor;
    actor
        .require(Permission::RecordAssessment)
        .map_err(page_error)?;
    let product = stored_ocop_product(&state, actor, id).await?;
    let commune = state
        .service
        .atlas()
        .await
        .map_err(page_error)?
        .stored(product.commune_id)
        .map(|unit| unit.code.clone())
        .unwrap_or_default();
    let form = [
        ("code", product.code.clone()),
        ("name", product.name.clone()),
        ("owner", product.owner.clone()),
        ("commune", commune),
        ("product_group", product.product_group.clone()),
        ("score_a", product.score_a.to_string()),
        ("score_b", product.score_b.to_string()),
        ("score_c", product.score_c.to_string()),
        ("decision", product.decision.clone()),
        ("decided_on", vi::format_date(product.decided_on)),
        ("version", product.version.to_string()),
    ];
    let editing = (product.id, product.code);
    render_edit(
        &state,
        &authed,
        "ntm_ocop.html",
        editing,
        owned(&form),
        None,
    )
    .await
}

/// A product in the actor's scope, or the refusal.
async fn stored_ocop_product(
    state: &AppState,
    actor: &mtqg_service::Actor,
    id: i64,
) -> Result<mtqg_store::OcopRecord, AppError> {
    let product = state
        .service
        .store()
        .ocop_product(id)
        .await
        .map_err(|err| page_error(err.into()))?
        .ok_or_else(|| page_error(ServiceError::NotFound(format!("sản phẩm OCOP số {id}"))))?;
    state
        .service
        .require_scope(actor, product.commune_id)
        .await
        .map_err(page_error)?;
    Ok(product)
}

/// A correction of a recorded product, with its reason.
async fn submit_ocop_correction(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Result<Response, AppError> {
    authed.check_csrf(form.get("csrf_token").map(String::as_str).unwrap_or(""))?;
    let actor = &authed.session.actor;
    // The service refuses an unknown record or one outside the scope before anything else; a form refused for
    // its content is shown again only after `current` has checked the same.
    let res = async {
        let input = ocop_input(&form)?;
        state
            .service
            .correct_ocop_product(
                actor,
                id,
                form_version(&form)?,
                input,
                &field(&form, "reason"),
            )
            .await
    }
    .await
    .map(|stars| {
        format!(
            "Đã sửa sản phẩm OCOP {} ({stars} sao); lý do được ghi vào nhật ký thay đổi.",
            field(&form, "code")
        )
    });
    let current = async || {
        let stored = stored_ocop_product(&state, actor, id).await?;
        Ok(((stored.id, stored.code), stored.version))
    };
    after_correction(&state, &authed, "ntm_ocop.html", res, form, current).await
}

/// An uploaded OCOP list: checked whole (dry run unless "Ghi vào hệ thống" is ticked), every problem listed.
async fn import_ocop(
    State(state): State<AppState>,
    authed: Authed,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let upload = crate::auth::read_upload(multipart, "ocop.xlsx").await?;
    authed.check_csrf(&upload.csrf)?;
    let name = upload.file_name.clone();
    let source = mtqg_service::geography::TableSource::from_bytes(&name, upload.bytes);
    let res = state
        .service
        .import_ocop(&authed.session.actor, &name, source, !upload.apply)
        .await;
    let report = match res {
        Ok(report) => report,
        Err(ServiceError::Invalid(message)) => {
            return render_form(
                &state,
                &authed,
                "ntm_ocop.html",
                HashMap::new(),
                None,
                Some(message),
            )
            .await
        }
        Err(err) => return Err(page_error(err)),
    };
    let stars = report.stars_summary();
    let (done, error) = if report.n_problems > 0 {
        (
            None,
            Some(format!(
                "{name}: không ghi sản phẩm nào vì tệp có {} lỗi.",
                report.n_problems
            )),
        )
    } else if report.applied {
        (Some(format!("{name}: đã ghi {stars}.")), None)
    } else {
        (
            Some(format!(
                "{name} (chạy thử): {stars}; chưa ghi — chọn \"Ghi vào hệ thống\" và gửi lại tệp."
            )),
            None,
        )
    };
    let page = FormPage {
        done,
        error,
        problems: &report.problems,
        ..FormPage::default()
    };
    render_form_with(&state, &authed, "ntm_ocop.html", page).await
}

async fn api_scorecard(
    State(state): State<AppState>,
    authed: Authed,
    Path(code): Path<String>,
    Query(query): Query<DateQuery>,
) -> Result<Response, AppError> {
    let as_of = crate::error::date_param(&query.date, true)?;
    let card = state
        .service
        .ntm_scorecard(&authed.session.actor, &code, as_of)
        .await
        .map_err(api_error)?;
    Ok(Json(scorecard_json(&card)).into_response())
}

fn created(id: i64) -> Response {
    (
        axum::http::StatusCode::CREATED,
        Json(serde_json::json!({ "id": id })),
    )
        .into_response()
}

async fn api_recognition(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Json(body): Json<HashMap<String, serde_json::Value>>,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    let form = json_form(body);
    let input = RecognitionInput {
        commune_code: field(&form, "commune_code"),
        set_code: field(&form, "set_code"),
        decision: field(&form, "decision"),
        decided_on: form_date(&form, "decided_on").map_err(api_error)?,
    };
    let id = state
        .service
        .record_recognition(&authed.session.actor, input)
        .await
        .map_err(api_error)?;
    Ok(created(id))
}

async fn api_revocation(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Json(body): Json<HashMap<String, serde_json::Value>>,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    let form = json_form(body);
    state
        .service
        .revoke_recognition(
            &authed.session.actor,
            id,
            form_date(&form, "revoked_on").map_err(api_error)?,
            &field(&form, "decision"),
            &field(&form, "reason"),
        )
        .await
        .map_err(api_error)?;
    Ok(Json(serde_json::json!({ "id": id, "revoked": true })).into_response())
}

async fn api_registration(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Json(body): Json<HashMap<String, serde_json::Value>>,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    let form = json_form(body);
    let input = RegistrationInput {
        commune_code: field(&form, "commune_code"),
        target_year: field(&form, "target_year").parse().map_err(|_| {
            api_error(ServiceError::Invalid(
                "target_year: năm không hợp lệ".to_owned(),
            ))
        })?,
        tier: parse_tier(&field(&form, "tier")).map_err(api_error)?,
        registered_on: form_date(&form, "registered_on").map_err(api_error)?,
        legal_basis: field(&form, "legal_basis"),
    };
    let id = state
        .service
        .register_target(&authed.session.actor, input)
        .await
        .map_err(api_error)?;
    Ok(created(id))
}

async fn api_local(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Json(body): Json<HashMap<String, serde_json::Value>>,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    let form = json_form(body);
    let input = local_input(&form).map_err(api_error)?;
    let id = state
        .service
        .record_local_recognition(&authed.session.actor, input)
        .await
        .map_err(api_error)?;
    Ok(created(id))
}

async fn api_ocop(
    State(state): State<AppState>,
    authed: Authed,
    headers: HeaderMap,
    Json(body): Json<HashMap<String, serde_json::Value>>,
) -> Result<Response, AppError> {
    crate::api::check_csrf_header(&authed, &headers)?;
    let form = json_form(body);
    let input = ocop_input(&form).map_err(api_error)?;
    let (id, stars) = state
        .service
        .record_ocop_product(&authed.session.actor, input)
        .await
        .map_err(api_error)?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(serde_json::json!({ "id": id, "stars": stars })),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
struct MatrixQuery {
    unit: Option<String>,
    date: Option<String>,
}

async fn matrix_data(
    state: &AppState,
    authed: &Authed,
    query: &MatrixQuery,
    api: bool,
) -> Result<mtqg_service::recognition::Matrix, AppError> {
    let as_of = crate::error::date_param(&query.date, api)?;
    state
        .service
        .ntm_matrix(
            &authed.session.actor,
            query.unit.as_deref().filter(|unit| !unit.trim().is_empty()),
            as_of,
        )
        .await
        .map_err(|err| AppError::service(err, api))
}

async fn matrix_page(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<MatrixQuery>,
) -> Result<Response, AppError> {
    let matrix = matrix_data(&state, &authed, &query, false).await?;
    crate::pages::render(
        &state,
        "ntm_matrix.html",
        context! {
            user => UserView::new(&authed.session.actor), csrf_token => authed.session.csrf_token.clone(), nav => "ntm",
            date => vi::format_date(matrix.as_of), unit => query.unit.clone().unwrap_or_default(),
            set => matrix.set_code.clone(),
            criteria => matrix.criteria.iter().map(|(code, name)| context! { code => code.clone(), name => name.clone() }).collect::<Vec<_>>(),
            rows => matrix.rows.iter().map(|row| context! {
                code => row.code.clone(), name => row.name.clone(), status => row.status.label(),
                recognised => row.status > mtqg_core::ntm::Status::NotMet,
                assessed => row.assessed.as_ref().map(|(year, stage, n)| context! {
                    year => year, appraisal => stage == "tham_dinh", n_met => n,
                }),
                met => row.met.clone(),
            }).collect::<Vec<_>>(),
        },
    )
}

async fn matrix_xlsx(
    State(state): State<AppState>,
    authed: Authed,
    Query(query): Query<MatrixQuery>,
) -> Result<Response, AppError> {
    let matrix = matrix_data(&state, &authed, &query, false).await?;
    let bytes = mtqg_service::recognition::matrix_xlsx(&matrix).map_err(page_error)?;
    Ok(crate::capital::xlsx_response(
        bytes,
        &format!(
            "ma-tran-tieu-chi-{}-{}.xlsx",
            query.unit.as_deref().unwrap_or("toan-quoc"),
            matrix.as_of
        ),
    ))
}

async fn upload_evidence(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
    multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let upload = crate::auth::read_upload(multipart, "minh-chung").await?;
    authed.check_csrf(&upload.csrf)?;
    let assessment = state
        .service
        .store()
        .assessment(id)
        .await
        .map_err(|err| page_error(err.into()))?
        .ok_or_else(|| page_error(ServiceError::NotFound(format!("kết quả đánh giá số {id}"))))?;
    let code = state
        .service
        .atlas()
        .await
        .map_err(page_error)?
        .stored(assessment.unit_id)
        .map(|unit| unit.code.clone())
        .unwrap_or_default();
    let res = state
        .service
        .attach_evidence(&authed.session.actor, id, &upload.file_name, upload.bytes)
        .await
        .map(|_| ());
    after_form(&state, &authed, &code, res).await
}

async fn download_evidence(
    State(state): State<AppState>,
    authed: Authed,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let file = state
        .service
        .evidence_file(&authed.session.actor, id)
        .await
        .map_err(page_error)?;
    Ok(file_response(
        &file.file_name,
        &file.content_type,
        file.content,
    ))
}

async fn import_assessments(
    State(state): State<AppState>,
    authed: Authed,
    multipart: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let upload = crate::auth::read_upload(multipart, "danh-gia.xlsx").await?;
    authed.check_csrf(&upload.csrf)?;
    let set = upload.fields.get("set_code").cloned().unwrap_or_default();
    let stage = upload
        .fields
        .get("stage")
        .cloned()
        .unwrap_or_else(|| "tu_danh_gia".to_owned());
    let source = mtqg_service::geography::TableSource::from_bytes(&upload.file_name, upload.bytes);
    let report = state
        .service
        .import_assessments(&authed.session.actor, source, &set, &stage, !upload.apply)
        .await
        .map_err(page_error)?;
    crate::pages::render(
        &state,
        "ntm_import.html",
        context! {
            user => UserView::new(&authed.session.actor), csrf_token => authed.session.csrf_token.clone(), nav => "ntm",
            file_name => upload.file_name, set, dry_run => !upload.apply,
            report => context! {
                n_rows => report.n_rows, n_met_all => report.n_met_all, n_problems => report.n_problems,
                applied => report.applied,
                problems => report.problems.iter().map(|p| context! {
                    row => p.row, column => p.column.clone(), message => p.message.clone(),
                }).collect::<Vec<_>>(),
            },
        },
    )
}

/// A stored file as a download, named in ASCII (browsers differ on non-ASCII names in the header).
pub(crate) fn file_response(file_name: &str, content_type: &str, content: Vec<u8>) -> Response {
    let ascii: String = vi::fold(file_name)
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' {
                ch
            } else {
                '-'
            }
        })
        .collect();
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
        ],
        content,
    )
        .into_response()
}

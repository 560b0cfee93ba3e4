//! The new-rural recognition lifecycle and the roll-ups steering committees read: registrations of a target year,
//! recognition decisions and revocations, village-level recognitions, OCOP products; counts of xã by recognised status
//! as of a date, averages and per-criterion achievement from assessments, registered against achieved, the at-risk
//! list, merged communes awaiting a new assessment. The rules are in `mtqg_core::ntm::lifecycle`.

use std::collections::BTreeMap;

// The roll-up keys maps by unit id for every xã of the country: a fast hasher (ids are ours, not user input).
use foldhash::{HashMap, HashMapExt, HashSet};

use chrono::{Datelike, NaiveDate};
use mtqg_core::access::Permission;
use mtqg_core::geo::Level;
use mtqg_core::import::RowProblem;
use mtqg_core::ntm::lifecycle::{
    self, AtRisk, LatestResult, Recognition, RegisteredVsAchieved, SetInForce,
};
use mtqg_core::ntm::ocop::{OcopRowParser, OcopScale};
use mtqg_core::ntm::{CriteriaSet, Status, Tier};
use mtqg_store::{
    AssessmentResult, CriteriaSetRecord, LocalRecognitionRecord, OcopRecord, RecognitionRecord,
    RegistrationRecord,
};

use crate::auth::Actor;
use crate::geography::TableSource;
use crate::{Service, ServiceError};
use mtqg_xlsx::TableEvent;

/// The OCOP scoring scale shipped with the product (QĐ 148/QĐ-TTg 2023).
pub const OCOP_SCALE: &str = include_str!("../../../data/ntm/ocop-qd148-2023.toml");

/// Village-level recognition kinds, with their Vietnamese names.
pub const LOCAL_KINDS: [(&str, &str); 3] = [
    ("thon_ntm", "Thôn, bản đạt chuẩn nông thôn mới"),
    ("khu_dan_cu_kieu_mau", "Khu dân cư nông thôn mới kiểu mẫu"),
    ("vuon_mau", "Vườn mẫu"),
];

pub fn tier_key(tier: Tier) -> &'static str {
    match tier {
        Tier::Standard => "standard",
        Tier::Advanced => "advanced",
        Tier::Model => "model",
        Tier::Modern => "modern",
    }
}

pub fn parse_tier(text: &str) -> Result<Tier, ServiceError> {
    match text.trim() {
        "standard" | "dat_chuan" => Ok(Tier::Standard),
        "advanced" | "nang_cao" => Ok(Tier::Advanced),
        "model" | "kieu_mau" => Ok(Tier::Model),
        "modern" | "hien_dai" => Ok(Tier::Modern),
        other => Err(ServiceError::Invalid(format!(
            "hạng \"{other}\" không hợp lệ (đạt chuẩn: standard, nâng cao: advanced, kiểu mẫu: model, hiện đại: modern)"
        ))),
    }
}

/// A registration as entered.
#[derive(Debug, Clone)]
pub struct RegistrationInput {
    pub commune_code: String,
    pub target_year: i32,
    pub tier: Tier,
    pub registered_on: NaiveDate,
    pub legal_basis: String,
}

/// A recognition decision as entered.
#[derive(Debug, Clone)]
pub struct RecognitionInput {
    pub commune_code: String,
    pub set_code: String,
    /// Number and symbol of the decision ("QĐ 1234/QĐ-UBND").
    pub decision: String,
    pub decided_on: NaiveDate,
}

/// A village-level recognition as entered.
#[derive(Debug, Clone)]
pub struct LocalRecognitionInput {
    pub kind: String,
    pub commune_code: String,
    /// The thôn/bản, for thôn NTM and khu dân cư kiểu mẫu.
    pub village_code: Option<String>,
    /// The household or garden for vườn mẫu; the village name otherwise (filled in when empty).
    pub name: String,
    pub decision: String,
    pub decided_on: NaiveDate,
}

/// An OCOP product as entered.
#[derive(Debug, Clone)]
pub struct OcopInput {
    pub code: String,
    pub name: String,
    pub owner: String,
    pub commune_code: String,
    pub product_group: String,
    pub score_a: i64,
    pub score_b: i64,
    pub score_c: i64,
    pub decision: String,
    pub decided_on: NaiveDate,
}

/// What an OCOP list import found and did.
#[derive(Debug, Clone, Default)]
pub struct OcopImport {
    pub file_name: String,
    pub n_rows: usize,
    /// Products that pass (or were written), by stars.
    pub by_stars: BTreeMap<u8, usize>,
    pub problems: Vec<RowProblem>,
    pub n_problems: usize,
    pub applied: bool,
}

impl OcopImport {
    /// "1 sản phẩm 4 sao, 2 sản phẩm 5 sao", or "không có sản phẩm".
    pub fn stars_summary(&self) -> String {
        if self.by_stars.is_empty() {
            return "không có sản phẩm".to_owned();
        }
        self.by_stars
            .iter()
            .map(|(stars, n)| format!("{n} sản phẩm {stars} sao"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The shipped OCOP scale.
fn ocop_scale() -> Result<OcopScale, ServiceError> {
    OcopScale::from_toml(OCOP_SCALE)
        .map_err(|problems| ServiceError::Other(anyhow::anyhow!(problems.join("; "))))
}

/// Share of assessed xã meeting one criterion.
#[derive(Debug, Clone)]
pub struct CriterionShare {
    pub code: String,
    pub name: String,
    pub n_met: usize,
}

/// A commune on the at-risk list.
#[derive(Debug, Clone)]
pub struct AtRiskCommune {
    pub code: String,
    pub name: String,
    pub risk: AtRisk,
}

/// Counts of xã by recognised status as of a date and the figures steering committees read with them.
#[derive(Debug, Clone)]
pub struct Rollup {
    pub as_of: NaiveDate,
    /// Xã existing on the date under the unit (phường and thị trấn are not counted).
    pub n_xa: usize,
    /// By the highest recognition held on the date; every status listed, zeros included.
    pub by_status: Vec<(Status, usize)>,
    /// The standard set in force on the date (its provincial specialisations count with it).
    pub set_code: Option<String>,
    /// Xã with an assessment against that set this year or last (the latest counts; appraisal before
    /// self-assessment).
    pub n_assessed: usize,
    /// Of those, meeting every criterion.
    pub n_assessed_met: usize,
    /// Average criteria met per assessed xã.
    pub avg_criteria: Option<f64>,
    /// Assessed xã meeting fewer than 15 criteria (for the 19-criterion sets; `None` for other sets).
    pub below_15: Option<usize>,
    pub per_criterion: Vec<CriterionShare>,
    /// Registered to reach each tier in the year of the date, and achieved.
    pub registered: Vec<(Tier, RegisteredVsAchieved)>,
    pub at_risk: Vec<AtRiskCommune>,
    /// Xã formed by an arrangement of units whose predecessors were recognised but which hold no recognition of
    /// their own yet: they need a new assessment.
    pub merged_awaiting: usize,
    /// Village-level recognitions by kind: (kind, label, cumulative to the date, decided in its year).
    pub local: Vec<(String, String, usize, usize)>,
    /// OCOP products by stars: (stars, cumulative to the date, recognised in its year).
    pub ocop: Vec<(i64, usize, usize)>,
    /// The units directly under the one asked about (provinces for the country), with their xã and how many hold
    /// at least the standard, ordered by that share (highest first).
    pub children: Vec<ChildShare>,
}

/// One unit of the breakdown under a roll-up.
#[derive(Debug, Clone)]
pub struct ChildShare {
    pub code: String,
    pub name: String,
    pub n_xa: usize,
    pub recognised: usize,
}

impl ChildShare {
    /// Share of its xã holding at least the standard.
    pub fn share(&self) -> Option<f64> {
        (self.n_xa > 0).then(|| self.recognised as f64 / self.n_xa as f64)
    }
}

/// A predecessor of a merged commune and what it held.
#[derive(Debug, Clone)]
pub struct Predecessor {
    pub code: String,
    pub name: String,
    pub status: Status,
}

/// One commune's standing: recognitions, registrations, assessments, predecessors.
#[derive(Debug, Clone)]
pub struct Scorecard {
    pub code: String,
    pub name: String,
    pub status: Status,
    pub recognitions: Vec<RecognitionRecord>,
    pub assessments: Vec<mtqg_store::AssessmentRecord>,
    /// Evidence files of those assessments.
    pub evidence: Vec<mtqg_store::EvidenceRecord>,
    pub predecessors: Vec<Predecessor>,
    pub at_risk: Option<AtRisk>,
    /// The xã's villages on the date, each with its latest assessment against a village set (appraisal preferred
    /// within a year).
    pub villages: Vec<VillageStanding>,
}

/// A village of a xã and its latest assessment, if any.
#[derive(Debug, Clone)]
pub struct VillageStanding {
    pub code: String,
    pub name: String,
    pub latest: Option<mtqg_store::AssessmentRecord>,
}

fn to_recognition(record: &RecognitionRecord) -> Recognition {
    Recognition {
        tier: parse_tier(&record.tier).unwrap_or(Tier::Standard),
        set_code: record.set_code.clone(),
        decided_on: record.decided_on,
        revoked_on: record.revoked_on,
    }
}

fn stage_rank(stage: &str) -> i32 {
    i32::from(stage == "tham_dinh")
}

/// The national standard commune set in force on `date`, if one is stored.
fn standard_set_on(sets: &[CriteriaSetRecord], date: NaiveDate) -> Option<&CriteriaSetRecord> {
    sets.iter()
        .filter(|set| {
            set.tier == "standard"
                && set.level == "commune"
                && set.province.is_none()
                && set.valid_from <= date
                && set.valid_to.is_none_or(|to| date < to)
        })
        .max_by_key(|set| set.valid_from)
}

/// Codes of a set and of the provincial sets specialising it.
fn family(sets: &[CriteriaSetRecord], code: &str) -> HashSet<String> {
    sets.iter()
        .filter(|set| set.code == code || set.parent_code.as_deref() == Some(code))
        .map(|set| set.code.clone())
        .collect()
}

/// The latest of each unit's assessments (by year, then appraisal before self-assessment, then newest).
fn latest_by_unit(results: Vec<AssessmentResult>) -> HashMap<i64, AssessmentResult> {
    let mut latest: HashMap<i64, AssessmentResult> = HashMap::new();
    for result in results {
        let key = |r: &AssessmentResult| (r.year, stage_rank(&r.stage), r.id);
        match latest.get(&result.unit_id) {
            Some(held) if key(held) >= key(&result) => {}
            _ => {
                latest.insert(result.unit_id, result);
            }
        }
    }
    latest
}

/// Recognitions with those under a provincial specialisation of `national` counted as under `national` itself.
fn as_national(held: &[Recognition], family: &HashSet<String>, national: &str) -> Vec<Recognition> {
    held.iter()
        .cloned()
        .map(|mut recognition| {
            if family.contains(&recognition.set_code) {
                recognition.set_code = national.to_owned();
            }
            recognition
        })
        .collect()
}

fn latest_result(year: i64, n_met: i64, n_criteria: i64) -> LatestResult {
    LatestResult {
        year: year as i32,
        n_met: n_met as usize,
        n_criteria: n_criteria as usize,
        all_met: n_met == n_criteria,
    }
}

impl Service {
    /// The unit a roll-up is about: the one named, else the actor's scope, else the country (`None`).
    async fn scope_root(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        as_of: NaiveDate,
    ) -> Result<Option<i64>, ServiceError> {
        Ok(match (unit_code, actor.scope_unit_id) {
            (Some(code), _) => Some(self.unit_at(actor, code, as_of).await?.id),
            (None, scope) => scope,
        })
    }

    /// That unit and the xã existing under it on `as_of` (phường and thị trấn are not xã).
    async fn xa_under(
        &self,
        actor: &Actor,
        atlas: &mtqg_core::atlas::Atlas,
        unit_code: Option<&str>,
        as_of: NaiveDate,
    ) -> Result<(Option<i64>, Vec<mtqg_core::atlas::UnitAsOf>), ServiceError> {
        let root = self.scope_root(actor, unit_code, as_of).await?;
        let xa = match root {
            Some(root) => atlas.descendants(root, as_of, Some(Level::Commune)),
            None => atlas.of_level(Level::Commune, as_of),
        }
        .into_iter()
        .filter(|unit| unit.unit_type == "Xã")
        .collect();
        Ok((root, xa))
    }

    /// A xã existing on `date` within the actor's scope, or an error naming what it is.
    async fn xa_at(
        &self,
        actor: &Actor,
        code: &str,
        date: NaiveDate,
    ) -> Result<mtqg_core::atlas::UnitAsOf, ServiceError> {
        let unit = self.unit_at(actor, code, date).await?;
        if unit.level != Level::Commune || unit.unit_type != "Xã" {
            return Err(ServiceError::Invalid(format!(
                "{} là {}: chỉ xã được công nhận theo bộ tiêu chí xã nông thôn mới",
                unit.name,
                unit.unit_type.to_lowercase()
            )));
        }
        Ok(unit)
    }

    /// Records that a xã registered to reach a tier in a year; audited.
    pub async fn register_target(
        &self,
        actor: &Actor,
        input: RegistrationInput,
    ) -> Result<i64, ServiceError> {
        actor.require(Permission::RecordAssessment)?;
        if input.target_year < input.registered_on.year() {
            return Err(ServiceError::Invalid(format!(
                "năm đăng ký đạt chuẩn {} đã qua so với ngày đăng ký {}",
                input.target_year,
                mtqg_core::vi::format_date(input.registered_on)
            )));
        }
        let unit = self
            .xa_at(actor, &input.commune_code, input.registered_on)
            .await?;
        let record = RegistrationRecord {
            unit_id: unit.id,
            target_year: i64::from(input.target_year),
            tier: tier_key(input.tier).to_owned(),
            registered_on: input.registered_on,
            legal_basis: input.legal_basis.trim().to_owned(),
        };
        let mut tx = self.store().begin().await?;
        let id = tx
            .insert_registration(&record, actor.user_id)
            .await
            .map_err(|err| match err {
                mtqg_store::StoreError::Conflict { .. } => ServiceError::Invalid(format!(
                    "{} đã đăng ký hạng này cho năm {}",
                    unit.name, input.target_year
                )),
                other => other.into(),
            })?;
        let mut entry = actor.audit("ntm.register", "ntm_registration", unit.code.clone());
        entry.after = Some(serde_json::json!({
            "id": id, "target_year": input.target_year, "tier": record.tier, "registered_on": input.registered_on,
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records a recognition decision: the set must be in force on the decision date and of a tier the xã can take
    /// (a higher tier needs standard recognition held that day); audited.
    pub async fn record_recognition(
        &self,
        actor: &Actor,
        input: RecognitionInput,
    ) -> Result<i64, ServiceError> {
        actor.require(Permission::RecordAssessment)?;
        if input.decision.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "ghi số, ký hiệu quyết định công nhận".to_owned(),
            ));
        }
        let unit = self
            .xa_at(actor, &input.commune_code, input.decided_on)
            .await?;
        let set = self.criteria_set(actor, &input.set_code).await?;
        if set.level != "commune" {
            return Err(ServiceError::Invalid(format!(
                "bộ {} không phải bộ tiêu chí xã",
                set.code
            )));
        }
        if input.decided_on < set.valid_from
            || set.valid_to.is_some_and(|to| input.decided_on >= to)
        {
            return Err(ServiceError::Invalid(format!(
                "ngày quyết định {} nằm ngoài thời gian áp dụng của bộ {} ({} – {})",
                mtqg_core::vi::format_date(input.decided_on),
                set.code,
                mtqg_core::vi::format_date(set.valid_from),
                set.valid_to
                    .map(mtqg_core::vi::format_date)
                    .unwrap_or_default()
            )));
        }
        let held: Vec<Recognition> = self
            .store()
            .recognitions_of(&[unit.id])
            .await?
            .iter()
            .map(to_recognition)
            .collect();
        let status = lifecycle::recognised_status(&held, input.decided_on);
        if set.tier > Tier::Standard && status < Status::Standard {
            return Err(ServiceError::Invalid(format!(
                "{} chưa được công nhận đạt chuẩn nông thôn mới vào ngày {}: chưa thể công nhận hạng cao hơn",
                unit.name,
                mtqg_core::vi::format_date(input.decided_on)
            )));
        }
        if status >= Status::from(set.tier)
            && held
                .iter()
                .any(|r| r.holds_on(input.decided_on) && r.set_code == set.code)
        {
            return Err(ServiceError::Invalid(format!(
                "{} đã được công nhận theo bộ {} và chưa bị thu hồi",
                unit.name, set.code
            )));
        }
        let record = RecognitionRecord {
            id: 0,
            unit_id: unit.id,
            tier: tier_key(set.tier).to_owned(),
            set_code: set.code.clone(),
            decision: input.decision.trim().to_owned(),
            decided_on: input.decided_on,
            revoked_on: None,
            revocation_decision: None,
            revocation_reason: None,
        };
        let mut tx = self.store().begin().await?;
        let id = tx.insert_recognition(&record, actor.user_id).await?;
        let mut entry = actor.audit("ntm.recognise", "ntm_recognition", unit.code.clone());
        entry.after = Some(serde_json::json!({
            "id": id, "tier": record.tier, "set": record.set_code, "decision": record.decision,
            "decided_on": record.decided_on,
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Revokes a recognition (thu hồi) with the decision and reason; audited with the record before and after.
    pub async fn revoke_recognition(
        &self,
        actor: &Actor,
        id: i64,
        revoked_on: NaiveDate,
        decision: &str,
        reason: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::RecordAssessment)?;
        let record = self
            .store()
            .recognition(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("quyết định công nhận số {id}")))?;
        let atlas = self.atlas().await?;
        if let Some(scope) = actor.scope_unit_id {
            if !atlas.is_within(scope, record.unit_id) {
                return Err(ServiceError::Forbidden);
            }
        }
        if decision.trim().is_empty() || reason.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "thu hồi cần số quyết định và lý do".to_owned(),
            ));
        }
        if revoked_on < record.decided_on {
            return Err(ServiceError::Invalid(format!(
                "ngày thu hồi {} trước ngày công nhận {}",
                mtqg_core::vi::format_date(revoked_on),
                mtqg_core::vi::format_date(record.decided_on)
            )));
        }
        let mut tx = self.store().begin().await?;
        if !tx
            .revoke_recognition(id, revoked_on, decision.trim(), reason.trim())
            .await?
        {
            return Err(ServiceError::Conflict {
                message: "quyết định công nhận này đã bị thu hồi (có thể vừa bởi người khác); hãy tải lại trang, \
                          thu hồi của bạn chưa được ghi"
                    .to_owned(),
            });
        }
        let code = atlas
            .stored(record.unit_id)
            .map(|unit| unit.code.clone())
            .unwrap_or_default();
        let mut entry = actor.audit("ntm.revoke", "ntm_recognition", code);
        entry.before = Some(serde_json::json!({ "id": id, "revoked_on": null }));
        entry.after = Some(serde_json::json!({
            "id": id, "revoked_on": revoked_on, "decision": decision.trim(), "reason": reason.trim(),
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a village-level recognition; audited.
    pub async fn record_local_recognition(
        &self,
        actor: &Actor,
        input: LocalRecognitionInput,
    ) -> Result<i64, ServiceError> {
        actor.require(Permission::RecordAssessment)?;
        let (record, commune_code) = self.check_local(actor, &input).await?;
        let mut tx = self.store().begin().await?;
        let id = tx.insert_local_recognition(&record, actor.user_id).await?;
        let mut entry = actor.audit(
            "ntm.local_recognition",
            "ntm_local_recognition",
            commune_code,
        );
        entry.after = Some(serde_json::json!({
            "id": id, "kind": record.kind, "village_id": record.village_id, "decision": record.decision,
            "decided_on": record.decided_on,
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Corrects a recorded village-level recognition: checked as a new one is, written only if nobody changed it
    /// since `version` (else a conflict and nothing written), with the reason and the record before and after in
    /// the audit log.
    pub async fn correct_local_recognition(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        input: LocalRecognitionInput,
        reason: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::RecordAssessment)?;
        let before = self
            .store()
            .local_recognition(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("quyết định công nhận số {id}")))?;
        self.require_scope(actor, before.commune_id).await?;
        if reason.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "ghi lý do sửa (ví dụ: nhập nhầm số quyết định)".to_owned(),
            ));
        }
        let (record, _) = self.check_local(actor, &input).await?;
        let mut tx = self.store().begin().await?;
        if !tx.update_local_recognition(id, version, &record).await? {
            return Err(ServiceError::stale(&format!(
                "quyết định công nhận \"{}\"",
                before.name
            )));
        }
        let snapshot = |recognition: &LocalRecognitionRecord| {
            serde_json::json!({
                "kind": recognition.kind, "commune_id": recognition.commune_id,
                "village_id": recognition.village_id, "name": recognition.name,
                "decision": recognition.decision, "decided_on": recognition.decided_on,
            })
        };
        let mut entry = actor.audit(
            "ntm.local_recognition.correct",
            "ntm_local_recognition",
            id.to_string(),
        );
        entry.before = Some(snapshot(&before));
        entry.after = Some(snapshot(&record));
        entry.reason = Some(reason.trim().to_owned());
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A village-level recognition as it would be stored, with its xã's code, or what is wrong with it.
    async fn check_local(
        &self,
        actor: &Actor,
        input: &LocalRecognitionInput,
    ) -> Result<(LocalRecognitionRecord, String), ServiceError> {
        if !LOCAL_KINDS.iter().any(|(key, _)| *key == input.kind) {
            return Err(ServiceError::Invalid(format!(
                "loại công nhận \"{}\" không hợp lệ (thon_ntm, khu_dan_cu_kieu_mau, vuon_mau)",
                input.kind
            )));
        }
        if input.decision.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "ghi số, ký hiệu quyết định công nhận".to_owned(),
            ));
        }
        let commune = self
            .xa_at(actor, &input.commune_code, input.decided_on)
            .await?;
        let village = match input
            .village_code
            .as_deref()
            .filter(|code| !code.trim().is_empty())
        {
            Some(code) => {
                let village = self.unit_at(actor, code, input.decided_on).await?;
                if village.level != Level::Village || village.parent_id != Some(commune.id) {
                    return Err(ServiceError::Invalid(format!(
                        "{} không phải thôn, bản của {}",
                        village.name, commune.name
                    )));
                }
                Some(village)
            }
            None if input.kind != "vuon_mau" => {
                return Err(ServiceError::Invalid(
                    "ghi mã thôn, bản được công nhận".to_owned(),
                ))
            }
            None => None,
        };
        let name = match (&village, input.name.trim()) {
            (_, name) if !name.is_empty() => name.to_owned(),
            (Some(village), _) => village.name.clone(),
            (None, _) => {
                return Err(ServiceError::Invalid(
                    "ghi tên hộ hoặc vườn được công nhận".to_owned(),
                ))
            }
        };
        let record = LocalRecognitionRecord {
            id: 0,
            kind: input.kind.clone(),
            commune_id: commune.id,
            village_id: village.as_ref().map(|village| village.id),
            name,
            decision: input.decision.trim().to_owned(),
            decided_on: input.decided_on,
            version: 0,
        };
        Ok((record, commune.code))
    }

    /// Records an OCOP product: the score parts are checked against the scale and the star tier computed from
    /// them (below the lowest tier the product is not recognised); audited.
    pub async fn record_ocop_product(
        &self,
        actor: &Actor,
        input: OcopInput,
    ) -> Result<(i64, u8), ServiceError> {
        actor.require(Permission::RecordAssessment)?;
        let scale = ocop_scale()?;
        let (record, commune_code) = self
            .check_ocop(actor, &scale, &input)
            .await
            .map_err(|(_, err)| err)?;
        let mut tx = self.store().begin().await?;
        let id = tx
            .insert_ocop_product(&record, actor.user_id)
            .await
            .map_err(|err| match err {
                mtqg_store::StoreError::Conflict { .. } => {
                    ServiceError::Invalid(format!("mã sản phẩm {} đã có", record.code))
                }
                other => other.into(),
            })?;
        let mut entry = actor.audit("ocop.product", "ocop_product", record.code.clone());
        entry.after = Some(serde_json::json!({
            "id": id, "commune": commune_code, "group": record.product_group, "stars": record.stars,
            "scores": [record.score_a, record.score_b, record.score_c], "decision": record.decision,
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok((id, record.stars as u8))
    }

    /// Checks an OCOP product against the scale, the geography and the actor's scope; the error names the field
    /// it is about.
    /// Corrects a recorded OCOP product (a mistyped score, name, owner, commune, decision or date): checked as a new
    /// one is, written only if nobody changed it since `version` (else a conflict and nothing written), with the
    /// reason and the record before and after in the audit log. Returns the stars it now has.
    pub async fn correct_ocop_product(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        input: OcopInput,
        reason: &str,
    ) -> Result<u8, ServiceError> {
        actor.require(Permission::RecordAssessment)?;
        let before = self
            .store()
            .ocop_product(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("sản phẩm OCOP số {id}")))?;
        self.require_scope(actor, before.commune_id).await?;
        if reason.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "ghi lý do sửa (ví dụ: nhập nhầm điểm so với quyết định)".to_owned(),
            ));
        }
        let scale = ocop_scale()?;
        let (record, commune_code) = self
            .check_ocop(actor, &scale, &input)
            .await
            .map_err(|(_, err)| err)?;
        let mut tx = self.store().begin().await?;
        let written =
            tx.update_ocop_product(id, version, &record)
                .await
                .map_err(|err| match err {
                    mtqg_store::StoreError::Conflict { .. } => {
                        ServiceError::Invalid(format!("mã sản phẩm {} đã có", record.code))
                    }
                    other => other.into(),
                })?;
        if !written {
            return Err(ServiceError::stale(&format!(
                "sản phẩm OCOP {}",
                before.code
            )));
        }
        let snapshot = |product: &OcopRecord, commune: Option<String>| {
            serde_json::json!({
                "code": product.code, "name": product.name, "owner": product.owner,
                "commune": commune, "group": product.product_group, "stars": product.stars,
                "scores": [product.score_a, product.score_b, product.score_c],
                "decision": product.decision, "decided_on": product.decided_on,
            })
        };
        let atlas = self.atlas().await?;
        let mut entry = actor.audit("ocop.correct", "ocop_product", id.to_string());
        entry.before = Some(snapshot(
            &before,
            atlas
                .stored(before.commune_id)
                .map(|unit| unit.code.clone()),
        ));
        entry.after = Some(snapshot(&record, Some(commune_code)));
        entry.reason = Some(reason.trim().to_owned());
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(record.stars as u8)
    }

    async fn check_ocop(
        &self,
        actor: &Actor,
        scale: &OcopScale,
        input: &OcopInput,
    ) -> Result<(OcopRecord, String), (&'static str, ServiceError)> {
        let stars = scale
            .stars(input.score_a, input.score_b, input.score_c)
            .map_err(|message| ("Điểm", ServiceError::Invalid(message)))?
            .ok_or_else(|| {
                (
                    "Điểm",
                    ServiceError::Invalid(format!(
                        "tổng điểm {} dưới mức 3 sao: sản phẩm không được công nhận OCOP",
                        input.score_a + input.score_b + input.score_c
                    )),
                )
            })?;
        if !scale
            .groups
            .iter()
            .any(|group| group.code == input.product_group)
        {
            return Err((
                "Nhóm",
                ServiceError::Invalid(format!(
                    "nhóm sản phẩm \"{}\" không có trong {} (các nhóm: {})",
                    input.product_group,
                    scale.legal_basis,
                    scale
                        .groups
                        .iter()
                        .map(|group| group.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            ));
        }
        for (column, field, value) in [
            ("Mã sản phẩm", "mã sản phẩm", &input.code),
            ("Tên sản phẩm", "tên sản phẩm", &input.name),
            ("Chủ thể", "chủ thể", &input.owner),
            ("Số quyết định", "quyết định", &input.decision),
        ] {
            if value.trim().is_empty() {
                return Err((column, ServiceError::Invalid(format!("thiếu {field}"))));
            }
        }
        let commune = self
            .unit_at(actor, &input.commune_code, input.decided_on)
            .await
            .map_err(|err| ("Mã xã", err))?;
        Ok((
            OcopRecord {
                id: 0,
                code: input.code.trim().to_owned(),
                name: input.name.trim().to_owned(),
                owner: input.owner.trim().to_owned(),
                commune_id: commune.id,
                product_group: input.product_group.clone(),
                score_a: input.score_a,
                score_b: input.score_b,
                score_c: input.score_c,
                stars: i64::from(stars),
                decision: input.decision.trim().to_owned(),
                decided_on: input.decided_on,
                version: 0,
            },
            commune.code,
        ))
    }

    /// Imports OCOP products from a CSV or XLSX list (one product per row; headers in `OcopRowParser`): every row is
    /// checked as the form checks it, codes already registered or repeated in the file are refused, every problem is
    /// reported with its row and column, and the products are written in one transaction only when all pass (never
    /// in a dry run). One audit entry counts them.
    pub async fn import_ocop(
        &self,
        actor: &Actor,
        file_name: &str,
        source: TableSource,
        dry_run: bool,
    ) -> Result<OcopImport, ServiceError> {
        actor.require(Permission::RecordAssessment)?;
        let scale = ocop_scale()?;
        let mut parser: Option<OcopRowParser> = None;
        let mut problems: Vec<RowProblem> = Vec::new();
        let mut n_rows = 0;
        let visit = |event: TableEvent<'_>| match event {
            TableEvent::Head(head) => match OcopRowParser::new(&head.headers) {
                Ok(found) => parser = Some(found),
                Err(found) => problems.extend(found),
            },
            TableEvent::Row(row, cells) => {
                if let Some(parser) = parser.as_mut() {
                    if cells.iter().any(|cell| !cell.trim().is_empty()) {
                        n_rows += 1;
                    }
                    parser.push(row, cells);
                }
            }
        };
        let res = match source {
            TableSource::Csv(reader) => mtqg_xlsx::read_csv(reader, visit),
            TableSource::Xlsx(bytes) => {
                mtqg_xlsx::read_xlsx(std::io::Cursor::new(bytes), None, visit)
            }
        };
        if let Err(err) = res {
            return Err(ServiceError::Invalid(format!("{file_name}: {err}")));
        }
        let rows = match parser {
            Some(parser) => {
                let (rows, found) = parser.finish();
                problems.extend(found);
                rows
            }
            None => Vec::new(),
        };
        let registered: HashSet<String> = self
            .store()
            // Every product ever registered (dates are stored as text: a real far date, not `NaiveDate::MAX`).
            .ocop_products(
                NaiveDate::from_ymd_opt(9999, 12, 31).expect("valid date"),
                None,
            )
            .await?
            .into_iter()
            .map(|product| product.code)
            .collect();
        let mut records = Vec::with_capacity(rows.len());
        for row in &rows {
            if registered.contains(&row.code) {
                problems.push(RowProblem::new(
                    row.row,
                    Some("Mã sản phẩm"),
                    format!("mã sản phẩm {} đã có trong danh sách", row.code),
                ));
                continue;
            }
            let input = OcopInput {
                code: row.code.clone(),
                name: row.name.clone(),
                owner: row.owner.clone(),
                commune_code: row.commune_code.clone(),
                product_group: row.group.clone(),
                score_a: row.scores[0],
                score_b: row.scores[1],
                score_c: row.scores[2],
                decision: row.decision.clone(),
                decided_on: row.decided_on,
            };
            match self.check_ocop(actor, &scale, &input).await {
                Ok((record, _)) => records.push(record),
                Err((column, ServiceError::Invalid(message))) => {
                    problems.push(RowProblem::new(row.row, Some(column), message))
                }
                Err((column, ServiceError::NotFound(what))) => problems.push(RowProblem::new(
                    row.row,
                    Some(column),
                    format!("không tìm thấy {what} vào ngày quyết định"),
                )),
                Err((column, ServiceError::Forbidden)) => problems.push(RowProblem::new(
                    row.row,
                    Some(column),
                    format!("xã {} ngoài phạm vi của bạn", row.commune_code),
                )),
                Err((_, other)) => return Err(other),
            }
        }
        problems.sort_by_key(|problem| problem.row);
        let mut report = OcopImport {
            file_name: file_name.to_owned(),
            n_rows,
            by_stars: BTreeMap::new(),
            ..OcopImport::default()
        };
        for record in &records {
            *report.by_stars.entry(record.stars as u8).or_default() += 1;
        }
        crate::keep_problems(
            &mut report.problems,
            &mut report.n_problems,
            &None,
            problems,
        );
        if report.n_problems > 0 || dry_run {
            return Ok(report);
        }
        let mut tx = self.store().begin().await?;
        for record in &records {
            tx.insert_ocop_product(record, actor.user_id).await?;
        }
        let mut entry = actor.audit("ocop.import", "import", file_name.to_owned());
        entry.after = Some(serde_json::json!({
            "products": records.len(),
            "by_stars": report.by_stars,
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        report.applied = true;
        Ok(report)
    }

    /// The roll-up of a unit (or the actor's scope, or the country) as of a date. See `Rollup` for each figure.
    pub async fn ntm_rollup(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        as_of: NaiveDate,
    ) -> Result<Rollup, ServiceError> {
        self.ntm_rollup_on(actor, unit_code, as_of, None).await
    }

    /// The roll-up as of `as_of`, with the xã of that date counted under the units of `rebase_to` (today's
    /// provinces, say): a unit of `rebase_to` gets every old xã whose lineage leads into it (`Atlas::carried_to`;
    /// a split xã counts wholly in its largest successor), and the breakdown is by its children of that date. Counts
    /// move through lineage; no status is inherited.
    pub async fn ntm_rollup_on(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        as_of: NaiveDate,
        rebase_to: Option<NaiveDate>,
    ) -> Result<Rollup, ServiceError> {
        actor.require(Permission::ReadCriteria)?;
        let started = std::time::Instant::now();
        let atlas = self.atlas().await?;
        let (root, xa) = match rebase_to {
            None => self.xa_under(actor, &atlas, unit_code, as_of).await?,
            Some(target) => {
                let root = self.scope_root(actor, unit_code, target).await?;
                let xa = atlas
                    .of_level(Level::Commune, as_of)
                    .into_iter()
                    .filter(|unit| unit.unit_type == "Xã")
                    .filter(|unit| {
                        atlas.carried_to(unit.id, target).is_some_and(|home| {
                            root.is_none_or(|root| atlas.chain_up(home, target).contains(&root))
                        })
                    })
                    .collect();
                (root, xa)
            }
        };
        // The units the breakdown is named by and the date they are seen on.
        let (child_day, home_of) = match rebase_to {
            Some(target) => (target, true),
            None => (as_of, false),
        };
        let year = as_of.year();
        // Every read the roll-up needs, at once (SQLite readers and PostgreSQL connections run side by side).
        let sets = self.store().criteria_sets().await?;
        let in_force = standard_set_on(&sets, as_of);
        let family_codes: Vec<String> = in_force
            .map(|record| family(&sets, &record.code).into_iter().collect())
            .unwrap_or_default();
        let store = self.store();
        // A unit's roll-up reads only the rows of its reach (its units of any date and those they were formed from:
        // every xã counted, every predecessor a merged xã looks back to); the country's reads everything.
        let reach = root.map(|root| atlas.reach(root));
        let reach = reach.as_deref();
        let (recognition_records, results, registrations, local, products) = tokio::try_join!(
            store.recognitions(as_of, reach),
            store.assessment_results(year - 1, year, &family_codes, reach),
            store.registrations(year, reach),
            store.local_recognitions(as_of, reach),
            store.ocop_products(as_of, reach),
        )?;
        let mut recognitions: HashMap<i64, Vec<Recognition>> = HashMap::new();
        for record in recognition_records {
            recognitions
                .entry(record.unit_id)
                .or_default()
                .push(to_recognition(&record));
        }
        let mut by_status: BTreeMap<Status, usize> = [
            Status::NotMet,
            Status::Standard,
            Status::Advanced,
            Status::Model,
            Status::Modern,
        ]
        .into_iter()
        .map(|status| (status, 0))
        .collect();
        // Each xã's status, in the order of `xa`.
        let statuses: Vec<Status> = xa
            .iter()
            .map(|unit| {
                lifecycle::recognised_status(
                    recognitions
                        .get(&unit.id)
                        .map(Vec::as_slice)
                        .unwrap_or_default(),
                    as_of,
                )
            })
            .collect();
        for status in &statuses {
            *by_status.entry(*status).or_default() += 1;
        }

        let mut rollup = Rollup {
            as_of,
            n_xa: xa.len(),
            by_status: by_status.into_iter().collect(),
            set_code: in_force.map(|set| set.code.clone()),
            n_assessed: 0,
            n_assessed_met: 0,
            avg_criteria: None,
            below_15: None,
            per_criterion: Vec::new(),
            registered: Vec::new(),
            at_risk: Vec::new(),
            merged_awaiting: 0,
            local: Vec::new(),
            ocop: Vec::new(),
            children: Vec::new(),
        };
        // The breakdown by the unit directly under the root (the province for the country), found once per parent.
        let mut by_child: HashMap<i64, (usize, usize)> = HashMap::new();
        let mut child_of_parent: HashMap<Option<i64>, Option<i64>> = HashMap::new();
        for (unit, status) in xa.iter().zip(&statuses) {
            let child = if home_of {
                let chain = atlas
                    .carried_to(unit.id, child_day)
                    .map(|home| atlas.chain_up(home, child_day))
                    .unwrap_or_default();
                match root {
                    Some(root) => chain
                        .iter()
                        .position(|id| *id == root)
                        .and_then(|at| at.checked_sub(1))
                        .map(|at| chain[at]),
                    None => chain.last().copied(),
                }
            } else {
                *child_of_parent.entry(unit.parent_id).or_insert_with(|| {
                    let chain = atlas.chain_up(unit.id, as_of);
                    match root {
                        Some(root) => chain
                            .iter()
                            .position(|id| *id == root)
                            .and_then(|at| at.checked_sub(1))
                            .map(|at| chain[at]),
                        None => chain.last().copied(),
                    }
                })
            };
            // Xã directly under the root are their own child: not shared through the parent.
            let child = if !home_of && root.is_some() && unit.parent_id == root {
                Some(unit.id)
            } else {
                child
            };
            if let Some(child) = child {
                let entry = by_child.entry(child).or_default();
                entry.0 += 1;
                if *status >= Status::Standard {
                    entry.1 += 1;
                }
            }
        }
        rollup.children = by_child
            .into_iter()
            .filter_map(|(id, (n_xa, recognised))| {
                let unit = atlas.unit(id, child_day)?;
                Some(ChildShare {
                    code: unit.code,
                    name: unit.name,
                    n_xa,
                    recognised,
                })
            })
            .collect();
        rollup.children.sort_by(|a, b| {
            b.share()
                .partial_cmp(&a.share())
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| a.code.cmp(&b.code))
        });
        let latest = latest_by_unit(results);
        if let Some(record) = in_force {
            let set = CriteriaSet::from_toml(&record.source)
                .map_err(|problems| ServiceError::Invalid(problems.join("; ")))?;
            let assessed: Vec<&AssessmentResult> =
                xa.iter().filter_map(|unit| latest.get(&unit.id)).collect();
            rollup.n_assessed = assessed.len();
            rollup.n_assessed_met = assessed
                .iter()
                .filter(|result| result.n_met == result.n_criteria)
                .count();
            rollup.avg_criteria = (!assessed.is_empty()).then(|| {
                assessed.iter().map(|result| result.n_met).sum::<i64>() as f64
                    / assessed.len() as f64
            });
            rollup.below_15 = (set.criteria.len() == 19)
                .then(|| assessed.iter().filter(|result| result.n_met < 15).count());
            let mut met_counts: HashMap<&str, usize> = HashMap::new();
            for result in &assessed {
                for code in result
                    .met_criteria
                    .split(',')
                    .filter(|code| !code.is_empty())
                {
                    *met_counts.entry(code).or_default() += 1;
                }
            }
            rollup.per_criterion = set
                .criteria
                .iter()
                .map(|criterion| CriterionShare {
                    code: criterion.code.clone(),
                    name: criterion.name.clone(),
                    n_met: met_counts
                        .get(criterion.code.as_str())
                        .copied()
                        .unwrap_or_default(),
                })
                .collect();
            let in_force = SetInForce {
                code: &set.code,
                tier: set.tier,
                catch_up_until: set.catch_up_until,
            };
            let family = family(&sets, &set.code);
            for unit in &xa {
                let Some(held) = recognitions.get(&unit.id) else {
                    continue;
                };
                // Recognitions under a provincial specialisation count as under the national set.
                if !held
                    .iter()
                    .any(|r| r.tier == set.tier && !family.contains(&r.set_code))
                {
                    continue;
                }
                let held = as_national(held, &family, &set.code);
                let result = latest
                    .get(&unit.id)
                    .map(|result| latest_result(result.year, result.n_met, result.n_criteria));
                if let Some(risk) = lifecycle::at_risk(&held, as_of, in_force, result) {
                    rollup.at_risk.push(AtRiskCommune {
                        code: unit.code.clone(),
                        name: unit.name.clone(),
                        risk,
                    });
                }
            }
            rollup
                .at_risk
                .sort_by(|a, b| (a.risk.deadline, &a.code).cmp(&(b.risk.deadline, &b.code)));
        }

        let in_scope: HashSet<i64> = xa.iter().map(|unit| unit.id).collect();
        let decided_in_year: std::collections::BTreeSet<Tier> = recognitions
            .values()
            .flatten()
            .filter(|recognition| recognition.decided_on.year() == year)
            .map(|recognition| recognition.tier)
            .collect();
        for tier in [Tier::Standard, Tier::Advanced, Tier::Model, Tier::Modern] {
            // Nothing registered for the tier and nothing at or above it decided in the year: nothing to count.
            if !registrations.iter().any(|r| r.tier == tier_key(tier))
                && !decided_in_year.iter().any(|decided| *decided >= tier)
            {
                continue;
            }
            let registered: HashSet<i64> = registrations
                .iter()
                .filter(|registration| registration.tier == tier_key(tier))
                .map(|registration| registration.unit_id)
                .filter(|id| in_scope.contains(id))
                .collect();
            let counts = lifecycle::registered_vs_achieved(
                xa.iter().map(|unit| {
                    (
                        registered.contains(&unit.id),
                        recognitions
                            .get(&unit.id)
                            .map(Vec::as_slice)
                            .unwrap_or_default(),
                    )
                }),
                tier,
                year,
            );
            if counts != RegisteredVsAchieved::default() {
                rollup.registered.push((tier, counts));
            }
        }

        // Merged xã: no recognition of their own, predecessors recognised the day before the arrangement.
        let mut predecessors: HashMap<i64, Vec<(i64, NaiveDate)>> = HashMap::new();
        for edge in atlas.lineage() {
            if in_scope.contains(&edge.to.0) {
                predecessors
                    .entry(edge.to.0)
                    .or_default()
                    .push((edge.from.0, edge.date));
            }
        }
        rollup.merged_awaiting = xa
            .iter()
            .filter(|unit| {
                lifecycle::recognised_status(
                    recognitions
                        .get(&unit.id)
                        .map(Vec::as_slice)
                        .unwrap_or_default(),
                    as_of,
                ) == Status::NotMet
            })
            .filter(|unit| {
                predecessors.get(&unit.id).is_some_and(|before| {
                    before.iter().any(|(from, date)| {
                        let day_before = date.pred_opt().unwrap_or(*date);
                        recognitions.get(from).is_some_and(|held| {
                            lifecycle::recognised_status(held, day_before) >= Status::Standard
                        })
                    })
                })
            })
            .count();

        let communes: HashSet<i64> = in_scope;
        rollup.local = LOCAL_KINDS
            .iter()
            .map(|(kind, label)| {
                let of_kind = local
                    .iter()
                    .filter(|r| r.kind == *kind && communes.contains(&r.commune_id));
                let total = of_kind.clone().count();
                let this_year = of_kind.filter(|r| r.decided_on.year() == year).count();
                ((*kind).to_owned(), (*label).to_owned(), total, this_year)
            })
            .collect();
        let mut ocop: BTreeMap<i64, (usize, usize)> = BTreeMap::new();
        let within = |id: i64| match root {
            Some(root) => atlas.is_within(root, id),
            None => true,
        };
        for product in products.iter().filter(|product| within(product.commune_id)) {
            let entry = ocop.entry(product.stars).or_default();
            entry.0 += 1;
            if product.decided_on.year() == year {
                entry.1 += 1;
            }
        }
        rollup.ocop = ocop
            .into_iter()
            .map(|(stars, (total, this_year))| (stars, total, this_year))
            .collect();
        tracing::debug!(
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            n_xa = rollup.n_xa,
            "new-rural roll-up"
        );
        Ok(rollup)
    }

    /// A xã's standing as of a date: recognitions (with revocations), assessments, predecessors if it was formed by
    /// an arrangement, and whether it is at risk.
    pub async fn ntm_scorecard(
        &self,
        actor: &Actor,
        code: &str,
        as_of: NaiveDate,
    ) -> Result<Scorecard, ServiceError> {
        actor.require(Permission::ReadCriteria)?;
        let unit = self.xa_at(actor, code, as_of).await?;
        let atlas = self.atlas().await?;
        let recognitions = self.store().recognitions_of(&[unit.id]).await?;
        let held: Vec<Recognition> = recognitions.iter().map(to_recognition).collect();
        let status = lifecycle::recognised_status(&held, as_of);
        let assessments = self.store().assessments_of(unit.id).await?;
        let evidence = self
            .store()
            .evidence_of(&assessments.iter().map(|a| a.id).collect::<Vec<_>>())
            .await?;
        let predecessor_edges: Vec<_> = atlas
            .lineage()
            .iter()
            .filter(|edge| edge.to.0 == unit.id)
            .collect();
        let predecessor_ids: Vec<i64> = predecessor_edges.iter().map(|edge| edge.from.0).collect();
        let before = self.store().recognitions_of(&predecessor_ids).await?;
        let predecessors = predecessor_edges
            .iter()
            .filter_map(|edge| {
                let day_before = edge.date.pred_opt()?;
                let old = atlas.unit(edge.from.0, day_before)?;
                let held: Vec<Recognition> = before
                    .iter()
                    .filter(|record| record.unit_id == edge.from.0)
                    .map(to_recognition)
                    .collect();
                Some(Predecessor {
                    code: old.code,
                    name: old.name,
                    status: lifecycle::recognised_status(&held, day_before),
                })
            })
            .collect();
        let sets = self.store().criteria_sets().await?;
        let at_risk = match standard_set_on(&sets, as_of) {
            Some(record) => {
                let set = CriteriaSet::from_toml(&record.source)
                    .map_err(|problems| ServiceError::Invalid(problems.join("; ")))?;
                let family = family(&sets, &set.code);
                let latest = assessments
                    .iter()
                    .filter(|a| family.contains(&a.set_code) && a.year <= i64::from(as_of.year()))
                    .max_by_key(|a| (a.year, stage_rank(&a.stage), a.id))
                    .map(|a| latest_result(a.year, a.n_met, a.n_criteria));
                let held = as_national(&held, &family, &set.code);
                lifecycle::at_risk(
                    &held,
                    as_of,
                    SetInForce {
                        code: &set.code,
                        tier: set.tier,
                        catch_up_until: set.catch_up_until,
                    },
                    latest,
                )
            }
            None => None,
        };
        let villages = atlas.children(unit.id, as_of);
        let village_ids: Vec<i64> = villages.iter().map(|village| village.id).collect();
        let mut village_assessments = self.store().assessments_of_units(&village_ids).await?;
        village_assessments.sort_by_key(|a| {
            (
                a.unit_id,
                std::cmp::Reverse((a.year, stage_rank(&a.stage), a.id)),
            )
        });
        let villages = villages
            .into_iter()
            .map(|village| VillageStanding {
                latest: village_assessments
                    .iter()
                    .find(|a| a.unit_id == village.id)
                    .cloned(),
                code: village.code,
                name: village.name,
            })
            .collect();
        Ok(Scorecard {
            code: unit.code,
            name: unit.name,
            status,
            recognitions,
            assessments,
            evidence,
            predecessors,
            at_risk,
            villages,
        })
    }
}

/// One xã's row of the province matrix.
#[derive(Debug, Clone)]
pub struct MatrixRow {
    pub code: String,
    pub name: String,
    pub status: Status,
    /// The assessment the row shows: (year, stage, criteria met); `None` when not assessed.
    pub assessed: Option<(i64, String, i64)>,
    /// Per criterion of the set, in its order: met?
    pub met: Vec<bool>,
}

/// Xã × criteria of the set in force on a date, from each xã's latest assessment (as in the roll-up).
#[derive(Debug, Clone)]
pub struct Matrix {
    pub as_of: NaiveDate,
    pub set_code: Option<String>,
    /// (code, name) of each criterion.
    pub criteria: Vec<(String, String)>,
    pub rows: Vec<MatrixRow>,
}

impl Service {
    /// The matrix of xã × criteria under a unit (or the actor's scope) as of a date.
    pub async fn ntm_matrix(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        as_of: NaiveDate,
    ) -> Result<Matrix, ServiceError> {
        actor.require(Permission::ReadCriteria)?;
        let atlas = self.atlas().await?;
        let (_, mut xa) = self.xa_under(actor, &atlas, unit_code, as_of).await?;
        xa.sort_by(|a, b| {
            a.parent_name
                .cmp(&b.parent_name)
                .then_with(|| mtqg_core::vi::compare(&a.name, &b.name))
        });
        let ids: Vec<i64> = xa.iter().map(|unit| unit.id).collect();
        let mut held: HashMap<i64, Vec<Recognition>> = HashMap::new();
        for record in self.store().recognitions_of(&ids).await? {
            held.entry(record.unit_id)
                .or_default()
                .push(to_recognition(&record));
        }
        let sets = self.store().criteria_sets().await?;
        let Some(record) = standard_set_on(&sets, as_of) else {
            return Ok(Matrix {
                as_of,
                set_code: None,
                criteria: Vec::new(),
                rows: Vec::new(),
            });
        };
        let set = CriteriaSet::from_toml(&record.source)
            .map_err(|problems| ServiceError::Invalid(problems.join("; ")))?;
        let codes: Vec<String> = family(&sets, &set.code).into_iter().collect();
        let latest = latest_by_unit(
            self.store()
                .assessment_results(as_of.year() - 1, as_of.year(), &codes, Some(&ids))
                .await?,
        );
        let rows = xa
            .iter()
            .map(|unit| {
                let result = latest.get(&unit.id);
                let met_codes: HashSet<&str> = result
                    .map(|r| r.met_criteria.split(',').collect())
                    .unwrap_or_default();
                MatrixRow {
                    code: unit.code.clone(),
                    name: unit.name.clone(),
                    status: lifecycle::recognised_status(
                        held.get(&unit.id).map(Vec::as_slice).unwrap_or_default(),
                        as_of,
                    ),
                    assessed: result.map(|r| (r.year, r.stage.clone(), r.n_met)),
                    met: set
                        .criteria
                        .iter()
                        .map(|criterion| met_codes.contains(criterion.code.as_str()))
                        .collect(),
                }
            })
            .collect();
        Ok(Matrix {
            as_of,
            set_code: Some(set.code.clone()),
            criteria: set
                .criteria
                .iter()
                .map(|criterion| (criterion.code.clone(), criterion.name.clone()))
                .collect(),
            rows,
        })
    }
}

/// The at-risk list as an XLSX sheet: one row per xã, nearest deadline first (a country's list runs to thousands).
pub fn at_risk_xlsx(at_risk: &[AtRiskCommune]) -> Result<Vec<u8>, ServiceError> {
    use mtqg_xlsx::{Cell, SheetData};
    let text = |value: String| Cell::Text(value);
    let rows = at_risk
        .iter()
        .map(|commune| {
            let risk = &commune.risk;
            vec![
                text(commune.code.clone()),
                text(commune.name.clone()),
                text(risk.recognised_under.clone()),
                text(mtqg_core::vi::format_date(risk.recognised_on)),
                text(risk.must_meet.clone()),
                text(
                    risk.deadline
                        .map(mtqg_core::vi::format_date)
                        .unwrap_or_default(),
                ),
                text(if risk.overdue { "quá hạn" } else { "" }.to_owned()),
                text(
                    risk.latest
                        .map(|latest| {
                            format!(
                                "{}/{} tiêu chí (năm {})",
                                latest.n_met, latest.n_criteria, latest.year
                            )
                        })
                        .unwrap_or_else(|| "chưa đánh giá theo bộ mới".to_owned()),
                ),
            ]
        })
        .collect();
    mtqg_xlsx::write_xlsx(&[SheetData {
        name: "Xã có nguy cơ".to_owned(),
        headers: [
            "Mã xã",
            "Tên xã",
            "Công nhận theo bộ",
            "Ngày công nhận",
            "Phải đáp ứng bộ",
            "Hạn",
            "Tình trạng hạn",
            "Kết quả gần nhất",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows,
    }])
    .map_err(|err| ServiceError::Other(anyhow::anyhow!(err)))
}

/// The matrix as an XLSX sheet: one row per xã, "x" under each criterion met.
pub fn matrix_xlsx(matrix: &Matrix) -> Result<Vec<u8>, ServiceError> {
    use mtqg_xlsx::{Cell, SheetData};
    let mut headers = vec![
        "Mã xã".to_owned(),
        "Tên xã".to_owned(),
        "Tình trạng công nhận".to_owned(),
        "Năm đánh giá".to_owned(),
        "Số tiêu chí đạt".to_owned(),
    ];
    headers.extend(
        matrix
            .criteria
            .iter()
            .map(|(code, name)| format!("TC {code}. {name}")),
    );
    let rows = matrix
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![
                Cell::Text(row.code.clone()),
                Cell::Text(row.name.clone()),
                Cell::Text(row.status.label().to_owned()),
                row.assessed
                    .as_ref()
                    .map(|(year, _, _)| Cell::Number(*year as f64))
                    .unwrap_or(Cell::Text(String::new())),
                row.assessed
                    .as_ref()
                    .map(|(_, _, n)| Cell::Number(*n as f64))
                    .unwrap_or(Cell::Text(String::new())),
            ];
            cells.extend(
                row.met
                    .iter()
                    .map(|met| Cell::Text(if *met { "x" } else { "" }.to_owned())),
            );
            cells
        })
        .collect();
    mtqg_xlsx::write_xlsx(&[SheetData {
        name: "Ma trận tiêu chí".to_owned(),
        headers,
        rows,
    }])
    .map_err(|err| ServiceError::Other(anyhow::anyhow!(err)))
}

/// Xã by recognised status at the end of one year (or on the date asked about, for its own year).
#[derive(Debug, Clone)]
pub struct TrendPoint {
    pub date: NaiveDate,
    pub n_xa: usize,
    /// At least standard, at least advanced, at least model.
    pub standard_or_above: usize,
    pub advanced_or_above: usize,
    pub model_or_above: usize,
}

impl Service {
    /// Year-on-year counts of xã by recognised status under a unit, from `first_year` to `as_of`'s year (ending on
    /// `as_of`), each on the geography of its date.
    pub async fn ntm_trend(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        first_year: i32,
        as_of: NaiveDate,
    ) -> Result<Vec<TrendPoint>, ServiceError> {
        actor.require(Permission::ReadCriteria)?;
        let atlas = self.atlas().await?;
        let root_code = match (unit_code, actor.scope_unit_id) {
            (Some(code), _) => Some(self.unit_at(actor, code, as_of).await?.code),
            (None, Some(scope)) => atlas.unit(scope, as_of).map(|unit| unit.code),
            (None, None) => None,
        };
        let mut recognitions: HashMap<i64, Vec<Recognition>> = HashMap::new();
        for record in self.store().recognitions(as_of, None).await? {
            recognitions
                .entry(record.unit_id)
                .or_default()
                .push(to_recognition(&record));
        }
        let mut points = Vec::new();
        for year in first_year..=as_of.year() {
            let date = NaiveDate::from_ymd_opt(year, 12, 31)
                .expect("31 December exists")
                .min(as_of);
            // The unit by its code on that date (a province code names the province of that time).
            let root = match &root_code {
                Some(code) => match atlas.unit_by_code(code, date) {
                    Some(unit) => Some(unit.id),
                    None => continue,
                },
                None => None,
            };
            let xa: Vec<i64> = match root {
                Some(root) => atlas.descendants(root, date, Some(Level::Commune)),
                None => atlas.of_level(Level::Commune, date),
            }
            .into_iter()
            .filter(|unit| unit.unit_type == "Xã")
            .map(|unit| unit.id)
            .collect();
            let mut point = TrendPoint {
                date,
                n_xa: xa.len(),
                standard_or_above: 0,
                advanced_or_above: 0,
                model_or_above: 0,
            };
            for id in &xa {
                let status = lifecycle::recognised_status(
                    recognitions.get(id).map(Vec::as_slice).unwrap_or_default(),
                    date,
                );
                point.standard_or_above += usize::from(status >= Status::Standard);
                point.advanced_or_above += usize::from(status >= Status::Advanced);
                point.model_or_above += usize::from(status >= Status::Model);
            }
            points.push(point);
        }
        Ok(points)
    }
}

/// The largest evidence file accepted.
pub const MAX_EVIDENCE_BYTES: usize = 10 * 1024 * 1024;

/// The content type of an accepted evidence file, from its name; `None` for kinds not accepted.
pub fn evidence_type(file_name: &str) -> Option<&'static str> {
    let extension = file_name.rsplit('.').next()?.to_ascii_lowercase();
    Some(match extension.as_str() {
        "pdf" => "application/pdf",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        _ => return None,
    })
}

/// An uploaded evidence file's bare name and content type, or why it is refused: a kind other than PDF, image,
/// Word or Excel, empty, or larger than 10 MB.
pub(crate) fn checked_upload(
    file_name: &str,
    content: &[u8],
) -> Result<(String, &'static str), ServiceError> {
    let name = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .trim();
    let content_type = evidence_type(name).ok_or_else(|| {
        ServiceError::Invalid(format!(
            "tệp {name}: chỉ nhận PDF, ảnh JPG/PNG, Word hoặc Excel"
        ))
    })?;
    if content.is_empty() {
        return Err(ServiceError::Invalid(format!("tệp {name} rỗng")));
    }
    if content.len() > MAX_EVIDENCE_BYTES {
        return Err(ServiceError::Invalid(format!(
            "tệp {name} lớn hơn 10 MB ({} byte)",
            mtqg_core::vi::format_int(content.len() as i64)
        )));
    }
    Ok((name.to_owned(), content_type))
}

impl Service {
    /// The assessment `id` if the actor may see its xã.
    async fn assessment_in_scope(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<mtqg_store::AssessmentRecord, ServiceError> {
        let assessment = self
            .store()
            .assessment(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("kết quả đánh giá số {id}")))?;
        if let Some(scope) = actor.scope_unit_id {
            if !self.atlas().await?.is_within(scope, assessment.unit_id) {
                return Err(ServiceError::Forbidden);
            }
        }
        Ok(assessment)
    }

    /// Attaches an evidence file (PDF, image, Word, Excel; at most 10 MB) to an assessment; audited (the file name and
    /// size, not the content).
    pub async fn attach_evidence(
        &self,
        actor: &Actor,
        assessment_id: i64,
        file_name: &str,
        content: Vec<u8>,
    ) -> Result<i64, ServiceError> {
        actor.require(Permission::RecordAssessment)?;
        let assessment = self.assessment_in_scope(actor, assessment_id).await?;
        let (name, content_type) = checked_upload(file_name, &content)?;
        let name = name.as_str();
        let size = content.len();
        let mut tx = self.store().begin().await?;
        let id = tx
            .insert_evidence(assessment_id, name, content_type, content, actor.user_id)
            .await?;
        let code = self
            .atlas()
            .await?
            .stored(assessment.unit_id)
            .map(|unit| unit.code.clone())
            .unwrap_or_default();
        let mut entry = actor.audit("ntm.evidence", "ntm_evidence_file", code);
        entry.after = Some(serde_json::json!({
            "id": id, "assessment": assessment_id, "file_name": name, "size": size,
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An evidence file, if the actor may see its xã.
    pub async fn evidence_file(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<mtqg_store::EvidenceFile, ServiceError> {
        actor.require(Permission::ReadCriteria)?;
        let file = self
            .store()
            .evidence_file(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("tệp minh chứng số {id}")))?;
        self.assessment_in_scope(actor, file.assessment_id).await?;
        Ok(file)
    }
}

/// The registries of a unit: OCOP products and village-level recognitions of its communes (every commune that
/// existed under it, any date), newest first, with the commune's name.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub ocop: Vec<(OcopRecord, String)>,
    pub local: Vec<(LocalRecognitionRecord, String)>,
}

impl Service {
    /// OCOP products and village-level recognitions under a unit (or the actor's scope, or the country).
    pub async fn ntm_registry(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        as_of: NaiveDate,
    ) -> Result<Registry, ServiceError> {
        actor.require(Permission::ReadCriteria)?;
        let atlas = self.atlas().await?;
        let root = self.scope_root(actor, unit_code, as_of).await?;
        let communes: Vec<i64> = match root {
            Some(root) => atlas.reach(root),
            None => atlas
                .of_level(Level::Commune, as_of)
                .into_iter()
                .map(|unit| unit.id)
                .collect(),
        };
        let name =
            |id: i64, on: NaiveDate| atlas.unit(id, on).map(|unit| unit.name).unwrap_or_default();
        let ocop = self
            .store()
            .ocop_products_of(&communes)
            .await?
            .into_iter()
            .filter(|product| product.decided_on <= as_of)
            .map(|product| {
                let commune = name(product.commune_id, product.decided_on);
                (product, commune)
            })
            .collect();
        let local = self
            .store()
            .local_recognitions_of(&communes)
            .await?
            .into_iter()
            .filter(|recognition| recognition.decided_on <= as_of)
            .map(|recognition| {
                let commune = name(recognition.commune_id, recognition.decided_on);
                (recognition, commune)
            })
            .collect();
        Ok(Registry { ocop, local })
    }
}

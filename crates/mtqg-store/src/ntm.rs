//! New-rural criteria sets in storage: the TOML source of each loaded set with the fields lists need.

use chrono::NaiveDate;

use crate::db::{args, parse_day, parse_int, unit_filter, Tx};
use crate::{Store, StoreError};

/// A stored criteria set.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CriteriaSetRecord {
    pub code: String,
    pub name: String,
    pub tier: String,
    pub level: String,
    pub province: Option<String>,
    pub parent_code: Option<String>,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub verify: bool,
    pub source: String,
}

/// A commune's assessment as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssessmentRecord {
    pub id: i64,
    pub unit_id: i64,
    pub year: i64,
    pub stage: String,
    pub set_code: String,
    pub region_key: String,
    pub flags: String,
    pub assessment_values: serde_json::Value,
    pub evidence: Option<serde_json::Value>,
    pub n_met: i64,
    pub n_criteria: i64,
    pub status: String,
}

/// An assessment to store.
#[derive(Debug, Clone)]
pub struct NewAssessment {
    pub unit_id: i64,
    pub year: i32,
    pub stage: String,
    pub set_code: String,
    pub region_key: String,
    pub flags: String,
    pub values: serde_json::Value,
    pub evidence: Option<serde_json::Value>,
    pub n_met: usize,
    pub n_criteria: usize,
    pub status: String,
    /// Codes of the criteria met, comma-separated.
    pub met_criteria: String,
}

const ASSESSMENT_COLUMNS: &str =
    "id, unit_id, year, stage, set_code, region_key, flags, assessment_values, evidence, \
     n_met, n_criteria, status";

impl Tx {
    /// Stores an assessment; returns its id.
    pub async fn insert_assessment(
        &mut self,
        assessment: &NewAssessment,
        created_by: Option<i64>,
    ) -> Result<i64, StoreError> {
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into ntm_assessments (unit_id, year, stage, set_code, region_key, flags, assessment_values, \
                 evidence, n_met, n_criteria, status, created_by, met_criteria) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id",
                args![
                    assessment.unit_id,
                    i64::from(assessment.year),
                    assessment.stage.as_str(),
                    assessment.set_code.as_str(),
                    assessment.region_key.as_str(),
                    assessment.flags.as_str(),
                    Some(assessment.values.clone()),
                    assessment.evidence.clone(),
                    assessment.n_met as i64,
                    assessment.n_criteria as i64,
                    assessment.status.as_str(),
                    created_by,
                    assessment.met_criteria.as_str()
                ],
            )
            .await?;
        Ok(id)
    }

    /// Records that a commune registered to reach a tier in a year.
    pub async fn insert_registration(
        &mut self,
        registration: &RegistrationRecord,
        created_by: Option<i64>,
    ) -> Result<i64, StoreError> {
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into ntm_registrations (unit_id, target_year, tier, registered_on, legal_basis, created_by) \
                 values ($1, $2, $3, $4, $5, $6) returning id",
                args![
                    registration.unit_id,
                    registration.target_year,
                    registration.tier.as_str(),
                    registration.registered_on,
                    registration.legal_basis.as_str(),
                    created_by
                ],
            )
            .await?;
        Ok(id)
    }

    /// Stores a recognition decision; returns its id.
    pub async fn insert_recognition(
        &mut self,
        recognition: &RecognitionRecord,
        created_by: Option<i64>,
    ) -> Result<i64, StoreError> {
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into ntm_recognitions (unit_id, tier, set_code, decision, decided_on, created_by) \
                 values ($1, $2, $3, $4, $5, $6) returning id",
                args![
                    recognition.unit_id,
                    recognition.tier.as_str(),
                    recognition.set_code.as_str(),
                    recognition.decision.as_str(),
                    recognition.decided_on,
                    created_by
                ],
            )
            .await?;
        Ok(id)
    }

    /// Records the revocation of a recognition not yet revoked; `false` when there was none to revoke.
    pub async fn revoke_recognition(
        &mut self,
        id: i64,
        revoked_on: NaiveDate,
        decision: &str,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn()
            .execute(
                "update ntm_recognitions set revoked_on = $1, revocation_decision = $2, revocation_reason = $3, \
                 updated_at = current_timestamp where id = $4 and revoked_on is null",
                args![revoked_on, decision, reason, id],
            )
            .await?;
        Ok(n == 1)
    }

    /// Stores a village-level recognition (thôn NTM, khu dân cư kiểu mẫu, vườn mẫu).
    pub async fn insert_local_recognition(
        &mut self,
        recognition: &LocalRecognitionRecord,
        created_by: Option<i64>,
    ) -> Result<i64, StoreError> {
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into ntm_local_recognitions (kind, commune_id, village_id, name, decision, decided_on, created_by) \
                 values ($1, $2, $3, $4, $5, $6, $7) returning id",
                args![
                    recognition.kind.as_str(),
                    recognition.commune_id,
                    recognition.village_id,
                    recognition.name.as_str(),
                    recognition.decision.as_str(),
                    recognition.decided_on,
                    created_by
                ],
            )
            .await?;
        Ok(id)
    }

    /// Writes a corrected village-level recognition if it is still at `version`; `false` when someone changed it since.
    pub async fn update_local_recognition(
        &mut self,
        id: i64,
        version: i64,
        recognition: &LocalRecognitionRecord,
    ) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .execute(
                "update ntm_local_recognitions set kind = $1, commune_id = $2, village_id = $3, name = $4, \
                 decision = $5, decided_on = $6, version = version + 1, updated_at = current_timestamp \
                 where id = $7 and version = $8",
                args![
                    recognition.kind.as_str(),
                    recognition.commune_id,
                    recognition.village_id,
                    recognition.name.as_str(),
                    recognition.decision.as_str(),
                    recognition.decided_on,
                    id,
                    version
                ],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Writes a corrected OCOP product if it is still at `version`; `false` when someone changed it since.
    pub async fn update_ocop_product(
        &mut self,
        id: i64,
        version: i64,
        product: &OcopRecord,
    ) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .execute(
                "update ocop_products set code = $1, name = $2, owner = $3, commune_id = $4, product_group = $5, \
                 score_a = $6, score_b = $7, score_c = $8, stars = $9, decision = $10, decided_on = $11, \
                 version = version + 1, updated_at = current_timestamp where id = $12 and version = $13",
                args![
                    product.code.as_str(),
                    product.name.as_str(),
                    product.owner.as_str(),
                    product.commune_id,
                    product.product_group.as_str(),
                    product.score_a,
                    product.score_b,
                    product.score_c,
                    product.stars,
                    product.decision.as_str(),
                    product.decided_on,
                    id,
                    version
                ],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Stores an OCOP product with its scores and star tier.
    pub async fn insert_ocop_product(
        &mut self,
        product: &OcopRecord,
        created_by: Option<i64>,
    ) -> Result<i64, StoreError> {
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into ocop_products (code, name, owner, commune_id, product_group, score_a, score_b, score_c, \
                 stars, decision, decided_on, created_by) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id",
                args![
                    product.code.as_str(),
                    product.name.as_str(),
                    product.owner.as_str(),
                    product.commune_id,
                    product.product_group.as_str(),
                    product.score_a,
                    product.score_b,
                    product.score_c,
                    product.stars,
                    product.decision.as_str(),
                    product.decided_on,
                    created_by
                ],
            )
            .await?;
        Ok(id)
    }

    /// Stores a validated set.
    pub async fn insert_criteria_set(
        &mut self,
        set: &CriteriaSetRecord,
        loaded_by: Option<i64>,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "insert into criteria_sets (code, name, tier, level, province, parent_code, valid_from, valid_to, verify, \
                 source, loaded_by) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                args![
                    set.code.as_str(),
                    set.name.as_str(),
                    set.tier.as_str(),
                    set.level.as_str(),
                    set.province.clone(),
                    set.parent_code.clone(),
                    set.valid_from,
                    set.valid_to,
                    set.verify,
                    set.source.as_str(),
                    loaded_by
                ],
            )
            .await?;
        Ok(())
    }
}

/// A registration to reach a tier in a year.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RegistrationRecord {
    pub unit_id: i64,
    pub target_year: i64,
    pub tier: String,
    pub registered_on: NaiveDate,
    pub legal_basis: String,
}

/// A recognition decision, with its revocation when there is one.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecognitionRecord {
    pub id: i64,
    pub unit_id: i64,
    pub tier: String,
    pub set_code: String,
    pub decision: String,
    pub decided_on: NaiveDate,
    pub revoked_on: Option<NaiveDate>,
    pub revocation_decision: Option<String>,
    pub revocation_reason: Option<String>,
}

/// A village-level recognition.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LocalRecognitionRecord {
    pub id: i64,
    pub kind: String,
    pub commune_id: i64,
    pub village_id: Option<i64>,
    pub name: String,
    pub decision: String,
    pub decided_on: NaiveDate,
    /// Bumped by each correction (optimistic concurrency); ignored when inserting.
    pub version: i64,
}

const LOCAL_COLUMNS: &str = "id, kind, commune_id, village_id, name, decision, decided_on, version";

/// An OCOP product.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OcopRecord {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub owner: String,
    pub commune_id: i64,
    pub product_group: String,
    pub score_a: i64,
    pub score_b: i64,
    pub score_c: i64,
    pub stars: i64,
    pub decision: String,
    pub decided_on: NaiveDate,
    /// Bumped by each correction (optimistic concurrency); ignored when inserting.
    pub version: i64,
}

const OCOP_COLUMNS: &str =
    "id, code, name, owner, commune_id, product_group, score_a, score_b, score_c, stars, \
     decision, decided_on, version";

/// What a roll-up needs of an assessment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssessmentResult {
    pub id: i64,
    pub unit_id: i64,
    pub year: i64,
    pub stage: String,
    pub set_code: String,
    pub n_met: i64,
    pub n_criteria: i64,
    pub met_criteria: String,
}

const RECOGNITION_COLUMNS: &str = "id, unit_id, tier, set_code, decision, decided_on, revoked_on, \
     revocation_decision, revocation_reason";

impl Store {
    /// Recognition decisions taken on or before `until`, of every commune (`None`; a few per xã: one packed read
    /// serves a national roll-up) or of some. The decision texts are left empty.
    pub async fn recognitions(
        &self,
        until: NaiveDate,
        unit_ids: Option<&[i64]>,
    ) -> Result<Vec<RecognitionRecord>, StoreError> {
        let rows = self
            .pool
            .conn()
            .fetch_packed(
                &[
                    "id",
                    "unit_id",
                    "tier",
                    "set_code",
                    "decided_on",
                    "revoked_on",
                ],
                &format!(
                    "ntm_recognitions where decided_on <= $1{}",
                    unit_filter("unit_id", unit_ids)
                ),
                args![until],
            )
            .await?;
        rows.rows()
            .map(|row| {
                Ok(RecognitionRecord {
                    id: parse_int(row[0])?,
                    unit_id: parse_int(row[1])?,
                    tier: row[2].to_owned(),
                    set_code: row[3].to_owned(),
                    decision: String::new(),
                    decided_on: parse_day(row[4])?,
                    revoked_on: (!row[5].is_empty())
                        .then(|| parse_day(row[5]))
                        .transpose()?,
                    revocation_decision: None,
                    revocation_reason: None,
                })
            })
            .collect()
    }

    /// The recognition decisions of some units, oldest first.
    pub async fn recognitions_of(
        &self,
        unit_ids: &[i64],
    ) -> Result<Vec<RecognitionRecord>, StoreError> {
        let mut res = Vec::new();
        for chunk in unit_ids.chunks(900) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            res.extend(
                self.pool
                    .conn()
                    .fetch_all::<RecognitionRecord>(
                        &format!(
                            "select {RECOGNITION_COLUMNS} from ntm_recognitions where unit_id in ({list}) \
                             order by decided_on, id"
                        ),
                        vec![],
                    )
                    .await?,
            );
        }
        Ok(res)
    }

    /// One recognition by id.
    pub async fn recognition(&self, id: i64) -> Result<Option<RecognitionRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_optional(
                &format!("select {RECOGNITION_COLUMNS} from ntm_recognitions where id = $1"),
                args![id],
            )
            .await
    }

    /// Registrations for a target year, of every xã (`None`) or of some.
    pub async fn registrations(
        &self,
        year: i32,
        unit_ids: Option<&[i64]>,
    ) -> Result<Vec<RegistrationRecord>, StoreError> {
        let rows = self
            .pool
            .conn()
            .fetch_packed(
                &[
                    "unit_id",
                    "target_year",
                    "tier",
                    "registered_on",
                    "legal_basis",
                ],
                &format!(
                    "ntm_registrations where target_year = $1{}",
                    unit_filter("unit_id", unit_ids)
                ),
                args![i64::from(year)],
            )
            .await?;
        rows.rows()
            .map(|row| {
                Ok(RegistrationRecord {
                    unit_id: parse_int(row[0])?,
                    target_year: parse_int(row[1])?,
                    tier: row[2].to_owned(),
                    registered_on: parse_day(row[3])?,
                    legal_basis: row[4].to_owned(),
                })
            })
            .collect()
    }

    /// Assessments for the years `from..=to` against the given sets, of every commune (`None`) or of some
    /// (packed): the roll-up keeps the latest of each.
    pub async fn assessment_results(
        &self,
        from: i32,
        to: i32,
        set_codes: &[String],
        unit_ids: Option<&[i64]>,
    ) -> Result<Vec<AssessmentResult>, StoreError> {
        if set_codes.is_empty() {
            return Ok(Vec::new());
        }
        let sets = set_codes
            .iter()
            .map(|code| format!("'{}'", code.replace('\'', "''")))
            .collect::<Vec<_>>()
            .join(",");
        let rows = self
            .pool
            .conn()
            .fetch_packed(
                &[
                    "id",
                    "unit_id",
                    "year",
                    "stage",
                    "set_code",
                    "n_met",
                    "n_criteria",
                    "met_criteria",
                ],
                &format!(
                    "ntm_assessments where year >= $1 and year <= $2 and set_code in ({sets}){}",
                    unit_filter("unit_id", unit_ids)
                ),
                args![i64::from(from), i64::from(to)],
            )
            .await?;
        rows.rows()
            .map(|row| {
                Ok(AssessmentResult {
                    id: parse_int(row[0])?,
                    unit_id: parse_int(row[1])?,
                    year: parse_int(row[2])?,
                    stage: row[3].to_owned(),
                    set_code: row[4].to_owned(),
                    n_met: parse_int(row[5])?,
                    n_criteria: parse_int(row[6])?,
                    met_criteria: row[7].to_owned(),
                })
            })
            .collect()
    }

    /// Village-level recognitions decided on or before `until`, in every commune (`None`) or some (packed: a
    /// national count reads many). Names and decisions are left empty.
    pub async fn local_recognitions(
        &self,
        until: NaiveDate,
        commune_ids: Option<&[i64]>,
    ) -> Result<Vec<LocalRecognitionRecord>, StoreError> {
        let rows = self
            .pool
            .conn()
            .fetch_packed(
                &["id", "kind", "commune_id", "village_id", "decided_on"],
                &format!(
                    "ntm_local_recognitions where decided_on <= $1{}",
                    unit_filter("commune_id", commune_ids)
                ),
                args![until],
            )
            .await?;
        rows.rows()
            .map(|row| {
                Ok(LocalRecognitionRecord {
                    id: parse_int(row[0])?,
                    kind: row[1].to_owned(),
                    commune_id: parse_int(row[2])?,
                    village_id: (!row[3].is_empty())
                        .then(|| parse_int(row[3]))
                        .transpose()?,
                    name: String::new(),
                    decision: String::new(),
                    decided_on: parse_day(row[4])?,
                    version: 0,
                })
            })
            .collect()
    }

    /// OCOP products recognised on or before `until`, in every commune (`None`) or some.
    pub async fn ocop_products(
        &self,
        until: NaiveDate,
        commune_ids: Option<&[i64]>,
    ) -> Result<Vec<OcopRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                &format!(
                    "select {OCOP_COLUMNS} from ocop_products where decided_on <= $1{} order by decided_on, id",
                    unit_filter("commune_id", commune_ids)
                ),
                args![until],
            )
            .await
    }

    /// The latest assessment of each of `unit_ids` for `year` (appraisal preferred over self-assessment).
    pub async fn latest_assessments(
        &self,
        unit_ids: &[i64],
        year: i32,
    ) -> Result<Vec<AssessmentRecord>, StoreError> {
        let mut res = Vec::new();
        for chunk in unit_ids.chunks(900) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let rows: Vec<AssessmentRecord> = self
                .pool
                .conn()
                .fetch_all(
                    &format!(
                        "select {ASSESSMENT_COLUMNS} from ntm_assessments where year = $1 and unit_id in ({list}) \
                         order by unit_id, case stage when 'tham_dinh' then 1 else 0 end desc, id desc"
                    ),
                    args![i64::from(year)],
                )
                .await?;
            let mut last_unit = None;
            for row in rows {
                if last_unit != Some(row.unit_id) {
                    last_unit = Some(row.unit_id);
                    res.push(row);
                }
            }
        }
        Ok(res)
    }

    /// Every assessment of a unit, newest first.
    pub async fn assessments_of(&self, unit_id: i64) -> Result<Vec<AssessmentRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                &format!("select {ASSESSMENT_COLUMNS} from ntm_assessments where unit_id = $1 order by year desc, id desc"),
                args![unit_id],
            )
            .await
    }

    /// The assessments of several units (a xã's villages), newest first within each unit.
    pub async fn assessments_of_units(
        &self,
        unit_ids: &[i64],
    ) -> Result<Vec<AssessmentRecord>, StoreError> {
        if unit_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = unit_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        self.pool
            .conn()
            .fetch_all(
                &format!(
                    "select {ASSESSMENT_COLUMNS} from ntm_assessments where unit_id in ({ids}) \
                     order by unit_id, year desc, id desc"
                ),
                vec![],
            )
            .await
    }

    /// Every stored set, by code.
    pub async fn criteria_sets(&self) -> Result<Vec<CriteriaSetRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select code, name, tier, level, province, parent_code, valid_from, valid_to, verify, source \
                 from criteria_sets order by code",
                vec![],
            )
            .await
    }
}

/// An evidence file's description (without its content).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvidenceRecord {
    pub id: i64,
    pub assessment_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

/// An evidence file with its content.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EvidenceFile {
    pub id: i64,
    pub assessment_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

impl Tx {
    /// Stores an evidence file; returns its id.
    pub async fn insert_evidence(
        &mut self,
        assessment_id: i64,
        file_name: &str,
        content_type: &str,
        content: Vec<u8>,
        created_by: Option<i64>,
    ) -> Result<i64, StoreError> {
        let size = content.len() as i64;
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into ntm_evidence_files (assessment_id, file_name, content_type, size, content, created_by) \
                 values ($1, $2, $3, $4, $5, $6) returning id",
                args![assessment_id, file_name, content_type, size, content, created_by],
            )
            .await?;
        Ok(id)
    }
}

impl Store {
    /// One assessment by id.
    pub async fn assessment(&self, id: i64) -> Result<Option<AssessmentRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_optional(
                &format!("select {ASSESSMENT_COLUMNS} from ntm_assessments where id = $1"),
                args![id],
            )
            .await
    }

    /// The evidence files of some assessments.
    pub async fn evidence_of(
        &self,
        assessment_ids: &[i64],
    ) -> Result<Vec<EvidenceRecord>, StoreError> {
        if assessment_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list = assessment_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        self.pool
            .conn()
            .fetch_all(
                &format!(
                    "select id, assessment_id, file_name, content_type, size from ntm_evidence_files \
                     where assessment_id in ({list}) order by id"
                ),
                vec![],
            )
            .await
    }

    /// One evidence file with its content.
    pub async fn evidence_file(&self, id: i64) -> Result<Option<EvidenceFile>, StoreError> {
        self.pool
            .conn()
            .fetch_optional(
                "select id, assessment_id, file_name, content_type, content from ntm_evidence_files where id = $1",
                args![id],
            )
            .await
    }
}

impl Store {
    /// One OCOP product by id.
    pub async fn ocop_product(&self, id: i64) -> Result<Option<OcopRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_optional(
                &format!("select {OCOP_COLUMNS} from ocop_products where id = $1"),
                args![id],
            )
            .await
    }

    /// One village-level recognition by id.
    pub async fn local_recognition(
        &self,
        id: i64,
    ) -> Result<Option<LocalRecognitionRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_optional(
                &format!("select {LOCAL_COLUMNS} from ntm_local_recognitions where id = $1"),
                args![id],
            )
            .await
    }

    /// The OCOP products of some communes, newest first.
    pub async fn ocop_products_of(
        &self,
        commune_ids: &[i64],
    ) -> Result<Vec<OcopRecord>, StoreError> {
        let mut res = Vec::new();
        for chunk in commune_ids.chunks(900) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            res.extend(
                self.pool
                    .conn()
                    .fetch_all::<OcopRecord>(
                        &format!(
                            "select {OCOP_COLUMNS} from ocop_products where commune_id in ({list})"
                        ),
                        vec![],
                    )
                    .await?,
            );
        }
        res.sort_by_key(|record| std::cmp::Reverse((record.decided_on, record.id)));
        Ok(res)
    }

    /// The village-level recognitions of some communes, newest first.
    pub async fn local_recognitions_of(
        &self,
        commune_ids: &[i64],
    ) -> Result<Vec<LocalRecognitionRecord>, StoreError> {
        let mut res = Vec::new();
        for chunk in commune_ids.chunks(900) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            res.extend(
                self.pool
                    .conn()
                    .fetch_all::<LocalRecognitionRecord>(
                        &format!(
                            "select {LOCAL_COLUMNS} from ntm_local_recognitions where commune_id in ({list})"
                        ),
                        vec![],
                    )
                    .await?,
            );
        }
        res.sort_by_key(|record| std::cmp::Reverse((record.decided_on, record.id)));
        Ok(res)
    }
}

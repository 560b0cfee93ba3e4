//! New-rural criteria sets in storage: the TOML source of each loaded set with the fields lists need.

use chrono::NaiveDate;

use crate::db::{args, Tx};
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
                 evidence, n_met, n_criteria, status, created_by) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id",
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

impl Store {
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

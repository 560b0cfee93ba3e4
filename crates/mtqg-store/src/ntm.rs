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

impl Tx {
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

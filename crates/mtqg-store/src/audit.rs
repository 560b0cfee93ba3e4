//! The append-only audit log: who changed what, when, with the state before and after.

use chrono::{DateTime, Utc};

use crate::db::{args, Tx};
use crate::{Store, StoreError};

/// One write to record. Personal data never goes in `before`/`after` beyond what the record itself holds.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub user_id: Option<i64>,
    /// The username, or "system" for the shipped data load.
    pub actor: String,
    /// A dotted verb: "units.import", "lineage.correct", "user.add".
    pub action: String,
    pub entity: String,
    pub entity_key: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
}

/// A stored audit entry.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_key: String,
    pub before_data: Option<serde_json::Value>,
    pub after_data: Option<serde_json::Value>,
    pub reason: Option<String>,
}

impl Tx {
    /// Appends an entry in the same transaction as the write it describes, so neither exists without the other.
    pub async fn append_audit(&mut self, entry: AuditEntry) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "insert into audit_log (at, user_id, actor, action, entity, entity_key, before_data, after_data, reason) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                args![
                    Utc::now(),
                    entry.user_id,
                    entry.actor,
                    entry.action,
                    entry.entity,
                    entry.entity_key,
                    entry.before,
                    entry.after,
                    entry.reason
                ],
            )
            .await?;
        Ok(())
    }
}

impl Store {
    /// The newest entries first, optionally only those of one entity key.
    pub async fn list_audit(
        &self,
        entity_key: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select id, at, actor, action, entity, entity_key, before_data, after_data, reason from audit_log \
                 where ($1 is null or entity_key = $1) order by id desc limit $2",
                args![entity_key.map(str::to_owned), limit],
            )
            .await
    }
}

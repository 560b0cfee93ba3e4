//! Accounts and server-side sessions. Passwords arrive already hashed; tokens arrive already hashed.

use chrono::{DateTime, Utc};

use crate::db::{args, Tx};
use crate::{Store, StoreError};

/// An account as stored, with the code of its scope unit.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub scope_unit_id: Option<i64>,
    pub scope_code: Option<String>,
    pub active: bool,
}

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub scope_unit_id: Option<i64>,
}

/// A live session and its user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRecord {
    pub session_id: i64,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    pub user_id: i64,
}

const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.password_hash, u.role, u.scope_unit_id, \
                            s.code as scope_code, u.active";

impl Tx {
    /// Creates an account; a taken username is a `Conflict` on `users_username_unique`.
    pub async fn insert_user(&mut self, user: &NewUser) -> Result<i64, StoreError> {
        let (id,) = self
            .conn()
            .fetch_one::<(i64,)>(
                "insert into users (username, display_name, password_hash, role, scope_unit_id) \
                 values ($1, $2, $3, $4, $5) returning id",
                args![
                    user.username.clone(),
                    user.display_name.clone(),
                    user.password_hash.clone(),
                    user.role.clone(),
                    user.scope_unit_id
                ],
            )
            .await?;
        Ok(id)
    }

    /// Records a session by the hash of its token.
    pub async fn insert_session(
        &mut self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "insert into sessions (token_hash, user_id, csrf_token, expires_at) values ($1, $2, $3, $4)",
                args![token_hash, user_id, csrf_token, expires_at],
            )
            .await?;
        Ok(())
    }

    /// Ends a session.
    pub async fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "delete from sessions where token_hash = $1",
                args![token_hash],
            )
            .await?;
        Ok(())
    }
}

impl Store {
    /// The account with this username, active or not.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!(
            "select {USER_COLUMNS} from users u left join units s on s.id = u.scope_unit_id where u.username = $1"
        );
        self.pool.conn().fetch_optional(&sql, args![username]).await
    }

    /// The account with this id.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!("select {USER_COLUMNS} from users u left join units s on s.id = u.scope_unit_id where u.id = $1");
        self.pool.conn().fetch_optional(&sql, args![id]).await
    }

    /// Every account, by username.
    pub async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let sql = format!("select {USER_COLUMNS} from users u left join units s on s.id = u.scope_unit_id order by u.username");
        self.pool.conn().fetch_all(&sql, vec![]).await
    }

    /// The session with this token hash, if it has not expired.
    pub async fn live_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_optional(
                "select id as session_id, csrf_token, expires_at, user_id from sessions \
                 where token_hash = $1 and expires_at > $2",
                args![token_hash, now],
            )
            .await
    }
}

//! Accounts, login with rate limiting, sessions with CSRF tokens, and the checks every use case makes.

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use mtqg_core::access::{Permission, Role};
use mtqg_store::{AuditEntry, NewUser, UserRecord};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{Service, ServiceError};

/// How long a session lasts without a new login.
const SESSION_HOURS: i64 = 12;
/// Failed logins allowed per username and client within the window before further attempts are refused.
const MAX_FAILURES: u32 = 5;
const FAILURE_WINDOW_MINUTES: i64 = 15;

/// The user a use case acts for: identity, role and scope.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The unit whose descendants the user covers; `None` is the whole country.
    pub scope_unit_id: Option<i64>,
    pub scope_code: Option<String>,
}

impl Actor {
    /// The actor for work the system does itself (the shipped data load, CLI administration on the server).
    pub fn system() -> Actor {
        Actor {
            user_id: None,
            username: "system".to_owned(),
            display_name: "Hệ thống".to_owned(),
            role: Role::Admin,
            scope_unit_id: None,
            scope_code: None,
        }
    }

    /// Refuses unless the role allows `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ServiceError> {
        match self.role.can(permission) {
            true => Ok(()),
            false => Err(ServiceError::Forbidden),
        }
    }

    pub(crate) fn audit(&self, action: &str, entity: &str, entity_key: String) -> AuditEntry {
        AuditEntry {
            user_id: self.user_id,
            actor: self.username.clone(),
            action: action.to_owned(),
            entity: entity.to_owned(),
            entity_key,
            before: None,
            after: None,
            reason: None,
        }
    }
}

/// A logged-in session as the web layer needs it.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub csrf_token: String,
}

/// A new session: the secret token for the cookie (never stored) and the CSRF token for forms.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// Counts failed logins in memory per (username, client). A restart forgets them, which is acceptable:
/// the limit is against online guessing, and Argon2id makes each guess slow anyway.
#[derive(Default)]
pub(crate) struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, DateTime<Utc>)>>,
}

impl LoginLimiter {
    fn check(&self, key: &str, now: DateTime<Utc>) -> Result<(), ServiceError> {
        let failures = self
            .failures
            .lock()
            .expect("login limiter lock is never poisoned: no panics while held");
        match failures.get(key) {
            Some((count, first))
                if *count >= MAX_FAILURES
                    && now - *first < Duration::minutes(FAILURE_WINDOW_MINUTES) =>
            {
                let minutes =
                    (Duration::minutes(FAILURE_WINDOW_MINUTES) - (now - *first)).num_minutes() + 1;
                Err(ServiceError::RateLimited { minutes })
            }
            _ => Ok(()),
        }
    }

    fn record_failure(&self, key: &str, now: DateTime<Utc>) {
        let mut failures = self
            .failures
            .lock()
            .expect("login limiter lock is never poisoned: no panics while held");
        let entry = failures.entry(key.to_owned()).or_insert((0, now));
        if now - entry.1 >= Duration::minutes(FAILURE_WINDOW_MINUTES) {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    fn clear(&self, key: &str) {
        self.failures
            .lock()
            .expect("login limiter lock is never poisoned: no panics while held")
            .remove(key);
    }
}

/// Hashes a password with Argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, ServiceError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| ServiceError::Other(anyhow::anyhow!("password hashing failed: {err}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn actor_of(user: &UserRecord) -> Result<Actor, ServiceError> {
    let role = Role::parse(&user.role).ok_or_else(|| {
        ServiceError::Other(anyhow::anyhow!(
            "unknown role {:?} for user {}",
            user.role,
            user.id
        ))
    })?;
    Ok(Actor {
        user_id: Some(user.id),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        role,
        scope_unit_id: user.scope_unit_id,
        scope_code: user.scope_code.clone(),
    })
}

/// A new account as an administrator enters it.
#[derive(Debug, Clone)]
pub struct UserInput {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    /// The code of the scope unit as of today; `None` for the whole country.
    pub scope_code: Option<String>,
}

impl Service {
    /// Checks a password and opens a session. Wrong username and wrong password give the same error.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: &str,
    ) -> Result<NewSession, ServiceError> {
        let now = Utc::now();
        let key = format!("{}|{client}", username.trim().to_lowercase());
        self.limiter.check(&key, now)?;
        let user = self.store.user_by_username(username.trim()).await?;
        let user = match user {
            Some(user) if user.active && verify_password(password, &user.password_hash) => user,
            _ => {
                self.limiter.record_failure(&key, now);
                return Err(ServiceError::Invalid(
                    "tên đăng nhập hoặc mật khẩu không đúng".to_owned(),
                ));
            }
        };
        self.limiter.clear(&key);
        let session = NewSession {
            token: random_token(),
            csrf_token: random_token(),
            expires_at: now + Duration::hours(SESSION_HOURS),
        };
        let mut tx = self.store.begin().await?;
        tx.insert_session(
            &token_hash(&session.token),
            user.id,
            &session.csrf_token,
            session.expires_at,
        )
        .await?;
        let actor = actor_of(&user)?;
        tx.append_audit(actor.audit("session.login", "user", user.username.clone()))
            .await?;
        tx.commit().await?;
        Ok(session)
    }

    /// The session behind a cookie token, if it is live and its user still active.
    pub async fn session(&self, token: &str) -> Result<Session, ServiceError> {
        let record = self
            .store
            .live_session(&token_hash(token), Utc::now())
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let user = self
            .store
            .user_by_id(record.user_id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        if !user.active {
            return Err(ServiceError::Unauthenticated);
        }
        Ok(Session {
            actor: actor_of(&user)?,
            csrf_token: record.csrf_token,
        })
    }

    /// Ends a session.
    pub async fn logout(&self, token: &str, actor: &Actor) -> Result<(), ServiceError> {
        let mut tx = self.store.begin().await?;
        tx.delete_session(&token_hash(token)).await?;
        tx.append_audit(actor.audit("session.logout", "user", actor.username.clone()))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates an account; only administrators may.
    pub async fn add_user(&self, actor: &Actor, input: UserInput) -> Result<i64, ServiceError> {
        actor.require(Permission::ManageUsers)?;
        let username = input.username.trim().to_owned();
        if username.is_empty()
            || !username
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ".-_".contains(ch))
        {
            return Err(ServiceError::Invalid(
                "tên đăng nhập chỉ gồm chữ không dấu, chữ số và . - _".to_owned(),
            ));
        }
        if input.password.chars().count() < 8 {
            return Err(ServiceError::Invalid(
                "mật khẩu phải có ít nhất 8 ký tự".to_owned(),
            ));
        }
        let scope_unit_id = match &input.scope_code {
            // A nationwide account only by a nationwide administrator: a scoped one cannot widen its own reach.
            None if actor.scope_unit_id.is_some() => {
                return Err(ServiceError::Invalid(
                    "tài khoản phải có phạm vi trong đơn vị của bạn; chỉ quản trị toàn quốc tạo tài khoản toàn quốc"
                        .to_owned(),
                ))
            }
            None => None,
            Some(code) => {
                let unit = self
                    .atlas()
                    .await?
                    .unit_by_code(code, Utc::now().date_naive())
                    .ok_or_else(|| {
                        ServiceError::Invalid(format!("không có đơn vị mã \"{code}\" vào hôm nay"))
                    })?;
                self.require_scope(actor, unit.id).await?;
                Some(unit.id)
            }
        };
        let new_user = NewUser {
            username: username.clone(),
            display_name: input.display_name.trim().to_owned(),
            password_hash: hash_password(&input.password)?,
            role: input.role.key().to_owned(),
            scope_unit_id,
        };
        let mut tx = self.store.begin().await?;
        let id = match tx.insert_user(&new_user).await {
            Ok(id) => id,
            Err(mtqg_store::StoreError::Conflict { .. }) => {
                return Err(ServiceError::Conflict {
                    message: format!("tên đăng nhập \"{username}\" đã được dùng"),
                })
            }
            Err(err) => return Err(err.into()),
        };
        let mut entry = actor.audit("user.add", "user", username);
        entry.after = Some(serde_json::json!({
            "role": new_user.role,
            "scope": input.scope_code,
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every account; only administrators may list them.
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<UserRecord>, ServiceError> {
        actor.require(Permission::ManageUsers)?;
        let users = self.store.list_users().await?;
        let Some(scope) = actor.scope_unit_id else {
            return Ok(users);
        };
        // A scoped administrator sees the accounts of its scope only.
        let atlas = self.atlas().await?;
        Ok(users
            .into_iter()
            .filter(|user| {
                user.scope_unit_id
                    .is_some_and(|unit| atlas.is_within(scope, unit))
            })
            .collect())
    }

    /// Refuses unless `unit_id` lies within the actor's scope.
    pub async fn require_scope(&self, actor: &Actor, unit_id: i64) -> Result<(), ServiceError> {
        match actor.scope_unit_id {
            None => Ok(()),
            Some(scope_id) if scope_id == unit_id => Ok(()),
            Some(scope_id) => match self.atlas().await?.is_within(scope_id, unit_id) {
                true => Ok(()),
                false => Err(ServiceError::Forbidden),
            },
        }
    }

    /// The audit log, newest first; only administrators may read it.
    pub async fn audit_log(
        &self,
        actor: &Actor,
        entity_key: Option<&str>,
        limit: i64,
    ) -> Result<Vec<mtqg_store::AuditRecord>, ServiceError> {
        actor.require(Permission::ReadAudit)?;
        let limit = limit.clamp(1, 1000);
        if actor.scope_unit_id.is_none() {
            return Ok(self.store.list_audit(entity_key, limit).await?);
        }
        // A scoped administrator reads what the accounts of its scope did (the system's own loads excluded), among the
        // latest 100,000 entries.
        let users: std::collections::HashSet<String> = self
            .list_users(actor)
            .await?
            .into_iter()
            .map(|user| user.username)
            .collect();
        let all = self.store.list_audit(entity_key, 100_000).await?;
        Ok(all
            .into_iter()
            .filter(|entry| users.contains(&entry.actor))
            .take(limit as usize)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hashed_with_argon2id_and_verified() {
        let hash = hash_password("mật khẩu dài").expect("hashing works");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("mật khẩu dài", &hash));
        assert!(!verify_password("mat khau dai", &hash));
    }

    #[test]
    fn the_limiter_refuses_after_five_failures_within_the_window() {
        let limiter = LoginLimiter::default();
        let now = Utc::now();
        for _ in 0..MAX_FAILURES {
            assert!(limiter.check("a|ip", now).is_ok());
            limiter.record_failure("a|ip", now);
        }
        assert!(matches!(
            limiter.check("a|ip", now),
            Err(ServiceError::RateLimited { .. })
        ));
        assert!(limiter.check("b|ip", now).is_ok());
        assert!(limiter
            .check("a|ip", now + Duration::minutes(FAILURE_WINDOW_MINUTES + 1))
            .is_ok());
    }
}

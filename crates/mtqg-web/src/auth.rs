//! Who is asking: the session cookie, CSRF checks, and uploads parked between preview and apply.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use mtqg_service::auth::Session;
use mtqg_service::geography::ImportOptions;
use mtqg_service::ServiceError;

use crate::error::AppError;
use crate::AppState;

/// The session cookie's name.
pub(crate) const COOKIE: &str = "mtqg_session";

/// An uploaded file kept in memory after its preview, until applied or expired (one hour).
pub(crate) struct PendingImport {
    pub(crate) user_id: Option<i64>,
    pub(crate) file_name: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) options: ImportOptions,
    pub(crate) created: DateTime<Utc>,
}

/// The logged-in user of a request, with the session's cookie token and CSRF token.
pub(crate) struct Authed {
    pub(crate) session: Session,
    pub(crate) token: String,
}

impl Authed {
    /// Refuses a state-changing request whose CSRF token does not match the session's.
    pub(crate) fn check_csrf(&self, submitted: &str) -> Result<(), AppError> {
        let expected = self.session.csrf_token.as_bytes();
        let submitted = submitted.as_bytes();
        // Compare in constant time so the token cannot be guessed byte by byte.
        let same = expected.len() == submitted.len()
            && expected
                .iter()
                .zip(submitted)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        match same {
            true => Ok(()),
            false => Err(AppError::Csrf),
        }
    }
}

/// The session token from the Cookie header.
pub(crate) fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The Set-Cookie value for a new session: HttpOnly, SameSite=Lax, path /; Secure when configured behind HTTPS.
pub(crate) fn session_cookie(token: &str, max_age_seconds: i64) -> String {
    let secure = match std::env::var("MTQG_COOKIE_SECURE") {
        Ok(value) if value == "1" || value == "true" => "; Secure",
        _ => "",
    };
    format!("{COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_seconds}{secure}")
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let api = parts.uri.path().starts_with("/api/");
        let token = cookie_token(&parts.headers).ok_or(AppError::Unauthenticated { api })?;
        match state.service.session(&token).await {
            Ok(session) => Ok(Authed { session, token }),
            Err(ServiceError::Unauthenticated) => Err(AppError::Unauthenticated { api }),
            Err(err) => Err(AppError::service(err, api)),
        }
    }
}

/// An uploaded file with the form's CSRF token and its "apply" box (unchecked: a dry run).
pub(crate) struct Upload {
    pub(crate) file_name: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) csrf: String,
    pub(crate) apply: bool,
    /// The form's other text fields.
    pub(crate) fields: std::collections::HashMap<String, String>,
}

/// Reads a multipart upload form with the fields `file`, `csrf_token` and `apply`; `default_name` names a file sent
/// without a name.
pub(crate) async fn read_upload(
    mut multipart: axum::extract::Multipart,
    default_name: &str,
) -> Result<Upload, crate::error::AppError> {
    let invalid = |message: String| crate::error::AppError::Invalid {
        api: false,
        message,
    };
    let (mut file, mut csrf, mut apply) = (None, String::new(), false);
    let mut fields = std::collections::HashMap::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|err| invalid(format!("Không đọc được tệp tải lên: {err}")))?
    {
        match field.name().unwrap_or_default() {
            "file" => {
                let name = field.file_name().unwrap_or(default_name).to_owned();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|err| invalid(format!("Không đọc được tệp: {err}")))?;
                file = Some((name, bytes.to_vec()));
            }
            "csrf_token" => csrf = field.text().await.unwrap_or_default(),
            "apply" => apply = field.text().await.unwrap_or_default() == "1",
            name => {
                let name = name.to_owned();
                fields.insert(name, field.text().await.unwrap_or_default());
            }
        }
    }
    let (file_name, bytes) = file
        .filter(|(_, bytes)| !bytes.is_empty())
        .ok_or_else(|| invalid("Chưa chọn tệp.".to_owned()))?;
    Ok(Upload {
        file_name,
        bytes,
        csrf,
        apply,
        fields,
    })
}

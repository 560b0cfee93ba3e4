//! One error type for every handler: the page or JSON the user sees, kept apart from the cause that is logged.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use mtqg_service::ServiceError;
use rand::Rng;

/// What a handler can fail with. `api` chooses JSON over an HTML page.
#[derive(Debug)]
pub(crate) enum AppError {
    Unauthenticated {
        api: bool,
    },
    Forbidden {
        api: bool,
    },
    NotFound {
        api: bool,
        message: String,
    },
    Invalid {
        api: bool,
        message: String,
    },
    /// The record changed or is frozen since the user read it (409).
    Conflict {
        api: bool,
        message: String,
    },
    RateLimited {
        api: bool,
        message: String,
    },
    Csrf,
    Internal {
        api: bool,
        cause: anyhow::Error,
    },
}

impl AppError {
    /// Maps a service error for a page (`api = false`) or the API.
    pub(crate) fn service(err: ServiceError, api: bool) -> AppError {
        match err {
            ServiceError::NotFound(what) => AppError::NotFound {
                api,
                message: format!("Không tìm thấy {what}."),
            },
            ServiceError::Forbidden => AppError::Forbidden { api },
            ServiceError::Unauthenticated => AppError::Unauthenticated { api },
            err @ ServiceError::RateLimited { .. } => AppError::RateLimited {
                api,
                message: err.to_string(),
            },
            err @ ServiceError::Conflict { .. } => AppError::Conflict {
                api,
                message: err.to_string(),
            },
            err
            @ (ServiceError::Invalid(_) | ServiceError::Import(_) | ServiceError::Fields(_)) => {
                AppError::Invalid {
                    api,
                    message: err.to_string(),
                }
            }
            ServiceError::Other(cause) => AppError::Internal { api, cause },
        }
    }

    pub(crate) fn internal(cause: impl Into<anyhow::Error>, api: bool) -> AppError {
        AppError::Internal {
            api,
            cause: cause.into(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, api, heading, message, request_id) = match self {
            AppError::Unauthenticated { api: false } => return Redirect::to("/login").into_response(),
            AppError::Unauthenticated { api: true } => {
                (StatusCode::UNAUTHORIZED, true, "Chưa đăng nhập", "Cần đăng nhập.".to_owned(), None)
            }
            AppError::Forbidden { api } => (
                StatusCode::FORBIDDEN,
                api,
                "Không có quyền truy cập",
                "Dữ liệu này nằm ngoài phạm vi hoặc vai trò của tài khoản.".to_owned(),
                None,
            ),
            AppError::NotFound { api, message } => (StatusCode::NOT_FOUND, api, "Không tìm thấy", message, None),
            AppError::Invalid { api, message } => (StatusCode::UNPROCESSABLE_ENTITY, api, "Dữ liệu không hợp lệ", message, None),
            AppError::Conflict { api, message } => (StatusCode::CONFLICT, api, "Xung đột dữ liệu", message, None),
            AppError::RateLimited { api, message } => (StatusCode::TOO_MANY_REQUESTS, api, "Tạm khóa đăng nhập", message, None),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                false,
                "Phiên biểu mẫu không hợp lệ",
                "Biểu mẫu đã hết hạn hoặc không đến từ trang của hệ thống. Hãy tải lại trang và thử lại.".to_owned(),
                None,
            ),
            AppError::Internal { api, cause } => {
                let request_id = format!("{:08x}", rand::thread_rng().gen::<u32>());
                tracing::error!(request.id = %request_id, error = format!("{cause:#}"), "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    api,
                    "Lỗi hệ thống",
                    "Đã có lỗi xảy ra. Vui lòng thử lại hoặc báo quản trị viên kèm mã yêu cầu.".to_owned(),
                    Some(request_id),
                )
            }
        };
        if api {
            let body = serde_json::json!({ "error": heading, "message": message, "request_id": request_id });
            return (status, axum::Json(body)).into_response();
        }
        // Rendered here without the layout's user menu (no session at hand); `with_user_menu` renders it again with
        // the menu when the request carries a valid session.
        let page = ErrorPage {
            heading,
            message,
            request_id,
        };
        let mut response = (status, Html(page.render(&bare_templates(), None))).into_response();
        response.extensions_mut().insert(page);
        response
    }
}

/// The content of an HTML error page, kept on the response so that the layout can be rendered around it.
#[derive(Debug, Clone)]
pub(crate) struct ErrorPage {
    heading: &'static str,
    message: String,
    request_id: Option<String>,
}

impl ErrorPage {
    /// The page, with the user menu and logout button when `user` is the logged-in user and their CSRF token.
    fn render(
        &self,
        templates: &minijinja::Environment<'_>,
        user: Option<(crate::views::UserView, &str)>,
    ) -> String {
        let (user, csrf_token) = match user {
            Some((user, csrf_token)) => (Some(user), csrf_token),
            None => (None, ""),
        };
        templates
            .get_template("error.html")
            .and_then(|template| {
                template.render(minijinja::context! {
                    heading => self.heading,
                    message => self.message,
                    request_id => self.request_id,
                    user,
                    csrf_token,
                })
            })
            .unwrap_or_else(|_| "Lỗi hệ thống".to_owned())
    }
}

/// The two templates of an error page without a session.
fn bare_templates() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    env.add_template("base.html", include_str!("../templates/base.html"))
        .expect("bundled template is valid");
    env.add_template("error.html", include_str!("../templates/error.html"))
        .expect("bundled template is valid");
    env
}

/// Renders an HTML error page again with the layout's menu and logout button when the request carries a valid
/// session: a user who hits a 403 or 404 keeps their way around. Other responses pass untouched.
pub(crate) async fn with_user_menu(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let token = crate::auth::cookie_token(request.headers());
    let response = next.run(request).await;
    let (Some(page), Some(token)) = (response.extensions().get::<ErrorPage>().cloned(), token)
    else {
        return response;
    };
    let Ok(session) = state.service.session(&token).await else {
        return response;
    };
    let html = page.render(
        &state.templates,
        Some((
            crate::views::UserView::new(&session.actor),
            &session.csrf_token,
        )),
    );
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(html))
}

/// The status a page shown again after a refused form answers with: 409 for a conflict, 404 for a record gone,
/// 422 for a mistake in what was typed.
pub(crate) fn refused_status(err: &ServiceError) -> StatusCode {
    match err {
        ServiceError::Conflict { .. } => StatusCode::CONFLICT,
        ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// Any path no route matches: a 404 page (JSON under /api/). Logged like a routed request (the route layer does not
/// see it), without the path, which may hold anything.
pub(crate) async fn not_found(method: axum::http::Method, uri: axum::http::Uri) -> AppError {
    tracing::info!(
        http.method = %method,
        http.route = "(không khớp)",
        http.status = 404,
        "request"
    );
    AppError::NotFound {
        api: uri.path().starts_with("/api/"),
        message: format!("Không có trang {}.", uri.path()),
    }
}

/// A `?date=` / `?as_of=` parameter as given (dd/mm/yyyy or yyyy-mm-dd), or today when absent.
pub(crate) fn date_param(text: &Option<String>, api: bool) -> Result<chrono::NaiveDate, AppError> {
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(chrono::Utc::now().date_naive()),
        Some(text) => mtqg_core::vi::parse_date(text).ok_or_else(|| AppError::Invalid {
            api,
            message: format!("Ngày \"{text}\" không hợp lệ; dùng dd/mm/yyyy hoặc yyyy-mm-dd."),
        }),
    }
}

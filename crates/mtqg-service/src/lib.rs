//! Use cases of mtqg, the one API both front ends (web and CLI) call. Every call takes the acting user and checks
//! role and scope before it reads or writes.
#![doc = include_str!("../README.md")]

pub mod auth;
pub mod catalogue;
pub mod demo;
pub mod direction;
pub mod geography;
pub mod groupings;
pub mod home;
pub mod money;
pub mod ntm;
pub mod poverty;
pub mod poverty_lists;
pub mod projects;
pub mod recognition;
pub mod report;
mod shipped;

use std::sync::Arc;

use mtqg_core::atlas::Atlas;
use mtqg_core::import::RowProblem;
use mtqg_store::{Store, StoreError};

pub use crate::auth::Actor;

/// At most this many problems are kept in an import report; the count of the rest is given.
pub(crate) const MAX_PROBLEMS: usize = 1000;

/// Adds problems to a report's bounded list, stamping the sheet, and counts all of them.
pub(crate) fn keep_problems(
    kept: &mut Vec<RowProblem>,
    n_problems: &mut usize,
    sheet: &Option<String>,
    problems: Vec<RowProblem>,
) {
    *n_problems += problems.len();
    let room = MAX_PROBLEMS.saturating_sub(kept.len());
    kept.extend(problems.into_iter().take(room).map(|mut problem| {
        problem.sheet = sheet.clone();
        problem
    }));
}

/// What a use case can fail with; the web layer maps each to a status, the CLI to a message.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("không tìm thấy {0}")]
    NotFound(String),
    #[error("bạn không có quyền thực hiện thao tác này")]
    Forbidden,
    #[error("chưa đăng nhập hoặc phiên làm việc đã hết hạn")]
    Unauthenticated,
    #[error("đăng nhập sai quá nhiều lần; vui lòng thử lại sau {minutes} phút")]
    RateLimited { minutes: i64 },
    #[error("{0}")]
    Invalid(String),
    #[error("{message}")]
    Conflict { message: String },
    #[error("tệp có {} lỗi; không có thay đổi nào được ghi", .0.len())]
    Import(Vec<RowProblem>),
    /// Fields of a form that are not valid, each with its key (so that a page shows the message next to it).
    #[error("{}", .0.iter().map(|problem| problem.message.as_str()).collect::<Vec<_>>().join("; "))]
    Fields(Vec<FieldProblem>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// A form field that is not valid: its key and the message, which names the field by its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub key: String,
    pub message: String,
}

impl ServiceError {
    /// The refusal of an edit made on a version someone else has changed since (optimistic concurrency): `what`
    /// names the record ("mục danh mục \"X\"", "quan hệ chuyển đổi số 7"); nothing was written.
    pub fn stale(what: &str) -> ServiceError {
        ServiceError::Conflict {
            message: format!(
                "{what} vừa được người khác sửa; hãy tải lại trang, thay đổi của bạn chưa được ghi"
            ),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> ServiceError {
        match err {
            StoreError::NotFound => ServiceError::NotFound("bản ghi".to_owned()),
            StoreError::Conflict { constraint } => ServiceError::Conflict {
                message: format!("dữ liệu trùng với bản ghi đã có ({constraint})"),
            },
            StoreError::Other(err) => ServiceError::Other(err),
        }
    }
}

/// An atlas with the geography revision it was built from.
type HeldAtlas = (i64, Arc<Atlas>);

/// The services over one store. Cheap to clone; shared by every request.
#[derive(Clone)]
pub struct Service {
    store: Store,
    limiter: Arc<auth::LoginLimiter>,
    /// The geography in memory with the revision it reflects; rebuilt when the store's revision moves on.
    atlas: Arc<tokio::sync::Mutex<Option<HeldAtlas>>>,
}

impl Service {
    /// Wraps a connected, migrated store.
    pub fn new(store: Store) -> Service {
        Service {
            store,
            limiter: Arc::new(auth::LoginLimiter::default()),
            atlas: Arc::default(),
        }
    }

    /// The geography as the store holds it now. One cheap revision query per call; the atlas is rebuilt only after a
    /// write (by this process or another one sharing the database).
    pub async fn atlas(&self) -> Result<Arc<Atlas>, ServiceError> {
        let revision = self.store.geography_revision().await?;
        let mut held = self.atlas.lock().await;
        if let Some((held_revision, atlas)) = held.as_ref() {
            if *held_revision == revision {
                return Ok(Arc::clone(atlas));
            }
        }
        let (revision, atlas) = self.store.load_atlas().await?;
        let atlas = Arc::new(atlas);
        *held = Some((revision, Arc::clone(&atlas)));
        Ok(atlas)
    }

    /// The store, for health checks and tests.
    pub fn store(&self) -> &Store {
        &self.store
    }
}

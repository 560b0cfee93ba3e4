//! Storage of mtqg on SQLite (embedded default) or PostgreSQL (production), behind one `Store` type.
#![doc = include_str!("../README.md")]

mod audit;
mod db;
mod direction;
mod geo;
mod groupings;
mod money;
mod ntm;
mod poverty;
mod report;
mod users;

use crate::db::{args, Pool};

pub use crate::audit::{AuditEntry, AuditRecord};
pub use crate::db::{Backend, Tx};
pub use crate::direction::{
    AgencyRecord, DirectionFile, MeetingRecord, NewTask, ObstacleRow, TargetRecord, TaskRecord,
    TaskUpdateRecord,
};
pub use crate::geo::{EdgeRecord, EdgeRow, VersionRecord};
pub use crate::money::{
    CapitalSums, DailyAmounts, DailyKey, EventRecord, EventRow, HolderRemaining, LedgerWrite,
    NewProgramItem, NewProject, ObstacleRecord, ProgramItemRecord, ProjectRecord,
};
pub use crate::ntm::{
    AssessmentRecord, AssessmentResult, CriteriaSetRecord, EvidenceFile, EvidenceRecord,
    LocalRecognitionRecord, NewAssessment, OcopRecord, RecognitionRecord, RegistrationRecord,
};
pub use crate::poverty::{
    HouseholdKey, HouseholdRecord, HouseholdRow, ListRow, ListTallies, ListedHousehold, MemberRow,
    NewPovertyList, PovertyListRecord, PovertyStandardRecord, PovertyTargetRecord,
};
pub use crate::report::{NewReportStep, ReportStepRecord, SubmissionRecord, SubmissionWrite};
pub use crate::users::{NewUser, SessionRecord, UserRecord};

/// What can go wrong in storage, in terms the service layer can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("record not found")]
    NotFound,
    #[error("conflict with constraint {constraint}")]
    Conflict { constraint: String },
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> StoreError {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db_err) if db_err.is_unique_violation() => StoreError::Conflict {
                constraint: db_err.constraint().unwrap_or("unique").to_owned(),
            },
            _ => StoreError::Other(err.into()),
        }
    }
}

/// Rows of the main tables and bytes on disk (`Store::data_size`).
#[derive(Debug, Clone)]
pub struct DataSize {
    pub rows: Vec<(&'static str, i64)>,
    pub bytes: i64,
}

/// The database: a pool on one of the two backends. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

impl Store {
    /// Connects to `sqlite:path` (created if missing, WAL, foreign keys on) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        Ok(Store {
            pool: Pool::connect(url).await?,
        })
    }

    /// Applies the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        self.pool.migrate().await
    }

    /// Which backend this store runs on.
    pub fn backend(&self) -> Backend {
        self.pool.backend()
    }

    /// Starts a transaction; every write of one use case goes through one.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        self.pool.begin().await
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await
    }

    /// Writes a consistent copy of a SQLite database to `path` while the server keeps running (`VACUUM INTO`: one
    /// read transaction, so the copy is the database at one instant, compacted). PostgreSQL is backed up with
    /// `pg_dump` (docs/operations.md).
    pub async fn backup_to(&self, path: &str) -> Result<(), StoreError> {
        match self.backend() {
            Backend::Sqlite => {
                self.pool.conn().execute("vacuum into $1", args![path]).await?;
                Ok(())
            }
            Backend::Postgres => Err(StoreError::Other(anyhow::anyhow!(
                "mtqg backup copies SQLite databases; back PostgreSQL up with pg_dump (docs/operations.md)"
            ))),
        }
    }

    /// Checks that a database is whole and readable: SQLite's `integrity_check`, and the number of migrations applied,
    /// to compare with what this build knows.
    pub async fn check_integrity(&self) -> Result<(String, i64), StoreError> {
        let verdict = match self.backend() {
            Backend::Sqlite => {
                let (verdict,): (String,) = self
                    .pool
                    .conn()
                    .fetch_one("pragma integrity_check", vec![])
                    .await?;
                verdict
            }
            Backend::Postgres => "ok".to_owned(),
        };
        let (applied,): (i64,) = self
            .pool
            .conn()
            .fetch_one(
                "select count(*) from _sqlx_migrations where success",
                vec![],
            )
            .await?;
        Ok((verdict, applied))
    }

    /// The size of the stored data: rows of the main tables (named in the code, never from input) and the
    /// database's bytes on disk, for benchmarks and operators.
    pub async fn data_size(&self) -> Result<DataSize, StoreError> {
        const TABLES: [&str; 9] = [
            "units",
            "projects",
            "capital_events",
            "ntm_assessments",
            "ntm_recognitions",
            "households",
            "poverty_list_rows",
            "tasks",
            "report_submissions",
        ];
        let mut rows = Vec::with_capacity(TABLES.len());
        for table in TABLES {
            let (n,): (i64,) = self
                .pool
                .conn()
                .fetch_one(&format!("select count(*) from {table}"), vec![])
                .await?;
            rows.push((table, n));
        }
        let sql = match self.backend() {
            Backend::Sqlite => {
                "select page_count * page_size from pragma_page_count(), pragma_page_size()"
            }
            Backend::Postgres => "select pg_database_size(current_database())",
        };
        let (bytes,): (i64,) = self.pool.conn().fetch_one(sql, vec![]).await?;
        Ok(DataSize { rows, bytes })
    }

    /// How many migrations the database has applied (a cheap query, for readiness checks).
    pub async fn migrations_applied(&self) -> Result<i64, StoreError> {
        let (applied,): (i64,) = self
            .pool
            .conn()
            .fetch_one(
                "select count(*) from _sqlx_migrations where success",
                vec![],
            )
            .await?;
        Ok(applied)
    }

    /// The number of migrations this build carries.
    pub fn known_migrations(&self) -> usize {
        self.pool.known_migrations()
    }

    /// Refreshes the planner's statistics, e.g. after a bulk load (both backends accept `analyze`).
    pub async fn analyze(&self) -> Result<(), StoreError> {
        self.pool.conn().execute("analyze", vec![]).await?;
        Ok(())
    }

    /// Table and column names as the database reports them, to check that both backends' migrations agree.
    pub async fn schema(&self) -> Result<Vec<(String, String)>, StoreError> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "select m.name, p.name from sqlite_master m join pragma_table_info(m.name) p \
                 where m.type = 'table' and m.name not like 'sqlite_%' and m.name not like '_sqlx%' order by 1, 2"
            }
            Backend::Postgres => {
                "select table_name::text, column_name::text from information_schema.columns \
                 where table_schema = current_schema() and table_name not like '_sqlx%' order by 1, 2"
            }
        };
        self.pool
            .conn()
            .fetch_all::<(String, String)>(sql, vec![])
            .await
    }
}

//! Report submissions and the steps taken on them.

use chrono::{DateTime, NaiveDate, Utc};

use crate::db::{args, unit_filter, Tx};
use crate::{Store, StoreError};

/// A unit's submission of a report for a period.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubmissionRecord {
    pub id: i64,
    pub report_code: String,
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub unit_id: i64,
    pub status: String,
    /// Entered figures and texts, a JSON object of strings.
    pub fields: String,
    /// Computed figures as they were when last submitted, a JSON object of numbers.
    pub figures: Option<String>,
    /// "system" or "package" (imported from a unit that does not use the system).
    pub origin: String,
    pub deadline: NaiveDate,
    pub first_submitted_on: Option<NaiveDate>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub comment: Option<String>,
    pub version: i64,
}

/// One step of the approval flow.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportStepRecord {
    pub id: i64,
    pub submission_id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub comment: Option<String>,
}

/// A new submission, or the new state of one.
#[derive(Debug, Clone)]
pub struct SubmissionWrite {
    pub report_code: String,
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub unit_id: i64,
    pub status: String,
    pub fields: String,
    pub figures: Option<String>,
    pub origin: String,
    pub deadline: NaiveDate,
    pub first_submitted_on: Option<NaiveDate>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub comment: Option<String>,
}

/// A step to record with a status change.
#[derive(Debug, Clone)]
pub struct NewReportStep<'a> {
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: &'a str,
    pub comment: Option<&'a str>,
}

const COLUMNS: &str = "id, report_code, period, period_start, period_end, unit_id, status, fields, figures, \
                       origin, deadline, first_submitted_on, submitted_at, decided_at, comment, version";

impl Store {
    pub async fn submission(
        &self,
        report_code: &str,
        period: &str,
        unit_id: i64,
    ) -> Result<Option<SubmissionRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_optional(
                &format!(
                    "select {COLUMNS} from report_submissions where report_code = $1 and period = $2 \
                     and unit_id = $3"
                ),
                args![report_code, period, unit_id],
            )
            .await
    }

    pub async fn submission_by_id(&self, id: i64) -> Result<SubmissionRecord, StoreError> {
        self.pool
            .conn()
            .fetch_one(
                &format!("select {COLUMNS} from report_submissions where id = $1"),
                args![id],
            )
            .await
    }

    /// The submissions of a report and period, of every unit (`None`) or of some (a dashboard's expected units),
    /// without their entered fields and frozen figures (left empty: a dashboard reads statuses and dates, and a
    /// country's season holds megabytes of figures).
    pub async fn submissions_of_period(
        &self,
        report_code: &str,
        period: &str,
        unit_ids: Option<&[i64]>,
    ) -> Result<Vec<SubmissionRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                &format!(
                    "select {} from report_submissions where report_code = $1 and period = $2{} order by id",
                    COLUMNS
                        .replace("fields, figures", "'{}' as fields, null as figures"),
                    unit_filter("unit_id", unit_ids)
                ),
                args![report_code, period],
            )
            .await
    }

    /// Every submission of a unit, newest period first.
    pub async fn submissions_of_unit(
        &self,
        unit_id: i64,
    ) -> Result<Vec<SubmissionRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                &format!(
                    "select {COLUMNS} from report_submissions where unit_id = $1 \
                     order by period_end desc, report_code"
                ),
                args![unit_id],
            )
            .await
    }

    pub async fn report_steps(
        &self,
        submission_id: i64,
    ) -> Result<Vec<ReportStepRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select id, submission_id, at, actor, action, from_status, to_status, comment from report_steps \
                 where submission_id = $1 order by id",
                args![submission_id],
            )
            .await
    }
}

impl Tx {
    /// Approved submissions whose period overlaps `[from, to]`: (unit id, report code, period, start, end).
    pub async fn approved_periods(
        &mut self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(i64, String, String, NaiveDate, NaiveDate)>, StoreError> {
        self.conn()
            .fetch_all(
                "select unit_id, report_code, period, period_start, period_end from report_submissions \
                 where status = 'approved' and period_end >= $1 and period_start <= $2",
                args![from, to],
            )
            .await
    }

    /// The submission as this transaction sees it.
    pub async fn submission_for_update(
        &mut self,
        report_code: &str,
        period: &str,
        unit_id: i64,
    ) -> Result<Option<SubmissionRecord>, StoreError> {
        self.conn()
            .fetch_optional(
                &format!(
                    "select {COLUMNS} from report_submissions where report_code = $1 and period = $2 \
                     and unit_id = $3"
                ),
                args![report_code, period, unit_id],
            )
            .await
    }

    /// Inserts a submission; returns its id.
    pub async fn insert_submission(&mut self, write: &SubmissionWrite) -> Result<i64, StoreError> {
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into report_submissions (report_code, period, period_start, period_end, unit_id, status, \
                 fields, figures, origin, deadline, first_submitted_on, submitted_at, decided_at, comment, \
                 updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) returning id",
                args![
                    write.report_code.as_str(),
                    write.period.as_str(),
                    write.period_start,
                    write.period_end,
                    write.unit_id,
                    write.status.as_str(),
                    write.fields.as_str(),
                    write.figures.as_deref(),
                    write.origin.as_str(),
                    write.deadline,
                    write.first_submitted_on,
                    write.submitted_at,
                    write.decided_at,
                    write.comment.as_deref(),
                    Utc::now()
                ],
            )
            .await?;
        Ok(id)
    }

    /// Replaces a submission's state if it is still at `version`; false when someone changed it first.
    pub async fn update_submission(
        &mut self,
        id: i64,
        version: i64,
        write: &SubmissionWrite,
    ) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .execute(
                "update report_submissions set status = $3, fields = $4, figures = $5, origin = $6, \
                 first_submitted_on = $7, submitted_at = $8, decided_at = $9, comment = $10, \
                 version = version + 1, updated_at = $11 where id = $1 and version = $2",
                args![
                    id,
                    version,
                    write.status.as_str(),
                    write.fields.as_str(),
                    write.figures.as_deref(),
                    write.origin.as_str(),
                    write.first_submitted_on,
                    write.submitted_at,
                    write.decided_at,
                    write.comment.as_deref(),
                    Utc::now()
                ],
            )
            .await?;
        Ok(changed == 1)
    }

    pub async fn add_report_step(
        &mut self,
        submission_id: i64,
        step: &NewReportStep<'_>,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "insert into report_steps (submission_id, at, user_id, actor, action, from_status, to_status, \
                 comment) values ($1, $2, $3, $4, $5, $6, $7, $8)",
                args![
                    submission_id,
                    step.at,
                    step.user_id,
                    step.actor,
                    step.action,
                    step.from_status,
                    step.to_status,
                    step.comment
                ],
            )
            .await?;
        Ok(())
    }
}

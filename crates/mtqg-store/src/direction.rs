//! Direction in storage: agencies and their communes, meetings with their conclusion notices, tasks with progress
//! updates, obstacles and their answers.

use chrono::NaiveDate;

use crate::db::{args, Tx};
use crate::{Store, StoreError};

/// An agency (sở, ban, ngành; phòng; a commune body) of a unit.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgencyRecord {
    pub id: i64,
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    /// Other names it goes by, separated by ";" ("Sở KH&ĐT; Sở KHĐT").
    pub abbreviations: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// A meeting and its conclusion notice.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MeetingRecord {
    pub id: i64,
    pub unit_id: i64,
    pub held_on: NaiveDate,
    pub title: String,
    pub chair: String,
    pub notice_number: String,
    pub notice_date: Option<NaiveDate>,
    pub signer: String,
    pub notice_text: String,
    pub follows_id: Option<i64>,
}

/// A task to store.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub number: String,
    pub content: String,
    pub lead_agency_id: Option<i64>,
    /// Codes of the coordinating agencies, separated by ",".
    pub coordinating: String,
    pub due_on: Option<NaiveDate>,
    pub ongoing: bool,
}

/// A stored task.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskRecord {
    pub id: i64,
    pub meeting_id: i64,
    pub number: String,
    pub content: String,
    pub lead_agency_id: Option<i64>,
    pub coordinating: String,
    pub due_on: Option<NaiveDate>,
    pub ongoing: bool,
    pub started_on: Option<NaiveDate>,
    pub done_on: Option<NaiveDate>,
    pub version: i64,
}

/// A progress update of a task.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskUpdateRecord {
    pub id: i64,
    pub task_id: i64,
    pub reported_on: NaiveDate,
    pub note: String,
    pub done: bool,
}

/// An obstacle (khó khăn, vướng mắc) raised by a unit and routed to an agency.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ObstacleRow {
    pub id: i64,
    pub unit_id: i64,
    pub agency_id: Option<i64>,
    /// The investment project whose investor (chủ đầu tư) raised it, if not the unit itself.
    pub project_id: Option<i64>,
    pub title: String,
    pub detail: String,
    pub raised_on: NaiveDate,
    pub answer_due: Option<NaiveDate>,
    pub answer: Option<String>,
    pub answered_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
}

/// A numeric target a meeting set, bound to a measure the system computes.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TargetRecord {
    pub id: i64,
    pub meeting_id: i64,
    pub measure: String,
    pub unit_id: i64,
    pub year: i64,
    pub target_value: f64,
    pub due_on: NaiveDate,
}

/// A file of a meeting: its signed notice (`task_id` empty) or evidence of a task's progress.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DirectionFile {
    pub id: i64,
    pub meeting_id: i64,
    pub task_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

/// A file with its content, as read.
#[derive(sqlx::FromRow)]
struct FileRow {
    id: i64,
    meeting_id: i64,
    task_id: Option<i64>,
    file_name: String,
    content_type: String,
    size: i64,
    content: Vec<u8>,
}

const TASK_COLUMNS: &str =
    "id, meeting_id, number, content, lead_agency_id, coordinating, due_on, ongoing, \
     started_on, done_on, version";
const MEETING_COLUMNS: &str =
    "id, unit_id, held_on, title, chair, notice_number, notice_date, signer, notice_text, follows_id";
const OBSTACLE_COLUMNS: &str =
    "id, unit_id, agency_id, project_id, title, detail, raised_on, answer_due, answer, \
     answered_on, closed_on";

impl Store {
    /// Every agency (a few thousand at most).
    pub async fn agencies(&self) -> Result<Vec<AgencyRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select id, unit_id, code, name, abbreviations, valid_from, valid_to from agencies order by code",
                vec![],
            )
            .await
    }

    /// The agencies an account works for.
    pub async fn agencies_of_user(&self, user_id: i64) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = self
            .pool
            .conn()
            .fetch_all(
                "select agency_id from agency_members where user_id = $1 order by agency_id",
                args![user_id],
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The communes an agency supports.
    pub async fn agency_communes(&self, agency_id: i64) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = self
            .pool
            .conn()
            .fetch_all(
                "select commune_id from agency_communes where agency_id = $1 order by commune_id",
                args![agency_id],
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The files of a meeting (without their content).
    pub async fn direction_files(&self, meeting_id: i64) -> Result<Vec<DirectionFile>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select id, meeting_id, task_id, file_name, content_type, size from direction_files \
                 where meeting_id = $1 order by id",
                args![meeting_id],
            )
            .await
    }

    /// One file with its content.
    pub async fn direction_file(
        &self,
        id: i64,
    ) -> Result<Option<(DirectionFile, Vec<u8>)>, StoreError> {
        let row: Option<FileRow> = self
            .pool
            .conn()
            .fetch_optional(
                "select id, meeting_id, task_id, file_name, content_type, size, content from direction_files \
                 where id = $1",
                args![id],
            )
            .await?;
        Ok(row.map(|row| {
            (
                DirectionFile {
                    id: row.id,
                    meeting_id: row.meeting_id,
                    task_id: row.task_id,
                    file_name: row.file_name,
                    content_type: row.content_type,
                    size: row.size,
                },
                row.content,
            )
        }))
    }

    pub async fn meeting(&self, id: i64) -> Result<MeetingRecord, StoreError> {
        self.pool
            .conn()
            .fetch_one(
                &format!("select {MEETING_COLUMNS} from meetings where id = $1"),
                args![id],
            )
            .await
    }

    /// Meetings of every unit, newest first (the service filters by scope).
    pub async fn meetings(&self) -> Result<Vec<MeetingRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                &format!("select {MEETING_COLUMNS} from meetings order by held_on desc, id desc"),
                vec![],
            )
            .await
    }

    pub async fn tasks_of_meeting(&self, meeting_id: i64) -> Result<Vec<TaskRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                &format!("select {TASK_COLUMNS} from tasks where meeting_id = $1 order by id"),
                args![meeting_id],
            )
            .await
    }

    /// Tasks an agency leads or coordinates.
    pub async fn tasks_of_agency(
        &self,
        agency_id: i64,
        agency_code: &str,
    ) -> Result<Vec<TaskRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                &format!(
                    "select {TASK_COLUMNS} from tasks where lead_agency_id = $1 \
                     or ',' || coordinating || ',' like $2 order by due_on, id"
                ),
                args![agency_id, format!("%,{agency_code},%")],
            )
            .await
    }

    pub async fn meeting_targets(&self, meeting_id: i64) -> Result<Vec<TargetRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select id, meeting_id, measure, unit_id, year, target_value, due_on from meeting_targets \
                 where meeting_id = $1 order by id",
                args![meeting_id],
            )
            .await
    }

    pub async fn task(&self, id: i64) -> Result<TaskRecord, StoreError> {
        self.pool
            .conn()
            .fetch_one(
                &format!("select {TASK_COLUMNS} from tasks where id = $1"),
                args![id],
            )
            .await
    }

    pub async fn task_updates(&self, task_id: i64) -> Result<Vec<TaskUpdateRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select id, task_id, reported_on, note, done from task_updates where task_id = $1 \
                 order by reported_on, id",
                args![task_id],
            )
            .await
    }

    /// Obstacles routed to an agency (`None`: every obstacle), open first.
    pub async fn unit_obstacles(
        &self,
        agency_id: Option<i64>,
    ) -> Result<Vec<ObstacleRow>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                &format!(
                    "select {OBSTACLE_COLUMNS} from obstacles where cast($1 as bigint) is null or agency_id = $1 \
                     order by closed_on is not null, raised_on, id"
                ),
                args![agency_id],
            )
            .await
    }

    pub async fn unit_obstacle(&self, id: i64) -> Result<ObstacleRow, StoreError> {
        self.pool
            .conn()
            .fetch_one(
                &format!("select {OBSTACLE_COLUMNS} from obstacles where id = $1"),
                args![id],
            )
            .await
    }
}

impl Tx {
    pub async fn insert_agency(&mut self, agency: &AgencyRecord) -> Result<i64, StoreError> {
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into agencies (unit_id, code, name, abbreviations, valid_from, valid_to) \
                 values ($1, $2, $3, $4, $5, $6) returning id",
                args![
                    agency.unit_id,
                    agency.code.as_str(),
                    agency.name.as_str(),
                    agency.abbreviations.as_str(),
                    agency.valid_from,
                    agency.valid_to
                ],
            )
            .await?;
        Ok(id)
    }

    /// Records that an account works for an agency.
    pub async fn add_agency_member(
        &mut self,
        agency_id: i64,
        user_id: i64,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "insert into agency_members (agency_id, user_id) values ($1, $2) \
                 on conflict (agency_id, user_id) do nothing",
                args![agency_id, user_id],
            )
            .await?;
        Ok(())
    }

    /// Records that an agency supports these communes (phân công phụ trách).
    pub async fn assign_communes(
        &mut self,
        agency_id: i64,
        commune_ids: &[i64],
    ) -> Result<(), StoreError> {
        for commune_id in commune_ids {
            self.conn()
                .execute(
                    "insert into agency_communes (agency_id, commune_id) values ($1, $2) \
                     on conflict (agency_id, commune_id) do nothing",
                    args![agency_id, *commune_id],
                )
                .await?;
        }
        Ok(())
    }

    pub async fn insert_meeting(
        &mut self,
        meeting: &MeetingRecord,
        created_by: Option<i64>,
    ) -> Result<i64, StoreError> {
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into meetings (unit_id, held_on, title, chair, notice_number, notice_date, signer, \
                 notice_text, follows_id, created_by) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id",
                args![
                    meeting.unit_id,
                    meeting.held_on,
                    meeting.title.as_str(),
                    meeting.chair.as_str(),
                    meeting.notice_number.as_str(),
                    meeting.notice_date,
                    meeting.signer.as_str(),
                    meeting.notice_text.as_str(),
                    meeting.follows_id,
                    created_by
                ],
            )
            .await?;
        Ok(id)
    }

    pub async fn insert_task(
        &mut self,
        meeting_id: i64,
        task: &NewTask,
    ) -> Result<i64, StoreError> {
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into tasks (meeting_id, number, content, lead_agency_id, coordinating, due_on, ongoing) \
                 values ($1, $2, $3, $4, $5, $6, $7) returning id",
                args![
                    meeting_id,
                    task.number.as_str(),
                    task.content.as_str(),
                    task.lead_agency_id,
                    task.coordinating.as_str(),
                    task.due_on,
                    task.ongoing
                ],
            )
            .await?;
        Ok(id)
    }

    pub async fn insert_direction_file(
        &mut self,
        file: &DirectionFile,
        content: Vec<u8>,
        created_by: Option<i64>,
    ) -> Result<i64, StoreError> {
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into direction_files (meeting_id, task_id, file_name, content_type, size, content, created_by) \
                 values ($1, $2, $3, $4, $5, $6, $7) returning id",
                args![
                    file.meeting_id,
                    file.task_id,
                    file.file_name.as_str(),
                    file.content_type.as_str(),
                    file.size,
                    content,
                    created_by
                ],
            )
            .await?;
        Ok(id)
    }

    pub async fn insert_target(&mut self, target: &TargetRecord) -> Result<i64, StoreError> {
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into meeting_targets (meeting_id, measure, unit_id, year, target_value, due_on) \
                 values ($1, $2, $3, $4, $5, $6) returning id",
                args![
                    target.meeting_id,
                    target.measure.as_str(),
                    target.unit_id,
                    target.year,
                    Some(target.target_value),
                    target.due_on
                ],
            )
            .await?;
        Ok(id)
    }

    /// Adds a progress update and moves the task's start and completion dates, if the task is still at `version`;
    /// false when someone else updated it first.
    pub async fn add_task_update(
        &mut self,
        task_id: i64,
        version: i64,
        reported_on: NaiveDate,
        note: &str,
        done: bool,
        created_by: Option<i64>,
    ) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .execute(
                "update tasks set version = version + 1, started_on = coalesce(started_on, $3), \
                 done_on = case when $4 then coalesce(done_on, $3) else done_on end, updated_at = $5 \
                 where id = $1 and version = $2",
                args![task_id, version, reported_on, done, chrono::Utc::now()],
            )
            .await?;
        if changed != 1 {
            return Ok(false);
        }
        self.conn()
            .execute(
                "insert into task_updates (task_id, reported_on, note, done, created_by) values ($1, $2, $3, $4, $5)",
                args![task_id, reported_on, note, done, created_by],
            )
            .await?;
        Ok(true)
    }

    pub async fn insert_unit_obstacle(
        &mut self,
        obstacle: &ObstacleRow,
        created_by: Option<i64>,
    ) -> Result<i64, StoreError> {
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into obstacles (unit_id, agency_id, project_id, title, detail, raised_on, answer_due, \
                 created_by) values ($1, $2, $3, $4, $5, $6, $7, $8) returning id",
                args![
                    obstacle.unit_id,
                    obstacle.agency_id,
                    obstacle.project_id,
                    obstacle.title.as_str(),
                    obstacle.detail.as_str(),
                    obstacle.raised_on,
                    obstacle.answer_due,
                    created_by
                ],
            )
            .await?;
        Ok(id)
    }

    /// Records the agency's answer; false if it was already answered.
    pub async fn answer_unit_obstacle(
        &mut self,
        id: i64,
        answer: &str,
        answered_on: NaiveDate,
    ) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .execute(
                "update obstacles set answer = $2, answered_on = $3 where id = $1 and answered_on is null",
                args![id, answer, answered_on],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Closes an answered obstacle; false if it was not answered or already closed.
    pub async fn close_unit_obstacle(
        &mut self,
        id: i64,
        closed_on: NaiveDate,
    ) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .execute(
                "update obstacles set closed_on = $2 where id = $1 and answered_on is not null \
                 and closed_on is null",
                args![id, closed_on],
            )
            .await?;
        Ok(changed == 1)
    }
}

//! Direction use cases: the agency registry, meetings with their conclusion notices read into tasks (the officer
//! pastes, the core proposes, the officer corrects and saves), progress on tasks with statuses computed from the
//! deadline, the agency's dashboard, and obstacles routed to an agency (DOMAIN.md §7).

use chrono::NaiveDate;
use mtqg_core::access::Permission;
use mtqg_core::atlas::UnitAsOf;
use mtqg_core::direction::{
    parse_notice, task_status, AgencyNames, Deadline, Measure, ParsedNotice, TaskStatus,
};
use mtqg_store::{AgencyRecord, MeetingRecord, NewTask, ObstacleRow, TargetRecord, TaskRecord};

use crate::{Actor, Service, ServiceError};

/// An agency to add.
#[derive(Debug, Clone, Default)]
pub struct AgencyInput {
    /// The unit it belongs to (a province for a sở).
    pub unit_code: String,
    pub code: String,
    pub name: String,
    /// Other names, separated by ";".
    pub abbreviations: String,
    /// First day it exists (agencies formed by the 2025 mergers) and first day it no longer does.
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// One task as the officer saves it.
#[derive(Debug, Clone)]
pub struct TaskInput {
    pub number: String,
    pub content: String,
    pub lead: Option<String>,
    pub coordinating: Vec<String>,
    pub deadline: Deadline,
}

/// A meeting with its notice and tasks.
#[derive(Debug, Clone)]
pub struct MeetingInput {
    pub unit_code: String,
    pub held_on: NaiveDate,
    pub title: String,
    pub chair: String,
    pub notice_number: String,
    pub notice_date: Option<NaiveDate>,
    pub signer: String,
    pub notice_text: String,
    pub follows: Option<i64>,
    pub tasks: Vec<TaskInput>,
}

/// A numeric target to add to a meeting's conclusions.
#[derive(Debug, Clone)]
pub struct TargetInput {
    pub measure: Measure,
    pub unit_code: String,
    pub year: i32,
    /// Percent, or percentage points for a poverty reduction.
    pub value: f64,
    pub due_on: NaiveDate,
}

/// A numeric target with its value computed from the data on a date.
#[derive(Debug, Clone)]
pub struct TargetProgress {
    pub target: TargetRecord,
    pub measure: Measure,
    pub unit: Option<UnitAsOf>,
    /// The measure's value on the due date or today, whichever is earlier; `None` when there is no data yet.
    pub actual: Option<f64>,
    /// Share of the target reached, in percent.
    pub progress: Option<f64>,
}

/// A task with its computed status and lead agency's name.
#[derive(Debug, Clone)]
pub struct TaskView {
    pub task: TaskRecord,
    pub status: TaskStatus,
    pub lead: Option<AgencyRecord>,
}

/// An agency's dashboard.
#[derive(Debug, Clone)]
pub struct AgencyDashboard {
    pub agency: AgencyRecord,
    pub tasks: Vec<TaskView>,
    pub overdue: usize,
    pub due_within_week: usize,
    pub obstacles: Vec<(ObstacleRow, bool)>,
    /// The communes it supports (phân công phụ trách), as they are today.
    pub communes: Vec<UnitAsOf>,
}

fn agency_names(agencies: &[AgencyRecord], on: NaiveDate) -> Vec<AgencyNames> {
    agencies
        .iter()
        .filter(|a| {
            a.valid_from.is_none_or(|from| from <= on) && a.valid_to.is_none_or(|to| on < to)
        })
        .map(|a| AgencyNames {
            code: a.code.clone(),
            names: std::iter::once(a.name.clone())
                .chain(
                    a.abbreviations
                        .split(';')
                        .map(str::trim)
                        .filter(|n| !n.is_empty())
                        .map(str::to_owned),
                )
                .collect(),
        })
        .collect()
}

impl Service {
    /// Adds an agency of a unit (audited).
    pub async fn add_agency(
        &self,
        actor: &Actor,
        input: &AgencyInput,
    ) -> Result<i64, ServiceError> {
        actor.require(Permission::ManageAgencies)?;
        let today = chrono::Utc::now().date_naive();
        let unit = self.unit_at(actor, &input.unit_code, today).await?;
        let code = input.code.trim().to_uppercase();
        if code.is_empty() || input.name.trim().is_empty() {
            return Err(ServiceError::Invalid("cần mã và tên cơ quan".to_owned()));
        }
        if let (Some(from), Some(to)) = (input.valid_from, input.valid_to) {
            if to <= from {
                return Err(ServiceError::Invalid(
                    "ngày chấm dứt phải sau ngày bắt đầu".to_owned(),
                ));
            }
        }
        let mut tx = self.store().begin().await?;
        let id = tx
            .insert_agency(&AgencyRecord {
                id: 0,
                unit_id: unit.id,
                code: code.clone(),
                name: mtqg_core::vi::nfc(input.name.trim()),
                abbreviations: mtqg_core::vi::nfc(input.abbreviations.trim()),
                valid_from: input.valid_from,
                valid_to: input.valid_to,
            })
            .await
            .map_err(|err| match err {
                mtqg_store::StoreError::Conflict { .. } => ServiceError::Conflict {
                    message: format!("đã có cơ quan mã {code}"),
                },
                other => other.into(),
            })?;
        let mut entry = actor.audit("agency.add", "agencies", code);
        entry.after = Some(serde_json::json!({ "name": input.name.trim(), "unit": unit.code }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Assigns an agency to the communes it supports (phân công phụ trách); every commune must exist today and lie
    /// in the actor's scope.
    pub async fn assign_agency_communes(
        &self,
        actor: &Actor,
        agency_code: &str,
        commune_codes: &[String],
    ) -> Result<usize, ServiceError> {
        actor.require(Permission::ManageAgencies)?;
        let agency = self
            .agencies(actor)
            .await?
            .into_iter()
            .find(|a| a.code.eq_ignore_ascii_case(agency_code.trim()))
            .ok_or_else(|| ServiceError::NotFound(format!("cơ quan mã {agency_code}")))?;
        let today = chrono::Utc::now().date_naive();
        let mut ids = Vec::new();
        let mut problems = Vec::new();
        for code in commune_codes
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
        {
            match self.unit_at(actor, code, today).await {
                Ok(unit) if unit.level == mtqg_core::geo::Level::Commune => ids.push(unit.id),
                Ok(unit) => problems.push(format!("{} không phải xã, phường", unit.name)),
                Err(ServiceError::Forbidden) => problems.push(format!("xã {code} ngoài phạm vi")),
                Err(_) => problems.push(format!("không có xã mã {code}")),
            }
        }
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems.join("; ")));
        }
        let mut tx = self.store().begin().await?;
        tx.assign_communes(agency.id, &ids).await?;
        let mut entry = actor.audit("agency.assign", "agencies", agency.code.clone());
        entry.after = Some(serde_json::json!({ "communes": commune_codes }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(ids.len())
    }

    /// Records that an account works for an agency: the agency's tasks become the account's "my tasks".
    pub async fn add_agency_member(
        &self,
        actor: &Actor,
        agency_code: &str,
        username: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::ManageAgencies)?;
        let agency = self
            .agencies(actor)
            .await?
            .into_iter()
            .find(|a| a.code.eq_ignore_ascii_case(agency_code.trim()))
            .ok_or_else(|| ServiceError::NotFound(format!("cơ quan mã {agency_code}")))?;
        let not_found = || ServiceError::NotFound(format!("tài khoản {}", username.trim()));
        let user = self
            .store()
            .user_by_username(username.trim())
            .await?
            .ok_or_else(not_found)?;
        // Only accounts within the actor's scope: a province's steering committee neither staffs its agencies with
        // another province's officers nor learns which accounts exist there (the same answer as an unknown name).
        let atlas = self.atlas().await?;
        let in_reach = match (actor.scope_unit_id, user.scope_unit_id) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(scope), Some(unit)) => atlas.is_within(scope, unit),
        };
        if !in_reach {
            return Err(not_found());
        }
        let mut tx = self.store().begin().await?;
        tx.add_agency_member(agency.id, user.id).await?;
        let mut entry = actor.audit("agency.member", "agencies", agency.code.clone());
        entry.after = Some(serde_json::json!({ "user": user.username }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The agencies the actor works for (its "my tasks" dashboards).
    pub async fn my_agencies(&self, actor: &Actor) -> Result<Vec<AgencyRecord>, ServiceError> {
        actor.require(Permission::ReadDirection)?;
        let Some(user_id) = actor.user_id else {
            return Ok(Vec::new());
        };
        let ids = self.store().agencies_of_user(user_id).await?;
        Ok(self
            .store()
            .agencies()
            .await?
            .into_iter()
            .filter(|a| ids.contains(&a.id))
            .collect())
    }

    /// The agencies within the actor's reach (those of its scope's units and above).
    pub async fn agencies(&self, actor: &Actor) -> Result<Vec<AgencyRecord>, ServiceError> {
        actor.require(Permission::ReadDirection)?;
        let all = self.store().agencies().await?;
        self.in_reach(actor, &all).await
    }

    /// Those of `all` the actor reaches: agencies of its scope's units and of the units above.
    async fn in_reach(
        &self,
        actor: &Actor,
        all: &[AgencyRecord],
    ) -> Result<Vec<AgencyRecord>, ServiceError> {
        let atlas = self.atlas().await?;
        Ok(all
            .iter()
            .filter(|agency| match actor.scope_unit_id {
                None => true,
                Some(scope) => {
                    atlas.is_within(scope, agency.unit_id) || atlas.is_within(agency.unit_id, scope)
                }
            })
            .cloned()
            .collect())
    }

    /// Meetings of units within the actor's scope, newest first, with the unit's name.
    pub async fn meetings(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(MeetingRecord, Option<String>)>, ServiceError> {
        actor.require(Permission::ReadDirection)?;
        let atlas = self.atlas().await?;
        Ok(self
            .store()
            .meetings()
            .await?
            .into_iter()
            .filter(|m| {
                actor
                    .scope_unit_id
                    .is_none_or(|scope| atlas.is_within(scope, m.unit_id))
            })
            .map(|m| {
                let name = atlas.unit(m.unit_id, m.held_on).map(|u| u.name);
                (m, name)
            })
            .collect())
    }

    /// Proposes tasks from a pasted notice; the officer corrects them before `record_meeting`.
    pub async fn propose_tasks(
        &self,
        actor: &Actor,
        held_on: NaiveDate,
        text: &str,
    ) -> Result<ParsedNotice, ServiceError> {
        actor.require(Permission::RecordMeetings)?;
        if text.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "chưa dán nội dung thông báo kết luận".to_owned(),
            ));
        }
        let agencies = self.agencies(actor).await?;
        Ok(parse_notice(
            text,
            held_on,
            &agency_names(&agencies, held_on),
        ))
    }

    /// Records a meeting, its notice and its tasks in one transaction. Refused: a deadline before the meeting, an
    /// agency not in the registry (add it first), an agency outside the actor's scope, no task, a unit outside scope.
    pub async fn record_meeting(
        &self,
        actor: &Actor,
        input: &MeetingInput,
    ) -> Result<i64, ServiceError> {
        actor.require(Permission::RecordMeetings)?;
        let unit = self.unit_at(actor, &input.unit_code, input.held_on).await?;
        if input.title.trim().is_empty() {
            return Err(ServiceError::Invalid("cần tên cuộc họp".to_owned()));
        }
        if input.tasks.is_empty() {
            return Err(ServiceError::Invalid(
                "thông báo kết luận chưa có nhiệm vụ nào".to_owned(),
            ));
        }
        let all = self.store().agencies().await?;
        let agencies = self.in_reach(actor, &all).await?;
        let find = |code: &str| {
            agencies
                .iter()
                .find(|a| a.code.eq_ignore_ascii_case(code.trim()))
        };
        let mut problems = Vec::new();
        let mut tasks = Vec::with_capacity(input.tasks.len());
        for task in &input.tasks {
            let at = format!("nhiệm vụ {}", task.number);
            if task.content.trim().is_empty() {
                problems.push(format!("{at}: chưa có nội dung"));
            }
            if let Deadline::By(due) = task.deadline {
                if due < input.held_on {
                    problems.push(format!(
                        "{at}: thời hạn {} trước ngày họp {}",
                        mtqg_core::vi::format_date(due),
                        mtqg_core::vi::format_date(input.held_on)
                    ));
                }
            }
            let mut resolve = |code: &str| match find(code) {
                Some(agency) => Some(agency.clone()),
                None => {
                    let outside = all.iter().any(|a| a.code.eq_ignore_ascii_case(code.trim()));
                    problems.push(if outside {
                        format!("{at}: cơ quan {code} ngoài phạm vi tài khoản của bạn")
                    } else {
                        format!("{at}: cơ quan \"{code}\" chưa có trong danh mục; hãy thêm cơ quan trước")
                    });
                    None
                }
            };
            let lead = task.lead.as_deref().and_then(&mut resolve);
            let coordinating: Vec<String> = task
                .coordinating
                .iter()
                .filter_map(|code| resolve(code).map(|a| a.code))
                .collect();
            tasks.push(NewTask {
                number: task.number.trim().to_owned(),
                content: task.content.trim().to_owned(),
                lead_agency_id: lead.map(|a| a.id),
                coordinating: coordinating.join(","),
                due_on: match task.deadline {
                    Deadline::By(due) => Some(due),
                    _ => None,
                },
                ongoing: task.deadline == Deadline::Ongoing,
            });
        }
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems.join("; ")));
        }
        let mut tx = self.store().begin().await?;
        let id = tx
            .insert_meeting(
                &MeetingRecord {
                    id: 0,
                    unit_id: unit.id,
                    held_on: input.held_on,
                    title: input.title.trim().to_owned(),
                    chair: input.chair.trim().to_owned(),
                    notice_number: input.notice_number.trim().to_owned(),
                    notice_date: input.notice_date,
                    signer: input.signer.trim().to_owned(),
                    notice_text: input.notice_text.clone(),
                    follows_id: input.follows,
                },
                actor.user_id,
            )
            .await?;
        for task in &tasks {
            tx.insert_task(id, task).await.map_err(|err| match err {
                mtqg_store::StoreError::Conflict { .. } => {
                    ServiceError::Invalid(format!("số thứ tự nhiệm vụ {} bị lặp", task.number))
                }
                other => other.into(),
            })?;
        }
        let mut entry = actor.audit("meeting.record", "meetings", id.to_string());
        entry.after = Some(serde_json::json!({
            "unit": unit.code, "held_on": input.held_on, "notice": input.notice_number, "tasks": tasks.len(),
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A meeting with its tasks and their statuses on `today`.
    pub async fn meeting_page(
        &self,
        actor: &Actor,
        id: i64,
        today: NaiveDate,
    ) -> Result<(MeetingRecord, Option<UnitAsOf>, Vec<TaskView>), ServiceError> {
        actor.require(Permission::ReadDirection)?;
        let meeting = self
            .store()
            .meeting(id)
            .await
            .map_err(|_| ServiceError::NotFound(format!("cuộc họp số {id}")))?;
        self.require_scope(actor, meeting.unit_id).await?;
        let unit = self.atlas().await?.unit(meeting.unit_id, meeting.held_on);
        let agencies = self.store().agencies().await?;
        let tasks = self
            .store()
            .tasks_of_meeting(id)
            .await?
            .into_iter()
            .map(|task| view(task, &agencies, today))
            .collect();
        Ok((meeting, unit, tasks))
    }

    /// Adds a numeric target to a meeting's conclusions, bound to a measure the system computes.
    pub async fn add_target(
        &self,
        actor: &Actor,
        meeting_id: i64,
        input: &TargetInput,
    ) -> Result<i64, ServiceError> {
        let TargetInput {
            measure,
            ref unit_code,
            year,
            value,
            due_on,
        } = *input;
        actor.require(Permission::RecordMeetings)?;
        let meeting = self
            .store()
            .meeting(meeting_id)
            .await
            .map_err(|_| ServiceError::NotFound(format!("cuộc họp số {meeting_id}")))?;
        self.require_scope(actor, meeting.unit_id).await?;
        let unit = self.unit_at(actor, unit_code, due_on).await?;
        if due_on < meeting.held_on {
            return Err(ServiceError::Invalid(format!(
                "hạn đạt chỉ tiêu {} trước ngày họp",
                mtqg_core::vi::format_date(due_on)
            )));
        }
        let ceiling = if measure == Measure::NtmXaNew {
            100_000.0
        } else {
            100.0
        };
        if !(value > 0.0 && value <= ceiling) {
            return Err(ServiceError::Invalid(format!(
                "chỉ tiêu {value} không hợp lệ (lớn hơn 0, không quá {ceiling})"
            )));
        }
        let mut tx = self.store().begin().await?;
        let id = tx
            .insert_target(&TargetRecord {
                id: 0,
                meeting_id,
                measure: measure.code().to_owned(),
                unit_id: unit.id,
                year: i64::from(year),
                target_value: value,
                due_on,
            })
            .await?;
        let mut entry = actor.audit("meeting.target.add", "meeting_targets", id.to_string());
        entry.after = Some(serde_json::json!({
            "meeting": meeting_id, "measure": measure.code(), "unit": unit.code, "year": year, "value": value,
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A meeting's targets with their values computed from the data (new-rural recognitions, the capital ledger,
    /// the recognised poverty lists) on the due date or `today`, whichever is earlier.
    pub async fn target_progress(
        &self,
        actor: &Actor,
        meeting_id: i64,
        today: NaiveDate,
    ) -> Result<Vec<TargetProgress>, ServiceError> {
        actor.require(Permission::ReadDirection)?;
        let meeting = self.store().meeting(meeting_id).await?;
        self.require_scope(actor, meeting.unit_id).await?;
        let atlas = self.atlas().await?;
        let mut res = Vec::new();
        for target in self.store().meeting_targets(meeting_id).await? {
            let Some(measure) = Measure::from_code(&target.measure) else {
                continue;
            };
            let on = target.due_on.min(today);
            let unit = atlas
                .unit(target.unit_id, on)
                .or_else(|| atlas.unit(target.unit_id, target.due_on));
            let code = unit.as_ref().map(|u| u.code.clone());
            let actual = match (measure, code.as_deref()) {
                (_, None) => None,
                (Measure::NtmXaShare, Some(code)) => {
                    let rollup = self.ntm_rollup(actor, Some(code), on).await?;
                    let recognised: usize = rollup
                        .by_status
                        .iter()
                        .filter(|(status, _)| *status >= mtqg_core::ntm::Status::Standard)
                        .map(|(_, n)| *n)
                        .sum();
                    (rollup.n_xa > 0).then(|| recognised as f64 * 100.0 / rollup.n_xa as f64)
                }
                (Measure::NtmXaNew, Some(code)) => {
                    // Recognitions at the standard decided in the target year, by the due date.
                    let year_end =
                        NaiveDate::from_ymd_opt(target.year as i32, 12, 31).unwrap_or(on);
                    let rollup = self.ntm_rollup(actor, Some(code), on.min(year_end)).await?;
                    rollup
                        .registered
                        .iter()
                        .find(|(tier, _)| *tier == mtqg_core::ntm::Tier::Standard)
                        .map(|(_, counts)| (counts.achieved + counts.unregistered_achieved) as f64)
                        .or(Some(0.0))
                }
                (Measure::DisbursementRate, Some(code)) => self
                    .capital_summary(actor, Some(code), target.year as i32, on, None)
                    .await?
                    .totals
                    .rate()
                    .map(|rate| rate * 100.0),
                (Measure::PovertyReduction, Some(code)) => self
                    .poverty_rates(actor, Some(code), target.year as i32, false)
                    .await?
                    .total
                    .reduction
                    .map(|r| r.points),
            };
            res.push(TargetProgress {
                progress: actual.and_then(|a| measure.progress(a, target.target_value)),
                actual,
                measure,
                unit,
                target,
            });
        }
        Ok(res)
    }

    /// Attaches a file to a meeting: its signed notice, or (with `task_id`) evidence of a task's progress. PDF,
    /// image, Word or Excel, at most 10 MB; audited by name and size.
    pub async fn attach_direction_file(
        &self,
        actor: &Actor,
        meeting_id: i64,
        task_id: Option<i64>,
        file_name: &str,
        content: Vec<u8>,
    ) -> Result<i64, ServiceError> {
        actor.require(Permission::ReportDirection)?;
        let meeting = self
            .store()
            .meeting(meeting_id)
            .await
            .map_err(|_| ServiceError::NotFound(format!("cuộc họp số {meeting_id}")))?;
        self.require_scope(actor, meeting.unit_id).await?;
        if let Some(task_id) = task_id {
            let task = self.store().task(task_id).await?;
            if task.meeting_id != meeting_id {
                return Err(ServiceError::Invalid(format!(
                    "nhiệm vụ {task_id} không thuộc cuộc họp này"
                )));
            }
        }
        let (name, content_type) = crate::recognition::checked_upload(file_name, &content)?;
        let size = content.len() as i64;
        let mut tx = self.store().begin().await?;
        let id = tx
            .insert_direction_file(
                &mtqg_store::DirectionFile {
                    id: 0,
                    meeting_id,
                    task_id,
                    file_name: name.clone(),
                    content_type: content_type.to_owned(),
                    size,
                },
                content,
                actor.user_id,
            )
            .await?;
        let mut entry = actor.audit("meeting.file", "direction_files", id.to_string());
        entry.after = Some(
            serde_json::json!({ "meeting": meeting_id, "task": task_id, "file_name": name, "size": size }),
        );
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A meeting's file with its content, within scope.
    pub async fn direction_file(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(mtqg_store::DirectionFile, Vec<u8>), ServiceError> {
        actor.require(Permission::ReadDirection)?;
        let (file, content) = self
            .store()
            .direction_file(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("tệp số {id}")))?;
        let meeting = self.store().meeting(file.meeting_id).await?;
        self.require_scope(actor, meeting.unit_id).await?;
        Ok((file, content))
    }

    /// The files of a meeting, within scope.
    pub async fn direction_files(
        &self,
        actor: &Actor,
        meeting_id: i64,
    ) -> Result<Vec<mtqg_store::DirectionFile>, ServiceError> {
        actor.require(Permission::ReadDirection)?;
        let meeting = self.store().meeting(meeting_id).await?;
        self.require_scope(actor, meeting.unit_id).await?;
        Ok(self.store().direction_files(meeting_id).await?)
    }

    /// Reports progress on a task (optionally done), if nobody else updated it since `version`.
    pub async fn report_task(
        &self,
        actor: &Actor,
        task_id: i64,
        version: i64,
        reported_on: NaiveDate,
        note: &str,
        done: bool,
    ) -> Result<TaskStatus, ServiceError> {
        actor.require(Permission::ReportDirection)?;
        let task = self
            .store()
            .task(task_id)
            .await
            .map_err(|_| ServiceError::NotFound(format!("nhiệm vụ số {task_id}")))?;
        let meeting = self.store().meeting(task.meeting_id).await?;
        self.require_scope(actor, meeting.unit_id).await?;
        if note.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "cần nội dung báo cáo tiến độ".to_owned(),
            ));
        }
        if reported_on < meeting.held_on {
            return Err(ServiceError::Invalid(format!(
                "ngày báo cáo trước ngày họp {}",
                mtqg_core::vi::format_date(meeting.held_on)
            )));
        }
        let mut tx = self.store().begin().await?;
        if !tx
            .add_task_update(
                task_id,
                version,
                reported_on,
                note.trim(),
                done,
                actor.user_id,
            )
            .await?
        {
            return Err(ServiceError::Conflict {
                message: "nhiệm vụ vừa được người khác cập nhật; hãy tải lại trang và nhập lại"
                    .to_owned(),
            });
        }
        let mut entry = actor.audit("task.report", "tasks", task_id.to_string());
        entry.after = Some(serde_json::json!({ "on": reported_on, "done": done }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        let task = self.store().task(task_id).await?;
        Ok(status_of(&task, reported_on))
    }

    /// An agency's dashboard: the tasks it leads or coordinates with statuses, how many are overdue or due within
    /// seven days, and the obstacles routed to it (with whether the answer is overdue).
    pub async fn agency_dashboard(
        &self,
        actor: &Actor,
        agency_code: &str,
        today: NaiveDate,
    ) -> Result<AgencyDashboard, ServiceError> {
        actor.require(Permission::ReadDirection)?;
        let all = self.store().agencies().await?;
        let agency = self
            .in_reach(actor, &all)
            .await?
            .into_iter()
            .find(|a| a.code.eq_ignore_ascii_case(agency_code.trim()))
            .ok_or_else(|| ServiceError::NotFound(format!("cơ quan mã {agency_code}")))?;
        let tasks: Vec<TaskView> = self
            .store()
            .tasks_of_agency(agency.id, &agency.code)
            .await?
            .into_iter()
            .map(|task| view(task, &all, today))
            .collect();
        let overdue = tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Overdue)
            .count();
        let week = today + chrono::Duration::days(7);
        let due_within_week = tasks
            .iter()
            .filter(|t| {
                t.task.done_on.is_none()
                    && t.task.due_on.is_some_and(|due| due >= today && due <= week)
            })
            .count();
        let obstacles = self
            .store()
            .unit_obstacles(Some(agency.id))
            .await?
            .into_iter()
            .map(|o| {
                let late = o.answered_on.is_none() && o.answer_due.is_some_and(|due| due < today);
                (o, late)
            })
            .collect();
        let atlas = self.atlas().await?;
        let communes = self
            .store()
            .agency_communes(agency.id)
            .await?
            .into_iter()
            .filter_map(|id| atlas.unit(id, today))
            .collect();
        Ok(AgencyDashboard {
            communes,
            agency,
            tasks,
            overdue,
            due_within_week,
            obstacles,
        })
    }

    /// A unit raises an obstacle for an agency to answer by `answer_due`.
    pub async fn raise_unit_obstacle(
        &self,
        actor: &Actor,
        unit_code: &str,
        agency_code: &str,
        title: &str,
        detail: &str,
        answer_due: Option<NaiveDate>,
    ) -> Result<i64, ServiceError> {
        actor.require(Permission::ReportDirection)?;
        let today = chrono::Utc::now().date_naive();
        // A unit raises it, or an investment project's investor (chủ đầu tư), under the project's unit.
        let (unit_id, project_id, raised_by) = match self.unit_at(actor, unit_code, today).await {
            Ok(unit) => (unit.id, None, unit.code),
            Err(ServiceError::NotFound(_)) => {
                let project =
                    self.project_in_scope(actor, unit_code)
                        .await
                        .map_err(|err| match err {
                            ServiceError::NotFound(_) => ServiceError::NotFound(format!(
                                "đơn vị hoặc dự án mã \"{}\"",
                                unit_code.trim()
                            )),
                            other => other,
                        })?;
                (project.unit_id, Some(project.id), project.code)
            }
            Err(err) => return Err(err),
        };
        if title.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "cần nội dung khó khăn, vướng mắc".to_owned(),
            ));
        }
        // Only an agency within the actor's reach (of its units or above), as for meetings: one of another province
        // is "not found", so its existence does not leak either.
        let all = self.store().agencies().await?;
        let agency = self
            .in_reach(actor, &all)
            .await?
            .into_iter()
            .find(|a| a.code.eq_ignore_ascii_case(agency_code.trim()))
            .ok_or_else(|| {
                ServiceError::Invalid(format!("chưa có cơ quan mã \"{agency_code}\""))
            })?;
        if answer_due.is_some_and(|due| due < today) {
            return Err(ServiceError::Invalid("hạn trả lời đã qua".to_owned()));
        }
        let mut tx = self.store().begin().await?;
        let id = tx
            .insert_unit_obstacle(
                &ObstacleRow {
                    id: 0,
                    unit_id,
                    project_id,
                    agency_id: Some(agency.id),
                    title: title.trim().to_owned(),
                    detail: detail.trim().to_owned(),
                    raised_on: today,
                    answer_due,
                    answer: None,
                    answered_on: None,
                    closed_on: None,
                },
                actor.user_id,
            )
            .await?;
        let mut entry = actor.audit("obstacle.raise", "obstacles", id.to_string());
        entry.after = Some(serde_json::json!({ "raised_by": raised_by, "agency": agency.code }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The agency answers an obstacle (once); closing needs an answer.
    pub async fn answer_unit_obstacle(
        &self,
        actor: &Actor,
        id: i64,
        answer: &str,
        close: bool,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::ReportDirection)?;
        let obstacle = self
            .store()
            .unit_obstacle(id)
            .await
            .map_err(|_| ServiceError::NotFound(format!("kiến nghị số {id}")))?;
        let agency_unit = match obstacle.agency_id {
            Some(agency_id) => self
                .store()
                .agencies()
                .await?
                .into_iter()
                .find(|a| a.id == agency_id)
                .map(|a| a.unit_id),
            None => None,
        };
        self.require_scope(actor, agency_unit.unwrap_or(obstacle.unit_id))
            .await?;
        let today = chrono::Utc::now().date_naive();
        if close && answer.trim().is_empty() && obstacle.answered_on.is_none() {
            return Err(ServiceError::Invalid(
                "chỉ đóng được kiến nghị đã có trả lời".to_owned(),
            ));
        }
        let mut tx = self.store().begin().await?;
        // The guards of the updates (not answered yet; answered and not closed) make a second officer's answer or
        // closing fail here, whatever either of them read first.
        if !answer.trim().is_empty() && !tx.answer_unit_obstacle(id, answer.trim(), today).await? {
            return Err(ServiceError::Conflict {
                message:
                    "kiến nghị này đã được trả lời (có thể vừa bởi người khác); hãy tải lại trang, \
                          câu trả lời của bạn chưa được ghi"
                        .to_owned(),
            });
        }
        if close && !tx.close_unit_obstacle(id, today).await? {
            return Err(ServiceError::Conflict {
                message:
                    "kiến nghị này đã được đóng (có thể vừa bởi người khác); hãy tải lại trang"
                        .to_owned(),
            });
        }
        let mut entry = actor.audit("obstacle.answer", "obstacles", id.to_string());
        entry.after = Some(serde_json::json!({ "closed": close }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn status_of(task: &TaskRecord, today: NaiveDate) -> TaskStatus {
    let deadline = match (task.due_on, task.ongoing) {
        (Some(due), _) => Deadline::By(due),
        (None, true) => Deadline::Ongoing,
        (None, false) => Deadline::None,
    };
    task_status(deadline, task.started_on.is_some(), task.done_on, today)
}

fn view(task: TaskRecord, agencies: &[AgencyRecord], today: NaiveDate) -> TaskView {
    TaskView {
        status: status_of(&task, today),
        lead: task
            .lead_agency_id
            .and_then(|id| agencies.iter().find(|a| a.id == id).cloned()),
        task,
    }
}

/// A task list as an Excel workbook (number, content, lead, coordinating, deadline, status, completion).
pub fn tasks_xlsx(tasks: &[TaskView]) -> Result<Vec<u8>, ServiceError> {
    use mtqg_xlsx::Cell;
    let text = |value: String| Cell::Text(value);
    let sheet = mtqg_xlsx::SheetData {
        name: "Nhiem vu".to_owned(),
        headers: [
            "Số thứ tự",
            "Nội dung",
            "Cơ quan chủ trì",
            "Cơ quan phối hợp",
            "Thời hạn",
            "Tình trạng",
            "Ngày hoàn thành",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: tasks
            .iter()
            .map(|view| {
                let task = &view.task;
                vec![
                    text(task.number.clone()),
                    text(task.content.clone()),
                    text(
                        view.lead
                            .as_ref()
                            .map(|a| a.name.clone())
                            .unwrap_or_default(),
                    ),
                    text(task.coordinating.replace(',', ", ")),
                    text(match (task.due_on, task.ongoing) {
                        (Some(due), _) => mtqg_core::vi::format_date(due),
                        (None, true) => "Thường xuyên".to_owned(),
                        (None, false) => String::new(),
                    }),
                    text(view.status.label().to_owned()),
                    text(
                        task.done_on
                            .map(mtqg_core::vi::format_date)
                            .unwrap_or_default(),
                    ),
                ]
            })
            .collect(),
    };
    mtqg_xlsx::write_xlsx(&[sheet]).map_err(|err| ServiceError::Other(err.into()))
}

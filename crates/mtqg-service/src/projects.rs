//! Investment projects: the register, the investor's committed monthly schedule, progress reports and obstacles.

use chrono::{Datelike, NaiveDate};
use mtqg_core::access::Permission;
use mtqg_core::atlas::UnitAsOf;
use mtqg_core::money::CapitalType;
use mtqg_store::{EventRecord, NewProject, ObstacleRecord, ProjectRecord};

use crate::auth::Actor;
use crate::{Service, ServiceError};

/// Project statuses: key and label.
pub const STATUSES: [(&str, &str); 4] = [
    ("chuan_bi", "Chuẩn bị đầu tư"),
    ("dang_thuc_hien", "Đang thực hiện"),
    ("hoan_thanh", "Hoàn thành"),
    ("quyet_toan", "Quyết toán"),
];

/// Obstacle kinds: key and label.
pub const OBSTACLE_KINDS: [(&str, &str); 4] = [
    ("mat_bang", "Giải phóng mặt bằng"),
    ("thu_tuc", "Thủ tục đầu tư"),
    ("von", "Vốn"),
    ("khac", "Khác"),
];

/// The label of a status or obstacle key.
pub fn label_of(pairs: &[(&str, &'static str)], key: &str) -> &'static str {
    pairs
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, label)| *label)
        .unwrap_or("")
}

/// A project as entered.
#[derive(Debug, Clone)]
pub struct ProjectInput {
    pub code: String,
    pub name: String,
    /// The unit whose money it is (the investor's unit).
    pub unit_code: String,
    /// Where it is built; the managing unit when empty.
    pub location_codes: Vec<String>,
    pub investor: String,
    pub item_code: String,
    pub capital_type: CapitalType,
    pub sources: String,
    pub total_investment: i64,
    pub approval: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub status: String,
    pub contractors: String,
}

/// Everything the project page shows.
#[derive(Debug, Clone)]
pub struct ProjectPage {
    pub project: ProjectRecord,
    pub unit: Option<UnitAsOf>,
    pub locations: Vec<UnitAsOf>,
    pub item: Option<(String, String, bool)>,
    pub events: Vec<EventRecord>,
    pub allocated: i64,
    pub disbursed: i64,
    pub commitments: Vec<(NaiveDate, i64)>,
    pub progress: Vec<(NaiveDate, f64, i64, String)>,
    pub obstacles: Vec<ObstacleRecord>,
}

impl Service {
    /// Registers a project in a unit of the actor's scope; audited.
    pub async fn add_project(
        &self,
        actor: &Actor,
        input: ProjectInput,
    ) -> Result<i64, ServiceError> {
        actor.require(Permission::RecordCapital)?;
        let code = input.code.trim();
        if code.is_empty() || code.len() > 40 {
            return Err(ServiceError::Invalid(
                "mã dự án phải có từ 1 đến 40 ký tự".to_owned(),
            ));
        }
        if input.name.trim().is_empty() || input.investor.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "cần tên dự án và chủ đầu tư".to_owned(),
            ));
        }
        if input.total_investment < 0 {
            return Err(ServiceError::Invalid(
                "tổng mức đầu tư không được âm".to_owned(),
            ));
        }
        if !STATUSES.iter().any(|(key, _)| *key == input.status) {
            return Err(ServiceError::Invalid(format!(
                "tình trạng \"{}\" không hợp lệ",
                input.status
            )));
        }
        if let (Some(start), Some(end)) = (input.start_date, input.end_date) {
            if end < start {
                return Err(ServiceError::Invalid(
                    "ngày kết thúc trước ngày khởi công".to_owned(),
                ));
            }
        }
        let today = chrono::Utc::now().date_naive();
        let on = input.start_date.unwrap_or(today).min(today);
        let unit = self.unit_at(actor, &input.unit_code, on).await?;
        self.require_scope_to_record(actor, unit.id).await?;
        let mut location_ids = Vec::new();
        for location in &input.location_codes {
            let location_unit = self.unit_at(actor, location, on).await?;
            location_ids.push(location_unit.id);
        }
        if location_ids.is_empty() {
            location_ids.push(unit.id);
        }
        let item = self
            .store()
            .program_items()
            .await?
            .into_iter()
            .find(|item| item.code == input.item_code.trim())
            .ok_or_else(|| {
                ServiceError::Invalid(format!(
                    "không có mục chương trình mã \"{}\"",
                    input.item_code
                ))
            })?;
        if self.store().project_by_code(code).await?.is_some() {
            return Err(ServiceError::Invalid(format!("mã dự án \"{code}\" đã có")));
        }
        let project = NewProject {
            code: code.to_owned(),
            name: mtqg_core::vi::nfc(input.name.trim()),
            unit_id: unit.id,
            location_ids,
            investor: mtqg_core::vi::nfc(input.investor.trim()),
            item_id: item.id,
            capital_type: input.capital_type,
            sources: input.sources.trim().to_owned(),
            total_investment: input.total_investment,
            approval: input.approval.trim().to_owned(),
            start_date: input.start_date,
            end_date: input.end_date,
            status: input.status.clone(),
            contractors: input.contractors.trim().to_owned(),
        };
        let mut tx = self.store().begin().await?;
        let id = tx.insert_project(&project).await?;
        let mut entry = actor.audit("project.add", "project", code.to_owned());
        entry.after = Some(serde_json::json!({
            "name": project.name, "unit": unit.code, "investor": project.investor, "item": item.code,
            "capital_type": input.capital_type.key(), "total_investment": input.total_investment,
            "status": input.status,
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Refuses unless the actor may record for `unit_id` (in scope).
    async fn require_scope_to_record(
        &self,
        actor: &Actor,
        unit_id: i64,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::RecordCapital)?;
        self.require_scope(actor, unit_id).await
    }

    /// A project in the actor's scope, by code.
    pub(crate) async fn project_in_scope(
        &self,
        actor: &Actor,
        code: &str,
    ) -> Result<ProjectRecord, ServiceError> {
        actor.require(Permission::ReadCapital)?;
        let project = self
            .store()
            .project_by_code(code.trim())
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("dự án mã \"{}\"", code.trim())))?;
        self.require_scope(actor, project.unit_id).await?;
        Ok(project)
    }

    /// The project page: register data, ledger events, commitments, progress and obstacles.
    pub async fn project_page(
        &self,
        actor: &Actor,
        code: &str,
    ) -> Result<ProjectPage, ServiceError> {
        let project = self.project_in_scope(actor, code).await?;
        let atlas = self.atlas().await?;
        let on = project
            .start_date
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        let unit = atlas.unit(project.unit_id, on).or_else(|| {
            atlas.stored(project.unit_id).and_then(|stored| {
                stored
                    .validity
                    .to
                    .and_then(|to| to.pred_opt())
                    .and_then(|day| atlas.unit(project.unit_id, day))
            })
        });
        let locations = self
            .store()
            .project_locations(project.id)
            .await?
            .into_iter()
            .filter_map(|id| atlas.unit(id, on))
            .collect();
        let item = self
            .store()
            .program_items()
            .await?
            .into_iter()
            .find(|item| item.id == project.item_id)
            .map(|item| (item.code, item.name, item.verify));
        let events = self.store().project_events(project.id).await?;
        let allocated = events
            .iter()
            .filter(|event| event.to_project_id == Some(project.id))
            .map(|event| event.amount)
            .sum();
        let disbursed = events
            .iter()
            .filter(|event| {
                event.project_id == Some(project.id)
                    && (event.kind == "disbursement"
                        || event.adjusts.as_deref() == Some("disbursement"))
            })
            .map(|event| event.amount)
            .sum();
        Ok(ProjectPage {
            commitments: self.store().project_commitments(project.id).await?,
            progress: self.store().project_progress(project.id).await?,
            obstacles: self.store().project_obstacles(project.id).await?,
            unit,
            locations,
            item,
            events,
            allocated,
            disbursed,
            project,
        })
    }

    /// Projects managed by a unit and its descendants (or the actor's scope), at most `limit`.
    pub async fn list_projects(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        limit: i64,
    ) -> Result<Vec<ProjectRecord>, ServiceError> {
        actor.require(Permission::ReadCapital)?;
        let today = chrono::Utc::now().date_naive();
        let atlas = self.atlas().await?;
        let root = match (unit_code, actor.scope_unit_id) {
            (Some(code), _) => Some(self.unit_at(actor, code, today).await?.id),
            (None, scope) => scope,
        };
        let unit_ids: Vec<i64> = match root {
            // Projects of the units merged into today's ones stay listed.
            Some(root) => atlas.reach(root),
            None => return Ok(self.store().projects_of_all(limit).await?),
        };
        Ok(self.store().projects_of_units(&unit_ids, limit).await?)
    }

    /// Replaces the investor's committed monthly disbursement schedule; audited. `version` is the project's
    /// version the schedule was edited on (checked when given): when someone else replaced the schedule since, the
    /// change is refused with a conflict and nothing is written.
    pub async fn set_commitments(
        &self,
        actor: &Actor,
        code: &str,
        months: Vec<(NaiveDate, i64)>,
        version: Option<i64>,
    ) -> Result<(), ServiceError> {
        let project = self.project_in_scope(actor, code).await?;
        self.require_scope_to_record(actor, project.unit_id).await?;
        if months.iter().any(|(_, amount)| *amount < 0) {
            return Err(ServiceError::Invalid(
                "số tiền cam kết không được âm".to_owned(),
            ));
        }
        let months: Vec<(NaiveDate, i64)> = months
            .into_iter()
            .map(|(month, amount)| {
                (
                    NaiveDate::from_ymd_opt(month.year(), month.month(), 1)
                        .expect("first of month"),
                    amount,
                )
            })
            .collect();
        let stale = || {
            ServiceError::stale(&format!(
                "kế hoạch giải ngân cam kết của dự án {}",
                project.code
            ))
        };
        if version.is_some_and(|version| version != project.version) {
            return Err(stale());
        }
        let mut tx = self.store().begin().await?;
        if !tx
            .set_commitments(project.id, project.version, &months)
            .await?
        {
            return Err(stale());
        }
        let mut entry = actor.audit("project.commitments", "project", project.code.clone());
        entry.after = Some(serde_json::json!(months
            .iter()
            .map(
                |(month, amount)| serde_json::json!({"month": month.to_string(), "amount": amount})
            )
            .collect::<Vec<_>>()));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a progress report (physical % and value done); audited.
    pub async fn report_progress(
        &self,
        actor: &Actor,
        code: &str,
        report_date: NaiveDate,
        physical_pct: f64,
        value_done: i64,
        note: &str,
    ) -> Result<(), ServiceError> {
        let project = self.project_in_scope(actor, code).await?;
        self.require_scope_to_record(actor, project.unit_id).await?;
        if !(0.0..=100.0).contains(&physical_pct) {
            return Err(ServiceError::Invalid(
                "khối lượng hoàn thành phải từ 0 đến 100%".to_owned(),
            ));
        }
        if value_done < 0 {
            return Err(ServiceError::Invalid(
                "giá trị thực hiện không được âm".to_owned(),
            ));
        }
        let mut tx = self.store().begin().await?;
        tx.insert_progress(
            project.id,
            report_date,
            physical_pct,
            value_done,
            note.trim(),
        )
        .await?;
        let mut entry = actor.audit("project.progress", "project", project.code.clone());
        entry.after = Some(serde_json::json!({
            "date": report_date.to_string(), "physical_pct": physical_pct, "value_done": value_done,
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Raises an obstacle on a project with the agency or person who owns it; audited.
    pub async fn raise_obstacle(
        &self,
        actor: &Actor,
        code: &str,
        kind: &str,
        description: &str,
        owner: &str,
        raised_on: NaiveDate,
    ) -> Result<i64, ServiceError> {
        let project = self.project_in_scope(actor, code).await?;
        self.require_scope_to_record(actor, project.unit_id).await?;
        if !OBSTACLE_KINDS.iter().any(|(key, _)| *key == kind) {
            return Err(ServiceError::Invalid(format!(
                "loại vướng mắc \"{kind}\" không hợp lệ"
            )));
        }
        if description.trim().is_empty() || owner.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "cần nội dung vướng mắc và cơ quan chịu trách nhiệm".to_owned(),
            ));
        }
        let mut tx = self.store().begin().await?;
        let id = tx
            .insert_obstacle(
                project.id,
                kind,
                description.trim(),
                owner.trim(),
                raised_on,
            )
            .await?;
        let mut entry = actor.audit("project.obstacle", "project", project.code.clone());
        entry.after = Some(serde_json::json!({ "id": id, "kind": kind, "owner": owner.trim() }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Marks an obstacle of a project resolved; audited.
    pub async fn resolve_obstacle(
        &self,
        actor: &Actor,
        code: &str,
        obstacle_id: i64,
        resolved_on: NaiveDate,
    ) -> Result<(), ServiceError> {
        let project = self.project_in_scope(actor, code).await?;
        self.require_scope_to_record(actor, project.unit_id).await?;
        let obstacles = self.store().project_obstacles(project.id).await?;
        if !obstacles.iter().any(|obstacle| obstacle.id == obstacle_id) {
            return Err(ServiceError::NotFound(format!(
                "vướng mắc số {obstacle_id} của dự án"
            )));
        }
        let mut tx = self.store().begin().await?;
        if !tx.resolve_obstacle(obstacle_id, resolved_on).await? {
            return Err(ServiceError::Conflict {
                message: format!(
                    "vướng mắc số {obstacle_id} của dự án {} đã được ghi nhận xử lý xong (có thể bởi người khác); \
                     hãy tải lại trang, không có gì được ghi thêm",
                    project.code
                ),
            });
        }
        let mut entry = actor.audit("project.obstacle_resolved", "project", project.code.clone());
        entry.after =
            Some(serde_json::json!({ "id": obstacle_id, "resolved_on": resolved_on.to_string() }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

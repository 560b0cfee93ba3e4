//! The program catalogue: the shipped programs of both phases with their projects, sub-projects and contents,
//! administrators' additions and edits (audited), and deadline extensions.

use chrono::{Datelike, NaiveDate};
use mtqg_core::access::Permission;
use mtqg_core::money::{CapitalType, Extension};
use mtqg_store::{NewProgramItem, ProgramItemRecord};
use mtqg_xlsx::TableEvent;

use crate::auth::Actor;
use crate::{Service, ServiceError};

/// The shipped catalogue (data/catalogue/program_items.csv, its sources in data/catalogue/README.md).
const SHIPPED: &[u8] = include_bytes!("../../../data/catalogue/program_items.csv");

const LEVELS: [&str; 4] = ["program", "project", "subproject", "content"];

/// Parses the catalogue's CSV format; every problem names its row.
pub fn parse_catalogue(bytes: &[u8]) -> Result<Vec<NewProgramItem>, Vec<String>> {
    let mut headers = Vec::new();
    let mut items = Vec::new();
    let mut problems = Vec::new();
    let res = mtqg_xlsx::read_csv(bytes, |event| match event {
        TableEvent::Head(head) => headers = head.headers.clone(),
        TableEvent::Row(row, cells) => {
            let get = |name: &str| {
                headers
                    .iter()
                    .position(|header| header == name)
                    .and_then(|idx| cells.get(idx))
                    .map(|cell| cell.trim().to_owned())
                    .unwrap_or_default()
            };
            let date = |name: &str| -> Result<Option<NaiveDate>, String> {
                match get(name).as_str() {
                    "" => Ok(None),
                    text => mtqg_core::vi::parse_date(text)
                        .map(Some)
                        .ok_or_else(|| format!("dòng {row}: ngày {name} \"{text}\" không hợp lệ")),
                }
            };
            let level = get("level");
            if !LEVELS.contains(&level.as_str()) {
                problems.push(format!("dòng {row}: cấp \"{level}\" không hợp lệ"));
                return;
            }
            let (valid_from, valid_to) = match (date("valid_from"), date("valid_to")) {
                (Ok(from), Ok(to)) => (from, to),
                (Err(message), _) | (_, Err(message)) => {
                    problems.push(message);
                    return;
                }
            };
            let optional = |text: String| (!text.is_empty()).then_some(text);
            items.push(NewProgramItem {
                code: get("code"),
                parent_code: optional(get("parent_code")),
                level,
                name: mtqg_core::vi::nfc(&get("name")),
                phase: get("phase"),
                valid_from,
                valid_to,
                legal_basis: get("legal_basis"),
                verify: get("verify") == "yes",
                maps_to_code: optional(get("maps_to")),
                note: get("note"),
            });
        }
    });
    if let Err(err) = res {
        problems.push(err.to_string());
    }
    // Mapping targets may come later in the file than their sources: order so that every reference is defined first.
    let mut ordered: Vec<NewProgramItem> = Vec::with_capacity(items.len());
    let mut pending = items;
    while !pending.is_empty() {
        let before = pending.len();
        let (ready, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|item| {
            [&item.parent_code, &item.maps_to_code]
                .into_iter()
                .flatten()
                .all(|code| ordered.iter().any(|done| &done.code == code))
        });
        ordered.extend(ready);
        pending = rest;
        if pending.len() == before {
            problems.extend(pending.iter().map(|item| {
                format!(
                    "mục \"{}\" tham chiếu mục cha hoặc mục chuyển tiếp không có trong danh mục",
                    item.code
                )
            }));
            break;
        }
    }
    if problems.is_empty() {
        Ok(ordered)
    } else {
        Err(problems)
    }
}

/// New values for a catalogue item.
#[derive(Debug, Clone)]
pub struct ItemEdit {
    pub name: String,
    pub legal_basis: String,
    pub verify: bool,
    pub note: String,
}

/// A catalogue item to add from the administration form.
#[derive(Debug, Clone)]
pub struct ItemInput {
    pub code: String,
    pub parent_code: Option<String>,
    pub level: String,
    pub name: String,
    pub legal_basis: String,
    pub verify: bool,
    pub note: String,
}

impl Service {
    /// Loads the shipped catalogue into an empty one. Returns the number of items loaded (0 when items exist).
    pub async fn load_shipped_catalogue(&self) -> Result<usize, ServiceError> {
        if !self.store().program_items().await?.is_empty() {
            return Ok(0);
        }
        let items = parse_catalogue(SHIPPED).map_err(|problems| {
            ServiceError::Other(anyhow::anyhow!(
                "shipped catalogue is invalid: {}",
                problems.join("; ")
            ))
        })?;
        let mut tx = self.store().begin().await?;
        tx.insert_program_items(&items).await?;
        let mut entry =
            Actor::system().audit("catalogue.seed", "program_items", "shipped".to_owned());
        entry.after = Some(serde_json::json!({ "items": items.len() }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(items.len())
    }

    /// The whole catalogue, by code.
    pub async fn program_items(
        &self,
        actor: &Actor,
    ) -> Result<Vec<ProgramItemRecord>, ServiceError> {
        actor.require(Permission::ReadCapital)?;
        Ok(self.store().program_items().await?)
    }

    /// Adds an item under an existing one (same phase and validity as its parent); audited.
    pub async fn add_program_item(
        &self,
        actor: &Actor,
        input: ItemInput,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::EditCatalogue)?;
        let code = input.code.trim();
        if code.is_empty()
            || code.len() > 40
            || !code
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ".-_".contains(ch))
        {
            return Err(ServiceError::Invalid(
                "mã mục phải gồm 1–40 chữ, số, dấu chấm hoặc gạch".to_owned(),
            ));
        }
        if !LEVELS.contains(&input.level.as_str()) {
            return Err(ServiceError::Invalid(format!(
                "cấp \"{}\" không hợp lệ",
                input.level
            )));
        }
        if input.name.trim().is_empty() {
            return Err(ServiceError::Invalid("cần tên mục".to_owned()));
        }
        let catalogue = self.store().program_items().await?;
        let parent = match &input.parent_code {
            Some(parent_code) => Some(
                catalogue
                    .iter()
                    .find(|item| &item.code == parent_code)
                    .ok_or_else(|| {
                        ServiceError::Invalid(format!("không có mục cha \"{parent_code}\""))
                    })?,
            ),
            None => None,
        };
        if parent.is_none() && input.level != "program" {
            return Err(ServiceError::Invalid(
                "chỉ chương trình mới không có mục cha".to_owned(),
            ));
        }
        let item = NewProgramItem {
            code: code.to_owned(),
            parent_code: input.parent_code.clone(),
            level: input.level.clone(),
            name: mtqg_core::vi::nfc(input.name.trim()),
            phase: parent
                .map(|parent| parent.phase.clone())
                .unwrap_or_default(),
            valid_from: parent.and_then(|parent| parent.valid_from),
            valid_to: parent.and_then(|parent| parent.valid_to),
            legal_basis: input.legal_basis.trim().to_owned(),
            verify: input.verify,
            maps_to_code: None,
            note: input.note.trim().to_owned(),
        };
        if catalogue.iter().any(|existing| existing.code == code) {
            return Err(ServiceError::Invalid(format!("mã mục \"{code}\" đã có")));
        }
        let mut tx = self.store().begin().await?;
        tx.insert_program_items(std::slice::from_ref(&item)).await?;
        let mut entry = actor.audit("catalogue.add", "program_item", code.to_owned());
        entry.after = Some(serde_json::json!({
            "parent": input.parent_code, "level": input.level, "name": item.name, "verify": input.verify,
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Edits an item's name, legal basis, flag and note; the reason goes to the audit log with the old values.
    /// `version` is the item's version the edit was made on (checked when given): when someone else edited the
    /// item since, the edit is refused with a conflict and nothing is written.
    pub async fn edit_program_item(
        &self,
        actor: &Actor,
        code: &str,
        edit: &ItemEdit,
        reason: &str,
        version: Option<i64>,
    ) -> Result<(), ServiceError> {
        let ItemEdit {
            name,
            legal_basis,
            verify,
            note,
        } = edit;
        let (name, legal_basis, verify, note) =
            (name.as_str(), legal_basis.as_str(), *verify, note.as_str());
        actor.require(Permission::EditCatalogue)?;
        if reason.trim().is_empty() {
            return Err(ServiceError::Invalid("cần ghi lý do sửa".to_owned()));
        }
        if name.trim().is_empty() {
            return Err(ServiceError::Invalid("cần tên mục".to_owned()));
        }
        let item = self
            .store()
            .program_items()
            .await?
            .into_iter()
            .find(|item| item.code == code.trim())
            .ok_or_else(|| {
                ServiceError::NotFound(format!("mục chương trình mã \"{}\"", code.trim()))
            })?;
        let stale = || ServiceError::stale(&format!("mục danh mục \"{}\"", item.code));
        if version.is_some_and(|version| version != item.version) {
            return Err(stale());
        }
        let mut tx = self.store().begin().await?;
        if !tx
            .update_program_item(
                item.id,
                item.version,
                mtqg_core::vi::nfc(name.trim()).as_str(),
                legal_basis.trim(),
                verify,
                note.trim(),
            )
            .await?
        {
            return Err(stale());
        }
        let mut entry = actor.audit("catalogue.edit", "program_item", item.code.clone());
        entry.before = Some(serde_json::json!({
            "name": item.name, "legal_basis": item.legal_basis, "verify": item.verify, "note": item.note,
        }));
        entry.after = Some(serde_json::json!({
            "name": name.trim(), "legal_basis": legal_basis.trim(), "verify": verify, "note": note.trim(),
        }));
        entry.reason = Some(reason.trim().to_owned());
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a deadline extension for a plan year (optionally one capital type or item); audited.
    pub async fn add_extension(
        &self,
        actor: &Actor,
        plan_year: i32,
        capital_type: Option<CapitalType>,
        item_code: Option<&str>,
        until: NaiveDate,
        legal_basis: &str,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::EditCatalogue)?;
        if legal_basis.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "gia hạn phải có căn cứ pháp lý".to_owned(),
            ));
        }
        if until.year() <= plan_year {
            return Err(ServiceError::Invalid(
                "hạn gia hạn phải sau năm kế hoạch".to_owned(),
            ));
        }
        let item_id = match item_code {
            None => None,
            Some(code) => Some(
                self.store()
                    .program_items()
                    .await?
                    .into_iter()
                    .find(|item| item.code == code)
                    .ok_or_else(|| {
                        ServiceError::NotFound(format!("mục chương trình mã \"{code}\""))
                    })?
                    .id,
            ),
        };
        let extension = Extension {
            plan_year,
            capital_type,
            item_id,
            until,
            legal_basis: legal_basis.trim().to_owned(),
        };
        let mut tx = self.store().begin().await?;
        tx.insert_extension(&extension).await?;
        let mut entry = actor.audit(
            "capital.extension",
            "deadline_extension",
            plan_year.to_string(),
        );
        entry.after = Some(serde_json::json!({
            "plan_year": plan_year, "capital_type": capital_type.map(CapitalType::key), "item": item_code,
            "until": until.to_string(), "legal_basis": legal_basis.trim(),
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

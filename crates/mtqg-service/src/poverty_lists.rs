//! Review lists and what is read from them: the commune review screen, entering one household's answers, freezing
//! a list with its recognition decision, correcting lists, what-if re-classification, rates rolled up through the
//! geography (or re-based onto today's units), flows between two years' lists, and reduction targets.
//!
//! A commune's figure for a year comes from its latest frozen list of that year (by decision date): a correcting
//! list replaces the one it corrects. Open lists are never counted in statistics.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use mtqg_core::access::Permission;
use mtqg_core::atlas::{Atlas, UnitAsOf};
use mtqg_core::poverty::flows::{Flow, Flows, Movement};
use mtqg_core::poverty::{reduction, Class, Classification, Household, Reduction, Tally};
use mtqg_store::{
    HouseholdRecord, ListRow, ListTallies, ListedHousehold, MemberRow, NewPovertyList,
    PovertyListRecord, PovertyTargetRecord,
};

use crate::poverty::{classify_row, indicator_codes, review_day, split_codes};
use crate::{Actor, Service, ServiceError};

/// A list with its commune and tallies.
#[derive(Debug, Clone)]
pub struct ListSummary {
    pub list: PovertyListRecord,
    pub commune: UnitAsOf,
    pub standard_name: String,
    pub standard_verify: bool,
    pub tally: Tally,
}

/// The review screen of one list.
#[derive(Debug, Clone)]
pub struct ListPage {
    pub summary: ListSummary,
    pub standard: mtqg_core::poverty::Standard,
    pub households: Vec<ListedHousehold>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
    /// Lists this one corrects or is corrected by (id, decision).
    pub replaces: Option<i64>,
}

/// One household's answers entered on the review screen.
#[derive(Debug, Clone, Default)]
pub struct ReviewInput {
    pub household_code: String,
    pub income: Option<i64>,
    pub score_a: Option<i64>,
    /// Codes of the indicators the household is deprived on.
    pub deprived: Vec<String>,
    /// The version of the household's row the answers were entered on (checked when given: someone else's change
    /// since is a conflict); `None` enters or replaces without checking.
    pub version: Option<i64>,
}

/// New register fields of a household (the code and commune stay).
#[derive(Debug, Clone, Default)]
pub struct HouseholdEdit {
    pub head_name: String,
    pub village: String,
    pub address: String,
    /// "rural" or "urban".
    pub area: String,
    pub ethnicity: String,
    pub ethnic_minority: bool,
    pub meritorious: bool,
    pub social_protection: bool,
    pub no_worker: bool,
}

/// A household's register entry, members and results in every list.
#[derive(Debug, Clone)]
pub struct HouseholdPage {
    pub household: HouseholdRecord,
    pub commune: Option<UnitAsOf>,
    pub members: Vec<MemberRow>,
    /// Newest first: the list, the class and the deprived indicator codes (comma-separated).
    pub history: Vec<(PovertyListRecord, String, String)>,
}

/// A what-if: a list's households re-classified under another standard, nothing written.
#[derive(Debug, Clone)]
pub struct WhatIf {
    pub standard_code: String,
    pub standard_name: String,
    pub before: Tally,
    pub after: Tally,
    /// (class in the list, class under the other standard) → households.
    pub moves: BTreeMap<(Class, Class), u64>,
    /// Indicators of the other standard the households were never asked about (counted as not deprived).
    pub unanswered: Vec<String>,
}

/// A unit's households re-classified under another standard (nothing written): before and after, per child unit.
#[derive(Debug, Clone)]
pub struct UnitWhatIf {
    pub year: i32,
    pub standard_code: String,
    pub standard_name: String,
    pub before: Tally,
    pub after: Tally,
    /// Each child unit with its tallies before and after.
    pub children: Vec<(UnitAsOf, Tally, Tally)>,
    /// Indicators of the other standard the households were never asked about (counted as not deprived).
    pub unanswered: Vec<String>,
}

/// One line of a rate table: a unit (or the country) with its tallies this year and last.
#[derive(Debug, Clone)]
pub struct RateLine {
    pub unit: Option<UnitAsOf>,
    pub tally: Tally,
    pub previous: Option<Tally>,
    pub reduction: Option<Reduction>,
    pub n_lists: usize,
    /// Rank by poverty rate among siblings, lowest first ("thứ 3/12").
    pub rank: Option<(usize, usize)>,
}

/// Rates for a unit and year, with its children.
#[derive(Debug, Clone)]
pub struct Rates {
    pub year: i32,
    /// Lists were carried onto today's units through lineage.
    pub rebased: bool,
    pub total: RateLine,
    pub children: Vec<RateLine>,
    pub target: Option<PovertyTargetRecord>,
}

/// Flows of a unit between two years, with its children.
#[derive(Debug, Clone)]
pub struct FlowReport {
    pub from_year: i32,
    pub to_year: i32,
    pub rebased: bool,
    pub unit: Option<UnitAsOf>,
    pub total: Flows,
    pub children: Vec<(UnitAsOf, Flows)>,
}

/// A household followed from the start list to the end list, with the child unit it is counted under.
#[derive(Debug, Default)]
struct Followed {
    start: Option<Class>,
    end: Option<Class>,
    child: Option<i64>,
}

/// Tallies stored on a frozen list.
fn stored_tally(list: &PovertyListRecord) -> Tally {
    let n = |value: Option<i64>| value.unwrap_or(0).max(0) as u64;
    Tally {
        households: n(list.n_households),
        poor: n(list.n_poor),
        near_poor: n(list.n_near_poor),
        average: n(list.n_average),
        em_households: n(list.n_em),
        em_poor: n(list.n_em_poor),
        em_near_poor: n(list.n_em_near_poor),
        poor_deprived: list
            .poor_deprived
            .as_deref()
            .unwrap_or("")
            .split(';')
            .filter_map(|part| {
                let (code, count) = part.split_once('=')?;
                Some((code.to_owned(), count.parse().ok()?))
            })
            .collect(),
    }
}

fn tally_rows(rows: &[ListRow]) -> Tally {
    let mut tally = Tally::default();
    for row in rows {
        tally.add(
            Class::from_code(row.class).unwrap_or(Class::Other),
            row.ethnic_minority,
            split_codes(&row.deprived),
        );
    }
    tally
}

fn to_store(tally: &Tally) -> ListTallies {
    let n = |value: u64| value as i64;
    ListTallies {
        n_households: n(tally.households),
        n_poor: n(tally.poor),
        n_near_poor: n(tally.near_poor),
        n_average: n(tally.average),
        n_em: n(tally.em_households),
        n_em_poor: n(tally.em_poor),
        n_em_near_poor: n(tally.em_near_poor),
        poor_deprived: tally
            .poor_deprived
            .iter()
            .map(|(code, count)| format!("{code}={count}"))
            .collect::<Vec<_>>()
            .join(";"),
    }
}

/// The latest frozen list of each commune and year.
fn latest_lists(lists: Vec<PovertyListRecord>) -> Vec<PovertyListRecord> {
    let mut latest: HashMap<(i64, i64), PovertyListRecord> = HashMap::new();
    for list in lists.into_iter().filter(|list| list.status == "frozen") {
        let key = (list.commune_id, list.year);
        let newer =
            |held: &PovertyListRecord| (list.decided_on, list.id) > (held.decided_on, held.id);
        if latest.get(&key).is_none_or(newer) {
            latest.insert(key, list);
        }
    }
    let mut res: Vec<_> = latest.into_values().collect();
    res.sort_by_key(|list| (list.year, list.commune_id));
    res
}

/// Where a list's commune sits: the commune and its ancestors, nearest first, on the list's own date, or carried
/// onto the units of `rebase_to` through lineage.
fn place(
    atlas: &Atlas,
    list: &PovertyListRecord,
    rebase_to: Option<NaiveDate>,
) -> (Vec<i64>, NaiveDate) {
    let own = list
        .decided_on
        .unwrap_or_else(|| review_day(list.year as i32));
    match rebase_to {
        Some(day) => match atlas.carried_to(list.commune_id, day) {
            Some(home) => (atlas.chain_up(home, day), day),
            None => (Vec::new(), day),
        },
        None => (atlas.chain_up(list.commune_id, own), own),
    }
}

/// Under `root` (`None`: the country), the child a path falls in: `Some(None)` when the path is the root itself,
/// `Some(Some(child))` when below it, `None` when outside.
fn child_under(path: &[i64], root: Option<i64>) -> Option<Option<i64>> {
    match root {
        None => Some(path.last().copied()),
        Some(root) => {
            let pos = path.iter().position(|&id| id == root)?;
            Some((pos > 0).then(|| path[pos - 1]))
        }
    }
}

impl Service {
    /// A list in the actor's scope, with its commune.
    async fn list_in_scope(
        &self,
        actor: &Actor,
        list_id: i64,
    ) -> Result<(PovertyListRecord, UnitAsOf), ServiceError> {
        let list = self
            .store()
            .poverty_list(list_id)
            .await
            .map_err(|_| ServiceError::NotFound(format!("danh sách số {list_id}")))?;
        self.require_scope(actor, list.commune_id).await?;
        let atlas = self.atlas().await?;
        let day = list
            .decided_on
            .unwrap_or_else(|| review_day(list.year as i32));
        let commune = atlas
            .unit(list.commune_id, day)
            .or_else(|| {
                let stored = atlas.stored(list.commune_id)?;
                let last = stored.validity.to.map(|to| to.pred_opt().unwrap_or(to))?;
                atlas.unit(list.commune_id, last)
            })
            .ok_or_else(|| ServiceError::NotFound(format!("xã của danh sách {list_id}")))?;
        Ok((list, commune))
    }

    async fn summary_of(
        &self,
        list: PovertyListRecord,
        commune: UnitAsOf,
    ) -> Result<ListSummary, ServiceError> {
        let standard = self.poverty_standard(&list.standard_code).await?;
        let tally = if list.status == "frozen" {
            stored_tally(&list)
        } else {
            tally_rows(&self.store().poverty_list_rows(list.id).await?)
        };
        Ok(ListSummary {
            list,
            commune,
            standard_name: standard.name,
            standard_verify: standard.verify,
            tally,
        })
    }

    /// The lists of a commune (any status), newest first, with tallies.
    pub async fn commune_poverty_lists(
        &self,
        actor: &Actor,
        commune_code: &str,
        on: NaiveDate,
    ) -> Result<(UnitAsOf, Vec<ListSummary>), ServiceError> {
        actor.require(Permission::ReadPoverty)?;
        let commune = self.unit_at(actor, commune_code, on).await?;
        let lists = self
            .store()
            .poverty_lists(&[commune.id], 2000, 2100)
            .await?;
        let mut res = Vec::with_capacity(lists.len());
        for list in lists.into_iter().rev() {
            res.push(self.summary_of(list, commune.clone()).await?);
        }
        Ok((commune, res))
    }

    /// The review screen: a page of the list's households (names included: in scope only), filtered by class and
    /// by code, name or village.
    pub async fn poverty_list_page(
        &self,
        actor: &Actor,
        list_id: i64,
        class: Option<Class>,
        query: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<ListPage, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let (list, commune) = self.list_in_scope(actor, list_id).await?;
        let standard = self.poverty_standard(&list.standard_code).await?;
        let (total, households) = self
            .store()
            .listed_households(
                list_id,
                class.map(Class::code),
                query.map(str::trim).filter(|q| !q.is_empty()),
                offset.max(0),
                limit.clamp(1, 500),
            )
            .await?;
        let replaces = list.replaces_id;
        Ok(ListPage {
            summary: self.summary_of(list, commune).await?,
            standard,
            households,
            total,
            offset: offset.max(0),
            limit: limit.clamp(1, 500),
            replaces,
        })
    }

    /// One household: register fields, members (names and ID numbers: in scope only), results in every list.
    pub async fn household_page(
        &self,
        actor: &Actor,
        household_id: i64,
    ) -> Result<HouseholdPage, ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let household = self
            .store()
            .household(household_id)
            .await
            .map_err(|_| ServiceError::NotFound(format!("hộ số {household_id}")))?;
        self.require_scope(actor, household.commune_id).await?;
        let atlas = self.atlas().await?;
        let commune = atlas
            .unit(household.commune_id, chrono::Utc::now().date_naive())
            .or_else(|| {
                let last = atlas
                    .stored(household.commune_id)?
                    .validity
                    .to?
                    .pred_opt()?;
                atlas.unit(household.commune_id, last)
            });
        Ok(HouseholdPage {
            members: self.store().household_members(household_id).await?,
            history: self.store().household_history(household_id).await?,
            household,
            commune,
        })
    }

    /// Corrects a household's register fields (head, village, address, area, ethnicity, policy flags). `version`
    /// is the household's version the edit was made on (checked when given): when someone else edited the household
    /// or an import rewrote it since, the edit is refused with a conflict and nothing is written. The audit entry
    /// names the fields changed, never their values (personal data).
    pub async fn edit_household(
        &self,
        actor: &Actor,
        household_id: i64,
        edit: &HouseholdEdit,
        version: Option<i64>,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::RecordPoverty)?;
        actor.require(Permission::ReadHouseholds)?;
        let stored = self
            .store()
            .household(household_id)
            .await
            .map_err(|_| ServiceError::NotFound(format!("hộ số {household_id}")))?;
        self.require_scope(actor, stored.commune_id).await?;
        let head_name = mtqg_core::vi::nfc(edit.head_name.trim());
        if head_name.is_empty() {
            return Err(ServiceError::Invalid("cần họ tên chủ hộ".to_owned()));
        }
        let area = mtqg_core::poverty::Area::parse(edit.area.trim())
            .ok_or_else(|| {
                ServiceError::Invalid(format!("khu vực \"{}\" không hợp lệ", edit.area.trim()))
            })?
            .code();
        let stale = || ServiceError::stale(&format!("hộ {}", stored.code));
        if version.is_some_and(|version| version != stored.version) {
            return Err(stale());
        }
        let village = mtqg_core::vi::nfc(edit.village.trim());
        let address = mtqg_core::vi::nfc(edit.address.trim());
        let ethnicity = mtqg_core::vi::nfc(edit.ethnicity.trim());
        let row = mtqg_store::HouseholdRow {
            id: stored.id,
            commune_id: stored.commune_id,
            code: &stored.code,
            head_name: &head_name,
            village: &village,
            address: &address,
            area,
            ethnicity: &ethnicity,
            ethnic_minority: edit.ethnic_minority,
            meritorious: edit.meritorious,
            social_protection: edit.social_protection,
            no_worker: edit.no_worker,
        };
        let changed: Vec<&str> = [
            ("head_name", stored.head_name != row.head_name),
            ("village", stored.village != row.village),
            ("address", stored.address != row.address),
            ("area", stored.area != row.area),
            ("ethnicity", stored.ethnicity != row.ethnicity),
            (
                "ethnic_minority",
                stored.ethnic_minority != row.ethnic_minority,
            ),
            ("meritorious", stored.meritorious != row.meritorious),
            (
                "social_protection",
                stored.social_protection != row.social_protection,
            ),
            ("no_worker", stored.no_worker != row.no_worker),
        ]
        .into_iter()
        .filter_map(|(name, differs)| differs.then_some(name))
        .collect();
        let mut tx = self.store().begin().await?;
        if !tx.update_household(&row, stored.version).await? {
            return Err(stale());
        }
        let mut entry = actor.audit(
            "poverty.household.edit",
            "households",
            household_id.to_string(),
        );
        entry.after = Some(serde_json::json!({ "fields": changed }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every household of a list with its result, for a download (personal data: in scope only; the download is
    /// recorded in the audit log).
    pub async fn export_poverty_list(
        &self,
        actor: &Actor,
        list_id: i64,
    ) -> Result<(ListSummary, Vec<ListedHousehold>), ServiceError> {
        actor.require(Permission::ReadHouseholds)?;
        let (list, commune) = self.list_in_scope(actor, list_id).await?;
        let (_, households) = self
            .store()
            .listed_households(list_id, None, None, 0, i64::MAX)
            .await?;
        let mut tx = self.store().begin().await?;
        let mut entry = actor.audit("poverty.list.export", "poverty_lists", list_id.to_string());
        entry.after = Some(serde_json::json!({ "households": households.len() }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok((self.summary_of(list, commune).await?, households))
    }

    /// Enters (or replaces) one household's review answers in an open list; returns its class.
    pub async fn record_review(
        &self,
        actor: &Actor,
        list_id: i64,
        input: &ReviewInput,
    ) -> Result<Classification, ServiceError> {
        actor.require(Permission::RecordPoverty)?;
        let (list, commune) = self.list_in_scope(actor, list_id).await?;
        if list.status != "open" {
            return Err(frozen_error(&list, &commune));
        }
        if let Some(income) = input.income {
            if !(0..=mtqg_core::poverty::ABSURD_INCOME).contains(&income) {
                return Err(ServiceError::Invalid(format!(
                    "thu nhập {} đồng/người/tháng không hợp lệ (từ 0 đến 1 tỷ đồng)",
                    mtqg_core::vi::format_int(income)
                )));
            }
        }
        let standard = self.poverty_standard(&list.standard_code).await?;
        for code in &input.deprived {
            if standard.indicator(code).is_none() {
                return Err(ServiceError::Invalid(format!(
                    "chỉ số \"{code}\" không có trong chuẩn {}",
                    standard.code
                )));
            }
        }
        let keys = self.store().household_keys(&[commune.id]).await?;
        let household_id = keys
            .iter()
            .find(|(code, _)| *code == input.household_code.trim())
            .map(|(_, key)| key.id)
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "hộ mã \"{}\" trong {}",
                    input.household_code.trim(),
                    commune.name
                ))
            })?;
        let stored = self.store().household(household_id).await?;
        let household = Household {
            area: mtqg_core::poverty::Area::parse(&stored.area),
            income: input.income,
            score_a: input.score_a,
            deprived: input.deprived.iter().cloned().collect(),
            answered: None,
        };
        let result = standard
            .classify(&household)
            .map_err(|err| ServiceError::Invalid(err.to_string()))?;
        let row = ListRow {
            household_id,
            area: mtqg_core::poverty::Area::parse(&stored.area)
                .unwrap_or(mtqg_core::poverty::Area::Rural)
                .code(),
            ethnic_minority: stored.ethnic_minority,
            income: input.income,
            score_a: input.score_a,
            deprived: result.deprived.join(","),
            answered: String::new(),
            class: result.class.code(),
        };
        // Every indicator of the list's standard was asked: stored as "".
        let mut tx = self.store().begin().await?;
        let written = match input.version {
            None => {
                tx.write_list_rows(list_id, "", std::slice::from_ref(&row), true)
                    .await?;
                true
            }
            Some(version) => tx.update_list_row(list_id, &row, version).await?,
        };
        if !written {
            return Err(ServiceError::stale(&format!(
                "kết quả rà soát của hộ {} trong danh sách số {list_id}",
                input.household_code.trim()
            )));
        }
        let mut entry = actor.audit(
            "poverty.review.record",
            "poverty_lists",
            list_id.to_string(),
        );
        entry.after = Some(serde_json::json!({
            "household_id": household_id,
            "class": row.class,
            "deprived": row.deprived,
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(result)
    }

    /// Freezes an open list with the recognition decision: its tallies are stored, and nothing in it can change
    /// afterwards (a correction is a new list).
    pub async fn freeze_poverty_list(
        &self,
        actor: &Actor,
        list_id: i64,
        decision: &str,
        decided_on: NaiveDate,
    ) -> Result<Tally, ServiceError> {
        actor.require(Permission::RecordPoverty)?;
        let (list, commune) = self.list_in_scope(actor, list_id).await?;
        if list.status != "open" {
            return Err(frozen_error(&list, &commune));
        }
        let decision = decision.trim();
        if decision.is_empty() {
            return Err(ServiceError::Invalid(
                "cần số quyết định công nhận danh sách".to_owned(),
            ));
        }
        let first_day = NaiveDate::from_ymd_opt(list.year as i32, 1, 1).unwrap_or(NaiveDate::MIN);
        let today = chrono::Utc::now().date_naive();
        if decided_on < first_day || decided_on > today {
            return Err(ServiceError::Invalid(format!(
                "ngày quyết định {} phải từ {} đến hôm nay",
                mtqg_core::vi::format_date(decided_on),
                mtqg_core::vi::format_date(first_day)
            )));
        }
        let rows = self.store().poverty_list_rows(list_id).await?;
        if rows.is_empty() {
            return Err(ServiceError::Invalid(
                "danh sách chưa có hộ nào: không công nhận được".to_owned(),
            ));
        }
        let tally = tally_rows(&rows);
        let mut tx = self.store().begin().await?;
        tx.freeze_poverty_list(
            list_id,
            decision,
            decided_on,
            &to_store(&tally),
            actor.user_id,
        )
        .await
        .map_err(|_| frozen_error(&list, &commune))?;
        let mut entry = actor.audit("poverty.list.freeze", "poverty_lists", list_id.to_string());
        entry.after = Some(serde_json::json!({
            "decision": decision,
            "decided_on": decided_on,
            "households": tally.households,
            "poor": tally.poor,
            "near_poor": tally.near_poor,
        }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(tally)
    }

    /// Opens a correcting list from a frozen one: same commune, year and kind, its rows copied; freezing it later
    /// with a new decision makes it the commune's list for the year.
    pub async fn open_correction(
        &self,
        actor: &Actor,
        list_id: i64,
        note: &str,
    ) -> Result<i64, ServiceError> {
        actor.require(Permission::RecordPoverty)?;
        let (list, commune) = self.list_in_scope(actor, list_id).await?;
        if list.status != "frozen" {
            return Err(ServiceError::Invalid(
                "danh sách chưa được công nhận: sửa trực tiếp trên danh sách này".to_owned(),
            ));
        }
        if note.trim().is_empty() {
            return Err(ServiceError::Invalid(
                "cần ghi lý do điều chỉnh danh sách".to_owned(),
            ));
        }
        let mut tx = self.store().begin().await?;
        if tx
            .open_poverty_list(list.commune_id, list.year as i32, &list.kind)
            .await?
            .is_some()
        {
            return Err(ServiceError::Conflict {
                message: format!(
                    "{} đã có một danh sách năm {} đang mở; hoàn tất danh sách đó trước",
                    commune.name, list.year
                ),
            });
        }
        let id = tx
            .create_poverty_list(
                &NewPovertyList {
                    commune_id: list.commune_id,
                    year: list.year as i32,
                    kind: list.kind.clone(),
                    standard_code: list.standard_code.clone(),
                    replaces_id: Some(list.id),
                    note: note.trim().to_owned(),
                },
                actor.user_id,
            )
            .await?;
        tx.copy_list_rows(list.id, id).await?;
        let mut entry = actor.audit("poverty.list.correct", "poverty_lists", id.to_string());
        entry.after = Some(serde_json::json!({ "replaces": list.id }));
        entry.reason = Some(note.trim().to_owned());
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Re-classifies a list's households under another standard without writing anything.
    pub async fn reclassify_list(
        &self,
        actor: &Actor,
        list_id: i64,
        standard_code: &str,
    ) -> Result<WhatIf, ServiceError> {
        actor.require(Permission::ReadPoverty)?;
        let (list, _) = self.list_in_scope(actor, list_id).await?;
        let standard = self.poverty_standard(standard_code).await?;
        let own_indicators = indicator_codes(&self.poverty_standard(&list.standard_code).await?);
        let rows = self.store().poverty_list_rows(list.id).await?;
        let before = tally_rows(&rows);
        let mut after = Tally::default();
        let mut moves: BTreeMap<(Class, Class), u64> = BTreeMap::new();
        let mut unanswered: HashSet<String> = HashSet::new();
        for row in &rows {
            let result = classify_row(&standard, row, &own_indicators)
                .map_err(|err| ServiceError::Invalid(err.to_string()))?;
            unanswered.extend(result.unanswered.iter().cloned());
            after.add(
                result.class,
                row.ethnic_minority,
                result.deprived.iter().map(String::as_str),
            );
            let was = Class::from_code(row.class).unwrap_or(Class::Other);
            *moves.entry((was, result.class)).or_default() += 1;
        }
        let mut unanswered: Vec<String> = unanswered.into_iter().collect();
        unanswered.sort();
        Ok(WhatIf {
            standard_code: standard.code.clone(),
            standard_name: standard.name.clone(),
            before,
            after,
            moves,
            unanswered,
        })
    }

    /// Poverty rates of a unit (`None`: the actor's scope, or the country) for `year` from the communes' frozen
    /// lists, with last year's for the reduction, the year's target, and the unit's children ranked. With `rebase`
    /// lists are carried onto today's units; without it, when the unit holds no list on its own geography (a unit
    /// formed after the lists), they are carried anyway and the result says so.
    pub async fn poverty_rates(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        year: i32,
        rebase: bool,
    ) -> Result<Rates, ServiceError> {
        actor.require(Permission::ReadPoverty)?;
        let today = chrono::Utc::now().date_naive();
        let root = self.poverty_root(actor, unit_code, year).await?;
        let atlas = self.atlas().await?;
        let reach = root.as_ref().map(|unit| atlas.reach(unit.id));
        let lists = latest_lists(
            self.store()
                .frozen_poverty_lists(year - 1, year, reach.as_deref())
                .await?,
        );
        let mut rates =
            self.rates_with(&atlas, root.as_ref(), &lists, year, rebase.then_some(today));
        if !rebase && rates.total.n_lists == 0 {
            rates = self.rates_with(&atlas, root.as_ref(), &lists, year, Some(today));
        }
        if let Some(unit) = &root {
            rates.target = self
                .store()
                .poverty_targets(year)
                .await?
                .into_iter()
                .find(|target| target.unit_id == unit.id);
            if let (Some(target), Some(previous)) = (&rates.target, &rates.total.previous) {
                if let (Some(before), Some(after)) =
                    (previous.poor_rate(), rates.total.tally.poor_rate())
                {
                    rates.total.reduction =
                        Some(reduction(before, after, Some(target.target_points)));
                }
            }
        }
        Ok(rates)
    }

    /// The unit a poverty roll-up is about, as it was on the year's review day (or its last day, for an old unit).
    async fn poverty_root(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        year: i32,
    ) -> Result<Option<UnitAsOf>, ServiceError> {
        let atlas = self.atlas().await?;
        let today = chrono::Utc::now().date_naive();
        let code = match (unit_code, actor.scope_unit_id) {
            (Some(code), _) => code.trim().to_owned(),
            (None, Some(scope)) => match atlas.stored(scope) {
                Some(unit) => unit.code.clone(),
                None => return Err(ServiceError::Forbidden),
            },
            (None, None) => return Ok(None),
        };
        for day in [today, review_day(year)] {
            if let Some(unit) = atlas.unit_by_code(&code, day) {
                self.require_scope(actor, unit.id).await?;
                return Ok(Some(unit));
            }
        }
        Err(ServiceError::NotFound(format!("đơn vị mã \"{code}\"")))
    }

    fn rates_with(
        &self,
        atlas: &Atlas,
        root: Option<&UnitAsOf>,
        lists: &[PovertyListRecord],
        year: i32,
        rebase_to: Option<NaiveDate>,
    ) -> Rates {
        let root_id = root.map(|unit| unit.id);
        let mut total = Tally::default();
        let mut previous = Tally::default();
        let mut n_lists = 0;
        let mut n_previous = 0;
        let mut by_child: BTreeMap<i64, (Tally, Tally, usize, usize, NaiveDate)> = BTreeMap::new();
        for list in lists {
            let (path, day) = place(atlas, list, rebase_to);
            let Some(child) = child_under(&path, root_id) else {
                continue;
            };
            let tally = stored_tally(list);
            let this_year = list.year as i32 == year;
            if this_year {
                total.merge(&tally);
                n_lists += 1;
            } else {
                previous.merge(&tally);
                n_previous += 1;
            }
            if let Some(child) = child {
                let entry = by_child
                    .entry(child)
                    .or_insert_with(|| (Tally::default(), Tally::default(), 0, 0, day));
                if this_year {
                    entry.0.merge(&tally);
                    entry.2 += 1;
                    entry.4 = day;
                } else {
                    entry.1.merge(&tally);
                    entry.3 += 1;
                }
            }
        }
        let line = |unit, tally: Tally, previous: Tally, n_lists, n_previous| {
            let reduction = match (previous.poor_rate(), tally.poor_rate()) {
                (Some(before), Some(after)) if n_previous > 0 => {
                    Some(reduction(before, after, None))
                }
                _ => None,
            };
            RateLine {
                unit,
                tally,
                previous: (n_previous > 0).then_some(previous),
                reduction,
                n_lists,
                rank: None,
            }
        };
        let mut children: Vec<RateLine> = by_child
            .into_iter()
            .filter(|(_, (_, _, n, _, _))| *n > 0)
            .filter_map(|(id, (tally, prev, n, n_prev, day))| {
                let unit = atlas.unit(id, day)?;
                Some(line(Some(unit), tally, prev, n, n_prev))
            })
            .collect();
        let mut order: Vec<(f64, usize)> = children
            .iter()
            .enumerate()
            .map(|(idx, line)| (line.tally.poor_rate().unwrap_or(f64::MAX), idx))
            .collect();
        order.sort_by(|a, b| a.0.total_cmp(&b.0));
        let n = children.len();
        for (rank, (_, idx)) in order.into_iter().enumerate() {
            children[idx].rank = Some((rank + 1, n));
        }
        children.sort_by(|a, b| {
            let name = |line: &RateLine| {
                line.unit
                    .as_ref()
                    .map(|u| u.code.clone())
                    .unwrap_or_default()
            };
            name(a).cmp(&name(b))
        });
        Rates {
            year,
            rebased: rebase_to.is_some(),
            total: line(root.cloned(), total, previous, n_lists, n_previous),
            children,
            target: None,
        }
    }

    /// Flows between the frozen lists of `from_year` and `to_year` for a unit and its children. Households are
    /// followed by identity; start lists are placed on the end year's geography (through lineage), so flows cross
    /// the 2025 reform. With `rebase` both are placed on today's units.
    pub async fn poverty_flows(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        from_year: i32,
        to_year: i32,
        rebase: bool,
    ) -> Result<FlowReport, ServiceError> {
        actor.require(Permission::ReadPoverty)?;
        if from_year >= to_year {
            return Err(ServiceError::Invalid(format!(
                "năm đầu {from_year} phải trước năm cuối {to_year}"
            )));
        }
        let root = self.poverty_root(actor, unit_code, to_year).await?;
        let root_id = root.as_ref().map(|unit| unit.id);
        let atlas = self.atlas().await?;
        let today = chrono::Utc::now().date_naive();
        let reach = root_id.map(|root| atlas.reach(root));
        let lists = latest_lists(
            self.store()
                .frozen_poverty_lists(from_year, to_year, reach.as_deref())
                .await?,
        );
        let end_day = if rebase { today } else { review_day(to_year) };
        let mut child_of_list: HashMap<i64, Option<i64>> = HashMap::new();
        let mut start_lists = Vec::new();
        let mut end_lists = Vec::new();
        let mut start_communes = Vec::new();
        for list in &lists {
            let is_end = list.year as i32 == to_year;
            let is_start = list.year as i32 == from_year;
            if !is_end && !is_start {
                continue;
            }
            let rebase_to = if is_start || rebase {
                Some(end_day)
            } else {
                None
            };
            let (path, _) = place(&atlas, list, rebase_to);
            if let Some(child) = child_under(&path, root_id) {
                child_of_list.insert(list.id, child);
                if is_end {
                    end_lists.push(list.id);
                } else {
                    start_lists.push(list.id);
                    start_communes.push(list.commune_id);
                }
            }
        }
        let mut classes: HashMap<i64, Followed> = HashMap::new();
        let ids: Vec<i64> = start_lists.iter().chain(&end_lists).copied().collect();
        let end_set: HashSet<i64> = end_lists.iter().copied().collect();
        for (list_id, household_id, class) in self.store().poverty_classes(&ids).await? {
            let class = Class::from_code(&class);
            let entry = classes.entry(household_id).or_default();
            if end_set.contains(&list_id) {
                entry.end = class;
                entry.child = child_of_list.get(&list_id).copied().flatten();
            } else {
                entry.start = class;
                if entry.child.is_none() {
                    entry.child = child_of_list.get(&list_id).copied().flatten();
                }
            }
        }
        let mut earlier_communes: Vec<i64> = Vec::new();
        for commune in &start_communes {
            earlier_communes.extend(atlas.reach(*commune));
        }
        earlier_communes.sort_unstable();
        earlier_communes.dedup();
        let mut poor_before = HashSet::new();
        let mut near_before = HashSet::new();
        for (household_id, class) in self
            .store()
            .poverty_classes_before(&earlier_communes, from_year)
            .await?
        {
            match class.as_str() {
                "poor" => poor_before.insert(household_id),
                _ => near_before.insert(household_id),
            };
        }
        let mut total = Flows::default();
        let mut by_child: BTreeMap<i64, Flows> = BTreeMap::new();
        for (household_id, Followed { start, end, child }) in classes {
            let movement = Movement {
                start,
                end,
                poor_before: poor_before.contains(&household_id),
                near_poor_before: near_before.contains(&household_id),
            };
            total.add(&movement);
            if let Some(child) = child {
                by_child.entry(child).or_default().add(&movement);
            }
        }
        let children = by_child
            .into_iter()
            .filter_map(|(id, flows)| Some((atlas.unit(id, end_day)?, flows)))
            .collect();
        Ok(FlowReport {
            from_year,
            to_year,
            rebased: rebase,
            unit: root,
            total,
            children,
        })
    }

    /// Re-classifies every household in the frozen lists of `year` under a unit (`None`: the actor's scope, or the
    /// country) under another standard and totals the result per child unit: what the unit's rates would be under
    /// the standard of the next period. Nothing is written; lists are read a batch at a time.
    pub async fn poverty_what_if(
        &self,
        actor: &Actor,
        unit_code: Option<&str>,
        year: i32,
        standard_code: &str,
    ) -> Result<UnitWhatIf, ServiceError> {
        actor.require(Permission::ReadPoverty)?;
        let root = self.poverty_root(actor, unit_code, year).await?;
        let root_id = root.as_ref().map(|unit| unit.id);
        let standard = self.poverty_standard(standard_code).await?;
        let atlas = self.atlas().await?;
        let reach = root_id.map(|root| atlas.reach(root));
        let lists = latest_lists(
            self.store()
                .frozen_poverty_lists(year, year, reach.as_deref())
                .await?,
        );
        let today = chrono::Utc::now().date_naive();
        let mut placed: Vec<(i64, Option<i64>, NaiveDate)> = Vec::new();
        for rebase_to in [None, Some(today)] {
            placed = lists
                .iter()
                .filter_map(|list| {
                    let (path, day) = place(&atlas, list, rebase_to);
                    Some((list.id, child_under(&path, root_id)?, day))
                })
                .collect();
            if !placed.is_empty() {
                break;
            }
        }
        let child_of: HashMap<i64, (Option<i64>, NaiveDate)> = placed
            .iter()
            .map(|(list, child, day)| (*list, (*child, *day)))
            .collect();
        let ids: Vec<i64> = placed.iter().map(|(list, _, _)| *list).collect();
        let list_standard: HashMap<i64, String> = lists
            .iter()
            .map(|list| (list.id, list.standard_code.clone()))
            .collect();
        let mut own_indicators: HashMap<String, Vec<String>> = HashMap::new();
        for code in list_standard.values() {
            if !own_indicators.contains_key(code) {
                let codes = indicator_codes(&self.poverty_standard(code).await?);
                own_indicators.insert(code.clone(), codes);
            }
        }
        let (mut before, mut after) = (Tally::default(), Tally::default());
        let mut by_child: BTreeMap<i64, (Tally, Tally, NaiveDate)> = BTreeMap::new();
        let mut unanswered: HashSet<String> = HashSet::new();
        for batch in ids.chunks(64) {
            for (list_id, row) in self.store().poverty_rows_of_lists(batch).await? {
                let own = list_standard
                    .get(&list_id)
                    .and_then(|code| own_indicators.get(code));
                let result = classify_row(&standard, &row, own.map_or(&[][..], Vec::as_slice))
                    .map_err(|err| ServiceError::Invalid(err.to_string()))?;
                for code in &result.unanswered {
                    if !unanswered.contains(code) {
                        unanswered.insert(code.clone());
                    }
                }
                let was = Class::from_code(row.class).unwrap_or(Class::Other);
                before.add(was, row.ethnic_minority, split_codes(&row.deprived));
                let deprived = result.deprived.iter().map(String::as_str);
                after.add(result.class, row.ethnic_minority, deprived.clone());
                if let Some((Some(child), day)) = child_of.get(&list_id) {
                    let entry = by_child
                        .entry(*child)
                        .or_insert_with(|| (Tally::default(), Tally::default(), *day));
                    entry
                        .0
                        .add(was, row.ethnic_minority, split_codes(&row.deprived));
                    entry.1.add(result.class, row.ethnic_minority, deprived);
                }
            }
        }
        let mut unanswered: Vec<String> = unanswered.into_iter().collect();
        unanswered.sort();
        Ok(UnitWhatIf {
            year,
            standard_code: standard.code.clone(),
            standard_name: standard.name.clone(),
            before,
            after,
            children: by_child
                .into_iter()
                .filter_map(|(id, (b, a, day))| Some((atlas.unit(id, day)?, b, a)))
                .collect(),
            unanswered,
        })
    }

    /// Sets a unit's poverty-reduction target for a year, in percentage points. `version` is the target's
    /// version the change was made on (0: there was none), checked when given: when someone else set the target
    /// since, the change is refused with a conflict and nothing is written.
    pub async fn set_poverty_target(
        &self,
        actor: &Actor,
        unit_code: &str,
        year: i32,
        target_points: f64,
        legal_basis: &str,
        version: Option<i64>,
    ) -> Result<(), ServiceError> {
        actor.require(Permission::SetPovertyTargets)?;
        if !(0.0..=100.0).contains(&target_points) {
            return Err(ServiceError::Invalid(format!(
                "chỉ tiêu giảm {target_points} điểm phần trăm không hợp lệ (từ 0 đến 100)"
            )));
        }
        let unit = self.unit_at(actor, unit_code, review_day(year)).await?;
        let mut tx = self.store().begin().await?;
        if !tx
            .set_poverty_target(
                &PovertyTargetRecord {
                    unit_id: unit.id,
                    year: i64::from(year),
                    target_points,
                    legal_basis: legal_basis.trim().to_owned(),
                    version: 0,
                },
                version,
                actor.user_id,
            )
            .await?
        {
            return Err(ServiceError::stale(&format!(
                "chỉ tiêu giảm nghèo năm {year} của {}",
                unit.name
            )));
        }
        let mut entry = actor.audit(
            "poverty.target.set",
            "poverty_targets",
            format!("{}:{year}", unit.code),
        );
        entry.after =
            Some(serde_json::json!({ "points": target_points, "basis": legal_basis.trim() }));
        tx.append_audit(entry).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The rows of the flow form: key and Vietnamese label.
pub const FLOW_ROWS: [(&str, &str); 9] = [
    ("start", "Đầu kỳ"),
    (
        "to_other_class",
        "Giảm: chuyển sang nhóm kia (nghèo → cận nghèo; cận nghèo → nghèo)",
    ),
    ("rose_above", "Giảm: vượt chuẩn cận nghèo"),
    ("other_decreases", "Giảm khác (chuyển đi, nhập hộ, …)"),
    ("from_other_class", "Tăng: từ nhóm kia chuyển sang"),
    ("fell_back", "Tăng: tái nghèo / tái cận nghèo"),
    ("newly", "Tăng: phát sinh mới"),
    ("other_increases", "Tăng khác (chuyển đến, tách hộ, …)"),
    ("end", "Cuối kỳ"),
];

/// The values of one class's flow in the order of `FLOW_ROWS`.
pub fn flow_values(flow: &Flow) -> [u64; 9] {
    [
        flow.start,
        flow.to_other_class,
        flow.rose_above,
        flow.other_decreases,
        flow.from_other_class,
        flow.fell_back,
        flow.newly,
        flow.other_increases,
        flow.end,
    ]
}

/// The rate table (the unit, then its children) and the flow table as an Excel workbook.
pub fn rates_xlsx(rates: &Rates, flows: &FlowReport) -> Result<Vec<u8>, ServiceError> {
    use mtqg_xlsx::Cell;
    let num = |value: u64| Cell::Number(value as f64);
    let rate = |value: Option<f64>| value.map_or(Cell::Text(String::new()), Cell::Number);
    let mut lines = vec![&rates.total];
    lines.extend(rates.children.iter());
    let sheet = mtqg_xlsx::SheetData {
        name: format!("Ty le ho ngheo {}", rates.year),
        headers: [
            "Mã",
            "Đơn vị",
            "Tổng số hộ",
            "Hộ nghèo",
            "Tỷ lệ hộ nghèo (%)",
            "Hộ cận nghèo",
            "Tỷ lệ hộ cận nghèo (%)",
            "Hộ DTTS",
            "Hộ nghèo DTTS",
            "Tỷ lệ hộ nghèo DTTS (%)",
            "Giảm so với năm trước (điểm %)",
            "Thứ hạng",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: lines
            .iter()
            .map(|line| {
                vec![
                    Cell::Text(
                        line.unit
                            .as_ref()
                            .map(|u| u.code.clone())
                            .unwrap_or_default(),
                    ),
                    Cell::Text(
                        line.unit
                            .as_ref()
                            .map(|u| u.name.clone())
                            .unwrap_or_else(|| "Toàn quốc".to_owned()),
                    ),
                    num(line.tally.households),
                    num(line.tally.poor),
                    rate(line.tally.poor_rate()),
                    num(line.tally.near_poor),
                    rate(line.tally.near_poor_rate()),
                    num(line.tally.em_households),
                    num(line.tally.em_poor),
                    rate(line.tally.em_poor_rate()),
                    rate(line.reduction.map(|r| r.points)),
                    Cell::Text(
                        line.rank
                            .map(|(r, of)| format!("{r}/{of}"))
                            .unwrap_or_default(),
                    ),
                ]
            })
            .collect(),
    };
    let poor = flow_values(&flows.total.poor);
    let near = flow_values(&flows.total.near_poor);
    let flow_sheet = mtqg_xlsx::SheetData {
        name: format!("Bien dong {}-{}", flows.from_year, flows.to_year),
        headers: ["Chỉ tiêu", "Hộ nghèo", "Hộ cận nghèo"]
            .map(str::to_owned)
            .to_vec(),
        rows: FLOW_ROWS
            .iter()
            .enumerate()
            .map(|(idx, (_, label))| {
                vec![
                    Cell::Text((*label).to_owned()),
                    num(poor[idx]),
                    num(near[idx]),
                ]
            })
            .collect(),
    };
    mtqg_xlsx::write_xlsx(&[sheet, flow_sheet]).map_err(|err| ServiceError::Other(err.into()))
}

/// A list's households as the officers' Excel shape (the columns a household import reads back).
pub fn list_xlsx(
    summary: &ListSummary,
    standard: &mtqg_core::poverty::Standard,
    households: &[ListedHousehold],
) -> Result<Vec<u8>, ServiceError> {
    use mtqg_xlsx::Cell;
    let mut headers: Vec<String> = [
        "Mã xã",
        "Mã hộ",
        "Họ tên chủ hộ",
        "Thôn",
        "Khu vực",
        "Dân tộc",
        "DTTS",
        "Thu nhập bình quân (đồng/người/tháng)",
        "Điểm A",
    ]
    .map(str::to_owned)
    .to_vec();
    headers.extend(standard.indicators().map(|i| format!("CS{}", i.number)));
    headers.push("Phân loại".to_owned());
    let text = |value: &str| Cell::Text(value.to_owned());
    let rows = households
        .iter()
        .map(|h| {
            let deprived: Vec<&str> = split_codes(&h.deprived).collect();
            let mut row = vec![
                text(&summary.commune.code),
                text(&h.code),
                text(&h.head_name),
                text(&h.village),
                text(
                    mtqg_core::poverty::Area::parse(&h.area)
                        .map_or("", mtqg_core::poverty::Area::label),
                ),
                text(&h.ethnicity),
                text(if h.ethnic_minority { "x" } else { "" }),
                h.income.map_or(text(""), |v| Cell::Number(v as f64)),
                h.score_a.map_or(text(""), |v| Cell::Number(v as f64)),
            ];
            row.extend(standard.indicators().map(|i| {
                text(if deprived.contains(&i.code.as_str()) {
                    "x"
                } else {
                    ""
                })
            }));
            row.push(text(Class::from_code(&h.class).map_or("", Class::label)));
            row
        })
        .collect();
    let sheet = mtqg_xlsx::SheetData {
        name: format!("DS {}", summary.list.year),
        headers,
        rows,
    };
    mtqg_xlsx::write_xlsx(&[sheet]).map_err(|err| ServiceError::Other(err.into()))
}

fn frozen_error(list: &PovertyListRecord, commune: &UnitAsOf) -> ServiceError {
    ServiceError::Conflict {
        message: format!(
            "danh sách năm {} của {} đã được công nhận (Quyết định {} ngày {}): không sửa được; hãy mở danh sách điều chỉnh",
            list.year,
            commune.name,
            list.decision.as_deref().unwrap_or(""),
            list.decided_on
                .map(mtqg_core::vi::format_date)
                .unwrap_or_default()
        ),
    }
}

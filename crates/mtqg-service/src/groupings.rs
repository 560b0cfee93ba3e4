//! Grouping use cases: the dated groupings (regions, zones, ĐBKK lists, commune groups), their members on a date,
//! and the groupings a unit belongs to. Memberships are imported like any geography file.

use chrono::NaiveDate;
use mtqg_core::access::Permission;
use mtqg_core::atlas::{Atlas, AtlasGrouping, UnitAsOf};
use mtqg_core::geo::{GroupingCategory, Level};

use crate::auth::Actor;
use crate::{Service, ServiceError};

/// A grouping with how much it holds on a date.
#[derive(Debug, Clone)]
pub struct GroupingSummary {
    pub code: String,
    pub name: String,
    pub category: GroupingCategory,
    pub legal_basis: String,
    /// "[verify]" in a note marks memberships not yet checked against the official text.
    pub note: String,
    /// Units holding a membership themselves.
    pub n_members: usize,
    /// Communes covered, directly or through their province or district.
    pub n_communes: usize,
}

/// One member of a grouping on a date.
#[derive(Debug, Clone)]
pub struct GroupingMember {
    pub unit: UnitAsOf,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub legal_basis: String,
}

/// Everything the grouping page shows.
#[derive(Debug, Clone)]
pub struct GroupingPage {
    pub date: NaiveDate,
    pub grouping: GroupingSummary,
    pub members: Vec<GroupingMember>,
}

/// A grouping a unit belongs to on a date; `via` is the ancestor it inherits the membership from, if not its own.
#[derive(Debug, Clone)]
pub struct UnitGrouping {
    pub category: GroupingCategory,
    pub code: String,
    pub name: String,
    pub note: String,
    pub via: Option<UnitAsOf>,
}

/// Whether a scoped actor sees `unit_id`: a unit within the scope, or one containing it (its province).
fn visible(atlas: &Atlas, scope: Option<i64>, unit_id: i64) -> bool {
    match scope {
        None => true,
        Some(scope_id) => {
            scope_id == unit_id
                || atlas.is_within(scope_id, unit_id)
                || atlas.is_within(unit_id, scope_id)
        }
    }
}

fn summary(grouping: &AtlasGrouping, n_members: usize, n_communes: usize) -> GroupingSummary {
    GroupingSummary {
        code: grouping.code.clone(),
        name: grouping.name.clone(),
        category: grouping.category,
        legal_basis: grouping.legal_basis.clone(),
        note: grouping.note.clone(),
        n_members,
        n_communes,
    }
}

/// The groupings `unit_id` belongs to on `date`, from an atlas already at hand.
pub(crate) fn groupings_of(atlas: &Atlas, unit_id: i64, date: NaiveDate) -> Vec<UnitGrouping> {
    atlas
        .groupings_of(unit_id, date)
        .into_iter()
        .map(|found| UnitGrouping {
            category: found.grouping.category,
            code: found.grouping.code.clone(),
            name: found.grouping.name.clone(),
            note: found.grouping.note.clone(),
            via: (found.via_unit_id != unit_id)
                .then(|| atlas.unit(found.via_unit_id, date))
                .flatten(),
        })
        .collect()
}

impl Service {
    /// Every grouping with its members and communes on `date`, as far as the actor's scope reaches.
    pub async fn list_groupings(
        &self,
        actor: &Actor,
        date: NaiveDate,
    ) -> Result<Vec<GroupingSummary>, ServiceError> {
        actor.require(Permission::ReadGeography)?;
        let atlas = self.atlas().await?;
        let coverage = atlas.coverage(Level::Commune, date);
        let scope = actor.scope_unit_id;
        Ok(atlas
            .groupings()
            .into_iter()
            .map(|grouping| {
                let n_members = atlas
                    .members(grouping.id, date)
                    .iter()
                    .filter(|(unit, _)| visible(&atlas, scope, unit.id))
                    .count();
                let n_communes = coverage
                    .get(&grouping.id)
                    .map(|ids| ids.iter().filter(|&&id| visible(&atlas, scope, id)).count())
                    .unwrap_or(0);
                summary(grouping, n_members, n_communes)
            })
            .collect())
    }

    /// One grouping on `date` with its members, as far as the actor's scope reaches.
    pub async fn grouping_page(
        &self,
        actor: &Actor,
        code: &str,
        date: NaiveDate,
    ) -> Result<GroupingPage, ServiceError> {
        actor.require(Permission::ReadGeography)?;
        let atlas = self.atlas().await?;
        let grouping = atlas
            .grouping(code.trim())
            .ok_or_else(|| ServiceError::NotFound(format!("nhóm mã \"{}\"", code.trim())))?;
        let scope = actor.scope_unit_id;
        let members: Vec<GroupingMember> = atlas
            .members(grouping.id, date)
            .into_iter()
            .filter(|(unit, _)| visible(&atlas, scope, unit.id))
            .map(|(unit, membership)| GroupingMember {
                unit,
                valid_from: membership.validity.from,
                valid_to: membership.validity.to,
                legal_basis: membership.legal_basis.clone(),
            })
            .collect();
        let n_communes = atlas
            .covered(grouping.id, Level::Commune, date)
            .into_iter()
            .filter(|&id| visible(&atlas, scope, id))
            .count();
        Ok(GroupingPage {
            date,
            grouping: summary(grouping, members.len(), n_communes),
            members,
        })
    }

    /// The groupings the unit with `code` belongs to on `date` (one per category), within the actor's scope.
    pub async fn unit_groupings(
        &self,
        actor: &Actor,
        code: &str,
        date: NaiveDate,
    ) -> Result<Vec<UnitGrouping>, ServiceError> {
        let unit = self.unit_at(actor, code, date).await?;
        Ok(groupings_of(&*self.atlas().await?, unit.id, date))
    }
}

//! Dated groupings in storage: reading what the planner compares against, and applying a membership plan.

use std::collections::HashMap;

use chrono::NaiveDate;
use mtqg_core::atlas::{AtlasGrouping, AtlasMembership};
use mtqg_core::geo::{GroupingCategory, UnitId, Validity};
use mtqg_core::import::{ExistingGrouping, ExistingMembership, GroupingPlan, GroupingRef};

use crate::db::{args, insert_many, other, Tx};
use crate::StoreError;

#[derive(sqlx::FromRow)]
struct GroupingRow {
    id: i64,
    code: String,
    name: String,
    category: String,
    legal_basis: String,
    note: String,
}

#[derive(sqlx::FromRow)]
struct MembershipRow {
    grouping_id: i64,
    unit_id: i64,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    legal_basis: String,
}

fn parse_category(text: &str) -> Result<GroupingCategory, StoreError> {
    GroupingCategory::parse(text)
        .ok_or_else(|| other(anyhow::anyhow!("unknown grouping category {text:?}")))
}

/// Every grouping and membership, as the atlas holds them.
pub(crate) async fn load(
    tx: &mut Tx,
) -> Result<(Vec<AtlasGrouping>, Vec<AtlasMembership>), StoreError> {
    let groupings: Vec<GroupingRow> = tx
        .conn()
        .fetch_all(
            "select id, code, name, category, legal_basis, note from groupings order by id",
            vec![],
        )
        .await?;
    let memberships: Vec<MembershipRow> = tx
        .conn()
        .fetch_all(
            "select grouping_id, unit_id, valid_from, valid_to, legal_basis from grouping_members order by id",
            vec![],
        )
        .await?;
    let groupings = groupings
        .into_iter()
        .map(|row| {
            Ok(AtlasGrouping {
                id: row.id,
                code: row.code,
                name: row.name,
                category: parse_category(&row.category)?,
                legal_basis: row.legal_basis,
                note: row.note,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let memberships = memberships
        .into_iter()
        .map(|row| AtlasMembership {
            grouping_id: row.grouping_id,
            unit_id: row.unit_id,
            validity: Validity {
                from: row.valid_from,
                to: row.valid_to,
            },
            legal_basis: row.legal_basis,
        })
        .collect();
    Ok((groupings, memberships))
}

impl Tx {
    /// The stored groupings and memberships, for planning an import.
    pub async fn grouping_state(
        &mut self,
    ) -> Result<(Vec<ExistingGrouping>, Vec<ExistingMembership>), StoreError> {
        let (groupings, memberships) = load(self).await?;
        let groupings = groupings
            .into_iter()
            .map(|grouping| ExistingGrouping {
                id: grouping.id,
                code: grouping.code,
                name: grouping.name,
                category: grouping.category,
            })
            .collect();
        let memberships = memberships
            .into_iter()
            .map(|membership| ExistingMembership {
                grouping_id: membership.grouping_id,
                unit_id: UnitId(membership.unit_id),
                validity: membership.validity,
            })
            .collect();
        Ok((groupings, memberships))
    }

    /// Writes a membership plan: new groupings first, then every new membership.
    pub async fn apply_grouping_plan(&mut self, plan: &GroupingPlan) -> Result<(), StoreError> {
        self.bump_geography_revision().await?;
        let mut new_ids: HashMap<&str, i64> = HashMap::new();
        for grouping in &plan.new_groupings {
            let (id,): (i64,) = self
                .conn()
                .fetch_one(
                    "insert into groupings (code, name, category, legal_basis, note) values ($1, $2, $3, $4, $5) \
                     returning id",
                    args![
                        grouping.code.as_str(),
                        grouping.name.as_str(),
                        grouping.category.key(),
                        grouping.legal_basis.as_str(),
                        grouping.note.as_str()
                    ],
                )
                .await?;
            new_ids.insert(grouping.code.as_str(), id);
        }
        let mut rows = Vec::with_capacity(plan.new_memberships.len());
        for membership in &plan.new_memberships {
            let grouping_id = match &membership.grouping {
                GroupingRef::Existing(id) => *id,
                GroupingRef::New(code) => *new_ids.get(code.as_str()).ok_or_else(|| {
                    other(anyhow::anyhow!(
                        "grouping {code} is not created before its members"
                    ))
                })?,
            };
            rows.push(args![
                grouping_id,
                membership.unit_id.0,
                membership.validity.from,
                membership.validity.to,
                membership.legal_basis.as_str()
            ]);
        }
        insert_many(
            self,
            "grouping_members",
            &[
                "grouping_id",
                "unit_id",
                "valid_from",
                "valid_to",
                "legal_basis",
            ],
            rows,
        )
        .await
    }
}

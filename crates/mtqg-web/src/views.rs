//! View models: what templates and the JSON API show, converted explicitly from service and store types.

use chrono::NaiveDate;
use mtqg_core::access::Role;
use mtqg_core::atlas::{LevelTypeCount, UnitAsOf};
use mtqg_core::geo::LineageKind;
use mtqg_core::vi;
use mtqg_service::auth::Actor;
use mtqg_service::geography::{ImportReport, UnitPage};
use mtqg_service::groupings::{GroupingPage, GroupingSummary, UnitGrouping};
use mtqg_store::{AuditRecord, EdgeRecord, UserRecord, VersionRecord};
use serde::Serialize;

/// The user menu of the layout.
#[derive(Serialize)]
pub(crate) struct UserView {
    username: String,
    display_name: String,
    role: &'static str,
    role_label: &'static str,
    scope: Option<String>,
    is_admin: bool,
}

impl UserView {
    pub(crate) fn new(actor: &Actor) -> UserView {
        UserView {
            username: actor.username.clone(),
            display_name: actor.display_name.clone(),
            role: actor.role.key(),
            role_label: actor.role.label(),
            scope: actor.scope_code.clone(),
            is_admin: actor.role == Role::Admin,
        }
    }
}

/// A unit as of a date.
#[derive(Serialize)]
pub(crate) struct UnitView {
    code: String,
    name: String,
    short_name: String,
    unit_type: String,
    level: String,
    level_label: &'static str,
    parent_code: Option<String>,
    parent_name: Option<String>,
    grandparent_name: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    valid_text: String,
    ended: bool,
    end_note: Option<String>,
}

impl UnitView {
    pub(crate) fn new(unit: &UnitAsOf) -> UnitView {
        UnitView {
            code: unit.code.clone(),
            name: unit.name.clone(),
            short_name: unit.short_name.clone(),
            unit_type: unit.unit_type.clone(),
            level: unit.level.key().to_owned(),
            level_label: unit.level.label(),
            parent_code: unit.parent_code.clone(),
            parent_name: unit.parent_name.clone(),
            grandparent_name: unit.grandparent_name.clone(),
            valid_from: unit.unit_valid_from,
            valid_to: unit.unit_valid_to,
            valid_text: validity_text(unit.unit_valid_from, unit.unit_valid_to),
            ended: unit.unit_valid_to.is_some(),
            end_note: unit.end_note.clone(),
        }
    }
}

/// "từ 01/07/2025 đến hết 29/04/2026", "trước 2023 – nay".
fn validity_text(from: Option<NaiveDate>, to: Option<NaiveDate>) -> String {
    let from = match from {
        Some(from) => format!("từ {}", vi::format_date(from)),
        None => "từ trước khi có dữ liệu".to_owned(),
    };
    let to = match to {
        Some(to) => format!("đến hết {}", vi::format_date(to.pred_opt().unwrap_or(to))),
        None => "đến nay".to_owned(),
    };
    format!("{from} {to}")
}

/// A lineage edge seen from one side.
#[derive(Serialize)]
pub(crate) struct EdgeView {
    id: i64,
    kind: String,
    kind_label: &'static str,
    weight: Option<f64>,
    date: String,
    date_iso: String,
    day_before_iso: String,
    legal_basis: String,
    note: String,
    other_code: String,
    other_name: Option<String>,
    other_parent_name: Option<String>,
    other_grandparent_name: Option<String>,
    /// The version a correction (`POST /api/v1/lineage/{id}`) names.
    version: i64,
}

impl EdgeView {
    pub(crate) fn new(edge: &EdgeRecord) -> EdgeView {
        EdgeView {
            id: edge.id,
            kind: edge.kind.clone(),
            kind_label: LineageKind::parse(&edge.kind)
                .map(LineageKind::label)
                .unwrap_or(""),
            weight: edge.weight,
            date: vi::format_date(edge.effective_date),
            date_iso: edge.effective_date.to_string(),
            day_before_iso: edge
                .effective_date
                .pred_opt()
                .unwrap_or(edge.effective_date)
                .to_string(),
            legal_basis: edge.legal_basis.clone(),
            note: edge.note.clone(),
            other_code: edge.other_code.clone(),
            other_name: edge.other_name.clone(),
            other_parent_name: edge.other_parent_name.clone(),
            other_grandparent_name: edge.other_grandparent_name.clone(),
            version: edge.version,
        }
    }
}

/// One version in a unit's history.
#[derive(Serialize)]
pub(crate) struct VersionView {
    name: String,
    unit_type: String,
    from: String,
    to: String,
    parent_code: Option<String>,
    parent_name: Option<String>,
}

impl VersionView {
    pub(crate) fn new(version: &VersionRecord) -> VersionView {
        VersionView {
            name: version.name.clone(),
            unit_type: version.unit_type.clone(),
            from: version
                .valid_from
                .map(vi::format_date)
                .unwrap_or_else(|| "—".to_owned()),
            to: version
                .valid_to
                .and_then(|to| to.pred_opt())
                .map(vi::format_date)
                .unwrap_or_else(|| "nay".to_owned()),
            parent_code: version.parent_code.clone(),
            parent_name: version.parent_name.clone(),
        }
    }
}

/// Units of one level and type.
#[derive(Serialize)]
pub(crate) struct CountView {
    level: String,
    unit_type: String,
    n: i64,
}

impl CountView {
    pub(crate) fn new(count: &LevelTypeCount) -> CountView {
        CountView {
            level: count.level.key().to_owned(),
            unit_type: count.unit_type.clone(),
            n: count.n_units,
        }
    }
}

/// Everything on the unit page.
#[derive(Serialize)]
pub(crate) struct UnitPageView {
    date: String,
    date_iso: String,
    unit: UnitView,
    path: Vec<UnitView>,
    children: Vec<UnitView>,
    counts: Vec<CountView>,
    versions: Vec<VersionView>,
    predecessors: Vec<EdgeView>,
    successors: Vec<EdgeView>,
    groupings: Vec<UnitGroupingView>,
}

impl UnitPageView {
    pub(crate) fn new(page: &UnitPage) -> UnitPageView {
        UnitPageView {
            date: vi::format_date(page.date),
            date_iso: page.date.to_string(),
            unit: UnitView::new(&page.unit),
            path: page.path.iter().map(UnitView::new).collect(),
            children: page.children.iter().map(UnitView::new).collect(),
            counts: page.counts.iter().map(CountView::new).collect(),
            versions: page.versions.iter().map(VersionView::new).collect(),
            predecessors: page.predecessors.iter().map(EdgeView::new).collect(),
            successors: page.successors.iter().map(EdgeView::new).collect(),
            groupings: page.groupings.iter().map(UnitGroupingView::new).collect(),
        }
    }
}

/// Whether a note flags data not yet checked against the official text.
fn unverified(note: &str) -> bool {
    note.contains("[verify]")
}

/// A grouping a unit belongs to.
#[derive(Serialize)]
pub(crate) struct UnitGroupingView {
    category: &'static str,
    category_label: &'static str,
    code: String,
    name: String,
    unverified: bool,
    via_code: Option<String>,
    via_name: Option<String>,
}

impl UnitGroupingView {
    pub(crate) fn new(grouping: &UnitGrouping) -> UnitGroupingView {
        UnitGroupingView {
            category: grouping.category.key(),
            category_label: grouping.category.label(),
            code: grouping.code.clone(),
            name: grouping.name.clone(),
            unverified: unverified(&grouping.note),
            via_code: grouping.via.as_ref().map(|unit| unit.code.clone()),
            via_name: grouping.via.as_ref().map(|unit| unit.name.clone()),
        }
    }
}

/// A grouping with its sizes on a date.
#[derive(Serialize)]
pub(crate) struct GroupingView {
    code: String,
    name: String,
    category: &'static str,
    category_label: &'static str,
    legal_basis: String,
    note: String,
    unverified: bool,
    n_members: usize,
    n_communes: usize,
    n_communes_text: String,
}

impl GroupingView {
    pub(crate) fn new(grouping: &GroupingSummary) -> GroupingView {
        GroupingView {
            code: grouping.code.clone(),
            name: grouping.name.clone(),
            category: grouping.category.key(),
            category_label: grouping.category.label(),
            legal_basis: grouping.legal_basis.clone(),
            note: grouping.note.clone(),
            unverified: unverified(&grouping.note),
            n_members: grouping.n_members,
            n_communes: grouping.n_communes,
            n_communes_text: vi::format_int(grouping.n_communes as i64),
        }
    }
}

/// One member of a grouping.
#[derive(Serialize)]
pub(crate) struct GroupingMemberView {
    unit: UnitView,
    valid_text: String,
    legal_basis: String,
}

/// Everything on the grouping page.
#[derive(Serialize)]
pub(crate) struct GroupingPageView {
    date: String,
    date_iso: String,
    grouping: GroupingView,
    members: Vec<GroupingMemberView>,
}

impl GroupingPageView {
    pub(crate) fn new(page: &GroupingPage) -> GroupingPageView {
        GroupingPageView {
            date: vi::format_date(page.date),
            date_iso: page.date.to_string(),
            grouping: GroupingView::new(&page.grouping),
            members: page
                .members
                .iter()
                .map(|member| GroupingMemberView {
                    unit: UnitView::new(&member.unit),
                    valid_text: validity_text(member.valid_from, member.valid_to),
                    legal_basis: member.legal_basis.clone(),
                })
                .collect(),
        }
    }
}

/// One problem of an import.
#[derive(Serialize)]
pub(crate) struct ProblemView {
    sheet: Option<String>,
    row: usize,
    column: Option<String>,
    message: String,
}

/// An import report.
#[derive(Serialize)]
pub(crate) struct ReportView {
    file_name: String,
    kind: Option<&'static str>,
    n_rows: usize,
    n_new: usize,
    n_changed: usize,
    n_ended: usize,
    n_unchanged: usize,
    n_problems: usize,
    problems: Vec<ProblemView>,
    applied: bool,
    samples: Vec<String>,
}

impl ReportView {
    pub(crate) fn new(report: &ImportReport) -> ReportView {
        ReportView {
            file_name: report.file_name.clone(),
            kind: report.kind.map(mtqg_core::import::ImportKind::key),
            n_rows: report.n_rows,
            n_new: report.n_new,
            n_changed: report.n_changed,
            n_ended: report.n_ended,
            n_unchanged: report.n_unchanged,
            n_problems: report.n_problems,
            problems: report
                .problems
                .iter()
                .map(|problem| ProblemView {
                    sheet: problem.sheet.clone(),
                    row: problem.row,
                    column: problem.column.clone(),
                    message: problem.message.clone(),
                })
                .collect(),
            applied: report.applied,
            samples: report.samples.clone(),
        }
    }
}

/// One account in the list.
#[derive(Serialize)]
pub(crate) struct AccountView {
    username: String,
    display_name: String,
    role: String,
    role_label: &'static str,
    scope: Option<String>,
    active: bool,
}

impl AccountView {
    pub(crate) fn new(user: &UserRecord) -> AccountView {
        AccountView {
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: user.role.clone(),
            role_label: Role::parse(&user.role).map(Role::label).unwrap_or(""),
            scope: user.scope_code.clone(),
            active: user.active,
        }
    }
}

/// One audit entry.
#[derive(Serialize)]
pub(crate) struct AuditView {
    id: i64,
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_key: String,
    before: Option<String>,
    after: Option<String>,
    reason: Option<String>,
}

impl AuditView {
    pub(crate) fn new(entry: &AuditRecord) -> AuditView {
        AuditView {
            id: entry.id,
            at: entry.at.format("%d/%m/%Y %H:%M:%S UTC").to_string(),
            actor: entry.actor.clone(),
            action: entry.action.clone(),
            entity: entry.entity.clone(),
            entity_key: entry.entity_key.clone(),
            before: entry.before_data.as_ref().map(|value| value.to_string()),
            after: entry.after_data.as_ref().map(|value| value.to_string()),
            reason: entry.reason.clone(),
        }
    }
}

/// Percent-encodes a value for a URL: a path segment or a query value (messages, codes, search text).
pub(crate) fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

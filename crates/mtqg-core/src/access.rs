//! Roles and what each may do. Where a role may act is its scope unit, checked by the service against the geography.

/// A user's role. Every account also has a scope: a unit whose descendants it covers, or the whole country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Manages accounts, reference data and imports; reads the audit log.
    Admin,
    /// A steering committee member or its standing agency: reads everything in scope.
    Steering,
    /// An officer of an agency (sở, phòng): reads and, in later capabilities, enters data in scope.
    Agency,
    /// A commune officer: enters data for the commune.
    Commune,
    /// Reads only.
    Viewer,
}

/// Something a user may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ReadGeography,
    ImportGeography,
    CorrectLineage,
    ManageUsers,
    ReadAudit,
    /// Read capital plans, disbursement and projects.
    ReadCapital,
    /// Record ledger events, projects, their progress and obstacles (in scope).
    RecordCapital,
    /// Edit the program catalogue, record deadline extensions and load criteria sets.
    EditCatalogue,
    /// Read the new-rural criteria sets.
    ReadCriteria,
    /// Record commune assessments (in scope).
    RecordAssessment,
    /// Read poverty figures: rates, flows, deprivation profiles (no personal data).
    ReadPoverty,
    /// Read the household register and review lists with names and ID numbers (in scope).
    ReadHouseholds,
    /// Enter households and review results, import lists, freeze a list with its recognition decision (in scope).
    RecordPoverty,
    /// Set a unit's yearly poverty-reduction target and load poverty standards.
    SetPovertyTargets,
    /// Read meetings, tasks, agencies and obstacles.
    ReadDirection,
    /// Add agencies and assign them to communes.
    ManageAgencies,
    /// Record meetings, their conclusion notices and tasks.
    RecordMeetings,
    /// Report progress on a task, raise or answer an obstacle (in scope).
    ReportDirection,
    /// Prepare and send the unit's periodic reports.
    SubmitReport,
    /// Approve, return or reopen reports sent up by lower units.
    ApproveReport,
}

impl Role {
    /// All roles, most powerful first.
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Steering,
        Role::Agency,
        Role::Commune,
        Role::Viewer,
    ];

    /// Parses the stored key.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.key() == text.trim())
    }

    /// The key stored in the database and used by the CLI.
    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Steering => "steering",
            Role::Agency => "agency",
            Role::Commune => "commune",
            Role::Viewer => "viewer",
        }
    }

    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Quản trị hệ thống",
            Role::Steering => "Ban Chỉ đạo, cơ quan thường trực",
            Role::Agency => "Cán bộ cơ quan, đơn vị",
            Role::Commune => "Cán bộ cấp xã",
            Role::Viewer => "Chỉ xem",
        }
    }

    /// Whether the role allows `permission` at all; scope is checked separately.
    pub fn can(self, permission: Permission) -> bool {
        match permission {
            Permission::ReadGeography
            | Permission::ReadCapital
            | Permission::ReadCriteria
            | Permission::ReadPoverty => true,
            Permission::ReadHouseholds => self != Role::Viewer,
            Permission::ReadDirection => true,
            Permission::ManageAgencies => matches!(self, Role::Admin | Role::Steering),
            Permission::RecordMeetings => {
                matches!(self, Role::Admin | Role::Steering | Role::Agency)
            }
            Permission::ReportDirection => self != Role::Viewer,
            Permission::SubmitReport => self != Role::Viewer,
            Permission::ApproveReport => matches!(self, Role::Admin | Role::Steering),
            Permission::SetPovertyTargets => matches!(self, Role::Admin | Role::Steering),
            Permission::RecordCapital
            | Permission::RecordAssessment
            | Permission::RecordPoverty => {
                matches!(self, Role::Admin | Role::Agency | Role::Commune)
            }
            Permission::EditCatalogue => self == Role::Admin,
            Permission::ImportGeography
            | Permission::CorrectLineage
            | Permission::ManageUsers
            | Permission::ReadAudit => self == Role::Admin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn officers_record_capital_and_readers_only_read_it() {
        for role in [Role::Admin, Role::Agency, Role::Commune] {
            assert!(role.can(Permission::RecordCapital), "{role:?}");
        }
        for role in [Role::Steering, Role::Viewer] {
            assert!(!role.can(Permission::RecordCapital), "{role:?}");
            assert!(role.can(Permission::ReadCapital), "{role:?}");
        }
        assert!(!Role::Agency.can(Permission::EditCatalogue));
    }

    #[test]
    fn viewers_see_poverty_figures_but_never_households() {
        assert!(Role::Viewer.can(Permission::ReadPoverty));
        assert!(!Role::Viewer.can(Permission::ReadHouseholds));
        assert!(Role::Commune.can(Permission::ReadHouseholds));
        assert!(Role::Commune.can(Permission::RecordPoverty));
        assert!(!Role::Steering.can(Permission::RecordPoverty));
        assert!(Role::Steering.can(Permission::SetPovertyTargets));
        assert!(!Role::Commune.can(Permission::SetPovertyTargets));
    }

    #[test]
    fn only_administrators_change_reference_data_and_read_the_audit_log() {
        for role in Role::ALL {
            assert!(role.can(Permission::ReadGeography));
            for permission in [
                Permission::ImportGeography,
                Permission::CorrectLineage,
                Permission::ManageUsers,
                Permission::ReadAudit,
            ] {
                assert_eq!(
                    role.can(permission),
                    role == Role::Admin,
                    "{role:?} {permission:?}"
                );
            }
        }
    }

    #[test]
    fn the_receiving_level_approves_reports_that_officers_send() {
        for role in [Role::Admin, Role::Steering, Role::Agency, Role::Commune] {
            assert!(role.can(Permission::SubmitReport), "{role:?}");
        }
        assert!(!Role::Viewer.can(Permission::SubmitReport));
        assert!(Role::Steering.can(Permission::ApproveReport));
        assert!(!Role::Commune.can(Permission::ApproveReport));
        assert!(!Role::Agency.can(Permission::ApproveReport));
    }

    #[test]
    fn role_keys_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.key()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}

//! The submission workflow: a unit saves its report, submits it, the receiving level approves it or returns it
//! with comments; approval locks the unit's data for the period, and only a reopening with a reason unlocks it.
//!
//! ```text
//! (none) ─save→ draft ─submit→ submitted ─approve→ approved ─reopen→ reopened ─submit→ …
//!                 ↑                 └─return→ returned ─submit→ submitted
//! ```

/// Where a submission stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Draft,
    Submitted,
    Returned,
    Approved,
    Reopened,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::Submitted,
        Status::Returned,
        Status::Approved,
        Status::Reopened,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Approved => "approved",
            Status::Reopened => "reopened",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL
            .into_iter()
            .find(|status| status.key() == text.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "Đang soạn",
            Status::Submitted => "Đã gửi, chờ duyệt",
            Status::Returned => "Bị trả lại",
            Status::Approved => "Đã duyệt",
            Status::Reopened => "Đã mở khóa để sửa",
        }
    }

    /// The unit may still change its entered figures.
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned | Status::Reopened)
    }

    /// The unit's data for the period is locked.
    pub fn locks(self) -> bool {
        self == Status::Approved
    }

    /// Counts as submitted for completeness (sent at least once and not sent back).
    pub fn counts_as_submitted(self) -> bool {
        matches!(self, Status::Submitted | Status::Approved)
    }
}

/// What someone does to a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Save,
    Submit,
    Approve,
    Return,
    Reopen,
}

impl Action {
    pub fn key(self) -> &'static str {
        match self {
            Action::Save => "save",
            Action::Submit => "submit",
            Action::Approve => "approve",
            Action::Return => "return",
            Action::Reopen => "reopen",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::Save => "Lưu",
            Action::Submit => "Gửi báo cáo",
            Action::Approve => "Duyệt",
            Action::Return => "Trả lại",
            Action::Reopen => "Mở khóa",
        }
    }

    /// Returning and reopening must say why.
    pub fn needs_comment(self) -> bool {
        matches!(self, Action::Return | Action::Reopen)
    }

    /// Approving, returning and reopening belong to the receiving level, not the reporting unit.
    pub fn by_receiver(self) -> bool {
        matches!(self, Action::Approve | Action::Return | Action::Reopen)
    }
}

/// The status after `action`, or why it is not allowed, in Vietnamese.
pub fn next(current: Option<Status>, action: Action) -> Result<Status, String> {
    use Status::*;
    match (current, action) {
        (None, Action::Save) => Ok(Draft),
        (Some(status), Action::Save) if status.editable() => Ok(status),
        (None, Action::Submit) => Ok(Submitted),
        (Some(status), Action::Submit) if status.editable() => Ok(Submitted),
        (Some(Submitted), Action::Approve) => Ok(Approved),
        (Some(Submitted), Action::Return) => Ok(Returned),
        (Some(Approved), Action::Reopen) => Ok(Reopened),
        (Some(Submitted), Action::Save | Action::Submit) => {
            Err("báo cáo đã gửi và đang chờ duyệt; chỉ sửa được khi bị trả lại".to_owned())
        }
        (Some(Approved), Action::Save | Action::Submit) => {
            Err("báo cáo đã được duyệt, số liệu kỳ này đã khóa; cần cấp trên mở khóa".to_owned())
        }
        (None, _) => Err("đơn vị chưa gửi báo cáo kỳ này".to_owned()),
        (Some(status), action) => Err(format!(
            "không thể \"{}\" báo cáo đang ở trạng thái \"{}\"",
            action.label().to_lowercase(),
            status.label().to_lowercase()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_goes_from_draft_through_return_to_approval_and_can_be_reopened() {
        let mut status = next(None, Action::Save).unwrap();
        assert_eq!(status, Status::Draft);
        status = next(Some(status), Action::Submit).unwrap();
        status = next(Some(status), Action::Return).unwrap();
        assert!(status.editable() && !status.counts_as_submitted());
        status = next(Some(status), Action::Save).unwrap();
        status = next(Some(status), Action::Submit).unwrap();
        status = next(Some(status), Action::Approve).unwrap();
        assert!(status.locks() && !status.editable());
        status = next(Some(status), Action::Reopen).unwrap();
        assert_eq!(status, Status::Reopened);
        assert!(!status.locks());
        assert_eq!(next(Some(status), Action::Submit), Ok(Status::Submitted));
    }

    #[test]
    fn an_approved_report_cannot_be_changed_or_approved_again() {
        let err = next(Some(Status::Approved), Action::Save).unwrap_err();
        assert!(err.contains("đã khóa"), "{err}");
        assert!(next(Some(Status::Approved), Action::Approve).is_err());
        assert!(next(Some(Status::Draft), Action::Approve).is_err());
        assert!(next(None, Action::Return).unwrap_err().contains("chưa gửi"));
        assert!(next(Some(Status::Submitted), Action::Save)
            .unwrap_err()
            .contains("chờ duyệt"));
    }

    #[test]
    fn only_returning_and_reopening_need_a_reason() {
        assert!(Action::Return.needs_comment() && Action::Reopen.needs_comment());
        assert!(!Action::Approve.needs_comment() && !Action::Submit.needs_comment());
        for status in Status::ALL {
            assert_eq!(Status::parse(status.key()), Some(status));
        }
    }
}

//! The reporting calendar as data (`data/reporting/calendar.toml`): which reports exist, for which programs and
//! years, over which span, which levels submit them, by when, and with which statutory forms. A report code may
//! appear in several entries with disjoint year ranges: the 2021–2025 regime and the one from 2026 are two
//! entries, never an `if year > 2025` in code.
//!
//! Who reports to whom follows the geography valid on the period's last day: a unit submits to its parent of that
//! day (a xã to its district before 1/7/2025, to its province after).

use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use super::period::{Period, Span};
use crate::geo::Level;

/// The whole calendar: every report entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub reports: Vec<ReportKind>,
}

/// One report of the calendar, valid for a range of years.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportKind {
    /// Stable code used in URLs and submissions, e.g. "6T".
    pub code: String,
    pub name: String,
    pub span: Span,
    /// Catalogue codes of the programs reported on.
    pub programs: Vec<String>,
    pub from_year: i32,
    /// Last year covered; `None` while in force.
    pub to_year: Option<i32>,
    /// Levels that submit, each with its deadline in days after the period's last day.
    pub reporters: Vec<(Level, i64)>,
    /// Codes of the statutory forms attached (`super::form`).
    pub forms: Vec<String>,
    /// Whether a narrative report (báo cáo thuyết minh) goes with it.
    pub narrative: bool,
    pub basis: String,
    /// Deadlines or forms not checked against the legal text: shown as "cần đối chiếu văn bản gốc".
    pub verify: bool,
}

impl ReportKind {
    /// Whether the entry covers a period: same span, year in range.
    pub fn covers(&self, period: Period) -> bool {
        period.span() == self.span
            && period.year() >= self.from_year
            && self.to_year.is_none_or(|to| period.year() <= to)
    }

    /// The deadline for a unit of `level`, if that level submits this report.
    pub fn deadline(&self, level: Level, period: Period) -> Option<NaiveDate> {
        self.reporters
            .iter()
            .find(|(reporter, _)| *reporter == level)
            .map(|(_, days)| period.end() + Duration::days(*days))
    }

    pub fn submitted_by(&self, level: Level) -> bool {
        self.reporters
            .iter()
            .any(|(reporter, _)| *reporter == level)
    }
}

/// Whether a submission made on `submitted_on` met its deadline.
pub fn on_time(submitted_on: NaiveDate, deadline: NaiveDate) -> bool {
    submitted_on <= deadline
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    #[serde(default)]
    reports: Vec<RawReport>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    code: String,
    name: String,
    span: String,
    programs: Vec<String>,
    from_year: i32,
    to_year: Option<i32>,
    /// Level key → days after the period's end.
    due_days: std::collections::BTreeMap<String, i64>,
    #[serde(default)]
    forms: Vec<String>,
    #[serde(default)]
    narrative: bool,
    basis: String,
    #[serde(default)]
    verify: bool,
}

impl Calendar {
    /// Reads and checks a calendar file; every problem is listed.
    pub fn from_toml(text: &str) -> Result<Calendar, Vec<String>> {
        let raw: RawCalendar =
            toml::from_str(text).map_err(|err| vec![format!("lịch báo cáo: {err}")])?;
        let mut problems = Vec::new();
        let mut reports = Vec::new();
        for (idx, raw) in raw.reports.into_iter().enumerate() {
            let at = format!("báo cáo thứ {} (\"{}\")", idx + 1, raw.code);
            if raw.code.trim().is_empty() || raw.code.contains(char::is_whitespace) {
                problems.push(format!(
                    "{at}: mã báo cáo phải khác rỗng và không có khoảng trắng"
                ));
            }
            let span = Span::parse(&raw.span);
            if span.is_none() {
                problems.push(format!(
                    "{at}: kỳ \"{}\" không hợp lệ (half_year, year, month, week)",
                    raw.span
                ));
            }
            if raw.programs.is_empty() {
                problems.push(format!("{at}: cần ít nhất một chương trình"));
            }
            if raw.to_year.is_some_and(|to| to < raw.from_year) {
                problems.push(format!("{at}: năm kết thúc trước năm bắt đầu"));
            }
            let mut reporters = Vec::new();
            for (key, days) in &raw.due_days {
                match Level::parse(key) {
                    Some(level) if (0..=366).contains(days) => reporters.push((level, *days)),
                    Some(_) => problems.push(format!(
                        "{at}: hạn của cấp \"{key}\" là số ngày từ 0 đến 366 sau ngày cuối kỳ"
                    )),
                    None => problems.push(format!("{at}: cấp \"{key}\" không hợp lệ")),
                }
            }
            if reporters.is_empty() {
                problems.push(format!("{at}: cần hạn gửi của ít nhất một cấp (due_days)"));
            }
            if let Some(span) = span {
                reports.push(ReportKind {
                    code: raw.code.trim().to_owned(),
                    name: raw.name,
                    span,
                    programs: raw.programs,
                    from_year: raw.from_year,
                    to_year: raw.to_year,
                    reporters,
                    forms: raw.forms,
                    narrative: raw.narrative,
                    basis: raw.basis,
                    verify: raw.verify,
                });
            }
        }
        for (idx, a) in reports.iter().enumerate() {
            for b in &reports[idx + 1..] {
                let overlap = a.code == b.code
                    && a.from_year <= b.to_year.unwrap_or(i32::MAX)
                    && b.from_year <= a.to_year.unwrap_or(i32::MAX);
                if overlap {
                    problems.push(format!(
                        "báo cáo \"{}\" có hai mục trùng năm ({} và {})",
                        a.code, a.from_year, b.from_year
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(Calendar { reports })
        } else {
            Err(problems)
        }
    }

    /// The entry of `code` covering `period`.
    pub fn report(&self, code: &str, period: Period) -> Result<&ReportKind, String> {
        let mut same_code = self
            .reports
            .iter()
            .filter(|kind| kind.code == code.trim())
            .peekable();
        if same_code.peek().is_none() {
            return Err(format!(
                "không có báo cáo mã \"{}\" trong lịch báo cáo",
                code.trim()
            ));
        }
        same_code.find(|kind| kind.covers(period)).ok_or_else(|| {
            format!(
                "báo cáo \"{}\" không áp dụng cho kỳ {} ({})",
                code.trim(),
                period,
                period.label()
            )
        })
    }

    /// The first entry covering `period` (and using `form`, if given): what a command line without `--report` means.
    pub fn report_for(&self, period: Period, form: Option<&str>) -> Option<&ReportKind> {
        self.reports.iter().find(|kind| {
            kind.covers(period)
                && form.is_none_or(|form| kind.forms.iter().any(|code| code == form))
        })
    }

    /// The entries in force in a year, in file order.
    pub fn in_year(&self, year: i32) -> Vec<&ReportKind> {
        self.reports
            .iter()
            .filter(|kind| year >= kind.from_year && kind.to_year.is_none_or(|to| year <= to))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_deadline_beyond_a_year_after_the_period_is_refused() {
        let text = CALENDAR.replace(
            "commune = 5, district = 10",
            "commune = 99999999999, district = 10",
        );
        let problems = Calendar::from_toml(&text).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains("từ 0 đến 366")),
            "{problems:?}"
        );
    }

    use super::*;

    const CALENDAR: &str = r#"
[[reports]]
code = "6T"
name = "Báo cáo 6 tháng"
span = "half_year"
programs = ["NTM", "GNBV", "DTTS"]
from_year = 2021
to_year = 2025
due_days = { commune = 5, district = 10, province = 15 }
forms = ["HUYDONG"]
narrative = true
basis = "NĐ 27/2022/NĐ-CP"
verify = true

[[reports]]
code = "6T"
name = "Báo cáo 6 tháng"
span = "half_year"
programs = ["MTQG26"]
from_year = 2026
due_days = { commune = 5, province = 15 }
basis = "QĐ 25/2025/QĐ-TTg"
"#;

    #[test]
    fn the_entry_in_force_answers_for_a_period_and_gives_each_level_its_deadline() {
        let calendar = Calendar::from_toml(CALENDAR).unwrap();
        let old = calendar.report("6T", Period::FirstHalf(2024)).unwrap();
        assert_eq!(old.programs, ["NTM", "GNBV", "DTTS"]);
        assert!(old.submitted_by(Level::District));
        assert_eq!(
            old.deadline(Level::Commune, Period::FirstHalf(2024)),
            NaiveDate::from_ymd_opt(2024, 7, 5)
        );
        let new = calendar.report("6T", Period::FirstHalf(2026)).unwrap();
        assert_eq!(new.programs, ["MTQG26"]);
        assert!(!new.submitted_by(Level::District));
        assert!(calendar
            .report("6T", Period::Year(2026))
            .unwrap_err()
            .contains("không áp dụng"));
        assert!(calendar
            .report("XX", Period::Year(2026))
            .unwrap_err()
            .contains("không có báo cáo"));
        assert_eq!(calendar.in_year(2025).len(), 1);
        assert_eq!(
            calendar
                .report_for(Period::FirstHalf(2025), Some("HUYDONG"))
                .map(|k| k.from_year),
            Some(2021)
        );
        assert!(calendar
            .report_for(Period::FirstHalf(2026), Some("HUYDONG"))
            .is_none());
        assert!(calendar.report_for(Period::Month(2025, 3), None).is_none());
    }

    #[test]
    fn a_calendar_with_mistakes_lists_every_one() {
        let text = r#"
[[reports]]
code = "A"
name = "x"
span = "fortnight"
programs = []
from_year = 2025
to_year = 2024
due_days = { hamlet = 3 }
basis = ""

[[reports]]
code = "B"
name = "x"
span = "year"
programs = ["NTM"]
from_year = 2021
due_days = { province = 10 }
basis = ""

[[reports]]
code = "B"
name = "x"
span = "year"
programs = ["NTM"]
from_year = 2024
due_days = { province = 10 }
basis = ""
"#;
        let problems = Calendar::from_toml(text).unwrap_err();
        for needle in [
            "fortnight",
            "ít nhất một chương trình",
            "năm kết thúc",
            "\"hamlet\"",
            "trùng năm",
        ] {
            assert!(
                problems.iter().any(|p| p.contains(needle)),
                "{needle}: {problems:?}"
            );
        }
    }

    #[test]
    fn a_submission_on_the_deadline_is_on_time() {
        let deadline = NaiveDate::from_ymd_opt(2025, 7, 5).unwrap();
        assert!(on_time(deadline, deadline));
        assert!(!on_time(deadline + Duration::days(1), deadline));
    }
}

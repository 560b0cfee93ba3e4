//! Reporting periods: a half year, a year, a month or an ISO week, written as "2025-H1", "2025", "2025-07" or
//! "2025-W28" in files and URLs, and in Vietnamese words on documents ("6 tháng đầu năm 2025").

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// How long a report's period is; the calendar (`super::calendar`) says which span a report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Span {
    HalfYear,
    Year,
    Month,
    Week,
}

impl Span {
    /// Parses the key used in calendar files.
    pub fn parse(text: &str) -> Option<Span> {
        match text.trim() {
            "half_year" => Some(Span::HalfYear),
            "year" => Some(Span::Year),
            "month" => Some(Span::Month),
            "week" => Some(Span::Week),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Span::HalfYear => "half_year",
            Span::Year => "year",
            Span::Month => "month",
            Span::Week => "week",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Span::HalfYear => "6 tháng",
            Span::Year => "năm",
            Span::Month => "tháng",
            Span::Week => "tuần",
        }
    }
}

/// One reporting period. Half-year reports cover the first half (the annual report covers the whole year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    FirstHalf(i32),
    Year(i32),
    Month(i32, u32),
    /// ISO year and week.
    Week(i32, u32),
}

impl Period {
    /// Parses "2025-H1", "2025", "2025-07" or "2025-W28"; also the Vietnamese "6T/2025", "N/2025", "T07/2025".
    pub fn parse(text: &str) -> Result<Period, String> {
        let text = text.trim();
        let bad = || {
            format!(
                "kỳ báo cáo \"{text}\" không hợp lệ; dùng 2025-H1 (6 tháng), 2025 (năm), 2025-07 (tháng) hoặc 2025-W28 (tuần)"
            )
        };
        let year = |part: &str| -> Result<i32, String> {
            match part.parse::<i32>() {
                Ok(year) if (2000..=2100).contains(&year) => Ok(year),
                _ => Err(bad()),
            }
        };
        if let Some((head, tail)) = text.split_once('/') {
            let year = year(tail)?;
            let head = head.to_uppercase();
            return match head.as_str() {
                "6T" => Ok(Period::FirstHalf(year)),
                "N" | "NAM" | "NĂM" => Ok(Period::Year(year)),
                _ => match head.strip_prefix('T').map(str::parse::<u32>) {
                    Some(Ok(month)) if (1..=12).contains(&month) => Ok(Period::Month(year, month)),
                    _ => Err(bad()),
                },
            };
        }
        let Some((head, tail)) = text.split_once('-') else {
            return Ok(Period::Year(year(text)?));
        };
        let year = year(head)?;
        let tail = tail.to_uppercase();
        if tail == "H1" {
            return Ok(Period::FirstHalf(year));
        }
        if let Some(week) = tail.strip_prefix('W') {
            let week: u32 = week.parse().map_err(|_| bad())?;
            return match NaiveDate::from_isoywd_opt(year, week, Weekday::Mon) {
                Some(_) => Ok(Period::Week(year, week)),
                None => Err(bad()),
            };
        }
        match tail.parse::<u32>() {
            Ok(month) if (1..=12).contains(&month) => Ok(Period::Month(year, month)),
            _ => Err(bad()),
        }
    }

    pub fn span(self) -> Span {
        match self {
            Period::FirstHalf(_) => Span::HalfYear,
            Period::Year(_) => Span::Year,
            Period::Month(..) => Span::Month,
            Period::Week(..) => Span::Week,
        }
    }

    /// The calendar year the period belongs to (a week's ISO year).
    pub fn year(self) -> i32 {
        match self {
            Period::FirstHalf(year)
            | Period::Year(year)
            | Period::Month(year, _)
            | Period::Week(year, _) => year,
        }
    }

    /// The first day of the period.
    pub fn start(self) -> NaiveDate {
        match self {
            Period::FirstHalf(year) | Period::Year(year) => ymd(year, 1, 1),
            Period::Month(year, month) => ymd(year, month, 1),
            Period::Week(year, week) => {
                NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).unwrap_or(ymd(year, 1, 1))
            }
        }
    }

    /// The last day of the period (inclusive): figures are taken as of this day.
    pub fn end(self) -> NaiveDate {
        match self {
            Period::FirstHalf(year) => ymd(year, 6, 30),
            Period::Year(year) => ymd(year, 12, 31),
            Period::Month(year, month) => {
                let (next_year, next_month) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                ymd(next_year, next_month, 1) - Duration::days(1)
            }
            Period::Week(..) => self.start() + Duration::days(6),
        }
    }

    /// Whether a day falls in the period.
    pub fn contains(self, date: NaiveDate) -> bool {
        self.start() <= date && date <= self.end()
    }

    /// The period of the same span that contains `date`.
    pub fn containing(span: Span, date: NaiveDate) -> Period {
        match span {
            Span::HalfYear => Period::FirstHalf(date.year()),
            Span::Year => Period::Year(date.year()),
            Span::Month => Period::Month(date.year(), date.month()),
            Span::Week => {
                let week = date.iso_week();
                Period::Week(week.year(), week.week())
            }
        }
    }

    /// The period before this one of the same span (for half years: the previous year's first half).
    pub fn previous(self) -> Period {
        match self {
            Period::FirstHalf(year) => Period::FirstHalf(year - 1),
            Period::Year(year) => Period::Year(year - 1),
            Period::Month(year, 1) => Period::Month(year - 1, 12),
            Period::Month(year, month) => Period::Month(year, month - 1),
            Period::Week(..) => Period::containing(Span::Week, self.start() - Duration::days(7)),
        }
    }

    /// The period in Vietnamese words: "6 tháng đầu năm 2025", "năm 2025", "tháng 7/2025", "tuần 28/2025
    /// (07/07 - 13/07/2025)".
    pub fn label(self) -> String {
        match self {
            Period::FirstHalf(year) => format!("6 tháng đầu năm {year}"),
            Period::Year(year) => format!("năm {year}"),
            Period::Month(year, month) => format!("tháng {month}/{year}"),
            Period::Week(year, week) => format!(
                "tuần {week}/{year} ({} - {})",
                self.start().format("%d/%m"),
                crate::vi::format_date(self.end())
            ),
        }
    }

    /// What is left of the year after the period, in words for column headers: "6 tháng cuối năm", "các tháng còn
    /// lại", or `None` after an annual period.
    pub fn rest_of_year_label(self) -> Option<&'static str> {
        match self {
            Period::FirstHalf(_) => Some("6 tháng cuối năm"),
            Period::Year(_) => None,
            Period::Month(..) | Period::Week(..) => Some("thời gian còn lại của năm"),
        }
    }
}

impl fmt::Display for Period {
    /// The machine form: "2025-H1", "2025", "2025-07", "2025-W28".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::FirstHalf(year) => write!(f, "{year}-H1"),
            Period::Year(year) => write!(f, "{year}"),
            Period::Month(year, month) => write!(f, "{year}-{month:02}"),
            Period::Week(year, week) => write!(f, "{year}-W{week:02}"),
        }
    }
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a valid calendar date")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_round_trip_through_their_machine_form() {
        for text in ["2025-H1", "2025", "2025-07", "2025-W28", "2026-W01"] {
            assert_eq!(Period::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(Period::parse("6T/2025"), Ok(Period::FirstHalf(2025)));
        assert_eq!(Period::parse("N/2024"), Ok(Period::Year(2024)));
        assert_eq!(Period::parse("T7/2025"), Ok(Period::Month(2025, 7)));
    }

    #[test]
    fn bad_periods_are_refused_with_the_accepted_forms() {
        for text in ["2025-H2", "2025-13", "1999", "2025-W54", "abc", "T13/2025"] {
            let err = Period::parse(text).unwrap_err();
            assert!(err.contains("2025-H1"), "{text}: {err}");
        }
    }

    #[test]
    fn each_period_knows_its_first_and_last_day() {
        let half = Period::FirstHalf(2025);
        assert_eq!(
            (half.start(), half.end()),
            (ymd(2025, 1, 1), ymd(2025, 6, 30))
        );
        assert_eq!(Period::Month(2024, 2).end(), ymd(2024, 2, 29));
        assert_eq!(Period::Month(2025, 12).end(), ymd(2025, 12, 31));
        let week = Period::parse("2025-W28").unwrap();
        assert_eq!(
            (week.start(), week.end()),
            (ymd(2025, 7, 7), ymd(2025, 7, 13))
        );
        assert!(week.contains(ymd(2025, 7, 13)) && !week.contains(ymd(2025, 7, 14)));
        assert_eq!(Period::containing(Span::Week, ymd(2025, 7, 9)), week);
        assert_eq!(Period::Month(2025, 1).previous(), Period::Month(2024, 12));
        assert_eq!(
            Period::parse("2025-W01").unwrap().previous().to_string(),
            "2024-W52"
        );
    }

    #[test]
    fn periods_read_in_vietnamese() {
        assert_eq!(Period::FirstHalf(2025).label(), "6 tháng đầu năm 2025");
        assert_eq!(Period::Year(2024).label(), "năm 2024");
        assert_eq!(Period::Month(2025, 7).label(), "tháng 7/2025");
        assert_eq!(
            Period::parse("2025-W28").unwrap().label(),
            "tuần 28/2025 (07/07 - 13/07/2025)"
        );
    }
}

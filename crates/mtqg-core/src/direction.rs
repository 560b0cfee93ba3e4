//! Direction (DOMAIN.md §7): the pure rules of conclusion notices and their tasks — reading a pasted notice into
//! proposed tasks (numbered items and their bullets, lead and coordinating agencies recognised from the registry,
//! deadlines written in Vietnamese), and a task's status from its deadline and completion.
//!
//! The parser proposes; the officer corrects and saves. Agencies it cannot match are returned by name so they can be
//! offered for creation, never dropped.

use chrono::{Datelike, NaiveDate};

use crate::vi;

/// An agency as the parser knows it: its code and every name it goes by (full name and abbreviations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyNames {
    pub code: String,
    pub names: Vec<String>,
}

/// When a task is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// "chậm nhất trước 31/12/2023", "trước ngày 15/10", "trong tháng 9/2023", "trong quý III/2023".
    By(NaiveDate),
    /// "thường xuyên": ongoing.
    Ongoing,
    /// No deadline written.
    None,
}

/// One task the parser proposes.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposedTask {
    /// "3", "10.1" (the second bullet of item 10 is "10.2").
    pub number: String,
    pub text: String,
    /// Code of the lead agency (chủ trì), if recognised.
    pub lead: Option<String>,
    /// Codes of the coordinating agencies (phối hợp).
    pub coordinating: Vec<String>,
    pub deadline: Deadline,
    /// Names that look like agencies but are not in the registry ("Sở Du lịch"), to offer for creation.
    pub unknown_agencies: Vec<String>,
}

/// What a pasted notice gave.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedNotice {
    pub tasks: Vec<ProposedTask>,
    /// The text had no numbered items: one task per paragraph was proposed instead.
    pub by_paragraph: bool,
}

/// Words that begin an agency's name; a capitalised phrase after them not in the registry is an unknown agency.
const AGENCY_WORDS: &[&str] = &[
    "Sở ",
    "Ban ",
    "Văn phòng ",
    "UBND ",
    "Ủy ban nhân dân ",
    "Phòng ",
    "Cục ",
    "Chi cục ",
    "Trung tâm ",
    "Kho bạc ",
    "Ngân hàng ",
];

/// Words that end an agency's name: what follows is the task.
const STOP_PHRASES: &[&str] = &[
    "chu tri",
    "phoi hop",
    "tham muu",
    "xay dung",
    "thuc hien",
    "huong dan",
    "ra soat",
    "tong hop",
    "bao cao",
    "don doc",
    "trien khai",
    "khan truong",
    "tiep tuc",
    "co trach nhiem",
    "theo doi",
    "kiem tra",
    "de xuat",
    "bo tri",
    "hoan thanh",
    "va cac",
];

/// A numbered item's head: "1." / "10." / "2)" at the start of a line; returns the number and the rest.
fn numbered(line: &str) -> Option<(String, &str)> {
    let trimmed = line.trim_start();
    let digits: String = trimmed.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    let rest = &trimmed[digits.len()..];
    let rest = rest.strip_prefix('.').or_else(|| rest.strip_prefix(')'))?;
    // "1.5 tỷ" or "31/12" are not item numbers: a space must follow.
    rest.starts_with(' ').then(|| (digits, rest.trim()))
}

/// A bullet under an item: "- ", "+ ", "• ", "a) ".
fn bullet(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    for mark in ["- ", "+ ", "• ", "– "] {
        if let Some(rest) = trimmed.strip_prefix(mark) {
            return Some(rest.trim());
        }
    }
    let mut chars = trimmed.chars();
    match (chars.next(), chars.next(), chars.next()) {
        (Some(letter), Some(')'), Some(' ')) if letter.is_ascii_lowercase() => {
            Some(trimmed[3..].trim())
        }
        _ => None,
    }
}

/// Reads a pasted conclusion notice into tasks. Numbered items become tasks; an item whose bullets carry the work
/// ("10. Văn phòng Điều phối nông thôn mới tỉnh: - …; - …") becomes one task per bullet, led by the agency named in
/// the item's head unless a bullet names its own. `meeting` is the meeting's date: it completes deadlines written
/// without a year.
pub fn parse_notice(text: &str, meeting: NaiveDate, agencies: &[AgencyNames]) -> ParsedNotice {
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let has_items = lines.iter().any(|line| numbered(line).is_some());
    if !has_items {
        let tasks = text
            .split("\n\n")
            .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|paragraph| !paragraph.is_empty())
            .enumerate()
            .map(|(idx, paragraph)| {
                task((idx + 1).to_string(), &paragraph, None, meeting, agencies)
            })
            .collect();
        return ParsedNotice {
            tasks,
            by_paragraph: true,
        };
    }
    // Group lines into items: head text, then bullets (continuation lines join the previous piece).
    struct Item {
        number: String,
        head: String,
        bullets: Vec<String>,
    }
    let mut items: Vec<Item> = Vec::new();
    for line in &lines {
        if line.trim().is_empty() {
            continue;
        }
        if let Some((number, rest)) = numbered(line) {
            items.push(Item {
                number,
                head: rest.to_owned(),
                bullets: Vec::new(),
            });
            continue;
        }
        let Some(item) = items.last_mut() else {
            // Preamble before the first item (the notice's heading): not a task.
            continue;
        };
        match bullet(line) {
            Some(rest) => item.bullets.push(rest.to_owned()),
            None => {
                let target = item.bullets.last_mut().unwrap_or(&mut item.head);
                target.push(' ');
                target.push_str(line.trim());
            }
        }
    }
    let mut tasks = Vec::new();
    for item in items {
        if item.bullets.is_empty() {
            tasks.push(task(item.number, &item.head, None, meeting, agencies));
            continue;
        }
        let head_lead = recognise(&item.head, agencies).first().cloned();
        let head_deadline = deadline(&item.head, meeting);
        for (idx, text) in item.bullets.iter().enumerate() {
            let mut proposed = task(
                format!("{}.{}", item.number, idx + 1),
                text,
                head_lead.as_deref(),
                meeting,
                agencies,
            );
            if proposed.deadline == Deadline::None {
                proposed.deadline = head_deadline;
            }
            tasks.push(proposed);
        }
    }
    ParsedNotice {
        tasks,
        by_paragraph: false,
    }
}

/// One task from its text: agencies with their roles, the deadline, unknown agency names.
fn task(
    number: String,
    text: &str,
    inherited_lead: Option<&str>,
    meeting: NaiveDate,
    agencies: &[AgencyNames],
) -> ProposedTask {
    let text = text.trim().to_owned();
    let folded = vi::fold(&text);
    let found = recognise(&text, agencies);
    // The lead is the agency just before "chủ trì", else the first named before "phối hợp", else the item's head.
    let chu_tri = folded.find("chu tri");
    let phoi_hop = folded.find("phoi hop");
    let mut lead: Option<String> = None;
    let mut coordinating = Vec::new();
    for (code, at) in positions(&folded, &found, agencies) {
        let is_lead = match (chu_tri, phoi_hop) {
            (Some(c), _) if at < c && lead.is_none() => true,
            (None, Some(p)) if at < p && lead.is_none() => true,
            (None, None) if lead.is_none() && inherited_lead.is_none() => true,
            _ => false,
        };
        if is_lead {
            lead = Some(code);
        } else if Some(code.as_str()) != lead.as_deref() && !coordinating.contains(&code) {
            coordinating.push(code);
        }
    }
    let lead = lead.or_else(|| inherited_lead.map(str::to_owned));
    coordinating.retain(|code| Some(code) != lead.as_ref());
    ProposedTask {
        number,
        deadline: deadline(&text, meeting),
        unknown_agencies: unknown_agencies(&text, agencies),
        text,
        lead,
        coordinating,
    }
}

/// Codes of the registry's agencies named in `text`, in order of first appearance.
fn recognise(text: &str, agencies: &[AgencyNames]) -> Vec<String> {
    let folded = vi::fold(text);
    let found: Vec<String> = agencies.iter().map(|a| a.code.clone()).collect();
    positions(&folded, &found, agencies)
        .into_iter()
        .map(|(code, _)| code)
        .collect()
}

/// Where each agency of `codes` is first named in the folded text, by position; a name inside a longer matched
/// name (an abbreviation within a full name) counts once.
fn positions(folded: &str, codes: &[String], agencies: &[AgencyNames]) -> Vec<(String, usize)> {
    let mut hits: Vec<(usize, usize, String)> = Vec::new();
    for agency in agencies.iter().filter(|a| codes.contains(&a.code)) {
        for name in &agency.names {
            let needle = vi::fold(name);
            if needle.is_empty() {
                continue;
            }
            let mut from = 0;
            while let Some(at) = folded[from..].find(&needle) {
                let start = from + at;
                let end = start + needle.len();
                let bounded = folded[..start]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_alphanumeric())
                    && folded[end..]
                        .chars()
                        .next()
                        .is_none_or(|c| !c.is_alphanumeric());
                if bounded {
                    hits.push((start, end, agency.code.clone()));
                }
                from = end;
            }
        }
    }
    // Longest first at each place, then drop hits inside an earlier one.
    hits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut kept: Vec<(usize, usize, String)> = Vec::new();
    for hit in hits {
        if kept.iter().any(|k| hit.0 >= k.0 && hit.1 <= k.1) {
            continue;
        }
        kept.push(hit);
    }
    let mut res: Vec<(String, usize)> = Vec::new();
    for (start, _, code) in kept {
        if !res.iter().any(|(c, _)| *c == code) {
            res.push((code, start));
        }
    }
    res
}

/// Capitalised agency-like names ("Sở Du lịch", "Ban Dân tộc tỉnh") not matching any registry name.
fn unknown_agencies(text: &str, agencies: &[AgencyNames]) -> Vec<String> {
    let known: Vec<String> = agencies
        .iter()
        .flat_map(|a| a.names.iter().map(|n| vi::fold(n)))
        .collect();
    let mut res: Vec<String> = Vec::new();
    for word in AGENCY_WORDS {
        let mut from = 0;
        while let Some(at) = text[from..].find(word) {
            let start = from + at;
            from = start + word.len();
            if text[..start]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            // The name runs until a verb or role that starts the task ("chủ trì", "tham mưu", …), a punctuation
            // mark, or eight words: Vietnamese names capitalise only their first word ("Sở Du lịch").
            let mut name = word.trim_end().to_owned();
            let words: Vec<&str> = text[start + word.len()..].split_whitespace().collect();
            for (idx, next) in words.iter().enumerate().take(8) {
                let clean = next.trim_end_matches([',', ';', '.', ':', ')', '(']);
                let pair = format!(
                    "{} {}",
                    vi::fold(clean),
                    words.get(idx + 1).map(|w| vi::fold(w)).unwrap_or_default()
                );
                if STOP_PHRASES.iter().any(|stop| pair.starts_with(stop)) || clean.is_empty() {
                    break;
                }
                name.push(' ');
                name.push_str(clean);
                if clean.len() != next.len() {
                    break;
                }
            }
            let folded = vi::fold(&name);
            let is_known = known
                .iter()
                .any(|k| folded.starts_with(k.as_str()) || k.starts_with(folded.as_str()));
            if name.split_whitespace().count() > 1 && !is_known && !res.contains(&name) {
                res.push(name);
            }
        }
    }
    res
}

/// The deadline written in a task's text.
pub fn deadline(text: &str, meeting: NaiveDate) -> Deadline {
    let folded = vi::fold(text);
    if let Some(date) = quarter(&folded) {
        return Deadline::By(date);
    }
    if let Some(date) = month(&folded) {
        return Deadline::By(date);
    }
    for marker in ["cham nhat", "truoc ngay", "truoc", "den ngay", "thoi han"] {
        let mut from = 0;
        while let Some(at) = folded[from..].find(marker) {
            let after = &folded[from + at + marker.len()..];
            if let Some(date) = first_date(after, meeting) {
                return Deadline::By(date);
            }
            from += at + marker.len();
        }
    }
    if folded.contains("thuong xuyen") {
        return Deadline::Ongoing;
    }
    Deadline::None
}

/// "trong quý III/2023", "quý 4 năm 2023": the quarter's last day.
fn quarter(folded: &str) -> Option<NaiveDate> {
    let at = folded.find("quy ")?;
    let rest = &folded[at + 4..];
    let token: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
    let q = match token.as_str() {
        "i" | "1" => 1,
        "ii" | "2" => 2,
        "iii" | "3" => 3,
        "iv" | "4" => 4,
        _ => return None,
    };
    let after = &rest[token.len()..];
    let year = year_after(after)?;
    let (month, day) = [(3, 31), (6, 30), (9, 30), (12, 31)][q - 1];
    NaiveDate::from_ymd_opt(year, month, day)
}

/// "trong tháng 9/2023", "tháng 9 năm 2023": the month's last day.
fn month(folded: &str) -> Option<NaiveDate> {
    let at = folded.find("thang ")?;
    let rest = &folded[at + 6..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let month: u32 = digits.parse().ok()?;
    if !(1..=12).contains(&month) {
        return None;
    }
    let year = year_after(&rest[digits.len()..])?;
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    first_next.pred_opt()
}

/// A year written right after: "/2023" or " năm 2023".
fn year_after(text: &str) -> Option<i32> {
    let rest = text
        .strip_prefix('/')
        .or_else(|| text.trim_start().strip_prefix("nam "))?;
    let digits: String = rest
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (digits.len() == 4).then(|| digits.parse().ok()).flatten()
}

/// The first "dd/mm/yyyy" or "dd/mm" (the meeting's year, or the next one if that date has passed) in the text.
fn first_date(text: &str, meeting: NaiveDate) -> Option<NaiveDate> {
    let head: String = text.chars().take(40).collect();
    for word in head.split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == ')') {
        let word = word.trim_end_matches('.');
        let parts: Vec<&str> = word.split('/').collect();
        let number = |part: &str| part.parse::<u32>().ok();
        match parts.as_slice() {
            [d, m, y] => {
                if let (Some(d), Some(m), Some(y)) = (number(d), number(m), number(y)) {
                    if let Some(date) = NaiveDate::from_ymd_opt(y as i32, m, d) {
                        return Some(date);
                    }
                }
            }
            [d, m] => {
                if let (Some(d), Some(m)) = (number(d), number(m)) {
                    let this_year = NaiveDate::from_ymd_opt(meeting.year(), m, d)?;
                    return Some(if this_year < meeting {
                        NaiveDate::from_ymd_opt(meeting.year() + 1, m, d)?
                    } else {
                        this_year
                    });
                }
            }
            _ => {}
        }
    }
    None
}

/// A measure the system computes, which a conclusion's numeric target is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Share of the unit's xã recognised at the new-rural standard or above, in percent, on the due date.
    NtmXaShare,
    /// Number of the unit's xã recognised at the new-rural standard during the target year, by the due date.
    NtmXaNew,
    /// Disbursed share of the year's capital plan, in percent, on the due date.
    DisbursementRate,
    /// Fall of the poverty rate in the year, in percentage points.
    PovertyReduction,
}

impl Measure {
    pub const ALL: [Measure; 4] = [
        Measure::NtmXaShare,
        Measure::NtmXaNew,
        Measure::DisbursementRate,
        Measure::PovertyReduction,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Measure::NtmXaShare => "ntm_xa_share",
            Measure::NtmXaNew => "ntm_xa_new",
            Measure::DisbursementRate => "disbursement_rate",
            Measure::PovertyReduction => "poverty_reduction",
        }
    }

    pub fn from_code(code: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.code() == code.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Measure::NtmXaShare => "Tỷ lệ xã đạt chuẩn nông thôn mới (%)",
            Measure::NtmXaNew => "Số xã đạt chuẩn nông thôn mới trong năm",
            Measure::DisbursementRate => "Tỷ lệ giải ngân kế hoạch vốn năm (%)",
            Measure::PovertyReduction => "Giảm tỷ lệ hộ nghèo trong năm (điểm %)",
        }
    }

    /// The share of the target reached, in percent (every measure is "at least").
    pub fn progress(self, actual: f64, target: f64) -> Option<f64> {
        (target > 0.0).then(|| actual * 100.0 / target)
    }
}

/// A task's status (DOMAIN.md §7), computed, never typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
    NotStarted,
    InProgressOnTime,
    Overdue,
    DoneOnTime,
    DoneLate,
}

impl TaskStatus {
    pub fn label(self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "Chưa thực hiện",
            TaskStatus::InProgressOnTime => "Đang thực hiện trong hạn",
            TaskStatus::Overdue => "Quá hạn",
            TaskStatus::DoneOnTime => "Hoàn thành đúng hạn",
            TaskStatus::DoneLate => "Hoàn thành quá hạn",
        }
    }
}

/// The status on `today` of a task due by `deadline`, with or without progress reported, done on `done`.
pub fn task_status(
    deadline: Deadline,
    started: bool,
    done: Option<NaiveDate>,
    today: NaiveDate,
) -> TaskStatus {
    let due = match deadline {
        Deadline::By(date) => Some(date),
        Deadline::Ongoing | Deadline::None => None,
    };
    match (done, due) {
        (Some(done), Some(due)) if done > due => TaskStatus::DoneLate,
        (Some(_), _) => TaskStatus::DoneOnTime,
        (None, Some(due)) if today > due => TaskStatus::Overdue,
        (None, _) if started => TaskStatus::InProgressOnTime,
        (None, _) => TaskStatus::NotStarted,
    }
}

#[cfg(test)]
mod tests;

//! Multidimensional poverty (nghèo đa chiều): poverty standards as versioned data, the pure classification of a
//! household under a standard, and the tallies that rates are made of (../shared/DOMAIN.md §6).
//!
//! A standard is read from TOML (format in data/poverty/README.md) and validated whole before use. It names its
//! income lines per area (rural, urban), optionally the score-A lines of the review questionnaire, its indicators in
//! dimensions, and an ordered list of rules: the first rule a household satisfies gives its class. So the two-line
//! rule of QĐ 59/2015 and the one-line rule of NĐ 07/2021 are both data, and a province's higher local standard is
//! a standard that inherits everything but its lines from the national one.
//!
//! Indicator codes are stable across standards (`viec_lam`, `bhyt`, …): a household's answers are kept by code, so
//! it can be re-classified under another standard; an indicator the household was never asked about counts as not
//! deprived and is listed as unanswered.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;

pub mod flows;
pub mod import;

/// Where a household lives, which decides its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Area {
    /// Nông thôn.
    Rural,
    /// Thành thị.
    Urban,
}

impl Area {
    pub fn code(self) -> &'static str {
        match self {
            Area::Rural => "rural",
            Area::Urban => "urban",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Area::Rural => "Nông thôn",
            Area::Urban => "Thành thị",
        }
    }

    /// Reads "rural"/"urban", "nông thôn"/"thành thị", "NT"/"TT" (any case, with or without diacritics).
    pub fn parse(text: &str) -> Option<Area> {
        // The forms officers type, without folding (a million rows per import).
        match text.trim() {
            "Nông thôn" | "nông thôn" | "NT" | "rural" => return Some(Area::Rural),
            "Thành thị" | "thành thị" | "TT" | "urban" => return Some(Area::Urban),
            _ => {}
        }
        match crate::vi::fold(text).replace(['_', '-'], " ").trim() {
            "rural" | "nong thon" | "nt" | "xa" => Some(Area::Rural),
            "urban" | "thanh thi" | "tt" | "do thi" => Some(Area::Urban),
            _ => None,
        }
    }
}

/// A household's class under a standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Hộ nghèo.
    Poor,
    /// Hộ cận nghèo.
    NearPoor,
    /// Hộ có mức sống trung bình.
    Average,
    /// Not in any of the three (không thuộc diện).
    Other,
}

impl Class {
    pub const ALL: [Class; 4] = [Class::Poor, Class::NearPoor, Class::Average, Class::Other];

    pub fn code(self) -> &'static str {
        match self {
            Class::Poor => "poor",
            Class::NearPoor => "near_poor",
            Class::Average => "average",
            Class::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|class| class.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Class::Poor => "Hộ nghèo",
            Class::NearPoor => "Hộ cận nghèo",
            Class::Average => "Hộ có mức sống trung bình",
            Class::Other => "Không thuộc diện",
        }
    }
}

/// One deprivation indicator (chỉ số đo lường mức độ thiếu hụt).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct IndicatorDef {
    /// Stable across standards: `viec_lam`, `bhyt`, ….
    pub code: String,
    /// Its number in the standard ("1" … "12"), used as a column header "CS1" … .
    pub number: String,
    pub name: String,
    /// When a household counts as deprived, in the standard's words.
    #[serde(default)]
    pub deprived_when: String,
    #[serde(default)]
    pub verify: bool,
}

/// A dimension (chiều) and its indicators.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Dimension {
    pub name: String,
    pub indicators: Vec<IndicatorDef>,
}

/// Named lines for one area, in đồng per person per month (or points, for score A).
pub type Lines = BTreeMap<String, i64>;

/// Lines of both areas.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
pub struct AreaLines {
    #[serde(default)]
    pub rural: Lines,
    #[serde(default)]
    pub urban: Lines,
}

impl AreaLines {
    fn of(&self, area: Area) -> &Lines {
        match area {
            Area::Rural => &self.rural,
            Area::Urban => &self.urban,
        }
    }
}

/// One classification rule: every condition given must hold. Income bounds name a line of the standard.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Rule {
    pub class: Class,
    /// Income (or score A) strictly above this line.
    #[serde(default)]
    pub income_above: Option<String>,
    /// Income (or score A) at or below this line ("≤" is inclusive).
    #[serde(default)]
    pub income_at_most: Option<String>,
    /// At least this many indicators deprived.
    #[serde(default)]
    pub deprived_at_least: Option<usize>,
}

/// A poverty standard as data.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Standard {
    pub code: String,
    pub name: String,
    pub legal_basis: String,
    /// First and last review year the standard applies to (inclusive).
    pub first_year: i32,
    pub last_year: i32,
    /// The national standard a province's local standard raises (it inherits everything but its lines).
    #[serde(default)]
    pub parent: Option<String>,
    /// Province code of a local standard.
    #[serde(default)]
    pub province: Option<String>,
    /// The standard, or some of its wording or values, is not yet checked against the official text.
    #[serde(default)]
    pub verify: bool,
    #[serde(default)]
    pub lines: AreaLines,
    /// Score-A lines of the review questionnaire (TT 07/2021: 140 rural, 175 urban), by the same names.
    #[serde(default)]
    pub score_a: AreaLines,
    /// Points of score B per deprived indicator.
    #[serde(default = "ten")]
    pub score_b_per_indicator: u32,
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

fn ten() -> u32 {
    10
}

/// What a household brings to classification.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Household {
    pub area: Option<Area>,
    /// Average income per person per month, in đồng.
    pub income: Option<i64>,
    /// Score A of the review questionnaire (phiếu B1).
    pub score_a: Option<i64>,
    /// Codes of the indicators the household is deprived on.
    pub deprived: HashSet<String>,
    /// Codes of the indicators the household was asked about; `None` means all of the standard's.
    pub answered: Option<HashSet<String>>,
}

/// What the income test was based on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Income,
    ScoreA,
}

/// The result of classifying one household.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub class: Class,
    pub basis: Basis,
    /// Deprived indicators of this standard, in its order.
    pub deprived: Vec<String>,
    /// Score B: points for the deprived indicators.
    pub score_b: u32,
    /// Indicators of this standard the household was not asked about (counted as not deprived).
    pub unanswered: Vec<String>,
}

/// Why a household cannot be classified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassifyError {
    #[error("thiếu khu vực (nông thôn / thành thị)")]
    NoArea,
    #[error("thiếu thu nhập bình quân đầu người và điểm A: cần một trong hai để phân loại")]
    NoIncome,
}

/// Income above which a declared figure is refused as absurd: one billion đồng per person per month.
pub const ABSURD_INCOME: i64 = 1_000_000_000;

/// The largest score B per deprived indicator a standard may give.
const MAX_SCORE_B_PER_INDICATOR: u32 = 1_000;

impl Standard {
    /// Reads and validates a standard from TOML; every problem is listed.
    pub fn from_toml(text: &str) -> Result<Standard, Vec<String>> {
        let mut standard: Standard =
            toml::from_str(text).map_err(|err| vec![format!("tệp không đúng định dạng: {err}")])?;
        standard.name = crate::vi::nfc(&standard.name);
        for dimension in &mut standard.dimensions {
            dimension.name = crate::vi::nfc(&dimension.name);
            for indicator in &mut dimension.indicators {
                indicator.name = crate::vi::nfc(&indicator.name);
            }
        }
        if standard.parent.is_some() {
            // A local standard is validated once it has inherited from its parent.
            return Ok(standard);
        }
        let problems = standard.problems();
        if problems.is_empty() {
            Ok(standard)
        } else {
            Err(problems)
        }
    }

    /// A province's local standard completed from its national parent: the parent's indicators, rules and score
    /// lines, the local lines where given (each must be at least the parent's), the local years and names.
    pub fn specialise(local: &Standard, parent: &Standard) -> Result<Standard, Vec<String>> {
        let mut problems = Vec::new();
        if local.parent.as_deref() != Some(parent.code.as_str()) {
            problems.push(format!(
                "chuẩn {} không kế thừa chuẩn {}",
                local.code, parent.code
            ));
        }
        if local.province.as_deref().unwrap_or("").is_empty() {
            problems.push("chuẩn địa phương phải ghi mã tỉnh (province)".to_owned());
        }
        let mut lines = parent.lines.clone();
        for area in [Area::Rural, Area::Urban] {
            for (name, value) in local.lines.of(area) {
                match parent.lines.of(area).get(name) {
                    Some(national) if value < national => problems.push(format!(
                        "chuẩn {} ({}) thấp hơn chuẩn quốc gia {}: {} < {}",
                        name,
                        area.label(),
                        parent.code,
                        value,
                        national
                    )),
                    Some(_) => {}
                    None => problems.push(format!(
                        "chuẩn quốc gia {} không có mức {} ({})",
                        parent.code,
                        name,
                        area.label()
                    )),
                }
                match area {
                    Area::Rural => lines.rural.insert(name.clone(), *value),
                    Area::Urban => lines.urban.insert(name.clone(), *value),
                };
            }
        }
        if local.first_year < parent.first_year || local.last_year > parent.last_year {
            problems.push(format!(
                "năm áp dụng {}–{} nằm ngoài thời kỳ của chuẩn quốc gia ({}–{})",
                local.first_year, local.last_year, parent.first_year, parent.last_year
            ));
        }
        let standard = Standard {
            code: local.code.clone(),
            name: local.name.clone(),
            legal_basis: local.legal_basis.clone(),
            first_year: local.first_year,
            last_year: local.last_year,
            parent: Some(parent.code.clone()),
            province: local.province.clone(),
            verify: local.verify || parent.verify,
            lines,
            score_a: if local.score_a == AreaLines::default() {
                parent.score_a.clone()
            } else {
                local.score_a.clone()
            },
            score_b_per_indicator: parent.score_b_per_indicator,
            dimensions: if local.dimensions.is_empty() {
                parent.dimensions.clone()
            } else {
                local.dimensions.clone()
            },
            rules: if local.rules.is_empty() {
                parent.rules.clone()
            } else {
                local.rules.clone()
            },
        };
        problems.extend(standard.problems());
        if problems.is_empty() {
            Ok(standard)
        } else {
            Err(problems)
        }
    }

    /// What is wrong with the standard: no indicators or rules, repeated indicator codes, rules naming lines the
    /// standard lacks, lines in the wrong order, years the wrong way round.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.code.trim().is_empty() || !self.code.is_ascii() || self.code.contains(' ') {
            problems.push(format!(
                "mã chuẩn \"{}\" phải là chữ không dấu, không có khoảng trắng",
                self.code
            ));
        }
        if self.first_year > self.last_year {
            problems.push(format!(
                "năm bắt đầu {} sau năm kết thúc {}",
                self.first_year, self.last_year
            ));
        }
        let mut codes = HashSet::new();
        let mut numbers = HashSet::new();
        for indicator in self.indicators() {
            if !codes.insert(indicator.code.as_str()) {
                problems.push(format!("chỉ số {} bị lặp", indicator.code));
            }
            if !numbers.insert(indicator.number.as_str()) {
                problems.push(format!("số thứ tự chỉ số {} bị lặp", indicator.number));
            }
        }
        if codes.is_empty() {
            problems.push("chuẩn không có chỉ số thiếu hụt nào".to_owned());
        }
        if self.rules.is_empty() {
            problems.push("chuẩn không có quy tắc phân loại nào".to_owned());
        }
        // QĐ 59/2015 gives 10 points per indicator; a standard's whole score B stays well within a u32.
        if self.score_b_per_indicator > MAX_SCORE_B_PER_INDICATOR {
            problems.push(format!(
                "điểm B mỗi chỉ số thiếu hụt ({}) phải từ 0 đến {MAX_SCORE_B_PER_INDICATOR}",
                self.score_b_per_indicator
            ));
        }
        for area in [Area::Rural, Area::Urban] {
            let lines = self.lines.of(area);
            if lines.is_empty() {
                problems.push(format!("thiếu chuẩn thu nhập khu vực {}", area.label()));
            }
            for (name, value) in lines {
                if *value <= 0 || *value >= ABSURD_INCOME {
                    problems.push(format!(
                        "mức {name} ({}) không hợp lệ: {value}",
                        area.label()
                    ));
                }
            }
            for (idx, rule) in self.rules.iter().enumerate() {
                for line in [&rule.income_above, &rule.income_at_most]
                    .into_iter()
                    .flatten()
                {
                    if !lines.contains_key(line) {
                        problems.push(format!(
                            "quy tắc {} nhắc tới mức \"{line}\" không có ở khu vực {}",
                            idx + 1,
                            area.label()
                        ));
                    }
                }
                if let (Some(above), Some(at_most)) = (&rule.income_above, &rule.income_at_most) {
                    if let (Some(low), Some(high)) = (lines.get(above), lines.get(at_most)) {
                        if low >= high {
                            problems.push(format!(
                                "quy tắc {}: mức {above} ({low}) không thấp hơn mức {at_most} ({high}) ở khu vực {}",
                                idx + 1,
                                area.label()
                            ));
                        }
                    }
                }
            }
        }
        problems
    }

    /// The indicators in the standard's order.
    pub fn indicators(&self) -> impl Iterator<Item = &IndicatorDef> {
        self.dimensions
            .iter()
            .flat_map(|dimension| dimension.indicators.iter())
    }

    pub fn indicator(&self, code: &str) -> Option<&IndicatorDef> {
        self.indicators().find(|indicator| indicator.code == code)
    }

    /// Whether the standard applies to reviews of `year`.
    pub fn applies_to(&self, year: i32) -> bool {
        (self.first_year..=self.last_year).contains(&year)
    }

    /// The value of a named income line.
    pub fn line(&self, area: Area, name: &str) -> Option<i64> {
        self.lines.of(area).get(name).copied()
    }

    /// Classifies a household: the first rule it satisfies gives its class; none gives `Class::Other`.
    /// Income is used when known; otherwise score A against the score-A lines (a rule naming a line that has no
    /// score-A value then cannot be satisfied).
    pub fn classify(&self, household: &Household) -> Result<Classification, ClassifyError> {
        self.classify_with(
            household.area,
            household.income,
            household.score_a,
            |code| household.deprived.contains(code),
            |code| {
                household
                    .answered
                    .as_ref()
                    .is_none_or(|answered| answered.contains(code))
            },
        )
    }

    /// `classify` with the answers given as functions of the indicator code, so a caller holding them in another
    /// form (bits of an imported row) builds no set per household.
    pub fn classify_with(
        &self,
        area: Option<Area>,
        income: Option<i64>,
        score_a: Option<i64>,
        is_deprived: impl Fn(&str) -> bool,
        is_answered: impl Fn(&str) -> bool,
    ) -> Result<Classification, ClassifyError> {
        let area = area.ok_or(ClassifyError::NoArea)?;
        let (basis, value, lines) = match (income, score_a) {
            (Some(income), _) => (Basis::Income, income, self.lines.of(area)),
            (None, Some(score)) => (Basis::ScoreA, score, self.score_a.of(area)),
            (None, None) => return Err(ClassifyError::NoIncome),
        };
        let mut deprived = Vec::new();
        let mut unanswered = Vec::new();
        for indicator in self.indicators() {
            if !is_answered(&indicator.code) {
                unanswered.push(indicator.code.clone());
            } else if is_deprived(&indicator.code) {
                deprived.push(indicator.code.clone());
            }
        }
        let holds = |rule: &Rule| {
            let above = match &rule.income_above {
                Some(name) => lines.get(name).is_some_and(|line| value > *line),
                None => true,
            };
            let at_most = match &rule.income_at_most {
                Some(name) => lines.get(name).is_some_and(|line| value <= *line),
                None => true,
            };
            above && at_most && rule.deprived_at_least.is_none_or(|n| deprived.len() >= n)
        };
        let class = self
            .rules
            .iter()
            .find(|rule| holds(rule))
            .map(|rule| rule.class)
            .unwrap_or(Class::Other);
        Ok(Classification {
            class,
            basis,
            score_b: (deprived.len() as u32).saturating_mul(self.score_b_per_indicator),
            deprived,
            unanswered,
        })
    }
}

/// Reads an indicator answer: deprived ("x", "1", "có", "thiếu hụt", "TH") or not ("", "0", "không", "KTH").
/// Anything else is an error naming the accepted answers.
pub fn parse_answer(text: &str) -> Result<bool, String> {
    // The common marks without folding (twelve cells of a million rows per import).
    match text.trim() {
        "x" | "X" | "1" => return Ok(true),
        "" | "0" | "-" => return Ok(false),
        _ => {}
    }
    match crate::vi::fold(text).trim() {
        "x" | "1" | "co" | "thieu" | "thieu hut" | "th" | "yes" | "true" => Ok(true),
        "" | "0" | "khong" | "k" | "khong thieu hut" | "kth" | "no" | "false" | "-" => Ok(false),
        _ => Err(format!(
            "câu trả lời \"{text}\" không hợp lệ: ghi \"x\" (hoặc 1, có, thiếu hụt) nếu thiếu hụt, để trống (hoặc 0, không) nếu không"
        )),
    }
}

/// Counts of one list (or the sum of several): households by class, the same for ethnic-minority households, and
/// how many poor households are deprived on each indicator.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tally {
    pub households: u64,
    pub poor: u64,
    pub near_poor: u64,
    pub average: u64,
    pub em_households: u64,
    pub em_poor: u64,
    pub em_near_poor: u64,
    /// Indicator code → number of poor households deprived on it.
    pub poor_deprived: BTreeMap<String, u64>,
}

impl Tally {
    /// Adds one household with the codes of its deprived indicators.
    pub fn add<'a>(
        &mut self,
        class: Class,
        ethnic_minority: bool,
        deprived: impl IntoIterator<Item = &'a str>,
    ) {
        self.households += 1;
        self.em_households += u64::from(ethnic_minority);
        match class {
            Class::Poor => {
                self.poor += 1;
                self.em_poor += u64::from(ethnic_minority);
                for code in deprived {
                    match self.poor_deprived.get_mut(code) {
                        Some(n) => *n += 1,
                        None => {
                            self.poor_deprived.insert(code.to_owned(), 1);
                        }
                    }
                }
            }
            Class::NearPoor => {
                self.near_poor += 1;
                self.em_near_poor += u64::from(ethnic_minority);
            }
            Class::Average => self.average += 1,
            Class::Other => {}
        }
    }

    /// Adds another tally (a roll-up).
    pub fn merge(&mut self, other: &Tally) {
        self.households += other.households;
        self.poor += other.poor;
        self.near_poor += other.near_poor;
        self.average += other.average;
        self.em_households += other.em_households;
        self.em_poor += other.em_poor;
        self.em_near_poor += other.em_near_poor;
        for (code, n) in &other.poor_deprived {
            *self.poor_deprived.entry(code.clone()).or_default() += n;
        }
    }

    /// Poor households as a percentage of all households.
    pub fn poor_rate(&self) -> Option<f64> {
        percent(self.poor, self.households)
    }

    pub fn near_poor_rate(&self) -> Option<f64> {
        percent(self.near_poor, self.households)
    }

    pub fn em_poor_rate(&self) -> Option<f64> {
        percent(self.em_poor, self.em_households)
    }

    pub fn em_near_poor_rate(&self) -> Option<f64> {
        percent(self.em_near_poor, self.em_households)
    }

    /// Share of poor households deprived on `code`, in percent.
    pub fn deprivation_share(&self, code: &str) -> Option<f64> {
        percent(
            self.poor_deprived.get(code).copied().unwrap_or(0),
            self.poor,
        )
    }
}

fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// A reduction measured against the year's target: percentage points and the share of the target reached
/// ("giảm 4,43%, đạt 110,75% kế hoạch").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reduction {
    pub points: f64,
    pub target_points: Option<f64>,
    pub percent_of_target: Option<f64>,
}

/// The fall of the poverty rate from `before` to `after` (both in percent), against a target in points.
pub fn reduction(before: f64, after: f64, target_points: Option<f64>) -> Reduction {
    let points = before - after;
    Reduction {
        points,
        target_points,
        percent_of_target: target_points
            .filter(|target| *target > 0.0)
            .map(|target| points * 100.0 / target),
    }
}

#[cfg(test)]
mod tests;

//! New-rural criteria (nông thôn mới): criteria sets as versioned data, provincial specialisation, and the pure
//! evaluation of a commune's indicator values against a set (../shared/DOMAIN.md §5).
//!
//! A set is read from TOML (format in data/ntm/README.md) and validated whole before use. Evaluation picks each
//! indicator's threshold by the commune's region or group (or the override region for ĐBKK/ATK communes) and by
//! year: the latest published value not after the assessment year, or the first published one before that. An
//! indicator without a threshold is reported as "chưa có ngưỡng" and keeps its criterion from being met: an
//! unknown threshold is never guessed.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Deserialize;

pub mod lifecycle;
pub mod ocop;

/// How an indicator is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// "Đạt" / "Không đạt".
    PassFail,
    /// Met when the value is at least the threshold (equality meets it).
    AtLeast,
    /// Met when the value is at most the threshold (equality meets it).
    AtMost,
    /// A count that must reach the threshold.
    CountAtLeast,
}

/// One published threshold: for a region or group key (or "*"), from a year on.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Threshold {
    pub key: String,
    #[serde(default)]
    pub year: Option<i32>,
    pub value: f64,
}

/// An indicator (chỉ tiêu) of a criterion.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Indicator {
    pub code: String,
    pub name: String,
    pub kind: IndicatorKind,
    #[serde(default)]
    pub unit: String,
    /// Wording or threshold not yet checked against the official annex.
    #[serde(default)]
    pub verify: bool,
    #[serde(default)]
    pub thresholds: Vec<Threshold>,
}

/// A criterion (tiêu chí): met when all its indicators are.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Criterion {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub indicators: Vec<Indicator>,
}

/// The tier a set certifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Standard,
    Advanced,
    Model,
    Modern,
}

/// A criteria set as data.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CriteriaSet {
    pub code: String,
    pub name: String,
    pub legal_basis: String,
    pub level: String,
    pub tier: Tier,
    pub valid_from: NaiveDate,
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    pub keyed_by: String,
    #[serde(default)]
    pub keys: Vec<String>,
    #[serde(default)]
    pub override_key: Option<String>,
    #[serde(default)]
    pub override_flags: Vec<String>,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub province: Option<String>,
    #[serde(default)]
    pub verify: bool,
    /// Communes recognised at this tier under an earlier set must meet this one by this date (or lose recognition).
    #[serde(default)]
    pub catch_up_until: Option<NaiveDate>,
    pub criteria: Vec<Criterion>,
}

impl CriteriaSet {
    /// Reads and validates a set; every problem is listed.
    pub fn from_toml(text: &str) -> Result<CriteriaSet, Vec<String>> {
        let mut set: CriteriaSet =
            toml::from_str(text).map_err(|err| vec![format!("tệp không đúng định dạng: {err}")])?;
        set.criteria.iter_mut().for_each(|criterion| {
            criterion.name = crate::vi::nfc(&criterion.name);
            criterion
                .indicators
                .iter_mut()
                .for_each(|indicator| indicator.name = crate::vi::nfc(&indicator.name));
        });
        let problems = set.problems();
        if problems.is_empty() {
            Ok(set)
        } else {
            Err(problems)
        }
    }

    /// What is wrong with the set: criteria without indicators, repeated codes, unknown keys, thresholds missing
    /// for some keys, thresholds on pass/fail indicators.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !matches!(self.level.as_str(), "commune" | "district" | "village") {
            problems.push(format!(
                "cấp \"{}\" không hợp lệ (commune, district, village)",
                self.level
            ));
        }
        if !matches!(self.keyed_by.as_str(), "region" | "group" | "none") {
            problems.push(format!(
                "keyed_by \"{}\" không hợp lệ (region, group, none)",
                self.keyed_by
            ));
        }
        if let Some(key) = &self.override_key {
            if !self.keys.contains(key) {
                problems.push(format!("override_key \"{key}\" không có trong keys"));
            }
        }
        if self.criteria.is_empty() {
            problems.push("bộ tiêu chí không có tiêu chí nào".to_owned());
        }
        let mut criteria = HashSet::new();
        let mut indicators = HashSet::new();
        for criterion in &self.criteria {
            if !criteria.insert(criterion.code.as_str()) {
                problems.push(format!("tiêu chí {} bị lặp", criterion.code));
            }
            if criterion.indicators.is_empty() {
                problems.push(format!(
                    "tiêu chí {} ({}) không có chỉ tiêu nào",
                    criterion.code, criterion.name
                ));
            }
            for indicator in &criterion.indicators {
                let at = format!("chỉ tiêu {}", indicator.code);
                if !indicators.insert(indicator.code.as_str()) {
                    problems.push(format!("{at} bị lặp"));
                }
                if indicator.kind == IndicatorKind::PassFail && !indicator.thresholds.is_empty() {
                    problems.push(format!("{at} là đạt/không đạt nên không có ngưỡng số"));
                }
                let mut seen = HashSet::new();
                for threshold in &indicator.thresholds {
                    if threshold.key != "*" && !self.keys.contains(&threshold.key) {
                        problems.push(format!(
                            "{at}: khóa \"{}\" không có trong keys",
                            threshold.key
                        ));
                    }
                    if !seen.insert((threshold.key.as_str(), threshold.year)) {
                        problems.push(format!(
                            "{at}: ngưỡng cho \"{}\" năm {:?} bị lặp",
                            threshold.key, threshold.year
                        ));
                    }
                    if !threshold.value.is_finite() || threshold.value < 0.0 {
                        problems.push(format!("{at}: ngưỡng {} không hợp lệ", threshold.value));
                    }
                }
                // A threshold given for some keys must be given for all (or for "*").
                let has_any = !indicator.thresholds.is_empty();
                let has_star = indicator
                    .thresholds
                    .iter()
                    .any(|threshold| threshold.key == "*");
                if has_any && !has_star && self.keyed_by != "none" {
                    let missing: Vec<&str> = self
                        .keys
                        .iter()
                        .filter(|key| {
                            indicator
                                .thresholds
                                .iter()
                                .all(|threshold| &threshold.key != *key)
                        })
                        .map(String::as_str)
                        .collect();
                    if !missing.is_empty() {
                        problems.push(format!("{at}: thiếu ngưỡng cho {}", missing.join(", ")));
                    }
                }
            }
        }
        problems
    }

    /// A provincial specialisation of `self`: the child's criteria add indicators or, for indicator codes the
    /// parent has, replace thresholds (and wording); a child indicator listed twice is a conflict.
    pub fn specialise(&self, child: &CriteriaSet) -> Result<CriteriaSet, Vec<String>> {
        let mut problems = Vec::new();
        if child.parent.as_deref() != Some(self.code.as_str()) {
            problems.push(format!(
                "bộ {} không khai báo parent = \"{}\"",
                child.code, self.code
            ));
        }
        if child.province.is_none() {
            problems.push(format!("bộ {} cần mã tỉnh (province)", child.code));
        }
        let mut merged = self.clone();
        merged.code = child.code.clone();
        merged.name = child.name.clone();
        merged.legal_basis = child.legal_basis.clone();
        merged.province = child.province.clone();
        merged.parent = Some(self.code.clone());
        merged.verify = self.verify || child.verify;
        let mut seen = HashSet::new();
        for criterion in &child.criteria {
            for indicator in &criterion.indicators {
                if !seen.insert(indicator.code.clone()) {
                    problems.push(format!(
                        "chỉ tiêu {} được điều chỉnh hai lần trong bộ của tỉnh",
                        indicator.code
                    ));
                    continue;
                }
                let target = merged
                    .criteria
                    .iter_mut()
                    .find(|existing| existing.code == criterion.code);
                let target = match target {
                    Some(target) => target,
                    None => {
                        merged.criteria.push(Criterion {
                            code: criterion.code.clone(),
                            name: criterion.name.clone(),
                            indicators: Vec::new(),
                        });
                        merged.criteria.last_mut().expect("just pushed")
                    }
                };
                match target
                    .indicators
                    .iter_mut()
                    .find(|existing| existing.code == indicator.code)
                {
                    Some(existing) => {
                        if existing.kind != indicator.kind {
                            problems.push(format!(
                                "chỉ tiêu {}: tỉnh không được đổi loại chỉ tiêu",
                                indicator.code
                            ));
                        }
                        *existing = indicator.clone();
                    }
                    None => target.indicators.push(indicator.clone()),
                }
            }
        }
        problems.extend(merged.problems());
        if problems.is_empty() {
            Ok(merged)
        } else {
            Err(problems)
        }
    }

    /// Every indicator with its criterion code.
    pub fn indicators(&self) -> impl Iterator<Item = (&Criterion, &Indicator)> {
        self.criteria.iter().flat_map(|criterion| {
            criterion
                .indicators
                .iter()
                .map(move |indicator| (criterion, indicator))
        })
    }
}

/// A value entered for an indicator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Pass(bool),
    Number(f64),
}

impl Value {
    /// Reads a cell for an indicator of `kind`: "Đạt"/"x"/"có" or "Không đạt"/"không" for pass/fail, a number
    /// written the Vietnamese way otherwise. An empty cell is no value.
    pub fn parse(kind: IndicatorKind, text: &str) -> Result<Option<Value>, String> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        match kind {
            IndicatorKind::PassFail => match crate::vi::fold(text).as_str() {
                "dat" | "x" | "co" | "1" | "true" | "yes" => Ok(Some(Value::Pass(true))),
                "khong dat" | "chua dat" | "khong" | "0" | "false" | "no" => {
                    Ok(Some(Value::Pass(false)))
                }
                _ => Err(format!("\"{text}\": ghi Đạt hoặc Không đạt")),
            },
            _ => {
                let number = crate::vi::parse_number(text.trim_end_matches('%'))?;
                Ok(Some(Value::Number(
                    number.digits as f64 / 10_f64.powi(number.decimals as i32),
                )))
            }
        }
    }
}

/// A commune as evaluation sees it.
#[derive(Debug, Clone, Default)]
pub struct CommuneInput {
    /// Region or group key ("DBSH", "2").
    pub key: String,
    /// Flags such as "dbkk", "atk_poor_district".
    pub flags: Vec<String>,
    pub year: i32,
    pub values: HashMap<String, Value>,
}

/// How one indicator came out.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Met,
    /// Short by `gap` (in the indicator's unit) for numeric indicators.
    NotMet {
        gap: Option<f64>,
    },
    /// No value entered: counted as not met and listed.
    Missing,
    /// The set has no threshold for it: "chưa có ngưỡng".
    NoThreshold,
}

/// One indicator's result.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorResult {
    pub code: String,
    pub outcome: Outcome,
    pub value: Option<Value>,
    pub threshold: Option<f64>,
}

/// One criterion's result.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionResult {
    pub code: String,
    pub met: bool,
    pub indicators: Vec<IndicatorResult>,
}

/// A commune against a set.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub set: String,
    pub criteria: Vec<CriterionResult>,
    /// Criteria met.
    pub n_met: usize,
    pub all_met: bool,
    /// Indicators that keep a criterion from being met, in set order.
    pub gaps: Vec<IndicatorResult>,
}

/// The threshold of an indicator for a key and year, by the rule in the module docs.
pub fn threshold_for(indicator: &Indicator, key: &str, year: i32) -> Option<f64> {
    let exact: Vec<&Threshold> = indicator
        .thresholds
        .iter()
        .filter(|threshold| threshold.key == key)
        .collect();
    let pool = if exact.is_empty() {
        indicator
            .thresholds
            .iter()
            .filter(|threshold| threshold.key == "*")
            .collect()
    } else {
        exact
    };
    let year_of = |threshold: &Threshold| threshold.year.unwrap_or(i32::MIN);
    pool.iter()
        .copied()
        .filter(|threshold| year_of(threshold) <= year)
        .max_by_key(|threshold| year_of(threshold))
        .or_else(|| {
            pool.iter()
                .copied()
                .min_by_key(|threshold| year_of(threshold))
        })
        .map(|threshold| threshold.value)
}

/// Evaluates a commune against a set. Unknown indicator codes, a key outside the set's keys and values out of
/// range are errors (nothing is evaluated); missing values count as not met.
pub fn evaluate(set: &CriteriaSet, input: &CommuneInput) -> Result<Evaluation, Vec<String>> {
    let mut problems = Vec::new();
    let known: HashMap<&str, &Indicator> = set
        .indicators()
        .map(|(_, indicator)| (indicator.code.as_str(), indicator))
        .collect();
    let mut unknown: Vec<&String> = input
        .values
        .keys()
        .filter(|code| !known.contains_key(code.as_str()))
        .collect();
    unknown.sort();
    for code in unknown {
        problems.push(format!(
            "chỉ tiêu \"{code}\" không có trong bộ {}",
            set.code
        ));
    }
    if set.keyed_by != "none" && !set.keys.contains(&input.key) {
        problems.push(format!(
            "\"{}\" không phải {} của bộ {} ({})",
            input.key,
            set.keyed_by,
            set.code,
            set.keys.join(", ")
        ));
    }
    for (code, value) in &input.values {
        let Some(indicator) = known.get(code.as_str()) else {
            continue;
        };
        match (indicator.kind, value) {
            (IndicatorKind::PassFail, Value::Pass(_)) => {}
            (IndicatorKind::PassFail, Value::Number(_)) => {
                problems.push(format!("chỉ tiêu {code} nhận giá trị Đạt/Không đạt"))
            }
            (_, Value::Pass(_)) => problems.push(format!("chỉ tiêu {code} cần một số")),
            (_, Value::Number(number)) => {
                if !number.is_finite() || *number < 0.0 {
                    problems.push(format!("chỉ tiêu {code}: giá trị {number} không được âm"));
                } else if indicator.unit == "%" && *number > 100.0 {
                    problems.push(format!("chỉ tiêu {code}: tỷ lệ {number}% lớn hơn 100%"));
                } else if indicator.kind == IndicatorKind::CountAtLeast && number.fract() != 0.0 {
                    problems.push(format!(
                        "chỉ tiêu {code}: số lượng {number} phải là số nguyên"
                    ));
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let overridden = input
        .flags
        .iter()
        .any(|flag| set.override_flags.contains(flag));
    let key = match (&set.override_key, overridden) {
        (Some(override_key), true) => override_key.as_str(),
        _ => input.key.as_str(),
    };
    let mut criteria = Vec::with_capacity(set.criteria.len());
    let mut gaps = Vec::new();
    for criterion in &set.criteria {
        let mut results = Vec::with_capacity(criterion.indicators.len());
        for indicator in &criterion.indicators {
            let value = input.values.get(&indicator.code).copied();
            let threshold = threshold_for(indicator, key, input.year);
            let outcome = match (indicator.kind, value, threshold) {
                (_, None, _) => Outcome::Missing,
                (IndicatorKind::PassFail, Some(Value::Pass(true)), _) => Outcome::Met,
                (IndicatorKind::PassFail, Some(_), _) => Outcome::NotMet { gap: None },
                (_, Some(_), None) => Outcome::NoThreshold,
                (IndicatorKind::AtMost, Some(Value::Number(number)), Some(limit)) => {
                    if number <= limit {
                        Outcome::Met
                    } else {
                        Outcome::NotMet {
                            gap: Some(number - limit),
                        }
                    }
                }
                (_, Some(Value::Number(number)), Some(floor)) => {
                    if number >= floor {
                        Outcome::Met
                    } else {
                        Outcome::NotMet {
                            gap: Some(floor - number),
                        }
                    }
                }
                (_, Some(Value::Pass(_)), Some(_)) => Outcome::NotMet { gap: None },
            };
            results.push(IndicatorResult {
                code: indicator.code.clone(),
                outcome,
                value,
                threshold,
            });
        }
        let met = results.iter().all(|result| result.outcome == Outcome::Met);
        gaps.extend(
            results
                .iter()
                .filter(|result| result.outcome != Outcome::Met)
                .cloned(),
        );
        criteria.push(CriterionResult {
            code: criterion.code.clone(),
            met,
            indicators: results,
        });
    }
    let n_met = criteria.iter().filter(|criterion| criterion.met).count();
    Ok(Evaluation {
        set: set.code.clone(),
        all_met: n_met == criteria.len(),
        n_met,
        criteria,
        gaps,
    })
}

/// A commune's new-rural status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    NotMet,
    Standard,
    Advanced,
    Model,
    Modern,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::NotMet => "Chưa đạt chuẩn",
            Status::Standard => "Đạt chuẩn nông thôn mới",
            Status::Advanced => "Nông thôn mới nâng cao",
            Status::Model => "Nông thôn mới kiểu mẫu",
            Status::Modern => "Nông thôn mới hiện đại",
        }
    }
}

/// The status from evaluations against sets of increasing tiers: each tier needs the ones below it.
pub fn status(evaluations: &[(Tier, &Evaluation)]) -> Status {
    let met = |tier: Tier| {
        evaluations
            .iter()
            .any(|(t, evaluation)| *t == tier && evaluation.all_met)
    };
    if !met(Tier::Standard) {
        return Status::NotMet;
    }
    if met(Tier::Modern) {
        return Status::Modern;
    }
    if !met(Tier::Advanced) {
        return Status::Standard;
    }
    if met(Tier::Model) {
        Status::Model
    } else {
        Status::Advanced
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: &str = r#"
code = "TEST-XA"
name = "Bộ thử"
legal_basis = "QĐ thử"
level = "commune"
tier = "standard"
valid_from = "2022-03-08"
keyed_by = "region"
keys = ["TDMNPB", "DBSH"]
override_key = "TDMNPB"
override_flags = ["dbkk", "atk_poor_district"]

[[criteria]]
code = "10"
name = "Thu nhập"
[[criteria.indicators]]
code = "10.1"
name = "Thu nhập bình quân đầu người"
kind = "at_least"
unit = "triệu đồng/người/năm"
  [[criteria.indicators.thresholds]]
  key = "TDMNPB"
  year = 2022
  value = 36.0
  [[criteria.indicators.thresholds]]
  key = "TDMNPB"
  year = 2025
  value = 52.0
  [[criteria.indicators.thresholds]]
  key = "DBSH"
  year = 2022
  value = 48.0
  [[criteria.indicators.thresholds]]
  key = "DBSH"
  year = 2025
  value = 66.0

[[criteria]]
code = "11"
name = "Nghèo đa chiều"
[[criteria.indicators]]
code = "11.1"
name = "Tỷ lệ nghèo đa chiều"
kind = "at_most"
unit = "%"
  [[criteria.indicators.thresholds]]
  key = "*"
  value = 13.0
  [[criteria.indicators.thresholds]]
  key = "DBSH"
  value = 2.0

[[criteria]]
code = "19"
name = "Quốc phòng và An ninh"
[[criteria.indicators]]
code = "19.1"
name = "Xây dựng lực lượng dân quân"
kind = "pass_fail"
[[criteria.indicators]]
code = "19.2"
name = "Chỉ tiêu chưa có ngưỡng"
kind = "count_at_least"
unit = "số"
verify = true
"#;

    fn set() -> CriteriaSet {
        CriteriaSet::from_toml(SET).expect("the test set is valid")
    }

    fn commune(key: &str, year: i32, values: &[(&str, Value)]) -> CommuneInput {
        CommuneInput {
            key: key.to_owned(),
            flags: Vec::new(),
            year,
            values: values
                .iter()
                .map(|(code, value)| ((*code).to_owned(), *value))
                .collect(),
        }
    }

    fn outcome(evaluation: &Evaluation, code: &str) -> Outcome {
        evaluation
            .criteria
            .iter()
            .flat_map(|criterion| &criterion.indicators)
            .find(|result| result.code == code)
            .map(|result| result.outcome.clone())
            .expect("indicator evaluated")
    }

    #[test]
    fn a_value_equal_to_the_threshold_meets_it_in_both_directions() {
        let set = set();
        let at = commune(
            "DBSH",
            2022,
            &[("10.1", Value::Number(48.0)), ("11.1", Value::Number(2.0))],
        );
        let evaluation = evaluate(&set, &at).expect("evaluates");
        assert_eq!(outcome(&evaluation, "10.1"), Outcome::Met);
        assert_eq!(outcome(&evaluation, "11.1"), Outcome::Met);
        let below = commune(
            "DBSH",
            2022,
            &[("10.1", Value::Number(47.9)), ("11.1", Value::Number(2.5))],
        );
        let evaluation = evaluate(&set, &below).expect("evaluates");
        assert!(
            matches!(outcome(&evaluation, "10.1"), Outcome::NotMet { gap: Some(gap) } if (gap - 0.1).abs() < 1e-9)
        );
        assert!(
            matches!(outcome(&evaluation, "11.1"), Outcome::NotMet { gap: Some(gap) } if (gap - 0.5).abs() < 1e-9)
        );
    }

    #[test]
    fn years_between_published_thresholds_use_the_latest_one_not_after_them() {
        let indicator = &set().criteria[0].indicators[0];
        assert_eq!(
            threshold_for(indicator, "DBSH", 2021),
            Some(48.0),
            "before the first: the first"
        );
        assert_eq!(threshold_for(indicator, "DBSH", 2022), Some(48.0));
        assert_eq!(
            threshold_for(indicator, "DBSH", 2024),
            Some(48.0),
            "2023–2024 keep the 2022 value"
        );
        assert_eq!(threshold_for(indicator, "DBSH", 2025), Some(66.0));
        assert_eq!(threshold_for(indicator, "DBSH", 2030), Some(66.0));
    }

    #[test]
    fn a_region_specific_threshold_beats_the_one_for_every_region() {
        let indicator = &set().criteria[1].indicators[0];
        assert_eq!(threshold_for(indicator, "DBSH", 2024), Some(2.0));
        assert_eq!(threshold_for(indicator, "TDMNPB", 2024), Some(13.0));
    }

    #[test]
    fn dbkk_and_atk_communes_use_the_northern_mountain_thresholds_whatever_their_region() {
        let set = set();
        let mut dbkk = commune("DBSH", 2025, &[("10.1", Value::Number(55.0))]);
        assert!(matches!(
            outcome(&evaluate(&set, &dbkk).expect("ok"), "10.1"),
            Outcome::NotMet { .. }
        ));
        dbkk.flags = vec!["dbkk".to_owned()];
        assert_eq!(
            outcome(&evaluate(&set, &dbkk).expect("ok"), "10.1"),
            Outcome::Met,
            "52 applies, not 66"
        );
        dbkk.flags = vec!["atk_poor_district".to_owned()];
        assert_eq!(
            outcome(&evaluate(&set, &dbkk).expect("ok"), "10.1"),
            Outcome::Met
        );
    }

    #[test]
    fn missing_values_and_missing_thresholds_are_not_met_and_listed() {
        let set = set();
        let input = commune(
            "DBSH",
            2022,
            &[
                ("10.1", Value::Number(60.0)),
                ("19.1", Value::Pass(true)),
                ("19.2", Value::Number(3.0)),
            ],
        );
        let evaluation = evaluate(&set, &input).expect("evaluates");
        assert_eq!(outcome(&evaluation, "11.1"), Outcome::Missing);
        assert_eq!(outcome(&evaluation, "19.2"), Outcome::NoThreshold);
        assert_eq!(evaluation.n_met, 1, "only income is met");
        assert!(!evaluation.all_met);
        let gap_codes: Vec<&str> = evaluation
            .gaps
            .iter()
            .map(|gap| gap.code.as_str())
            .collect();
        assert_eq!(gap_codes, ["11.1", "19.2"]);
    }

    #[test]
    fn bad_values_and_unknown_codes_are_refused_before_evaluating() {
        let set = set();
        let input = commune(
            "MIENTAY",
            2022,
            &[
                ("99.9", Value::Number(1.0)),
                ("11.1", Value::Number(120.0)),
                ("19.2", Value::Number(-1.0)),
                ("19.1", Value::Number(1.0)),
            ],
        );
        let problems = evaluate(&set, &input).expect_err("refused");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("\"99.9\" không có trong bộ")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("MIENTAY")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("lớn hơn 100%")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("không được âm")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("Đạt/Không đạt")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_set_file_with_gaps_in_it_is_refused_with_every_problem() {
        let bad = SET
            .replace("  [[criteria.indicators.thresholds]]\n  key = \"DBSH\"\n  year = 2025\n  value = 66.0\n", "")
            .replace("  [[criteria.indicators.thresholds]]\n  key = \"DBSH\"\n  year = 2022\n  value = 48.0\n", "")
            + "\n[[criteria]]\ncode = \"20\"\nname = \"Trống\"\n";
        let problems = CriteriaSet::from_toml(&bad).expect_err("refused");
        assert!(
            problems
                .iter()
                .any(|p| p.contains("10.1: thiếu ngưỡng cho DBSH")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("tiêu chí 20 (Trống) không có chỉ tiêu")),
            "{problems:?}"
        );
        assert!(CriteriaSet::from_toml("code = 1").is_err());
    }

    #[test]
    fn a_provincial_set_overrides_thresholds_adds_indicators_and_refuses_conflicts() {
        let national = set();
        let provincial = r#"
code = "TEST-XA-38"
name = "Bộ của tỉnh"
legal_basis = "QĐ của UBND tỉnh"
level = "commune"
tier = "standard"
valid_from = "2022-06-01"
keyed_by = "region"
keys = ["TDMNPB", "DBSH"]
parent = "TEST-XA"
province = "38"
[[criteria]]
code = "11"
name = "Nghèo đa chiều"
[[criteria.indicators]]
code = "11.1"
name = "Tỷ lệ nghèo đa chiều"
kind = "at_most"
unit = "%"
  [[criteria.indicators.thresholds]]
  key = "*"
  value = 5.0
[[criteria.indicators]]
code = "11.2"
name = "Chỉ tiêu riêng của tỉnh"
kind = "pass_fail"
"#;
        let child = CriteriaSet::from_toml(provincial).expect("child parses");
        let merged = national.specialise(&child).expect("specialises");
        let indicator = merged
            .indicators()
            .find(|(_, indicator)| indicator.code == "11.1")
            .expect("kept")
            .1;
        assert_eq!(threshold_for(indicator, "TDMNPB", 2023), Some(5.0));
        assert!(merged
            .indicators()
            .any(|(_, indicator)| indicator.code == "11.2"));
        assert!(
            merged
                .indicators()
                .any(|(_, indicator)| indicator.code == "10.1"),
            "inherited"
        );
        let twice = provincial.to_owned()
            + "[[criteria.indicators]]\ncode = \"11.1\"\nname = \"Lặp\"\nkind = \"at_most\"\nunit = \"%\"\n";
        let child = CriteriaSet::from_toml(&twice).expect_err("a repeated code is refused at load");
        assert!(child.iter().any(|p| p.contains("11.1 bị lặp")), "{child:?}");
    }

    #[test]
    fn the_shipped_2021_2025_commune_set_loads_with_its_19_criteria_flagged_unverified() {
        let set = CriteriaSet::from_toml(include_str!("../../../data/ntm/qd318-2022-xa.toml"))
            .expect("shipped set is valid");
        assert_eq!(set.criteria.len(), 19);
        assert!(set.verify && set.indicators().all(|(_, indicator)| indicator.verify));
        // No threshold could be read from the annex: numeric indicators report "chưa có ngưỡng", never a guess.
        let input = CommuneInput {
            key: "DBSH".to_owned(),
            year: 2024,
            values: set
                .indicators()
                .map(|(_, indicator)| {
                    let value = match indicator.kind {
                        IndicatorKind::PassFail => Value::Pass(true),
                        _ => Value::Number(50.0),
                    };
                    (indicator.code.clone(), value)
                })
                .collect(),
            ..CommuneInput::default()
        };
        let evaluation = evaluate(&set, &input).expect("evaluates");
        assert!(!evaluation.all_met);
        assert!(evaluation
            .gaps
            .iter()
            .all(|gap| gap.outcome == Outcome::NoThreshold));
    }

    #[test]
    fn cells_read_as_pass_fail_words_or_vietnamese_numbers() {
        assert_eq!(
            Value::parse(IndicatorKind::PassFail, "Đạt"),
            Ok(Some(Value::Pass(true)))
        );
        assert_eq!(
            Value::parse(IndicatorKind::PassFail, "Không đạt"),
            Ok(Some(Value::Pass(false)))
        );
        assert_eq!(
            Value::parse(IndicatorKind::AtLeast, "48,5"),
            Ok(Some(Value::Number(48.5)))
        );
        assert_eq!(
            Value::parse(IndicatorKind::AtLeast, "95%"),
            Ok(Some(Value::Number(95.0)))
        );
        assert_eq!(Value::parse(IndicatorKind::AtLeast, " "), Ok(None));
        assert!(Value::parse(IndicatorKind::PassFail, "tốt").is_err());
        assert!(Value::parse(IndicatorKind::AtLeast, "1.5").is_err());
    }

    #[test]
    fn each_tier_needs_the_ones_below_it() {
        let set = set();
        let all = commune(
            "DBSH",
            2022,
            &[
                ("10.1", Value::Number(50.0)),
                ("11.1", Value::Number(1.0)),
                ("19.1", Value::Pass(true)),
            ],
        );
        let mut without_unknown = set.clone();
        without_unknown.criteria[2].indicators.truncate(1);
        let met = evaluate(&without_unknown, &all).expect("evaluates");
        let not_met = evaluate(&set, &all).expect("evaluates");
        assert_eq!(status(&[(Tier::Standard, &met)]), Status::Standard);
        assert_eq!(
            status(&[(Tier::Standard, &met), (Tier::Advanced, &met)]),
            Status::Advanced
        );
        assert_eq!(
            status(&[
                (Tier::Standard, &met),
                (Tier::Advanced, &met),
                (Tier::Model, &met)
            ]),
            Status::Model
        );
        assert_eq!(
            status(&[(Tier::Standard, &met), (Tier::Model, &met)]),
            Status::Standard,
            "model needs advanced"
        );
        assert_eq!(
            status(&[(Tier::Standard, &not_met), (Tier::Advanced, &met)]),
            Status::NotMet
        );
    }
}

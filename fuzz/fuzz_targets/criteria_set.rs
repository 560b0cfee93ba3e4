//! Fuzzes the new-rural data loaders: `CriteriaSet::from_toml` on arbitrary UTF-8 (a provincial set is specialised
//! from its shipped parent, as the service does) and `OcopScale::from_toml`. A set that loads has no problems and
//! `evaluate` on it never panics, with no values, with the values written in `#=` comment lines (`#=key:DBSH`,
//! `#=year:2024`, `#=flag:dbkk`, `#=value:1.1=Đạt`) and with every indicator set from them; a scale that loads
//! gives only its own star tiers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mtqg_core::ntm::ocop::OcopScale;
use mtqg_core::ntm::{status, threshold_for, CommuneInput, CriteriaSet, Value};
use mtqg_fuzz::{check_evaluation, directives, SETS};

fn inputs(set: &CriteriaSet, text: &str) -> Vec<CommuneInput> {
    let mut given = CommuneInput::default();
    let mut texts = Vec::new();
    for (name, value) in directives(text) {
        match name {
            "key" => given.key = value.to_owned(),
            "year" => given.year = value.parse().unwrap_or_default(),
            "flag" => given.flags.push(value.to_owned()),
            "value" => {
                if let Some((code, cell)) = value.split_once('=') {
                    texts.push((code.trim().to_owned(), cell.to_owned()));
                }
            }
            _ => {}
        }
    }
    for (code, cell) in &texts {
        if let Some((_, indicator)) = set
            .indicators()
            .find(|(_, indicator)| indicator.code == *code)
        {
            if let Ok(Some(value)) = Value::parse(indicator.kind, cell) {
                given.values.insert(code.clone(), value);
            }
        }
    }
    // Every indicator given the first parsable text of the file, under every key of the set.
    let mut full = given.clone();
    for (_, indicator) in set.indicators() {
        if let Some(value) = texts
            .iter()
            .find_map(|(_, cell)| Value::parse(indicator.kind, cell).ok().flatten())
        {
            full.values.insert(indicator.code.clone(), value);
        }
    }
    let mut res = vec![CommuneInput::default(), given];
    for key in set.keys.iter().chain([&String::new()]) {
        for flags in [Vec::new(), set.override_flags.clone()] {
            res.push(CommuneInput {
                key: key.clone(),
                flags,
                ..full.clone()
            });
        }
    }
    res
}

fn check_set(set: &CriteriaSet, text: &str) {
    assert!(
        set.problems().is_empty(),
        "a loaded set has problems: {:?}",
        set.problems()
    );
    for (_, indicator) in set.indicators() {
        for key in set.keys.iter().map(String::as_str).chain(["*", ""]) {
            for year in [i32::MIN, 0, 2021, 2025, i32::MAX] {
                if let Some(value) = threshold_for(indicator, key, year) {
                    assert!(indicator.thresholds.iter().any(|t| t.value == value));
                }
            }
        }
    }
    let mut evaluations = Vec::new();
    for input in inputs(set, text) {
        check_evaluation(set, &input);
        if let Ok(evaluation) = mtqg_core::ntm::evaluate(set, &input) {
            evaluations.push(evaluation);
        }
    }
    let _ = status(
        &evaluations
            .iter()
            .map(|e| (set.tier, e))
            .collect::<Vec<_>>(),
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(set) = CriteriaSet::from_toml(text) {
        check_set(&set, text);
        // A provincial set is used once specialised from its parent; any set may also specialise a shipped one.
        for parent in SETS.iter() {
            match parent.specialise(&set) {
                Ok(merged) => {
                    assert_eq!(set.parent.as_deref(), Some(parent.code.as_str()));
                    check_set(&merged, text);
                }
                Err(problems) => assert!(!problems.is_empty()),
            }
        }
    }
    if let Ok(scale) = OcopScale::from_toml(text) {
        let mut scores = vec![(0, 0, 0), (-1, 0, 0), (i64::MAX, i64::MAX, i64::MAX)];
        let maxima: Vec<i64> = scale.parts.iter().map(|part| part.max).collect();
        let max = |idx: usize| maxima.get(idx).copied().unwrap_or(0);
        scores.push((max(0), max(1), max(2)));
        for tier in &scale.tiers {
            scores.push((tier.min, 0, 0));
        }
        for (name, value) in directives(text) {
            if name == "scores" {
                let parts: Vec<i64> = value
                    .split(',')
                    .filter_map(|n| n.trim().parse().ok())
                    .collect();
                if let [a, b, c] = parts[..] {
                    scores.push((a, b, c));
                }
            }
        }
        for (a, b, c) in scores {
            match scale.stars(a, b, c) {
                Ok(Some(stars)) => assert!(scale.tiers.iter().any(|tier| tier.stars == stars)),
                Ok(None) => {}
                Err(message) => assert!(!message.is_empty()),
            }
        }
    }
});

//! Fuzzes the poverty-standard loader: `Standard::from_toml` on arbitrary UTF-8 (a local standard is completed from
//! its shipped parent with `Standard::specialise`, as the service does). A standard that loads has no problems and
//! `classify` never panics for households around each of its lines, with none, some or all indicators deprived or
//! answered, and with `#=` comment lines (`#=income:1500000`, `#=score_a:140`, `#=deprived:bhyt`).
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use mtqg_core::poverty::{parse_answer, Area, Basis, Class, ClassifyError, Household, Standard};
use mtqg_fuzz::{directives, STANDARDS};

fn check_standard(standard: &Standard, text: &str) {
    assert!(
        standard.problems().is_empty(),
        "a loaded standard has problems: {:?}",
        standard.problems()
    );
    let codes: Vec<String> = standard.indicators().map(|i| i.code.clone()).collect();
    for code in &codes {
        assert!(standard.indicator(code).is_some());
    }
    let _ = standard.applies_to(standard.first_year);
    let mut amounts: Vec<i64> = vec![0, 1, -1, i64::MIN, i64::MAX];
    for lines in [&standard.lines, &standard.score_a] {
        for value in lines.rural.values().chain(lines.urban.values()) {
            amounts.extend([value.saturating_sub(1), *value, value.saturating_add(1)]);
        }
    }
    let mut given: HashSet<String> = HashSet::new();
    for (name, value) in directives(text) {
        match name {
            "income" | "score_a" => amounts.extend(value.parse::<i64>().ok()),
            "deprived" => {
                given.insert(value.to_owned());
            }
            "answer" => {
                let _ = parse_answer(value);
            }
            _ => {}
        }
    }
    let all: HashSet<String> = codes.iter().cloned().collect();
    let half: HashSet<String> = codes.iter().step_by(2).cloned().collect();
    let deprived_sets = [HashSet::new(), half.clone(), all.clone(), given];
    let answered_sets = [None, Some(HashSet::new()), Some(half), Some(all.clone())];
    for area in [None, Some(Area::Rural), Some(Area::Urban)] {
        for amount in &amounts {
            for (income, score_a) in [
                (Some(*amount), None),
                (None, Some(*amount)),
                (None, None),
                (Some(*amount), Some(0)),
            ] {
                let household = Household {
                    area,
                    income,
                    score_a,
                    deprived: all.clone(),
                    answered: None,
                };
                check_household(standard, &household, &codes);
            }
        }
        for deprived in &deprived_sets {
            for answered in &answered_sets {
                for income in [amounts[0], *amounts.last().unwrap_or(&0)] {
                    let household = Household {
                        area,
                        income: Some(income),
                        score_a: None,
                        deprived: deprived.clone(),
                        answered: answered.clone(),
                    };
                    check_household(standard, &household, &codes);
                }
            }
        }
    }
}

fn check_household(standard: &Standard, household: &Household, codes: &[String]) {
    match standard.classify(household) {
        Ok(result) => {
            assert!(household.area.is_some());
            let basis = if household.income.is_some() {
                Basis::Income
            } else {
                Basis::ScoreA
            };
            assert_eq!(result.basis, basis);
            for code in &result.deprived {
                assert!(
                    household.deprived.contains(code),
                    "{code} counted as deprived"
                );
                assert!(
                    !result.unanswered.contains(code),
                    "{code} both deprived and unanswered"
                );
            }
            for code in result.deprived.iter().chain(&result.unanswered) {
                assert!(codes.contains(code));
            }
            if household.answered.is_none() {
                assert!(result.unanswered.is_empty());
            }
            assert_eq!(
                u64::from(result.score_b),
                result.deprived.len() as u64 * u64::from(standard.score_b_per_indicator)
            );
            if standard.rules.iter().all(|rule| rule.class != result.class) {
                assert_eq!(result.class, Class::Other);
            }
            let _ = (result.class.code(), result.class.label());
        }
        Err(ClassifyError::NoArea) => assert!(household.area.is_none()),
        Err(ClassifyError::NoIncome) => {
            assert!(
                household.area.is_some()
                    && household.income.is_none()
                    && household.score_a.is_none()
            )
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(standard) = Standard::from_toml(text) else {
        return;
    };
    match &standard.parent {
        // A national standard is used as loaded.
        None => check_standard(&standard, text),
        // A local one only once completed from its parent (`mtqg_service::poverty::load_standard`).
        Some(_) => {
            for parent in STANDARDS.iter() {
                if let Ok(local) = Standard::specialise(&standard, parent) {
                    assert_eq!(local.parent.as_deref(), Some(parent.code.as_str()));
                    check_standard(&local, text);
                }
            }
        }
    }
});

//! Fuzzes the reporting data: `FormDefinition::from_toml` on arbitrary UTF-8 and, when it loads, `fill` with every
//! measure and field it reads (from `#=value:key=1234`, `#=field:key=1.234,5`, `#=item:list=code|name` comment lines,
//! or defaults) and `mtqg_xlsx::form::write_form` of the result; `Calendar::from_toml` with its deadlines and
//! look-ups; `Period::parse` on every line and `#=period:` value. Nothing may panic; a filled form has one cell per
//! column in every row and no NaN; a calendar deadline falls on or after the period's end.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use mtqg_core::geo::Level;
use mtqg_core::report::calendar::Calendar;
use mtqg_core::report::form::{header_text, Fields, FormDefinition, Heading, Item, Values};
use mtqg_core::report::layout::FormCell;
use mtqg_core::report::period::{Period, Span};
use mtqg_fuzz::directives;

/// A parsed period keeps its machine form, its bounds and its neighbours.
fn check_period(text: &str) -> Option<Period> {
    let period = Period::parse(text).ok()?;
    assert_eq!(
        Period::parse(&period.to_string()),
        Ok(period),
        "{text:?} does not round-trip"
    );
    let (start, end) = (period.start(), period.end());
    assert!(
        start <= end && period.contains(start) && period.contains(end),
        "{period}"
    );
    if period.span() != Span::HalfYear {
        assert_eq!(Period::containing(period.span(), start), period);
        assert_eq!(Period::containing(period.span(), end), period);
    }
    let previous = period.previous();
    assert!(previous.end() < start, "{previous} is not before {period}");
    assert_eq!(previous.span(), period.span());
    let _ = (
        period.label(),
        period.rest_of_year_label(),
        period.span().label(),
    );
    Some(period)
}

fn check_form(form: &FormDefinition, text: &str, periods: &[Period]) {
    let mut items: BTreeMap<String, Vec<Item>> = BTreeMap::new();
    let mut values = Values::new();
    let mut typed: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in directives(text) {
        let Some((key, rest)) = value.split_once('=') else {
            continue;
        };
        let key = key.trim().to_owned();
        match name {
            "item" => {
                let (code, item_name) = rest.split_once('|').unwrap_or((rest, rest));
                items.entry(key).or_default().push(Item {
                    code: code.to_owned(),
                    name: item_name.to_owned(),
                });
            }
            "value" => {
                if let Ok(number) = rest.trim().parse::<f64>() {
                    if number.is_finite() {
                        values.insert(key, number);
                    }
                }
            }
            "field" => {
                typed.insert(key, rest.to_owned());
            }
            _ => {}
        }
    }
    for row in &form.rows {
        if let Some(list) = &row.each {
            let list = items.entry(list.clone()).or_default();
            if list.is_empty() {
                list.push(Item {
                    code: "1".to_owned(),
                    name: "Quy hoạch".to_owned(),
                });
                list.push(Item {
                    code: "19".to_owned(),
                    name: "Quốc phòng và An ninh".to_owned(),
                });
            }
        }
    }
    for (idx, key) in form.measure_keys(&items).into_iter().enumerate() {
        values
            .entry(key)
            .or_insert(1_000_000.0 * (idx as f64 + 1.0));
    }
    let mut fields = Fields::new();
    for (key, _) in form.field_keys(&items) {
        let text = typed
            .get(&key)
            .cloned()
            .unwrap_or_else(|| "1.234,5".to_owned());
        fields.insert(key, text);
    }
    let every_field_is_a_number = fields
        .values()
        .all(|text| text.trim().is_empty() || mtqg_core::vi::parse_number(text).is_ok());
    let n_rows: usize = form
        .rows
        .iter()
        .map(|row| match &row.each {
            Some(list) => items.get(list).map_or(0, Vec::len),
            None => 1,
        })
        .sum();
    for period in periods {
        let _ = form.field_labels(&items, *period);
        let heading = Heading {
            issuer: vec!["UBND TỈNH THANH HÓA".to_owned()],
            unit_name: "Tỉnh Thanh Hóa".to_owned(),
            period: *period,
        };
        match form.fill(&heading, &values, &fields, &items) {
            Ok(filled) => {
                assert_eq!(filled.n_columns(), form.columns.len());
                assert_eq!(filled.body.len(), n_rows);
                for row in &filled.body {
                    assert_eq!(row.cells.len(), form.columns.len());
                    for cell in &row.cells {
                        match cell {
                            FormCell::Number { value, .. } | FormCell::Percent(value) => {
                                assert!(!value.is_nan(), "a NaN cell in form {}", form.code)
                            }
                            FormCell::Text(_) | FormCell::Empty => {}
                        }
                    }
                }
                for header_row in &filled.header {
                    for cell in header_row {
                        assert!(cell.cols >= 1 && cell.col + cell.cols <= filled.n_columns());
                    }
                }
                let _ = mtqg_xlsx::form::write_form(&filled);
            }
            Err(problems) => {
                assert!(!problems.is_empty());
                assert!(
                    !every_field_is_a_number,
                    "fill refused numbers: {problems:?}"
                );
            }
        }
    }
}

fn check_calendar(calendar: &Calendar, periods: &[Period]) {
    for kind in &calendar.reports {
        assert!(!kind.code.is_empty() && !kind.reporters.is_empty());
        for period in periods {
            let _ = kind.covers(*period);
            for level in Level::ALL {
                match kind.deadline(level, *period) {
                    Some(deadline) => {
                        assert!(kind.submitted_by(level));
                        assert!(
                            deadline >= period.end(),
                            "{} due before {period} ends",
                            kind.code
                        );
                    }
                    None => assert!(!kind.submitted_by(level)),
                }
            }
            if let Ok(found) = calendar.report(&kind.code, *period) {
                assert!(found.covers(*period) && found.code == kind.code);
            }
        }
    }
    for period in periods {
        if let Some(found) = calendar.report_for(*period, None) {
            assert!(found.covers(*period));
        }
        for kind in calendar.in_year(period.year()) {
            assert!(period.year() >= kind.from_year);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut periods: Vec<Period> = text.lines().take(64).filter_map(check_period).collect();
    for (name, value) in directives(text) {
        if name == "period" {
            periods.extend(check_period(value));
        }
    }
    for default in ["2025-H1", "2025", "2024-12", "2026-W01"] {
        periods.extend(check_period(default));
    }
    periods.sort();
    periods.dedup();
    periods.truncate(8);
    for period in &periods {
        let _ = header_text(text.lines().next().unwrap_or_default(), *period);
    }
    if let Ok(form) = FormDefinition::from_toml(text) {
        check_form(&form, text, &periods);
    }
    if let Ok(calendar) = Calendar::from_toml(text) {
        check_calendar(&calendar, &periods);
    }
});

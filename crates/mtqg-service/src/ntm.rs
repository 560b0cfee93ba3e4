//! New-rural criteria use cases that need no database: evaluating a table of communes against a criteria set
//! (the stateless `mtqg ntm evaluate` for Excel workflows).

use std::collections::HashMap;

use mtqg_core::import::RowProblem;
use mtqg_core::ntm::{evaluate, status, CommuneInput, CriteriaSet, Evaluation, Status, Value};
use mtqg_xlsx::TableEvent;

use crate::geography::TableSource;

/// The criteria sets shipped in data/ntm, by code.
pub const SHIPPED_SETS: &[(&str, &str)] = &[(
    "QD318-2022-XA",
    include_str!("../../../data/ntm/qd318-2022-xa.toml"),
)];

/// A shipped set by code, or a set read from TOML text.
pub fn load_set(code_or_text: &str) -> Result<CriteriaSet, Vec<String>> {
    let text = SHIPPED_SETS
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(code_or_text.trim()))
        .map(|(_, text)| *text)
        .unwrap_or(code_or_text);
    CriteriaSet::from_toml(text)
}

/// One commune's result.
#[derive(Debug, Clone)]
pub struct RowResult {
    pub row: usize,
    pub code: String,
    pub key: String,
    pub year: i32,
    pub evaluation: Evaluation,
    pub status: Status,
}

/// Header words of the fixed columns; every other column is an indicator code.
fn fixed_column(header: &str) -> Option<&'static str> {
    match mtqg_core::vi::fold(header)
        .replace(['_', '-'], " ")
        .as_str()
    {
        "code" | "ma" | "ma xa" | "ma don vi" => Some("code"),
        "name" | "ten" | "ten xa" => Some("name"),
        "region" | "group" | "vung" | "nhom" | "nhom xa" | "key" => Some("key"),
        "flags" | "dac diem" | "co" => Some("flags"),
        "year" | "nam" | "nam danh gia" => Some("year"),
        _ => None,
    }
}

/// Evaluates every row of a table (one commune per row: code, region or group, flags, year, then one column per
/// indicator code) against `set`. Every problem of every row is reported; results only when there is none.
pub fn evaluate_table(
    set: &CriteriaSet,
    source: TableSource,
) -> Result<Vec<RowResult>, Vec<RowProblem>> {
    let kinds: HashMap<String, mtqg_core::ntm::IndicatorKind> = set
        .indicators()
        .map(|(_, indicator)| (indicator.code.clone(), indicator.kind))
        .collect();
    let mut headers: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    let mut results = Vec::new();
    let problem = |row: usize, column: Option<&str>, message: String| RowProblem {
        sheet: None,
        row,
        column: column.map(str::to_owned),
        message,
    };
    let visit = |event: TableEvent<'_>| match event {
        TableEvent::Head(head) => {
            headers = head
                .headers
                .iter()
                .map(|header| header.trim().to_owned())
                .collect();
            for header in &headers {
                if !header.is_empty()
                    && fixed_column(header).is_none()
                    && !kinds.contains_key(header)
                {
                    problems.push(problem(
                        1,
                        Some(header),
                        format!("chỉ tiêu \"{header}\" không có trong bộ {}", set.code),
                    ));
                }
            }
            for required in ["code", "key", "year"] {
                if !headers
                    .iter()
                    .any(|header| fixed_column(header) == Some(required))
                {
                    problems.push(problem(
                        1,
                        Some(required),
                        format!("thiếu cột \"{required}\""),
                    ));
                }
            }
        }
        TableEvent::Row(row, cells) => {
            if cells.iter().all(|cell| cell.trim().is_empty()) {
                return;
            }
            let mut input = CommuneInput::default();
            let mut code = String::new();
            let n_before = problems.len();
            for (header, cell) in headers.iter().zip(cells) {
                match fixed_column(header) {
                    Some("code") => code = cell.trim().to_owned(),
                    Some("key") => input.key = cell.trim().to_owned(),
                    Some("flags") => {
                        input.flags = cell
                            .split([',', ';', ' '])
                            .filter(|flag| !flag.is_empty())
                            .map(|flag| mtqg_core::vi::fold(flag).replace(' ', "_"))
                            .collect()
                    }
                    Some("year") => match cell.trim().parse() {
                        Ok(year) => input.year = year,
                        Err(_) => problems.push(problem(
                            row,
                            Some(header),
                            format!("năm \"{}\" không hợp lệ", cell.trim()),
                        )),
                    },
                    Some(_) => {}
                    None => {
                        let Some(kind) = kinds.get(header) else {
                            continue;
                        };
                        match Value::parse(*kind, cell) {
                            Ok(Some(value)) => {
                                input.values.insert(header.clone(), value);
                            }
                            Ok(None) => {}
                            Err(message) => problems.push(problem(row, Some(header), message)),
                        }
                    }
                }
            }
            if problems.len() > n_before {
                return;
            }
            match evaluate(set, &input) {
                Ok(evaluation) => {
                    let status = status(&[(set.tier, &evaluation)]);
                    results.push(RowResult {
                        row,
                        code,
                        key: input.key,
                        year: input.year,
                        evaluation,
                        status,
                    });
                }
                Err(messages) => {
                    problems.extend(
                        messages
                            .into_iter()
                            .map(|message| problem(row, None, message)),
                    );
                }
            }
        }
    };
    let res = match source {
        TableSource::Csv(reader) => mtqg_xlsx::read_csv(reader, visit),
        TableSource::Xlsx(bytes) => mtqg_xlsx::read_xlsx(std::io::Cursor::new(bytes), None, visit),
    };
    if let Err(err) = res {
        problems.push(RowProblem {
            sheet: None,
            row: 0,
            column: None,
            message: err.to_string(),
        });
    }
    if problems.is_empty() {
        Ok(results)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_of_communes_is_evaluated_and_bad_cells_are_reported_by_row_and_column() {
        let set = load_set("QD318-2022-XA").expect("shipped set");
        let good =
            "ma,vung,nam,19.1,11.1\n14848,TDMNPB,2024,Đạt,\"3,5\"\n14849,DBSH,2024,Không đạt,\n";
        let results = evaluate_table(
            &set,
            TableSource::from_bytes("x.csv", good.as_bytes().to_vec()),
        )
        .expect("evaluates");
        assert_eq!(results.len(), 2);
        assert_eq!(results[0].code, "14848");
        assert_eq!(results[0].status, Status::NotMet);
        let bad = "ma,vung,nam,19.1,99.9\n14848,TDMNPB,2024,tốt,1\n";
        let problems = evaluate_table(
            &set,
            TableSource::from_bytes("x.csv", bad.as_bytes().to_vec()),
        )
        .expect_err("refused");
        let located: Vec<(usize, Option<&str>)> = problems
            .iter()
            .map(|p| (p.row, p.column.as_deref()))
            .collect();
        assert_eq!(located, [(1, Some("99.9")), (2, Some("19.1"))]);
    }
}

//! `mtqg ntm evaluate`: evaluates a table of communes against a new-rural criteria set, with no database.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use mtqg_core::ntm::Outcome;
use mtqg_service::ntm::{evaluate_table, load_set, RowResult};

use crate::output;

#[derive(Subcommand)]
pub(crate) enum NtmCommand {
    /// Evaluate communes against a criteria set. INPUT (CSV or XLSX) has one row per commune with the columns
    /// code (mã), region or group (vùng / nhóm: a key of the set, e.g. DBSH), year (năm), optionally flags
    /// (dbkk, atk_poor_district) and name, then one column per indicator code (17.1, 10.1, …) holding
    /// "Đạt"/"Không đạt" or a number written the Vietnamese way ("48,5"). Writes per commune the criteria met,
    /// the status and the gaps (CSV to standard output, or to --out: .csv or .xlsx).
    Evaluate {
        /// A shipped set code (QD318-2022-XA) or a TOML file in the format of data/ntm/README.md
        #[arg(long)]
        set: String,
        input: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn gap_text(result: &RowResult) -> String {
    result
        .evaluation
        .gaps
        .iter()
        .map(|gap| match &gap.outcome {
            Outcome::Missing => format!("{}: thiếu số liệu", gap.code),
            Outcome::NoThreshold => format!("{}: chưa có ngưỡng", gap.code),
            Outcome::NotMet { gap: Some(short) } => {
                format!(
                    "{}: còn thiếu {}",
                    gap.code,
                    mtqg_core::vi::format_number(*short, 2)
                )
            }
            Outcome::NotMet { gap: None } => format!("{}: chưa đạt", gap.code),
            Outcome::Met => String::new(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub(crate) fn run(command: NtmCommand) -> anyhow::Result<()> {
    match command {
        NtmCommand::Evaluate { set, input, out } => {
            let text = match std::fs::read_to_string(&set) {
                Ok(text) => text,
                Err(_) => set.clone(),
            };
            let set = load_set(&text).map_err(|problems| {
                anyhow::anyhow!("bộ tiêu chí không hợp lệ: {}", problems.join("; "))
            })?;
            let (file_name, source, progress) = crate::open_table(&input)?;
            let results = evaluate_table(&set, source);
            progress.finish_and_clear();
            let results = match results {
                Ok(results) => results,
                Err(problems) => {
                    for problem in &problems {
                        output::line(&format!(
                            "{file_name}, dòng {}{}: {}",
                            problem.row,
                            problem
                                .column
                                .as_ref()
                                .map(|column| format!(", cột \"{column}\""))
                                .unwrap_or_default(),
                            problem.message
                        ));
                    }
                    output::line(&format!("Không đánh giá vì tệp có {} lỗi.", problems.len()));
                    std::process::exit(2);
                }
            };
            let headers = [
                "code",
                "key",
                "year",
                "criteria_met",
                "criteria",
                "status",
                "gaps",
            ];
            let rows: Vec<Vec<String>> = results
                .iter()
                .map(|result| {
                    vec![
                        result.code.clone(),
                        result.key.clone(),
                        result.year.to_string(),
                        result.evaluation.n_met.to_string(),
                        result.evaluation.criteria.len().to_string(),
                        result.status.label().to_owned(),
                        gap_text(result),
                    ]
                })
                .collect();
            match out {
                Some(path)
                    if path
                        .extension()
                        .is_some_and(|ext| ext.eq_ignore_ascii_case("xlsx")) =>
                {
                    let sheet = mtqg_xlsx::SheetData {
                        name: "Kết quả".to_owned(),
                        headers: headers.map(str::to_owned).to_vec(),
                        rows: rows
                            .into_iter()
                            .map(|row| row.into_iter().map(mtqg_xlsx::Cell::Text).collect())
                            .collect(),
                    };
                    let bytes = mtqg_xlsx::write_xlsx(&[sheet])?;
                    std::fs::write(&path, bytes)
                        .with_context(|| format!("while writing {}", path.display()))?;
                }
                Some(path) => {
                    let mut writer = csv::Writer::from_path(&path)
                        .with_context(|| format!("while writing {}", path.display()))?;
                    writer.write_record(headers)?;
                    for row in rows {
                        writer.write_record(row)?;
                    }
                    writer.flush()?;
                }
                None => {
                    let mut writer = csv::Writer::from_writer(std::io::stdout());
                    writer.write_record(headers)?;
                    for row in rows {
                        writer.write_record(row)?;
                    }
                    writer.flush()?;
                }
            }
            if set.verify {
                eprintln_note(&set.code);
            }
            Ok(())
        }
    }
}

/// Says once, on standard error, that the set is not checked against the official annex.
fn eprintln_note(code: &str) {
    tracing::warn!(set = code, "bộ tiêu chí cần đối chiếu văn bản gốc; chỉ tiêu chưa có ngưỡng được báo \"chưa có ngưỡng\"");
}

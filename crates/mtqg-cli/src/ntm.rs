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
    /// Load a new criteria set or a provincial specialisation (TOML, format in data/ntm/README.md); validated whole
    Load {
        file: PathBuf,
        /// Only report what would be loaded
        #[arg(long)]
        dry_run: bool,
    },
    /// List the loaded criteria sets
    Sets,
    /// Record assessments from a table (the columns of `evaluate`; region or group may be left out, it then comes
    /// from the commune's groupings). Every row is checked first; nothing is written unless all pass.
    Import {
        /// Code of a loaded set
        #[arg(long)]
        set: String,
        /// tu_danh_gia (self-assessment) or tham_dinh (appraisal)
        #[arg(long, default_value = "tu_danh_gia")]
        stage: String,
        input: PathBuf,
        /// Only report what would be recorded
        #[arg(long)]
        dry_run: bool,
    },
    /// Register OCOP products from a list (CSV or XLSX, one product per row). Columns (Vietnamese or English
    /// headers): Mã sản phẩm (code), Tên sản phẩm (name), Chủ thể (owner), Mã xã (commune_code), Nhóm (group: a
    /// product group code of the scale, e.g. thuc_pham), Điểm A, Điểm B, Điểm C (score_a..c), Số quyết định
    /// (decision), Ngày quyết định (decided_on, dd/mm/yyyy). Stars come from the scores. Every row is checked first;
    /// nothing is written unless all pass.
    OcopImport {
        input: PathBuf,
        /// Only report what would be registered
        #[arg(long)]
        dry_run: bool,
    },
}

impl NtmCommand {
    /// Whether the command runs without a database.
    pub(crate) fn is_stateless(&self) -> bool {
        matches!(self, NtmCommand::Evaluate { .. })
    }
}

/// The commands that use the database.
pub(crate) async fn run_stored(
    service: &mtqg_service::Service,
    command: NtmCommand,
) -> anyhow::Result<()> {
    let actor = mtqg_service::Actor::system();
    match command {
        NtmCommand::Evaluate { .. } => run(command),
        NtmCommand::Load { file, dry_run } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("while reading {}", file.display()))?;
            let file_name = file
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let report = service
                .load_criteria_set(&actor, &file_name, &text, dry_run)
                .await?;
            for problem in &report.problems {
                output::line(problem);
            }
            if !report.problems.is_empty() {
                output::line("Không nạp vì tệp có lỗi.");
                std::process::exit(2);
            }
            output::line(&format!(
                "{} — {}: {} tiêu chí, {} chỉ tiêu, {} chỉ tiêu chưa có ngưỡng{}. {}",
                report.code,
                report.name,
                report.n_criteria,
                report.n_indicators,
                report.n_without_threshold,
                if report.verify {
                    "; cần đối chiếu văn bản gốc"
                } else {
                    ""
                },
                if report.applied {
                    "Đã nạp."
                } else {
                    "Chạy thử: chưa nạp."
                }
            ));
            Ok(())
        }
        NtmCommand::OcopImport { input, dry_run } => {
            let (file_name, source, progress) = crate::open_table(&input)?;
            let report = service
                .import_ocop(&actor, &file_name, source, dry_run)
                .await;
            progress.finish_and_clear();
            let report = report?;
            output::problems(&file_name, &report.problems);
            if report.n_problems > 0 {
                output::line(&format!("Không ghi vì tệp có {} lỗi.", report.n_problems));
                std::process::exit(2);
            }
            output::line(&format!(
                "{} dòng: {}. {}",
                report.n_rows,
                report.stars_summary(),
                if report.applied {
                    "Đã ghi."
                } else {
                    "Chạy thử: chưa ghi gì."
                }
            ));
            Ok(())
        }
        NtmCommand::Import {
            set,
            stage,
            input,
            dry_run,
        } => {
            let bytes = std::fs::read(&input)
                .with_context(|| format!("while reading {}", input.display()))?;
            let file_name = input
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let source = mtqg_service::geography::TableSource::from_bytes(&file_name, bytes);
            let report = service
                .import_assessments(&actor, source, &set, &stage, dry_run)
                .await?;
            output::problems(&file_name, &report.problems);
            if report.n_problems > 0 {
                output::line(&format!("Không ghi vì tệp có {} lỗi.", report.n_problems));
                std::process::exit(2);
            }
            output::line(&format!(
                "{} xã, {} xã đạt đủ các tiêu chí. {}",
                report.n_rows,
                report.n_met_all,
                if report.applied {
                    "Đã ghi."
                } else {
                    "Chạy thử: chưa ghi."
                }
            ));
            Ok(())
        }
        NtmCommand::Sets => {
            for set in service.criteria_sets(&actor).await? {
                output::line(&format!(
                    "{:<22} {:<9} {:<8} {}{}{}",
                    set.code,
                    set.tier,
                    set.level,
                    set.name,
                    set.parent_code
                        .map(|parent| format!(" (kế thừa {parent})"))
                        .unwrap_or_default(),
                    if set.verify {
                        " — cần đối chiếu văn bản gốc"
                    } else {
                        ""
                    }
                ));
            }
            Ok(())
        }
    }
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
        NtmCommand::Load { .. }
        | NtmCommand::Sets
        | NtmCommand::Import { .. }
        | NtmCommand::OcopImport { .. } => {
            anyhow::bail!("this command needs the database")
        }
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
                    output::problems(&file_name, &problems);
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

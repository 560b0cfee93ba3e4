//! `mtqg poverty`: classify a household table with no database; import household lists with a progress bar; load
//! standards; freeze lists; rates and flows as table, CSV or JSON.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use mtqg_core::poverty::flows::Flow;
use mtqg_core::poverty::Tally;
use mtqg_core::vi;
use mtqg_service::poverty::{classify_table, load_standard, HouseholdImportOptions};
use mtqg_service::poverty_lists::RateLine;

use crate::output;

/// The columns of a household table, shown by `--help`.
const COLUMNS: &str = "INPUT (CSV UTF-8 or XLSX, first sheet) has one row per household. Headers may be Vietnamese \
or English, with or without diacritics; a unit in parentheses is ignored (\"Thu nhập bình quân (đồng/người/tháng)\"):
  Mã xã | commune          commune code (required)
  Mã hộ | household code    unique per household (required)
  Họ tên chủ hộ | head       (required)
  Khu vực | area            nông thôn / thành thị (NT / TT) (required)
  Thôn, Địa chỉ, Dân tộc, DTTS (x = ethnic minority; derived from Dân tộc ≠ Kinh when absent),
  Có công, BTXH, Không có lao động (x = yes), CCCD chủ hộ (12 digits), Năm sinh chủ hộ, Giới tính (Nam/Nữ)
  Thu nhập bình quân | income   đồng per person per month (1.500.000); negative or above 1 billion is refused
  Điểm A | score A          review questionnaire score, used when income is absent
  Điểm B | score B          optional; checked against the indicators marked (10 points each)
  one column per indicator: its code (bhyt), number (CS4, Chỉ số 4) or name (Bảo hiểm y tế);
    x / 1 / có / thiếu hụt = deprived, empty / 0 / không = not deprived
  STT, Ghi chú, Phân loại: read past (the class is always computed).";

#[derive(Subcommand)]
pub(crate) enum PovertyCommand {
    /// Classify households under a standard with no database. Writes per household the class, deprivations and
    /// score B (CSV to standard output, or --out FILE.csv / FILE.xlsx).
    #[command(after_help = COLUMNS)]
    Classify {
        /// A shipped standard (QD59-2015, ND07-2021, ND351-2025) or a TOML file (data/poverty/README.md)
        #[arg(long)]
        standard: String,
        input: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Import a household list into the register and, with review columns, into each commune's open list of the
    /// year. Every row is checked first; nothing is written unless all pass.
    #[command(after_help = COLUMNS)]
    Import {
        input: PathBuf,
        /// Review year
        #[arg(long)]
        year: i32,
        /// annual (rà soát định kỳ) or adhoc (rà soát thường xuyên)
        #[arg(long, default_value = "annual")]
        kind: String,
        #[arg(long)]
        dry_run: bool,
    },
    /// Import household members (sheet "Thành viên" of a workbook, or a CSV): Mã hộ, Họ tên, Năm sinh, Giới
    /// tính, Quan hệ với chủ hộ, CCCD. The households must be imported first; each household's members are
    /// replaced by those in the file.
    Members {
        input: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// List the loaded standards
    Standards,
    /// Load a standard or a province's local standard (TOML, data/poverty/README.md)
    Load {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
    /// Freeze a list with its recognition decision (number and date dd/mm/yyyy)
    Freeze {
        #[arg(long)]
        list: i64,
        #[arg(long)]
        decision: String,
        #[arg(long)]
        date: String,
    },
    /// Poverty rates of a unit and its children for a year, with the reduction against last year and the target
    Rates {
        /// Unit code (country when absent)
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        year: i32,
        /// Carry old communes' lists onto today's units
        #[arg(long)]
        rebase: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: output::Format,
    },
    /// Flows of poor and near-poor households between two years' lists
    Flows {
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        from: i32,
        #[arg(long)]
        to: i32,
        #[arg(long)]
        rebase: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: output::Format,
    },
}

impl PovertyCommand {
    pub(crate) fn is_stateless(&self) -> bool {
        matches!(self, PovertyCommand::Classify { .. })
    }
}

/// `classify`, with no database.
pub(crate) fn run(command: PovertyCommand) -> anyhow::Result<()> {
    let PovertyCommand::Classify {
        standard,
        input,
        out,
    } = command
    else {
        anyhow::bail!("this command needs the database");
    };
    let text = std::fs::read_to_string(&standard).unwrap_or_else(|_| standard.clone());
    let standard = load_standard(&text)
        .map_err(|problems| anyhow::anyhow!("chuẩn nghèo không hợp lệ: {}", problems.join("; ")))?;
    let (file_name, source, progress) = crate::open_table(&input)?;
    let results = classify_table(&standard, source);
    progress.finish_and_clear();
    let results = match results {
        Ok(results) => results,
        Err(problems) => {
            output::problems(&file_name, &problems);
            output::line(&format!(
                "Không phân loại vì tệp có {} lỗi.",
                problems.len()
            ));
            std::process::exit(2);
        }
    };
    let headers = [
        "commune",
        "household",
        "area",
        "income",
        "score_a",
        "class",
        "deprived",
        "score_b",
        "unanswered",
    ];
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|row| {
            vec![
                row.commune_code.clone(),
                row.code.clone(),
                row.area.label().to_owned(),
                row.income.map(|v| v.to_string()).unwrap_or_default(),
                row.score_a.map(|v| v.to_string()).unwrap_or_default(),
                row.result.class.label().to_owned(),
                row.result.deprived.join(" "),
                row.result.score_b.to_string(),
                row.result.unanswered.join(" "),
            ]
        })
        .collect();
    output::write_table(out.as_deref(), "Phân loại", &headers, rows)?;
    if standard.verify {
        tracing::warn!(
            standard = standard.code,
            "chuẩn nghèo cần đối chiếu văn bản gốc"
        );
    }
    Ok(())
}

pub(crate) async fn run_stored(
    service: &mtqg_service::Service,
    command: PovertyCommand,
) -> anyhow::Result<()> {
    let actor = mtqg_service::Actor::system();
    match command {
        PovertyCommand::Classify { .. } => run(command),
        PovertyCommand::Import {
            input,
            year,
            kind,
            dry_run,
        } => {
            let (file_name, source, bar) = crate::open_table(&input)?;
            let progress = |step: mtqg_service::poverty::Progress| {
                bar.set_message(format!(
                    "{}: {} dòng",
                    step.phase,
                    vi::format_int(step.done as i64)
                ));
            };
            let report = service
                .import_households(
                    &actor,
                    &file_name,
                    source,
                    &HouseholdImportOptions {
                        year,
                        kind,
                        dry_run,
                    },
                    &progress,
                )
                .await?;
            bar.finish_and_clear();
            output::problems(&file_name, &report.problems);
            if report.n_problems > 0 {
                if report.n_problems > report.problems.len() {
                    output::line(&format!(
                        "… và {} lỗi khác",
                        report.n_problems - report.problems.len()
                    ));
                }
                output::line(&format!("Không ghi vì tệp có {} lỗi.", report.n_problems));
                std::process::exit(2);
            }
            output::line(&format!(
                "{file_name}: {} hộ ({} mới, {} cập nhật) ở {} xã.",
                vi::format_int(report.n_rows as i64),
                vi::format_int(report.n_new as i64),
                vi::format_int(report.n_updated as i64),
                report.n_communes
            ));
            if report.has_review {
                let [poor, near, average, other] = report.by_class;
                output::line(&format!(
                    "Phân loại năm {year}: {} hộ nghèo, {} hộ cận nghèo, {} hộ có mức sống trung bình, {} hộ khác.",
                    vi::format_int(poor as i64),
                    vi::format_int(near as i64),
                    vi::format_int(average as i64),
                    vi::format_int(other as i64)
                ));
                for (code, name, id) in report.lists.iter().take(20) {
                    output::line(&format!("  {code} {name}: danh sách số {id}"));
                }
            }
            output::line(if report.applied {
                "Đã ghi."
            } else {
                "Chạy thử: chưa ghi."
            });
            Ok(())
        }
        PovertyCommand::Members { input, dry_run } => {
            let (file_name, source, bar) = crate::open_table(&input)?;
            let report = service
                .import_members(&actor, &file_name, source, dry_run)
                .await?;
            bar.finish_and_clear();
            output::problems(&file_name, &report.problems);
            if report.n_problems > 0 {
                output::line(&format!("Không ghi vì tệp có {} lỗi.", report.n_problems));
                std::process::exit(2);
            }
            output::line(&format!(
                "{file_name}: {} thành viên của {} hộ. {}",
                vi::format_int(report.n_rows as i64),
                vi::format_int(report.n_households as i64),
                if report.applied {
                    "Đã ghi."
                } else {
                    "Chạy thử: chưa ghi."
                }
            ));
            Ok(())
        }
        PovertyCommand::Standards => {
            for standard in service.poverty_standards(&actor).await? {
                output::line(&format!(
                    "{:<12} {}–{} {}{}{}",
                    standard.code,
                    standard.first_year,
                    standard.last_year,
                    standard.name,
                    standard
                        .province_code
                        .map(|province| format!(" (tỉnh {province})"))
                        .unwrap_or_default(),
                    if standard.verify {
                        " — cần đối chiếu văn bản gốc"
                    } else {
                        ""
                    }
                ));
            }
            Ok(())
        }
        PovertyCommand::Load { file, dry_run } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("while reading {}", file.display()))?;
            let file_name = file
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let report = service
                .load_poverty_standard(&actor, &file_name, &text, dry_run)
                .await?;
            for problem in &report.problems {
                output::line(problem);
            }
            if !report.problems.is_empty() {
                output::line("Không nạp vì tệp có lỗi.");
                std::process::exit(2);
            }
            output::line(&format!(
                "{} — {}: {} chỉ số{}. {}",
                report.code,
                report.name,
                report.n_indicators,
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
        PovertyCommand::Freeze {
            list,
            decision,
            date,
        } => {
            let day = vi::parse_date(&date)
                .with_context(|| format!("ngày \"{date}\" không hợp lệ (dd/mm/yyyy)"))?;
            let tally = service
                .freeze_poverty_list(&actor, list, &decision, day)
                .await?;
            output::line(&format!(
                "Đã công nhận danh sách số {list}: {} hộ, {} hộ nghèo, {} hộ cận nghèo.",
                vi::format_int(tally.households as i64),
                vi::format_int(tally.poor as i64),
                vi::format_int(tally.near_poor as i64)
            ));
            Ok(())
        }
        PovertyCommand::Rates {
            unit,
            year,
            rebase,
            format,
        } => {
            let rates = service
                .poverty_rates(&actor, unit.as_deref(), year, rebase)
                .await?;
            let mut lines = vec![&rates.total];
            lines.extend(rates.children.iter());
            let headers = [
                "unit",
                "name",
                "households",
                "poor",
                "poor_rate",
                "near_poor",
                "near_poor_rate",
                "em_households",
                "em_poor_rate",
                "reduction_points",
                "rank",
            ];
            let rows: Vec<Vec<String>> = lines.iter().map(|line| rate_row(line)).collect();
            if rates.rebased {
                tracing::info!("số liệu của xã cũ được quy đổi sang đơn vị hiện nay");
            }
            output::print_rows(format, &headers, rows)?;
            if let (Some(target), Some(reduction)) = (&rates.target, &rates.total.reduction) {
                output::line(&format!(
                    "Giảm {} điểm %, chỉ tiêu {} điểm %: đạt {}% kế hoạch ({}).",
                    vi::format_decimal(reduction.points, 2),
                    vi::format_decimal(target.target_points, 2),
                    reduction
                        .percent_of_target
                        .map(|p| vi::format_decimal(p, 2))
                        .unwrap_or_default(),
                    target.legal_basis
                ));
            }
            Ok(())
        }
        PovertyCommand::Flows {
            unit,
            from,
            to,
            rebase,
            format,
        } => {
            let report = service
                .poverty_flows(&actor, unit.as_deref(), from, to, rebase)
                .await?;
            let headers = [
                "class",
                "start",
                "to_other_class",
                "rose_above",
                "other_decreases",
                "from_other_class",
                "fell_back",
                "newly",
                "other_increases",
                "end",
            ];
            let rows = vec![
                flow_row("Hộ nghèo", &report.total.poor),
                flow_row("Hộ cận nghèo", &report.total.near_poor),
            ];
            output::print_rows(format, &headers, rows)?;
            Ok(())
        }
    }
}

fn percent(value: Option<f64>) -> String {
    value.map(|v| vi::format_decimal(v, 2)).unwrap_or_default()
}

fn rate_row(line: &RateLine) -> Vec<String> {
    let tally: &Tally = &line.tally;
    vec![
        line.unit
            .as_ref()
            .map(|unit| unit.code.clone())
            .unwrap_or_default(),
        line.unit
            .as_ref()
            .map(|unit| unit.name.clone())
            .unwrap_or_else(|| "Toàn quốc".to_owned()),
        tally.households.to_string(),
        tally.poor.to_string(),
        percent(tally.poor_rate()),
        tally.near_poor.to_string(),
        percent(tally.near_poor_rate()),
        tally.em_households.to_string(),
        percent(tally.em_poor_rate()),
        percent(line.reduction.map(|r| r.points)),
        line.rank
            .map(|(rank, of)| format!("{rank}/{of}"))
            .unwrap_or_default(),
    ]
}

fn flow_row(label: &str, flow: &Flow) -> Vec<String> {
    [
        flow.start,
        flow.to_other_class,
        flow.rose_above,
        flow.other_decreases,
        flow.from_other_class,
        flow.fell_back,
        flow.newly,
        flow.other_increases,
        flow.end,
    ]
    .iter()
    .map(|n| n.to_string())
    .fold(vec![label.to_owned()], |mut row, cell| {
        row.push(cell);
        row
    })
}

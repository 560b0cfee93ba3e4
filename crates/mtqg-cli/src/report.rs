//! `mtqg report`: the narrative report (DOCX), statutory forms (XLSX), exchange packages
//! (JSON or CSV) of a unit for a period, importing packages from units without the system, and who has reported.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use mtqg_core::report::period::Period;
use mtqg_service::report::{self, ReportKey};
use mtqg_service::{Actor, Service};

use crate::output;

#[derive(Subcommand)]
pub(crate) enum ReportCommand {
    /// Write a unit's narrative report for a period as DOCX (NĐ 30/2020 layout), from the system's figures and the
    /// fields entered on its submission
    Narrative {
        #[arg(long)]
        unit: String,
        /// 2025-H1 (6 tháng), 2025 (năm), 2025-07 (tháng), 2025-W28 (tuần)
        #[arg(long)]
        period: String,
        /// Report code of data/reporting/calendar.toml (6T, NAM, …); by default the first that covers the period
        #[arg(long)]
        report: Option<String>,
        /// Output file (.docx); by default bao-cao-<unit>-<period>.docx
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write a statutory form (HUYDONG, HUYDONG-N, NTM-TC, GN-BD, GIAINGAN) filled for a unit and period as XLSX
    Form {
        form: String,
        #[arg(long)]
        unit: String,
        #[arg(long)]
        period: String,
        #[arg(long)]
        report: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write the exchange package of a unit and period (.json, or .csv), format in docs/exchange-package.md
    Package {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        period: String,
        #[arg(long)]
        report: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Import a package (.json or .csv) from a unit that does not use the system: checked whole, then recorded as
    /// that unit's submitted report awaiting approval
    ImportPackage {
        input: PathBuf,
        /// Only check, write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Who has reported: expected, submitted, on time, approved, for the units reporting to UNIT (default: the
    /// provinces, to the country)
    Status {
        #[arg(long)]
        period: String,
        #[arg(long)]
        report: Option<String>,
        #[arg(long)]
        unit: Option<String>,
    },
}

/// The report code: the one given, or the first in the calendar that covers the period (and uses the form).
fn report_code(report: Option<String>, period: &str, form: Option<&str>) -> anyhow::Result<String> {
    if let Some(code) = report {
        return Ok(code);
    }
    let period = Period::parse(period).map_err(anyhow::Error::msg)?;
    report::reporting()
        .calendar
        .report_for(period, form)
        .map(|kind| kind.code.clone())
        .with_context(|| format!("no report of the calendar covers {period}; give --report"))
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("while writing {}", path.display()))?;
    output::line(&format!(
        "Đã ghi {} ({} byte).",
        path.display(),
        bytes.len()
    ));
    Ok(())
}

pub(crate) async fn run(service: &Service, command: ReportCommand) -> anyhow::Result<()> {
    let actor = Actor::system();
    match command {
        ReportCommand::Narrative {
            unit,
            period,
            report,
            out,
        } => {
            let code = report_code(report, &period, None)?;
            let document = service
                .report_narrative(&actor, ReportKey::new(&code, &period, &unit))
                .await?;
            let out = out.unwrap_or_else(|| PathBuf::from(format!("bao-cao-{unit}-{period}.docx")));
            write(&out, &report::narrative_docx(&document)?)
        }
        ReportCommand::Form {
            form,
            unit,
            period,
            report,
            out,
        } => {
            let code = report_code(report, &period, Some(&form))?;
            let filled = service
                .report_form(&actor, &form, ReportKey::new(&code, &period, &unit))
                .await?;
            write(&out, &report::form_xlsx(&filled)?)
        }
        ReportCommand::Package {
            unit,
            period,
            report,
            out,
        } => {
            let code = report_code(report, &period, None)?;
            let package = service
                .report_package(&actor, ReportKey::new(&code, &period, &unit))
                .await?;
            let csv = out
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("csv"));
            let bytes = if csv {
                report::package_csv(&package)?
            } else {
                serde_json::to_vec_pretty(&package)?
            };
            write(&out, &bytes)
        }
        ReportCommand::ImportPackage { input, dry_run } => {
            let bytes = std::fs::read(&input)
                .with_context(|| format!("while reading {}", input.display()))?;
            let file_name = input
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let outcome = service
                .import_package(&actor, &file_name, &bytes, dry_run)
                .await?;
            for problem in &outcome.problems {
                output::line(problem);
            }
            if !outcome.problems.is_empty() {
                output::line(&format!(
                    "Không ghi vì gói có {} lỗi.",
                    outcome.problems.len()
                ));
                std::process::exit(2);
            }
            output::line(&format!(
                "Báo cáo {} kỳ {} của {} ({}): {} chỉ tiêu. {}",
                outcome.report,
                outcome.period,
                outcome.unit_name,
                outcome.unit_code,
                outcome.n_values,
                if outcome.applied {
                    "Đã ghi nhận, chờ cấp trên duyệt."
                } else {
                    "Chạy thử: chưa ghi gì."
                }
            ));
            Ok(())
        }
        ReportCommand::Status {
            period,
            report,
            unit,
        } => {
            let code = report_code(report, &period, None)?;
            let dashboard = service
                .report_dashboard(&actor, &code, &period, unit.as_deref())
                .await?;
            output::report_dashboard(&dashboard);
            Ok(())
        }
    }
}

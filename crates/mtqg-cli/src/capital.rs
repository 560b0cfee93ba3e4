//! `mtqg capital …`: import ledger events, print a unit's capital summary, the will-lapse list, the template.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use clap::Subcommand;
use mtqg_core::money::{format_amount_number, MoneyUnit};
use mtqg_core::vi;
use mtqg_service::money::{CapitalSummary, Figures, LAPSE_METHOD};
use mtqg_service::{Actor, Service};

use crate::output;

#[derive(Subcommand)]
pub(crate) enum CapitalCommand {
    /// Import plans, allocations, disbursement and other ledger events (CSV or XLSX); all or nothing
    Import {
        file: PathBuf,
        /// Only report what would be recorded
        #[arg(long)]
        dry_run: bool,
    },
    /// Plan, allocation, disbursement and rate of a unit (or the country) for a plan year as of a date
    Summary {
        /// Unit code; the whole country when omitted
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        year: i32,
        #[arg(long, value_parser = crate::parse_date_arg)]
        as_of: Option<NaiveDate>,
        /// Program item code (e.g. GNBV, GNBV.DA1): that item and everything under it
        #[arg(long)]
        program: Option<String>,
        #[arg(long, default_value = "table")]
        format: output::Format,
        /// Amounts in trieu (default), ty or dong
        #[arg(long, default_value = "trieu", value_parser = parse_money_unit)]
        money_unit: MoneyUnit,
        /// Carry money of units merged away onto today's units through the lineage
        #[arg(long)]
        rebased: bool,
    },
    /// Money that will lapse at its deadline at the current pace
    Lapse {
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        year: i32,
        #[arg(long, value_parser = crate::parse_date_arg)]
        as_of: Option<NaiveDate>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Write the XLSX import template
    Template { file: PathBuf },
    /// Record a disbursement deadline extension for a plan year (with its legal basis)
    Extend {
        #[arg(long)]
        year: i32,
        /// The new deadline
        #[arg(long, value_parser = crate::parse_date_arg)]
        until: NaiveDate,
        /// Number and date of the decision or resolution
        #[arg(long)]
        basis: String,
        /// Only this capital type (dtpt or su_nghiep)
        #[arg(long)]
        capital_type: Option<String>,
        /// Only this program item
        #[arg(long)]
        item: Option<String>,
    },
}

fn parse_money_unit(text: &str) -> Result<MoneyUnit, String> {
    MoneyUnit::parse(text).ok_or_else(|| "đơn vị tiền: trieu, ty hoặc dong".to_owned())
}

pub(crate) async fn run(service: &Service, command: CapitalCommand) -> anyhow::Result<()> {
    let actor = Actor::system();
    let today = Utc::now().date_naive();
    match command {
        CapitalCommand::Import { file, dry_run } => {
            let (file_name, source, progress) = crate::open_table(&file)?;
            let report = service
                .import_capital(&actor, &file_name, source, dry_run, &|_| {})
                .await?;
            progress.finish_and_clear();
            output::line(&format!(
                "{file_name}: {} dòng, {} nghiệp vụ hợp lệ{}",
                vi::format_int(report.n_rows as i64),
                vi::format_int(report.n_events as i64),
                if report.skipped_totals.is_empty() {
                    String::new()
                } else {
                    format!(", bỏ qua dòng tổng cộng {:?}", report.skipped_totals)
                }
            ));
            for problem in &report.problems {
                output::line(&format!(
                    "  {}dòng {}{}: {}",
                    problem
                        .sheet
                        .as_ref()
                        .map(|sheet| format!("trang \"{sheet}\", "))
                        .unwrap_or_default(),
                    problem.row,
                    problem
                        .column
                        .as_ref()
                        .map(|column| format!(", cột \"{column}\""))
                        .unwrap_or_default(),
                    problem.message
                ));
            }
            if report.n_problems > report.problems.len() {
                output::line(&format!(
                    "  … và {} lỗi khác",
                    report.n_problems - report.problems.len()
                ));
            }
            if report.applied {
                output::line("Đã ghi toàn bộ nghiệp vụ.");
            } else if dry_run && report.n_problems == 0 {
                output::line("Chạy thử: chưa ghi gì.");
            } else {
                output::line("Không ghi gì vì tệp có lỗi.");
                std::process::exit(2);
            }
            Ok(())
        }
        CapitalCommand::Summary {
            unit,
            year,
            as_of,
            program,
            format,
            money_unit,
            rebased,
        } => {
            let summary = service
                .capital_summary_with(
                    &actor,
                    unit.as_deref(),
                    year,
                    as_of.unwrap_or(today),
                    program.as_deref(),
                    rebased,
                )
                .await?;
            print_summary(&summary, format, money_unit)
        }
        CapitalCommand::Lapse {
            unit,
            year,
            as_of,
            limit,
        } => {
            let rows = service
                .will_lapse(&actor, unit.as_deref(), year, as_of.unwrap_or(today), limit)
                .await?;
            output::line(LAPSE_METHOD);
            for row in rows {
                output::line(&format!(
                    "{:<28} {:<30} còn {:>12} tr.đ, 90 ngày qua {:>10} tr.đ, hạn {}: nguy cơ hủy {} tr.đ",
                    row.label,
                    row.unit.map(|unit| unit.name).unwrap_or_default(),
                    format_amount_number(row.remaining, MoneyUnit::Million),
                    format_amount_number(row.recent, MoneyUnit::Million),
                    vi::format_date(row.deadline),
                    format_amount_number(row.will_lapse, MoneyUnit::Million)
                ));
            }
            Ok(())
        }
        CapitalCommand::Extend {
            year,
            until,
            basis,
            capital_type,
            item,
        } => {
            let capital_type = match capital_type {
                None => None,
                Some(text) => Some(mtqg_core::money::CapitalType::parse(&text).with_context(
                    || format!("loại vốn \"{text}\" không hợp lệ (dtpt hoặc su_nghiep)"),
                )?),
            };
            service
                .add_extension(&actor, year, capital_type, item.as_deref(), until, &basis)
                .await?;
            output::line(&format!(
                "Đã ghi gia hạn giải ngân vốn năm {year} đến {} ({basis}).",
                vi::format_date(until)
            ));
            Ok(())
        }
        CapitalCommand::Template { file } => {
            let bytes = service.capital_template()?;
            std::fs::write(&file, bytes)
                .with_context(|| format!("while writing {}", file.display()))?;
            output::line(&format!("Đã ghi mẫu nhập liệu vào {}", file.display()));
            Ok(())
        }
    }
}

fn figures_json(figures: &Figures) -> serde_json::Value {
    serde_json::json!({
        "medium_term": figures.medium_term, "plan": figures.plan, "to_projects": figures.to_projects,
        "disbursed": figures.disbursed, "carried": figures.carried, "lapsed": figures.lapsed,
        "remaining": figures.remaining(), "rate": figures.rate(),
    })
}

fn rate_text(figures: &Figures) -> String {
    figures
        .rate()
        .map(vi::format_percent)
        .unwrap_or_else(|| "—".to_owned())
}

fn print_summary(
    summary: &CapitalSummary,
    format: output::Format,
    unit: MoneyUnit,
) -> anyhow::Result<()> {
    let name = summary
        .unit
        .as_ref()
        .map(|unit| unit.name.clone())
        .unwrap_or_else(|| "Toàn quốc".to_owned());
    match format {
        output::Format::Json => {
            let json = serde_json::json!({
                "unit": summary.unit.as_ref().map(|unit| &unit.code), "name": name, "plan_year": summary.plan_year,
                "as_of": summary.as_of.to_string(), "program": summary.program.as_ref().map(|(code, _)| code),
                "totals": figures_json(&summary.totals),
                "rank_in_parent": summary.rank_in_parent,
                "children": summary.children.iter().map(|child| serde_json::json!({
                    "code": child.unit.code, "name": child.unit.name, "figures": figures_json(&child.figures),
                    "rank": child.rank, "below_average": child.below_average,
                })).collect::<Vec<_>>(),
                "by_source": summary.by_source.iter().map(|(source, ctype, figures)| serde_json::json!({
                    "source": source.key(), "capital_type": ctype.key(), "figures": figures_json(figures),
                })).collect::<Vec<_>>(),
            });
            output::line(&serde_json::to_string_pretty(&json)?);
        }
        output::Format::Csv => {
            let mut writer = csv::Writer::from_writer(std::io::stdout());
            writer.write_record([
                "code",
                "name",
                "plan_dong",
                "disbursed_dong",
                "remaining_dong",
                "rate",
                "rank",
            ])?;
            let mut write = |code: &str, name: &str, figures: &Figures, rank: Option<usize>| {
                writer.write_record([
                    code.to_owned(),
                    name.to_owned(),
                    figures.plan.to_string(),
                    figures.disbursed.to_string(),
                    figures.remaining().to_string(),
                    figures
                        .rate()
                        .map(|rate| format!("{rate:.4}"))
                        .unwrap_or_default(),
                    rank.map(|rank| rank.to_string()).unwrap_or_default(),
                ])
            };
            write(
                summary
                    .unit
                    .as_ref()
                    .map(|unit| unit.code.as_str())
                    .unwrap_or(""),
                &name,
                &summary.totals,
                None,
            )?;
            for child in &summary.children {
                write(
                    &child.unit.code,
                    &child.unit.name,
                    &child.figures,
                    child.rank,
                )?;
            }
            writer.flush()?;
        }
        output::Format::Table => {
            let amount = |dong: i64| format_amount_number(dong, unit);
            let totals = &summary.totals;
            output::line(&format!(
                "{name} — vốn năm {} tính đến {}{} ({})",
                summary.plan_year,
                vi::format_date(summary.as_of),
                summary
                    .program
                    .as_ref()
                    .map(|(code, _)| format!(", chương trình {code}"))
                    .unwrap_or_default(),
                unit.label()
            ));
            output::line(&format!(
                "  Kế hoạch {}; đã phân bổ cho dự án {}; đã giải ngân {}, đạt {} KH; còn lại {}; chuyển nguồn {}; hủy {}",
                amount(totals.plan),
                amount(totals.to_projects),
                amount(totals.disbursed),
                rate_text(totals),
                amount(totals.remaining()),
                amount(totals.carried),
                amount(totals.lapsed)
            ));
            if let Some(rebasing) = &summary.rebasing {
                output::line(&format!(
                    "  Quy đổi theo đơn vị hiện nay: cộng {} từ {} đơn vị cũ{}",
                    amount(rebasing.extra.plan),
                    rebasing.from_units.len(),
                    if rebasing.not_rebasable_units.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; không quy đổi được {} (đơn vị {}: chia tách một phần chưa có tỷ trọng)",
                            amount(rebasing.not_rebasable_plan),
                            rebasing.not_rebasable_units.join(", ")
                        )
                    }
                ));
            }
            if let Some((place, of)) = summary.rank_in_parent {
                output::line(&format!("  Xếp thứ {place}/{of} về tỷ lệ giải ngân"));
            }
            output::line(&format!(
                "  Hạn giải ngân vốn đầu tư: {}",
                vi::format_date(summary.investment_deadline)
            ));
            for (source, ctype, figures) in &summary.by_source {
                output::line(&format!(
                    "    {} – {}: KH {}, giải ngân {} ({})",
                    source.label(),
                    ctype.label(),
                    amount(figures.plan),
                    amount(figures.disbursed),
                    rate_text(figures)
                ));
            }
            if !summary.children.is_empty() {
                output::line("  Đơn vị trực thuộc:");
            }
            for child in &summary.children {
                output::line(&format!(
                    "    {:>4} {:<6} {:<32} KH {:>12}  GN {:>12}  {:>6}{}",
                    child
                        .rank
                        .map(|rank| format!("{rank}."))
                        .unwrap_or_default(),
                    child.unit.code,
                    child.unit.name,
                    amount(child.figures.plan),
                    amount(child.figures.disbursed),
                    rate_text(&child.figures),
                    if child.below_average {
                        "  (dưới bình quân)"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    Ok(())
}

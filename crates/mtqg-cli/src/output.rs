//! Everything the CLI prints goes through here, so standard output stays one reviewed module.
#![expect(clippy::print_stdout, reason = "this module is the CLI's output")]

use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};
use mtqg_core::atlas::UnitAsOf;
use mtqg_core::vi;
use mtqg_service::geography::{ImportReport, UnitPage};
use mtqg_service::groupings::{GroupingPage, GroupingSummary};
use mtqg_store::UserRecord;

/// How `units list` prints.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Format {
    Table,
    Csv,
    Json,
}

pub(crate) fn line(text: &str) {
    println!("{text}");
}

/// A spinner on standard error for work of unknown length.
pub(crate) fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// A progress bar over the bytes of a file, on standard error.
pub(crate) fn bytes_bar(size: u64, message: &str) -> ProgressBar {
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(message.to_owned());
    bar
}

/// Each problem of a file on its own line: file, row, column, message.
pub(crate) fn problems(file_name: &str, problems: &[mtqg_core::import::RowProblem]) {
    for problem in problems {
        line(&format!(
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
}

pub(crate) fn import_report(report: &ImportReport) {
    let kind = report
        .kind
        .map(mtqg_core::import::ImportKind::label)
        .unwrap_or("không rõ loại");
    println!(
        "{} ({kind}): {} dòng",
        report.file_name,
        vi::format_int(report.n_rows as i64)
    );
    println!(
        "  mới: {}, thay đổi: {}, chấm dứt: {}, không đổi: {}",
        report.n_new, report.n_changed, report.n_ended, report.n_unchanged
    );
    for sample in report.samples.iter().take(20) {
        println!("  {sample}");
    }
    if report.samples.len() > 20 {
        println!(
            "  … và {} thay đổi khác",
            report.n_new + report.n_changed + report.n_ended - 20
        );
    }
    if report.n_problems > 0 {
        println!("Có {} lỗi:", report.n_problems);
        for problem in &report.problems {
            println!("  {}", report.describe(problem));
        }
        if report.n_problems > report.problems.len() {
            println!(
                "  … và {} lỗi khác",
                report.n_problems - report.problems.len()
            );
        }
    }
    println!(
        "{}",
        match (report.applied, report.n_problems) {
            (true, 0) => "Đã ghi vào cơ sở dữ liệu.",
            (true, _) => "Đã ghi các dòng hợp lệ; các dòng lỗi bị bỏ qua.",
            (false, 0) => "Chạy thử: chưa ghi gì.",
            (false, _) => "Không có thay đổi nào được ghi.",
        }
    );
}

pub(crate) fn unit_page(page: &UnitPage) {
    let unit = &page.unit;
    println!(
        "{} {} ({}) tại ngày {}",
        unit.code,
        unit.name,
        unit.unit_type,
        vi::format_date(page.date)
    );
    let path: Vec<&str> = page.path.iter().map(|step| step.name.as_str()).collect();
    println!("  Đường dẫn: {}", path.join(" › "));
    let from = unit
        .unit_valid_from
        .map(vi::format_date)
        .unwrap_or_else(|| "trước khi có dữ liệu".to_owned());
    let to = unit
        .unit_valid_to
        .and_then(|to| to.pred_opt())
        .map(vi::format_date)
        .unwrap_or_else(|| "nay".to_owned());
    println!("  Hiệu lực: từ {from} đến {to}");
    if let Some(note) = &unit.end_note {
        println!("  Ghi chú: {note}");
    }
    if !page.counts.is_empty() {
        let counts: Vec<String> = page
            .counts
            .iter()
            .map(|count| format!("{} {}", count.n_units, count.unit_type.to_lowercase()))
            .collect();
        println!("  Trực thuộc: {}", counts.join(", "));
    }
    for version in &page.versions {
        let from = version
            .valid_from
            .map(vi::format_date)
            .unwrap_or_else(|| "—".to_owned());
        let to = version
            .valid_to
            .and_then(|to| to.pred_opt())
            .map(vi::format_date)
            .unwrap_or_else(|| "nay".to_owned());
        println!(
            "  {from} – {to}: {} ({}), thuộc {}",
            version.name,
            version.unit_type,
            version.parent_name.as_deref().unwrap_or("—")
        );
    }
    for edge in &page.predecessors {
        println!(
            "  Hình thành từ {} {} ({}), {}: {}",
            edge.other_code,
            edge.other_name.as_deref().unwrap_or("?"),
            [
                edge.other_parent_name.as_deref(),
                edge.other_grandparent_name.as_deref()
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
            vi::format_date(edge.effective_date),
            edge.kind
        );
    }
    for edge in &page.successors {
        println!(
            "  Sắp xếp vào {} {}, {}: {}",
            edge.other_code,
            edge.other_name.as_deref().unwrap_or("?"),
            vi::format_date(edge.effective_date),
            edge.kind
        );
    }
    if unit.unit_valid_to.is_some() && page.successors.is_empty() {
        println!("  Không rõ đơn vị kế thừa.");
    }
    for grouping in &page.groupings {
        println!(
            "  {}: {} {}{}",
            grouping.category.label(),
            grouping.code,
            grouping.name,
            grouping
                .via
                .as_ref()
                .map(|via| format!(" (theo {})", via.name))
                .unwrap_or_default()
        );
    }
}

pub(crate) fn unit_list(units: &[UnitAsOf], format: Format) -> anyhow::Result<()> {
    match format {
        Format::Table => {
            for unit in units {
                println!(
                    "{:<6} {:<40} {:<32} {}",
                    unit.code,
                    unit.name,
                    unit.unit_type,
                    unit.parent_code.as_deref().unwrap_or("")
                );
            }
            println!("({} đơn vị)", units.len());
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(std::io::stdout());
            writer.write_record(["code", "name", "type", "parent_code"])?;
            for unit in units {
                writer.write_record([
                    &unit.code,
                    &unit.name,
                    &unit.unit_type,
                    unit.parent_code.as_deref().unwrap_or(""),
                ])?;
            }
            writer.flush()?;
        }
        Format::Json => {
            let rows: Vec<serde_json::Value> = units
                .iter()
                .map(|unit| serde_json::json!({ "code": unit.code, "name": unit.name, "type": unit.unit_type, "parent_code": unit.parent_code }))
                .collect();
            println!("{}", serde_json::to_string_pretty(&rows)?);
        }
    }
    Ok(())
}

pub(crate) fn grouping_list(groupings: &[GroupingSummary], date: NaiveDate) {
    if groupings.is_empty() {
        println!("Chưa có vùng, nhóm nào (nhập bằng `mtqg units import <tệp thành viên nhóm>`).");
        return;
    }
    println!("Vùng, nhóm tại ngày {}:", vi::format_date(date));
    for grouping in groupings {
        println!(
            "{:<18} {:<45} {:>5} đơn vị {:>7} xã  {}{}",
            grouping.code,
            grouping.name,
            grouping.n_members,
            vi::format_int(grouping.n_communes as i64),
            grouping.category.label(),
            if grouping.note.contains("[verify]") {
                " (cần đối chiếu)"
            } else {
                ""
            }
        );
    }
}

pub(crate) fn grouping_head(page: &GroupingPage) {
    let grouping = &page.grouping;
    println!(
        "{} {} — {}",
        grouping.code,
        grouping.name,
        grouping.category.label()
    );
    if !grouping.legal_basis.is_empty() {
        println!("  Căn cứ: {}", grouping.legal_basis);
    }
    if !grouping.note.is_empty() {
        println!("  Ghi chú: {}", grouping.note);
    }
    println!(
        "  Tại ngày {}: {} đơn vị thành viên, {} xã thuộc nhóm",
        vi::format_date(page.date),
        grouping.n_members,
        vi::format_int(grouping.n_communes as i64)
    );
}

pub(crate) fn user_list(users: &[UserRecord]) {
    for user in users {
        println!(
            "{:<20} {:<10} {:<8} {}{}",
            user.username,
            user.role,
            user.scope_code.as_deref().unwrap_or("toàn quốc"),
            user.display_name,
            if user.active { "" } else { " (đã khóa)" }
        );
    }
}

/// Rows of text as an aligned table, CSV, or JSON objects keyed by the headers.
pub(crate) fn print_rows(
    format: Format,
    headers: &[&str],
    rows: Vec<Vec<String>>,
) -> anyhow::Result<()> {
    match format {
        Format::Table => {
            let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
            for row in &rows {
                for (idx, cell) in row.iter().enumerate() {
                    if let Some(width) = widths.get_mut(idx) {
                        *width = (*width).max(cell.chars().count());
                    }
                }
            }
            let render = |cells: Vec<&str>| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(cell, width)| {
                        format!("{cell}{}", " ".repeat(width - cell.chars().count()))
                    })
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_owned()
            };
            println!("{}", render(headers.to_vec()));
            for row in &rows {
                println!("{}", render(row.iter().map(String::as_str).collect()));
            }
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(std::io::stdout());
            writer.write_record(headers)?;
            for row in rows {
                writer.write_record(row)?;
            }
            writer.flush()?;
        }
        Format::Json => {
            let objects: Vec<serde_json::Value> = rows
                .into_iter()
                .map(|row| {
                    serde_json::Value::Object(
                        headers
                            .iter()
                            .map(|h| (*h).to_owned())
                            .zip(row.into_iter().map(serde_json::Value::from))
                            .collect(),
                    )
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&objects)?);
        }
    }
    Ok(())
}

/// Rows of text to a file (.xlsx, else CSV) or, without a file, as CSV to standard output.
pub(crate) fn write_table(
    out: Option<&std::path::Path>,
    sheet_name: &str,
    headers: &[&str],
    rows: Vec<Vec<String>>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    match out {
        Some(path)
            if path
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("xlsx")) =>
        {
            let sheet = mtqg_xlsx::SheetData {
                name: sheet_name.to_owned(),
                headers: headers.iter().map(|h| (*h).to_owned()).collect(),
                rows: rows
                    .into_iter()
                    .map(|row| row.into_iter().map(mtqg_xlsx::Cell::Text).collect())
                    .collect(),
            };
            let bytes = mtqg_xlsx::write_xlsx(&[sheet])?;
            std::fs::write(path, bytes)
                .with_context(|| format!("while writing {}", path.display()))?;
        }
        Some(path) => {
            let mut writer = csv::Writer::from_path(path)
                .with_context(|| format!("while writing {}", path.display()))?;
            writer.write_record(headers)?;
            for row in rows {
                writer.write_record(row)?;
            }
            writer.flush()?;
        }
        None => print_rows(Format::Csv, headers, rows)?,
    }
    Ok(())
}

/// Who has reported, one line per expected unit, then the counts.
pub(crate) fn report_dashboard(dashboard: &mtqg_service::report::ReportDashboard) {
    println!(
        "{} — {} — nhận: {}",
        dashboard.kind.name,
        dashboard.period.label(),
        dashboard
            .unit
            .as_ref()
            .map(|unit| unit.name.as_str())
            .unwrap_or("Trung ương")
    );
    for row in &dashboard.rows {
        println!(
            "{}\t{}\t{}\thạn {}\t{}\t{}",
            row.unit.code,
            row.unit.name,
            row.status
                .map(|status| status.label())
                .unwrap_or("Chưa gửi"),
            vi::format_date(row.deadline),
            row.first_submitted_on
                .map(vi::format_date)
                .unwrap_or_default(),
            match row.on_time {
                Some(true) => "đúng hạn",
                Some(false) => "trễ hạn",
                None => "",
            }
        );
    }
    println!(
        "Phải gửi: {}; đã gửi: {}; đúng hạn: {}; đã duyệt: {}; bị trả lại: {}",
        dashboard.expected,
        dashboard.submitted,
        dashboard.on_time,
        dashboard.approved,
        dashboard.returned
    );
}

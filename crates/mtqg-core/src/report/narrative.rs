//! The narrative report (báo cáo) written from a unit's figures for a period, as a `layout::Document`: capital and
//! disbursement, new-rural development, poverty, tasks done and overdue, obstacles, next-period tasks, proposals.
//! Sentences are Vietnamese and numbers follow ../shared/DOMAIN.md §9 ("25.608,6 triệu đồng", "43,6%"); a part
//! with no data says so rather than printing zeros.

use chrono::NaiveDate;

use super::layout::{Block, Document, Signature, Table};
use super::period::Period;
use crate::vi;

/// Everything the narrative is written from; the service gathers it, the text is made here.
#[derive(Debug, Clone, PartialEq)]
pub struct NarrativeInput {
    pub parent_body: Option<String>,
    pub issuer: String,
    /// "Số: 123/BC-UBND" or empty for the clerk to fill.
    pub number: String,
    pub place: String,
    pub date: Option<NaiveDate>,
    /// The unit as written in the summary line: "tỉnh Lào Cai".
    pub unit_name: String,
    pub period: Period,
    /// Program names reported on.
    pub programs: Vec<String>,
    pub capital: Option<CapitalPart>,
    pub ntm: Option<NtmPart>,
    pub poverty: Option<PovertyPart>,
    pub tasks: TasksPart,
    pub obstacles: Vec<ObstacleLine>,
    /// Entered by hand: the overall assessment (đánh giá chung), may be empty.
    pub assessment: String,
    /// Entered by hand: proposals (kiến nghị, đề xuất), may be empty.
    pub proposals: String,
    pub recipients: Vec<String>,
    pub signature: Signature,
}

/// Money of the period's plan year, in whole đồng.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CapitalPart {
    pub plan_year: i32,
    pub plan: i64,
    pub disbursed: i64,
    /// Disbursed before the plan year began (cumulative from the phase's start).
    pub disbursed_before: i64,
    /// (label, plan, disbursed) by source and capital type.
    pub by_source: Vec<(String, i64, i64)>,
    pub will_lapse: i64,
    /// Child units below the average rate: (name, rate).
    pub slow_units: Vec<(String, Option<f64>)>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct NtmPart {
    pub n_xa: usize,
    pub standard_or_above: usize,
    pub advanced_or_above: usize,
    pub model: usize,
    pub avg_criteria: Option<f64>,
    pub at_risk: usize,
    /// Criteria met by the fewest xã: (name, n_met, n_assessed).
    pub weakest: Vec<(String, usize, usize)>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PovertyPart {
    pub year: i32,
    pub households: u64,
    pub poor: u64,
    pub near_poor: u64,
    /// Poverty rate of the previous year, to state the reduction.
    pub previous_rate: Option<f64>,
    pub em_households: u64,
    pub em_poor: u64,
    pub escaped: Option<u64>,
    pub fell_back: Option<u64>,
    pub newly: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TasksPart {
    pub total: usize,
    pub done: usize,
    pub done_late: usize,
    /// (number, content, agency, deadline) of tasks past their deadline and not done.
    pub overdue: Vec<TaskLine>,
    /// Open tasks carried into the next period.
    pub open: Vec<TaskLine>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskLine {
    pub number: String,
    pub content: String,
    pub agency: String,
    pub deadline: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObstacleLine {
    pub raised_by: String,
    pub content: String,
    pub answer: Option<String>,
}

/// Million đồng with the unit: "25.608,6 triệu đồng".
pub fn million(amount: i64) -> String {
    format!("{} triệu đồng", vi::format_million_dong(amount))
}

fn share(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole)
}

fn percent(ratio: Option<f64>) -> String {
    ratio
        .map(vi::format_percent)
        .unwrap_or_else(|| "-".to_owned())
}

/// Writes the narrative document.
pub fn write(input: &NarrativeInput) -> Document {
    let mut blocks = Vec::new();
    let period = input.period.label();
    blocks.push(Block::Paragraph(format!(
        "Thực hiện chế độ báo cáo định kỳ về tình hình thực hiện {}, Ủy ban nhân dân {} báo cáo kết quả {} như sau:",
        if input.programs.is_empty() {
            "các Chương trình mục tiêu quốc gia".to_owned()
        } else {
            input.programs.join("; ")
        },
        input.unit_name,
        period
    )));
    blocks.push(heading(1, "I. KẾT QUẢ THỰC HIỆN"));
    capital_blocks(input, &mut blocks);
    ntm_blocks(input, &mut blocks);
    poverty_blocks(input, &mut blocks);
    task_blocks(input, &mut blocks);
    if !input.assessment.trim().is_empty() {
        blocks.push(heading(2, "5. Đánh giá chung"));
        paragraphs(&input.assessment, &mut blocks);
    }
    blocks.push(heading(1, "II. KHÓ KHĂN, VƯỚNG MẮC"));
    if input.obstacles.is_empty() {
        blocks.push(Block::Paragraph(
            "Trong kỳ không có khó khăn, vướng mắc được phản ánh trên hệ thống.".to_owned(),
        ));
    }
    for (idx, obstacle) in input.obstacles.iter().enumerate() {
        let answer = match &obstacle.answer {
            Some(answer) => format!(" Đã được trả lời: {answer}"),
            None => " Chưa được trả lời.".to_owned(),
        };
        blocks.push(Block::Paragraph(format!(
            "{}. {} ({}).{}",
            idx + 1,
            obstacle.content.trim_end_matches('.'),
            obstacle.raised_by,
            answer
        )));
    }
    blocks.push(heading(1, "III. NHIỆM VỤ TRỌNG TÂM KỲ TỚI"));
    if input.tasks.open.is_empty() {
        blocks.push(Block::Paragraph(
            "Không có nhiệm vụ đang thực hiện chuyển sang kỳ tới.".to_owned(),
        ));
    }
    for (idx, task) in input.tasks.open.iter().enumerate() {
        blocks.push(Block::Paragraph(format!(
            "{}. {} ({}; thời hạn: {}).",
            idx + 1,
            task.content.trim_end_matches('.'),
            task.agency,
            task.deadline
                .map(vi::format_date)
                .unwrap_or_else(|| "thường xuyên".to_owned())
        )));
    }
    blocks.push(heading(1, "IV. KIẾN NGHỊ, ĐỀ XUẤT"));
    if input.proposals.trim().is_empty() {
        blocks.push(Block::Paragraph("Không có kiến nghị, đề xuất.".to_owned()));
    } else {
        paragraphs(&input.proposals, &mut blocks);
    }
    blocks.push(Block::Paragraph(format!(
        "Trên đây là báo cáo kết quả thực hiện {} của {}./.",
        period, input.unit_name
    )));
    Document {
        parent_body: input.parent_body.clone(),
        issuer: input.issuer.clone(),
        number: input.number.clone(),
        place: input.place.clone(),
        date: input.date,
        year: input
            .date
            .map(|date| chrono::Datelike::year(&date))
            .unwrap_or(input.period.year()),
        kind: "BÁO CÁO".to_owned(),
        summary: format!(
            "Kết quả thực hiện các Chương trình mục tiêu quốc gia {} trên địa bàn {}",
            period, input.unit_name
        ),
        blocks,
        recipients: input.recipients.clone(),
        signature: input.signature.clone(),
    }
}

fn heading(level: u8, text: &str) -> Block {
    Block::Heading {
        level,
        text: text.to_owned(),
    }
}

fn paragraphs(text: &str, blocks: &mut Vec<Block>) {
    for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
        blocks.push(Block::Paragraph(line.to_owned()));
    }
}

fn capital_blocks(input: &NarrativeInput, blocks: &mut Vec<Block>) {
    blocks.push(heading(2, "1. Huy động, phân bổ và giải ngân vốn"));
    let Some(capital) = &input.capital else {
        blocks.push(Block::Paragraph(
            "Chưa có số liệu vốn trên hệ thống cho kỳ báo cáo.".to_owned(),
        ));
        return;
    };
    let rate = share(capital.disbursed as f64, capital.plan as f64);
    let mut text = format!(
        "Tổng kế hoạch vốn năm {} là {} ({}); đến hết kỳ báo cáo đã giải ngân {}",
        capital.plan_year,
        million(capital.plan),
        vi::amount_in_words(capital.plan),
        million(capital.disbursed)
    );
    match rate {
        Some(rate) => text.push_str(&format!(", đạt {} kế hoạch.", vi::format_percent(rate))),
        None => text.push('.'),
    }
    if capital.disbursed_before > 0 {
        text.push_str(&format!(
            " Lũy kế giải ngân các năm trước đến 31/12/{} là {}.",
            capital.plan_year - 1,
            million(capital.disbursed_before)
        ));
    }
    blocks.push(Block::Paragraph(text));
    if !capital.by_source.is_empty() {
        let mut rows: Vec<Vec<String>> = capital
            .by_source
            .iter()
            .enumerate()
            .map(|(idx, (label, plan, disbursed))| {
                vec![
                    (idx + 1).to_string(),
                    label.clone(),
                    vi::format_million_dong(*plan),
                    vi::format_million_dong(*disbursed),
                    percent(share(*disbursed as f64, *plan as f64)),
                ]
            })
            .collect();
        rows.push(vec![
            String::new(),
            "Tổng cộng".to_owned(),
            vi::format_million_dong(capital.plan),
            vi::format_million_dong(capital.disbursed),
            percent(rate),
        ]);
        let total_row = rows.len() - 1;
        blocks.push(Block::Table(Table {
            unit_note: Some("Đơn vị tính: triệu đồng".to_owned()),
            header: ["STT", "Nguồn vốn", "Kế hoạch", "Giải ngân", "Tỷ lệ"]
                .map(str::to_owned)
                .to_vec(),
            rows,
            numeric: vec![false, false, true, true, true],
            bold_rows: vec![total_row],
        }));
    }
    if capital.will_lapse > 0 {
        blocks.push(Block::Paragraph(format!(
            "Theo tiến độ giải ngân 90 ngày gần nhất, dự kiến {} có nguy cơ không giải ngân hết trước thời hạn.",
            million(capital.will_lapse)
        )));
    }
    if !capital.slow_units.is_empty() {
        let names: Vec<String> = capital
            .slow_units
            .iter()
            .map(|(name, rate)| format!("{name} ({})", percent(*rate)))
            .collect();
        blocks.push(Block::Paragraph(format!(
            "Các đơn vị có tỷ lệ giải ngân thấp hơn mức chung: {}.",
            names.join(", ")
        )));
    }
}

fn ntm_blocks(input: &NarrativeInput, blocks: &mut Vec<Block>) {
    blocks.push(heading(2, "2. Xây dựng nông thôn mới"));
    let Some(ntm) = &input.ntm else {
        blocks.push(Block::Paragraph(
            "Chưa có số liệu nông thôn mới cho kỳ báo cáo.".to_owned(),
        ));
        return;
    };
    let whole = ntm.n_xa as f64;
    let mut text = format!(
        "Toàn {} có {} xã; {} xã đạt chuẩn nông thôn mới trở lên ({}), trong đó {} xã đạt chuẩn nâng cao trở lên và {} xã đạt chuẩn kiểu mẫu.",
        if input.unit_name.starts_with("xã") { "đơn vị" } else { "địa bàn" },
        vi::format_int(ntm.n_xa as i64),
        vi::format_int(ntm.standard_or_above as i64),
        percent(share(ntm.standard_or_above as f64, whole)),
        vi::format_int(ntm.advanced_or_above as i64),
        vi::format_int(ntm.model as i64)
    );
    if let Some(avg) = ntm.avg_criteria {
        text.push_str(&format!(
            " Bình quân đạt {} tiêu chí/xã.",
            vi::format_number(avg, 1)
        ));
    }
    if ntm.at_risk > 0 {
        text.push_str(&format!(
            " Có {} xã đã công nhận nhưng chưa đáp ứng đầy đủ bộ tiêu chí hiện hành, cần rà soát, củng cố.",
            vi::format_int(ntm.at_risk as i64)
        ));
    }
    blocks.push(Block::Paragraph(text));
    if !ntm.weakest.is_empty() {
        let parts: Vec<String> = ntm
            .weakest
            .iter()
            .map(|(name, met, assessed)| format!("{name} ({met}/{assessed} xã đạt)"))
            .collect();
        blocks.push(Block::Paragraph(format!(
            "Các tiêu chí đạt thấp nhất: {}.",
            parts.join("; ")
        )));
    }
}

fn poverty_blocks(input: &NarrativeInput, blocks: &mut Vec<Block>) {
    blocks.push(heading(2, "3. Giảm nghèo bền vững"));
    let Some(poverty) = &input.poverty else {
        blocks.push(Block::Paragraph(
            "Chưa có danh sách hộ nghèo được công nhận để tổng hợp.".to_owned(),
        ));
        return;
    };
    let rate = share(poverty.poor as f64, poverty.households as f64);
    let mut text = format!(
        "Theo kết quả rà soát năm {}, toàn địa bàn có {} hộ nghèo, tỷ lệ {} và {} hộ cận nghèo, tỷ lệ {} trên tổng số {} hộ.",
        poverty.year,
        vi::format_int(poverty.poor as i64),
        percent(rate),
        vi::format_int(poverty.near_poor as i64),
        percent(share(poverty.near_poor as f64, poverty.households as f64)),
        vi::format_int(poverty.households as i64)
    );
    if let (Some(previous), Some(rate)) = (poverty.previous_rate, rate) {
        let points = (previous - rate) * 100.0;
        if points >= 0.0 {
            text.push_str(&format!(
                " Tỷ lệ hộ nghèo giảm {} điểm phần trăm so với năm trước.",
                vi::format_number(points, 2)
            ));
        } else {
            text.push_str(&format!(
                " Tỷ lệ hộ nghèo tăng {} điểm phần trăm so với năm trước.",
                vi::format_number(-points, 2)
            ));
        }
    }
    if poverty.em_households > 0 {
        text.push_str(&format!(
            " Hộ dân tộc thiểu số: {} hộ nghèo trên {} hộ ({}).",
            vi::format_int(poverty.em_poor as i64),
            vi::format_int(poverty.em_households as i64),
            percent(share(poverty.em_poor as f64, poverty.em_households as f64))
        ));
    }
    blocks.push(Block::Paragraph(text));
    if let (Some(escaped), Some(fell_back), Some(newly)) =
        (poverty.escaped, poverty.fell_back, poverty.newly)
    {
        blocks.push(Block::Paragraph(format!(
            "Trong năm có {} hộ thoát nghèo, {} hộ tái nghèo và {} hộ nghèo phát sinh mới.",
            vi::format_int(escaped as i64),
            vi::format_int(fell_back as i64),
            vi::format_int(newly as i64)
        )));
    }
}

fn task_blocks(input: &NarrativeInput, blocks: &mut Vec<Block>) {
    blocks.push(heading(2, "4. Thực hiện nhiệm vụ được giao"));
    let tasks = &input.tasks;
    if tasks.total == 0 {
        blocks.push(Block::Paragraph(
            "Trong kỳ không có nhiệm vụ được giao theo dõi trên hệ thống.".to_owned(),
        ));
        return;
    }
    blocks.push(Block::Paragraph(format!(
        "Tổng số nhiệm vụ được giao: {}; đã hoàn thành {} ({}), trong đó {} nhiệm vụ hoàn thành chậm so với thời hạn; {} nhiệm vụ quá hạn chưa hoàn thành.",
        tasks.total,
        tasks.done,
        percent(share(tasks.done as f64, tasks.total as f64)),
        tasks.done_late,
        tasks.overdue.len()
    )));
    if !tasks.overdue.is_empty() {
        blocks.push(Block::Table(Table {
            unit_note: None,
            header: ["Số", "Nhiệm vụ quá hạn", "Cơ quan chủ trì", "Thời hạn"]
                .map(str::to_owned)
                .to_vec(),
            rows: tasks
                .overdue
                .iter()
                .map(|task| {
                    vec![
                        task.number.clone(),
                        task.content.clone(),
                        task.agency.clone(),
                        task.deadline.map(vi::format_date).unwrap_or_default(),
                    ]
                })
                .collect(),
            numeric: vec![false, false, false, false],
            bold_rows: Vec::new(),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> NarrativeInput {
        NarrativeInput {
            parent_body: None,
            issuer: "ỦY BAN NHÂN DÂN\nTỈNH LÀO CAI".to_owned(),
            number: "Số: 123/BC-UBND".to_owned(),
            place: "Lào Cai".to_owned(),
            date: NaiveDate::from_ymd_opt(2025, 7, 5),
            unit_name: "tỉnh Lào Cai".to_owned(),
            period: Period::FirstHalf(2025),
            programs: vec!["Chương trình MTQG xây dựng nông thôn mới".to_owned()],
            capital: Some(CapitalPart {
                plan_year: 2025,
                plan: 51_673_000_000,
                disbursed: 22_529_428_000,
                disbursed_before: 0,
                by_source: vec![(
                    "Ngân sách trung ương - Vốn đầu tư phát triển".to_owned(),
                    51_673_000_000,
                    22_529_428_000,
                )],
                will_lapse: 1_000_000_000,
                slow_units: vec![("Xã A".to_owned(), Some(0.12))],
            }),
            ntm: Some(NtmPart {
                n_xa: 100,
                standard_or_above: 43,
                advanced_or_above: 10,
                model: 2,
                avg_criteria: Some(16.4),
                at_risk: 3,
                weakest: vec![("Nghèo đa chiều".to_owned(), 20, 90)],
            }),
            poverty: None,
            tasks: TasksPart {
                total: 4,
                done: 2,
                done_late: 1,
                overdue: vec![TaskLine {
                    number: "3".to_owned(),
                    content: "Hoàn thành giải ngân vốn sự nghiệp".to_owned(),
                    agency: "Sở Tài chính".to_owned(),
                    deadline: NaiveDate::from_ymd_opt(2025, 6, 15),
                }],
                open: Vec::new(),
            },
            obstacles: vec![ObstacleLine {
                raised_by: "Xã A".to_owned(),
                content: "Thiếu hướng dẫn lồng ghép vốn".to_owned(),
                answer: None,
            }],
            assessment: String::new(),
            proposals: "Đề nghị Trung ương sớm ban hành hướng dẫn.".to_owned(),
            recipients: vec!["- Ban Chỉ đạo Trung ương;".to_owned()],
            signature: Signature {
                on_behalf: "TM. ỦY BAN NHÂN DÂN".to_owned(),
                position: "CHỦ TỊCH".to_owned(),
                name: "Nguyễn Văn A".to_owned(),
            },
        }
    }

    fn text(doc: &Document) -> String {
        doc.blocks
            .iter()
            .map(|block| match block {
                Block::Heading { text, .. } | Block::Paragraph(text) => text.clone(),
                Block::Table(table) => table
                    .rows
                    .iter()
                    .map(|row| row.join(" | "))
                    .collect::<Vec<_>>()
                    .join("\n"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_capital_section_states_plan_in_words_disbursement_and_rate() {
        let doc = write(&input());
        let body = text(&doc);
        assert!(
            body.contains("51.673 triệu đồng (năm mươi mốt tỷ sáu trăm bảy mươi ba triệu đồng)"),
            "{body}"
        );
        assert!(
            body.contains("đã giải ngân 22.529,4 triệu đồng, đạt 43,6% kế hoạch"),
            "{body}"
        );
        assert!(body.contains("Xã A (12%)"), "{body}");
        assert!(
            body.contains("43 xã đạt chuẩn nông thôn mới trở lên (43%)"),
            "{body}"
        );
        assert!(body.contains("Bình quân đạt 16,4 tiêu chí/xã"), "{body}");
    }

    #[test]
    fn missing_parts_say_so_instead_of_printing_zeros() {
        let doc = write(&input());
        let body = text(&doc);
        assert!(
            body.contains("Chưa có danh sách hộ nghèo được công nhận"),
            "{body}"
        );
        assert!(
            body.contains("Không có nhiệm vụ đang thực hiện chuyển sang kỳ tới"),
            "{body}"
        );
        assert!(
            body.contains("Thiếu hướng dẫn lồng ghép vốn (Xã A). Chưa được trả lời."),
            "{body}"
        );
        assert!(
            body.contains("1 nhiệm vụ quá hạn chưa hoàn thành"),
            "{body}"
        );
    }

    #[test]
    fn the_document_carries_the_summary_line_and_ends_with_the_closing_sentence() {
        let doc = write(&input());
        assert_eq!(doc.kind, "BÁO CÁO");
        assert!(doc
            .summary
            .contains("6 tháng đầu năm 2025 trên địa bàn tỉnh Lào Cai"));
        match doc.blocks.last() {
            Some(Block::Paragraph(last)) => assert!(last.ends_with("./."), "{last}"),
            other => panic!("{other:?}"),
        }
        let headings: Vec<&str> = doc
            .blocks
            .iter()
            .filter_map(|block| match block {
                Block::Heading { level: 1, text } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(headings.len(), 4);
    }

    #[test]
    fn poverty_reduction_is_stated_in_percentage_points() {
        let mut input = input();
        input.poverty = Some(PovertyPart {
            year: 2024,
            households: 1_000,
            poor: 100,
            near_poor: 50,
            previous_rate: Some(0.125),
            em_households: 400,
            em_poor: 80,
            escaped: Some(30),
            fell_back: Some(2),
            newly: Some(5),
        });
        let body = text(&write(&input));
        assert!(body.contains("100 hộ nghèo, tỷ lệ 10%"), "{body}");
        assert!(body.contains("giảm 2,5 điểm phần trăm"), "{body}");
        assert!(body.contains("80 hộ nghèo trên 400 hộ (20%)"), "{body}");
        assert!(
            body.contains("30 hộ thoát nghèo, 2 hộ tái nghèo và 5 hộ nghèo phát sinh mới"),
            "{body}"
        );
    }
}

//! Tests of the notice parser on notices written for the tests in the shape of real ones, and of task statuses.

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn registry() -> Vec<AgencyNames> {
    let agency = |code: &str, names: &[&str]| AgencyNames {
        code: code.to_owned(),
        names: names.iter().map(|n| (*n).to_owned()).collect(),
    };
    vec![
        agency("SKHDT", &["Sở Kế hoạch và Đầu tư", "Sở KH&ĐT", "Sở KHĐT"]),
        agency("STC", &["Sở Tài chính"]),
        agency(
            "SNNPTNT",
            &["Sở Nông nghiệp và Phát triển nông thôn", "Sở NN&PTNT"],
        ),
        agency(
            "VPDP",
            &[
                "Văn phòng Điều phối nông thôn mới tỉnh",
                "VP Điều phối NTM",
                "Văn phòng Điều phối NTM",
            ],
        ),
        agency(
            "SLDTBXH",
            &["Sở Lao động - Thương binh và Xã hội", "Sở LĐ-TB&XH"],
        ),
    ]
}

const NOTICE: &str = "THÔNG BÁO
Kết luận của Phó Chủ tịch UBND tỉnh tại cuộc họp Ban Chỉ đạo các Chương trình mục tiêu quốc gia

Để hoàn thành các mục tiêu năm 2023, Phó Chủ tịch UBND tỉnh kết luận như sau:
1. Sở Kế hoạch và Đầu tư chủ trì, phối hợp Sở Tài chính tham mưu phân bổ vốn còn lại, chậm nhất trước 31/12/2023.
2. Đề nghị Sở NN&PTNT đôn đốc các huyện hoàn thiện hồ sơ xét công nhận xã đạt chuẩn
nông thôn mới trong tháng 9/2023.
3. Các sở, ngành theo chức năng, nhiệm vụ tiếp tục theo dõi, hướng dẫn các địa phương (thường xuyên).
10. Văn phòng Điều phối nông thôn mới tỉnh:
- Tổng hợp kết quả thực hiện các tiêu chí, báo cáo trước ngày 15/10.
- Phối hợp Sở LĐ-TB&XH rà soát hộ nghèo trong quý III/2023.
- Sở Du lịch chủ trì xây dựng sản phẩm du lịch nông thôn, trước 30/11/2023.
";

#[test]
fn numbered_items_become_tasks_with_their_lead_coordinating_agencies_and_deadlines() {
    let parsed = parse_notice(NOTICE, day(2023, 9, 6), &registry());
    assert!(!parsed.by_paragraph);
    let numbers: Vec<&str> = parsed.tasks.iter().map(|t| t.number.as_str()).collect();
    assert_eq!(numbers, ["1", "2", "3", "10.1", "10.2", "10.3"]);
    let first = &parsed.tasks[0];
    assert_eq!(first.lead.as_deref(), Some("SKHDT"));
    assert_eq!(first.coordinating, ["STC"]);
    assert_eq!(first.deadline, Deadline::By(day(2023, 12, 31)));
    let second = &parsed.tasks[1];
    assert_eq!(
        second.lead.as_deref(),
        Some("SNNPTNT"),
        "abbreviation recognised"
    );
    assert!(
        second.text.contains("xã đạt chuẩn nông thôn mới"),
        "continuation line joined"
    );
    assert_eq!(
        second.deadline,
        Deadline::By(day(2023, 9, 30)),
        "end of the month"
    );
    assert_eq!(parsed.tasks[2].deadline, Deadline::Ongoing);
    assert_eq!(
        parsed.tasks[2].lead, None,
        "no agency named: the officer picks one"
    );
}

#[test]
fn bullets_under_an_agency_heading_are_led_by_it_unless_they_name_their_own_lead() {
    let parsed = parse_notice(NOTICE, day(2023, 9, 6), &registry());
    let report = &parsed.tasks[3];
    assert_eq!(report.lead.as_deref(), Some("VPDP"));
    assert_eq!(
        report.deadline,
        Deadline::By(day(2023, 10, 15)),
        "the meeting's year completes \"trước ngày 15/10\""
    );
    let review = &parsed.tasks[4];
    assert_eq!(review.lead.as_deref(), Some("VPDP"));
    assert_eq!(review.coordinating, ["SLDTBXH"]);
    assert_eq!(
        review.deadline,
        Deadline::By(day(2023, 9, 30)),
        "end of quarter III"
    );
    let tourism = &parsed.tasks[5];
    assert_eq!(
        tourism.unknown_agencies,
        ["Sở Du lịch"],
        "offered for creation, not dropped"
    );
    assert_eq!(tourism.deadline, Deadline::By(day(2023, 11, 30)));
}

#[test]
fn a_day_and_month_already_past_at_the_meeting_fall_in_the_next_year() {
    assert_eq!(
        deadline("báo cáo trước ngày 15/01", day(2023, 12, 20)),
        Deadline::By(day(2024, 1, 15))
    );
    assert_eq!(
        deadline("hoàn thành trong quý IV năm 2024", day(2024, 1, 2)),
        Deadline::By(day(2024, 12, 31))
    );
    assert_eq!(deadline("triển khai ngay", day(2024, 1, 2)), Deadline::None);
}

#[test]
fn text_without_numbered_items_gives_one_task_per_paragraph_and_says_so() {
    let text = "Sở Tài chính bố trí kinh phí đối ứng.\n\nVăn phòng Điều phối NTM tổng hợp báo cáo thường xuyên.";
    let parsed = parse_notice(text, day(2024, 3, 1), &registry());
    assert!(parsed.by_paragraph);
    assert_eq!(parsed.tasks.len(), 2);
    assert_eq!(parsed.tasks[0].lead.as_deref(), Some("STC"));
    assert_eq!(parsed.tasks[1].lead.as_deref(), Some("VPDP"));
    assert_eq!(parsed.tasks[1].deadline, Deadline::Ongoing);
    assert!(parse_notice("   \n\n  ", day(2024, 3, 1), &registry())
        .tasks
        .is_empty());
}

#[test]
fn numbers_inside_sentences_are_not_item_numbers() {
    let parsed = parse_notice(
        "1. Giải ngân 1.5 tỷ đồng\n2. Hoàn thành 31/12 các tiêu chí",
        day(2024, 3, 1),
        &registry(),
    );
    assert_eq!(parsed.tasks.len(), 2);
    assert!(parsed.tasks[0].text.contains("1.5 tỷ"));
}

#[test]
fn a_tasks_status_follows_its_deadline_and_completion() {
    let due = Deadline::By(day(2023, 12, 31));
    let today = day(2024, 1, 5);
    assert_eq!(
        task_status(due, false, None, day(2023, 12, 1)),
        TaskStatus::NotStarted
    );
    assert_eq!(
        task_status(due, true, None, day(2023, 12, 31)),
        TaskStatus::InProgressOnTime,
        "due day itself is on time"
    );
    assert_eq!(task_status(due, true, None, today), TaskStatus::Overdue);
    assert_eq!(
        task_status(due, true, Some(day(2023, 12, 31)), today),
        TaskStatus::DoneOnTime
    );
    assert_eq!(
        task_status(due, true, Some(day(2024, 1, 2)), today),
        TaskStatus::DoneLate
    );
    assert_eq!(
        task_status(Deadline::Ongoing, true, None, today),
        TaskStatus::InProgressOnTime
    );
    assert_eq!(TaskStatus::DoneLate.label(), "Hoàn thành quá hạn");
}

#[test]
fn target_measures_read_back_from_their_codes_and_report_progress() {
    for measure in Measure::ALL {
        assert_eq!(Measure::from_code(measure.code()), Some(measure));
    }
    assert_eq!(Measure::from_code("khac"), None);
    assert_eq!(Measure::PovertyReduction.progress(4.43, 4.0), Some(110.75));
    assert_eq!(Measure::NtmXaShare.progress(10.0, 0.0), None);
}

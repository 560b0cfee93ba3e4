//! Generated direction data for one province: its agencies (with the abbreviations notices use), two steering
//! committee meetings whose conclusion notices are read by the same parser an officer uses, progress reports that
//! put the tasks in every status, and obstacles answered or waiting. Written through the service calls of the forms.

use chrono::{Duration, NaiveDate};

use crate::auth::Actor;
use crate::direction::{AgencyInput, MeetingInput, TaskInput};
use crate::{Service, ServiceError};

const AGENCIES: &[(&str, &str, &str)] = &[
    ("SKHDT", "Sở Kế hoạch và Đầu tư", "Sở KH&ĐT; Sở KHĐT"),
    ("STC", "Sở Tài chính", ""),
    (
        "SNNMT",
        "Sở Nông nghiệp và Môi trường",
        "Sở NN&MT; Sở Nông nghiệp và PTNT; Sở NN&PTNT",
    ),
    (
        "VPDP",
        "Văn phòng Điều phối nông thôn mới tỉnh",
        "VP Điều phối NTM; Văn phòng Điều phối NTM",
    ),
    ("SDTTG", "Sở Dân tộc và Tôn giáo", "Ban Dân tộc tỉnh"),
    ("SYT", "Sở Y tế", ""),
];

/// The demo notice of the first meeting; deadlines are relative to the meeting so every status shows today.
fn first_notice(held: NaiveDate) -> String {
    let d = |days: i64| mtqg_core::vi::format_date(held + Duration::days(days));
    format!(
        "THÔNG BÁO
Kết luận của Phó Chủ tịch UBND tỉnh tại hội nghị Ban Chỉ đạo các Chương trình mục tiêu quốc gia
1. Sở Kế hoạch và Đầu tư chủ trì, phối hợp Sở Tài chính tham mưu phân bổ chi tiết vốn còn lại, chậm nhất trước {}.
2. Sở Tài chính chủ trì hướng dẫn thủ tục thanh toán vốn sự nghiệp, chậm nhất trước {}.
3. Sở NN&MT chủ trì, phối hợp Văn phòng Điều phối NTM hoàn thiện hồ sơ xét công nhận xã đạt chuẩn, chậm nhất trước {}.
4. Văn phòng Điều phối nông thôn mới tỉnh:
- Tổng hợp kết quả thực hiện các tiêu chí của các xã, báo cáo trước {}.
- Theo dõi, đôn đốc tiến độ giải ngân của các chủ đầu tư (thường xuyên).
5. Ban Dân tộc tỉnh chủ trì rà soát danh sách thôn đặc biệt khó khăn, chậm nhất trước {}.
",
        d(25),
        d(40),
        d(60),
        d(400),
        d(500),
    )
}

fn second_notice(held: NaiveDate) -> String {
    let d = |days: i64| mtqg_core::vi::format_date(held + Duration::days(days));
    format!(
        "THÔNG BÁO
Kết luận tại cuộc họp kiểm điểm việc thực hiện kết luận hội nghị trước
1. Sở Y tế chủ trì, phối hợp Sở Tài chính nâng tỷ lệ người tham gia bảo hiểm y tế ở các xã nghèo, chậm nhất trước {}.
2. Sở KH&ĐT tổng hợp đề xuất kế hoạch vốn năm sau, chậm nhất trước {}.
",
        d(200),
        d(90),
    )
}

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct DirectionDemoReport {
    pub n_meetings: usize,
    pub n_tasks: usize,
    pub n_obstacles: usize,
}

impl Service {
    /// Generates the direction demo of `province` (a code valid today) around `today`.
    pub async fn generate_direction(
        &self,
        province: &str,
        today: NaiveDate,
    ) -> Result<DirectionDemoReport, ServiceError> {
        let actor = Actor::system();
        let known = self.agencies(&actor).await?;
        for (code, name, abbreviations) in AGENCIES {
            if known.iter().any(|a| a.code == *code) {
                continue;
            }
            self.add_agency(
                &actor,
                &AgencyInput {
                    unit_code: province.to_owned(),
                    code: (*code).to_owned(),
                    name: (*name).to_owned(),
                    abbreviations: (*abbreviations).to_owned(),
                    valid_from: None,
                    valid_to: None,
                },
            )
            .await?;
        }
        let mut report = DirectionDemoReport::default();
        let first_held = today - Duration::days(120);
        let second_held = today - Duration::days(20);
        let mut previous = None;
        for (held, title, number, text) in [
            (
                first_held,
                "Hội nghị Ban Chỉ đạo các Chương trình mục tiêu quốc gia tỉnh",
                "125/TB-VPUBND",
                first_notice(first_held),
            ),
            (
                second_held,
                "Cuộc họp kiểm điểm việc thực hiện kết luận của Ban Chỉ đạo",
                "310/TB-VPUBND",
                second_notice(second_held),
            ),
        ] {
            let parsed = self.propose_tasks(&actor, held, &text).await?;
            let tasks: Vec<TaskInput> = parsed
                .tasks
                .iter()
                .map(|t| TaskInput {
                    number: t.number.clone(),
                    content: t.text.clone(),
                    lead: t.lead.clone(),
                    coordinating: t.coordinating.clone(),
                    deadline: t.deadline,
                })
                .collect();
            report.n_tasks += tasks.len();
            let id = self
                .record_meeting(
                    &actor,
                    &MeetingInput {
                        unit_code: province.to_owned(),
                        held_on: held,
                        title: title.to_owned(),
                        chair: "Phó Chủ tịch UBND tỉnh, Phó Trưởng Ban Chỉ đạo".to_owned(),
                        notice_number: number.to_owned(),
                        notice_date: Some(held + Duration::days(3)),
                        signer: "Chánh Văn phòng UBND tỉnh".to_owned(),
                        notice_text: text.clone(),
                        follows: previous,
                        tasks,
                    },
                )
                .await?;
            previous = Some(id);
            report.n_meetings += 1;
            // Progress that puts the first meeting's tasks in every status.
            if held == first_held {
                let (_, _, views) = self.meeting_page(&actor, id, today).await?;
                for (idx, view) in views.iter().enumerate() {
                    let due = view.task.due_on;
                    let (on, done) = match (idx, due) {
                        (0, Some(due)) => (due - Duration::days(2), true), // done on time
                        (1, Some(due)) => (due + Duration::days(10), true), // done late
                        (2, _) => (held + Duration::days(15), false),      // started, now overdue
                        (3, _) => (held + Duration::days(30), false),      // in progress, on time
                        _ => continue,                                     // not started
                    };
                    if on <= today {
                        self.report_task(
                            &actor,
                            view.task.id,
                            view.task.version,
                            on,
                            "Đã triển khai",
                            done,
                        )
                        .await?;
                    }
                }
            }
        }
        let answered = self
            .raise_unit_obstacle(
                &actor,
                province,
                "STC",
                "Chưa có hướng dẫn thanh toán vốn sự nghiệp cho nội dung hỗ trợ phát triển sản xuất",
                "Kho bạc yêu cầu bổ sung hồ sơ; đề nghị Sở Tài chính hướng dẫn",
                None,
            )
            .await?;
        self.answer_unit_obstacle(
            &actor,
            answered,
            "Đã có Công văn hướng dẫn gửi các địa phương",
            true,
        )
        .await?;
        self.raise_unit_obstacle(
            &actor,
            province,
            "SNNMT",
            "Vướng mắc tiêu chí môi trường của xã sau sắp xếp",
            "Xã hình thành sau sắp xếp chưa có hướng dẫn đánh giá lại",
            Some(today),
        )
        .await?;
        report.n_obstacles = 2;
        Ok(report)
    }
}

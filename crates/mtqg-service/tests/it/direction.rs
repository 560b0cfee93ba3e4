//! Direction stories: agencies, a pasted conclusion notice read into tasks and saved, progress with statuses and
//! concurrent edits, the agency dashboard, obstacles; and the bad input of the issue.

use mtqg_core::access::Role;
use mtqg_core::direction::{Deadline, TaskStatus};
use mtqg_service::direction::{AgencyInput, MeetingInput, TaskInput};
use mtqg_service::{Actor, Service, ServiceError};

use crate::support::date;

const NOTICE: &str = "THÔNG BÁO KẾT LUẬN
1. Sở Kế hoạch và Đầu tư chủ trì, phối hợp Sở Tài chính tham mưu phân bổ vốn còn lại, chậm nhất trước 31/12/2023.
2. Đề nghị Sở NN&PTNT đôn đốc hoàn thiện hồ sơ xét công nhận xã đạt chuẩn trong tháng 9/2023.
3. Văn phòng Điều phối NTM:
- Tổng hợp kết quả thực hiện các tiêu chí, báo cáo trước ngày 15/10.
- Sở Du lịch chủ trì xây dựng sản phẩm du lịch nông thôn (thường xuyên).
";

async fn setup() -> (mtqg_test_support::TestDb, Service) {
    let (db, service) = crate::support::service_with_shipped_geography().await;
    let admin = Actor::system();
    for (code, name, abbreviations) in [
        ("SKHDT", "Sở Kế hoạch và Đầu tư", "Sở KH&ĐT; Sở KHĐT"),
        ("STC", "Sở Tài chính", ""),
        (
            "SNNPTNT",
            "Sở Nông nghiệp và Phát triển nông thôn",
            "Sở NN&PTNT",
        ),
        (
            "VPDP",
            "Văn phòng Điều phối nông thôn mới tỉnh",
            "VP Điều phối NTM; Văn phòng Điều phối NTM",
        ),
    ] {
        service
            .add_agency(
                &admin,
                &AgencyInput {
                    unit_code: "38".to_owned(),
                    code: code.to_owned(),
                    name: name.to_owned(),
                    abbreviations: abbreviations.to_owned(),
                    valid_from: None,
                    valid_to: None,
                },
            )
            .await
            .expect("agency added");
    }
    (db, service)
}

fn target(
    measure: mtqg_core::direction::Measure,
    unit: &str,
    year: i32,
    value: f64,
    due: &str,
) -> mtqg_service::direction::TargetInput {
    mtqg_service::direction::TargetInput {
        measure,
        unit_code: unit.to_owned(),
        year,
        value,
        due_on: date(due),
    }
}

fn inputs(parsed: &mtqg_core::direction::ParsedNotice) -> Vec<TaskInput> {
    parsed
        .tasks
        .iter()
        .map(|task| TaskInput {
            number: task.number.clone(),
            content: task.text.clone(),
            lead: task.lead.clone(),
            coordinating: task.coordinating.clone(),
            deadline: task.deadline,
        })
        .collect()
}

fn meeting(tasks: Vec<TaskInput>) -> MeetingInput {
    MeetingInput {
        unit_code: "38".to_owned(),
        held_on: date("2023-09-06"),
        title: "Hội nghị Ban Chỉ đạo các CTMTQG tỉnh".to_owned(),
        chair: "Phó Chủ tịch UBND tỉnh".to_owned(),
        notice_number: "3691/TB-VPUBND".to_owned(),
        notice_date: Some(date("2023-09-06")),
        signer: "Chánh Văn phòng".to_owned(),
        notice_text: NOTICE.to_owned(),
        follows: None,
        tasks,
    }
}

#[tokio::test]
async fn a_pasted_notice_becomes_tasks_once_its_unknown_agency_is_added() {
    let (_db, service) = setup().await;
    let admin = Actor::system();
    let empty = service
        .propose_tasks(&admin, date("2023-09-06"), "  \n ")
        .await;
    assert!(
        matches!(empty, Err(ServiceError::Invalid(ref m)) if m.contains("chưa dán")),
        "{empty:?}"
    );

    let parsed = service
        .propose_tasks(&admin, date("2023-09-06"), NOTICE)
        .await
        .expect("proposed");
    assert_eq!(parsed.tasks.len(), 4);
    assert_eq!(parsed.tasks[0].lead.as_deref(), Some("SKHDT"));
    assert_eq!(parsed.tasks[0].coordinating, ["STC"]);
    assert_eq!(parsed.tasks[1].lead.as_deref(), Some("SNNPTNT"));
    assert_eq!(parsed.tasks[3].unknown_agencies, ["Sở Du lịch"]);

    // The officer sets the unknown agency as lead: refused until it is in the registry.
    let mut tasks = inputs(&parsed);
    tasks[3].lead = Some("SDL".to_owned());
    let refused = service
        .record_meeting(&admin, &meeting(tasks.clone()))
        .await;
    assert!(
        matches!(refused, Err(ServiceError::Invalid(ref m)) if m.contains("\"SDL\" chưa có trong danh mục")),
        "{refused:?}"
    );
    service
        .add_agency(
            &admin,
            &AgencyInput {
                unit_code: "38".to_owned(),
                code: "SDL".to_owned(),
                name: "Sở Du lịch".to_owned(),
                abbreviations: String::new(),
                valid_from: None,
                valid_to: None,
            },
        )
        .await
        .expect("added");
    let id = service
        .record_meeting(&admin, &meeting(tasks))
        .await
        .expect("recorded");
    let (record, unit, views) = service
        .meeting_page(&admin, id, date("2023-09-10"))
        .await
        .expect("page");
    assert_eq!(record.notice_number, "3691/TB-VPUBND");
    assert_eq!(unit.expect("unit").code, "38");
    assert_eq!(views.len(), 4);
    assert!(views.iter().all(|v| v.status == TaskStatus::NotStarted));
    assert_eq!(views[3].lead.as_ref().map(|a| a.code.as_str()), Some("SDL"));
}

#[tokio::test]
async fn a_deadline_before_the_meeting_and_an_agency_outside_scope_are_refused() {
    let (_db, service) = setup().await;
    let admin = Actor::system();
    let task = |deadline, lead: &str| TaskInput {
        number: "1".to_owned(),
        content: "Tham mưu phân bổ vốn".to_owned(),
        lead: Some(lead.to_owned()),
        coordinating: Vec::new(),
        deadline,
    };
    let early = service
        .record_meeting(
            &admin,
            &meeting(vec![task(Deadline::By(date("2023-08-31")), "SKHDT")]),
        )
        .await;
    assert!(
        matches!(early, Err(ServiceError::Invalid(ref m)) if m.contains("trước ngày họp 06/09/2023")),
        "{early:?}"
    );
    let hanoi = service
        .unit_at(&admin, "01", date("2023-09-06"))
        .await
        .expect("Hà Nội");
    let officer = Actor {
        role: Role::Agency,
        scope_unit_id: Some(hanoi.id),
        ..Actor::system()
    };
    let mut elsewhere = meeting(vec![task(Deadline::Ongoing, "SKHDT")]);
    elsewhere.unit_code = "01".to_owned();
    let outside = service.record_meeting(&officer, &elsewhere).await;
    assert!(
        matches!(outside, Err(ServiceError::Invalid(ref m)) if m.contains("ngoài phạm vi")),
        "{outside:?}"
    );
    let in_other_province = service.record_meeting(&officer, &meeting(vec![])).await;
    assert!(
        matches!(in_other_province, Err(ServiceError::Forbidden)),
        "{in_other_province:?}"
    );
}

#[tokio::test]
async fn progress_moves_a_task_through_its_statuses_and_a_stale_edit_is_refused() {
    let (_db, service) = setup().await;
    let admin = Actor::system();
    let parsed = service
        .propose_tasks(&admin, date("2023-09-06"), NOTICE)
        .await
        .expect("proposed");
    let mut tasks = inputs(&parsed);
    tasks.truncate(3);
    let id = service
        .record_meeting(&admin, &meeting(tasks))
        .await
        .expect("recorded");
    let (_, _, views) = service
        .meeting_page(&admin, id, date("2023-09-10"))
        .await
        .unwrap();
    let report = &views[2].task; // due 15/10/2023
    let status = service
        .report_task(
            &admin,
            report.id,
            report.version,
            date("2023-10-01"),
            "Đã tổng hợp 12/19 tiêu chí",
            false,
        )
        .await
        .expect("reported");
    assert_eq!(status, TaskStatus::InProgressOnTime);
    let stale = service
        .report_task(
            &admin,
            report.id,
            report.version,
            date("2023-10-02"),
            "Bản cũ",
            false,
        )
        .await;
    assert!(
        matches!(stale, Err(ServiceError::Conflict { .. })),
        "{stale:?}"
    );
    let (_, _, views) = service
        .meeting_page(&admin, id, date("2023-10-20"))
        .await
        .unwrap();
    assert_eq!(views[2].status, TaskStatus::Overdue);
    let current = views[2].task.version;
    let done = service
        .report_task(
            &admin,
            report.id,
            current,
            date("2023-10-25"),
            "Đã gửi báo cáo",
            true,
        )
        .await
        .expect("done");
    assert_eq!(done, TaskStatus::DoneLate);

    let dashboard = service
        .agency_dashboard(&admin, "SKHDT", date("2024-01-05"))
        .await
        .expect("dashboard");
    assert_eq!(dashboard.tasks.len(), 1);
    assert_eq!(dashboard.overdue, 1, "due 31/12/2023, not reported");
    let coordinating = service
        .agency_dashboard(&admin, "STC", date("2023-12-26"))
        .await
        .expect("dashboard");
    assert_eq!(
        coordinating.tasks.len(),
        1,
        "a coordinating agency sees the task"
    );
    assert_eq!(coordinating.due_within_week, 1);
}

#[tokio::test]
async fn an_obstacle_is_routed_answered_and_closed_and_a_late_answer_is_flagged() {
    let (_db, service) = setup().await;
    let admin = Actor::system();
    let today = chrono::Utc::now().date_naive();
    let id = service
        .raise_unit_obstacle(
            &admin,
            "38",
            "STC",
            "Chưa có hướng dẫn thanh toán vốn sự nghiệp",
            "Kho bạc yêu cầu bổ sung hồ sơ",
            Some(today),
        )
        .await
        .expect("raised");
    let close_first = service.answer_unit_obstacle(&admin, id, "", true).await;
    assert!(
        matches!(close_first, Err(ServiceError::Invalid(_))),
        "{close_first:?}"
    );
    let later = service
        .agency_dashboard(&admin, "STC", today + chrono::Duration::days(3))
        .await
        .expect("dashboard");
    assert!(later.obstacles[0].1, "the answer is overdue");
    service
        .answer_unit_obstacle(&admin, id, "Đã có Công văn hướng dẫn", true)
        .await
        .expect("answered and closed");
    let again = service
        .answer_unit_obstacle(&admin, id, "Trả lời lại", false)
        .await;
    assert!(
        matches!(&again, Err(ServiceError::Conflict { message })
            if message.contains("đã được trả lời") && message.contains("chưa được ghi")),
        "a second answer is refused and says the typed answer was not written: {again:?}"
    );
    let closed_again = service.answer_unit_obstacle(&admin, id, "", true).await;
    assert!(
        matches!(&closed_again, Err(ServiceError::Conflict { message }) if message.contains("đã được đóng")),
        "{closed_again:?}"
    );
    let after = service
        .agency_dashboard(&admin, "STC", today)
        .await
        .unwrap();
    assert!(after.obstacles[0].0.closed_on.is_some());
    assert!(!after.obstacles[0].1);
}

#[tokio::test]
async fn the_demo_province_has_two_meetings_with_tasks_in_every_status() {
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let admin = Actor::system();
    // The demo's deadlines are relative to today and the use cases check them against the clock.
    let today = chrono::Utc::now().date_naive();
    let report = service.generate_direction("38", today).await.expect("demo");
    assert_eq!(report.n_meetings, 2);
    let meetings = service.meetings(&admin).await.expect("meetings");
    assert_eq!(
        meetings[0].0.follows_id,
        Some(meetings[1].0.id),
        "the later meeting follows up the earlier one"
    );
    let mut statuses = std::collections::BTreeSet::new();
    for (meeting, _) in &meetings {
        let (_, _, views) = service
            .meeting_page(&admin, meeting.id, today)
            .await
            .unwrap();
        assert!(
            views.iter().all(|v| v.lead.is_some()),
            "every task has its lead recognised"
        );
        statuses.extend(views.iter().map(|v| format!("{:?}", v.status)));
    }
    assert_eq!(
        statuses.into_iter().collect::<Vec<_>>(),
        [
            "DoneLate",
            "DoneOnTime",
            "InProgressOnTime",
            "NotStarted",
            "Overdue"
        ]
    );
    let stc = service
        .agency_dashboard(&admin, "STC", today)
        .await
        .unwrap();
    assert_eq!(stc.obstacles.len(), 1);
    assert!(stc.obstacles[0].0.closed_on.is_some());
}

#[tokio::test]
async fn a_conclusions_numeric_targets_are_computed_from_the_data_not_typed() {
    let (_db, service) = setup().await;
    let admin = Actor::system();
    let id = service
        .record_meeting(
            &admin,
            &MeetingInput {
                held_on: date("2024-03-01"),
                ..meeting(vec![TaskInput {
                    number: "1".to_owned(),
                    content: "Phấn đấu các chỉ tiêu năm".to_owned(),
                    lead: Some("VPDP".to_owned()),
                    coordinating: Vec::new(),
                    deadline: Deadline::Ongoing,
                }])
            },
        )
        .await
        .expect("meeting");
    service
        .generate_poverty("38", 2024..=2025, 2, 11, &|_| {})
        .await
        .expect("poverty lists");
    let xa = service
        .ntm_rollup(&admin, Some("384"), date("2024-12-31"))
        .await
        .expect("rollup");
    let early = service
        .add_target(
            &admin,
            id,
            &target(
                mtqg_core::direction::Measure::NtmXaShare,
                "384",
                2024,
                50.0,
                "2024-01-01",
            ),
        )
        .await;
    assert!(
        matches!(early, Err(ServiceError::Invalid(ref m)) if m.contains("trước ngày họp")),
        "{early:?}"
    );
    service
        .add_target(
            &admin,
            id,
            &target(
                mtqg_core::direction::Measure::NtmXaShare,
                "384",
                2024,
                50.0,
                "2024-12-31",
            ),
        )
        .await
        .expect("ntm target");
    service
        .add_target(
            &admin,
            id,
            &target(
                mtqg_core::direction::Measure::PovertyReduction,
                "38",
                2025,
                1.0,
                "2025-12-31",
            ),
        )
        .await
        .expect("poverty target");
    service
        .add_target(
            &admin,
            id,
            &target(
                mtqg_core::direction::Measure::NtmXaNew,
                "384",
                2024,
                2.0,
                "2024-12-31",
            ),
        )
        .await
        .expect("count target");
    let before = service
        .target_progress(&admin, id, date("2026-11-29"))
        .await
        .expect("progress");
    assert_eq!(before[0].actual, Some(0.0), "no xã recognised yet");
    let commune = service
        .list_units(
            &admin,
            mtqg_core::geo::Level::Commune,
            Some("384"),
            date("2024-12-31"),
        )
        .await
        .unwrap()
        .into_iter()
        .find(|unit| unit.unit_type == "Xã")
        .expect("a xã");
    service
        .record_recognition(
            &admin,
            mtqg_service::recognition::RecognitionInput {
                commune_code: commune.code.clone(),
                set_code: "QD318-2022-XA".to_owned(),
                decision: "QĐ 1/QĐ-UBND".to_owned(),
                decided_on: date("2024-06-01"),
            },
        )
        .await
        .expect("recognised");
    let after = service
        .target_progress(&admin, id, date("2026-11-29"))
        .await
        .expect("progress");
    let share = 100.0 / xa.n_xa as f64;
    assert!((after[0].actual.unwrap() - share).abs() < 1e-9);
    assert!((after[0].progress.unwrap() - share * 2.0).abs() < 1e-9);
    assert_eq!(after[2].actual, Some(1.0), "one xã recognised in 2024");
    assert_eq!(after[2].progress, Some(50.0));
    assert_eq!(before[2].actual, Some(0.0));
    let rates = service
        .poverty_rates(&admin, Some("38"), 2025, false)
        .await
        .unwrap();
    assert_eq!(after[1].actual, rates.total.reduction.map(|r| r.points));
    assert!(after[1].actual.is_some());
}

#[tokio::test]
async fn an_agency_ended_by_a_merger_is_not_recognised_after_it_and_communes_are_assigned_in_scope()
{
    let (_db, service) = setup().await;
    let admin = Actor::system();
    service
        .add_agency(
            &admin,
            &AgencyInput {
                unit_code: "38".to_owned(),
                code: "BDT".to_owned(),
                name: "Ban Dân tộc tỉnh".to_owned(),
                abbreviations: String::new(),
                valid_from: None,
                valid_to: Some(date("2025-03-01")),
            },
        )
        .await
        .expect("added");
    let text = "1. Ban Dân tộc tỉnh chủ trì rà soát thôn đặc biệt khó khăn (thường xuyên).";
    let before = service
        .propose_tasks(&admin, date("2024-06-01"), text)
        .await
        .unwrap();
    assert_eq!(before.tasks[0].lead.as_deref(), Some("BDT"));
    let after = service
        .propose_tasks(&admin, date("2025-09-01"), text)
        .await
        .unwrap();
    assert_eq!(
        after.tasks[0].lead, None,
        "merged into another agency by then"
    );

    let today = chrono::Utc::now().date_naive();
    let communes: Vec<String> = {
        let atlas = service.atlas().await.unwrap();
        let province = atlas.unit_by_code("38", today).unwrap();
        atlas
            .descendants(province.id, today, Some(mtqg_core::geo::Level::Commune))
            .into_iter()
            .take(2)
            .map(|unit| unit.code)
            .collect()
    };
    let assigned = service
        .assign_agency_communes(&admin, "VPDP", &communes)
        .await
        .expect("assigned");
    assert_eq!(assigned, 2);
    let dashboard = service
        .agency_dashboard(&admin, "VPDP", today)
        .await
        .unwrap();
    assert_eq!(dashboard.communes.len(), 2);
    let wrong = service
        .assign_agency_communes(&admin, "VPDP", &["38".to_owned(), "99999".to_owned()])
        .await;
    assert!(
        matches!(wrong, Err(ServiceError::Invalid(ref m)) if m.contains("không phải xã") && m.contains("99999")),
        "{wrong:?}"
    );
}

#[tokio::test]
async fn the_signed_notice_and_evidence_of_progress_are_attached_within_scope() {
    let (_db, service) = setup().await;
    let admin = Actor::system();
    let parsed = service
        .propose_tasks(&admin, date("2023-09-06"), NOTICE)
        .await
        .unwrap();
    let mut tasks = inputs(&parsed);
    tasks.truncate(2);
    let id = service
        .record_meeting(&admin, &meeting(tasks))
        .await
        .unwrap();
    let (_, _, views) = service
        .meeting_page(&admin, id, date("2023-09-10"))
        .await
        .unwrap();
    let pdf = b"%PDF-1.4 thong bao".to_vec();
    let notice = service
        .attach_direction_file(&admin, id, None, "TB 3691.pdf", pdf.clone())
        .await
        .expect("notice attached");
    service
        .attach_direction_file(
            &admin,
            id,
            Some(views[0].task.id),
            "bien-ban.docx",
            b"PK..".to_vec(),
        )
        .await
        .expect("evidence attached");
    let refused = service
        .attach_direction_file(&admin, id, None, "script.exe", b"MZ".to_vec())
        .await;
    assert!(
        matches!(refused, Err(ServiceError::Invalid(ref m)) if m.contains("chỉ nhận")),
        "{refused:?}"
    );
    let files = service.direction_files(&admin, id).await.unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[1].task_id, Some(views[0].task.id));
    let (file, content) = service.direction_file(&admin, notice).await.unwrap();
    assert_eq!((file.file_name.as_str(), content), ("TB 3691.pdf", pdf));
    let hanoi = service
        .unit_at(&admin, "01", date("2023-09-06"))
        .await
        .unwrap();
    let outsider = Actor {
        role: Role::Agency,
        scope_unit_id: Some(hanoi.id),
        ..Actor::system()
    };
    assert!(matches!(
        service.direction_file(&outsider, notice).await,
        Err(ServiceError::Forbidden)
    ));
}

#[tokio::test]
async fn an_investor_raises_an_obstacle_through_its_project() {
    let (_db, service) = setup().await;
    let admin = Actor::system();
    let project = service
        .add_project(
            &admin,
            mtqg_service::projects::ProjectInput {
                code: "DA-GT-01".to_owned(),
                name: "Đường giao thông liên xã".to_owned(),
                unit_code: "38".to_owned(),
                location_codes: vec!["38".to_owned()],
                investor: "Ban Quản lý dự án tỉnh".to_owned(),
                item_code: "GNBV.DA1".to_owned(),
                capital_type: mtqg_core::money::CapitalType::Investment,
                sources: "NSTW".to_owned(),
                total_investment: 5_000_000_000,
                approval: "QĐ 45/QĐ-UBND".to_owned(),
                start_date: Some(date("2026-02-01")),
                end_date: Some(date("2027-06-30")),
                status: "dang_thuc_hien".to_owned(),
                contractors: String::new(),
            },
        )
        .await
        .expect("project");
    service
        .raise_unit_obstacle(
            &admin,
            "DA-GT-01",
            "STC",
            "Chậm giải phóng mặt bằng",
            "",
            None,
        )
        .await
        .expect("raised by the investor");
    let unknown = service
        .raise_unit_obstacle(&admin, "KHONG-CO", "STC", "Vướng mắc", "", None)
        .await;
    assert!(
        matches!(unknown, Err(ServiceError::NotFound(ref m)) if m.contains("đơn vị hoặc dự án")),
        "{unknown:?}"
    );
    let dashboard = service
        .agency_dashboard(&admin, "STC", chrono::Utc::now().date_naive())
        .await
        .unwrap();
    assert_eq!(dashboard.obstacles[0].0.project_id, Some(project));
}

//! Money stories: the catalogue, the ledger and its rules, figures as of a date with ranks, deadlines, imports with
//! their bad input, projects, and the will-lapse list.

use mtqg_core::access::Role;
use mtqg_core::money::{CapitalType, EventKind, Source};
use mtqg_service::auth::UserInput;
use mtqg_service::catalogue::ItemEdit;
use mtqg_service::geography::{ImportOptions, TableSource};
use mtqg_service::money::EventInput;
use mtqg_service::projects::ProjectInput;
use mtqg_service::{Actor, Service, ServiceError};

use crate::support::{date, import_csv, service};

const UNITS: &str = "code,name,type,parent_code\n\
38,Tỉnh Thanh Hóa,Tỉnh,\n\
384,Huyện Mường Lát,Huyện,38\n\
14846,Thị trấn Mường Lát,Thị trấn,384\n\
14848,Xã Tam Chung,Xã,384\n\
14849,Xã Pù Nhi,Xã,384\n";

const MILLION: i64 = 1_000_000;

async fn with_money() -> (mtqg_test_support::TestDb, Service) {
    let (db, service) = service().await;
    let report = import_csv(
        &service,
        UNITS,
        ImportOptions {
            as_of: Some(date("2021-01-01")),
            ..ImportOptions::default()
        },
    )
    .await;
    assert!(report.applied, "{:?}", report.problems);
    assert_eq!(
        service
            .load_shipped_catalogue()
            .await
            .expect("catalogue loads"),
        54
    );
    (db, service)
}

fn event(kind: EventKind, unit: &str, amount_million: i64, day: &str) -> EventInput {
    EventInput {
        kind,
        unit_code: Some(unit.to_owned()),
        project_code: None,
        to_unit_code: None,
        to_project_code: None,
        item_code: Some("GNBV.DA1".to_owned()),
        source: Source::Central,
        capital_type: Some(CapitalType::Investment),
        plan_year: 2024,
        amount: amount_million * MILLION,
        date: date(day),
        legal_basis: "QĐ thử".to_owned(),
        adjusts: None,
        deadline: None,
        reason: String::new(),
    }
}

fn allocation(from: &str, to: &str, amount_million: i64, day: &str) -> EventInput {
    EventInput {
        to_unit_code: Some(to.to_owned()),
        ..event(EventKind::Allocation, from, amount_million, day)
    }
}

async fn post(service: &Service, input: EventInput) {
    service
        .record_event(&Actor::system(), input)
        .await
        .expect("event is recorded");
}

/// The province receives 1.000 triệu, passes 400 to Tam Chung and 200 to Pù Nhi; 100 and 50 are disbursed.
async fn funded_province(service: &Service) {
    post(
        service,
        event(EventKind::AnnualPlan, "38", 1_000, "2024-01-10"),
    )
    .await;
    post(service, allocation("38", "14848", 400, "2024-01-20")).await;
    post(service, allocation("38", "14849", 200, "2024-01-20")).await;
    post(
        service,
        event(EventKind::Disbursement, "14848", 100, "2024-03-15"),
    )
    .await;
    post(
        service,
        event(EventKind::Disbursement, "38", 50, "2024-04-01"),
    )
    .await;
}

async fn officer_of(service: &Service, commune: &str) -> Actor {
    let username = format!("xa{commune}");
    service
        .add_user(
            &Actor::system(),
            UserInput {
                username: username.clone(),
                display_name: "Cán bộ xã".to_owned(),
                password: "mat-khau-dai".to_owned(),
                role: Role::Commune,
                scope_code: Some(commune.to_owned()),
            },
        )
        .await
        .expect("user is added");
    let session = service
        .login(&username, "mat-khau-dai", "test")
        .await
        .expect("login");
    service
        .session(&session.token)
        .await
        .expect("session")
        .actor
}

#[tokio::test]
async fn the_shipped_catalogue_holds_both_phases_and_flags_unverified_items() {
    let (_db, service) = with_money().await;
    let items = service
        .program_items(&Actor::system())
        .await
        .expect("catalogue");
    let find = |code: &str| items.iter().find(|item| item.code == code).expect(code);
    assert!(
        !find("NTM").verify,
        "the program row was checked against QĐ 263"
    );
    assert!(
        find("GNBV.DA1").verify,
        "project names are flagged until checked"
    );
    assert_eq!(find("GNBV.DA1").parent_id, Some(find("GNBV").id));
    assert_eq!(
        find("GNBV").maps_to_id,
        Some(find("MTQG26").id),
        "the 2021–2025 program maps to the merged one"
    );
    assert_eq!(
        items.iter().filter(|item| item.level == "program").count(),
        4
    );
    service
        .edit_program_item(
            &Actor::system(),
            "GNBV.DA1",
            &ItemEdit {
                name: "Hạ tầng huyện nghèo".to_owned(),
                legal_basis: "QĐ 90/QĐ-TTg".to_owned(),
                verify: false,
                note: String::new(),
            },
            "đã đối chiếu",
            Some(find("GNBV.DA1").version),
        )
        .await
        .expect("edit with a reason");
    let audit = service
        .audit_log(&Actor::system(), Some("GNBV.DA1"), 5)
        .await
        .expect("audit");
    assert_eq!(audit[0].action, "catalogue.edit");
    assert_eq!(audit[0].reason.as_deref(), Some("đã đối chiếu"));
}

#[tokio::test]
async fn money_allocated_down_is_counted_once_and_units_are_ranked_among_their_siblings() {
    let (_db, service) = with_money().await;
    funded_province(&service).await;
    let actor = Actor::system();
    let province = service
        .capital_summary(&actor, Some("38"), 2024, date("2024-06-30"), None)
        .await
        .expect("province summary");
    assert_eq!(
        province.totals.plan,
        1_000 * MILLION,
        "allocations to communes do not inflate the province"
    );
    assert_eq!(province.totals.disbursed, 150 * MILLION);
    assert_eq!(province.totals.rate(), Some(0.15));
    let nation = service
        .capital_summary(&actor, None, 2024, date("2024-06-30"), None)
        .await
        .expect("nation");
    assert_eq!(nation.totals.plan, 1_000 * MILLION);
    assert_eq!(nation.children.len(), 1);
    let district = service
        .capital_summary(&actor, Some("384"), 2024, date("2024-06-30"), None)
        .await
        .expect("district");
    assert_eq!(district.totals.plan, 600 * MILLION);
    let places: Vec<(&str, Option<usize>, bool)> = district
        .children
        .iter()
        .map(|child| (child.unit.code.as_str(), child.rank, child.below_average))
        .collect();
    assert_eq!(
        places,
        [
            ("14846", None, false),
            ("14848", Some(1), false),
            ("14849", Some(2), true)
        ]
    );
    let commune = service
        .capital_summary(&actor, Some("14848"), 2024, date("2024-06-30"), None)
        .await
        .expect("commune");
    assert_eq!(commune.rank_in_parent, Some((1, 3)), "xếp thứ 1/3");
    assert_eq!(commune.totals.rate(), Some(0.25));
    let before = service
        .capital_summary(&actor, Some("38"), 2024, date("2024-03-14"), None)
        .await
        .expect("earlier");
    assert_eq!(before.totals.disbursed, 0, "figures are as of the date");
    let march = before
        .curve
        .iter()
        .find(|point| point.month == date("2024-03-01"));
    assert_eq!(march.map(|point| point.disbursed_cumulative), Some(0));
    let june = province.curve.last().expect("curve");
    assert_eq!(june.disbursed_cumulative, 150 * MILLION);
    let other_program = service
        .capital_summary(&actor, Some("38"), 2024, date("2024-06-30"), Some("NTM"))
        .await
        .expect("other program");
    assert_eq!(other_program.totals.plan, 0);
    let this_program = service
        .capital_summary(&actor, Some("38"), 2024, date("2024-06-30"), Some("GNBV"))
        .await
        .expect("this program and its projects");
    assert_eq!(this_program.totals.plan, 1_000 * MILLION);
}

#[tokio::test]
async fn events_that_break_a_rule_are_refused_and_change_nothing() {
    let (_db, service) = with_money().await;
    funded_province(&service).await;
    let actor = Actor::system();
    let n_before = service.store().count_events().await.expect("count");
    let refused = |input: EventInput, expected: &'static str| {
        let service = service.clone();
        let actor = actor.clone();
        async move {
            match service.record_event(&actor, input).await {
                Err(ServiceError::Invalid(message)) => {
                    assert!(message.contains(expected), "{message}")
                }
                other => panic!("expected a refusal containing {expected:?}, got {other:?}"),
            }
        }
    };
    refused(
        allocation("38", "14846", 401, "2024-05-01"),
        "vượt số vốn còn được phân bổ",
    )
    .await;
    refused(
        event(EventKind::Disbursement, "14849", 201, "2024-05-01"),
        "vượt số vốn",
    )
    .await;
    refused(
        event(EventKind::Disbursement, "14848", -5, "2024-05-01"),
        "lớn hơn 0",
    )
    .await;
    refused(
        event(EventKind::Disbursement, "14848", 10, "2025-02-01"),
        "sau thời hạn 31/01/2025",
    )
    .await;
    refused(
        event(EventKind::AnnualPlan, "99999", 10, "2024-05-01"),
        "không có đơn vị mã \"99999\"",
    )
    .await;
    refused(
        event(EventKind::AnnualPlan, "14848", 10, "2020-05-01"),
        "không có đơn vị mã \"14848\" vào ngày",
    )
    .await;
    refused(
        allocation("14848", "14849", 10, "2024-05-01"),
        "không phải đơn vị cấp dưới",
    )
    .await;
    let mut adjustment = event(EventKind::Adjustment, "14848", -350, "2024-05-01");
    adjustment.adjusts = Some(EventKind::Allocation);
    adjustment.reason = "thu hồi".to_owned();
    adjustment.unit_code = Some("38".to_owned());
    adjustment.to_unit_code = Some("14848".to_owned());
    refused(adjustment.clone(), "âm hoặc nhỏ hơn số đã sử dụng").await;
    adjustment.reason = String::new();
    refused(adjustment, "lý do").await;
    assert_eq!(
        service.store().count_events().await.expect("count"),
        n_before
    );
}

#[tokio::test]
async fn an_extension_or_a_carry_over_lets_money_be_disbursed_after_31_january() {
    let (_db, service) = with_money().await;
    funded_province(&service).await;
    let actor = Actor::system();
    let mut carry = event(EventKind::CarryOver, "14848", 100, "2025-01-31");
    carry.deadline = Some(date("2025-12-31"));
    post(&service, carry).await;
    post(
        &service,
        event(EventKind::Disbursement, "14848", 60, "2025-03-01"),
    )
    .await;
    assert!(
        service
            .record_event(
                &actor,
                event(EventKind::Disbursement, "14848", 60, "2025-04-01")
            )
            .await
            .is_err(),
        "only the carried-over 100 may be disbursed late"
    );
    assert!(service
        .record_event(
            &actor,
            event(EventKind::Disbursement, "14849", 10, "2025-03-01")
        )
        .await
        .is_err());
    service
        .add_extension(
            &actor,
            2024,
            Some(CapitalType::Investment),
            None,
            date("2025-12-31"),
            "Nghị quyết gia hạn",
        )
        .await
        .expect("extension");
    post(
        &service,
        event(EventKind::Disbursement, "14849", 10, "2025-03-01"),
    )
    .await;
}

#[tokio::test]
async fn a_commune_officer_records_only_within_the_commune_and_readers_cannot_record() {
    let (_db, service) = with_money().await;
    funded_province(&service).await;
    let officer = officer_of(&service, "14848").await;
    service
        .record_event(
            &officer,
            event(EventKind::Disbursement, "14848", 10, "2024-05-02"),
        )
        .await
        .expect("own commune");
    assert!(matches!(
        service
            .record_event(
                &officer,
                event(EventKind::Disbursement, "14849", 10, "2024-05-02")
            )
            .await,
        Err(ServiceError::Forbidden)
    ));
    let summary = service
        .capital_summary(&officer, None, 2024, date("2024-06-30"), None)
        .await
        .expect("own scope");
    assert_eq!(summary.unit.map(|unit| unit.code), Some("14848".to_owned()));
    assert!(matches!(
        service
            .capital_summary(&officer, Some("38"), 2024, date("2024-06-30"), None)
            .await,
        Err(ServiceError::Forbidden)
    ));
    let viewer = Actor {
        role: Role::Viewer,
        ..Actor::system()
    };
    assert!(matches!(
        service
            .record_event(
                &viewer,
                event(EventKind::Disbursement, "38", 1, "2024-05-02")
            )
            .await,
        Err(ServiceError::Forbidden)
    ));
}

fn project_input(code: &str, unit: &str) -> ProjectInput {
    ProjectInput {
        code: code.to_owned(),
        name: "Đường giao thông bản Tà Cóm".to_owned(),
        unit_code: unit.to_owned(),
        location_codes: vec![unit.to_owned()],
        investor: "UBND xã Tam Chung".to_owned(),
        item_code: "GNBV.DA1".to_owned(),
        capital_type: CapitalType::Investment,
        sources: "NSTW".to_owned(),
        total_investment: 5_000 * MILLION,
        approval: "QĐ 45/QĐ-UBND ngày 01/02/2024".to_owned(),
        start_date: Some(date("2024-02-01")),
        end_date: Some(date("2025-06-30")),
        status: "dang_thuc_hien".to_owned(),
        contractors: "Công ty TNHH Xây dựng Mường Lát".to_owned(),
    }
}

#[tokio::test]
async fn a_project_receives_money_disburses_reports_progress_and_its_slow_pace_shows_as_will_lapse()
{
    let (_db, service) = with_money().await;
    funded_province(&service).await;
    let actor = Actor::system();
    service
        .add_project(&actor, project_input("DA-TC-01", "14848"))
        .await
        .expect("project");
    post(
        &service,
        EventInput {
            to_project_code: Some("DA-TC-01".to_owned()),
            ..event(EventKind::Allocation, "14848", 300, "2024-02-10")
        },
    )
    .await;
    let disbursement = EventInput {
        project_code: Some("DA-TC-01".to_owned()),
        unit_code: None,
        item_code: None,
        capital_type: None,
        ..event(EventKind::Disbursement, "14848", 30, "2024-11-15")
    };
    post(&service, disbursement.clone()).await;
    let too_much = EventInput {
        amount: 271 * MILLION,
        ..disbursement.clone()
    };
    assert!(
        service.record_event(&actor, too_much).await.is_err(),
        "beyond the project's allocation"
    );
    service
        .set_commitments(
            &actor,
            "DA-TC-01",
            vec![
                (date("2024-03-01"), 100 * MILLION),
                (date("2024-10-01"), 200 * MILLION),
            ],
            None,
        )
        .await
        .expect("commitments");
    service
        .report_progress(
            &actor,
            "DA-TC-01",
            date("2024-11-20"),
            35.0,
            120 * MILLION,
            "",
        )
        .await
        .expect("progress");
    let obstacle = service
        .raise_obstacle(
            &actor,
            "DA-TC-01",
            "mat_bang",
            "Chưa bàn giao mặt bằng đoạn km2",
            "UBND xã",
            date("2024-11-20"),
        )
        .await
        .expect("obstacle");
    service
        .resolve_obstacle(&actor, "DA-TC-01", obstacle, date("2024-12-01"))
        .await
        .expect("resolved");
    let page = service
        .project_page(&actor, "DA-TC-01")
        .await
        .expect("project page");
    assert_eq!(
        (page.allocated, page.disbursed),
        (300 * MILLION, 30 * MILLION)
    );
    assert_eq!(page.progress.len(), 1);
    assert_eq!(page.obstacles[0].status, "da_xu_ly");
    let summary = service
        .capital_summary(&actor, Some("14848"), 2024, date("2024-12-01"), None)
        .await
        .expect("summary");
    let december = summary.curve.last().expect("curve");
    assert_eq!(december.committed_cumulative, 300 * MILLION);
    assert_eq!(summary.totals.to_projects, 300 * MILLION);
    assert_eq!(
        summary.totals.disbursed,
        130 * MILLION,
        "the project's disbursement counts in its commune"
    );
    // 270 left on the project, 30 disbursed in the last 90 days, 61 days to 31/01/2025: about 20 more, 250 lapse.
    let lapsing = service
        .will_lapse(&actor, Some("38"), 2024, date("2024-12-01"), 20)
        .await
        .expect("will lapse");
    let project_row = lapsing
        .iter()
        .find(|row| row.label == "Dự án DA-TC-01")
        .expect("the project is listed");
    assert_eq!(project_row.remaining, 270 * MILLION);
    assert_eq!(
        project_row.will_lapse,
        270 * MILLION - 30 * MILLION * 61 / 90
    );
    let officer = officer_of(&service, "14849").await;
    assert!(matches!(
        service.project_page(&officer, "DA-TC-01").await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        service
            .add_project(&officer, project_input("DA-X", "14848"))
            .await,
        Err(ServiceError::Forbidden)
    ));
}

/// An XLSX as officers make them: a title, a merged group header, the header, text numbers, a totals row.
fn officer_workbook(rows: &[[&str; 7]]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let merged = rust_xlsxwriter::Format::new().set_bold();
    sheet
        .merge_range(0, 0, 0, 6, "BÁO CÁO GIẢI NGÂN VỐN NĂM 2024", &merged)
        .expect("title");
    sheet
        .merge_range(1, 0, 1, 3, "Thông tin chung", &merged)
        .expect("group header");
    sheet
        .merge_range(1, 4, 1, 6, "Vốn", &merged)
        .expect("group header");
    let headers = [
        "STT",
        "Loại nghiệp vụ",
        "Ngày",
        "Năm kế hoạch",
        "Mã đơn vị",
        "Nguồn vốn",
        "Số tiền (triệu đồng)",
    ];
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string(2, col as u16, *header).expect("header");
    }
    for (i, row) in rows.iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            sheet
                .write_string(3 + i as u32, col as u16, *cell)
                .expect("cell");
        }
    }
    sheet
        .write_string(3 + rows.len() as u32, 1, "Tổng cộng")
        .expect("totals");
    sheet
        .write_number(3 + rows.len() as u32, 6, 9_999.0)
        .expect("totals");
    workbook.save_to_buffer().expect("workbook")
}

#[tokio::test]
async fn an_officers_workbook_imports_after_a_dry_run_and_a_bad_one_writes_nothing() {
    let (_db, service) = with_money().await;
    let actor = Actor::system();
    let good = officer_workbook(&[
        [
            "1",
            "Giao kế hoạch vốn năm",
            "10/01/2024",
            "2024",
            "38",
            "NSTW",
            "58.759,9",
        ],
        [
            "2",
            "Giải ngân",
            "15/03/2024",
            "2024",
            "38",
            "NSTW",
            "25.608,6",
        ],
    ]);
    // The item column is missing in this officer's file: every row says so, nothing is written.
    let report = service
        .import_capital(
            &actor,
            "giai_ngan.xlsx",
            TableSource::from_bytes("giai_ngan.xlsx", good),
            true,
            &|_| {},
        )
        .await
        .expect("dry run");
    assert_eq!(report.skipped_totals, [6], "the totals row is skipped");
    assert_eq!(report.problems.len(), 2, "{:?}", report.problems);
    assert!(report
        .problems
        .iter()
        .all(|p| p.column.as_deref() == Some("item_code")));
    let csv = "kind,date,plan_year,unit_code,item_code,source,capital_type,amount\n\
               Giao kế hoạch vốn năm,10/01/2024,2024,38,GNBV.DA1,NSTW,ĐTPT,\"58.759,9\"\n\
               Giải ngân,15/03/2024,2024,38,GNBV.DA1,NSTW,ĐTPT,\"25.608,6\"\n";
    let dry = service
        .import_capital(
            &actor,
            "kh.csv",
            TableSource::from_bytes("kh.csv", csv.as_bytes().to_vec()),
            true,
            &|_| {},
        )
        .await
        .expect("dry run");
    assert_eq!(
        (dry.n_events, dry.applied, dry.n_problems),
        (2, false, 0),
        "{:?}",
        dry.problems
    );
    assert_eq!(service.store().count_events().await.expect("count"), 0);
    let applied = service
        .import_capital(
            &actor,
            "kh.csv",
            TableSource::from_bytes("kh.csv", csv.as_bytes().to_vec()),
            false,
            &|_| {},
        )
        .await
        .expect("apply");
    assert!(applied.applied);
    let summary = service
        .capital_summary(&actor, Some("38"), 2024, date("2024-12-31"), None)
        .await
        .expect("summary");
    assert_eq!(summary.totals.plan, 58_759_900_000);
    assert_eq!(
        mtqg_core::vi::format_percent(summary.totals.rate().expect("rate")),
        "43,6%"
    );
    let bad = "kind,date,plan_year,unit_code,item_code,source,capital_type,amount\n\
               Giải ngân,16/03/2024,2024,38,GNBV.DA1,NSTW,ĐTPT,\"40.000\"\n\
               Giải ngân,16/03/2024,2024,38,GNBV.DA1,NSTW,ĐTPT,\"0,0000001\"\n";
    let refused = service
        .import_capital(
            &actor,
            "bad.csv",
            TableSource::from_bytes("bad.csv", bad.as_bytes().to_vec()),
            false,
            &|_| {},
        )
        .await
        .expect("report");
    assert!(!refused.applied);
    let located: Vec<(usize, Option<&str>)> = refused
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_deref()))
        .collect();
    assert_eq!(
        located,
        [(2, Some("amount")), (3, Some("amount"))],
        "{:?}",
        refused.problems
    );
    assert_eq!(service.store().count_events().await.expect("count"), 2);
    let template = service.capital_template().expect("template");
    let from_template = service
        .import_capital(
            &actor,
            "mau.xlsx",
            TableSource::from_bytes("mau.xlsx", template),
            true,
            &|_| {},
        )
        .await
        .expect("template parses");
    assert_eq!(from_template.n_rows, 3);
    assert!(
        from_template
            .problems
            .iter()
            .all(
                |p| p.column.as_deref() != Some("kind") && p.column.as_deref() != Some("amount")
                    || p.message.contains("vượt")
                    || p.message.contains("không có đơn vị")
            ),
        "the template's own rows parse: {:?}",
        from_template.problems
    );
}

#[tokio::test]
async fn generated_demo_money_obeys_the_rules_and_rolls_up_without_double_counting() {
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let plan = mtqg_service::demo::DemoPlan {
        provinces: vec!["38".to_owned()],
        plan_years: vec![2024, 2026],
        projects_per_commune: 0.15,
        until: date("2026-11-23"),
        details: true,
        seed: 7,
    };
    let report = service
        .generate_capital(&plan, &|_| {})
        .await
        .expect("demo generates");
    assert!(report.n_projects > 50, "{report:?}");
    assert!(
        report.n_events > report.n_projects * 10,
        "weekly disbursement: {report:?}"
    );
    let actor = Actor::system();
    for (year, day) in [(2024, "2025-01-31"), (2026, "2026-11-23")] {
        let province = service
            .capital_summary(&actor, Some("38"), year, date(day), None)
            .await
            .expect("summary");
        assert!(
            province.totals.plan > 0 && province.totals.disbursed > 0,
            "{year}: {:?}",
            province.totals
        );
        let children_plan: i64 = province
            .children
            .iter()
            .map(|child| child.figures.plan)
            .sum();
        assert!(
            children_plan < province.totals.plan,
            "the province keeps some money unallocated"
        );
        assert!(province.totals.disbursed <= province.totals.to_projects);
        let nation = service
            .capital_summary(&actor, None, year, date(day), None)
            .await
            .expect("nation");
        assert_eq!(
            nation.totals.plan, province.totals.plan,
            "{year}: only Thanh Hóa has money"
        );
        let ranked = province
            .children
            .iter()
            .filter(|child| child.rank.is_some())
            .count();
        assert!(ranked > 5, "{year}: children are ranked");
    }
    let projects = service
        .list_projects(&actor, Some("38"), 1000)
        .await
        .expect("projects");
    assert_eq!(projects.len(), report.n_projects);
    let page = service
        .project_page(&actor, &projects[0].code)
        .await
        .expect("page");
    assert!(!page.commitments.is_empty() && page.disbursed > 0);
}

#[tokio::test]
async fn money_of_merged_communes_is_rebased_onto_todays_commune_without_double_counting_the_province(
) {
    let (_db, service) = with_money().await;
    funded_province(&service).await;
    let new_list = "code,name,type,parent_code\n38,Tỉnh Thanh Hóa,Tỉnh,\n15000,Xã Mường Lát Mới,Xã,38\n15001,Xã Pù Nhi Mới,Xã,38\n";
    let report = import_csv(
        &service,
        new_list,
        ImportOptions {
            as_of: Some(date("2025-07-01")),
            end_missing: true,
            ..ImportOptions::default()
        },
    )
    .await;
    assert!(report.applied, "{:?}", report.problems);
    let crosswalk = "old_code,new_code,kind,date,weight\n\
                     14848,15000,full,2025-07-01,\n\
                     14849,15000,partial,2025-07-01,\"0,4\"\n\
                     14849,15001,partial,2025-07-01,\"0,6\"\n";
    let report = import_csv(&service, crosswalk, ImportOptions::default()).await;
    assert!(report.applied, "{:?}", report.problems);
    let actor = Actor::system();
    let today = date("2026-01-15");
    let as_of_geography = service
        .capital_summary_with(&actor, Some("15000"), 2024, today, None, false)
        .await
        .expect("as of today's geography");
    assert_eq!(
        as_of_geography.totals.plan, 0,
        "nothing was recorded on the new commune"
    );
    let rebased = service
        .capital_summary_with(&actor, Some("15000"), 2024, today, None, true)
        .await
        .expect("rebased");
    // Tam Chung's 400 whole, 40% of Pù Nhi's 200.
    assert_eq!(rebased.totals.plan, 480 * MILLION);
    assert_eq!(rebased.totals.disbursed, 100 * MILLION);
    let rebasing = rebased.rebasing.expect("rebasing is reported");
    assert_eq!(rebasing.from_units, ["14848", "14849"]);
    assert_eq!(rebasing.not_rebasable_plan, 0);
    let province = service
        .capital_summary_with(&actor, Some("38"), 2024, today, None, true)
        .await
        .expect("province rebased");
    assert_eq!(
        province.totals.plan,
        1_000 * MILLION,
        "the continuing province already holds its communes' money"
    );
    let children: Vec<(&str, i64)> = province
        .children
        .iter()
        .map(|child| (child.unit.code.as_str(), child.figures.plan / MILLION))
        .collect();
    assert_eq!(children, [("15000", 480), ("15001", 120)]);
    let crosswalk_without_weight =
        "old_code,new_code,kind,date,weight\n14849,15001,partial,2025-07-01,\n";
    let report = import_csv(&service, crosswalk_without_weight, ImportOptions::default()).await;
    assert!(report.applied, "{:?}", report.problems);
    let reported = service
        .capital_summary_with(&actor, Some("15001"), 2024, today, None, true)
        .await
        .expect("rebased without a weight")
        .rebasing
        .expect("rebasing");
    assert_eq!(reported.not_rebasable_units, ["14849"]);
    assert_eq!(reported.not_rebasable_plan, 200 * MILLION);
}

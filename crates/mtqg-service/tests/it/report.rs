//! Reporting stories: a commune submits, the district returns and approves, approval locks the commune's data, the
//! statutory forms and the narrative carry the ledger's figures, the dashboard counts who reported, and a package
//! from a unit without the system enters the same approval flow.

use std::io::Read;

use mtqg_core::access::Role;
use mtqg_core::money::{CapitalType, EventKind, Source};
use mtqg_core::report::layout::FormCell;
use mtqg_core::report::submission::{Action, Status};
use mtqg_service::geography::ImportOptions;
use mtqg_service::money::EventInput;
use mtqg_service::report::{self, Package, ReportKey};
use mtqg_service::{Actor, Service, ServiceError};

use crate::support::{account, date, import_csv, service};

const UNITS: &str = "code,name,short_name,type,parent_code\n\
38,Tỉnh Thanh Hóa,Thanh Hóa,Tỉnh,\n\
384,Huyện Mường Lát,Mường Lát,Huyện,38\n\
14846,Thị trấn Mường Lát,Mường Lát,Thị trấn,384\n\
14848,Xã Tam Chung,Tam Chung,Xã,384\n\
14849,Xã Pù Nhi,Pù Nhi,Xã,384\n";

const MILLION: i64 = 1_000_000;

fn event(
    kind: EventKind,
    unit: &str,
    plan_year: i32,
    amount_million: i64,
    day: &str,
) -> EventInput {
    EventInput {
        kind,
        unit_code: Some(unit.to_owned()),
        project_code: None,
        to_unit_code: None,
        to_project_code: None,
        item_code: Some("GNBV.DA1".to_owned()),
        source: Source::Central,
        capital_type: Some(CapitalType::Investment),
        plan_year,
        amount: amount_million * MILLION,
        date: date(day),
        legal_basis: "QĐ thử".to_owned(),
        adjusts: None,
        deadline: None,
        reason: String::new(),
    }
}

async fn post(service: &Service, input: EventInput) {
    service
        .record_event(&Actor::system(), input)
        .await
        .expect("event is recorded");
}

/// 2023: Tam Chung receives 100 triệu and disburses 30. 2024: the province receives 1.000, passes 400 to Tam Chung,
/// which disburses 100 by March.
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
    service
        .load_shipped_catalogue()
        .await
        .expect("catalogue loads");
    post(
        &service,
        event(EventKind::AnnualPlan, "38", 2023, 100, "2023-01-10"),
    )
    .await;
    post(
        &service,
        EventInput {
            to_unit_code: Some("14848".to_owned()),
            ..event(EventKind::Allocation, "38", 2023, 100, "2023-01-20")
        },
    )
    .await;
    post(
        &service,
        event(EventKind::Disbursement, "14848", 2023, 30, "2023-06-01"),
    )
    .await;
    post(
        &service,
        event(EventKind::AnnualPlan, "38", 2024, 1_000, "2024-01-10"),
    )
    .await;
    post(
        &service,
        EventInput {
            to_unit_code: Some("14848".to_owned()),
            ..event(EventKind::Allocation, "38", 2024, 400, "2024-01-20")
        },
    )
    .await;
    post(
        &service,
        event(EventKind::Disbursement, "14848", 2024, 100, "2024-03-15"),
    )
    .await;
    (db, service)
}

fn fields(pairs: &[(&str, &str)]) -> mtqg_core::report::form::Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn a_commune_submits_the_district_returns_then_approves_and_approval_locks_the_communes_money(
) {
    let (_db, service) = with_money().await;
    let officer = account(&service, "xa14848", Role::Commune, Some("14848")).await;
    let district = account(&service, "bcd384", Role::Steering, Some("384")).await;
    let saved = service
        .save_submission(
            &officer,
            ReportKey::new("6T", "2024-H1", "14848"),
            fields(&[("kien_nghi", "Đề nghị bổ sung vốn")]),
            Action::Save,
            None,
        )
        .await
        .unwrap();
    assert_eq!(saved, Status::Draft);
    let status = service
        .save_submission(
            &officer,
            ReportKey::new("6T", "2024-H1", "14848"),
            fields(&[("kien_nghi", "Đề nghị bổ sung vốn")]),
            Action::Submit,
            Some(1),
        )
        .await
        .unwrap();
    assert_eq!(status, Status::Submitted);
    let err = service
        .decide_submission(
            &officer,
            ReportKey::new("6T", "2024-H1", "14848"),
            Action::Approve,
            "",
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Forbidden), "{err:?}");
    let err = service
        .decide_submission(
            &district,
            ReportKey::new("6T", "2024-H1", "14848"),
            Action::Return,
            " ",
            None,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ý kiến"), "{err}");
    service
        .decide_submission(
            &district,
            ReportKey::new("6T", "2024-H1", "14848"),
            Action::Return,
            "Bổ sung số liệu vốn lồng ghép",
            None,
        )
        .await
        .unwrap();
    let page = service
        .submission_page(&officer, ReportKey::new("6T", "2024-H1", "14848"))
        .await
        .unwrap();
    assert_eq!(page.status, Some(Status::Returned));
    assert!(page.can_edit && !page.can_decide);
    assert_eq!(
        page.submission.as_ref().unwrap().comment.as_deref(),
        Some("Bổ sung số liệu vốn lồng ghép")
    );
    let version = page.submission.unwrap().version;
    service
        .save_submission(
            &officer,
            ReportKey::new("6T", "2024-H1", "14848"),
            fields(&[("kien_nghi", "Đã bổ sung")]),
            Action::Submit,
            Some(version),
        )
        .await
        .unwrap();
    assert_eq!(
        service
            .decide_submission(
                &district,
                ReportKey::new("6T", "2024-H1", "14848"),
                Action::Approve,
                "",
                None
            )
            .await
            .unwrap(),
        Status::Approved
    );
    // The report was first sent after its deadline (5/7/2024), which the page says.
    let page = service
        .submission_page(&district, ReportKey::new("6T", "2024-H1", "14848"))
        .await
        .unwrap();
    assert_eq!(page.on_time, Some(false));
    assert!(page.can_decide && !page.can_edit);
    assert_eq!(page.steps.len(), 5, "save, submit, return, submit, approve");

    // Approved: money of the commune dated inside the half year is locked; after it, not.
    let err = service
        .record_event(
            &Actor::system(),
            event(EventKind::Disbursement, "14848", 2024, 10, "2024-05-02"),
        )
        .await
        .unwrap_err();
    assert!(
        format!("{err:?}").contains("đã được duyệt và khóa"),
        "{err:?}"
    );
    post(
        &service,
        event(EventKind::Disbursement, "14848", 2024, 10, "2024-07-02"),
    )
    .await;
    let err = service
        .save_submission(
            &officer,
            ReportKey::new("6T", "2024-H1", "14848"),
            fields(&[]),
            Action::Save,
            None,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("đã khóa"), "{err}");

    // Reopening needs a reason, is audited, and unlocks.
    assert!(service
        .decide_submission(
            &district,
            ReportKey::new("6T", "2024-H1", "14848"),
            Action::Reopen,
            "",
            None
        )
        .await
        .is_err());
    service
        .decide_submission(
            &district,
            ReportKey::new("6T", "2024-H1", "14848"),
            Action::Reopen,
            "Điều chỉnh số giải ngân tháng 5",
            None,
        )
        .await
        .unwrap();
    post(
        &service,
        event(EventKind::Disbursement, "14848", 2024, 10, "2024-05-02"),
    )
    .await;
    let audit = service
        .audit_log(&Actor::system(), None, 200)
        .await
        .unwrap();
    let reopen = audit
        .iter()
        .find(|entry| entry.action == "report.reopen")
        .expect("reopen is audited");
    assert_eq!(
        reopen.reason.as_deref(),
        Some("Điều chỉnh số giải ngân tháng 5")
    );
    assert!(audit.iter().any(|entry| entry.action == "report.approve"));
}

#[tokio::test]
async fn a_unit_cannot_approve_its_own_report_nor_one_outside_its_scope_nor_write_a_lower_units() {
    let (_db, service) = with_money().await;
    let commune_chief = account(&service, "bcd14848", Role::Steering, Some("14848")).await;
    let neighbour = account(&service, "bcd14849", Role::Steering, Some("14849")).await;
    service
        .save_submission(
            &Actor::system(),
            ReportKey::new("6T", "2024-H1", "14848"),
            fields(&[]),
            Action::Submit,
            None,
        )
        .await
        .unwrap();
    let district = account(&service, "bcd384", Role::Steering, Some("384")).await;
    let written_for = service
        .save_submission(
            &district,
            ReportKey::new("6T", "2024-H1", "14848"),
            fields(&[]),
            Action::Save,
            None,
        )
        .await
        .unwrap_err();
    assert!(
        written_for.to_string().contains("do chính đơn vị lập"),
        "{written_for}"
    );
    let own = service
        .decide_submission(
            &commune_chief,
            ReportKey::new("6T", "2024-H1", "14848"),
            Action::Approve,
            "",
            None,
        )
        .await
        .unwrap_err();
    assert!(own.to_string().contains("không tự duyệt"), "{own}");
    let other = service
        .decide_submission(
            &neighbour,
            ReportKey::new("6T", "2024-H1", "14848"),
            Action::Approve,
            "",
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(other, ServiceError::Forbidden), "{other:?}");
}

#[tokio::test]
async fn the_resource_form_carries_the_ledger_by_source_and_reads_back_from_xlsx() {
    let (_db, service) = with_money().await;
    let form = service
        .report_form(
            &Actor::system(),
            "HUYDONG",
            ReportKey::new("6T", "2024-H1", "14848"),
        )
        .await
        .unwrap();
    let number = |value: f64| FormCell::Number { value, decimals: 1 };
    // Columns: STT, source, KQ đến 31/12/2023, KH năm, TH 6 tháng, KH 6 tháng cuối năm, tỷ lệ.
    assert_eq!(form.cell("1.1", 2), Some(&number(30.0)));
    assert_eq!(form.cell("1.1", 3), Some(&number(400.0)));
    assert_eq!(form.cell("1.1", 4), Some(&number(100.0)));
    assert_eq!(form.cell("1.1", 5), Some(&number(300.0)));
    assert_eq!(form.cell("1.1", 6), Some(&FormCell::Percent(0.25)));
    assert_eq!(form.cell("TỔNG CỘNG", 4), Some(&number(100.0)));
    assert_eq!(
        form.cell("5.1", 4),
        Some(&number(0.0)),
        "sources without money show zero"
    );
    let bytes = report::form_xlsx(&form).unwrap();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    use calamine::Reader;
    let range = book.worksheet_range("HUYDONG").unwrap();
    let texts: Vec<String> = range.cells().map(|(_, _, cell)| cell.to_string()).collect();
    for needle in [
        "Kết quả đến 31/12/2023",
        "Thực hiện 6 tháng",
        "Kế hoạch 6 tháng cuối năm",
        "Ngân sách trung ương",
    ] {
        assert!(texts.iter().any(|text| text == needle), "{needle}");
    }
    assert!(range
        .cells()
        .any(|(_, _, cell)| matches!(cell, calamine::Data::Float(value) if *value == 300.0)));
    let wrong = service
        .report_form(
            &Actor::system(),
            "GIAINGAN",
            ReportKey::new("6T", "2024-H1", "14848"),
        )
        .await
        .unwrap_err();
    assert!(wrong.to_string().contains("không dùng biểu"), "{wrong}");
}

fn docx_text(bytes: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[tokio::test]
async fn the_narrative_states_the_figures_with_the_amount_in_words_and_renders_to_docx() {
    let (_db, service) = with_money().await;
    service
        .save_submission(
            &Actor::system(),
            ReportKey::new("6T", "2024-H1", "38"),
            fields(&[
                ("so_hieu", "215/BC-UBND"),
                ("ngay_ky", "10/07/2024"),
                ("nguoi_ky", "Lê Văn Bình"),
            ]),
            Action::Save,
            None,
        )
        .await
        .unwrap();
    let document = service
        .report_narrative(&Actor::system(), ReportKey::new("6T", "2024-H1", "38"))
        .await
        .unwrap();
    assert_eq!(document.number, "Số: 215/BC-UBND");
    assert_eq!(document.place, "Thanh Hóa");
    // The narrative's texts are stored with the submission; the forms read only their own numeric fields.
    let form = service
        .report_form(
            &Actor::system(),
            "HUYDONG",
            ReportKey::new("6T", "2024-H1", "38"),
        )
        .await
        .unwrap();
    assert_eq!(
        form.cell("1.1", 3),
        Some(&FormCell::Number {
            value: 1000.0,
            decimals: 1
        }),
        "the province's plan counts its whole territory, money passed down included once"
    );
    let xml = docx_text(&report::narrative_docx(&document).unwrap());
    for needle in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Thanh Hóa, ngày 10 tháng 07 năm 2024",
        "Số: 215/BC-UBND",
        "1.000 triệu đồng (một tỷ đồng)",
        "đã giải ngân 100 triệu đồng, đạt 10% kế hoạch",
        "Nơi nhận:",
        "Lê Văn Bình",
    ] {
        assert!(xml.contains(needle), "{needle}");
    }
}

#[tokio::test]
async fn the_dashboard_counts_who_reported_and_bulk_approval_decides_each_unit_on_its_own() {
    let (_db, service) = with_money().await;
    let district = account(&service, "bcd384", Role::Steering, Some("384")).await;
    for code in ["14846", "14848"] {
        service
            .save_submission(
                &Actor::system(),
                ReportKey::new("6T", "2024-H1", code),
                fields(&[]),
                Action::Submit,
                None,
            )
            .await
            .unwrap();
    }
    let dashboard = service
        .report_dashboard(&district, "6T", "2024-H1", None)
        .await
        .unwrap();
    assert_eq!(
        (dashboard.expected, dashboard.submitted, dashboard.on_time),
        (3, 2, 0)
    );
    assert_eq!(dashboard.rows[0].deadline, date("2024-07-05"));
    let outcome = service
        .approve_many(
            &district,
            "6T",
            "2024-H1",
            &["14846".to_owned(), "14848".to_owned(), "14849".to_owned()],
        )
        .await
        .unwrap();
    assert_eq!(outcome.approved, ["14846", "14848"]);
    assert_eq!(outcome.refused.len(), 1);
    assert!(
        outcome.refused[0].1.contains("chưa gửi"),
        "{:?}",
        outcome.refused
    );
    let dashboard = service
        .report_dashboard(&district, "6T", "2024-H1", None)
        .await
        .unwrap();
    assert_eq!(dashboard.approved, 2);
    // The province sees its one district.
    let province = service
        .report_dashboard(&Actor::system(), "6T", "2024-H1", Some("38"))
        .await
        .unwrap();
    assert_eq!(province.expected, 1);
}

#[tokio::test]
async fn a_package_from_a_unit_without_the_system_is_checked_whole_and_enters_the_approval_flow() {
    let (_db, service) = with_money().await;
    let district = account(&service, "bcd384", Role::Steering, Some("384")).await;
    let package = service
        .report_package(&Actor::system(), ReportKey::new("6T", "2024-H1", "14849"))
        .await
        .unwrap();
    assert_eq!(package.format, report::PACKAGE_FORMAT);
    let json = serde_json::to_vec(&package).unwrap();
    let dry = service
        .import_package(&district, "14849.json", &json, true)
        .await
        .unwrap();
    assert!(
        dry.problems.is_empty() && !dry.applied,
        "{:?}",
        dry.problems
    );
    assert!(service
        .submission_page(&district, ReportKey::new("6T", "2024-H1", "14849"))
        .await
        .unwrap()
        .submission
        .is_none());

    let mut bad: Package = package.clone();
    bad.values.insert("von.khong_co".to_owned(), 1.0);
    bad.values.remove("von.nstw.dtpt.th_ky");
    bad.fields.insert("la".to_owned(), "x".to_owned());
    let bad = service
        .import_package(
            &district,
            "sai.json",
            &serde_json::to_vec(&bad).unwrap(),
            false,
        )
        .await
        .unwrap();
    assert!(!bad.applied);
    assert!(
        bad.problems
            .iter()
            .any(|p| p.contains("thiếu") && p.contains("von.nstw.dtpt.th_ky")),
        "{:?}",
        bad.problems
    );
    assert!(
        bad.problems.iter().any(|p| p.contains("\"la\"")),
        "{:?}",
        bad.problems
    );
    assert!(service
        .submission_page(&district, ReportKey::new("6T", "2024-H1", "14849"))
        .await
        .unwrap()
        .submission
        .is_none());

    let csv = report::package_csv(&package).unwrap();
    let done = service
        .import_package(&district, "14849.csv", &csv, false)
        .await
        .unwrap();
    assert!(done.applied, "{:?}", done.problems);
    let page = service
        .submission_page(&district, ReportKey::new("6T", "2024-H1", "14849"))
        .await
        .unwrap();
    assert_eq!(page.status, Some(Status::Submitted));
    assert_eq!(page.submission.as_ref().unwrap().origin, "package");
    assert_eq!(
        service
            .decide_submission(
                &district,
                ReportKey::new("6T", "2024-H1", "14849"),
                Action::Approve,
                "",
                None
            )
            .await
            .unwrap(),
        Status::Approved
    );
    let again = service
        .import_package(&district, "14849.csv", &csv, false)
        .await
        .unwrap();
    assert!(!again.applied);
    assert!(
        again.problems.iter().any(|p| p.contains("đã khóa")),
        "{:?}",
        again.problems
    );
    let outside = service
        .import_package(
            &account(&service, "xa14848", Role::Commune, Some("14848")).await,
            "14849.csv",
            &csv,
            false,
        )
        .await
        .unwrap();
    assert!(!outside.applied && !outside.problems.is_empty());
}

#[tokio::test]
async fn the_second_of_two_officers_saving_the_same_report_gets_a_conflict_and_nothing_is_lost() {
    let (_db, service) = with_money().await;
    let first = account(&service, "xa1", Role::Commune, Some("14848")).await;
    let second = account(&service, "xa2", Role::Commune, Some("14848")).await;
    service
        .save_submission(
            &first,
            ReportKey::new("6T", "2024-H1", "14848"),
            fields(&[("danh_gia", "Bản đầu")]),
            Action::Save,
            None,
        )
        .await
        .unwrap();
    service
        .save_submission(
            &first,
            ReportKey::new("6T", "2024-H1", "14848"),
            fields(&[("danh_gia", "Bản của người thứ nhất")]),
            Action::Save,
            Some(1),
        )
        .await
        .unwrap();
    let err = service
        .save_submission(
            &second,
            ReportKey::new("6T", "2024-H1", "14848"),
            fields(&[("danh_gia", "Bản của người thứ hai")]),
            Action::Save,
            Some(1),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Conflict { .. }), "{err:?}");
    let page = service
        .submission_page(&first, ReportKey::new("6T", "2024-H1", "14848"))
        .await
        .unwrap();
    assert_eq!(page.fields["danh_gia"], "Bản của người thứ nhất");
    let bad = service
        .save_submission(
            &first,
            ReportKey::new("6T", "2024-H1", "14848"),
            fields(&[("khong_co", "1")]),
            Action::Save,
            Some(2),
        )
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("khong_co"), "{bad}");
}

#[tokio::test]
async fn the_province_demo_is_consistent_across_every_capability() {
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    // Demo deadlines are relative to today, and the use cases check them against the clock.
    let today = chrono::Utc::now().date_naive();
    let plan = mtqg_service::demo::DemoPlan {
        provinces: vec!["38".to_owned()],
        plan_years: vec![2025, 2026],
        projects_per_commune: 0.05,
        until: today,
        details: false,
        seed: 11,
    };
    let steps = service
        .generate_everything(&plan, today, &|_| {})
        .await
        .unwrap();
    let capabilities: Vec<&str> = steps.iter().map(|step| step.capability).collect();
    assert_eq!(
        capabilities,
        [
            "vốn",
            "nông thôn mới",
            "chỉ đạo, điều hành",
            "giảm nghèo",
            "báo cáo"
        ]
    );
    let actor = Actor::system();
    let money = service
        .capital_summary(&actor, Some("38"), 2026, today, None)
        .await
        .unwrap();
    assert!(money.totals.plan > 0 && money.totals.disbursed > 0);
    let ntm = service
        .ntm_rollup(&actor, Some("38"), date("2025-06-30"))
        .await
        .unwrap();
    assert!(ntm.n_assessed > 0, "xã were assessed");
    let poverty = service
        .poverty_rates(&actor, Some("38"), 2025, false)
        .await
        .unwrap();
    assert!(poverty.total.n_lists > 0 && poverty.total.tally.households > 0);
    // The reports were made from the same data: a commune's frozen figures hold its money.
    let dashboard = service
        .report_dashboard(&actor, "6T", "2026-H1", Some("38"))
        .await
        .unwrap();
    assert_eq!(dashboard.expected, 166);
    assert!(dashboard.approved > 0 && dashboard.returned > 0);
    let package = service
        .report_package(&actor, ReportKey::new("6T", "2026-H1", "38"))
        .await
        .unwrap();
    assert_eq!(
        package.values["von.tong.kh_nam"],
        money_plan_on(&service, "2026-06-30").await
    );
}

async fn money_plan_on(service: &Service, day: &str) -> f64 {
    service
        .capital_summary(&Actor::system(), Some("38"), 2026, date(day), None)
        .await
        .unwrap()
        .totals
        .plan as f64
}

/// A unit's roll-ups read only its own rows (its reach): what they count must be exactly its share of the country's.
#[tokio::test]
async fn a_provinces_roll_ups_read_from_its_own_rows_equal_its_share_of_the_countrys() {
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let today = chrono::Utc::now().date_naive();
    let plan = mtqg_service::demo::DemoPlan {
        provinces: vec!["38".to_owned(), "40".to_owned()],
        plan_years: vec![2025, 2026],
        projects_per_commune: 0.05,
        until: today,
        details: false,
        seed: 12,
    };
    service
        .generate_everything(&plan, today, &|_| {})
        .await
        .unwrap();
    let actor = Actor::system();

    // New-rural, on the old tree (Thanh Hóa's xã and the merged ones looking back) and on today's.
    for day in ["2024-12-31", "2025-06-30", "2025-12-31"] {
        let country = service.ntm_rollup(&actor, None, date(day)).await.unwrap();
        let province = service
            .ntm_rollup(&actor, Some("38"), date(day))
            .await
            .unwrap();
        let share = country
            .children
            .iter()
            .find(|child| child.code == "38")
            .expect("Thanh Hóa is in the country's breakdown");
        assert_eq!((province.n_xa, 0), (share.n_xa, 0), "{day}");
        let recognised: usize = province
            .by_status
            .iter()
            .filter(|(status, _)| *status >= mtqg_core::ntm::Status::Standard)
            .map(|(_, n)| n)
            .sum();
        assert_eq!(recognised, share.recognised, "{day}");
        assert!(country.n_xa > province.n_xa, "two provinces hold data");
    }

    // Poverty: rates and flows of the province are its line of the country's.
    let country = service
        .poverty_rates(&actor, None, 2025, false)
        .await
        .unwrap();
    let province = service
        .poverty_rates(&actor, Some("38"), 2025, false)
        .await
        .unwrap();
    let line = country
        .children
        .iter()
        .find(|line| line.unit.as_ref().is_some_and(|unit| unit.code == "38"))
        .expect("Thanh Hóa has a line");
    assert!(province.total.tally.households > 0);
    assert_eq!(province.total.tally, line.tally);
    assert_eq!(province.total.previous, line.previous);
    assert!(country.total.tally.households > province.total.tally.households);
    let country = service
        .poverty_flows(&actor, None, 2024, 2025, false)
        .await
        .unwrap();
    let province = service
        .poverty_flows(&actor, Some("38"), 2024, 2025, false)
        .await
        .unwrap();
    let (_, share) = country
        .children
        .iter()
        .find(|(unit, _)| unit.code == "38")
        .expect("Thanh Hóa has flows");
    assert_eq!(&province.total, share);

    // Money: the province's will-lapse list is the country's rows of its units, with the same recent pace.
    let rows = |list: Vec<mtqg_service::money::LapseRow>| {
        let mut rows: Vec<(String, i64, i64)> = list
            .into_iter()
            .map(|row| (format!("{:?}", row.holder), row.recent, row.will_lapse))
            .collect();
        rows.sort();
        rows
    };
    let country = service
        .will_lapse(&actor, None, 2026, today, usize::MAX)
        .await
        .unwrap();
    let atlas = service.atlas().await.unwrap();
    let thanh_hoa = atlas.unit_by_code("38", today).unwrap().id;
    let country_in_province: Vec<_> = country
        .into_iter()
        .filter(|row| {
            row.unit
                .as_ref()
                .is_some_and(|unit| atlas.is_within(thanh_hoa, unit.id))
        })
        .collect();
    let province = service
        .will_lapse(&actor, Some("38"), 2026, today, usize::MAX)
        .await
        .unwrap();
    assert!(!province.is_empty(), "money will lapse in the demo");
    assert!(province.iter().any(|row| row.recent > 0), "some pace");
    assert_eq!(rows(province), rows(country_in_province));
}

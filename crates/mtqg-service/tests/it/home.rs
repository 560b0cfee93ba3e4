//! Home dashboard stories: the key figures of a province and of one of its communes gathered from money, new-rural
//! recognitions and the reporting calendar; parts without data are reported missing, and the scope holds.

use mtqg_core::access::Role;
use mtqg_core::direction::Deadline;
use mtqg_core::money::{CapitalType, EventKind, Source};
use mtqg_core::ntm::Status;
use mtqg_core::report::period::Period;
use mtqg_service::direction::{MeetingInput, TaskInput};
use mtqg_service::geography::ImportOptions;
use mtqg_service::money::EventInput;
use mtqg_service::recognition::RecognitionInput;
use mtqg_service::{Actor, Service, ServiceError};

use crate::support::{account, date, import_csv, service};

const UNITS: &str = "code,name,type,parent_code\n\
38,Tỉnh Thanh Hóa,Tỉnh,\n\
384,Huyện Mường Lát,Huyện,38\n\
14846,Thị trấn Mường Lát,Thị trấn,384\n\
14848,Xã Tam Chung,Xã,384\n\
14849,Xã Pù Nhi,Xã,384\n\
40,Tỉnh Nghệ An,Tỉnh,\n";

const MILLION: i64 = 1_000_000;

fn event(kind: EventKind, unit: &str, million: i64, day: &str) -> EventInput {
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
        amount: million * MILLION,
        date: date(day),
        legal_basis: "QĐ thử".to_owned(),
        adjusts: None,
        deadline: None,
        reason: String::new(),
    }
}

fn allocation(to: &str, million: i64) -> EventInput {
    EventInput {
        to_unit_code: Some(to.to_owned()),
        ..event(EventKind::Allocation, "38", million, "2024-01-20")
    }
}

/// Thanh Hóa holds 1.000 triệu for 2024, passes 400 to Tam Chung and 200 to Pù Nhi; 100 and 50 are disbursed
/// before April, nothing since. Tam Chung was recognised under QĐ 318 in 2023.
async fn province_with_money_and_one_recognition() -> (mtqg_test_support::TestDb, Service) {
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
    service
        .load_shipped_criteria_sets()
        .await
        .expect("criteria sets load");
    for input in [
        event(EventKind::AnnualPlan, "38", 1_000, "2024-01-10"),
        allocation("14848", 400),
        allocation("14849", 200),
        event(EventKind::Disbursement, "14848", 100, "2024-03-15"),
        event(EventKind::Disbursement, "38", 50, "2024-04-01"),
    ] {
        service
            .record_event(&Actor::system(), input)
            .await
            .expect("event is recorded");
    }
    service
        .record_recognition(
            &Actor::system(),
            RecognitionInput {
                commune_code: "14848".to_owned(),
                set_code: "QD318-2022-XA".to_owned(),
                decision: "QĐ 14848/QĐ-UBND".to_owned(),
                decided_on: date("2023-06-01"),
            },
        )
        .await
        .expect("recognition is recorded");
    (db, service)
}

#[tokio::test]
async fn a_steering_member_sees_the_province_figures_and_the_parts_without_data_are_missing() {
    let (_db, service) = province_with_money_and_one_recognition().await;
    let steering = account(&service, "bcd-tinh", Role::Steering, Some("38")).await;
    let home = service
        .home(&steering, None, date("2024-09-30"))
        .await
        .expect("home of the scope unit");
    assert_eq!(
        home.unit.as_ref().map(|unit| unit.code.as_str()),
        Some("38")
    );

    let money = home.money.expect("the province has money");
    assert_eq!(money.summary.plan_year, 2024);
    assert_eq!(money.summary.totals.plan, 1_000 * MILLION);
    assert_eq!(money.summary.totals.disbursed, 150 * MILLION);
    assert_eq!(money.summary.totals.rate(), Some(0.15));
    assert_eq!(
        money.will_lapse,
        850 * MILLION,
        "nothing was disbursed in the last 90 days, so all that remains will lapse"
    );
    assert_eq!(
        money.n_lapsing, 3,
        "the province's own money and both communes'"
    );
    let district = &money.summary.children[0];
    assert_eq!(
        (district.unit.code.as_str(), district.figures.plan),
        ("384", 600 * MILLION)
    );

    let new_rural = home.new_rural.expect("the province has xã");
    assert_eq!(
        (new_rural.n_xa, new_rural.recognised, new_rural.at_risk),
        (2, 1, 0),
        "the thị trấn is not a xã"
    );
    assert_eq!(new_rural.share(), Some(0.5));
    assert_eq!(new_rural.own_status, None);

    assert!(home.poverty.is_none(), "no recognised poverty list");
    assert!(home.direction.is_none(), "no meeting recorded");

    let reporting = home
        .reporting
        .expect("the district reports to the province");
    assert_eq!(reporting.dashboard.period, Period::FirstHalf(2024));
    assert_eq!(reporting.dashboard.kind.code, "6T");
    assert_eq!(
        (
            reporting.dashboard.expected,
            reporting.dashboard.submitted,
            reporting.pending
        ),
        (1, 0, 0)
    );
}

#[tokio::test]
async fn a_commune_officer_gets_the_commune_figures_not_the_province_ones() {
    let (_db, service) = province_with_money_and_one_recognition().await;
    let officer = account(&service, "xa-tam-chung", Role::Commune, Some("14848")).await;
    let home = service
        .home(&officer, None, date("2024-09-30"))
        .await
        .expect("home of the commune");
    assert_eq!(
        home.unit.as_ref().map(|unit| unit.code.as_str()),
        Some("14848")
    );
    let money = home.money.expect("the commune received money");
    assert_eq!(money.summary.totals.plan, 400 * MILLION);
    assert_eq!(money.summary.totals.disbursed, 100 * MILLION);
    assert_eq!(money.will_lapse, 300 * MILLION);
    let new_rural = home.new_rural.expect("the xã's own standing");
    assert_eq!(new_rural.own_status, Some(Status::Standard));
    assert_eq!((new_rural.n_xa, new_rural.recognised), (1, 1));
    let reporting = home.reporting.expect("the commune reports to its district");
    assert_eq!(reporting.dashboard.expected, 0, "no unit reports to a xã");
    assert!(reporting.own_deadline.is_some());

    let province = service.home(&officer, Some("38"), date("2024-09-30")).await;
    assert!(
        matches!(province, Err(ServiceError::Forbidden)),
        "{province:?}"
    );
    let unknown = service
        .home(&officer, Some("99999"), date("2024-09-30"))
        .await;
    assert!(
        matches!(unknown, Err(ServiceError::NotFound(_))),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn the_country_shows_every_province_and_a_province_without_money_has_no_money_part() {
    let (_db, service) = province_with_money_and_one_recognition().await;
    let country = service
        .home(&Actor::system(), None, date("2024-09-30"))
        .await
        .expect("national home");
    assert!(country.unit.is_none());
    let money = country.money.expect("the country has money");
    assert_eq!(money.summary.totals.plan, 1_000 * MILLION);
    let codes: Vec<&str> = money
        .summary
        .children
        .iter()
        .map(|child| child.unit.code.as_str())
        .collect();
    assert!(codes.contains(&"38") && codes.contains(&"40"), "{codes:?}");

    let nghe_an = service
        .home(&Actor::system(), Some("40"), date("2024-09-30"))
        .await
        .expect("home of Nghệ An");
    assert!(nghe_an.money.is_none(), "no plan nor disbursement");
    assert!(nghe_an.new_rural.is_none(), "no xã in the fixture");
}

#[tokio::test]
async fn overdue_tasks_are_counted_for_the_meetings_within_the_unit_only() {
    let (_db, service) = province_with_money_and_one_recognition().await;
    let task = |number: &str, due: &str| TaskInput {
        number: number.to_owned(),
        content: format!("Nhiệm vụ số {number}"),
        lead: None,
        coordinating: Vec::new(),
        deadline: Deadline::By(date(due)),
    };
    service
        .record_meeting(
            &Actor::system(),
            &MeetingInput {
                unit_code: "38".to_owned(),
                held_on: date("2024-06-01"),
                title: "Họp Ban Chỉ đạo tỉnh".to_owned(),
                chair: "Chủ tịch UBND tỉnh".to_owned(),
                notice_number: "12/TB-UBND".to_owned(),
                notice_date: Some(date("2024-06-03")),
                signer: String::new(),
                notice_text: String::new(),
                follows: None,
                tasks: vec![task("1", "2024-08-31"), task("2", "2024-12-31")],
            },
        )
        .await
        .expect("meeting is recorded");
    let steering = account(&service, "bcd-tinh", Role::Steering, Some("38")).await;
    let home = service
        .home(&steering, None, date("2024-09-30"))
        .await
        .expect("home of the province");
    let direction = home.direction.expect("the province held a meeting");
    assert_eq!((direction.n_meetings, direction.n_tasks), (1, 2));
    let overdue: Vec<&str> = direction
        .overdue
        .iter()
        .map(|(_, view)| view.task.number.as_str())
        .collect();
    assert_eq!(overdue, ["1"], "due 31/08/2024, not done by 30/09/2024");

    let officer = account(&service, "xa-tam-chung", Role::Commune, Some("14848")).await;
    let commune = service
        .home(&officer, None, date("2024-09-30"))
        .await
        .expect("home of the commune");
    assert!(
        commune.direction.is_none(),
        "the province's meeting is not the commune's"
    );
}

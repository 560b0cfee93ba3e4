//! The home dashboard in the browser: a province's steering committee sees its key figures with links and charts,
//! the country sees the provinces' map, another province's account is refused, and an anonymous visitor logs in
//! first.

use axum::http::StatusCode;
use chrono::NaiveDate;
use mtqg_core::access::Role;
use mtqg_core::money::{CapitalType, EventKind, Source};
use mtqg_service::auth::UserInput;
use mtqg_service::geography::{ImportOptions, TableSource};
use mtqg_service::money::EventInput;
use mtqg_service::{Actor, Service};
use mtqg_test_support::TestDb;

use crate::app::TestApp;

const UNITS: &str = "code,name,type,parent_code\n\
38,Tỉnh Thanh Hóa,Tỉnh,\n\
384,Huyện Mường Lát,Huyện,38\n\
14846,Thị trấn Mường Lát,Thị trấn,384\n\
14848,Xã Tam Chung,Xã,384\n\
40,Tỉnh Nghệ An,Tỉnh,\n";

const DAY: &str = "30/09/2024";

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
}

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
        amount: million * 1_000_000,
        date: date(day),
        legal_basis: "QĐ thử".to_owned(),
        adjusts: None,
        deadline: None,
        reason: String::new(),
    }
}

/// Thanh Hóa with 1.000 triệu for 2024, 400 passed to Tam Chung, 150 disbursed; accounts of the country, of Thanh
/// Hóa's and Nghệ An's steering committees.
async fn home_app() -> TestApp {
    let db = TestDb::new().await;
    let service = Service::new(db.store.clone());
    let report = service
        .import_geography(
            &Actor::system(),
            "units.csv",
            TableSource::from_bytes("units.csv", UNITS.as_bytes().to_vec()),
            &ImportOptions {
                as_of: Some(date("2021-01-01")),
                ..ImportOptions::default()
            },
            &|_| {},
        )
        .await
        .expect("fixture imports");
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
        EventInput {
            to_unit_code: Some("14848".to_owned()),
            ..event(EventKind::Allocation, "38", 400, "2024-01-20")
        },
        event(EventKind::Disbursement, "14848", 100, "2024-03-15"),
        event(EventKind::Disbursement, "38", 50, "2024-04-01"),
    ] {
        service
            .record_event(&Actor::system(), input)
            .await
            .expect("event is recorded");
    }
    for (username, role, scope) in [
        ("admin", Role::Admin, None),
        ("bcd", Role::Steering, Some("38")),
        ("bcd-nghe-an", Role::Steering, Some("40")),
    ] {
        service
            .add_user(
                &Actor::system(),
                UserInput {
                    username: username.to_owned(),
                    display_name: format!("Người dùng {username}"),
                    password: "mat-khau-thu".to_owned(),
                    role,
                    scope_code: scope.map(str::to_owned),
                },
            )
            .await
            .expect("user is added");
    }
    TestApp::with_service(db, service)
}

/// A page's text with the escapes minijinja writes for '/' and '&' undone, so that links read as typed.
fn readable(body: &str) -> String {
    body.replace("&#x2f;", "/").replace("&amp;", "&")
}

#[tokio::test]
async fn a_steering_member_opens_the_province_dashboard_with_its_figures_links_and_charts() {
    let app = home_app().await;
    let steering = app.login("bcd").await;
    let page = app.get(Some(&steering), "/?date=30%2F09%2F2024").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = readable(&page.body);
    assert!(
        body.contains("Tổng quan — Tỉnh Thanh Hóa — ngày 30/09/2024"),
        "{body}"
    );
    assert!(
        body.contains("Đã giải ngân 150 triệu đồng / kế hoạch 1.000 triệu đồng"),
        "{body}"
    );
    assert!(body.contains("<p class=\"big\">15%</p>"), "{body}");
    assert!(
        body.contains("Dự báo <strong>850 triệu đồng</strong> có nguy cơ bị hủy"),
        "nothing disbursed in the last 90 days: {body}"
    );
    assert!(body.contains(&format!("href=\"/capital?unit=38&year=2024&date={DAY}\"")));
    assert!(body.contains(&format!("href=\"/ntm?unit=38&date={DAY}\"")));
    assert!(body.contains("0/1 xã đạt chuẩn trở lên"), "{body}");
    assert!(body.contains("href=\"/reports?report=6T&period=2024-H1&unit=38\""));
    assert!(
        body.contains("0/1 đơn vị đã gửi"),
        "the district reports to the province"
    );
    assert!(
        body.contains("Chưa có số liệu") && body.contains("href=\"/poverty\""),
        "no poverty list nor meeting: {body}"
    );
    assert!(
        body.contains("<svg class=\"chart\"") && body.contains("Huyện Mường Lát"),
        "the children's disbursement bars"
    );
    assert!(
        body.contains("Ranh giới xã chưa có trong dữ liệu"),
        "commune boundaries are not shipped"
    );
    assert!(body.contains(&format!("href=\"/?unit=384&date={DAY}\"")));
    assert!(
        body.contains("href=\"/units\""),
        "the unit browser stays in the nav"
    );
    assert!(body.contains("data-print"), "the print button");
}

#[tokio::test]
async fn the_national_dashboard_colours_the_provinces_and_each_links_to_its_own() {
    let app = home_app().await;
    let admin = app.login("admin").await;
    let page = app.get(Some(&admin), "/?date=2024-09-30").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = readable(&page.body);
    assert!(body.contains("Tổng quan — Toàn quốc"), "{body}");
    assert!(body.contains("<svg class=\"map\""), "{body}");
    assert_eq!(body.matches("<path").count(), 63, "the provinces of 2024");
    assert!(body.contains(&format!("<a href=\"/?unit=38&date={DAY}\"><path")));
    assert!(
        body.contains("<title>Tỉnh Thanh Hóa: 15%</title>"),
        "{body}"
    );
    assert!(body.contains("Màu theo tỷ lệ giải ngân kế hoạch vốn năm 2024"));
    let drilled = app.get(Some(&admin), "/?unit=38&date=2024-09-30").await;
    assert_eq!(drilled.status, StatusCode::OK);
    assert!(
        readable(&drilled.body).contains(&format!("href=\"/?date={DAY}\">↑ Lên cấp trên")),
        "back up to the country"
    );
}

#[tokio::test]
async fn another_province_asking_for_thanh_hoa_is_refused() {
    let app = home_app().await;
    let nghe_an = app.login("bcd-nghe-an").await;
    let own = app.get(Some(&nghe_an), "/").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("Tỉnh Nghệ An"));
    let other = app.get(Some(&nghe_an), "/?unit=38").await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let unknown = app.get(Some(&nghe_an), "/?unit=99").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_anonymous_visitor_is_sent_to_login_and_lands_on_the_dashboard_after_it() {
    let app = home_app().await;
    let anonymous = app.get(None, "/").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.location.as_deref(), Some("/login"));
    let login = app
        .post_form(None, "/login", "username=bcd&password=mat-khau-thu&next=")
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(login.location.as_deref(), Some("/"));
}

#[tokio::test]
async fn a_refused_or_missing_page_keeps_the_menu_and_logout_of_a_logged_in_user() {
    let app = home_app().await;
    let nghe_an = app.login("bcd-nghe-an").await;
    for (uri, status, heading) in [
        (
            "/?unit=38",
            StatusCode::FORBIDDEN,
            "Không có quyền truy cập",
        ),
        ("/?unit=99", StatusCode::NOT_FOUND, "Không tìm thấy"),
        (
            "/khong-co-trang-nay",
            StatusCode::NOT_FOUND,
            "Không có trang /khong-co-trang-nay.",
        ),
    ] {
        let page = app.get(Some(&nghe_an), uri).await;
        assert_eq!(page.status, status, "{uri}");
        let body = readable(&page.body);
        assert!(body.contains(heading), "{uri}: {body}");
        assert!(
            body.contains("<a href=\"/capital\"") && body.contains("action=\"/logout\""),
            "{uri}: the menu and the logout button: {body}"
        );
        assert!(
            body.contains("Người dùng bcd-nghe-an"),
            "{uri}: who is logged in"
        );
    }
    // Without a session the same page has no menu, and the API answers JSON.
    let anonymous = app.get(None, "/khong-co-trang-nay").await;
    assert_eq!(anonymous.status, StatusCode::NOT_FOUND);
    assert!(!anonymous.body.contains("action=\"/logout\""));
    let api = app.get(Some(&nghe_an), "/api/v1/khong-co").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.body.starts_with('{'), "{}", api.body);
}

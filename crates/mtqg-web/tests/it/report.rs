//! Periodic reporting in the browser: a commune fills in and submits its report, the district returns and approves
//! it from the dashboard, the forms and the narrative download, and writes need the CSRF token, the role and the
//! scope.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::NaiveDate;
use mtqg_core::access::Role;
use mtqg_core::money::{CapitalType, EventKind, Source};
use mtqg_service::auth::UserInput;
use mtqg_service::geography::{ImportOptions, TableSource};
use mtqg_service::money::EventInput;
use mtqg_service::{Actor, Service};
use mtqg_test_support::TestDb;

use crate::app::{form_encode, multipart_with, Client, Reply, TestApp};

const UNITS: &str = "code,name,short_name,type,parent_code\n\
38,Tỉnh Thanh Hóa,Thanh Hóa,Tỉnh,\n\
384,Huyện Mường Lát,Mường Lát,Huyện,38\n\
14846,Thị trấn Mường Lát,Mường Lát,Thị trấn,384\n\
14848,Xã Tam Chung,Tam Chung,Xã,384\n\
14849,Xã Pù Nhi,Pù Nhi,Xã,384\n";

const PAGE: &str = "/reports/6T/2024-H1/14848";

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
}

fn event(kind: EventKind, unit: &str, plan_year: i32, million: i64, day: &str) -> EventInput {
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
        amount: million * 1_000_000,
        date: date(day),
        legal_basis: "QĐ thử".to_owned(),
        adjusts: None,
        deadline: None,
        reason: String::new(),
    }
}

/// The province of Thanh Hóa with one district and three communes as of 2021, money for Tam Chung in 2024 (400
/// triệu allocated, 100 disbursed by March), and the accounts: the commune's officer, another commune's officer, the
/// district's steering committee and a viewer of the district.
async fn reporting_app() -> TestApp {
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
    for input in [
        event(EventKind::AnnualPlan, "38", 2024, 1_000, "2024-01-10"),
        EventInput {
            to_unit_code: Some("14848".to_owned()),
            ..event(EventKind::Allocation, "38", 2024, 400, "2024-01-20")
        },
        event(EventKind::Disbursement, "14848", 2024, 100, "2024-03-15"),
    ] {
        service
            .record_event(&Actor::system(), input)
            .await
            .expect("event is recorded");
    }
    for (username, role, scope) in [
        ("xa", Role::Commune, "14848"),
        ("xa-bennh", Role::Commune, "14849"),
        ("bcd", Role::Steering, "384"),
        ("xem", Role::Viewer, "384"),
    ] {
        service
            .add_user(
                &Actor::system(),
                UserInput {
                    username: username.to_owned(),
                    display_name: format!("Người dùng {username}"),
                    password: "mat-khau-thu".to_owned(),
                    role,
                    scope_code: Some(scope.to_owned()),
                },
            )
            .await
            .expect("user is added");
    }
    TestApp::with_service(db, service)
}

/// A page's text with the escapes minijinja writes for '/' and '"' undone, so that assertions read naturally (`<`
/// and `&` stay escaped).
fn readable(body: &str) -> String {
    body.replace("&#x2f;", "/").replace("&quot;", "\"")
}

/// The value of a hidden or text input in a page, as written.
fn input_value(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no input {name}"))
        + marker.len();
    body[start..]
        .split('"')
        .next()
        .expect("a closing quote")
        .to_owned()
}

async fn post(app: &TestApp, client: &Client, uri: &str, pairs: &[(&str, &str)]) -> Reply {
    let mut pairs = pairs.to_vec();
    pairs.push(("csrf_token", &client.csrf));
    app.post_form(Some(client), uri, &form_encode(&pairs)).await
}

#[tokio::test]
async fn an_officer_who_types_a_bad_date_gets_the_page_back_with_the_error_and_what_was_typed_then_submits(
) {
    let app = reporting_app().await;
    let officer = app.login("xa").await;
    let page = app.get(Some(&officer), PAGE).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = readable(&page.body);
    for needle in [
        "Báo cáo 6 tháng kết quả thực hiện các Chương trình MTQG",
        "6 tháng đầu năm 2024",
        "Gửi: UBND Huyện Mường Lát",
        "05/07/2024",
        "Chưa lập",
        "name=\"so_hieu\"",
        "<textarea name=\"danh_gia\"",
        "value=\"save\">Lưu</button>",
        "value=\"submit\">Gửi báo cáo</button>",
        "Báo cáo thuyết minh (.docx)",
        "Biểu số 01 – HUYDONG",
        "<a href=\"/reports\" class=\"active\">Báo cáo</a>",
        "Tổng số xã trên địa bàn — Kế hoạch năm 2024 (số xã đạt)",
    ] {
        assert!(body.contains(needle), "{needle}: {body}");
    }
    assert_eq!(input_value(&body, "version"), "");

    let typed = [
        ("version", ""),
        ("action", "save"),
        ("so_hieu", "12/BC-UBND"),
        ("ngay_ky", "32/13/2024"),
        ("ntm.xa.kh", "mười"),
        ("danh_gia", "Giải ngân chậm do <mưa lũ>"),
    ];
    let refused = post(&app, &officer, PAGE, &typed).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = readable(&refused.body);
    assert!(
        body.contains("Ngày ký (dd/mm/yyyy)\": ngày \"32/13/2024\" không hợp lệ (dd/mm/yyyy)")
            && body.contains("Kế hoạch năm 2024 (số xã đạt)\": \"mười\" không phải số"),
        "{body}"
    );
    // Each problem is also shown next to its field, and only there.
    let next_to = |name: &str| {
        let at = body
            .find(&format!("name=\"{name}\""))
            .unwrap_or_else(|| panic!("no field {name}"));
        let rest = &body[at..];
        rest[..rest[1..].find("<label").map_or(rest.len(), |end| end + 1)].to_owned()
    };
    assert!(
        next_to("ngay_ky").contains("aria-invalid=\"true\"")
            && next_to("ngay_ky")
                .contains("field-error\">Ô \"Ngày ký (dd/mm/yyyy)\": ngày \"32/13/2024\""),
        "{}",
        next_to("ngay_ky")
    );
    assert!(next_to("ntm.xa.kh").contains("\"mười\" không phải số"));
    assert!(!next_to("so_hieu").contains("field-error"));
    assert!(body.contains("Chưa ghi: 2 ô chưa hợp lệ"), "{body}");
    assert_eq!(input_value(&body, "so_hieu"), "12/BC-UBND");
    assert_eq!(input_value(&body, "ngay_ky"), "32/13/2024");
    assert_eq!(input_value(&body, "ntm.xa.kh"), "mười");
    assert!(
        body.contains("Giải ngân chậm do &lt;mưa lũ&gt;</textarea>"),
        "typed text is kept and escaped: {body}"
    );
    assert!(!body.contains("Đã lưu"), "nothing was saved: {body}");

    let sent = post(
        &app,
        &officer,
        PAGE,
        &[
            ("version", ""),
            ("action", "submit"),
            ("so_hieu", "12/BC-UBND"),
            ("ngay_ky", "05/07/2024"),
            ("danh_gia", "Giải ngân chậm do mưa lũ"),
        ],
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(
        sent.location.as_deref(),
        Some("/reports/6T/2024-H1/14848?done=submit")
    );
    let page = app
        .get(Some(&officer), "/reports/6T/2024-H1/14848?done=submit")
        .await;
    for needle in [
        "Đã gửi báo cáo lên cấp trên.",
        "Đã gửi, chờ duyệt",
        "trễ hạn",
        "<td>xa</td><td>Gửi báo cáo</td>",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    assert!(
        !page.body.contains("value=\"submit\""),
        "a submitted report is no longer editable"
    );
}

#[tokio::test]
async fn the_district_returns_a_report_with_a_comment_and_approves_it_in_bulk_after_it_is_sent_again(
) {
    let app = reporting_app().await;
    let officer = app.login("xa").await;
    let district = app.login("bcd").await;
    let sent = post(
        &app,
        &officer,
        PAGE,
        &[
            ("action", "submit"),
            ("kien_nghi", "Đề nghị bổ sung vốn"),
            ("version", ""),
        ],
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);

    let dashboard = app
        .get(Some(&district), "/reports?report=6T&period=2024-H1")
        .await;
    assert_eq!(dashboard.status, StatusCode::OK, "{}", dashboard.body);
    for needle in [
        "Huyện Mường Lát",
        "Xã Tam Chung",
        "Xã Pù Nhi",
        "Đã gửi, chờ duyệt",
        "name=\"unit\" value=\"14848\"",
        "Duyệt các báo cáo đã chọn",
        "href=\"/reports/6T/2024-H1/14848\"",
        "Phải báo cáo</dt><dd>3 đơn vị",
        "33,3%",
    ] {
        assert!(
            dashboard.body.contains(needle),
            "{needle}: {}",
            dashboard.body
        );
    }
    assert!(
        !dashboard.body.contains("name=\"unit\" value=\"14849\""),
        "only submitted reports can be ticked"
    );

    let page = app.get(Some(&district), PAGE).await;
    assert!(
        page.body.contains("value=\"approve\">Duyệt</button>")
            && page.body.contains("value=\"return\">Trả lại</button>"),
        "{}",
        page.body
    );
    let version = input_value(&page.body, "version");
    let decide = format!("{PAGE}/decide");
    let no_comment = post(
        &app,
        &district,
        &decide,
        &[
            ("action", "return"),
            ("comment", " "),
            ("version", &version),
        ],
    )
    .await;
    assert_eq!(no_comment.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_comment
            .body
            .contains("Cần ghi ý kiến khi trả lại báo cáo"),
        "{}",
        no_comment.body
    );
    let returned = post(
        &app,
        &district,
        &decide,
        &[
            ("action", "return"),
            ("comment", "Bổ sung số liệu vốn lồng ghép"),
            ("version", &version),
        ],
    )
    .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER, "{}", returned.body);

    let page = app.get(Some(&officer), PAGE).await;
    assert!(
        page.body.contains("Bị trả lại") && page.body.contains("Bổ sung số liệu vốn lồng ghép"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Đã gửi, chờ duyệt → Bị trả lại"),
        "{}",
        page.body
    );
    let version = input_value(&page.body, "version");
    let again = post(
        &app,
        &officer,
        PAGE,
        &[
            ("action", "submit"),
            ("kien_nghi", "Đã bổ sung vốn lồng ghép"),
            ("version", &version),
        ],
    )
    .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);

    let approved = app
        .post_form(
            Some(&district),
            "/reports/approve",
            &form_encode(&[
                ("csrf_token", &district.csrf),
                ("report", "6T"),
                ("period", "2024-H1"),
                ("unit", "14848"),
                ("unit", "14849"),
            ]),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert!(
        approved
            .body
            .contains("Đã duyệt 1 báo cáo: Xã Tam Chung (14848)"),
        "{}",
        approved.body
    );
    assert!(
        approved
            .body
            .contains("Xã Pù Nhi (14849): Đơn vị chưa gửi báo cáo kỳ này"),
        "{}",
        approved.body
    );
    let page = app.get(Some(&officer), PAGE).await;
    assert!(
        page.body.contains("<strong>Đã duyệt</strong>"),
        "{}",
        page.body
    );
    let district_page = app.get(Some(&district), PAGE).await;
    assert!(
        district_page
            .body
            .contains("value=\"reopen\">Mở khóa</button>"),
        "{}",
        district_page.body
    );
}

#[tokio::test]
async fn the_forms_the_narrative_and_the_package_download_in_their_formats() {
    let app = reporting_app().await;
    let officer = app.login("xa").await;

    let xlsx = app
        .get(Some(&officer), &format!("{PAGE}/forms/HUYDONG.xlsx"))
        .await;
    assert_eq!(xlsx.status, StatusCode::OK, "{}", xlsx.body);
    assert_eq!(
        xlsx.content_type.as_deref(),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert!(
        xlsx.disposition
            .as_deref()
            .is_some_and(|d| d.contains("bieu-HUYDONG-6T-2024-H1-14848.xlsx")),
        "{:?}",
        xlsx.disposition
    );
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.bytes)).expect("an xlsx file");
    use calamine::Reader;
    let range = book.worksheet_range("HUYDONG").expect("the form's sheet");
    assert!(range.cells().any(
        |(_, _, cell)| matches!(cell, calamine::Data::String(text) if text == "Thực hiện 6 tháng")
    ));
    assert!(
        range
            .cells()
            .any(|(_, _, cell)| matches!(cell, calamine::Data::Float(value) if *value == 100.0)),
        "the 100 triệu disbursed"
    );

    let docx = app
        .get(Some(&officer), &format!("{PAGE}/narrative.docx"))
        .await;
    assert_eq!(docx.status, StatusCode::OK, "{}", docx.body);
    assert_eq!(
        docx.content_type.as_deref(),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );
    assert!(docx.bytes.starts_with(b"PK"));
    assert!(docx
        .disposition
        .as_deref()
        .is_some_and(|d| d.contains("bao-cao-6T-2024-H1-14848.docx")));

    let html = app.get(Some(&officer), &format!("{PAGE}/narrative")).await;
    assert_eq!(html.status, StatusCode::OK, "{}", html.body);
    for needle in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Nơi nhận:",
        "@page { size: A4; margin: 20mm 15mm 20mm 30mm; }",
        "ngày     tháng     năm 2024",
        "data-print>In</button>",
        "TM. ỦY BAN NHÂN DÂN",
    ] {
        assert!(html.body.contains(needle), "{needle}: {}", html.body);
    }

    let json = app
        .get(Some(&officer), &format!("{PAGE}/package.json"))
        .await;
    assert_eq!(json.status, StatusCode::OK);
    let package: serde_json::Value = serde_json::from_slice(&json.bytes).expect("json");
    assert_eq!(package["format"], "mtqg-report-package");
    assert_eq!(package["unit"]["code"], "14848");
    let csv = app
        .get(Some(&officer), &format!("{PAGE}/package.csv"))
        .await;
    assert!(
        csv.body
            .starts_with("report,period,unit_code,kind,key,value"),
        "{}",
        csv.body
    );
    let api = app
        .get(Some(&officer), "/api/v1/reports/6T/2024-H1/14848")
        .await;
    assert_eq!(api.status, StatusCode::OK);
    let api: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(api["period"], "2024-H1");
    assert_eq!(api["values"]["von.nstw.dtpt.th_ky"], 100_000_000.0);

    let wrong = app
        .get(Some(&officer), &format!("{PAGE}/forms/GIAINGAN.xlsx"))
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_package_uploaded_on_the_dashboard_is_checked_first_then_recorded_as_from_a_package() {
    let app = reporting_app().await;
    let district = app.login("bcd").await;
    let package = app
        .get(Some(&district), "/reports/6T/2024-H1/14849/package.json")
        .await;
    assert_eq!(package.status, StatusCode::OK);
    for (dry_run, expected) in [
        (true, "Không có lỗi. Bỏ chọn"),
        (false, "Đã ghi nhận báo cáo của đơn vị"),
    ] {
        let mut fields = vec![("report", "6T"), ("period", "2024-H1")];
        if dry_run {
            fields.push(("dry_run", "1"));
        }
        let (content_type, body) =
            multipart_with(&district.csrf, "14849.json", &package.body, false, &fields);
        let reply = app
            .send(
                Request::post("/reports/import-package")
                    .header(header::COOKIE, &district.cookie)
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(body))
                    .expect("request builds"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(reply.body.contains(expected), "{expected}: {}", reply.body);
    }
    let dashboard = app
        .get(Some(&district), "/reports?report=6T&period=2024-H1")
        .await;
    assert!(
        dashboard.body.contains("gói dữ liệu")
            && dashboard.body.contains("name=\"unit\" value=\"14849\""),
        "{}",
        dashboard.body
    );
    let broken = multipart_with(&district.csrf, "sai.json", "{\"format\": 1", false, &[]);
    let reply = app
        .send(
            Request::post("/reports/import-package")
                .header(header::COOKIE, &district.cookie)
                .header(header::CONTENT_TYPE, broken.0)
                .body(Body::from(broken.1))
                .expect("request builds"),
        )
        .await;
    assert!(
        reply.body.contains("JSON không hợp lệ") && reply.body.contains("không ghi gì"),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn report_writes_need_the_csrf_token_the_approving_role_and_the_scope() {
    let app = reporting_app().await;
    let officer = app.login("xa").await;
    let viewer = app.login("xem").await;
    let neighbour = app.login("xa-bennh").await;

    let forged = app
        .post_form(
            Some(&officer),
            PAGE,
            &form_encode(&[("action", "submit"), ("version", "")]),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let sent = post(
        &app,
        &officer,
        PAGE,
        &[("action", "submit"), ("version", "")],
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let forged_decision = app
        .post_form(
            Some(&viewer),
            &format!("{PAGE}/decide"),
            &form_encode(&[("action", "approve"), ("version", "")]),
        )
        .await;
    assert_eq!(forged_decision.status, StatusCode::FORBIDDEN);

    let page = app.get(Some(&viewer), PAGE).await;
    assert_eq!(page.status, StatusCode::OK, "a viewer reads the report");
    assert!(
        !page
            .body
            .contains("action=\"/reports/6T/2024-H1/14848/decide\"")
            && !page.body.contains("value=\"submit\""),
        "{}",
        page.body
    );
    let decision = post(
        &app,
        &viewer,
        &format!("{PAGE}/decide"),
        &[("action", "approve"), ("version", "")],
    )
    .await;
    assert_eq!(decision.status, StatusCode::FORBIDDEN, "{}", decision.body);
    let own = post(
        &app,
        &officer,
        &format!("{PAGE}/decide"),
        &[("action", "approve"), ("version", "")],
    )
    .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.body);
    let bulk = app
        .post_form(
            Some(&viewer),
            "/reports/approve",
            &form_encode(&[
                ("csrf_token", &viewer.csrf),
                ("report", "6T"),
                ("period", "2024-H1"),
                ("unit", "14848"),
            ]),
        )
        .await;
    assert_eq!(bulk.status, StatusCode::FORBIDDEN);

    let outside = app.get(Some(&neighbour), PAGE).await;
    assert!(
        matches!(
            outside.status,
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
        ),
        "{}",
        outside.status
    );
    let outside_download = app
        .get(Some(&neighbour), &format!("{PAGE}/narrative.docx"))
        .await;
    assert!(matches!(
        outside_download.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    let outside_post = post(
        &app,
        &neighbour,
        PAGE,
        &[("action", "save"), ("version", "")],
    )
    .await;
    assert!(matches!(
        outside_post.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
}

#[tokio::test]
async fn a_save_from_a_stale_page_is_refused_as_a_conflict_and_keeps_what_was_typed() {
    let app = reporting_app().await;
    let officer = app.login("xa").await;
    for version in ["", "1"] {
        let saved = post(
            &app,
            &officer,
            PAGE,
            &[
                ("action", "save"),
                ("version", version),
                ("danh_gia", "Bản đã lưu"),
            ],
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    }
    let stale = post(
        &app,
        &officer,
        PAGE,
        &[
            ("action", "save"),
            ("version", "1"),
            ("danh_gia", "Bản từ trang cũ"),
        ],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let body = readable(&stale.body);
    assert!(
        body.contains("Báo cáo vừa được người khác lưu hoặc xử lý")
            && body.contains("Bản từ trang cũ</textarea>"),
        "{body}"
    );
    assert_eq!(
        input_value(&body, "version"),
        "2",
        "the page now holds the latest version"
    );
}

#[tokio::test]
async fn the_dashboard_opens_on_a_default_period_and_explains_a_period_it_cannot_read() {
    let app = reporting_app().await;
    let district = app.login("bcd").await;
    let today = chrono::Utc::now().date_naive();
    let expected = if today.format("%m-%d").to_string().as_str() > "06-30" {
        format!("6 tháng đầu năm {}", chrono::Datelike::year(&today))
    } else {
        format!("năm {}", chrono::Datelike::year(&today) - 1)
    };
    let page = app.get(Some(&district), "/reports").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&expected), "{expected}: {}", page.body);
    let bad = app
        .get(Some(&district), "/reports?report=6T&period=2024-H2")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        readable(&bad.body).contains("Kỳ báo cáo \"2024-H2\" không hợp lệ")
            && bad.body.contains("<select name=\"report\">"),
        "{}",
        bad.body
    );
    let doc = app.get(None, "/api/v1/openapi.json").await;
    let doc: serde_json::Value = serde_json::from_str(&doc.body).expect("json");
    assert!(doc["paths"]["/api/v1/reports/{report}/{period}/{unit}"].is_object());
}

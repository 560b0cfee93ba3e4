//! Drives the router with `oneshot`, as a browser or API client would, through a `TestApp` with logged-in users.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use mtqg_core::access::Role;
use mtqg_service::auth::UserInput;
use mtqg_service::geography::{ImportOptions, TableSource};
use mtqg_service::{Actor, Service};
use mtqg_test_support::TestDb;
use mtqg_web::{app_router, AppState};
use tower::ServiceExt;

const UNITS: &str = "code,name,type,parent_code\n\
38,Tỉnh Thanh Hóa,Tỉnh,\n\
384,Huyện Mường Lát,Huyện,38\n\
14846,Thị trấn Mường Lát,Thị trấn,384\n\
14848,Xã Tam Chung,Xã,384\n";

pub(crate) struct TestApp {
    _db: TestDb,
    router: Router,
}

/// A logged-in client: its cookie and CSRF token.
pub(crate) struct Client {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) location: Option<String>,
    pub(crate) set_cookie: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) disposition: Option<String>,
    /// The body as text (lossy for binary downloads, which `bytes` holds as sent).
    pub(crate) body: String,
    pub(crate) bytes: Vec<u8>,
}

impl TestApp {
    async fn init() -> TestApp {
        TestApp::init_with(TestDb::new().await).await
    }

    /// `init` on a database the test keeps a handle on.
    async fn init_with(db: TestDb) -> TestApp {
        let service = Service::new(db.store.clone());
        let options = ImportOptions {
            as_of: Some(chrono::NaiveDate::from_ymd_opt(2023, 1, 1).expect("valid")),
            ..ImportOptions::default()
        };
        let report = service
            .import_geography(
                &Actor::system(),
                "units.csv",
                TableSource::from_bytes("units.csv", UNITS.as_bytes().to_vec()),
                &options,
                &|_| {},
            )
            .await
            .expect("fixture imports");
        assert!(report.applied);
        service
            .load_shipped_catalogue()
            .await
            .expect("catalogue loads");
        service
            .load_shipped_criteria_sets()
            .await
            .expect("criteria sets load");
        service
            .load_shipped_poverty_standards()
            .await
            .expect("poverty standards load");
        for (username, role, scope) in [
            ("admin", Role::Admin, None),
            ("xa", Role::Commune, Some("14848")),
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

    /// The app around a service whose data the test set up itself.
    pub(crate) fn with_service(db: TestDb, service: Service) -> TestApp {
        let router = app_router(AppState::new(service))
            .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 9))));
        TestApp { _db: db, router }
    }

    pub(crate) async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status();
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .and_then(|value: &header::HeaderValue| value.to_str().ok())
                .map(str::to_owned)
        };
        let location = header_text(header::LOCATION);
        let set_cookie = header_text(header::SET_COOKIE);
        let content_type = header_text(header::CONTENT_TYPE);
        let disposition = header_text(header::CONTENT_DISPOSITION);
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body is read")
            .to_bytes();
        Reply {
            status,
            location,
            set_cookie,
            content_type,
            disposition,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub(crate) async fn get(&self, client: Option<&Client>, uri: &str) -> Reply {
        let mut request = Request::get(uri);
        if let Some(client) = client {
            request = request.header(header::COOKIE, &client.cookie);
        }
        self.send(request.body(Body::empty()).expect("request builds"))
            .await
    }

    pub(crate) async fn post_form(&self, client: Option<&Client>, uri: &str, form: &str) -> Reply {
        let mut request =
            Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(client) = client {
            request = request.header(header::COOKIE, &client.cookie);
        }
        self.send(
            request
                .body(Body::from(form.to_owned()))
                .expect("request builds"),
        )
        .await
    }

    pub(crate) async fn login(&self, username: &str) -> Client {
        let reply = self
            .send(
                Request::post("/api/v1/session")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(format!(
                        r#"{{"username":"{username}","password":"mat-khau-thu"}}"#
                    )))
                    .expect("request builds"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let set_cookie = reply.set_cookie.expect("a session cookie is set");
        assert!(
            set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
            "{set_cookie}"
        );
        let cookie = set_cookie
            .split(';')
            .next()
            .expect("cookie pair")
            .to_owned();
        let body: serde_json::Value = serde_json::from_str(&reply.body).expect("json body");
        Client {
            cookie,
            csrf: body["csrf_token"].as_str().expect("csrf token").to_owned(),
        }
    }
}

#[tokio::test]
async fn pages_redirect_to_login_and_the_api_answers_401_without_a_session() {
    let app = TestApp::init().await;
    let page = app.get(None, "/units").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/login"));
    assert_eq!(
        app.get(None, "/api/v1/units?level=province").await.status,
        StatusCode::UNAUTHORIZED
    );
    let login = app.get(None, "/login").await;
    assert!(login.body.contains("Đăng nhập") && login.body.contains("Mật khẩu"));
}

#[tokio::test]
async fn logging_in_through_the_form_sets_an_http_only_cookie_and_a_wrong_password_is_refused() {
    let app = TestApp::init().await;
    let wrong = app
        .post_form(None, "/login", "username=admin&password=sai&next=")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong
        .body
        .contains("tên đăng nhập hoặc mật khẩu không đúng"));
    let right = app
        .post_form(
            None,
            "/login",
            "username=admin&password=mat-khau-thu&next=%2Funits%2F38",
        )
        .await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    assert_eq!(right.location.as_deref(), Some("/units/38"));
    assert!(right.set_cookie.expect("cookie").contains("HttpOnly"));
    let elsewhere = app
        .post_form(
            None,
            "/login",
            "username=admin&password=mat-khau-thu&next=https%3A%2F%2Fevil.example",
        )
        .await;
    assert_eq!(
        elsewhere.location.as_deref(),
        Some("/"),
        "no open redirect after login: the home dashboard instead"
    );
}

#[tokio::test]
async fn an_officer_searches_without_diacritics_and_opens_the_unit_page() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let found = app
        .get(Some(&admin), "/units?q=muong+lat&date=2023-06-01")
        .await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(
        found.body.contains("Huyện Mường Lát") && found.body.contains("Tỉnh Thanh Hóa"),
        "{}",
        found.body
    );
    let page = app.get(Some(&admin), "/units/384?date=2023-06-01").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Xã Tam Chung") && page.body.contains("Lịch sử tên gọi"));
    let api = app
        .get(Some(&admin), "/api/v1/units/384?as_of=2023-06-01")
        .await;
    let json: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(json["unit"]["name"], "Huyện Mường Lát");
    assert_eq!(json["children"].as_array().expect("children").len(), 2);
}

#[tokio::test]
async fn a_commune_officer_gets_403_on_another_commune_in_ui_and_api() {
    let app = TestApp::init().await;
    let officer = app.login("xa").await;
    assert_eq!(
        app.get(Some(&officer), "/units/14848?date=2024-01-01")
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(Some(&officer), "/units/14846?date=2024-01-01")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(Some(&officer), "/api/v1/units/14846?as_of=2024-01-01")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(
            Some(&officer),
            "/api/v1/units?level=commune&parent=384&as_of=2024-01-01"
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let listed = app
        .get(
            Some(&officer),
            "/api/v1/units?level=commune&as_of=2024-01-01",
        )
        .await;
    assert!(
        listed.body.contains("14848") && !listed.body.contains("14846"),
        "{}",
        listed.body
    );
    assert_eq!(
        app.get(Some(&officer), "/admin/audit").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(Some(&officer), "/api/v1/audit").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn state_changing_requests_without_the_csrf_token_are_refused() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let form = app
        .post_form(
            Some(&admin),
            "/admin/users",
            "csrf_token=wrong&username=moi&display_name=M&password=12345678&role=viewer&scope=",
        )
        .await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    let api = app
        .send(
            Request::post("/api/v1/imports?file_name=u.csv&as_of=2024-01-01")
                .header(header::COOKIE, &admin.cookie)
                .body(Body::from(UNITS))
                .expect("request builds"),
        )
        .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    let ok = app
        .post_form(
            Some(&admin),
            "/admin/users",
            &format!(
                "csrf_token={}&username=moi&display_name=M&password=12345678&role=viewer&scope=",
                admin.csrf
            ),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_api_import_dry_run_reports_problems_by_row_and_the_apply_is_audited() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let post = |uri: String, body: &'static str| {
        Request::post(uri)
            .header(header::COOKIE, &admin.cookie)
            .header("x-csrf-token", &admin.csrf)
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(body))
            .expect("request builds")
    };
    let bad = app
        .send(post(
            "/api/v1/imports?file_name=bad.csv&as_of=2024-01-01".to_owned(),
            "code,name,type,parent_code\n14849,Xã Mới,Xã,999\n",
        ))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let report: serde_json::Value = serde_json::from_str(&bad.body).expect("json");
    assert_eq!(report["problems"][0]["row"], 2);
    assert_eq!(report["problems"][0]["column"], "parent_code");
    let dry = app
        .send(post(
            "/api/v1/imports?file_name=ok.csv&as_of=2024-01-01".to_owned(),
            "code,name,type,parent_code\n14849,Xã Mới,Xã,384\n",
        ))
        .await;
    let report: serde_json::Value = serde_json::from_str(&dry.body).expect("json");
    assert_eq!(
        (report["n_new"].as_u64(), report["applied"].as_bool()),
        (Some(1), Some(false))
    );
    let applied = app
        .send(post(
            "/api/v1/imports?file_name=ok.csv&as_of=2024-01-01&dry_run=false".to_owned(),
            "code,name,type,parent_code\n14849,Xã Mới,Xã,384\n",
        ))
        .await;
    assert_eq!(applied.status, StatusCode::OK);
    let audit = app
        .get(Some(&admin), "/api/v1/audit?entity_key=ok.csv")
        .await;
    let entries: serde_json::Value = serde_json::from_str(&audit.body).expect("json");
    assert_eq!(entries.as_array().expect("entries").len(), 1);
    assert_eq!(entries[0]["action"], "geography.import");
}

#[tokio::test]
async fn the_openapi_document_and_the_assets_are_served_by_the_binary() {
    let app = TestApp::init().await;
    let doc = app.get(None, "/api/v1/openapi.json").await;
    let json: serde_json::Value = serde_json::from_str(&doc.body).expect("valid json");
    assert_eq!(json["openapi"], "3.0.3");
    assert!(json["paths"]["/api/v1/units/{code}"].is_object());
    assert_eq!(
        app.get(None, "/static/app.css").await.status,
        StatusCode::OK
    );
    assert_eq!(app.get(None, "/healthz").await.body, "ok");
    let ready = app.get(None, "/readyz").await;
    assert_eq!(ready.status, 200, "{}", ready.body);
    assert_eq!(ready.body, "ready");
}

#[tokio::test]
async fn templates_escape_what_users_typed() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let page = app
        .get(Some(&admin), "/units?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert!(!page.body.contains("<script>alert(1)</script>"));
    assert!(page.body.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn an_imported_grouping_shows_on_its_page_on_the_unit_page_and_in_the_api() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let body = "grouping_code,grouping_name,category,unit_code,valid_from,note\n\
                KV3,Khu vực III,ethnic_zone,384,2023-01-01,[verify] thử\n";
    let applied = app
        .send(
            Request::post("/api/v1/imports?file_name=kv3.csv&dry_run=false")
                .header(header::COOKIE, &admin.cookie)
                .header("x-csrf-token", &admin.csrf)
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(body))
                .expect("request builds"),
        )
        .await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    let list = app.get(Some(&admin), "/groupings?date=2023-06-01").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(
        list.body.contains("Khu vực III") && list.body.contains("cần đối chiếu"),
        "{}",
        list.body
    );
    let page = app
        .get(Some(&admin), "/groupings/KV3?date=2023-06-01")
        .await;
    assert!(page.body.contains("Huyện Mường Lát"), "{}", page.body);
    // A commune of the district inherits the zone, and says through which unit.
    let unit = app.get(Some(&admin), "/units/14848?date=2023-06-01").await;
    assert!(
        unit.body.contains("Khu vực III") && unit.body.contains("(theo Huyện Mường Lát)"),
        "{}",
        unit.body
    );
    let api = app
        .get(Some(&admin), "/api/v1/groupings?as_of=2023-06-01")
        .await;
    let json: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(json["groupings"][0]["code"], "KV3");
    assert_eq!(json["groupings"][0]["unverified"], true);
    assert_eq!(json["groupings"][0]["n_communes"], 2);
    let missing = app.get(Some(&admin), "/api/v1/groupings/KHONG-CO").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let bad_date = app.get(Some(&admin), "/groupings?date=31/02/2023").await;
    assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);
}

pub(crate) fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| {
            let encoded: String = value
                .bytes()
                .map(|byte| match byte {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (byte as char).to_string()
                    }
                    _ => format!("%{byte:02X}"),
                })
                .collect();
            format!("{key}={encoded}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn an_officer_records_money_in_a_form_and_reads_it_on_the_dashboard_in_excel_and_in_the_api()
{
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let plan = form_encode(&[
        ("csrf_token", &admin.csrf),
        ("kind", "annual_plan"),
        ("date", "10/01/2024"),
        ("plan_year", "2024"),
        ("unit_code", "38"),
        ("item_code", "GNBV.DA1"),
        ("source", "nstw"),
        ("capital_type", "dtpt"),
        ("amount", "58.759,9"),
        ("legal_basis", "QĐ 12/QĐ-UBND"),
    ]);
    let recorded = app.post_form(Some(&admin), "/capital/events", &plan).await;
    assert!(
        recorded.body.contains("Đã ghi nghiệp vụ"),
        "{}",
        recorded.body
    );
    let disbursed = plan
        .replace("kind=annual_plan", "kind=disbursement")
        .replace("58.759%2C9", "25.608%2C6");
    let recorded = app
        .post_form(Some(&admin), "/capital/events", &disbursed)
        .await;
    assert!(
        recorded.body.contains("Đã ghi nghiệp vụ"),
        "{}",
        recorded.body
    );
    let too_much = plan
        .replace("kind=annual_plan", "kind=disbursement")
        .replace("58.759%2C9", "40.000");
    let refused = app
        .post_form(Some(&admin), "/capital/events", &too_much)
        .await;
    assert!(refused.body.contains("vượt số vốn"), "{}", refused.body);
    let page = app
        .get(Some(&admin), "/capital?unit=38&year=2024&date=2024-12-31")
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("58.759,9")
            && page.body.contains("25.608,6")
            && page.body.contains("43,6%"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<svg"), "charts are drawn");
    let billions = app
        .get(
            Some(&admin),
            "/capital?unit=38&year=2024&date=2024-12-31&money=ty",
        )
        .await;
    assert!(
        billions.body.contains("58,76") && billions.body.contains("tỷ đồng"),
        "{}",
        billions.body
    );
    let api = app
        .get(
            Some(&admin),
            "/api/v1/capital/summary?unit=38&year=2024&as_of=2024-12-31",
        )
        .await;
    let json: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(json["totals"]["plan"], 58_759_900_000_i64);
    assert_eq!(json["totals"]["disbursed"], 25_608_600_000_i64);
    for uri in [
        "/capital/export.xlsx?unit=38&year=2024&date=2024-12-31",
        "/capital/template.xlsx",
    ] {
        let file = app.get(Some(&admin), uri).await;
        assert_eq!(file.status, StatusCode::OK, "{uri}");
    }
    let catalogue = app.get(Some(&admin), "/catalogue").await;
    assert!(
        catalogue.body.contains("cần đối chiếu văn bản gốc") && catalogue.body.contains("GNBV.DA1")
    );
    let officer = app.login("xa").await;
    assert_eq!(
        app.get(Some(&officer), "/capital?unit=38&year=2024")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let own = app
        .get(Some(&officer), "/capital?year=2024&date=2024-12-31")
        .await;
    assert!(
        own.body.contains("Xã Tam Chung"),
        "the officer's own commune: {}",
        own.body
    );
    let elsewhere = form_encode(&[
        ("csrf_token", &officer.csrf),
        ("kind", "annual_plan"),
        ("date", "10/01/2024"),
        ("plan_year", "2024"),
        ("unit_code", "14846"),
        ("item_code", "GNBV.DA1"),
        ("source", "nstw"),
        ("capital_type", "dtpt"),
        ("amount", "1"),
    ]);
    assert_eq!(
        app.post_form(Some(&officer), "/capital/events", &elsewhere)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let api_event = app
        .send(
            Request::post("/api/v1/capital/events")
                .header(header::COOKIE, &officer.cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"kind":"annual_plan","unit_code":"14848","item_code":"GNBV.DA1","source":"nstw","capital_type":"dtpt","plan_year":"2024","amount":"5","date":"2024-02-01"}"#))
                .expect("request builds"),
        )
        .await;
    assert_eq!(api_event.status, StatusCode::FORBIDDEN, "no CSRF header");
}

#[tokio::test]
async fn a_project_is_registered_in_a_form_and_its_page_takes_progress_and_obstacles() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let form = form_encode(&[
        ("csrf_token", &admin.csrf),
        ("code", "DA-01"),
        ("name", "Đường bản <Tà Cóm>"),
        ("unit_code", "14848"),
        ("investor", "UBND xã Tam Chung"),
        ("item_code", "GNBV.DA1"),
        ("capital_type", "dtpt"),
        ("total_investment", "5.000"),
        ("start_date", "01/02/2024"),
        ("status", "dang_thuc_hien"),
    ]);
    let created = app.post_form(Some(&admin), "/projects", &form).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let progress = form_encode(&[
        ("csrf_token", &admin.csrf),
        ("date", "01/06/2024"),
        ("pct", "35,5"),
        ("value", "1.200"),
    ]);
    app.post_form(Some(&admin), "/projects/DA-01/progress", &progress)
        .await;
    let obstacle = form_encode(&[
        ("csrf_token", &admin.csrf),
        ("kind", "mat_bang"),
        ("description", "Chưa bàn giao mặt bằng"),
        ("owner", "UBND xã"),
    ]);
    app.post_form(Some(&admin), "/projects/DA-01/obstacles", &obstacle)
        .await;
    let page = app.get(Some(&admin), "/projects/DA-01").await;
    assert!(
        page.body.contains("Đường bản &lt;Tà Cóm&gt;"),
        "escaped: {}",
        page.body
    );
    assert!(
        page.body.contains("35,5")
            && page.body.contains("Chưa bàn giao mặt bằng")
            && page.body.contains("đang vướng")
    );
    let api = app.get(Some(&admin), "/api/v1/projects/DA-01").await;
    let json: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(json["investor"], "UBND xã Tam Chung");
    let list = app.get(Some(&admin), "/projects?unit=38").await;
    assert!(list.body.contains("DA-01"));
    let schedule = form_encode(&[
        ("csrf_token", &admin.csrf),
        ("lines", "03/2024: 1.500\n10/2024: 2.250,5"),
    ]);
    let saved = app
        .post_form(Some(&admin), "/projects/DA-01/commitments", &schedule)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = app.get(Some(&admin), "/projects/DA-01").await;
    assert!(
        page.body.contains("1.500") && page.body.contains("2.250,5"),
        "{}",
        page.body
    );
    let bad = form_encode(&[
        ("csrf_token", &admin.csrf),
        ("lines", "03/2024: 100\n13/2024: 5"),
    ]);
    let refused = app
        .post_form(Some(&admin), "/projects/DA-01/commitments", &bad)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Dòng 2") && refused.body.contains("13&#x2f;2024: 5</textarea>"),
        "the page comes back with the reason and the lines typed: {}",
        refused.body
    );
    for uri in [
        "/projects.xlsx?unit=38",
        "/capital/lapse.xlsx?year=2024&date=2024-12-01",
    ] {
        let file = app.get(Some(&admin), uri).await;
        assert_eq!(file.status, StatusCode::OK, "{uri}");
        assert!(file.body.starts_with("PK"), "{uri} is an XLSX file");
    }
}

#[tokio::test]
async fn a_xa_is_assessed_in_the_form_and_counted_on_the_new_rural_page_and_in_the_api() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let set = app.get(Some(&admin), "/ntm/sets/QD318-2022-XA").await;
    assert!(
        set.body.contains("Tiêu chí 17") && set.body.contains("chưa có ngưỡng"),
        "{}",
        set.body
    );
    let without_region = form_encode(&[
        ("csrf_token", &admin.csrf),
        ("set_code", "QD318-2022-XA"),
        ("commune", "14848"),
        ("year", "2023"),
        ("stage", "tu_danh_gia"),
        ("v_19.1", "Đạt"),
    ]);
    let refused = app
        .post_form(Some(&admin), "/ntm/assessments", &without_region)
        .await;
    assert!(
        refused.body.contains("chưa xác định vùng"),
        "{}",
        refused.body
    );
    let town = without_region.replace("commune=14848", "commune=14846") + "&key=BTB";
    let refused = app.post_form(Some(&admin), "/ntm/assessments", &town).await;
    assert!(
        refused.body.contains("chỉ xã được đánh giá"),
        "{}",
        refused.body
    );
    let recorded = app
        .post_form(
            Some(&admin),
            "/ntm/assessments",
            &(without_region.clone() + "&key=BTB"),
        )
        .await;
    assert!(
        recorded.body.contains("Chưa đạt chuẩn") && recorded.body.contains("19.1"),
        "{}",
        recorded.body
    );
    let page = app.get(Some(&admin), "/ntm?unit=38&year=2023").await;
    assert!(
        page.body.contains("1 xã") && page.body.contains("Chưa đạt chuẩn"),
        "{}",
        page.body
    );
    let api = app
        .get(Some(&admin), "/api/v1/ntm/rollup?unit=38&year=2023")
        .await;
    let json: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(
        (json["n_xa"].as_u64(), json["n_assessed"].as_u64()),
        (Some(1), Some(1)),
        "the town is not counted"
    );
    let officer = app.login("xa").await;
    let elsewhere = without_region
        .replace(&admin.csrf, &officer.csrf)
        .replace("commune=14848", "commune=14846");
    assert_eq!(
        app.post_form(Some(&officer), "/ntm/assessments", &elsewhere)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

pub(crate) fn multipart(
    csrf: &str,
    file_name: &str,
    content: &str,
    apply: bool,
) -> (String, String) {
    let boundary = "mtqgBOUNDARY42";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n{content}\r\n"
    );
    if apply {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"apply\"\r\n\r\n1\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn files_uploaded_in_the_forms_are_checked_first_and_written_only_when_asked() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let csv = "kind,date,plan_year,unit_code,item_code,source,capital_type,amount\n\
               Giao kế hoạch vốn năm,10/01/2024,2024,38,GNBV.DA1,NSTW,ĐTPT,\"1.000\"\n";
    for (apply, expected) in [(false, "chạy thử"), (true, "Đã ghi toàn bộ nghiệp vụ")]
    {
        let (content_type, body) = multipart(&admin.csrf, "kh.csv", csv, apply);
        let reply = app
            .send(
                Request::post("/capital/import")
                    .header(header::COOKIE, &admin.cookie)
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(body))
                    .expect("request builds"),
            )
            .await;
        assert!(reply.body.contains(expected), "{}", reply.body);
    }
    let set = "code = \"X\"\nname = \"Bộ lỗi\"\n";
    let (content_type, body) = multipart(&admin.csrf, "loi.toml", set, true);
    let reply = app
        .send(
            Request::post("/ntm")
                .header(header::COOKIE, &admin.cookie)
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .expect("request builds"),
        )
        .await;
    assert!(
        reply.body.contains("Không nạp vì tệp có lỗi") && reply.body.contains("loi.toml"),
        "{}",
        reply.body
    );
    let (content_type, body) = multipart("sai-token", "kh.csv", csv, true);
    let forged = app
        .send(
            Request::post("/capital/import")
                .header(header::COOKIE, &admin.cookie)
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .expect("request builds"),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_recognition_is_recorded_and_revoked_in_forms_and_read_on_the_scorecard_the_roll_up_and_the_api(
) {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let recognise = |decided_on: &str| {
        form_encode(&[
            ("csrf_token", &admin.csrf),
            ("set_code", "QD318-2022-XA"),
            ("decision", "QĐ 1234/QĐ-UBND"),
            ("decided_on", decided_on),
        ])
    };
    let refused = app
        .post_form(
            Some(&admin),
            "/ntm/xa/14848/recognitions",
            &recognise("01/05/2026"),
        )
        .await;
    assert!(
        refused.body.contains("ngoài thời gian áp dụng"),
        "{}",
        refused.body
    );
    let recorded = app
        .post_form(
            Some(&admin),
            "/ntm/xa/14848/recognitions",
            &recognise("01/06/2023"),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let card = app.get(Some(&admin), "/ntm/xa/14848?date=31/12/2023").await;
    assert!(
        card.body
            .contains("<strong>Đạt chuẩn nông thôn mới</strong>")
            && card.body.contains("QĐ 1234&#x2f;QĐ-UBND"),
        "{}",
        card.body
    );
    let page = app.get(Some(&admin), "/ntm?unit=38&date=31/12/2023").await;
    assert!(
        page.body
            .contains("<td>Đạt chuẩn nông thôn mới</td><td class=\"num\">1</td>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Qua các năm"), "{}", page.body);
    let country = app.get(Some(&admin), "/ntm?date=01/08/2025").await;
    assert_eq!(
        country.body.matches("<path").count(),
        34,
        "the map of today's provinces"
    );
    assert!(
        country.body.contains("<title>Tỉnh Thanh Hóa: "),
        "{}",
        country.body
    );
    let before = app.get(Some(&admin), "/ntm?date=31/12/2023").await;
    assert_eq!(
        before.body.matches("<path").count(),
        63,
        "2023 figures on the map of the 63 provinces of the time"
    );
    assert!(
        before.body.contains("<title>Tỉnh Hà Giang: ")
            && before
                .body
                .contains("href=\"/ntm?unit=38&amp;date=31/12/2023\""),
        "{}",
        before.body
    );
    let rebased = app.get(Some(&admin), "/ntm?date=31/12/2023&rebase=1").await;
    assert!(
        rebased.body.contains("Quy đổi sang đơn vị hiện nay"),
        "{}",
        rebased.body
    );
    assert_eq!(
        rebased.body.matches("<path").count(),
        34,
        "2023 figures on the map of today's provinces"
    );
    let matrix = app
        .get(Some(&admin), "/ntm/matrix?unit=38&date=31/12/2023")
        .await;
    assert!(
        matrix.body.contains("Xã Tam Chung") && matrix.body.contains("title=\"Quy hoạch\""),
        "{}",
        matrix.body
    );
    let sheet = app
        .get(Some(&admin), "/ntm/matrix.xlsx?unit=38&date=31/12/2023")
        .await;
    assert_eq!(sheet.status, StatusCode::OK);
    assert!(sheet.body.starts_with("PK"), "an XLSX file is a zip");
    let api = app
        .get(Some(&admin), "/api/v1/ntm/xa/14848?date=2023-12-31")
        .await;
    let json: serde_json::Value = serde_json::from_str(&api.body).expect("json");
    assert_eq!(json["status"], "Standard");
    let id = json["recognitions"][0]["id"].as_i64().expect("id");
    let revoke = form_encode(&[
        ("csrf_token", &admin.csrf),
        ("commune", "14848"),
        ("revoked_on", "15/03/2024"),
        ("decision", "QĐ 88/QĐ-UBND"),
        ("reason", "Không duy trì tiêu chí môi trường"),
    ]);
    let forged = revoke.replace(&admin.csrf, "gia-mao");
    assert_eq!(
        app.post_form(
            Some(&admin),
            &format!("/ntm/recognitions/{id}/revoke"),
            &forged
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let revoked = app
        .post_form(
            Some(&admin),
            &format!("/ntm/recognitions/{id}/revoke"),
            &revoke,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    let rollup = app
        .get(Some(&admin), "/api/v1/ntm/rollup?unit=38&date=2024-06-30")
        .await;
    let json: serde_json::Value = serde_json::from_str(&rollup.body).expect("json");
    assert_eq!(json["by_status"][1]["status"], "Standard");
    assert_eq!(json["by_status"][1]["count"], 0, "revoked on 15/03/2024");
    let ocop = form_encode(&[
        ("csrf_token", &admin.csrf),
        ("code", "OCOP-001"),
        ("name", "Chè Shan tuyết"),
        ("owner", "HTX Tam Chung"),
        ("commune", "14848"),
        ("product_group", "do_uong"),
        ("score_a", "30"),
        ("score_b", "20"),
        ("score_c", "25"),
        ("decision", "QĐ 5/QĐ-UBND"),
        ("decided_on", "01/06/2024"),
    ]);
    let product = app.post_form(Some(&admin), "/ntm/ocop", &ocop).await;
    assert!(product.body.contains("4 sao"), "{}", product.body);
    let registry = app.get(Some(&admin), "/ntm/ocop").await;
    assert!(
        registry.body.contains("Chè Shan tuyết")
            && registry.body.contains("4★")
            && registry.body.contains("Xã Tam Chung"),
        "{}",
        registry.body
    );
    let officer = app.login("xa").await;
    let viewer_page = app.get(Some(&officer), "/ntm/xa/14846").await;
    assert_eq!(viewer_page.status, StatusCode::FORBIDDEN, "another commune");
}

#[tokio::test]
async fn an_evidence_file_is_attached_to_an_assessment_and_downloaded_by_those_in_scope_only() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let assessment = form_encode(&[
        ("csrf_token", &admin.csrf),
        ("set_code", "QD318-2022-XA"),
        ("commune", "14848"),
        ("year", "2023"),
        ("stage", "tham_dinh"),
        ("key", "BTB"),
        ("v_19.1", "Đạt"),
    ]);
    app.post_form(Some(&admin), "/ntm/assessments", &assessment)
        .await;
    let card = app
        .get(Some(&admin), "/api/v1/ntm/xa/14848?date=2023-12-31")
        .await;
    let json: serde_json::Value = serde_json::from_str(&card.body).expect("json");
    let id = json["assessments"][0]["id"]
        .as_i64()
        .expect("assessment id");
    let upload = |file_name: &str, content: &str| {
        let (content_type, body) = multipart(&admin.csrf, file_name, content, false);
        Request::post(format!("/ntm/assessments/{id}/evidence"))
            .header(header::COOKIE, &admin.cookie)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .expect("request builds")
    };
    let refused = app.send(upload("virus.exe", "MZ")).await;
    assert!(refused.body.contains("chỉ nhận PDF"), "{}", refused.body);
    let stored = app
        .send(upload("Biên bản thẩm định.pdf", "%PDF-1.4 biên bản"))
        .await;
    assert_eq!(stored.status, StatusCode::SEE_OTHER, "{}", stored.body);
    let page = app.get(Some(&admin), "/ntm/xa/14848?date=31/12/2023").await;
    let link = page
        .body
        .split("href=\"/ntm/evidence/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to the file")
        .to_owned();
    assert!(
        page.body.contains("Biên bản thẩm định.pdf"),
        "{}",
        page.body
    );
    let file = app
        .get(Some(&admin), &format!("/ntm/evidence/{link}"))
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body, "%PDF-1.4 biên bản");
    let officer = app.login("xa").await;
    assert_eq!(
        app.get(Some(&officer), &format!("/ntm/evidence/{link}"))
            .await
            .status,
        StatusCode::OK,
        "the officer of Xã Tam Chung sees its evidence"
    );
}

#[tokio::test]
async fn assessments_are_imported_from_an_uploaded_table_checked_first_then_written() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let upload = |csv: &str, apply: bool| {
        let (content_type, body) = multipart(&admin.csrf, "danh-gia.csv", csv, apply);
        let boundary = "mtqgBOUNDARY42";
        let fields = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"set_code\"\r\n\r\nQD318-2022-XA\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"stage\"\r\n\r\ntham_dinh\r\n"
        );
        Request::post("/ntm/assessments/import")
            .header(header::COOKIE, &admin.cookie)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(fields + &body))
            .expect("request builds")
    };
    let bad = "mã xã,năm,vùng,19.1\n14848,2023,BTB,Đạt\n14846,2023,BTB,Đạt\n";
    let refused = app.send(upload(bad, true)).await;
    assert!(
        refused.body.contains("<td class=\"num\">3</td>") && refused.body.contains("chỉ xã"),
        "{}",
        refused.body
    );
    let good = "mã xã,năm,vùng,19.1\n14848,2023,BTB,Đạt\n";
    let dry = app.send(upload(good, false)).await;
    assert!(dry.body.contains("Chưa ghi"), "{}", dry.body);
    let written = app.send(upload(good, true)).await;
    assert!(
        written.body.contains("Đã ghi kết quả đánh giá"),
        "{}",
        written.body
    );
    let card = app
        .get(Some(&admin), "/api/v1/ntm/xa/14848?date=2023-12-31")
        .await;
    let json: serde_json::Value = serde_json::from_str(&card.body).expect("json");
    assert_eq!(json["assessments"].as_array().map(Vec::len), Some(1));
    assert_eq!(json["assessments"][0]["stage"], "tham_dinh");
}

#[tokio::test]
async fn an_ocop_list_is_uploaded_checked_then_registered_and_listed() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let upload = |csv: &str, apply: bool| {
        let (content_type, body) = multipart(&admin.csrf, "ocop.csv", csv, apply);
        Request::post("/ntm/ocop/import")
            .header(header::COOKIE, &admin.cookie)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .expect("request builds")
    };
    let header = "Mã sản phẩm,Tên sản phẩm,Chủ thể,Mã xã,Nhóm,Điểm A,Điểm B,Điểm C,Số quyết định,Ngày quyết định\n";
    let bad = format!("{header}OCOP-38-001,Mật ong <rừng>,HTX Tam Chung,14848,thuc_pham,30,20,25,QĐ 77,01/06/2024\nOCOP-38-002,Chè,HTX,14848,thuc_pham,41,20,25,QĐ 77,01/06/2024\n");
    let refused = app.send(upload(&bad, true)).await;
    assert!(
        refused
            .body
            .contains("không ghi sản phẩm nào vì tệp có 1 lỗi")
            && refused
                .body
                .contains("<td class=\"num\">3</td><td>Điểm</td>"),
        "{}",
        refused.body
    );
    let good = format!("{header}OCOP-38-001,Mật ong <rừng>,HTX Tam Chung,14848,thuc_pham,30,20,25,QĐ 77,01/06/2024\n");
    let dry = app.send(upload(&good, false)).await;
    assert!(
        dry.body.contains("1 sản phẩm 4 sao; chưa ghi"),
        "{}",
        dry.body
    );
    assert!(
        !dry.body.contains("<td class=\"code\">OCOP-38-001</td>"),
        "nothing listed after a dry run"
    );
    let written = app.send(upload(&good, true)).await;
    assert!(
        written.body.contains("đã ghi 1 sản phẩm 4 sao"),
        "{}",
        written.body
    );
    assert!(
        written
            .body
            .contains("<td class=\"code\">OCOP-38-001</td><td>Mật ong &lt;rừng&gt;</td>"),
        "the registry lists it, escaped: {}",
        written.body
    );
    assert!(
        written.body.contains("<title>Sản phẩm OCOP"),
        "{}",
        written.body
    );
}

/// A multipart upload with extra text fields.
pub(crate) fn multipart_with(
    csrf: &str,
    file_name: &str,
    content: &str,
    apply: bool,
    fields: &[(&str, &str)],
) -> (String, String) {
    let (content_type, body) = multipart(csrf, file_name, content, apply);
    let boundary = "mtqgBOUNDARY42";
    let mut extra = String::new();
    for (name, value) in fields {
        extra.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    (content_type, format!("{extra}{body}"))
}

#[tokio::test]
async fn a_household_list_is_uploaded_reviewed_frozen_and_then_refuses_entry() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let csv = "Mã xã,Mã hộ,Họ tên chủ hộ,Thôn,Khu vực,Dân tộc,Thu nhập bình quân,CS1,CS4,CS10\n\
               14848,TC-001,Lò Văn Pánh,Bản Tà Cóm,Nông thôn,Thái,1.200.000,x,x,x\n\
               14848,TC-002,Hà Thị Ún,Bản Tà Cóm,Nông thôn,Thái,1.400.000,x,,\n\
               14846,TT-001,Nguyễn Văn Hùng,Khu 1,Thành thị,Kinh,5.000.000,,,\n";
    let mut list_url = String::new();
    for (apply, expected) in [(false, "chạy thử"), (true, "Đã ghi.")] {
        let (content_type, body) = multipart_with(
            &admin.csrf,
            "ho.csv",
            csv,
            apply,
            &[("year", "2024"), ("kind", "annual")],
        );
        let reply = app
            .send(
                Request::post("/poverty/import")
                    .header(header::COOKIE, &admin.cookie)
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from(body))
                    .expect("request builds"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(reply.body.contains(expected), "{}", reply.body);
        assert!(
            reply.body.contains("1 hộ nghèo, 1 hộ cận nghèo"),
            "{}",
            reply.body
        );
        if apply {
            let row = reply.body.find("14848</span>").expect("the commune's row");
            let at = row
                + reply.body[row..]
                    .find("/poverty/lists/")
                    .expect("link to the list");
            list_url = reply.body[at..].split('"').next().expect("href").to_owned();
        }
    }
    let page = app.get(Some(&admin), &list_url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("TC-001") && page.body.contains("Đang rà soát"),
        "{}",
        page.body
    );

    // The commune officer sees the households of the commune, not those of the town next door.
    let officer = app.login("xa").await;
    assert_eq!(
        app.get(Some(&officer), &list_url).await.status,
        StatusCode::OK
    );
    let town = app.get(Some(&admin), "/poverty/xa/14846").await;
    let at = town.body.find("/poverty/lists/").expect("the town's list");
    let town_list = town.body[at..].split('"').next().expect("href").to_owned();
    assert_eq!(
        app.get(Some(&officer), &town_list).await.status,
        StatusCode::FORBIDDEN
    );
    let town_page = app.get(Some(&admin), &town_list).await;
    let at = town_page
        .body
        .find("/poverty/households/")
        .expect("household link");
    let town_household = town_page.body[at..]
        .split('"')
        .next()
        .expect("href")
        .to_owned();
    let household = app.get(Some(&admin), &town_household).await;
    assert!(
        household.body.contains("Nguyễn Văn Hùng"),
        "{}",
        household.body
    );
    assert_eq!(
        app.get(Some(&officer), &town_household).await.status,
        StatusCode::FORBIDDEN
    );

    // The class is computed as the officer types; a bad income is refused with its reason.
    let classified = app
        .get(
            Some(&officer),
            "/api/v1/poverty/classify?standard=ND07-2021&area=rural&income=1.500.000&deprived=bhyt,nha_tieu,vien_thong",
        )
        .await;
    assert!(
        classified.body.contains("\"class\":\"poor\""),
        "{}",
        classified.body
    );
    let bad = app
        .post_form(
            Some(&officer),
            &format!("{list_url}/reviews"),
            &format!("csrf_token={}&household=TC-002&income=-5", officer.csrf),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("âm"), "{}", bad.body);
    let good = app
        .post_form(
            Some(&officer),
            &format!("{list_url}/reviews"),
            &format!(
                "csrf_token={}&household=TC-002&income=1.400.000&dep_bhyt=1&dep_viec_lam=1&dep_nha_tieu=1",
                officer.csrf
            ),
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);

    let frozen = app
        .post_form(
            Some(&officer),
            &format!("{list_url}/freeze"),
            &format!(
                "csrf_token={}&decision=12%2FQĐ-UBND&decided_on=20%2F12%2F2024",
                officer.csrf
            ),
        )
        .await;
    assert_eq!(frozen.status, StatusCode::SEE_OTHER, "{}", frozen.body);
    let refused = app
        .post_form(
            Some(&officer),
            &format!("{list_url}/reviews"),
            &format!(
                "csrf_token={}&household=TC-001&income=5.000.000",
                officer.csrf
            ),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.body.contains("đã được công nhận"),
        "{}",
        refused.body
    );

    let what_if = app
        .get(Some(&admin), "/poverty?unit=38&year=2024&whatif=ND351-2025")
        .await;
    assert!(
        what_if.body.contains("tính thử") && what_if.body.contains("xu_ly_rac"),
        "{}",
        what_if.body
    );
    let stats = app.get(Some(&admin), "/poverty?unit=38&year=2024").await;
    assert_eq!(stats.status, StatusCode::OK);
    assert!(
        stats.body.contains("<svg"),
        "charts are drawn: {}",
        stats.body
    );
    assert!(stats.body.contains("Huyện Mường Lát"), "{}", stats.body);
    let api = app
        .get(Some(&admin), "/api/v1/poverty/rates?unit=38&year=2024")
        .await;
    assert!(api.body.contains("\"poor\":2"), "{}", api.body);
    for download in [
        "/poverty/rates.xlsx?unit=38&year=2024".to_owned(),
        format!("{list_url}/export"),
    ] {
        let reply = app
            .send(
                Request::get(download.as_str())
                    .header(header::COOKIE, &admin.cookie)
                    .body(Body::empty())
                    .expect("request builds"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{download}");
    }
}

/// Percent-encodes a form value.
fn form_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_conclusion_notice_is_pasted_corrected_saved_and_followed_up() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    for (code, name, abbreviations) in [
        ("SKHDT", "Sở Kế hoạch và Đầu tư", "Sở KH&ĐT"),
        ("STC", "Sở Tài chính", ""),
    ] {
        let added = app
            .post_form(
                Some(&admin),
                "/direction/agencies",
                &format!(
                    "csrf_token={}&unit=38&code={code}&name={}&abbreviations={}",
                    admin.csrf,
                    form_value(name),
                    form_value(abbreviations)
                ),
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    }
    let notice = "1. Sở KH&ĐT chủ trì, phối hợp Sở Tài chính tham mưu phân bổ vốn, chậm nhất trước 31/12/2023.\n\
                  2. Sở Du lịch chủ trì xây dựng sản phẩm du lịch (thường xuyên).";
    let meeting_fields = format!(
        "csrf_token={}&unit=38&held_on=06%2F09%2F2023&title={}&notice_number={}&notice_text={}",
        admin.csrf,
        form_value("Hội nghị Ban Chỉ đạo tỉnh"),
        form_value("3691/TB-VPUBND"),
        form_value(notice)
    );
    let proposed = app
        .post_form(Some(&admin), "/direction/meetings/propose", &meeting_fields)
        .await;
    assert_eq!(proposed.status, StatusCode::OK, "{}", proposed.body);
    assert!(
        proposed.body.contains("value=\"SKHDT\""),
        "{}",
        proposed.body
    );
    assert!(
        proposed.body.contains("chưa có trong danh mục: Sở Du lịch"),
        "{}",
        proposed.body
    );
    let empty = app
        .post_form(
            Some(&admin),
            "/direction/meetings/propose",
            &format!(
                "csrf_token={}&unit=38&held_on=06%2F09%2F2023&title=x&notice_text=",
                admin.csrf
            ),
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The officer keeps the first task and empties the second, whose agency is not in the registry.
    let save = format!(
        "{meeting_fields}&n_tasks=2&t0_number=1&t0_content={}&t0_lead=SKHDT&t0_coord=STC&t0_deadline=31%2F12%2F2023\
         &t1_number=2&t1_content=&t1_lead=&t1_coord=&t1_deadline=",
        form_value("Tham mưu phân bổ vốn")
    );
    let early = save.replace("t0_deadline=31%2F12%2F2023", "t0_deadline=01%2F09%2F2023");
    let refused = app
        .post_form(Some(&admin), "/direction/meetings", &early)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("trước ngày họp"), "{}", refused.body);
    let saved = app
        .post_form(Some(&admin), "/direction/meetings", &save)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let meeting_url = saved.location.expect("redirect to the meeting");
    let page = app.get(Some(&admin), &meeting_url).await;
    assert!(
        page.body.contains("Tham mưu phân bổ vốn") && page.body.contains("Quá hạn"),
        "{}",
        page.body
    );
    let officer = app.login("xa").await;
    assert_eq!(
        app.get(Some(&officer), &meeting_url).await.status,
        StatusCode::FORBIDDEN
    );
    let dashboard = app.get(Some(&admin), "/direction/agencies/STC").await;
    assert!(
        dashboard.body.contains("Tham mưu phân bổ vốn"),
        "a coordinating agency sees it"
    );
    let member = app
        .post_form(
            Some(&admin),
            "/direction/agencies/STC/members",
            &format!("csrf_token={}&username=xa", admin.csrf),
        )
        .await;
    assert_eq!(member.status, StatusCode::SEE_OTHER);
    let mine = app.get(Some(&officer), "/direction").await;
    assert!(
        mine.body.contains("Nhiệm vụ của tôi") && mine.body.contains("/direction/agencies/STC"),
        "{}",
        mine.body
    );
    let download = app
        .get(Some(&admin), "/direction/agencies/SKHDT/tasks.xlsx")
        .await;
    assert_eq!(download.status, StatusCode::OK);
}

impl TestApp {
    /// A JSON call with the client's cookie and CSRF header.
    async fn post_json(&self, client: &Client, uri: &str, body: serde_json::Value) -> Reply {
        self.send(
            Request::post(uri)
                .header(header::COOKIE, &client.cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-csrf-token", &client.csrf)
                .body(Body::from(body.to_string()))
                .expect("request builds"),
        )
        .await
    }
}

#[tokio::test]
async fn the_direction_api_records_a_meeting_progress_and_an_obstacle() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    app.post_form(
        Some(&admin),
        "/direction/agencies",
        &format!(
            "csrf_token={}&unit=38&code=STC&name={}",
            admin.csrf,
            form_value("Sở Tài chính")
        ),
    )
    .await;
    let early = app
        .post_json(
            &admin,
            "/api/v1/direction/meetings",
            serde_json::json!({
                "unit": "38", "held_on": "06/09/2023", "title": "Họp",
                "tasks": [{"number": "1", "content": "Bố trí vốn", "lead": "STC", "deadline": "01/09/2023"}],
            }),
        )
        .await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        early.body
    );
    assert!(early.body.contains("trước ngày họp"), "{}", early.body);
    let created = app
        .post_json(
            &admin,
            "/api/v1/direction/meetings",
            serde_json::json!({
                "unit": "38", "held_on": "06/09/2023", "title": "Họp",
                "tasks": [{"number": "1", "content": "Bố trí vốn", "lead": "STC", "deadline": "31/12/2023"}],
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id: serde_json::Value = serde_json::from_str(&created.body).expect("json");
    let meeting = app
        .get(
            Some(&admin),
            &format!("/api/v1/direction/meetings/{}", id["id"]),
        )
        .await;
    let meeting: serde_json::Value = serde_json::from_str(&meeting.body).expect("json");
    let task = &meeting["tasks"][0];
    let report = app
        .post_json(
            &admin,
            &format!("/api/v1/direction/tasks/{}/reports", task["id"]),
            serde_json::json!({"version": task["version"], "reported_on": "20/12/2023", "note": "Đã bố trí", "done": true}),
        )
        .await;
    assert!(
        report.body.contains("Hoàn thành đúng hạn"),
        "{}",
        report.body
    );
    let stale = app
        .post_json(
            &admin,
            &format!("/api/v1/direction/tasks/{}/reports", task["id"]),
            serde_json::json!({"version": task["version"], "reported_on": "21/12/2023", "note": "Lại"}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let raised = app
        .post_json(
            &admin,
            "/api/v1/direction/obstacles",
            serde_json::json!({"unit": "38", "agency": "STC", "title": "Vướng thủ tục thanh toán"}),
        )
        .await;
    assert_eq!(raised.status, StatusCode::CREATED, "{}", raised.body);
    let obstacle: serde_json::Value = serde_json::from_str(&raised.body).expect("json");
    let answered = app
        .post_json(
            &admin,
            &format!("/api/v1/direction/obstacles/{}/answer", obstacle["id"]),
            serde_json::json!({"answer": "Đã hướng dẫn", "close": true}),
        )
        .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
    let agency = app
        .get(Some(&admin), "/api/v1/direction/agencies/STC")
        .await;
    let agency: serde_json::Value = serde_json::from_str(&agency.body).expect("json");
    assert_eq!(agency["tasks"][0]["status"], "Hoàn thành đúng hạn");
    assert!(agency["obstacles"][0]["closed_on"].is_string());
}

/// The value of an input named `name` after `after` in a page, as written (escaped).
fn value_after(body: &str, after: &str, name: &str) -> String {
    let from = body
        .find(after)
        .unwrap_or_else(|| panic!("no {after} in {body}"));
    let marker = format!("name=\"{name}\" value=\"");
    let start = from
        + body[from..]
            .find(&marker)
            .unwrap_or_else(|| panic!("no input {name} after {after}"))
        + marker.len();
    body[start..]
        .split('"')
        .next()
        .expect("a closing quote")
        .to_owned()
}

#[tokio::test]
async fn a_catalogue_edit_from_a_stale_page_gets_409_and_the_form_keeps_what_was_typed() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let page = app.get(Some(&admin), "/catalogue").await;
    assert_eq!(page.status, StatusCode::OK);
    let form = "action=\"/catalogue/GNBV.DA1\"";
    let version = value_after(&page.body, form, "version");
    let edit = |name: &'static str, reason: &'static str| {
        form_encode(&[
            ("csrf_token", admin.csrf.as_str()),
            ("version", version.as_str()),
            ("name", name),
            ("legal_basis", "QĐ 90/QĐ-TTg"),
            ("note", ""),
            ("reason", reason),
        ])
    };
    let first = app
        .post_form(
            Some(&admin),
            "/catalogue/GNBV.DA1",
            &edit("Bản đã lưu", "đối chiếu lần một"),
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let stale = app
        .post_form(
            Some(&admin),
            "/catalogue/GNBV.DA1",
            &edit("Bản từ trang cũ", "đối chiếu lần hai"),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(
        stale.body.contains(
            "Mục danh mục &quot;GNBV.DA1&quot; vừa được người khác sửa; hãy tải lại trang"
        ) && stale.body.contains("vẫn ở trong biểu mẫu"),
        "{}",
        stale.body
    );
    assert_eq!(value_after(&stale.body, form, "name"), "Bản từ trang cũ");
    assert_eq!(
        value_after(&stale.body, form, "reason"),
        "đối chiếu lần hai"
    );
    assert_ne!(
        value_after(&stale.body, form, "version"),
        version,
        "the form now holds the latest version"
    );
    let catalogue = app.get(Some(&admin), "/api/v1/catalogue").await;
    let items: serde_json::Value = serde_json::from_str(&catalogue.body).expect("json");
    let item = items
        .as_array()
        .expect("items")
        .iter()
        .find(|item| item["code"] == "GNBV.DA1")
        .expect("the item");
    assert_eq!(item["name"], "Bản đã lưu");
}

#[tokio::test]
async fn a_review_row_and_a_household_edited_from_stale_pages_get_409_with_what_was_typed() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let csv = "Mã xã,Mã hộ,Họ tên chủ hộ,Thôn,Khu vực,Dân tộc,Thu nhập bình quân,CS1,CS4,CS10\n\
               14848,TC-001,Lò Văn Pánh,Bản Tà Cóm,Nông thôn,Thái,1.200.000,x,x,x\n\
               14848,TC-002,Hà Thị Ún,Bản Tà Cóm,Nông thôn,Thái,1.400.000,x,,\n";
    let (content_type, body) = multipart_with(
        &admin.csrf,
        "ho.csv",
        csv,
        true,
        &[("year", "2024"), ("kind", "annual")],
    );
    let reply = app
        .send(
            Request::post("/poverty/import")
                .header(header::COOKIE, &admin.cookie)
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .expect("request builds"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let at = reply
        .body
        .find("/poverty/lists/")
        .expect("link to the list");
    let list_url = reply.body[at..].split('"').next().expect("href").to_owned();

    // Two officers open TC-002's answers to correct them; the first saves, the second is refused.
    let officer = app.login("xa").await;
    let opened = app
        .get(Some(&officer), &format!("{list_url}?edit=TC-002"))
        .await;
    assert_eq!(opened.status, StatusCode::OK);
    let entry = "id=\"nhap-nhanh\"";
    assert_eq!(value_after(&opened.body, entry, "household"), "TC-002");
    assert_eq!(value_after(&opened.body, entry, "income"), "1.400.000");
    let version = value_after(&opened.body, entry, "version");
    let reviews = format!("{list_url}/reviews");
    let first = app
        .post_form(
            Some(&officer),
            &reviews,
            &form_encode(&[
                ("csrf_token", officer.csrf.as_str()),
                ("version", version.as_str()),
                ("household", "TC-002"),
                ("income", "1.300.000"),
            ]),
        )
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let stale = app
        .post_form(
            Some(&officer),
            &reviews,
            &form_encode(&[
                ("csrf_token", officer.csrf.as_str()),
                ("version", version.as_str()),
                ("household", "TC-002"),
                ("income", "9.000.000"),
                ("dep_bhyt", "1"),
            ]),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(
        stale.body.contains("vừa được người khác sửa"),
        "{}",
        stale.body
    );
    assert_eq!(value_after(&stale.body, entry, "income"), "9.000.000");
    assert!(
        stale.body.contains("name=\"dep_bhyt\" value=\"1\" checked"),
        "{}",
        stale.body
    );
    assert_ne!(value_after(&stale.body, entry, "version"), version);
    let list = app
        .get(Some(&officer), &format!("/api/v1{list_url}?q=TC-002"))
        .await;
    let list: serde_json::Value = serde_json::from_str(&list.body).expect("json");
    assert_eq!(list["households"][0]["income"], 1_300_000);
    let current = list["households"][0]["version"]
        .as_i64()
        .expect("a version");
    let api_stale = app
        .post_json(
            &officer,
            &format!("/api/v1{reviews}"),
            serde_json::json!({ "household": "TC-002", "income": "1.000.000", "version": current - 1 }),
        )
        .await;
    assert_eq!(api_stale.status, StatusCode::CONFLICT, "{}", api_stale.body);
    let api_fresh = app
        .post_json(
            &officer,
            &format!("/api/v1{reviews}"),
            serde_json::json!({ "household": "TC-002", "income": "1.000.000", "version": current }),
        )
        .await;
    assert_eq!(api_fresh.status, StatusCode::OK, "{}", api_fresh.body);

    // The household's register fields, the same way.
    let link = opened.body.find("\">TC-002</a>").expect("TC-002's link");
    let at = opened.body[..link]
        .rfind("/poverty/households/")
        .expect("household link");
    let household = opened.body[at..link].to_owned();
    let page = app.get(Some(&officer), &household).await;
    let form = format!("action=\"{household}\"");
    let version = value_after(&page.body, &form, "version");
    let edit = |village: &'static str| {
        form_encode(&[
            ("csrf_token", officer.csrf.as_str()),
            ("version", version.as_str()),
            ("head_name", "Hà Thị Ún"),
            ("village", village),
            ("area", "rural"),
            ("ethnicity", "Thái"),
            ("ethnic_minority", "1"),
        ])
    };
    let first = app
        .post_form(Some(&officer), &household, &edit("Bản Pá Búa"))
        .await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let stale = app
        .post_form(Some(&officer), &household, &edit("Bản Ún"))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(value_after(&stale.body, &form, "village"), "Bản Ún");
    let page = app.get(Some(&officer), &household).await;
    assert_eq!(value_after(&page.body, &form, "village"), "Bản Pá Búa");
}

#[tokio::test]
async fn a_second_officers_progress_or_answer_refused_by_a_conflict_is_shown_again_with_what_they_typed(
) {
    let app = TestApp::init().await;
    let first = app.login("admin").await;
    let second = app.login("admin").await;
    app.post_form(
        Some(&first),
        "/direction/agencies",
        &format!(
            "csrf_token={}&unit=38&code=STC&name={}",
            first.csrf,
            form_value("Sở Tài chính")
        ),
    )
    .await;
    let created = app
        .post_json(
            &first,
            "/api/v1/direction/meetings",
            serde_json::json!({
                "unit": "38", "held_on": "06/09/2023", "title": "Họp",
                "tasks": [{"number": "1", "content": "Bố trí vốn", "lead": "STC", "deadline": "31/12/2023"}],
            }),
        )
        .await;
    let id: serde_json::Value = serde_json::from_str(&created.body).expect("json");
    let page = format!("/direction/meetings/{}", id["id"]);
    // Both officers open the meeting page; the first records progress.
    let read = app.get(Some(&second), &page).await;
    let version = value_after(&read.body, "/report\"", "version");
    let task_form = read
        .body
        .split("action=\"/direction/tasks/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("the task's form")
        .to_owned();
    let report = |client: &crate::app::Client, version: &str, note: &str| {
        format!(
            "csrf_token={}&version={version}&note={}&reported_on=20%2F12%2F2023",
            client.csrf,
            form_value(note)
        )
    };
    let uri = format!("/direction/tasks/{task_form}/report");
    let done = app
        .post_form(Some(&first), &uri, &report(&first, &version, "Đã trình"))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    // The second sends with the version they read: refused, and their text is on the page again.
    let typed = "Đã làm việc với Kho bạc về hồ sơ thanh toán";
    let refused = app
        .post_form(Some(&second), &uri, &report(&second, &version, typed))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(refused.body.contains("Chưa ghi:"), "{}", refused.body);
    assert!(
        refused.body.contains(&format!("value=\"{typed}\"")),
        "the note is kept: {}",
        refused.body
    );
    assert!(
        refused
            .body
            .replace("&#x2f;", "/")
            .contains("value=\"20/12/2023\""),
        "the date typed is kept"
    );
    let fresh = value_after(&refused.body, "/report\"", "version");
    assert_ne!(fresh, version, "the form now carries the current version");
    let again = app
        .post_form(Some(&second), &uri, &report(&second, &fresh, typed))
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);

    // An obstacle answered by one officer while another typed an answer.
    let raised = app
        .post_json(
            &first,
            "/api/v1/direction/obstacles",
            serde_json::json!({"unit": "38", "agency": "STC", "title": "Vướng thủ tục thanh toán"}),
        )
        .await;
    let obstacle: serde_json::Value = serde_json::from_str(&raised.body).expect("json");
    let uri = format!("/direction/obstacles/{}/answer", obstacle["id"]);
    let answer = |client: &crate::app::Client, text: &str| {
        format!(
            "csrf_token={}&agency=STC&answer={}",
            client.csrf,
            form_value(text)
        )
    };
    let answered = app
        .post_form(Some(&first), &uri, &answer(&first, "Đã hướng dẫn"))
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let typed = "Đề nghị Kho bạc tỉnh hướng dẫn lại mẫu hồ sơ";
    let refused = app
        .post_form(Some(&second), &uri, &answer(&second, typed))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(
        refused.body.contains("đã được trả lời") && refused.body.contains(typed),
        "the answer is kept on the page: {}",
        refused.body
    );
    assert!(refused.body.contains("Đã hướng dẫn"), "the answer that won");
}

#[tokio::test]
async fn a_long_at_risk_list_shows_the_nearest_hundred_and_downloads_whole_as_excel() {
    let db = TestDb::new().await;
    let service = Service::new(db.store.clone());
    service
        .load_shipped_geography(&|_| {})
        .await
        .expect("geography loads")
        .expect("empty database");
    service
        .load_shipped_criteria_sets()
        .await
        .expect("criteria sets load");
    // Every xã of 30/6/2025; one in twenty recognised only under the 2016–2020 set, so at risk.
    service
        .generate_ntm_national()
        .await
        .expect("national new-rural data");
    service
        .add_user(
            &Actor::system(),
            mtqg_service::auth::UserInput {
                username: "admin".to_owned(),
                display_name: "Quản trị".to_owned(),
                password: "mat-khau-thu".to_owned(),
                role: Role::Admin,
                scope_code: None,
            },
        )
        .await
        .expect("admin");
    let n_at_risk = service
        .ntm_rollup(
            &Actor::system(),
            None,
            chrono::NaiveDate::from_ymd_opt(2025, 6, 30).expect("date"),
        )
        .await
        .expect("roll-up")
        .at_risk
        .len();
    assert!(n_at_risk > 100, "{n_at_risk}");
    let app = TestApp::with_service(db, service);
    let admin = app.login("admin").await;
    let page = app.get(Some(&admin), "/ntm?date=30%2F06%2F2025").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = page.body.replace("&#x2f;", "/");
    let section = body
        .split("Xã có nguy cơ bị thu hồi công nhận")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .expect("the at-risk section");
    assert!(
        section.contains(&format!(
            "{} xã; dưới đây là 100 xã có hạn gần nhất",
            mtqg_core::vi::format_int(n_at_risk as i64)
        )),
        "{}",
        section.chars().take(600).collect::<String>()
    );
    assert_eq!(
        section.matches("<tr>").count(),
        1 + 100,
        "header and 100 rows"
    );
    let href = "/ntm/at-risk.xlsx?date=30%2F06%2F2025";
    assert!(
        section.contains(&format!("href=\"{href}\"")),
        "{}",
        section.chars().take(600).collect::<String>()
    );
    let download = app.get(Some(&admin), href).await;
    assert_eq!(download.status, StatusCode::OK);
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(download.bytes))
            .expect("an xlsx file");
    use calamine::Reader;
    let sheet = book.worksheet_range("Xã có nguy cơ").expect("the sheet");
    assert_eq!(sheet.rows().count(), 1 + n_at_risk, "a header and every xã");
}

#[tokio::test]
async fn thousands_of_accounts_are_listed_a_hundred_a_page_and_found_by_name_or_scope() {
    let db = TestDb::new().await;
    let store = db.store.clone();
    let app = TestApp::init_with(db).await;
    let admin = app.login("admin").await;
    // 250 commune accounts, written directly (hashing each password is not what is tested).
    let hash = mtqg_service::auth::hash_password("mat-khau-thu").expect("hash");
    let scope = Service::new(store.clone())
        .unit_at(
            &Actor::system(),
            "14848",
            chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"),
        )
        .await
        .expect("Tam Chung")
        .id;
    let mut tx = store.begin().await.expect("tx");
    for i in 0..250 {
        tx.insert_user(&mtqg_store::NewUser {
            username: format!("xa.tam-chung-{i:03}"),
            display_name: format!("Cán bộ số {i:03} Tam Chung"),
            password_hash: hash.clone(),
            role: "commune".to_owned(),
            scope_unit_id: Some(scope),
        })
        .await
        .expect("account");
    }
    tx.commit().await.expect("commit");
    let first = app.get(Some(&admin), "/admin/users").await;
    assert_eq!(first.status, StatusCode::OK);
    let rows = |body: &str| body.matches("<tr><td>").count();
    assert_eq!(rows(&first.body), 100, "one page");
    assert!(first.body.contains("trang 1/3"), "{}", first.body);
    assert!(first.body.contains("Trang sau"));
    let last = app.get(Some(&admin), "/admin/users?page=3").await;
    assert!(last.body.contains("trang 3/3") && last.body.contains("Trang trước"));
    assert!(!last.body.contains("Trang sau"));
    // Found without diacritics, by a part of the display name.
    let found = app.get(Some(&admin), "/admin/users?q=bo+so+024+tam").await;
    assert_eq!(rows(&found.body), 1, "{}", found.body);
    assert!(found.body.contains("xa.tam-chung-024"));
    assert!(
        found.body.contains("1 / ") && found.body.contains("tài khoản khớp"),
        "{}",
        found.body
    );
    // By the scope's code: the commune's 250 accounts and the fixture's officer "xa", paged as well.
    let by_scope = app.get(Some(&admin), "/admin/users?q=14848&page=3").await;
    assert!(
        by_scope
            .body
            .contains("251 / 252 tài khoản khớp · trang 3/3"),
        "{}",
        by_scope.body
    );
    assert_eq!(rows(&by_scope.body), 51);
}

#[tokio::test]
async fn an_ocop_product_is_corrected_in_its_form_and_a_stale_correction_keeps_what_was_typed() {
    let app = TestApp::init().await;
    let first = app.login("admin").await;
    let second = app.login("admin").await;
    let fields = |client: &Client, version: &str, score_a: &str, reason: &str| {
        form_encode(&[
            ("csrf_token", client.csrf.as_str()),
            ("version", version),
            ("code", "OCOP-38-020"),
            ("name", "Măng khô Mường Lát"),
            ("owner", "HTX Tam Chung"),
            ("commune", "14848"),
            ("product_group", "thuc_pham"),
            ("score_a", score_a),
            ("score_b", "20"),
            ("score_c", "25"),
            ("decision", "QĐ 5/QĐ-UBND"),
            ("decided_on", "01/06/2024"),
            ("reason", reason),
        ])
    };
    let recorded = app
        .post_form(Some(&first), "/ntm/ocop", &fields(&first, "", "30", ""))
        .await;
    assert!(
        recorded.body.contains("Đã ghi nhận sản phẩm OCOP 4 sao"),
        "{}",
        recorded.body
    );
    let id = recorded
        .body
        .split("href=\"/ntm/ocop/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the product's edit link")
        .to_owned();
    let uri = format!("/ntm/ocop/{id}");
    let edit = app.get(Some(&second), &uri).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit.body.contains("Sửa sản phẩm OCOP OCOP-38-020"));
    assert_eq!(value_after(&edit.body, "Sửa sản phẩm", "score_a"), "30");
    assert_eq!(value_after(&edit.body, "Sửa sản phẩm", "version"), "1");
    let done = app
        .post_form(
            Some(&first),
            &uri,
            &fields(&first, "1", "35", "nhập nhầm điểm phần A"),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body
            .contains("Đã sửa sản phẩm OCOP OCOP-38-020 (4 sao)"),
        "{}",
        done.body
    );
    assert!(
        done.body.contains("<td class=\"num\">80</td>"),
        "the list shows the corrected total: {}",
        done.body
    );
    // The second officer read version 1: refused, the form comes back as typed on the current version.
    let stale = app
        .post_form(
            Some(&second),
            &uri,
            &fields(&second, "1", "31", "sai điểm B"),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(value_after(&stale.body, "Sửa sản phẩm", "score_a"), "31");
    assert_eq!(
        value_after(&stale.body, "Sửa sản phẩm", "reason"),
        "sai điểm B"
    );
    assert_eq!(value_after(&stale.body, "Sửa sản phẩm", "version"), "2");
    assert!(
        stale.body.contains("vừa được người khác sửa"),
        "{}",
        stale.body
    );
}

#[tokio::test]
async fn a_model_garden_is_corrected_in_its_form_and_the_page_title_is_only_its_name() {
    let app = TestApp::init().await;
    let admin = app.login("admin").await;
    let fields = |version: &str, decision: &str, reason: &str| {
        form_encode(&[
            ("csrf_token", admin.csrf.as_str()),
            ("version", version),
            ("kind", "vuon_mau"),
            ("commune", "14848"),
            ("village", ""),
            ("name", "Vườn hộ ông Lò Văn Pánh"),
            ("decision", decision),
            ("decided_on", "01/06/2024"),
            ("reason", reason),
        ])
    };
    let recorded = app
        .post_form(Some(&admin), "/ntm/local", &fields("", "QĐ 6/QĐ-UBND", ""))
        .await;
    assert!(
        recorded.body.contains("Đã ghi nhận quyết định công nhận"),
        "{}",
        recorded.body
    );
    assert!(
        recorded
            .body
            .contains("<title>Thôn, khu dân cư, vườn mẫu · mtqg</title>"),
        "the title holds the page's name only"
    );
    let id = recorded
        .body
        .split("href=\"/ntm/local/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the edit link")
        .to_owned();
    let uri = format!("/ntm/local/{id}");
    let edit = app.get(Some(&admin), &uri).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(edit
        .body
        .contains("Sửa quyết định công nhận: Vườn hộ ông Lò Văn Pánh"));
    assert_eq!(
        value_after(&edit.body, "Sửa quyết định", "decision"),
        "QĐ 6&#x2f;QĐ-UBND"
    );
    let without_reason = app
        .post_form(Some(&admin), &uri, &fields("1", "QĐ 16/QĐ-UBND", ""))
        .await;
    assert_eq!(without_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        value_after(&without_reason.body, "Sửa quyết định", "decision"),
        "QĐ 16&#x2f;QĐ-UBND",
        "what was typed is kept"
    );
    let done = app
        .post_form(
            Some(&admin),
            &uri,
            &fields("1", "QĐ 16/QĐ-UBND", "nhập nhầm số quyết định"),
        )
        .await;
    assert!(
        done.body.contains("Đã sửa quyết định công nhận"),
        "{}",
        done.body
    );
    assert!(
        done.body
            .contains("QĐ 16&#x2f;QĐ-UBND, 01&#x2f;06&#x2f;2024"),
        "{}",
        done.body
    );
}

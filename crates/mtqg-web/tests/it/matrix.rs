//! The authorisation matrix: every route of the router, called by an anonymous visitor, by one account of each role
//! in province A (the commune officer in one of its communes) and by a steering and a commune account of province B,
//! each time addressing province A's data. What a route needs (a permission) and where its data lies (a unit, and
//! how an account outside it is answered) is data in the table; the expected status of every cell follows from it.
//! Then the CSRF token on every write, and the life of the session cookie.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use chrono::NaiveDate;
use mtqg_core::access::{Permission, Role};
use mtqg_core::direction::Deadline;
use mtqg_core::money::{CapitalType, EventKind, Source};
use mtqg_service::auth::UserInput;
use mtqg_service::direction::{AgencyInput, MeetingInput, TaskInput};
use mtqg_service::geography::{ImportOptions, TableSource};
use mtqg_service::money::EventInput;
use mtqg_service::ntm::AssessmentInput;
use mtqg_service::poverty::HouseholdImportOptions;
use mtqg_service::projects::ProjectInput;
use mtqg_service::recognition::{LocalRecognitionInput, OcopInput, RecognitionInput};
use mtqg_service::{Actor, Service};
use mtqg_test_support::TestDb;

use crate::app::{form_encode, Client, Reply, TestApp};

/// Province A (Thanh Hóa: a district, a town, a commune, and a commune that ended in 2022 into Tam Chung) and
/// province B (Nghệ An: a district, a town and a commune), as of 2021.
const UNITS: &str = "code,name,type,parent_code,valid_from,valid_to\n\
38,Tỉnh Thanh Hóa,Tỉnh,,,\n\
384,Huyện Mường Lát,Huyện,38,,\n\
14846,Thị trấn Mường Lát,Thị trấn,384,,\n\
14847,Xã Quang Chiểu,Xã,384,,2022-01-01\n\
14848,Xã Tam Chung,Xã,384,,\n\
40,Tỉnh Nghệ An,Tỉnh,,,\n\
412,Huyện Quế Phong,Huyện,40,,\n\
16681,Thị trấn Kim Sơn,Thị trấn,412,,\n\
16684,Xã Thông Thụ,Xã,412,,\n";

const HOUSEHOLDS: &str =
    "Mã xã,Mã hộ,Họ tên chủ hộ,Thôn,Khu vực,Dân tộc,Thu nhập bình quân,CS1,CS4,CS10\n\
14848,TC-001,Lò Văn Pánh,Bản Tà Cóm,Nông thôn,Thái,1.200.000,x,x,x\n\
14848,TC-002,Hà Thị Ún,Bản Tà Cóm,Nông thôn,Thái,1.400.000,x,,\n";

const PASSWORD: &str = "mat-khau-thu";

/// Names only province A's data shows (on lists of the account's own scope).
const MEETING_TITLE: &str = "Họp Ban Chỉ đạo xã Tam Chung";
const AGENCY_NAME: &str = "Sở Tài chính tỉnh Thanh Hóa";
const OCOP_NAME: &str = "Chè Shan tuyết Tam Chung";
const GARDEN_NAME: &str = "Vườn mẫu nhà ông Lò Văn Pánh";

/// Where an account's scope lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Home {
    ProvinceA,
    CommuneA,
    ProvinceB,
    CommuneB,
}

/// The unit of province A whose data a route addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// Tỉnh Thanh Hóa (or its district): province-level data.
    ProvinceA,
    /// Xã Tam Chung: a commune's data.
    CommuneA,
}

#[derive(Debug, Clone, Copy)]
struct Account {
    username: &'static str,
    role: Role,
    home: Home,
}

/// One account of each role in province A, and a steering and a commune account of province B.
const ACCOUNTS: [Account; 7] = [
    Account {
        username: "qt-a",
        role: Role::Admin,
        home: Home::ProvinceA,
    },
    Account {
        username: "bcd-a",
        role: Role::Steering,
        home: Home::ProvinceA,
    },
    Account {
        username: "so-a",
        role: Role::Agency,
        home: Home::ProvinceA,
    },
    Account {
        username: "xa-a",
        role: Role::Commune,
        home: Home::CommuneA,
    },
    Account {
        username: "xem-a",
        role: Role::Viewer,
        home: Home::ProvinceA,
    },
    Account {
        username: "bcd-b",
        role: Role::Steering,
        home: Home::ProvinceB,
    },
    Account {
        username: "xa-b",
        role: Role::Commune,
        home: Home::CommuneB,
    },
];

impl Account {
    fn scope_code(self) -> &'static str {
        match self.home {
            Home::ProvinceA => "38",
            Home::CommuneA => "14848",
            Home::ProvinceB => "40",
            Home::CommuneB => "16684",
        }
    }

    /// Whether the account's scope contains the unit.
    fn covers(self, unit: Unit) -> bool {
        matches!(
            (self.home, unit),
            (Home::ProvinceA, _) | (Home::CommuneA, Unit::CommuneA)
        )
    }

    /// Whether the account reaches the unit's agencies: those of its scope's units and of the units above.
    fn reaches(self, unit: Unit) -> bool {
        self.covers(unit) || (self.home == Home::CommuneA && unit == Unit::ProvinceA)
    }

    fn sees(self, unit: Unit, cover: Cover) -> bool {
        match cover {
            Cover::Within => self.covers(unit),
            Cover::Reach => self.reaches(unit),
        }
    }
}

/// What a route needs from the caller.
#[derive(Debug, Clone, Copy)]
enum Need {
    /// Nothing: anyone is answered with this status (login, assets, health, redirect helpers without data).
    Public(StatusCode),
    /// A session, any role.
    Session,
    /// A session whose role has the permission (`Role::can`).
    Perm(Permission),
}

/// Which accounts see a unit's data.
#[derive(Debug, Clone, Copy)]
enum Cover {
    /// Accounts whose scope contains the unit.
    Within,
    /// Accounts whose scope contains the unit or lies under it (agencies of the units above are in reach).
    Reach,
}

/// Where the data a route addresses lies, and how an account that does not see it is answered.
#[derive(Debug, Clone, Copy)]
enum Scope {
    /// Reference data and empty forms: every account with the need is answered.
    Any,
    /// Data of the unit; an account that does not see it gets `refusal`.
    Target {
        unit: Unit,
        cover: Cover,
        refusal: Refusal,
    },
    /// A list of the account's own scope: always 200, and the marker (a name of province A's data) shows exactly
    /// when the account sees the unit.
    Own {
        unit: Unit,
        cover: Cover,
        marker: &'static str,
    },
    /// An uploaded file whose rows are checked one by one: rows outside the scope are problems listed on a 200 page
    /// (with the marker), and nothing is written.
    Rows { unit: Unit, marker: &'static str },
}

/// How a route answers an account that does not see the data it addresses.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    /// 403, or 404 where data out of reach does not exist for the account.
    Status(StatusCode),
    /// The form goes back to its page with the error, as for a mistyped code: 303 to `?error=` naming what was not
    /// found, nothing written.
    BackNotFound,
}

/// A request body; the CSRF token is added per call (form field, multipart field, `X-CSRF-Token` header).
#[derive(Debug, Clone)]
enum Payload {
    Empty,
    Form(Vec<(&'static str, String)>),
    Json(serde_json::Value),
    /// A file sent as the body itself (API imports).
    Raw {
        content_type: &'static str,
        text: String,
    },
    /// A multipart upload: the file and the form's other fields.
    Upload {
        file_name: &'static str,
        content: String,
        fields: Vec<(&'static str, String)>,
    },
}

/// One method and path of the router, with a concrete request against province A's data.
#[derive(Debug, Clone)]
struct Route {
    method: Method,
    /// The path as written in `.route(…)`.
    template: &'static str,
    /// The concrete path (with query) the matrix calls.
    path: String,
    payload: Payload,
    need: Need,
    scope: Scope,
    /// How a role without the permission is answered (403 unless noted).
    denied: StatusCode,
    /// Each call needs its own session (logging out ends it).
    fresh_session: bool,
}

fn route(method: Method, template: &'static str, path: impl Into<String>) -> Route {
    Route {
        method,
        template,
        path: path.into(),
        payload: Payload::Empty,
        need: Need::Session,
        scope: Scope::Any,
        denied: StatusCode::FORBIDDEN,
        fresh_session: false,
    }
}

fn get(template: &'static str, path: impl Into<String>) -> Route {
    route(Method::GET, template, path)
}

fn post(template: &'static str, path: impl Into<String>, payload: Payload) -> Route {
    Route {
        payload,
        ..route(Method::POST, template, path)
    }
}

fn form(pairs: &[(&'static str, &str)]) -> Payload {
    Payload::Form(
        pairs
            .iter()
            .map(|(key, value)| (*key, (*value).to_owned()))
            .collect(),
    )
}

fn upload(file_name: &'static str, content: &str, fields: &[(&'static str, &str)]) -> Payload {
    Payload::Upload {
        file_name,
        content: content.to_owned(),
        fields: fields
            .iter()
            .map(|(key, value)| (*key, (*value).to_owned()))
            .collect(),
    }
}

impl Route {
    fn public(mut self, status: StatusCode) -> Route {
        self.need = Need::Public(status);
        self
    }

    fn needs(mut self, permission: Permission) -> Route {
        self.need = Need::Perm(permission);
        self
    }

    /// Data of the unit, refused with 403 to those outside it.
    fn within(mut self, unit: Unit) -> Route {
        self.scope = Scope::Target {
            unit,
            cover: Cover::Within,
            refusal: Refusal::Status(StatusCode::FORBIDDEN),
        };
        self
    }

    /// An agency of the unit: out of reach it does not exist for the account (404; a form on the agency's page goes
    /// back to it with "not found").
    fn agency_of(mut self, unit: Unit) -> Route {
        self.scope = Scope::Target {
            unit,
            cover: Cover::Reach,
            refusal: match self.is_write() {
                true => Refusal::BackNotFound,
                false => Refusal::Status(StatusCode::NOT_FOUND),
            },
        };
        self
    }

    fn own(mut self, unit: Unit, cover: Cover, marker: &'static str) -> Route {
        self.scope = Scope::Own {
            unit,
            cover,
            marker,
        };
        self
    }

    fn rows(mut self, unit: Unit, marker: &'static str) -> Route {
        self.scope = Scope::Rows { unit, marker };
        self
    }

    fn denied_with(mut self, status: StatusCode) -> Route {
        self.denied = status;
        self
    }

    fn fresh(mut self) -> Route {
        self.fresh_session = true;
        self
    }

    fn is_api(&self) -> bool {
        self.path.starts_with("/api/")
    }

    fn is_write(&self) -> bool {
        self.method != Method::GET
    }

    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// The ids of the fixture's records that routes address.
struct Ids {
    edge: i64,
    project_obstacle: i64,
    assessment: i64,
    evidence: i64,
    /// Tam Chung's OCOP product and model garden (corrected in their forms).
    ocop: i64,
    local: i64,
    /// Tam Chung's standard recognition (revoked in the form) and advanced one (revoked through the API).
    recognitions: [i64; 2],
    household: i64,
    /// 2024: open, reviewed by the matrix.
    open_list: i64,
    /// 2022: open, frozen by the matrix.
    freeze_list: i64,
    /// 2023: frozen, corrected by the matrix.
    frozen_list: i64,
    meeting: i64,
    /// Two tasks of the meeting: one reported on in the form, one through the API.
    tasks: [(i64, i64); 2],
    file: i64,
    /// Two obstacles raised to the agency: one answered in the form, one through the API.
    unit_obstacles: [i64; 2],
    /// 2022 ad-hoc: open, frozen through the API.
    api_freeze_list: i64,
    /// The exchange package of Tam Chung's half-year report, as downloaded.
    package: String,
}

/// Every route of the router with a request addressing province A's data. Add a route here when you add it to the
/// router: `every_route_of_the_router_is_in_the_matrix` fails until you do.
fn routes(ids: &Ids) -> Vec<Route> {
    use Permission as P;
    use Unit::{CommuneA, ProvinceA};
    let Ids {
        edge,
        project_obstacle,
        assessment,
        evidence,
        ocop,
        local,
        recognitions: [recognition, api_recognition],
        household,
        open_list,
        freeze_list,
        frozen_list,
        meeting,
        tasks: [(task, task_version), (api_task, api_task_version)],
        file,
        unit_obstacles: [unit_obstacle, api_unit_obstacle],
        api_freeze_list,
        package,
    } = ids;
    let report = "/reports/6T/2024-H1/14848";
    let unit_csv = "code,name,type,parent_code\n14850,Xã Mới,Xã,384\n";
    let capital_csv = "kind,date,plan_year,unit_code,item_code,source,capital_type,amount\n\
                       Giao kế hoạch vốn năm,10/01/2024,2024,14848,GNBV.DA1,NSTW,ĐTPT,\"10\"\n";
    let notice = "1. Sở Tài chính chủ trì bố trí vốn đối ứng, chậm nhất trước 31/12/2024.";
    vec![
        // lib.rs
        get("/static/app.css", "/static/app.css").public(StatusCode::OK),
        get("/static/app.js", "/static/app.js").public(StatusCode::OK),
        get("/healthz", "/healthz").public(StatusCode::OK),
        get("/readyz", "/readyz").public(StatusCode::OK),
        // home.rs
        get("/", "/?unit=14848&date=30/09/2024").within(CommuneA),
        // pages.rs
        get("/login", "/login").public(StatusCode::OK),
        post(
            "/login",
            "/login",
            form(&[("username", "xem-a"), ("password", PASSWORD), ("next", "")]),
        )
        .public(StatusCode::SEE_OTHER),
        post("/logout", "/logout", form(&[])).fresh(),
        get("/units", "/units?q=tam+chung&date=2023-06-01").own(
            CommuneA,
            Cover::Within,
            "Xã Tam Chung",
        ),
        get("/units/{code}", "/units/14848?date=2023-06-01").within(CommuneA),
        get("/groupings", "/groupings?date=2023-06-01"),
        // Groupings (regions, ethnic-minority zones) are official reference lists every account reads.
        get("/groupings/{code}", "/groupings/KV3?date=2023-06-01"),
        get("/admin/import", "/admin/import").needs(P::ImportGeography),
        post(
            "/admin/import",
            "/admin/import",
            upload("don-vi.csv", unit_csv, &[("as_of", "2024-01-01")]),
        )
        .needs(P::ImportGeography),
        // Only a preview of one's own can be applied, and only an administrator can preview: anyone else is told the
        // preview has expired (422) before the service would refuse the role.
        post(
            "/admin/import/apply",
            "/admin/import/apply",
            form(&[("pending", "khong-co"), ("accept_valid", "")]),
        )
        .needs(P::ImportGeography)
        .denied_with(StatusCode::UNPROCESSABLE_ENTITY),
        get("/admin/lineage/{id}", format!("/admin/lineage/{edge}")).needs(P::CorrectLineage),
        post(
            "/admin/lineage/{id}",
            format!("/admin/lineage/{edge}"),
            form(&[
                ("kind", "full"),
                ("weight", ""),
                ("note", ""),
                ("reason", "Đối chiếu nghị quyết"),
            ]),
        )
        .needs(P::CorrectLineage),
        // The list itself keeps to the administrator's scope (service test `scoped_administrators_…`).
        get("/admin/users", "/admin/users").needs(P::ManageUsers),
        // A scoped administrator cannot create a nationwide account (service test `scoped_administrators_…`).
        post(
            "/admin/users",
            "/admin/users",
            form(&[
                ("username", "moi-a"),
                ("display_name", "Tài khoản mới"),
                ("password", "12345678"),
                ("role", "viewer"),
                ("scope", "14848"),
            ]),
        )
        .needs(P::ManageUsers)
        .within(CommuneA),
        // The log keeps to what the administrator's scope did (service test `scoped_administrators_…`).
        get("/admin/audit", "/admin/audit").needs(P::ReadAudit),
        // api.rs
        get("/api/v1/openapi.json", "/api/v1/openapi.json").public(StatusCode::OK),
        post(
            "/api/v1/session",
            "/api/v1/session",
            Payload::Json(serde_json::json!({"username": "xem-a", "password": PASSWORD})),
        )
        .public(StatusCode::OK),
        route(Method::DELETE, "/api/v1/session", "/api/v1/session").fresh(),
        get(
            "/api/v1/units",
            "/api/v1/units?level=commune&parent=384&as_of=2023-06-01",
        )
        .within(ProvinceA),
        get(
            "/api/v1/units/search",
            "/api/v1/units/search?q=tam+chung&as_of=2023-06-01",
        )
        .own(CommuneA, Cover::Within, "14848"),
        get("/api/v1/units/{code}", "/api/v1/units/14848?as_of=2023-06-01").within(CommuneA),
        get("/api/v1/groupings", "/api/v1/groupings?as_of=2023-06-01"),
        get("/api/v1/groupings/{code}", "/api/v1/groupings/KV3?as_of=2023-06-01"),
        post(
            "/api/v1/imports",
            "/api/v1/imports?file_name=don-vi.csv&as_of=2024-01-01",
            Payload::Raw {
                content_type: "text/csv",
                text: unit_csv.to_owned(),
            },
        )
        .needs(P::ImportGeography),
        post(
            "/api/v1/lineage/{id}",
            format!("/api/v1/lineage/{edge}"),
            Payload::Json(serde_json::json!({"kind": "full", "reason": "Đối chiếu nghị quyết"})),
        )
        .needs(P::CorrectLineage),
        get("/api/v1/audit", "/api/v1/audit").needs(P::ReadAudit),
        // capital.rs
        get("/capital", "/capital?unit=14848&year=2024&date=31/12/2024").within(CommuneA),
        get(
            "/capital/export.xlsx",
            "/capital/export.xlsx?unit=14848&year=2024&date=31/12/2024",
        )
        .within(CommuneA),
        get("/capital/lapse", "/capital/lapse?unit=38&year=2024&date=01/12/2024").within(ProvinceA),
        get(
            "/capital/lapse.xlsx",
            "/capital/lapse.xlsx?unit=38&year=2024&date=01/12/2024",
        )
        .within(ProvinceA),
        get("/capital/events", "/capital/events").needs(P::RecordCapital),
        post(
            "/capital/events",
            "/capital/events",
            form(&[
                ("kind", "disbursement"),
                ("date", "01/06/2024"),
                ("plan_year", "2024"),
                ("unit_code", "14848"),
                ("item_code", "GNBV.DA1"),
                ("source", "nstw"),
                ("capital_type", "dtpt"),
                ("amount", "1"),
                ("legal_basis", "QĐ thử"),
            ]),
        )
        .needs(P::RecordCapital)
        .within(CommuneA),
        get("/capital/import", "/capital/import").needs(P::RecordCapital),
        post(
            "/capital/import",
            "/capital/import",
            upload("von.csv", capital_csv, &[]),
        )
        .needs(P::RecordCapital)
        .rows(CommuneA, "ngoài phạm vi"),
        get("/capital/template.xlsx", "/capital/template.xlsx"),
        get("/projects", "/projects?unit=14848").within(CommuneA),
        post(
            "/projects",
            "/projects",
            form(&[
                ("code", "DA-MOI"),
                ("name", "Nhà văn hóa bản"),
                ("unit_code", "14848"),
                ("investor", "UBND xã Tam Chung"),
                ("item_code", "GNBV.DA1"),
                ("capital_type", "dtpt"),
                ("total_investment", "100"),
                ("status", "dang_thuc_hien"),
            ]),
        )
        .needs(P::RecordCapital)
        .within(CommuneA),
        get("/projects.xlsx", "/projects.xlsx?unit=14848").within(CommuneA),
        post(
            "/projects/{code}/commitments",
            "/projects/DA-A/commitments",
            form(&[("lines", "03/2024: 10")]),
        )
        .needs(P::RecordCapital)
        .within(CommuneA),
        get("/projects/{code}", "/projects/DA-A").within(CommuneA),
        post(
            "/projects/{code}/progress",
            "/projects/DA-A/progress",
            form(&[("date", "01/06/2024"), ("pct", "10"), ("value", "5")]),
        )
        .needs(P::RecordCapital)
        .within(CommuneA),
        post(
            "/projects/{code}/obstacles",
            "/projects/DA-A/obstacles",
            form(&[
                ("kind", "thu_tuc"),
                ("description", "Chậm thẩm định"),
                ("owner", "UBND huyện"),
            ]),
        )
        .needs(P::RecordCapital)
        .within(CommuneA),
        post(
            "/projects/{code}/obstacles/{id}/resolve",
            format!("/projects/DA-A/obstacles/{project_obstacle}/resolve"),
            form(&[]),
        )
        .needs(P::RecordCapital)
        .within(CommuneA),
        get("/catalogue", "/catalogue").needs(P::ReadCapital),
        post(
            "/catalogue",
            "/catalogue",
            form(&[
                ("code", "GNBV.DA1.MTX"),
                ("parent_code", "GNBV.DA1"),
                ("level", "subproject"),
                ("name", "Tiểu dự án thử"),
            ]),
        )
        .needs(P::EditCatalogue),
        post(
            "/catalogue/{code}",
            "/catalogue/GNBV.DA1",
            form(&[
                ("name", "Hỗ trợ đầu tư hạ tầng các huyện nghèo"),
                ("reason", "Đối chiếu quyết định"),
            ]),
        )
        .needs(P::EditCatalogue),
        get(
            "/api/v1/capital/summary",
            "/api/v1/capital/summary?unit=14848&year=2024&as_of=2024-12-31",
        )
        .within(CommuneA),
        get(
            "/api/v1/capital/lapse",
            "/api/v1/capital/lapse?unit=38&year=2024&as_of=2024-12-01",
        )
        .within(ProvinceA),
        post(
            "/api/v1/capital/events",
            "/api/v1/capital/events",
            Payload::Json(serde_json::json!({
                "kind": "disbursement", "unit_code": "14848", "item_code": "GNBV.DA1", "source": "nstw",
                "capital_type": "dtpt", "plan_year": "2024", "amount": "1", "date": "2024-06-01",
            })),
        )
        .needs(P::RecordCapital)
        .within(CommuneA),
        post(
            "/api/v1/capital/imports",
            "/api/v1/capital/imports?file_name=von.csv",
            Payload::Raw {
                content_type: "text/csv",
                text: capital_csv.to_owned(),
            },
        )
        .needs(P::RecordCapital)
        .rows(CommuneA, "ngoài phạm vi"),
        get("/api/v1/projects", "/api/v1/projects?unit=14848").within(CommuneA),
        get("/api/v1/projects/{code}", "/api/v1/projects/DA-A").within(CommuneA),
        post(
            "/api/v1/projects/{code}/commitments",
            "/api/v1/projects/DA-A/commitments",
            Payload::Json(serde_json::json!({"lines": "04/2024: 10"})),
        )
        .needs(P::RecordCapital)
        .within(CommuneA),
        get("/api/v1/catalogue", "/api/v1/catalogue").needs(P::ReadCapital),
        // ntm.rs
        get("/ntm", "/ntm?unit=38&date=31/12/2023").within(ProvinceA),
        post(
            "/ntm",
            "/ntm",
            upload("bo-tieu-chi.toml", "code = \"X\"\nname = \"Bộ thử\"\n", &[]),
        )
        .needs(P::EditCatalogue),
        get("/ntm/sets/{code}", "/ntm/sets/QD318-2022-XA").needs(P::ReadCriteria),
        get("/ntm/assessments", "/ntm/assessments?commune=14848").needs(P::ReadCriteria),
        post(
            "/ntm/assessments",
            "/ntm/assessments",
            form(&[
                ("set_code", "QD318-2022-XA"),
                ("commune", "14848"),
                ("year", "2023"),
                ("stage", "tu_danh_gia"),
                ("key", "BTB"),
                ("v_19.1", "Đạt"),
            ]),
        )
        .needs(P::RecordAssessment)
        .within(CommuneA),
        get("/api/v1/ntm/sets", "/api/v1/ntm/sets").needs(P::ReadCriteria),
        get("/api/v1/ntm/rollup", "/api/v1/ntm/rollup?unit=38&year=2023").within(ProvinceA),
        post(
            "/api/v1/ntm/assessments",
            "/api/v1/ntm/assessments",
            Payload::Json(serde_json::json!({
                "commune_code": "14848", "year": 2023, "stage": "tu_danh_gia", "set_code": "QD318-2022-XA",
                "values": {"19.1": "Đạt"},
            })),
        )
        .needs(P::RecordAssessment)
        .within(CommuneA),
        // recognition.rs; /ntm/xa only redirects the search box to /ntm/xa/{code}, which needs a session.
        get("/ntm/xa", "/ntm/xa?code=14848").public(StatusCode::SEE_OTHER),
        get("/ntm/matrix", "/ntm/matrix?unit=38&date=31/12/2023").within(ProvinceA),
        post(
            "/ntm/assessments/import",
            "/ntm/assessments/import",
            upload(
                "danh-gia.csv",
                "mã xã,năm,vùng,19.1\n14848,2023,BTB,Đạt\n",
                &[("set_code", "QD318-2022-XA"), ("stage", "tham_dinh")],
            ),
        )
        .needs(P::RecordAssessment)
        .rows(CommuneA, "ngoài phạm vi"),
        post(
            "/ntm/assessments/{id}/evidence",
            format!("/ntm/assessments/{assessment}/evidence"),
            upload("bien-ban.pdf", "%PDF-1.4 biên bản", &[]),
        )
        .needs(P::RecordAssessment)
        .within(CommuneA),
        get("/ntm/evidence/{id}", format!("/ntm/evidence/{evidence}")).within(CommuneA),
        get(
            "/ntm/matrix.xlsx",
            "/ntm/matrix.xlsx?unit=38&date=31/12/2023",
        )
        .within(ProvinceA),
        get(
            "/ntm/at-risk.xlsx",
            "/ntm/at-risk.xlsx?unit=38&date=31/12/2023",
        )
        .within(ProvinceA),
        get("/ntm/xa/{code}", "/ntm/xa/14848?date=31/12/2023").within(CommuneA),
        // Revocations come before recognitions: a xã recognised and not revoked is not recognised again.
        post(
            "/api/v1/ntm/recognitions/{id}/revoke",
            format!("/api/v1/ntm/recognitions/{api_recognition}/revoke"),
            Payload::Json(serde_json::json!({
                "revoked_on": "2024-03-15", "decision": "QĐ 88/QĐ-UBND", "reason": "Không duy trì tiêu chí",
            })),
        )
        .needs(P::RecordAssessment)
        .within(CommuneA),
        post(
            "/ntm/recognitions/{id}/revoke",
            format!("/ntm/recognitions/{recognition}/revoke"),
            form(&[
                ("commune", "14848"),
                ("revoked_on", "15/03/2024"),
                ("decision", "QĐ 88/QĐ-UBND"),
                ("reason", "Không duy trì tiêu chí môi trường"),
            ]),
        )
        .needs(P::RecordAssessment)
        .within(CommuneA),
        post(
            "/ntm/xa/{code}/recognitions",
            "/ntm/xa/14848/recognitions",
            form(&[
                ("set_code", "QD318-2022-XA"),
                ("decision", "QĐ 77/QĐ-UBND"),
                ("decided_on", "01/06/2024"),
            ]),
        )
        .needs(P::RecordAssessment)
        .within(CommuneA),
        post(
            "/ntm/xa/{code}/registrations",
            "/ntm/xa/14848/registrations",
            form(&[
                ("target_year", "2025"),
                ("tier", "advanced"),
                ("registered_on", "01/02/2024"),
                ("legal_basis", "NQ 10/NQ-HĐND"),
            ]),
        )
        .needs(P::RecordAssessment)
        .within(CommuneA),
        get("/ntm/local", "/ntm/local").needs(P::RecordAssessment).own(
            CommuneA,
            Cover::Within,
            GARDEN_NAME,
        ),
        post(
            "/ntm/local",
            "/ntm/local",
            form(&[
                ("kind", "vuon_mau"),
                ("commune", "14848"),
                ("name", "Vườn mẫu nhà bà Hà Thị Ún"),
                ("decision", "QĐ 9/QĐ-UBND"),
                ("decided_on", "01/06/2024"),
            ]),
        )
        .needs(P::RecordAssessment)
        .within(CommuneA),
        get("/ntm/ocop", "/ntm/ocop").needs(P::RecordAssessment).own(
            CommuneA,
            Cover::Within,
            OCOP_NAME,
        ),
        post(
            "/ntm/ocop",
            "/ntm/ocop",
            form(&[
                ("code", "OCOP-MTX"),
                ("name", "Mật ong rừng"),
                ("owner", "HTX Tam Chung"),
                ("commune", "14848"),
                ("product_group", "thuc_pham"),
                ("score_a", "30"),
                ("score_b", "20"),
                ("score_c", "25"),
                ("decision", "QĐ 5/QĐ-UBND"),
                ("decided_on", "01/06/2024"),
            ]),
        )
        .needs(P::RecordAssessment)
        .within(CommuneA),
        get("/ntm/local/{id}", format!("/ntm/local/{local}"))
            .needs(P::RecordAssessment)
            .within(CommuneA),
        post(
            "/ntm/local/{id}",
            format!("/ntm/local/{local}"),
            form(&[
                ("version", "1"),
                ("kind", "vuon_mau"),
                ("commune", "14848"),
                ("name", GARDEN_NAME),
                ("decision", "QĐ 10/QĐ-UBND"),
                ("decided_on", "01/06/2024"),
                ("reason", "nhập nhầm số quyết định"),
            ]),
        )
        .needs(P::RecordAssessment)
        .within(CommuneA),
        get("/ntm/ocop/{id}", format!("/ntm/ocop/{ocop}"))
            .needs(P::RecordAssessment)
            .within(CommuneA),
        post(
            "/ntm/ocop/{id}",
            format!("/ntm/ocop/{ocop}"),
            form(&[
                ("version", "1"),
                ("code", "OCOP-A-1"),
                ("name", OCOP_NAME),
                ("owner", "HTX Tam Chung"),
                ("commune", "14848"),
                ("product_group", "do_uong"),
                ("score_a", "35"),
                ("score_b", "20"),
                ("score_c", "25"),
                ("decision", "QĐ 5/QĐ-UBND"),
                ("decided_on", "01/06/2024"),
                ("reason", "nhập nhầm điểm phần A"),
            ]),
        )
        .needs(P::RecordAssessment)
        .within(CommuneA),
        post(
            "/ntm/ocop/import",
            "/ntm/ocop/import",
            upload(
                "ocop.csv",
                "Mã sản phẩm,Tên sản phẩm,Chủ thể,Mã xã,Nhóm,Điểm A,Điểm B,Điểm C,Số quyết định,Ngày quyết định\n\
                 OCOP-38-009,Măng khô,HTX Tam Chung,14848,thuc_pham,30,20,25,QĐ 77,01/06/2024\n",
                &[],
            ),
        )
        .needs(P::RecordAssessment)
        .rows(CommuneA, "ngoài phạm vi"),
        get("/api/v1/ntm/xa/{code}", "/api/v1/ntm/xa/14848?date=2023-12-31").within(CommuneA),
        post(
            "/api/v1/ntm/recognitions",
            "/api/v1/ntm/recognitions",
            Payload::Json(serde_json::json!({
                "commune_code": "14848", "set_code": "QD318-2022-XA-NC", "decision": "QĐ 78/QĐ-UBND",
                "decided_on": "2024-08-01",
            })),
        )
        .needs(P::RecordAssessment)
        .within(CommuneA),
        post(
            "/api/v1/ntm/registrations",
            "/api/v1/ntm/registrations",
            Payload::Json(serde_json::json!({
                "commune_code": "14848", "target_year": "2025", "tier": "model", "registered_on": "2024-02-01",
                "legal_basis": "NQ 10/NQ-HĐND",
            })),
        )
        .needs(P::RecordAssessment)
        .within(CommuneA),
        post(
            "/api/v1/ntm/local-recognitions",
            "/api/v1/ntm/local-recognitions",
            Payload::Json(serde_json::json!({
                "kind": "vuon_mau", "commune": "14848", "name": "Vườn mẫu nhà ông Lò Văn Pùa",
                "decision": "QĐ 10/QĐ-UBND", "decided_on": "2024-06-01",
            })),
        )
        .needs(P::RecordAssessment)
        .within(CommuneA),
        post(
            "/api/v1/ocop/products",
            "/api/v1/ocop/products",
            Payload::Json(serde_json::json!({
                "code": "OCOP-MTX-API", "name": "Gạo nếp", "owner": "HTX Tam Chung", "commune": "14848",
                "product_group": "thuc_pham", "score_a": "30", "score_b": "20", "score_c": "25",
                "decision": "QĐ 11/QĐ-UBND", "decided_on": "2024-06-01",
            })),
        )
        .needs(P::RecordAssessment)
        .within(CommuneA),
        // poverty.rs
        get("/poverty", "/poverty?unit=38&year=2024").within(ProvinceA),
        get("/poverty/rates.xlsx", "/poverty/rates.xlsx?unit=38&year=2024").within(ProvinceA),
        post(
            "/poverty/import",
            "/poverty/import",
            upload(
                "ho.csv",
                HOUSEHOLDS,
                &[("year", "2025"), ("kind", "annual")],
            ),
        )
        .needs(P::RecordPoverty)
        .rows(CommuneA, "ngoài phạm vi"),
        post(
            "/poverty/members",
            "/poverty/members",
            upload(
                "thanh-vien.csv",
                "Mã hộ,Họ tên,Năm sinh,Giới tính,Quan hệ với chủ hộ,CCCD\nTC-001,Lò Văn Pánh,1970,Nam,Chủ hộ,\n",
                &[],
            ),
        )
        .needs(P::RecordPoverty)
        .rows(CommuneA, "ngoài phạm vi"),
        get("/poverty/households/{id}", format!("/poverty/households/{household}"))
            .needs(P::ReadHouseholds)
            .within(CommuneA),
        post(
            "/poverty/households/{id}",
            format!("/poverty/households/{household}"),
            form(&[
                ("version", ""),
                ("head_name", "Lò Văn Pánh"),
                ("village", "Bản Tà Cóm"),
                ("address", ""),
                ("area", "rural"),
                ("ethnicity", "Thái"),
                ("ethnic_minority", "1"),
            ]),
        )
        .needs(P::RecordPoverty)
        .within(CommuneA),
        post(
            "/poverty/targets",
            "/poverty/targets",
            form(&[
                ("unit", "38"),
                ("year", "2024"),
                ("points", "1,5"),
                ("basis", "NQ 1/NQ-HĐND"),
            ]),
        )
        .needs(P::SetPovertyTargets)
        .within(ProvinceA),
        // /poverty/xa only redirects the search box to /poverty/xa/{code}, which needs a session.
        get("/poverty/xa", "/poverty/xa?code=14848").public(StatusCode::SEE_OTHER),
        get("/poverty/xa/{code}", "/poverty/xa/14848").within(CommuneA),
        get("/poverty/lists/{id}", format!("/poverty/lists/{open_list}"))
            .needs(P::ReadHouseholds)
            .within(CommuneA),
        get(
            "/poverty/lists/{id}/export",
            format!("/poverty/lists/{open_list}/export"),
        )
        .needs(P::ReadHouseholds)
        .within(CommuneA),
        post(
            "/poverty/lists/{id}/reviews",
            format!("/poverty/lists/{open_list}/reviews"),
            form(&[
                ("household", "TC-002"),
                ("income", "1.400.000"),
                ("dep_bhyt", "1"),
            ]),
        )
        .needs(P::RecordPoverty)
        .within(CommuneA),
        post(
            "/poverty/lists/{id}/freeze",
            format!("/poverty/lists/{freeze_list}/freeze"),
            form(&[("decision", "12/QĐ-UBND"), ("decided_on", "20/12/2022")]),
        )
        .needs(P::RecordPoverty)
        .within(CommuneA),
        post(
            "/poverty/lists/{id}/correct",
            format!("/poverty/lists/{frozen_list}/correct"),
            form(&[("note", "Sót hộ")]),
        )
        .needs(P::RecordPoverty)
        .within(CommuneA),
        get("/api/v1/poverty/rates", "/api/v1/poverty/rates?unit=38&year=2024").within(ProvinceA),
        get(
            "/api/v1/poverty/flows",
            "/api/v1/poverty/flows?unit=38&from=2023&to=2024",
        )
        .within(ProvinceA),
        get(
            "/api/v1/poverty/classify",
            "/api/v1/poverty/classify?standard=ND07-2021&area=rural&income=1.500.000&deprived=bhyt",
        )
        .needs(P::ReadPoverty),
        get("/api/v1/poverty/lists/{id}", format!("/api/v1/poverty/lists/{open_list}"))
            .needs(P::ReadHouseholds)
            .within(CommuneA),
        post(
            "/api/v1/poverty/lists/{id}/reviews",
            format!("/api/v1/poverty/lists/{open_list}/reviews"),
            Payload::Json(serde_json::json!({"household": "TC-001", "income": "1.200.000", "deprived": ["bhyt"]})),
        )
        .needs(P::RecordPoverty)
        .within(CommuneA),
        post(
            "/api/v1/poverty/lists/{id}/freeze",
            format!("/api/v1/poverty/lists/{api_freeze_list}/freeze"),
            Payload::Json(serde_json::json!({"decision": "12/QĐ-UBND", "decided_on": "2022-12-20"})),
        )
        .needs(P::RecordPoverty)
        .within(CommuneA),
        // direction.rs
        get("/direction", "/direction").own(CommuneA, Cover::Within, MEETING_TITLE),
        post(
            "/direction/agencies",
            "/direction/agencies",
            form(&[("unit", "38"), ("code", "SXD"), ("name", "Sở Xây dựng")]),
        )
        .needs(P::ManageAgencies)
        .within(ProvinceA),
        get("/direction/agencies/{code}", "/direction/agencies/STC").agency_of(ProvinceA),
        post(
            "/direction/agencies/{code}/communes",
            "/direction/agencies/STC/communes",
            form(&[("communes", "14848")]),
        )
        .needs(P::ManageAgencies)
        .agency_of(ProvinceA),
        post(
            "/direction/agencies/{code}/members",
            "/direction/agencies/STC/members",
            form(&[("username", "so-a")]),
        )
        .needs(P::ManageAgencies)
        .agency_of(ProvinceA),
        get(
            "/direction/agencies/{code}/tasks.xlsx",
            "/direction/agencies/STC/tasks.xlsx",
        )
        .agency_of(ProvinceA),
        // The empty form; agencies are offered only with proposed tasks (the next route).
        get("/direction/meetings/new", "/direction/meetings/new"),
        post(
            "/direction/meetings/propose",
            "/direction/meetings/propose",
            form(&[
                ("unit", "14848"),
                ("held_on", "06/09/2024"),
                ("title", "Họp"),
                ("notice_text", notice),
            ]),
        )
        .needs(P::RecordMeetings)
        .own(ProvinceA, Cover::Reach, "value=\"STC\""),
        post(
            "/direction/meetings",
            "/direction/meetings",
            form(&[
                ("unit", "14848"),
                ("held_on", "06/09/2024"),
                ("title", "Họp giao ban"),
                ("notice_text", notice),
                ("n_tasks", "1"),
                ("t0_number", "1"),
                ("t0_content", "Bố trí vốn đối ứng"),
                ("t0_lead", "STC"),
                ("t0_coord", ""),
                ("t0_deadline", "31/12/2024"),
            ]),
        )
        .needs(P::RecordMeetings)
        .within(CommuneA),
        get("/direction/meetings/{id}", format!("/direction/meetings/{meeting}")).within(CommuneA),
        post(
            "/direction/meetings/{id}/targets",
            format!("/direction/meetings/{meeting}/targets"),
            form(&[
                ("measure", "disbursement_rate"),
                ("unit", "14848"),
                ("year", "2024"),
                ("value", "80"),
                ("due_on", "31/12/2024"),
            ]),
        )
        .needs(P::RecordMeetings)
        .within(CommuneA),
        post(
            "/direction/meetings/{id}/files",
            format!("/direction/meetings/{meeting}/files"),
            upload("bao-cao.pdf", "%PDF-1.4 báo cáo", &[]),
        )
        .needs(P::ReportDirection)
        .within(CommuneA),
        get("/direction/files/{id}", format!("/direction/files/{file}")).within(CommuneA),
        post(
            "/direction/tasks/{id}/report",
            format!("/direction/tasks/{task}/report"),
            form(&[
                ("reported_on", "10/09/2024"),
                ("version", &task_version.to_string()),
                ("note", "Đã trình UBND xã"),
            ]),
        )
        .needs(P::ReportDirection)
        .within(CommuneA),
        // An agency out of the account's reach is refused as unknown (service test `an_obstacle_…`).
        post(
            "/direction/obstacles",
            "/direction/obstacles",
            form(&[
                ("unit", "14848"),
                ("agency", "STC"),
                ("title", "Chưa có hướng dẫn"),
                ("detail", ""),
                ("answer_due", ""),
            ]),
        )
        .needs(P::ReportDirection)
        .within(CommuneA),
        // The agency answers: the obstacle lies with the agency's unit, the province.
        post(
            "/direction/obstacles/{id}/answer",
            format!("/direction/obstacles/{unit_obstacle}/answer"),
            form(&[("agency", "STC"), ("answer", "Đã hướng dẫn")]),
        )
        .needs(P::ReportDirection)
        .within(ProvinceA),
        post(
            "/api/v1/direction/propose",
            "/api/v1/direction/propose",
            Payload::Json(serde_json::json!({"held_on": "06/09/2024", "text": notice})),
        )
        .needs(P::RecordMeetings)
        .own(ProvinceA, Cover::Reach, "\"STC\""),
        post(
            "/api/v1/direction/meetings",
            "/api/v1/direction/meetings",
            Payload::Json(serde_json::json!({
                "unit": "14848", "held_on": "06/09/2024", "title": "Họp",
                "tasks": [{"number": "1", "content": "Bố trí vốn", "lead": "STC", "deadline": "31/12/2024"}],
            })),
        )
        .needs(P::RecordMeetings)
        .within(CommuneA),
        get(
            "/api/v1/direction/meetings/{id}",
            format!("/api/v1/direction/meetings/{meeting}"),
        )
        .within(CommuneA),
        post(
            "/api/v1/direction/tasks/{id}/reports",
            format!("/api/v1/direction/tasks/{api_task}/reports"),
            Payload::Json(serde_json::json!({
                "version": api_task_version, "reported_on": "11/09/2024", "note": "Đang thực hiện",
            })),
        )
        .needs(P::ReportDirection)
        .within(CommuneA),
        get(
            "/api/v1/direction/agencies/{code}",
            "/api/v1/direction/agencies/STC",
        )
        .agency_of(ProvinceA),
        post(
            "/api/v1/direction/obstacles",
            "/api/v1/direction/obstacles",
            Payload::Json(serde_json::json!({"unit": "14848", "agency": "STC", "title": "Thiếu vốn đối ứng"})),
        )
        .needs(P::ReportDirection)
        .within(CommuneA),
        post(
            "/api/v1/direction/obstacles/{id}/answer",
            format!("/api/v1/direction/obstacles/{api_unit_obstacle}/answer"),
            Payload::Json(serde_json::json!({"answer": "Đã hướng dẫn", "close": false})),
        )
        .needs(P::ReportDirection)
        .within(ProvinceA),
        // report.rs: Tam Chung's half-year report goes to the district, which lies in province A.
        get("/reports", "/reports?report=6T&period=2024-H1&unit=384").within(ProvinceA),
        // The district returns the report first; the bulk approval then finds it returned.
        post(
            "/reports/{report}/{period}/{unit}/decide",
            format!("{report}/decide"),
            form(&[
                ("action", "return"),
                ("comment", "Bổ sung số liệu"),
                ("version", ""),
            ]),
        )
        .needs(P::ApproveReport)
        .within(ProvinceA),
        post(
            "/reports/approve",
            "/reports/approve",
            form(&[
                ("report", "6T"),
                ("period", "2024-H1"),
                ("receiver", "384"),
                ("unit", "14848"),
            ]),
        )
        .needs(P::ApproveReport)
        .within(ProvinceA),
        post(
            "/reports/import-package",
            "/reports/import-package",
            upload(
                "14848.json",
                package,
                &[("report", "6T"), ("period", "2024-H1"), ("dry_run", "1")],
            ),
        )
        .needs(P::SubmitReport)
        .rows(CommuneA, "bạn không có quyền"),
        get("/reports/{report}/{period}/{unit}", report).within(CommuneA),
        post(
            "/reports/{report}/{period}/{unit}",
            report,
            form(&[("action", "save"), ("version", ""), ("so_hieu", "15/BC-UBND")]),
        )
        .needs(P::SubmitReport)
        .within(CommuneA),
        get(
            "/reports/{report}/{period}/{unit}/narrative",
            format!("{report}/narrative"),
        )
        .within(CommuneA),
        get(
            "/reports/{report}/{period}/{unit}/narrative.docx",
            format!("{report}/narrative.docx"),
        )
        .within(CommuneA),
        get(
            "/reports/{report}/{period}/{unit}/forms/{file}",
            format!("{report}/forms/HUYDONG.xlsx"),
        )
        .within(CommuneA),
        get(
            "/reports/{report}/{period}/{unit}/package.json",
            format!("{report}/package.json"),
        )
        .within(CommuneA),
        get(
            "/reports/{report}/{period}/{unit}/package.csv",
            format!("{report}/package.csv"),
        )
        .within(CommuneA),
        get(
            "/api/v1/reports/{report}/{period}/{unit}",
            "/api/v1/reports/6T/2024-H1/14848",
        )
        .within(CommuneA),
    ]
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test dates are valid")
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

/// The app over the two provinces with data of every capability in province A, and the accounts logged in.
struct Fixture {
    app: TestApp,
    service: Service,
    clients: Vec<Client>,
    ids: Ids,
}

impl Fixture {
    async fn new() -> Fixture {
        let db = TestDb::new().await;
        let service = Service::new(db.store.clone());
        let system = Actor::system();
        let import = |file_name: &'static str, text: &'static str, as_of: Option<&str>| {
            let service = service.clone();
            let as_of = as_of.map(date);
            async move {
                let report = service
                    .import_geography(
                        &Actor::system(),
                        file_name,
                        TableSource::from_bytes(file_name, text.as_bytes().to_vec()),
                        &ImportOptions {
                            as_of,
                            ..ImportOptions::default()
                        },
                        &|_| {},
                    )
                    .await
                    .expect("the fixture imports");
                assert!(report.applied, "{file_name}: {:?}", report.problems);
            }
        };
        import("don-vi.csv", UNITS, Some("2021-01-01")).await;
        import(
            "chuyen-doi.csv",
            "old_code,new_code,kind,date\n14847,14848,full,2022-01-01\n",
            None,
        )
        .await;
        import(
            "vung.csv",
            "grouping_code,grouping_name,category,unit_code,valid_from,note\n\
             KV3,Khu vực III,ethnic_zone,384,2021-01-01,thử\n\
             VUNG7-BTB,Bắc Trung Bộ,ntm_region,38,2021-01-01,thử\n",
            None,
        )
        .await;
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
        let edge = service
            .unit_page(&system, "14848", date("2022-01-01"))
            .await
            .expect("unit page")
            .predecessors
            .iter()
            .find(|edge| edge.other_code == "14847")
            .expect("the lineage edge from Quang Chiểu")
            .id;

        // Money: the province's plan, Tam Chung's share and disbursement, a project with an obstacle.
        for input in [
            event(EventKind::AnnualPlan, "38", 1_000, "2024-01-10"),
            EventInput {
                to_unit_code: Some("14848".to_owned()),
                ..event(EventKind::Allocation, "38", 400, "2024-01-20")
            },
            event(EventKind::Disbursement, "14848", 100, "2024-03-15"),
        ] {
            service
                .record_event(&system, input)
                .await
                .expect("event is recorded");
        }
        service
            .add_project(
                &system,
                ProjectInput {
                    code: "DA-A".to_owned(),
                    name: "Đường bản Tà Cóm".to_owned(),
                    unit_code: "14848".to_owned(),
                    location_codes: Vec::new(),
                    investor: "UBND xã Tam Chung".to_owned(),
                    item_code: "GNBV.DA1".to_owned(),
                    capital_type: CapitalType::Investment,
                    sources: String::new(),
                    total_investment: 5_000_000_000,
                    approval: String::new(),
                    start_date: Some(date("2024-02-01")),
                    end_date: None,
                    status: "dang_thuc_hien".to_owned(),
                    contractors: String::new(),
                },
            )
            .await
            .expect("project is added");
        let project_obstacle = service
            .raise_obstacle(
                &system,
                "DA-A",
                "mat_bang",
                "Chưa bàn giao mặt bằng",
                "UBND xã",
                date("2024-06-01"),
            )
            .await
            .expect("obstacle is raised");

        // New rural: an appraisal with its evidence, a recognition, an OCOP product, a model garden.
        service
            .record_assessment(
                &system,
                AssessmentInput {
                    commune_code: "14848".to_owned(),
                    year: 2023,
                    stage: "tham_dinh".to_owned(),
                    set_code: "QD318-2022-XA".to_owned(),
                    values: [("19.1".to_owned(), "Đạt".to_owned())].into(),
                    key: Some("BTB".to_owned()),
                    ..AssessmentInput::default()
                },
            )
            .await
            .expect("assessment is recorded");
        let assessment = service
            .ntm_scorecard(&system, "14848", date("2023-12-31"))
            .await
            .expect("scorecard")
            .assessments[0]
            .id;
        let evidence = service
            .attach_evidence(
                &system,
                assessment,
                "bien-ban.pdf",
                b"%PDF-1.4 bien ban".to_vec(),
            )
            .await
            .expect("evidence is attached");
        let mut recognitions = [0; 2];
        for (id, (set_code, decided_on)) in recognitions.iter_mut().zip([
            ("QD318-2022-XA", "2023-06-01"),
            ("QD318-2022-XA-NC", "2023-09-01"),
        ]) {
            *id = service
                .record_recognition(
                    &system,
                    RecognitionInput {
                        commune_code: "14848".to_owned(),
                        set_code: set_code.to_owned(),
                        decision: "QĐ 1234/QĐ-UBND".to_owned(),
                        decided_on: date(decided_on),
                    },
                )
                .await
                .expect("recognition is recorded");
        }
        let (ocop, _) = service
            .record_ocop_product(
                &system,
                OcopInput {
                    code: "OCOP-A-1".to_owned(),
                    name: OCOP_NAME.to_owned(),
                    owner: "HTX Tam Chung".to_owned(),
                    commune_code: "14848".to_owned(),
                    product_group: "do_uong".to_owned(),
                    score_a: 30,
                    score_b: 20,
                    score_c: 25,
                    decision: "QĐ 5/QĐ-UBND".to_owned(),
                    decided_on: date("2024-06-01"),
                },
            )
            .await
            .expect("OCOP product is recorded");
        let local = service
            .record_local_recognition(
                &system,
                LocalRecognitionInput {
                    kind: "vuon_mau".to_owned(),
                    commune_code: "14848".to_owned(),
                    village_code: None,
                    name: GARDEN_NAME.to_owned(),
                    decision: "QĐ 6/QĐ-UBND".to_owned(),
                    decided_on: date("2024-06-01"),
                },
            )
            .await
            .expect("model garden is recorded");

        // Poverty: Tam Chung's lists of 2022 (open), 2023 (frozen) and 2024 (open).
        let mut lists = Vec::new();
        for (year, kind) in [
            (2022, "annual"),
            (2023, "annual"),
            (2024, "annual"),
            (2022, "adhoc"),
        ] {
            let report = service
                .import_households(
                    &system,
                    "ho.csv",
                    TableSource::from_bytes("ho.csv", HOUSEHOLDS.as_bytes().to_vec()),
                    &HouseholdImportOptions {
                        year,
                        kind: kind.to_owned(),
                        dry_run: false,
                    },
                    &|_| {},
                )
                .await
                .expect("households import");
            assert!(report.applied, "{:?}", report.problems);
            lists.push(report.lists[0].2);
        }
        let [freeze_list, frozen_list, open_list, api_freeze_list] = lists[..] else {
            unreachable!("four lists were imported")
        };
        service
            .freeze_poverty_list(&system, frozen_list, "10/QĐ-UBND", date("2023-12-20"))
            .await
            .expect("the 2023 list is frozen");
        let household = service
            .store()
            .households_by_code(&["TC-001".to_owned()])
            .await
            .expect("household")[0]
            .1
            .id;

        // Direction: the province's finance department, Tam Chung's meeting with a task, a file and an obstacle.
        service
            .add_agency(
                &system,
                &AgencyInput {
                    unit_code: "38".to_owned(),
                    code: "STC".to_owned(),
                    name: AGENCY_NAME.to_owned(),
                    abbreviations: "Sở Tài chính".to_owned(),
                    valid_from: None,
                    valid_to: None,
                },
            )
            .await
            .expect("agency is added");
        let meeting = service
            .record_meeting(
                &system,
                &MeetingInput {
                    unit_code: "14848".to_owned(),
                    held_on: date("2024-09-06"),
                    title: MEETING_TITLE.to_owned(),
                    chair: String::new(),
                    notice_number: "12/TB-UBND".to_owned(),
                    notice_date: None,
                    signer: String::new(),
                    notice_text: String::new(),
                    follows: None,
                    tasks: ["1", "2"]
                        .map(|number| TaskInput {
                            number: number.to_owned(),
                            content: "Bố trí vốn đối ứng".to_owned(),
                            lead: Some("STC".to_owned()),
                            coordinating: Vec::new(),
                            deadline: Deadline::By(date("2024-12-31")),
                        })
                        .to_vec(),
                },
            )
            .await
            .expect("meeting is recorded");
        let (_, _, tasks) = service
            .meeting_page(&system, meeting, date("2024-09-10"))
            .await
            .expect("meeting page");
        let tasks = [0, 1].map(|i| (tasks[i].task.id, tasks[i].task.version));
        let file = service
            .attach_direction_file(
                &system,
                meeting,
                None,
                "thong-bao.pdf",
                b"%PDF-1.4 thong bao".to_vec(),
            )
            .await
            .expect("file is attached");
        let mut unit_obstacles = [0; 2];
        for id in &mut unit_obstacles {
            *id = service
                .raise_unit_obstacle(
                    &system,
                    "14848",
                    "STC",
                    "Vướng thủ tục thanh toán",
                    "",
                    None,
                )
                .await
                .expect("obstacle is raised");
        }

        for account in ACCOUNTS {
            service
                .add_user(
                    &system,
                    UserInput {
                        username: account.username.to_owned(),
                        display_name: format!("Tài khoản {}", account.username),
                        password: PASSWORD.to_owned(),
                        role: account.role,
                        scope_code: Some(account.scope_code().to_owned()),
                    },
                )
                .await
                .expect("user is added");
        }
        let app = TestApp::with_service(db, service.clone());
        let mut clients = Vec::new();
        for account in ACCOUNTS {
            clients.push(app.login(account.username).await);
        }
        let mut fixture = Fixture {
            app,
            service,
            clients,
            ids: Ids {
                edge,
                project_obstacle,
                assessment,
                evidence,
                ocop,
                local,
                recognitions,
                household,
                open_list,
                freeze_list,
                frozen_list,
                meeting,
                tasks,
                file,
                unit_obstacles,
                api_freeze_list,
                package: String::new(),
            },
        };
        // Tam Chung sends its half-year report; its package is what the package upload sends.
        let officer = fixture.client("xa-a");
        let sent = fixture
            .app
            .post_form(
                Some(officer),
                "/reports/6T/2024-H1/14848",
                &form_encode(&[
                    ("csrf_token", &officer.csrf),
                    ("action", "submit"),
                    ("version", ""),
                ]),
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let package = fixture
            .app
            .get(Some(officer), "/reports/6T/2024-H1/14848/package.json")
            .await;
        assert_eq!(package.status, StatusCode::OK, "{}", package.body);
        fixture.ids.package = package.body;
        fixture
    }

    fn client(&self, username: &str) -> &Client {
        let at = ACCOUNTS
            .iter()
            .position(|account| account.username == username)
            .expect("a fixture account");
        &self.clients[at]
    }

    /// The id of the newest audit entry: unchanged when nothing was written.
    async fn audit_mark(&self) -> i64 {
        self.service
            .store()
            .list_audit(None, 1)
            .await
            .expect("audit log reads")
            .first()
            .map_or(0, |entry| entry.id)
    }
}

/// The CSRF token a call carries.
#[derive(Debug, Clone, Copy)]
enum Csrf<'a> {
    /// None at all: no form field, no header.
    Absent,
    Token(&'a str),
}

const BOUNDARY: &str = "mtqgMATRIX7";

/// Calls the route as `client` (anonymous without one).
async fn call(app: &TestApp, route: &Route, client: Option<&Client>, csrf: Csrf<'_>) -> Reply {
    let mut request = Request::builder()
        .method(route.method.clone())
        .uri(route.path.as_str());
    if let Some(client) = client {
        request = request.header(header::COOKIE, &client.cookie);
    }
    if let Csrf::Token(token) = csrf {
        request = request.header("x-csrf-token", token);
    }
    let token_field = match csrf {
        Csrf::Token(token) => Some(("csrf_token", token.to_owned())),
        Csrf::Absent => None,
    };
    let body = match &route.payload {
        Payload::Empty => Body::empty(),
        Payload::Form(pairs) => {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            let mut pairs: Vec<(&str, &str)> = pairs
                .iter()
                .map(|(key, value)| (*key, value.as_str()))
                .collect();
            if let Some((key, value)) = &token_field {
                pairs.push((key, value));
            }
            Body::from(form_encode(&pairs))
        }
        Payload::Json(value) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(value.to_string())
        }
        Payload::Raw { content_type, text } => {
            request = request.header(header::CONTENT_TYPE, *content_type);
            Body::from(text.clone())
        }
        Payload::Upload {
            file_name,
            content,
            fields,
        } => {
            request = request.header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            );
            let mut text = String::new();
            for (name, value) in fields.iter().chain(token_field.iter()) {
                text.push_str(&format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                ));
            }
            text.push_str(&format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n{content}\r\n--{BOUNDARY}--\r\n"
            ));
            Body::from(text)
        }
    };
    app.send(request.body(body).expect("request builds")).await
}

/// What a cell of the matrix must answer.
#[derive(Debug, Clone, Copy)]
enum Expect {
    Status(StatusCode),
    /// No session: pages send to the login page, the API answers 401.
    Login,
    /// Authorised: a read answers 200; a write is done, or refused for its input or the record's state (409, 422),
    /// never for the role or the scope.
    Allowed,
    /// The account's own list: 200, with province A's marker exactly when the account sees it.
    Listed {
        marker: &'static str,
        shown: bool,
    },
    /// An upload whose rows lie outside the scope: each row's problem, on a 200 page or in a 422 API answer.
    RowsRefused(&'static str),
    /// 303 back to the form's page with a "not found" error.
    BackNotFound,
}

fn expectation(route: &Route, account: Option<Account>) -> Expect {
    if let Need::Public(status) = route.need {
        return Expect::Status(status);
    }
    let Some(account) = account else {
        return Expect::Login;
    };
    if let Need::Perm(permission) = route.need {
        if !account.role.can(permission) {
            return Expect::Status(route.denied);
        }
    }
    match route.scope {
        Scope::Any => Expect::Allowed,
        Scope::Target {
            unit,
            cover,
            refusal,
        } => match (account.sees(unit, cover), refusal) {
            (true, _) => Expect::Allowed,
            (false, Refusal::Status(status)) => Expect::Status(status),
            (false, Refusal::BackNotFound) => Expect::BackNotFound,
        },
        Scope::Own {
            unit,
            cover,
            marker,
        } => Expect::Listed {
            marker,
            shown: account.sees(unit, cover),
        },
        Scope::Rows { unit, marker } => match account.covers(unit) {
            true => Expect::Allowed,
            false => Expect::RowsRefused(marker),
        },
    }
}

/// The visible text of a reply, shortened, for failure messages.
fn gist(reply: &Reply) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for ch in reply.body.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(ch),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = words.join(" ");
    joined.chars().take(300).collect()
}

fn check(route: &Route, expect: Expect, reply: &Reply) -> Result<(), String> {
    let status = reply.status;
    let ok = match expect {
        Expect::Status(expected) => status == expected,
        Expect::Login if route.is_api() => status == StatusCode::UNAUTHORIZED,
        Expect::Login => {
            status == StatusCode::SEE_OTHER && reply.location.as_deref() == Some("/login")
        }
        Expect::Allowed if !route.is_write() => status == StatusCode::OK,
        // Logging out ends on the login page; the matrix then checks that the session is gone.
        Expect::Allowed if route.fresh_session => matches!(status.as_u16(), 204 | 303),
        Expect::Allowed => {
            matches!(status.as_u16(), 200 | 201 | 204 | 303 | 409 | 422)
                && reply.location.as_deref() != Some("/login")
        }
        Expect::Listed { marker, shown } => {
            status == StatusCode::OK && reply.body.contains(marker) == shown
        }
        Expect::RowsRefused(marker) => {
            let refused = match route.is_api() {
                true => StatusCode::UNPROCESSABLE_ENTITY,
                false => StatusCode::OK,
            };
            status == refused && reply.body.contains(marker)
        }
        Expect::BackNotFound => {
            status == StatusCode::SEE_OTHER
                && reply.location.as_deref().is_some_and(|location| {
                    location.contains("?error=")
                        && location.contains("kh%C3%B4ng%20t%C3%ACm%20th%E1%BA%A5y")
                })
        }
    };
    match ok {
        true => Ok(()),
        false => Err(format!(
            "expected {expect:?}, got {status} {:?}: {}",
            reply.location,
            gist(reply)
        )),
    }
}

/// Whether a cell must leave the audit log as it was (everything but authorised writes and public logins).
fn writes_nothing(route: &Route, expect: Expect) -> bool {
    !matches!(route.need, Need::Public(_)) && !matches!(expect, Expect::Allowed)
}

#[tokio::test]
async fn every_route_answers_each_role_in_and_out_of_scope_as_its_permission_and_scope_say() {
    let fixture = Fixture::new().await;
    let routes = routes(&fixture.ids);
    let callers: Vec<Option<Account>> = std::iter::once(None)
        .chain(ACCOUNTS.into_iter().map(Some))
        .collect();
    let mut failures = Vec::new();
    let mut cells = 0;
    for route in &routes {
        for caller in &callers {
            let fresh;
            let client = match (caller, route.fresh_session) {
                (None, _) => None,
                (Some(account), false) => Some(fixture.client(account.username)),
                (Some(account), true) => {
                    fresh = fixture.app.login(account.username).await;
                    Some(&fresh)
                }
            };
            let expect = expectation(route, *caller);
            let before = fixture.audit_mark().await;
            let csrf = client.map_or(Csrf::Absent, |client| Csrf::Token(&client.csrf));
            let reply = call(&fixture.app, route, client, csrf).await;
            let who = caller.map_or("anonymous", |account| account.username);
            if let Err(problem) = check(route, expect, &reply) {
                failures.push(format!("{} as {who}: {problem}", route.name()));
            }
            if route.fresh_session && matches!(expect, Expect::Allowed) {
                let after = fixture.app.get(client, "/").await;
                if after.location.as_deref() != Some("/login") {
                    failures.push(format!(
                        "{} as {who}: the session still answers {}",
                        route.name(),
                        after.status
                    ));
                }
            }
            if writes_nothing(route, expect) && fixture.audit_mark().await != before {
                failures.push(format!(
                    "{} as {who}: refused, yet an audit entry was written",
                    route.name()
                ));
            }
            cells += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells ({} routes) failed:\n{}",
        failures.len(),
        routes.len(),
        failures.join("\n")
    );
}

/// Every `.route(path, method(…)…)` of the web crate's sources, as (method, path).
fn routes_in_sources() -> BTreeSet<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("src is readable") {
        let path = entry.expect("directory entry").path();
        if path.extension().and_then(|ext| ext.to_str()) != Some("rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source is readable");
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find_map(|(i, ch)| {
                    match ch {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    (depth == 0).then_some(i)
                })
                .expect("a closed .route( call");
            let call = &rest[..end];
            let template = call
                .split('"')
                .nth(1)
                .expect("the route's path is a string literal");
            for method in ["get", "post", "put", "patch", "delete"] {
                let needle = format!("{method}(");
                let called = call.match_indices(&needle).any(|(i, _)| {
                    !call[..i]
                        .chars()
                        .next_back()
                        .is_some_and(|ch| ch.is_alphanumeric() || ch == '_')
                });
                if called {
                    found.insert((method.to_uppercase(), template.to_owned()));
                }
            }
        }
    }
    found
}

/// A placeholder-free check that a concrete path is an instance of its template.
fn matches_template(template: &str, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    let (template, path): (Vec<&str>, Vec<&str>) =
        (template.split('/').collect(), path.split('/').collect());
    template.len() == path.len()
        && template.iter().zip(&path).all(|(part, given)| {
            (part.starts_with('{') && part.ends_with('}') && !given.is_empty()) || part == given
        })
}

#[tokio::test]
async fn every_route_of_the_router_is_in_the_matrix() {
    let ids = Ids {
        edge: 1,
        project_obstacle: 1,
        assessment: 1,
        evidence: 1,
        ocop: 1,
        local: 1,
        recognitions: [1, 2],
        household: 1,
        open_list: 1,
        freeze_list: 1,
        frozen_list: 1,
        meeting: 1,
        tasks: [(1, 1), (2, 1)],
        file: 1,
        unit_obstacles: [1, 2],
        api_freeze_list: 1,
        package: String::new(),
    };
    let table = routes(&ids);
    let listed: BTreeSet<(String, String)> = table
        .iter()
        .map(|route| (route.method.to_string(), route.template.to_owned()))
        .collect();
    assert_eq!(listed.len(), table.len(), "a route is listed twice");
    let served = routes_in_sources();
    assert!(served.len() > 100, "found only {} routes", served.len());
    let missing: Vec<_> = served.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&served).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "add these routes to the matrix: {missing:?}; remove these, which the router no longer serves: {stale:?}"
    );
    for route in &table {
        assert!(
            matches_template(route.template, &route.path),
            "{} does not call {}",
            route.path,
            route.template
        );
    }
}

#[tokio::test]
async fn every_write_refuses_a_missing_empty_or_foreign_csrf_token_and_writes_nothing() {
    let fixture = Fixture::new().await;
    let stranger = fixture.client("xa-b");
    let mut failures = Vec::new();
    let mut checked = 0;
    for route in routes(&fixture.ids)
        .iter()
        .filter(|route| route.is_write() && !matches!(route.need, Need::Public(_)))
    {
        // The first account the route serves, so that only the token can be what refuses it.
        let account = ACCOUNTS
            .into_iter()
            .find(|account| {
                matches!(
                    expectation(route, Some(*account)),
                    Expect::Allowed | Expect::Listed { .. }
                )
            })
            .unwrap_or_else(|| panic!("{}: no account of province A may call it", route.name()));
        let fresh;
        let client = match route.fresh_session {
            true => {
                fresh = fixture.app.login(account.username).await;
                &fresh
            }
            false => fixture.client(account.username),
        };
        // The same user's other session has its own token.
        let other_session = fixture.app.login(account.username).await;
        for (how, csrf) in [
            ("without a token", Csrf::Absent),
            ("with an empty token", Csrf::Token("")),
            ("with another user's token", Csrf::Token(&stranger.csrf)),
            (
                "with the user's other session's token",
                Csrf::Token(&other_session.csrf),
            ),
        ] {
            let before = fixture.audit_mark().await;
            let reply = call(&fixture.app, route, Some(client), csrf).await;
            let refused = reply.status == StatusCode::FORBIDDEN;
            if !refused {
                failures.push(format!(
                    "{} {how}: {} {:?}: {}",
                    route.name(),
                    reply.status,
                    reply.location,
                    gist(&reply)
                ));
            }
            if fixture.audit_mark().await != before {
                failures.push(format!(
                    "{} {how}: an audit entry was written",
                    route.name()
                ));
            }
            checked += 1;
        }
        if route.fresh_session {
            let still = fixture.app.get(Some(client), "/").await;
            if still.status != StatusCode::OK {
                failures.push(format!(
                    "{}: a refused logout ended the session ({})",
                    route.name(),
                    still.status
                ));
            }
        }
    }
    assert!(checked > 250, "only {checked} calls");
    assert!(
        failures.is_empty(),
        "{} of {checked} forged calls were not refused:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A refused forgery writes nothing: a disbursement sent with another session's token leaves the commune's money as
/// it was.
#[tokio::test]
async fn a_forged_disbursement_leaves_the_ledger_as_it_was() {
    let fixture = Fixture::new().await;
    let officer = fixture.client("xa-a");
    let summary = "/api/v1/capital/summary?unit=14848&year=2024&as_of=2024-12-31";
    let disbursed = |reply: Reply| {
        let json: serde_json::Value = serde_json::from_str(&reply.body).expect("json");
        json["totals"]["disbursed"].as_i64().expect("a sum")
    };
    let before = disbursed(fixture.app.get(Some(officer), summary).await);
    assert_eq!(before, 100_000_000);
    let event = [
        ("kind", "disbursement"),
        ("date", "01/06/2024"),
        ("plan_year", "2024"),
        ("unit_code", "14848"),
        ("item_code", "GNBV.DA1"),
        ("source", "nstw"),
        ("capital_type", "dtpt"),
        ("amount", "50"),
    ];
    let stranger = fixture.client("so-a");
    let mut forged = event.to_vec();
    forged.push(("csrf_token", &stranger.csrf));
    let refused = fixture
        .app
        .post_form(Some(officer), "/capital/events", &form_encode(&forged))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        disbursed(fixture.app.get(Some(officer), summary).await),
        before
    );
    let mut genuine = event.to_vec();
    genuine.push(("csrf_token", &officer.csrf));
    let recorded = fixture
        .app
        .post_form(Some(officer), "/capital/events", &form_encode(&genuine))
        .await;
    assert!(
        recorded.body.contains("Đã ghi nghiệp vụ"),
        "{}",
        gist(&recorded)
    );
    assert_eq!(
        disbursed(fixture.app.get(Some(officer), summary).await),
        before + 50_000_000,
        "the genuine form is recorded"
    );
}

#[tokio::test]
async fn the_session_cookie_is_http_only_same_site_lax_and_for_the_whole_site() {
    let fixture = Fixture::new().await;
    let login = fixture
        .app
        .post_form(
            None,
            "/login",
            &form_encode(&[("username", "xem-a"), ("password", PASSWORD), ("next", "")]),
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    let cookie = login.set_cookie.expect("a session cookie");
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
    assert!(
        attributes[0].starts_with("mtqg_session=") && attributes[0].len() > 40,
        "{cookie}"
    );
    for expected in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(attributes.contains(&expected), "{expected}: {cookie}");
    }
    let max_age: i64 = attributes
        .iter()
        .find_map(|attribute| attribute.strip_prefix("Max-Age="))
        .expect("a lifetime")
        .parse()
        .expect("seconds");
    assert!(
        (11 * 3600..=12 * 3600).contains(&max_age),
        "the session lasts a working day: {cookie}"
    );
    // The API's login sets the same cookie (`TestApp::login` checks HttpOnly and SameSite=Lax on it).
    fixture.app.login("xem-a").await;
}

#[tokio::test]
async fn a_logged_out_session_cookie_opens_no_page_and_no_api_call() {
    let fixture = Fixture::new().await;
    for logout in ["/logout", "/api/v1/session"] {
        let client = fixture.app.login("so-a").await;
        assert_eq!(
            fixture.app.get(Some(&client), "/").await.status,
            StatusCode::OK
        );
        let out = match logout {
            "/logout" => {
                fixture
                    .app
                    .post_form(
                        Some(&client),
                        logout,
                        &form_encode(&[("csrf_token", &client.csrf)]),
                    )
                    .await
            }
            _ => {
                fixture
                    .app
                    .send(
                        Request::delete(logout)
                            .header(header::COOKIE, &client.cookie)
                            .header("x-csrf-token", &client.csrf)
                            .body(Body::empty())
                            .expect("request builds"),
                    )
                    .await
            }
        };
        assert!(
            matches!(out.status.as_u16(), 204 | 303),
            "{logout}: {}",
            out.status
        );
        assert!(
            out.set_cookie.as_deref().is_some_and(
                |cookie| cookie.starts_with("mtqg_session=;") && cookie.contains("Max-Age=0")
            ),
            "{logout} clears the cookie: {:?}",
            out.set_cookie
        );
        assert_refused(&fixture.app, &client, &format!("after {logout}")).await;
    }
}

#[tokio::test]
async fn an_expired_session_cookie_is_sent_to_login() {
    let fixture = Fixture::new().await;
    let user = fixture
        .service
        .store()
        .user_by_username("so-a")
        .await
        .expect("users read")
        .expect("the agency officer");
    let now = chrono::Utc::now();
    let mut sessions = Vec::new();
    for (token, expires_at) in [
        ("a".repeat(64), now + chrono::Duration::hours(1)),
        ("b".repeat(64), now - chrono::Duration::minutes(1)),
    ] {
        let mut tx = fixture.service.store().begin().await.expect("transaction");
        tx.insert_session(
            &sha256_hex(token.as_bytes()),
            user.id,
            "csrf-thu",
            expires_at,
        )
        .await
        .expect("session is stored");
        tx.commit().await.expect("commit");
        sessions.push(Client {
            cookie: format!("mtqg_session={token}"),
            csrf: "csrf-thu".to_owned(),
        });
    }
    let [live, expired] = &sessions[..] else {
        unreachable!("two sessions were stored")
    };
    assert_eq!(
        fixture.app.get(Some(live), "/").await.status,
        StatusCode::OK,
        "a session stored the same way opens pages while it lasts"
    );
    assert_refused(&fixture.app, expired, "expired").await;
}

#[tokio::test]
async fn a_tampered_session_cookie_is_sent_to_login() {
    let fixture = Fixture::new().await;
    let client = fixture.client("so-a");
    let token = client
        .cookie
        .strip_prefix("mtqg_session=")
        .expect("the session cookie");
    let last = token.chars().last().expect("a token");
    let flipped = if last == '0' { '1' } else { '0' };
    for (how, tampered) in [
        (
            "one character changed",
            format!("{}{flipped}", &token[..token.len() - 1]),
        ),
        ("one character more", format!("{token}0")),
        ("cut short", token[..token.len() / 2].to_owned()),
        ("empty", String::new()),
    ] {
        let forged = Client {
            cookie: format!("mtqg_session={tampered}"),
            csrf: client.csrf.clone(),
        };
        assert_refused(&fixture.app, &forged, how).await;
    }
    assert_eq!(
        fixture.app.get(Some(client), "/").await.status,
        StatusCode::OK,
        "the genuine cookie still works"
    );
}

/// A cookie that opens nothing: pages send to login, the API answers 401, a write with the session's token too.
async fn assert_refused(app: &TestApp, client: &Client, how: &str) {
    for page in ["/", "/units/14848", "/capital?unit=14848"] {
        let reply = app.get(Some(client), page).await;
        assert_eq!(
            (reply.status, reply.location.as_deref()),
            (StatusCode::SEE_OTHER, Some("/login")),
            "{how}: {page}"
        );
    }
    for call in ["/api/v1/units?level=province", "/api/v1/projects"] {
        assert_eq!(
            app.get(Some(client), call).await.status,
            StatusCode::UNAUTHORIZED,
            "{how}: {call}"
        );
    }
    let write = app
        .post_form(
            Some(client),
            "/projects/DA-A/progress",
            &form_encode(&[
                ("csrf_token", &client.csrf),
                ("date", "01/06/2024"),
                ("pct", "50"),
                ("value", "5"),
            ]),
        )
        .await;
    assert_eq!(
        (write.status, write.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/login")),
        "{how}: a write"
    );
}

/// The SHA-256 of `data` in hex, as the session table stores tokens.
fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

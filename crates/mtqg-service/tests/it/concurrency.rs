//! Optimistic concurrency stories: two officers open the same record at the same version, the first saves, the
//! second is refused with a conflict that says what to do, and the stored record is the first one's.

use mtqg_core::geo::LineageKind;
use mtqg_core::money::CapitalType;
use mtqg_service::catalogue::ItemEdit;
use mtqg_service::geography::{ImportOptions, TableSource};
use mtqg_service::poverty::HouseholdImportOptions;
use mtqg_service::poverty_lists::{HouseholdEdit, ReviewInput};
use mtqg_service::projects::ProjectInput;
use mtqg_service::{Actor, Service, ServiceError};

use crate::support::{date, import_csv, service, service_with_shipped_geography};

const UNITS: &str = "code,name,type,parent_code\n\
38,Tỉnh Thanh Hóa,Tỉnh,\n\
384,Huyện Mường Lát,Huyện,38\n\
14846,Thị trấn Mường Lát,Thị trấn,384\n\
14848,Xã Tam Chung,Xã,384\n";

const MILLION: i64 = 1_000_000;

/// An officer by name (an administrator: the stories are about versions, not roles).
fn officer(name: &str) -> Actor {
    Actor {
        username: name.to_owned(),
        display_name: name.to_owned(),
        ..Actor::system()
    }
}

/// The refusal is a conflict that says the record changed and nothing was written.
fn assert_stale<T: std::fmt::Debug>(res: Result<T, ServiceError>) {
    match res {
        Err(ServiceError::Conflict { message }) => assert!(
            message.contains("vừa được người khác sửa")
                && message.contains("hãy tải lại trang")
                && message.contains("chưa được ghi"),
            "{message}"
        ),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// Audit entries of `action` on `key`, by actor.
async fn audited(service: &Service, key: &str, action: &str) -> Vec<String> {
    service
        .audit_log(&Actor::system(), Some(key), 50)
        .await
        .expect("audit")
        .into_iter()
        .filter(|entry| entry.action == action)
        .map(|entry| entry.actor)
        .collect()
}

async fn with_units() -> (mtqg_test_support::TestDb, Service) {
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
    (db, service)
}

#[tokio::test]
async fn two_officers_edit_the_same_catalogue_item_and_the_second_gets_a_conflict() {
    let (_db, service) = with_units().await;
    let item = |name: &str| ItemEdit {
        name: name.to_owned(),
        legal_basis: "QĐ 90/QĐ-TTg".to_owned(),
        verify: false,
        note: String::new(),
    };
    let items = service
        .program_items(&Actor::system())
        .await
        .expect("catalogue");
    let read = items
        .iter()
        .find(|item| item.code == "GNBV.DA1")
        .expect("item")
        .version;
    service
        .edit_program_item(
            &officer("an"),
            "GNBV.DA1",
            &item("Bản của An"),
            "đối chiếu",
            Some(read),
        )
        .await
        .expect("the first edit is saved");
    assert_stale(
        service
            .edit_program_item(
                &officer("binh"),
                "GNBV.DA1",
                &item("Bản của Bình"),
                "đối chiếu",
                Some(read),
            )
            .await,
    );
    let stored = service
        .program_items(&Actor::system())
        .await
        .expect("catalogue")
        .into_iter()
        .find(|item| item.code == "GNBV.DA1")
        .expect("item");
    assert_eq!(stored.name, "Bản của An");
    assert_eq!(stored.version, read + 1);
    assert_eq!(
        audited(&service, "GNBV.DA1", "catalogue.edit").await,
        ["an"]
    );
}

#[tokio::test]
async fn two_administrators_correct_the_same_lineage_edge_and_the_second_gets_a_conflict() {
    let (_db, service) = with_units().await;
    let as_of = |day: &str| ImportOptions {
        as_of: Some(date(day)),
        ..ImportOptions::default()
    };
    import_csv(
        &service,
        "code,name,type,parent_code\n38,Tỉnh Thanh Hóa,Tỉnh,\n14846,Xã Mường Lát,Xã,38\n",
        as_of("2025-07-01"),
    )
    .await;
    let report = import_csv(
        &service,
        "old_code,new_code,kind,date\n14846,14846,full,2025-07-01\n14848,14846,full,2025-07-01\n",
        ImportOptions::default(),
    )
    .await;
    assert!(report.applied, "{:?}", report.problems);
    let page = service
        .unit_page(&Actor::system(), "14846", date("2025-07-01"))
        .await
        .expect("page");
    let edge = page
        .predecessors
        .iter()
        .find(|edge| edge.other_code == "14848")
        .expect("edge");
    let read = service
        .lineage_edge(&Actor::system(), edge.id)
        .await
        .expect("edge detail")
        .version;
    assert_eq!(read, edge.version);
    service
        .correct_edge(
            &officer("an"),
            edge.id,
            LineageKind::Partial,
            Some(0.6),
            "theo An",
            "bảng của Tổng cục Thống kê",
            Some(read),
        )
        .await
        .expect("the first correction is saved");
    assert_stale(
        service
            .correct_edge(
                &officer("binh"),
                edge.id,
                LineageKind::Partial,
                Some(0.3),
                "theo Bình",
                "bảng khác",
                Some(read),
            )
            .await,
    );
    let stored = service
        .lineage_edge(&Actor::system(), edge.id)
        .await
        .expect("edge detail");
    assert_eq!(
        (stored.weight, stored.note.as_str(), stored.version),
        (Some(0.6), "theo An", read + 1)
    );
    assert_eq!(
        audited(&service, &edge.id.to_string(), "lineage.correct").await,
        ["an"]
    );
}

#[tokio::test]
async fn two_officers_replace_a_projects_commitments_and_the_second_gets_a_conflict() {
    let (_db, service) = with_units().await;
    service
        .add_project(
            &Actor::system(),
            ProjectInput {
                code: "DA-TC-01".to_owned(),
                name: "Đường giao thông bản Tà Cóm".to_owned(),
                unit_code: "14848".to_owned(),
                location_codes: vec!["14848".to_owned()],
                investor: "UBND xã Tam Chung".to_owned(),
                item_code: "GNBV.DA1".to_owned(),
                capital_type: CapitalType::Investment,
                sources: "NSTW".to_owned(),
                total_investment: 5_000 * MILLION,
                approval: "QĐ 45/QĐ-UBND".to_owned(),
                start_date: Some(date("2024-02-01")),
                end_date: Some(date("2025-06-30")),
                status: "dang_thuc_hien".to_owned(),
                contractors: String::new(),
            },
        )
        .await
        .expect("project");
    let read = service
        .project_page(&Actor::system(), "DA-TC-01")
        .await
        .expect("page")
        .project
        .version;
    service
        .set_commitments(
            &officer("an"),
            "DA-TC-01",
            vec![(date("2024-03-01"), 100 * MILLION)],
            Some(read),
        )
        .await
        .expect("the first schedule is saved");
    assert_stale(
        service
            .set_commitments(
                &officer("binh"),
                "DA-TC-01",
                vec![(date("2024-04-01"), 900 * MILLION)],
                Some(read),
            )
            .await,
    );
    let page = service
        .project_page(&Actor::system(), "DA-TC-01")
        .await
        .expect("page");
    assert_eq!(page.commitments, [(date("2024-03-01"), 100 * MILLION)]);
    assert_eq!(page.project.version, read + 1);
    assert_eq!(
        audited(&service, "DA-TC-01", "project.commitments").await,
        ["an"]
    );
}

#[tokio::test]
async fn an_obstacle_resolved_by_two_officers_keeps_the_first_date_and_tells_the_second() {
    let (_db, service) = with_units().await;
    service
        .add_project(
            &Actor::system(),
            ProjectInput {
                code: "DA-TC-02".to_owned(),
                name: "Nhà văn hóa bản Tà Cóm".to_owned(),
                unit_code: "14848".to_owned(),
                location_codes: vec!["14848".to_owned()],
                investor: "UBND xã Tam Chung".to_owned(),
                item_code: "GNBV.DA1".to_owned(),
                capital_type: CapitalType::Investment,
                sources: "NSTW".to_owned(),
                total_investment: 900 * MILLION,
                approval: String::new(),
                start_date: None,
                end_date: None,
                status: "dang_thuc_hien".to_owned(),
                contractors: String::new(),
            },
        )
        .await
        .expect("project");
    let obstacle = service
        .raise_obstacle(
            &Actor::system(),
            "DA-TC-02",
            "mat_bang",
            "Chưa bàn giao mặt bằng",
            "UBND xã",
            date("2024-11-20"),
        )
        .await
        .expect("obstacle");
    service
        .resolve_obstacle(&officer("an"), "DA-TC-02", obstacle, date("2024-12-01"))
        .await
        .expect("the first resolution is saved");
    let second = service
        .resolve_obstacle(&officer("binh"), "DA-TC-02", obstacle, date("2024-12-09"))
        .await;
    assert!(
        matches!(&second, Err(ServiceError::Conflict { message })
            if message.contains("đã được ghi nhận xử lý xong") && message.contains("tải lại trang")),
        "{second:?}"
    );
    let page = service
        .project_page(&Actor::system(), "DA-TC-02")
        .await
        .expect("page");
    assert_eq!(page.obstacles[0].resolved_on, Some(date("2024-12-01")));
    assert_eq!(
        audited(&service, "DA-TC-02", "project.obstacle_resolved").await,
        ["an"]
    );
}

const HEADER: &str =
    "Mã xã,Mã hộ,Họ tên chủ hộ,Thôn,Khu vực,Dân tộc,Năm sinh chủ hộ,Thu nhập bình quân,CS1,CS4";

/// Imports an open 2024 list of Quang Chiểu (15103) with two households; returns the list's id.
async fn open_list(service: &Service, head_of_h1: &str) -> i64 {
    let text = format!(
        "{HEADER}\n15103,H1,{head_of_h1},Thôn 1,Nông thôn,Thái,1970,1.200.000,x,x\n\
         15103,H2,Chủ hộ H2,Thôn 2,Nông thôn,Kinh,1980,3.000.000,,\n"
    );
    let report = service
        .import_households(
            &Actor::system(),
            "ho.csv",
            TableSource::Csv(Box::new(std::io::Cursor::new(text.into_bytes()))),
            &HouseholdImportOptions {
                year: 2024,
                kind: "annual".to_owned(),
                dry_run: false,
            },
            &|_| {},
        )
        .await
        .expect("import runs");
    assert!(report.applied, "{:?}", report.problems);
    report.lists[0].2
}

async fn listed(service: &Service, list_id: i64, code: &str) -> mtqg_store::ListedHousehold {
    service
        .poverty_list_page(&Actor::system(), list_id, None, Some(code), 0, 10)
        .await
        .expect("list page")
        .households
        .into_iter()
        .find(|h| h.code == code)
        .expect("household in the list")
}

#[tokio::test]
async fn two_officers_edit_the_same_household_and_the_second_gets_a_conflict() {
    let (_db, service) = service_with_shipped_geography().await;
    let list_id = open_list(&service, "Lò Văn A").await;
    let id = listed(&service, list_id, "H1").await.id;
    let read = service
        .household_page(&Actor::system(), id)
        .await
        .expect("household")
        .household;
    let edit = |village: &str| HouseholdEdit {
        head_name: read.head_name.clone(),
        village: village.to_owned(),
        address: String::new(),
        area: read.area.clone(),
        ethnicity: read.ethnicity.clone(),
        ethnic_minority: read.ethnic_minority,
        ..HouseholdEdit::default()
    };
    service
        .edit_household(&officer("an"), id, &edit("Bản Tà Cóm"), Some(read.version))
        .await
        .expect("the first edit is saved");
    assert_stale(
        service
            .edit_household(
                &officer("binh"),
                id,
                &edit("Bản Pá Búa"),
                Some(read.version),
            )
            .await,
    );
    let stored = service
        .household_page(&Actor::system(), id)
        .await
        .expect("household")
        .household;
    assert_eq!(
        (stored.village.as_str(), stored.version),
        ("Bản Tà Cóm", read.version + 1)
    );
    let entries = service
        .audit_log(&Actor::system(), Some(&id.to_string()), 10)
        .await
        .expect("audit");
    let edits: Vec<_> = entries
        .iter()
        .filter(|entry| entry.action == "poverty.household.edit")
        .collect();
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].actor, "an");
    assert_eq!(
        edits[0].after_data,
        Some(serde_json::json!({ "fields": ["village"] })),
        "the audit names the fields, never the values"
    );

    // A re-import rewrites the register too: an edit made on the page read before it is refused.
    let before_import = stored.version;
    open_list(&service, "Lò Văn Ánh").await;
    assert_stale(
        service
            .edit_household(
                &officer("an"),
                id,
                &edit("Bản Tà Cóm 2"),
                Some(before_import),
            )
            .await,
    );
}

#[tokio::test]
async fn two_officers_correct_the_same_review_row_and_the_second_gets_a_conflict() {
    let (_db, service) = service_with_shipped_geography().await;
    let list_id = open_list(&service, "Lò Văn A").await;
    let read = listed(&service, list_id, "H2").await;
    let answers = |income: i64| ReviewInput {
        household_code: "H2".to_owned(),
        income: Some(income),
        score_a: None,
        deprived: Vec::new(),
        version: Some(read.version),
    };
    service
        .record_review(&officer("an"), list_id, &answers(1_400_000))
        .await
        .expect("the first correction is saved");
    assert_stale(
        service
            .record_review(&officer("binh"), list_id, &answers(5_000_000))
            .await,
    );
    let stored = listed(&service, list_id, "H2").await;
    assert_eq!(
        (stored.income, stored.class.as_str(), stored.version),
        (Some(1_400_000), "near_poor", read.version + 1)
    );
    assert_eq!(
        audited(&service, &list_id.to_string(), "poverty.review.record").await,
        ["an"]
    );
    // Without a version (the quick entry of a household typed by code) the answers replace the row as before.
    service
        .record_review(
            &officer("binh"),
            list_id,
            &ReviewInput {
                version: None,
                ..answers(5_000_000)
            },
        )
        .await
        .expect("an unchecked entry replaces the row");
    assert_eq!(
        listed(&service, list_id, "H2").await.version,
        read.version + 2
    );
}

#[tokio::test]
async fn two_steering_members_set_the_same_target_and_the_second_gets_a_conflict() {
    let (_db, service) = service_with_shipped_geography().await;
    let target = |service: &Service| {
        let service = service.clone();
        async move {
            service
                .store()
                .poverty_targets(2025)
                .await
                .expect("targets")
                .into_iter()
                .next()
        }
    };
    // Both opened the page when there was no target yet (version 0).
    service
        .set_poverty_target(&officer("an"), "38", 2025, 1.5, "NQ của An", Some(0))
        .await
        .expect("the first target is saved");
    assert_stale(
        service
            .set_poverty_target(&officer("binh"), "38", 2025, 3.0, "NQ của Bình", Some(0))
            .await,
    );
    let stored = target(&service).await.expect("a target");
    assert_eq!(
        (stored.target_points, stored.legal_basis.as_str()),
        (1.5, "NQ của An")
    );
    // Both then read version 1; the first saves, the second is refused.
    service
        .set_poverty_target(
            &officer("an"),
            "38",
            2025,
            2.0,
            "NQ sửa đổi",
            Some(stored.version),
        )
        .await
        .expect("the change is saved");
    assert_stale(
        service
            .set_poverty_target(
                &officer("binh"),
                "38",
                2025,
                3.0,
                "NQ của Bình",
                Some(stored.version),
            )
            .await,
    );
    let stored = target(&service).await.expect("a target");
    assert_eq!((stored.target_points, stored.version), (2.0, 2));
    assert_eq!(
        audited(&service, "38:2025", "poverty.target.set").await,
        ["an", "an"]
    );
}

//! Grouping stories: the shipped regions, membership imports and their bad input, scope, and the atlas kept fresh.

use mtqg_core::access::Role;
use mtqg_core::geo::GroupingCategory;
use mtqg_service::auth::UserInput;
use mtqg_service::geography::ImportOptions;
use mtqg_service::{Actor, Service, ServiceError};

use crate::support::{date, import_csv, service, service_with_shipped_geography};

const UNITS: &str = "code,name,type,parent_code\n\
38,Tỉnh Thanh Hóa,Tỉnh,\n\
384,Huyện Mường Lát,Huyện,38\n\
14846,Thị trấn Mường Lát,Thị trấn,384\n\
14848,Xã Tam Chung,Xã,384\n\
14849,Xã Pù Nhi,Xã,384\n";

const DBKK: &str =
    "grouping_code,grouping_name,category,unit_code,valid_from,valid_to,legal_basis\n\
DBKK-2021,Xã đặc biệt khó khăn 2021–2025,dbkk,14848,2021-06-04,2026-01-01,QĐ 861/QĐ-TTg\n\
DBKK-2021,,,14849,2021-06-04,2026-01-01,QĐ 861/QĐ-TTg\n";

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
    (db, service)
}

fn codes(groupings: &[mtqg_service::groupings::UnitGrouping]) -> Vec<&str> {
    groupings
        .iter()
        .map(|grouping| grouping.code.as_str())
        .collect()
}

#[tokio::test]
async fn every_commune_lies_in_one_shipped_region_in_each_era() {
    let (_db, service) = service_with_shipped_geography().await;
    let actor = Actor::system();
    for (day, n_communes) in [("2023-12-31", 10_598), ("2026-06-01", 3_321)] {
        let groupings = service
            .list_groupings(&actor, date(day))
            .await
            .expect("groupings are listed");
        for category in [GroupingCategory::NtmRegion, GroupingCategory::PovertyRegion] {
            let of_category: Vec<_> = groupings
                .iter()
                .filter(|g| g.category == category)
                .collect();
            assert_eq!(
                of_category.len(),
                if category == GroupingCategory::NtmRegion {
                    7
                } else {
                    6
                }
            );
            assert!(of_category.iter().all(|g| g.note.contains("[verify]")));
            let covered: usize = of_category.iter().map(|g| g.n_communes).sum();
            assert_eq!(covered, n_communes, "{category:?} on {day}");
        }
    }
}

#[tokio::test]
async fn a_commune_takes_its_provinces_region_and_a_merged_province_keeps_regions_per_commune() {
    let (_db, service) = service_with_shipped_geography().await;
    let actor = Actor::system();
    let old = service
        .unit_groupings(&actor, "14848", date("2023-06-01"))
        .await
        .expect("groupings of a 2023 commune");
    assert_eq!(codes(&old), ["VUNG7-BTB", "VUNG6-BTBDHMT"]);
    assert_eq!(
        old[0].via.as_ref().map(|unit| unit.code.as_str()),
        Some("38")
    );
    // Gia Lai from 1/7/2025 joins old Gia Lai (Tây Nguyên) and Bình Định (Duyên hải Nam Trung Bộ).
    let quy_nhon = service
        .unit_groupings(&actor, "21583", date("2026-01-01"))
        .await
        .expect("groupings of Phường Quy Nhơn");
    assert_eq!(codes(&quy_nhon), ["VUNG7-DHNTB", "VUNG6-BTBDHMT"]);
    assert!(quy_nhon[0].via.is_none(), "held by the commune itself");
    let ia_rsai = service
        .unit_groupings(&actor, "24112", date("2026-01-01"))
        .await
        .expect("groupings of Xã Ia Rsai");
    assert_eq!(codes(&ia_rsai), ["VUNG7-TN", "VUNG6-TN"]);
    let page = service
        .unit_page(&actor, "24112", date("2026-01-01"))
        .await
        .expect("unit page");
    assert_eq!(codes(&page.groupings), ["VUNG7-TN", "VUNG6-TN"]);
}

#[tokio::test]
async fn a_membership_list_is_previewed_then_applied_and_audited() {
    let (_db, service) = with_units().await;
    let actor = Actor::system();
    let preview = import_csv(
        &service,
        DBKK,
        ImportOptions {
            dry_run: true,
            ..ImportOptions::default()
        },
    )
    .await;
    assert_eq!(preview.kind, Some(mtqg_core::import::ImportKind::Groupings));
    assert_eq!((preview.n_new, preview.applied), (2, false));
    assert!(service
        .list_groupings(&actor, date("2023-01-01"))
        .await
        .expect("list")
        .is_empty());
    let applied = import_csv(&service, DBKK, ImportOptions::default()).await;
    assert!(applied.applied, "{:?}", applied.problems);
    let page = service
        .grouping_page(&actor, "DBKK-2021", date("2023-01-01"))
        .await
        .expect("grouping page");
    assert_eq!(page.grouping.category, GroupingCategory::Dbkk);
    assert_eq!(page.members.len(), 2);
    assert_eq!(page.grouping.n_communes, 2);
    assert_eq!(page.members[0].legal_basis, "QĐ 861/QĐ-TTg");
    assert!(service
        .grouping_page(&actor, "DBKK-2021", date("2026-01-01"))
        .await
        .expect("page after the end")
        .members
        .is_empty());
    let audit = service.audit_log(&actor, None, 5).await.expect("audit");
    assert!(audit.iter().any(|entry| entry.action == "geography.import"
        && entry
            .after_data
            .as_ref()
            .is_some_and(|after| after.to_string().contains("groupings"))));
    let again = import_csv(&service, DBKK, ImportOptions::default()).await;
    assert_eq!(
        (again.n_new, again.n_unchanged),
        (0, 2),
        "re-importing is idempotent"
    );
}

#[tokio::test]
async fn bad_membership_lists_are_refused_with_row_and_column_and_change_nothing() {
    let (_db, service) = with_units().await;
    import_csv(&service, DBKK, ImportOptions::default()).await;
    let cases: [(&str, usize, &str, &str); 5] = [
        (
            // The same commune in two ĐBKK lists at once.
            "grouping_code,grouping_name,category,unit_code,valid_from\nDBKK-X,Danh sách khác,dbkk,14848,2022-01-01\n",
            2,
            "valid_from",
            "đã thuộc nhóm \"DBKK-2021\"",
        ),
        (
            "grouping_code,grouping_name,category,unit_code,valid_from\nKV3,Khu vực III,ethnic_zone,99999,2022-01-01\n",
            2,
            "unit_code",
            "không có đơn vị mã \"99999\"",
        ),
        (
            "grouping_code,grouping_name,category,unit_code,valid_from\nKV3,Khu vực III,vung_cao,14848,2022-01-01\n",
            2,
            "category",
            "loại nhóm \"vung_cao\" không hợp lệ",
        ),
        (
            "grouping_code,unit_code,valid_from\nKV9,14848,2022-01-01\n",
            2,
            "grouping_name",
            "cần tên nhóm và loại nhóm",
        ),
        (
            "grouping_code,unit_code,start\nKV9,14848,2022-01-01\n",
            1,
            "start",
            "không được hỗ trợ",
        ),
    ];
    let actor = Actor::system();
    for (text, row, column, message) in cases {
        let report = import_csv(&service, text, ImportOptions::default()).await;
        assert!(!report.applied, "{text}");
        let problem = report.problems.first().expect("a problem is reported");
        assert_eq!(problem.row, row, "{text}");
        assert_eq!(problem.column.as_deref(), Some(column), "{text}");
        assert!(problem.message.contains(message), "{}", problem.message);
        let groupings = service
            .list_groupings(&actor, date("2023-01-01"))
            .await
            .expect("list");
        assert_eq!(groupings.len(), 1, "nothing written for {text}");
    }
}

#[tokio::test]
async fn a_commune_officer_sees_only_the_members_within_reach() {
    let (_db, service) = with_units().await;
    import_csv(&service, DBKK, ImportOptions::default()).await;
    let admin = Actor::system();
    service
        .add_user(
            &admin,
            UserInput {
                username: "xa.punhi".to_owned(),
                display_name: "Cán bộ xã Pù Nhi".to_owned(),
                password: "mat-khau-dai".to_owned(),
                role: Role::Commune,
                scope_code: Some("14849".to_owned()),
            },
        )
        .await
        .expect("user is added");
    let session = service
        .login("xa.punhi", "mat-khau-dai", "test")
        .await
        .expect("login");
    let officer = service
        .session(&session.token)
        .await
        .expect("session")
        .actor;
    let page = service
        .grouping_page(&officer, "DBKK-2021", date("2023-01-01"))
        .await
        .expect("page within scope");
    assert_eq!(page.members.len(), 1);
    assert_eq!(page.members[0].unit.code, "14849");
    assert!(matches!(
        service
            .unit_groupings(&officer, "14848", date("2023-01-01"))
            .await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        import_membership_as(&service, &officer).await,
        Err(ServiceError::Forbidden)
    ));
}

async fn import_membership_as(
    service: &Service,
    actor: &Actor,
) -> Result<mtqg_service::geography::ImportReport, ServiceError> {
    service
        .import_geography(
            actor,
            "dbkk.csv",
            mtqg_service::geography::TableSource::from_bytes("dbkk.csv", DBKK.as_bytes().to_vec()),
            &ImportOptions::default(),
            &|_| {},
        )
        .await
}

#[tokio::test]
async fn a_second_process_sees_an_import_made_by_the_first() {
    let (db, first) = with_units().await;
    let second = Service::new(db.store.clone());
    let actor = Actor::system();
    // The second service builds its atlas before the change …
    let before = second
        .unit_at(&actor, "14848", date("2024-01-01"))
        .await
        .expect("unit");
    assert_eq!(before.name, "Xã Tam Chung");
    let report = import_csv(
        &first,
        "code,name,type,parent_code,valid_from\n14848,Xã Tam Chung Mới,Xã,384,2023-06-01\n",
        ImportOptions::default(),
    )
    .await;
    assert!(report.applied, "{:?}", report.problems);
    // … and rebuilds it after, because the revision moved on.
    let after = second
        .unit_at(&actor, "14848", date("2024-01-01"))
        .await
        .expect("unit");
    assert_eq!(after.name, "Xã Tam Chung Mới");
    let earlier = second
        .unit_at(&actor, "14848", date("2023-01-01"))
        .await
        .expect("unit");
    assert_eq!(earlier.name, "Xã Tam Chung");
}

//! Access stories the authorisation matrix (web) found: a province's administrator stays in its province, and a
//! unit raises obstacles only to agencies within its reach.

use mtqg_core::access::Role;
use mtqg_service::auth::UserInput;
use mtqg_service::direction::AgencyInput;
use mtqg_service::geography::ImportOptions;
use mtqg_service::{Actor, Service, ServiceError};

use crate::support::{account, date, import_csv, service};

const UNITS: &str = "code,name,type,parent_code\n\
38,Tỉnh Thanh Hóa,Tỉnh,\n\
14848,Xã Tam Chung,Xã,38\n\
40,Tỉnh Nghệ An,Tỉnh,\n\
16600,Xã Châu Khê,Xã,40\n";

async fn two_provinces() -> (mtqg_test_support::TestDb, Service) {
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

#[tokio::test]
async fn scoped_administrators_create_list_and_audit_only_the_accounts_of_their_scope() {
    let (_db, service) = two_provinces().await;
    let admin_a = account(&service, "qt.38", Role::Admin, Some("38")).await;
    account(&service, "xa.16600", Role::Commune, Some("16600")).await;
    let nationwide = service
        .add_user(
            &admin_a,
            UserInput {
                username: "toan-quoc".to_owned(),
                display_name: "Toàn quốc".to_owned(),
                password: "mat-khau-dai".to_owned(),
                role: Role::Admin,
                scope_code: None,
            },
        )
        .await
        .unwrap_err();
    assert!(nationwide.to_string().contains("phạm vi"), "{nationwide}");
    let other = service
        .add_user(
            &admin_a,
            UserInput {
                username: "ngoai".to_owned(),
                display_name: "Ngoài".to_owned(),
                password: "mat-khau-dai".to_owned(),
                role: Role::Viewer,
                scope_code: Some("40".to_owned()),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(other, ServiceError::Forbidden), "{other:?}");
    account(&service, "xa.14848", Role::Commune, Some("14848")).await;
    let listed: Vec<String> = service
        .list_users(&admin_a)
        .await
        .unwrap()
        .into_iter()
        .map(|user| user.username)
        .collect();
    assert_eq!(
        listed,
        ["qt.38", "xa.14848"],
        "province B's accounts stay hidden"
    );
    let seen: Vec<String> = service
        .audit_log(&admin_a, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| entry.actor)
        .collect();
    assert!(!seen.is_empty());
    assert!(
        seen.iter()
            .all(|actor| actor == "qt.38" || actor == "xa.14848"),
        "{seen:?}"
    );
    assert!(service
        .audit_log(&Actor::system(), None, 100)
        .await
        .unwrap()
        .iter()
        .any(|entry| entry.actor == "xa.16600"));
}

#[tokio::test]
async fn an_obstacle_goes_only_to_an_agency_within_the_units_reach() {
    let (_db, service) = two_provinces().await;
    service
        .add_agency(
            &Actor::system(),
            &AgencyInput {
                unit_code: "38".to_owned(),
                code: "STC".to_owned(),
                name: "Sở Tài chính Thanh Hóa".to_owned(),
                ..AgencyInput::default()
            },
        )
        .await
        .unwrap();
    let outsider = account(&service, "xa.16600", Role::Commune, Some("16600")).await;
    let refused = service
        .raise_unit_obstacle(&outsider, "16600", "STC", "Chưa có hướng dẫn", "", None)
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("chưa có cơ quan mã"),
        "{refused}"
    );
    let insider = account(&service, "xa.14848", Role::Commune, Some("14848")).await;
    service
        .raise_unit_obstacle(&insider, "14848", "STC", "Chưa có hướng dẫn", "", None)
        .await
        .expect("a unit of the agency's province raises it");
}

#[tokio::test]
async fn a_province_staffs_its_agencies_only_with_accounts_of_its_own_scope() {
    let (_db, service) = two_provinces().await;
    service
        .add_agency(
            &Actor::system(),
            &AgencyInput {
                unit_code: "38".to_owned(),
                code: "STC".to_owned(),
                name: "Sở Tài chính Thanh Hóa".to_owned(),
                ..AgencyInput::default()
            },
        )
        .await
        .unwrap();
    let steering = account(&service, "bcd.38", Role::Steering, Some("38")).await;
    account(&service, "xa.16600", Role::Commune, Some("16600")).await;
    account(&service, "quocgia", Role::Steering, None).await;
    account(&service, "xa.14848", Role::Commune, Some("14848")).await;
    for outsider in ["xa.16600", "quocgia", "khong-co"] {
        let refused = service
            .add_agency_member(&steering, "STC", outsider)
            .await
            .unwrap_err();
        assert!(
            matches!(&refused, ServiceError::NotFound(what) if what == &format!("tài khoản {outsider}")),
            "{outsider}: the same answer as an unknown name: {refused}"
        );
    }
    service
        .add_agency_member(&steering, "STC", "xa.14848")
        .await
        .expect("an account of the province");
    service
        .add_agency_member(&Actor::system(), "STC", "quocgia")
        .await
        .expect("the country adds anyone");
}

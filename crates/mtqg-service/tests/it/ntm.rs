//! New-rural criteria stories: the shipped set, loading a provincial specialisation with a dry run, bad set files.

use mtqg_core::access::Role;
use mtqg_service::{Actor, ServiceError};

use crate::support::service;

const PROVINCIAL: &str = r#"
code = "QD318-2022-XA-38"
name = "Bộ tiêu chí xã nông thôn mới tỉnh Thanh Hóa giai đoạn 2022 – 2025 (thử)"
legal_basis = "Quyết định của UBND tỉnh (thử)"
level = "commune"
tier = "standard"
valid_from = "2022-06-01"
keyed_by = "region"
keys = ["TDMNPB", "DBSH", "BTB", "DHNTB", "TN", "DNB", "DBSCL"]
parent = "QD318-2022-XA"
province = "38"
verify = true
[[criteria]]
code = "11"
name = "Nghèo đa chiều"
[[criteria.indicators]]
code = "11.1"
name = "Tỷ lệ nghèo đa chiều giai đoạn 2021 - 2025"
kind = "at_most"
unit = "%"
verify = true
  [[criteria.indicators.thresholds]]
  key = "*"
  value = 4.0
"#;

#[tokio::test]
async fn a_provincial_specialisation_is_previewed_then_loaded_and_merged_onto_the_national_set() {
    let (_db, service) = service().await;
    assert_eq!(
        service.load_shipped_criteria_sets().await.expect("shipped"),
        1
    );
    let admin = Actor::system();
    let preview = service
        .load_criteria_set(&admin, "thanh-hoa.toml", PROVINCIAL, true)
        .await
        .expect("dry run");
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    assert!(!preview.applied);
    assert_eq!((preview.n_criteria, preview.n_indicators), (19, 58));
    assert!(
        service
            .criteria_set(&admin, "QD318-2022-XA-38")
            .await
            .is_err(),
        "nothing stored by a dry run"
    );
    let loaded = service
        .load_criteria_set(&admin, "thanh-hoa.toml", PROVINCIAL, false)
        .await
        .expect("load");
    assert!(loaded.applied);
    let national = service
        .criteria_set(&admin, "QD318-2022-XA")
        .await
        .expect("national set");
    let national_without = national
        .indicators()
        .filter(|(_, i)| {
            i.kind != mtqg_core::ntm::IndicatorKind::PassFail && i.thresholds.is_empty()
        })
        .count();
    assert_eq!(
        loaded.n_without_threshold + 1,
        national_without,
        "11.1 now has a threshold"
    );
    let merged = service
        .criteria_set(&admin, "QD318-2022-XA-38")
        .await
        .expect("merged set");
    let poverty = merged
        .indicators()
        .find(|(_, indicator)| indicator.code == "11.1")
        .expect("11.1")
        .1;
    assert_eq!(
        mtqg_core::ntm::threshold_for(poverty, "BTB", 2024),
        Some(4.0)
    );
    let again = service
        .load_criteria_set(&admin, "lan-2.toml", PROVINCIAL, false)
        .await
        .expect("report");
    assert!(
        again.problems[0].contains("đã có bộ tiêu chí mã"),
        "{:?}",
        again.problems
    );
    let audit = service
        .audit_log(&admin, Some("QD318-2022-XA-38"), 5)
        .await
        .expect("audit");
    assert_eq!(audit[0].action, "ntm.load_set");
}

#[tokio::test]
async fn bad_set_files_are_refused_whole_with_every_problem_and_only_administrators_load() {
    let (_db, service) = service().await;
    service.load_shipped_criteria_sets().await.expect("shipped");
    let admin = Actor::system();
    let orphan = PROVINCIAL.replace("parent = \"QD318-2022-XA\"", "parent = \"KHONG-CO\"");
    let report = service
        .load_criteria_set(&admin, "a.toml", &orphan, false)
        .await
        .expect("report");
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("không có bộ tiêu chí cha \"KHONG-CO\"")),
        "{:?}",
        report.problems
    );
    let conflicting = PROVINCIAL.to_owned()
        + "[[criteria.indicators]]\ncode = \"11.1\"\nname = \"Lặp\"\nkind = \"at_most\"\nunit = \"%\"\n";
    let report = service
        .load_criteria_set(&admin, "b.toml", &conflicting, false)
        .await
        .expect("report");
    assert!(
        report.problems.iter().any(|p| p.contains("11.1 bị lặp")),
        "{:?}",
        report.problems
    );
    let kind_changed = PROVINCIAL.replace("kind = \"at_most\"", "kind = \"at_least\"");
    let report = service
        .load_criteria_set(&admin, "c.toml", &kind_changed, false)
        .await
        .expect("report");
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("không được đổi loại")),
        "{:?}",
        report.problems
    );
    let empty_criterion = PROVINCIAL.to_owned() + "[[criteria]]\ncode = \"20\"\nname = \"Trống\"\n";
    let report = service
        .load_criteria_set(&admin, "d.toml", &empty_criterion, false)
        .await
        .expect("report");
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("không có chỉ tiêu")),
        "{:?}",
        report.problems
    );
    assert_eq!(
        service.criteria_sets(&admin).await.expect("list").len(),
        1,
        "nothing was stored"
    );
    let officer = Actor {
        role: Role::Agency,
        ..Actor::system()
    };
    assert!(matches!(
        service
            .load_criteria_set(&officer, "e.toml", PROVINCIAL, true)
            .await,
        Err(ServiceError::Forbidden)
    ));
}

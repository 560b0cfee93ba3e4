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
        mtqg_service::ntm::SHIPPED_SETS.len()
    );
    assert_eq!(
        service.load_shipped_criteria_sets().await.expect("again"),
        0,
        "a second start loads nothing"
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
        mtqg_service::ntm::SHIPPED_SETS.len(),
        "nothing was stored beyond the shipped sets"
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

#[tokio::test]
async fn a_xa_is_assessed_with_its_region_from_the_groupings_and_rolled_up_and_a_town_is_refused() {
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let admin = Actor::system();
    let year_end = crate::support::date("2023-12-31");
    let communes = service
        .list_units(
            &admin,
            mtqg_core::geo::Level::Commune,
            Some("384"),
            year_end,
        )
        .await
        .expect("communes of Mường Lát");
    let xa: Vec<_> = communes
        .iter()
        .filter(|unit| unit.unit_type == "Xã")
        .collect();
    let town = communes
        .iter()
        .find(|unit| unit.unit_type == "Thị trấn")
        .expect("Thị trấn Mường Lát");
    let input = |code: &str, values: &[(&str, &str)]| mtqg_service::ntm::AssessmentInput {
        commune_code: code.to_owned(),
        year: 2023,
        stage: "tu_danh_gia".to_owned(),
        set_code: "QD318-2022-XA".to_owned(),
        values: values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        evidence: Some("Biên bản tự đánh giá".to_owned()),
        ..Default::default()
    };
    let (evaluation, status) = service
        .record_assessment(
            &admin,
            input(&xa[0].code, &[("19.1", "Đạt"), ("11.1", "3,5")]),
        )
        .await
        .expect("assessment recorded");
    assert_eq!(
        status,
        mtqg_core::ntm::Status::NotMet,
        "thresholds are not loaded, so nothing numeric is met"
    );
    assert!(evaluation
        .gaps
        .iter()
        .any(|gap| gap.code == "11.1" && gap.outcome == mtqg_core::ntm::Outcome::NoThreshold));
    let stored = service
        .store()
        .assessments_of(xa[0].id)
        .await
        .expect("stored");
    assert_eq!(
        stored[0].region_key, "BTB",
        "Thanh Hóa lies in Bắc Trung Bộ"
    );
    let refused = service
        .record_assessment(&admin, input(&town.code, &[]))
        .await;
    assert!(
        matches!(&refused, Err(ServiceError::Invalid(message)) if message.contains("chỉ xã")),
        "{refused:?}"
    );
    let unknown = service
        .record_assessment(&admin, input(&xa[1].code, &[("99.9", "1")]))
        .await;
    assert!(
        matches!(&unknown, Err(ServiceError::Invalid(message)) if message.contains("\"99.9\"")),
        "{unknown:?}"
    );
    let rollup = service
        .ntm_rollup(&admin, Some("384"), year_end)
        .await
        .expect("rollup");
    assert_eq!(rollup.n_xa, xa.len(), "the town is not counted");
    assert_eq!(rollup.n_assessed, 1);
    assert_eq!(rollup.avg_criteria, Some(evaluation.n_met as f64));
    assert_eq!(rollup.below_15, Some(1));
    let met: Vec<&str> = rollup
        .per_criterion
        .iter()
        .filter(|criterion| criterion.n_met == 1)
        .map(|criterion| criterion.code.as_str())
        .collect();
    let expected: Vec<&str> = evaluation
        .criteria
        .iter()
        .filter(|criterion| criterion.met)
        .map(|criterion| criterion.code.as_str())
        .collect();
    assert_eq!(
        met, expected,
        "per-criterion counts follow the stored result"
    );
    assert_eq!(rollup.per_criterion.len(), 19);
    let matrix = service
        .ntm_matrix(&admin, Some("384"), year_end)
        .await
        .expect("matrix");
    assert_eq!(matrix.rows.len(), xa.len());
    let row = matrix
        .rows
        .iter()
        .find(|row| row.code == xa[0].code)
        .expect("the assessed xã");
    let row_met: Vec<&str> = matrix
        .criteria
        .iter()
        .zip(&row.met)
        .filter(|(_, met)| **met)
        .map(|((code, _), _)| code.as_str())
        .collect();
    assert_eq!(row_met, expected, "the matrix row shows the criteria met");
    assert_eq!(
        row.assessed.as_ref().map(|a| a.2),
        Some(evaluation.n_met as i64)
    );
    assert!(matrix
        .rows
        .iter()
        .filter(|other| other.code != xa[0].code)
        .all(|other| other.assessed.is_none() && other.met.iter().all(|met| !met)));
    let sheet = mtqg_service::recognition::matrix_xlsx(&matrix).expect("xlsx");
    assert_eq!(&sheet[..2], b"PK");
}

#[tokio::test]
async fn villages_are_imported_under_their_commune_with_a_level_column() {
    let (_db, service) = service().await;
    let units = "code,name,type,parent_code\n38,Tỉnh Thanh Hóa,Tỉnh,\n384,Huyện Mường Lát,Huyện,38\n14848,Xã Tam Chung,Xã,384\n";
    let options = || mtqg_service::geography::ImportOptions {
        as_of: Some(crate::support::date("2023-01-01")),
        ..mtqg_service::geography::ImportOptions::default()
    };
    assert!(
        crate::support::import_csv(&service, units, options())
            .await
            .applied
    );
    let villages = "code,name,type,parent_code,level\n\
                    14848-01,Bản Tà Cóm,Bản,14848,village\n\
                    14848-02,Bản Pù Quăn,Bản,14848,thôn\n\
                    14848-02,Bản Lặp,Bản,14848,village\n";
    let refused = crate::support::import_csv(&service, villages, options()).await;
    assert!(!refused.applied);
    assert_eq!(
        refused.problems[0].row, 4,
        "a repeated village code: {:?}",
        refused.problems
    );
    let villages = villages.lines().take(3).collect::<Vec<_>>().join("\n") + "\n";
    let report = crate::support::import_csv(&service, &villages, options()).await;
    assert!(report.applied, "{:?}", report.problems);
    let admin = Actor::system();
    let page = service
        .unit_page(&admin, "14848", crate::support::date("2024-01-01"))
        .await
        .expect("commune page");
    let names: Vec<&str> = page
        .children
        .iter()
        .map(|unit| unit.name.as_str())
        .collect();
    assert_eq!(names, ["Bản Tà Cóm", "Bản Pù Quăn"]);
    assert!(page
        .children
        .iter()
        .all(|unit| unit.level == mtqg_core::geo::Level::Village));
    let found = service
        .search_units(&admin, "ta com", crate::support::date("2024-01-01"))
        .await
        .expect("search");
    assert_eq!(found[0].code, "14848-01");
    let rollup = service
        .ntm_rollup(&admin, Some("38"), crate::support::date("2023-12-31"))
        .await
        .expect("rollup");
    assert_eq!(rollup.n_xa, 1, "villages are not counted as xã");
}

const VILLAGE_SET: &str = r#"
code = "THON-NTM-38-2023"
name = "Bộ tiêu chí thôn nông thôn mới tỉnh Thanh Hóa (thử)"
legal_basis = "Quyết định của UBND tỉnh (thử)"
level = "village"
tier = "standard"
valid_from = "2023-01-01"
keyed_by = "none"
keys = []
province = "38"
verify = true
[[criteria]]
code = "1"
name = "Giao thông"
[[criteria.indicators]]
code = "1.1"
name = "Tỷ lệ đường thôn được cứng hóa"
kind = "at_least"
unit = "%"
  [[criteria.indicators.thresholds]]
  key = "*"
  value = 70.0
[[criteria]]
code = "2"
name = "Nhà văn hóa"
[[criteria.indicators]]
code = "2.1"
name = "Thôn có nhà văn hóa đạt chuẩn"
kind = "pass_fail"
unit = ""
"#;

#[tokio::test]
async fn a_village_is_assessed_against_its_provinces_village_set_and_shown_on_the_xa_scorecard() {
    let (_db, service) = service().await;
    service.load_shipped_criteria_sets().await.expect("shipped");
    let units = "code,name,type,parent_code,level
38,Tỉnh Thanh Hóa,Tỉnh,,
384,Huyện Mường Lát,Huyện,38,
                 14848,Xã Tam Chung,Xã,384,
14848-01,Bản Tà Cóm,Bản,14848,village
                 14848-02,Bản Pù Quăn,Bản,14848,village
                 01,Thành phố Hà Nội,Thành phố,,
001,Quận Ba Đình,Quận,01,
                 00001,Phường Phúc Xá,Phường,001,
00001-01,Tổ dân phố 1,Tổ dân phố,00001,village
";
    let options = mtqg_service::geography::ImportOptions {
        as_of: Some(crate::support::date("2023-01-01")),
        ..mtqg_service::geography::ImportOptions::default()
    };
    let report = crate::support::import_csv(&service, units, options).await;
    assert!(report.applied, "{:?}", report.problems);
    let admin = Actor::system();
    let loaded = service
        .load_criteria_set(&admin, "thon-38.toml", VILLAGE_SET, false)
        .await
        .expect("load");
    assert!(loaded.applied, "{:?}", loaded.problems);
    let input = |code: &str, set: &str, road: &str| mtqg_service::ntm::AssessmentInput {
        commune_code: code.to_owned(),
        year: 2024,
        stage: "tu_danh_gia".to_owned(),
        set_code: set.to_owned(),
        values: [("1.1", road), ("2.1", "Đạt")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        ..mtqg_service::ntm::AssessmentInput::default()
    };
    let (evaluation, status) = service
        .record_assessment(&admin, input("14848-01", "THON-NTM-38-2023", "70"))
        .await
        .expect("village assessed");
    assert!(evaluation.all_met, "70% meets a threshold of 70%");
    assert_eq!(status, mtqg_core::ntm::Status::Standard);
    let (evaluation, _) = service
        .record_assessment(&admin, input("14848-02", "THON-NTM-38-2023", "65,5"))
        .await
        .expect("village assessed");
    assert_eq!((evaluation.n_met, evaluation.criteria.len()), (1, 2));

    let refusal = |err: ServiceError| match err {
        ServiceError::Invalid(message) => message,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let xa = service
        .record_assessment(&admin, input("14848", "THON-NTM-38-2023", "80"))
        .await
        .map(|_| ())
        .map_err(refusal)
        .expect_err("a xã against a village set");
    assert!(xa.contains("bộ tiêu chí thôn"), "{xa}");
    let elsewhere = service
        .record_assessment(&admin, input("00001-01", "THON-NTM-38-2023", "80"))
        .await
        .map(|_| ())
        .map_err(refusal)
        .expect_err("a village of another province");
    assert!(elsewhere.contains("không thuộc tỉnh 38"), "{elsewhere}");
    let village_on_commune_set = mtqg_service::ntm::AssessmentInput {
        values: Default::default(),
        key: Some("BTB".to_owned()),
        ..input("14848-01", "QD318-2022-XA", "")
    };
    let wrong_set = service
        .record_assessment(&admin, village_on_commune_set)
        .await
        .map(|_| ())
        .map_err(refusal)
        .expect_err("a village against the commune set");
    assert!(wrong_set.contains("chỉ xã được đánh giá"), "{wrong_set}");

    let card = service
        .ntm_scorecard(&admin, "14848", crate::support::date("2024-12-31"))
        .await
        .expect("scorecard");
    let villages: Vec<(&str, Option<(i64, i64)>)> = card
        .villages
        .iter()
        .map(|v| {
            (
                v.code.as_str(),
                v.latest.as_ref().map(|a| (a.n_met, a.n_criteria)),
            )
        })
        .collect();
    assert_eq!(
        villages,
        [("14848-01", Some((2, 2))), ("14848-02", Some((1, 2)))]
    );
    assert!(
        card.assessments.is_empty(),
        "village assessments are not the xã's own"
    );
    let rollup = service
        .ntm_rollup(&admin, Some("38"), crate::support::date("2024-12-31"))
        .await
        .expect("rollup");
    assert_eq!(
        rollup.n_assessed, 0,
        "village assessments do not count as assessed xã"
    );
}

#[tokio::test]
async fn assessments_are_imported_from_a_table_all_or_nothing_with_every_problem_by_row_and_column()
{
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let admin = Actor::system();
    let source = |text: &str| {
        mtqg_service::geography::TableSource::from_bytes("danh-gia.csv", text.as_bytes().to_vec())
    };
    // Thị trấn Mường Lát (14845) cannot be assessed; 11.1 holds a bad number; 99.9 is not an indicator.
    let bad = "mã xã,năm,19.1,11.1,99.9\n14848,2023,Đạt,\"3,5\",\n14845,2023,Đạt,,\n14854,2023,Đạt,abc,\n";
    let report = service
        .import_assessments(&admin, source(bad), "QD318-2022-XA", "tu_danh_gia", false)
        .await
        .expect("report");
    assert!(!report.applied);
    let places: Vec<(usize, Option<&str>)> = report
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_deref()))
        .collect();
    assert_eq!(
        places,
        [(1, Some("99.9"))],
        "header problems stop before the rows"
    );
    let bad = bad
        .replace(",99.9", "")
        .replace(",\"3,5\",\n", ",\"3,5\"\n")
        .replace("Đạt,,\n", "Đạt,\n")
        .replace("abc,\n", "abc\n");
    let report = service
        .import_assessments(&admin, source(&bad), "QD318-2022-XA", "tu_danh_gia", false)
        .await
        .expect("report");
    assert!(!report.applied);
    let rows: Vec<usize> = report.problems.iter().map(|p| p.row).collect();
    assert_eq!(rows, [3, 4], "{:?}", report.problems);
    assert!(report.problems[0].message.contains("chỉ xã"));
    assert!(
        report.problems[1].message.contains("11.1"),
        "{:?}",
        report.problems
    );
    let card = service
        .ntm_scorecard(&admin, "14848", crate::support::date("2023-12-31"))
        .await
        .expect("scorecard");
    assert!(card.assessments.is_empty(), "nothing was written");

    let good = "mã xã,năm,19.1,11.1\n14848,2023,Đạt,\"3,5\"\n14854,2023,Không đạt,\n";
    let dry = service
        .import_assessments(&admin, source(good), "QD318-2022-XA", "tham_dinh", true)
        .await
        .expect("dry run");
    assert_eq!((dry.n_rows, dry.n_problems, dry.applied), (2, 0, false));
    let applied = service
        .import_assessments(&admin, source(good), "QD318-2022-XA", "tham_dinh", false)
        .await
        .expect("import");
    assert!(applied.applied);
    let card = service
        .ntm_scorecard(&admin, "14848", crate::support::date("2023-12-31"))
        .await
        .expect("scorecard");
    assert_eq!(card.assessments.len(), 1);
    assert_eq!(card.assessments[0].stage, "tham_dinh");
    assert_eq!(card.assessments[0].region_key, "BTB", "from the groupings");
}

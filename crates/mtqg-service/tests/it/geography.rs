//! Geography stories: the shipped units of both eras, as-of queries, lineage, imports and their bad input.

use mtqg_core::access::Role;
use mtqg_core::geo::{Level, LineageKind};
use mtqg_service::auth::UserInput;
use mtqg_service::geography::{ImportOptions, TableSource};
use mtqg_service::{Actor, ServiceError};

use crate::support::{date, import_csv, service, service_with_shipped_geography};

const THANH_HOA: &str = "code,name,type,parent_code\n\
38,Tỉnh Thanh Hóa,Tỉnh,\n\
384,Huyện Mường Lát,Huyện,38\n\
14846,Thị trấn Mường Lát,Thị trấn,384\n\
14848,Xã Tam Chung,Xã,384\n";

fn as_of(text: &str) -> ImportOptions {
    ImportOptions {
        as_of: Some(date(text)),
        end_missing: true,
        ..ImportOptions::default()
    }
}

async fn totals(service: &mtqg_service::Service) -> (i64, i64, i64) {
    service.store().geo_totals().await.expect("totals are read")
}

fn count(counts: &[mtqg_core::atlas::LevelTypeCount], level: &str, unit_type: Option<&str>) -> i64 {
    counts
        .iter()
        .filter(|row| {
            row.level.key() == level && unit_type.is_none_or(|unit_type| row.unit_type == unit_type)
        })
        .map(|row| row.n_units)
        .sum()
}

#[tokio::test]
async fn the_shipped_geography_gives_the_official_counts_of_each_era() {
    let (_db, service) = service_with_shipped_geography().await;
    let actor = Actor::system();
    let in_2023 = service
        .count_units(&actor, None, date("2023-12-31"))
        .await
        .expect("counts");
    assert_eq!(count(&in_2023, "province", None), 63);
    assert_eq!(count(&in_2023, "district", None), 705);
    assert_eq!(count(&in_2023, "commune", None), 10_598);
    let before_reform = service
        .count_units(&actor, None, date("2025-06-30"))
        .await
        .expect("counts");
    assert_eq!(count(&before_reform, "province", None), 63);
    assert_eq!(count(&before_reform, "district", None), 696);
    assert_eq!(count(&before_reform, "commune", None), 10_035);
    let after_reform = service
        .count_units(&actor, None, date("2025-07-01"))
        .await
        .expect("counts");
    assert_eq!(count(&after_reform, "province", None), 34);
    assert_eq!(count(&after_reform, "district", None), 0);
    assert_eq!(count(&after_reform, "commune", None), 3_321);
    assert_eq!(count(&after_reform, "commune", Some("Đặc khu")), 13);
    let lao_cai = service
        .count_units(&actor, Some("10"), date("2023-12-31"))
        .await
        .expect("counts");
    assert_eq!(count(&lao_cai, "commune", Some("Xã")), 127);
    assert_eq!(count(&lao_cai, "commune", Some("Phường")), 16);
    assert_eq!(count(&lao_cai, "commune", Some("Thị trấn")), 9);
}

#[tokio::test]
async fn dong_nai_becomes_a_city_on_30_april_2026_with_ten_new_wards() {
    let (_db, service) = service_with_shipped_geography().await;
    let actor = Actor::system();
    let before = service
        .unit_at(&actor, "75", date("2026-04-29"))
        .await
        .expect("Đồng Nai exists");
    let after = service
        .unit_at(&actor, "75", date("2026-04-30"))
        .await
        .expect("Đồng Nai exists");
    assert_eq!(before.name, "Tỉnh Đồng Nai");
    assert_eq!(after.name, "Thành phố Đồng Nai");
    assert_eq!(after.unit_type, "Thành phố trực thuộc trung ương");
    let ward = service
        .unit_at(&actor, "26368", date("2026-05-01"))
        .await
        .expect("ward exists");
    assert_eq!(
        (ward.name.as_str(), ward.unit_type.as_str()),
        ("Phường Long Thành", "Phường")
    );
    assert_eq!(
        service
            .unit_at(&actor, "26368", date("2026-01-01"))
            .await
            .expect("commune exists")
            .unit_type,
        "Xã"
    );
}

#[tokio::test]
async fn searching_without_diacritics_finds_muong_lat_in_thanh_hoa_as_of_2023() {
    let (_db, service) = service_with_shipped_geography().await;
    let actor = Actor::system();
    for query in ["muong lat", "Mường Lát", "MUONG  LAT"] {
        let found = service
            .search_units(&actor, query, date("2023-06-01"))
            .await
            .expect("search runs");
        let district = found
            .iter()
            .find(|unit| unit.code == "384")
            .expect("Huyện Mường Lát is found");
        assert_eq!(district.name, "Huyện Mường Lát");
        assert_eq!(district.parent_name.as_deref(), Some("Tỉnh Thanh Hóa"));
    }
    let page = service
        .unit_page(&actor, "384", date("2023-06-01"))
        .await
        .expect("page");
    assert!(
        page.children.len() >= 8,
        "Mường Lát has its communes: {}",
        page.children.len()
    );
    assert!(page
        .children
        .iter()
        .all(|child| child.level == mtqg_core::geo::Level::Commune));
}

#[tokio::test]
async fn a_commune_created_on_1_july_2025_shows_the_old_communes_that_formed_it() {
    let (_db, service) = service_with_shipped_geography().await;
    let actor = Actor::system();
    let page = service
        .unit_page(&actor, "00004", date("2025-07-01"))
        .await
        .expect("page");
    assert_eq!(page.unit.name, "Phường Ba Đình");
    let quan_thanh = page
        .predecessors
        .iter()
        .find(|edge| edge.other_code == "00013")
        .expect("Quán Thánh formed Ba Đình");
    assert_eq!(quan_thanh.kind, "full");
    assert_eq!(quan_thanh.other_name.as_deref(), Some("Phường Quán Thánh"));
    assert_eq!(
        quan_thanh.other_parent_name.as_deref(),
        Some("Quận Ba Đình")
    );
    assert_eq!(
        quan_thanh.other_grandparent_name.as_deref(),
        Some("Thành phố Hà Nội")
    );
    assert!(page
        .predecessors
        .iter()
        .any(|edge| edge.other_code == "00016" && edge.kind == "partial"));
    let old = service
        .unit_page(&actor, "00013", date("2023-01-01"))
        .await
        .expect("old page");
    assert!(old
        .successors
        .iter()
        .any(|edge| edge.other_code == "00004"
            && edge.other_name.as_deref() == Some("Phường Ba Đình")));
    // A unit dropped between the 2023 and 2025 lists has an end date and no known successor.
    let gone = service
        .unit_page(&actor, "221", date("2026-01-01"))
        .await
        .expect("ended unit still has a page");
    assert_eq!(gone.unit.name, "Huyện Yên Dũng");
    assert_eq!(gone.unit.unit_valid_to, Some(date("2024-11-01")));
    assert!(gone.successors.is_empty());
    assert!(gone.unit.end_note.is_some());
}

#[tokio::test]
async fn a_dry_run_reports_new_changed_and_ended_units_and_writes_nothing() {
    let (_db, service) = service().await;
    let report = import_csv(&service, THANH_HOA, as_of("2023-01-01")).await;
    assert!(
        report.applied && report.problems.is_empty(),
        "{:?}",
        report.problems
    );
    assert_eq!(report.n_new, 4);
    let before = totals(&service).await;
    let next = "code,name,type,parent_code\n38,Tỉnh Thanh Hóa,Tỉnh,\n384,Huyện Mường Lát,Huyện,38\n14846,Xã Mường Lát,Xã,384\n14850,Xã Mới,Xã,384\n";
    let dry = import_csv(
        &service,
        next,
        ImportOptions {
            dry_run: true,
            ..as_of("2024-01-01")
        },
    )
    .await;
    assert_eq!(
        (dry.n_new, dry.n_changed, dry.n_ended, dry.n_unchanged),
        (1, 1, 1, 2)
    );
    assert!(!dry.applied);
    assert_eq!(totals(&service).await, before);
    let applied = import_csv(&service, next, as_of("2024-01-01")).await;
    assert!(applied.applied);
    let actor = Actor::system();
    assert_eq!(
        service
            .unit_at(&actor, "14846", date("2023-12-31"))
            .await
            .expect("exists")
            .name,
        "Thị trấn Mường Lát"
    );
    assert_eq!(
        service
            .unit_at(&actor, "14846", date("2024-01-01"))
            .await
            .expect("exists")
            .name,
        "Xã Mường Lát"
    );
    assert!(matches!(
        service.unit_at(&actor, "14848", date("2024-01-01")).await,
        Err(ServiceError::NotFound(_))
    ));
    let audit = service
        .audit_log(&actor, Some("test.csv"), 10)
        .await
        .expect("audit is readable");
    assert_eq!(
        audit.len(),
        2,
        "both applied imports are audited, the dry run is not"
    );
}

async fn assert_rejected(
    service: &mtqg_service::Service,
    text: &str,
    column: Option<&str>,
    needle: &str,
) {
    let before = totals(service).await;
    let report = import_csv(service, text, as_of("2024-01-01")).await;
    assert!(!report.applied, "nothing is written");
    assert_eq!(totals(service).await, before, "the database is unchanged");
    let found = report.problems.iter().find(|problem| {
        problem.message.contains(needle)
            && (column.is_none() || problem.column.as_deref() == column)
    });
    assert!(
        found.is_some(),
        "expected a problem containing {needle:?} in {column:?}, got {:?}",
        report.problems
    );
}

#[tokio::test]
async fn bad_unit_lists_are_rejected_with_the_row_and_column_and_change_nothing() {
    let (_db, service) = service().await;
    import_csv(&service, THANH_HOA, as_of("2023-01-01")).await;
    assert_rejected(
        &service,
        "code,name,type,parent_code,colour\n38,Tỉnh Thanh Hóa,Tỉnh,,xanh\n",
        Some("colour"),
        "không được hỗ trợ",
    )
    .await;
    assert_rejected(
        &service,
        "code,name,parent_code\n38,Tỉnh Thanh Hóa,\n",
        Some("type"),
        "thiếu cột",
    )
    .await;
    assert_rejected(
        &service,
        "code,name,type,parent_code\n14849,Xã A,Xã,384\n14849,Xã B,Xã,384\n",
        Some("code"),
        "trùng",
    )
    .await;
    assert_rejected(
        &service,
        "code,name,type,parent_code\n14851,Xã C,Xã,999\n",
        Some("parent_code"),
        "không tồn tại",
    )
    .await;
    assert_rejected(
        &service,
        "code,name,type,parent_code,level\nA1,Thôn A,Thôn,A2,village\nA2,Thôn B,Thôn,A1,village\n",
        Some("parent_code"),
        "vòng lặp",
    )
    .await;
    assert_rejected(
        &service,
        "code,name,type,parent_code,valid_from,valid_to\n14852,Xã D,Xã,384,2024-01-01,2024-06-01\n14852,Xã D,Xã,384,2024-03-01,\n",
        Some("valid_from"),
        "chồng lấn",
    )
    .await;
    assert_rejected(
        &service,
        "code,name,type,parent_code,valid_from\n14853,Xã E,Xã,384,31/02/2024\n",
        Some("valid_from"),
        "không hợp lệ",
    )
    .await;
    assert_rejected(
        &service,
        "code,name,type,parent_code\n14854,Xã F,Làng,384\n",
        Some("type"),
        "không hợp lệ",
    )
    .await;
    // A code that exists later cannot be created earlier over it.
    assert_rejected(
        &service,
        "code,name,type,parent_code,valid_from\n38,Tỉnh G,Tỉnh,,2022-01-01\n",
        Some("valid_from"),
        "chồng lấn với đơn vị mã \"38\"",
    )
    .await;
}

#[tokio::test]
async fn bad_files_and_crosswalks_are_rejected_and_change_nothing() {
    let (_db, service) = service().await;
    import_csv(&service, THANH_HOA, as_of("2023-01-01")).await;
    let before = totals(&service).await;
    let latin1 = b"code,name,type,parent_code\n14855,X\xe3 H,X\xe3,384\n".to_vec();
    let report = service
        .import_geography(
            &Actor::system(),
            "latin1.csv",
            TableSource::Csv(Box::new(std::io::Cursor::new(latin1))),
            &as_of("2024-01-01"),
            &|_| {},
        )
        .await
        .expect("import runs");
    assert!(
        !report.applied
            && report.problems[0].message.contains("UTF-8")
            && report.problems[0].row == 2,
        "{:?}",
        report.problems
    );
    let xlsx = mtqg_xlsx::write_xlsx(&[mtqg_xlsx::SheetData {
        name: "DonVi".to_owned(),
        headers: vec!["code".to_owned()],
        rows: vec![],
    }])
    .expect("workbook is written");
    let options = ImportOptions {
        sheet: Some("Units".to_owned()),
        ..as_of("2024-01-01")
    };
    let report = service
        .import_geography(
            &Actor::system(),
            "units.xlsx",
            TableSource::from_bytes("units.xlsx", xlsx),
            &options,
            &|_| {},
        )
        .await
        .expect("import runs");
    assert!(
        report.problems[0]
            .message
            .contains("không có trang tính \"Units\""),
        "{:?}",
        report.problems
    );
    assert!(report
        .describe(&report.problems[0])
        .starts_with("units.xlsx"));
    assert_rejected(
        &service,
        "old_code,new_code,kind,date\n14846,99999,full,2024-01-01\n",
        Some("new_code"),
        "không có đơn vị",
    )
    .await;
    assert_rejected(
        &service,
        "old_code,new_code,kind,date\n14846,14848,most,2024-01-01\n",
        Some("kind"),
        "không hợp lệ",
    )
    .await;
    assert_rejected(
        &service,
        "old_code,new_code,kind,date\n14846,14848,full,2024-13-01\n",
        Some("date"),
        "không hợp lệ",
    )
    .await;
    assert_eq!(totals(&service).await, before);
}

#[tokio::test]
async fn a_very_large_file_streams_and_reports_a_bounded_list_of_problems() {
    let (_db, service) = service().await;
    import_csv(&service, THANH_HOA, as_of("2023-01-01")).await;
    let mut text = String::from("code,name,type,parent_code\n");
    for idx in 0..200_000 {
        text.push_str(&format!("{},Xã {idx},Xã,999\n", 20_000 + idx % 70_000));
    }
    let report = import_csv(&service, &text, as_of("2024-01-01")).await;
    assert!(!report.applied);
    assert_eq!(report.n_rows, 200_000);
    assert!(
        report.n_problems >= 200_000,
        "every row is counted: {}",
        report.n_problems
    );
    assert_eq!(
        report.problems.len(),
        1000,
        "the report keeps the first thousand"
    );
}

#[tokio::test]
async fn the_valid_rows_can_be_written_only_with_the_explicit_flag() {
    let (_db, service) = service().await;
    import_csv(&service, THANH_HOA, as_of("2023-01-01")).await;
    let text = "code,name,type,parent_code\n14860,Xã Tốt,Xã,384\n14861,Xã Hỏng,Xã,999\n";
    let strict = import_csv(
        &service,
        text,
        ImportOptions {
            end_missing: false,
            ..as_of("2024-01-01")
        },
    )
    .await;
    assert!(!strict.applied);
    let lenient = import_csv(
        &service,
        text,
        ImportOptions {
            end_missing: false,
            accept_valid: true,
            ..as_of("2024-01-01")
        },
    )
    .await;
    assert!(lenient.applied && lenient.n_new == 1 && lenient.n_problems == 1);
    assert!(service
        .unit_at(&Actor::system(), "14860", date("2024-02-01"))
        .await
        .is_ok());
}

#[tokio::test]
async fn correcting_a_crosswalk_edge_needs_a_reason_and_is_audited() {
    let (_db, service) = service().await;
    import_csv(&service, THANH_HOA, as_of("2023-01-01")).await;
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
    assert!(report.applied && report.n_new == 2, "{:?}", report.problems);
    let actor = Actor::system();
    let page = service
        .unit_page(&actor, "14846", date("2025-07-01"))
        .await
        .expect("page");
    let edge = page
        .predecessors
        .iter()
        .find(|edge| edge.other_code == "14848")
        .expect("edge exists");
    assert!(matches!(
        service
            .correct_edge(
                &actor,
                edge.id,
                LineageKind::Partial,
                Some(0.6),
                "",
                " ",
                None
            )
            .await,
        Err(ServiceError::Invalid(_))
    ));
    service
        .correct_edge(
            &actor,
            edge.id,
            LineageKind::Partial,
            Some(0.6),
            "",
            "NSO table says part",
            Some(edge.version),
        )
        .await
        .expect("corrected");
    let page = service
        .unit_page(&actor, "14846", date("2025-07-01"))
        .await
        .expect("page");
    let edge = page
        .predecessors
        .iter()
        .find(|edge| edge.other_code == "14848")
        .expect("edge exists");
    assert_eq!((edge.kind.as_str(), edge.weight), ("partial", Some(0.6)));
    let audit = service
        .audit_log(&actor, Some(&edge.id.to_string()), 10)
        .await
        .expect("audit");
    assert_eq!(audit[0].reason.as_deref(), Some("NSO table says part"));
    assert_eq!(
        audit[0]
            .before_data
            .as_ref()
            .and_then(|before| before["kind"].as_str()),
        Some("full")
    );
}

#[tokio::test]
async fn a_commune_officer_is_refused_another_communes_data() {
    let (_db, service) = service().await;
    import_csv(&service, THANH_HOA, as_of("2023-01-01")).await;
    let admin = Actor::system();
    service
        .add_user(
            &admin,
            UserInput {
                username: "xa.tamchung".to_owned(),
                display_name: "Cán bộ xã".to_owned(),
                password: "mat-khau-dai".to_owned(),
                role: Role::Commune,
                scope_code: Some("14848".to_owned()),
            },
        )
        .await
        .expect("user is added");
    let session = service
        .login("xa.tamchung", "mat-khau-dai", "test")
        .await
        .expect("login works");
    let officer = service
        .session(&session.token)
        .await
        .expect("session is live")
        .actor;
    assert!(service
        .unit_at(&officer, "14848", date("2024-01-01"))
        .await
        .is_ok());
    assert!(matches!(
        service.unit_at(&officer, "14846", date("2024-01-01")).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        service.unit_page(&officer, "384", date("2024-01-01")).await,
        Err(ServiceError::Forbidden)
    ));
    let listed = service
        .list_units(&officer, Level::Commune, None, date("2024-01-01"))
        .await
        .expect("list");
    assert_eq!(
        listed
            .iter()
            .map(|unit| unit.code.as_str())
            .collect::<Vec<_>>(),
        vec!["14848"]
    );
    assert!(matches!(
        service.audit_log(&officer, None, 10).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        service
            .import_geography(
                &officer,
                "x.csv",
                TableSource::from_bytes("x.csv", THANH_HOA.as_bytes().to_vec()),
                &as_of("2024-01-01"),
                &|_| {}
            )
            .await,
        Err(ServiceError::Forbidden)
    ));
}

#[tokio::test]
async fn login_fails_alike_for_unknown_users_and_wrong_passwords_and_is_rate_limited() {
    let (_db, service) = service().await;
    service
        .add_user(
            &Actor::system(),
            UserInput {
                username: "canbo".to_owned(),
                display_name: "Cán bộ".to_owned(),
                password: "dung-mat-khau".to_owned(),
                role: Role::Viewer,
                scope_code: None,
            },
        )
        .await
        .expect("user is added");
    let wrong = service
        .login("canbo", "sai-mat-khau", "ip1")
        .await
        .expect_err("wrong password");
    let unknown = service
        .login("khongco", "sai-mat-khau", "ip1")
        .await
        .expect_err("unknown user");
    assert_eq!(wrong.to_string(), unknown.to_string());
    for _ in 0..4 {
        let _ = service.login("canbo", "sai-mat-khau", "ip1").await;
    }
    assert!(matches!(
        service.login("canbo", "dung-mat-khau", "ip1").await,
        Err(ServiceError::RateLimited { .. })
    ));
    assert!(
        service.login("canbo", "dung-mat-khau", "ip2").await.is_ok(),
        "another client is not locked out"
    );
}

#[tokio::test]
async fn both_backends_have_the_same_tables_and_columns() {
    let (db, _service) = service().await;
    let schema = db.store.schema().await.expect("schema is read");
    let tables: std::collections::BTreeSet<&str> =
        schema.iter().map(|(table, _)| table.as_str()).collect();
    assert_eq!(
        tables.into_iter().collect::<Vec<_>>(),
        vec![
            "agencies",
            "agency_communes",
            "agency_members",
            "audit_log",
            "capital_balances",
            "capital_daily",
            "capital_events",
            "capital_monthly",
            "criteria_sets",
            "deadline_extensions",
            "direction_files",
            "grouping_members",
            "groupings",
            "household_members",
            "households",
            "lineage_edges",
            "meeting_targets",
            "meetings",
            "ntm_assessments",
            "ntm_evidence_files",
            "ntm_local_recognitions",
            "ntm_recognitions",
            "ntm_registrations",
            "obstacles",
            "ocop_products",
            "poverty_list_rows",
            "poverty_lists",
            "poverty_standards",
            "poverty_targets",
            "program_items",
            "project_commitments",
            "project_locations",
            "project_obstacles",
            "project_progress",
            "projects",
            "report_steps",
            "report_submissions",
            "revisions",
            "sessions",
            "task_updates",
            "tasks",
            "unit_versions",
            "units",
            "users"
        ]
    );
    // The column list is the same text on both backends; compare it with the migration files of the other one.
    let sqlite = [
        include_str!("../../../mtqg-store/migrations/sqlite/0001_foundation.sql"),
        include_str!("../../../mtqg-store/migrations/sqlite/0002_atlas_revision_groupings.sql"),
        include_str!("../../../mtqg-store/migrations/sqlite/0003_money.sql"),
        include_str!("../../../mtqg-store/migrations/sqlite/0004_criteria_sets.sql"),
        include_str!("../../../mtqg-store/migrations/sqlite/0005_ntm_assessments.sql"),
        include_str!("../../../mtqg-store/migrations/sqlite/0006_cheaper_ledger_writes.sql"),
        include_str!("../../../mtqg-store/migrations/sqlite/0007_ntm_lifecycle.sql"),
        include_str!("../../../mtqg-store/migrations/sqlite/0008_ntm_evidence_files.sql"),
        include_str!("../../../mtqg-store/migrations/sqlite/0009_poverty.sql"),
        include_str!("../../../mtqg-store/migrations/sqlite/0010_poverty_statement_triggers.sql"),
        include_str!("../../../mtqg-store/migrations/sqlite/0011_direction.sql"),
        include_str!("../../../mtqg-store/migrations/sqlite/0012_ntm_rollup_indexes.sql"),
        include_str!("../../../mtqg-store/migrations/sqlite/0013_reporting.sql"),
        include_str!("../../../mtqg-store/migrations/sqlite/0014_record_versions.sql"),
    ]
    .concat();
    let postgres = [
        include_str!("../../../mtqg-store/migrations/postgres/0001_foundation.sql"),
        include_str!("../../../mtqg-store/migrations/postgres/0002_atlas_revision_groupings.sql"),
        include_str!("../../../mtqg-store/migrations/postgres/0003_money.sql"),
        include_str!("../../../mtqg-store/migrations/postgres/0004_criteria_sets.sql"),
        include_str!("../../../mtqg-store/migrations/postgres/0005_ntm_assessments.sql"),
        include_str!("../../../mtqg-store/migrations/postgres/0006_cheaper_ledger_writes.sql"),
        include_str!("../../../mtqg-store/migrations/postgres/0007_ntm_lifecycle.sql"),
        include_str!("../../../mtqg-store/migrations/postgres/0008_ntm_evidence_files.sql"),
        include_str!("../../../mtqg-store/migrations/postgres/0009_poverty.sql"),
        include_str!("../../../mtqg-store/migrations/postgres/0010_poverty_statement_triggers.sql"),
        include_str!("../../../mtqg-store/migrations/postgres/0011_direction.sql"),
        include_str!("../../../mtqg-store/migrations/postgres/0012_ntm_rollup_indexes.sql"),
        include_str!("../../../mtqg-store/migrations/postgres/0013_reporting.sql"),
        include_str!("../../../mtqg-store/migrations/postgres/0014_record_versions.sql"),
    ]
    .concat();
    for (table, column) in &schema {
        for (name, text) in [("sqlite", &sqlite), ("postgres", &postgres)] {
            assert!(
                text.contains(&format!("    {column} "))
                    || text.contains(&format!("add column {column} ")),
                "{name} migration lacks {table}.{column}"
            );
        }
    }
}

//! Recognition lifecycle stories: decisions and revocations counted as of a date, the at-risk list, registrations
//! against achievements, merged communes awaiting a new assessment, village recognitions and OCOP products.

use mtqg_core::access::Role;
use mtqg_core::ntm::{Status, Tier};
use mtqg_service::recognition::{
    LocalRecognitionInput, OcopInput, RecognitionInput, RegistrationInput,
};
use mtqg_service::{Actor, Service, ServiceError};

use crate::support::date;

fn recognition(code: &str, set: &str, on: &str) -> RecognitionInput {
    RecognitionInput {
        commune_code: code.to_owned(),
        set_code: set.to_owned(),
        decision: format!("QĐ {code}/QĐ-UBND"),
        decided_on: date(on),
    }
}

fn count(rollup: &mtqg_service::recognition::Rollup, status: Status) -> usize {
    rollup
        .by_status
        .iter()
        .find(|(s, _)| *s == status)
        .map(|(_, n)| *n)
        .expect("every status is listed")
}

/// The xã of Huyện Mường Lát at the end of 2023.
async fn xa_of_muong_lat(service: &Service) -> Vec<String> {
    service
        .list_units(
            &Actor::system(),
            mtqg_core::geo::Level::Commune,
            Some("384"),
            date("2023-12-31"),
        )
        .await
        .expect("communes of Mường Lát")
        .into_iter()
        .filter(|unit| unit.unit_type == "Xã")
        .map(|unit| unit.code)
        .collect()
}

#[tokio::test]
async fn recognitions_are_counted_as_of_a_date_and_a_revocation_takes_the_status_back() {
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let admin = Actor::system();
    let xa = xa_of_muong_lat(&service).await;
    service
        .record_recognition(&admin, recognition(&xa[0], "QD318-2022-XA", "2023-06-01"))
        .await
        .expect("standard recognition");
    service
        .record_recognition(
            &admin,
            recognition(&xa[0], "QD318-2022-XA-NC", "2024-05-01"),
        )
        .await
        .expect("advanced recognition once standard");
    let earlier = service
        .record_recognition(&admin, recognition(&xa[1], "QD1980-2016-XA", "2020-12-01"))
        .await
        .expect("recognised under the 2016–2020 set");

    let end_2023 = service
        .ntm_rollup(&admin, Some("384"), date("2023-12-31"))
        .await
        .expect("rollup 2023");
    assert_eq!(count(&end_2023, Status::Standard), 2);
    assert_eq!(count(&end_2023, Status::NotMet), xa.len() - 2);
    let province = service
        .ntm_rollup(&admin, Some("38"), date("2023-12-31"))
        .await
        .expect("rollup of Thanh Hóa");
    let muong_lat = &province.children[0];
    assert_eq!(
        (
            muong_lat.code.as_str(),
            muong_lat.n_xa,
            muong_lat.recognised
        ),
        ("384", xa.len(), 2),
        "the only district with recognised xã ranks first"
    );
    assert_eq!(
        province.children.iter().map(|c| c.n_xa).sum::<usize>(),
        province.n_xa,
        "every xã of the province is in one district"
    );
    let country = service
        .ntm_rollup(&admin, None, date("2023-12-31"))
        .await
        .expect("national rollup");
    assert_eq!(country.children.len(), 63, "the provinces of 2023");
    assert_eq!(country.children[0].code, "38");
    let mid_2024 = service
        .ntm_rollup(&admin, Some("384"), date("2024-06-30"))
        .await
        .expect("rollup mid 2024");
    assert_eq!(count(&mid_2024, Status::Advanced), 1);
    assert_eq!(count(&mid_2024, Status::Standard), 1);
    assert_eq!(mid_2024.set_code.as_deref(), Some("QD318-2022-XA"));
    let at_risk: Vec<&str> = mid_2024
        .at_risk
        .iter()
        .map(|commune| commune.code.as_str())
        .collect();
    assert_eq!(
        at_risk,
        [xa[1].as_str()],
        "recognised under QĐ 1980 and not assessed against QĐ 318"
    );
    assert_eq!(mid_2024.at_risk[0].risk.recognised_under, "QD1980-2016-XA");

    service
        .revoke_recognition(
            &admin,
            earlier,
            date("2024-10-01"),
            "QĐ 99/QĐ-UBND",
            "Không duy trì tiêu chí 17",
        )
        .await
        .expect("revoked");
    let end_2024 = service
        .ntm_rollup(&admin, Some("384"), date("2024-12-31"))
        .await
        .expect("rollup 2024");
    assert_eq!(count(&end_2024, Status::Standard), 0);
    assert_eq!(count(&end_2024, Status::Advanced), 1);
    assert!(
        end_2024.at_risk.is_empty(),
        "a revoked recognition is no longer at risk"
    );
    let again = service
        .revoke_recognition(&admin, earlier, date("2024-11-01"), "QĐ 100", "lần hai")
        .await;
    assert!(
        matches!(&again, Err(ServiceError::Conflict { message }) if message.contains("đã bị thu hồi")),
        "{again:?}"
    );
    let trend = service
        .ntm_trend(&admin, Some("384"), 2019, date("2024-12-31"))
        .await
        .expect("trend");
    let counts: Vec<(i32, usize, usize)> = trend
        .iter()
        .map(|p| {
            (
                chrono::Datelike::year(&p.date),
                p.standard_or_above,
                p.advanced_or_above,
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            (2019, 0, 0),
            (2020, 1, 0),
            (2021, 1, 0),
            (2022, 1, 0),
            (2023, 2, 0),
            (2024, 1, 1)
        ],
        "the QĐ 1980 recognition of 2020 was revoked in 2024"
    );
    let audit = service
        .audit_log(&admin, Some(xa[1].as_str()), 5)
        .await
        .expect("audit");
    assert!(audit.iter().any(|entry| entry.action == "ntm.revoke"));
    let card = service
        .ntm_scorecard(&admin, &xa[1], date("2024-12-31"))
        .await
        .expect("scorecard");
    assert_eq!(card.status, Status::NotMet);
    assert_eq!(card.recognitions[0].revoked_on, Some(date("2024-10-01")));
}

#[tokio::test]
async fn recognitions_that_break_the_lifecycle_rules_are_refused_and_nothing_is_stored() {
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let admin = Actor::system();
    let xa = xa_of_muong_lat(&service).await;
    let refusals = [
        (
            recognition(&xa[0], "QD318-2022-XA-NC", "2024-05-01"),
            "chưa được công nhận đạt chuẩn",
        ),
        (
            recognition(&xa[0], "QD318-2022-XA", "2021-05-01"),
            "ngoài thời gian áp dụng",
        ),
        (
            recognition(&xa[0], "QD320-2022-HUYEN", "2023-05-01"),
            "không phải bộ tiêu chí xã",
        ),
        (
            RecognitionInput {
                decision: "  ".to_owned(),
                ..recognition(&xa[0], "QD318-2022-XA", "2023-05-01")
            },
            "số, ký hiệu",
        ),
        (
            // Thị trấn Mường Lát.
            recognition("14845", "QD318-2022-XA", "2023-05-01"),
            "chỉ xã",
        ),
    ];
    for (input, expected) in refusals {
        let res = service.record_recognition(&admin, input).await;
        assert!(
            matches!(&res, Err(ServiceError::Invalid(message)) if message.contains(expected)),
            "expected \"{expected}\": {res:?}"
        );
    }
    let unknown = service
        .record_recognition(&admin, recognition(&xa[0], "QD999", "2023-05-01"))
        .await;
    assert!(
        matches!(unknown, Err(ServiceError::NotFound(_))),
        "{unknown:?}"
    );
    let rollup = service
        .ntm_rollup(&admin, Some("384"), date("2024-12-31"))
        .await
        .expect("rollup");
    assert_eq!(
        count(&rollup, Status::NotMet),
        xa.len(),
        "nothing was stored"
    );

    // A commune officer of another district cannot record here.
    let scope = service
        .unit_at(&admin, "385", date("2023-12-31"))
        .await
        .expect("Huyện Quan Hóa");
    let officer = Actor {
        role: Role::Commune,
        scope_unit_id: Some(scope.id),
        ..Actor::system()
    };
    let outside = service
        .record_recognition(&officer, recognition(&xa[0], "QD318-2022-XA", "2023-06-01"))
        .await;
    assert!(
        matches!(outside, Err(ServiceError::Forbidden)),
        "{outside:?}"
    );
    let viewer = Actor {
        role: Role::Viewer,
        ..Actor::system()
    };
    assert!(matches!(
        service
            .record_recognition(&viewer, recognition(&xa[0], "QD318-2022-XA", "2023-06-01"))
            .await,
        Err(ServiceError::Forbidden)
    ));
}

#[tokio::test]
async fn registrations_are_counted_against_the_recognitions_of_their_year() {
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let admin = Actor::system();
    let xa = xa_of_muong_lat(&service).await;
    for code in &xa[..3] {
        service
            .register_target(
                &admin,
                RegistrationInput {
                    commune_code: code.clone(),
                    target_year: 2023,
                    tier: Tier::Standard,
                    registered_on: date("2023-01-15"),
                    legal_basis: "Kế hoạch 12/KH-UBND".to_owned(),
                },
            )
            .await
            .expect("registered");
    }
    let twice = service
        .register_target(
            &admin,
            RegistrationInput {
                commune_code: xa[0].clone(),
                target_year: 2023,
                tier: Tier::Standard,
                registered_on: date("2023-02-01"),
                legal_basis: String::new(),
            },
        )
        .await;
    assert!(
        matches!(&twice, Err(ServiceError::Invalid(message)) if message.contains("đã đăng ký")),
        "{twice:?}"
    );
    let past = service
        .register_target(
            &admin,
            RegistrationInput {
                commune_code: xa[3].clone(),
                target_year: 2022,
                tier: Tier::Standard,
                registered_on: date("2023-02-01"),
                legal_basis: String::new(),
            },
        )
        .await;
    assert!(matches!(past, Err(ServiceError::Invalid(_))), "{past:?}");
    service
        .record_recognition(&admin, recognition(&xa[0], "QD318-2022-XA", "2023-11-20"))
        .await
        .expect("registered and achieved");
    service
        .record_recognition(&admin, recognition(&xa[4], "QD318-2022-XA", "2023-12-20"))
        .await
        .expect("achieved without registering");
    let rollup = service
        .ntm_rollup(&admin, Some("384"), date("2023-12-31"))
        .await
        .expect("rollup");
    let (tier, counts) = rollup.registered[0];
    assert_eq!(tier, Tier::Standard);
    assert_eq!(
        (
            counts.registered,
            counts.achieved,
            counts.unregistered_achieved
        ),
        (3, 1, 1)
    );
}

#[tokio::test]
async fn a_xa_formed_by_merger_shows_its_predecessors_and_awaits_a_new_assessment() {
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let admin = Actor::system();
    // Xã Phú Thanh, Phú Lệ and Phú Sơn (Huyện Quan Hóa) became Xã Phú Lệ (14878) on 1/7/2025.
    service
        .record_recognition(&admin, recognition("14884", "QD318-2022-XA", "2023-09-01"))
        .await
        .expect("old Phú Lệ recognised");
    let card = service
        .ntm_scorecard(&admin, "14878", date("2025-08-01"))
        .await
        .expect("scorecard of the new xã");
    assert_eq!(card.name, "Xã Phú Lệ");
    assert_eq!(card.status, Status::NotMet, "its own recognition is needed");
    let mut predecessors: Vec<(String, Status)> = card
        .predecessors
        .iter()
        .map(|p| (p.name.clone(), p.status))
        .collect();
    predecessors.sort();
    assert_eq!(
        predecessors,
        [
            ("Xã Phú Lệ".to_owned(), Status::Standard),
            ("Xã Phú Sơn".to_owned(), Status::NotMet),
            ("Xã Phú Thanh".to_owned(), Status::NotMet),
        ]
    );
    let rollup = service
        .ntm_rollup(&admin, Some("38"), date("2025-08-01"))
        .await
        .expect("rollup of Thanh Hóa");
    assert_eq!(rollup.merged_awaiting, 1);
    assert_eq!(count(&rollup, Status::Standard), 0);
}

#[tokio::test]
async fn village_recognitions_and_ocop_products_are_recorded_checked_and_counted() {
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let admin = Actor::system();
    let villages = "code,name,type,parent_code,level\n14848-01,Bản Tà Cóm,Bản,14848,village\n";
    let report = crate::support::import_csv(
        &service,
        villages,
        mtqg_service::geography::ImportOptions {
            as_of: Some(date("2023-01-01")),
            ..Default::default()
        },
    )
    .await;
    assert!(report.applied, "{:?}", report.problems);
    let local = |kind: &str, village: Option<&str>, name: &str| LocalRecognitionInput {
        kind: kind.to_owned(),
        commune_code: "14848".to_owned(),
        village_code: village.map(str::to_owned),
        name: name.to_owned(),
        decision: "QĐ 45/QĐ-UBND".to_owned(),
        decided_on: date("2024-03-01"),
    };
    service
        .record_local_recognition(&admin, local("thon_ntm", Some("14848-01"), ""))
        .await
        .expect("thôn NTM");
    service
        .record_local_recognition(&admin, local("vuon_mau", None, "Vườn hộ ông Lò Văn A"))
        .await
        .expect("vườn mẫu");
    for (input, expected) in [
        (local("thon_ntm", None, ""), "mã thôn"),
        (local("vuon_mau", None, ""), "tên hộ"),
        (local("lang_van_hoa", None, "x"), "không hợp lệ"),
        (local("thon_ntm", Some("14848"), ""), "không phải thôn"),
    ] {
        let res = service.record_local_recognition(&admin, input).await;
        assert!(
            matches!(&res, Err(ServiceError::Invalid(message)) if message.contains(expected)),
            "expected \"{expected}\": {res:?}"
        );
    }
    let product = |code: &str, a: i64, b: i64, c: i64| OcopInput {
        code: code.to_owned(),
        name: "Mật ong rừng Mường Lát".to_owned(),
        owner: "HTX Tam Chung".to_owned(),
        commune_code: "14848".to_owned(),
        product_group: "thuc_pham".to_owned(),
        score_a: a,
        score_b: b,
        score_c: c,
        decision: "QĐ 77/QĐ-UBND".to_owned(),
        decided_on: date("2024-06-01"),
    };
    let (_, stars) = service
        .record_ocop_product(&admin, product("OCOP-38-001", 30, 20, 25))
        .await
        .expect("75 points");
    assert_eq!(stars, 4);
    for (input, expected) in [
        (product("OCOP-38-002", 20, 10, 19), "dưới mức 3 sao"),
        (product("OCOP-38-003", 41, 10, 19), "từ 0 đến 40"),
        (product("OCOP-38-001", 30, 20, 25), "đã có"),
        (
            OcopInput {
                product_group: "xe_may".to_owned(),
                ..product("OCOP-38-004", 30, 20, 25)
            },
            "nhóm sản phẩm",
        ),
    ] {
        let res = service.record_ocop_product(&admin, input).await;
        assert!(
            matches!(&res, Err(ServiceError::Invalid(message)) if message.contains(expected)),
            "expected \"{expected}\": {res:?}"
        );
    }
    let rollup = service
        .ntm_rollup(&admin, Some("384"), date("2024-12-31"))
        .await
        .expect("rollup");
    let local_counts: Vec<(String, usize, usize)> = rollup
        .local
        .iter()
        .map(|(kind, _, total, this_year)| (kind.clone(), *total, *this_year))
        .collect();
    assert_eq!(
        local_counts,
        [
            ("thon_ntm".to_owned(), 1, 1),
            ("khu_dan_cu_kieu_mau".to_owned(), 0, 0),
            ("vuon_mau".to_owned(), 1, 1),
        ]
    );
    assert_eq!(rollup.ocop, [(4, 1, 1)]);
    let registry = service
        .ntm_registry(&admin, Some("384"), date("2024-12-31"))
        .await
        .expect("registry");
    assert_eq!(registry.ocop.len(), 1);
    assert_eq!(registry.ocop[0].1, "Xã Tam Chung");
    let names: Vec<&str> = registry
        .local
        .iter()
        .map(|(r, _)| r.name.as_str())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(
        names.contains(&"Bản Tà Cóm"),
        "the village name fills in: {names:?}"
    );
    let elsewhere = service
        .ntm_registry(&admin, Some("385"), date("2024-12-31"))
        .await
        .expect("registry of another district");
    assert!(elsewhere.ocop.is_empty() && elsewhere.local.is_empty());
    let before = service
        .ntm_rollup(&admin, Some("384"), date("2024-02-01"))
        .await
        .expect("rollup before the decisions");
    assert!(before.local.iter().all(|(_, _, total, _)| *total == 0));
    assert!(before.ocop.is_empty());
}

#[tokio::test]
async fn the_demo_generates_a_province_with_assessments_recognitions_a_revocation_and_the_2026_set()
{
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let admin = Actor::system();
    let report = service
        .generate_ntm("38", date("2026-11-23"), 2026)
        .await
        .expect("demo generates");
    assert!(report.n_assessments > 1_000, "{report:?}");
    assert!(
        report.n_recognitions > 50 && report.n_ocop > 0,
        "{report:?}"
    );
    let end_2024 = service
        .ntm_rollup(&admin, Some("38"), date("2024-12-31"))
        .await
        .expect("rollup 2024");
    assert_eq!(end_2024.set_code.as_deref(), Some("QD318-2022-XA"));
    assert_eq!(end_2024.n_assessed, end_2024.n_xa, "every xã assessed");
    assert!(count(&end_2024, Status::Standard) + count(&end_2024, Status::Advanced) > 0);
    assert!(
        !end_2024.at_risk.is_empty(),
        "some were recognised under QĐ 1980"
    );
    assert!(end_2024.registered[0].1.registered >= end_2024.registered[0].1.achieved);
    let revoked = service
        .store()
        .recognitions(date("2026-11-23"), None)
        .await
        .expect("recognitions")
        .iter()
        .filter(|recognition| recognition.revoked_on.is_some())
        .count();
    assert_eq!(revoked, 1);
    let now = service
        .ntm_rollup(&admin, Some("38"), date("2026-11-23"))
        .await
        .expect("rollup 2026");
    assert_eq!(now.set_code.as_deref(), Some("QD51-2025-XA"));
    assert_eq!(now.n_assessed, now.n_xa, "the merged xã assessed in 2026");
    assert_eq!(now.per_criterion.len(), 10);
}

#[tokio::test]
async fn evidence_files_are_checked_and_kept_within_the_scope_of_their_xa() {
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let admin = Actor::system();
    let xa = xa_of_muong_lat(&service).await;
    service
        .record_assessment(
            &admin,
            mtqg_service::ntm::AssessmentInput {
                commune_code: xa[0].clone(),
                year: 2023,
                stage: "tham_dinh".to_owned(),
                set_code: "QD318-2022-XA".to_owned(),
                values: [("19.1".to_owned(), "Đạt".to_owned())].into(),
                ..Default::default()
            },
        )
        .await
        .expect("assessment");
    let card = service
        .ntm_scorecard(&admin, &xa[0], date("2023-12-31"))
        .await
        .expect("scorecard");
    let assessment = card.assessments[0].id;
    let id = service
        .attach_evidence(
            &admin,
            assessment,
            "C:\\Ho so\\bien-ban.pdf",
            b"%PDF".to_vec(),
        )
        .await
        .expect("a PDF is accepted");
    let file = service.evidence_file(&admin, id).await.expect("file");
    assert_eq!(
        file.file_name, "bien-ban.pdf",
        "the client's path is dropped"
    );
    assert_eq!(file.content, b"%PDF");
    let too_large = vec![0_u8; mtqg_service::recognition::MAX_EVIDENCE_BYTES + 1];
    let refused = service
        .attach_evidence(&admin, assessment, "anh.png", too_large)
        .await;
    assert!(
        matches!(&refused, Err(ServiceError::Invalid(message)) if message.contains("10 MB")),
        "{refused:?}"
    );
    let empty = service
        .attach_evidence(&admin, assessment, "anh.png", Vec::new())
        .await;
    assert!(matches!(empty, Err(ServiceError::Invalid(_))), "{empty:?}");
    let scope = service
        .unit_at(&admin, "385", date("2023-12-31"))
        .await
        .expect("Huyện Quan Hóa");
    let elsewhere = Actor {
        role: Role::Commune,
        scope_unit_id: Some(scope.id),
        ..Actor::system()
    };
    assert!(matches!(
        service.evidence_file(&elsewhere, id).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        service
            .attach_evidence(&elsewhere, assessment, "b.pdf", b"%PDF".to_vec())
            .await,
        Err(ServiceError::Forbidden)
    ));
    let card = service
        .ntm_scorecard(&admin, &xa[0], date("2023-12-31"))
        .await
        .expect("scorecard");
    assert_eq!(card.evidence.len(), 1, "only the accepted file is stored");
}

#[tokio::test]
async fn a_roll_up_rebased_onto_todays_provinces_counts_the_old_xa_of_merged_provinces() {
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let admin = Actor::system();
    let end_2024 = date("2024-12-31");
    let today = date("2026-01-01");
    // Hà Giang (02) and Tuyên Quang (08) became the new Tuyên Quang (08) on 1/7/2025.
    let ha_giang = service
        .ntm_rollup(&admin, Some("02"), end_2024)
        .await
        .expect("02");
    let tuyen_quang = service
        .ntm_rollup(&admin, Some("08"), end_2024)
        .await
        .expect("08");
    let xa = xa_of(&service, "02", end_2024).await;
    service
        .record_recognition(&admin, recognition(&xa[0], "QD318-2022-XA", "2024-06-01"))
        .await
        .expect("recognised");
    let rebased = service
        .ntm_rollup_on(&admin, Some("08"), end_2024, Some(today))
        .await
        .expect("rebased");
    assert_eq!(rebased.n_xa, ha_giang.n_xa + tuyen_quang.n_xa);
    assert_eq!(count(&rebased, Status::Standard), 1);
    // The breakdown is by today's communes of the new province.
    let children: usize = rebased.children.iter().map(|child| child.n_xa).sum();
    assert_eq!(children, rebased.n_xa);
    let today_units = service
        .unit_at(&admin, &rebased.children[0].code, today)
        .await
        .expect("a unit of today");
    assert_eq!(today_units.level, mtqg_core::geo::Level::Commune);
    // Without re-basing, today's province has no xã on 31/12/2024 under its own 2024 tree but its own old ones.
    let plain = service
        .ntm_rollup(&admin, Some("08"), end_2024)
        .await
        .expect("plain");
    assert_eq!(plain.n_xa, tuyen_quang.n_xa);
}

/// The xã of a province on a date.
async fn xa_of(service: &Service, province: &str, on: chrono::NaiveDate) -> Vec<String> {
    let atlas = service.atlas().await.expect("atlas");
    let root = atlas.unit_by_code(province, on).expect("province");
    atlas
        .descendants(root.id, on, Some(mtqg_core::geo::Level::Commune))
        .into_iter()
        .filter(|unit| unit.unit_type == "Xã")
        .map(|unit| unit.code)
        .collect()
}

#[tokio::test]
async fn an_ocop_list_is_checked_whole_then_imported_and_counted_and_a_second_import_is_refused() {
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let admin = Actor::system();
    let csv = |rows: &[&str]| {
        let mut text = "Mã sản phẩm,Tên sản phẩm,Chủ thể,Mã xã,Nhóm,Điểm A,Điểm B,Điểm C,Số quyết định,Ngày quyết định\n".to_owned();
        for row in rows {
            text.push_str(row);
            text.push('\n');
        }
        mtqg_service::geography::TableSource::Csv(Box::new(std::io::Cursor::new(text.into_bytes())))
    };
    let good = [
        "OCOP-38-001,Mật ong rừng,HTX Tam Chung,14848,thuc_pham,30,20,25,QĐ 77/QĐ-UBND,01/06/2024",
        "OCOP-38-002,Chè shan tuyết,Hộ Lò Văn B,14848,do_uong,36,22,33,QĐ 77/QĐ-UBND,01/06/2024",
    ];
    let mut rows = good.to_vec();
    rows.extend([
        "OCOP-38-003,Gạo nếp,HTX,14848,thuc_pham,20,10,19,QĐ 77/QĐ-UBND,01/06/2024",
        "OCOP-38-004,Thổ cẩm,HTX,99999,vai_may_mac,30,20,25,QĐ 77/QĐ-UBND,01/06/2024",
        "OCOP-38-005,Rượu,HTX,14848,xe_may,30,20,25,QĐ 77/QĐ-UBND,01/06/2024",
    ]);
    let refused = service
        .import_ocop(&admin, "ocop.csv", csv(&rows), false)
        .await
        .expect("report");
    assert!(!refused.applied);
    let found: Vec<(usize, Option<&str>)> = refused
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_deref()))
        .collect();
    assert_eq!(
        found,
        [(4, Some("Điểm")), (5, Some("Mã xã")), (6, Some("Nhóm"))],
        "{:?}",
        refused.problems
    );
    let rollup = service
        .ntm_rollup(&admin, Some("384"), date("2024-12-31"))
        .await
        .expect("rollup");
    assert!(rollup.ocop.is_empty(), "nothing written while a row is bad");

    let dry = service
        .import_ocop(&admin, "ocop.csv", csv(&good), true)
        .await
        .expect("dry run");
    assert!(
        dry.problems.is_empty() && !dry.applied,
        "{:?}",
        dry.problems
    );
    assert_eq!(
        dry.by_stars.into_iter().collect::<Vec<_>>(),
        [(4, 1), (5, 1)]
    );
    let applied = service
        .import_ocop(&admin, "ocop.csv", csv(&good), false)
        .await
        .expect("import");
    assert!(applied.applied, "{:?}", applied.problems);
    let rollup = service
        .ntm_rollup(&admin, Some("384"), date("2024-12-31"))
        .await
        .expect("rollup");
    assert_eq!(rollup.ocop, [(4, 1, 1), (5, 1, 1)]);
    let audit = service
        .audit_log(&admin, Some("ocop.csv"), 5)
        .await
        .expect("audit");
    assert_eq!(audit[0].action, "ocop.import");
    assert!(
        !audit[0]
            .after_data
            .as_ref()
            .expect("after")
            .to_string()
            .contains("Lò Văn"),
        "no owner names in the audit entry"
    );
    let again = service
        .import_ocop(&admin, "ocop.csv", csv(&good[..1]), false)
        .await
        .expect("report");
    assert!(!again.applied);
    assert!(
        again.problems[0].message.contains("đã có"),
        "{:?}",
        again.problems
    );

    let officer = Actor {
        role: Role::Commune,
        scope_unit_id: Some(
            service
                .unit_at(&admin, "385", date("2024-06-01"))
                .await
                .expect("Huyện Quan Hóa")
                .id,
        ),
        ..Actor::system()
    };
    let outside = service
        .import_ocop(
            &officer,
            "ocop.csv",
            csv(&["OCOP-38-009,Mật ong,HTX,14848,thuc_pham,30,20,25,QĐ 1,01/06/2024"]),
            true,
        )
        .await
        .expect("report");
    assert!(
        outside.problems[0].message.contains("ngoài phạm vi"),
        "{:?}",
        outside.problems
    );
}

#[tokio::test]
async fn a_recorded_ocop_product_is_corrected_with_a_reason_once_and_a_stale_correction_is_refused()
{
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let admin = Actor::system();
    let product = |a: i64, b: i64, c: i64| OcopInput {
        code: "OCOP-38-010".to_owned(),
        name: "Mật ong rừng Mường Lát".to_owned(),
        owner: "HTX Tam Chung".to_owned(),
        commune_code: "14848".to_owned(),
        product_group: "thuc_pham".to_owned(),
        score_a: a,
        score_b: b,
        score_c: c,
        decision: "QĐ 77/QĐ-UBND".to_owned(),
        decided_on: date("2024-06-01"),
    };
    let (id, stars) = service
        .record_ocop_product(&admin, product(30, 20, 25))
        .await
        .expect("recorded");
    assert_eq!(stars, 4);
    // The decision said 35 for part A: the officer corrects it and the stars follow.
    let refused = service
        .correct_ocop_product(&admin, id, 1, product(35, 20, 25), " ")
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("lý do"), "{refused}");
    let stars = service
        .correct_ocop_product(
            &admin,
            id,
            1,
            product(35, 20, 25),
            "nhập nhầm điểm phần A so với quyết định",
        )
        .await
        .expect("corrected");
    let stored = service.store().ocop_product(id).await.unwrap().unwrap();
    assert_eq!(
        (stored.score_a, stored.stars, stored.version),
        (35, i64::from(stars), 2)
    );
    // A second officer who read version 1 is refused, and nothing changes.
    let stale = service
        .correct_ocop_product(&admin, id, 1, product(30, 20, 20), "khác")
        .await
        .unwrap_err();
    assert!(matches!(stale, ServiceError::Conflict { .. }), "{stale}");
    assert_eq!(
        service
            .store()
            .ocop_product(id)
            .await
            .unwrap()
            .unwrap()
            .score_a,
        35
    );
    // The audit log holds the record before and after, with the reason.
    let entries = service.audit_log(&admin, None, 20).await.unwrap();
    let entry = entries
        .iter()
        .find(|entry| entry.action == "ocop.correct")
        .expect("audited");
    let scores =
        |data: &Option<serde_json::Value>| data.as_ref().map(|data| data["scores"].clone());
    assert_eq!(
        scores(&entry.before_data),
        Some(serde_json::json!([30, 20, 25]))
    );
    assert_eq!(
        scores(&entry.after_data),
        Some(serde_json::json!([35, 20, 25]))
    );
    assert_eq!(
        entry.reason.as_deref(),
        Some("nhập nhầm điểm phần A so với quyết định")
    );
    // An officer of another province cannot correct it.
    let outsider = crate::support::account(&service, "bcd.40", Role::Steering, Some("40")).await;
    let foreign = service
        .correct_ocop_product(&outsider, id, 2, product(35, 20, 25), "thử")
        .await
        .unwrap_err();
    assert!(matches!(foreign, ServiceError::Forbidden), "{foreign}");
}

#[tokio::test]
async fn a_village_recognition_is_corrected_with_a_reason_and_a_stale_correction_is_refused() {
    let (_db, service) = crate::support::service_with_shipped_geography().await;
    let admin = Actor::system();
    let garden = |decision: &str| LocalRecognitionInput {
        kind: "vuon_mau".to_owned(),
        commune_code: "14848".to_owned(),
        village_code: None,
        name: "Vườn hộ ông Lò Văn A".to_owned(),
        decision: decision.to_owned(),
        decided_on: date("2024-03-01"),
    };
    let id = service
        .record_local_recognition(&admin, garden("QĐ 45/QĐ-UBND"))
        .await
        .expect("recorded");
    let missing_reason = service
        .correct_local_recognition(&admin, id, 1, garden("QĐ 54/QĐ-UBND"), "")
        .await
        .unwrap_err();
    assert!(
        missing_reason.to_string().contains("lý do"),
        "{missing_reason}"
    );
    let invalid = service
        .correct_local_recognition(
            &admin,
            id,
            1,
            LocalRecognitionInput {
                name: String::new(),
                ..garden("QĐ 54/QĐ-UBND")
            },
            "sửa tên",
        )
        .await
        .unwrap_err();
    assert!(
        invalid.to_string().contains("tên hộ"),
        "checked as a new one: {invalid}"
    );
    service
        .correct_local_recognition(
            &admin,
            id,
            1,
            garden("QĐ 54/QĐ-UBND"),
            "nhập nhầm số quyết định",
        )
        .await
        .expect("corrected");
    let stored = service
        .store()
        .local_recognition(id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.decision.as_str(), stored.version),
        ("QĐ 54/QĐ-UBND", 2)
    );
    let stale = service
        .correct_local_recognition(&admin, id, 1, garden("QĐ 99/QĐ-UBND"), "khác")
        .await
        .unwrap_err();
    assert!(matches!(stale, ServiceError::Conflict { .. }), "{stale}");
    let entries = service.audit_log(&admin, None, 20).await.unwrap();
    let entry = entries
        .iter()
        .find(|entry| entry.action == "ntm.local_recognition.correct")
        .expect("audited");
    assert_eq!(
        entry
            .before_data
            .as_ref()
            .map(|data| data["decision"].clone()),
        Some(serde_json::json!("QĐ 45/QĐ-UBND"))
    );
    assert_eq!(entry.reason.as_deref(), Some("nhập nhầm số quyết định"));
}

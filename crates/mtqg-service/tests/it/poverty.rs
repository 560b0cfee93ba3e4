//! Poverty stories: importing household lists with review results, freezing them, corrections, what-if, rates
//! and flows across the 2025 reform, and the bad input of the issue.

use mtqg_core::access::Role;
use mtqg_core::poverty::Class;
use mtqg_service::geography::TableSource;
use mtqg_service::poverty::{HouseholdImportOptions, HouseholdImportReport};
use mtqg_service::poverty_lists::ReviewInput;
use mtqg_service::{Actor, Service, ServiceError};

use crate::support::date;

const HEADER: &str = "Mã xã,Mã hộ,Họ tên chủ hộ,Thôn,Khu vực,Dân tộc,Năm sinh chủ hộ,Thu nhập bình quân,CS1,CS4,CS10,CS11";

/// A row: commune, code, income, number of deprivations (0–4), ethnicity.
fn row(commune: &str, code: &str, income: &str, deprived: usize, ethnicity: &str) -> String {
    let marks: Vec<&str> = (0..4)
        .map(|i| if i < deprived { "x" } else { "" })
        .collect();
    format!(
        "{commune},{code},Chủ hộ {code},Thôn 1,Nông thôn,{ethnicity},1970,{income},{}",
        marks.join(",")
    )
}

async fn import(
    service: &Service,
    actor: &Actor,
    year: i32,
    rows: &[String],
    dry_run: bool,
) -> HouseholdImportReport {
    let text = format!("{HEADER}\n{}\n", rows.join("\n"));
    service
        .import_households(
            actor,
            "ho.csv",
            TableSource::Csv(Box::new(std::io::Cursor::new(text.into_bytes()))),
            &HouseholdImportOptions {
                year,
                kind: "annual".to_owned(),
                dry_run,
            },
            &|_| {},
        )
        .await
        .expect("import runs")
}

async fn setup() -> (mtqg_test_support::TestDb, Service) {
    crate::support::service_with_shipped_geography().await
}

/// Imports, then freezes the list of `commune` for `year`; returns its id.
async fn frozen_list(
    service: &Service,
    year: i32,
    commune: &str,
    rows: &[String],
    decided: &str,
) -> i64 {
    let admin = Actor::system();
    let report = import(service, &admin, year, rows, false).await;
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let list_id = report
        .lists
        .iter()
        .find(|(code, _, _)| code == commune)
        .expect("list of the commune")
        .2;
    service
        .freeze_poverty_list(&admin, list_id, &format!("{year}/QĐ-UBND"), date(decided))
        .await
        .expect("freezes");
    list_id
}

#[tokio::test]
async fn a_commune_list_is_imported_classified_frozen_and_then_refuses_every_change() {
    let (_db, service) = setup().await;
    let admin = Actor::system();
    let rows = vec![
        row("15103", "H1", "1.200.000", 3, "Thái"),
        row("15103", "H2", "1.500.000", 2, "Kinh"),
        row("15103", "H3", "2.000.000", 0, "Kinh"),
        row("15103", "H4", "5.000.000", 4, "Mường"),
    ];
    let dry = import(&service, &admin, 2024, &rows, true).await;
    assert!(!dry.applied);
    assert_eq!(dry.by_class, [1, 1, 1, 1]);
    assert_eq!(dry.n_new, 4);
    assert!(service
        .store()
        .household_keys(&[service
            .unit_at(&admin, "15103", date("2024-12-31"))
            .await
            .unwrap()
            .id])
        .await
        .unwrap()
        .is_empty());

    let report = import(&service, &admin, 2024, &rows, false).await;
    assert!(report.applied, "{:?}", report.problems);
    let list_id = report.lists[0].2;
    let page = service
        .poverty_list_page(&admin, list_id, Some(Class::Poor), None, 0, 50)
        .await
        .expect("page");
    assert_eq!(page.total, 1);
    assert_eq!(page.households[0].code, "H1");
    assert!(page.households[0].ethnic_minority);
    assert_eq!(page.summary.tally.em_households, 2);

    // Quick entry on the open list re-classifies a household.
    let result = service
        .record_review(
            &admin,
            list_id,
            &ReviewInput {
                household_code: "H2".to_owned(),
                income: Some(1_400_000),
                score_a: None,
                deprived: vec!["bhyt".into(), "nha_tieu".into(), "viec_lam".into()],
                version: None,
            },
        )
        .await
        .expect("recorded");
    assert_eq!(result.class, Class::Poor);

    let tally = service
        .freeze_poverty_list(&admin, list_id, "125/QĐ-UBND", date("2024-12-20"))
        .await
        .expect("freezes");
    assert_eq!((tally.households, tally.poor, tally.near_poor), (4, 2, 0));

    // The frozen list downloads in the officers' shape and reads back through the same columns.
    let (summary, households) = service
        .export_poverty_list(&admin, list_id)
        .await
        .expect("export");
    let bytes = mtqg_service::poverty_lists::list_xlsx(&summary, &page.standard, &households)
        .expect("workbook");
    let standard = service.poverty_standard("ND07-2021").await.unwrap();
    let classified = mtqg_service::poverty::classify_table(&standard, TableSource::Xlsx(bytes))
        .expect("the export is a valid household table");
    let classes: Vec<(String, Class)> = classified
        .iter()
        .map(|row| (row.code.clone(), row.result.class))
        .collect();
    assert_eq!(
        classes,
        [
            ("H1".to_owned(), Class::Poor),
            ("H2".to_owned(), Class::Poor),
            ("H3".to_owned(), Class::Average),
            ("H4".to_owned(), Class::Other),
        ]
    );

    // A frozen list refuses entry, a second freeze and a re-import; the rows stay as they were.
    let entry = service
        .record_review(
            &admin,
            list_id,
            &ReviewInput {
                household_code: "H3".to_owned(),
                income: Some(100),
                ..ReviewInput::default()
            },
        )
        .await;
    assert!(
        matches!(entry, Err(ServiceError::Conflict { ref message }) if message.contains("125/QĐ-UBND")),
        "{entry:?}"
    );
    assert!(service
        .freeze_poverty_list(&admin, list_id, "126/QĐ-UBND", date("2024-12-21"))
        .await
        .is_err());
    let again = import(&service, &admin, 2024, &rows, false).await;
    assert!(!again.applied);
    assert!(
        again.problems[0].message.contains("đã được công nhận"),
        "{:?}",
        again.problems
    );
    let stored = service.store().poverty_list_rows(list_id).await.unwrap();
    assert_eq!(stored.iter().filter(|row| row.class == "poor").count(), 2);

    // The database itself refuses changes to a frozen list's rows.
    let mut tx = service.store().begin().await.unwrap();
    let mut changed = stored[0].clone();
    changed.class = "other";
    assert!(tx
        .write_list_rows(list_id, "", &[changed], true)
        .await
        .is_err());
    drop(tx);
    let mut tx = service.store().begin().await.unwrap();
    let added = stored[0].clone();
    tx.remove_list_rows(list_id, &[added.household_id])
        .await
        .expect_err("rows of a frozen list are not deleted");
    drop(tx);
    let mut tx = service.store().begin().await.unwrap();
    let other_list = tx
        .create_poverty_list(
            &mtqg_store::NewPovertyList {
                commune_id: service
                    .store()
                    .poverty_list(list_id)
                    .await
                    .unwrap()
                    .commune_id,
                year: 2023,
                kind: "annual".to_owned(),
                standard_code: "ND07-2021".to_owned(),
                replaces_id: None,
                note: String::new(),
            },
            None,
        )
        .await
        .unwrap();
    // A plain insert (the bulk path) into an open list passes; into the frozen one it is refused (the household
    // below is stored but not in the frozen list).
    tx.write_households(
        &[mtqg_store::HouseholdRow {
            id: 1 + stored.iter().map(|row| row.household_id).max().unwrap(),
            commune_id: service
                .store()
                .poverty_list(list_id)
                .await
                .unwrap()
                .commune_id,
            code: "NEW-1",
            head_name: "Hộ mới",
            village: "",
            address: "",
            area: "rural",
            ethnicity: "",
            ethnic_minority: false,
            meritorious: false,
            social_protection: false,
            no_worker: false,
        }],
        true,
    )
    .await
    .expect("household stored");
    tx.write_list_rows(other_list, "", std::slice::from_ref(&added), false)
        .await
        .expect("an open list takes rows");
    let mut again = added.clone();
    again.household_id = 1 + stored.iter().map(|row| row.household_id).max().unwrap();
    tx.write_list_rows(list_id, "", &[again], false)
        .await
        .expect_err("a frozen list takes no new rows");
    drop(tx);

    // A correction is a new list that starts from the frozen one and replaces it once frozen.
    assert!(matches!(
        service.open_correction(&admin, list_id, " ").await,
        Err(ServiceError::Invalid(_))
    ));
    let correction = service
        .open_correction(&admin, list_id, "Hộ H4 khai sai thu nhập")
        .await
        .expect("correction opens");
    service
        .record_review(
            &admin,
            correction,
            &ReviewInput {
                household_code: "H4".to_owned(),
                income: Some(900_000),
                deprived: vec!["bhyt".into()],
                ..ReviewInput::default()
            },
        )
        .await
        .expect("entered on the correction");
    service
        .freeze_poverty_list(&admin, correction, "130/QĐ-UBND", date("2025-01-10"))
        .await
        .expect("correction freezes");
    let rates = service
        .poverty_rates(&admin, Some("15103"), 2024, false)
        .await
        .expect("rates");
    assert_eq!(
        rates.total.n_lists, 1,
        "the correction replaces the first list"
    );
    assert_eq!(
        (rates.total.tally.poor, rates.total.tally.near_poor),
        (2, 1)
    );
    assert_eq!(rates.total.tally.poor_rate(), Some(50.0));
}

#[tokio::test]
async fn every_bad_row_is_reported_by_row_and_column_and_nothing_is_written() {
    let (_db, service) = setup().await;
    let admin = Actor::system();
    let rows = vec![
        row("15103", "B1", "-5", 0, "Kinh"),
        row("15103", "B2", "1.200.000.000", 0, "Kinh"),
        "15103,B3,Chủ hộ B3,Thôn 1,Nông thôn,Kinh,2099,1.000.000,,,,".to_owned(),
        "15103,B4,Chủ hộ B4,Thôn 1,Nông thôn,Kinh,1970,1.000.000,có lẽ,,,".to_owned(),
        row("15103", "B5", "1.000.000", 0, "Kinh"),
        row("15103", "B5", "1.000.000", 0, "Kinh"),
        row("15106", "B5", "1.000.000", 0, "Kinh"),
        row("99999", "B6", "1.000.000", 0, "Kinh"),
        row("15103", "B7", "1.000.000", 0, "Kinh"),
    ];
    let report = import(&service, &admin, 2024, &rows, false).await;
    assert!(!report.applied);
    let found: Vec<(usize, String)> = report
        .problems
        .iter()
        .map(|p| (p.row, p.column.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        found,
        [
            (2, "Thu nhập bình quân".to_owned()),
            (3, "Thu nhập bình quân".to_owned()),
            (4, "Năm sinh chủ hộ".to_owned()),
            (5, "CS1".to_owned()),
            (7, "Mã hộ".to_owned()),
            (8, "Mã hộ".to_owned()),
            (9, "Mã xã".to_owned()),
        ],
        "{:?}",
        report.problems
    );
    assert!(report.problems[1].message.contains("1 tỷ"));
    assert!(report.problems[5].message.contains("hai xã"));
    let commune = service
        .unit_at(&admin, "15103", date("2024-12-31"))
        .await
        .unwrap();
    assert!(service
        .store()
        .household_keys(&[commune.id])
        .await
        .unwrap()
        .is_empty());

    // A household stored in one commune cannot be imported into another.
    let first = import(
        &service,
        &admin,
        2024,
        &[row("15103", "C1", "1.000.000", 0, "Kinh")],
        false,
    )
    .await;
    assert!(first.applied);
    let second = import(
        &service,
        &admin,
        2024,
        &[row("15106", "C1", "1.000.000", 0, "Kinh")],
        false,
    )
    .await;
    assert!(!second.applied);
    assert!(
        second.problems[0].message.contains("hai xã"),
        "{:?}",
        second.problems
    );
}

#[tokio::test]
async fn flows_between_two_years_balance_and_follow_households_across_the_reform() {
    let (_db, service) = setup().await;
    let admin = Actor::system();
    // 2023 and 2024 on Xã Ngọc Trung (15103), merged into Xã Ngọc Liên (15091) on 1/7/2025.
    frozen_list(
        &service,
        2023,
        "15103",
        &[
            row("15103", "H1", "1.000.000", 3, "Kinh"),
            row("15103", "H2", "1.000.000", 1, "Kinh"),
            row("15103", "H3", "1.000.000", 3, "Kinh"),
            row("15103", "H4", "1.000.000", 3, "Kinh"),
        ],
        "2023-12-15",
    )
    .await;
    frozen_list(
        &service,
        2024,
        "15103",
        &[
            row("15103", "H1", "1.000.000", 3, "Kinh"),
            row("15103", "H2", "1.000.000", 1, "Kinh"),
            row("15103", "H3", "4.000.000", 0, "Kinh"),
            row("15103", "H4", "1.000.000", 4, "Kinh"),
            row("15103", "H6", "4.000.000", 0, "Kinh"),
        ],
        "2024-12-15",
    )
    .await;
    frozen_list(
        &service,
        2025,
        "15091",
        &[
            row("15091", "H1", "1.000.000", 1, "Kinh"),
            row("15091", "H2", "1.000.000", 3, "Kinh"),
            row("15091", "H3", "1.000.000", 3, "Kinh"),
            row("15091", "H5", "1.000.000", 3, "Kinh"),
            row("15091", "H6", "1.000.000", 3, "Kinh"),
        ],
        "2025-12-15",
    )
    .await;
    let report = service
        .poverty_flows(&admin, Some("38"), 2024, 2025, false)
        .await
        .expect("flows");
    let poor = report.total.poor;
    assert_eq!(poor.start, 2);
    assert_eq!(poor.to_other_class, 1, "H1 became near-poor");
    assert_eq!(poor.other_decreases, 1, "H4 left the register");
    assert_eq!(poor.from_other_class, 1, "H2 was near-poor");
    assert_eq!(poor.fell_back, 1, "H3 was poor in 2023");
    assert_eq!(poor.newly, 1, "H6 newly poor");
    assert_eq!(poor.other_increases, 1, "H5 joined the register");
    assert_eq!(poor.end, 4);
    assert!(poor.balances());
    assert!(report.total.near_poor.balances());
    assert_eq!(report.children.len(), 1);
    assert_eq!(report.children[0].0.code, "15091");
    assert_eq!(report.children[0].1, report.total);

    // Rates: 2025 against 2024 with the province's target.
    service
        .set_poverty_target(&admin, "38", 2025, 10.0, "Nghị quyết HĐND tỉnh (thử)", None)
        .await
        .expect("target");
    let rates = service
        .poverty_rates(&admin, Some("38"), 2025, false)
        .await
        .expect("rates");
    assert_eq!(rates.total.tally.poor, 4);
    assert_eq!(rates.total.tally.poor_rate(), Some(80.0));
    let previous = rates.total.previous.as_ref().expect("2024 lists");
    assert_eq!(previous.poor_rate(), Some(40.0));
    let reduction = rates.total.reduction.expect("reduction");
    assert!(
        (reduction.points + 40.0).abs() < 1e-9,
        "poverty rose by 40 points"
    );
    assert!((reduction.percent_of_target.unwrap() + 400.0).abs() < 1e-9);

    // What-if: the 2024 list under the 2027–2030 standard (higher lines; one indicator never asked).
    let lists = service
        .commune_poverty_lists(&admin, "15103", date("2024-12-31"))
        .await
        .expect("lists")
        .1;
    let list_2024 = lists
        .iter()
        .find(|summary| summary.list.year == 2024)
        .unwrap();
    let what_if = service
        .reclassify_list(&admin, list_2024.list.id, "ND351-2025")
        .await
        .expect("what-if");
    assert!(what_if.unanswered.contains(&"xu_ly_rac".to_owned()));
    assert!(
        !what_if.unanswered.contains(&"bhyt".to_owned()),
        "asked in the file: {:?}",
        what_if.unanswered
    );
    assert_eq!(what_if.before, list_2024.tally);
    assert_eq!(what_if.after.poor, 2);
    let stored = service
        .store()
        .poverty_list_rows(list_2024.list.id)
        .await
        .unwrap();
    assert_eq!(
        stored.iter().filter(|row| row.class == "poor").count(),
        2,
        "nothing written"
    );

    // The same for the whole province in one call: before equals the recognised figures, after the what-if.
    let province = service
        .poverty_what_if(&admin, Some("38"), 2024, "ND351-2025")
        .await
        .expect("province what-if");
    let rates_2024 = service
        .poverty_rates(&admin, Some("38"), 2024, false)
        .await
        .expect("rates");
    assert_eq!(province.before, rates_2024.total.tally);
    assert_eq!(province.after, what_if.after);
    assert_eq!(province.children.len(), 1);
    assert_eq!(province.children[0].0.code, "389");
}

#[tokio::test]
async fn households_are_seen_only_within_scope_and_figures_by_everyone() {
    let (_db, service) = setup().await;
    let admin = Actor::system();
    let list_id = frozen_list(
        &service,
        2024,
        "15103",
        &[row("15103", "S1", "1.000.000", 3, "Kinh")],
        "2024-12-15",
    )
    .await;
    let elsewhere = service
        .unit_at(&admin, "385", date("2024-12-31"))
        .await
        .expect("Huyện Quan Hóa");
    let officer = Actor {
        role: Role::Commune,
        scope_unit_id: Some(elsewhere.id),
        ..Actor::system()
    };
    assert!(matches!(
        service
            .poverty_list_page(&officer, list_id, None, None, 0, 20)
            .await,
        Err(ServiceError::Forbidden)
    ));
    let report = import(
        &service,
        &officer,
        2024,
        &[row("15106", "S2", "1.000.000", 0, "Kinh")],
        false,
    )
    .await;
    assert!(!report.applied);
    assert!(
        report.problems[0].message.contains("ngoài phạm vi"),
        "{:?}",
        report.problems
    );
    let viewer = Actor {
        role: Role::Viewer,
        ..Actor::system()
    };
    assert!(matches!(
        service
            .poverty_list_page(&viewer, list_id, None, None, 0, 20)
            .await,
        Err(ServiceError::Forbidden)
    ));
    let rates = service
        .poverty_rates(&viewer, Some("38"), 2024, false)
        .await
        .expect("figures are open to viewers");
    assert_eq!(rates.total.tally.poor, 1);
    assert_eq!(rates.children[0].unit.as_ref().unwrap().code, "389");
}

#[tokio::test]
async fn the_demo_province_has_frozen_lists_whose_flows_balance_across_the_reform() {
    let (_db, service) = setup().await;
    let admin = Actor::system();
    let report = service
        .generate_poverty("38", 2023..=2025, 3, 7, &|_| {})
        .await
        .expect("demo generates");
    assert_eq!(
        report.years,
        [2023, 2024, 2025],
        "the years of the demo, across the 2024 and 2025 arrangements"
    );
    let rates = service
        .poverty_rates(&admin, Some("38"), 2025, false)
        .await
        .expect("rates");
    let communes_2025 = service.communes_of("38", 2025).await.expect("communes");
    assert_eq!(
        rates.total.n_lists,
        communes_2025.len(),
        "one frozen list per commune"
    );
    assert!(
        rates.total.tally.households > 1_000,
        "{:?}",
        rates.total.tally
    );
    assert!(rates.total.tally.poor > 0 && rates.total.tally.near_poor > 0);
    assert!(
        rates.total.previous.is_some(),
        "2024 lists count for the reduction"
    );
    assert!(rates.target.is_some());
    let flows = service
        .poverty_flows(&admin, Some("38"), 2024, 2025, false)
        .await
        .expect("flows");
    assert!(flows.total.poor.balances() && flows.total.near_poor.balances());
    assert_eq!(flows.total.poor.end, rates.total.tally.poor);
    assert_eq!(
        flows.total.poor.start,
        rates.total.previous.as_ref().unwrap().poor
    );
    assert!(flows.total.poor.other_decreases > 0 || flows.total.poor.rose_above > 0);
    // Every indicator of NĐ 07 was asked (stored as such); under NĐ 351 only its new indicator was never asked.
    let what_if = service
        .poverty_what_if(&admin, Some("38"), 2025, "ND351-2025")
        .await
        .expect("what-if");
    assert_eq!(what_if.unanswered, ["xu_ly_rac"]);
    assert_eq!(what_if.before, rates.total.tally);
    assert!(
        what_if.after.poor > what_if.before.poor,
        "higher lines, more poor households"
    );
}

#[tokio::test]
async fn members_are_imported_for_stored_households_and_bad_rows_are_named() {
    let (_db, service) = setup().await;
    let admin = Actor::system();
    let first = import(
        &service,
        &admin,
        2024,
        &[row("15103", "M1", "1.000.000", 0, "Kinh")],
        false,
    )
    .await;
    assert!(first.applied);
    let members =
        |text: &str| TableSource::Csv(Box::new(std::io::Cursor::new(text.as_bytes().to_vec())));
    let bad = service
        .import_members(
            &admin,
            "tv.csv",
            members(
                "Mã hộ,Họ tên,Năm sinh,Giới tính,Quan hệ với chủ hộ,CCCD\n\
                 M1,Chủ hộ M1,1970,Nam,Chủ hộ,038070000001\n\
                 M1,Con M1,2099,Nữ,Con,\n\
                 M9,Người lạ,1990,Nam,Chủ hộ,\n",
            ),
            false,
        )
        .await
        .expect("runs");
    assert!(!bad.applied);
    let found: Vec<(usize, String)> = bad
        .problems
        .iter()
        .map(|p| (p.row, p.column.clone().unwrap_or_default()))
        .collect();
    assert_eq!(found, [(3, "Năm sinh".to_owned()), (4, "Mã hộ".to_owned())]);
    let id = service
        .store()
        .households_by_code(&["M1".to_owned()])
        .await
        .unwrap()[0]
        .1
        .id;
    let head_only = service.store().household_members(id).await.unwrap();
    assert_eq!(
        head_only.len(),
        1,
        "the household list gave the head; the bad file wrote nothing"
    );
    assert_eq!(head_only[0].national_id, None);
    let good = service
        .import_members(
            &admin,
            "tv.csv",
            members(
                "Mã hộ,Họ tên,Năm sinh,Giới tính,Quan hệ với chủ hộ,CCCD\n\
                 M1,Chủ hộ M1,1970,Nam,Chủ hộ,038070000001\n\
                 M1,Con M1,2012,Nữ,Con,\n",
            ),
            false,
        )
        .await
        .expect("runs");
    assert!(good.applied, "{:?}", good.problems);
    let stored = service.store().household_members(id).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[1].birth_year, Some(2012));
    assert_eq!(stored[0].national_id.as_deref(), Some("038070000001"));
}

#[tokio::test]
async fn an_import_does_not_name_a_commune_outside_the_accounts_scope_that_holds_a_household_code()
{
    let (_db, service) = setup().await;
    let admin = Actor::system();
    let first = import(
        &service,
        &admin,
        2024,
        &[row("15103", "D1", "1.000.000", 0, "Kinh")],
        false,
    )
    .await;
    assert!(first.applied, "{:?}", first.problems);
    let officer = crate::support::account(&service, "xa.15106", Role::Commune, Some("15106")).await;
    let refused = import(
        &service,
        &officer,
        2024,
        &[row("15106", "D1", "1.000.000", 0, "Kinh")],
        false,
    )
    .await;
    assert!(!refused.applied);
    let message = &refused.problems[0].message;
    assert!(message.contains("hai xã"), "{message}");
    assert!(
        message.contains("ngoài phạm vi") && !message.contains("15103"),
        "the other commune is not named: {message}"
    );
    // The province's administrator, whose scope holds both, is told which commune it is.
    let province = crate::support::account(&service, "tinh", Role::Admin, Some("38")).await;
    let told = import(
        &service,
        &province,
        2024,
        &[row("15106", "D1", "1.000.000", 0, "Kinh")],
        false,
    )
    .await;
    assert!(!told.applied);
    assert!(
        told.problems[0].message.contains("xã mã 15103"),
        "{:?}",
        told.problems
    );
}

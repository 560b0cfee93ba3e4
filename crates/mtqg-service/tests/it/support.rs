//! Shared fixtures: a service over a fresh database, the shipped geography loaded once per test that needs it.

use chrono::NaiveDate;
use mtqg_service::geography::{ImportOptions, ImportReport, TableSource};
use mtqg_service::{Actor, Service};
use mtqg_test_support::TestDb;

pub(crate) fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test dates are valid")
}

pub(crate) async fn service() -> (TestDb, Service) {
    let db = TestDb::new().await;
    let service = Service::new(db.store.clone());
    (db, service)
}

pub(crate) async fn service_with_shipped_geography() -> (TestDb, Service) {
    let (db, service) = service().await;
    service
        .load_shipped_geography(&|_| {})
        .await
        .expect("shipped geography loads")
        .expect("database was empty");
    service
        .load_shipped_catalogue()
        .await
        .expect("shipped catalogue loads");
    service
        .load_shipped_criteria_sets()
        .await
        .expect("shipped criteria sets load");
    service
        .load_shipped_poverty_standards()
        .await
        .expect("shipped poverty standards load");
    (db, service)
}

pub(crate) async fn import_csv(
    service: &Service,
    text: &str,
    options: ImportOptions,
) -> ImportReport {
    service
        .import_geography(
            &Actor::system(),
            "test.csv",
            TableSource::Csv(Box::new(std::io::Cursor::new(text.as_bytes().to_vec()))),
            &options,
            &|_| {},
        )
        .await
        .expect("import runs")
}

/// Adds an account (scoped to `scope`, or the whole country) and logs it in: the actor its session carries.
pub(crate) async fn account(
    service: &Service,
    username: &str,
    role: mtqg_core::access::Role,
    scope: Option<&str>,
) -> Actor {
    service
        .add_user(
            &Actor::system(),
            mtqg_service::auth::UserInput {
                username: username.to_owned(),
                display_name: format!("Người dùng {username}"),
                password: "mat-khau-dai".to_owned(),
                role,
                scope_code: scope.map(str::to_owned),
            },
        )
        .await
        .expect("account is added");
    let session = service
        .login(username, "mat-khau-dai", "test")
        .await
        .expect("login");
    service
        .session(&session.token)
        .await
        .expect("session")
        .actor
}

//! Test databases: a fresh migrated store per test, on SQLite by default or on PostgreSQL when `MTQG_TEST_PG_URL` is set.
#![doc = include_str!("../README.md")]

use std::path::PathBuf;

use mtqg_store::Store;
use rand::Rng;
use sqlx::Connection;

/// A database that exists for one test. SQLite files are deleted and PostgreSQL databases dropped on drop.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(PathBuf),
    PgDatabase { name: String },
}

/// The backend the tests of this run use, for messages.
pub fn backend_name() -> &'static str {
    match std::env::var("MTQG_TEST_PG_URL") {
        Ok(url) if !url.is_empty() => "postgres",
        _ => "sqlite",
    }
}

impl TestDb {
    /// Creates and migrates a new, empty database.
    pub async fn new() -> TestDb {
        let suffix: u64 = rand::thread_rng().gen();
        match std::env::var("MTQG_TEST_PG_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("mtqg_test_{suffix:x}");
                let mut admin = sqlx::PgConnection::connect(&admin_url)
                    .await
                    .expect("MTQG_TEST_PG_URL accepts connections");
                sqlx::query(&format!("create database {name}"))
                    .execute(&mut admin)
                    .await
                    .expect("test database is created");
                admin.close().await.expect("admin connection closes");
                let url = with_database(&admin_url, &name);
                let store = Store::connect(&url)
                    .await
                    .expect("test database accepts connections");
                store.migrate().await.expect("postgres migrations apply");
                TestDb {
                    store,
                    url,
                    cleanup: Cleanup::PgDatabase { name },
                }
            }
            _ => {
                let path = std::env::temp_dir().join(format!("mtqg-test-{suffix:x}.db"));
                let url = format!("sqlite:{}", path.display());
                let store = Store::connect(&url).await.expect("sqlite file opens");
                store.migrate().await.expect("sqlite migrations apply");
                TestDb {
                    store,
                    url,
                    cleanup: Cleanup::SqliteFile(path),
                }
            }
        }
    }
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|idx| idx + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(idx) => &base[..scheme_end + idx],
        None => base,
    };
    format!("{host_part}/{name}{query}")
}

/// Drops a test database from a thread of its own: the test's runtime is blocked in `drop`, so the pool's
/// connections cannot close; `with (force)` (PostgreSQL 13+) terminates them. Gives up after 20 s and leaves the
/// database behind rather than hang the test run (`.ci/run` throws its whole cluster away anyway).
fn drop_pg_database(name: &str) {
    let Ok(admin_url) = std::env::var("MTQG_TEST_PG_URL") else {
        return;
    };
    let sql = format!("drop database if exists {name} with (force)");
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let res = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| err.to_string())
            .and_then(|runtime| {
                runtime.block_on(async {
                    let mut admin = sqlx::PgConnection::connect(&admin_url)
                        .await
                        .map_err(|err| err.to_string())?;
                    sqlx::query(&sql)
                        .execute(&mut admin)
                        .await
                        .map_err(|err| err.to_string())?;
                    admin.close().await.map_err(|err| err.to_string())
                })
            });
        let _ = done.send(res);
    });
    match wait.recv_timeout(std::time::Duration::from_secs(20)) {
        Ok(Ok(())) => {}
        Ok(Err(err)) => eprintln!("test database {name} was not dropped: {err}"),
        Err(_) => eprintln!("test database {name} was not dropped within 20 s"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::PgDatabase { name } => drop_pg_database(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_in_a_postgres_url() {
        assert_eq!(
            with_database("postgres://u:p@127.0.0.1:5433/postgres", "t1"),
            "postgres://u:p@127.0.0.1:5433/t1"
        );
        assert_eq!(
            with_database("postgres://u@h:1/db?sslmode=disable", "t2"),
            "postgres://u@h:1/t2?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@h:1", "t3"),
            "postgres://u@h:1/t3"
        );
    }
}

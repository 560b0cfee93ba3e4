//! `mtqg backup` and `mtqg restore`: a consistent copy of the SQLite database taken while the server runs, and
//! putting one back (checked first, the current database kept aside). PostgreSQL uses pg_dump and pg_restore
//! (docs/operations.md).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use mtqg_core::vi;
use mtqg_store::Store;

use crate::output;

/// The files SQLite keeps for a database: the file itself, its write-ahead log and its shared memory.
fn sqlite_files(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [path.to_owned(), with("-wal"), with("-shm")]
}

/// Opens a SQLite file and checks it is a whole mtqg database this build can run.
async fn check(path: &Path) -> anyhow::Result<(Store, i64)> {
    let store = Store::connect(&format!("sqlite:{}", path.display()))
        .await
        .with_context(|| format!("{} is not a readable SQLite database", path.display()))?;
    let (verdict, applied) = store.check_integrity().await.with_context(|| {
        format!(
            "{} is not an mtqg database (no migrations table)",
            path.display()
        )
    })?;
    if verdict != "ok" {
        bail!(
            "{} is damaged: SQLite's integrity check says {verdict}",
            path.display()
        );
    }
    let known = store.known_migrations() as i64;
    if applied > known {
        bail!(
            "{} was written by a newer mtqg ({applied} migrations, this build knows {known}); upgrade mtqg first",
            path.display()
        );
    }
    Ok((store, applied))
}

pub(crate) async fn backup(store: &Store, out: &Path) -> anyhow::Result<()> {
    if out.exists() {
        bail!("{} already exists; choose a new file name", out.display());
    }
    let started = std::time::Instant::now();
    let path = out.to_str().context("the backup path must be UTF-8")?;
    store
        .backup_to(path)
        .await
        .context("while copying the database")?;
    let (copy, applied) = check(out).await?;
    copy.close().await;
    let size = std::fs::metadata(out).map(|meta| meta.len()).unwrap_or(0);
    output::line(&format!(
        "Đã sao lưu vào {} ({} MB, {applied} bước cấu trúc, {} giây); bản sao đã được kiểm tra toàn vẹn.",
        out.display(),
        vi::format_decimal(size as f64 / 1_048_576.0, 1),
        vi::format_decimal(started.elapsed().as_secs_f64(), 1)
    ));
    Ok(())
}

pub(crate) async fn restore(database_url: &str, file: &Path, force: bool) -> anyhow::Result<()> {
    let Some(target) = database_url.strip_prefix("sqlite:") else {
        bail!("mtqg restore puts back SQLite databases; restore PostgreSQL with pg_restore (docs/operations.md)");
    };
    let target = PathBuf::from(target.split('?').next().unwrap_or(target));
    if !file.is_file() {
        bail!("{} does not exist", file.display());
    }
    if target.exists() && !force {
        bail!(
            "{} exists: stop the server, then run again with --force (the current database is kept as {}.before-restore)",
            target.display(),
            target.display()
        );
    }
    if let Some(parent) = target
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("while creating {}", parent.display()))?;
    }
    let mut staging = target.as_os_str().to_owned();
    staging.push(".restoring");
    let staging = PathBuf::from(staging);
    for stale in sqlite_files(&staging) {
        std::fs::remove_file(stale).ok();
    }
    std::fs::copy(file, &staging)
        .with_context(|| format!("while copying {} to {}", file.display(), staging.display()))?;
    let checked = async {
        let (store, applied) = check(&staging).await?;
        store
            .migrate()
            .await
            .context("while bringing the backup's structure up to date")?;
        store.close().await;
        anyhow::Ok(applied)
    }
    .await;
    let applied = match checked {
        Ok(applied) => applied,
        Err(err) => {
            for stale in sqlite_files(&staging) {
                std::fs::remove_file(stale).ok();
            }
            return Err(err.context("nothing was restored; the current database is unchanged"));
        }
    };
    if target.exists() {
        for (current, kept) in sqlite_files(&target).into_iter().zip(sqlite_files(&{
            let mut name = target.as_os_str().to_owned();
            name.push(".before-restore");
            PathBuf::from(name)
        })) {
            if current.exists() {
                std::fs::rename(&current, &kept).with_context(|| {
                    format!("while keeping {} as {}", current.display(), kept.display())
                })?;
            }
        }
    }
    let moves = sqlite_files(&staging)
        .into_iter()
        .zip(sqlite_files(&target));
    for (idx, (from, to)) in moves.enumerate() {
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            // SQLite removes the write-ahead log and shared memory of a closed database by itself (after putting the
            // log into the file), possibly just now; only the database file itself must be there.
            Err(err) if idx > 0 && err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                let context = format!("while moving {} into place", from.display());
                return Err(anyhow::Error::from(err).context(context));
            }
        }
    }
    output::line(&format!(
        "Đã khôi phục {} từ {} ({applied} bước cấu trúc trong bản sao lưu).",
        target.display(),
        file.display()
    ));
    Ok(())
}

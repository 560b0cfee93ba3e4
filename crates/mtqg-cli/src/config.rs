//! The configuration file: `mtqg.toml` in the working directory, or the file named by `--config` or `MTQG_CONFIG`.
//! Each key sets the environment variable of the same setting when that variable is not set already, so a setting
//! comes from, in order: the command-line flag, the environment, the file, the default (README.md, Configuration).

use std::path::PathBuf;

use anyhow::{bail, Context};

/// File keys and the environment variables they stand for.
pub(crate) const KEYS: [(&str, &str); 5] = [
    ("database_url", "MTQG_DATABASE_URL"),
    ("listen", "MTQG_LISTEN"),
    ("cookie_secure", "MTQG_COOKIE_SECURE"),
    ("log", "MTQG_LOG"),
    ("log_format", "MTQG_LOG_FORMAT"),
];

/// The file named on the command line (`--config FILE` or `--config=FILE`), by `MTQG_CONFIG`, or `mtqg.toml` when it
/// exists; `None` when there is none.
fn config_path() -> anyhow::Result<Option<PathBuf>> {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--config" {
            let path = args.next().context("--config needs a file name")?;
            return Ok(Some(PathBuf::from(path)));
        }
        if let Some(path) = arg.strip_prefix("--config=") {
            return Ok(Some(PathBuf::from(path)));
        }
    }
    if let Some(path) = std::env::var_os("MTQG_CONFIG") {
        return Ok(Some(PathBuf::from(path)));
    }
    let default = PathBuf::from("mtqg.toml");
    Ok(default.is_file().then_some(default))
}

/// Reads the configuration file, if any, into the environment (before any thread starts). Returns the file read.
pub(crate) fn apply() -> anyhow::Result<Option<PathBuf>> {
    let Some(path) = config_path()? else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("while reading the configuration file {}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))?;
    for (key, value) in &table {
        let Some((_, var)) = KEYS.iter().find(|(known, _)| known == key) else {
            let known: Vec<&str> = KEYS.iter().map(|(known, _)| *known).collect();
            bail!(
                "{}: unknown key \"{key}\" (known: {})",
                path.display(),
                known.join(", ")
            );
        };
        let value = match value {
            toml::Value::String(text) => text.clone(),
            toml::Value::Boolean(flag) => if *flag { "1" } else { "0" }.to_owned(),
            toml::Value::Integer(number) => number.to_string(),
            other => bail!(
                "{}: \"{key}\" must be a string or a boolean, not {}",
                path.display(),
                other.type_str()
            ),
        };
        if std::env::var_os(var).is_none() {
            // Single-threaded here: `main` reads the file before the runtime starts.
            std::env::set_var(var, value);
        }
    }
    Ok(Some(path))
}

//! The one place that knows there are two databases: pools, transactions, argument binding and the few
//! statements whose SQL differs. Every query elsewhere is written once, with `$1` placeholders that both accept.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{
    ConnectOptions, FromRow, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool,
    Transaction,
};

use crate::StoreError;

/// A value bound to a `$n` placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    I64(Option<i64>),
    F64(Option<f64>),
    Text(Option<String>),
    /// A constant (a code such as "rural" or "poor"): bound without allocating.
    Static(&'static str),
    Date(Option<NaiveDate>),
    Time(Option<DateTime<Utc>>),
    Bool(bool),
    Json(Option<serde_json::Value>),
    Bytes(Vec<u8>),
}

impl From<i64> for Arg {
    fn from(value: i64) -> Arg {
        Arg::I64(Some(value))
    }
}
impl From<Option<i64>> for Arg {
    fn from(value: Option<i64>) -> Arg {
        Arg::I64(value)
    }
}
impl From<Option<f64>> for Arg {
    fn from(value: Option<f64>) -> Arg {
        Arg::F64(value)
    }
}
impl From<&str> for Arg {
    fn from(value: &str) -> Arg {
        Arg::Text(Some(value.to_owned()))
    }
}
impl From<String> for Arg {
    fn from(value: String) -> Arg {
        Arg::Text(Some(value))
    }
}
impl From<Option<String>> for Arg {
    fn from(value: Option<String>) -> Arg {
        Arg::Text(value)
    }
}
impl From<NaiveDate> for Arg {
    fn from(value: NaiveDate) -> Arg {
        Arg::Date(Some(value))
    }
}
impl From<Option<NaiveDate>> for Arg {
    fn from(value: Option<NaiveDate>) -> Arg {
        Arg::Date(value)
    }
}
impl From<DateTime<Utc>> for Arg {
    fn from(value: DateTime<Utc>) -> Arg {
        Arg::Time(Some(value))
    }
}
impl From<Option<DateTime<Utc>>> for Arg {
    fn from(value: Option<DateTime<Utc>>) -> Arg {
        Arg::Time(value)
    }
}
impl From<Option<&str>> for Arg {
    fn from(value: Option<&str>) -> Arg {
        Arg::Text(value.map(str::to_owned))
    }
}
impl From<bool> for Arg {
    fn from(value: bool) -> Arg {
        Arg::Bool(value)
    }
}
impl From<Vec<u8>> for Arg {
    fn from(value: Vec<u8>) -> Arg {
        Arg::Bytes(value)
    }
}
impl From<Option<serde_json::Value>> for Arg {
    fn from(value: Option<serde_json::Value>) -> Arg {
        Arg::Json(value)
    }
}

impl Arg {
    /// The value as PostgreSQL's `->>` reads it back from a JSON array.
    fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Arg::I64(value) => value.map_or(Value::Null, Value::from),
            Arg::F64(value) => value.map_or(Value::Null, Value::from),
            Arg::Text(value) => value.clone().map_or(Value::Null, Value::from),
            Arg::Static(value) => Value::from(*value),
            Arg::Date(value) => value.map_or(Value::Null, |day| Value::from(day.to_string())),
            Arg::Time(value) => value.map_or(Value::Null, |at| Value::from(at.to_rfc3339())),
            Arg::Bool(value) => Value::from(*value),
            Arg::Json(value) => value.clone().unwrap_or(Value::Null),
            Arg::Bytes(_) => Value::Null,
        }
    }
}

/// Builds a `Vec<Arg>` from values of mixed types.
macro_rules! args {
    ($($value:expr),* $(,)?) => { vec![$($crate::db::Arg::from($value)),*] };
}
pub(crate) use args;

/// Binds every argument in order; written once for each sqlx query type.
macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::I64(value) => query.bind(value),
                Arg::F64(value) => query.bind(value),
                Arg::Text(value) => query.bind(value),
                Arg::Static(value) => query.bind(value),
                Arg::Date(value) => query.bind(value),
                Arg::Time(value) => query.bind(value),
                Arg::Bool(value) => query.bind(value),
                Arg::Json(value) => query.bind(value),
                Arg::Bytes(value) => query.bind(value),
            };
        }
        query
    }};
}

/// Rows that decode from both backends.
pub(crate) trait AnyRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> AnyRow for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// Rows read by `Conn::fetch_packed`, split on demand.
pub(crate) struct Packed(String);

impl Packed {
    /// Each row's fields, borrowed.
    pub(crate) fn rows(&self) -> impl Iterator<Item = Vec<&str>> {
        self.0
            .split('\u{1e}')
            .filter(|row| !row.is_empty())
            .map(|row| row.split('\u{1f}').collect())
    }
}

/// The connection pool of one of the two backends.
#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A transaction on either backend; dropped without `commit` it rolls back.
pub struct Tx {
    inner: TxInner,
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// A borrowed place to run a statement: the pool or an open transaction.
pub(crate) enum Conn<'a> {
    SqlitePool(&'a SqlitePool),
    PgPool(&'a PgPool),
    SqliteTx(&'a mut SqliteConnection),
    PgTx(&'a mut PgConnection),
}

/// Which SQL dialect a statement is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Pool {
    pub(crate) async fn connect(url: &str) -> Result<Pool, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)
                .map_err(other)?
                .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(5));
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(other)?;
            return Ok(Pool::Postgres(pool));
        }
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .map_err(other)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                // 32 MB of page cache per connection: aggregate upserts land all over large tables.
                .pragma("cache_size", "-32768")
                .pragma("temp_store", "memory")
                .busy_timeout(Duration::from_secs(10))
                .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await
                .map_err(other)?;
            return Ok(Pool::Sqlite(pool));
        }
        Err(StoreError::Other(anyhow::anyhow!(
            "unsupported database url: expected sqlite:… or postgres://…"
        )))
    }

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) fn conn(&self) -> Conn<'_> {
        match self {
            Pool::Sqlite(pool) => Conn::SqlitePool(pool),
            Pool::Postgres(pool) => Conn::PgPool(pool),
        }
    }

    /// A transaction that only reads (a consistent snapshot): a plain deferred `BEGIN`, which never waits for writers.
    pub(crate) async fn begin_read(&self) -> Result<Tx, StoreError> {
        let inner = match self {
            Pool::Sqlite(pool) => TxInner::Sqlite(pool.begin().await?),
            Pool::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx { inner })
    }

    pub(crate) async fn begin(&self) -> Result<Tx, StoreError> {
        let inner = match self {
            // Every transaction here writes: take SQLite's write lock at the start (waiting up to the busy timeout), or a
            // transaction that read first fails with SQLITE_BUSY_SNAPSHOT when another writer committed in between.
            Pool::Sqlite(pool) => TxInner::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Tx { inner })
    }

    pub(crate) async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Pool::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite")
                .run(pool)
                .await
                .map_err(other)?,
            Pool::Postgres(pool) => sqlx::migrate!("./migrations/postgres")
                .run(pool)
                .await
                .map_err(other)?,
        }
        Ok(())
    }

    pub(crate) fn known_migrations(&self) -> usize {
        match self {
            Pool::Sqlite(_) => sqlx::migrate!("./migrations/sqlite").iter().count(),
            Pool::Postgres(_) => sqlx::migrate!("./migrations/postgres").iter().count(),
        }
    }

    pub(crate) async fn close(&self) {
        match self {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match &mut self.inner {
            TxInner::Sqlite(tx) => Conn::SqliteTx(tx),
            TxInner::Postgres(tx) => Conn::PgTx(tx),
        }
    }

    pub(crate) fn backend(&self) -> Backend {
        match &self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Postgres(_) => Backend::Postgres,
        }
    }

    /// Makes every statement of the transaction permanent.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await?,
            TxInner::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

impl Conn<'_> {
    fn backend(&self) -> Backend {
        match self {
            Conn::SqlitePool(_) | Conn::SqliteTx(_) => Backend::Sqlite,
            Conn::PgPool(_) | Conn::PgTx(_) => Backend::Postgres,
        }
    }

    pub(crate) async fn execute(self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
        let res = match self {
            Conn::SqlitePool(pool) => bind_all!(sqlx::query(sql), args)
                .execute(pool)
                .await?
                .rows_affected(),
            Conn::SqliteTx(conn) => bind_all!(sqlx::query(sql), args)
                .execute(conn)
                .await?
                .rows_affected(),
            Conn::PgPool(pool) => bind_all!(sqlx::query(sql), args)
                .execute(pool)
                .await?
                .rows_affected(),
            Conn::PgTx(conn) => bind_all!(sqlx::query(sql), args)
                .execute(conn)
                .await?
                .rows_affected(),
        };
        Ok(res)
    }

    pub(crate) async fn fetch_all<T: AnyRow>(
        self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<T>, StoreError> {
        let res = match self {
            Conn::SqlitePool(pool) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_all(pool)
                    .await?
            }
            Conn::SqliteTx(conn) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_all(conn)
                    .await?
            }
            Conn::PgPool(pool) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_all(pool)
                    .await?
            }
            Conn::PgTx(conn) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_all(conn)
                    .await?
            }
        };
        Ok(res)
    }

    pub(crate) async fn fetch_optional<T: AnyRow>(
        self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>, StoreError> {
        let res = match self {
            Conn::SqlitePool(pool) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_optional(pool)
                    .await?
            }
            Conn::SqliteTx(conn) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_optional(conn)
                    .await?
            }
            Conn::PgPool(pool) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_optional(pool)
                    .await?
            }
            Conn::PgTx(conn) => {
                bind_all!(sqlx::query_as::<_, T>(sql), args)
                    .fetch_optional(conn)
                    .await?
            }
        };
        Ok(res)
    }

    /// Reads many rows as one: every row's `columns` (SQL expressions) are joined into a single text on the
    /// server and split here. The SQLite driver hands rows one by one across threads, about 10 µs each, so a read
    /// of tens of thousands of small rows is cheaper packed. Values must not contain the unit and record separators
    /// (U+001F, U+001E): codes, numbers and dates. NULL reads as an empty string.
    pub(crate) async fn fetch_packed(
        self,
        columns: &[&str],
        from_where: &str,
        args: Vec<Arg>,
    ) -> Result<Packed, StoreError> {
        let sql = match self.backend() {
            Backend::Sqlite => format!(
                "select group_concat({}, char(30)) from {from_where}",
                columns
                    .iter()
                    .map(|column| format!("coalesce(cast({column} as text), '')"))
                    .collect::<Vec<_>>()
                    .join(" || char(31) || ")
            ),
            Backend::Postgres => format!(
                "select string_agg(concat_ws(chr(31), {}), chr(30)) from {from_where}",
                columns
                    .iter()
                    .map(|column| format!("coalesce(cast({column} as text), '')"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let (packed,): (Option<String>,) = self.fetch_one(&sql, args).await?;
        Ok(Packed(packed.unwrap_or_default()))
    }

    pub(crate) async fn fetch_one<T: AnyRow>(
        self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<T, StoreError> {
        match self.fetch_optional(sql, args).await? {
            Some(row) => Ok(row),
            None => Err(StoreError::NotFound),
        }
    }
}

/// Inserts many rows with multi-row `values` statements. SQLite: see `insert_values_sqlite`. PostgreSQL: `$n`
/// parameters, 300 per statement.
pub(crate) async fn insert_many(
    tx: &mut Tx,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Arg>>,
) -> Result<(), StoreError> {
    if tx.backend() == Backend::Sqlite {
        return insert_values_sqlite(tx, table, columns, rows, &[], "").await;
    }
    let rows_per_chunk = (300 / columns.len()).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Arg>> = rows.by_ref().take(rows_per_chunk).collect();
        let mut sql = format!("insert into {table} ({}) values ", columns.join(", "));
        let mut args = Vec::with_capacity(chunk.len() * columns.len());
        for (row_idx, row) in chunk.into_iter().enumerate() {
            if row_idx > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for col_idx in 0..columns.len() {
                if col_idx > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", args.len() + col_idx + 1));
            }
            sql.push(')');
            args.extend(row);
        }
        tx.conn().execute(&sql, args).await?;
    }
    Ok(())
}

/// SQLite's bulk insert: multi-row `values` with anonymous `?` parameters. Named and numbered ones (`$n`, `?NNN`) are
/// resolved through a list SQLite and the driver scan linearly, so a statement with thousands of them takes quadratic
/// time (that once kept statements at 300 parameters). Chunks hold a power of two of rows, so the few statement shapes
/// stay in the driver's prepared-statement cache; `shared` values are bound once per statement and selected beside
/// every row.
async fn insert_values_sqlite(
    tx: &mut Tx,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Arg>>,
    shared: &[(&str, Arg)],
    then: &str,
) -> Result<(), StoreError> {
    let names = columns
        .iter()
        .copied()
        .chain(shared.iter().map(|(name, _)| *name))
        .collect::<Vec<_>>()
        .join(", ");
    let per_row = columns.len();
    let one_row = format!("({})", vec!["?"; per_row].join(", "));
    let max_rows = (30_000 / per_row.max(1)).min(1_024);
    let max_rows = 1 << max_rows.max(1).ilog2();
    let mut remaining = rows.len();
    let mut rows = rows.into_iter();
    while remaining > 0 {
        let n_rows = if remaining >= max_rows {
            max_rows
        } else {
            1 << remaining.ilog2()
        };
        remaining -= n_rows;
        let mut sql = if shared.is_empty() {
            format!("insert into {table} ({names}) values ")
        } else {
            let marks = vec!["?"; shared.len()].join(", ");
            format!("insert into {table} ({names}) select *, {marks} from (values ")
        };
        for row in 0..n_rows {
            sql.push_str(if row == 0 { "" } else { ", " });
            sql.push_str(&one_row);
        }
        if !shared.is_empty() {
            sql.push_str(") where true");
        }
        sql.push_str(then);
        let mut args: Vec<Arg> = Vec::with_capacity(shared.len() + n_rows * per_row);
        args.extend(shared.iter().map(|(_, value)| value.clone()));
        args.extend(rows.by_ref().take(n_rows).flatten());
        tx.conn().execute(&sql, args).await?;
    }
    Ok(())
}

/// Inserts many rows for bulk writes, where round trips bound the rate; `shared` columns take the same value in every
/// row; `then` may add an upsert clause (keys must not repeat within one call). SQLite: `insert_values_sqlite`.
/// PostgreSQL: the rows travel as one JSON array per 5,000 (`jsonb_array_elements`), faster there than multi-row
/// `values`. Every column is paired with the type PostgreSQL casts it to. Measured on the national ledger:
/// BENCHMARKS.md.
pub(crate) async fn insert_rows(
    tx: &mut Tx,
    table: &str,
    columns: &[(&str, &str)],
    rows: Vec<Vec<Arg>>,
    shared: &[(&str, &str, Arg)],
    then: &str,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    match tx.backend() {
        Backend::Sqlite => {
            let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
            let shared: Vec<(&str, Arg)> = shared
                .iter()
                .map(|(name, _, value)| (*name, value.clone()))
                .collect();
            insert_values_sqlite(tx, table, &names, rows, &shared, then).await?;
        }
        Backend::Postgres if then.is_empty() => {
            let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
            let shared: Vec<(&str, Arg)> = shared
                .iter()
                .map(|(name, _, value)| (*name, value.clone()))
                .collect();
            let TxInner::Postgres(pg) = &mut tx.inner else {
                unreachable!("the backend is PostgreSQL")
            };
            copy_rows_pg(pg, table, &names, rows, &shared).await?;
        }
        Backend::Postgres => {
            let names = columns
                .iter()
                .map(|(name, _)| *name)
                .chain(shared.iter().map(|(name, _, _)| *name))
                .collect::<Vec<_>>()
                .join(", ");
            let exprs = columns
                .iter()
                .enumerate()
                .map(|(i, (_, ty))| format!("cast(value ->> {i} as {ty})"))
                .chain(
                    shared
                        .iter()
                        .enumerate()
                        .map(|(i, (_, ty, _))| format!("cast(${} as {ty})", i + 2)),
                )
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "insert into {table} ({names}) select {exprs} from jsonb_array_elements(cast($1 as jsonb)){then}"
            );
            for chunk in rows.chunks(5_000) {
                let json = serde_json::Value::Array(
                    chunk
                        .iter()
                        .map(|row| serde_json::Value::Array(row.iter().map(Arg::to_json).collect()))
                        .collect(),
                )
                .to_string();
                let mut args = vec![Arg::Text(Some(json))];
                args.extend(shared.iter().map(|(_, _, value)| value.clone()));
                tx.conn().execute(&sql, args).await?;
            }
        }
    }
    Ok(())
}

/// A value in PostgreSQL's COPY text format (`\N` for NULL; backslash, tab, newline and carriage return escaped).
fn copy_text(arg: &Arg, out: &mut String) {
    let text: std::borrow::Cow<'_, str> = match arg {
        Arg::I64(Some(value)) => value.to_string().into(),
        Arg::F64(Some(value)) => value.to_string().into(),
        Arg::Text(Some(value)) => value.as_str().into(),
        Arg::Static(value) => (*value).into(),
        Arg::Date(Some(value)) => value.to_string().into(),
        Arg::Time(Some(value)) => value.to_rfc3339().into(),
        Arg::Bool(value) => if *value { "t" } else { "f" }.into(),
        Arg::Json(Some(value)) => value.to_string().into(),
        Arg::I64(None)
        | Arg::F64(None)
        | Arg::Text(None)
        | Arg::Date(None)
        | Arg::Time(None)
        | Arg::Json(None) => {
            out.push_str("\\N");
            return;
        }
        Arg::Bytes(_) => {
            out.push_str("\\N");
            return;
        }
    };
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ => out.push(ch),
        }
    }
}

/// Plain inserts of many rows on PostgreSQL through `COPY … FROM STDIN`, the fastest path there (no statement
/// parsing, no JSON); `shared` values are repeated in every row. Constraint and trigger failures surface when the
/// copy finishes, as for an insert.
async fn copy_rows_pg(
    conn: &mut PgConnection,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Arg>>,
    shared: &[(&str, Arg)],
) -> Result<(), StoreError> {
    let names = columns
        .iter()
        .copied()
        .chain(shared.iter().map(|(name, _)| *name))
        .collect::<Vec<_>>()
        .join(", ");
    let mut copy = conn
        .copy_in_raw(&format!("copy {table} ({names}) from stdin"))
        .await?;
    let mut tail = String::new();
    for (_, value) in shared {
        tail.push('\t');
        copy_text(value, &mut tail);
    }
    let mut buffer = String::with_capacity(1 << 20);
    for row in rows {
        for (idx, value) in row.iter().enumerate() {
            if idx > 0 {
                buffer.push('\t');
            }
            copy_text(value, &mut buffer);
        }
        buffer.push_str(&tail);
        buffer.push('\n');
        if buffer.len() >= 1 << 20 {
            copy.send(buffer.as_bytes()).await?;
            buffer.clear();
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer.as_bytes()).await?;
    }
    copy.finish().await?;
    Ok(())
}

/// After rows were inserted with ids chosen by the application, moves PostgreSQL's identity sequence past them.
pub(crate) async fn sync_identity(tx: &mut Tx, table: &str) -> Result<(), StoreError> {
    if tx.backend() == Backend::Postgres {
        let sql = format!(
            "select setval(pg_get_serial_sequence('{table}', 'id'), coalesce((select max(id) from {table}), 0) + 1, false)"
        );
        tx.conn().fetch_one::<(i64,)>(&sql, vec![]).await?;
    }
    Ok(())
}

/// ` and {column} in (…)` restricting a read to some units (`None`: every unit; an empty list: none). Ids are
/// integers written into the statement: a province's reach is a few thousand at most, and no parameter limit
/// applies.
pub(crate) fn unit_filter(column: &str, unit_ids: Option<&[i64]>) -> String {
    match unit_ids {
        None => String::new(),
        Some([]) => " and 1 = 0".to_owned(),
        Some(ids) => {
            let mut res = format!(" and {column} in (");
            for (idx, id) in ids.iter().enumerate() {
                if idx > 0 {
                    res.push(',');
                }
                res.push_str(&id.to_string());
            }
            res.push(')');
            res
        }
    }
}

/// A packed integer field.
pub(crate) fn parse_int(text: &str) -> Result<i64, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Other(anyhow::anyhow!("packed row: \"{text}\" is not an integer")))
}

/// A packed optional integer field (NULL reads as empty).
pub(crate) fn parse_opt_int(text: &str) -> Result<Option<i64>, StoreError> {
    (!text.is_empty()).then(|| parse_int(text)).transpose()
}

/// A packed boolean field: SQLite writes 1/0, PostgreSQL true/false.
pub(crate) fn parse_bool(text: &str) -> bool {
    matches!(text, "1" | "true" | "t")
}

/// A packed date field.
pub(crate) fn parse_day(text: &str) -> Result<NaiveDate, StoreError> {
    // PostgreSQL writes dates as yyyy-mm-dd; SQLite stores them so.
    NaiveDate::parse_from_str(&text[..text.len().min(10)], "%Y-%m-%d")
        .map_err(|_| StoreError::Other(anyhow::anyhow!("packed row: \"{text}\" is not a date")))
}

pub(crate) fn other<E: Into<anyhow::Error>>(err: E) -> StoreError {
    StoreError::Other(err.into())
}

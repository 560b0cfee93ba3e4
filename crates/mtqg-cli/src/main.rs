//! The `mtqg` binary: parses arguments, connects to the database, and calls the service layer or the web server.

mod bench;
mod capital;
mod config;
mod ntm;
mod ops;
mod output;
mod poverty;
mod product_bench;
mod report;
mod storm;

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use mtqg_core::access::Role;
use mtqg_core::geo::Level;
use mtqg_core::vi;
use mtqg_service::auth::UserInput;
use mtqg_service::geography::{ImportOptions, TableSource};
use mtqg_service::{Actor, Service, ServiceError};
use mtqg_store::{Backend, Store};

/// The default database: a SQLite file under ./data/.
const DEFAULT_DATABASE_URL: &str = "sqlite:data/mtqg.db";
/// The password of the demo accounts created by `serve --demo`; for demonstrations only.
const DEMO_PASSWORD: &str = "mtqg-demo-2026";

#[derive(Parser)]
#[command(
    name = "mtqg",
    version,
    about = "Quản lý các Chương trình mục tiêu quốc gia"
)]
struct Cli {
    /// Configuration file (TOML: database_url, listen, cookie_secure, log, log_format); default ./mtqg.toml if present
    #[arg(long, global = true, env = "MTQG_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL: sqlite:path or postgres://user:pass@host:port/db
    #[arg(long, global = true, env = "MTQG_DATABASE_URL", default_value = DEFAULT_DATABASE_URL, hide_env_values = true)]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates and loads the shipped geography on SQLite)
    Serve {
        #[arg(long, env = "MTQG_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Create demo accounts and print their logins
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and load the shipped geography into an empty database
    Migrate,
    /// Administrative units
    Units {
        #[command(subcommand)]
        command: UnitsCommand,
    },
    /// Dated groupings: regions, ethnic-minority zones, ĐBKK lists, commune groups (import them with `units import`)
    Groupings {
        #[command(subcommand)]
        command: GroupingsCommand,
    },
    /// Capital plans, allocation and disbursement
    Capital {
        #[command(subcommand)]
        command: capital::CapitalCommand,
    },
    /// New-rural criteria (no database needed for `evaluate`)
    Ntm {
        #[command(subcommand)]
        command: ntm::NtmCommand,
    },
    /// Poverty standards, household lists, rates and flows (no database needed for `classify`)
    Poverty {
        #[command(subcommand)]
        command: poverty::PovertyCommand,
    },
    /// Periodic reports: narrative (DOCX), statutory forms (XLSX), exchange packages, who has reported
    Report {
        #[command(subcommand)]
        command: report::ReportCommand,
    },
    /// Accounts
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Measure geography load and query times (figures for BENCHMARKS.md)
    Bench {
        /// Number of timed repetitions of each query
        #[arg(long, default_value_t = 200)]
        iterations: usize,
        /// What to measure
        #[arg(long, value_enum, default_value = "geography")]
        suite: bench::Suite,
        /// Data size for the capital suite
        #[arg(long, value_enum, default_value = "province")]
        scale: bench::Scale,
        /// Households for the poverty suite
        #[arg(long, default_value_t = 1_000_000)]
        households: usize,
        /// Commune accounts for the storm suite (at most the country's 3,321)
        #[arg(long, default_value_t = 3321)]
        users: usize,
        /// Clients at a time for the storm suite
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// What the storm's communes send: a half-year report ("2026-H1") or the annual one ("2026", on generated
        /// data, whose half-year reports exist)
        #[arg(long, default_value = "2026-H1")]
        period: String,
    },
    /// Write a consistent copy of the SQLite database while the server runs (checked after writing); for
    /// PostgreSQL use pg_dump (docs/operations.md)
    Backup {
        /// The new file, e.g. backups/mtqg-2026-11-29.db
        out: PathBuf,
    },
    /// Put a backup back in place of the SQLite database of --database-url: the backup is checked first, brought up
    /// to this build's structure, and the current database is kept as <file>.before-restore. Stop the server first.
    Restore {
        file: PathBuf,
        /// Replace an existing database
        #[arg(long)]
        force: bool,
    },
    /// Generated data for demonstrations and benchmarks
    Demo {
        #[command(subcommand)]
        command: DemoCommand,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Generate consistent demo data from a fixed seed across every capability: capital plans, projects and weekly
    /// disbursement, new-rural recognitions and assessments, meetings and tasks, poverty lists of both eras, the 2026
    /// half-year reports (province: Thanh Hóa through the forms' use cases; national: the whole country, in bulk)
    Generate {
        #[arg(long, value_enum, default_value = "province")]
        scale: bench::Scale,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Write a synthetic household list (names, villages, income, deprivations) for a province's communes of a
    /// year, in the columns `mtqg poverty import` reads: a file to try the import on, or to measure it
    Households {
        #[arg(long, default_value = "38")]
        province: String,
        #[arg(long, default_value_t = 1_000_000)]
        households: usize,
        #[arg(long, default_value_t = 2024)]
        year: i32,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// FILE.csv or FILE.xlsx
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum UnitsCommand {
    /// Import a unit list or crosswalk (CSV or XLSX); validates everything, then writes all or nothing
    Import {
        file: PathBuf,
        /// The date the list describes (dd/mm/yyyy or yyyy-mm-dd)
        #[arg(long, value_parser = parse_date_arg)]
        as_of: Option<NaiveDate>,
        /// Only report what would change
        #[arg(long)]
        dry_run: bool,
        /// Worksheet of an XLSX file (default: the first)
        #[arg(long)]
        sheet: Option<String>,
        /// Write the valid rows even when other rows have problems
        #[arg(long)]
        accept_valid: bool,
        /// Do not end stored units missing from the list
        #[arg(long)]
        keep_missing: bool,
    },
    /// Show a unit as of a date, with its history and lineage
    Show {
        code: String,
        #[arg(long, value_parser = parse_date_arg)]
        as_of: Option<NaiveDate>,
    },
    /// List units of a level as of a date
    List {
        #[arg(long)]
        level: LevelArg,
        /// Only units under this unit (any depth)
        #[arg(long)]
        parent: Option<String>,
        #[arg(long, value_parser = parse_date_arg)]
        as_of: Option<NaiveDate>,
        #[arg(long, default_value = "table")]
        format: output::Format,
    },
}

#[derive(Subcommand)]
enum GroupingsCommand {
    /// List every grouping with its members and covered communes as of a date
    List {
        #[arg(long, value_parser = parse_date_arg)]
        as_of: Option<NaiveDate>,
    },
    /// Show one grouping's member units as of a date
    Show {
        code: String,
        #[arg(long, value_parser = parse_date_arg)]
        as_of: Option<NaiveDate>,
        #[arg(long, default_value = "table")]
        format: output::Format,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum LevelArg {
    Province,
    District,
    Commune,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input (or MTQG_NEW_PASSWORD)
    Add {
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role_arg)]
        role: Role,
        /// Code of the scope unit as of today (omit for the whole country)
        #[arg(long)]
        scope: Option<String>,
    },
    /// List accounts
    List,
}

pub(crate) fn parse_date_arg(text: &str) -> Result<NaiveDate, String> {
    vi::parse_date(text)
        .ok_or_else(|| format!("ngày \"{text}\" không hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd)"))
}

fn parse_role_arg(text: &str) -> Result<Role, String> {
    Role::parse(text)
        .ok_or_else(|| "vai trò phải là admin, steering, agency, commune hoặc viewer".to_owned())
}

fn main() -> anyhow::Result<()> {
    // The configuration file fills the environment before any thread starts.
    let config = config::apply()?;
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_env("MTQG_LOG")
            .unwrap_or_else(|_| "info,sqlx=warn".into())
    };
    if std::env::var("MTQG_LOG_FORMAT").is_ok_and(|format| format == "json") {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .init();
    }
    if let Some(path) = &config {
        tracing::info!(file = %path.display(), "configuration file read");
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("while starting the runtime")?
        .block_on(run(Cli::parse()))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let cli = match cli.command {
        Command::Ntm { command } if command.is_stateless() => return ntm::run(command),
        Command::Poverty { command } if command.is_stateless() => return poverty::run(command),
        _ => cli,
    };
    if let Command::Restore { file, force } = &cli.command {
        return ops::restore(&cli.database_url, file, *force).await;
    }
    let store = connect(&cli.database_url).await?;
    let service = Service::new(store.clone());
    match cli.command {
        Command::Serve { listen, demo } => serve(&service, &store, &listen, demo).await,
        Command::Migrate => {
            store.migrate().await.context("while applying migrations")?;
            load_shipped(&service).await?;
            output::line("Đã cập nhật cấu trúc cơ sở dữ liệu.");
            Ok(())
        }
        Command::Units { command } => {
            require_migrated(&store).await?;
            units(&service, command).await
        }
        Command::Groupings { command } => {
            require_migrated(&store).await?;
            groupings(&service, command).await
        }
        Command::Ntm { command } => {
            require_migrated(&store).await?;
            load_shipped(&service).await?;
            ntm::run_stored(&service, command).await
        }
        Command::Poverty { command } => {
            require_migrated(&store).await?;
            load_shipped(&service).await?;
            poverty::run_stored(&service, command).await
        }
        Command::Capital { command } => {
            require_migrated(&store).await?;
            capital::run(&service, command).await
        }
        Command::Report { command } => {
            require_migrated(&store).await?;
            load_shipped(&service).await?;
            report::run(&service, command).await
        }
        Command::Backup { out } => {
            require_migrated(&store).await?;
            ops::backup(&store, &out).await
        }
        Command::Restore { .. } => unreachable!("handled before connecting"),
        Command::User { command } => {
            require_migrated(&store).await?;
            user(&service, command).await
        }
        Command::Bench {
            iterations,
            suite,
            scale,
            households,
            users,
            concurrency,
            period,
        } => match suite {
            bench::Suite::Geography => bench::run(&service, iterations).await,
            bench::Suite::Capital => bench::capital(&service, iterations, scale).await,
            bench::Suite::Ntm => {
                bench::ntm(iterations)?;
                bench::ntm_rollup(&service, iterations).await
            }
            bench::Suite::Poverty => bench::poverty(&service, iterations, households).await,
            bench::Suite::Report => bench::report(&service, iterations).await,
            bench::Suite::Storm => storm::storm(&service, users, concurrency, &period).await,
            bench::Suite::Product => product_bench::run(&service, iterations, scale).await,
            bench::Suite::PovertyNational => {
                bench::poverty_national(&service, iterations, households).await
            }
        },
        Command::Demo {
            command:
                DemoCommand::Households {
                    province,
                    households,
                    year,
                    seed,
                    out,
                },
        } => {
            require_migrated(&store).await?;
            load_shipped(&service).await?;
            let communes = service.communes_of(&province, year).await?;
            let per_commune = households.div_ceil(communes.len().max(1)).max(1);
            let synthetic =
                mtqg_service::demo::SyntheticHouseholds::new(&communes, per_commune, seed);
            if out
                .extension()
                .is_some_and(|ext| ext.eq_ignore_ascii_case("xlsx"))
            {
                let headers: Vec<String> = mtqg_service::demo::household_header()
                    .split(',')
                    .map(str::to_owned)
                    .collect();
                mtqg_xlsx::write_xlsx_file(
                    &out,
                    "Danh sách hộ",
                    &headers,
                    synthetic
                        .rows()
                        .map(|row| row.into_iter().map(mtqg_xlsx::Cell::Text).collect()),
                )?;
            } else {
                let mut file = std::io::BufWriter::new(
                    std::fs::File::create(&out)
                        .with_context(|| format!("while creating {}", out.display()))?,
                );
                synthetic.write_csv(&mut file)?;
            }
            output::line(&format!(
                "Đã ghi {} hộ ở {} xã vào {}.",
                vi::format_int(synthetic.len() as i64),
                communes.len(),
                out.display()
            ));
            Ok(())
        }
        Command::Demo {
            command: DemoCommand::Generate { scale, seed },
        } => {
            require_migrated(&store).await?;
            load_shipped(&service).await?;
            let plan = bench::demo_plan(scale, seed);
            let progress = output::spinner("Đang tạo dữ liệu");
            let today = mtqg_service::report::today_in_vietnam();
            let steps = service
                .generate_everything(&plan, today, &|step| {
                    progress.set_message(format!("Đang tạo dữ liệu: {step}"))
                })
                .await?;
            progress.finish_and_clear();
            for step in steps {
                output::line(&format!(
                    "{}: {} ({} giây)",
                    step.capability,
                    step.made,
                    vi::format_decimal(step.seconds, 1)
                ));
            }
            Ok(())
        }
    }
}

async fn connect(url: &str) -> anyhow::Result<Store> {
    if let Some(path) = url.strip_prefix("sqlite:") {
        if let Some(parent) = std::path::Path::new(path.split('?').next().unwrap_or(path)).parent()
        {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("while creating {}", parent.display()))?;
            }
        }
    }
    let store = Store::connect(url)
        .await
        .context("while connecting to the database")?;
    if store.backend() == Backend::Sqlite {
        // The embedded database is always migrated on start; PostgreSQL only by `mtqg migrate`.
        store
            .migrate()
            .await
            .context("while migrating the SQLite database")?;
    }
    Ok(store)
}

async fn require_migrated(store: &Store) -> anyhow::Result<()> {
    store
        .geo_totals()
        .await
        .map(|_| ())
        .context("the database is not migrated: run `mtqg migrate` first")
}

async fn load_shipped(service: &Service) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let progress = output::spinner("Đang nạp danh mục đơn vị hành chính");
    let res = service
        .load_shipped_geography(&|file| progress.set_message(format!("Đang nạp {file}")))
        .await
        .context("while loading the shipped geography")?;
    progress.finish_and_clear();
    if let Some(reports) = res {
        // The reports also count lineage edges and grouping memberships: count the units themselves.
        let (n_units, _, _) = service.store().geo_totals().await?;
        output::line(&format!(
            "Đã nạp danh mục đơn vị hành chính ({} đơn vị, {} tệp) trong {} giây.",
            vi::format_int(n_units),
            reports.len(),
            vi::format_decimal(started.elapsed().as_secs_f64(), 1)
        ));
    }
    let n_items = service
        .load_shipped_catalogue()
        .await
        .context("while loading the shipped program catalogue")?;
    if n_items > 0 {
        output::line(&format!("Đã nạp danh mục chương trình ({n_items} mục)."));
    }
    let n_sets = service
        .load_shipped_criteria_sets()
        .await
        .context("while loading the shipped criteria sets")?;
    if n_sets > 0 {
        output::line(&format!("Đã nạp {n_sets} bộ tiêu chí nông thôn mới."));
    }
    let n_standards = service
        .load_shipped_poverty_standards()
        .await
        .context("while loading the shipped poverty standards")?;
    if n_standards > 0 {
        output::line(&format!("Đã nạp {n_standards} chuẩn nghèo."));
    }
    Ok(())
}

async fn serve(service: &Service, store: &Store, listen: &str, demo: bool) -> anyhow::Result<()> {
    if store.backend() == Backend::Sqlite {
        load_shipped(service).await?;
    }
    if demo {
        create_demo_accounts(service).await?;
        if service.store().count_events().await? == 0 {
            let progress = output::spinner("Đang tạo dữ liệu vốn demo cho tỉnh Thanh Hóa");
            let report = service
                .generate_capital(&bench::demo_plan(bench::Scale::Province, 2026), &|step| {
                    progress.set_message(format!("Đang tạo dữ liệu vốn demo: {step}"))
                })
                .await
                .context("while generating the demo capital data")?;
            progress.finish_and_clear();
            output::line(&format!(
                "Dữ liệu vốn demo: {} dự án, {} nghiệp vụ (tỉnh Thanh Hóa, 2022–2026).",
                vi::format_int(report.n_projects as i64),
                vi::format_int(report.n_events as i64)
            ));
        }
        let today = chrono::Utc::now().date_naive();
        if service.store().recognitions(today, None).await?.is_empty() {
            let progress =
                output::spinner("Đang tạo dữ liệu nông thôn mới demo cho tỉnh Thanh Hóa");
            let report = service
                .generate_ntm("38", today, 2026)
                .await
                .context("while generating the demo new-rural data")?;
            progress.finish_and_clear();
            output::line(&format!(
                "Dữ liệu nông thôn mới demo: {} kết quả đánh giá, {} quyết định công nhận, {} đăng ký, {} sản phẩm OCOP \
                 (ngưỡng chỉ tiêu là số minh họa, bộ {}).",
                vi::format_int(report.n_assessments as i64),
                report.n_recognitions,
                report.n_registrations,
                report.n_ocop,
                mtqg_service::demo::DEMO_SET
            ));
        }
        if service.store().meetings().await?.is_empty() {
            let report = service
                .generate_direction("38", today)
                .await
                .context("while generating the demo direction data")?;
            output::line(&format!(
                "Chỉ đạo, điều hành demo: {} cuộc họp, {} nhiệm vụ ở mọi tình trạng, {} kiến nghị (tỉnh Thanh Hóa).",
                report.n_meetings, report.n_tasks, report.n_obstacles
            ));
        }
        if service
            .store()
            .frozen_poverty_lists(2000, 2100, None)
            .await?
            .is_empty()
        {
            let progress = output::spinner("Đang tạo danh sách hộ nghèo demo cho tỉnh Thanh Hóa");
            let report = service
                .generate_poverty("38", 2023..=2025, 40, 2026, &|step| {
                    progress.set_message(format!(
                        "Đang tạo danh sách hộ nghèo demo: {} {} dòng",
                        step.phase, step.done
                    ))
                })
                .await
                .context("while generating the demo poverty data")?;
            progress.finish_and_clear();
            output::line(&format!(
                "Danh sách hộ nghèo demo: {} hộ, {} danh sách đã công nhận (tỉnh Thanh Hóa, {}).",
                vi::format_int(report.n_households as i64),
                vi::format_int(report.n_lists as i64),
                report
                    .years
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if service
            .store()
            .submissions_of_period("6T", "2026-H1", None)
            .await?
            .is_empty()
        {
            let progress =
                output::spinner("Đang tạo báo cáo 6 tháng demo của các xã tỉnh Thanh Hóa");
            let report = service
                .generate_reporting("38", "2026-H1")
                .await
                .context("while generating the demo reports")?;
            progress.finish_and_clear();
            output::line(&format!(
                "Báo cáo 6 tháng đầu năm 2026 demo: {} xã, {} đã duyệt, {} bị trả lại, {} chờ duyệt, {} đang soạn.",
                report.n_communes, report.approved, report.returned, report.waiting, report.drafts
            ));
        }
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("while binding {listen}"))?;
    output::line(&format!(
        "mtqg đang chạy tại http://{}",
        listener.local_addr()?
    ));
    // Ctrl-C or SIGTERM (systemd, docker stop): stop accepting, finish the requests in flight, close the database.
    let shutdown = async {
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("SIGTERM handler installs");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: finishing requests in flight");
    };
    mtqg_web::run(listener, service.clone(), shutdown).await?;
    store.close().await;
    Ok(())
}

async fn create_demo_accounts(service: &Service) -> anyhow::Result<()> {
    let accounts = [
        ("admin", "Quản trị viên (demo)", Role::Admin, None),
        (
            "thanhhoa",
            "Ban Chỉ đạo tỉnh Thanh Hóa (demo)",
            Role::Steering,
            Some("38"),
        ),
        (
            "xa.hamrong",
            "Cán bộ phường Hàm Rồng, Thanh Hóa (demo)",
            Role::Commune,
            Some("14758"),
        ),
        (
            "xa.badinh",
            "Cán bộ phường Ba Đình (demo)",
            Role::Commune,
            Some("00004"),
        ),
    ];
    output::line("Tài khoản demo (chỉ dùng để trình diễn):");
    for (username, display_name, role, scope) in accounts {
        let input = UserInput {
            username: username.to_owned(),
            display_name: display_name.to_owned(),
            password: DEMO_PASSWORD.to_owned(),
            role,
            scope_code: scope.map(str::to_owned),
        };
        match service.add_user(&Actor::system(), input).await {
            Ok(_) | Err(ServiceError::Conflict { .. }) => {}
            Err(err) => return Err(err).context("while creating demo accounts"),
        }
        output::line(&format!(
            "  {username} / {DEMO_PASSWORD}  ({})",
            role.label()
        ));
    }
    Ok(())
}

/// Opens a CSV (streamed) or XLSX (read whole) file for an import, with a progress bar over its bytes.
pub(crate) fn open_table(
    file: &std::path::Path,
) -> anyhow::Result<(String, TableSource, indicatif::ProgressBar)> {
    let file_name = file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let handle =
        std::fs::File::open(file).with_context(|| format!("while opening {}", file.display()))?;
    let size = handle.metadata().map(|meta| meta.len()).unwrap_or(0);
    let progress = output::bytes_bar(size, &format!("Đang đọc {file_name}"));
    let mut reader = progress.wrap_read(handle);
    let mut first = [0u8; 4];
    let n_first = reader.read(&mut first).context("while reading the file")?;
    let head = first[..n_first].to_vec();
    let source = match mtqg_xlsx::Format::detect(&file_name, &head) {
        mtqg_xlsx::Format::Xlsx => {
            let mut bytes = head;
            reader
                .read_to_end(&mut bytes)
                .context("while reading the file")?;
            TableSource::Xlsx(bytes)
        }
        mtqg_xlsx::Format::Csv => {
            TableSource::Csv(Box::new(std::io::Cursor::new(head).chain(reader)))
        }
    };
    Ok((file_name, source, progress))
}

async fn units(service: &Service, command: UnitsCommand) -> anyhow::Result<()> {
    let actor = Actor::system();
    let today = Utc::now().date_naive();
    match command {
        UnitsCommand::Import {
            file,
            as_of,
            dry_run,
            sheet,
            accept_valid,
            keep_missing,
        } => {
            let (file_name, source, progress) = open_table(&file)?;
            let options = ImportOptions {
                as_of,
                dry_run,
                accept_valid,
                sheet,
                end_missing: !keep_missing,
            };
            let report = service
                .import_geography(&actor, &file_name, source, &options, &|_| {})
                .await?;
            progress.finish_and_clear();
            output::import_report(&report);
            if report.n_problems > 0 && !report.applied {
                std::process::exit(2);
            }
            Ok(())
        }
        UnitsCommand::Show { code, as_of } => {
            let page = service
                .unit_page(&actor, &code, as_of.unwrap_or(today))
                .await?;
            output::unit_page(&page);
            Ok(())
        }
        UnitsCommand::List {
            level,
            parent,
            as_of,
            format,
        } => {
            let level = match level {
                LevelArg::Province => Level::Province,
                LevelArg::District => Level::District,
                LevelArg::Commune => Level::Commune,
            };
            let units = service
                .list_units(&actor, level, parent.as_deref(), as_of.unwrap_or(today))
                .await?;
            output::unit_list(&units, format)
        }
    }
}

async fn groupings(service: &Service, command: GroupingsCommand) -> anyhow::Result<()> {
    let actor = Actor::system();
    let today = chrono::Utc::now().date_naive();
    match command {
        GroupingsCommand::List { as_of } => {
            let date = as_of.unwrap_or(today);
            let groupings = service.list_groupings(&actor, date).await?;
            output::grouping_list(&groupings, date);
            Ok(())
        }
        GroupingsCommand::Show {
            code,
            as_of,
            format,
        } => {
            let page = service
                .grouping_page(&actor, &code, as_of.unwrap_or(today))
                .await?;
            if matches!(format, output::Format::Table) {
                output::grouping_head(&page);
            }
            let units: Vec<_> = page.members.into_iter().map(|member| member.unit).collect();
            output::unit_list(&units, format)
        }
    }
}

async fn user(service: &Service, command: UserCommand) -> anyhow::Result<()> {
    let actor = Actor::system();
    match command {
        UserCommand::Add {
            username,
            name,
            role,
            scope,
        } => {
            let password = match std::env::var("MTQG_NEW_PASSWORD") {
                Ok(password) => password,
                Err(_) => {
                    let mut line = String::new();
                    std::io::stdin()
                        .read_line(&mut line)
                        .context("while reading the password from standard input")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            service
                .add_user(
                    &actor,
                    UserInput {
                        username: username.clone(),
                        display_name: name,
                        password,
                        role,
                        scope_code: scope,
                    },
                )
                .await?;
            output::line(&format!("Đã tạo tài khoản {username}."));
            Ok(())
        }
        UserCommand::List => {
            let users = service.list_users(&actor).await?;
            output::user_list(&users);
            Ok(())
        }
    }
}

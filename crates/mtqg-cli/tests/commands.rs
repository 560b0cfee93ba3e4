//! The `mtqg` binary end to end: migrate (which loads the shipped geography), then the read commands a newcomer
//! runs from the README, on SQLite or on PostgreSQL when `MTQG_TEST_PG_URL` is set.

use std::process::Command;

use mtqg_test_support::TestDb;

fn mtqg(db: &TestDb, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_mtqg"))
        .arg("--database-url")
        .arg(&db.url)
        .args(args)
        .env("MTQG_LOG", "warn")
        .output()
        .expect("mtqg runs");
    let stdout = String::from_utf8(output.stdout).expect("output is UTF-8");
    assert!(
        output.status.success(),
        "mtqg {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test]
async fn migrate_loads_both_eras_and_the_read_commands_answer_as_of_a_date() {
    let db = TestDb::new().await;
    mtqg(&db, &["migrate"]);
    let provinces = mtqg(
        &db,
        &[
            "units",
            "list",
            "--level",
            "province",
            "--as-of",
            "2026-06-01",
            "--format",
            "csv",
        ],
    );
    assert_eq!(provinces.lines().count(), 1 + 34, "{provinces}");
    assert!(provinces.starts_with("code,name,type,parent_code"));
    let districts = mtqg(
        &db,
        &[
            "units",
            "list",
            "--level",
            "district",
            "--parent",
            "10",
            "--as-of",
            "2023-12-31",
            "--format",
            "json",
        ],
    );
    let districts: serde_json::Value = serde_json::from_str(&districts).expect("json");
    assert_eq!(
        districts.as_array().expect("array").len(),
        9,
        "Lào Cai had 9 districts"
    );
    let shown = mtqg(&db, &["units", "show", "384", "--as-of", "01/06/2023"]);
    assert!(
        shown.contains("Huyện Mường Lát") && shown.contains("VUNG7-BTB"),
        "{shown}"
    );
    let groupings = mtqg(&db, &["groupings", "list", "--as-of", "2023-12-31"]);
    assert!(
        groupings.contains("VUNG6-TN") && groupings.contains("cần đối chiếu"),
        "{groupings}"
    );
    let members = mtqg(
        &db,
        &[
            "groupings",
            "show",
            "VUNG6-TN",
            "--as-of",
            "2023-12-31",
            "--format",
            "csv",
        ],
    );
    assert_eq!(
        members.lines().count(),
        1 + 5,
        "five Central Highlands provinces: {members}"
    );
}

#[test]
fn ntm_evaluate_needs_no_database_and_refuses_a_bad_cell_with_its_row_and_column() {
    let dir = std::env::temp_dir().join(format!("mtqg-ntm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let good = dir.join("xa.csv");
    std::fs::write(
        &good,
        "ma,vung,nam,19.1,11.1\n14848,TDMNPB,2024,Đạt,\"3,5\"\n",
    )
    .expect("input written");
    let output = Command::new(env!("CARGO_BIN_EXE_mtqg"))
        .args([
            "--database-url",
            "sqlite:/nonexistent/dir/never.db",
            "ntm",
            "evaluate",
            "--set",
            "QD318-2022-XA",
        ])
        .arg(&good)
        .output()
        .expect("mtqg runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.starts_with("code,key,year,criteria_met"), "{stdout}");
    assert!(
        stdout.contains("14848,TDMNPB,2024") && stdout.contains("chưa có ngưỡng"),
        "{stdout}"
    );
    let bad = dir.join("sai.csv");
    std::fs::write(&bad, "ma,vung,nam,19.1\n14848,TDMNPB,2024,tốt\n").expect("input written");
    let output = Command::new(env!("CARGO_BIN_EXE_mtqg"))
        .args(["ntm", "evaluate", "--set", "QD318-2022-XA"])
        .arg(&bad)
        .output()
        .expect("mtqg runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout.contains("sai.csv, dòng 2, cột \"19.1\""), "{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn poverty_classify_needs_no_database_and_refuses_an_absurd_income_with_its_row_and_column() {
    let dir = std::env::temp_dir().join(format!("mtqg-poverty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let good = dir.join("ho.csv");
    std::fs::write(
        &good,
        "Mã xã,Mã hộ,Họ tên chủ hộ,Khu vực,Thu nhập bình quân (đồng/người/tháng),Điểm A,CS1,CS4,CS10\n\
         15103,H1,Lò Văn A,Nông thôn,1.500.000,,x,x,x\n\
         15103,H2,Hà Thị B,Thành thị,,176,x,,\n",
    )
    .expect("input written");
    let output = Command::new(env!("CARGO_BIN_EXE_mtqg"))
        .args([
            "--database-url",
            "sqlite:/nonexistent/dir/never.db",
            "poverty",
            "classify",
            "--standard",
            "ND07-2021",
        ])
        .arg(&good)
        .output()
        .expect("mtqg runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("commune,household,area,income"),
        "{stdout}"
    );
    assert!(
        lines[1].contains("H1") && lines[1].contains("Hộ nghèo"),
        "{stdout}"
    );
    assert!(
        lines[2].contains("H2") && lines[2].contains("Không thuộc diện"),
        "{stdout}"
    );
    let bad = dir.join("sai.csv");
    std::fs::write(
        &bad,
        "Mã xã,Mã hộ,Họ tên chủ hộ,Khu vực,Thu nhập\n15103,H1,A,NT,2.000.000.000\n",
    )
    .expect("input written");
    let output = Command::new(env!("CARGO_BIN_EXE_mtqg"))
        .args(["poverty", "classify", "--standard", "ND07-2021"])
        .arg(&bad)
        .output()
        .expect("mtqg runs");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stdout.contains("sai.csv, dòng 2, cột \"Thu nhập\"") && stdout.contains("1 tỷ"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn ocop_products_are_imported_from_a_list_after_a_dry_run_and_a_repeat_is_refused_with_its_row(
) {
    let db = TestDb::new().await;
    mtqg(&db, &["migrate"]);
    let dir = std::env::temp_dir().join(format!("mtqg-ocop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let list = dir.join("ocop.csv");
    std::fs::write(
        &list,
        "Mã sản phẩm,Tên sản phẩm,Chủ thể,Mã xã,Nhóm,Điểm A,Điểm B,Điểm C,Số quyết định,Ngày quyết định\n\
         OCOP-38-001,Mật ong rừng,HTX Tam Chung,14848,thuc_pham,30,20,25,QĐ 77/QĐ-UBND,01/06/2024\n",
    )
    .expect("list written");
    let path = list.to_str().expect("UTF-8 path");
    let dry = mtqg(&db, &["ntm", "ocop-import", path, "--dry-run"]);
    assert!(
        dry.contains("1 sản phẩm 4 sao") && dry.contains("Chạy thử"),
        "{dry}"
    );
    let applied = mtqg(&db, &["ntm", "ocop-import", path]);
    assert!(applied.contains("Đã ghi."), "{applied}");
    let again = Command::new(env!("CARGO_BIN_EXE_mtqg"))
        .arg("--database-url")
        .arg(&db.url)
        .args(["ntm", "ocop-import", path])
        .env("MTQG_LOG", "warn")
        .output()
        .expect("mtqg runs");
    let stdout = String::from_utf8(again.stdout).expect("UTF-8");
    assert_eq!(again.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("ocop.csv, dòng 2, cột \"Mã sản phẩm\": mã sản phẩm OCOP-38-001 đã có"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn report_commands_write_the_narrative_a_form_and_a_package_which_imports_after_a_dry_run() {
    let db = TestDb::new().await;
    mtqg(&db, &["migrate"]);
    let dir = std::env::temp_dir().join(format!("mtqg-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = |name: &str| dir.join(name).to_str().expect("UTF-8 path").to_owned();
    let docx = path("bao-cao.docx");
    let written = mtqg(
        &db,
        &[
            "report",
            "narrative",
            "--unit",
            "38",
            "--period",
            "2025-H1",
            "--out",
            &docx,
        ],
    );
    assert!(written.contains("Đã ghi"), "{written}");
    let bytes = std::fs::read(&docx).expect("docx written");
    assert!(bytes.starts_with(b"PK"), "a DOCX is a ZIP archive");
    let xlsx = path("bieu.xlsx");
    mtqg(
        &db,
        &[
            "report", "form", "HUYDONG", "--unit", "38", "--period", "2025-H1", "--out", &xlsx,
        ],
    );
    assert!(std::fs::read(&xlsx)
        .expect("xlsx written")
        .starts_with(b"PK"));
    let json = path("goi.json");
    mtqg(
        &db,
        &[
            "report", "package", "--unit", "38", "--period", "2025-H1", "--out", &json,
        ],
    );
    let package: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("package written")).expect("JSON");
    assert_eq!(package["format"], "mtqg-report-package");
    assert_eq!(package["report"], "6T");
    assert_eq!(package["values"]["von.nstw.dtpt.th_ky"], 0.0);
    let dry = mtqg(&db, &["report", "import-package", &json, "--dry-run"]);
    assert!(dry.contains("Chạy thử"), "{dry}");
    let before = mtqg(&db, &["report", "status", "--period", "2025-H1"]);
    assert!(before.contains("Phải gửi: 63; đã gửi: 0"), "{before}");
    let applied = mtqg(&db, &["report", "import-package", &json]);
    assert!(applied.contains("chờ cấp trên duyệt"), "{applied}");
    let after = mtqg(&db, &["report", "status", "--period", "2025-H1"]);
    assert!(after.contains("Phải gửi: 63; đã gửi: 1"), "{after}");

    let wrong = path("sai.csv");
    std::fs::write(
        &wrong,
        "report,period,unit_code,kind,key,value\n6T,2025-H1,38,value,von.nstw.dtpt.th_ky,abc\n",
    )
    .expect("bad package written");
    let refused = Command::new(env!("CARGO_BIN_EXE_mtqg"))
        .arg("--database-url")
        .arg(&db.url)
        .args(["report", "import-package", &wrong])
        .env("MTQG_LOG", "warn")
        .output()
        .expect("mtqg runs");
    let stdout = String::from_utf8(refused.stdout).expect("UTF-8");
    assert_eq!(refused.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("sai.csv, dòng 2, cột \"value\""),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Runs mtqg on a SQLite file of its own, whatever backend the suite runs on: backup and restore are SQLite's.
fn mtqg_sqlite(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mtqg"))
        .arg("--database-url")
        .arg(format!("sqlite:{}", db.display()))
        .args(args)
        .env("MTQG_LOG", "warn")
        .env("MTQG_NEW_PASSWORD", "mat-khau-dai-hon")
        .output()
        .expect("mtqg runs")
}

#[test]
fn a_backup_restores_into_a_working_database_and_a_bad_one_changes_nothing() {
    let dir = std::env::temp_dir().join(format!("mtqg-backup-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).expect("temp dir");
    let live = dir.join("live.db");
    let copy = dir.join("copy.db");
    let restored = dir.join("restored.db");
    let ok = |output: std::process::Output| {
        let stdout = String::from_utf8(output.stdout).expect("UTF-8");
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    };
    ok(mtqg_sqlite(&live, &["migrate"]));
    ok(mtqg_sqlite(
        &live,
        &[
            "user",
            "add",
            "bcd.38",
            "--name",
            "Ban Chỉ đạo tỉnh",
            "--role",
            "steering",
            "--scope",
            "38",
        ],
    ));
    let backup = ok(mtqg_sqlite(
        &live,
        &["backup", copy.to_str().expect("UTF-8")],
    ));
    assert!(backup.contains("kiểm tra toàn vẹn"), "{backup}");
    let again = mtqg_sqlite(&live, &["backup", copy.to_str().expect("UTF-8")]);
    assert!(
        !again.status.success(),
        "an existing backup is never overwritten"
    );

    ok(mtqg_sqlite(
        &restored,
        &["restore", copy.to_str().expect("UTF-8")],
    ));
    let users = ok(mtqg_sqlite(&restored, &["user", "list"]));
    assert!(users.contains("bcd.38"), "{users}");
    let unit = ok(mtqg_sqlite(
        &restored,
        &["units", "show", "38", "--as-of", "2023-06-01"],
    ));
    assert!(unit.contains("Thanh Hóa"), "{unit}");

    // A damaged file is refused and the database in place is untouched.
    let junk = dir.join("junk.db");
    std::fs::write(&junk, b"this is not a database").expect("junk written");
    let refused = mtqg_sqlite(
        &restored,
        &["restore", junk.to_str().expect("UTF-8"), "--force"],
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("nothing was restored"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let users = ok(mtqg_sqlite(&restored, &["user", "list"]));
    assert!(users.contains("bcd.38"), "{users}");
    // Without --force an existing database is not replaced.
    let refused = mtqg_sqlite(&restored, &["restore", copy.to_str().expect("UTF-8")]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    ok(mtqg_sqlite(
        &restored,
        &["restore", copy.to_str().expect("UTF-8"), "--force"],
    ));
    assert!(dir.join("restored.db.before-restore").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_configuration_file_sets_the_database_and_an_unknown_key_is_named() {
    let dir = std::env::temp_dir().join(format!("mtqg-config-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config = dir.join("mtqg.toml");
    std::fs::write(
        &config,
        format!(
            "database_url = \"sqlite:{}\"\nlog = \"warn\"\ncookie_secure = true\n",
            dir.join("from-config.db").display()
        ),
    )
    .expect("config written");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_mtqg"))
            .args(args)
            .current_dir(&dir)
            .env_remove("MTQG_DATABASE_URL")
            .env_remove("MTQG_CONFIG")
            .env_remove("MTQG_LOG")
            .output()
            .expect("mtqg runs")
    };
    // ./mtqg.toml is read without being named.
    let migrated = run(&["migrate"]);
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );
    assert!(
        dir.join("from-config.db").exists(),
        "the database named in the file is used"
    );
    let shown = run(&[
        "--config",
        config.to_str().expect("UTF-8"),
        "units",
        "show",
        "38",
        "--as-of",
        "2023-06-01",
    ]);
    assert!(String::from_utf8_lossy(&shown.stdout).contains("Thanh Hóa"));
    std::fs::write(&config, "databse_url = \"sqlite:x.db\"\n").expect("config written");
    let refused = run(&["units", "show", "38"]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("mtqg.toml") && stderr.contains("\"databse_url\""),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn killing_an_import_midway_leaves_nothing_written_and_a_rerun_writes_everything() {
    let db = TestDb::new().await;
    mtqg(&db, &["migrate"]);
    let dir = std::env::temp_dir().join(format!("mtqg-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("ho.csv");
    let path = file.to_str().expect("UTF-8 path");
    mtqg(
        &db,
        &[
            "demo",
            "households",
            "--province",
            "38",
            "--households",
            "60000",
            "--year",
            "2025",
            "--out",
            path,
        ],
    );
    let rows = std::fs::read_to_string(&file)
        .expect("list written")
        .lines()
        .count() as i64
        - 1;
    let mut delay = std::time::Duration::from_millis(250);
    let mut kills = 0;
    loop {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mtqg"))
            .arg("--database-url")
            .arg(&db.url)
            .args(["poverty", "import", path, "--year", "2025"])
            .env("MTQG_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("mtqg starts");
        std::thread::sleep(delay);
        if let Some(status) = child.try_wait().expect("status") {
            assert!(status.success(), "the import that was not killed succeeds");
            break;
        }
        child.kill().expect("SIGKILL is sent");
        child.wait().expect("the killed process is reaped");
        let written = db.store.count_households().await.expect("count");
        // All or nothing: the kill may land after the commit, while the process is still exiting.
        assert!(
            written == 0 || written == rows,
            "killed after {delay:?}: {written} of {rows} households were left behind"
        );
        if written == rows {
            break;
        }
        kills += 1;
        delay = delay.mul_f64(1.6);
    }
    assert!(
        kills >= 2,
        "the import was killed at several points before it could finish ({kills})"
    );
    assert_eq!(db.store.count_households().await.expect("count"), rows);
    std::fs::remove_dir_all(&dir).ok();
}

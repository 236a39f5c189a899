//! The `maillage` binary as operators and scripts use it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use testkit::TestDb;

fn maillage() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_maillage"));
    c.env_remove("DATABASE_URL").env_remove("MAILLAGE_DATA_DIR").env("MAILLAGE_LOG_FORMAT", "text");
    c
}

/// `--data-dir` for SQLite, `--database-url` for PostgreSQL.
fn data_args(db: &TestDb) -> Vec<String> {
    match db.data_dir() {
        Some(dir) => vec!["--data-dir".into(), dir.display().to_string()],
        None => vec!["--database-url".into(), db.url.clone()],
    }
}

fn run(args: &[&str], data: &[String]) -> (i32, String, String) {
    let out = maillage().args(args).args(data).output().expect("run maillage");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// A running `maillage serve`, its URL, and its log lines as they come.
struct Served {
    child: Child,
    url: String,
    logs: std::sync::mpsc::Receiver<String>,
}

fn serve(data: &[String], log_level: &str) -> Served {
    let mut child = maillage()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(data)
        .env("MAILLAGE_LOG", log_level)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start maillage serve");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut url = None;
    let mut early = Vec::new();
    while url.is_none() {
        let line = rx.recv_timeout(Duration::from_secs(30)).expect("the server announces its address");
        if let Some(rest) = line.strip_prefix("Maillage is serving on ") {
            url = rest.split_whitespace().next().map(str::to_owned);
        }
        early.push(line);
    }
    let (tx2, rx2) = std::sync::mpsc::channel();
    for l in early {
        let _ = tx2.send(l);
    }
    std::thread::spawn(move || {
        while let Ok(l) = rx.recv() {
            if tx2.send(l).is_err() {
                break;
            }
        }
    });
    Served { child, url: url.unwrap(), logs: rx2 }
}

impl Served {
    fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// SIGTERM, then the exit status and every log line.
    fn stop(mut self) -> (i32, String) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let status = self.child.wait().expect("wait for maillage");
        let mut logs = Vec::new();
        while let Ok(line) = self.logs.recv_timeout(Duration::from_secs(10)) {
            logs.push(line);
        }
        (status.code().unwrap_or(-1), logs.join("\n"))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn help_documents_every_command_and_its_environment() {
    let (code, out, _) = run(&["--help"], &[]);
    assert_eq!(code, 0);
    for cmd in ["serve", "migrate", "admin", "backup", "restore", "verify", "demo", "import", "export", "freshness"] {
        assert!(out.contains(cmd), "--help lists {cmd}");
    }
    for cmd in ["serve", "migrate", "admin", "backup", "restore", "verify", "demo", "import", "export", "freshness"] {
        let (code, out, _) = run(&[cmd, "--help"], &[]);
        assert_eq!(code, 0, "{cmd} --help");
        assert!(out.contains("--data-dir") && out.contains("[env: MAILLAGE_DATA_DIR=]"), "{cmd}: {out}");
        assert!(out.contains("--database-url") && out.contains("[env: DATABASE_URL=]"), "{cmd}");
    }
    let (_, out, _) = run(&["serve", "--help"], &[]);
    for flag in ["--listen", "MAILLAGE_LISTEN", "--public-url", "--smtp-url", "--frame-ancestors"] {
        assert!(out.contains(flag), "serve --help documents {flag}");
    }
    let (code, _, err) = run(&["serve", "--database-url", "mysql://nope"], &[]);
    assert_ne!(code, 0);
    assert!(err.contains("sqlite: or postgres://"), "{err}");
}

#[tokio::test]
async fn export_writes_open_data_to_standard_output_or_a_file() {
    let db = testkit::sqlite().await;
    let data = data_args(&db);
    let example =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../referentials/standards/lieux-mediation-numerique-exemple.csv");
    let (code, out, err) = run(&["import", "--mapping", "mednum", example], &data);
    assert_eq!(code, 0, "{out}{err}");

    let (code, out, err) = run(&["export", "--format", "mednum-csv"], &data);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("id,pivot,nom,commune,code_postal,"), "{out}");
    assert!(lines[1].starts_with("structure-1,43493312300029,Anonymal,Reims,51100,"), "{out}");
    assert!(err.contains("Exported 1 records as mednum-csv to standard output"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalogue.jsonld");
    let file_arg = file.display().to_string();
    let args = ["export", "--format", "dcat", "--output", &file_arg, "--public-url", "https://atlas.example.fr/"];
    let (code, out, err) = run(&args, &data);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["@type"], "dcat:Catalog");
    assert_eq!(
        doc["dcat:dataset"][0]["dcat:distribution"][0]["dcat:downloadURL"]["@id"],
        "https://atlas.example.fr/api/v1/exports/mednum-csv"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no partial file left behind");

    let (code, _, err) = run(&["export", "--format", "xlsx"], &data);
    assert_ne!(code, 0);
    assert!(err.contains("data-inclusion-services"), "the error lists the formats: {err}");
}

async fn tamper_then_verify(db: &TestDb) {
    let data = data_args(db);
    let (code, out, err) = run(&["demo"], &data);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("admin@demo.maillage.fr"));
    let (code, out, _) = run(&["verify"], &data);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Audit log intact"));
    // The demo twice changes nothing.
    let entries = db.store.verify_audit_chain().await.unwrap().entries;
    assert_eq!(run(&["demo"], &data).0, 0);
    assert_eq!(db.store.verify_audit_chain().await.unwrap().entries, entries);

    db.execute_raw("UPDATE audit_log SET actor = 'user:999' WHERE seq = 3").await;
    let (code, out, _) = run(&["verify"], &data);
    assert_eq!(code, 1);
    assert!(out.contains("entry 3 was altered"), "{out}");
}

#[tokio::test]
async fn verify_detects_a_hand_edited_row_sqlite() {
    tamper_then_verify(&testkit::sqlite().await).await;
}

#[tokio::test]
async fn verify_detects_a_hand_edited_row_postgres() {
    let Some(db) = testkit::postgres().await else { return };
    tamper_then_verify(&db).await;
}

async fn backup_then_restore(source: &TestDb, target: &TestDb) {
    assert_eq!(run(&["demo"], &data_args(source)).0, 0);
    let mut create = maillage()
        .args([
            "admin",
            "create-user",
            "--email",
            "lea@exemple.fr",
            "--name",
            "Léa",
            "--password-stdin",
            "--role",
            "place_manager",
            "--scope",
            "12",
        ])
        .args(data_args(source))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    create.stdin.take().unwrap().write_all(b"cheval agrafe batterie\n").unwrap();
    let out = create.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sauvegarde.jsonl");
    let (code, _, err) = run(&["backup", "--output", file.to_str().unwrap()], &data_args(source));
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(&["restore", "--input", file.to_str().unwrap()], &data_args(target));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Audit log intact"));
    let users = |db: &TestDb| run(&["admin", "users"], &data_args(db)).1;
    assert_eq!(users(source), users(target));
    assert!(users(target).contains("place_manager:12"));
    // Restoring twice is refused: the target is no longer empty.
    let (code, _, err) = run(&["restore", "--input", file.to_str().unwrap()], &data_args(target));
    assert_ne!(code, 0);
    assert!(err.contains("not empty"), "{err}");
    // A restored account signs in with its password.
    let (code, out, _) = run(&["verify"], &data_args(target));
    assert_eq!(code, 0, "{out}");
}

#[tokio::test]
async fn backup_restores_into_an_empty_data_directory() {
    backup_then_restore(&testkit::sqlite().await, &testkit::sqlite().await).await;
}

#[tokio::test]
async fn backup_moves_from_sqlite_to_postgres() {
    let Some(pg) = testkit::postgres().await else { return };
    backup_then_restore(&testkit::sqlite().await, &pg).await;
}

#[tokio::test]
async fn admin_commands_manage_accounts_and_show_the_outbox() {
    let db = testkit::sqlite().await;
    let data = data_args(&db);
    let (code, out, _) = run(&["admin", "create-user", "--email", "noe@exemple.fr", "--name", "Noé"], &data);
    assert_eq!(code, 0);
    let password = out.lines().find_map(|l| l.strip_prefix("Password (shown once): ")).unwrap();
    assert_eq!(password.len(), 24);
    assert_eq!(run(&["admin", "grant", "--email", "noe@exemple.fr", "--role", "territory_editor"], &data).0, 0);
    assert!(run(&["admin", "users"], &data).1.contains("territory_editor"));
    assert_eq!(run(&["admin", "revoke", "--email", "noe@exemple.fr", "--role", "territory_editor"], &data).0, 0);
    assert!(!run(&["admin", "users"], &data).1.contains("territory_editor"));
    let (code, _, err) = run(&["admin", "grant", "--email", "noe@exemple.fr", "--role", "place_manager"], &data);
    assert_ne!(code, 0);
    assert!(err.contains("place"), "a scoped role without its scope is explained: {err}");
    let (code, _, err) = run(&["admin", "create-user", "--email", "pas une adresse", "--name", "X"], &data);
    assert_ne!(code, 0);
    assert!(err.contains("email"), "{err}");
    assert!(run(&["admin", "outbox"], &data).1.contains("empty"));
}

/// Personal data never reaches the logs, even at debug level, through a
/// whole account journey on the real binary.
#[tokio::test]
async fn logs_hold_no_personal_data() {
    let db = testkit::sqlite().await;
    let served = serve(&data_args(&db), "debug");
    let email = "camille.secret@exemple.fr";
    let name = "Camille Secrète";
    let password = "phrase tres confidentielle";
    let http = testkit::browser();
    let page = http.get(served.at("/signup")).send().await.unwrap().text().await.unwrap();
    let r = http
        .post(served.at("/signup"))
        .form(&[
            ("csrf", testkit::csrf_token(&page).as_str()),
            ("display_name", name),
            ("email", email),
            ("password", password),
            ("password_confirm", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let store = store::Store::open(&db.url, 2).await.unwrap();
    let body = store.outbox(10).await.unwrap()[0].body.clone();
    let confirm = body[body.find("http").unwrap()..].split_whitespace().next().unwrap().to_owned();
    let confirm_token = confirm.split("token=").nth(1).unwrap().to_owned();
    assert_eq!(http.get(&confirm).send().await.unwrap().status(), 303);
    for (client, attempt) in [(testkit::browser(), "mauvais mot de passe"), (http.clone(), password)] {
        let page = client.get(served.at("/login")).send().await.unwrap().text().await.unwrap();
        client
            .post(served.at("/login"))
            .form(&[("csrf", testkit::csrf_token(&page).as_str()), ("email", email), ("password", attempt)])
            .send()
            .await
            .unwrap();
    }
    let account = http.get(served.at("/account")).send().await.unwrap().text().await.unwrap();
    let created = http
        .post(served.at("/account/tokens"))
        .form(&[("csrf", testkit::csrf_token(&account).as_str()), ("name", "jeton"), ("scopes", "account:read")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = created.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let secret = created[start..].split('<').next().unwrap().to_owned();
    let me = reqwest::Client::new().get(served.at("/api/v1/me")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(me.status(), 200);
    reqwest::Client::new()
        .post(served.at("/api/v1/auth/password-reset"))
        .json(&serde_json::json!({"email": email}))
        .send()
        .await
        .unwrap();

    let (code, logs) = served.stop();
    assert_eq!(code, 0, "a clean stop on SIGTERM");
    assert!(logs.contains("request_id="), "requests are logged with their id:\n{logs}");
    assert!(logs.contains("/api/v1/me"), "paths are logged");
    for secret_value in
        [email, "camille.secret", name, "Secrète", password, "mauvais mot de passe", &secret, &confirm_token]
    {
        assert!(!logs.contains(secret_value), "the logs contain {secret_value:?}:\n{logs}");
    }
    assert!(!logs.contains("mlg_session="), "no cookie in the logs");
}

/// SIGTERM while requests are in flight: each gets its answer, then the
/// process exits. The requests are held open by sending their bodies in two
/// halves, so they are provably in the server's hands when the signal lands.
#[tokio::test]
async fn graceful_shutdown_finishes_requests_in_flight() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let db = testkit::sqlite().await;
    let served = serve(&data_args(&db), "info");
    let addr = served.url.trim_start_matches("http://").to_owned();
    let body = br#"{"email": "attente@exemple.fr"}"#;
    let (first, second) = body.split_at(10);
    let mut connections = Vec::new();
    for _ in 0..5 {
        let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST /api/v1/auth/password-reset HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        conn.write_all(head.as_bytes()).await.unwrap();
        conn.write_all(first).await.unwrap();
        connections.push(conn);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopper = std::thread::spawn(move || served.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    for mut conn in connections {
        conn.write_all(second).await.unwrap();
        let mut response = Vec::new();
        conn.read_to_end(&mut response).await.unwrap();
        let response = String::from_utf8_lossy(&response);
        assert!(response.starts_with("HTTP/1.1 202"), "an in-flight request was answered: {response}");
    }
    let (code, logs) = stopper.join().unwrap();
    assert_eq!(code, 0);
    assert!(logs.contains("finishing requests in flight"));
    assert!(tokio::net::TcpStream::connect(&addr).await.is_err(), "no new connection after the stop");
}

/// A short contended run of `bench bookings` and `bench registrations`: the
/// command must end with its RESULT line, have confirmed operations, and
/// find no broken guarantee in the database afterwards.
fn bench_operations_on(database: &[String]) {
    for workload in ["bookings", "registrations"] {
        let args = ["bench", workload, "--clients", "8", "--duration", "1", "--capacity", "20", "--days", "2"];
        let (code, out, err) = run(&args, database);
        assert_eq!(code, 0, "bench {workload} exits 0 when no guarantee broke\n{out}\n{err}");
        let result = out.lines().find(|l| l.starts_with("RESULT ")).unwrap_or_else(|| panic!("RESULT line\n{out}"));
        let field = |name: &str| -> f64 {
            result
                .split_whitespace()
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("{name} in {result}"))
                .parse()
                .unwrap()
        };
        assert_eq!(field("violations"), 0.0, "{result}");
        assert_eq!(field("failed"), 0.0, "{result}");
        assert!(field("ops_per_s") > 0.0, "{result}");
        assert!(field("p99_ms") >= field("p50_ms"), "{result}");
    }
}

#[test]
fn bench_operations_find_no_violation_sqlite() {
    bench_operations_on(&[]);
}

#[tokio::test]
async fn bench_operations_find_no_violation_postgres() {
    let Some(url) = testkit::db::postgres_url().await else { return };
    bench_operations_on(&["--database-url".into(), url]);
}

#[tokio::test]
async fn accounting_export_writes_the_fec_of_a_place() {
    use domain::operations::accounting::RevenueCategory;
    use domain::operations::invoices::InvoiceLine;
    let db = testkit::sqlite().await;
    let data = data_args(&db);
    let example =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../referentials/standards/lieux-mediation-numerique-exemple.csv");
    assert_eq!(run(&["import", "--mapping", "mednum", example], &data).0, 0);
    let place = db
        .store
        .atlas_records_page(
            store::atlas::RecordCursor { kind: Some(domain::atlas::RecordKind::Place), after_id: 0, live_only: true },
            1,
        )
        .await
        .unwrap()[0]
        .id;
    let app = app::App::new(db.store.clone(), app::AppConfig::new("http://127.0.0.1:8080")).await.unwrap();
    let line = |label: &str, cents: i64, category| InvoiceLine {
        label: label.into(),
        quantity: 1,
        unit_cents: cents,
        vat_bp: 2000,
        category,
    };
    let system = domain::policy::Actor::System;
    let lines = [
        line("Location salle", 10_000, RevenueCategory::Rental),
        line("Coaching", 5_000, RevenueCategory::Accompaniment),
    ];
    let inv = app::invoices::issue_invoice(&app, &system, place, "Coop | des Usages", &lines).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fec.txt");
    let (place_arg, file_arg) = (place.to_string(), file.display().to_string());
    let (code, out, err) = run(&["accounting", "export", "--place", &place_arg, "--output", &file_arg], &data);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(err.contains("Exported 1 entries"), "{err}");
    let text = std::fs::read_to_string(&file).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('|').collect()).collect();
    assert_eq!(rows[0].len(), 18);
    assert_eq!((rows[0][0], rows[0][17]), ("JournalCode", "Idevise"));
    let number = domain::operations::invoices::display_number(inv.year, inv.number);
    let accounts: Vec<(&str, &str, &str)> = rows[1..].iter().map(|r| (r[4], r[11], r[12])).collect();
    assert_eq!(
        accounts,
        [
            ("411000", "180,00", "0,00"),
            ("706100", "0,00", "100,00"),
            ("706500", "0,00", "50,00"),
            ("445710", "0,00", "30,00")
        ]
    );
    assert!(rows[1..].iter().all(|r| r.len() == 18 && r[2] == number), "{text}");
    assert_eq!(rows[1][7], "Coop des Usages", "no separator inside a field");

    // Standard output, and bad arguments.
    let (code, out, _) = run(&["accounting", "export", "--place", &place_arg], &data);
    assert_eq!((code, out), (0, text));
    let (code, _, err) = run(&["accounting", "export", "--place", &place_arg, "--from", "2026-02-30"], &data);
    assert_ne!(code, 0);
    assert!(err.contains("--from"), "{err}");
    let (code, _, err) = run(&["accounting", "export", "--place", "999999"], &data);
    assert_ne!(code, 0);
    assert!(err.contains("no place with id 999999"), "{err}");
}

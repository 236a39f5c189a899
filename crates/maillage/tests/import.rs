//! `maillage import` on the real public files, as an operator runs it:
//! every shipped mapping on its source (counts, rejects with reasons),
//! re-imports that change nothing, and recovery from an import killed
//! with SIGKILL.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use testkit::TestDb;

fn maillage() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_maillage"));
    c.env_remove("DATABASE_URL").env_remove("MAILLAGE_DATA_DIR").env("MAILLAGE_LOG", "warn");
    c
}

fn data_args(db: &TestDb) -> Vec<String> {
    match db.data_dir() {
        Some(dir) => vec!["--data-dir".into(), dir.display().to_string()],
        None => vec!["--database-url".into(), db.url.clone()],
    }
}

fn shared(file: &str) -> PathBuf {
    testkit::db::shared_data(file)
}

/// The summary's counts: read, created, updated, unchanged, retired, rejected.
#[derive(Debug, PartialEq)]
struct Summary {
    read: u64,
    created: u64,
    updated: u64,
    unchanged: u64,
    retired: u64,
    rejected: u64,
    skipped: u64,
}

fn import(db: &TestDb, mapping: &str, source: &str, file: &Path, within: Option<&str>, rejects: &Path) -> Summary {
    let mut cmd = maillage();
    cmd.args(["import", "--mapping", mapping, "--source", source, "--rejects"])
        .arg(rejects)
        .arg(file)
        .args(data_args(db));
    if let Some(w) = within {
        cmd.args(["--within", w]);
    }
    let out = cmd.output().expect("run maillage import");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let number_after = |word: &str| -> u64 {
        stdout
            .split(word)
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).find(|s| !s.is_empty()))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    Summary {
        read: number_after("read "),
        created: number_after("created "),
        updated: number_after("updated "),
        unchanged: number_after("unchanged "),
        retired: number_after("retired "),
        rejected: number_after("rejected "),
        skipped: number_after("skipped "),
    }
}

/// Rows of a source file, counted independently of our readers.
fn rows_in(file: &Path) -> u64 {
    if file.extension().is_some_and(|e| e == "json") {
        let doc: serde_json::Value = serde_json::from_reader(std::fs::File::open(file).unwrap()).unwrap();
        return doc.as_array().map_or(0, Vec::len) as u64;
    }
    let mut reader = csv::ReaderBuilder::new().delimiter(sniff_delimiter(file)).from_path(file).unwrap();
    reader.records().count() as u64
}

fn sniff_delimiter(file: &Path) -> u8 {
    let text = std::fs::read(file).unwrap();
    let first = text.split(|b| *b == b'\n').next().unwrap().to_vec();
    [b',', b';', b'\t'].into_iter().max_by_key(|d| first.iter().filter(|b| *b == d).count()).unwrap()
}

/// Lines of a rejects file: (line, field, reason).
fn rejects_of(path: &Path) -> Vec<(u64, String, String)> {
    if !path.exists() {
        return Vec::new();
    }
    csv::Reader::from_path(path)
        .unwrap()
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].parse().unwrap(), r[1].to_owned(), r[2].to_owned())
        })
        .collect()
}

/// (mapping, source, file, --within, how many records a row makes)
const SOURCES: &[(&str, &str, &str, Option<&str>, u64)] = &[
    ("france-services", "france-services", "places/france-services-2024-08.csv", None, 2),
    (
        "mednum",
        "mednum-charente",
        "places/mednum/20230711-charente-lieux-de-mediation-numeriques-nouvelle-aquitaine.json",
        None,
        2,
    ),
    (
        "mednum",
        "mednum-bus",
        "places/mednum/20231003-bus-france-services-en-charente-lieux-de-mediation-numeriques-nouvelle-aquitaine.json",
        None,
        2,
    ),
    ("mednum", "mednum-idf", "places/mednum/lieux-cnfs-idf.json", None, 2),
    ("mednum", "mednum-hinaura", "places/mednum/source-hinaura.json", None, 2),
    ("mednum", "mednum-cnfs", "places/mednum/lieux-de-mediation-numerique.cnfs.json", Some("16,17,33,79,86"), 2),
    ("mairies", "mairies", "organisations/mairies-fr.csv", Some("16,17"), 1),
];

async fn every_shipped_mapping_on_its_file(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    for (mapping, source, file, within, per_row) in SOURCES {
        let path = shared(file);
        let rejects = dir.path().join(format!("{source}.rejects.csv"));
        let first = import(db, mapping, source, &path, *within, &rejects);
        assert_eq!(first.read, rows_in(&path), "{source}: every row read");
        let kept = first.read - first.skipped - first.rejected;
        assert!(kept * 10 >= (first.read - first.skipped) * 9, "{source}: at most a tenth rejected: {first:?}");
        assert_eq!(first.created, kept * per_row, "{source}: {first:?}");
        let lines = rejects_of(&rejects);
        let rejected_rows: std::collections::BTreeSet<u64> =
            lines.iter().filter(|(_, _, reason)| !reason.starts_with("value left out")).map(|(l, _, _)| *l).collect();
        assert_eq!(rejected_rows.len() as u64, first.rejected, "{source}: one line per rejected row");
        for (line, field, reason) in &lines {
            assert!(*line >= 1 && !reason.is_empty(), "{source}: line {line} field {field:?} has a reason");
        }

        // The same file again: nothing changes.
        let again = import(db, mapping, source, &path, *within, &dir.path().join("again.csv"));
        assert_eq!(
            (again.created, again.updated, again.retired, again.unchanged),
            (0, 0, 0, first.created),
            "{source}: a second import changes nothing"
        );
    }
    // What the files say about reasons, in words a person understands.
    let cnfs = rejects_of(&dir.path().join("mednum-cnfs.rejects.csv"));
    assert!(cnfs.iter().any(|(_, f, r)| f == "pivot" && r.contains("SIRET")), "invalid SIRETs are reported");
    assert!(cnfs.iter().any(|(_, f, r)| f == "opening_hours" && r.contains("hours")), "malformed hours are reported");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shipped_mapping_imports_its_real_file_sqlite() {
    every_shipped_mapping_on_its_file(&testkit::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shipped_mapping_imports_its_real_file_postgres() {
    let Some(db) = testkit::postgres().await else { return };
    every_shipped_mapping_on_its_file(&db).await;
}

/// Source records of a source, and how many distinct source ids they have.
async fn source_rows(db: &TestDb, source: &str) -> (i64, i64) {
    let store = store::Store::open(&db.url, 2).await.unwrap();
    store.count_source_records(source).await.unwrap()
}

async fn killed_then_resumed(db: &TestDb) {
    let file = shared("places/france-services-2024-08.csv");
    let dir = tempfile::tempdir().unwrap();
    let reference = testkit::sqlite().await;
    let complete = import(&reference, "france-services", "fs", &file, None, &dir.path().join("ref.csv"));

    // Kill the import as soon as some batches are in, before it ends.
    let mut killed_midway = false;
    for _ in 0..5 {
        let mut child = maillage()
            .args(["import", "--mapping", "france-services", "--source", "fs", "--rejects"])
            .arg(dir.path().join("killed.csv"))
            .arg(&file)
            .args(data_args(db))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let seen = loop {
            let (n, _) = source_rows(db, "fs").await;
            if n > 0 || child.try_wait().unwrap().is_some() {
                break n;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let (after, _) = source_rows(db, "fs").await;
        if seen > 0 && (after as u64) < complete.created {
            killed_midway = true;
            break;
        }
    }
    assert!(killed_midway, "the import was killed between two batches");

    // The next run completes the job, without duplicates or lost rows.
    import(db, "france-services", "fs", &file, None, &dir.path().join("resumed.csv"));
    let (records, distinct) = source_rows(db, "fs").await;
    assert_eq!(records, distinct, "no source record twice");
    assert_eq!(records as u64, complete.created, "as many records as an import that was never killed");
    let store = store::Store::open(&db.url, 2).await.unwrap();
    let runs = store.import_runs(20).await.unwrap();
    assert!(runs.iter().any(|r| r.status == "interrupted"), "the killed run is marked interrupted");
    assert_eq!(runs[0].status, "done");
    let verify = maillage().arg("verify").args(data_args(db)).output().unwrap();
    assert!(verify.status.success(), "the audit chain is intact: {}", String::from_utf8_lossy(&verify.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_midway_is_completed_by_the_next_run_sqlite() {
    killed_then_resumed(&testkit::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_midway_is_completed_by_the_next_run_postgres() {
    let Some(db) = testkit::postgres().await else { return };
    killed_then_resumed(&db).await;
}

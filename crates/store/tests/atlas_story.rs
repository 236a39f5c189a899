//! The atlas's storage story, on SQLite and on PostgreSQL.

use std::collections::BTreeMap;

use domain::atlas::{RecordKind, Value};
use domain::audit::{AuditActor, AuditEvent};
use domain::territory::Territory;
use store::atlas::resolve::ResolveContext;
use store::atlas::{RecordCursor, SourceUpsert, UpsertOutcome};
use store::{Store, now_micros};
use testkit::TestDb;

testkit::on_both_backends!(
    sources_resolve_into_golden_records,
    hand_edits_win_until_the_source_changes,
    retiring_every_source_retires_the_record,
    merges_move_everything_and_undo_restores_it,
    the_outbox_lists_every_change_in_commit_order,
    a_record_without_coordinates_then_one_with_them,
);

fn ctx() -> ResolveContext<'static> {
    ResolveContext { territory: Territory::embedded(), now: now_micros(), stale_after_days: 365 }
}

fn fields(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

async fn upsert(
    store: &Store,
    source: &str,
    id: &str,
    f: &BTreeMap<String, Value>,
    fp: &str,
    run: i64,
) -> UpsertOutcome {
    let mut tx = store.write().await.unwrap();
    let outcome = tx
        .upsert_source(
            SourceUpsert {
                source,
                source_id: id,
                kind: RecordKind::Place,
                fields: f,
                fingerprint: fp,
                observed_at: None,
                run_id: Some(run),
                synthetic: false,
            },
            now_micros(),
        )
        .await
        .unwrap();
    if !matches!(outcome, UpsertOutcome::Unchanged { .. }) {
        tx.resolve_record(outcome.record_id(), ctx()).await.unwrap();
    }
    tx.audit(AuditEvent::new(AuditActor::System, "test.upsert", "atlas_record", outcome.record_id())).await.unwrap();
    tx.commit().await.unwrap();
    outcome
}

fn ruffec(name: &str) -> BTreeMap<String, Value> {
    fields(&[
        ("name", text(name)),
        ("commune_insee", text("16292")),
        ("kinds", Value::List(vec!["fablab".into()])),
        ("geo", Value::Geo { lat: 46.03, lon: 0.19 }),
    ])
}

/// The same statements save a record with no place on the map and then one
/// with coordinates, on one connection (so PostgreSQL reuses the statement
/// it prepared for the first): both are stored, the second with its point.
async fn a_record_without_coordinates_then_one_with_them(db: &TestDb) {
    let store = Store::open(&db.url, 1).await.unwrap();
    let nowhere = fields(&[("name", text("Lieu sans adresse")), ("kinds", Value::List(vec!["fablab".into()]))]);
    let first = upsert(&store, "src", "nowhere", &nowhere, "a", 1).await.record_id();
    let second = upsert(&store, "src", "ruffec", &ruffec("Fablab de Ruffec"), "a", 1).await.record_id();
    assert_eq!(store.atlas_record(first).await.unwrap().geo, None);
    assert_eq!(store.atlas_record(second).await.unwrap().geo, Some((46.03, 0.19)));
    store.close().await;
}

async fn sources_resolve_into_golden_records(db: &TestDb) {
    let store = &db.store;
    let created = upsert(store, "src", "1", &ruffec("Fablab de Ruffec"), "a", 1).await;
    assert!(matches!(created, UpsertOutcome::Created { .. }));
    let id = created.record_id();
    assert!(matches!(
        upsert(store, "src", "1", &ruffec("Fablab de Ruffec"), "a", 2).await,
        UpsertOutcome::Unchanged { .. }
    ));
    let r = store.atlas_record(id).await.unwrap();
    assert_eq!(r.name, "Fablab de Ruffec");
    assert_eq!((r.departement.as_deref(), r.region.as_deref()), (Some("16"), Some("75")));
    assert!(r.epci.is_some());
    assert_eq!(r.geo, Some((46.03, 0.19)));
    assert_eq!(r.provenance["name"][0].source, "src");
    assert!(r.quality > 0 && r.is_live());

    // A second source on the same record (as after a merge) unions kinds.
    let updated = upsert(store, "src", "1", &ruffec("Fab Lab de Ruffec"), "b", 3).await;
    assert!(matches!(updated, UpsertOutcome::Updated { .. }));
    assert_eq!(store.atlas_record(id).await.unwrap().name, "Fab Lab de Ruffec");
    assert_eq!(store.count_atlas_records(Some(RecordKind::Place), true).await.unwrap(), 1);
    let page = store
        .atlas_records_page(RecordCursor { kind: Some(RecordKind::Place), after_id: 0, live_only: true }, 10)
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    let mut streamed = 0;
    store
        .for_each_atlas_record::<store::StoreError>(RecordCursor::default(), |_| {
            streamed += 1;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(streamed, 1);
}

async fn hand_edits_win_until_the_source_changes(db: &TestDb) {
    let store = &db.store;
    let id = upsert(store, "src", "1", &ruffec("Maison des services"), "a", 1).await.record_id();
    let mut tx = store.write().await.unwrap();
    let base = tx.sources_fingerprint(id, "name").await.unwrap();
    tx.set_edit(id, "name", &text("France Services de Ruffec"), base.as_deref(), Some(7), now_micros()).await.unwrap();
    tx.resolve_record(id, ctx()).await.unwrap();
    tx.audit(AuditEvent::new(AuditActor::User(7), "atlas.edit", "atlas_record", id)).await.unwrap();
    tx.commit().await.unwrap();
    let r = store.atlas_record(id).await.unwrap();
    assert_eq!((r.name.as_str(), r.provenance["name"][0].source.as_str()), ("France Services de Ruffec", "manual"));

    // Re-importing the same value keeps the edit; a new value wins and shows the conflict.
    upsert(store, "src", "1", &ruffec("Maison des services"), "a2", 2).await;
    assert_eq!(store.atlas_record(id).await.unwrap().name, "France Services de Ruffec");
    upsert(store, "src", "1", &ruffec("Espace France Services"), "b", 3).await;
    let r = store.atlas_record(id).await.unwrap();
    assert_eq!(r.name, "Espace France Services");
    assert_eq!(r.conflicts.len(), 1);
    assert_eq!(r.conflicts[0].hand_value, text("France Services de Ruffec"));
}

async fn retiring_every_source_retires_the_record(db: &TestDb) {
    let store = &db.store;
    let kept = upsert(store, "src", "1", &ruffec("Gardé"), "a", 1).await.record_id();
    let gone = upsert(store, "src", "2", &ruffec("Disparu"), "b", 1).await.record_id();
    upsert(store, "src", "1", &ruffec("Gardé"), "a", 2).await;
    let mut tx = store.write().await.unwrap();
    let retired = tx.retire_unseen_sources("src", 2, now_micros(), 100).await.unwrap();
    assert_eq!(retired, vec![gone]);
    tx.resolve_record(gone, ctx()).await.unwrap();
    tx.audit(AuditEvent::new(AuditActor::System, "import.retire", "import_run", 2)).await.unwrap();
    tx.commit().await.unwrap();
    assert!(store.atlas_record(gone).await.unwrap().retired_at.is_some());
    assert!(store.atlas_record(kept).await.unwrap().is_live());
    // The source lists it again: it comes back.
    upsert(store, "src", "2", &ruffec("Disparu"), "b", 3).await;
    assert!(store.atlas_record(gone).await.unwrap().is_live());
}

async fn merges_move_everything_and_undo_restores_it(db: &TestDb) {
    let store = &db.store;
    let a = upsert(store, "cnfs", "x", &ruffec("Médiathèque de Ruffec"), "a", 1).await.record_id();
    let b = upsert(store, "hinaura", "y", &ruffec("MEDIATHEQUE RUFFEC"), "b", 1).await.record_id();
    let svc = {
        let mut tx = store.write().await.unwrap();
        tx.upsert_link(a, b, "partner-of", Some("2024-01-01"), None, "manual").await.unwrap();
        tx.set_key_figure(b, 2025, "visitors", 1200, "manual").await.unwrap();
        tx.audit(AuditEvent::new(AuditActor::System, "test", "atlas_record", a)).await.unwrap();
        tx.commit().await.unwrap();
        b
    };
    let mut tx = store.write().await.unwrap();
    assert!(tx.propose_duplicate(b, a, 0.8, &["name".into()]).await.unwrap());
    assert!(!tx.propose_duplicate(a, b, 0.8, &[]).await.unwrap(), "proposed once");
    let merge = tx.merge_records(a, b, false, Some(1)).await.unwrap();
    tx.resolve_record(a, ctx()).await.unwrap();
    tx.resolve_record(b, ctx()).await.unwrap();
    tx.audit(AuditEvent::new(AuditActor::User(1), "atlas.merge", "atlas_record", a)).await.unwrap();
    tx.commit().await.unwrap();

    let survivor = store.atlas_record(a).await.unwrap();
    assert_eq!(store.sources_of(a).await.unwrap().len(), 2);
    assert!(survivor.provenance["kinds"].len() == 2 || survivor.provenance["kinds"].len() == 1);
    assert_eq!(store.atlas_record(b).await.unwrap().merged_into, Some(a));
    assert_eq!(store.key_figures_of(a).await.unwrap()[0].value, 1200);
    assert_eq!(store.pair_status(a, b).await.unwrap().as_deref(), Some("merged"));
    // The link between the two would point at itself: it stays with the merged record.
    assert!(store.links_of(svc).await.unwrap().iter().all(|l| l.from_id == a || l.to_id == b));
    // Re-importing a merged record's source feeds the survivor.
    assert_eq!(upsert(store, "hinaura", "y", &ruffec("MEDIATHEQUE RUFFEC"), "b", 2).await.record_id(), a);

    let mut tx = store.write().await.unwrap();
    let (s, m) = tx.undo_merge(merge, Some(1)).await.unwrap();
    assert_eq!((s, m), (a, b));
    tx.resolve_record(a, ctx()).await.unwrap();
    tx.resolve_record(b, ctx()).await.unwrap();
    tx.audit(AuditEvent::new(AuditActor::User(1), "atlas.unmerge", "atlas_record", a)).await.unwrap();
    tx.commit().await.unwrap();
    assert!(store.atlas_record(b).await.unwrap().is_live());
    assert_eq!(store.sources_of(b).await.unwrap().len(), 1);
    assert!(store.key_figures_of(a).await.unwrap().is_empty());
    assert_eq!(store.pair_status(a, b).await.unwrap().as_deref(), Some("distinct"), "not merged again automatically");
    let mut tx = store.write().await.unwrap();
    assert!(tx.undo_merge(merge, None).await.is_err(), "undone once");
    tx.rollback().await.unwrap();
}

async fn the_outbox_lists_every_change_in_commit_order(db: &TestDb) {
    let store = &db.store;
    let start = store.last_change_id().await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            upsert(&store, "src", &i.to_string(), &ruffec(&format!("Lieu {i}")), "a", 1).await.record_id()
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    let changes = store.changes_after(start, 1000).await.unwrap();
    let mut seen: Vec<i64> = changes.iter().map(|c| c.1).collect();
    seen.sort();
    seen.dedup();
    ids.sort();
    assert_eq!(seen, ids, "every changed record is in the outbox");
    assert!(changes.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(store.last_change_id().await.unwrap(), changes.last().unwrap().0);
}

//! One storage story, run on SQLite and on PostgreSQL.

use std::collections::HashSet;

use chrono::{Duration, Utc};
use domain::accounts::{DisplayName, Email, Grant, Role, TokenScope, TokenScopes};
use domain::audit::{AuditActor, AuditEvent, ChainProblem};
use store::accounts::NewUser;
use store::api_tokens::NewApiToken;
use store::one_time::Purpose;
use store::{Store, StoreError};
use testkit::TestDb;

testkit::on_both_backends!(
    accounts,
    sessions_and_tokens,
    one_time_tokens_are_single_use_even_when_raced,
    grants,
    unaudited_writes_cannot_commit,
    audit_chain_detects_direct_edits,
    concurrent_audited_writes_keep_a_gap_free_chain,
    throttle_counts_every_concurrent_hit,
    each_job_is_claimed_once,
    erasure_keeps_the_audit_chain,
    backup_restores_into_an_empty_database,
    an_abandoned_write_leaves_nothing_behind,
    a_dropped_connection_is_replaced,
);

async fn add_user(store: &Store, email: &str) -> store::accounts::User {
    let mut tx = store.write().await.unwrap();
    let user = tx
        .insert_user(NewUser {
            email: &Email::parse(email).unwrap(),
            display_name: &DisplayName::parse("Camille Durand").unwrap(),
            password_hash: "$argon2id$fake",
            locale: "fr",
            confirmed: false,
        })
        .await
        .unwrap();
    tx.audit(AuditEvent::new(AuditActor::Anonymous, "user.signup", "user", user.id)).await.unwrap();
    tx.commit().await.unwrap();
    user
}

async fn accounts(db: &TestDb) {
    let store = &db.store;
    let user = add_user(store, "Camille@Exemple.fr").await;
    assert_eq!(user.email.as_deref(), Some("camille@exemple.fr"));
    assert!(!user.is_confirmed());

    let mut tx = store.write().await.unwrap();
    let dup = tx
        .insert_user(NewUser {
            email: &Email::parse("camille@EXEMPLE.fr").unwrap(),
            display_name: &DisplayName::parse("Autre").unwrap(),
            password_hash: "x",
            locale: "fr",
            confirmed: false,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    tx.rollback().await.unwrap();

    let mut tx = store.write().await.unwrap();
    tx.confirm_email(user.id).await.unwrap();
    tx.set_password_hash(user.id, "$argon2id$new").await.unwrap();
    tx.audit(AuditEvent::new(AuditActor::User(user.id), "user.confirm", "user", user.id)).await.unwrap();
    tx.commit().await.unwrap();

    let (found, hash) = store.user_with_password(&Email::parse("camille@exemple.fr").unwrap()).await.unwrap().unwrap();
    assert!(found.is_confirmed());
    assert_eq!(hash.as_deref(), Some("$argon2id$new"));
    assert!(matches!(store.user(9999).await, Err(StoreError::NotFound)));

    for i in 0..5 {
        add_user(store, &format!("p{i}@exemple.fr")).await;
    }
    let page1 = store.list_users(0, 4).await.unwrap();
    let page2 = store.list_users(page1.last().unwrap().id, 4).await.unwrap();
    assert_eq!((page1.len(), page2.len()), (4, 2));
    assert_eq!(store.count_users().await.unwrap(), 6);
}

async fn sessions_and_tokens(db: &TestDb) {
    let store = &db.store;
    let user = add_user(store, "s@exemple.fr").await;
    let mut tx = store.write().await.unwrap();
    let live = tx.insert_session(user.id, "hash-live", Utc::now() + Duration::days(1), "Firefox").await.unwrap();
    tx.insert_session(user.id, "hash-old", Utc::now() - Duration::seconds(1), "Old").await.unwrap();
    let scopes = TokenScopes::new([TokenScope::AccountRead]);
    let token = tx
        .insert_api_token(NewApiToken {
            user_id: user.id,
            name: "script",
            token_hash: "tok-hash",
            prefix: "mlg_abcd",
            scopes: &scopes,
            expires_at: None,
        })
        .await
        .unwrap();
    tx.audit(AuditEvent::new(AuditActor::User(user.id), "session.open", "user", user.id)).await.unwrap();
    tx.commit().await.unwrap();

    let (s, u, roles) = store.session_by_token_hash("hash-live").await.unwrap().unwrap();
    assert_eq!((s.id, u.id), (live.id, user.id));
    assert!(roles.is_empty(), "a person without roles still signs in");
    assert!(store.session_by_token_hash("hash-old").await.unwrap().is_none(), "an expired session is dead");
    assert_eq!(store.sessions_of(user.id).await.unwrap().len(), 1);

    let (t, owner, roles) = store.api_token_by_hash("tok-hash").await.unwrap().unwrap();
    assert_eq!((t.id, owner.id), (token.id, user.id));
    assert!(roles.is_empty());
    assert!(t.scopes.contains(TokenScope::AccountRead));
    store.touch_api_token(t.id, chrono::Duration::minutes(1)).await.unwrap();
    assert!(store.api_tokens_of(user.id).await.unwrap()[0].last_used_at.is_some());

    let mut tx = store.write().await.unwrap();
    assert!(tx.revoke_api_token(user.id, token.id).await.unwrap());
    assert!(!tx.revoke_api_token(user.id, token.id).await.unwrap(), "already revoked");
    assert_eq!(tx.delete_session_by_token_hash("hash-live").await.unwrap(), Some(user.id));
    tx.audit(AuditEvent::new(AuditActor::User(user.id), "token.revoke", "api_token", token.id)).await.unwrap();
    tx.commit().await.unwrap();
    assert!(store.api_token_by_hash("tok-hash").await.unwrap().is_none());
    assert!(store.session_by_token_hash("hash-live").await.unwrap().is_none());
}

async fn one_time_tokens_are_single_use_even_when_raced(db: &TestDb) {
    let store = &db.store;
    let user = add_user(store, "o@exemple.fr").await;
    let mut tx = store.write().await.unwrap();
    tx.insert_one_time_token(user.id, Purpose::ResetPassword, "otp", Utc::now() + Duration::hours(1)).await.unwrap();
    tx.insert_one_time_token(user.id, Purpose::ResetPassword, "expired", Utc::now() - Duration::hours(1))
        .await
        .unwrap();
    tx.audit(AuditEvent::new(AuditActor::Anonymous, "password.reset_request", "user", user.id)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.one_time_token_owner("otp", Purpose::ResetPassword).await.unwrap(), Some(user.id));
    assert_eq!(store.one_time_token_owner("otp", Purpose::ConfirmEmail).await.unwrap(), None, "wrong purpose");

    let mut racers = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        racers.push(tokio::spawn(async move {
            loop {
                let mut tx = match store.write().await {
                    Ok(tx) => tx,
                    Err(StoreError::Busy) => continue,
                    Err(e) => panic!("{e}"),
                };
                let got = tx.consume_one_time_token("otp", Purpose::ResetPassword).await.unwrap();
                tx.audit(AuditEvent::new(AuditActor::Anonymous, "password.reset", "user", 0)).await.unwrap();
                tx.commit().await.unwrap();
                return got;
            }
        }));
    }
    let mut winners = 0;
    for r in racers {
        if r.await.unwrap() == Some(user.id) {
            winners += 1;
        }
    }
    assert_eq!(winners, 1, "exactly one request may use the token");

    let mut tx = store.write().await.unwrap();
    assert_eq!(tx.consume_one_time_token("expired", Purpose::ResetPassword).await.unwrap(), None);
    tx.rollback().await.unwrap();
}

async fn grants(db: &TestDb) {
    let store = &db.store;
    let user = add_user(store, "g@exemple.fr").await;
    let manager = Grant::new(Role::PlaceManager, Some(42)).unwrap();
    let admin = Grant::new(Role::PlatformAdmin, None).unwrap();
    let mut tx = store.write().await.unwrap();
    let a = tx.insert_grant(user.id, &manager).await.unwrap();
    let b = tx.insert_grant(user.id, &manager).await.unwrap();
    assert_eq!(a.id, b.id, "granting twice keeps one grant");
    tx.insert_grant(user.id, &admin).await.unwrap();
    tx.insert_grant(user.id, &admin).await.unwrap();
    tx.audit(AuditEvent::new(AuditActor::System, "role.grant", "user", user.id)).await.unwrap();
    tx.commit().await.unwrap();
    let held: Vec<Grant> = store.grants_of(user.id).await.unwrap().into_iter().map(|g| g.grant).collect();
    assert_eq!(held, vec![manager.clone(), admin.clone()]);

    // Sign-in lookups bring the roles along: one identity, every role once.
    let mut tx = store.write().await.unwrap();
    tx.insert_session(user.id, "hash-g", Utc::now() + Duration::days(1), "Firefox").await.unwrap();
    let scopes = TokenScopes::new([TokenScope::AccountRead]);
    let token = NewApiToken {
        user_id: user.id,
        name: "script",
        token_hash: "tok-g",
        prefix: "mlg_gggg",
        scopes: &scopes,
        expires_at: None,
    };
    tx.insert_api_token(token).await.unwrap();
    tx.audit(AuditEvent::new(AuditActor::User(user.id), "session.open", "user", user.id)).await.unwrap();
    tx.commit().await.unwrap();
    let (_, _, by_session) = store.session_by_token_hash("hash-g").await.unwrap().unwrap();
    let (_, _, by_token) = store.api_token_by_hash("tok-g").await.unwrap().unwrap();
    for roles in [by_session, by_token] {
        assert_eq!(roles.into_iter().map(|g| g.grant).collect::<Vec<_>>(), held);
    }

    let mut tx = store.write().await.unwrap();
    assert!(tx.delete_grant(user.id, &admin).await.unwrap());
    assert!(!tx.delete_grant(user.id, &admin).await.unwrap());
    tx.audit(AuditEvent::new(AuditActor::System, "role.revoke", "user", user.id)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.grants_of(user.id).await.unwrap().len(), 1);
}

/// A write dropped half-way (an error, a cancelled request) is rolled back,
/// and the connection it used serves the next request outside any
/// transaction: one connection only, so a leftover would show.
async fn an_abandoned_write_leaves_nothing_behind(db: &TestDb) {
    let store = Store::open(&db.url, 1).await.unwrap();
    for round in 0..3 {
        let mut tx = store.write().await.unwrap();
        tx.insert_user(NewUser {
            email: &Email::parse(&format!("abandon{round}@exemple.fr")).unwrap(),
            display_name: &DisplayName::parse("Abandon").unwrap(),
            password_hash: "x",
            locale: "fr",
            confirmed: false,
        })
        .await
        .unwrap();
        drop(tx);
        let email = Email::parse(&format!("abandon{round}@exemple.fr")).unwrap();
        assert!(store.user_with_password(&email).await.unwrap().is_none(), "round {round}: rolled back");
    }
    let user = add_user(&store, "kept@exemple.fr").await;
    assert_eq!(store.user(user.id).await.unwrap().id, user.id, "the next write commits");
    let other = Store::connect(&db.url, 1).await.unwrap();
    assert!(other.user(user.id).await.is_ok(), "and another connection sees it: no transaction was left open");
    store.close().await;
    other.close().await;
}

/// A connection the database server dropped (a restart, an administrator)
/// fails the query that meets it, then the pool opens a new one.
async fn a_dropped_connection_is_replaced(db: &TestDb) {
    use sqlx::Connection;
    if db.store.backend() != store::Backend::Postgres {
        return; // a file does not drop its connections
    }
    let name = format!("maillage-pool-{}", std::process::id());
    let store = Store::open(&format!("{}&application_name={name}", db.url), 1).await.unwrap();
    store.ping().await.unwrap();
    let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let (killed,): (i64,) =
        sqlx::query_as("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1")
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .unwrap();
    assert_eq!(killed, 1, "the pool's one connection");
    // pg_terminate_backend only signals: wait until the backend is gone.
    for _ in 0..100 {
        let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1")
            .bind(&name)
            .fetch_one(&mut admin)
            .await
            .unwrap();
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let _ = store.ping().await; // meets the dead connection
    store.ping().await.expect("a new connection serves the next query");
    store.close().await;
}

async fn unaudited_writes_cannot_commit(db: &TestDb) {
    let store = &db.store;
    let mut tx = store.write().await.unwrap();
    tx.insert_user(NewUser {
        email: &Email::parse("sans-trace@exemple.fr").unwrap(),
        display_name: &DisplayName::parse("X").unwrap(),
        password_hash: "x",
        locale: "fr",
        confirmed: true,
    })
    .await
    .unwrap();
    assert!(tx.commit().await.is_err());
    assert!(store.user_by_email(&Email::parse("sans-trace@exemple.fr").unwrap()).await.unwrap().is_none());
}

async fn audit_chain_detects_direct_edits(db: &TestDb) {
    let store = &db.store;
    for i in 0..4 {
        add_user(store, &format!("a{i}@exemple.fr")).await;
    }
    let report = store.verify_audit_chain().await.unwrap();
    assert_eq!((report.entries, report.problem.clone()), (4, None));

    db.execute_raw("UPDATE audit_log SET summary = 'edited by hand' WHERE seq = 2").await;
    let report = store.verify_audit_chain().await.unwrap();
    assert_eq!(report.problem, Some(ChainProblem::Altered { seq: 2 }));
}

async fn concurrent_audited_writes_keep_a_gap_free_chain(db: &TestDb) {
    let store = &db.store;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move { add_user(&store, &format!("c{i}@exemple.fr")).await }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = store.verify_audit_chain().await.unwrap();
    assert_eq!(report.problem, None);
    assert_eq!(report.entries, 40);

    // Removing the newest entry is caught by the head, the oldest by the sequence.
    db.execute_raw("DELETE FROM audit_log WHERE seq = 40").await;
    let report = store.verify_audit_chain().await.unwrap();
    assert!(matches!(report.problem, Some(ChainProblem::TailMissing { head_seq: 40, last_seq: 39, .. })));
    db.execute_raw("DELETE FROM audit_log WHERE seq = 1").await;
    let report = store.verify_audit_chain().await.unwrap();
    assert_eq!(report.problem, Some(ChainProblem::Missing { expected: 1, found: 2 }));
}

async fn throttle_counts_every_concurrent_hit(db: &TestDb) {
    let store = &db.store;
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move { store.throttle_hit("login:k", Duration::minutes(15)).await.unwrap() }));
    }
    let mut seen = HashSet::new();
    for t in tasks {
        seen.insert(t.await.unwrap());
    }
    assert_eq!(seen, (1..=30).collect::<HashSet<i64>>(), "each hit sees a distinct count");
    assert_eq!(store.throttle_count("login:k", Duration::minutes(15)).await.unwrap(), 30);
    // A zero-length window has always just expired: the count starts over.
    assert_eq!(store.throttle_hit("login:k", Duration::zero()).await.unwrap(), 1);
    store.throttle_reset("login:k").await.unwrap();
    assert_eq!(store.throttle_count("login:k", Duration::minutes(15)).await.unwrap(), 0);
}

async fn each_job_is_claimed_once(db: &TestDb) {
    let store = &db.store;
    let mut tx = store.write().await.unwrap();
    for i in 0..20 {
        tx.enqueue_job("test.job", &i.to_string(), Utc::now()).await.unwrap();
    }
    tx.enqueue_job("test.later", "", Utc::now() + Duration::hours(1)).await.unwrap();
    tx.audit(AuditEvent::new(AuditActor::System, "test.enqueue", "job", 0)).await.unwrap();
    tx.commit().await.unwrap();

    let mut workers = Vec::new();
    for w in 0..6 {
        let store = store.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            let mut idle = 0;
            while idle < 3 {
                match store.claim_job(&format!("w{w}"), Duration::minutes(5)).await.unwrap() {
                    Some(job) => {
                        mine.push(job.payload.clone());
                        store.finish_job(job.id).await.unwrap();
                        idle = 0;
                    }
                    None => {
                        idle += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    }
                }
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    all.sort_by_key(|p| p.parse::<i64>().unwrap());
    assert_eq!(all, (0..20).map(|i| i.to_string()).collect::<Vec<_>>(), "every due job once, none twice");
    assert_eq!(store.pending_jobs().await.unwrap(), 1, "the future job waits");

    // A claimed job whose lease ran out is claimed again.
    store.ensure_job("test.periodic", "periodic", Utc::now()).await.unwrap();
    store.ensure_job("test.periodic", "periodic", Utc::now()).await.unwrap();
    let first = store.claim_job("dead", Duration::zero()).await.unwrap().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let again = store.claim_job("alive", Duration::minutes(1)).await.unwrap().unwrap();
    assert_eq!((first.id, again.attempts), (again.id, 2));
}

async fn erasure_keeps_the_audit_chain(db: &TestDb) {
    let store = &db.store;
    let user = add_user(store, "efface@exemple.fr").await;
    let mut tx = store.write().await.unwrap();
    tx.insert_session(user.id, "sess", Utc::now() + Duration::days(1), "UA").await.unwrap();
    tx.enqueue_mail(Some(user.id), "efface@exemple.fr", "Bienvenue", "Bonjour Camille").await.unwrap();
    tx.audit(AuditEvent::new(AuditActor::User(user.id), "session.open", "user", user.id)).await.unwrap();
    tx.commit().await.unwrap();
    let before = store.personal_data(user.id).await.unwrap();
    assert_eq!((before.sessions.len(), before.mails.len(), before.audit.len()), (1, 1, 2));

    let mut tx = store.write().await.unwrap();
    tx.erase_user(user.id).await.unwrap();
    tx.audit(AuditEvent::new(AuditActor::User(user.id), "user.delete", "user", user.id)).await.unwrap();
    tx.commit().await.unwrap();

    let after = store.personal_data(user.id).await.unwrap();
    assert_eq!(after.user.email, None);
    assert_eq!(after.user.display_name, "");
    assert!(after.user.deleted_at.is_some());
    assert!(after.sessions.is_empty() && after.mails.is_empty() && after.api_tokens.is_empty());
    assert!(store.password_hash(user.id).await.unwrap().is_none());
    assert!(store.user_by_email(&Email::parse("efface@exemple.fr").unwrap()).await.unwrap().is_none());
    assert_eq!(store.verify_audit_chain().await.unwrap().problem, None);
    // The address is free again.
    add_user(store, "efface@exemple.fr").await;
}

async fn fill(store: &Store) {
    let user = add_user(store, "b@exemple.fr").await;
    let mut tx = store.write().await.unwrap();
    tx.insert_grant(user.id, &Grant::new(Role::OrganisationAdmin, Some(7)).unwrap()).await.unwrap();
    tx.insert_session(user.id, "s1", Utc::now() + Duration::days(1), "Navigateur « test » ✓").await.unwrap();
    tx.enqueue_mail(Some(user.id), "b@exemple.fr", "Sujet", "Corps\nsur deux lignes").await.unwrap();
    tx.audit(AuditEvent::new(AuditActor::User(user.id), "x.y", "user", user.id).with_summary("fields: a, b"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    store.throttle_hit("k", Duration::minutes(1)).await.unwrap();
    store.setting_or_init("instance_secret", || "s3cr3t".into()).await.unwrap();
}

async fn snapshot(store: &Store) -> String {
    let mut out = Vec::new();
    store.backup(&mut out).await.unwrap();
    // Drop the header line: it carries the time and source backend.
    String::from_utf8(out).unwrap().split_once('\n').unwrap().1.to_owned()
}

async fn backup_restores_into_an_empty_database(db: &TestDb) {
    let store = &db.store;
    fill(store).await;
    let mut dump = Vec::new();
    let summary = store.backup(&mut dump).await.unwrap();
    assert!(summary.rows >= 8, "{summary:?}");

    let target = testkit::sqlite().await;
    target.store.restore(dump.as_slice()).await.unwrap();
    assert_eq!(snapshot(&target.store).await, snapshot(store).await);
    assert_eq!(target.store.verify_audit_chain().await.unwrap().problem, None);
    // Ids continue after the restored ones.
    let next = add_user(&target.store, "apres@exemple.fr").await;
    assert!(next.id > 1);

    if let Some(pg) = testkit::postgres().await {
        pg.store.restore(dump.as_slice()).await.unwrap();
        assert_eq!(snapshot(&pg.store).await, snapshot(store).await);
        assert!(add_user(&pg.store, "apres@exemple.fr").await.id > 1);
    }

    // A second restore into a database that now holds data is refused whole.
    let err = target.store.restore(dump.as_slice()).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(ref m) if m.contains("not empty")), "{err}");
    // A truncated file is refused and writes nothing.
    let empty = testkit::sqlite().await;
    let cut = &dump[..dump.len() - 20];
    assert!(empty.store.restore(cut).await.is_err());
    assert_eq!(empty.store.count_users().await.unwrap(), 0);
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let versions = |b: store::Backend| b.migrator().iter().map(|m| m.version).collect::<Vec<_>>();
    assert_eq!(versions(store::Backend::Sqlite), versions(store::Backend::Postgres));
    assert!(!versions(store::Backend::Sqlite).is_empty());
}

#[tokio::test]
async fn the_backup_covers_every_table() {
    let db = testkit::sqlite().await;
    let mut tables = db.store.table_names().await.unwrap();
    let mut listed: Vec<String> = store::backup::TABLES.iter().map(|t| t.to_string()).collect();
    tables.sort();
    listed.sort();
    assert_eq!(tables, listed, "add new tables to store::backup::TABLES, parents first");
}

//! The territory team's pages: reviewing duplicates (compare, merge with a
//! choice per field, keep apart, undo) and importing a file from the web.

use std::time::Duration;

use domain::accounts::Role;
use testkit::{TestServer, browser, csrf_token, signed_in_browser};

use crate::atlas::search_until;
use crate::on_both;

async fn editor(server: &TestServer) -> reqwest::Client {
    server.user("territoire@exemple.fr", &[(Role::TerritoryEditor, None)]).await;
    signed_in_browser(server, "territoire@exemple.fr").await
}

async fn page(client: &reqwest::Client, server: &TestServer, path: &str) -> (u16, String) {
    let r = client.get(server.at(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn review(server: &TestServer) {
    testkit::atlas::charente(&server.app).await;
    let store = &server.app.store;
    let pending = store.pending_duplicates(100).await.unwrap();
    assert!(pending.len() >= 5, "the Charente files overlap: {} pairs to review", pending.len());

    // Only the territory team reviews.
    server.user("habitant@exemple.fr", &[]).await;
    let person = signed_in_browser(server, "habitant@exemple.fr").await;
    assert_eq!(page(&person, server, "/doublons").await.0, 403);
    let anonymous = browser().get(server.at("/doublons")).send().await.unwrap();
    assert_eq!(anonymous.status(), 303, "anonymous visitors are sent to log in");
    let team = editor(server).await;
    let (status, queue) = page(&team, server, "/doublons").await;
    assert_eq!(status, 200);
    let first = &pending[0];
    assert!(queue.contains(&format!("href=\"/doublons/{}\"", first.id)));

    // Side by side; the name of the record that is not kept is chosen.
    let (status, compare) = page(&team, server, &format!("/doublons/{}", first.id)).await;
    assert_eq!(status, 200);
    let (a, b) = (store.atlas_record(first.a_id).await.unwrap(), store.atlas_record(first.b_id).await.unwrap());
    assert!(compare.contains(&a.name.replace('\'', "&#39;")) || compare.contains(&a.name));
    let (survivor, absorbed) = app::atlas::duplicates::survivor_of(&a, &b);
    let absorbed_side = if absorbed == a.id { "a" } else { "b" };
    let absorbed_name = if absorbed == a.id { a.name.clone() } else { b.name.clone() };
    let mut form = vec![
        ("csrf".to_owned(), csrf_token(&compare)),
        ("action".to_owned(), "merge".to_owned()),
        ("choice_name".to_owned(), absorbed_side.to_owned()),
    ];
    form.push(("choice_nonexistent".to_owned(), "a".to_owned()));
    let r = team.post(server.at(&format!("/doublons/{}", first.id))).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&format!("/atlas/{survivor}")), "{location} for pair {first:?}");
    let kept = store.atlas_record(survivor).await.unwrap();
    let gone = store.atlas_record(absorbed).await.unwrap();
    assert_eq!(gone.merged_into, Some(survivor));
    if a.name != b.name {
        assert_eq!(kept.name, absorbed_name, "the name chosen field by field");
    }
    assert!(kept.provenance.values().flatten().any(|p| p.source == "mednum-charente"));
    assert!(kept.provenance.values().flatten().any(|p| p.source == "france-services"));
    // The absorbed record's page points to the survivor; searching no longer shows it.
    let (_, gone_page) = page(&browser(), server, &format!("/atlas/{absorbed}")).await;
    assert!(gone_page.contains(&format!("href=\"/atlas/{survivor}\"")));
    search_until(server, "type=place&limit=200&departement=16", Duration::from_secs(5), |body| {
        body["items"].as_array().unwrap().iter().all(|i| i["id"] != absorbed) && body["total"].as_u64().unwrap() < 200
    })
    .await;

    // Settled pairs answer with a notice, not an error.
    let again = team
        .post(server.at(&format!("/doublons/{}", first.id)))
        .form(&[("csrf", csrf_token(&compare).as_str()), ("action", "merge")])
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["location"], "/doublons?notice=pair_settled");

    // Undo: both records live again, each with its own sources.
    let merge = store.merges(10).await.unwrap().into_iter().find(|m| m.merged_id == absorbed).unwrap();
    let r = team
        .post(server.at(&format!("/fusions/{}/annuler", merge.id)))
        .form(&[("csrf", csrf_token(&queue).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(store.atlas_record(absorbed).await.unwrap().is_live());
    assert!(store.atlas_record(survivor).await.unwrap().is_live());

    // Keep apart: remembered when the sources are imported again.
    let second = &pending[1];
    let r = team
        .post(server.at(&format!("/doublons/{}", second.id)))
        .form(&[("csrf", csrf_token(&queue).as_str()), ("action", "distinct")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/doublons?notice=kept_apart");
    testkit::atlas::charente(&server.app).await;
    assert_eq!(store.pair_status(second.a_id, second.b_id).await.unwrap().as_deref(), Some("distinct"));
    // Each may merge with a third record, never with the other.
    let mut ends = Vec::new();
    for mut id in [second.a_id, second.b_id] {
        while let Some(into) = store.atlas_record(id).await.unwrap().merged_into {
            id = into;
        }
        ends.push(id);
    }
    assert_ne!(ends[0], ends[1], "kept apart across re-imports");
    let still = store.pending_duplicates(500).await.unwrap();
    assert!(!still.iter().any(|c| (c.a_id, c.b_id) == (second.a_id, second.b_id)), "not proposed again");
}
on_both!(duplicates_are_reviewed_merged_undone_and_kept_apart, review);

/// A multipart body as a browser sends it: (field, file name, content).
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----maillage-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, file, content) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes()),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn web_import(server: &TestServer) {
    let team = editor(server).await;
    let (status, form) = page(&team, server, "/import").await;
    assert_eq!(status, 200);
    let csrf = csrf_token(&form);
    let upload = |client: reqwest::Client, csrf: String, parts: Vec<(&'static str, Option<&'static str>, Vec<u8>)>| {
        let parts: Vec<(&str, Option<&str>, &[u8])> = parts.iter().map(|(n, f, c)| (*n, *f, c.as_slice())).collect();
        let (content_type, body) = multipart(&parts);
        let url = server.at(&format!("/import?csrf={csrf}"));
        async move { client.post(url).header("content-type", content_type).body(body).send().await.unwrap() }
    };
    let example = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../referentials/standards/lieux-mediation-numerique-exemple.csv"
    ))
    .unwrap();
    // One good row, one without a name (rejected), one with impossible
    // hours (kept without them).
    let text = String::from_utf8(example.clone()).unwrap();
    let mut lines = text.lines();
    let (header, row) = (lines.next().unwrap(), lines.next().unwrap());
    let no_name = row.replacen("\"Anonymal\"", "\"\"", 1).replacen("\"structure-1\"", "\"structure-2\"", 1);
    let bad_hours = row.replacen("\"structure-1\"", "\"structure-3\"", 1).replacen(
        "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00",
        "tous les jours sauf quand il pleut",
        1,
    );
    let with_rejects = format!("{header}\n{row}\n{no_name}\n{bad_hours}\n").into_bytes();

    // Bad input: each problem next to its field, nothing imported.
    let r = upload(team.clone(), csrf.clone(), vec![("mapping", None, b"mednum".to_vec())]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"f-file-error\""), "a file is required");
    let r = upload(
        team.clone(),
        csrf.clone(),
        vec![
            ("mapping_file", Some("m.toml"), b"[source\nname = ".to_vec()),
            ("within", None, b"16, Charente".to_vec()),
            ("file", Some("lieux.csv"), example.clone()),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"f-mapping-error\"") && html.contains("id=\"f-within-error\""));
    let r = upload(
        team.clone(),
        csrf.clone(),
        vec![("mapping", None, b"mednum".to_vec()), ("file", Some("lieux.json"), b"{\"pas\": \"une liste\"".to_vec())],
    )
    .await;
    assert_eq!(r.status(), 422, "unreadable JSON is refused before anything starts");
    assert!(server.app.store.import_runs(10).await.unwrap().is_empty(), "no run started for bad input");
    let forged = upload(team.clone(), "0".repeat(40), vec![("mapping", None, b"mednum".to_vec())]).await;
    assert_eq!(forged.status(), 403, "uploads need the form's CSRF token");
    server.user("habitant@exemple.fr", &[]).await;
    let person = signed_in_browser(server, "habitant@exemple.fr").await;
    assert_eq!(page(&person, server, "/import").await.0, 403);

    // The import runs; its page shows the summary and the rejected rows.
    let r = upload(
        team.clone(),
        csrf.clone(),
        vec![
            ("mapping", None, b"mednum".to_vec()),
            ("source", None, b"reseau-exemple".to_vec()),
            ("file", Some("lieux.csv"), with_rejects),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let run_page = r.headers()["location"].to_str().unwrap().to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let html = loop {
        let (status, html) = page(&team, server, &run_page).await;
        assert_eq!(status, 200);
        if !html.contains("http-equiv=\"refresh\"") {
            break html;
        }
        assert!(std::time::Instant::now() < deadline, "the import ends");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(html.contains("Lues 3 ; créées 4 ; mises à jour 0 ; inchangées 0 ; retirées 0 ; rejetées 1"), "{html}");
    assert!(html.contains("<th scope=\"row\">3</th>") && html.contains("<th scope=\"row\">4</th>"), "lines 3 and 4");
    let csv = team.get(server.at(&format!("{run_page}/rejets.csv"))).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.lines().nth(1).unwrap().starts_with("3,name,"), "{csv}");
    assert!(csv.lines().nth(2).unwrap().starts_with("4,opening_hours,\"value left out, row kept"), "{csv}");
    search_until(server, "q=anonymal", Duration::from_secs(5), |b| b["total"] == 1).await;
}
on_both!(territory_team_imports_a_file_from_the_web, web_import);

//! The OpenAPI document is generated from the code; this snapshot shows
//! every change of the API's contract in review. Regenerate it with
//! `UPDATE_SNAPSHOTS=1 cargo test -p web openapi`.

#[test]
fn openapi_document_matches_its_snapshot() {
    let doc = web::openapi_document();
    let json = serde_json::to_string_pretty(&doc).unwrap();
    assert!(json.contains("\"openapi\": \"3.1.0\""));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openapi.snapshot.json");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() || !path.exists() {
        std::fs::write(&path, &json).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(json, expected, "the API contract changed: review it, then UPDATE_SNAPSHOTS=1");
}

#[tokio::test]
async fn the_served_document_is_the_generated_one() {
    let db = testkit::sqlite().await;
    let server = testkit::TestServer::start(&db).await;
    let served: serde_json::Value =
        reqwest::get(server.at("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    assert_eq!(served, serde_json::to_value(web::openapi_document()).unwrap());
    assert_eq!(served["info"]["title"], "Maillage API");
    assert!(served["paths"]["/api/v1/me"]["get"]["security"].is_array());
    let docs = reqwest::get(server.at("/api/docs")).await.unwrap().text().await.unwrap();
    assert!(docs.contains("/api/v1/me/tokens") && docs.contains("validation_failed"));
}

use app::atlas::import::{ImportRequest, import, readers};
use domain::policy::Actor;
use store::atlas::RecordCursor;

#[tokio::test]
async fn scratch() {
    let db = testkit::sqlite().await;
    let app = app::App::new(db.store.clone(), app::AppConfig::new("http://x")).await.unwrap();
    let mapping = testkit::atlas::shipped_mapping("mednum");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../referentials/standards/lieux-mediation-numerique-exemple.csv");
    let rows = readers::rows(app::atlas::import::mapping::InputFormat::Csv, std::fs::File::open(path).unwrap(), None).unwrap();
    let r = import(&app, &Actor::System, ImportRequest { source: "mednum", mapping: &mapping, within: None }, rows, &|_| {}).await.unwrap();
    println!("{r:?}");
    let rej = app.store.import_rejects(r.run_id, 10).await.unwrap();
    println!("{rej:?}");
    app.store.for_each_atlas_record::<store::StoreError>(RecordCursor::default(), |rec| { println!("{rec:#?}"); Ok(()) }).await.unwrap();
    println!("{:?}", app.store.service_links_to(&[1,2]).await.unwrap());
    println!("{:#?}", app.store.sources_of(1).await.unwrap());
}

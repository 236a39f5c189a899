//! The demo's programme: five half-days at the first place of the atlas,
//! with two price categories and a short questionnaire, so that the event
//! page, the ticket and the entrance check can be tried at once.

use app::App;
use app::events::{EventInput, create_event};
use app::programmes::{CategoryInput, QuestionInput, SessionInput};
use chrono::{Duration, Utc};
use domain::atlas::RecordKind;
use domain::policy::Actor;

pub const DEMO_EVENT_TITLE: &str = "Bootcamp « Créer son activité »";

/// Creates the programme once; returns a line for the summary.
pub async fn fill(app: &App) -> anyhow::Result<String> {
    let cursor = store::atlas::RecordCursor { kind: Some(RecordKind::Place), after_id: 0, live_only: true };
    let Some(place) = app.store.atlas_records_page(cursor, 1).await?.into_iter().next() else {
        return Ok("no place: no demo event".into());
    };
    let existing = app.store.events_of_place(place.id, 0).await?;
    if let Some(e) = existing.iter().find(|e| e.title == DEMO_EVENT_TITLE) {
        return Ok(format!("event {} already there: /evenements/{}", e.title, e.id));
    }
    let first = (Utc::now() + Duration::days(14)).date_naive().and_hms_opt(8, 30, 0).unwrap_or_default().and_utc();
    let sessions = (0..5)
        .map(|d| SessionInput {
            title: Some(format!("Demi-journée {}", d + 1)),
            starts_at: Some(first + Duration::days(d)),
            ends_at: Some(first + Duration::days(d) + Duration::hours(4)),
        })
        .collect();
    let input = EventInput {
        title: DEMO_EVENT_TITLE.into(),
        kind: "bootcamp".into(),
        capacity: 20,
        language: Some("fr".into()),
        accessibility: Some("Accès de plain-pied ; boucle magnétique sur demande.".into()),
        description: Some("Cinq demi-journées pour passer de l'idée au premier client.".into()),
        categories: vec![
            CategoryInput { name: "Plein tarif".into(), price_cents: 12_000, vat_bp: 2000, quota: None },
            CategoryInput { name: "Demandeur d'emploi".into(), price_cents: 0, vat_bp: 0, quota: Some(5) },
        ],
        sessions,
        questions: vec![QuestionInput {
            text: "Votre projet en une phrase".into(),
            kind: "text".into(),
            required: true,
            choices: Vec::new(),
        }],
        ..EventInput::default()
    };
    let e =
        create_event(app, &Actor::System, place.id, &input).await.map_err(|e| anyhow::anyhow!("demo event: {e}"))?;
    Ok(format!("event {} at {}: /evenements/{}", e.title, place.name, e.id))
}

//! Demo bookings: a resource tree at the first sample place (the whole
//! venue, a coworking room with desks, a meeting room, a workshop with its
//! machine) and a few bookings in the coming days, so that its calendars
//! show busy and free slots and the booking journey has something to meet;
//! the meeting room has prices and the place two plans.

use anyhow::anyhow;
use app::App;
use app::operations::{ResourceInput, book, create_resource};
use app::tariffs::{PlanInput, TariffInput, create_plan, set_tariffs};
use chrono::{Duration, NaiveTime, Utc};
use domain::accounts::Email;
use domain::operations::local_to_utc;
use domain::policy::{Actor, UserActor};

/// The sample place that gets resources (see `demo_atlas::sample_rows`).
pub const PLACE: (&str, &str) = ("demo-exemples", "exemple-0");
/// Who holds the demo bookings.
const BOOKER: &str = "habitant@demo.maillage.fr";

/// Creates the tree and its bookings once; returns a line for the summary.
pub async fn fill(app: &App) -> anyhow::Result<Option<String>> {
    let Some(place) = app.store.record_of_source(PLACE.0, PLACE.1).await? else { return Ok(None) };
    if !app.store.resources_of_place(place).await?.is_empty() {
        return Ok(Some(format!("Bookable resources already at /lieux/{place}/reservations")));
    }
    let add = |parent: Option<i64>, kind: &'static str, name: String, capacity: i64, hours: Option<&'static str>| {
        add_resource(app, place, parent, kind, name, capacity, hours)
    };
    let venue = add(None, "venue", "Tout le Hangar (privatisation)".into(), 120, None).await?.id;
    let coworking = add(Some(venue), "room", "Espace de coworking".into(), 24, None).await?.id;
    let mut desks = Vec::new();
    for n in 1..=3 {
        desks.push(add(Some(coworking), "desk", format!("Poste {n}"), 1, None).await?.id);
    }
    let meeting = add(Some(venue), "room", "Salle de réunion Charente".into(), 12, None).await?.id;
    let workshop = add(Some(venue), "room", "Atelier".into(), 10, None).await?.id;
    let laser = add(Some(workshop), "machine", "Découpeuse laser".into(), 1, Some("Mo-Sa 09:00-18:00")).await?.id;

    prices(app, place, meeting).await?;

    let email = Email::parse(BOOKER).map_err(|e| anyhow!("{e}"))?;
    let user = app.store.user_by_email(&email).await?.ok_or_else(|| anyhow!("{BOOKER} is missing"))?;
    let booker = Actor::User(UserActor { user_id: user.id, grants: Vec::new(), token_scopes: None });
    let tz = chrono_tz::Europe::Paris;
    let today = Utc::now().with_timezone(&tz).date_naive();
    // (days ahead, resource, start hour, end hour)
    let plan = [
        (1, meeting, 10, 12),
        (1, desks[0], 9, 17),
        (2, desks[1], 9, 13),
        (3, laser, 10, 12),
        (4, venue, 14, 18),
        (8, meeting, 14, 16),
    ];
    let mut booked = 0;
    for (days, resource, from, to) in plan {
        let day = today + Duration::days(days);
        let at = |h: u32| local_to_utc(day.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN)), tz);
        let (Ok(start), Ok(end)) = (at(from), at(to)) else { continue };
        // A machine closed on Sundays refuses its slot: the demo goes on.
        if book(app, &booker, resource, start, end, false).await.is_ok() {
            booked += 1;
        }
    }
    Ok(Some(format!("{} bookable resources and {booked} bookings at /lieux/{place}/reservations", 5 + desks.len())))
}

/// The meeting room's prices (a member pays less) and the place's plans,
/// so the booking flow shows a quote and the plans page has something.
async fn prices(app: &App, place: i64, meeting: i64) -> anyhow::Result<()> {
    let tariff = |audience: &str, unit: &str, unit_cents: i64| TariffInput {
        audience: audience.into(),
        unit: unit.into(),
        unit_cents,
        vat_bp: 2000,
    };
    let grid = [
        tariff("public", "hour", 2_500),
        tariff("public", "half_day", 8_000),
        tariff("public", "day", 15_000),
        tariff("member", "hour", 1_500),
    ];
    set_tariffs(app, &Actor::System, meeting, &grid).await.map_err(|e| anyhow!("tariffs: {e}"))?;
    let plans = [("membership", "Abonnement nomade", 4_000, 600), ("pack", "Carnet de 10 heures", 20_000, 600)];
    for (kind, name, fee_cents, minutes) in plans {
        let input = PlanInput {
            kind: kind.into(),
            name: name.into(),
            fee_cents,
            vat_bp: Some(2000),
            credit_unit: "minutes".into(),
            credit_amount: minutes,
        };
        create_plan(app, &Actor::System, place, &input).await.map_err(|e| anyhow!("plan {name}: {e}"))?;
    }
    Ok(())
}

async fn add_resource(
    app: &App,
    place: i64,
    parent: Option<i64>,
    kind: &str,
    name: String,
    capacity: i64,
    hours: Option<&str>,
) -> anyhow::Result<store::operations::Resource> {
    let input = ResourceInput {
        parent_id: parent,
        kind: kind.to_owned(),
        name: name.clone(),
        capacity: Some(capacity),
        opening_hours: hours.map(str::to_owned),
        max_minutes: Some(12 * 60),
        advance_days: Some(180),
        ..ResourceInput::default()
    };
    create_resource(app, &Actor::System, place, &input).await.map_err(|e| anyhow!("resource {name}: {e}"))
}

//! The demo's accounts: a manager for one demo place and a year of its
//! invoices across the revenue categories, so its revenue page
//! (`/lieux/ID/recettes`) has something to show. Running it twice adds nothing.

use anyhow::anyhow;
use app::App;
use app::i18n::Lang;
use chrono::{Datelike, Duration, TimeZone, Utc};
use domain::accounts::{Email, Grant, Role};
use domain::atlas::RecordKind;
use domain::audit::AuditEvent;
use domain::operations::accounting::{Month, RevenueCategory};
use domain::operations::invoices::{InvoiceLine, totals};
use domain::policy::Actor;
use store::atlas::RecordCursor;
use store::invoices::NewInvoice;
use store::to_micros;

/// The place manager of the demo: (email, name); the password is the demo's.
pub const MANAGER: (&str, &str) = ("gerance@demo.maillage.fr", "Dominique Gérante de lieu");

fn line(label: &str, quantity: i64, unit_cents: i64, category: RevenueCategory) -> InvoiceLine {
    InvoiceLine { label: label.into(), quantity, unit_cents, vat_bp: 2000, category }
}

/// What the place invoices in the `i`-th month of the year: mostly
/// accompaniment, then rentals and privatisations, events, memberships.
fn month_invoices(i: i64) -> Vec<(&'static str, Vec<InvoiceLine>)> {
    use RevenueCategory::*;
    let mut docs = vec![
        (
            "Start-up Ada\n3 quai Louis Prunier, 17000 La Rochelle",
            vec![
                line("Accompagnement : séances individuelles", 4 + i % 3, 45_000, Accompaniment),
                line("Location salle de réunion, demi-journée", 2 + i % 4, 12_000, Rental),
            ],
        ),
        (
            "Coop des Usages\n12 rue de la République, 16000 Angoulême",
            vec![
                line("Location poste en espace partagé, mois", 3, 18_000, Rental),
                line("Adhésion mensuelle", 3, 3_000, Memberships),
            ],
        ),
    ];
    if i % 3 == 1 {
        docs.push((
            "Mairie de Cognac\nPlace de l'Hôtel de Ville, 16100 Cognac",
            vec![line("Privatisation du plateau, journée", 1, 180_000, Privatisation)],
        ));
    }
    if i % 2 == 0 {
        docs.push((
            "Famille Martin\n5 allée des Tilleuls, 16000 Angoulême",
            vec![line("Programme « Code en 5 demi-journées »", 1 + i % 3, 12_000, Events)],
        ));
    }
    if i % 4 == 3 {
        docs.push(("Association Tiers-Lieux 16", vec![line("Frais de dossier", 1, 5_000, Other)]));
    }
    docs
}

pub async fn fill(app: &App) -> anyhow::Result<String> {
    let page = app
        .store
        .atlas_records_page(RecordCursor { kind: Some(RecordKind::Place), after_id: 0, live_only: true }, 1)
        .await?;
    let Some(place) = page.first() else { return Ok("No place to keep accounts for.".into()) };
    let (email, name) = MANAGER;
    let parsed = Email::parse(email).map_err(|e| anyhow!("{e}"))?;
    let user = match app.store.user_by_email(&parsed).await? {
        Some(u) => u,
        None => app::accounts::create_user(app, &Actor::System, email, name, super::demo::DEMO_PASSWORD, Lang::Fr)
            .await
            .map_err(|e| anyhow!("creating {email}: {e}"))?,
    };
    // The accounts' place, and the place with bookable resources, whose back
    // office then has bookings, prices and plans to show.
    let hangar = app.store.record_of_source(super::demo_bookings::PLACE.0, super::demo_bookings::PLACE.1).await?;
    for managed in std::iter::once(place.id).chain(hangar) {
        let grant = Grant::new(Role::PlaceManager, Some(managed))?;
        if !app.store.grants_of(user.id).await?.iter().any(|g| g.grant == grant) {
            app::accounts::grant_role(app, &Actor::System, user.id, &grant).await.map_err(|e| anyhow!("{e}"))?;
        }
    }
    let mut summary = format!(
        "{email} manages « {} »: its revenue at /lieux/{}/recettes, its invoices at /lieux/{}/factures.",
        place.name, place.id, place.id
    );
    if let Some(h) = hangar {
        summary.push_str(&format!(" Back office of the bookable place at /lieux/{h}/gestion."));
    }
    if !app.store.invoices_between(place.id, 0, i64::MAX).await?.is_empty() {
        return Ok(summary);
    }
    // The twelve months up to this one, each document dated in its month
    // (never in the future) and issued in date order, as the chain wants.
    let now = Utc::now();
    let this = Month::of(now);
    let mut month = if this.month == 12 {
        Month { year: this.year, month: 1 }
    } else {
        Month { year: this.year - 1, month: this.month + 1 }
    };
    let mut issued = 0;
    for _ in 0..12 {
        for (n, (customer, lines)) in month_invoices(i64::from(month.month)).into_iter().enumerate() {
            let day = month.first_day() + Duration::days(2 + 6 * n as i64);
            let at = chrono_tz::Europe::Paris
                .from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap_or_default())
                .earliest()
                .map_or(now, |t| t.with_timezone(&Utc));
            if at > now {
                continue;
            }
            let t = totals(&lines);
            let lines_json = serde_json::to_string(&lines)?;
            let mut tx = app.store.write().await?;
            let inv = tx
                .issue_invoice(NewInvoice {
                    place_id: place.id,
                    year: i64::from(at.with_timezone(&chrono_tz::Europe::Paris).year()),
                    kind: "invoice",
                    customer,
                    lines_json: &lines_json,
                    net_cents: t.net_cents,
                    vat_cents: t.vat_cents,
                    gross_cents: t.gross_cents,
                    credit_of: None,
                    issued_at: to_micros(at),
                })
                .await?;
            tx.audit(AuditEvent::new(Actor::System.audit_actor(), "invoice.issue", "invoice", inv.id)).await?;
            tx.commit().await?;
            issued += 1;
        }
        month = month.next();
    }
    Ok(format!("{summary} {issued} invoices over the last twelve months."))
}

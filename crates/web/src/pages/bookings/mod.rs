//! Booking pages: a place's bookable resources, each resource's calendar
//! (day, week, month), the booking flow (slot, then price and policy, then
//! confirm), the place's plans and packs, and "my bookings and
//! registrations".
//!
//! Times are read and shown in the place's local time zone. Everything is
//! plain HTML: a free hour is a link to the pre-filled form, forms post and
//! redirect. This module holds what the pages share: the place, its zone,
//! and how dates are written.

mod calendar;
mod flow;
mod mine;
mod plans;

pub use calendar::calendar;
pub use flow::{book, book_form};
pub use mine::{accept_offer, cancel_booking, cancel_registration, confirm_hold, mine};
pub use plans::{plans, subscribe};

use app::i18n::{Lang, Messages, fill};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use domain::atlas::RecordKind;
use domain::policy::Actor;
use store::operations::Resource;

use super::dates::{day_start, hhmm, long_date, month_title, short_date, zone_of};
use super::{Chrome, Page, PageError};
use crate::state::AppState;

/// Where "my bookings" lives; the booking form comes back here.
const MINE: &str = "/compte/reservations";

fn store_err(lang: Lang) -> impl Fn(store::StoreError) -> PageError {
    move |e| PageError::from_app(lang, e.into())
}

/// A live place of the atlas, or not found.
async fn place_of(state: &AppState, lang: Lang, id: i64) -> Result<store::atlas::AtlasRecord, PageError> {
    let place = state.app.store.atlas_record(id).await.map_err(store_err(lang))?;
    if !place.is_live() || place.kind != RecordKind::Place {
        return Err(PageError::NotFound(lang));
    }
    Ok(place)
}

fn actor_of(page: &Page) -> Actor {
    page.identity.as_ref().map_or(Actor::Anonymous, |i| i.actor())
}

// ---------------------------------------------------------------- resources

/// One resource in the nested list; `opens` and `closes` say how the list
/// nests around it (the tree comes flat, each resource after its parent).
pub struct TreeItem {
    id: i64,
    name: String,
    kind: &'static str,
    capacity: Option<String>,
    has_children: bool,
    closes: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "bookings_resources.html")]
pub struct ResourcesPage {
    chrome: Chrome,
    place_id: i64,
    title: String,
    items: Vec<TreeItem>,
}

fn depth(path: &str) -> usize {
    path.matches('/').count().saturating_sub(2)
}

fn tree_items(t: &Messages, resources: &[Resource]) -> Vec<TreeItem> {
    resources
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let d = depth(&r.path);
            let next = resources.get(i + 1).map_or(0, |n| depth(&n.path));
            TreeItem {
                id: r.id,
                name: r.name.clone(),
                kind: t.resource_kind(&r.kind),
                capacity: r.capacity.map(|c| fill(t.bk_capacity, &[&c.to_string()])),
                has_children: next > d,
                closes: d.saturating_sub(next),
            }
        })
        .collect()
}

pub async fn resources(State(state): State<AppState>, page: Page, Path(id): Path<i64>) -> Result<Response, PageError> {
    let lang = page.chrome.lang;
    let place = place_of(&state, lang, id).await?;
    let list = state.app.store.resources_of_place(id).await.map_err(store_err(lang))?;
    let t = page.chrome.t;
    Ok(ResourcesPage {
        place_id: id,
        title: fill(t.bk_resources_title, &[&place.name]),
        items: tree_items(t, &list),
        chrome: page.chrome,
    }
    .into_response())
}

//! The place manager's back office: the bookings to approve and the next
//! two weeks' (approve, refuse, check in, cancel), the resource tree and
//! its creation form, each resource's prices, the plans and packs, the
//! events and their attendees.
//!
//! Handlers stay thin: they read the form, call one `app` use case (which
//! asks the policy), and redirect with a notice or show the form again with
//! the messages beside its fields (422). What they read comes from
//! `app::backoffice` and `app::bookings::bookings_to_manage`, behind the
//! same policy as the changes.
//!
//! # Layout
//! This module holds what the pages share: who is asking (the manager
//! check is the use case's; `actor` only requires a signed-in person),
//! euros as typed in a form, whole numbers, selects and the use case's
//! field messages. Each page has its own module:
//! - `dashboard`: pending and upcoming bookings and the actions on them;
//! - `resources`: the resource tree and its creation form;
//! - `closures`: closing a resource for whole days, reopening it;
//! - `tariffs`: a resource's prices;
//! - `plans`: memberships and packs;
//! - `events`: event creation and the attendees of an event.
//!
//! The back office menu is the `nav` macro of `templates/backoffice_fields.html`.

mod closures;
mod dashboard;
mod events;
mod plans;
mod resources;
mod tariffs;

pub use closures::{close, closures, reopen};
pub use dashboard::{act, dashboard};
pub use events::{attendees, create_event, events};
pub use plans::{create_plan, plans};
pub use resources::{create_resource, resources};
pub use tariffs::{set_tariffs, tariffs};

use app::AppError;
use app::i18n::{Lang, Messages};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::operations::invoices::VAT_RATES_BP;
use domain::policy::Actor;

use super::{FormErrors, Page, PageError};

fn actor(page: &Page) -> Result<Actor, PageError> {
    Ok(page.require_identity()?.actor())
}

fn app_err(lang: Lang) -> impl Fn(AppError) -> PageError {
    move |e| PageError::from_app(lang, e)
}

/// Euros as typed ("25", "25,50", "25.5", "1 200 €") in integer cents;
/// `None` for anything else, negative amounts included.
pub fn parse_euros(s: &str) -> Option<i64> {
    let cleaned: String =
        s.trim().trim_end_matches('€').chars().filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}')).collect();
    let (units, frac) = cleaned.split_once([',', '.']).unwrap_or((cleaned.as_str(), ""));
    if (units.is_empty() && frac.is_empty()) || frac.len() > 2 {
        return None;
    }
    if !units.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = if units.is_empty() { 0 } else { units.parse().ok()? };
    let part: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(part)
}

/// Cents as a form shows them back: "25" or "25,50".
fn euros_field(cents: i64) -> String {
    if cents % 100 == 0 { (cents / 100).to_string() } else { format!("{},{:02}", cents / 100, cents % 100) }
}

/// An optional whole number of a form: empty is `None`, anything but
/// digits is an error beside `field`.
fn opt_int(errors: &mut FormErrors, t: &Messages, field: &'static str, raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            *errors = std::mem::take(errors).with(field, t.bo_err_integer);
            None
        }
    }
}

/// The use case's field messages, under the form's names (`rename`:
/// the use case's name, then the form's), the first one of each field.
fn field_messages(t: &Messages, fields: &app::FieldErrors, rename: &[(&str, &'static str)]) -> FormErrors {
    let mut errors = FormErrors::default();
    for (f, e) in &fields.0 {
        let on = rename.iter().find(|(from, _)| from == f).map_or(*f, |(_, to)| *to);
        if errors.get(on).is_none() {
            errors = errors.with(on, &t.field_error(e));
        }
    }
    errors
}

/// A form page shown again with the messages beside its fields.
fn unprocessable(page: impl IntoResponse) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// One choice of a select, marked when it is the current value.
pub struct Opt {
    value: String,
    label: String,
    selected: bool,
}

fn options<V: ToString, L: ToString>(list: impl IntoIterator<Item = (V, L)>, current: &str) -> Vec<Opt> {
    list.into_iter()
        .map(|(v, l)| {
            let value = v.to_string();
            Opt { selected: value == current.trim(), value, label: l.to_string() }
        })
        .collect()
}

fn vat_label(bp: i64) -> String {
    if bp % 100 == 0 { format!("{} %", bp / 100) } else { format!("{},{} %", bp / 100, (bp % 100) / 10) }
}

fn vat_options(current: &str) -> Vec<Opt> {
    options(VAT_RATES_BP.iter().rev().map(|bp| (*bp, vat_label(*bp))), current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_as_typed_become_cents() {
        for (typed, cents) in [
            ("25", 2500),
            ("25,50", 2550),
            ("25.5", 2550),
            (" 1 200 € ", 120_000),
            ("0", 0),
            (",5", 50),
            ("12\u{a0}€", 1200),
        ] {
            assert_eq!(parse_euros(typed), Some(cents), "{typed}");
        }
        for bad in ["", "-5", "25,505", "vingt", "25,5,0", "1e3", ",", "99999999999999999999"] {
            assert_eq!(parse_euros(bad), None, "{bad}");
        }
        assert_eq!(euros_field(2550), "25,50");
        assert_eq!(euros_field(2500), "25");
        assert_eq!(vat_label(550), "5,5 %");
        assert_eq!(vat_label(2000), "20 %");
    }
}

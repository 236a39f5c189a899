//! Which value a record shows for each field, given what sources claim and
//! what people edited by hand.
//!
//! Rules, in order:
//! - A value confirmed by the people responsible for the record (verified)
//!   beats an unverified one; then the most recently observed beats older
//!   ones (the source's own date when it has one, else when we fetched it).
//!   Ties break on source name then source id, so the result never depends
//!   on the order claims arrive in.
//! - Fields holding several values take the union of all claims, most
//!   trusted first, without repeats.
//! - A hand edit wins while the sources still say what they said when the
//!   edit was made. When a source's value changes afterwards, the source
//!   wins again and the disagreement is reported as a [`Conflict`] for a
//!   person to settle.

use std::collections::BTreeMap;

use super::fields::{Cardinality, FieldSpec, fields_of};
use super::kinds::RecordKind;
use super::value::Value;

/// The name under which hand edits appear in provenance.
pub const MANUAL_SOURCE: &str = "manual";

/// One source's value for one field of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    pub value: Value,
    pub source: String,
    pub source_id: String,
    /// When the value was true according to the source (its own update
    /// date), else when we fetched it. Microseconds since the epoch.
    pub observed_at: i64,
    pub fetched_at: i64,
    pub verified: bool,
}

/// A person's edit of one field.
#[derive(Debug, Clone, PartialEq)]
pub struct HandEdit {
    pub value: Value,
    /// Fingerprint of what the sources said when the edit was made (see
    /// [`sources_fingerprint`]); `None` when they said nothing.
    pub base: Option<String>,
    pub edited_at: i64,
}

/// Where a shown value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub source: String,
    pub source_id: String,
    pub fetched_at: i64,
    pub fingerprint: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub value: Value,
    /// The winning claim for single-valued fields; every contributing claim
    /// for multi-valued ones.
    pub provenance: Vec<Provenance>,
}

/// A hand edit overtaken by a source that changed since.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub field: &'static str,
    pub hand_value: Value,
    pub source_value: Value,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolution {
    pub fields: BTreeMap<&'static str, Resolved>,
    pub conflicts: Vec<Conflict>,
}

fn ranked(claims: &[Claim]) -> Vec<&Claim> {
    let mut v: Vec<&Claim> = claims.iter().filter(|c| !c.value.is_empty()).collect();
    v.sort_by(|a, b| {
        b.verified
            .cmp(&a.verified)
            .then(b.observed_at.cmp(&a.observed_at))
            .then(b.fetched_at.cmp(&a.fetched_at))
            .then(a.source.cmp(&b.source))
            .then(a.source_id.cmp(&b.source_id))
    });
    v
}

fn provenance(c: &Claim) -> Provenance {
    Provenance {
        source: c.source.clone(),
        source_id: c.source_id.clone(),
        fetched_at: c.fetched_at,
        fingerprint: c.value.fingerprint(),
    }
}

/// What the sources alone say for a field.
fn from_sources(spec: &FieldSpec, claims: &[Claim]) -> Option<Resolved> {
    let ranked = ranked(claims);
    let best = *ranked.first()?;
    match spec.cardinality {
        Cardinality::One => Some(Resolved { value: best.value.clone(), provenance: vec![provenance(best)] }),
        Cardinality::Many => {
            let mut items: Vec<String> = Vec::new();
            let mut from = Vec::new();
            for c in ranked {
                let mut added = false;
                // A text claim on a list field counts as a one-item list.
                let values = match &c.value {
                    Value::Text(t) => std::slice::from_ref(t),
                    other => other.as_list(),
                };
                for item in values.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
                    if !items.iter().any(|i| i == item) {
                        items.push(item.to_owned());
                        added = true;
                    }
                }
                if added {
                    from.push(provenance(c));
                }
            }
            (!items.is_empty()).then_some(Resolved { value: Value::List(items), provenance: from })
        }
    }
}

/// The fingerprint a hand edit records as its base: what the sources say
/// for the field at the time of the edit.
pub fn sources_fingerprint(spec: &FieldSpec, claims: &[Claim]) -> Option<String> {
    from_sources(spec, claims).map(|r| r.value.fingerprint())
}

/// Resolves one field.
pub fn resolve_field(
    spec: &FieldSpec,
    claims: &[Claim],
    edit: Option<&HandEdit>,
) -> (Option<Resolved>, Option<Conflict>) {
    let sourced = from_sources(spec, claims);
    let Some(edit) = edit else { return (sourced, None) };
    let current = sourced.as_ref().map(|r| r.value.fingerprint());
    let hand = || {
        (!edit.value.is_empty()).then(|| Resolved {
            value: edit.value.clone(),
            provenance: vec![Provenance {
                source: MANUAL_SOURCE.into(),
                source_id: String::new(),
                fetched_at: edit.edited_at,
                fingerprint: edit.value.fingerprint(),
            }],
        })
    };
    match (&sourced, current == edit.base) {
        // The sources say what they said when the person edited: the edit stands.
        (_, true) | (None, _) => (hand(), None),
        (Some(s), false) => {
            let conflict = (s.value != edit.value).then(|| Conflict {
                field: spec.name,
                hand_value: edit.value.clone(),
                source_value: s.value.clone(),
            });
            (sourced, conflict)
        }
    }
}

/// Resolves a whole record of `kind` from claims and hand edits, keyed by
/// field name. Unknown field names are ignored.
pub fn resolve(
    kind: RecordKind,
    claims: &BTreeMap<String, Vec<Claim>>,
    edits: &BTreeMap<String, HandEdit>,
) -> Resolution {
    let mut out = Resolution::default();
    for spec in fields_of(kind) {
        let field_claims = claims.get(spec.name).map_or(&[][..], Vec::as_slice);
        let (resolved, conflict) = resolve_field(spec, field_claims, edits.get(spec.name));
        if let Some(r) = resolved {
            out.fields.insert(spec.name, r);
        }
        out.conflicts.extend(conflict);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atlas::fields::field_spec;

    fn claim(source: &str, value: Value, observed_at: i64, verified: bool) -> Claim {
        Claim { value, source: source.into(), source_id: format!("{source}-1"), observed_at, fetched_at: 100, verified }
    }

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    fn name() -> FieldSpec {
        field_spec(RecordKind::Place, "name").unwrap()
    }

    #[test]
    fn verified_beats_unverified_and_newer_beats_older() {
        let claims = [
            claim("a", text("Ancien nom"), 1, false),
            claim("b", text("Nom récent"), 5, false),
            claim("c", text("Nom vérifié"), 2, true),
        ];
        let (r, _) = resolve_field(&name(), &claims[..2], None);
        assert_eq!(r.unwrap().value, text("Nom récent"));
        let (r, _) = resolve_field(&name(), &claims, None);
        let r = r.unwrap();
        assert_eq!(r.value, text("Nom vérifié"));
        assert_eq!(r.provenance[0].source, "c");
    }

    #[test]
    fn the_order_of_claims_does_not_matter() {
        let mut claims = vec![claim("b", text("B"), 3, false), claim("a", text("A"), 3, false)];
        let (first, _) = resolve_field(&name(), &claims, None);
        claims.reverse();
        let (second, _) = resolve_field(&name(), &claims, None);
        assert_eq!(first, second);
        assert_eq!(first.unwrap().value, text("A"), "ties break on source name");
    }

    #[test]
    fn multi_valued_fields_are_unioned_most_trusted_first() {
        let kinds = field_spec(RecordKind::Place, "kinds").unwrap();
        let claims = [
            claim("a", Value::List(vec!["fablab".into(), "tiers-lieu".into()]), 1, false),
            claim("b", Value::List(vec!["coworking".into(), "fablab".into()]), 2, false),
            claim("c", Value::List(vec![]), 3, false),
        ];
        let r = resolve_field(&kinds, &claims, None).0.unwrap();
        assert_eq!(r.value, Value::List(vec!["coworking".into(), "fablab".into(), "tiers-lieu".into()]));
        assert_eq!(r.provenance.len(), 2, "the empty claim contributed nothing");
    }

    #[test]
    fn a_hand_edit_wins_until_the_source_changes() {
        let before = [claim("src", text("Maison des services"), 1, false)];
        let edit = HandEdit {
            value: text("Maison France Services de Ruffec"),
            base: sources_fingerprint(&name(), &before),
            edited_at: 10,
        };
        let (r, conflict) = resolve_field(&name(), &before, Some(&edit));
        assert_eq!(r.unwrap().provenance[0].source, MANUAL_SOURCE);
        assert!(conflict.is_none());

        // Re-importing the same value keeps the edit.
        let same_again = [claim("src", text("Maison des services"), 2, false)];
        assert_eq!(resolve_field(&name(), &same_again, Some(&edit)).0.unwrap().value, edit.value);

        // The source changes: it wins, and the conflict is shown.
        let changed = [claim("src", text("France Services Ruffec"), 3, false)];
        let (r, conflict) = resolve_field(&name(), &changed, Some(&edit));
        assert_eq!(r.unwrap().value, text("France Services Ruffec"));
        let c = conflict.unwrap();
        assert_eq!(
            (c.field, c.hand_value, c.source_value),
            ("name", edit.value.clone(), text("France Services Ruffec"))
        );
    }

    #[test]
    fn a_hand_edit_can_fill_or_clear_a_field() {
        let edit = HandEdit { value: text("https://lieu.fr"), base: None, edited_at: 1 };
        let website = field_spec(RecordKind::Place, "booking_url").unwrap();
        assert_eq!(resolve_field(&website, &[], Some(&edit)).0.unwrap().value, text("https://lieu.fr"));
        let claims = [claim("src", text("https://ancien.fr"), 1, false)];
        let clear = HandEdit { value: text(""), base: sources_fingerprint(&website, &claims), edited_at: 2 };
        assert_eq!(resolve_field(&website, &claims, Some(&clear)).0, None);
    }

    #[test]
    fn a_record_resolves_field_by_field() {
        let mut claims = BTreeMap::new();
        claims.insert("name".to_owned(), vec![claim("a", text("Fablab des Deux Rives"), 1, false)]);
        claims.insert("unknown_field".to_owned(), vec![claim("a", text("x"), 1, false)]);
        let r = resolve(RecordKind::Place, &claims, &BTreeMap::new());
        assert_eq!(r.fields.len(), 1);
        assert_eq!(r.fields["name"].value, text("Fablab des Deux Rives"));
    }
}

//! The fields of each kind of record, and how each one resolves.

use std::sync::LazyLock;

use super::kinds::RecordKind;

/// How many values a field holds, which decides survivorship: one value
/// chosen among claims, or the union of all claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cardinality {
    One,
    Many,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Text,
    Int,
    Num,
    Bool,
    /// A date `YYYY-MM-DD`, stored as text.
    Date,
    Geo,
    /// Codes or free texts; `Many` fields are lists.
    List,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub name: &'static str,
    pub cardinality: Cardinality,
    pub ty: ValueType,
}

const fn one(name: &'static str, ty: ValueType) -> FieldSpec {
    FieldSpec { name, cardinality: Cardinality::One, ty }
}

const fn many(name: &'static str) -> FieldSpec {
    FieldSpec { name, cardinality: Cardinality::Many, ty: ValueType::List }
}

use ValueType::*;

/// Address and contact fields shared by places and organisations.
const LOCATED: &[FieldSpec] = &[
    one("street", Text),
    one("address_complement", Text),
    one("postal_code", Text),
    one("commune_insee", Text),
    one("commune_name", Text),
    one("geo", Geo),
    many("phones"),
    many("emails"),
    many("websites"),
    one("opening_hours", Text),
    one("summary", Text),
    one("description", Text),
];

const PLACE_OWN: &[FieldSpec] = &[
    one("name", Text),
    many("kinds"),
    one("surface_m2", Int),
    one("capacity", Int),
    one("acceslibre_url", Text),
    many("accessibility"),
    many("labels"),
    many("programmes"),
    one("pivot", Text),
    // `fixe` and/or `itinerant` (a bus, a mobile team).
    many("itinerance"),
    one("booking_url", Text),
    // From the national schema of lieux de médiation numérique, kept so
    // that its exports carry what its producers said.
    many("typologies"),
    one("parent_structure", Text),
    many("training_labels"),
    many("other_training_labels"),
    one("producer", Text),
];

const ORGANISATION_OWN: &[FieldSpec] = &[
    one("name", Text),
    one("org_kind", Text),
    one("siret", Text),
    one("rna", Text),
    one("legal_form", Text),
    one("naf", Text),
    one("size_band", Text),
    one("pivot", Text),
    one("creation_date", Date),
];

const SERVICE: &[FieldSpec] = &[
    one("name", Text),
    many("service_types"),
    many("thematiques"),
    many("publics"),
    many("fees"),
    one("fee_details", Text),
    many("reception_modes"),
    many("access_modes"),
    many("support_modes"),
    many("eligibility_zone"),
    // The national digital-mediation vocabulary, when the source uses it.
    many("mediation_services"),
    one("summary", Text),
    one("description", Text),
];

static PLACE: LazyLock<Vec<FieldSpec>> = LazyLock::new(|| [PLACE_OWN, LOCATED].concat());
static ORGANISATION: LazyLock<Vec<FieldSpec>> = LazyLock::new(|| [ORGANISATION_OWN, LOCATED].concat());

/// The fields of a kind of record.
pub fn fields_of(kind: RecordKind) -> &'static [FieldSpec] {
    match kind {
        RecordKind::Place => &PLACE,
        RecordKind::Organisation => &ORGANISATION,
        RecordKind::Service => SERVICE,
    }
}

pub fn field_spec(kind: RecordKind, name: &str) -> Option<FieldSpec> {
    fields_of(kind).iter().copied().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_lists_unique_named_fields() {
        for kind in RecordKind::ALL {
            let names: Vec<_> = fields_of(kind).iter().map(|f| f.name).collect();
            assert!(names.contains(&"name"), "{kind:?}");
            let mut sorted = names.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), names.len(), "{kind:?}: {names:?}");
            assert!(names.iter().all(|n| !n.is_empty()));
        }
        assert_eq!(fields_of(RecordKind::Place).len(), 28);
        assert_eq!(field_spec(RecordKind::Place, "kinds").unwrap().cardinality, Cardinality::Many);
        assert_eq!(field_spec(RecordKind::Organisation, "geo").unwrap().ty, ValueType::Geo);
        assert!(field_spec(RecordKind::Service, "geo").is_none());
    }
}

//! The atlas: places, organisations and services of a territory, as golden
//! records resolved from source claims.
//!
//! A record is a set of fields ([`fields`]). Each import source claims
//! values for some fields; people edit fields by hand. [`survivorship`]
//! decides, field by field, which value the record shows and why (its
//! provenance), and reports conflicts between a hand edit and a source that
//! changed since. Everything here is pure: the store feeds claims in and
//! saves what comes out.

pub mod dedup;
pub mod derive;
pub mod fields;
pub mod hours;
pub mod ids;
pub mod kinds;
pub mod normalize;
pub mod survivorship;
pub mod value;

pub use fields::{Cardinality, FieldSpec, ValueType, field_spec, fields_of};
pub use kinds::RecordKind;
pub use value::Value;

//! Formats at Maillage's edges: what comes in from sources and what goes
//! out as open data, each in its own module with tests against the
//! standard's own schema or examples.
//!
//! # Layout
//! - [`csv_input`]: CSV as sources publish it (any delimiter, UTF-8 or
//!   Windows-1252), streamed.
//! - [`export`]: open-data exports written record by record: the national
//!   schema of lieux de médiation numérique (CSV, JSON), data·inclusion v1
//!   structures and services, GeoJSON, and the DCAT-AP catalogue of them.
//! - [`table_schema`]: a Frictionless Table Schema validator (types and
//!   constraints, per row and column), to check CSV exports against the
//!   national schemas.
//! - [`ical`]: iCalendar (RFC 5545) feeds of events and bookings.

pub mod csv_input;
pub mod export;
pub mod ical;
pub mod table_schema;

//! Formats at Maillage's edges: what comes in from sources and what goes
//! out as open data, each in its own module with tests against the
//! standard's own schema or examples.
//!
//! # Layout
//! - [`csv_input`]: CSV as sources publish it (any delimiter, UTF-8 or
//!   Windows-1252), streamed.

pub mod csv_input;

//! Atlas use cases: importing sources, settling duplicates, editing
//! records, searching and exporting.

pub mod duplicates;
pub mod export;
pub mod import;
pub mod index;
pub mod records;
pub mod search;
pub mod view;
pub mod vocab;

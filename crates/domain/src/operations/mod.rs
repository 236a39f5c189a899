//! Operations of a place: bookable resources in a tree (venue ⊃ floors or
//! zones ⊃ rooms ⊃ desks or machines) and the rules a booking must follow;
//! registrations to events (seats, waitlist, minors' consent).
//!
//! The no-double-booking guarantee itself lives in the storage layer (one
//! lock per resource tree, then a re-check in the same transaction); these
//! are the rules it applies: what a valid slot is, when two bookings
//! collide, which resources block each other.

pub mod accounting;
pub mod invoices;
pub mod lifecycle;
pub mod programmes;
pub mod recurrence;
pub mod registrations;
pub mod resources;
pub mod slots;
pub mod tariffs;

pub use resources::{ResourceKind, ResourceRules, tree_path};
pub use slots::{Slot, SlotError, local_to_utc};

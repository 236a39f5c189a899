//! Maillage's domain: the types and rules of the platform, with no I/O.
//!
//! # Layout
//! - [`accounts`]: people who sign in, what a valid email, password or display
//!   name is, roles and the scopes of API tokens.
//! - [`policy`]: the one place that decides whether an actor may perform an
//!   action on a resource. Handlers ask it; they never decide themselves.
//! - [`audit`]: the hash-chained audit log: how an entry is hashed and how a
//!   chain is verified.
//! - [`atlas`]: places, organisations and services as fields resolved from
//!   source claims and hand edits.
//! - [`operations`]: bookable resources of a place and the rules of a
//!   booking (slots, opening hours, the resource tree).
//! - [`territory`]: communes, départements, régions and EPCI, shipped with
//!   the product, and finding a record's commune.
//!
//! Architecture invariant: this crate knows nothing of HTTP, SQL, JSON or
//! HTML. Web and store crates translate to and from these types at their edge.

pub mod accounts;
pub mod atlas;
pub mod audit;
pub mod operations;
pub mod policy;
pub mod territory;

//! HTTP-level tests: the server on a random port, driven like a browser or
//! an API client would. Each area in its own module; one test binary.

mod accounting;
mod accounts;
mod api_errors;
mod atlas;
mod authorization;
mod backoffice;
mod booking_lifecycle;
mod booking_pages;
mod csrf;
mod curation;
mod events;
mod freshness;
mod helpers;
mod invoices;
mod openapi;
mod operations;
mod pages;
mod programmes;
mod resource_details;
mod tariffs;
mod two_servers;

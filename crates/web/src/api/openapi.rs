//! The parts of the OpenAPI document that no handler states: title, version,
//! servers, the bearer scheme and the error codes.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder};

use crate::error::{Code, ErrorBody, ErrorContent};

pub fn base() -> OpenApi {
    let codes: String =
        Code::ALL.iter().map(|c| format!("| `{}` | {} | {} |\n", c.as_str(), c.status().as_u16(), c.doc())).collect();
    let description = format!(
        "The Maillage API: accounts and administration today; atlas, operations, accompaniment \
         and data hub as they land.\n\n\
         Authenticate with `Authorization: Bearer <token>`, a token created from your account page \
         with the scopes it needs. Errors answer `{{\"error\": {{\"code\", \"message\", \"details\"}}}}`:\n\n\
         | code | status | meaning |\n|---|---|---|\n{codes}"
    );
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Maillage API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(description))
                .license(Some(utoipa::openapi::LicenseBuilder::new().name("AGPL-3.0-or-later").build()))
                .build(),
        )
        .components(Some(
            ComponentsBuilder::new()
                .security_scheme(
                    "bearer",
                    SecurityScheme::Http(
                        HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("mlg_…").build(),
                    ),
                )
                .schema_from::<ErrorBody>()
                .schema_from::<ErrorContent>()
                .build(),
        ))
        .tags(Some(vec![
            TagBuilder::new().name("auth").description(Some("Creating an account, recovering a password")).build(),
            TagBuilder::new().name("account").description(Some("The token owner's account and data")).build(),
            TagBuilder::new().name("admin").description(Some("Accounts, roles, audit log, mail outbox")).build(),
            TagBuilder::new()
                .name("atlas")
                .description(Some("Places, organisations and services of the territory"))
                .build(),
            TagBuilder::new()
                .name("operations")
                .description(Some("Bookable resources of places and their bookings"))
                .build(),
        ]))
        .build()
}

pub fn finish(doc: &mut OpenApi) {
    doc.servers = Some(vec![utoipa::openapi::ServerBuilder::new().url("/").build()]);
}

//! The language of a request: the visitor's choice (a cookie set by the
//! switch), else the browser's `Accept-Language`, else French.

use app::i18n::Lang;
use axum::http::HeaderMap;

pub const LANG_COOKIE: &str = "mlg_lang";

pub fn request_lang(headers: &HeaderMap) -> Lang {
    if let Some(lang) = crate::auth::cookie(headers, LANG_COOKIE).and_then(Lang::parse) {
        return lang;
    }
    headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map_or(Lang::Fr, Lang::negotiate)
}

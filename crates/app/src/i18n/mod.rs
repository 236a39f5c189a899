//! French first, English available. A message missing in one language is a
//! compile error: each key lists both texts side by side in [`catalog`].

mod catalog;
mod fields;
mod reasons;

pub use catalog::Messages;
pub use fields::{METRIC_CODES, field_label, metric_label};
pub use reasons::dedup_reason;

use domain::accounts::{FieldError, PasswordRejection};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best language for an `Accept-Language` header (RFC 9110 quality
    /// values); French when nothing matches.
    pub fn negotiate(accept_language: &str) -> Self {
        let mut best: Option<(f32, Lang)> = None;
        for item in accept_language.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let q = parts.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(lang) = Lang::parse(primary)
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::Fr, |(_, l)| l)
    }

    pub fn messages(self) -> &'static Messages {
        match self {
            Lang::Fr => &catalog::FR,
            Lang::En => &catalog::EN,
        }
    }

    /// The label of this language in itself, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Fr => "Français",
            Lang::En => "English",
        }
    }
}

impl Messages {
    /// The name of a resource kind (`venue`, `room`…); an unknown kind is
    /// named as a machine, the most general.
    pub fn resource_kind(&self, kind: &str) -> &'static str {
        use domain::operations::ResourceKind;
        match ResourceKind::parse(kind) {
            Some(ResourceKind::Venue) => self.bk_kind_venue,
            Some(ResourceKind::Zone) => self.bk_kind_zone,
            Some(ResourceKind::Room) => self.bk_kind_room,
            Some(ResourceKind::Desk) => self.bk_kind_desk,
            Some(ResourceKind::Machine) | None => self.bk_kind_machine,
        }
    }

    /// The message shown next to a field.
    pub fn field_error(&self, e: &FieldError) -> String {
        match e {
            FieldError::Required => self.err_required.to_owned(),
            FieldError::TooLong { max } => fill(self.err_too_long, &[&max.to_string()]),
            FieldError::InvalidEmail => self.err_invalid_email.to_owned(),
            FieldError::Password(p) => match p {
                PasswordRejection::TooShort => {
                    fill(self.err_password_short, &[&domain::accounts::MIN_PASSWORD_CHARS.to_string()])
                }
                PasswordRejection::TooLong => self.err_password_long.to_owned(),
                PasswordRejection::Common => self.err_password_common.to_owned(),
                PasswordRejection::TooRepetitive => self.err_password_repetitive.to_owned(),
                PasswordRejection::ContainsEmail => self.err_password_email.to_owned(),
            },
            FieldError::Mismatch => self.err_password_mismatch.to_owned(),
            FieldError::Invalid => self.err_invalid.to_owned(),
            FieldError::Malformed(detail) => fill(self.err_malformed, &[detail]),
        }
    }
}

/// Replaces each `{}` in `template` with the next argument.
pub fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut args = args.iter();
    let mut rest = template;
    while let Some(i) = rest.find("{}") {
        out.push_str(&rest[..i]);
        out.push_str(args.next().copied().unwrap_or(""));
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_quality_and_defaults_to_french() {
        assert_eq!(Lang::negotiate("en-GB,en;q=0.9,fr;q=0.8"), Lang::En);
        assert_eq!(Lang::negotiate("de-DE,fr;q=0.5,en;q=0.7"), Lang::En);
        assert_eq!(Lang::negotiate("fr-FR,fr;q=0.9,en;q=0.8"), Lang::Fr);
        assert_eq!(Lang::negotiate("de, es"), Lang::Fr);
        assert_eq!(Lang::negotiate(""), Lang::Fr);
        assert_eq!(Lang::negotiate("en;q=0"), Lang::Fr);
    }

    #[test]
    fn fill_replaces_in_order() {
        assert_eq!(fill("{} sur {}", &["1", "2"]), "1 sur 2");
        assert_eq!(fill("pas d'argument", &["x"]), "pas d'argument");
    }
}

/// The time zone in which dates are shown (the territory's; overseas
/// territories will set theirs).
pub const DISPLAY_TZ: chrono_tz::Tz = chrono_tz::Europe::Paris;

/// A date and time as people of each language write it, in [`DISPLAY_TZ`].
pub fn format_datetime(lang: Lang, t: chrono::DateTime<chrono::Utc>) -> String {
    let local = t.with_timezone(&DISPLAY_TZ);
    match lang {
        Lang::Fr => local.format("%d/%m/%Y à %H:%M").to_string(),
        Lang::En => local.format("%-d %b %Y, %H:%M").to_string(),
    }
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn dates_are_shown_in_paris_time_across_daylight_saving() {
        let winter = chrono::DateTime::parse_from_rfc3339("2026-01-15T12:00:00Z").unwrap().to_utc();
        let summer = chrono::DateTime::parse_from_rfc3339("2026-07-15T12:00:00Z").unwrap().to_utc();
        assert_eq!(format_datetime(Lang::Fr, winter), "15/01/2026 à 13:00");
        assert_eq!(format_datetime(Lang::Fr, summer), "15/07/2026 à 14:00");
        assert_eq!(format_datetime(Lang::En, summer), "15 Jul 2026, 14:00");
    }
}

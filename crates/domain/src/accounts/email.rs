//! Email addresses as the platform stores them: trimmed, domain lowercased.

use super::FieldError;

/// A syntactically plausible email address. Parse, don't validate: holding an
/// `Email` means the checks below passed.
///
/// The local part is kept as typed but compared case-insensitively, because in
/// practice every mail provider treats it so and users retype it in any case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// RFC 5321 limits a path to 256 octets including angle brackets.
const MAX_LEN: usize = 254;

impl Email {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(FieldError::Required);
        }
        if s.len() > MAX_LEN {
            return Err(FieldError::TooLong { max: MAX_LEN });
        }
        let (local, domain) = s.rsplit_once('@').ok_or(FieldError::InvalidEmail)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err(FieldError::InvalidEmail);
        }
        Ok(Self(format!("{}@{}", local.to_lowercase(), domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`, used to refuse passwords built from it.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(local, _)| local)
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_normalises_common_addresses() {
        let e = Email::parse("  Camille.Durand@Tiers-Lieu.FR ").unwrap();
        assert_eq!(e.as_str(), "camille.durand@tiers-lieu.fr");
        assert_eq!(e.local_part(), "camille.durand");
        assert!(Email::parse("a+tag@sub.example.org").is_ok());
        assert!(Email::parse("élodie@exemple.fr").is_ok());
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in [
            "",
            "   ",
            "plainaddress",
            "@no-local.fr",
            "no-domain@",
            "a@b",
            "a@@b.fr",
            "a..b@c.fr",
            ".a@c.fr",
            "a@-c.fr",
            "a b@c.fr",
            "a@c..fr",
            "<script>@x.fr",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert_eq!(Email::parse(""), Err(FieldError::Required));
        let long = format!("{}@example.fr", "a".repeat(300));
        assert_eq!(Email::parse(&long), Err(FieldError::TooLong { max: 254 }));
    }
}

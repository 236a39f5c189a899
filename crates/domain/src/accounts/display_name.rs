//! The name a person shows to others.

use super::FieldError;

/// A non-empty name of at most 80 characters, without control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

const MAX_CHARS: usize = 80;

impl DisplayName {
    pub fn parse(input: &str) -> Result<Self, FieldError> {
        let collapsed: String = input.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(FieldError::Required);
        }
        if collapsed.chars().count() > MAX_CHARS {
            return Err(FieldError::TooLong { max: MAX_CHARS });
        }
        // Whitespace was collapsed above, so any control character left is hostile.
        if collapsed.chars().any(char::is_control) {
            return Err(FieldError::Required);
        }
        Ok(Self(collapsed))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_whitespace_and_bounds_length() {
        assert_eq!(DisplayName::parse("  Zoé   Martin ").unwrap().as_str(), "Zoé Martin");
        assert_eq!(DisplayName::parse(" \t "), Err(FieldError::Required));
        assert_eq!(DisplayName::parse(&"é".repeat(81)), Err(FieldError::TooLong { max: 80 }));
        assert!(DisplayName::parse(&"é".repeat(80)).is_ok());
        assert!(DisplayName::parse("a\u{7}b").is_err());
    }
}

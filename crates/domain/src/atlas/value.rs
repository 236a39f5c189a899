//! Field values of atlas records.

use sha2::{Digest, Sha256};

/// A field's value. Lists keep their order (the most trusted first).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Num(f64),
    Text(String),
    List(Vec<String>),
    Geo { lat: f64, lon: f64 },
}

impl Value {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_list(&self) -> &[String] {
        match self {
            Value::List(l) => l,
            _ => &[],
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_geo(&self) -> Option<(f64, f64)> {
        match self {
            Value::Geo { lat, lon } => Some((*lat, *lon)),
            _ => None,
        }
    }

    /// An empty text or list says nothing; it is not a claim.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Text(s) => s.trim().is_empty(),
            Value::List(l) => l.is_empty(),
            _ => false,
        }
    }

    /// A stable digest of the value: equal values have equal fingerprints
    /// whatever produced them (used to notice that a source changed).
    pub fn fingerprint(&self) -> String {
        let canonical = match self {
            Value::Bool(b) => format!("b:{b}"),
            Value::Int(i) => format!("i:{i}"),
            // Seven decimals of a degree is about a centimetre: enough, and
            // stable across float formatting.
            Value::Num(n) => format!("n:{n:.7}"),
            Value::Text(s) => format!("t:{s}"),
            Value::List(l) => format!("l:{}", l.join("\u{1f}")),
            Value::Geo { lat, lon } => format!("g:{lat:.7},{lon:.7}"),
        };
        hex::encode(&Sha256::digest(canonical.as_bytes())[..12])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_follow_values_not_formatting() {
        let a = Value::Geo { lat: 45.123_456_71, lon: 1.0 };
        let b = Value::Geo { lat: 45.123_456_72, lon: 1.0 };
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(Value::Text("a".into()).fingerprint(), Value::List(vec!["a".into()]).fingerprint());
        assert!(Value::Text("  ".into()).is_empty() && Value::List(vec![]).is_empty());
    }
}

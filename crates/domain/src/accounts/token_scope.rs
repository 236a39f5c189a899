//! What an API token lets a program do on behalf of its owner.

use std::collections::BTreeSet;

/// A token can never do more than its owner; scopes narrow it further.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenScope {
    /// Read the owner's account and data export.
    AccountRead,
    /// Change the owner's account, tokens and sessions.
    AccountWrite,
    /// Use the owner's administration rights (users, roles, audit, outbox, imports).
    Admin,
    /// Edit and confirm the atlas records the owner manages.
    AtlasWrite,
    /// Book resources and manage the owner's bookings.
    Bookings,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown token scope {0:?}; expected one of: account:read, account:write, admin, atlas:write, bookings:write")]
pub struct UnknownScope(pub String);

impl TokenScope {
    pub const ALL: [TokenScope; 5] = [
        TokenScope::AccountRead,
        TokenScope::AccountWrite,
        TokenScope::Admin,
        TokenScope::AtlasWrite,
        TokenScope::Bookings,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::AccountRead => "account:read",
            TokenScope::AccountWrite => "account:write",
            TokenScope::Admin => "admin",
            TokenScope::AtlasWrite => "atlas:write",
            TokenScope::Bookings => "bookings:write",
        }
    }

    pub fn parse(s: &str) -> Result<Self, UnknownScope> {
        Self::ALL.into_iter().find(|x| x.as_str() == s).ok_or_else(|| UnknownScope(s.to_owned()))
    }
}

/// A non-empty set of scopes, stored as a space-separated list (as in OAuth).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TokenScopes(BTreeSet<TokenScope>);

impl TokenScopes {
    pub fn new(scopes: impl IntoIterator<Item = TokenScope>) -> Self {
        Self(scopes.into_iter().collect())
    }

    pub fn parse_list(s: &str) -> Result<Self, UnknownScope> {
        s.split_whitespace().map(TokenScope::parse).collect::<Result<BTreeSet<_>, _>>().map(Self)
    }

    pub fn contains(&self, scope: TokenScope) -> bool {
        self.0.contains(&scope)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = TokenScope> + '_ {
        self.0.iter().copied()
    }

    pub fn to_list(&self) -> String {
        self.iter().map(TokenScope::as_str).collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_lists_round_trip_and_refuse_unknown_names() {
        let s = TokenScopes::parse_list("admin  account:read").unwrap();
        assert_eq!(s.to_list(), "account:read admin");
        assert!(s.contains(TokenScope::Admin) && !s.contains(TokenScope::AccountWrite));
        assert_eq!(TokenScopes::parse_list("account:read root"), Err(UnknownScope("root".into())));
    }
}

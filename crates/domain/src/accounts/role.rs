//! Roles a person can be granted, and on what.

/// A role granted to a person. Being registered and being anonymous are not
/// roles: they are what an actor is without any grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    PlatformAdmin,
    TerritoryEditor,
    PlaceManager,
    OrganisationAdmin,
    OrganisationMember,
}

/// What kind of record a role is scoped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScopeKind {
    Place,
    Organisation,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role {0:?}; expected one of: platform_admin, territory_editor, place_manager, organisation_admin, organisation_member"
)]
pub struct UnknownRole(pub String);

impl Role {
    pub const ALL: [Role; 5] = [
        Role::PlatformAdmin,
        Role::TerritoryEditor,
        Role::PlaceManager,
        Role::OrganisationAdmin,
        Role::OrganisationMember,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::TerritoryEditor => "territory_editor",
            Role::PlaceManager => "place_manager",
            Role::OrganisationAdmin => "organisation_admin",
            Role::OrganisationMember => "organisation_member",
        }
    }

    pub fn parse(s: &str) -> Result<Self, UnknownRole> {
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }

    /// The kind of record this role must be scoped to, if any.
    pub fn scope_kind(self) -> Option<ScopeKind> {
        match self {
            Role::PlatformAdmin | Role::TerritoryEditor => None,
            Role::PlaceManager => Some(ScopeKind::Place),
            Role::OrganisationAdmin | Role::OrganisationMember => Some(ScopeKind::Organisation),
        }
    }
}

impl ScopeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Place => "place",
            ScopeKind::Organisation => "organisation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "place" => Some(ScopeKind::Place),
            "organisation" => Some(ScopeKind::Organisation),
            _ => None,
        }
    }
}

/// A role held by a person, with the record it applies to when the role is scoped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grant {
    pub role: Role,
    pub scope_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidGrant {
    #[error("the role {0} applies to one {1}: give its id")]
    ScopeRequired(&'static str, &'static str),
    #[error("the role {0} applies to the whole platform: give no scope")]
    ScopeForbidden(&'static str),
}

impl Grant {
    /// Builds a grant, refusing a scope where the role has none and the reverse.
    pub fn new(role: Role, scope_id: Option<i64>) -> Result<Self, InvalidGrant> {
        match (role.scope_kind(), scope_id) {
            (Some(kind), None) => Err(InvalidGrant::ScopeRequired(role.as_str(), kind.as_str())),
            (None, Some(_)) => Err(InvalidGrant::ScopeForbidden(role.as_str())),
            _ => Ok(Self { role, scope_id }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert!(Role::parse("superuser").is_err());
    }

    #[test]
    fn scoped_roles_need_a_scope_and_global_roles_refuse_one() {
        assert!(Grant::new(Role::PlaceManager, None).is_err());
        assert!(Grant::new(Role::PlaceManager, Some(3)).is_ok());
        assert!(Grant::new(Role::PlatformAdmin, Some(3)).is_err());
        assert!(Grant::new(Role::TerritoryEditor, None).is_ok());
    }
}

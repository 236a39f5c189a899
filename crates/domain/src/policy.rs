//! Authorization: the one function that decides whether an actor may perform
//! an action on a resource.
//!
//! Handlers build an [`Actor`] from the request (session or token), name the
//! [`Action`] and the [`Resource`], and call [`authorize`]. No handler compares
//! roles itself, so reading this file tells the whole access story.
//! Later modules add their actions here, with a row in the matrix tests.

use crate::accounts::{Grant, Role, TokenScope, TokenScopes};

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Anonymous,
    User(UserActor),
    /// The operator at the `maillage` command line, who already holds the
    /// database: every action is allowed.
    System,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserActor {
    pub user_id: i64,
    pub grants: Vec<Grant>,
    /// Set when the request authenticated with an API token: the token's
    /// scopes narrow what the person could otherwise do.
    pub token_scopes: Option<TokenScopes>,
}

/// What the actor wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See one's profile, sessions, tokens, and download one's data.
    ViewAccount,
    /// Change one's profile, revoke sessions, create or revoke tokens.
    EditAccount,
    /// Erase one's account.
    DeleteAccount,
    /// List accounts, create accounts for others.
    ManageUsers,
    /// Grant or revoke roles.
    ManageRoles,
    /// Read the audit log and check its chain.
    ViewAudit,
    /// Read the mail outbox.
    ViewOutbox,
    /// Edit a place's record.
    EditPlace,
    /// Edit an organisation's record and its members.
    EditOrganisation,
    /// See an organisation's internal pages.
    ViewOrganisationInternals,
    /// Import a source into the atlas (command line or web UI).
    ImportAtlas,
    /// Review duplicate candidates: merge, keep apart, undo a merge.
    ReviewDuplicates,
    /// Edit any atlas record, services and links included.
    EditAtlas,
    /// Book a place's resource for oneself.
    Book,
    /// Set a place's tariffs, membership plans and prepaid packs.
    ManageTariffs,
    /// Subscribe to a place's membership plan or buy one of its packs.
    BuyCredits,
    /// A place's booking back office: approve or refuse, cancel or check in
    /// anyone's booking, record members and residents, grant trainings.
    ManageBookings,
}

/// What the action applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Platform,
    User(i64),
    Place(i64),
    Organisation(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// Nobody is signed in and the action needs someone.
    #[error("authentication required")]
    Unauthenticated,
    /// The person is known but may not do this.
    #[error("not allowed")]
    Forbidden,
    /// The person may, but the token used lacks this scope.
    #[error("the API token lacks the scope {}", .0.as_str())]
    MissingScope(TokenScope),
}

impl Action {
    /// The token scope a program needs for this action.
    pub fn required_scope(self) -> TokenScope {
        match self {
            Action::ViewAccount => TokenScope::AccountRead,
            Action::EditAccount | Action::DeleteAccount => TokenScope::AccountWrite,
            Action::ManageUsers
            | Action::ManageRoles
            | Action::ViewAudit
            | Action::ViewOutbox
            | Action::ViewOrganisationInternals
            | Action::ImportAtlas
            | Action::ReviewDuplicates => TokenScope::Admin,
            Action::EditPlace | Action::EditOrganisation | Action::EditAtlas => TokenScope::AtlasWrite,
            Action::Book | Action::ManageBookings | Action::BuyCredits => TokenScope::Bookings,
            Action::ManageTariffs => TokenScope::AtlasWrite,
        }
    }
}

impl Actor {
    /// How the audit log names this actor.
    pub fn audit_actor(&self) -> crate::audit::AuditActor {
        match self {
            Actor::Anonymous => crate::audit::AuditActor::Anonymous,
            Actor::User(u) => crate::audit::AuditActor::User(u.user_id),
            Actor::System => crate::audit::AuditActor::System,
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::User(u) => Some(u.user_id),
            _ => None,
        }
    }
}

impl UserActor {
    fn has(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    fn has_scoped(&self, role: Role, id: i64) -> bool {
        self.grants.iter().any(|g| g.role == role && g.scope_id == Some(id))
    }

    fn is_admin(&self) -> bool {
        self.has(Role::PlatformAdmin)
    }
}

/// Decides. Returns `Ok(())` when the actor may perform `action` on `resource`.
pub fn authorize(actor: &Actor, action: Action, resource: Resource) -> Result<(), Denied> {
    let user = match actor {
        Actor::System => return Ok(()),
        Actor::Anonymous => return Err(Denied::Unauthenticated),
        Actor::User(user) => user,
    };
    let allowed = match (action, resource) {
        (Action::ViewAccount, Resource::User(id)) => user.user_id == id || user.is_admin(),
        (Action::EditAccount | Action::DeleteAccount, Resource::User(id)) => user.user_id == id,
        (Action::ManageUsers | Action::ManageRoles | Action::ViewAudit | Action::ViewOutbox, Resource::Platform) => {
            user.is_admin()
        }
        (Action::EditPlace, Resource::Place(id)) => {
            user.is_admin() || user.has(Role::TerritoryEditor) || user.has_scoped(Role::PlaceManager, id)
        }
        (Action::EditOrganisation, Resource::Organisation(id)) => {
            user.is_admin() || user.has(Role::TerritoryEditor) || user.has_scoped(Role::OrganisationAdmin, id)
        }
        (Action::ImportAtlas | Action::ReviewDuplicates | Action::EditAtlas, Resource::Platform) => {
            user.is_admin() || user.has(Role::TerritoryEditor)
        }
        // Any signed-in person; a resource's audience (members, residents)
        // and machine training are facts about the person, checked by the
        // booking use case against the place's records.
        (Action::Book, Resource::Place(_)) => true,
        (Action::ManageTariffs | Action::ManageBookings, Resource::Place(id)) => {
            user.is_admin() || user.has(Role::TerritoryEditor) || user.has_scoped(Role::PlaceManager, id)
        }
        (Action::BuyCredits, Resource::Place(_)) => true,
        (Action::ViewOrganisationInternals, Resource::Organisation(id)) => {
            user.is_admin()
                || user.has_scoped(Role::OrganisationAdmin, id)
                || user.has_scoped(Role::OrganisationMember, id)
        }
        _ => false,
    };
    if !allowed {
        return Err(Denied::Forbidden);
    }
    match &user.token_scopes {
        Some(scopes) if !scopes.contains(action.required_scope()) => Err(Denied::MissingScope(action.required_scope())),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, grants: &[(Role, Option<i64>)]) -> Actor {
        Actor::User(UserActor {
            user_id: id,
            grants: grants.iter().map(|&(role, scope)| Grant::new(role, scope).unwrap()).collect(),
            token_scopes: None,
        })
    }

    /// Every role × every action on representative resources. Later modules add rows.
    #[test]
    fn authorization_matrix() {
        let anonymous = Actor::Anonymous;
        let person = user(1, &[]);
        let admin = user(2, &[(Role::PlatformAdmin, None)]);
        let editor = user(3, &[(Role::TerritoryEditor, None)]);
        let manager = user(4, &[(Role::PlaceManager, Some(10))]);
        let org_admin = user(5, &[(Role::OrganisationAdmin, Some(20))]);
        let member = user(6, &[(Role::OrganisationMember, Some(20))]);
        let actors = [&anonymous, &person, &admin, &editor, &manager, &org_admin, &member];

        use Action::*;
        use Resource::*;
        // (action, resource, [anonymous, person, admin, editor, manager, org_admin, member])
        let table: &[(Action, Resource, [bool; 7])] = &[
            (ViewAccount, User(1), [false, true, true, false, false, false, false]),
            (EditAccount, User(1), [false, true, false, false, false, false, false]),
            (DeleteAccount, User(1), [false, true, false, false, false, false, false]),
            (ManageUsers, Platform, [false, false, true, false, false, false, false]),
            (ManageRoles, Platform, [false, false, true, false, false, false, false]),
            (ViewAudit, Platform, [false, false, true, false, false, false, false]),
            (ViewOutbox, Platform, [false, false, true, false, false, false, false]),
            (EditPlace, Place(10), [false, false, true, true, true, false, false]),
            (EditPlace, Place(11), [false, false, true, true, false, false, false]),
            (EditOrganisation, Organisation(20), [false, false, true, true, false, true, false]),
            (EditOrganisation, Organisation(21), [false, false, true, true, false, false, false]),
            (ViewOrganisationInternals, Organisation(20), [false, false, true, false, false, true, true]),
            (ViewOrganisationInternals, Organisation(21), [false, false, true, false, false, false, false]),
            (ImportAtlas, Platform, [false, false, true, true, false, false, false]),
            (ReviewDuplicates, Platform, [false, false, true, true, false, false, false]),
            (EditAtlas, Platform, [false, false, true, true, false, false, false]),
            (Book, Place(10), [false, true, true, true, true, true, true]),
            (ManageTariffs, Place(10), [false, false, true, true, true, false, false]),
            (ManageTariffs, Place(11), [false, false, true, true, false, false, false]),
            (BuyCredits, Place(10), [false, true, true, true, true, true, true]),
            (ManageBookings, Place(10), [false, false, true, true, true, false, false]),
            (ManageBookings, Place(11), [false, false, true, true, false, false, false]),
            // An action on the wrong kind of resource is never allowed.
            (ManageUsers, User(1), [false; 7]),
        ];
        for (action, resource, expected) in table {
            for (actor, want) in actors.iter().zip(expected) {
                assert_eq!(
                    authorize(actor, *action, *resource).is_ok(),
                    *want,
                    "{action:?} on {resource:?} by {actor:?}"
                );
            }
        }
        assert_eq!(authorize(&anonymous, ViewAccount, User(1)), Err(Denied::Unauthenticated));
        assert_eq!(authorize(&person, ManageUsers, Platform), Err(Denied::Forbidden));
    }

    #[test]
    fn a_token_narrows_but_never_widens() {
        let with_scopes = |scopes: &[TokenScope], grants: Vec<Grant>| {
            Actor::User(UserActor { user_id: 1, grants, token_scopes: Some(TokenScopes::new(scopes.iter().copied())) })
        };
        let reader = with_scopes(&[TokenScope::AccountRead], vec![]);
        assert!(authorize(&reader, Action::ViewAccount, Resource::User(1)).is_ok());
        assert_eq!(
            authorize(&reader, Action::EditAccount, Resource::User(1)),
            Err(Denied::MissingScope(TokenScope::AccountWrite))
        );
        // An admin scope on a non-admin's token gives nothing.
        let not_admin = with_scopes(&[TokenScope::Admin], vec![]);
        assert_eq!(authorize(&not_admin, Action::ManageUsers, Resource::Platform), Err(Denied::Forbidden));
        let admin_reader =
            with_scopes(&[TokenScope::AccountRead], vec![Grant::new(Role::PlatformAdmin, None).unwrap()]);
        assert_eq!(
            authorize(&admin_reader, Action::ManageUsers, Resource::Platform),
            Err(Denied::MissingScope(TokenScope::Admin))
        );
    }
}

//! A booking's life after it is asked for: held during checkout, pending
//! the manager's approval, confirmed, checked in, cancelled (maybe with a
//! fee), expired, refused or released as a no-show; and who may book a
//! resource at all (audience, machine training).
//!
//! Plain rules on instants in UTC microseconds, the unit the store keeps.

use super::resources::ResourceKind;

const MINUTE: i64 = 60_000_000;
const HOUR: i64 = 60 * MINUTE;

/// How long before its start a booking can be checked in.
pub const CHECK_IN_OPENS_MINUTES: i64 = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingStatus {
    /// Tentative during checkout; blocks the slot until `held_until`.
    Held,
    /// Waiting for the place manager; blocks the slot.
    Pending,
    Confirmed,
    Cancelled,
    /// A hold that lapsed before confirmation.
    Expired,
    /// Refused by the place manager.
    Refused,
    /// Not checked in by the end of the grace period; the slot was released.
    NoShow,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 7] = [
        BookingStatus::Held,
        BookingStatus::Pending,
        BookingStatus::Confirmed,
        BookingStatus::Cancelled,
        BookingStatus::Expired,
        BookingStatus::Refused,
        BookingStatus::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Held => "held",
            BookingStatus::Pending => "pending",
            BookingStatus::Confirmed => "confirmed",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::Expired => "expired",
            BookingStatus::Refused => "refused",
            BookingStatus::NoShow => "no_show",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether a booking in this state keeps others off its slot at `now`.
    /// The collision query in the store says the same in SQL.
    pub fn blocks(self, held_until: Option<i64>, now: i64) -> bool {
        match self {
            BookingStatus::Confirmed | BookingStatus::Pending => true,
            BookingStatus::Held => held_until.is_some_and(|t| t > now),
            _ => false,
        }
    }

    /// Whether the booker or the manager can still cancel it.
    pub fn cancellable(self) -> bool {
        matches!(self, BookingStatus::Held | BookingStatus::Pending | BookingStatus::Confirmed)
    }
}

/// What a new booking becomes: privatising a venue, or a resource that
/// asks for it, waits for the manager; otherwise held or confirmed.
pub fn initial_status(kind: ResourceKind, needs_approval: bool, hold: bool) -> BookingStatus {
    if kind == ResourceKind::Venue || needs_approval {
        BookingStatus::Pending
    } else if hold {
        BookingStatus::Held
    } else {
        BookingStatus::Confirmed
    }
}

/// The fee for cancelling at `now` a booking starting at `starts_at`:
/// the late fee once within `deadline_hours` of the start, else nothing.
pub fn cancellation_fee(starts_at: i64, now: i64, deadline_hours: Option<i64>, late_fee_cents: i64) -> Option<i64> {
    let deadline = starts_at - deadline_hours? * HOUR;
    (now > deadline && late_fee_cents > 0).then_some(late_fee_cents)
}

/// `[opens, closes)`: check-in runs from a quarter of an hour before the
/// start until the end.
pub fn check_in_window(starts_at: i64, ends_at: i64) -> (i64, i64) {
    (starts_at - CHECK_IN_OPENS_MINUTES * MINUTE, ends_at)
}

/// When a confirmed booking not checked in is released, if ever.
pub fn no_show_at(starts_at: i64, grace_minutes: Option<i64>) -> Option<i64> {
    grace_minutes.map(|g| starts_at + g * MINUTE)
}

/// Who may book a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    /// Members and residents of the place.
    Members,
    Residents,
}

impl Access {
    pub const ALL: [Access; 3] = [Access::Public, Access::Members, Access::Residents];

    pub fn as_str(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Members => "members",
            Access::Residents => "residents",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether someone holding these current memberships of the place may book.
    pub fn admits(self, roles: &[MembershipRole]) -> bool {
        match self {
            Access::Public => true,
            // A resident is a member who also works here.
            Access::Members => !roles.is_empty(),
            Access::Residents => roles.contains(&MembershipRole::Resident),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipRole {
    Member,
    Resident,
}

impl MembershipRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MembershipRole::Member => "member",
            MembershipRole::Resident => "resident",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [MembershipRole::Member, MembershipRole::Resident].into_iter().find(|x| x.as_str() == s)
    }
}

/// A training code: what a manager types and a machine requires, so it
/// must compare exactly: lowercase letters, digits, `-` and `_`, 1 to 40.
pub fn valid_training_code(code: &str) -> bool {
    (1..=40).contains(&code.len())
        && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_live_blocking_states_keep_the_slot() {
        let now = 1_000 * MINUTE;
        assert!(BookingStatus::Confirmed.blocks(None, now));
        assert!(BookingStatus::Pending.blocks(None, now));
        assert!(BookingStatus::Held.blocks(Some(now + 1), now), "a hold blocks until it lapses");
        assert!(!BookingStatus::Held.blocks(Some(now), now), "and not from that instant on");
        assert!(!BookingStatus::Held.blocks(None, now));
        for s in [BookingStatus::Cancelled, BookingStatus::Expired, BookingStatus::Refused, BookingStatus::NoShow] {
            assert!(!s.blocks(Some(now + HOUR), now), "{s:?}");
            assert!(!s.cancellable(), "{s:?}");
        }
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn venues_and_flagged_resources_wait_for_approval() {
        assert_eq!(initial_status(ResourceKind::Venue, false, false), BookingStatus::Pending);
        assert_eq!(
            initial_status(ResourceKind::Venue, false, true),
            BookingStatus::Pending,
            "no hold on a privatisation"
        );
        assert_eq!(initial_status(ResourceKind::Room, true, false), BookingStatus::Pending);
        assert_eq!(initial_status(ResourceKind::Room, false, true), BookingStatus::Held);
        assert_eq!(initial_status(ResourceKind::Desk, false, false), BookingStatus::Confirmed);
    }

    #[test]
    fn the_late_fee_applies_only_after_the_deadline() {
        let start = 100 * HOUR;
        assert_eq!(cancellation_fee(start, start - 49 * HOUR, Some(48), 2_500), None, "before the deadline");
        assert_eq!(cancellation_fee(start, start - 48 * HOUR, Some(48), 2_500), None, "at the deadline");
        assert_eq!(cancellation_fee(start, start - 47 * HOUR, Some(48), 2_500), Some(2_500));
        assert_eq!(cancellation_fee(start, start + HOUR, Some(0), 2_500), Some(2_500), "after the start");
        assert_eq!(cancellation_fee(start, start - HOUR, None, 2_500), None, "no deadline set");
        assert_eq!(cancellation_fee(start, start - HOUR, Some(48), 0), None, "no fee set");
    }

    #[test]
    fn check_in_and_no_show_times() {
        let (start, end) = (10 * HOUR, 12 * HOUR);
        assert_eq!(check_in_window(start, end), (start - 15 * MINUTE, end));
        assert_eq!(no_show_at(start, Some(20)), Some(start + 20 * MINUTE));
        assert_eq!(no_show_at(start, None), None);
    }

    #[test]
    fn audiences_admit_their_members() {
        use MembershipRole::*;
        assert!(Access::Public.admits(&[]));
        assert!(!Access::Members.admits(&[]));
        assert!(Access::Members.admits(&[Member]));
        assert!(Access::Members.admits(&[Resident]));
        assert!(!Access::Residents.admits(&[Member]));
        assert!(Access::Residents.admits(&[Member, Resident]));
        assert_eq!(Access::parse("residents"), Some(Access::Residents));
        assert_eq!(Access::parse("everyone"), None);
        assert!(valid_training_code("laser-cutter_2"));
        assert!(!valid_training_code("Laser cutter"));
        assert!(!valid_training_code(""));
    }
}

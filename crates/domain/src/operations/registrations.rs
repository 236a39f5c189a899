//! Registrations to an event or a programme: who holds a seat, who waits,
//! and who needs a guardian's consent first.

use chrono::{Datelike, NaiveDate};

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationStatus {
    Confirmed,
    /// A minor's seat, held until a guardian consents.
    AwaitingConsent,
    /// A freed seat offered to the next on the waitlist, held for a while.
    Offered,
    Waitlisted,
    Cancelled,
}

impl RegistrationStatus {
    pub const ALL: [RegistrationStatus; 5] = [
        RegistrationStatus::Confirmed,
        RegistrationStatus::AwaitingConsent,
        RegistrationStatus::Offered,
        RegistrationStatus::Waitlisted,
        RegistrationStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Confirmed => "confirmed",
            RegistrationStatus::AwaitingConsent => "consent",
            RegistrationStatus::Offered => "offered",
            RegistrationStatus::Waitlisted => "waitlisted",
            RegistrationStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Whether it counts against the capacity.
    pub fn holds_seat(self) -> bool {
        matches!(
            self,
            RegistrationStatus::Confirmed | RegistrationStatus::AwaitingConsent | RegistrationStatus::Offered
        )
    }
}

/// A new registration's status, given the seats already held.
pub fn on_arrival(seats_held: i64, capacity: i64, minor: bool) -> RegistrationStatus {
    match (seats_held < capacity, minor) {
        (false, _) => RegistrationStatus::Waitlisted,
        (true, true) => RegistrationStatus::AwaitingConsent,
        (true, false) => RegistrationStatus::Confirmed,
    }
}

/// Age in whole years on `day`.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

pub const MAJORITY: i32 = 18;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_go_in_order_and_minors_wait_for_consent() {
        assert_eq!(on_arrival(0, 100, false), RegistrationStatus::Confirmed);
        assert_eq!(on_arrival(99, 100, true), RegistrationStatus::AwaitingConsent);
        assert_eq!(on_arrival(100, 100, false), RegistrationStatus::Waitlisted);
        assert_eq!(on_arrival(100, 100, true), RegistrationStatus::Waitlisted);
        assert!(RegistrationStatus::AwaitingConsent.holds_seat() && RegistrationStatus::Offered.holds_seat());
        assert!(!RegistrationStatus::Waitlisted.holds_seat() && !RegistrationStatus::Cancelled.holds_seat());
    }

    #[test]
    fn ages_count_whole_years() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(age_on(d(2010, 6, 15), d(2027, 6, 14)), 16);
        assert_eq!(age_on(d(2010, 6, 15), d(2027, 6, 15)), 17);
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 2, 28)), 17, "a leap-day birthday comes on 1 March");
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 3, 1)), 18);
    }
}

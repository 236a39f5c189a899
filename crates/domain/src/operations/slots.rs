//! Booking slots: half-open UTC intervals, built from the place's local time
//! (DST-safe), checked against a resource's rules.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::resources::ResourceRules;
use crate::atlas::hours::OpeningHours;

/// A booked interval, `[start, end)` in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlotError {
    #[error("the end must come after the start")]
    EndBeforeStart,
    #[error("the slot is in the past")]
    InThePast,
    #[error("at least {0} minutes")]
    TooShort(i64),
    #[error("at most {0} minutes")]
    TooLong(i64),
    #[error("bookable at most {0} days ahead")]
    TooFarAhead(i64),
    #[error("outside the opening hours ({0})")]
    Closed(String),
    #[error("this local time does not exist (the clocks change then)")]
    NonexistentLocalTime,
}

impl Slot {
    /// A slot from two instants, checked for order only.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, SlotError> {
        if end <= start {
            return Err(SlotError::EndBeforeStart);
        }
        Ok(Self { start, end })
    }

    pub fn minutes(&self) -> i64 {
        (self.end - self.start).num_minutes()
    }

    /// Whether two slots collide once each is widened by `buffer` (the time
    /// a room needs between two bookings).
    pub fn collides(&self, other: &Slot, buffer: Duration) -> bool {
        self.start < other.end + buffer && other.start < self.end + buffer
    }

    /// Checks the slot against a resource's rules at `now`, in its zone.
    pub fn check(&self, rules: &ResourceRules, now: DateTime<Utc>, tz: Tz) -> Result<(), SlotError> {
        if self.start < now {
            return Err(SlotError::InThePast);
        }
        let minutes = self.minutes();
        if minutes < rules.min_minutes {
            return Err(SlotError::TooShort(rules.min_minutes));
        }
        if let Some(max) = rules.max_minutes
            && minutes > max
        {
            return Err(SlotError::TooLong(max));
        }
        if let Some(days) = rules.advance_days
            && self.start > now + Duration::days(days)
        {
            return Err(SlotError::TooFarAhead(days));
        }
        if let Some(hours) = &rules.opening_hours {
            ensure_open(hours, self, tz)?;
        }
        Ok(())
    }
}

/// The whole slot must fall in one opening period: open at its start and
/// not closing before its end.
fn ensure_open(hours: &OpeningHours, slot: &Slot, tz: Tz) -> Result<(), SlotError> {
    let closed = || SlotError::Closed(hours.as_str().to_owned());
    if !hours.is_open(slot.start, tz) {
        return Err(closed());
    }
    match hours.next_change(slot.start, tz) {
        Some(change) if change < slot.end => Err(closed()),
        _ => Ok(()),
    }
}

/// A wall-clock time at the place, in UTC. In the autumn hour that happens
/// twice the earlier instant is taken; in the spring gap there is no such
/// time and the slot is refused rather than silently moved.
pub fn local_to_utc(local: NaiveDateTime, tz: Tz) -> Result<DateTime<Utc>, SlotError> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        LocalResult::None => Err(SlotError::NonexistentLocalTime),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn slot(a: &str, b: &str) -> Slot {
        Slot::new(at(a), at(b)).unwrap()
    }

    #[test]
    fn slots_collide_when_they_overlap_or_crowd_the_buffer() {
        let a = slot("2027-03-01T09:00:00Z", "2027-03-01T10:00:00Z");
        let touching = slot("2027-03-01T10:00:00Z", "2027-03-01T11:00:00Z");
        assert!(!a.collides(&touching, Duration::zero()), "back to back is fine");
        assert!(a.collides(&touching, Duration::minutes(15)), "but not with a 15-minute buffer");
        assert!(a.collides(&slot("2027-03-01T09:30:00Z", "2027-03-01T09:45:00Z"), Duration::zero()));
        assert!(a.collides(&slot("2027-03-01T08:00:00Z", "2027-03-01T12:00:00Z"), Duration::zero()));
        assert_eq!(Slot::new(at("2027-03-01T10:00:00Z"), at("2027-03-01T10:00:00Z")), Err(SlotError::EndBeforeStart));
    }

    #[test]
    fn rules_refuse_short_long_far_past_and_closed_slots() {
        let paris = chrono_tz::Europe::Paris;
        let now = at("2027-03-01T08:00:00Z");
        let rules = ResourceRules {
            min_minutes: 30,
            max_minutes: Some(240),
            advance_days: Some(60),
            buffer_minutes: 0,
            opening_hours: Some(OpeningHours::parse("Mo-Fr 09:00-12:00,14:00-18:00").unwrap()),
        };
        // Monday 1 March 2027, Paris is UTC+1.
        assert_eq!(slot("2027-03-01T08:30:00Z", "2027-03-01T10:00:00Z").check(&rules, now, paris), Ok(()));
        assert_eq!(
            slot("2027-03-01T07:30:00Z", "2027-03-01T09:00:00Z").check(&rules, now, paris),
            Err(SlotError::InThePast)
        );
        assert_eq!(
            slot("2027-03-01T08:30:00Z", "2027-03-01T08:45:00Z").check(&rules, now, paris),
            Err(SlotError::TooShort(30))
        );
        assert!(matches!(
            slot("2027-03-01T10:30:00Z", "2027-03-01T14:00:00Z").check(&rules, now, paris),
            Err(SlotError::Closed(_) | SlotError::TooLong(_))
        ));
        assert!(
            matches!(
                slot("2027-03-01T10:30:00Z", "2027-03-01T11:30:00Z").check(&rules, now, paris),
                Err(SlotError::Closed(_))
            ),
            "over the lunch break"
        );
        assert!(
            matches!(
                slot("2027-03-06T09:00:00Z", "2027-03-06T10:00:00Z").check(&rules, now, paris),
                Err(SlotError::Closed(_))
            ),
            "Saturday"
        );
        assert_eq!(
            slot("2027-06-01T08:00:00Z", "2027-06-01T09:00:00Z").check(&rules, now, paris),
            Err(SlotError::TooFarAhead(60))
        );
    }

    #[test]
    fn local_times_survive_daylight_saving_changes() {
        let paris = chrono_tz::Europe::Paris;
        let day = |d: u32, h: u32, m: u32| NaiveDate::from_ymd_opt(2027, 3, d).unwrap().and_hms_opt(h, m, 0).unwrap();
        // 28 March 2027: 02:00 → 03:00 in Paris.
        assert_eq!(local_to_utc(day(28, 2, 30), paris), Err(SlotError::NonexistentLocalTime));
        assert_eq!(local_to_utc(day(28, 9, 0), paris).unwrap(), at("2027-03-28T07:00:00Z"), "summer time");
        assert_eq!(local_to_utc(day(27, 9, 0), paris).unwrap(), at("2027-03-27T08:00:00Z"), "winter time");
        // A 09:00–18:00 booking across the change lasts 8 real hours.
        let s = Slot::new(local_to_utc(day(28, 1, 0), paris).unwrap(), local_to_utc(day(28, 4, 0), paris).unwrap());
        assert_eq!(s.unwrap().minutes(), 120);
    }
}

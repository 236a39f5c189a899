//! Recurring bookings: the RFC 5545 RRULE subset a booking form needs —
//! `FREQ=DAILY|WEEKLY`, `INTERVAL`, `COUNT` or `UNTIL`, and `BYDAY` for
//! weekly rules — expanded in the place's wall-clock time, so that a
//! "Tuesdays 9:00–11:00" series stays at 9:00 across daylight-saving changes.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freq {
    Daily,
    Weekly,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub freq: Freq,
    pub interval: u32,
    pub count: Option<u32>,
    /// Last day an occurrence may start (local date).
    pub until: Option<NaiveDate>,
    pub by_day: Vec<Weekday>,
}

/// The most occurrences one request may book.
pub const MAX_OCCURRENCES: usize = 366;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("{0}: not part of the supported RRULE (FREQ=DAILY|WEEKLY, INTERVAL, COUNT, UNTIL, BYDAY)")]
    Unsupported(String),
    #[error("FREQ is required")]
    NoFreq,
    #[error("{0}: not a valid value")]
    BadValue(String),
    #[error("give COUNT or UNTIL, not both")]
    CountAndUntil,
    #[error("give COUNT or UNTIL, so the series ends")]
    Endless,
    #[error("at most {MAX_OCCURRENCES} occurrences")]
    TooMany,
}

fn weekday(code: &str) -> Option<Weekday> {
    Some(match code {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

impl Rule {
    pub fn parse(text: &str) -> Result<Self, RuleError> {
        let text = text.trim().trim_start_matches("RRULE:");
        let (mut freq, mut interval, mut count, mut until, mut by_day) = (None, 1, None, None, Vec::new());
        for part in text.split(';').filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| RuleError::BadValue(part.to_owned()))?;
            let bad = || RuleError::BadValue(part.to_owned());
            match key.to_ascii_uppercase().as_str() {
                "FREQ" => {
                    freq = Some(match value.to_ascii_uppercase().as_str() {
                        "DAILY" => Freq::Daily,
                        "WEEKLY" => Freq::Weekly,
                        _ => return Err(RuleError::Unsupported(part.to_owned())),
                    })
                }
                "INTERVAL" => interval = value.parse::<u32>().ok().filter(|i| (1..=52).contains(i)).ok_or_else(bad)?,
                "COUNT" => count = Some(value.parse::<u32>().ok().filter(|c| *c >= 1).ok_or_else(bad)?),
                "UNTIL" => {
                    let date = value.get(..8).ok_or_else(bad)?;
                    until = Some(NaiveDate::parse_from_str(date, "%Y%m%d").map_err(|_| bad())?);
                }
                "BYDAY" => {
                    by_day = value
                        .split(',')
                        .map(|d| weekday(&d.to_ascii_uppercase()))
                        .collect::<Option<_>>()
                        .ok_or_else(bad)?
                }
                _ => return Err(RuleError::Unsupported(part.to_owned())),
            }
        }
        let freq = freq.ok_or(RuleError::NoFreq)?;
        match (count, until) {
            (Some(_), Some(_)) => return Err(RuleError::CountAndUntil),
            (None, None) => return Err(RuleError::Endless),
            (Some(c), None) if c as usize > MAX_OCCURRENCES => return Err(RuleError::TooMany),
            _ => {}
        }
        if freq == Freq::Daily && !by_day.is_empty() {
            return Err(RuleError::Unsupported("BYDAY with FREQ=DAILY".into()));
        }
        Ok(Self { freq, interval, count, until, by_day })
    }

    /// Local start times of the occurrences, the first being `start` itself
    /// (RFC 5545: DTSTART counts as the first occurrence when it matches).
    pub fn occurrences(&self, start: NaiveDateTime) -> Result<Vec<NaiveDateTime>, RuleError> {
        let limit = self.count.map_or(MAX_OCCURRENCES + 1, |c| c as usize);
        let mut out = Vec::new();
        let time = start.time();
        let mut period_start = start.date();
        // Weekly rules walk week by week from the Monday of DTSTART.
        if self.freq == Freq::Weekly {
            period_start -= Duration::days(i64::from(start.weekday().num_days_from_monday()));
        }
        let days: Vec<Weekday> = if self.by_day.is_empty() { vec![start.weekday()] } else { self.by_day.clone() };
        'walk: for _ in 0..(MAX_OCCURRENCES * 7) {
            let candidates: Vec<NaiveDate> = match self.freq {
                Freq::Daily => vec![period_start],
                Freq::Weekly => {
                    let mut ds: Vec<NaiveDate> = days
                        .iter()
                        .map(|d| period_start + Duration::days(i64::from(d.num_days_from_monday())))
                        .collect();
                    ds.sort();
                    ds
                }
            };
            for day in candidates {
                if day < start.date() {
                    continue;
                }
                if self.until.is_some_and(|u| day > u) || out.len() >= limit {
                    break 'walk;
                }
                out.push(day.and_time(time));
            }
            period_start += match self.freq {
                Freq::Daily => Duration::days(i64::from(self.interval)),
                Freq::Weekly => Duration::weeks(i64::from(self.interval)),
            };
        }
        if out.len() > MAX_OCCURRENCES {
            return Err(RuleError::TooMany);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(d: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(d, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn weekly_rules_follow_the_days_given() {
        // Monday 1 March 2027, 09:00.
        let r = Rule::parse("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=5").unwrap();
        let o = r.occurrences(at("2027-03-01 09:00")).unwrap();
        let days: Vec<String> = o.iter().map(|d| d.format("%a %d").to_string()).collect();
        assert_eq!(days, ["Mon 01", "Wed 03", "Mon 08", "Wed 10", "Mon 15"]);
        let every_other = Rule::parse("RRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=20270401T000000Z").unwrap();
        let o = every_other.occurrences(at("2027-03-02 14:30")).unwrap();
        assert_eq!(o.len(), 3, "2, 16 and 30 March: {o:?}");
        assert!(o.iter().all(|d| d.format("%H:%M").to_string() == "14:30"), "the same wall-clock time");
    }

    #[test]
    fn daily_rules_and_their_limits() {
        let o = Rule::parse("FREQ=DAILY;COUNT=3").unwrap().occurrences(at("2027-03-27 10:00")).unwrap();
        assert_eq!(o, [at("2027-03-27 10:00"), at("2027-03-28 10:00"), at("2027-03-29 10:00")]);
        assert_eq!(Rule::parse("FREQ=MONTHLY;COUNT=2"), Err(RuleError::Unsupported("FREQ=MONTHLY".into())));
        assert_eq!(Rule::parse("FREQ=DAILY"), Err(RuleError::Endless));
        assert_eq!(Rule::parse("FREQ=DAILY;COUNT=1000"), Err(RuleError::TooMany));
        assert_eq!(Rule::parse("COUNT=2"), Err(RuleError::NoFreq));
        assert!(matches!(Rule::parse("FREQ=WEEKLY;COUNT=2;BYDAY=XX"), Err(RuleError::BadValue(_))));
        assert_eq!(Rule::parse("FREQ=DAILY;COUNT=2;UNTIL=20270101"), Err(RuleError::CountAndUntil));
    }
}

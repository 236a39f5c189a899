//! Opening hours in OpenStreetMap's `opening_hours` syntax: checked when
//! records come in, evaluated in the record's own time zone ("open now",
//! "next change"), and converted from the French texts sources publish.
//!
//! Evaluation relies on the `opening-hours` crate with France's public
//! holidays from its embedded calendar (nager.date), so `PH off` closes on
//! 14 July and Christmas. Overseas départements use the same national
//! calendar: their own days (abolition of slavery) are not known to it.

use std::sync::{Arc, LazyLock};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use opening_hours::localization::{Country, TzLocation};
use opening_hours::{Context, ContextHolidays};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("opening hours are empty")]
    Empty,
    #[error("invalid opening hours {text:?}: {reason}")]
    Invalid { text: String, reason: String },
}

/// Validated opening hours. Holds the text as given (trimmed) and its parse.
#[derive(Clone)]
pub struct OpeningHours {
    raw: String,
    parsed: Arc<opening_hours::OpeningHours>,
}

impl std::fmt::Debug for OpeningHours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OpeningHours({:?})", self.raw)
    }
}

impl PartialEq for OpeningHours {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

static FRENCH_HOLIDAYS: LazyLock<ContextHolidays> = LazyLock::new(|| Country::FR.holidays());

impl OpeningHours {
    pub fn parse(text: &str) -> Result<Self, HoursError> {
        let raw = text.trim();
        if raw.is_empty() {
            return Err(HoursError::Empty);
        }
        let parsed = raw.parse::<opening_hours::OpeningHours>().map_err(|e| HoursError::Invalid {
            text: raw.to_owned(),
            reason: e.to_string().lines().next().unwrap_or("syntax error").to_owned(),
        })?;
        Ok(Self { raw: raw.to_owned(), parsed: Arc::new(parsed) })
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    fn in_zone(&self, tz: Tz) -> opening_hours::OpeningHours<TzLocation<Tz>> {
        let context = Context::default().with_holidays(FRENCH_HOLIDAYS.clone()).with_locale(TzLocation::new(tz));
        (*self.parsed).clone().with_context(context)
    }

    pub fn is_open(&self, at: DateTime<Utc>, tz: Tz) -> bool {
        self.in_zone(tz).is_open(at.with_timezone(&tz))
    }

    /// When the state changes next (opens or closes), if it ever does.
    pub fn next_change(&self, at: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        self.in_zone(tz).next_change(at.with_timezone(&tz)).map(|t| t.with_timezone(&Utc))
    }
}

/// Whether a day is a public holiday in France (national calendar).
pub fn is_french_public_holiday(date: NaiveDate) -> bool {
    FRENCH_HOLIDAYS.get_public().contains(date)
}

/// The time zone of a département (metropolitan, DROM or COM code).
pub fn timezone_for_departement(code: &str) -> Tz {
    match code {
        "971" => chrono_tz::America::Guadeloupe,
        "972" => chrono_tz::America::Martinique,
        "973" => chrono_tz::America::Cayenne,
        "974" => chrono_tz::Indian::Reunion,
        "975" => chrono_tz::America::Miquelon,
        "976" => chrono_tz::Indian::Mayotte,
        "977" => chrono_tz::America::St_Barthelemy,
        "978" => chrono_tz::America::Marigot,
        "986" => chrono_tz::Pacific::Wallis,
        "987" => chrono_tz::Pacific::Tahiti,
        "988" => chrono_tz::Pacific::Noumea,
        _ => chrono_tz::Europe::Paris,
    }
}

/// The time zone of a commune from its INSEE code.
pub fn timezone_for_commune(insee: &str) -> Tz {
    match insee.get(..2) {
        Some("97") | Some("98") => timezone_for_departement(insee.get(..3).unwrap_or("")),
        _ => chrono_tz::Europe::Paris,
    }
}

const OSM_DAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

/// Builds OSM hours from per-day ranges, grouping consecutive days that
/// share the same ranges: `Mo-Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00`.
fn from_week(days: &[Vec<(NaiveTime, NaiveTime)>; 7]) -> Result<Option<OpeningHours>, HoursError> {
    let mut rules: Vec<String> = Vec::new();
    let mut i = 0;
    while i < 7 {
        if days[i].is_empty() {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < 7 && days[j + 1] == days[i] {
            j += 1;
        }
        let span = if i == j { OSM_DAYS[i].to_owned() } else { format!("{}-{}", OSM_DAYS[i], OSM_DAYS[j]) };
        let ranges: Vec<String> =
            days[i].iter().map(|(a, b)| format!("{}-{}", a.format("%H:%M"), b.format("%H:%M"))).collect();
        rules.push(format!("{span} {}", ranges.join(",")));
        i = j + 1;
    }
    if rules.is_empty() {
        return Ok(None);
    }
    OpeningHours::parse(&rules.join("; ")).map(Some)
}

/// Sorts a day's ranges, drops empty ones (`00:00 - 00:00` is how some
/// sources write "no hours"), and merges repeated or overlapping ranges,
/// which the sources hold in number and which mean "open in the union".
/// A range ending before it starts is an error.
fn normalize_ranges(text: &str, ranges: &mut Vec<(NaiveTime, NaiveTime)>) -> Result<(), HoursError> {
    ranges.retain(|(a, b)| a != b);
    if ranges.iter().any(|(a, b)| b < a) {
        return Err(HoursError::Invalid { text: text.to_owned(), reason: "a range ends before it starts".into() });
    }
    ranges.sort();
    let mut merged: Vec<(NaiveTime, NaiveTime)> = Vec::with_capacity(ranges.len());
    for &(a, b) in ranges.iter() {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    *ranges = merged;
    Ok(())
}

/// "9", "9h", "9h30", "09:30", "9.30" → a time of day.
fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim().to_lowercase().replace(['h', '.'], ":");
    let (h, m) = match s.split_once(':') {
        Some((h, m)) => (h.trim(), if m.trim().is_empty() { "0" } else { m.trim() }),
        None => (s.trim(), "0"),
    };
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    if h == 24 && m == 0 {
        return NaiveTime::from_hms_opt(23, 59, 0);
    }
    NaiveTime::from_hms_opt(h, m, 0)
}

/// One day's French text: `09:00 - 12:00 / 13:30 - 17:00`, `9h-12h et 14h-17h`, `Fermé`.
fn parse_french_day(text: &str) -> Result<Vec<(NaiveTime, NaiveTime)>, HoursError> {
    let lowered = text.trim().to_lowercase();
    if lowered.is_empty() || ["fermé", "ferme", "fermée", "closed", "-"].contains(&lowered.as_str()) {
        return Ok(Vec::new());
    }
    let bad = |reason: &str| HoursError::Invalid { text: text.to_owned(), reason: reason.to_owned() };
    let mut ranges = Vec::new();
    for part in lowered.split(['/', ',', ';', '+']).flat_map(|p| p.split(" et ")) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (a, b) = part
            .split_once(" - ")
            .or_else(|| part.split_once('-'))
            .or_else(|| part.split_once(" à "))
            .or_else(|| part.split_once('–'))
            .ok_or_else(|| bad("expected ranges like 09:00 - 12:00"))?;
        let a = parse_time(a.trim_start_matches("de ")).ok_or_else(|| bad("unreadable start time"))?;
        let b = parse_time(b).ok_or_else(|| bad("unreadable end time"))?;
        ranges.push((a, b));
    }
    normalize_ranges(text, &mut ranges)?;
    Ok(ranges)
}

/// Converts French hours given per weekday (Monday first; a missing day is
/// closed) to OSM syntax. `Ok(None)` when closed every day.
pub fn from_french_weekdays(days: [Option<&str>; 7]) -> Result<Option<OpeningHours>, HoursError> {
    let mut week: [Vec<(NaiveTime, NaiveTime)>; 7] = Default::default();
    for (i, d) in days.iter().enumerate() {
        if let Some(text) = d {
            week[i] = parse_french_day(text)?;
        }
    }
    from_week(&week)
}

/// Opening intervals of one day, (start, end) in local time.
pub type DayTimes = Vec<(NaiveTime, NaiveTime)>;

/// Converts structured ranges (from, to, [(start, end)]) — e.g. "from
/// Tuesday to Friday, 09:00–12:00 and 14:00–17:00" — to OSM syntax.
pub fn from_day_ranges(ranges: &[(Weekday, Weekday, DayTimes)]) -> Result<Option<OpeningHours>, HoursError> {
    let mut week: [Vec<(NaiveTime, NaiveTime)>; 7] = Default::default();
    for (from, to, times) in ranges {
        let (a, b) = (from.num_days_from_monday() as usize, to.num_days_from_monday() as usize);
        let days: Vec<usize> = if a <= b { (a..=b).collect() } else { (a..7).chain(0..=b).collect() };
        for d in days {
            week[d].extend(times.iter().copied());
        }
    }
    for day in week.iter_mut() {
        let text = day.iter().map(|(a, b)| format!("{a}-{b}")).collect::<Vec<_>>().join(",");
        normalize_ranges(&text, day)?;
    }
    from_week(&week)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris(s: &str) -> DateTime<Utc> {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn accepts_real_world_hours_and_refuses_garbage() {
        for ok in [
            "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00",
            "Tu-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00",
            "Mo 09:30-12:30,13:30-15:30; PH off",
            "24/7",
        ] {
            assert_eq!(OpeningHours::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(OpeningHours::parse("  "), Err(HoursError::Empty));
        let e = OpeningHours::parse("lundi matin").unwrap_err().to_string();
        assert!(e.contains("lundi matin"), "{e}");
        assert!(OpeningHours::parse("Mo-Fr 9h-12h").is_err());
    }

    #[test]
    fn lunch_breaks_close_the_place() {
        let h = OpeningHours::parse("Mo-Fr 09:00-12:00,14:00-17:00").unwrap();
        let tz = chrono_tz::Europe::Paris;
        // Monday 2026-11-23 (UTC+1)
        assert!(h.is_open(paris("2026-11-23T10:00:00+01:00"), tz));
        assert!(!h.is_open(paris("2026-11-23T12:30:00+01:00"), tz));
        assert!(h.is_open(paris("2026-11-23T14:30:00+01:00"), tz));
        assert_eq!(h.next_change(paris("2026-11-23T12:30:00+01:00"), tz), Some(paris("2026-11-23T14:00:00+01:00")));
        // Friday evening → Monday morning.
        assert_eq!(h.next_change(paris("2026-11-27T18:00:00+01:00"), tz), Some(paris("2026-11-30T09:00:00+01:00")));
    }

    #[test]
    fn public_holidays_close_places_that_say_so() {
        let h = OpeningHours::parse("Mo-Fr 09:00-17:00; PH off").unwrap();
        let tz = chrono_tz::Europe::Paris;
        assert!(!h.is_open(paris("2026-07-14T10:00:00+02:00"), tz), "14 July");
        assert!(h.is_open(paris("2026-07-15T10:00:00+02:00"), tz));
        assert!(!h.is_open(paris("2026-12-25T10:00:00+01:00"), tz), "Christmas");
        assert!(is_french_public_holiday(NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()));
        assert!(!is_french_public_holiday(NaiveDate::from_ymd_opt(2026, 5, 4).unwrap()));
    }

    #[test]
    fn always_open_is_always_open() {
        let h = OpeningHours::parse("24/7").unwrap();
        assert!(h.is_open(paris("2026-12-25T03:00:00+01:00"), chrono_tz::Europe::Paris));
        assert_eq!(h.next_change(paris("2026-12-25T03:00:00+01:00"), chrono_tz::Europe::Paris), None);
    }

    #[test]
    fn overseas_places_follow_their_own_clock() {
        let h = OpeningHours::parse("Mo-Fr 08:00-12:00").unwrap();
        let reunion = timezone_for_commune("97411");
        assert_eq!(reunion, chrono_tz::Indian::Reunion);
        // Monday 2026-11-23, Réunion is UTC+4.
        assert!(h.is_open(paris("2026-11-23T05:00:00Z"), reunion));
        assert!(!h.is_open(paris("2026-11-23T09:00:00Z"), reunion));
        assert_eq!(timezone_for_departement("2A"), chrono_tz::Europe::Paris);
        assert_eq!(timezone_for_commune("97209"), chrono_tz::America::Martinique);
    }

    #[test]
    fn daylight_saving_days_are_handled() {
        let h = OpeningHours::parse("Mo-Su 08:00-18:00").unwrap();
        let tz = chrono_tz::Europe::Paris;
        assert!(h.is_open(paris("2026-03-29T08:30:00+02:00"), tz), "spring forward");
        assert!(h.is_open(paris("2026-10-25T08:30:00+01:00"), tz), "fall back");
        assert_eq!(h.next_change(paris("2026-03-29T08:30:00+02:00"), tz), Some(paris("2026-03-29T18:00:00+02:00")));
        assert_eq!(h.next_change(paris("2026-10-25T08:30:00+01:00"), tz), Some(paris("2026-10-25T18:00:00+01:00")));
    }

    #[test]
    fn french_weekday_texts_become_osm_hours() {
        let h = from_french_weekdays([
            Some("09:00 - 12:00 / 13:30 - 17:00"),
            Some("09:00 - 12:00 / 13:30 - 17:00"),
            Some("09:00 - 12:00 / 13:30 - 17:00"),
            Some("09:00 - 12:00 / 13:30 - 17:00"),
            Some("09:00 - 12:00 / 13:30 - 16:00"),
            None,
            None,
        ])
        .unwrap()
        .unwrap();
        assert_eq!(h.as_str(), "Mo-Th 09:00-12:00,13:30-17:00; Fr 09:00-12:00,13:30-16:00");
        let variants = from_french_weekdays([
            Some("9h-12h et 14h - 17h30"),
            Some("Fermé"),
            Some("9h00 à 12h00"),
            None,
            None,
            Some("09:00-12:00/14:00-17:00"),
            None,
        ])
        .unwrap()
        .unwrap();
        assert_eq!(variants.as_str(), "Mo 09:00-12:00,14:00-17:30; We 09:00-12:00; Sa 09:00-12:00,14:00-17:00");
        assert_eq!(from_french_weekdays([None; 7]).unwrap(), None);
        let e = from_french_weekdays([Some("le matin"), None, None, None, None, None, None]).unwrap_err();
        assert!(e.to_string().contains("le matin"));
        assert!(from_french_weekdays([Some("14:00 - 12:00"), None, None, None, None, None, None]).is_err());
        // What the real files hold: empty placeholders, repeated and overlapping ranges.
        let messy = from_french_weekdays([
            Some("00:00 - 00:00 / 09:00 - 12:00"),
            Some("09:00 - 12:00 / 09:00 - 12:00"),
            Some("09:00 - 16:30 / 13:30 - 16:30"),
            Some("00:00 - 00:00"),
            None,
            None,
            None,
        ])
        .unwrap()
        .unwrap();
        assert_eq!(messy.as_str(), "Mo-Tu 09:00-12:00; We 09:00-16:30");
    }

    #[test]
    fn structured_ranges_become_osm_hours() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let h = from_day_ranges(&[
            (Weekday::Tue, Weekday::Fri, vec![(t(9, 0), t(12, 0)), (t(14, 0), t(17, 0))]),
            (Weekday::Sat, Weekday::Sat, vec![(t(9, 0), t(12, 0))]),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(h.as_str(), "Tu-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00");
        assert!(from_day_ranges(&[(Weekday::Mon, Weekday::Mon, vec![(t(12, 0), t(9, 0))])]).is_err());
    }

    /// Every France Services row of the shared open data converts.
    #[test]
    fn converts_the_real_france_services_hours() {
        let dir = std::env::var("MAILLAGE_SHARED_DATA")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data").to_owned());
        let path = format!("{dir}/places/france-services-2024-08.csv");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e} (set MAILLAGE_SHARED_DATA)"));
        let mut lines = text.lines();
        let header: Vec<String> = split(lines.next().unwrap());
        let col = |n: &str| header.iter().position(|h| h == n).unwrap();
        let days: Vec<usize> =
            ["h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi"].iter().map(|d| col(d)).collect();
        let (mut ok, mut total) = (0, 0);
        for line in lines.filter(|l| !l.is_empty()) {
            let f = split(line);
            let week: Vec<Option<&str>> =
                days.iter().map(|i| f.get(*i).map(String::as_str).filter(|s| !s.is_empty())).collect();
            total += 1;
            if from_french_weekdays([week[0], week[1], week[2], week[3], week[4], week[5], None]).is_ok() {
                ok += 1;
            }
        }
        assert!(total > 2800);
        assert!(ok * 100 >= total * 98, "{ok} of {total} converted");
    }

    fn split(line: &str) -> Vec<String> {
        let (mut out, mut field, mut quoted) = (Vec::new(), String::new(), false);
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => out.push(std::mem::take(&mut field)),
                c => field.push(c),
            }
        }
        out.push(field);
        out
    }
}

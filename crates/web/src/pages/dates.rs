//! Dates and times as the pages write them: in the place's time zone, in
//! the reader's language. Shared by the pages of operations (bookings,
//! back office).

use app::i18n::Lang;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use domain::atlas::hours::timezone_for_commune;
use domain::operations::local_to_utc;

/// The place's time zone (Paris unless its commune says otherwise).
pub fn zone_of(place: &store::atlas::AtlasRecord) -> Tz {
    place.commune_insee.as_deref().map_or(chrono_tz::Europe::Paris, timezone_for_commune)
}

const FR_DAYS: [&str; 7] = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
const EN_DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "lundi 7 décembre 2026" / "Monday 7 December 2026".
pub fn long_date(lang: Lang, d: NaiveDate) -> String {
    let (days, months) = if lang == Lang::Fr { (FR_DAYS, FR_MONTHS) } else { (EN_DAYS, EN_MONTHS) };
    let day = days[d.weekday().num_days_from_monday() as usize];
    format!("{day} {} {} {}", d.day(), months[d.month0() as usize], d.year())
}

/// "lun. 7" / "Mon 7": a column head.
pub fn short_date(lang: Lang, d: NaiveDate) -> String {
    let days = if lang == Lang::Fr { FR_DAYS } else { EN_DAYS };
    let day = days[d.weekday().num_days_from_monday() as usize];
    if lang == Lang::Fr { format!("{}. {}", &day[..3], d.day()) } else { format!("{} {}", &day[..3], d.day()) }
}

/// "décembre 2026" / "December 2026".
pub fn month_title(lang: Lang, d: NaiveDate) -> String {
    let months = if lang == Lang::Fr { FR_MONTHS } else { EN_MONTHS };
    format!("{} {}", months[d.month0() as usize], d.year())
}

/// Midnight of a local day in UTC; where a zone skips midnight, the first
/// instant of that day.
pub fn day_start(d: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = d.and_time(NaiveTime::MIN);
    local_to_utc(midnight, tz)
        .unwrap_or_else(|_| local_to_utc(midnight + Duration::hours(1), tz).unwrap_or(midnight.and_utc()))
}

/// "14:05" in the zone.
pub fn hhmm(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

/// "lundi 7 décembre 2026, 14:05": an instant in the zone.
pub fn date_and_time(lang: Lang, t: DateTime<Utc>, tz: Tz) -> String {
    format!("{}, {}", long_date(lang, t.with_timezone(&tz).date_naive()), hhmm(t, tz))
}

/// "lundi 7 décembre 2026, 10:00–12:00", naming the second day when the
/// span crosses midnight.
pub fn span(lang: Lang, from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> String {
    let (d1, d2) = (from.with_timezone(&tz).date_naive(), to.with_timezone(&tz).date_naive());
    if d1 == d2 {
        format!("{}, {}–{}", long_date(lang, d1), hhmm(from, tz), hhmm(to, tz))
    } else {
        format!("{}, {} – {}, {}", long_date(lang, d1), hhmm(from, tz), long_date(lang, d2), hhmm(to, tz))
    }
}

/// A period as people say it: whole local days ("lundi 7 décembre 2026",
/// "du lundi 7 … au mercredi 9 …") when it runs midnight to midnight, else
/// its [`span`].
pub fn period(lang: Lang, from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> String {
    let (start, end) = (from.with_timezone(&tz), to.with_timezone(&tz));
    let midnight = |t: &DateTime<Tz>| t.time() == NaiveTime::MIN;
    if !(midnight(&start) && midnight(&end)) || to <= from {
        return span(lang, from, to, tz);
    }
    let (first, last) = (start.date_naive(), (end - Duration::days(1)).date_naive());
    match (first == last, lang) {
        (true, _) => long_date(lang, first),
        (false, Lang::Fr) => format!("du {} au {}", long_date(lang, first), long_date(lang, last)),
        (false, _) => format!("from {} to {}", long_date(lang, first), long_date(lang, last)),
    }
}

/// A date (`2027-03-01`) as typed in a form.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// A time (`09:30`, or `09:30:00` as some browsers send) as typed in a form.
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M").or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S")).ok()
}

/// The date and time of a local instant, for a form's fields.
pub fn local_fields(t: DateTime<Utc>, tz: Tz) -> (String, String) {
    let l: NaiveDateTime = t.with_timezone(&tz).naive_local();
    (l.format("%Y-%m-%d").to_string(), l.format("%H:%M").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_names_its_day_in_local_time_across_the_clock_change() {
        let tz = chrono_tz::Europe::Paris;
        // 29 March 2026: clocks go from 02:00 to 03:00 in Paris.
        let from = DateTime::parse_from_rfc3339("2026-03-29T00:30:00Z").unwrap().with_timezone(&Utc);
        let to = DateTime::parse_from_rfc3339("2026-03-29T02:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(span(Lang::Fr, from, to, tz), "dimanche 29 mars 2026, 01:30–04:00");
        assert_eq!(span(Lang::En, from, to, tz), "Sunday 29 March 2026, 01:30–04:00");
        let late = DateTime::parse_from_rfc3339("2026-03-29T22:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(span(Lang::Fr, to, late, tz), "dimanche 29 mars 2026, 04:00 – lundi 30 mars 2026, 00:30");
        // 23:30 in Paris is already the next day, 02:30, in Réunion.
        let evening = DateTime::parse_from_rfc3339("2026-12-07T22:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(date_and_time(Lang::Fr, evening, tz), "lundi 7 décembre 2026, 23:30");
        assert_eq!(date_and_time(Lang::En, evening, chrono_tz::Indian::Reunion), "Tuesday 8 December 2026, 02:30");
        assert_eq!(parse_time("09:30:00"), NaiveTime::from_hms_opt(9, 30, 0));
        let midnight = |d: u32| day_start(NaiveDate::from_ymd_opt(2026, 12, d).unwrap(), tz);
        assert_eq!(period(Lang::Fr, midnight(7), midnight(8), tz), "lundi 7 décembre 2026");
        assert_eq!(
            period(Lang::Fr, midnight(7), midnight(10), tz),
            "du lundi 7 décembre 2026 au mercredi 9 décembre 2026"
        );
        assert_eq!(period(Lang::En, from, to, tz), span(Lang::En, from, to, tz), "not whole days");
        assert_eq!(parse_date("2026-02-30"), None);
    }
}

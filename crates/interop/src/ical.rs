//! iCalendar (RFC 5545) output: a calendar of events, times in UTC, text
//! escaped and lines folded at 75 octets as the RFC requires.

use chrono::{DateTime, Utc};

/// One VEVENT.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarEvent {
    /// Globally unique and stable: calendar apps update by it.
    pub uid: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    /// CONFIRMED, TENTATIVE or CANCELLED.
    pub status: &'static str,
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded so that no line exceeds 75 octets
/// (continuations start with a space), never inside a UTF-8 character.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A whole calendar named `name`.
pub fn calendar(name: &str, events: &[CalendarEvent], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Maillage//Maillage//FR");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", escape(&e.uid)));
        line(&mut out, &format!("DTSTAMP:{}", stamp(now)));
        line(&mut out, &format!("DTSTART:{}", stamp(e.start)));
        line(&mut out, &format!("DTEND:{}", stamp(e.end)));
        line(&mut out, &format!("SUMMARY:{}", escape(&e.summary)));
        if let Some(l) = &e.location {
            line(&mut out, &format!("LOCATION:{}", escape(l)));
        }
        if let Some(d) = &e.description {
            line(&mut out, &format!("DESCRIPTION:{}", escape(d)));
        }
        if let Some(u) = &e.url {
            line(&mut out, &format!("URL:{u}"));
        }
        line(&mut out, &format!("STATUS:{}", e.status));
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_and_text_is_escaped() {
        let t = DateTime::parse_from_rfc3339("2027-03-01T09:00:00Z").unwrap().with_timezone(&Utc);
        let e = CalendarEvent {
            uid: "event-1@maillage".into(),
            start: t,
            end: t + chrono::Duration::hours(2),
            summary: "Atelier « réparer, c'est gagner » ; venez nombreux, avec vos objets cassés et votre bonne humeur"
                .into(),
            location: Some("La Ruche, 2 rue des Ateliers\n16000 Angoulême".into()),
            description: None,
            url: None,
            status: "CONFIRMED",
        };
        let ics = calendar("Agenda", &[e], t);
        assert!(ics.lines().all(|l| l.len() <= 75), "{ics}");
        assert!(ics.contains("réparer\\, c'est gagner » \\; venez"));
        assert!(ics.contains("Ateliers\\n16000"));
        assert!(ics.contains("DTSTART:20270301T090000Z\r\nDTEND:20270301T110000Z"));
    }
}

//! Splitting one line of the shipped referential CSVs (RFC 4180 quoting:
//! `""` inside a quoted field is a quote; no line breaks inside fields).

pub fn split(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn splits_plain_and_quoted_fields() {
        assert_eq!(super::split("a,\"b, c\",d"), vec!["a", "b, c", "d"]);
        assert_eq!(super::split("a,,"), vec!["a", "", ""]);
        assert_eq!(super::split("1,\"CA \"\"Saintes\"\"\",CA"), vec!["1", "CA \"Saintes\"", "CA"]);
    }
}

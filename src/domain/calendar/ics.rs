//! Writing iCalendar content lines (RFC 5545 §3.1): each line ends in CRLF, a line longer than
//! 75 octets is folded (CRLF and one space) without splitting a UTF-8 character, and TEXT values
//! escape backslash, semicolon, comma and line breaks (§3.3.11).

use crate::domain::time::Millis;
use chrono::{DateTime, Utc};

/// The most octets of one physical line, CRLF not counted.
pub const MAX_LINE_OCTETS: usize = 75;

/// A document being written, one content line at a time.
#[derive(Debug, Default)]
pub struct IcsWriter {
    text: String,
}

impl IcsWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// `NAME:value`, the value written as it is (the caller escapes TEXT with [`escape_text`]).
    pub fn line(&mut self, name: &str, value: &str) -> &mut Self {
        let logical = format!("{name}:{value}");
        fold_into(&mut self.text, &logical);
        self
    }

    /// `NAME:value` with `value` escaped as TEXT.
    pub fn text(&mut self, name: &str, value: &str) -> &mut Self {
        self.line(name, &escape_text(value))
    }

    /// `NAME:YYYYMMDDTHHMMSSZ`, the instant in UTC (form #2 of §3.3.5).
    pub fn utc(&mut self, name: &str, instant: Millis) -> &mut Self {
        self.line(name, &utc_date_time(instant))
    }

    pub fn finish(self) -> String {
        self.text
    }
}

/// `logical` as physical lines of at most [`MAX_LINE_OCTETS`] octets each, appended to `out`.
pub fn fold_into(out: &mut String, logical: &str) {
    // A logical line never holds CR or LF: TEXT escapes them and other values have none.
    let mut budget = MAX_LINE_OCTETS;
    let mut used = 0;
    for character in logical.chars().filter(|c| *c != '\r' && *c != '\n') {
        let width = character.len_utf8();
        if used + width > budget {
            out.push_str("\r\n ");
            // The leading space of a continuation counts against its 75 octets.
            budget = MAX_LINE_OCTETS - 1;
            used = 0;
        }
        out.push(character);
        used += width;
    }
    out.push_str("\r\n");
}

/// `value` as a TEXT value: `\` `;` `,` escaped, each line break (CRLF, CR or LF) as `\n`, and
/// other control characters (which TEXT does not allow) dropped.
pub fn escape_text(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    let mut characters = value.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\r' => {
                characters.next_if_eq(&'\n');
                escaped.push_str("\\n");
            }
            '\n' => escaped.push_str("\\n"),
            '\t' => escaped.push('\t'),
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// An instant as `YYYYMMDDTHHMMSSZ`: whole seconds (iCalendar has no fractions), rounded down.
pub fn utc_date_time(instant: Millis) -> String {
    DateTime::<Utc>::from_timestamp_millis(instant)
        .map(|time| time.format("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|| "19700101T000000Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The logical line back from folded text: every CRLF followed by a space removed.
    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    #[test]
    fn short_lines_stay_whole_and_end_in_crlf() {
        let mut writer = IcsWriter::new();
        writer
            .line("VERSION", "2.0")
            .utc("DTSTART", 1_772_442_000_000);
        assert_eq!(
            writer.finish(),
            "VERSION:2.0\r\nDTSTART:20260302T090000Z\r\n"
        );
    }

    #[test]
    fn a_line_of_exactly_75_octets_is_not_folded_and_76_is() {
        let mut out = String::new();
        fold_into(&mut out, &"a".repeat(75));
        assert_eq!(out, format!("{}\r\n", "a".repeat(75)));
        let mut out = String::new();
        fold_into(&mut out, &"a".repeat(76));
        assert_eq!(out, format!("{}\r\n a\r\n", "a".repeat(75)));
    }

    #[test]
    fn folding_never_splits_a_character() {
        let mut out = String::new();
        // 74 octets, then a 4-octet character that would end at octet 78.
        fold_into(&mut out, &format!("{}😀b", "a".repeat(74)));
        assert_eq!(out, format!("{}\r\n 😀b\r\n", "a".repeat(74)));
    }

    #[test]
    fn text_escapes_what_rfc_5545_names() {
        assert_eq!(
            escape_text("a\\b;c,d\ne\r\nf\rg\u{7}h"),
            "a\\\\b\\;c\\,d\\ne\\nf\\ng".to_owned() + "h"
        );
        assert_eq!(escape_text("plain: text"), "plain: text");
    }

    #[test]
    fn instants_are_whole_utc_seconds() {
        assert_eq!(utc_date_time(0), "19700101T000000Z");
        assert_eq!(utc_date_time(1_999), "19700101T000001Z");
        assert_eq!(utc_date_time(-1), "19691231T235959Z");
    }

    proptest! {
        #[test]
        fn folded_lines_are_short_valid_utf8_and_unfold_to_the_line(value in "\\PC{0,300}") {
            let mut writer = IcsWriter::new();
            writer.text("DESCRIPTION", &value);
            let text = writer.finish();
            prop_assert!(text.ends_with("\r\n"));
            for line in text.strip_suffix("\r\n").unwrap_or_default().split("\r\n") {
                prop_assert!(line.len() <= MAX_LINE_OCTETS, "{} octets", line.len());
                prop_assert!(!line.contains('\r') && !line.contains('\n'));
            }
            let logical = unfold(text.strip_suffix("\r\n").unwrap_or_default());
            prop_assert_eq!(logical, format!("DESCRIPTION:{}", escape_text(&value)));
        }

        #[test]
        fn escaped_text_reads_back(value in "[a-z;,\\\\\n:]{0,40}") {
            let escaped = escape_text(&value);
            let mut read = String::new();
            let mut characters = escaped.chars();
            while let Some(c) = characters.next() {
                if c == '\\' {
                    match characters.next() {
                        Some('n') => read.push('\n'),
                        Some(other) => read.push(other),
                        None => prop_assert!(false, "a lone backslash"),
                    }
                } else {
                    prop_assert!(c != ';' && c != ',', "unescaped {c}");
                    read.push(c);
                }
            }
            prop_assert_eq!(read, value);
        }
    }
}

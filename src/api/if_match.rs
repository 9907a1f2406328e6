//! `If-Match` on writes, as RFC 9110 §13.1.1 defines it: `*` or a list of entity tags,
//! compared strongly with the current `ETag` (`"<version>"`, see `response`).
//!
//! - A list matches when any member is the current tag; a tag that is not current, however
//!   well-formed (`"not-ours"`), is a 412.
//! - A weak tag (`W/"2"`) never matches: strong comparison. 412.
//! - `*` matches when the target exists: `/availability` always does (a user never written has
//!   the empty availability, at `ETag` `"0"`, and a `GET` answers 200), a schedule only once it
//!   is set. 412 otherwise. (`DELETE` of a schedule that is not set stays a 404: a failure
//!   found before the request is processed wins over preconditions, RFC 9110 §13.2.1.)
//! - A header that is not `*` or a list of entity tags is a 400.
//!
//! The check runs inside the store's atomic update, on the record the write applies to, so no
//! other write can slip in between the check and the write.

use super::error::{ApiError, ProblemKind};
use crate::domain::UserRecord;
use lambda_http::Request;
use lambda_http::http::header;

/// What a write's `If-Match` asks of the current record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum IfMatch {
    /// No `If-Match`: write on top of whatever is there.
    Absent,
    /// `*`: only if the target exists.
    Any,
    /// A list of entity tags: only if one of them is the current one.
    Tags(Vec<EntityTag>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct EntityTag {
    weak: bool,
    /// Between the quotes.
    opaque: String,
}

impl IfMatch {
    /// The request's `If-Match` (every field line of it, as one list); a 400 when malformed.
    pub(super) fn of(request: &Request) -> Result<Self, ApiError> {
        let mut lines = request
            .headers()
            .get_all(header::IF_MATCH)
            .iter()
            .peekable();
        if lines.peek().is_none() {
            return Ok(IfMatch::Absent);
        }
        let mut tags = Vec::new();
        let mut star = false;
        for line in lines {
            match parse_field(line.as_bytes()) {
                Some(Field::Star) => star = true,
                Some(Field::Tags(more)) => tags.extend(more),
                None => return Err(malformed()),
            }
        }
        match (star, tags.is_empty()) {
            (true, true) => Ok(IfMatch::Any),
            (false, false) => Ok(IfMatch::Tags(tags)),
            // `*` mixed with tags, or only empty list elements.
            _ => Err(malformed()),
        }
    }

    /// Ok when the write may go on top of `current`; `exists` says whether the target
    /// resource exists in it (what `*` asks). A 412 otherwise.
    pub(super) fn check(&self, current: &UserRecord, exists: bool) -> Result<(), ApiError> {
        let current_tag = current.version.to_string();
        match self {
            IfMatch::Absent => Ok(()),
            IfMatch::Any if exists => Ok(()),
            IfMatch::Any => Err(ApiError::new(
                ProblemKind::PreconditionFailed,
                "`If-Match: *` asks for an existing resource, and there is none yet; nothing was written.",
            )),
            IfMatch::Tags(tags)
                if tags
                    .iter()
                    .any(|tag| !tag.weak && tag.opaque == current_tag) =>
            {
                Ok(())
            }
            IfMatch::Tags(tags) => {
                let weak = if tags.iter().any(|tag| tag.weak) {
                    " A weak tag (W/\"…\") never matches: send the ETag exactly as returned."
                } else {
                    ""
                };
                Err(ApiError::new(
                    ProblemKind::PreconditionFailed,
                    format!(
                        "The availability changed since it was read (it is now at ETag \"{current_tag}\"); read it again and retry.{weak}"
                    ),
                ))
            }
        }
    }
}

fn malformed() -> ApiError {
    ApiError::invalid_field(
        "header If-Match",
        "must be * or a list of ETags this API returned, such as \"3\" or \"3\", \"4\"",
    )
}

enum Field {
    Star,
    Tags(Vec<EntityTag>),
}

/// `If-Match = "*" / #entity-tag`, with optional white space around list commas and empty
/// list elements allowed (RFC 9110 §5.6.1.2); `None` when the text is neither.
fn parse_field(text: &[u8]) -> Option<Field> {
    let is_space = |byte: &u8| matches!(byte, b' ' | b'\t');
    let trimmed = trim(text, is_space);
    if trimmed == b"*" {
        return Some(Field::Star);
    }
    let mut tags = Vec::new();
    let mut rest = trimmed;
    loop {
        rest = trim(rest, is_space);
        if let Some(after_comma) = rest.strip_prefix(b",") {
            rest = after_comma;
            continue;
        }
        if rest.is_empty() {
            return Some(Field::Tags(tags));
        }
        let (weak, quoted) = match rest.strip_prefix(b"W/") {
            Some(quoted) => (true, quoted),
            None => (false, rest),
        };
        let inner = quoted.strip_prefix(b"\"")?;
        let end = inner.iter().position(|&byte| byte == b'"')?;
        let opaque = &inner[..end];
        // etagc = %x21 / %x23-7E / obs-text
        if !opaque.iter().all(|&byte| byte == 0x21 || byte >= 0x23) || opaque.contains(&0x7F) {
            return None;
        }
        tags.push(EntityTag {
            weak,
            opaque: String::from_utf8_lossy(opaque).into_owned(),
        });
        rest = trim(&inner[end + 1..], is_space);
        // After a tag: the end, or a comma.
        if !rest.is_empty() && !rest.starts_with(b",") {
            return None;
        }
    }
}

fn trim(text: &[u8], is_space: impl Fn(&u8) -> bool + Copy) -> &[u8] {
    let start = text.iter().position(|b| !is_space(b)).unwrap_or(text.len());
    let end = text
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |at| at + 1);
    &text[start..end.max(start)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(text: &str) -> Option<Vec<(bool, String)>> {
        match parse_field(text.as_bytes())? {
            Field::Star => None,
            Field::Tags(tags) => Some(tags.into_iter().map(|t| (t.weak, t.opaque)).collect()),
        }
    }

    #[test]
    fn lists_weak_tags_and_malformed_fields() {
        let strong = |text: &str| (false, text.to_owned());
        assert_eq!(tags("\"1\""), Some(vec![strong("1")]));
        assert_eq!(
            tags(" \"1\" ,\t\"2\" "),
            Some(vec![strong("1"), strong("2")])
        );
        assert_eq!(
            tags("\"1\", , \"2\","),
            Some(vec![strong("1"), strong("2")])
        );
        assert_eq!(tags("W/\"2\""), Some(vec![(true, "2".to_owned())]));
        assert_eq!(tags("\"not-ours\""), Some(vec![strong("not-ours")]));
        assert_eq!(tags("\"\""), Some(vec![strong("")]));
        for malformed in [
            "3",
            "\"3",
            "\"3\" \"4\"",
            "w/\"3\"",
            "\"a b\"",
            "W/",
            "\"3\"x",
        ] {
            assert_eq!(tags(malformed), None, "{malformed}");
        }
        assert!(matches!(parse_field(b" * "), Some(Field::Star)));
    }
}

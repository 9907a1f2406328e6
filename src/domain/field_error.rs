//! One bad field of a request, the one type validation in the domain and the API's problem
//! responses share.

use serde::Serialize;

/// Where the bad field is (a JSON Pointer into the body such as `/weekly/0/days/2`, or `?name`
/// for a query parameter) and why it was refused, as a sentence for the client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub pointer: String,
    pub detail: String,
}

impl FieldError {
    pub fn new(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            detail: detail.into(),
        }
    }
}

/// How much of a client's text an error message repeats.
const QUOTED_CHARS: usize = 40;

/// The client's text in backquotes for a message, cut short when long.
pub(crate) fn quoted(text: &str) -> String {
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((cut, _)) => format!("`{}…`", &text[..cut]),
        None => format!("`{text}`"),
    }
}

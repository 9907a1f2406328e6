//! One bad field of a request, the one type validation in the domain and the API's problem
//! responses share, and the checks that collect such errors while validation goes on.

use serde::Serialize;

/// Where the bad field is (a JSON Pointer into the body such as `/weekly/0/days/2`, or `?name`
/// for a query parameter) and why it was refused, as a sentence for the client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub pointer: String,
    pub detail: String,
}

impl FieldError {
    /// Both parts cut to [`MAX_POINTER_CHARS`] and [`MAX_DETAIL_CHARS`]: a pointer can hold a
    /// client's member name, and no error may grow with the request.
    pub fn new(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: clipped(pointer.into(), MAX_POINTER_CHARS),
            detail: clipped(detail.into(), MAX_DETAIL_CHARS),
        }
    }
}

/// Records the error of `result` under `path`, keeping validation going to find the others.
pub(crate) fn check<T>(
    errors: &mut Vec<FieldError>,
    path: String,
    result: Result<T, String>,
) -> Option<T> {
    result
        .map_err(|message| {
            errors.push(FieldError {
                pointer: path,
                detail: message,
            })
        })
        .ok()
}

/// Refuses a list longer than `limit`, whose items are then not checked one by one.
pub(crate) fn check_length<T>(
    items: &[T],
    limit: usize,
    path: &str,
    what: &str,
    errors: &mut Vec<FieldError>,
) -> bool {
    let fits = items.len() <= limit;
    if !fits {
        errors.push(FieldError {
            pointer: path.to_owned(),
            detail: format!("has {} {what}; at most {limit} are allowed", items.len()),
        });
    }
    fits
}

/// How much of a client's text a message repeats (a zone name, a day, a path).
pub(crate) const QUOTED_CHARS: usize = 40;
/// The longest pointer an error names; longer ones (a long unknown member name) end in `…`.
pub(crate) const MAX_POINTER_CHARS: usize = 80;
/// The longest detail sentence of one field error.
pub(crate) const MAX_DETAIL_CHARS: usize = 300;

/// The client's text in backquotes for a message, cut to [`QUOTED_CHARS`] characters.
pub(crate) fn quoted(text: &str) -> String {
    format!("`{}`", clipped(text, QUOTED_CHARS))
}

/// `text` cut to `max_chars` characters, the cut marked with `…` (within the count). The one
/// place that bounds what an error repeats.
pub(crate) fn clipped<'a>(text: impl Into<std::borrow::Cow<'a, str>>, max_chars: usize) -> String {
    let text = text.into();
    match text.char_indices().nth(max_chars) {
        Some(_) => {
            let keep = max_chars.saturating_sub(1);
            let cut = text
                .char_indices()
                .nth(keep)
                .map_or(text.len(), |(at, _)| at);
            format!("{}…", &text[..cut])
        }
        None => text.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_text_is_cut_to_its_bound() {
        assert_eq!(clipped("short", 10), "short");
        assert_eq!(clipped("exactly10!", 10), "exactly10!");
        assert_eq!(clipped("eleven chars", 10), "eleven ch…");
        assert_eq!(clipped("ééééééé", 3), "éé…");
        assert_eq!(quoted(&"x".repeat(1000)).chars().count(), QUOTED_CHARS + 2);
        let error = FieldError::new(format!("/{}", "n".repeat(10_000)), "d".repeat(10_000));
        assert_eq!(error.pointer.chars().count(), MAX_POINTER_CHARS);
        assert_eq!(error.detail.chars().count(), MAX_DETAIL_CHARS);
    }
}

//! Paging, one mechanism for every route that answers a list (`GET /availability`, `/overlap`):
//! `limit` and `cursor` in, at most one page of results and `next` out.
//!
//! Results come in increasing start order; a page ends after `limit` results or when one more
//! might take its JSON past [`MAX_PAGE_BYTES`], whichever is first, and `next` (a [`cursor`])
//! resumes after the start of its last result.

use super::cursor::{self, Resume};
use super::error::ApiError;
use super::input::Parameters;
use super::window::{Clock, ReadWindow};
use crate::domain::Millis;

/// The largest `limit` a request may give.
pub(super) const MAX_LIMIT: usize = 10_000;

/// A page's JSON body stays under this. Lambda answers at most 6 MB and the body travels as a
/// JSON string inside the response, where escaping can at most double it.
pub const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;

/// Room a body keeps for what surrounds its results: member names, a user id of at most 128
/// characters, `next`, `window` (two timestamps).
const ENVELOPE_BYTES: usize = 1024;

/// An upper bound on one `{"start_time":"…","end_time":"…"},` in a list, in any `tz`: the longest
/// timestamp is 31 characters (`+10000-01-02T13:59:59.999+14:00`, a window reaching past 9999).
pub(super) const INTERVAL_BYTES: usize = 100;

/// The page a request asks for: how many results, and where to resume.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct PageRequest {
    /// `limit`, when given.
    pub limit: Option<usize>,
    /// From `cursor`, when given.
    pub resume: Option<Resume>,
}

impl PageRequest {
    /// Reads `limit` and `cursor`; `normalized` is the request's query in one canonical text,
    /// which the cursor must have been made for.
    pub(super) fn parse(parameters: &Parameters, normalized: &str) -> Result<Self, ApiError> {
        let limit = match parameters.single("limit")? {
            None => None,
            Some(given) => match usize::try_from(given.whole_number()?) {
                Ok(limit @ 1..=MAX_LIMIT) => Some(limit),
                _ => {
                    return Err(given.invalid(format!("`limit` must be between 1 and {MAX_LIMIT}")));
                }
            },
        };
        let resume = match parameters.single("cursor")? {
            None => None,
            Some(given) => Some(cursor::decode(given.text()?, normalized).ok_or_else(|| {
                given.invalid(
                    "is not a `next` value this API returned for these parameters; send `next` back unchanged, with the same parameters as the request that returned it",
                )
            })?),
        };
        Ok(PageRequest { limit, resume })
    }

    /// The clock this page's window is resolved on: the first page's reading, when its window
    /// came from the clock, so that every page covers the same window.
    pub(super) fn clock(&self, clock: Clock) -> Clock {
        match self.resume.and_then(|resume| resume.clock_reading) {
            Some(reading) => Clock::Fixed(reading),
            None => clock,
        }
    }

    /// Results on this page: `limit` (else `default_limit`), fewer when results of up to
    /// `result_bytes` each would not fit in [`MAX_PAGE_BYTES`]; at least one.
    pub(super) fn size(&self, default_limit: usize, result_bytes: usize) -> usize {
        let fitting = (MAX_PAGE_BYTES - ENVELOPE_BYTES) / result_bytes.max(1);
        self.limit.unwrap_or(default_limit).min(fitting).max(1)
    }

    /// Whether a result starting at `start` was on an earlier page.
    pub(super) fn already_shown(&self, start: Millis) -> bool {
        self.resume.is_some_and(|resume| start <= resume.after)
    }
}

/// One page of results, in increasing start order.
pub(super) struct Page<T> {
    pub results: Vec<T>,
    /// The start of the last result, when more results follow it.
    resume_after: Option<Millis>,
}

impl<T> Page<T> {
    /// The first `size` of `results` (the ones after the previous page), and whether more follow.
    pub(super) fn cut(
        results: impl Iterator<Item = T>,
        size: usize,
        start_of: impl Fn(&T) -> Millis,
    ) -> Self {
        // One more than a page tells whether another page follows.
        let mut results: Vec<T> = results.take(size.saturating_add(1)).collect();
        let resume_after = (results.len() > size).then(|| {
            results.truncate(size);
            results.last().map_or(Millis::MIN, &start_of)
        });
        Page {
            results,
            resume_after,
        }
    }

    /// `next`: the cursor for the page after this one, when there is one. `window` is the read's
    /// window, whose clock reading later pages reuse.
    pub(super) fn next(&self, window: ReadWindow, normalized: &str) -> Option<String> {
        self.resume_after.map(|after| {
            cursor::encode(
                Resume {
                    after,
                    clock_reading: window.clock_reading,
                },
                normalized,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::shown_interval::ShownInterval;
    use crate::domain::Interval;
    use crate::domain::time::DAY_MS;
    use chrono_tz::TZ_VARIANTS;

    #[test]
    fn an_interval_in_a_list_stays_within_its_byte_bound_in_every_zone() {
        // Stored instants come from timestamps with four-digit years and offsets under a day;
        // a window reaches at most 400 days beyond them.
        let year = 366 * DAY_MS;
        let year_0000 = -62_167_219_200_000;
        let year_10000 = 253_402_300_800_000;
        let extremes = [
            year_0000 - 2 * year - 1,
            year_0000 - DAY_MS - 1,
            year_0000 - 1,
            -1,
            1_727_686_800_001,
            year_10000 - 1,
            year_10000 + DAY_MS + 1,
            year_10000 + 2 * year - 1,
        ];
        let mut longest = 0;
        for zone in [None]
            .into_iter()
            .chain(TZ_VARIANTS.iter().copied().map(Some))
        {
            for &start in &extremes {
                let interval =
                    Interval::new(start, start.saturating_add(1)).unwrap_or(Interval::ALL);
                let text =
                    serde_json::to_string(&ShownInterval(interval, zone)).expect("serializes");
                longest = longest.max(text.len() + 1);
            }
        }
        // At least 90: both ends with milliseconds and an offset (94 today, with years past 9999).
        assert!((90..=INTERVAL_BYTES).contains(&longest), "{longest}");
    }

    #[test]
    fn a_page_is_cut_after_its_size_and_says_where_the_next_resumes() {
        let window = ReadWindow {
            interval: Interval::ALL,
            reported: false,
            clock_reading: None,
        };
        let page = Page::cut([10, 20, 30].into_iter(), 2, |&start| start);
        assert_eq!(page.results, [10, 20]);
        let next = page.next(window, "q").expect("a third result follows");
        assert_eq!(
            cursor::decode(&next, "q"),
            Some(Resume {
                after: 20,
                clock_reading: None
            })
        );
        let last = Page::cut([30].into_iter(), 2, |&start| start);
        assert_eq!((last.results.len(), last.next(window, "q")), (1, None));
    }

    #[test]
    fn the_page_size_is_the_limit_unless_the_bytes_say_fewer() {
        let asked = |limit| PageRequest {
            limit,
            resume: None,
        };
        assert_eq!(asked(None).size(1000, INTERVAL_BYTES), 1000);
        assert_eq!(asked(Some(7)).size(1000, INTERVAL_BYTES), 7);
        assert_eq!(
            asked(None).size(usize::MAX, INTERVAL_BYTES),
            (MAX_PAGE_BYTES - ENVELOPE_BYTES) / INTERVAL_BYTES
        );
        assert_eq!(asked(Some(10)).size(1000, MAX_PAGE_BYTES * 2), 1);
    }
}

//! Paging cursors: the `next` a page returns and the `cursor` the client sends back.
//!
//! A cursor is the base64url text (no padding) of a format version, the instant to resume after
//! (the start of the last result returned, big-endian milliseconds), for version 2 also the
//! clock reading the first page's window was resolved from, and a 64-bit FNV-1a check over all
//! of that and the normalized query: 17 bytes (version 1) or 25 (version 2). Version 2 is
//! written only when the window came from the clock (a schedule read without `from` or `to`),
//! so later pages cover the same window however much time has passed.
//!
//! It is opaque to clients but not secret: any resume instant or clock reading is a harmless
//! place to continue, so nothing is gained by forging one. The check catches a cursor sent with
//! other parameters (or edited), which would otherwise page through a different answer silently.

use crate::domain::Millis;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const WITHOUT_CLOCK: u8 = 1;
const WITH_CLOCK: u8 = 2;
const CHECK_BYTES: usize = 8;

/// Where a page resumes, as its cursor says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Resume {
    /// Results starting at or before this were on earlier pages.
    pub after: Millis,
    /// "Now" for this page's window, when the first page's window came from the clock.
    pub clock_reading: Option<Millis>,
}

/// The cursor that resumes `query` (its normalized text) at `resume`.
pub(super) fn encode(resume: Resume, query: &str) -> String {
    let mut bytes = Vec::with_capacity(1 + 8 + 8 + CHECK_BYTES);
    match resume.clock_reading {
        None => bytes.push(WITHOUT_CLOCK),
        Some(_) => bytes.push(WITH_CLOCK),
    }
    bytes.extend_from_slice(&resume.after.to_be_bytes());
    if let Some(reading) = resume.clock_reading {
        bytes.extend_from_slice(&reading.to_be_bytes());
    }
    let sum = check(&bytes, query);
    bytes.extend_from_slice(&sum.to_be_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Where to resume, if `cursor` is one [`encode`] made for this same `query`.
pub(super) fn decode(cursor: &str, query: &str) -> Option<Resume> {
    // Longer text cannot be a cursor: refused before decoding it.
    if cursor.len() > 40 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let (head, sum) = bytes.split_at_checked(bytes.len().checked_sub(CHECK_BYTES)?)?;
    if sum != check(head, query).to_be_bytes() {
        return None;
    }
    let millis = |at: usize| {
        Some(Millis::from_be_bytes(
            head.get(at..at + 8)?.try_into().ok()?,
        ))
    };
    match (head.first(), head.len()) {
        (Some(&WITHOUT_CLOCK), 9) => Some(Resume {
            after: millis(1)?,
            clock_reading: None,
        }),
        (Some(&WITH_CLOCK), 17) => Some(Resume {
            after: millis(1)?,
            clock_reading: Some(millis(9)?),
        }),
        _ => None,
    }
}

/// FNV-1a, 64 bits: tiny, and stable across Rust releases (unlike `DefaultHasher`), so cursors
/// survive a redeploy.
fn check(head: &[u8], query: &str) -> u64 {
    head.iter()
        .chain(query.as_bytes())
        .fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_only_with_its_own_query() {
        for instant in [Millis::MIN, -1, 0, 1_727_686_800_000, Millis::MAX] {
            for (clock_reading, length) in [(None, 23), (Some(1_727_600_000_000), 34)] {
                let resume = Resume {
                    after: instant,
                    clock_reading,
                };
                let cursor = encode(resume, "users=a,b");
                assert_eq!(cursor.len(), length);
                assert_eq!(decode(&cursor, "users=a,b"), Some(resume));
                assert_eq!(decode(&cursor, "users=a,c"), None);
            }
        }
    }

    #[test]
    fn edited_or_foreign_text_is_refused() {
        let cursor = encode(
            Resume {
                after: 1_727_686_800_000,
                clock_reading: Some(0),
            },
            "q",
        );
        let mut edited = cursor.clone().into_bytes();
        edited[5] = if edited[5] == b'A' { b'B' } else { b'A' };
        let edited = String::from_utf8(edited).expect("ASCII");
        for text in [
            edited.as_str(),
            "",
            "not a cursor",
            "AAAA",
            &cursor[..33],
            &format!("{cursor}A"),
            &"A".repeat(10_000),
        ] {
            assert_eq!(decode(text, "q"), None, "{text:?}");
        }
    }
}

//! Paging cursors: the `next` a page returns and the `cursor` the client sends back.
//!
//! A cursor is the base64url text (no padding) of 17 bytes: a format version, the instant to
//! resume after (the start of the last result returned, big-endian milliseconds), and a 64-bit
//! FNV-1a check over the version, that instant and the normalized query. It is opaque to
//! clients but not secret: any resume instant is a harmless place to continue, so nothing is
//! gained by forging one. The check catches a cursor sent with other parameters (or edited),
//! which would otherwise page through a different answer silently.

use crate::domain::Millis;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const VERSION: u8 = 1;
const LENGTH: usize = 1 + 8 + 8;

/// The cursor that resumes `query` (its normalized text) after `resume_after`.
pub(super) fn encode(resume_after: Millis, query: &str) -> String {
    let mut bytes = [0; LENGTH];
    bytes[0] = VERSION;
    bytes[1..9].copy_from_slice(&resume_after.to_be_bytes());
    let sum = check(&bytes[..9], query);
    bytes[9..].copy_from_slice(&sum.to_be_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The instant to resume after, if `cursor` is one [`encode`] made for this same `query`.
pub(super) fn decode(cursor: &str, query: &str) -> Option<Millis> {
    let bytes: [u8; LENGTH] = URL_SAFE_NO_PAD.decode(cursor).ok()?.try_into().ok()?;
    let (head, sum) = bytes.split_at(9);
    let valid = head[0] == VERSION && sum == check(head, query).to_be_bytes();
    valid.then(|| Millis::from_be_bytes(head[1..].try_into().unwrap_or_default()))
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
            let cursor = encode(instant, "users=a,b");
            assert_eq!(cursor.len(), 23);
            assert_eq!(decode(&cursor, "users=a,b"), Some(instant));
            assert_eq!(decode(&cursor, "users=a,c"), None);
        }
    }

    #[test]
    fn edited_or_foreign_text_is_refused() {
        let cursor = encode(1_727_686_800_000, "q");
        let mut edited = cursor.clone().into_bytes();
        edited[5] = if edited[5] == b'A' { b'B' } else { b'A' };
        let edited = String::from_utf8(edited).expect("ASCII");
        for text in [
            edited.as_str(),
            "",
            "not a cursor",
            "AAAA",
            &cursor[..22],
            &format!("{cursor}A"),
        ] {
            assert_eq!(decode(text, "q"), None, "{text:?}");
        }
    }
}

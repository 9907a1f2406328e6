//! The secret of a user's calendar feed: `{user}.{secret}`, the user's id (base64url) and 128
//! random bits (base64url). As with manage tokens, only the SHA-256 of the secret is stored
//! (`UserRecord::calendar_feed`), the first part only says whose record to read, and a token is
//! compared in constant time.

use crate::domain::UserId;
use crate::domain::booking::{hash_matches, secret_hash};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;

/// Random bytes in a feed token's secret.
pub const FEED_SECRET_BYTES: usize = 16;
/// The longest feed token: a 128-byte user id in base64url (171 characters), a dot, the secret
/// (22 characters).
pub const MAX_FEED_TOKEN_CHARS: usize = 194;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedToken {
    pub user: String,
    secret: [u8; FEED_SECRET_BYTES],
}

impl FeedToken {
    pub fn new(user: &str, secret: [u8; FEED_SECRET_BYTES]) -> Self {
        FeedToken {
            user: user.to_owned(),
            secret,
        }
    }

    /// The token `text` spells, its user a valid user id, checked for shape only (no lookup):
    /// `None` for anything else. The length is checked before anything is decoded.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() > MAX_FEED_TOKEN_CHARS {
            return None;
        }
        let (user, secret) = text.split_once('.')?;
        let user = String::from_utf8(BASE64URL.decode(user).ok()?).ok()?;
        UserId::parse(&user).ok()?;
        let secret: [u8; FEED_SECRET_BYTES] = BASE64URL.decode(secret).ok()?.try_into().ok()?;
        Some(FeedToken { user, secret })
    }

    /// The token's text (URL-safe), as the feed's URL carries it.
    pub fn text(&self) -> String {
        format!(
            "{}.{}",
            BASE64URL.encode(self.user.as_bytes()),
            BASE64URL.encode(self.secret)
        )
    }

    /// What is stored of the token: the hash of its secret, hex.
    pub fn stored_hash(&self) -> String {
        secret_hash(&self.secret)
    }

    /// Whether this token's secret is the one `stored` is the hash of, in constant time.
    pub fn matches(&self, stored: &str) -> bool {
        hash_matches(&self.secret, stored)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_reads_back_and_matches_only_its_own_hash() {
        let token = FeedToken::new("auth0|ana", [7; FEED_SECRET_BYTES]);
        let text = token.text();
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "{text}"
        );
        let read = FeedToken::parse(&text).expect("a token");
        assert_eq!(read, token);
        assert!(read.matches(&token.stored_hash()));
        assert!(!read.matches(&FeedToken::new("auth0|ana", [8; FEED_SECRET_BYTES]).stored_hash()));
        assert!(!read.matches(""));
    }

    #[test]
    fn the_longest_user_id_fits_and_wrong_shapes_are_none() {
        let longest = FeedToken::new(&"a".repeat(128), [1; FEED_SECRET_BYTES]).text();
        assert_eq!(longest.len(), MAX_FEED_TOKEN_CHARS);
        assert!(FeedToken::parse(&longest).is_some());
        let good = FeedToken::new("ana", [1; FEED_SECRET_BYTES]).text();
        let (user, secret) = good.split_once('.').expect("two parts");
        for bad in [
            String::new(),
            user.to_owned(),
            format!("{good}.x"),
            format!("{user}.AAAA"),
            format!("!!.{secret}"),
            format!("{}.{secret}", BASE64URL.encode("a b")),
            format!("{}.{secret}", BASE64URL.encode([0xff, 0xfe])),
            "a".repeat(MAX_FEED_TOKEN_CHARS + 1),
        ] {
            assert_eq!(FeedToken::parse(&bad), None, "{bad}");
        }
    }
}

//! Manage tokens: the secret an invitee holds to see, cancel or reschedule their booking.
//!
//! A token is `{keeper}.{booking id}.{secret}`: the host whose record keeps the booking
//! (base64url), the booking's id, and 128 random bits (base64url). Only the SHA-256 of the
//! secret is stored ([`Invited::manage_hash`](super::Invited)), so a copy of the table cannot act
//! on a booking; the first two parts only say where to look. A token is compared in constant
//! time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Random bytes in a token's secret.
pub const SECRET_BYTES: usize = 16;
/// The longest token: a 128-character keeper id, a 16-character booking id, the secret.
pub const MAX_TOKEN_CHARS: usize = 200;

/// A manage token, read from its text or made for a new booking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManageToken {
    pub keeper: String,
    pub booking_id: String,
    secret: [u8; SECRET_BYTES],
}

impl ManageToken {
    pub fn new(keeper: &str, booking_id: &str, secret: [u8; SECRET_BYTES]) -> Self {
        ManageToken {
            keeper: keeper.to_owned(),
            booking_id: booking_id.to_owned(),
            secret,
        }
    }

    /// The token `text` spells, checked for shape only (no lookup): `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() > MAX_TOKEN_CHARS {
            return None;
        }
        let mut parts = text.split('.');
        let (keeper, booking_id, secret) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some()
            || booking_id.is_empty()
            || booking_id.len() > 32
            || !booking_id.bytes().all(|byte| byte.is_ascii_hexdigit())
        {
            return None;
        }
        let keeper = String::from_utf8(BASE64URL.decode(keeper).ok()?).ok()?;
        let secret: [u8; SECRET_BYTES] = BASE64URL.decode(secret).ok()?.try_into().ok()?;
        Some(ManageToken {
            keeper,
            booking_id: booking_id.to_owned(),
            secret,
        })
    }

    /// The token's text, as the invitee is given it (URL-safe).
    pub fn text(&self) -> String {
        format!(
            "{}.{}.{}",
            BASE64URL.encode(self.keeper.as_bytes()),
            self.booking_id,
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

/// Whether `stored` is the hash of `secret` ([`secret_hash`]), compared in constant time.
pub fn hash_matches(secret: &[u8], stored: &str) -> bool {
    let mine = secret_hash(secret);
    mine.len() == stored.len() && bool::from(mine.as_bytes().ct_eq(stored.as_bytes()))
}

/// The SHA-256 of `secret`, hex.
pub fn secret_hash(secret: &[u8]) -> String {
    Sha256::digest(secret)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_reads_back_and_matches_only_its_own_hash() {
        let token = ManageToken::new("auth0|ana", "0123456789abcdef", [7; SECRET_BYTES]);
        let text = token.text();
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "{text}"
        );
        let read = ManageToken::parse(&text).expect("a token");
        assert_eq!(read, token);
        assert!(read.matches(&token.stored_hash()));
        let other = ManageToken::new("auth0|ana", "0123456789abcdef", [8; SECRET_BYTES]);
        assert!(!read.matches(&other.stored_hash()));
        assert!(!read.matches(""));
        assert_ne!(token.stored_hash(), BASE64URL.encode([7; SECRET_BYTES]));
    }

    #[test]
    fn tokens_of_the_wrong_shape_are_none() {
        let good = ManageToken::new("ana", "0123456789abcdef", [1; SECRET_BYTES]).text();
        let (keeper, rest) = good.split_once('.').expect("parts");
        for bad in [
            String::new(),
            "a.b".to_owned(),
            format!("{good}.x"),
            format!("{keeper}.xyz.{}", rest.split_once('.').expect("parts").1),
            format!("{keeper}.0123456789abcdef.AAAA"),
            format!("!!.{rest}"),
            "a".repeat(MAX_TOKEN_CHARS + 1),
        ] {
            assert_eq!(ManageToken::parse(&bad), None, "{bad}");
        }
    }
}

//! User ids, checked once where they enter (the caller's identity, a body, a query) and
//! trusted after.

use std::fmt;

/// Longest user id accepted, in bytes.
pub(super) const MAX_USER_ID_LEN: usize = 128;

/// A user id as identity providers put it in `sub` (UUIDs, `auth0|…`, emails) and as the seed
/// names users: 1 to 128 letters, digits and `._-@:|+=`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct UserId(String);

impl UserId {
    /// The id, or why it is not one (a phrase that completes "The user id …").
    pub(crate) fn parse(text: &str) -> Result<UserId, &'static str> {
        if text.is_empty() {
            return Err("must not be empty");
        }
        if text.len() > MAX_USER_ID_LEN {
            return Err("is longer than 128 characters");
        }
        if !text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@:|+=".contains(c))
        {
            return Err("may hold only letters, digits and . _ - @ : | + =");
        }
        Ok(UserId(text.to_owned()))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_once_for_length_and_characters() {
        assert_eq!(
            UserId::parse("auth0|42").map(|id| id.to_string()),
            Ok("auth0|42".to_owned())
        );
        assert_eq!(UserId::parse(""), Err("must not be empty"));
        assert!(UserId::parse(&"a".repeat(MAX_USER_ID_LEN)).is_ok());
        assert!(UserId::parse(&"a".repeat(MAX_USER_ID_LEN + 1)).is_err());
        assert!(UserId::parse("a b").is_err());
    }
}

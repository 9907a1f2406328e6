//! A webhook subscription as its user's record keeps it.

use crate::domain::sealed_secret::SealedSecret;
use crate::domain::time::Millis;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// Webhooks one user may keep: each booking change sends one delivery to each, and a write
/// records its events for all of them in the same record.
pub const MAX_WEBHOOKS_PER_USER: usize = 5;
/// The longest target URL, in bytes.
pub const MAX_URL_BYTES: usize = 2048;
/// Random bytes in a signing secret (the specification asks for 24 to 64).
pub const SECRET_BYTES: usize = 32;
/// How a secret's text starts: base64 of its bytes follows.
pub const SECRET_PREFIX: &str = "whsec_";

/// What a webhook hears about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventKind {
    #[serde(rename = "booking.created")]
    Created,
    #[serde(rename = "booking.cancelled")]
    Cancelled,
    #[serde(rename = "booking.rescheduled")]
    Rescheduled,
}

impl EventKind {
    pub const ALL: [EventKind; 3] = [
        EventKind::Created,
        EventKind::Cancelled,
        EventKind::Rescheduled,
    ];

    /// The event's `type`, as bodies and requests name it.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Created => "booking.created",
            EventKind::Cancelled => "booking.cancelled",
            EventKind::Rescheduled => "booking.rescheduled",
        }
    }

    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// One subscription. Its signing secret cannot be kept as a hash (HMAC needs the key itself):
/// it is kept sealed (`crate::secrets`), opened by each delivery pass to sign, and shown to its
/// user once, when the webhook is created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// The user's name for it (the path's `{webhook_id}`).
    pub id: String,
    pub url: String,
    /// Distinct, in [`EventKind`] order.
    pub events: Vec<EventKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_secret: Option<SealedSecret>,
    /// A secret stored as its text by the version before sealing: still used, and sealed by the
    /// next delivery pass that can (then this is gone).
    #[serde(
        default,
        rename = "secret",
        with = "secret_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub unsealed_secret: Option<Vec<u8>>,
    pub created_at: Millis,
    /// Set when deliveries stopped: a 410, or failures for [`super::GIVE_UP_AFTER`]. A `PUT`
    /// enables it again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<Disabled>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disabled {
    pub at: Millis,
    pub reason: String,
}

impl Webhook {
    pub fn hears(&self, kind: EventKind) -> bool {
        self.disabled.is_none() && self.events.contains(&kind)
    }
}

/// A webhook id: 1 to 63 characters, lowercase letters, digits, `-` and `_`, not starting with
/// `-` or `_`.
pub fn is_valid_webhook_id(id: &str) -> bool {
    (1..=63).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        && !id.starts_with(['-', '_'])
}

/// The secret's text as its user is shown it: `whsec_` and base64 of its bytes.
pub fn secret_text(secret: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(secret))
}

/// The bytes a secret's text names, if it is one.
pub fn secret_bytes(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text.strip_prefix(SECRET_PREFIX)?).ok()
}

impl crate::domain::UserRecord {
    pub fn webhook(&self, id: &str) -> Option<&Webhook> {
        self.webhooks.iter().find(|webhook| webhook.id == id)
    }

    /// The record with `webhook` in place of any of the same id (in id order); deliveries it
    /// is owed stay owed (to its new URL).
    pub fn with_webhook(&self, webhook: Webhook) -> Self {
        let mut webhooks: Vec<Webhook> = self
            .webhooks
            .iter()
            .filter(|kept| kept.id != webhook.id)
            .cloned()
            .collect();
        let at = webhooks.partition_point(|kept| kept.id < webhook.id);
        webhooks.insert(at, webhook);
        Self {
            webhooks,
            ..self.clone()
        }
    }

    /// The record without webhook `id` and its pending deliveries.
    pub fn without_webhook(&self, id: &str) -> Self {
        Self {
            webhooks: self
                .webhooks
                .iter()
                .filter(|webhook| webhook.id != id)
                .cloned()
                .collect(),
            outbox: self
                .outbox
                .iter()
                .filter(|entry| entry.webhook_id != id)
                .cloned()
                .collect(),
            ..self.clone()
        }
    }
}

/// An unsealed secret as the version before sealing stored it: its text.
mod secret_serde {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(super) fn serialize<S: Serializer>(
        secret: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match secret {
            Some(secret) => serializer.serialize_some(&super::secret_text(secret)),
            None => serializer.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            Some(text) => super::secret_bytes(&text)
                .map(Some)
                .ok_or_else(|| D::Error::custom("not a webhook secret")),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_read_back_as_their_bytes() {
        let secret = [7u8; SECRET_BYTES];
        let text = secret_text(&secret);
        assert!(text.starts_with("whsec_"), "{text}");
        assert_eq!(secret_bytes(&text).as_deref(), Some(&secret[..]));
        assert_eq!(secret_bytes("whsec_!!"), None);
        assert_eq!(secret_bytes("bare"), None);
    }

    #[test]
    fn webhook_ids_are_short_and_plain() {
        for good in ["crm", "a", "zoom-links_2"] {
            assert!(is_valid_webhook_id(good), "{good}");
        }
        for bad in ["", "-x", "_x", "Upper", "a/b", &"a".repeat(64)] {
            assert!(!is_valid_webhook_id(bad), "{bad}");
        }
    }

    #[test]
    fn event_kinds_read_their_names_only() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.name()), Some(kind));
        }
        assert_eq!(EventKind::parse("booking.moved"), None);
    }
}

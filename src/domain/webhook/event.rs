//! An event's body and a delivery's Standard Webhooks headers.

use super::EventKind;
use super::outbox::OutboxEntry;
use crate::domain::booking::{Booking, Invitee};
use crate::domain::time::Millis;
use crate::domain::timestamp::FormattedTimestamp;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;

/// `{"type", "timestamp", "data": booking}` for `kind` of `booking` at `at`: the booking as its
/// participants read it, without anything of its manage token.
pub fn event_body(kind: EventKind, at: Millis, booking: &Booking) -> String {
    #[derive(Serialize)]
    struct Data<'a> {
        id: &'a str,
        start_time: &'a str,
        end_time: &'a str,
        organizer: &'a str,
        participants: &'a [String],
        #[serde(skip_serializing_if = "Option::is_none")]
        title: Option<&'a str>,
        created_at: &'a str,
        status: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        event_type: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        invitee: Option<&'a Invitee>,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        sequence: Option<u32>,
    }
    #[derive(Serialize)]
    struct Body<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        timestamp: &'a str,
        data: Data<'a>,
    }
    let invited = booking.invited.as_deref();
    let (start, end) = (
        FormattedTimestamp::new(booking.range.start()),
        FormattedTimestamp::new(booking.range.end()),
    );
    let created = FormattedTimestamp::new(booking.created_at);
    let timestamp = FormattedTimestamp::new(at);
    let body = Body {
        kind: kind.name(),
        timestamp: timestamp.as_str(),
        data: Data {
            id: &booking.id,
            start_time: start.as_str(),
            end_time: end.as_str(),
            organizer: &booking.organizer,
            participants: &booking.participants,
            title: booking.title.as_deref(),
            created_at: created.as_str(),
            status: match kind {
                EventKind::Cancelled => "cancelled",
                _ => "confirmed",
            },
            event_type: invited.map(|invited| invited.event_type.as_str()),
            invitee: invited.map(|invited| &invited.invitee),
            note: invited.and_then(|invited| invited.note.as_deref()),
            sequence: invited.map(|invited| invited.sequence),
        },
    };
    // Plain structs of strings and numbers: serializing cannot fail.
    serde_json::to_string(&body).unwrap_or_default()
}

/// `v1,` and base64 of HMAC-SHA256 with `secret` over `{id}.{timestamp}.{body}`.
pub fn signature(secret: &[u8], id: &str, timestamp_secs: i64, body: &str) -> String {
    // HMAC takes a key of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp_secs.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// One attempt at delivering an outbox entry: its headers and body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedDelivery {
    pub url: String,
    /// `webhook-id`: the same on every attempt of one event.
    pub id: String,
    /// `webhook-timestamp`: this attempt's time, in Unix seconds.
    pub timestamp: i64,
    /// `webhook-signature`.
    pub signature: String,
    pub body: String,
}

impl SignedDelivery {
    /// `entry` signed with `secret` for an attempt at `now`, to `url`.
    pub fn of(entry: &OutboxEntry, url: &str, secret: &[u8], now: Millis) -> Self {
        let timestamp = now.div_euclid(1000);
        SignedDelivery {
            url: url.to_owned(),
            id: entry.message_id.clone(),
            timestamp,
            signature: signature(secret, &entry.message_id, timestamp, &entry.body),
            body: entry.body.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Interval;

    #[test]
    fn the_signature_is_the_specifications_example() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret =
            super::super::secret_bytes("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("a secret");
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_body_carries_the_booking_without_its_manage_hash() {
        let booking = crate::domain::booking::Booking {
            id: "b1".into(),
            range: Interval::new(0, 1_800_000).expect("valid"),
            organizer: "ana".into(),
            participants: vec!["ana".into(), "bo".into()],
            title: Some("Sync".into()),
            created_at: 0,
            invited: None,
        };
        let body: serde_json::Value =
            serde_json::from_str(&event_body(EventKind::Created, 60_000, &booking)).expect("JSON");
        assert_eq!(body["type"], "booking.created");
        assert_eq!(body["timestamp"], "1970-01-01T00:01:00Z");
        assert_eq!(body["data"]["end_time"], "1970-01-01T00:30:00Z");
        assert_eq!(body["data"]["participants"][1], "bo");
        assert!(!body.to_string().contains("manage"));
    }
}

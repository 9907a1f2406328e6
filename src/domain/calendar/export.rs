//! Bookings as iCalendar events: a user's feed (every booking they hold, and the cancelled ones
//! their record keeps for [`KEEP_CANCELLED_IN_FEED`]), and one booking's file.
//!
//! - Times are UTC (`DTSTART:…Z`), so no VTIMEZONE is needed and every client agrees.
//! - `UID` is `{booking id}@availability-api`: a booking keeps its id when rescheduled, so a
//!   calendar updates the event instead of adding a second one.
//! - `SEQUENCE` is the booking's (one more at each reschedule) and one more again once it is
//!   cancelled, so the cancellation supersedes the last version a client saw (RFC 5546 §2.1.4).
//! - A feed carries no `METHOD` (RFC 5545 §3.7.2: a calendar a client subscribes to is not an
//!   iTIP message); its `DTSTAMP` is when the booking last changed that the record knows of
//!   (made, or cancelled). One booking's file is `METHOD:PUBLISH`, or `METHOD:CANCEL` once it is
//!   cancelled, and its `DTSTAMP` is when the file was made. `REQUEST` is an invitation that
//!   expects a `REPLY` to the organizer's address; the project sends no invitations and holds no
//!   organizer address to reply to, so no file it writes is one.

use super::ics::IcsWriter;
use crate::domain::booking::{Booking, KEEP_CANCELLED};
use crate::domain::time::Millis;
use crate::domain::{Interval, UserRecord};

/// How long after its end a cancelled booking stays in the feed, with `STATUS:CANCELLED`.
pub const KEEP_CANCELLED_IN_FEED: Millis = KEEP_CANCELLED;

const PRODUCT_ID: &str = "-//availability-api//Calendar export 1.0//EN";
const UID_DOMAIN: &str = "availability-api";

/// The iTIP method of one booking's file (RFC 5546 §1.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalendarMethod {
    Publish,
    Cancel,
}

impl CalendarMethod {
    fn name(self) -> &'static str {
        match self {
            CalendarMethod::Publish => "PUBLISH",
            CalendarMethod::Cancel => "CANCEL",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventStatus {
    Confirmed,
    Cancelled,
}

/// One booking as a VEVENT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportedEvent {
    pub uid: String,
    pub sequence: u32,
    pub range: Interval,
    /// When this version of the booking came to be (made or cancelled).
    pub changed_at: Millis,
    pub summary: String,
    pub description: String,
    pub location: Option<String>,
    pub status: EventStatus,
}

impl ExportedEvent {
    /// `booking` as an event; `event_title` and `location` are those of its event type, when
    /// the caller knows them.
    pub fn of(booking: &Booking, event_title: Option<&str>, location: Option<&str>) -> Self {
        let invited = booking.invited.as_deref();
        let cancellation = invited.and_then(|invited| invited.cancellation.as_ref());
        let base_sequence = invited.map_or(0, |invited| invited.sequence);
        let summary = match (invited, &booking.title) {
            (Some(invited), title) => format!(
                "{} with {}",
                event_title
                    .or(title.as_deref())
                    .unwrap_or(&invited.event_type),
                invited.invitee.name
            ),
            (None, Some(title)) => title.clone(),
            (None, None) => format!("Booking with {}", booking.participants.join(", ")),
        };
        let mut description = vec![format!("Participants: {}", booking.participants.join(", "))];
        if let Some(invited) = invited {
            description.push(format!(
                "Invitee: {} <{}>",
                invited.invitee.name, invited.invitee.email
            ));
            if let Some(note) = &invited.note {
                description.push(format!("Note: {note}"));
            }
        }
        if let Some(reason) = cancellation.and_then(|c| c.reason.as_ref()) {
            description.push(format!("Cancelled: {reason}"));
        }
        ExportedEvent {
            uid: format!("{}@{UID_DOMAIN}", booking.id),
            sequence: base_sequence + u32::from(cancellation.is_some()),
            range: booking.range,
            changed_at: cancellation.map_or(booking.created_at, |c| c.at.max(booking.created_at)),
            summary,
            description: description.join("\n"),
            location: location.map(str::to_owned),
            status: if cancellation.is_some() {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            },
        }
    }

    fn write(&self, writer: &mut IcsWriter, stamp: Millis) {
        writer
            .line("BEGIN", "VEVENT")
            .text("UID", &self.uid)
            .utc("DTSTAMP", stamp)
            .utc("DTSTART", self.range.start())
            .utc("DTEND", self.range.end())
            .line("SEQUENCE", &self.sequence.to_string())
            .line(
                "STATUS",
                match self.status {
                    EventStatus::Confirmed => "CONFIRMED",
                    EventStatus::Cancelled => "CANCELLED",
                },
            )
            .text("SUMMARY", &self.summary)
            .text("DESCRIPTION", &self.description);
        if let Some(location) = &self.location {
            writer.text("LOCATION", location);
        }
        // Booked time blocks the calendar's free/busy; a cancelled booking no longer does.
        writer
            .line(
                "TRANSP",
                match self.status {
                    EventStatus::Confirmed => "OPAQUE",
                    EventStatus::Cancelled => "TRANSPARENT",
                },
            )
            .line("END", "VEVENT");
    }
}

/// The bookings a user's feed shows at `now`: every booking they hold, and the cancelled ones
/// their record keeps that ended less than [`KEEP_CANCELLED_IN_FEED`] ago; in start order.
pub fn feed_bookings(record: &UserRecord, now: Millis) -> Vec<&Booking> {
    let mut shown: Vec<&Booking> = record
        .bookings
        .iter()
        .chain(
            record
                .cancelled
                .iter()
                .filter(|booking| booking.range.end().saturating_add(KEEP_CANCELLED_IN_FEED) > now),
        )
        .collect();
    shown.sort_by_key(|booking| (booking.range.start(), booking.id.as_str()));
    shown
}

/// A subscribed feed of `events`: no `METHOD`, each event stamped with when it last changed.
pub fn feed_document(name: &str, events: &[ExportedEvent]) -> String {
    let mut writer = calendar_start();
    writer
        .text("NAME", name)
        .text("X-WR-CALNAME", name)
        // How often a subscribing client should look again (RFC 7986 §5.7, and Outlook's own).
        .line("REFRESH-INTERVAL;VALUE=DURATION", "PT15M")
        .line("X-PUBLISHED-TTL", "PT15M");
    for event in events {
        event.write(&mut writer, event.changed_at);
    }
    writer.line("END", "VCALENDAR");
    writer.finish()
}

/// One booking's file: `METHOD:CANCEL` once it is cancelled, else `METHOD:PUBLISH`; stamped
/// `now`.
pub fn single_document(event: &ExportedEvent, now: Millis) -> String {
    let method = match event.status {
        EventStatus::Confirmed => CalendarMethod::Publish,
        EventStatus::Cancelled => CalendarMethod::Cancel,
    };
    let mut writer = calendar_start();
    writer.line("METHOD", method.name());
    event.write(&mut writer, now);
    writer.line("END", "VCALENDAR");
    writer.finish()
}

fn calendar_start() -> IcsWriter {
    let mut writer = IcsWriter::new();
    writer
        .line("BEGIN", "VCALENDAR")
        .line("VERSION", "2.0")
        .line("PRODID", PRODUCT_ID)
        .line("CALSCALE", "GREGORIAN");
    writer
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::{Cancellation, Invited, Invitee};
    use crate::domain::test_support::{at, interval};

    fn booking(id: &str, start: &str, end: &str) -> Booking {
        Booking {
            id: id.to_owned(),
            range: interval(start, end),
            organizer: "ana".into(),
            participants: vec!["ana".into(), "bo".into()],
            title: None,
            created_at: at("2026-03-01T08:00:00Z"),
            invited: None,
        }
    }

    fn invited(mut booking: Booking, sequence: u32) -> Booking {
        booking.invited = Some(Box::new(Invited {
            owner: "ana".into(),
            event_type: "intro-call".into(),
            buffer_before: 0,
            buffer_after: 0,
            invitee: Invitee {
                name: "Ina; Vitee, Jr.".into(),
                email: "ina@example.com".into(),
                timezone: None,
            },
            note: Some("Line one\nline two".into()),
            sequence,
            manage_hash: "00".into(),
            cancellation: None,
        }));
        booking
    }

    fn cancelled(mut booking: Booking, when: &str) -> Booking {
        if let Some(invited) = booking.invited.as_mut() {
            invited.cancellation = Some(Cancellation {
                at: at(when),
                reason: Some("Ill".into()),
            });
        }
        booking
    }

    #[test]
    fn a_feed_has_no_method_and_each_event_its_fields() {
        let event = ExportedEvent::of(
            &invited(
                booking(
                    "0123456789abcdef",
                    "2026-03-02T09:00:00Z",
                    "2026-03-02T09:30:00Z",
                ),
                2,
            ),
            Some("Intro call"),
            Some("Room 1"),
        );
        let text = feed_document("ana's bookings", &[event]);
        assert!(
            text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
            "{text}"
        );
        assert!(text.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"), "{text}");
        assert!(!text.contains("METHOD"), "{text}");
        for line in [
            "UID:0123456789abcdef@availability-api",
            "DTSTAMP:20260301T080000Z",
            "DTSTART:20260302T090000Z",
            "DTEND:20260302T093000Z",
            "SEQUENCE:2",
            "STATUS:CONFIRMED",
            "SUMMARY:Intro call with Ina\\; Vitee\\, Jr.",
            "LOCATION:Room 1",
            "TRANSP:OPAQUE",
        ] {
            assert!(
                text.contains(&format!("\r\n{line}\r\n")),
                "{line} in {text}"
            );
        }
        assert!(text.contains("Note: Line one\\nline two"), "{text}");
        assert!(
            !text.replace("\r\n", "").contains('\n'),
            "bare LF in {text}"
        );
    }

    #[test]
    fn a_cancelled_booking_keeps_its_uid_with_a_higher_sequence() {
        let live = invited(
            booking(
                "0123456789abcdef",
                "2026-03-02T09:00:00Z",
                "2026-03-02T09:30:00Z",
            ),
            1,
        );
        let gone = cancelled(live.clone(), "2026-03-01T12:00:00Z");
        let (live, gone) = (
            ExportedEvent::of(&live, None, None),
            ExportedEvent::of(&gone, None, None),
        );
        assert_eq!(live.uid, gone.uid);
        assert_eq!((live.sequence, gone.sequence), (1, 2));
        assert_eq!(gone.status, EventStatus::Cancelled);
        assert_eq!(gone.changed_at, at("2026-03-01T12:00:00Z"));
        let file = single_document(&gone, at("2026-03-05T00:00:00Z"));
        assert!(file.contains("\r\nMETHOD:CANCEL\r\n"), "{file}");
        assert!(file.contains("\r\nSTATUS:CANCELLED\r\n"), "{file}");
        assert!(file.contains("\r\nDTSTAMP:20260305T000000Z\r\n"), "{file}");
        assert!(single_document(&live, 0).contains("\r\nMETHOD:PUBLISH\r\n"));
    }

    #[test]
    fn the_feed_keeps_cancelled_bookings_for_30_days_after_their_end() {
        let ended = "2026-03-02T09:30:00Z";
        let record = UserRecord {
            bookings: vec![booking(
                "00000000000000bb",
                "2026-03-03T09:00:00Z",
                "2026-03-03T10:00:00Z",
            )],
            cancelled: vec![cancelled(
                invited(
                    booking("00000000000000aa", "2026-03-02T09:00:00Z", ended),
                    0,
                ),
                "2026-03-01T10:00:00Z",
            )],
            ..UserRecord::default()
        };
        let ids = |now: Millis| -> Vec<String> {
            feed_bookings(&record, now)
                .iter()
                .map(|b| b.id.clone())
                .collect()
        };
        assert_eq!(
            ids(at(ended) + KEEP_CANCELLED_IN_FEED - 1),
            ["00000000000000aa", "00000000000000bb"]
        );
        assert_eq!(
            ids(at(ended) + KEEP_CANCELLED_IN_FEED),
            ["00000000000000bb"]
        );
    }

    #[test]
    fn a_booking_between_users_is_named_by_its_title_or_participants() {
        let mut plain = booking(
            "0123456789abcdef",
            "2026-03-02T09:00:00Z",
            "2026-03-02T10:00:00Z",
        );
        assert_eq!(
            ExportedEvent::of(&plain, None, None).summary,
            "Booking with ana, bo"
        );
        plain.title = Some("Planning".into());
        let event = ExportedEvent::of(&plain, None, None);
        assert_eq!((event.summary.as_str(), event.sequence), ("Planning", 0));
    }
}

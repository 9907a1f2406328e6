//! Calendar export through the handler: the feed's life (made, replaced, revoked), what the open
//! feed route answers to any token that is not a live one, one booking's file for a participant
//! and for a manage link, and that the store keeps no feed token.

use crate::calendar_scenario::{Answer, assert_lines_well_formed, calendar_app, scenario, send};
use availability_api::store::AvailabilityStore;
use serde_json::Value;

/// The `NAME:value` lines of `text` after unfolding.
fn lines(text: &str) -> Vec<String> {
    text.replace("\r\n ", "")
        .split("\r\n")
        .map(str::to_owned)
        .collect()
}

fn assert_calendar(answer: &Answer) {
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        answer.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    assert_lines_well_formed(&answer.text);
}

#[tokio::test]
async fn the_feed_shows_every_booking_and_keeps_cancelled_ones() {
    let app = calendar_app();
    let made = scenario(&app).await;
    let feed = send(&app, "GET", &made.feed_url, None, Value::Null).await;
    assert_calendar(&feed);
    let lines = lines(&feed.text);
    assert!(
        !lines.iter().any(|l| l.starts_with("METHOD")),
        "a feed has no METHOD"
    );
    let uids: Vec<&String> = lines.iter().filter(|l| l.starts_with("UID:")).collect();
    let expected: Vec<String> = made
        .expected
        .iter()
        .map(|e| format!("UID:{}", e.uid))
        .collect();
    assert_eq!(uids, expected.iter().collect::<Vec<_>>());
    for wanted in [
        "DTSTART:20260302T100000Z",
        "SEQUENCE:1",
        "STATUS:CANCELLED",
        "DTSTART:20260302T140000Z",
        "LOCATION:Room 4\\, Floor 2\\; Main St.",
        "SUMMARY:Planning\\, quarterly\\; Zürich ⇄ 東京\\nsecond line",
    ] {
        assert!(
            lines.iter().any(|l| l == wanted),
            "{wanted} in {}",
            feed.text
        );
    }
    // HEAD answers as GET does, without the body.
    let head = send(&app, "HEAD", &made.feed_url, None, Value::Null).await;
    assert_eq!(head.status, 200);
}

#[tokio::test]
async fn a_new_feed_revokes_the_old_and_delete_revokes_it() {
    let app = calendar_app();
    let made = scenario(&app).await;
    let again = send(&app, "POST", "/calendar/feed", Some("ana"), Value::Null).await;
    assert_eq!(again.status, 200);
    let new_url = again.json()["feed_url"].as_str().expect("a url").to_owned();
    assert_ne!(new_url, made.feed_url);
    assert_eq!(
        send(&app, "GET", &made.feed_url, None, Value::Null)
            .await
            .status,
        404
    );
    assert_eq!(
        send(&app, "GET", &new_url, None, Value::Null).await.status,
        200
    );
    let revoked = send(&app, "DELETE", "/calendar/feed", Some("ana"), Value::Null).await;
    assert_eq!(
        (revoked.status, revoked.json()["message"].as_str()),
        (200, Some("Calendar feed revoked"))
    );
    let gone = send(&app, "GET", &new_url, None, Value::Null).await;
    assert_eq!(gone.status, 404);
    assert_eq!(
        gone.json()["error"],
        "There is no calendar feed at this address."
    );
    // Revoking again answers the same.
    assert_eq!(
        send(&app, "DELETE", "/calendar/feed", Some("ana"), Value::Null)
            .await
            .status,
        200
    );
    // Making and revoking need an identity.
    assert_eq!(
        send(&app, "POST", "/calendar/feed", None, Value::Null)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn any_feed_address_that_is_not_a_live_token_is_the_same_404() {
    let app = calendar_app();
    let made = scenario(&app).await;
    let file = made.feed_url.trim_start_matches("/calendar/");
    let token = file.trim_end_matches(".ics");
    let (user, secret) = token.split_once('.').expect("two parts");
    // Another secret for the same user: one character changed.
    let flipped = format!(
        "{user}.{}{}",
        if secret.starts_with('A') { "B" } else { "A" },
        &secret[1..]
    );
    for path in [
        format!("/calendar/{token}"),
        format!("/calendar/{token}.ICS"),
        format!("/calendar/{token}.ics.ics"),
        format!("/calendar/{flipped}.ics"),
        format!("/calendar/Ym8.{secret}.ics"),
        format!("/calendar/{}.ics", "A".repeat(5_000)),
        "/calendar/..ics".to_owned(),
        "/calendar/%FF.ics".to_owned(),
    ] {
        let answer = send(&app, "GET", &path, None, Value::Null).await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.text);
    }
    let wrong_method = send(&app, "GET", "/calendar/feed", Some("ana"), Value::Null).await;
    assert_eq!(wrong_method.status, 405);
}

#[tokio::test]
async fn one_bookings_file_for_a_participant_and_for_a_manage_link() {
    let app = calendar_app();
    let made = scenario(&app).await;
    let meeting = format!("/bookings/{}/calendar.ics", made.meeting_id);
    for user in ["ana", "bo"] {
        let file = send(&app, "GET", &meeting, Some(user), Value::Null).await;
        assert_calendar(&file);
        let lines = lines(&file.text);
        assert!(
            lines.contains(&"METHOD:PUBLISH".to_owned()),
            "{}",
            file.text
        );
        assert!(
            lines.contains(&"DTSTAMP:20260301T000000Z".to_owned()),
            "{}",
            file.text
        );
        assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 1);
        assert_eq!(
            file.header("content-disposition").map(str::to_owned),
            Some(format!(
                "attachment; filename=\"booking-{}.ics\"",
                made.meeting_id
            ))
        );
    }
    assert_eq!(
        send(&app, "GET", &meeting, Some("eve"), Value::Null)
            .await
            .status,
        404
    );
    assert_eq!(
        send(&app, "GET", &meeting, None, Value::Null).await.status,
        401
    );

    let moved = send(
        &app,
        "GET",
        &format!("/manage/{}/calendar.ics", made.moved_token),
        None,
        Value::Null,
    )
    .await;
    assert_calendar(&moved);
    let moved_lines = lines(&moved.text);
    assert!(moved_lines.contains(&"METHOD:PUBLISH".to_owned()));
    assert!(moved_lines.contains(&"SEQUENCE:1".to_owned()));
    assert!(moved_lines.contains(&format!("UID:{}", made.expected[0].uid)));
    let cancelled = send(
        &app,
        "GET",
        &format!("/manage/{}/calendar.ics", made.cancelled_token),
        None,
        Value::Null,
    )
    .await;
    assert_calendar(&cancelled);
    let cancelled_lines = lines(&cancelled.text);
    for wanted in ["METHOD:CANCEL", "STATUS:CANCELLED", "SEQUENCE:1"] {
        assert!(
            cancelled_lines.contains(&wanted.to_owned()),
            "{wanted}: {}",
            cancelled.text
        );
    }
    // The host's own file of the cancelled booking, which their record keeps.
    let id = made.expected[1].uid.trim_end_matches("@availability-api");
    let host_copy = send(
        &app,
        "GET",
        &format!("/bookings/{id}/calendar.ics"),
        Some("ana"),
        Value::Null,
    )
    .await;
    assert_calendar(&host_copy);
    assert!(host_copy.text.contains("\r\nMETHOD:CANCEL\r\n"));
    // A manage token that is not one.
    let forged = format!("/manage/{}x/calendar.ics", made.moved_token);
    assert_eq!(
        send(&app, "GET", &forged, None, Value::Null).await.status,
        404
    );
}

#[tokio::test]
async fn the_store_keeps_no_feed_token() {
    let app = calendar_app();
    let made = scenario(&app).await;
    let token = made
        .feed_url
        .trim_start_matches("/calendar/")
        .trim_end_matches(".ics");
    let secret = token.split_once('.').expect("two parts").1;
    let record = app.store().load("ana", None).await.expect("loads");
    let stored = serde_json::to_string(&*record).expect("serializes");
    assert!(!stored.contains(secret), "the secret is not stored");
    assert!(
        record
            .calendar_feed
            .as_ref()
            .is_some_and(|hash| hash.len() == 64)
    );
}

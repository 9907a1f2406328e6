//! CalDAV passwords kept only sealed (`src/secrets`): what `PUT /calendars/{id}` is given is
//! sealed before the write and opened only for the sync's request; a sealed password moved to
//! another user or calendar does not open; one stored as given before sealing existed is used
//! and then sealed; a deployment without a key refuses passwords with a reason. The same
//! scenario runs in memory (the instance's own key) and on a table with a KMS key (moto).

use crate::calendar_scenario::send;
use crate::calendar_server::{CalendarServer, Served};
use availability_api::api::{App, Clock};
use availability_api::calendar_sync::sync_source;
use availability_api::config::Config;
use availability_api::domain::UserRecord;
use availability_api::domain::calendar::source::{CalendarSource, SourceKind, SourceStatus};
use availability_api::domain::sealed_secret::SealedBy;
use availability_api::domain::timestamp::parse_timestamp;
use availability_api::secrets::Secrets;
use availability_api::store::{AvailabilityStore, MemoryStore, Scope};
use base64::Engine;
use serde_json::json;

const NOW: &str = "2026-03-01T00:00:00Z";
const PASSWORD: &str = "s3cret-pass ünïcode";

fn now() -> i64 {
    parse_timestamp(NOW).expect("valid")
}

fn config() -> Config {
    Config {
        outbound_allow_local: true,
        ..Config::jwt()
    }
}

/// A CalDAV server's answer to the REPORT: one event.
fn multistatus() -> Served {
    let body = "<?xml version=\"1.0\"?>\n<d:multistatus xmlns:d=\"DAV:\" \
        xmlns:c=\"urn:ietf:params:xml:ns:caldav\"><d:response><d:href>/cal/a.ics</d:href>\
        <d:propstat><d:prop><c:calendar-data>BEGIN:VCALENDAR&#13;\nVERSION:2.0&#13;\n\
        BEGIN:VEVENT&#13;\nUID:a&#13;\nDTSTART:20260302T090000Z&#13;\n\
        DTEND:20260302T100000Z&#13;\nEND:VEVENT&#13;\nEND:VCALENDAR&#13;\n\
        </c:calendar-data></d:prop></d:propstat></d:response></d:multistatus>";
    Served {
        status: 207,
        headers: vec![(
            "content-type".into(),
            "application/xml; charset=utf-8".into(),
        )],
        body: body.to_owned(),
    }
}

fn basic(username: &str, password: &str) -> String {
    let pair = format!("{username}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

/// The `Authorization` of the last request the server saw.
fn last_authorization(server: &CalendarServer) -> Option<String> {
    server
        .seen()
        .pop()
        .and_then(|seen| seen.headers.get("authorization").cloned())
}

async fn source_of<S: AvailabilityStore>(app: &App<S>, user: &str, id: &str) -> CalendarSource {
    let record = app.store().load(user, None).await.expect("a record");
    record.calendar_source(id).cloned().expect("the source")
}

async fn store_source<S: AvailabilityStore>(app: &App<S>, user: &str, source: CalendarSource) {
    app.store()
        .update(user, None, Scope::NoIntervals, |current: &UserRecord| {
            Ok::<_, ()>(current.with_calendar_source(source.clone()))
        })
        .await
        .expect("written");
}

/// The whole scenario on `app` (local fetches allowed), whose key seals as `sealed_by`.
async fn passwords_are_kept_sealed<S: AvailabilityStore>(app: App<S>, sealed_by: SealedBy) {
    let server = CalendarServer::start();
    server.serve("/cal/", multistatus());
    let url = server.url("/cal/");

    // Given, sealed, and opened for the REPORT.
    let put = send(
        &app,
        "PUT",
        "/calendars/team",
        Some("ana"),
        json!({"kind": "caldav", "url": url, "username": "ana", "password": PASSWORD}),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(put.json()["status"], "ok", "{}", put.text);
    assert_eq!(last_authorization(&server), Some(basic("ana", PASSWORD)));
    let kept = source_of(&app, "ana", "team").await;
    let sealed = kept.sealed_password.clone().expect("sealed");
    assert_eq!(sealed.sealed_by, sealed_by);
    assert_eq!(kept.unsealed_password, None);
    let record = app.store().load("ana", None).await.expect("a record");
    let stored = serde_json::to_string(&*record).expect("JSON");
    assert!(!stored.contains("s3cret"), "{stored}");
    let listed = send(&app, "GET", "/calendars", Some("ana"), json!(null)).await;
    assert!(!listed.text.contains("s3cret") && !listed.text.contains(&sealed.ciphertext));

    // Moved to another user, or to another calendar of the same user: it does not open, the
    // sync says why, and nothing is sent.
    let later = now() + 3_600_000;
    for (user, id) in [("bob", "team"), ("ana", "other")] {
        let mut moved = CalendarSource::new(id, SourceKind::Caldav, &url);
        moved.username = Some("ana".into());
        moved.sealed_password = Some(sealed.clone());
        store_source(&app, user, moved).await;
        let before = server.seen().len();
        let synced = sync_source(app.store(), app.outbound(), app.secrets(), user, id, later)
            .await
            .expect("the store answers")
            .expect("the source");
        assert_eq!(synced.status, SourceStatus::Error, "{user}/{id}");
        let error = synced.error.unwrap_or_default();
        assert!(error.contains("password could not be read"), "{error}");
        assert_eq!(
            server.seen().len(),
            before,
            "no request without the password"
        );
    }

    // Stored as given by an earlier version: used, then sealed by that sync.
    let mut old = CalendarSource::new("old", SourceKind::Caldav, &url);
    old.username = Some("carol".into());
    old.unsealed_password = Some("old-pass".into());
    store_source(&app, "carol", old).await;
    for at in [later, later + 3_600_000] {
        let synced = sync_source(
            app.store(),
            app.outbound(),
            app.secrets(),
            "carol",
            "old",
            at,
        )
        .await
        .expect("the store answers")
        .expect("the source");
        assert_eq!(synced.status, SourceStatus::Ok, "{:?}", synced.error);
        assert_eq!(
            last_authorization(&server),
            Some(basic("carol", "old-pass"))
        );
        assert_eq!(synced.unsealed_password, None);
        let resealed = synced.sealed_password.expect("sealed by the sync");
        assert_eq!(resealed.sealed_by, sealed_by);
    }
}

#[tokio::test]
async fn passwords_are_kept_sealed_with_the_instance_key_in_memory() {
    let app = App::new(MemoryStore::new(), config()).with_clock(Clock::Fixed(now()));
    passwords_are_kept_sealed(app, SealedBy::InstanceKey).await;
}

#[tokio::test]
async fn a_deployment_without_a_key_refuses_passwords_with_a_reason() {
    let server = CalendarServer::start();
    server.serve("/cal/", multistatus());
    let app = App::new(MemoryStore::new(), config())
        .with_clock(Clock::Fixed(now()))
        .with_secrets(Secrets::no_key());
    let put = send(&app, "PUT", "/calendars/team", Some("ana"),
        json!({"kind": "caldav", "url": server.url("/cal/"), "username": "ana", "password": PASSWORD})).await;
    assert_eq!(put.status, 503, "{}", put.text);
    assert!(
        put.json()["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("SECRETS_KEY_ID"),
        "{}",
        put.text
    );
    assert_eq!(put.header("retry-after"), None, "retrying will not help");
    assert!(server.seen().is_empty(), "nothing fetched, nothing stored");
    let listed = send(&app, "GET", "/calendars", Some("ana"), json!(null)).await;
    assert_eq!(listed.json()["calendars"], json!([]), "{}", listed.text);
    // Without a password the calendar is taken.
    let put = send(
        &app,
        "PUT",
        "/calendars/team",
        Some("ana"),
        json!({"kind": "caldav", "url": server.url("/cal/")}),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.text);
}

/// On a table, with a KMS key on the local server: the same scenario, and the table's items
/// hold no byte of the password.
#[cfg(feature = "dynamodb")]
#[tokio::test]
async fn passwords_are_kept_sealed_with_a_kms_key_on_dynamodb() {
    use crate::moto::{fresh_key, fresh_table, store_on, table_holds};
    let table = fresh_table().await;
    let key = fresh_key().await;
    let config = Config {
        secrets_key_id: Some(key),
        ..config()
    };
    let app = App::new(store_on(&table).await, config).with_clock(Clock::Fixed(now()));
    passwords_are_kept_sealed(app, SealedBy::Kms).await;
    assert!(
        table_holds(&table, b"ana").await,
        "the scan reads the users' items"
    );
    for secret in [PASSWORD.as_bytes(), b"old-pass"] {
        assert!(
            !table_holds(&table, secret).await,
            "{}",
            String::from_utf8_lossy(secret)
        );
    }
}

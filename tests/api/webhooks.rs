//! `/webhooks` through the handler: secrets shown once, limits, and the target rules.

use crate::helpers::{dev_app, http_api, invoke};
use availability_api::domain::sealed_secret::SecretPlace;
use base64::Engine;
use serde_json::{Value, json};

fn put(id: &str, body: Value) -> Value {
    http_api("PUT", &format!("/webhooks/{id}"))
        .json(body)
        .build()
}

fn hook(url: &str) -> Value {
    json!({"url": url, "events": ["booking.created", "booking.cancelled"]})
}

#[tokio::test]
async fn the_secret_is_shown_once_and_kept_through_a_replace() {
    let app = dev_app();
    let created = invoke(&app, put("crm", hook("https://hooks.example.com/in"))).await;
    assert_eq!(created.status, 200, "{}", created.raw);
    let secret = created.body["secret"]
        .as_str()
        .expect("a secret on creation");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64");
    assert!(bytes.len() >= 24, "{} bytes", bytes.len());
    assert_eq!(
        created.body["events"],
        json!(["booking.created", "booking.cancelled"])
    );
    assert_eq!(created.body["disabled"], Value::Null);

    let replaced = invoke(
        &app,
        put(
            "crm",
            json!({"url": "https://hooks.example.com/v2", "events": ["booking.rescheduled"]}),
        ),
    )
    .await;
    assert_eq!(replaced.status, 200);
    assert!(replaced.body.get("secret").is_none(), "{}", replaced.body);
    let listed = invoke(&app, http_api("GET", "/webhooks").build()).await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed.body["webhooks"][0]["url"],
        "https://hooks.example.com/v2"
    );
    assert!(
        !listed.raw.to_string().contains(secret),
        "never shown again"
    );
    let store = app.store();
    use availability_api::store::AvailabilityStore;
    let record = store.load("user123", None).await.expect("read");
    let sealed = record.webhooks[0]
        .sealed_secret
        .as_ref()
        .expect("kept sealed");
    let place = SecretPlace::webhook_secret("user123", "crm");
    assert_eq!(
        app.secrets().open(sealed, &place).await,
        Ok(bytes),
        "the same secret signs on"
    );
    let stored = serde_json::to_string(&*record).expect("JSON");
    assert!(
        !stored.contains(secret.trim_start_matches("whsec_")),
        "{stored}"
    );

    let other = invoke(&app, put("zoom", hook("https://hooks.example.com/z"))).await;
    assert_ne!(other.body["secret"], created.body["secret"]);
    let deleted = invoke(&app, http_api("DELETE", "/webhooks/crm").build()).await;
    assert_eq!(deleted.status, 200);
    let again = invoke(&app, http_api("DELETE", "/webhooks/crm").build()).await;
    assert_eq!(again.status, 404);
}

#[tokio::test]
async fn a_user_keeps_at_most_five_webhooks() {
    let app = dev_app();
    for n in 0..5 {
        let reply = invoke(
            &app,
            put(&format!("h{n}"), hook("https://hooks.example.com/")),
        )
        .await;
        assert_eq!(reply.status, 200);
    }
    let sixth = invoke(&app, put("h5", hook("https://hooks.example.com/"))).await;
    assert_eq!(sixth.status, 413, "{}", sixth.raw);
    let replace = invoke(&app, put("h4", hook("https://hooks.example.com/x"))).await;
    assert_eq!(replace.status, 200, "replacing one is no new one");
}

#[tokio::test]
async fn targets_and_events_are_checked_before_anything_is_stored() {
    let app = dev_app();
    for url in [
        "http://hooks.example.com/in",
        "https://127.0.0.1/in",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]:8443/",
        "https://10.0.0.8/",
        "https://user:pw@hooks.example.com/",
        "not a url",
    ] {
        let reply = invoke(&app, put("crm", hook(url))).await;
        assert_eq!(reply.status, 400, "{url}: {}", reply.raw);
        assert_eq!(reply.body["errors"][0]["pointer"], "/url", "{url}");
    }
    for events in [
        json!([]),
        json!(["booking.moved"]),
        json!(["booking.created", "booking.created"]),
        json!("booking.created"),
    ] {
        let body = json!({"url": "https://hooks.example.com/", "events": events});
        let reply = invoke(&app, put("crm", body)).await;
        assert_eq!(reply.status, 400, "{events}: {}", reply.raw);
    }
    let bad_id = invoke(&app, put("Not_OK", hook("https://hooks.example.com/"))).await;
    assert_eq!(bad_id.status, 400);
    let extra =
        json!({"url": "https://hooks.example.com/", "events": ["booking.created"], "secret": "x"});
    assert_eq!(invoke(&app, put("crm", extra)).await.status, 400);
    let listed = invoke(&app, http_api("GET", "/webhooks").build()).await;
    assert_eq!(listed.body, json!({"webhooks": []}));
}

/// The events of an invitee's booking of an event type with two hosts, its move and its
/// cancellation through the manage link: each recorded in the outbox of each host that
/// subscribed, in the write that made the change (the in-process delivery is not running here,
/// so the outbox keeps what it owes).
#[tokio::test]
async fn invitee_bookings_moves_and_cancellations_record_their_events_for_each_host() {
    use availability_api::api::Clock;
    use availability_api::config::Config;
    use availability_api::domain::timestamp::parse_timestamp;
    use availability_api::store::{AvailabilityStore, MemoryStore};
    let now = parse_timestamp("2026-03-01T00:00:00Z").expect("valid");
    let app = availability_api::api::App::new(MemoryStore::new(), Config::dev())
        .with_clock(Clock::Fixed(now));
    let as_user = |user: &str, method: &str, path: &str, body: Value| {
        let event = http_api(method, path).header("x-user-id", user);
        match body {
            Value::Null => event.build(),
            body => event.json(body).build(),
        }
    };
    for host in ["ana", "bo"] {
        let free = json!({"availability": [{"start_time": "2026-03-02T09:00:00Z", "end_time": "2026-03-02T12:00:00Z"}]});
        assert_eq!(
            invoke(&app, as_user(host, "POST", "/availability", free))
                .await
                .status,
            200
        );
    }
    // bo lets ana book them, then both subscribe (bo to cancellations only).
    let sharing = json!({"bookable_by": ["ana"]});
    assert_eq!(
        invoke(&app, as_user("bo", "PUT", "/availability/sharing", sharing))
            .await
            .status,
        200
    );
    let all = json!({"url": "https://hooks.example.com/a", "events": ["booking.created", "booking.rescheduled", "booking.cancelled"]});
    assert_eq!(
        invoke(&app, as_user("ana", "PUT", "/webhooks/crm", all))
            .await
            .status,
        200
    );
    let cancels = json!({"url": "https://hooks.example.com/b", "events": ["booking.cancelled"]});
    assert_eq!(
        invoke(&app, as_user("bo", "PUT", "/webhooks/crm", cancels))
            .await
            .status,
        200
    );
    let team = json!({"title": "Team intro", "duration": "PT30M", "hosts": ["ana", "bo"]});
    assert_eq!(
        invoke(&app, as_user("ana", "PUT", "/event-types/intro", team))
            .await
            .status,
        200
    );

    let booked = invoke(
        &app,
        http_api("POST", "/public/ana/intro/bookings")
            .json(json!({"start_time": "2026-03-02T09:00:00Z", "invitee": {"name": "Ina", "email": "ina@example.com"}}))
            .build(),
    )
    .await;
    assert_eq!(booked.status, 201, "{}", booked.raw);
    let token = booked.body["manage_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let moved = invoke(
        &app,
        http_api("POST", &format!("/manage/{token}/reschedule"))
            .json(json!({"start_time": "2026-03-02T10:00:00Z"}))
            .build(),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.raw);
    // A move onto a time nobody offers is refused: nothing recorded.
    let refused = invoke(
        &app,
        http_api("POST", &format!("/manage/{token}/reschedule"))
            .json(json!({"start_time": "2026-03-02T15:00:00Z"}))
            .build(),
    )
    .await;
    assert_eq!(refused.status, 409, "{}", refused.raw);
    let cancelled = invoke(
        &app,
        http_api("POST", &format!("/manage/{token}/cancel"))
            .json(json!({}))
            .build(),
    )
    .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.raw);

    let kinds = |record: &availability_api::domain::UserRecord| -> Vec<(String, String)> {
        record
            .outbox
            .iter()
            .map(|entry| {
                let body: Value = serde_json::from_str(&entry.body).expect("JSON");
                (
                    body["type"].as_str().unwrap_or_default().to_owned(),
                    body["data"]["start_time"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect()
    };
    let ana = app.store().load("ana", None).await.expect("read");
    assert_eq!(
        kinds(&ana),
        [
            (
                "booking.created".to_owned(),
                "2026-03-02T09:00:00Z".to_owned()
            ),
            (
                "booking.rescheduled".to_owned(),
                "2026-03-02T10:00:00Z".to_owned()
            ),
            (
                "booking.cancelled".to_owned(),
                "2026-03-02T10:00:00Z".to_owned()
            ),
        ]
    );
    let bo = app.store().load("bo", None).await.expect("read");
    assert_eq!(
        kinds(&bo),
        [(
            "booking.cancelled".to_owned(),
            "2026-03-02T10:00:00Z".to_owned()
        )]
    );
    for entry in ana.outbox.iter().chain(&bo.outbox) {
        assert!(!entry.body.contains("manage"), "{}", entry.body);
        assert!(!entry.body.contains(&token));
    }
    let cancellation: Value = serde_json::from_str(&bo.outbox[0].body).expect("JSON");
    assert_eq!(cancellation["data"]["invitee"]["email"], "ina@example.com");
    assert_eq!(cancellation["data"]["sequence"], 1);
}

/// A name that passes the `PUT` (no literal address) but resolves to a private address at
/// delivery time is refused there, on every attempt: nothing is sent, and the failure is kept
/// with the entry for its user to see in the retries' schedule.
#[tokio::test]
async fn a_target_resolving_to_a_private_address_is_refused_at_delivery() {
    use availability_api::api::App;
    use availability_api::config::Config;
    use availability_api::delivery::deliver_due;
    use availability_api::outbound::Outbound;
    use availability_api::store::{AvailabilityStore, MemoryStore};
    let pinned = [(
        "internal.example.com",
        "10.0.0.7".parse().expect("an address"),
    )];
    let app = App::new(MemoryStore::new(), Config::dev())
        .with_outbound(Outbound::loopback_for_tests(&pinned));
    let free = json!({"availability": [{"start_time": "2030-01-07T09:00:00Z", "end_time": "2030-01-07T17:00:00Z"}]});
    assert_eq!(
        invoke(&app, http_api("POST", "/availability").json(free).build())
            .await
            .status,
        200
    );
    let hook = json!({"url": "https://internal.example.com/hook", "events": ["booking.created"]});
    assert_eq!(invoke(&app, put("crm", hook)).await.status, 200);
    let booking = json!({"start_time": "2030-01-07T10:00:00Z", "end_time": "2030-01-07T11:00:00Z", "participants": []});
    let booked = invoke(&app, http_api("POST", "/bookings").json(booking).build()).await;
    assert_eq!(booked.status, 201, "{}", booked.raw);
    let now = availability_api::delivery::wall_clock();
    let pass = deliver_due(app.store(), app.outbound(), app.secrets(), "user123", now)
        .await
        .expect("the store answers");
    assert_eq!((pass.sent, pass.failed), (1, 1));
    assert_eq!(pass.next_due, Some(now + 5_000), "retried on the schedule");
    let record = app.store().load("user123", None).await.expect("read");
    let why = record.outbox[0].last_error.as_deref().unwrap_or_default();
    assert!(why.contains("not allowed"), "{why}");
}

/// Signing secrets are opened by each delivery pass: one stored as given by the version before
/// sealing still signs and is sealed by that pass; a sealed secret that belongs to another
/// webhook does not open, and its delivery is not sent but failed, retried on the schedule.
#[tokio::test]
async fn deliveries_sign_with_the_opened_secret_and_seal_an_old_one() {
    use crate::calendar_server::{CalendarServer, Served};
    use availability_api::api::App;
    use availability_api::config::Config;
    use availability_api::delivery::{deliver_due, wall_clock};
    use availability_api::domain::UserRecord;
    use availability_api::domain::webhook::{Webhook, signature};
    use availability_api::store::{AvailabilityStore, MemoryStore, Scope};
    let receiver = CalendarServer::start();
    receiver.serve("/hook", Served::status(204));
    let config = Config {
        outbound_allow_local: true,
        ..Config::dev()
    };
    let app = App::new(MemoryStore::new(), config);
    let free = json!({"availability": [{"start_time": "2030-01-07T09:00:00Z", "end_time": "2030-01-07T17:00:00Z"}]});
    let posted = invoke(&app, http_api("POST", "/availability").json(free).build()).await;
    assert_eq!(posted.status, 200);
    let created = invoke(&app, put("crm", hook(&receiver.url("/hook")))).await;
    assert_eq!(created.status, 200, "{}", created.raw);
    let shown = created.body["secret"]
        .as_str()
        .expect("a secret")
        .to_owned();
    let bytes = availability_api::domain::webhook::secret_bytes(&shown).expect("whsec_");
    // Replaces webhook crm by what `change` makes of it.
    async fn rewrite(app: &App<MemoryStore>, change: impl Fn(&Webhook) -> Webhook) {
        let record = app.store().load("user123", None).await.expect("read");
        let changed = change(record.webhook("crm").expect("crm"));
        app.store()
            .update(
                "user123",
                None,
                Scope::NoIntervals,
                |current: &UserRecord| Ok::<_, ()>(current.with_webhook(changed.clone())),
            )
            .await
            .expect("written");
    }
    let book = |hour: u32| {
        let booking = json!({"start_time": format!("2030-01-07T{hour}:00:00Z"),
            "end_time": format!("2030-01-07T{hour}:30:00Z"), "participants": []});
        invoke(&app, http_api("POST", "/bookings").json(booking).build())
    };

    // As the version before sealing stored it.
    rewrite(&app, |webhook| Webhook {
        sealed_secret: None,
        unsealed_secret: Some(bytes.clone()),
        ..webhook.clone()
    })
    .await;
    assert_eq!(book(10).await.status, 201);
    let now = wall_clock();
    let pass = deliver_due(app.store(), app.outbound(), app.secrets(), "user123", now)
        .await
        .expect("the store answers");
    assert_eq!((pass.sent, pass.failed), (1, 0), "{pass:?}");
    let seen = receiver.seen().pop().expect("a delivery");
    let header = |name: &str| seen.headers.get(name).cloned().unwrap_or_default();
    let timestamp: i64 = header("webhook-timestamp").parse().expect("seconds");
    assert_eq!(
        header("webhook-signature"),
        signature(&bytes, &header("webhook-id"), timestamp, &seen.body)
    );
    let record = app.store().load("user123", None).await.expect("read");
    let kept = record.webhook("crm").expect("crm");
    assert_eq!(kept.unsealed_secret, None, "sealed by the pass");
    let place = SecretPlace::webhook_secret("user123", "crm");
    let sealed = kept.sealed_secret.clone().expect("sealed");
    assert_eq!(app.secrets().open(&sealed, &place).await, Ok(bytes.clone()));

    // Another webhook's sealed secret in its place: not opened, nothing sent.
    let elsewhere = app
        .secrets()
        .seal(&bytes, &SecretPlace::webhook_secret("user123", "other"))
        .await
        .expect("sealed");
    rewrite(&app, |webhook| Webhook {
        sealed_secret: Some(elsewhere.clone()),
        ..webhook.clone()
    })
    .await;
    assert_eq!(book(11).await.status, 201);
    let before = receiver.seen().len();
    let later = wall_clock();
    let pass = deliver_due(app.store(), app.outbound(), app.secrets(), "user123", later)
        .await
        .expect("the store answers");
    assert_eq!((pass.sent, pass.failed), (0, 1), "{pass:?}");
    assert_eq!(receiver.seen().len(), before);
    assert_eq!(
        pass.next_due,
        Some(later + 5_000),
        "retried on the schedule"
    );
    let record = app.store().load("user123", None).await.expect("read");
    let why = record.outbox[0].last_error.as_deref().unwrap_or_default();
    assert!(why.contains("secret could not be opened"), "{why}");
}

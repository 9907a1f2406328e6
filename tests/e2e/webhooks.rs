//! Webhook deliveries to a real receiver (a small Python HTTP server), each one verified with
//! the Standard Webhooks library (`standardwebhooks` from PyPI, which `scripts/test.sh --tools`
//! installs into target/tools), never with the project's own signing code: the signature, a
//! `webhook-id` that stays the same across retries, a timestamp within five minutes. The retry
//! schedule is driven by passing the delivery code its `now`; the in-process loop and the
//! notifier run as they do for real. With `--features dynamodb` the same deliveries go through
//! the notifier from the table's records (a stand-in for its stream) and its outbox index.

use crate::requirements::unmet;
use availability_api::api::{self, App};
use availability_api::config::Config;
use availability_api::delivery::deliver_due;
use availability_api::delivery::notifier::Notifier;
use availability_api::domain::Millis;
use availability_api::store::{AvailabilityStore, MemoryStore};
use lambda_http::{Context, LambdaEvent};
use serde_json::{Value, json};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const SECOND: Millis = 1000;
const MINUTE: Millis = 60 * SECOND;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Python that has `standardwebhooks`: target/tools' own environment, else the system's.
fn python() -> Option<PathBuf> {
    let tools = root().join("target/tools/venvs/standardwebhooks/bin/python");
    for candidate in [tools, PathBuf::from("python3")] {
        let found = Command::new(&candidate)
            .args(["-c", "import standardwebhooks"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if found {
            return Some(candidate);
        }
    }
    unmet(
        "the `standardwebhooks` Python library is missing: `scripts/test.sh --tools` installs it into target/tools",
    )
}

/// A receiver answering `statuses` in turn (200 after them), stopped when dropped.
pub(crate) struct Receiver {
    child: Child,
    python: PathBuf,
    log: PathBuf,
    pub(crate) url: String,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}

fn script() -> PathBuf {
    root().join("tests/e2e/webhooks/receiver.py")
}

impl Receiver {
    pub(crate) fn start(name: &str, statuses: &str) -> Option<Receiver> {
        let python = python()?;
        let dir = root().join("target").join("e2e-webhooks");
        std::fs::create_dir_all(&dir).expect("a folder for the receiver");
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let (port_file, log) = (
            dir.join(format!("{name}-{stamp}.port")),
            dir.join(format!("{name}-{stamp}.jsonl")),
        );
        let child = Command::new(&python)
            .arg(script())
            .args(["serve"])
            .arg(&port_file)
            .arg(&log)
            .arg(statuses)
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("the receiver starts");
        let started = Instant::now();
        let port = loop {
            if let Ok(port) = std::fs::read_to_string(&port_file) {
                break port;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the receiver did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        Some(Receiver {
            child,
            python,
            log,
            url: format!("http://127.0.0.1:{}/hook", port.trim()),
        })
    }

    /// Every request received so far, each verified with `secret` by the library.
    pub(crate) fn verified(&self, secret: &str) -> Vec<Value> {
        if !self.log.exists() {
            return Vec::new();
        }
        let output = Command::new(&self.python)
            .arg(script())
            .args(["verify", secret])
            .arg(&self.log)
            .output()
            .expect("the verifier runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).expect("one JSON a line"))
            .collect()
    }
}

fn now() -> Millis {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as Millis)
}

pub(crate) fn local_config() -> Config {
    Config {
        outbound_allow_local: true,
        ..Config::dev()
    }
}

fn event(method: &str, path: &str, user: &str, body: Option<Value>) -> Value {
    let mut event = json!({
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
        "headers": {"host": "api.example.com", "x-user-id": user},
        "requestContext": {"accountId": "1", "apiId": "api", "domainName": "api.example.com",
            "domainPrefix": "api", "requestId": "webhook-test", "routeKey": "$default",
            "stage": "$default", "time": "01/Jan/2030:00:00:00 +0000", "timeEpoch": 0,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.9", "userAgent": "test"}},
        "isBase64Encoded": false
    });
    if let Some(body) = body {
        event["headers"]["content-type"] = json!("application/json");
        event["body"] = json!(body.to_string());
    }
    event
}

/// Status and JSON body of one request through the Lambda door.
async fn call<S: AvailabilityStore>(
    app: &App<S>,
    method: &str,
    path: &str,
    user: &str,
    body: Option<Value>,
) -> (u64, Value) {
    let raw = api::handle_event(
        app,
        LambdaEvent::new(event(method, path, user, body), Context::default()),
    )
    .await
    .expect("an answer");
    let text = raw["body"].as_str().unwrap_or("null");
    (
        raw["statusCode"].as_u64().unwrap_or(0),
        serde_json::from_str(text).unwrap_or(Value::Null),
    )
}

pub(crate) const MEETING: (&str, &str) = ("2030-01-07T10:00:00Z", "2030-01-07T11:00:00Z");

/// user123 and user456 free on 2030-01-07 from 09:00 to 17:00, and user123's webhook to
/// `url`; its secret.
pub(crate) async fn subscribed<S: AvailabilityStore>(app: &App<S>, url: &str) -> String {
    for user in ["user123", "user456"] {
        let free = json!({"availability": [{"start_time": "2030-01-07T09:00:00Z", "end_time": "2030-01-07T17:00:00Z"}]});
        let (status, _) = call(app, "POST", "/availability", user, Some(free)).await;
        assert_eq!(status, 200);
    }
    let hook = json!({"url": url, "events": ["booking.created", "booking.cancelled", "booking.rescheduled"]});
    let (status, body) = call(app, "PUT", "/webhooks/crm", "user123", Some(hook)).await;
    assert_eq!(status, 200, "{body}");
    body["secret"].as_str().expect("a secret").to_owned()
}

pub(crate) async fn book<S: AvailabilityStore>(
    app: &App<S>,
    (start, end): (&str, &str),
) -> (u64, Value) {
    let body =
        json!({"start_time": start, "end_time": end, "participants": ["user456"], "title": "Sync"});
    call(app, "POST", "/bookings", "user123", Some(body)).await
}

/// Every delivery verified by the library, with a timestamp within five minutes of now.
pub(crate) fn assert_all_verified(received: &[Value]) {
    for delivery in received {
        assert_eq!(delivery["ok"], true, "{delivery}");
        let sent: i64 = delivery["timestamp"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .expect("a webhook-timestamp");
        assert!(
            (now() / 1000 - sent).abs() <= 300,
            "timestamp {sent} is within five minutes"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_receiver_failing_twice_gets_the_same_event_three_times_on_the_schedule() {
    let Some(receiver) = Receiver::start("retries", "500,500") else {
        return;
    };
    let app = App::new(MemoryStore::new(), local_config());
    let secret = subscribed(&app, &receiver.url).await;
    let (status, booking) = book(&app, MEETING).await;
    assert_eq!(status, 201, "{booking}");
    let t0 = now();
    // At once (500), 5 s later (500), 5 min after that (200), then nothing for a day.
    for (at, sent, failed) in [
        (t0, 1, 1),
        (t0 + 4 * SECOND, 0, 0),
        (t0 + 5 * SECOND, 1, 1),
        (t0 + 5 * SECOND + 4 * MINUTE, 0, 0),
        (t0 + 5 * SECOND + 5 * MINUTE, 1, 0),
        (t0 + 24 * 60 * MINUTE, 0, 0),
    ] {
        let pass = deliver_due(app.store(), app.outbound(), app.secrets(), "user123", at)
            .await
            .expect("the store answers");
        assert_eq!(
            (pass.sent, pass.failed),
            (sent, failed),
            "at +{} ms",
            at - t0
        );
    }
    let received = receiver.verified(&secret);
    assert_eq!(received.len(), 3, "{received:?}");
    assert_all_verified(&received);
    let statuses: Vec<u64> = received
        .iter()
        .map(|r| r["status"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(statuses, [500, 500, 200]);
    assert!(
        received.iter().all(|r| r["id"] == received[0]["id"]),
        "one webhook-id: {received:?}"
    );
    assert!(
        received[0]["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("msg_"))
    );
    let payload = &received[2]["payload"];
    assert_eq!(payload["type"], "booking.created");
    assert_eq!(payload["data"]["id"], booking["id"]);
    assert_eq!(
        payload["data"]["participants"],
        json!(["user123", "user456"])
    );
    let record = app.store().load("user123", None).await.expect("read");
    assert!(record.outbox.is_empty(), "delivered: nothing owed");
}

#[tokio::test(flavor = "current_thread")]
async fn a_410_disables_the_webhook_at_once() {
    let Some(receiver) = Receiver::start("gone", "410") else {
        return;
    };
    let app = App::new(MemoryStore::new(), local_config());
    let secret = subscribed(&app, &receiver.url).await;
    let (status, booking) = book(&app, MEETING).await;
    assert_eq!(status, 201);
    let pass = deliver_due(app.store(), app.outbound(), app.secrets(), "user123", now())
        .await
        .expect("the store answers");
    assert_eq!((pass.sent, pass.next_due), (1, None));
    let (_, listed) = call(&app, "GET", "/webhooks", "user123", None).await;
    let disabled = &listed["webhooks"][0]["disabled"];
    assert!(
        disabled["reason"]
            .as_str()
            .is_some_and(|r| r.contains("410")),
        "{listed}"
    );
    // Disabled: the cancellation records nothing for it, and nothing more is sent.
    let id = booking["id"].as_str().expect("an id");
    let (status, _) = call(&app, "DELETE", &format!("/bookings/{id}"), "user123", None).await;
    assert_eq!(status, 200);
    let later = deliver_due(
        app.store(),
        app.outbound(),
        app.secrets(),
        "user123",
        now() + 60 * MINUTE,
    )
    .await
    .expect("the store answers");
    assert_eq!(later.sent, 0);
    let received = receiver.verified(&secret);
    assert_eq!(received.len(), 1);
    assert_all_verified(&received);
}

#[tokio::test(flavor = "current_thread")]
async fn a_refused_booking_sends_nothing_and_each_change_sends_its_event_in_process() {
    let Some(receiver) = Receiver::start("in-process", "") else {
        return;
    };
    let app = App::new(MemoryStore::new(), local_config());
    let secret = subscribed(&app, &receiver.url).await;
    // The API's own delivery loop runs beside the requests, as `main` runs it.
    let requests = async {
        let (status, booking) = book(&app, MEETING).await;
        assert_eq!(status, 201);
        // The same hour again: 409, rolled back, nothing recorded.
        let (refused, _) = book(&app, MEETING).await;
        assert_eq!(refused, 409);
        let (status, _) = book(&app, ("2030-01-07T13:00:00Z", "2030-01-07T14:00:00Z")).await;
        assert_eq!(status, 201);
        let id = booking["id"].as_str().expect("an id").to_owned();
        let (status, _) = call(&app, "DELETE", &format!("/bookings/{id}"), "user123", None).await;
        assert_eq!(status, 200);
        let started = Instant::now();
        while receiver.verified(&secret).len() < 3 && started.elapsed() < Duration::from_secs(20) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Anything more would arrive now: wait a moment longer.
        tokio::time::sleep(Duration::from_millis(500)).await;
        id
    };
    let cancelled_id = tokio::select! {
        () = app.deliver_in_process() => unreachable!("the loop runs for ever"),
        id = requests => id,
    };
    let received = receiver.verified(&secret);
    assert_all_verified(&received);
    let mut seen: Vec<(String, String)> = received
        .iter()
        .map(|r| {
            (
                r["payload"]["type"].as_str().unwrap_or_default().to_owned(),
                r["payload"]["data"]["start_time"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            ("booking.cancelled".to_owned(), MEETING.0.to_owned()),
            ("booking.created".to_owned(), MEETING.0.to_owned()),
            (
                "booking.created".to_owned(),
                "2030-01-07T13:00:00Z".to_owned()
            ),
        ],
        "{received:?}"
    );
    let cancelled = received
        .iter()
        .find(|r| r["payload"]["type"] == "booking.cancelled")
        .expect("the cancellation");
    assert_eq!(cancelled["payload"]["data"]["id"], cancelled_id.as_str());
    let ids: std::collections::BTreeSet<_> = received.iter().map(|r| r["id"].to_string()).collect();
    assert_eq!(ids.len(), 3, "one webhook-id per event");
}

/// The notifier's sample stream events (events/notifier/), replayed on a store holding user123's
/// webhook and a booking: the records that name user123's meta item deliver what it owes.
async fn replay_notifier_samples<S: AvailabilityStore>(
    app: &App<S>,
    receiver: &Receiver,
    secret: &str,
) {
    let notifier = Notifier {
        store: app.store(),
        outbound: app.outbound().clone(),
        secrets: app.secrets().clone(),
        wait_for_short_retries: false,
    };
    let sample = |name: &str| -> Value {
        let path = root().join("events/notifier").join(name);
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the sample")).expect("JSON")
    };
    // Other items and other users: nothing to send.
    let answer = notifier
        .handle(&sample("stream-other-items.json"), now)
        .await;
    assert_eq!((answer.sent, answer.batch_item_failures.len()), (0, 0));
    assert!(receiver.verified(secret).is_empty());
    let answer = notifier
        .handle(&sample("stream-meta-modify.json"), now)
        .await;
    assert_eq!(
        (answer.users, answer.sent, answer.failed),
        (1, 1, 0),
        "{answer:?}"
    );
    assert!(answer.batch_item_failures.is_empty());
    let received = receiver.verified(secret);
    assert_eq!(received.len(), 1);
    assert_all_verified(&received);
    assert_eq!(received[0]["payload"]["type"], "booking.created");
    // The schedule finds nobody owing anything now.
    let answer = notifier.handle(&sample("schedule.json"), now).await;
    assert_eq!(answer.sent, 0);
}

#[tokio::test(flavor = "current_thread")]
async fn the_notifier_delivers_from_its_sample_stream_events_on_the_memory_store() {
    let Some(receiver) = Receiver::start("notifier-memory", "") else {
        return;
    };
    let app = App::new(MemoryStore::new(), local_config());
    let secret = subscribed(&app, &receiver.url).await;
    assert_eq!(book(&app, MEETING).await.0, 201);
    replay_notifier_samples(&app, &receiver, &secret).await;
}

#[cfg(feature = "dynamodb")]
mod dynamodb {
    use super::*;

    /// The notifier on a table under moto: the API records the event and does not deliver (the
    /// table's stream is the notifier's), the sample stream records deliver it, and a retry
    /// comes back through the outbox index on the schedule.
    #[tokio::test(flavor = "current_thread")]
    async fn the_notifier_delivers_and_retries_on_dynamodb() {
        let Some(receiver) = Receiver::start("notifier-dynamodb", "503") else {
            return;
        };
        let table = crate::moto::fresh_table().await;
        let store = crate::moto::store_on(&table).await;
        // The secret sealed with a KMS key on the same server, as deployed.
        let config = Config {
            secrets_key_id: Some(crate::moto::fresh_key().await),
            ..local_config()
        };
        let app = App::new(store, config);
        let secret = subscribed(&app, &receiver.url).await;
        assert_eq!(book(&app, MEETING).await.0, 201);
        assert!(app.store().streams_changes());
        let notifier = Notifier {
            store: app.store(),
            outbound: app.outbound().clone(),
            secrets: app.secrets().clone(),
            wait_for_short_retries: false,
        };
        // Owed at once: the index names user123.
        let owing = app
            .store()
            .users_owing(now(), 10)
            .await
            .expect("the index answers");
        assert_eq!(owing, ["user123"]);
        let stream: Value = serde_json::from_str(
            &std::fs::read_to_string(root().join("events/notifier/stream-meta-modify.json"))
                .expect("the sample"),
        )
        .expect("JSON");
        let first = notifier.handle(&stream, now).await;
        assert_eq!((first.sent, first.failed), (1, 1), "{first:?}");
        // Not due again for 5 s: the schedule finds nobody now, and user123 five seconds on.
        let schedule = json!({"source": "aws.events", "detail-type": "Scheduled Event"});
        assert_eq!(notifier.handle(&schedule, now).await.sent, 0);
        let later = || now() + 6 * SECOND;
        let retried = notifier.handle(&schedule, later).await;
        assert_eq!(
            (retried.users, retried.sent, retried.failed),
            (1, 1, 0),
            "{retried:?}"
        );
        assert!(
            app.store()
                .users_owing(later(), 10)
                .await
                .expect("answers")
                .is_empty()
        );
        let received = receiver.verified(&secret);
        assert_eq!(received.len(), 2);
        assert_all_verified(&received);
        assert_eq!(received[0]["id"], received[1]["id"]);
    }
}

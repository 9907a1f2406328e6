//! An invitee's whole way through the deployed API: the host (signed in) offers an event type
//! on time free tomorrow; with no token at all, as on the template's open routes, the invitee
//! reads it and its slots, books, reads the booking by its manage link, reschedules and cancels
//! it; the host's bookings no longer list it. On DynamoDB, the table is then read item by item:
//! no attribute, as text or as the bytes of a binary value (the meta items' MessagePack), holds
//! the manage token or its secret, only the secret's hash, beside the booking itself.

use super::fixture::Deployed;
use super::gateway::HttpRequest;
use super::moto::{contains, renderings};
use availability_api::domain::booking::secret_hash;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

fn as_host(deployed: &mut Deployed, method: &str, target: &str, body: Option<Value>) -> Value {
    let request = HttpRequest::new(method, target).signed_in("ana");
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let response = deployed.send(request);
    let answer = response.json();
    assert_eq!(response.status, 200, "{method} {target}: {answer}");
    answer
}

/// A request with no `authorization` header: the open routes need none, in `jwt` mode too.
fn anonymous(
    deployed: &mut Deployed,
    method: &str,
    target: &str,
    body: Option<Value>,
) -> (u16, Value, Option<String>) {
    let request = HttpRequest::new(method, target);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let response = deployed.send(request);
    let location = response.header("location").map(str::to_owned);
    (response.status, response.json(), location)
}

fn an_invitee_books_reschedules_and_cancels(deployed: &mut Deployed) {
    // Tomorrow (UTC), computed once: a start the public routes take whenever the test runs.
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
    let at = |time: &str| format!("{tomorrow}T{time}:00Z");

    let free = json!({"availability": [{"start_time": at("09:00"), "end_time": at("12:00")}]});
    as_host(deployed, "POST", "/availability", Some(free));
    let event_type = json!({"title": "Intro call", "duration": "PT30M", "location": "Video"});
    as_host(deployed, "PUT", "/event-types/intro", Some(event_type));

    let (status, shown, _) = anonymous(deployed, "GET", "/public/ana/intro", None);
    assert_eq!(status, 200, "{shown}");
    assert_eq!(
        shown,
        json!({"host": "ana", "slug": "intro", "title": "Intro call", "duration": "PT30M",
               "timezone": "UTC", "location": "Video"})
    );
    let slots = format!(
        "/public/ana/intro/slots?from={}&to={}",
        at("00:00"),
        at("23:55")
    );
    let (status, listed, _) = anonymous(deployed, "GET", &slots, None);
    assert_eq!(status, 200, "{listed}");
    let starts: Vec<&str> = listed["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .filter_map(|slot| slot["start_time"].as_str())
        .collect();
    let expected: Vec<String> = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
        .map(at)
        .into();
    assert_eq!(starts, expected, "{listed}");

    let booking = json!({"start_time": at("10:00"),
        "invitee": {"name": "Ina Vitee", "email": "ina@example.com", "timezone": "Europe/Berlin"},
        "note": "Looking forward"});
    let request = HttpRequest::new("POST", "/public/ana/intro/bookings")
        .header("idempotency-key", "invitee-flow-1")
        .json(&booking);
    let response = deployed.send(request);
    let made = response.json();
    assert_eq!(response.status, 201, "{made}");
    let token = made["manage_token"]
        .as_str()
        .expect("a manage token")
        .to_owned();
    let id = made["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        response.header("location"),
        Some(format!("/manage/{token}").as_str())
    );
    assert_eq!(
        (&made["status"], &made["sequence"], &made["end_time"]),
        (&json!("confirmed"), &json!(0), &json!(at("10:30")))
    );
    if deployed.table.is_some() {
        let scanned = assert_the_table_keeps_no_token(deployed, &token, &id);
        println!("after the booking: {scanned} items scanned, no manage token in any");
    }

    let manage = format!("/manage/{token}");
    let (status, read, _) = anonymous(deployed, "GET", &manage, None);
    assert_eq!(status, 200, "{read}");
    assert_eq!(
        (read["id"].as_str(), &read["status"]),
        (Some(id.as_str()), &json!("confirmed"))
    );
    assert!(read.get("manage_token").is_none(), "{read}");

    let (status, moved, _) = anonymous(
        deployed,
        "POST",
        &format!("{manage}/reschedule"),
        Some(json!({"start_time": at("11:00")})),
    );
    assert_eq!(status, 200, "{moved}");
    assert_eq!(
        (
            moved["id"].as_str(),
            &moved["sequence"],
            &moved["start_time"]
        ),
        (Some(id.as_str()), &json!(1), &json!(at("11:00")))
    );
    let (status, cancelled, _) = anonymous(
        deployed,
        "POST",
        &format!("{manage}/cancel"),
        Some(json!({"reason": "Something came up"})),
    );
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    let (status, read, _) = anonymous(deployed, "GET", &manage, None);
    assert_eq!(
        (status, &read["status"]),
        (200, &json!("cancelled")),
        "{read}"
    );

    let bookings = as_host(deployed, "GET", "/bookings", None);
    assert_eq!(bookings, json!({"bookings": []}));

    if deployed.table.is_some() {
        let scanned = assert_the_table_keeps_no_token(deployed, &token, &id);
        println!(
            "after the reschedule and the cancel: {scanned} items scanned, no manage token in any"
        );
    }
}

on_both_stores!(an_invitee_books_reschedules_and_cancels);

/// Scans the whole table and checks every item, rendered as text and each binary value as its
/// bytes: none holds the token, its secret (as text or as its 16 raw bytes); the booking's id
/// and the secret's hash are there. Answers how many items were scanned.
fn assert_the_table_keeps_no_token(deployed: &Deployed, token: &str, id: &str) -> usize {
    let (endpoint, table) = deployed.table.as_ref().expect("the DynamoDB variant");
    let items = super::moto::scan_items(endpoint, table);
    let secret = token.rsplit('.').next().expect("a secret part");
    let secret_bytes = URL_SAFE_NO_PAD.decode(secret).expect("a base64url secret");
    let hash = secret_hash(&secret_bytes);
    let forbidden: [(&str, &[u8]); 3] = [
        ("the manage token", token.as_bytes()),
        ("its secret", secret.as_bytes()),
        ("its secret's bytes", &secret_bytes),
    ];
    let (mut id_seen, mut hash_seen) = (false, false);
    for item in &items {
        let key = format!("{} {}", item["pk"], item["sk"]);
        for rendering in renderings(item) {
            for (what, needle) in forbidden {
                assert!(
                    !contains(&rendering, needle),
                    "item {key} holds {what}: {item}"
                );
            }
            id_seen |= contains(&rendering, id.as_bytes());
            hash_seen |= contains(&rendering, hash.as_bytes());
        }
    }
    assert!(
        id_seen,
        "the booking {id} is in the table ({} items)",
        items.len()
    );
    assert!(hash_seen, "the secret's hash is in the table");
    items.len()
}

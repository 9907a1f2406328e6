//! One well-formed request per route and method of the router's table, through the deployed
//! API: each must reach the function and succeed. Then `HEAD` (where there is a `GET`) and
//! `OPTIONS` on every route, which the function answers itself: deployed, they reach it only
//! where the template routes them (an `ANY` route), else API Gateway answers 404; never a 5xx.

use super::fixture::Deployed;
use super::gateway::HttpRequest;
use availability_api::api::route_paths;
use serde_json::json;

fn as_user(method: &str, target: &str) -> HttpRequest {
    HttpRequest::new(method, target).signed_in("user123")
}

/// The hour of the sample booking, which the caller makes available first.
fn booked_hour() -> serde_json::Value {
    json!({"start_time": "2024-10-01T09:00:00Z", "end_time": "2024-10-01T10:00:00Z"})
}

/// Tomorrow (UTC) at `time` (`HH:MM`): a start the public routes take, whenever the test runs.
fn tomorrow_at(time: &str) -> String {
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
    format!("{tomorrow}T{time}:00Z")
}

/// What earlier requests made that later ones name: the booking `POST /bookings` made, the
/// manage token of the invitee's booking.
#[derive(Default)]
struct Made {
    booking_id: String,
    manage_token: String,
    /// The feed URL of user123's calendar feed.
    feed_url: String,
}

/// A request that succeeds on this route, given the requests before it in table order.
fn valid_request(path: &str, method: &str, made: &Made) -> HttpRequest {
    let booking_id = &made.booking_id;
    let manage = format!("/manage/{}", made.manage_token);
    let slot = json!({"start_time": "2024-09-30T09:00:00Z", "end_time": "2024-09-30T10:00:00Z"});
    let schedule = json!({
        "timezone": "Europe/Paris",
        "weekly": [{"days": ["mon"], "start": "09:00", "end": "12:00"}]
    });
    let overlap =
        json!({"users": ["user456"], "from": "2024-09-30T00:00:00Z", "to": "2024-10-01T00:00:00Z"});
    match (path, method) {
        ("/", "GET") | ("/openapi.json", "GET") => HttpRequest::new("GET", path),
        ("/availability", "POST") => as_user("POST", path).json(&json!({"availability": [slot]})),
        ("/availability", "GET") => as_user("GET", path),
        ("/availability", "DELETE") => as_user("DELETE", path).json(&slot),
        ("/availability/schedule", "PUT") => as_user("PUT", path).json(&schedule),
        ("/availability/schedule", "GET") | ("/availability/schedule", "DELETE") => {
            as_user(method, path)
        }
        ("/overlap", "GET") => as_user("GET", "/overlap?users=user456"),
        ("/overlap", "POST") => as_user("POST", path).json(&overlap),
        ("/overlap/{user_id_2}", "GET") => as_user("GET", "/overlap/user456"),
        ("/overlap/{user_id_2}", "POST") => {
            as_user("POST", "/overlap/user456").json(&json!({"from": "2024-09-30T00:00:00Z"}))
        }
        ("/bookings", "POST") => as_user("POST", path).json(&json!({
            "start_time": booked_hour()["start_time"],
            "end_time": booked_hour()["end_time"],
            "participants": [],
            "title": "A sample"
        })),
        ("/bookings", "GET") => as_user("GET", path),
        ("/bookings/{booking_id}", "GET") | ("/bookings/{booking_id}", "DELETE") => {
            as_user(method, &format!("/bookings/{booking_id}"))
        }
        ("/availability/sharing", "PUT") => {
            as_user("PUT", path).json(&json!({"bookable_by": "everyone"}))
        }
        ("/availability/sharing", "GET") => as_user("GET", path),
        ("/event-types", "GET") => as_user("GET", path),
        ("/event-types/{slug}", "PUT") => as_user("PUT", "/event-types/intro-call")
            .json(&json!({"title": "Intro call", "duration": "PT30M"})),
        ("/event-types/{slug}", "GET") | ("/event-types/{slug}", "DELETE") => {
            as_user(method, "/event-types/intro-call")
        }
        // Open: no token, in the deployed `jwt` mode too.
        ("/public/{user_id}/{slug}", "GET") => {
            HttpRequest::new("GET", "/public/user123/intro-call")
        }
        ("/public/{user_id}/{slug}/slots", "GET") => {
            HttpRequest::new("GET", "/public/user123/intro-call/slots")
        }
        ("/public/{user_id}/{slug}/bookings", "POST") => {
            HttpRequest::new("POST", "/public/user123/intro-call/bookings").json(&json!({
                "start_time": tomorrow_at("10:00"),
                "invitee": {"name": "Ina Vitee", "email": "ina@example.com"}
            }))
        }
        ("/manage/{token}", "GET") => HttpRequest::new("GET", &manage),
        ("/manage/{token}/reschedule", "POST") => {
            HttpRequest::new("POST", &format!("{manage}/reschedule"))
                .json(&json!({"start_time": tomorrow_at("10:30")}))
        }
        ("/manage/{token}/cancel", "POST") => HttpRequest::new("POST", &format!("{manage}/cancel"))
            .json(&json!({"reason": "A sample"})),
        // Calendars (issue 24).
        ("/calendar/feed", "POST") | ("/calendar/feed", "DELETE") => as_user(method, path),
        ("/calendar/{feed_file}", "GET") => HttpRequest::new("GET", &made.feed_url),
        ("/bookings/{booking_id}/calendar.ics", "GET") => {
            as_user("GET", &format!("/bookings/{booking_id}/calendar.ics"))
        }
        ("/manage/{token}/calendar.ics", "GET") => {
            HttpRequest::new("GET", &format!("{manage}/calendar.ics"))
        }
        ("/calendars", "GET") => as_user("GET", path),
        // A name that resolves nowhere: stored, and its first sync says why it failed.
        ("/calendars/{source_id}", "PUT") => as_user("PUT", "/calendars/work")
            .json(&json!({"kind": "ics", "url": "https://calendar.invalid/work.ics"})),
        ("/calendars/{source_id}", "DELETE") => as_user("DELETE", "/calendars/work"),
        ("/calendars/{source_id}/sync", "POST") => as_user("POST", "/calendars/work/sync"),
        ("/calendars/{source_id}/busy", "GET") => as_user("GET", "/calendars/work/busy"),
        ("/manage/{token}/slots", "GET") => HttpRequest::new("GET", &format!("{manage}/slots")),
        // The booking pages: open, no lookup.
        ("/book/{user_id}/{slug}", "GET") => HttpRequest::new("GET", "/book/user123/intro-call"),
        ("/book/manage/{token}", "GET") => HttpRequest::new("GET", &format!("/book{manage}")),
        ("/book/assets/book.js", "GET") | ("/book/assets/book.css", "GET") => {
            HttpRequest::new("GET", path)
        }
        ("/webhooks", "GET") => as_user("GET", path),
        ("/webhooks/{webhook_id}", "PUT") => as_user("PUT", "/webhooks/crm").json(&json!({
            "url": "https://hooks.example.com/bookings",
            "events": ["booking.created"]
        })),
        ("/webhooks/{webhook_id}", "DELETE") => as_user("DELETE", "/webhooks/crm"),
        _ => panic!("no sample request for {method} {path}: add one to routes.rs"),
    }
}

/// The order in which a route's methods are tried: writes before the reads and deletes.
fn method_order(method: &str) -> u8 {
    match method {
        "PUT" | "POST" => 0,
        "GET" => 1,
        _ => 2,
    }
}

fn one_request_per_route(deployed: &mut Deployed) {
    let mut tried = 0;
    let mut made = Made::default();
    for (path, methods) in &route_paths() {
        let mut methods: Vec<&str> = methods.iter().map(|m| m.as_str()).collect();
        methods.sort_by_key(|m| method_order(m));
        for method in methods {
            if (*path, method) == ("/bookings", "POST") {
                let free = as_user("POST", "/availability")
                    .json(&json!({"availability": [booked_hour()]}));
                assert_eq!(deployed.send(free).status, 200);
            }
            if path.starts_with("/public/") {
                // The event type the open routes offer (its own row's DELETE ran before), on
                // time the host has free tomorrow.
                let offered = valid_request("/event-types/{slug}", "PUT", &made);
                assert_eq!(deployed.send(offered).status, 200);
                let tomorrow = json!({"availability": [{
                    "start_time": tomorrow_at("09:00"), "end_time": tomorrow_at("12:00")}]});
                let free = as_user("POST", "/availability").json(&tomorrow);
                assert_eq!(deployed.send(free).status, 200);
            }
            if path.starts_with("/calendars/{source_id}/") {
                // The calendar (its own row's DELETE ran before).
                let stored = deployed.send(valid_request("/calendars/{source_id}", "PUT", &made));
                assert_eq!(stored.status, 200);
            }
            if *path == "/calendar/{feed_file}" {
                // A live feed (its own row's DELETE ran before).
                let created = deployed.send(valid_request("/calendar/feed", "POST", &made));
                made.feed_url = created.json()["feed_url"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
            }
            let response = deployed.send(valid_request(path, method, &made));
            if (*path, method) == ("/bookings", "POST") {
                made.booking_id = response.json()["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
            }
            if (*path, method) == ("/public/{user_id}/{slug}/bookings", "POST") {
                made.manage_token = response.json()["manage_token"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
            }
            assert!(
                deployed.gateway.exchanges.last().is_some_and(|e| e.invoked),
                "{method} {path} reaches the function; API Gateway answered {} {}",
                response.status,
                String::from_utf8_lossy(&response.body)
            );
            assert!(
                (200..300).contains(&response.status),
                "{method} {path}: {} {}",
                response.status,
                String::from_utf8_lossy(&response.body)
            );
            tried += 1;
        }
    }
    println!("{tried} route and method pairs of the router tried");

    let routes = deployed.template.routes.clone();
    let routed = |method: &str, path: &str| {
        routes
            .iter()
            .any(|r| r.path == *path && (r.method == method || r.method == "ANY"))
    };
    for (path, methods) in &route_paths() {
        let concrete = path
            .replace("{user_id_2}", "user456")
            .replace("{booking_id}", "0000000000000000")
            .replace("{slug}", "intro-call")
            .replace("{user_id}", "user123")
            .replace("{feed_file}", "dXNlcjEyMw.AAAAAAAAAAAAAAAAAAAAAA.ics")
            .replace("{source_id}", "work")
            .replace(
                "{token}",
                "dXNlcjEyMw.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAA",
            );
        let mut extra = vec!["OPTIONS"];
        if methods.iter().any(|m| m.as_str() == "GET") {
            extra.push("HEAD");
        }
        for method in extra {
            let reaches = routed(method, path);
            let response = deployed.send(as_user(method, &concrete));
            let invoked = deployed.gateway.exchanges.last().is_some_and(|e| e.invoked);
            assert_eq!(invoked, reaches, "{method} {path}: reaches the function");
            if reaches {
                // The function's own answer (a 404 where nothing is stored is fine).
                assert_ne!(response.status, 405, "{method} {path}");
                assert!(response.json().get("message") != Some(&json!("Not Found")));
            } else {
                assert_eq!(response.status, 404, "{method} {path}");
            }
        }
    }
}

on_both_stores!(one_request_per_route);

/// The booking pages through the template's routes, with no token: each is the function's own
/// answer (API Gateway prefers `/book/manage/{token}` and `/book/assets/...` over
/// `/book/{user_id}/{slug}`), of its content type, under its policy, and small.
fn the_booking_pages_are_open_and_small(deployed: &mut Deployed) {
    let pages = [
        ("/book/user123/intro-call", "text/html", 16 * 1024),
        ("/book/manage/not-a-token", "text/html", 16 * 1024),
        ("/book/assets/book.js", "text/javascript", 48 * 1024),
        ("/book/assets/book.css", "text/css", 16 * 1024),
    ];
    let mut total = 0;
    for (target, content_type, most) in pages {
        let response = deployed.send(HttpRequest::new("GET", target));
        assert_eq!(response.status, 200, "{target}");
        assert!(
            deployed.gateway.exchanges.last().is_some_and(|e| e.invoked),
            "{target} reaches the function"
        );
        let served = response.header("content-type").unwrap_or_default();
        assert!(served.starts_with(content_type), "{target}: {served}");
        let policy = response
            .header("content-security-policy")
            .unwrap_or_default();
        assert!(policy.contains("script-src 'self'"), "{target}: {policy}");
        assert_eq!(response.header("referrer-policy"), Some("no-referrer"));
        assert!(
            response.body.len() <= most,
            "{target}: {} bytes, more than {most}",
            response.body.len()
        );
        total += response.body.len();
        // A stage- and proxy-proof revalidation: the ETag answers 304 with nothing.
        let etag = response.header("etag").expect("an ETag").to_owned();
        let again = deployed.send(HttpRequest::new("GET", target).header("if-none-match", &etag));
        assert_eq!(again.status, 304, "{target}");
        assert!(again.body.is_empty());
    }
    println!("the booking page's files: {total} bytes");
}

on_both_stores!(the_booking_pages_are_open_and_small);

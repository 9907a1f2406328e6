//! The worst-case benchmark (issue 12): for each route, the most expensive request the API
//! accepts, built from stored data at the limits, sent through the deployed stand-ins. Prints a
//! table of each request's status, wall time and the instance's peak memory (before and after
//! it), and appends it to `target/deployed/worst-case.txt`; docs/benchmarks.md records a run.
//! Ignored by default (it takes minutes); run it with
//! `cargo nextest run --test e2e --run-ignored only -E 'test(/worst_case/)' --no-capture`.
//!
//! Each row starts a fresh instance, so its peak memory is its own setup's plus its request's.
//! `WORST_CASE_REMOVED` lowers the removed ranges of the DELETE row (default: the per-user
//! interval limit, 100,000, which takes as many requests to build).

use super::fixture::{Deployed, Store};
use super::gateway::{HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};
use std::fmt::Write;
use std::io::Write as _;

/// The per-user interval limit (`api::availability::MAX_INTERVALS_PER_USER`).
const INTERVAL_LIMIT: usize = 100_000;
/// Slots per `POST` (`MAX_SLOTS_PER_REQUEST`).
const SLOTS_PER_POST: usize = 1000;
/// Participants per `/overlap` (`MAX_PARTICIPANTS`).
const PARTICIPANTS: usize = 100;
/// Request bodies (`MAX_BODY_BYTES`).
const BODY_LIMIT: usize = 1024 * 1024;

fn as_user(user: &str, method: &str, target: &str) -> HttpRequest {
    HttpRequest::new(method, target).signed_in(user)
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a timestamp")
        .with_timezone(&Utc)
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn clock(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Five-minute ranges every ten minutes from midnight, `count` of them.
fn ranges(count: u32) -> Vec<Value> {
    (0..count)
        .map(|i| json!({"start": clock(i * 10), "end": clock(i * 10 + 5)}))
        .collect()
}

/// The densest weekly schedule: 100 rules, every day (so 100 ranges a day), in a zone with
/// daylight saving; `overrides` dates of 100 ranges each on top.
fn dense_schedule(overrides: usize) -> Value {
    let weekly: Vec<Value> = ranges(100)
        .into_iter()
        .map(|range| {
            json!({"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "start": range["start"], "end": range["end"]})
        })
        .collect();
    let first = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
    let overrides: Vec<Value> = (0..overrides)
        .map(|day| {
            json!({"date": (first + Duration::days(day as i64)).to_string(),
                "ranges": ranges(100)})
        })
        .collect();
    json!({"timezone": "America/New_York", "weekly": weekly, "overrides": overrides})
}

/// The largest schedule a body can carry: the densest weekly rules and as many full override
/// dates as fit under the body limit.
fn largest_schedule() -> Value {
    let per_override = dense_schedule(1).to_string().len() - dense_schedule(0).to_string().len();
    let room = BODY_LIMIT - dense_schedule(0).to_string().len() - 1024;
    let schedule = dense_schedule((room / per_override).min(1000));
    assert!(schedule.to_string().len() < BODY_LIMIT);
    schedule
}

/// The measured request of one row and what it cost.
struct Row {
    route: &'static str,
    worst_case: String,
    status: u16,
    response_bytes: usize,
    wall_ms: u128,
    peak_before_mib: f64,
    peak_after_mib: f64,
    setup_requests: usize,
}

fn mib(bytes: Option<u64>) -> f64 {
    bytes.unwrap_or(0) as f64 / (1024.0 * 1024.0)
}

/// Sends the measured request (checked like every other: no 5xx, within the limits) and reads
/// its cost from the stand-ins' record.
fn measure(
    deployed: &mut Deployed,
    route: &'static str,
    worst_case: String,
    request: HttpRequest,
) -> (Row, HttpResponse) {
    let setup_requests = deployed.gateway.exchanges.len();
    let peak_before = deployed
        .gateway
        .exchanges
        .iter()
        .filter_map(|e| e.record.as_ref()?.peak_memory_bytes)
        .max();
    let response = deployed.send(request);
    let record = deployed
        .gateway
        .exchanges
        .last()
        .and_then(|e| e.record.clone())
        .expect("the measured request reached the function");
    let row = Row {
        route,
        worst_case,
        status: response.status,
        response_bytes: record.response_bytes,
        wall_ms: record.duration.as_millis(),
        peak_before_mib: mib(peak_before),
        peak_after_mib: mib(record.peak_memory_bytes),
        setup_requests,
    };
    (row, response)
}

fn ok(response: &HttpResponse, what: &str) {
    assert!(
        response.status < 300,
        "{what}: {} {}",
        response.status,
        String::from_utf8_lossy(&response.body[..response.body.len().min(300)])
    );
}

/// `PUT /availability/schedule` with the largest schedule, then `GET /availability` over the
/// longest window it may expand.
fn schedule_rows(store: Store) -> Vec<Row> {
    let Some(mut deployed) = Deployed::start(store, "worst_case_schedule") else {
        return Vec::new();
    };
    let schedule = largest_schedule();
    let overrides = schedule["overrides"].as_array().map_or(0, Vec::len);
    let (put, response) = measure(
        &mut deployed,
        "PUT /availability/schedule",
        format!(
            "100 weekly rules × 7 days + {overrides} overrides × 100 ranges ({} B body)",
            schedule.to_string().len()
        ),
        as_user("dense", "PUT", "/availability/schedule").json(&schedule),
    );
    ok(&response, "PUT");
    let (get, response) = measure(
        &mut deployed,
        "GET /availability",
        "that schedule over 400 days (MAX_WINDOW_DAYS)".into(),
        as_user(
            "dense",
            "GET",
            "/availability?from=2026-01-01T00:00:00Z&to=2027-02-05T00:00:00Z",
        ),
    );
    ok(&response, "GET");
    vec![put, get]
}

/// `POST /availability` taking a user to the interval limit, then `GET /availability` of all of
/// it (no schedule: the window is unbounded).
fn interval_limit_rows(store: Store) -> Vec<Row> {
    let Some(mut deployed) = Deployed::start(store, "worst_case_intervals") else {
        return Vec::new();
    };
    let base = instant("2000-01-01T00:00:00Z");
    let batch = |index: usize| -> Value {
        let slots: Vec<Value> = (0..SLOTS_PER_POST)
            .map(|i| {
                let start = base + Duration::hours(2 * (index * SLOTS_PER_POST + i) as i64);
                json!({"start_time": rfc3339(start), "end_time": rfc3339(start + Duration::hours(1))})
            })
            .collect();
        json!({"availability": slots})
    };
    let batches = INTERVAL_LIMIT / SLOTS_PER_POST;
    for index in 0..batches - 1 {
        ok(
            &deployed.send(as_user("full", "POST", "/availability").json(&batch(index))),
            "setup POST",
        );
    }
    let (post, response) = measure(
        &mut deployed,
        "POST /availability",
        format!("{SLOTS_PER_POST} slots onto 99,000 intervals, reaching the limit"),
        as_user("full", "POST", "/availability").json(&batch(batches - 1)),
    );
    ok(&response, "POST");
    // The first page: without `limit`, as many intervals as fit in the page byte bound.
    let (get, _) = measure(
        &mut deployed,
        "GET /availability",
        format!("{INTERVAL_LIMIT} intervals, no window (first page)"),
        as_user("full", "GET", "/availability"),
    );
    vec![post, get]
}

/// `DELETE /availability` for a user at the interval limit whose densest schedule is covered
/// by removed ranges with a one-minute gap outside its hours every day: over the longest range
/// the limits allow (400 days: it holds 400 removed ranges) the search looks at every date and
/// finds nothing (404). The same over all the removed ranges is refused before any expansion.
fn delete_rows(store: Store) -> Vec<Row> {
    let Some(mut deployed) = Deployed::start(store, "worst_case_delete") else {
        return Vec::new();
    };
    let removed: usize = std::env::var("WORST_CASE_REMOVED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(INTERVAL_LIMIT)
        .max(401);
    ok(
        &deployed.send(as_user("gaps", "PUT", "/availability/schedule").json(&dense_schedule(0))),
        "PUT",
    );
    // 02:00-02:01Z is 21:00 or 22:00 in New York, after the last range (16:35).
    let first_gap = instant("2000-01-01T02:00:00Z");
    let gap = |i: usize| first_gap + Duration::days(i as i64);
    for i in 0..removed {
        let body = json!({"start_time": rfc3339(gap(i) + Duration::minutes(1)), "end_time": rfc3339(gap(i + 1))});
        ok(
            &deployed.send(as_user("gaps", "DELETE", "/availability").json(&body)),
            "setup DELETE",
        );
    }
    let mut rows = Vec::new();
    let middle = removed / 2 - 200;
    let range = json!({"start_time": rfc3339(gap(middle)), "end_time": rfc3339(gap(middle + 400))});
    let (row, response) = measure(
        &mut deployed,
        "DELETE /availability",
        format!(
            "densest schedule, {removed} removed ranges with a gap every day; 400 days holding 400 of them"
        ),
        as_user("gaps", "DELETE", "/availability").json(&range),
    );
    assert_eq!(response.status, 404, "nothing is available in the range");
    rows.push(row);
    let range = json!({"start_time": rfc3339(gap(0)), "end_time": rfc3339(gap(removed))});
    let (row, response) = measure(
        &mut deployed,
        "DELETE /availability",
        format!("the same over all {removed} removed ranges: refused"),
        as_user("gaps", "DELETE", "/availability").json(&range),
    );
    assert_eq!(response.status, 400, "over the limit");
    rows.push(row);
    rows
}

/// `/overlap` for 100 participants who all have the densest schedule, with the longest buffers,
/// over the longest window `MAX_SCHEDULE_DAYS` allows them (98 days, 100 with the buffers).
fn overlap_rows(store: Store) -> Vec<Row> {
    let Some(mut deployed) = Deployed::start(store, "worst_case_overlap") else {
        return Vec::new();
    };
    let users: Vec<String> = (0..PARTICIPANTS).map(|i| format!("p{i:02}")).collect();
    for user in &users {
        ok(
            &deployed.send(as_user(user, "PUT", "/availability/schedule").json(&dense_schedule(0))),
            "PUT",
        );
    }
    let others = users[1..].join(",");
    let window = "from=2026-01-01T00:00:00Z&to=2026-04-09T00:00:00Z";
    let mut rows = Vec::new();
    let (row, response) = measure(
        &mut deployed,
        "GET /overlap (slots)",
        "100 densest schedules, 98 days, duration=step=PT5M, buffers P1D each, quorum 1".into(),
        as_user(
            &users[0],
            "GET",
            &format!(
                "/overlap?users={others}&{window}&duration=PT5M&step=PT5M&buffer_before=P1D&buffer_after=P1D&quorum=1&limit=10000"
            ),
        ),
    );
    ok(&response, "slots");
    rows.push(row);
    let (row, response) = measure(
        &mut deployed,
        "GET /overlap (intervals)",
        "100 densest schedules, 98 days, quorum 1 (users listed), limit 10000".into(),
        as_user(
            &users[0],
            "GET",
            &format!("/overlap?users={others}&{window}&quorum=1&limit=10000"),
        ),
    );
    ok(&response, "intervals");
    rows.push(row);
    rows
}

/// `GET /public/{user_id}/{slug}/slots` over the longest window (31 days) of an event type with
/// the most hosts (10), each with the densest schedule, one free host enough (`assignment:
/// "one"`, so every host is looked at), on the finest grid (PT5M): every free range of the
/// schedules is a slot.
fn public_slots_rows(store: Store) -> Vec<Row> {
    let Some(mut deployed) = Deployed::start(store, "worst_case_public_slots") else {
        return Vec::new();
    };
    let hosts: Vec<String> = (0..10).map(|i| format!("h{i}")).collect();
    for host in &hosts {
        ok(
            &deployed.send(as_user(host, "PUT", "/availability/schedule").json(&dense_schedule(0))),
            "PUT",
        );
    }
    let event_type = json!({"title": "Worst", "duration": "PT5M", "step": "PT5M", "horizon": "P400D",
        "hosts": hosts, "assignment": "one", "timezone": "America/New_York"});
    ok(
        &deployed.send(as_user(&hosts[0], "PUT", "/event-types/worst").json(&event_type)),
        "PUT event type",
    );
    let from = Utc::now() + Duration::days(1);
    let window = format!(
        "from={}&to={}",
        rfc3339(from),
        rfc3339(from + Duration::days(31))
    );
    let (row, response) = measure(
        &mut deployed,
        "GET /public/{user_id}/{slug}/slots",
        "10 hosts with the densest schedules, 31 days, PT5M grid, assignment one".into(),
        HttpRequest::new("GET", &format!("/public/h0/worst/slots?{window}")),
    );
    ok(&response, "slots");
    vec![row]
}

fn table(store: Store, rows: &[Row]) -> String {
    let mut text = format!(
        "\nworst case per route, {store:?} store (release binary, deployed stand-ins)\n\
         | route | worst accepted request | status | response B | wall ms | peak MiB before → after | setup requests |\n\
         |---|---|---|---|---|---|---|\n"
    );
    for row in rows {
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} | {} | {:.1} → {:.1} | {} |",
            row.route,
            row.worst_case,
            row.status,
            row.response_bytes,
            row.wall_ms,
            row.peak_before_mib,
            row.peak_after_mib,
            row.setup_requests
        );
    }
    text
}

/// Rows that share one instance and its setup.
type RowGroup = fn(Store) -> Vec<Row>;

fn worst_case_table(store: Store) {
    let only = std::env::var("WORST_CASE_ONLY").unwrap_or_default();
    let mut rows = Vec::new();
    let groups: [(&str, RowGroup); 5] = [
        ("schedule", schedule_rows),
        ("overlap", overlap_rows),
        ("public-slots", public_slots_rows),
        ("intervals", interval_limit_rows),
        ("delete", delete_rows),
    ];
    for (name, group) in groups {
        if only.is_empty() || only.split(',').any(|wanted| wanted == name) {
            rows.extend(group(store));
        }
    }
    let text = table(store, &rows);
    println!("{text}");
    let path = super::template::project_root().join("target/deployed/worst-case.txt");
    if let Ok(mut file) = std::fs::File::options()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = file.write_all(text.as_bytes());
    }
}

#[test]
#[ignore = "the worst-case benchmark: minutes of requests; run on purpose (docs/benchmarks.md)"]
fn worst_case_in_memory() {
    worst_case_table(Store::Memory);
}

#[test]
#[ignore = "the worst-case benchmark on the DynamoDB store: under scripts/with-moto.sh"]
fn worst_case_on_dynamodb() {
    worst_case_table(Store::DynamoDb);
}

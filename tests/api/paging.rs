//! `GET /availability` in pages (`limit`, `cursor`, `next`), as `/overlap` pages: an answer
//! that fits one page is the unpaged answer byte for byte; a larger one is cut by count and by
//! bytes, and following `next` walks it exactly once, up to a user at the interval limit with
//! the densest schedule over the longest window. And every route's query parameters: a name a
//! handler does not read is a 400 naming it.

use crate::helpers::{Reply, dev_app, http_api, invoke, slot};
use availability_api::api::{App, Clock, MAX_PAGE_BYTES, route_paths};
use availability_api::config::Config;
use availability_api::domain::timestamp::parse_timestamp;
use availability_api::store::MemoryStore;
use serde_json::{Value, json};

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

fn millis(text: &str) -> i64 {
    parse_timestamp(text).unwrap_or_else(|why| panic!("{text}: {why}"))
}

fn stamp(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .expect("in range")
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

async fn post(app: &App<MemoryStore>, user: &str, slots: Vec<Value>) {
    let event = http_api("POST", "/availability")
        .header("x-user-id", user)
        .json(json!({"availability": slots}));
    let reply = invoke(app, event.build()).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
}

async fn get(app: &App<MemoryStore>, user: &str, query: &str) -> Reply {
    let event = http_api("GET", "/availability")
        .header("x-user-id", user)
        .query(query);
    invoke(app, event.build()).await
}

fn raw_body(reply: &Reply) -> &str {
    reply.raw["body"].as_str().expect("a text body")
}

/// Every page of `GET /availability?{query}` from the first, following `next`: each asserted
/// 200 and within the page byte bound. `between` may change the app between pages.
async fn pages(
    mut app: App<MemoryStore>,
    user: &str,
    query: &str,
    between: impl Fn(App<MemoryStore>) -> App<MemoryStore>,
) -> Vec<Reply> {
    let mut pages: Vec<Reply> = Vec::new();
    loop {
        let paged = match pages.last().map(|page| &page.body["next"]) {
            None => query.to_owned(),
            Some(Value::String(next)) => format!("{query}&cursor={next}"),
            Some(_) => return pages,
        };
        let reply = get(&app, user, &paged).await;
        assert_eq!(reply.status, 200, "{}", reply.raw);
        let bytes = raw_body(&reply).len();
        assert!(
            bytes <= MAX_PAGE_BYTES,
            "page {}: {bytes} bytes",
            pages.len()
        );
        pages.push(reply);
        app = between(app);
    }
}

/// The intervals of every page, in order, as `[start, end]` milliseconds.
fn walked(pages: &[Reply]) -> Vec<(i64, i64)> {
    pages
        .iter()
        .flat_map(|page| {
            page.body["availability"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|shown| {
            let at = |name: &str| millis(shown[name].as_str().expect("a timestamp"));
            (at("start_time"), at("end_time"))
        })
        .collect()
}

#[tokio::test]
async fn an_answer_that_fits_one_page_is_the_unpaged_answer_byte_for_byte() {
    let app = dev_app();
    post(
        &app,
        "ana",
        vec![
            slot("2024-09-30T09:00:00Z", "2024-09-30T10:00:00Z"),
            slot("2024-09-30T13:00:00Z", "2024-09-30T14:30:00Z"),
        ],
    )
    .await;
    let reply = get(&app, "ana", "").await;
    assert_eq!(
        raw_body(&reply),
        r#"{"user_id":"ana","availability":[{"start_time":"2024-09-30T09:00:00Z","end_time":"2024-09-30T10:00:00Z"},{"start_time":"2024-09-30T13:00:00Z","end_time":"2024-09-30T14:30:00Z"}]}"#
    );
    let exact = get(&app, "ana", "limit=2").await;
    assert_eq!(
        raw_body(&exact),
        raw_body(&reply),
        "a full last page has no `next`"
    );
}

#[tokio::test]
async fn following_next_walks_every_interval_exactly_once() {
    let app = dev_app();
    let hours: Vec<(i64, i64)> = (0..7)
        .map(|i| {
            let start = millis("2024-09-30T00:00:00Z") + i * 120 * MINUTE;
            (start, start + 60 * MINUTE)
        })
        .collect();
    post(
        &app,
        "ana",
        hours
            .iter()
            .map(|&(s, e)| slot(&stamp(s), &stamp(e)))
            .collect(),
    )
    .await;
    let query = "from=2024-09-30T02:30:00Z&tz=Asia/Kathmandu&limit=2";
    let pages = pages(app, "ana", query, |app| app).await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|page| page.body["availability"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(
        sizes,
        [2, 2, 2],
        "the first hour ends before `from`, the second is clipped"
    );
    let mut expected = hours[1..].to_vec();
    expected[0].0 = millis("2024-09-30T02:30:00Z");
    assert_eq!(walked(&pages), expected);
    assert!(
        raw_body(&pages[0]).contains("+05:45"),
        "`tz` applies to every page"
    );
}

#[tokio::test]
async fn a_cursor_works_only_with_the_parameters_that_made_it() {
    let app = dev_app();
    let slots = (0..3)
        .map(|i| {
            let start = millis("2024-09-30T00:00:00Z") + i * 120 * MINUTE;
            slot(&stamp(start), &stamp(start + 60 * MINUTE))
        })
        .collect();
    post(&app, "ana", slots).await;
    let first = get(&app, "ana", "to=2024-10-01T00:00:00Z&limit=1").await;
    let next = first.body["next"].as_str().expect("more pages").to_owned();
    let same = get(
        &app,
        "ana",
        &format!("limit=2&to=2024-10-01T00:00:00Z&tz=UTC&cursor={next}"),
    )
    .await;
    assert_eq!(
        same.status, 200,
        "`limit` and `tz` may change between pages"
    );
    assert_eq!(same.body["availability"].as_array().map(Vec::len), Some(2));
    let refused = [
        format!("cursor={next}"),
        format!("to=2024-10-02T00:00:00Z&cursor={next}"),
        format!("to=2024-10-01T00:00:00Z&cursor={next}A"),
        "to=2024-10-01T00:00:00Z&cursor=AQAAAZJHakXA0-we3aNTg68".to_owned(),
        "cursor=".to_owned(),
    ];
    for query in refused {
        let reply = get(&app, "ana", &query).await;
        assert_eq!(reply.status, 400, "{query}");
        assert_eq!(reply.body["errors"][0]["pointer"], "?cursor", "{query}");
    }
    for query in ["limit=0", "limit=10001", "limit=ten", "limit=1&limit=2"] {
        let reply = get(&app, "ana", query).await;
        assert_eq!(reply.status, 400, "{query}");
        assert_eq!(reply.body["errors"][0]["pointer"], "?limit", "{query}");
    }
}

/// A read without `from`/`to` that expands a schedule covers 30 days from "now": every page
/// covers the first page's 30 days, however late the next is asked for.
#[tokio::test]
async fn pages_of_a_window_from_the_clock_keep_the_first_pages_window() {
    let now = millis("2026-03-01T10:20:30Z");
    let app = App::new(MemoryStore::new(), Config::dev()).with_clock(Clock::Fixed(now));
    let schedule = json!({"timezone": "UTC",
        "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "09:00", "end": "17:00"}]});
    let event = http_api("PUT", "/availability/schedule")
        .header("x-user-id", "ana")
        .json(schedule);
    assert_eq!(invoke(&app, event.build()).await.status, 200);
    let unpaged = get(&app, "ana", "").await;
    assert_eq!(unpaged.status, 200);
    let hour_later = |app: App<MemoryStore>| {
        let later = app.clock().now() + 60 * MINUTE;
        app.with_clock(Clock::Fixed(later))
    };
    let pages = pages(app, "ana", "limit=1", hour_later).await;
    assert_eq!(
        pages.len(),
        31,
        "10:20-17:00 today, 29 days, 09:00-10:20 in 30 days"
    );
    assert_eq!(walked(&pages), walked(std::slice::from_ref(&unpaged)));
    for page in &pages {
        assert_eq!(page.body["window"], unpaged.body["window"]);
    }
}

/// The most a user can hold: 100,000 slots (each with milliseconds on both ends) and the
/// densest schedule (100 rules a day), read over the longest window (400 days) in a zone with
/// an offset: 140,000 intervals, over 12 MB unpaged. Every page stays within the byte bound and
/// the pages hold exactly the expected intervals, in order.
#[tokio::test]
async fn a_user_at_the_interval_limit_reads_everything_in_bounded_pages() {
    let app = dev_app();
    let from = millis("2024-01-01T00:00:00Z");
    let days = 400;
    let rules: Vec<Value> = (0..100)
        .map(|i| {
            let (start, end) = (i * 10, i * 10 + 5);
            json!({
                "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "start": format!("{:02}:{:02}", start / 60, start % 60),
                "end": format!("{:02}:{:02}", end / 60, end % 60)
            })
        })
        .collect();
    let event = http_api("PUT", "/availability/schedule")
        .header("x-user-id", "heavy")
        .json(json!({"timezone": "UTC", "weekly": rules}));
    assert_eq!(invoke(&app, event.build()).await.status, 200);
    // 250 one-millisecond slots a day, after the schedule's last rule (16:35).
    let slots: Vec<(i64, i64)> = (0..100_000)
        .map(|i| {
            let start = from + (i / 250) * DAY + 17 * 60 * MINUTE + (i % 250) * 100_000 + 1;
            (start, start + 1)
        })
        .collect();
    for batch in slots.chunks(1000) {
        post(
            &app,
            "heavy",
            batch
                .iter()
                .map(|&(s, e)| slot(&stamp(s), &stamp(e)))
                .collect(),
        )
        .await;
    }
    let mut expected: Vec<(i64, i64)> = (0..days)
        .flat_map(|day| {
            (0..100).map(move |i| {
                let start = from + day * DAY + i * 10 * MINUTE;
                (start, start + 5 * MINUTE)
            })
        })
        .chain(slots)
        .collect();
    expected.sort_unstable();
    assert_eq!(expected.len(), 140_000);

    let query = format!(
        "from={}&to={}&tz=Asia/Kathmandu",
        stamp(from),
        stamp(from + days * DAY)
    );
    let pages = pages(app, "heavy", &query, |app| app).await;
    let bytes: usize = pages.iter().map(|page| raw_body(page).len()).sum();
    assert!(bytes > 12_000_000, "{bytes} bytes in all");
    assert_eq!(
        pages.len(),
        7,
        "as many intervals as fit 2 MiB at 100 bytes each"
    );
    assert_eq!(walked(&pages), expected);
}

/// Every route and method, with a query parameter no handler reads.
#[tokio::test]
async fn every_route_refuses_a_query_parameter_it_does_not_read() {
    let app = dev_app();
    for (template, methods) in route_paths() {
        // The booking pages ignore a query string: people share their links with tracking
        // parameters (tests/api/page.rs).
        if matches!(template, "/book/{user_id}/{slug}" | "/book/manage/{token}") {
            continue;
        }
        let path = template.replace("{user_id_2}", "user456").replace(
            "{token}",
            "dXNlcjEyMw.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAA",
        );
        for method in methods.iter().map(|m| m.as_str()).chain(["HEAD"]) {
            if method == "HEAD" && !methods.iter().any(|m| m == "GET") {
                continue;
            }
            let event = http_api(method, &path).query("too=2024-09-30T00:00:00Z");
            let reply = invoke(&app, event.build()).await;
            assert_eq!(reply.status, 400, "{method} {path}");
            if method != "HEAD" {
                assert_eq!(
                    reply.body["errors"][0]["pointer"], "?too",
                    "{method} {path}"
                );
            }
        }
    }
    // Named even beside a body, and beside the parameters the route does read.
    let delete = http_api("DELETE", "/availability")
        .query("strat_time=2024-09-30T09:00:00Z")
        .json(slot("2024-09-30T09:00:00Z", "2024-09-30T10:00:00Z"));
    let reply = invoke(&app, delete.build()).await;
    assert_eq!(reply.body["errors"][0]["pointer"], "?strat_time");
    let reply = get(&app, "ana", "from=2024-09-30T00:00:00Z&form=x&limit=2").await;
    assert_eq!(reply.status, 400);
    assert!(reply.error().contains("?form"), "{}", reply.error());
    assert!(
        reply.error().contains("from, to, tz, limit, cursor"),
        "{}",
        reply.error()
    );
}

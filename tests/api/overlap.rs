//! `GET`/`POST /overlap` with every parameter: many users, windows, quorum, slots on a zone's
//! grid, paging, and a 400 naming the parameter for every bad request.

use crate::helpers::{Reply, dev_app, http_api, intervals, invoke, slot};
use availability_api::api::App;
use availability_api::store::{MemoryStore, Scope};
use serde_json::{Value, json};

/// Monday 2024-10-07 at `hh:mm` UTC.
fn at(time: &str) -> String {
    format!("2024-10-07T{time}:00Z")
}

async fn set(app: &App<MemoryStore>, user: &str, pairs: &[(&str, &str)]) {
    let slots: Vec<Value> = pairs.iter().map(|(s, e)| slot(&at(s), &at(e))).collect();
    let body = json!({"user_id": user, "availability": slots});
    let reply = invoke(app, http_api("POST", "/availability").json(body).build()).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
}

/// user123 (the caller in dev mode) 09-12 and 13-17, user456 10-14, user789 11-16. Who is
/// free: 09-10 {123}, 10-11 {123,456}, 11-12 all, 12-13 {456,789}, 13-14 all, 14-16
/// {123,789}, 16-17 {123}.
async fn three_users() -> App<MemoryStore> {
    let app = dev_app();
    set(&app, "user123", &[("09:00", "12:00"), ("13:00", "17:00")]).await;
    set(&app, "user456", &[("10:00", "14:00")]).await;
    set(&app, "user789", &[("11:00", "16:00")]).await;
    app
}

async fn get(app: &App<MemoryStore>, query: &str) -> Reply {
    invoke(app, http_api("GET", "/overlap").query(query).build()).await
}

async fn post(app: &App<MemoryStore>, body: Value) -> Reply {
    invoke(app, http_api("POST", "/overlap").json(body).build()).await
}

fn ok(reply: &Reply) -> &Value {
    assert_eq!(reply.status, 200, "{}", reply.raw);
    &reply.body
}

/// Times as `hh:mm` pairs on the test day.
fn times(pairs: &[(&str, &str)]) -> Value {
    let full: Vec<(String, String)> = pairs.iter().map(|(s, e)| (at(s), at(e))).collect();
    let refs: Vec<(&str, &str)> = full.iter().map(|(s, e)| (s.as_str(), e.as_str())).collect();
    intervals(&refs)
}

/// Times with the `users` free in each.
fn with_users(found: &[(&str, &str, &[&str])]) -> Value {
    Value::Array(
        found
            .iter()
            .map(|(s, e, users)| json!({"start_time": at(s), "end_time": at(e), "users": users}))
            .collect(),
    )
}

/// A 400 whose first field error points at `pointer` and whose sentence names it.
fn assert_refused(reply: &Reply, pointer: &str) {
    assert_eq!(reply.status, 400, "{pointer}: {}", reply.raw);
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    assert_eq!(reply.body["errors"][0]["pointer"], pointer, "{}", reply.raw);
    assert!(reply.error().starts_with(pointer), "{}", reply.error());
}

#[tokio::test]
async fn the_seed_forms_answer_byte_for_byte_as_before() {
    let app = three_users().await;
    let expected = r#"{"overlap":[{"start_time":"2024-10-07T10:00:00Z","end_time":"2024-10-07T12:00:00Z"},{"start_time":"2024-10-07T13:00:00Z","end_time":"2024-10-07T14:00:00Z"}]}"#;
    for event in [
        http_api("GET", "/overlap/user456"),
        http_api("GET", "/overlap").query("user_id_2=user456"),
        http_api("GET", "/overlap").json(json!({"user_id_2": "user456"})),
    ] {
        let reply = invoke(&app, event.build()).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.raw["body"], expected);
        assert_eq!(
            reply.header("content-type").as_deref(),
            Some("application/json")
        );
    }
    let unknown = get(&app, "user_id_2=nobody").await;
    assert_eq!(unknown.raw["body"], r#"{"overlap":[]}"#);
}

#[tokio::test]
async fn users_name_more_participants_in_every_form_and_repeats_count_once() {
    let app = three_users().await;
    let everyone = json!({"overlap": times(&[("11:00", "12:00"), ("13:00", "14:00")])});
    for query in [
        "users=user456,user789",
        "users=user789&users=user456",
        "user_id_2=user456&user_id_2=user789",
        "user_id_2=user456&users=user789",
        "users=user789,user123,user456,user456",
    ] {
        assert_eq!(ok(&get(&app, query).await), &everyone, "{query}");
    }
    let path_and_users = http_api("GET", "/overlap/user456").query("users=user789");
    assert_eq!(ok(&invoke(&app, path_and_users.build()).await), &everyone);
    let body = post(&app, json!({"users": ["user456", "user789"]})).await;
    assert_eq!(ok(&body), &everyone);
    // Naming only yourself: your own availability.
    let alone = get(&app, "users=user123").await;
    assert_eq!(
        ok(&alone),
        &json!({"overlap": times(&[("09:00", "12:00"), ("13:00", "17:00")])})
    );
    // An unknown user has no availability.
    let with_nobody = get(&app, "users=user456,nobody").await;
    assert_eq!(ok(&with_nobody), &json!({"overlap": []}));
    // A raw `+` in a query string arrives as a space; ids hold none, so it is read as `+`.
    set(&app, "a+b", &[("11:30", "12:30")]).await;
    assert_eq!(
        ok(&get(&app, "users=a+b").await),
        &json!({"overlap": times(&[("11:30", "12:00")])})
    );
}

#[tokio::test]
async fn from_and_to_clip_and_min_duration_drops_short_intervals() {
    let app = three_users().await;
    let window = format!("users=user456&from={}&to={}", at("11:30"), at("13:30"));
    assert_eq!(
        ok(&get(&app, &window).await),
        &json!({"overlap": times(&[("11:30", "12:00"), ("13:00", "13:30")])})
    );
    let only_from = format!("users=user456&from={}", at("11:00"));
    assert_eq!(
        ok(&get(&app, &only_from).await),
        &json!({"overlap": times(&[("11:00", "12:00"), ("13:00", "14:00")])})
    );
    for min in ["90", "PT1H30M", "PT61M"] {
        let query = format!("users=user456&min_duration={min}");
        assert_eq!(
            ok(&get(&app, &query).await),
            &json!({"overlap": times(&[("10:00", "12:00")])}),
            "{min}"
        );
    }
    let exactly_an_hour = get(&app, "users=user456&min_duration=PT1H").await;
    assert_eq!(
        ok(&exactly_an_hour)["overlap"].as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn a_quorum_lists_who_is_free_in_each_interval() {
    let app = three_users().await;
    let (all, a, b, c) = (
        &["user123", "user456", "user789"][..],
        &["user123", "user456"][..],
        &["user456", "user789"][..],
        &["user123", "user789"][..],
    );
    let reply = get(&app, "users=user456,user789&quorum=2").await;
    assert_eq!(
        ok(&reply),
        &json!({"overlap": with_users(&[
            ("10:00", "11:00", a),
            ("11:00", "12:00", all),
            ("12:00", "13:00", b),
            ("13:00", "14:00", all),
            ("14:00", "16:00", c),
        ])})
    );
    let one = get(
        &app,
        "users=user456,user789&quorum=1&to=2024-10-07T10:30:00Z",
    )
    .await;
    assert_eq!(
        ok(&one),
        &json!({"overlap": with_users(&[
            ("09:00", "10:00", &["user123"]),
            ("10:00", "10:30", a),
        ])})
    );
    // A quorum of everyone is the default: no `users` lists.
    let everyone = get(&app, "users=user456,user789&quorum=3").await;
    assert_eq!(
        ok(&everyone),
        &json!({"overlap": times(&[("11:00", "12:00"), ("13:00", "14:00")])})
    );
}

#[tokio::test]
async fn slots_fit_the_step_grid_inside_buffered_free_time() {
    let app = three_users().await;
    // user123 and user456 are both free 10-12 and 13-14.
    let half_hours = get(&app, "users=user456&duration=PT30M").await;
    assert_eq!(
        ok(&half_hours),
        &json!({"slots": times(&[
            ("10:00", "10:30"), ("10:30", "11:00"), ("11:00", "11:30"), ("11:30", "12:00"),
            ("13:00", "13:30"), ("13:30", "14:00"),
        ])})
    );
    let hour_every_quarter = get(&app, "users=user456&duration=60&step=15").await;
    assert_eq!(
        ok(&hour_every_quarter),
        &json!({"slots": times(&[
            ("10:00", "11:00"), ("10:15", "11:15"), ("10:30", "11:30"), ("10:45", "11:45"),
            ("11:00", "12:00"), ("13:00", "14:00"),
        ])})
    );
    let buffered = get(
        &app,
        "users=user456&duration=PT30M&buffer_before=PT15M&buffer_after=15",
    )
    .await;
    assert_eq!(
        ok(&buffered),
        &json!({"slots": times(&[("10:30", "11:00"), ("11:00", "11:30")])})
    );
    let with_quorum = get(&app, "users=user456,user789&quorum=2&duration=PT2H").await;
    assert_eq!(
        ok(&with_quorum),
        &json!({"slots": with_users(&[
            ("10:00", "12:00", &["user123", "user456"]),
            ("12:00", "14:00", &["user456", "user789"]),
            ("14:00", "16:00", &["user123", "user789"]),
        ])})
    );
    let windowed = get(
        &app,
        "users=user456&duration=PT30M&from=2024-10-07T11:00:00Z&to=2024-10-07T13:30:00Z",
    )
    .await;
    assert_eq!(
        ok(&windowed),
        &json!({"slots": times(&[("11:00", "11:30"), ("11:30", "12:00"), ("13:00", "13:30")])})
    );
}

/// Intervals on 2024-10-07 written with a zone's offset, as a read with that `tz` shows them.
fn local_times(offset: &str, pairs: &[(&str, &str)]) -> Value {
    let local = |time: &str| format!("2024-10-07T{time}:00{offset}");
    Value::Array(
        pairs
            .iter()
            .map(|(s, e)| json!({"start_time": local(s), "end_time": local(e)}))
            .collect(),
    )
}

#[tokio::test]
async fn tz_aligns_the_slot_grid_to_the_zone_s_hours_and_shows_its_offsets() {
    let app = three_users().await;
    // India is UTC+05:30: its top of the hour is half past in UTC (10:30Z is 16:00 there).
    let kolkata = get(&app, "users=user456&duration=PT1H&tz=Asia/Kolkata").await;
    assert_eq!(
        ok(&kolkata),
        &json!({"slots": local_times("+05:30", &[("16:00", "17:00")])})
    );
    let kathmandu = get(&app, "users=user456&duration=PT1H&tz=Asia/Kathmandu").await;
    assert_eq!(
        ok(&kathmandu),
        &json!({"slots": local_times("+05:45", &[("16:00", "17:00")])})
    );
    // `Etc/GMT+5` (UTC-5) with its `+` decoded as a space by form rules still parses; a
    // whole-hour offset keeps the UTC grid.
    let gmt_plus_five = get(&app, "users=user456&duration=PT1H&tz=Etc/GMT+5").await;
    assert_eq!(
        ok(&gmt_plus_five),
        &json!({"slots": local_times("-05:00", &[("05:00", "06:00"), ("06:00", "07:00"), ("08:00", "09:00")])})
    );
    // Without `duration`, `tz` changes only how the times are written.
    let intervals_only = get(&app, "users=user456&tz=Asia/Kolkata").await;
    let utc = get(&app, "users=user456").await;
    assert_eq!(
        ok(&intervals_only)["overlap"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(
        ok(&intervals_only)["overlap"][0]["start_time"]
            .as_str()
            .map(|t| t.ends_with("+05:30")),
        Some(true)
    );
    assert_eq!(ok(&utc)["overlap"].as_array().map(Vec::len), Some(2));
    let unknown = get(&app, "users=user456&duration=PT1H&tz=Mars/Olympus_Mons").await;
    assert_refused(&unknown, "?tz");
    let wrong_case = get(&app, "users=user456&tz=asia/kolkata").await;
    assert_refused(&wrong_case, "?tz");
    assert!(
        wrong_case.error().contains("Asia/Kolkata"),
        "{}",
        wrong_case.error()
    );
}

/// Every page of `query` (which must not hold `limit`), following `next`.
async fn all_pages(app: &App<MemoryStore>, query: &str, limit: usize, key: &str) -> Vec<Value> {
    let mut found = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let mut paged = format!("{query}&limit={limit}");
        if let Some(cursor) = &cursor {
            paged.push_str(&format!("&cursor={cursor}"));
        }
        let reply = get(app, &paged).await;
        let body = ok(&reply);
        let page = body[key].as_array().expect("a list").clone();
        assert!(page.len() <= limit);
        found.extend(page);
        match body.get("next") {
            Some(next) => cursor = Some(next.as_str().expect("next is a string").to_owned()),
            None => return found,
        }
    }
    panic!("paging did not end");
}

#[tokio::test]
async fn paging_through_every_page_gives_the_unpaged_result() {
    let app = three_users().await;
    for (query, key) in [
        ("users=user456,user789&quorum=2", "overlap"),
        ("users=user456,user789&quorum=1", "overlap"),
        ("users=user456&duration=PT15M&step=PT5M", "slots"),
        ("users=user456,user789&quorum=2&duration=PT30M", "slots"),
        ("users=user456&min_duration=PT30M", "overlap"),
    ] {
        let whole = get(&app, query).await;
        let whole = ok(&whole).clone();
        assert!(whole.get("next").is_none(), "{query}: fits one page");
        let expected = whole[key].as_array().expect("a list").clone();
        assert!(expected.len() >= 2, "{query}");
        for limit in [1, 2, 3, expected.len()] {
            assert_eq!(
                all_pages(&app, query, limit, key).await,
                expected,
                "{query} by {limit}"
            );
        }
    }
    // A page exactly as long as the result has no `next`.
    let exact = get(&app, "users=user456&limit=2").await;
    assert!(ok(&exact).get("next").is_none());
}

#[tokio::test]
async fn a_cursor_only_works_with_the_parameters_that_made_it() {
    let app = three_users().await;
    let first = get(&app, "users=user456,user789&quorum=2&limit=2").await;
    let next = ok(&first)["next"].as_str().expect("more pages").to_owned();
    assert!(
        next.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "URL-safe: {next}"
    );
    // The same question spelt differently is the same query; the limit may change.
    for same in [
        format!("quorum=2&users=user789,user456&cursor={next}"),
        format!("user_id_2=user789&users=user456,user123&quorum=2&limit=1&cursor={next}"),
    ] {
        let reply = get(&app, &same).await;
        assert_eq!(
            ok(&reply)["overlap"][0]["start_time"],
            at("12:00"),
            "{same}"
        );
    }
    let body_form = post(
        &app,
        json!({"users": ["user456", "user789"], "quorum": 2, "cursor": next}),
    )
    .await;
    assert_eq!(ok(&body_form)["overlap"][0]["start_time"], at("12:00"));
    for other in [
        format!("users=user456,user789&quorum=1&cursor={next}"),
        format!("users=user456&quorum=2&cursor={next}"),
        format!(
            "users=user456,user789&quorum=2&from={}&cursor={next}",
            at("08:00")
        ),
        format!("users=user456,user789&quorum=2&duration=30&cursor={next}"),
        "users=user456,user789&quorum=2&cursor=not-a-cursor".to_owned(),
        "users=user456,user789&quorum=2&cursor=".to_owned(),
        format!("users=user456,user789&quorum=2&cursor={next}A"),
    ] {
        assert_refused(&get(&app, &other).await, "?cursor");
    }
    // Another caller asks another question.
    let as_someone_else = http_api("GET", "/overlap")
        .query(&format!("users=user456,user789&quorum=2&cursor={next}"))
        .header("x-user-id", "user456");
    assert_refused(&invoke(&app, as_someone_else.build()).await, "?cursor");
}

#[tokio::test]
async fn the_body_form_answers_as_the_query_form() {
    let app = three_users().await;
    let query = "users=user456,user789&quorum=2&from=2024-10-07T09:30:00Z&to=2024-10-07T15:00:00Z&duration=PT30M&step=PT15M&buffer_after=PT15M&tz=Asia/Kolkata&limit=3";
    let body = json!({
        "users": ["user456", "user789"],
        "quorum": 2,
        "from": "2024-10-07T09:30:00Z",
        "to": "2024-10-07T15:00:00Z",
        "duration": 30,
        "step": "PT15M",
        "buffer_after": "15",
        "tz": "Asia/Kolkata",
        "limit": 3,
    });
    let by_query = get(&app, query).await;
    let by_post = post(&app, body.clone()).await;
    assert_eq!(ok(&by_post), ok(&by_query));
    assert_eq!(by_query.body["slots"].as_array().map(Vec::len), Some(3));
    assert!(by_query.body["next"].is_string());
    // A GET with a body, as the seed's clients send, reads the same parameters.
    let get_with_body = invoke(&app, http_api("GET", "/overlap").json(body).build()).await;
    assert_eq!(ok(&get_with_body), ok(&by_query));
    // `null` members count as absent.
    let nulls = post(
        &app,
        json!({"users": ["user456"], "quorum": null, "tz": null}),
    )
    .await;
    assert_eq!(
        ok(&nulls),
        &json!({"overlap": times(&[("10:00", "12:00"), ("13:00", "14:00")])})
    );
    // Query and body combine, each parameter given once.
    let mixed = invoke(
        &app,
        http_api("POST", "/overlap")
            .query("quorum=2&limit=3")
            .json(json!({"users": ["user456", "user789"]}))
            .build(),
    )
    .await;
    assert_eq!(
        ok(&mixed)["overlap"],
        ok(&get(&app, "users=user456,user789&quorum=2&limit=3").await)["overlap"]
    );
}

#[tokio::test]
async fn every_bad_parameter_is_a_400_that_names_it() {
    let app = three_users().await;
    let cases = [
        ("users=user456&duration=0", "?duration"),
        ("users=user456&duration=PT0S", "?duration"),
        ("users=user456&duration=P1M", "?duration"),
        ("users=user456&duration=-PT5M", "?duration"),
        ("users=user456&duration=soon", "?duration"),
        ("users=user456&duration=30&step=0", "?step"),
        ("users=user456&duration=30&step=P2D", "?step"),
        ("users=user456&step=15", "?step"),
        ("users=user456&buffer_before=15", "?buffer_before"),
        ("users=user456&duration=30&buffer_after=x", "?buffer_after"),
        (
            "users=user456&duration=30&buffer_before=PT24H1M",
            "?buffer_before",
        ),
        (
            "users=user456&duration=30&buffer_after=P3650000D",
            "?buffer_after",
        ),
        ("users=user456&quorum=0", "?quorum"),
        ("users=user456&quorum=3", "?quorum"),
        ("users=user456&quorum=two", "?quorum"),
        ("users=user456&quorum=-1", "?quorum"),
        ("users=user456&quorum=99999999999999999999999", "?quorum"),
        (
            "users=user456&from=2024-10-07T12:00:00Z&to=2024-10-07T12:00:00Z",
            "?from",
        ),
        (
            "users=user456&from=2024-10-07T13:00:00Z&to=2024-10-07T12:00:00Z",
            "?from",
        ),
        ("users=user456&from=2024-10-07T12:00:00", "?from"),
        ("users=user456&to=tomorrow", "?to"),
        (
            "users=user456&from=2024-10-07T12:00:00Z&from=2024-10-07T13:00:00Z",
            "?from",
        ),
        ("users=user456&min_duration=30&duration=30", "?min_duration"),
        ("users=user456&min_duration=later", "?min_duration"),
        ("users=user456&limit=0", "?limit"),
        ("users=user456&limit=10001", "?limit"),
        ("users=user456&limit=many", "?limit"),
        ("users=user456&limit=1&limit=2", "?limit"),
        ("users=user456&tz=Nowhere/City", "?tz"),
        ("users=user456&tz=UTC&tz=UTC", "?tz"),
        ("users=user456&cursor=AAAA", "?cursor"),
        ("users=user456&qourum=2", "?qourum"),
        ("users=user456,a%2Fb", "?users"),
        ("users=user456,", "?users"),
        ("user_id_2=", "?user_id_2"),
    ];
    for (query, pointer) in cases {
        assert_refused(&get(&app, query).await, pointer);
    }
    let body_cases = [
        (json!({"users": "user456"}), "/users"),
        (json!({"users": ["user456", 7]}), "/users/1"),
        (json!({"users": ["user456", "a b"]}), "/users/1"),
        (json!({"users": ["user456"], "quorum": "2"}), "/quorum"),
        (json!({"users": ["user456"], "quorum": 1.5}), "/quorum"),
        (json!({"users": ["user456"], "limit": 0}), "/limit"),
        (json!({"users": ["user456"], "duration": -30}), "/duration"),
        (json!({"users": ["user456"], "duration": true}), "/duration"),
        (json!({"users": ["user456"], "from": 1728288000}), "/from"),
        (json!({"users": ["user456"], "tz": "Mars/Base"}), "/tz"),
        (json!({"users": ["user456"], "bogus": 1}), "/bogus"),
        (json!(["user456"]), ""),
    ];
    for (body, pointer) in body_cases {
        assert_refused(&post(&app, body).await, pointer);
    }
    // Given both in the query and in the body: once is the rule.
    let twice = invoke(
        &app,
        http_api("POST", "/overlap")
            .query("quorum=2")
            .json(json!({"users": ["user456"], "quorum": 2}))
            .build(),
    )
    .await;
    assert_refused(&twice, "/quorum");
    // Nobody named, or two different users for the path form.
    for event in [
        http_api("GET", "/overlap"),
        http_api("POST", "/overlap"),
        http_api("GET", "/overlap/user456").query("user_id_2=user789"),
    ] {
        let reply = invoke(&app, event.build()).await;
        assert_eq!(reply.status, 400, "{}", reply.raw);
    }
}

#[tokio::test]
async fn more_than_100_participants_is_a_400_that_says_the_limit() {
    let app = three_users().await;
    let ninety_nine: Vec<String> = (0..99).map(|i| format!("u{i}")).collect();
    let fits = get(&app, &format!("users={}", ninety_nine.join(","))).await;
    assert_eq!(ok(&fits), &json!({"overlap": []}));
    let hundred: Vec<String> = (0..100).map(|i| format!("u{i}")).collect();
    let query_form = get(&app, &format!("users={}", hundred.join(","))).await;
    assert_refused(&query_form, "?users");
    assert!(query_form.error().contains("100"), "{}", query_form.error());
    assert!(query_form.error().contains("101"), "{}", query_form.error());
    // Counted before ids are checked: a long list of bad ids is one short answer.
    let many_bad: Vec<String> = (0..50_000).map(|i| format!("bad id {i}")).collect();
    let body_form = post(&app, json!({ "users": many_bad })).await;
    assert_refused(&body_form, "/users");
    assert!(body_form.raw["body"].as_str().map_or(0, str::len) < 1000);
    // Repeats of one bad id are one error.
    let repeated = post(&app, json!({"users": vec!["a b"; 10_000]})).await;
    assert_refused(&repeated, "/users/0");
    assert_eq!(repeated.body["errors"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn overlap_allows_get_and_post_and_their_companions_only() {
    let app = three_users().await;
    for method in ["PUT", "DELETE", "PATCH"] {
        let reply = invoke(&app, http_api(method, "/overlap/user456").build()).await;
        assert_eq!(reply.status, 405, "{method}");
        assert_eq!(
            reply.header("allow").as_deref(),
            Some("GET, POST, HEAD, OPTIONS")
        );
    }
}

#[tokio::test]
async fn a_full_page_of_short_slots_stays_far_below_the_payload_limit() {
    let app = dev_app();
    // A week free together: 10,080 one-minute slots, more than the largest page.
    let week = json!([slot("2024-10-07T00:00:00Z", "2024-10-14T00:00:00Z")]);
    for user in ["user123", "user456"] {
        let body = json!({"user_id": user, "availability": week});
        let reply = invoke(&app, http_api("POST", "/availability").json(body).build()).await;
        assert_eq!(reply.status, 200);
    }
    let reply = get(&app, "users=user456&duration=1&limit=10000").await;
    assert_eq!(ok(&reply)["slots"].as_array().map(Vec::len), Some(10_000));
    assert!(reply.body["next"].is_string());
    let bytes = reply.raw["body"].as_str().map_or(0, str::len);
    assert!(bytes < availability_api::api::MAX_PAGE_BYTES, "{bytes}");
    let default_page = get(&app, "users=user456&duration=1").await;
    assert_eq!(
        ok(&default_page)["slots"].as_array().map(Vec::len),
        Some(1000)
    );
}

#[tokio::test]
async fn pages_listing_many_long_user_ids_are_shortened_to_stay_under_the_byte_bound() {
    let app = dev_app();
    // 100 participants with the longest ids, all free in the same 300 separate hours.
    let hours: Vec<Value> = (0..300)
        .map(|i| {
            let start = 1_728_259_200 + i * 7200;
            let stamp = |s: i64| {
                chrono::DateTime::from_timestamp(s, 0)
                    .expect("in range")
                    .to_rfc3339()
            };
            slot(&stamp(start), &stamp(start + 3600))
        })
        .collect();
    let ids: Vec<String> = (0..99).map(|i| format!("{i:0>128}")).collect();
    for user in ids.iter().map(String::as_str).chain(["user123"]) {
        let body = json!({"user_id": user, "availability": hours});
        let reply = invoke(&app, http_api("POST", "/availability").json(body).build()).await;
        assert_eq!(reply.status, 200);
    }
    let body = json!({"users": ids, "quorum": 1, "limit": 10000});
    let first = post(&app, body.clone()).await;
    let page = ok(&first)["overlap"].as_array().expect("a list").len();
    assert!((1..300).contains(&page), "{page}");
    assert_eq!(
        first.body["overlap"][0]["users"].as_array().map(Vec::len),
        Some(100)
    );
    let bytes = first.raw["body"].as_str().map_or(0, str::len);
    assert!(bytes < availability_api::api::MAX_PAGE_BYTES, "{bytes}");
    // Following `next` still reaches every hour.
    let mut total = page;
    let mut next = first.body["next"].clone();
    while let Some(cursor) = next.as_str() {
        let mut again = body.clone();
        again["cursor"] = json!(cursor);
        let reply = post(&app, again).await;
        total += ok(&reply)["overlap"].as_array().map_or(0, Vec::len);
        next = reply.body["next"].clone();
    }
    assert_eq!(total, 300);
}

#[tokio::test]
async fn a_body_of_thousands_of_unknown_members_gets_a_short_answer() {
    let app = three_users().await;
    let members: serde_json::Map<String, Value> =
        (0..5000).map(|i| (format!("bogus{i}"), json!(i))).collect();
    let reply = post(&app, Value::Object(members)).await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body["errors"].as_array().map(Vec::len),
        Some(availability_api::api::MAX_FIELD_ERRORS)
    );
    assert!(reply.error().contains("4999 more"), "{}", reply.error());
}

/// `users` each holding `per_user` ten-second slots spread over the 30 days from 2024-10-01,
/// written straight to the store (as many POSTs would).
async fn dense_users(users: &[&str], per_user: i64) -> App<MemoryStore> {
    use availability_api::domain::{Interval, IntervalSet};
    use availability_api::store::AvailabilityStore;
    let app = dev_app();
    let start = 1_727_740_800_000; // 2024-10-01T00:00:00Z
    let spacing = 30 * 24 * 3_600_000 / per_user;
    let slots = IntervalSet::from_normalized(
        (0..per_user)
            .map(|i| Interval::new(start + i * spacing, start + i * spacing + 10_000))
            .collect::<Option<Vec<_>>>()
            .expect("valid intervals"),
    );
    for user in users {
        app.store()
            .update(user, None, Scope::EVERYTHING, |current| {
                Ok::<_, ()>(availability_api::domain::UserRecord {
                    slots: slots.clone(),
                    ..current.clone()
                })
            })
            .await
            .expect("seeded");
    }
    app
}

#[tokio::test]
async fn participants_holding_too_many_intervals_in_the_window_are_a_413_naming_the_budget() {
    use availability_api::api::MAX_LOADED_INTERVALS;
    let per_user = 100_000;
    let users = ["user123", "a", "b", "c", "d", "e"];
    assert!(users.len() as i64 * per_user > MAX_LOADED_INTERVALS as i64);
    let app = dense_users(&users, per_user).await;
    let month = "from=2024-10-01T00:00:00Z&to=2024-10-31T00:00:00Z";

    let over = get(&app, &format!("users=a,b,c,d,e&{month}")).await;
    assert_eq!(over.status, 413, "{}", over.raw);
    assert!(
        over.error().contains(&MAX_LOADED_INTERVALS.to_string()),
        "names the budget: {}",
        over.raw
    );
    // The budget counts what lies within the window only.
    let one_day = "from=2024-10-01T00:00:00Z&to=2024-10-02T00:00:00Z";
    let within = get(&app, &format!("users=a,b,c,d,e&{one_day}")).await;
    assert!(
        ok(&within)["overlap"]
            .as_array()
            .is_some_and(|found| !found.is_empty())
    );
    // Exactly the budget is accepted.
    let at_budget = get(&app, &format!("users=a,b,c,d&{month}")).await;
    assert_eq!(at_budget.status, 200, "{}", at_budget.raw);
}

#[tokio::test]
async fn expanding_too_many_schedule_days_is_a_413_before_any_expansion() {
    use availability_api::api::MAX_SCHEDULE_DAYS;
    let app = dev_app();
    let schedule = serde_json::json!({
        "timezone": "Europe/Berlin",
        "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}]
    });
    let users: Vec<String> = (0..25).map(|i| format!("s{i:02}")).collect();
    for user in std::iter::once("user123").chain(users.iter().map(String::as_str)) {
        let reply = invoke(
            &app,
            http_api("PUT", "/availability/schedule")
                .header("x-user-id", user)
                .json(schedule.clone())
                .build(),
        )
        .await;
        assert_eq!(reply.status, 200, "{}", reply.raw);
    }
    let days = 400;
    let window = "from=2025-01-01T00:00:00Z&to=2026-02-05T00:00:00Z";
    // 26 schedules (the caller's too) over 400 days is over the budget; 25 is exactly it.
    assert!(26 * days > MAX_SCHEDULE_DAYS && 25 * days == MAX_SCHEDULE_DAYS);
    let over = get(&app, &format!("users={}&{window}", users.join(","))).await;
    assert_eq!(over.status, 413, "{}", over.raw);
    assert!(
        over.error().contains(&MAX_SCHEDULE_DAYS.to_string()),
        "names the budget: {}",
        over.raw
    );
    let at_budget = get(&app, &format!("users={}&{window}", users[..24].join(","))).await;
    assert_eq!(at_budget.status, 200, "{}", at_budget.raw);
}

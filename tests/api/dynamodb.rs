//! Two handler instances sharing one table, as two Lambda instances do: each `App` has its own
//! store and SDK client. Runs with `--features dynamodb` against a local moto server.

use crate::helpers::{Reply, http_api, intervals, invoke, slot};
use crate::moto::{fresh_table, store_on};
use availability_api::api::App;
use availability_api::config::Config;
use availability_api::domain::Interval;
use availability_api::store::dynamodb::client_config;
use availability_api::store::{AvailabilityStore, DynamoDbStore, StoreError};
use aws_sdk_dynamodb::config::retry::RetryConfig;
use serde_json::{Value, json};
use std::sync::Arc;

async fn instance(table: &str) -> App<DynamoDbStore> {
    App::new(store_on(table).await, Config::dev())
}

fn hour(h: u32) -> String {
    format!("2024-09-30T{h:02}:00:00Z")
}

async fn post(app: &App<DynamoDbStore>, user: &str, from: u32, if_match: Option<&str>) -> Reply {
    let mut event = http_api("POST", "/availability").header("x-user-id", user);
    if let Some(etag) = if_match {
        event = event.header("if-match", etag);
    }
    let body = json!({"availability": [slot(&hour(from), &hour(from + 1))]});
    invoke(app, event.json(body).build()).await
}

async fn get(app: &App<DynamoDbStore>, user: &str) -> Reply {
    let event = http_api("GET", "/availability").header("x-user-id", user);
    let reply = invoke(app, event.build()).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    reply
}

#[tokio::test]
async fn what_one_instance_writes_the_other_reads() {
    let table = fresh_table().await;
    let (first, second) = (instance(&table).await, instance(&table).await);
    assert_eq!(post(&first, "ana", 9, None).await.status, 200);
    let read = get(&second, "ana").await;
    assert_eq!(
        read.body["availability"],
        intervals(&[(&hour(9), &hour(10))])
    );
    assert_eq!(read.header("etag").as_deref(), Some("\"1\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_writes_through_two_instances_all_survive() {
    let table = fresh_table().await;
    let instances = [
        Arc::new(instance(&table).await),
        Arc::new(instance(&table).await),
    ];
    // Distinct, non-touching hours: each write must show up as its own interval.
    let writers: Vec<_> = (0..12u32)
        .map(|i| {
            let app = Arc::clone(&instances[i as usize % 2]);
            tokio::spawn(async move { post(&app, "ben", 2 * i, None).await.status })
        })
        .collect();
    for writer in writers {
        assert_eq!(writer.await.expect("the writer task finished"), 200);
    }
    let read = get(&instances[0], "ben").await;
    let expected: Vec<Value> = (0..12)
        .map(|i| slot(&hour(2 * i), &hour(2 * i + 1)))
        .collect();
    assert_eq!(read.body["availability"], Value::Array(expected));
    assert_eq!(read.header("etag").as_deref(), Some("\"12\""));
}

#[tokio::test]
async fn an_etag_read_through_one_instance_guards_writes_through_the_other() {
    let table = fresh_table().await;
    let (first, second) = (instance(&table).await, instance(&table).await);
    post(&first, "cy", 9, None).await;
    let etag = get(&first, "cy")
        .await
        .header("etag")
        .expect("GET has an ETag");
    assert_eq!(post(&second, "cy", 12, Some(&etag)).await.status, 200);
    assert_eq!(post(&first, "cy", 15, Some(&etag)).await.status, 412);
}

#[tokio::test]
async fn an_unreachable_table_answers_503_with_retry_after() {
    // A port nothing listens on: connections are refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let config = client_config()
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .retry_config(RetryConfig::disabled())
        .build();
    let store = DynamoDbStore::new(aws_sdk_dynamodb::Client::from_conf(config), "any");
    let app = App::new(store, Config::dev());
    let reply = invoke(&app, http_api("GET", "/availability").build()).await;
    assert_eq!(reply.status, 503, "{}", reply.raw);
    assert_eq!(reply.header("retry-after").as_deref(), Some("1"));
}

#[tokio::test]
async fn a_table_that_never_answers_is_a_503_within_the_sdk_timeouts() {
    // A server that accepts connections and never says a word: without the configured
    // timeouts the request would hang until the Lambda timeout.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("an address").port();
    let silent = std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(4).collect();
        std::thread::sleep(std::time::Duration::from_secs(120));
        drop(held);
    });
    let config = client_config()
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .build();
    let store = DynamoDbStore::new(aws_sdk_dynamodb::Client::from_conf(config), "any");
    let app = App::new(store, Config::dev());
    let started = std::time::Instant::now();
    let reply = invoke(&app, http_api("GET", "/availability").build()).await;
    assert_eq!(reply.status, 503, "{}", reply.raw);
    // Not a speed check: without timeouts the call would hang for the server's 120 s.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "the store gave up on the silent server instead of hanging"
    );
    drop(silent);
}

#[tokio::test]
async fn a_missing_table_is_a_fault_not_a_busy_service() {
    let store = store_on("no-such-table").await;
    assert!(matches!(
        store.load("ana", Some(Interval::ALL)).await,
        Err(StoreError::Internal(_))
    ));
}

#[tokio::test]
async fn each_request_counts_what_it_cost_the_table() {
    use availability_api::meter::{StoreUsage, measured};
    let table = fresh_table().await;
    let app = instance(&table).await;
    let (reply, write) = measured(post(&app, "dee", 9, None)).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    // A read of the (absent) user, then one conditional PutItem.
    assert_eq!(
        (write.requests, write.items_read, write.items_written),
        (2, 0, 1)
    );
    assert!(
        write.bytes_sent > 0 && write.bytes_received > 0,
        "{write:?}"
    );
    let (_, read) = measured(get(&app, "dee")).await;
    assert_eq!(
        (read.requests, read.items_read, read.items_written),
        (1, 1, 0)
    );
    let overlap = http_api("GET", "/overlap").header("x-user-id", "dee");
    let overlap = overlap.query("users=ed,flo&from=2024-09-30T00:00:00Z&to=2024-10-01T00:00:00Z");
    let (reply, three) = measured(invoke(&app, overlap.build())).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!((three.requests, three.items_read), (3, 1));
    let (_, nothing) = measured(invoke(&app, http_api("GET", "/").build())).await;
    assert_eq!(nothing, StoreUsage::default());
}

/// 50 overlapping bookings that share one participant, racing through two instances with their
/// own clients on one table: exactly one wins and the table holds exactly it. Named
/// `update_many_*` with the store contract's cases: it needs `DynamoDbStore::update_many`
/// (issue 14), so a DynamoDB run filters it out until that lands.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn update_many_racing_bookings_through_two_instances_book_exactly_one() {
    const RACERS: usize = 50;
    let table = fresh_table().await;
    let instances = [
        Arc::new(instance(&table).await),
        Arc::new(instance(&table).await),
    ];
    let day = json!({"availability": [slot(&hour(9), &hour(17))]});
    let organizers: Vec<String> = (0..RACERS).map(|i| format!("racer{i}")).collect();
    for user in organizers.iter().map(String::as_str).chain(["host"]) {
        let event = http_api("POST", "/availability").header("x-user-id", user);
        let reply = invoke(&instances[0], event.json(day.clone()).build()).await;
        assert_eq!(reply.status, 200, "{}", reply.raw);
    }
    let racers: Vec<_> = organizers
        .iter()
        .enumerate()
        .map(|(i, organizer)| {
            let app = Arc::clone(&instances[i % 2]);
            let organizer = organizer.clone();
            // Each its own range, all of them overlapping at 12:00-12:05.
            let start = format!("2024-09-30T{:02}:{:02}:00Z", 10 + i / 30, (i * 2) % 60);
            tokio::spawn(async move {
                let body = json!({"start_time": start, "end_time": "2024-09-30T12:05:00Z",
                    "participants": ["host"]});
                let event = http_api("POST", "/bookings").header("x-user-id", &organizer);
                (organizer, invoke(&app, event.json(body).build()).await)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for racer in racers {
        let (organizer, reply) = racer.await.expect("the racer task finished");
        match reply.status {
            201 => winners.push((organizer, reply.body["id"].clone())),
            409 => {}
            other => panic!("{other}: {}", reply.raw),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let (winner, id) = &winners[0];
    for (user, instance) in [("host", &instances[1]), (winner.as_str(), &instances[0])] {
        let event = http_api("GET", "/bookings").header("x-user-id", user);
        let reply = invoke(instance, event.build()).await;
        let held: Vec<&Value> = reply.body["bookings"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|booking| &booking["id"])
            .collect();
        assert_eq!(held, [id], "{user}");
    }
    println!(
        "race through two instances: {RACERS} requests, 1 winner ({winner}), host holds [{id}]"
    );
}

#[tokio::test]
async fn an_event_type_one_instance_stores_the_other_shows_to_anyone_and_keeps_intervals_apart() {
    let table = fresh_table().await;
    let (first, second) = (instance(&table).await, instance(&table).await);
    assert_eq!(post(&first, "ana", 9, None).await.status, 200);
    let put = http_api("PUT", "/event-types/intro")
        .header("x-user-id", "ana")
        .json(json!({"title": "Intro call", "duration": "PT30M", "description": "Hello"}));
    let stored = invoke(&first, put.build()).await;
    assert_eq!(stored.status, 200, "{}", stored.raw);
    assert_eq!(stored.header("etag").as_deref(), Some("\"2\""));

    let public = invoke(&second, http_api("GET", "/public/ana/intro").build()).await;
    assert_eq!(public.status, 200, "{}", public.raw);
    assert_eq!(public.body["description"], "Hello");
    let listed = invoke(
        &second,
        http_api("GET", "/event-types")
            .header("x-user-id", "ana")
            .build(),
    )
    .await;
    assert_eq!(listed.body["event_types"][0], stored.body);
    // The event type lives beside the intervals, which a later write leaves it with.
    assert_eq!(post(&second, "ana", 11, Some("\"2\"")).await.status, 200);
    let read = get(&first, "ana").await;
    assert_eq!(
        read.body["availability"],
        intervals(&[(&hour(9), &hour(10)), (&hour(11), &hour(12))])
    );
    let again = invoke(&first, http_api("GET", "/public/ana/intro").build()).await;
    assert_eq!(again.body, public.body);
}

/// Invitees racing through several instances on one table: the public routes decide inside the
/// atomic write, so what one instance committed the others' writes see. Each instance has its
/// own store and client, and the same fixed clock.
mod invitees {
    use super::*;
    use availability_api::api::Clock;
    use availability_api::domain::timestamp::parse_timestamp;

    const NOW: &str = "2026-03-01T00:00:00Z";

    /// Room for every write of the tests' one address: the limit has its own test.
    fn roomy() -> Config {
        Config {
            public_writes_per_minute: 10_000,
            ..Config::dev()
        }
    }

    #[tokio::test]
    async fn every_reason_of_the_contract_on_dynamodb() {
        let table = fresh_table().await;
        let app = instances(&table, 1, roomy()).await;
        crate::invitee::every_reason_of_the_contract_on(&app[0]).await;
    }

    #[tokio::test]
    async fn the_manage_link_lists_the_times_a_reschedule_would_take_on_dynamodb() {
        let table = fresh_table().await;
        let app = instances(&table, 1, roomy()).await;
        crate::invitee::manage_link_slots_on(&app[0]).await;
    }

    async fn instances(table: &str, count: usize, config: Config) -> Vec<Arc<App<DynamoDbStore>>> {
        let now = parse_timestamp(NOW).expect("valid");
        let mut apps = Vec::new();
        for _ in 0..count {
            let app = App::new(store_on(table).await, config.clone()).with_clock(Clock::Fixed(now));
            apps.push(Arc::new(app));
        }
        apps
    }

    async fn as_host(
        app: &App<DynamoDbStore>,
        host: &str,
        method: &str,
        path: &str,
        body: Value,
    ) -> Reply {
        let event = http_api(method, path).header("x-user-id", host);
        let event = match body {
            Value::Null => event,
            body => event.json(body),
        };
        let reply = invoke(app, event.build()).await;
        assert!(reply.status < 300, "{method} {path}: {}", reply.raw);
        reply
    }

    /// `host` free from `from` to `to`, offering `event_type` as `call`.
    async fn offering(
        app: &App<DynamoDbStore>,
        host: &str,
        (from, to): (&str, &str),
        event_type: Value,
    ) {
        let free = json!({"availability": [slot(from, to)]});
        as_host(app, host, "POST", "/availability", free).await;
        as_host(app, host, "PUT", "/event-types/call", event_type).await;
    }

    async fn book(app: &App<DynamoDbStore>, host: &str, start: &str, email: &str) -> Reply {
        let body = json!({"start_time": start,
            "invitee": {"name": "Ina Vitee", "email": email}});
        let path = format!("/public/{host}/call/bookings");
        invoke(app, http_api("POST", &path).json(body).build()).await
    }

    fn reason(reply: &Reply) -> String {
        reply.body["reason"].as_str().unwrap_or_default().to_owned()
    }

    /// The ids of `host`'s bookings, read through `app`.
    async fn held(app: &App<DynamoDbStore>, host: &str) -> Vec<Value> {
        let reply = as_host(app, host, "GET", "/bookings", Value::Null).await;
        let bookings = reply.body["bookings"].as_array().expect("a list");
        bookings
            .iter()
            .map(|booking| booking["id"].clone())
            .collect()
    }

    /// (status, reason) of each racer, in racer order; any 5xx is a finding, named here.
    async fn outcomes(racers: Vec<tokio::task::JoinHandle<Reply>>) -> Vec<(u16, String)> {
        let mut outcomes = Vec::new();
        for racer in racers {
            let reply = racer.await.expect("the racer task finished");
            assert!(
                reply.status < 500,
                "a racer got {}: {}",
                reply.status,
                reply.raw
            );
            outcomes.push((reply.status, reason(&reply)));
        }
        outcomes
    }

    fn tally(outcomes: &[(u16, String)]) -> std::collections::BTreeMap<String, usize> {
        let mut tally = std::collections::BTreeMap::new();
        for (status, why) in outcomes {
            let key = if why.is_empty() {
                status.to_string()
            } else {
                format!("{status} {why}")
            };
            *tally.entry(key).or_default() += 1;
        }
        tally
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn fifty_invitees_on_one_slot_through_three_instances_get_one_booking() {
        const RACERS: usize = 50;
        let table = fresh_table().await;
        let apps = instances(&table, 3, roomy()).await;
        let event_type = json!({"title": "Call", "duration": "PT30M"});
        offering(
            &apps[0],
            "ana",
            ("2026-03-02T09:00:00Z", "2026-03-02T12:00:00Z"),
            event_type,
        )
        .await;
        let started = std::time::Instant::now();
        let racers = (0..RACERS)
            .map(|n| {
                let app = Arc::clone(&apps[n % apps.len()]);
                tokio::spawn(async move {
                    book(
                        &app,
                        "ana",
                        "2026-03-02T10:00:00Z",
                        &format!("i{n}@example.com"),
                    )
                    .await
                })
            })
            .collect();
        let outcomes = outcomes(racers).await;
        let elapsed = started.elapsed();
        let won = outcomes.iter().filter(|(status, _)| *status == 201).count();
        println!(
            "{RACERS} invitees on one slot through {} instances: {:?} in {:.2} s",
            apps.len(),
            tally(&outcomes),
            elapsed.as_secs_f64()
        );
        assert_eq!(won, 1, "{outcomes:?}");
        assert!(
            outcomes
                .iter()
                .all(|(status, why)| *status == 201 || (*status == 409 && why == "unavailable")),
            "{outcomes:?}"
        );
        // Every instance reads the one booking.
        for app in &apps {
            assert_eq!(held(app, "ana").await.len(), 1);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn thirty_invitees_on_distinct_slots_through_three_instances_keep_max_per_day() {
        const RACERS: usize = 30;
        let table = fresh_table().await;
        let apps = instances(&table, 3, roomy()).await;
        let event_type =
            json!({"title": "Call", "duration": "PT30M", "step": "PT5M", "max_per_day": 5});
        offering(
            &apps[0],
            "ana",
            ("2026-03-03T00:00:00Z", "2026-03-03T23:00:00Z"),
            event_type,
        )
        .await;
        let started = std::time::Instant::now();
        let racers = (0..RACERS)
            .map(|n| {
                let app = Arc::clone(&apps[n % apps.len()]);
                // 45 minutes apart: no two meetings overlap, all on Tuesday (UTC).
                let start = format!("2026-03-03T{:02}:{:02}:00Z", n * 45 / 60, n * 45 % 60);
                tokio::spawn(async move {
                    book(&app, "ana", &start, &format!("j{n}@example.com")).await
                })
            })
            .collect();
        let outcomes = outcomes(racers).await;
        let elapsed = started.elapsed();
        let made = outcomes.iter().filter(|(status, _)| *status == 201).count();
        println!(
            "{RACERS} invitees on distinct slots of one day (max_per_day 5) through {} instances: {:?} in {:.2} s",
            apps.len(),
            tally(&outcomes),
            elapsed.as_secs_f64()
        );
        assert_eq!(made, 5, "{outcomes:?}");
        assert!(
            outcomes
                .iter()
                .all(|(status, why)| *status == 201 || (*status == 409 && why == "day_full")),
            "{outcomes:?}"
        );
        for app in &apps {
            assert_eq!(held(app, "ana").await.len(), 5);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_reschedules_onto_one_slot_through_two_instances_one_wins() {
        let table = fresh_table().await;
        let apps = instances(&table, 2, roomy()).await;
        let event_type = json!({"title": "Call", "duration": "PT30M"});
        offering(
            &apps[0],
            "ana",
            ("2026-03-02T09:00:00Z", "2026-03-02T12:00:00Z"),
            event_type,
        )
        .await;
        let mut tokens = Vec::new();
        for (app, start, email) in [
            (&apps[0], "2026-03-02T09:00:00Z", "a@example.com"),
            (&apps[1], "2026-03-02T09:30:00Z", "b@example.com"),
        ] {
            let made = book(app, "ana", start, email).await;
            assert_eq!(made.status, 201, "{}", made.raw);
            tokens.push(
                made.body["manage_token"]
                    .as_str()
                    .expect("a token")
                    .to_owned(),
            );
        }
        let movers = tokens
            .iter()
            .zip(&apps)
            .map(|(token, app)| {
                let app = Arc::clone(app);
                let path = format!("/manage/{token}/reschedule");
                tokio::spawn(async move {
                    let body = json!({"start_time": "2026-03-02T11:00:00Z"});
                    invoke(&app, http_api("POST", &path).json(body).build()).await
                })
            })
            .collect();
        let outcomes = outcomes(movers).await;
        println!("two reschedules onto one slot through two instances: {outcomes:?}");
        let mut statuses: Vec<u16> = outcomes.iter().map(|(status, _)| *status).collect();
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "{outcomes:?}");
        let (_, why) = outcomes
            .iter()
            .find(|(status, _)| *status == 409)
            .expect("a loser");
        assert_eq!(why, "unavailable");
        // The winner is at 11:00, the loser where it was; each instance reads the same.
        let winner = outcomes
            .iter()
            .position(|(status, _)| *status == 200)
            .expect("a winner");
        let expected = [
            ("2026-03-02T11:00:00Z", 1),
            (
                ["2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z"][1 - winner],
                0,
            ),
        ];
        for app in &apps {
            for (n, token) in tokens.iter().enumerate() {
                let read = invoke(app, http_api("GET", &format!("/manage/{token}")).build()).await;
                assert_eq!(read.status, 200, "{}", read.raw);
                let (start, sequence) = expected[usize::from(n != winner)];
                assert_eq!(
                    (
                        read.body["start_time"].as_str(),
                        read.body["sequence"].as_u64()
                    ),
                    (Some(start), Some(sequence))
                );
            }
            assert_eq!(held(app, "ana").await.len(), 2);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_per_address_limit_is_shared_by_two_instances() {
        const POSTS: usize = 21;
        let table = fresh_table().await;
        // The default limit: 20 writes a minute per address.
        let apps = instances(&table, 2, Config::dev()).await;
        assert_eq!(Config::dev().public_writes_per_minute, 20);
        let event_type = json!({"title": "Call", "duration": "PT5M"});
        offering(
            &apps[0],
            "ana",
            ("2026-03-02T09:00:00Z", "2026-03-02T12:00:00Z"),
            event_type,
        )
        .await;
        // From one address (the helper's `sourceIp`), distinct starts and emails: each would be
        // booked but for the limit.
        let racers = (0..POSTS)
            .map(|n| {
                let app = Arc::clone(&apps[n % apps.len()]);
                let start = format!("2026-03-02T{:02}:{:02}:00Z", 9 + n * 5 / 60, n * 5 % 60);
                tokio::spawn(async move {
                    book(&app, "ana", &start, &format!("k{n}@example.com")).await
                })
            })
            .collect::<Vec<_>>();
        let mut replies = Vec::new();
        for racer in racers {
            let reply = racer.await.expect("the racer task finished");
            assert!(
                reply.status < 500,
                "a racer got {}: {}",
                reply.status,
                reply.raw
            );
            replies.push(reply);
        }
        let limited: Vec<&Reply> = replies.iter().filter(|reply| reply.status == 429).collect();
        let statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
        println!(
            "{POSTS} POSTs from one address through two instances (limit 20): {} × 201, {} × 429",
            statuses.iter().filter(|status| **status == 201).count(),
            limited.len()
        );
        assert_eq!(limited.len(), 1, "{statuses:?}");
        assert!(
            statuses.iter().all(|status| matches!(status, 201 | 429)),
            "{statuses:?}"
        );
        // The clock is fixed at the start of a minute: all of it is left.
        assert_eq!(limited[0].header("retry-after").as_deref(), Some("60"));
        assert_eq!(held(&apps[1], "ana").await.len(), POSTS - 1);
        // Either instance refuses the next one too.
        for app in &apps {
            let again = book(app, "ana", "2026-03-02T11:55:00Z", "late@example.com").await;
            assert_eq!(again.status, 429, "{}", again.raw);
        }
    }
}

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

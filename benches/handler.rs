//! The whole request path, through the door Lambda uses: `api::handle_event` from an HTTP API
//! v2 event (as the runtime hands it over, a JSON `Value`) to the response `Value`, with the
//! deployed configuration (`AUTH_MODE=jwt`, the caller from a JWT authorizer).
//!
//! - set: `POST /availability` of 3 slots onto a user holding N intervals (each slot lengthens
//!   a stored interval, so the record changes but N stays within the per-user limit);
//! - get: `GET /availability` of a user holding N;
//! - overlap: `GET /overlap/{other}` with both holding N, which overlap in N places.

mod common;

use availability_api::api::{self, App};
use availability_api::config::Config;
use availability_api::domain::time::{HOUR_MS, MINUTE_MS};
use availability_api::domain::{IntervalSet, UserRecord};
use availability_api::store::{AvailabilityStore, MemoryStore, Scope};
use common::{BASE, hourly};
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use lambda_http::{Context, LambdaEvent};
use serde_json::{Value, json};
use tokio::runtime::Runtime;

const CALLER: &str = "user123";
const OTHER: &str = "user456";
const SIZES: [usize; 3] = [10, 1_000, 100_000];

/// The repo's JWT-authorizer sample event (`sub` = user123), re-aimed at `method path`.
fn event(method: &str, path: &str, body: Option<&Value>) -> Value {
    let text = include_str!("../events/http-api-jwt-authorizer.json");
    let mut event: Value = serde_json::from_str(text).expect("the sample event is JSON");
    event["rawPath"] = json!(path);
    event["requestContext"]["http"]["method"] = json!(method);
    event["requestContext"]["http"]["path"] = json!(path);
    event["routeKey"] = json!(format!("{method} {path}"));
    if let Some(body) = body {
        event["headers"]["content-type"] = json!("application/json");
        event["body"] = json!(body.to_string());
    }
    event
}

/// 3 slots of the seed's shape, each lengthening one stored interval from 40 to 50 minutes.
fn set_body(stored: usize) -> Value {
    let slots: Vec<Value> = [0, stored / 2, stored - 1]
        .iter()
        .map(|&hour| {
            let start = BASE + hour as i64 * HOUR_MS + 30 * MINUTE_MS;
            json!({
                "start_time": format_millis(start),
                "end_time": format_millis(start + 20 * MINUTE_MS),
            })
        })
        .collect();
    json!({ "availability": slots })
}

fn format_millis(millis: i64) -> String {
    availability_api::domain::timestamp::format_timestamp(millis)
}

fn runtime() -> Runtime {
    // What main.rs runs the function on.
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime")
}

fn app_with(runtime: &Runtime, users: &[(&str, &IntervalSet)]) -> App<MemoryStore> {
    // Each request's metrics document is still built and written, to a sink rather than the
    // terminal.
    let app = App::new(MemoryStore::new(), Config::jwt()).with_metrics_output(std::io::sink());
    for (user, slots) in users {
        runtime
            .block_on(app.store().update(user, None, Scope::EVERYTHING, |_| {
                Ok::<_, ()>(UserRecord {
                    slots: (*slots).clone(),
                    ..UserRecord::default()
                })
            }))
            .expect("the memory store takes any record");
    }
    app
}

fn invoke(runtime: &Runtime, app: &App<MemoryStore>, event: Value) -> Value {
    let response = runtime
        .block_on(api::handle_event(
            app,
            LambdaEvent::new(event, Context::default()),
        ))
        .expect("the handler answers");
    debug_assert_eq!(response["statusCode"], 200, "{response}");
    response
}

fn handler(c: &mut Criterion) {
    let runtime = runtime();
    let mut group = c.benchmark_group("handler");
    for stored in SIZES {
        let mine = hourly(stored, 0, 40 * MINUTE_MS);
        let theirs = hourly(stored, 20 * MINUTE_MS, 40 * MINUTE_MS);

        let set = event("POST", "/availability", Some(&set_body(stored)));
        assert_eq!(
            invoke(
                &runtime,
                &app_with(&runtime, &[(CALLER, &mine)]),
                set.clone()
            )["statusCode"],
            200
        );
        // A fresh store per iteration, so every POST really changes the record; building it is
        // not timed, dropping the replaced record is (it happens inside the write).
        group.bench_function(BenchmarkId::new("set", stored), |b| {
            b.iter_batched(
                || (app_with(&runtime, &[(CALLER, &mine)]), set.clone()),
                |(app, event)| {
                    invoke(&runtime, &app, event);
                    app
                },
                BatchSize::PerIteration,
            )
        });

        let app = app_with(&runtime, &[(CALLER, &mine), (OTHER, &theirs)]);
        let get = event("GET", "/availability", None);
        let overlap = event("GET", &format!("/overlap/{OTHER}"), None);
        let overlaps = invoke(&runtime, &app, overlap.clone());
        let body: Value = serde_json::from_str(overlaps["body"].as_str().unwrap_or_default())
            .expect("a JSON body");
        assert_eq!(body["overlap"].as_array().map(Vec::len), Some(stored));

        group.bench_function(BenchmarkId::new("get", stored), |b| {
            b.iter_batched(
                || get.clone(),
                |event| invoke(&runtime, &app, event),
                BatchSize::SmallInput,
            )
        });
        group.bench_function(BenchmarkId::new("overlap", stored), |b| {
            b.iter_batched(
                || overlap.clone(),
                |event| invoke(&runtime, &app, event),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = handler
}
criterion_main!(benches);

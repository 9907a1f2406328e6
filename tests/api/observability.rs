//! What operators see, read from the handler's own output: the per-request log line (through a
//! JSON `tracing` subscriber like the one Lambda's JSON log format gets) and the EMF metrics
//! document (through the output the app is given), and the request id in problem bodies.

use crate::helpers::{dev_app, http_api, jwt_app, project_root, read_event, slot};
use availability_api::api::{self, App};
use availability_api::store::MemoryStore;
use lambda_http::tracing::subscriber;
use lambda_http::{Context, LambdaEvent, lambda_runtime};
use serde_json::{Value, json};
use std::io::Write;
use std::net::UdpSocket;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Lines written by the app, shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("not poisoned")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("not poisoned").clone()).expect("UTF-8")
    }

    fn json_lines(&self) -> Vec<Value> {
        self.text()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }
}

/// The request lines of `log`, as their `fields`.
fn request_lines(log: &Captured) -> Vec<Value> {
    log.json_lines()
        .into_iter()
        .filter(|line| line["fields"]["message"] == "request")
        .map(|line| line["fields"].clone())
        .collect()
}

/// Logs JSON into `log` for as long as the guard lives (this thread only).
fn capture_logs(log: &Captured) -> tracing::subscriber::DefaultGuard {
    let log = log.clone();
    let json_logs = subscriber::fmt()
        .json()
        .without_time()
        .with_writer(move || log.clone())
        .finish();
    tracing::subscriber::set_default(json_logs)
}

fn lambda_context(lambda_request_id: &str) -> Context {
    let mut context = Context::default();
    context.request_id = lambda_request_id.to_owned();
    context.env_config = Arc::new(lambda_runtime::Config {
        function_name: "availability-fn".to_owned(),
        version: "$LATEST".to_owned(),
        ..lambda_runtime::Config::default()
    });
    context
}

async fn invoke_as(app: &App<MemoryStore>, event: Value, lambda_request_id: &str) -> Value {
    let raw = api::handle_event(
        app,
        LambdaEvent::new(event, lambda_context(lambda_request_id)),
    )
    .await
    .expect("answered");
    let body = raw["body"].as_str().unwrap_or_default();
    if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).expect("JSON body")
    }
}

fn with_gateway_id(mut event: Value, id: &str) -> Value {
    event["requestContext"]["requestId"] = json!(id);
    event
}

#[tokio::test]
async fn each_request_logs_one_line_with_both_ids_cold_start_and_the_caller_only() {
    let (log, metrics) = (Captured::default(), Captured::default());
    let _logging = capture_logs(&log);
    let app = dev_app().with_metrics_output(metrics.clone());

    let post = http_api("POST", "/availability")
        .header("x-user-id", "ana")
        .header("authorization", "Bearer secret-token-value")
        .json(json!({"availability": [slot("2024-09-30T09:17:00Z", "2024-09-30T10:00:00Z")]}));
    invoke_as(&app, with_gateway_id(post.build(), "gw-1"), "lambda-1").await;
    let get = http_api("GET", "/availability")
        .header("x-user-id", "ana")
        .query("from=2024-09-30T00:00:00Z&to=2024-10-01T00:00:00Z&tz=Pacific%2FChatham");
    invoke_as(&app, with_gateway_id(get.build(), "gw-2"), "lambda-2").await;

    let lines = request_lines(&log);
    assert_eq!(lines.len(), 2, "one line per request: {}", log.text());
    let (post, get) = (&lines[0], &lines[1]);
    for (line, gateway, lambda) in [(post, "gw-1", "lambda-1"), (get, "gw-2", "lambda-2")] {
        assert_eq!(line["request_id"], gateway, "{line}");
        assert_eq!(line["lambda_request_id"], lambda, "{line}");
        assert_eq!(line["function_name"], "availability-fn");
        assert_eq!(line["function_version"], "$LATEST");
        assert_eq!(line["route"], "/availability");
        assert_eq!(line["status"], 200);
        assert_eq!(line["user_id"], "ana");
        assert!(line["duration_us"].is_u64(), "{line}");
        assert_eq!(line["store_calls"], 1, "{line}");
        assert!(line["store_us"].is_u64(), "{line}");
        assert_eq!(line["store_retries"], 0, "{line}");
        // The in-memory store sends nothing anywhere; DynamoDB's figures: tests/api/dynamodb.rs.
        for figure in ["store_requests", "store_items_read", "store_bytes_received"] {
            assert_eq!(line[figure], 0, "{line}");
        }
    }
    assert_eq!(
        (post["cold_start"].clone(), get["cold_start"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(
        (post["method"].clone(), get["method"].clone()),
        (json!("POST"), json!("GET"))
    );
    assert_eq!(get["result_items"], 1, "{get}");
    assert!(
        get["result_bytes"].as_u64().is_some_and(|bytes| bytes > 0),
        "{get}"
    );
    assert!(
        post.get("result_items").is_none(),
        "a write lists nothing: {post}"
    );

    // Nothing of the body, the query values or the token reaches the logs.
    let everything = log.text() + &metrics.text();
    for secret in ["secret-token", "09:17", "Chatham", "2024-10-01"] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked: {everything}"
        );
    }
}

#[tokio::test]
async fn each_request_writes_one_emf_document_that_declares_what_it_carries() {
    let metrics = Captured::default();
    let app = dev_app().with_metrics_output(metrics.clone());
    let get = http_api("GET", "/availability").header("x-user-id", "ana");
    invoke_as(&app, with_gateway_id(get.build(), "gw-1"), "lambda-1").await;
    invoke_as(&app, http_api("GET", "/nowhere").build(), "lambda-2").await;

    let documents = metrics.json_lines();
    assert_eq!(
        documents.len(),
        2,
        "one document per request: {}",
        metrics.text()
    );
    for document in &documents {
        let aws = &document["_aws"];
        assert!(
            aws["Timestamp"]
                .as_u64()
                .is_some_and(|ms| ms > 1_700_000_000_000),
            "{aws}"
        );
        let directives = aws["CloudWatchMetrics"].as_array().expect("directives");
        assert_eq!(directives.len(), 1);
        let directive = &directives[0];
        assert_eq!(directive["Namespace"], "AvailabilityApi");
        assert_eq!(
            directive["Dimensions"],
            json!([["FunctionName", "Route", "StatusClass"]])
        );
        for dimension in ["FunctionName", "Route", "StatusClass"] {
            assert!(document[dimension].is_string(), "{dimension}: {document}");
        }
        // Every metric declared has a number at the root, and the known ones have units.
        for metric in directive["Metrics"].as_array().expect("metrics") {
            let name = metric["Name"].as_str().expect("a name");
            assert!(document[name].is_number(), "{name}: {document}");
            let unit = metric["Unit"].as_str().expect("a unit");
            assert!(
                ["Count", "Milliseconds", "Bytes"].contains(&unit),
                "{metric}"
            );
        }
        assert_eq!(document["FunctionName"], "availability-fn");
        assert_eq!(document["Requests"], 1);
    }
    let declared = |document: &Value| -> Vec<String> {
        document["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .map(|metric| metric["Name"].as_str().expect("name").to_owned())
            .collect()
    };
    let (read, missing) = (&documents[0], &documents[1]);
    assert_eq!(
        declared(read),
        [
            "Requests",
            "ColdStart",
            "Duration",
            "ResultBytes",
            "ResultItems",
            "StoreLatency",
            "StoreRetries"
        ]
    );
    assert_eq!(
        (read["Route"].clone(), read["StatusClass"].clone()),
        (json!("/availability"), json!("2xx"))
    );
    assert_eq!(
        (read["ColdStart"].clone(), missing["ColdStart"].clone()),
        (json!(1), json!(0))
    );
    assert_eq!(
        (read["ResultItems"].clone(), read["StoreRetries"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(
        (
            read["request_id"].clone(),
            read["lambda_request_id"].clone()
        ),
        (json!("gw-1"), json!("lambda-1"))
    );
    // An unknown path: no store call, no items, so no such metrics, and a bounded route name.
    assert_eq!(
        declared(missing),
        ["Requests", "ColdStart", "Duration", "ResultBytes"]
    );
    assert_eq!(
        (missing["Route"].clone(), missing["StatusClass"].clone()),
        (json!("unmatched"), json!("4xx"))
    );
}

#[tokio::test]
async fn problem_bodies_name_the_request_a_client_can_quote() {
    let app = jwt_app().with_metrics_output(Captured::default());
    // HTTP API: API Gateway's id (also its `apigw-requestid` header and the access log's).
    let unauthenticated = invoke_as(
        &app,
        with_gateway_id(http_api("GET", "/availability").build(), "Kx1AbCdEfGhIjk="),
        "lambda-1",
    )
    .await;
    assert_eq!(unauthenticated["status"], 401);
    assert_eq!(unauthenticated["instance"], "urn:request:Kx1AbCdEfGhIjk=");

    // ALB events carry no API Gateway id: Lambda's names the request.
    let mut alb = read_event(&project_root().join("events/alb.json"));
    alb["path"] = json!("/availability");
    let from_alb = invoke_as(&app, alb, "8f5c4a1e-lambda").await;
    assert_eq!(from_alb["status"], 401);
    assert_eq!(from_alb["instance"], "urn:request:8f5c4a1e-lambda");

    // An event that is no HTTP request still gets an answer naming it, and its own record.
    let metrics = Captured::default();
    let app = dev_app().with_metrics_output(metrics.clone());
    let malformed = invoke_as(
        &app,
        json!({"requestContext": {"requestId": "gw-odd"}}),
        "l-3",
    )
    .await;
    assert_eq!(malformed["status"], 400);
    assert_eq!(malformed["instance"], "urn:request:gw-odd");
    let documents = metrics.json_lines();
    assert_eq!(documents.len(), 1, "{}", metrics.text());
    assert_eq!(
        (
            documents[0]["StatusClass"].clone(),
            documents[0]["ColdStart"].clone()
        ),
        (json!("4xx"), json!(1))
    );
}

#[tokio::test]
async fn a_sampled_invocation_sends_each_store_call_to_the_xray_daemon_as_a_subsegment() {
    let daemon = UdpSocket::bind("127.0.0.1:0").expect("a local UDP port");
    daemon
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("a timeout");
    let address = daemon.local_addr().expect("bound").to_string();
    let app = dev_app()
        .with_metrics_output(Captured::default())
        .with_xray_daemon(&address);
    let get = http_api("GET", "/availability")
        .header("x-user-id", "ana")
        .build();
    let traced = |sampled: u8| {
        let mut context = lambda_context("lambda-1");
        context.xray_trace_id = Some(format!(
            "Root=1-6745a1b2-556d8b0c50dc66f0511bf520;Parent=53995c3f42cd8ad8;Sampled={sampled}"
        ));
        LambdaEvent::new(get.clone(), context)
    };
    api::handle_event(&app, traced(1)).await.expect("answered");

    let mut buffer = [0u8; 65_536];
    let size = daemon.recv(&mut buffer).expect("a datagram");
    let datagram = std::str::from_utf8(&buffer[..size]).expect("UTF-8");
    let (header, document) = datagram
        .split_once('\n')
        .expect("header, newline, document");
    assert_eq!(
        serde_json::from_str::<Value>(header).expect("JSON"),
        json!({"format": "json", "version": 1})
    );
    let subsegment: Value = serde_json::from_str(document).expect("JSON");
    assert_eq!(subsegment["type"], "subsegment");
    assert_eq!(subsegment["name"], "MemoryStore");
    assert_eq!(
        subsegment["trace_id"],
        "1-6745a1b2-556d8b0c50dc66f0511bf520"
    );
    assert_eq!(subsegment["parent_id"], "53995c3f42cd8ad8");
    let id = subsegment["id"].as_str().expect("an id");
    assert!(
        id.len() == 16 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "{id}"
    );
    let (start, end) = (
        subsegment["start_time"].as_f64().expect("seconds"),
        subsegment["end_time"].as_f64().expect("seconds"),
    );
    assert!(
        start > 1.7e9 && start <= end && end - start < 1.0,
        "{subsegment}"
    );
    assert_eq!(
        subsegment["metadata"]["store"],
        json!({"operation": "load", "table_name": "memory"})
    );

    // Not sampled: nothing is sent.
    api::handle_event(&app, traced(0)).await.expect("answered");
    daemon
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("a timeout");
    assert!(
        daemon.recv(&mut buffer).is_err(),
        "an unsampled invocation sent a subsegment"
    );
}

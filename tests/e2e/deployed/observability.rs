//! What operators see of the deployed binary, read from its stdout as CloudWatch Logs would
//! get it (JSON log format, as template.yaml sets): one request line and one EMF document per
//! request, naming the same request as the problem body the client got.

use super::fixture::{Deployed, Store};
use super::gateway::HttpRequest;
use serde_json::Value;

fn operators_see_a_log_line_and_a_metrics_document_per_request(deployed: &mut Deployed) {
    // No schedule yet: a 404 problem naming the request (the deployment's first request, the
    // fixture's `GET /`, was the cold start).
    let response =
        deployed.send(HttpRequest::new("DELETE", "/availability/schedule").signed_in("ana"));
    assert_eq!(response.status, 404);
    let problem = response.json();
    let instance = problem["instance"].as_str().expect("an instance");
    let request_id = instance
        .strip_prefix("urn:request:")
        .expect("urn:request:<id>");

    let log = deployed.function_log();
    let lines: Vec<Value> = log
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let requests: Vec<&Value> = lines
        .iter()
        .filter(|line| line["fields"]["message"] == "request")
        .map(|line| &line["fields"])
        .collect();
    let documents: Vec<&Value> = lines
        .iter()
        .filter(|line| line.get("_aws").is_some())
        .collect();
    assert_eq!((requests.len(), documents.len()), (2, 2), "{log}");

    let (ping, delete) = (requests[0], requests[1]);
    assert_eq!(
        (&ping["cold_start"], &delete["cold_start"]),
        (&true.into(), &false.into())
    );
    assert_eq!(delete["request_id"], request_id, "{delete}");
    let lambda_request_id = delete["lambda_request_id"].as_str().expect("Lambda's id");
    assert!(
        lambda_request_id.starts_with("00000000-0000-4000-8000-"),
        "{delete}"
    );
    assert_eq!(
        delete["function_name"],
        deployed.template.function_logical_id.as_str()
    );
    assert_eq!(delete["function_version"], "$LATEST");
    assert_eq!(
        (
            &delete["method"],
            &delete["route"],
            &delete["status"],
            &delete["user_id"]
        ),
        (
            &"DELETE".into(),
            &"/availability/schedule".into(),
            &404.into(),
            &"ana".into()
        ),
    );
    assert!(
        delete["store_calls"]
            .as_u64()
            .is_some_and(|calls| calls >= 1),
        "{delete}"
    );
    if deployed.store == Store::DynamoDb {
        assert!(
            delete["store_sdk_attempts"]
                .as_u64()
                .is_some_and(|n| n >= 1),
            "{delete}"
        );
    }

    let document = documents[1];
    assert_eq!(document["request_id"], request_id, "{document}");
    assert_eq!(document["lambda_request_id"], lambda_request_id);
    assert_eq!(
        document["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "AvailabilityApi"
    );
    assert_eq!(
        (
            &document["FunctionName"],
            &document["Route"],
            &document["StatusClass"]
        ),
        (
            &delete["function_name"],
            &"/availability/schedule".into(),
            &"4xx".into()
        ),
    );
    assert!(document["StoreLatency"].is_number(), "{document}");
    if deployed.store == Store::DynamoDb {
        // What the table bills by, from the same request's usage as its log line.
        assert_eq!(
            document["StoreRequests"], delete["store_requests"],
            "{document}"
        );
        assert!(document["StoreReadUnits"].is_number(), "{document}");
    } else {
        assert!(document.get("StoreRequests").is_none(), "{document}");
    }
    // As emitted, for the record (`--no-capture` shows them).
    println!(
        "log line:     {}",
        log.lines()
            .filter(|l| l.contains("\"request\""))
            .nth(1)
            .unwrap_or_default()
    );
    println!(
        "EMF document: {}",
        log.lines()
            .filter(|l| l.contains("\"_aws\""))
            .nth(1)
            .unwrap_or_default()
    );
}

on_both_stores!(operators_see_a_log_line_and_a_metrics_document_per_request);

//! One CloudWatch Embedded Metric Format document per invocation: a JSON log line that CloudWatch
//! Logs turns into metrics, so no CloudWatch API call is made at run time.
//!
//! Written here with serde rather than with a crate: the EMF crates are built on the `metrics`
//! facade's process-wide recorder (one per process, so an app could not be given its own
//! output, as the tests do) or are frameworks larger than this one struct.

use super::Outcome;
use crate::meter::StoreUsage;
use serde::Serialize;
use std::time::{SystemTime, UNIX_EPOCH};

pub(super) const NAMESPACE: &str = "AvailabilityApi";

/// Low-cardinality dimensions only: a handful of route templates and three status classes, or
/// the one name of a function's work.
const HTTP_DIMENSIONS: [&str; 3] = ["FunctionName", "Route", "StatusClass"];
const WORK_DIMENSIONS: [&str; 2] = ["FunctionName", "Work"];

pub(super) struct Document<'a> {
    pub timestamp: SystemTime,
    pub function_name: &'a str,
    pub outcome: &'a Outcome<'a>,
    pub cold_start: bool,
    pub duration_us: u64,
    /// What the invocation cost the store; backend figures are zeros in memory.
    pub store: &'a StoreUsage,
    pub request_id: Option<&'a str>,
    pub lambda_request_id: Option<&'a str>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    #[serde(rename = "Timestamp")]
    timestamp: u64,
    #[serde(rename = "CloudWatchMetrics")]
    directives: [Directive<'a>; 1],
}

#[derive(Serialize)]
struct Directive<'a> {
    #[serde(rename = "Namespace")]
    namespace: &'static str,
    #[serde(rename = "Dimensions")]
    dimensions: [&'static [&'static str]; 1],
    #[serde(rename = "Metrics")]
    metrics: &'a [MetricDefinition],
}

#[derive(Serialize)]
struct MetricDefinition {
    #[serde(rename = "Name")]
    name: &'static str,
    #[serde(rename = "Unit")]
    unit: &'static str,
}

/// The document's root: the metadata, the dimension values, each metric's value, and the
/// request ids as plain properties (searchable in Logs Insights, not dimensions). An HTTP
/// request's document has no `Work` and no item counts; a piece of work's has no `Route`,
/// `StatusClass`, `Requests` or results.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Root<'a> {
    #[serde(rename = "_aws")]
    aws: Metadata<'a>,
    function_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    route: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_class: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    work: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requests: Option<u64>,
    cold_start: u64,
    duration: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    result_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    result_items: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    items_handled: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    items_failed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    store_latency: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    store_retries: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    store_requests: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    store_read_units: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    store_write_units: Option<f64>,
    #[serde(rename = "request_id", skip_serializing_if = "Option::is_none")]
    request_id: Option<&'a str>,
    #[serde(rename = "lambda_request_id", skip_serializing_if = "Option::is_none")]
    lambda_request_id: Option<&'a str>,
}

const fn metric(name: &'static str, unit: &'static str) -> MetricDefinition {
    MetricDefinition { name, unit }
}

impl Document<'_> {
    pub(super) fn to_json(&self) -> String {
        // A metric is declared only when the document carries its value (EMF requires both):
        // a request that never reached the store says nothing about store latency.
        let (http, work) = match self.outcome {
            Outcome::Http(http) => (Some(http), None),
            Outcome::Work(work) => (None, Some(work)),
        };
        let (dimensions, mut metrics): (&'static [&'static str], _) = match self.outcome {
            Outcome::Http(http) => {
                let mut metrics = vec![
                    metric("Requests", "Count"),
                    metric("ColdStart", "Count"),
                    metric("Duration", "Milliseconds"),
                    metric("ResultBytes", "Bytes"),
                ];
                if http.result_items.is_some() {
                    metrics.push(metric("ResultItems", "Count"));
                }
                (&HTTP_DIMENSIONS, metrics)
            }
            Outcome::Work(_) => (
                &WORK_DIMENSIONS,
                vec![
                    metric("ColdStart", "Count"),
                    metric("Duration", "Milliseconds"),
                    metric("ItemsHandled", "Count"),
                    metric("ItemsFailed", "Count"),
                ],
            ),
        };
        let store_used = self.store.calls > 0;
        if store_used {
            metrics.push(metric("StoreLatency", "Milliseconds"));
            metrics.push(metric("StoreRetries", "Count"));
        }
        // What the table bills by: requests and capacity units. Items and bytes stay in the
        // log line, where Logs Insights sums them; every metric here is a paid time series per
        // route and status class.
        let billed = self.store.requests > 0;
        if billed {
            metrics.push(metric("StoreRequests", "Count"));
            metrics.push(metric("StoreReadUnits", "Count"));
            metrics.push(metric("StoreWriteUnits", "Count"));
        }
        let milliseconds = |us: u64| us as f64 / 1000.0;
        let units = |milli: u64| milli as f64 / 1000.0;
        let root = Root {
            aws: Metadata {
                timestamp: self
                    .timestamp
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |since| since.as_millis() as u64),
                directives: [Directive {
                    namespace: NAMESPACE,
                    dimensions: [dimensions],
                    metrics: &metrics,
                }],
            },
            function_name: self.function_name,
            route: http.map(|http| http.route),
            status_class: http.map(|http| status_class(http.status)),
            work: work.map(|work| work.work),
            requests: http.map(|_| 1),
            cold_start: u64::from(self.cold_start),
            duration: milliseconds(self.duration_us),
            result_bytes: http.map(|http| http.result_bytes),
            result_items: http.and_then(|http| http.result_items),
            items_handled: work.map(|work| work.items_handled),
            items_failed: work.map(|work| work.items_failed),
            store_latency: store_used.then(|| milliseconds(self.store.busy_us)),
            store_retries: store_used.then(|| self.store.all_retries()),
            store_requests: billed.then_some(self.store.requests),
            store_read_units: billed.then(|| units(self.store.read_milli_units)),
            store_write_units: billed.then(|| units(self.store.write_milli_units)),
            request_id: self.request_id,
            lambda_request_id: self.lambda_request_id,
        };
        // Plain numbers and strings: serializing cannot fail.
        serde_json::to_string(&root).unwrap_or_default()
    }
}

fn status_class(status: u16) -> &'static str {
    match status {
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

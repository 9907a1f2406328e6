//! One CloudWatch Embedded Metric Format document per request: a JSON log line that CloudWatch
//! Logs turns into metrics, so no CloudWatch API call is made at run time.
//!
//! Written here with serde rather than with a crate: the EMF crates are built on the `metrics`
//! facade's process-wide recorder (one per process, so an app could not be given its own
//! output, as the tests do) or are frameworks larger than this one struct.

use crate::meter::StoreUsage;
use serde::Serialize;
use std::time::{SystemTime, UNIX_EPOCH};

pub(super) const NAMESPACE: &str = "AvailabilityApi";

/// Low-cardinality dimensions only: a handful of route templates and three status classes.
const DIMENSIONS: [&str; 3] = ["FunctionName", "Route", "StatusClass"];

pub(super) struct Document<'a> {
    pub timestamp: SystemTime,
    pub function_name: &'a str,
    pub route: &'a str,
    pub status: u16,
    pub cold_start: bool,
    pub duration_us: u64,
    pub result_items: Option<u64>,
    pub result_bytes: u64,
    /// What the request cost the store; backend figures are zeros in memory.
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
/// request ids as plain properties (searchable in Logs Insights, not dimensions).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Root<'a> {
    #[serde(rename = "_aws")]
    aws: Metadata<'a>,
    function_name: &'a str,
    route: &'a str,
    status_class: &'static str,
    requests: u64,
    cold_start: u64,
    duration: f64,
    result_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    result_items: Option<u64>,
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
        let mut metrics = vec![
            metric("Requests", "Count"),
            metric("ColdStart", "Count"),
            metric("Duration", "Milliseconds"),
            metric("ResultBytes", "Bytes"),
        ];
        if self.result_items.is_some() {
            metrics.push(metric("ResultItems", "Count"));
        }
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
                    dimensions: [&DIMENSIONS],
                    metrics: &metrics,
                }],
            },
            function_name: self.function_name,
            route: self.route,
            status_class: status_class(self.status),
            requests: 1,
            cold_start: u64::from(self.cold_start),
            duration: milliseconds(self.duration_us),
            result_bytes: self.result_bytes,
            result_items: self.result_items,
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

//! What operators see of each request (docs/operations.md): one log line, one CloudWatch
//! metrics document in Embedded Metric Format on stdout, and a `tracing` span per store call.
//!
//! [`Telemetry`] lives as long as the instance; [`RequestRecord`] follows one request from the
//! event door to its response and writes both the log line and the metrics document.

mod emf;
mod xray;

use crate::meter::{self, CallObserver, StoreUsage};
use xray::{Tracer, XrayDaemon};

use lambda_runtime::Context;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

/// Instance-wide state: whether the first invocation is still to come, where metrics
/// documents go (stdout on Lambda, where CloudWatch Logs extracts them), and the X-Ray daemon
/// when Lambda runs one.
pub(crate) struct Telemetry {
    cold_start: AtomicBool,
    metrics_out: Mutex<Box<dyn Write + Send>>,
    xray: Option<Arc<XrayDaemon>>,
}

impl Telemetry {
    /// Metrics to stdout, subsegments to the daemon `AWS_XRAY_DAEMON_ADDRESS` names.
    pub(crate) fn from_env() -> Self {
        Self {
            cold_start: AtomicBool::new(true),
            metrics_out: Mutex::new(Box::new(std::io::stdout())),
            xray: XrayDaemon::from_env().map(Arc::new),
        }
    }

    pub(crate) fn with_metrics_output(self, out: Box<dyn Write + Send>) -> Self {
        Self {
            metrics_out: Mutex::new(out),
            ..self
        }
    }

    /// Subsegments to the daemon at `address` (`host:port`); none if it is not one.
    pub(crate) fn with_xray_daemon(self, address: &str) -> Self {
        Self {
            xray: XrayDaemon::at(address).map(Arc::new),
            ..self
        }
    }

    /// Starts the record of one invocation; only the instance's first is a cold start.
    /// `gateway_request_id` is API Gateway's (`requestContext.requestId`), absent for ALB.
    pub(crate) fn begin(
        &self,
        context: Option<&Context>,
        gateway_request_id: Option<String>,
    ) -> RequestRecord {
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        RequestRecord {
            started: Instant::now(),
            cold_start: self.cold_start.swap(false, Ordering::Relaxed),
            gateway_request_id: gateway_request_id.filter(|id| !id.is_empty()),
            lambda_request_id: context.and_then(|c| non_empty(&c.request_id)),
            function_name: context.and_then(|c| non_empty(&c.env_config.function_name)),
            function_version: context.and_then(|c| non_empty(&c.env_config.version)),
            tracer: self.tracer(context),
            usage: Mutex::new(StoreUsage::default()),
        }
    }

    /// Where this invocation's subsegments go, when X-Ray samples it.
    fn tracer(&self, context: Option<&Context>) -> Option<Arc<dyn CallObserver>> {
        let header = context?.xray_trace_id.as_deref()?;
        let tracer = Tracer::for_invocation(self.xray.clone()?, header)?;
        Some(Arc::new(tracer))
    }

    fn write_metrics(&self, document: &str) {
        // Nothing useful can be done when stdout is gone; the response still goes out.
        if let Ok(mut out) = self.metrics_out.lock() {
            let _ = writeln!(out, "{document}");
        }
    }
}

/// How a request ended, as the log line and the metrics document report it.
pub(crate) struct Outcome<'a> {
    /// Bounded by the caller: a method is client text.
    pub method: String,
    /// The route template (`/overlap/{user_id_2}`), never the path: paths hold user ids.
    pub route: &'a str,
    pub status: u16,
    /// The caller, when the request got as far as asking who it was.
    pub user_id: Option<&'a str>,
    /// Intervals or slots the response lists, for the routes that list some.
    pub result_items: Option<u64>,
    pub result_bytes: u64,
}

/// One invocation, from the event door to the response.
pub(crate) struct RequestRecord {
    started: Instant,
    cold_start: bool,
    gateway_request_id: Option<String>,
    lambda_request_id: Option<String>,
    function_name: Option<String>,
    function_version: Option<String>,
    /// Where the request's store calls go as X-Ray subsegments, when it is sampled.
    tracer: Option<Arc<dyn CallObserver>>,
    /// What the request cost the store (calls, time, repeats, requests, items, bytes, capacity).
    usage: Mutex<StoreUsage>,
}

impl RequestRecord {
    /// The id a client can quote: API Gateway's (also its `apigw-requestid` header and the
    /// access log's `requestId`), else Lambda's (ALB events, direct invocations).
    pub(crate) fn request_id(&self) -> Option<&str> {
        self.gateway_request_id
            .as_deref()
            .or(self.lambda_request_id.as_deref())
    }

    /// Runs `work` measured, so store calls inside it count toward this request.
    pub(crate) async fn measure<F: Future>(&self, work: F) -> F::Output {
        let (output, usage) = meter::measured_for(self.tracer.clone(), work).await;
        if let Ok(mut kept) = self.usage.lock() {
            *kept = usage;
        }
        output
    }

    /// Writes the request's log line and its metrics document.
    pub(crate) fn finish(self, telemetry: &Telemetry, outcome: &Outcome<'_>) {
        let duration_us = self.started.elapsed().as_micros() as u64;
        let store = self.usage.lock().map(|usage| *usage).unwrap_or_default();
        // The one line per request. Never bodies, query values, headers or tokens: the caller's
        // id is the only personal datum. Store figures: one field each, `store_` first.
        tracing::info!(
            cold_start = self.cold_start,
            request_id = self.gateway_request_id.as_deref(),
            lambda_request_id = self.lambda_request_id.as_deref(),
            function_name = self.function_name.as_deref(),
            function_version = self.function_version.as_deref(),
            method = outcome.method.as_str(),
            route = outcome.route,
            status = outcome.status,
            duration_us,
            user_id = outcome.user_id,
            result_items = outcome.result_items,
            result_bytes = outcome.result_bytes,
            store_calls = store.calls,
            store_us = store.busy_us,
            store_retries = store.retries,
            store_sdk_attempts = store.sdk_attempts,
            store_requests = store.requests,
            store_items_read = store.items_read,
            store_items_written = store.items_written,
            store_bytes_sent = store.bytes_sent,
            store_bytes_received = store.bytes_received,
            store_read_milli_units = store.read_milli_units,
            store_write_milli_units = store.write_milli_units,
            "request"
        );
        let document = emf::Document {
            timestamp: SystemTime::now(),
            function_name: self.function_name.as_deref().unwrap_or("local"),
            route: outcome.route,
            status: outcome.status,
            cold_start: self.cold_start,
            duration_us,
            result_items: outcome.result_items,
            result_bytes: outcome.result_bytes,
            store: &store,
            request_id: self.gateway_request_id.as_deref(),
            lambda_request_id: self.lambda_request_id.as_deref(),
        };
        telemetry.write_metrics(&document.to_json());
    }
}

//! What operators see of each invocation (docs/operations.md): one log line, one CloudWatch
//! metrics document in Embedded Metric Format on stdout, and a `tracing` span per store call.
//!
//! [`Telemetry`] lives as long as the instance; [`InvocationRecord`] follows one invocation
//! (an HTTP request from the event door to its response, or a piece of work such as a scheduled
//! sync) and writes both the log line and the metrics document.

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
pub struct Telemetry {
    cold_start: AtomicBool,
    metrics_out: Mutex<Box<dyn Write + Send>>,
    xray: Option<Arc<XrayDaemon>>,
}

impl Telemetry {
    /// Metrics to stdout, subsegments to the daemon `AWS_XRAY_DAEMON_ADDRESS` names.
    pub fn from_env() -> Self {
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
    pub fn begin(
        &self,
        context: Option<&Context>,
        gateway_request_id: Option<String>,
    ) -> InvocationRecord {
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        InvocationRecord {
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

/// How an invocation ended, as the log line and the metrics document report it.
pub enum Outcome<'a> {
    /// An HTTP request answered: its line is the `request` line.
    Http(HttpOutcome<'a>),
    /// Work that is no HTTP request (a scheduled sync, a stream batch): an `invocation` line.
    Work(WorkOutcome<'a>),
}

/// How an HTTP request ended.
pub struct HttpOutcome<'a> {
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

/// How a piece of work that is no HTTP request ended.
pub struct WorkOutcome<'a> {
    /// What the function does, a fixed name (`calendar-sync`): a metrics dimension.
    pub work: &'a str,
    /// Items the invocation dealt with (calendars, stream records), and those that failed.
    pub items_handled: u64,
    pub items_failed: u64,
}

impl Outcome<'_> {
    /// The log line's message.
    fn message(&self) -> &'static str {
        match self {
            Outcome::Http(_) => "request",
            Outcome::Work(_) => "invocation",
        }
    }
}

/// One invocation, from its start to its log line.
pub struct InvocationRecord {
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

impl InvocationRecord {
    /// The id a client can quote: API Gateway's (also its `apigw-requestid` header and the
    /// access log's `requestId`), else Lambda's (ALB events, direct invocations).
    pub(crate) fn request_id(&self) -> Option<&str> {
        self.gateway_request_id
            .as_deref()
            .or(self.lambda_request_id.as_deref())
    }

    /// Runs `work` measured, so store calls inside it count toward this request.
    pub async fn measure<F: Future>(&self, work: F) -> F::Output {
        let (output, usage) = meter::measured_for(self.tracer.clone(), work).await;
        if let Ok(mut kept) = self.usage.lock() {
            *kept = usage;
        }
        output
    }

    /// Writes the invocation's log line and its metrics document.
    pub fn finish(self, telemetry: &Telemetry, outcome: &Outcome<'_>) {
        let duration_us = self.started.elapsed().as_micros() as u64;
        let store = self.usage.lock().map(|usage| *usage).unwrap_or_default();
        let (http, work) = match outcome {
            Outcome::Http(http) => (Some(http), None),
            Outcome::Work(work) => (None, Some(work)),
        };
        // The one line per invocation. Never bodies, query values, headers or tokens: the
        // caller's id is the only personal datum. A field whose value is `None` is left out, so
        // each kind of outcome shows only its own. Store figures: one field each, `store_` first.
        tracing::info!(
            cold_start = self.cold_start,
            request_id = self.gateway_request_id.as_deref(),
            lambda_request_id = self.lambda_request_id.as_deref(),
            function_name = self.function_name.as_deref(),
            function_version = self.function_version.as_deref(),
            work = work.map(|work| work.work),
            method = http.map(|http| http.method.as_str()),
            route = http.map(|http| http.route),
            status = http.map(|http| http.status),
            duration_us,
            user_id = http.and_then(|http| http.user_id),
            result_items = http.and_then(|http| http.result_items),
            result_bytes = http.map(|http| http.result_bytes),
            items_handled = work.map(|work| work.items_handled),
            items_failed = work.map(|work| work.items_failed),
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
            "{}",
            outcome.message()
        );
        let document = emf::Document {
            timestamp: SystemTime::now(),
            function_name: self.function_name.as_deref().unwrap_or("local"),
            outcome,
            cold_start: self.cold_start,
            duration_us,
            store: &store,
            request_id: self.gateway_request_id.as_deref(),
            lambda_request_id: self.lambda_request_id.as_deref(),
        };
        telemetry.write_metrics(&document.to_json());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meter::{Backend, Cost, store_call};
    use lambda_http::tracing::subscriber;
    use serde_json::{Value, json};

    /// Lines written, shared with the test.
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
        fn json_lines(&self) -> Vec<Value> {
            let text = String::from_utf8(self.0.lock().expect("not poisoned").clone());
            text.expect("UTF-8")
                .lines()
                .map(|line| serde_json::from_str(line).expect("JSON"))
                .collect()
        }
    }

    #[tokio::test]
    async fn work_that_is_no_http_request_logs_and_reports_its_store_figures() {
        let (log, metrics) = (Captured::default(), Captured::default());
        let json_logs = subscriber::fmt()
            .json()
            .without_time()
            .with_writer({
                let log = log.clone();
                move || log.clone()
            })
            .finish();
        let _logging = tracing::subscriber::set_default(json_logs);
        let telemetry = Telemetry::from_env().with_metrics_output(Box::new(metrics.clone()));

        let record = telemetry.begin(None, None);
        record
            .measure(store_call(Backend::Memory, "load", "memory", async {
                meter::add(Cost::Request { bytes_sent: 40 });
                meter::add(Cost::ItemsRead(3));
                meter::add(Cost::ReadUnits(1.5));
            }))
            .await;
        let outcome = Outcome::Work(WorkOutcome {
            work: "calendar-sync",
            items_handled: 4,
            items_failed: 1,
        });
        record.finish(&telemetry, &outcome);

        let lines: Vec<Value> = log
            .json_lines()
            .into_iter()
            .map(|line| line["fields"].clone())
            .filter(|fields| fields["message"] == "invocation")
            .collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line = &lines[0];
        assert_eq!(
            (&line["work"], &line["items_handled"], &line["items_failed"]),
            (&json!("calendar-sync"), &json!(4), &json!(1))
        );
        assert_eq!(line["cold_start"], true);
        assert!(line["duration_us"].is_u64(), "{line}");
        for (figure, value) in [
            ("store_calls", 1),
            ("store_retries", 0),
            ("store_requests", 1),
            ("store_items_read", 3),
            ("store_bytes_sent", 40),
            ("store_read_milli_units", 1500),
        ] {
            assert_eq!(line[figure], value, "{figure}: {line}");
        }
        for http_only in ["method", "route", "status", "result_bytes", "user_id"] {
            assert!(line.get(http_only).is_none(), "{http_only}: {line}");
        }

        let documents = metrics.json_lines();
        assert_eq!(documents.len(), 1);
        let document = &documents[0];
        let directive = &document["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Dimensions"], json!([["FunctionName", "Work"]]));
        assert_eq!(
            (&document["FunctionName"], &document["Work"]),
            (&json!("local"), &json!("calendar-sync"))
        );
        let declared: Vec<&str> = directive["Metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .map(|metric| metric["Name"].as_str().expect("a name"))
            .collect();
        assert_eq!(
            declared,
            [
                "ColdStart",
                "Duration",
                "ItemsHandled",
                "ItemsFailed",
                "StoreLatency",
                "StoreRetries",
                "StoreRequests",
                "StoreReadUnits",
                "StoreWriteUnits"
            ]
        );
        for name in &declared {
            assert!(document[name].is_number(), "{name}: {document}");
        }
        assert_eq!(
            (&document["StoreRequests"], &document["StoreReadUnits"]),
            (&json!(1), &json!(1.5))
        );
        for http_only in ["Route", "StatusClass", "Requests", "ResultBytes"] {
            assert!(document.get(http_only).is_none(), "{http_only}: {document}");
        }
    }
}

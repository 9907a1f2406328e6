//! X-Ray subsegments for store calls, sent the way the X-Ray SDKs send them: one UDP datagram
//! per subsegment to the daemon Lambda runs beside the function (`AWS_XRAY_DAEMON_ADDRESS`),
//! under the function's segment named by the invocation's trace header. No API call, nothing
//! to wait for; a datagram that is lost only loses that subsegment.

use crate::meter::{Backend, CallObserver, StoreCall};
use serde::Serialize;
use std::hash::BuildHasher;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The daemon's address and a socket to reach it, one per instance.
pub(crate) struct XrayDaemon {
    socket: UdpSocket,
    address: SocketAddr,
}

impl XrayDaemon {
    /// The daemon Lambda names in `AWS_XRAY_DAEMON_ADDRESS` (with `Tracing: Active`).
    pub(crate) fn from_env() -> Option<Self> {
        Self::at(&std::env::var("AWS_XRAY_DAEMON_ADDRESS").ok()?)
    }

    /// `host:port`, or the `udp:host:port tcp:host:port` form the SDKs also accept.
    pub(crate) fn at(setting: &str) -> Option<Self> {
        let udp = setting
            .split_whitespace()
            .find_map(|part| part.strip_prefix("udp:"))
            .unwrap_or(setting.trim());
        let address: SocketAddr = udp.parse().ok()?;
        let local = if address.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        };
        let socket = UdpSocket::bind(local).ok()?;
        Some(Self { socket, address })
    }
}

/// Where one sampled invocation's subsegments go.
pub(crate) struct Tracer {
    daemon: Arc<XrayDaemon>,
    trace_id: String,
    parent_id: String,
}

impl Tracer {
    /// A tracer for the invocation whose Lambda trace header is `header`
    /// (`Root=1-…;Parent=…;Sampled=1`); none when the invocation is not sampled.
    pub(crate) fn for_invocation(daemon: Arc<XrayDaemon>, header: &str) -> Option<Self> {
        let field = |name: &str| {
            header
                .split(';')
                .find_map(|part| part.trim().strip_prefix(name)?.strip_prefix('='))
        };
        if field("Sampled") != Some("1") {
            return None;
        }
        Some(Self {
            trace_id: field("Root")?.to_owned(),
            parent_id: field("Parent")?.to_owned(),
            daemon,
        })
    }
}

impl CallObserver for Tracer {
    /// Sends the subsegment of one store call.
    fn store_call(&self, store_call: &StoreCall<'_>) {
        let StoreCall {
            backend,
            operation,
            table,
            start,
            end,
        } = *store_call;
        let seconds = |at: SystemTime| {
            at.duration_since(UNIX_EPOCH)
                .map_or(0.0, |since| since.as_secs_f64())
        };
        let call = Some(Call {
            operation,
            table_name: table,
        });
        let (aws, metadata) = match backend {
            Backend::DynamoDb => (call, None),
            Backend::Memory => (None, Some(Metadata { store: call })),
        };
        let subsegment = Subsegment {
            name: backend.name(),
            id: &segment_id(),
            trace_id: &self.trace_id,
            parent_id: &self.parent_id,
            kind: "subsegment",
            start_time: seconds(start),
            end_time: seconds(end),
            namespace: matches!(backend, Backend::DynamoDb).then_some("aws"),
            aws,
            metadata,
        };
        // Plain strings and numbers: serializing cannot fail.
        let Ok(document) = serde_json::to_string(&subsegment) else {
            return;
        };
        let datagram = format!("{{\"format\":\"json\",\"version\":1}}\n{document}");
        let _ = self
            .daemon
            .socket
            .send_to(datagram.as_bytes(), self.daemon.address);
    }
}

#[derive(Serialize)]
struct Subsegment<'a> {
    name: &'static str,
    id: &'a str,
    trace_id: &'a str,
    parent_id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    start_time: f64,
    end_time: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aws: Option<Call<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Metadata<'a>>,
}

#[derive(Serialize)]
struct Call<'a> {
    operation: &'a str,
    table_name: &'a str,
}

#[derive(Serialize)]
struct Metadata<'a> {
    store: Option<Call<'a>>,
}

/// 64 random bits as 16 hex digits, the form X-Ray wants (the std hasher's keys are seeded per
/// process from the OS; the counter keeps ids apart within one instant).
fn segment_id() -> String {
    static SENT: AtomicU64 = AtomicU64::new(0);
    let random = std::collections::hash_map::RandomState::new()
        .hash_one((SystemTime::now(), SENT.fetch_add(1, Ordering::Relaxed)));
    format!("{random:016x}")
}

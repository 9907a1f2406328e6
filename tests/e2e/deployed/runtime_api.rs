//! A stand-in for the Lambda Runtime API (`/2018-06-01/runtime/...`) on 127.0.0.1, serving one
//! function process: it hands out one invocation at a time on `invocation/next` (a long poll)
//! and takes its `response` or `error`, refusing a response over Lambda's payload limit with
//! the 413 Lambda's own Runtime API gives. One instance per process: a process that is killed
//! takes its server with it, so a late request from it can never take the next invocation.

use super::http1::{read_request, write_response};
use std::io::BufReader;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Lambda's limit for a synchronous invocation's payload, each way (the figure its own error
/// message gives: "Exceeded maximum allowed payload size (6291556 bytes).").
pub(crate) const PAYLOAD_LIMIT: usize = 6_291_556;

pub(crate) struct Invocation {
    pub(crate) request_id: String,
    pub(crate) event: Vec<u8>,
    pub(crate) deadline_epoch_ms: u128,
    pub(crate) function_arn: String,
    pub(crate) trace_id: String,
}

#[derive(Debug)]
pub(crate) enum Reply {
    Response(Vec<u8>),
    /// The function posted a response of this many bytes, over [`PAYLOAD_LIMIT`].
    ResponseTooLarge(usize),
    Error {
        error_type: String,
        body: String,
    },
}

#[derive(Default)]
struct State {
    /// The runtime asked for its first invocation: initialization is over.
    ready: bool,
    pending: Option<Invocation>,
    in_flight: Option<String>,
    reply: Option<(String, Reply)>,
    init_error: Option<String>,
    closed: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

pub(crate) struct RuntimeApi {
    shared: Arc<Shared>,
    pub(crate) address: SocketAddr,
}

impl RuntimeApi {
    pub(crate) fn start() -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a local port for the Runtime API");
        let address = listener.local_addr().expect("a bound address");
        let shared = Arc::new(Shared::default());
        let accepting = Arc::clone(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.lock().closed {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let connection = Arc::clone(&accepting);
                std::thread::spawn(move || serve_connection(&connection, stream));
            }
        });
        RuntimeApi { shared, address }
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.shared.lock().ready
    }

    pub(crate) fn init_error(&self) -> Option<String> {
        self.shared.lock().init_error.clone()
    }

    /// Sleeps until the state changes or `timeout` passes.
    pub(crate) fn wait_for_change(&self, timeout: Duration) {
        let state = self.shared.lock();
        let _ = self.shared.changed.wait_timeout(state, timeout);
    }

    pub(crate) fn dispatch(&self, invocation: Invocation) {
        let mut state = self.shared.lock();
        state.reply = None;
        state.pending = Some(invocation);
        self.shared.changed.notify_all();
    }

    /// The reply to `request_id` if it came within `timeout`.
    pub(crate) fn take_reply(&self, request_id: &str, timeout: Duration) -> Option<Reply> {
        let until = Instant::now() + timeout;
        let mut state = self.shared.lock();
        loop {
            if state.reply.as_ref().is_some_and(|(id, _)| id == request_id) {
                return state.reply.take().map(|(_, reply)| reply);
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.changed.notify_all();
        // Wakes the accept loop so that it sees `closed`.
        let _ = TcpStream::connect(self.address);
    }
}

fn serve_connection(shared: &Shared, stream: TcpStream) {
    let Ok(reading) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(reading);
    let mut stream = stream;
    while let Ok(Some(request)) = read_request(&mut reader) {
        let json = |value: serde_json::Value| value.to_string().into_bytes();
        let accepted = json(serde_json::json!({"status": "OK"}));
        let content_type = [("content-type", "application/json".to_owned())];
        let path = request.path.trim_start_matches("/2018-06-01/runtime");
        let written = match (request.method.as_str(), path) {
            ("GET", "/invocation/next") => {
                let Some(invocation) = next_invocation(shared) else {
                    return;
                };
                let headers = [
                    ("content-type", "application/json".to_owned()),
                    ("lambda-runtime-aws-request-id", invocation.request_id),
                    (
                        "lambda-runtime-deadline-ms",
                        invocation.deadline_epoch_ms.to_string(),
                    ),
                    (
                        "lambda-runtime-invoked-function-arn",
                        invocation.function_arn,
                    ),
                    ("lambda-runtime-trace-id", invocation.trace_id),
                ];
                write_response(&mut stream, 200, &headers, &invocation.event)
            }
            ("POST", "/init/error") => {
                let mut state = shared.lock();
                state.init_error = Some(String::from_utf8_lossy(&request.body).into_owned());
                shared.changed.notify_all();
                drop(state);
                write_response(&mut stream, 202, &content_type, &accepted)
            }
            ("POST", path) if path.starts_with("/invocation/") => {
                let rest = &path["/invocation/".len()..];
                let (request_id, kind) = rest.split_once('/').unwrap_or((rest, ""));
                let mut state = shared.lock();
                if state.in_flight.as_deref() != Some(request_id) {
                    drop(state);
                    let body = json(serde_json::json!({
                        "errorMessage": format!("Invalid request ID: {request_id}"),
                        "errorType": "InvalidRequestID"
                    }));
                    write_response(&mut stream, 400, &content_type, &body)
                } else {
                    let (status, body, reply) = match kind {
                        "response" if request.body.len() > PAYLOAD_LIMIT => (
                            413,
                            json(serde_json::json!({
                                "errorMessage": format!("Exceeded maximum allowed payload size ({PAYLOAD_LIMIT} bytes)."),
                                "errorType": "RequestEntityTooLarge"
                            })),
                            Reply::ResponseTooLarge(request.body.len()),
                        ),
                        "response" => (202, accepted, Reply::Response(request.body.clone())),
                        _ => (
                            202,
                            accepted,
                            Reply::Error {
                                error_type: request
                                    .header("lambda-runtime-function-error-type")
                                    .unwrap_or("Unhandled")
                                    .to_owned(),
                                body: String::from_utf8_lossy(&request.body).into_owned(),
                            },
                        ),
                    };
                    state.in_flight = None;
                    state.reply = Some((request_id.to_owned(), reply));
                    shared.changed.notify_all();
                    drop(state);
                    write_response(&mut stream, status, &content_type, &body)
                }
            }
            _ => write_response(&mut stream, 404, &content_type, b"{}"),
        };
        if written.is_err() {
            return;
        }
    }
}

/// Long-polls for the next invocation; `None` once the server is closed.
fn next_invocation(shared: &Shared) -> Option<Invocation> {
    let mut state = shared.lock();
    state.ready = true;
    shared.changed.notify_all();
    loop {
        if state.closed {
            return None;
        }
        if let Some(invocation) = state.pending.take() {
            state.in_flight = Some(invocation.request_id.clone());
            return Some(invocation);
        }
        state = shared
            .changed
            .wait(state)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
    }
}

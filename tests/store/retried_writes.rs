//! Writes whose answer is lost on the way back: DynamoDB committed them, the SDK retries the same
//! conditional request, and the retry's version condition fails. The store must recognize its
//! own committed write rather than apply the change a second time.
//!
//! A small TCP proxy sits between the store's SDK client and moto; armed with a fault, it lets
//! one chosen write reach moto and commit, then closes the client's connection instead of
//! answering (optionally after another writer has written on top).

use crate::moto::{fresh_table, local_endpoint, store_on};
use availability_api::api::{self, App};
use availability_api::config::Config;
use availability_api::domain::{Interval, IntervalSet};
use availability_api::store::dynamodb::client_config;
use availability_api::store::{AvailabilityStore, DynamoDbStore, Scope};
use aws_sdk_dynamodb::Client;
use lambda_http::{Context, LambdaEvent};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PUT: &str = "PutItem";
const TRANSACT: &str = "TransactWriteItems";

// --- The proxy ---

type Meanwhile = Pin<Box<dyn Future<Output = ()> + Send>>;

/// What the proxy does to the next request of one operation.
struct Fault {
    operation: &'static str,
    /// Lost answer: forward, let moto commit, run `meanwhile`, then close without answering.
    /// Otherwise a genuine race: run `meanwhile` first, then forward and answer as usual.
    drop_answer: bool,
    meanwhile: Option<Meanwhile>,
}

#[derive(Default)]
struct ProxyState {
    fault: Option<Fault>,
    /// Requests seen per operation, retries included.
    seen: HashMap<String, usize>,
}

struct Proxy {
    url: String,
    state: Arc<Mutex<ProxyState>>,
}

impl Proxy {
    async fn start() -> Proxy {
        let upstream = local_endpoint()
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let state = Arc::new(Mutex::new(ProxyState::default()));
        let shared = Arc::clone(&state);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, state) = (upstream.clone(), Arc::clone(&shared));
                tokio::spawn(async move {
                    // A failed connection shows up as the SDK's error; nothing to do here.
                    let _ = relay(client, &upstream, &state).await;
                });
            }
        });
        Proxy { url, state }
    }

    fn arm(&self, operation: &'static str, drop_answer: bool, meanwhile: Option<Meanwhile>) {
        self.state.lock().expect("proxy state").fault = Some(Fault {
            operation,
            drop_answer,
            meanwhile,
        });
    }

    fn seen(&self, operation: &str) -> usize {
        let state = self.state.lock().expect("proxy state");
        state.seen.get(operation).copied().unwrap_or(0)
    }

    fn fault_fired(&self) -> bool {
        self.state.lock().expect("proxy state").fault.is_none()
    }

    /// A store whose client goes through this proxy, configured as `main` configures it (the
    /// SDK's default retry included).
    async fn store(&self, table: &str) -> DynamoDbStore {
        let config = client_config().endpoint_url(&self.url).build();
        DynamoDbStore::new(Client::from_conf(config), table)
    }
}

/// One request per connection: moto answers HTTP/1.0 with `Connection: close`, so the SDK opens
/// a new connection for each request anyway.
async fn relay(
    mut client: TcpStream,
    upstream: &str,
    state: &Mutex<ProxyState>,
) -> std::io::Result<()> {
    let Some((request, operation)) = read_request(&mut client).await? else {
        return Ok(());
    };
    let mut fault = {
        let mut state = state.lock().expect("proxy state");
        *state.seen.entry(operation.clone()).or_default() += 1;
        match &state.fault {
            Some(fault) if fault.operation == operation => state.fault.take(),
            _ => None,
        }
    };
    if let Some(fault) = fault.as_mut().filter(|fault| !fault.drop_answer)
        && let Some(meanwhile) = fault.meanwhile.take()
    {
        meanwhile.await;
    }
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(&request).await?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).await?;
    if let Some(fault) = fault.filter(|fault| fault.drop_answer) {
        if let Some(meanwhile) = fault.meanwhile {
            meanwhile.await;
        }
        // Committed, and the answer goes nowhere: dropping `client` closes the connection.
        return Ok(());
    }
    client.write_all(&answer).await?;
    client.shutdown().await
}

/// The raw bytes of one HTTP/1.1 request and its DynamoDB operation (from `X-Amz-Target`).
async fn read_request(client: &mut TcpStream) -> std::io::Result<Option<(Vec<u8>, String)>> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    let head_end = loop {
        if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let read = client.read(&mut buffer).await?;
        if read == 0 {
            return Ok(None);
        }
        request.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
    let header = |name: &str| {
        head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
    };
    let length: usize = header("content-length")
        .and_then(|value| value.parse().ok())
        .unwrap_or(0);
    // `DynamoDB_20120810.PutItem`
    let operation = header("x-amz-target")
        .and_then(|target| Some(target.split_once('.')?.1.to_owned()))
        .unwrap_or_default();
    while request.len() < head_end + length {
        let read = client.read(&mut buffer).await?;
        if read == 0 {
            return Ok(None);
        }
        request.extend_from_slice(&buffer[..read]);
    }
    Ok(Some((request, operation)))
}

// --- Requests through the handler, as API Gateway sends them ---

struct Reply {
    status: u16,
    etag: Option<String>,
    body: String,
}

async fn call(
    app: &App<DynamoDbStore>,
    method: &str,
    user: &str,
    if_match: Option<&str>,
    body: Value,
) -> Reply {
    let mut headers = json!({"content-type": "application/json", "x-user-id": user});
    if let Some(etag) = if_match {
        headers["if-match"] = json!(etag);
    }
    let event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/availability",
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "k7pq2x9d1m",
            "domainName": "k7pq2x9d1m.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "k7pq2x9d1m",
            "http": {"method": method, "path": "/availability", "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.7", "userAgent": "test"},
            "requestId": "test-request",
            "routeKey": "$default",
            "stage": "$default",
            "time": "27/Sep/2024:08:59:12 +0000",
            "timeEpoch": 1727427552000u64
        },
        "body": body.to_string(),
        "isBase64Encoded": false
    });
    let raw = api::handle_event(app, LambdaEvent::new(event, Context::default()))
        .await
        .expect("the handler answers every event");
    Reply {
        status: raw["statusCode"].as_u64().expect("a status") as u16,
        etag: raw["headers"]["etag"].as_str().map(str::to_owned),
        body: raw["body"].as_str().unwrap_or_default().to_owned(),
    }
}

fn hour(h: u32) -> String {
    format!("2024-09-30T{h:02}:00:00Z")
}

fn hour_ms(h: u32) -> i64 {
    // 2024-09-30T00:00:00Z
    1_727_654_400_000 + i64::from(h) * 3_600_000
}

async fn post(app: &App<DynamoDbStore>, user: &str, from: u32, if_match: Option<&str>) -> Reply {
    let body = json!({"availability": [{"start_time": hour(from), "end_time": hour(from + 1)}]});
    call(app, "POST", user, if_match, body).await
}

async fn delete(app: &App<DynamoDbStore>, user: &str, from: u32, if_match: Option<&str>) -> Reply {
    let body = json!({"start_time": hour(from), "end_time": hour(from + 1)});
    call(app, "DELETE", user, if_match, body).await
}

/// The user's slots as (start hour, end hour) on the test day.
async fn hours_of(store: &DynamoDbStore, user: &str) -> (u64, Vec<(i64, i64)>) {
    let record = store
        .load(user, Some(Interval::ALL))
        .await
        .expect("the store answers");
    let day = hour_ms(0)..hour_ms(24);
    let hours = record
        .slots
        .as_slice()
        .iter()
        .filter(|slot| day.contains(&slot.start()))
        .map(|slot| {
            (
                (slot.start() - hour_ms(0)) / 3_600_000,
                (slot.end() - hour_ms(0)) / 3_600_000,
            )
        })
        .collect();
    (record.version, hours)
}

struct Setup {
    proxy: Proxy,
    app: App<DynamoDbStore>,
    /// Writes straight to moto: "another instance".
    other: Arc<DynamoDbStore>,
}

async fn setup() -> Setup {
    let table = fresh_table().await;
    let proxy = Proxy::start().await;
    let app = App::new(proxy.store(&table).await, Config::dev());
    let other = Arc::new(store_on(&table).await);
    Setup { proxy, app, other }
}

/// A write through the other instance, to run while the proxy holds a request.
fn other_writes(other: &Arc<DynamoDbStore>, user: &str, from: u32) -> Option<Meanwhile> {
    let (other, user) = (Arc::clone(other), user.to_owned());
    let slot = IntervalSet::from_normalized(vec![
        Interval::new(hour_ms(from), hour_ms(from + 1)).expect("an interval"),
    ]);
    Some(Box::pin(async move {
        other
            .update(&user, None, Scope::EVERYTHING, |current| {
                Ok::<_, ()>(current.with_added(&slot))
            })
            .await
            .expect("the other instance writes");
    }))
}

/// More intervals than one item holds, far from the test day: writes take the chunked
/// `TransactWriteItems` path.
async fn make_big(store: &DynamoDbStore, user: &str) {
    let many = IntervalSet::from_normalized(
        (0..25_000i64)
            .map(|i| Interval::new(i * 10, i * 10 + 5).expect("an interval"))
            .collect(),
    );
    let version = store
        .update(user, None, Scope::EVERYTHING, |current| {
            Ok::<_, ()>(current.with_added(&many))
        })
        .await
        .expect("the big record is written");
    assert_eq!(version, 1);
}

// --- Lost answers: the SDK retries a committed write ---

#[tokio::test]
async fn a_post_whose_answer_is_lost_is_stored_once() {
    let s = setup().await;
    assert_eq!(
        post(&s.app, "ana", 9, None).await.etag.as_deref(),
        Some("\"1\"")
    );
    let before = s.proxy.seen(PUT);
    s.proxy.arm(PUT, true, None);
    let reply = post(&s.app, "ana", 12, None).await;
    assert!(s.proxy.fault_fired());
    assert!(
        s.proxy.seen(PUT) - before >= 2,
        "the SDK retried the PutItem whose answer was lost"
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.etag.as_deref(), Some("\"2\""));
    assert_eq!(
        hours_of(&s.other, "ana").await,
        (2, vec![(9, 10), (12, 13)])
    );
}

#[tokio::test]
async fn a_delete_whose_answer_is_lost_answers_200_not_404() {
    let s = setup().await;
    post(&s.app, "ben", 9, None).await;
    post(&s.app, "ben", 12, None).await;
    s.proxy.arm(PUT, true, None);
    let reply = delete(&s.app, "ben", 9, None).await;
    assert!(s.proxy.fault_fired());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.etag.as_deref(), Some("\"3\""));
    assert_eq!(hours_of(&s.other, "ben").await, (3, vec![(12, 13)]));
}

#[tokio::test]
async fn a_current_if_match_write_whose_answer_is_lost_answers_200_not_412() {
    let s = setup().await;
    post(&s.app, "cy", 9, None).await;
    s.proxy.arm(PUT, true, None);
    let reply = post(&s.app, "cy", 12, Some("\"1\"")).await;
    assert!(s.proxy.fault_fired());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.etag.as_deref(), Some("\"2\""));
    assert_eq!(hours_of(&s.other, "cy").await, (2, vec![(9, 10), (12, 13)]));
}

#[tokio::test]
async fn a_lost_answer_is_recognized_after_another_writer_wrote_on_top() {
    let s = setup().await;
    post(&s.app, "dee", 9, None).await;
    // Our DELETE commits version 2, the other instance writes version 3, then our answer is
    // lost and the SDK's retry finds version 3.
    s.proxy.arm(PUT, true, other_writes(&s.other, "dee", 15));
    let reply = delete(&s.app, "dee", 9, Some("\"1\"")).await;
    assert!(s.proxy.fault_fired());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.etag.as_deref(),
        Some("\"2\""),
        "the version our write made"
    );
    assert_eq!(hours_of(&s.other, "dee").await, (3, vec![(15, 16)]));
}

#[tokio::test]
async fn chunked_writes_whose_answer_is_lost_answer_200() {
    let s = setup().await;
    make_big(&s.other, "eve").await;
    post(&s.app, "eve", 9, None).await;
    post(&s.app, "eve", 12, None).await;

    s.proxy.arm(TRANSACT, true, None);
    let reply = delete(&s.app, "eve", 9, None).await;
    assert!(s.proxy.fault_fired());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.etag.as_deref(), Some("\"4\""));

    s.proxy.arm(TRANSACT, true, None);
    let reply = post(&s.app, "eve", 15, Some("\"4\"")).await;
    assert!(s.proxy.fault_fired());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.etag.as_deref(), Some("\"5\""));

    assert_eq!(
        hours_of(&s.other, "eve").await,
        (5, vec![(12, 13), (15, 16)])
    );
    let record = s
        .other
        .load("eve", Some(Interval::ALL))
        .await
        .expect("the store answers");
    assert_eq!(record.slots.len(), 25_002, "the big record survived whole");
}

// --- Genuine races: another writer got there first, and the store still sees it ---

#[tokio::test]
async fn a_stale_if_match_still_answers_412() {
    let s = setup().await;
    post(&s.app, "fay", 9, None).await;
    s.proxy.arm(PUT, false, other_writes(&s.other, "fay", 15));
    let reply = post(&s.app, "fay", 12, Some("\"1\"")).await;
    assert!(s.proxy.fault_fired());
    assert_eq!(reply.status, 412, "{}", reply.body);
    assert_eq!(
        hours_of(&s.other, "fay").await,
        (2, vec![(9, 10), (15, 16)])
    );
}

#[tokio::test]
async fn a_write_that_lost_a_race_is_applied_on_top() {
    let s = setup().await;
    post(&s.app, "gus", 9, None).await;
    s.proxy.arm(PUT, false, other_writes(&s.other, "gus", 15));
    let reply = post(&s.app, "gus", 12, None).await;
    assert!(s.proxy.fault_fired());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.etag.as_deref(), Some("\"3\""));
    assert_eq!(
        hours_of(&s.other, "gus").await,
        (3, vec![(9, 10), (12, 13), (15, 16)])
    );
}

#[tokio::test]
async fn a_delete_another_writer_made_first_still_answers_404() {
    let s = setup().await;
    post(&s.app, "hal", 9, None).await;
    let (other, slot) = (
        Arc::clone(&s.other),
        Interval::new(hour_ms(9), hour_ms(10)).expect("an interval"),
    );
    let same_delete: Meanwhile = Box::pin(async move {
        other
            .update("hal", None, Scope::EVERYTHING, |current| {
                Ok::<_, ()>(current.with_removed(slot))
            })
            .await
            .expect("the other instance deletes");
    });
    s.proxy.arm(PUT, false, Some(same_delete));
    let reply = delete(&s.app, "hal", 9, None).await;
    assert!(s.proxy.fault_fired());
    assert_eq!(reply.status, 404, "{}", reply.body);
    assert_eq!(hours_of(&s.other, "hal").await, (2, vec![]));
}

#[tokio::test]
async fn a_chunked_write_with_a_stale_if_match_still_answers_412() {
    let s = setup().await;
    make_big(&s.other, "ida").await;
    s.proxy
        .arm(TRANSACT, false, other_writes(&s.other, "ida", 15));
    let reply = post(&s.app, "ida", 12, Some("\"1\"")).await;
    assert!(s.proxy.fault_fired());
    assert_eq!(reply.status, 412, "{}", reply.body);
    assert_eq!(hours_of(&s.other, "ida").await, (2, vec![(15, 16)]));
}

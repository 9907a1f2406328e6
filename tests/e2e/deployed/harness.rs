//! The stand-ins themselves: that they refuse, fail and answer the way API Gateway and Lambda
//! do. The limits are shown on small fake functions (bash speaking the Runtime API) that break
//! them on purpose; routing and the authorizer on the real function.

use super::fixture::{Deployed, Store};
use super::gateway::{Gateway, HttpRequest, test_token};
use super::lambda::{Failure, Function, FunctionSpec};
use super::runtime_api::PAYLOAD_LIMIT;
use super::template::{RouteKey, project_root};
use serde_json::json;
use std::time::Duration;

/// Asks for one invocation, then runs `then` (bash) with the request id in `$id`.
const FAKE_RUNTIME: &str = r#"
api=$AWS_LAMBDA_RUNTIME_API
exec 3<>"/dev/tcp/${api%:*}/${api#*:}"
send() { printf "$@" >&3; }
BEFORE_NEXT
send 'GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nhost: runtime\r\n\r\n'
id=
while IFS= read -r line <&3; do
  line=${line%$'\r'}
  [ -z "$line" ] && break
  case "${line,,}" in lambda-runtime-aws-request-id:*) id=${line#*: } ;; esac
done
THEN
"#;

fn fake_gateway(
    name: &str,
    before_next: &str,
    then: &str,
    memory_mb: u64,
    memory_by_rss: bool,
) -> Gateway {
    // Long enough for the memory hogs on a loaded machine; the timeout test sets its own.
    fake_gateway_with_timeout(name, before_next, then, memory_mb, memory_by_rss, 10)
}

fn fake_gateway_with_timeout(
    name: &str,
    before_next: &str,
    then: &str,
    memory_mb: u64,
    memory_by_rss: bool,
    timeout_s: u64,
) -> Gateway {
    let script = FAKE_RUNTIME
        .replace("BEFORE_NEXT", before_next)
        .replace("THEN", then);
    let out_dir = project_root().join("target").join("deployed");
    std::fs::create_dir_all(&out_dir).expect("target/deployed");
    let log_path = out_dir.join(format!("harness-{name}.log"));
    let _ = std::fs::remove_file(&log_path);
    let function = Function::new(FunctionSpec {
        command: vec!["/bin/bash".into(), "-c".into(), script],
        env: vec![("PATH".into(), "/usr/local/bin:/usr/bin/:/bin".into())],
        memory_bytes: memory_mb * 1024 * 1024,
        timeout: Duration::from_secs(timeout_s),
        function_arn: "arn:aws:lambda:us-east-1:123456789012:function:fake".into(),
        log_path,
        memory_by_rss,
    });
    Gateway {
        routes: vec![RouteKey {
            method: "ANY".into(),
            path: "/{proxy+}".into(),
            authorized: false,
        }],
        function,
        exchanges: Vec::new(),
    }
}

/// Sends one request to a fake function; returns the failure Lambda recorded.
fn failure_of(gateway: &mut Gateway) -> Option<Failure> {
    let response = gateway.send(&HttpRequest::new("GET", "/anything"));
    assert_eq!(
        response.status, 500,
        "a failed invocation is API Gateway's 500"
    );
    assert_eq!(response.json(), json!({"message": "Internal Server Error"}));
    gateway.exchanges.last()?.record.as_ref()?.failure.clone()
}

const RESPOND_TOO_LARGE: &str = r#"
{ send 'POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nhost: runtime\r\ncontent-length: 7000000\r\n\r\n' "$id"
  head -c 7000000 /dev/zero | tr '\0' a >&3; }
IFS= read -r status <&3
echo "runtime api answered: $status"
exec sleep 600
"#;

#[test]
fn a_response_over_the_payload_limit_fails_the_invocation() {
    let mut gateway = fake_gateway("too-large", "", RESPOND_TOO_LARGE, 256, false);
    assert_eq!(
        failure_of(&mut gateway),
        Some(Failure::ResponseTooLarge(7_000_000))
    );
    // The script logs the Runtime API's answer just after the harness has recorded it.
    let log_path = project_root().join("target/deployed/harness-too-large.log");
    let mut log = String::new();
    for _ in 0..100 {
        log = std::fs::read_to_string(&log_path).unwrap_or_default();
        if log.contains("413") {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        log.contains("HTTP/1.1 413"),
        "the runtime was told 413: {log}"
    );
}

#[test]
fn a_function_error_is_api_gateways_500() {
    let then = r#"
body='{"errorType":"Boom","errorMessage":"boom"}'
send 'POST /2018-06-01/runtime/invocation/%s/error HTTP/1.1\r\nhost: runtime\r\nlambda-runtime-function-error-type: Boom\r\ncontent-length: %s\r\n\r\n%s' "$id" "${#body}" "$body"
exec sleep 600
"#;
    let mut gateway = fake_gateway("error", "", then, 256, false);
    match failure_of(&mut gateway) {
        Some(Failure::FunctionError { error_type, body }) => {
            assert_eq!(error_type, "Boom");
            assert!(body.contains("boom"));
        }
        other => panic!("a function error, not {other:?}"),
    }
}

#[test]
fn past_its_timeout_the_process_is_killed_and_replaced() {
    let mut gateway = fake_gateway_with_timeout("timeout", "", "exec sleep 600", 256, false, 1);
    assert_eq!(failure_of(&mut gateway), Some(Failure::Timeout));
    let record = gateway.exchanges[0].record.clone().expect("invoked");
    assert!(record.duration >= Duration::from_secs(1));
    assert!(
        record.duration < Duration::from_secs(3),
        "{:?}",
        record.duration
    );
    assert_eq!(failure_of(&mut gateway), Some(Failure::Timeout));
    assert_eq!(
        gateway.function.starts, 2,
        "a new environment for the next invocation"
    );
}

#[test]
fn a_crash_during_an_invocation_fails_it() {
    let mut gateway = fake_gateway("crash", "", "exit 3", 256, false);
    assert!(matches!(
        failure_of(&mut gateway),
        Some(Failure::Crashed(_))
    ));
}

#[test]
fn an_init_error_fails_the_invocation() {
    let before = r#"
body='{"errorType":"Runtime.InitError","errorMessage":"no config"}'
send 'POST /2018-06-01/runtime/init/error HTTP/1.1\r\nhost: runtime\r\ncontent-length: %s\r\n\r\n%s' "${#body}" "$body"
exec sleep 600
"#;
    let mut gateway = fake_gateway("init-error", before, "", 256, false);
    assert!(
        matches!(failure_of(&mut gateway), Some(Failure::InitFailed(message)) if message.contains("no config"))
    );
}

const HOG_MEMORY: &str = r#"
hog=$(head -c 60000000 /dev/zero | tr '\0' a)
echo "${#hog}"
sleep 600
"#;

#[test]
fn memory_over_the_limit_fails_the_invocation_by_cgroup_or_peak_rss() {
    let mut gateway = fake_gateway("memory", "", HOG_MEMORY, 32, false);
    let by = if gateway.function.memory_by_cgroup {
        "cgroup"
    } else {
        "peak RSS"
    };
    let failure = failure_of(&mut gateway);
    assert!(
        matches!(failure, Some(Failure::OutOfMemory { .. })),
        "over 32 MB by {by}: {failure:?}"
    );
}

#[test]
fn memory_over_the_limit_fails_the_invocation_by_peak_rss() {
    let mut gateway = fake_gateway("memory-rss", "", HOG_MEMORY, 32, true);
    assert!(!gateway.function.memory_by_cgroup);
    // Without a cgroup, the harness watches the peak RSS while it waits.
    let failure = failure_of(&mut gateway);
    assert!(
        matches!(failure, Some(Failure::OutOfMemory { peak_bytes }) if peak_bytes > 32 * 1024 * 1024),
        "{failure:?}"
    );
}

fn deployed(label: &str) -> Option<Deployed> {
    Deployed::start(Store::Memory, label)
}

#[test]
fn a_request_over_the_payload_limit_never_reaches_the_function() {
    let Some(mut deployed) = deployed("payload-limit") else {
        return;
    };
    let body = format!(
        "{{\"availability\": [], \"x\": \"{}\"}}",
        "a".repeat(PAYLOAD_LIMIT)
    );
    let response = deployed.send_unchecked(
        HttpRequest::new("POST", "/availability")
            .signed_in("user123")
            .header("content-type", "application/json")
            .raw_body(body.as_bytes()),
    );
    assert_eq!(response.status, 500);
    assert_eq!(response.json(), json!({"message": "Internal Server Error"}));
    let record = deployed
        .gateway
        .exchanges
        .last()
        .and_then(|e| e.record.clone());
    assert!(
        matches!(record.and_then(|r| r.failure), Some(Failure::RequestTooLarge(n)) if n > PAYLOAD_LIMIT)
    );
    let response = deployed.send(HttpRequest::new("GET", "/availability").signed_in("user123"));
    assert_eq!(response.status, 200);
    assert_eq!(deployed.gateway.function.starts, 1);
}

#[test]
fn only_the_templates_routes_reach_the_function() {
    let Some(mut deployed) = deployed("routing") else {
        return;
    };
    for target in [
        "/admin",
        "/availability/other",
        "/overlap/a/b",
        "/availabilityx",
    ] {
        let response = deployed.send(HttpRequest::new("GET", target).signed_in("user123"));
        assert_eq!(response.status, 404, "{target}");
        assert_eq!(response.json(), json!({"message": "Not Found"}), "{target}");
        assert!(!deployed.gateway.exchanges.last().is_some_and(|e| e.invoked));
    }
    // Each path is routed as `ANY`: a wrong method reaches the function and gets its 405.
    let response = deployed.send(HttpRequest::new("POST", "/"));
    assert_eq!(response.status, 405);
    assert_eq!(response.header("allow"), Some("GET, HEAD, OPTIONS"));
}

#[test]
fn guarded_routes_need_a_bearer_token_and_hand_its_claims_to_the_function() {
    let Some(mut deployed) = deployed("authorizer") else {
        return;
    };
    let unauthorized = json!({"message": "Unauthorized"});
    let expired = test_token(&json!({"sub": "alice", "exp": 1_000_000_000}));
    for request in [
        HttpRequest::new("GET", "/availability"),
        HttpRequest::new("GET", "/availability").header("authorization", "Bearer not-a-jwt"),
        HttpRequest::new("GET", "/availability")
            .header("authorization", &format!("Bearer {expired}")),
        HttpRequest::new("GET", "/availability").header("x-user-id", "alice"),
    ] {
        let response = deployed.send(request);
        assert_eq!(
            (response.status, response.json()),
            (401, unauthorized.clone())
        );
        assert!(!deployed.gateway.exchanges.last().is_some_and(|e| e.invoked));
    }
    let response = deployed.send(HttpRequest::new("GET", "/"));
    assert_eq!(response.status, 200, "GET / is open");
    let response = deployed.send(HttpRequest::new("GET", "/availability").signed_in("alice"));
    assert_eq!(response.status, 200);
    assert_eq!(
        response.json()["user_id"],
        "alice",
        "the token's sub is the caller"
    );
}

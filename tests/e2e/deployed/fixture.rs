//! The function as deployed, ready for requests: the release binary behind the Lambda and
//! HTTP API stand-ins, with the in-memory store or the DynamoDB store on moto. Every request
//! sent through [`Deployed::send`] is checked against the deployment's limits.
//!
//! Environment:
//! - `DEPLOYED_BINARY`: the function binary (default `target/release/availability-api`; build
//!   it with `cargo build --release --locked --features dynamodb`).
//! - `DEPLOYED_RUNNER`: words put before it, e.g. `qemu-aarch64-static -L /usr/aarch64-linux-gnu`.
//! - `DEPLOYED_TEMPLATE`: the template to deploy (default the repository's template.yaml).
//! - `E2E_REQUIRED=1` (set by `scripts/test.sh`): fail instead of skipping when the binary is
//!   missing ([`crate::requirements`]).
//! - `AWS_ENDPOINT_URL` (from `scripts/with-moto.sh`): runs the DynamoDB variants.
//! - `DEPLOYED_MEMORY_BY=rss`: enforce memory by peak RSS even where a cgroup is possible.

use super::gateway::{Exchange, Gateway, HttpRequest, HttpResponse};
use super::lambda::{Function, FunctionSpec};
use super::moto;
use super::runtime_api::PAYLOAD_LIMIT;
use super::template::{EnvValue, Template, project_root};
use crate::requirements::unmet;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Store {
    Memory,
    DynamoDb,
}

impl Store {
    fn label(self) -> &'static str {
        match self {
            Store::Memory => "memory",
            Store::DynamoDb => "dynamodb",
        }
    }
}

pub(crate) struct Deployed {
    pub(crate) gateway: Gateway,
    pub(crate) store: Store,
    pub(crate) template: Template,
    /// The table and endpoint of the DynamoDB variant.
    pub(crate) table: Option<(String, String)>,
    label: String,
    log_path: PathBuf,
    began: Instant,
}

fn skip(why: &str) -> Option<Deployed> {
    println!("SKIPPED: {why}");
    None
}

fn binary_path() -> PathBuf {
    let path = std::env::var_os("DEPLOYED_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/release/availability-api"));
    if path.is_absolute() {
        path
    } else {
        project_root().join(path)
    }
}

impl Deployed {
    /// The deployment, or `None` when this variant is skipped (the reason is printed).
    pub(crate) fn start(store: Store, label: &str) -> Option<Deployed> {
        let template = Template::load();
        let binary = binary_path();
        if !binary.is_file() {
            let why = format!(
                "{} is missing: build it with `cargo build --release --locked --features dynamodb` \
                 (or name another build in DEPLOYED_BINARY)",
                binary.display()
            );
            return unmet(&why);
        }
        let table = match store {
            Store::Memory => None,
            Store::DynamoDb => {
                let Some(endpoint) = moto::local_endpoint() else {
                    return skip(
                        "the DynamoDB variant needs AWS_ENDPOINT_URL (run through scripts/with-moto.sh)",
                    );
                };
                let name = moto::fresh_table(&endpoint, &template, label);
                Some((endpoint, name))
            }
        };
        let out_dir = project_root().join("target").join("deployed");
        std::fs::create_dir_all(&out_dir).expect("target/deployed");
        let log_path = out_dir.join(format!("{label}-{}.log", store.label()));
        let _ = std::fs::remove_file(&log_path);

        let env = lambda_environment(&template, table.as_ref());
        let mut command: Vec<String> = std::env::var("DEPLOYED_RUNNER")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        command.push(binary.display().to_string());
        let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
        let function = Function::new(FunctionSpec {
            command,
            env,
            memory_bytes: template.memory_bytes(),
            timeout: Duration::from_secs(template.timeout_s),
            function_arn: format!(
                "arn:aws:lambda:{region}:123456789012:function:{}",
                template.function_logical_id
            ),
            log_path: log_path.clone(),
            memory_by_rss: std::env::var("DEPLOYED_MEMORY_BY").as_deref() == Ok("rss"),
        });
        let mut deployed = Deployed {
            gateway: Gateway {
                routes: template.routes.clone(),
                function,
                exchanges: Vec::new(),
            },
            store,
            template,
            table,
            label: label.to_owned(),
            log_path,
            began: Instant::now(),
        };
        // The first request starts the function; a build without the DynamoDB store refuses
        // TABLE_NAME at init, which says how to build the right one.
        let ping = deployed.gateway.send(&HttpRequest::new("GET", "/"));
        if ping.status != 200 {
            let log = std::fs::read_to_string(&deployed.log_path).unwrap_or_default();
            let why = format!(
                "the deployed function did not start ({}): {:?}\n{log}",
                ping.status,
                deployed
                    .gateway
                    .exchanges
                    .last()
                    .and_then(|e| e.record.clone()),
            );
            if why.contains("no DynamoDB store") {
                let why = format!(
                    "{} has no DynamoDB store: build it with `cargo build --release --locked \
                     --features dynamodb`\n{why}",
                    binary.display()
                );
                return unmet(&why);
            }
            panic!("{why}");
        }
        Some(deployed)
    }

    /// Sends a request and checks the limits every request must keep: no 5xx, a response
    /// within Lambda's payload limit, within the function's memory and timeout.
    pub(crate) fn send(&mut self, request: HttpRequest) -> HttpResponse {
        let response = self.gateway.send(&request);
        let exchange = self.gateway.exchanges.last().expect("just sent").clone();
        self.check_bounded(&exchange, &response);
        response
    }

    /// What the function wrote to stdout and stderr so far (its CloudWatch Logs stream).
    pub(crate) fn function_log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Sends a request without the per-request checks: for the harness's own tests.
    pub(crate) fn send_unchecked(&mut self, request: HttpRequest) -> HttpResponse {
        self.gateway.send(&request)
    }

    fn check_bounded(&self, exchange: &Exchange, response: &HttpResponse) {
        let what = format!(
            "{} {} ({} store; function log {})",
            exchange.method,
            exchange.target,
            self.store.label(),
            self.log_path.display()
        );
        let body_start = String::from_utf8_lossy(&response.body[..response.body.len().min(300)]);
        assert!(
            response.status < 500,
            "{what}: answered {} {body_start}; invocation: {:?}",
            response.status,
            exchange.record
        );
        if let Some(record) = &exchange.record {
            assert!(
                record.failure.is_none(),
                "{what}: the invocation failed: {:?}",
                record.failure
            );
            assert!(
                record.response_bytes <= PAYLOAD_LIMIT,
                "{what}: response of {} bytes",
                record.response_bytes
            );
            let limit = Duration::from_secs(self.template.timeout_s);
            assert!(
                record.duration <= limit,
                "{what}: took {:?}, over the {limit:?} timeout",
                record.duration
            );
            if let Some(peak) = record.peak_memory_bytes {
                assert!(
                    peak <= self.template.memory_bytes(),
                    "{what}: peak memory {peak} bytes, over {} MB",
                    self.template.memory_mb
                );
            }
        }
    }

    pub(crate) fn summary(&self) -> String {
        let exchanges = &self.gateway.exchanges;
        let invoked: Vec<_> = exchanges.iter().filter_map(|e| e.record.as_ref()).collect();
        let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
        for exchange in exchanges {
            *statuses.entry(exchange.status).or_default() += 1;
        }
        let largest = invoked.iter().map(|r| r.response_bytes).max().unwrap_or(0);
        let largest_request = invoked.iter().map(|r| r.request_bytes).max().unwrap_or(0);
        let peak = invoked
            .iter()
            .filter_map(|r| r.peak_memory_bytes)
            .max()
            .unwrap_or(0);
        let slowest = invoked.iter().map(|r| r.duration).max().unwrap_or_default();
        format!(
            "deployed {} [{} store]: {} requests, {} invoked the function, statuses {:?}; \
             largest event {} B, largest response {} B (limit {PAYLOAD_LIMIT} each); peak memory {:.1} MiB of {} MB ({}); \
             slowest invocation {} ms (timeout {} s); {} function start(s); wall {:.2} s",
            self.label,
            self.store.label(),
            exchanges.len(),
            invoked.len(),
            statuses,
            largest_request,
            largest,
            peak as f64 / (1024.0 * 1024.0),
            self.template.memory_mb,
            if self.gateway.function.memory_by_cgroup {
                "cgroup limit"
            } else {
                "peak RSS"
            },
            slowest.as_millis(),
            self.template.timeout_s,
            self.gateway.function.starts,
            self.began.elapsed().as_secs_f64(),
        )
    }
}

impl Drop for Deployed {
    fn drop(&mut self) {
        let summary = self.summary();
        println!("{summary}");
        // One line per test run, for the lead to quote; appends are atomic at this size.
        let path = project_root().join("target/deployed/summary.txt");
        if let Ok(mut file) = std::fs::File::options()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(file, "{summary}");
        }
    }
}

/// What Lambda puts in the function's environment, plus the template's variables with their
/// references resolved: a parameter's default, the test's table for the table resource, a
/// fresh key on the same server for the key. The in-memory variant leaves out the table's and
/// the key's variables (the binary picks its store, and how it seals, by them).
fn lambda_environment(
    template: &Template,
    table: Option<&(String, String)>,
) -> Vec<(String, String)> {
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let name = &template.function_logical_id;
    let from_env =
        |key: &str, fallback: &str| std::env::var(key).unwrap_or_else(|_| fallback.into());
    let mut env: Vec<(String, String)> = vec![
        ("AWS_LAMBDA_FUNCTION_NAME".into(), name.clone()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(),
            template.memory_mb.to_string(),
        ),
        ("AWS_LAMBDA_FUNCTION_VERSION".into(), "$LATEST".into()),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME".into(),
            format!("/aws/lambda/{name}"),
        ),
        (
            "AWS_LAMBDA_LOG_STREAM_NAME".into(),
            "2024/09/27/[$LATEST]0123456789abcdef0123456789abcdef".into(),
        ),
        ("AWS_LAMBDA_INITIALIZATION_TYPE".into(), "on-demand".into()),
        ("AWS_REGION".into(), region.clone()),
        ("AWS_DEFAULT_REGION".into(), region),
        // Lambda gives the execution role's credentials; the local server takes any.
        (
            "AWS_ACCESS_KEY_ID".into(),
            from_env("AWS_ACCESS_KEY_ID", "testing"),
        ),
        (
            "AWS_SECRET_ACCESS_KEY".into(),
            from_env("AWS_SECRET_ACCESS_KEY", "testing"),
        ),
        (
            "AWS_SESSION_TOKEN".into(),
            from_env("AWS_SESSION_TOKEN", "testing"),
        ),
        ("LAMBDA_TASK_ROOT".into(), "/var/task".into()),
        ("LAMBDA_RUNTIME_DIR".into(), "/var/runtime".into()),
        ("_HANDLER".into(), "bootstrap".into()),
        ("TZ".into(), ":UTC".into()),
        ("LANG".into(), "en_US.UTF-8".into()),
        (
            "PATH".into(),
            "/usr/local/bin:/usr/bin/:/bin:/opt/bin".into(),
        ),
    ];
    if let Some(format) = &template.log_format {
        env.push(("AWS_LAMBDA_LOG_FORMAT".into(), format.clone()));
    }
    if let Some(level) = &template.application_log_level {
        env.push(("AWS_LAMBDA_LOG_LEVEL".into(), level.clone()));
    }
    for (variable, value) in &template.environment {
        let value = match value {
            EnvValue::Literal(text) => Some(text.clone()),
            EnvValue::Ref(target) => match template.resource_type(target).as_deref() {
                Some("AWS::DynamoDB::Table") => table.map(|(_, name)| name.clone()),
                // A key on the local server beside the table; in memory, none (the function
                // then seals with a key of its own).
                Some("AWS::KMS::Key") => {
                    table.map(|(endpoint, _)| super::moto::fresh_key(endpoint))
                }
                Some(other) => panic!("{variable}: no stand-in for a reference to a {other}"),
                None => template.parameter_default(target),
            },
        };
        if let Some(value) = value {
            env.push((variable.clone(), value));
        }
    }
    if let Some((endpoint, _)) = table {
        // The one addition to what Lambda gives: the way to the local server instead of AWS.
        env.push(("AWS_ENDPOINT_URL".into(), endpoint.clone()));
        env.push(("AWS_EC2_METADATA_DISABLED".into(), "true".into()));
    }
    env
}

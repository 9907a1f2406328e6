//! The DynamoDB store's benchmark, driven by `scripts/store-bench.sh`: requests through the
//! handler's event door, against the table that `AWS_ENDPOINT_URL` names (moto behind the
//! script's latency proxy, whose `/__stats` counts requests and bytes). Written against the
//! handler and the store trait only; the script builds each side's own copy.
//!
//!     store_bench TABLE seed | cases | seed-many | overlap-many

#[cfg(not(feature = "dynamodb"))]
fn main() {
    eprintln!("store_bench needs --features dynamodb");
}

#[cfg(feature = "dynamodb")]
fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(bench::run())
}

#[cfg(feature = "dynamodb")]
mod bench {
    use availability_api::api::{App, handle_event};
    use availability_api::config::Config;
    use availability_api::domain::{Interval, IntervalSet, UserRecord};
    use availability_api::store::dynamodb::{PARTITION_KEY, SORT_KEY, client_config};
    use availability_api::store::{AvailabilityStore, DynamoDbStore, Scope};
    use aws_sdk_dynamodb::Client;
    use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    use lambda_runtime::{Context, LambdaEvent};
    use serde_json::{Value, json};
    use std::time::{Duration, Instant};

    type Error = Box<dyn std::error::Error + Send + Sync>;

    const HOUR_MS: i64 = 3_600_000;
    /// 2020-01-01T00:00:00Z: the big users' first interval.
    const HISTORY_START: i64 = 1_577_836_800_000;
    /// The 30-day window every read asks about: June 2025, inside the big users' history.
    const FROM: &str = "2025-06-01T00:00:00Z";
    const TO: &str = "2025-07-01T00:00:00Z";
    const JUNE_2025: i64 = 1_748_736_000_000;
    const BIG_INTERVALS: i64 = 100_000;
    const RUNS: usize = 3;

    pub(super) async fn run() -> Result<(), Error> {
        let args: Vec<String> = std::env::args().collect();
        let [_, table, step] = args.as_slice() else {
            return Err("usage: store_bench TABLE seed|cases|seed-many|overlap-many".into());
        };
        // The deployed client's configuration with longer timeouts: moto answers one request at
        // a time, and each Query visits every item of the table (13,900 once 100 users hold
        // 100,000 intervals each in month items), so 200 queries in flight would pass the
        // 1.5 s attempt timeout that a table serving them in parallel never nears.
        let patient = TimeoutConfig::builder()
            .operation_attempt_timeout(Duration::from_secs(60))
            .operation_timeout(Duration::from_secs(60))
            .build();
        let client = Client::from_conf(client_config().timeout_config(patient).build());
        let app = App::new(DynamoDbStore::new(client, table.as_str()), Config::dev());
        match step.as_str() {
            "seed" => {
                create_table(table).await?;
                seed(&app, "big", &history()).await?;
                for user in 0..100 {
                    seed(&app, &format!("u{user}"), &june_hours(user)).await?;
                }
            }
            "seed-many" => {
                create_table(table).await?;
                let history = history();
                for user in 0..100 {
                    seed(&app, &format!("m{user}"), &history).await?;
                }
            }
            "cases" => {
                warm_up(&app).await?;
                for run in 0..RUNS {
                    // Extends one of the user's slots (a new, separate one would pass the
                    // 100,000-interval limit), a different one each run, so every run writes.
                    let start = JUNE_2025 + 10 * 24 * HOUR_MS + run as i64 * HOUR_MS + HOUR_MS / 2;
                    let body = json!({"availability": [{"start_time": millis(start), "end_time": millis(start + 300_000)}]});
                    let post = event("POST", "/availability", "", Some(body));
                    measure(&app, "POST one slot to a user holding 100,000", post).await?;
                }
                for _ in 0..RUNS {
                    let get = event(
                        "GET",
                        "/availability",
                        &format!("from={FROM}&to={TO}"),
                        None,
                    );
                    measure(&app, "GET a 30-day window of that user", get).await?;
                }
                for users in [2, 10, 50, 100] {
                    for _ in 0..RUNS {
                        let overlap = overlap_of("u", users);
                        measure(
                            &app,
                            &format!("/overlap of {users} users, 30 days"),
                            overlap,
                        )
                        .await?;
                    }
                }
            }
            "overlap-many" => {
                let overlap = overlap_of("m", 100);
                measure(&app, "/overlap of 100 users x 100,000, 30 days", overlap).await?;
                println!("peak_rss_kib\t{}", peak_rss_kib());
            }
            _ => return Err(format!("unknown step {step}").into()),
        }
        Ok(())
    }

    /// One interval an hour for 100,000 hours (11.4 years from 2020), the API's limit per user.
    fn history() -> IntervalSet {
        spaced(HISTORY_START, BIG_INTERVALS, HOUR_MS)
    }

    /// A small user: 100 half-hour slots in June 2025, staggered per user.
    fn june_hours(user: i64) -> IntervalSet {
        spaced(JUNE_2025 + user * 60_000, 100, 7 * HOUR_MS)
    }

    fn spaced(start: i64, count: i64, every: i64) -> IntervalSet {
        IntervalSet::from_normalized(
            (0..count)
                .filter_map(|i| Interval::new(start + i * every, start + i * every + HOUR_MS / 2))
                .collect(),
        )
    }

    async fn seed(app: &App<DynamoDbStore>, user: &str, slots: &IntervalSet) -> Result<(), Error> {
        app.store()
            .update(user, None, Scope::EVERYTHING, |current| {
                Ok::<_, ()>(UserRecord {
                    slots: slots.clone(),
                    ..current.clone()
                })
            })
            .await
            .map_err(|_| format!("seeding {user} failed"))?;
        Ok(())
    }

    async fn create_table(table: &str) -> Result<(), Error> {
        let client = aws_sdk_dynamodb::Client::from_conf(client_config().build());
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
        };
        let key = |name: &str, kind| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
        };
        client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute(PARTITION_KEY)?)
            .attribute_definitions(attribute(SORT_KEY)?)
            .key_schema(key(PARTITION_KEY, KeyType::Hash)?)
            .key_schema(key(SORT_KEY, KeyType::Range)?)
            .send()
            .await?;
        Ok(())
    }

    /// One request first, so that connection set-up and credentials are not measured.
    async fn warm_up(app: &App<DynamoDbStore>) -> Result<(), Error> {
        let get = event(
            "GET",
            "/availability",
            &format!("from={FROM}&to={TO}"),
            None,
        );
        handle_event(app, LambdaEvent::new(get, Context::default())).await?;
        Ok(())
    }

    fn overlap_of(prefix: &str, users: usize) -> Value {
        let names: Vec<String> = (1..users).map(|u| format!("{prefix}{u}")).collect();
        let query = format!("users={}&from={FROM}&to={TO}", names.join(","));
        let mut overlap = event("GET", "/overlap", &query, None);
        overlap["headers"]["x-user-id"] = json!(format!("{prefix}0"));
        overlap
    }

    /// Runs one request and prints its status, wall time and what the proxy saw.
    async fn measure(app: &App<DynamoDbStore>, case: &str, request: Value) -> Result<(), Error> {
        proxy_stats()?;
        let started = Instant::now();
        let answer = handle_event(app, LambdaEvent::new(request, Context::default())).await?;
        let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
        let stats = proxy_stats()?;
        println!(
            "{case}\t{}\t{wall_ms:.1}\t{}\t{}\t{}\t{}",
            answer["statusCode"],
            stats["requests"],
            stats["bytes_sent"],
            stats["bytes_received"],
            stats["max_in_flight"]
        );
        Ok(())
    }

    fn proxy_stats() -> Result<Value, Error> {
        let endpoint = std::env::var("AWS_ENDPOINT_URL")?;
        let text = ureq::get(&format!("{endpoint}/__stats"))
            .call()?
            .into_string()?;
        Ok(serde_json::from_str(&text)?)
    }

    fn event(method: &str, path: &str, query: &str, body: Option<Value>) -> Value {
        json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": query,
            "headers": {"host": "bench.example", "x-user-id": "big", "content-type": "application/json"},
            "requestContext": {
                "accountId": "123456789012", "apiId": "bench", "domainName": "bench.example",
                "domainPrefix": "bench", "requestId": "bench", "routeKey": "$default",
                "stage": "$default", "time": "01/Jun/2025:00:00:00 +0000", "timeEpoch": 1748736000000u64,
                "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                         "sourceIp": "203.0.113.7", "userAgent": "store-bench"}
            },
            "body": body.map(|body| body.to_string()),
            "isBase64Encoded": false
        })
    }

    fn millis(at: i64) -> String {
        chrono::DateTime::from_timestamp_millis(at)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            .unwrap_or_default()
    }

    /// The process's peak resident set (VmHWM), in KiB.
    fn peak_rss_kib() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|line| line.strip_prefix("VmHWM:"))
                    .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            })
            .unwrap_or(0)
    }
}

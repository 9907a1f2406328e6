//! The webhook notifier as deployed: the release `webhook-notifier` binary (what
//! `BuildProperties: Binary: webhook-notifier` builds) behind the Lambda stand-in, with the
//! template's memory and timeout for it, fed the samples in events/notifier/. On a table under
//! moto (created with the template's outbox index), a booking the API recorded reaches a local
//! receiver, verified with the Standard Webhooks library. `OUTBOUND_ALLOW_LOCAL=true` is the
//! local-testing setting that lets it reach that receiver; the template never sets it.

use super::lambda::{Function, FunctionSpec};
use super::template::{project_root, template_path};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

fn notifier_binary() -> PathBuf {
    let path = std::env::var_os("DEPLOYED_NOTIFIER_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/release/webhook-notifier"));
    if path.is_absolute() {
        path
    } else {
        project_root().join(path)
    }
}

/// The notifier function's `MemorySize` (MB) and `Timeout` (s) as template.yaml declares them.
fn notifier_limits() -> (u64, u64) {
    let text = std::fs::read_to_string(template_path()).expect("template.yaml");
    let root: serde_norway::Value = serde_norway::from_str(&text).expect("YAML");
    let properties = &root["Resources"]["WebhookNotifierFunction"]["Properties"];
    let number = |name: &str| {
        properties[name]
            .as_u64()
            .unwrap_or_else(|| panic!("{name}"))
    };
    (number("MemorySize"), number("Timeout"))
}

/// The release notifier behind the stand-in, with `extra` in its environment; `None` (skipped,
/// or failing under `E2E_REQUIRED=1`) without the binary.
fn notifier(label: &str, extra: &[(&str, &str)]) -> Option<Function> {
    let binary = notifier_binary();
    if !binary.is_file() {
        return crate::requirements::unmet(&format!(
            "{} is missing: build it with `cargo build --release --locked --features dynamodb`",
            binary.display()
        ));
    }
    let (memory_mb, timeout_s) = notifier_limits();
    let out_dir = project_root().join("target").join("deployed");
    std::fs::create_dir_all(&out_dir).expect("target/deployed");
    let log_path = out_dir.join(format!("notifier-{label}.log"));
    let _ = std::fs::remove_file(&log_path);
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let mut env: Vec<(String, String)> = vec![
        (
            "AWS_LAMBDA_FUNCTION_NAME".into(),
            "WebhookNotifierFunction".into(),
        ),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE".into(),
            memory_mb.to_string(),
        ),
        ("AWS_LAMBDA_FUNCTION_VERSION".into(), "$LATEST".into()),
        ("AWS_LAMBDA_LOG_FORMAT".into(), "JSON".into()),
        ("AWS_REGION".into(), region.clone()),
        ("AWS_DEFAULT_REGION".into(), region.clone()),
        ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
        ("AWS_SESSION_TOKEN".into(), "testing".into()),
        ("OUTBOUND_ALLOW_LOCAL".into(), "true".into()),
        ("TZ".into(), ":UTC".into()),
        ("PATH".into(), "/usr/local/bin:/usr/bin/:/bin".into()),
    ];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Some(Function::new(FunctionSpec {
        command: vec![binary.display().to_string()],
        env,
        memory_bytes: memory_mb * 1024 * 1024,
        timeout: Duration::from_secs(timeout_s),
        function_arn: format!(
            "arn:aws:lambda:{region}:123456789012:function:WebhookNotifierFunction"
        ),
        log_path,
        memory_by_rss: std::env::var("DEPLOYED_MEMORY_BY").as_deref() == Ok("rss"),
    }))
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(project_root().join("events/notifier").join(name)).expect("the sample")
}

/// One invocation that must succeed within the limits; its JSON answer.
fn invoke(function: &mut Function, event: &[u8]) -> Value {
    let outcome = function.invoke(event);
    assert_eq!(outcome.record.failure, None, "{:?}", outcome.record);
    serde_json::from_slice(&outcome.payload.expect("an answer")).expect("a JSON answer")
}

#[test]
fn the_release_notifier_answers_its_samples_in_memory() {
    // Its own process holds its own (empty) memory: nothing owed, every record handled.
    let Some(mut function) = notifier("memory", &[]) else {
        return;
    };
    for name in [
        "stream-meta-modify.json",
        "stream-other-items.json",
        "schedule.json",
    ] {
        let answer = invoke(&mut function, &sample(name));
        assert_eq!(
            answer,
            serde_json::json!({"batchItemFailures": []}),
            "{name}"
        );
    }
    assert_eq!(function.starts, 1, "one instance served them all");
}

#[cfg(feature = "dynamodb")]
#[test]
fn the_release_notifier_delivers_a_booking_from_the_stream_on_dynamodb() {
    use crate::webhooks::{MEETING, Receiver, assert_all_verified, book, local_config, subscribed};
    use availability_api::api::App;
    use availability_api::store::DynamoDbStore;
    let Some(endpoint) = super::moto::local_endpoint() else {
        println!("SKIPPED: the DynamoDB variant needs AWS_ENDPOINT_URL (scripts/with-moto.sh)");
        return;
    };
    let Some(receiver) = Receiver::start("deployed-notifier", "") else {
        return;
    };
    let template = super::template::Template::load();
    let table = super::moto::fresh_table(&endpoint, &template, "notifier");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    // The API's side, in process: the webhook and a booking, whose event the write records.
    let secret = runtime.block_on(async {
        let app = App::new(DynamoDbStore::from_env(&table).await, local_config());
        let secret = subscribed(&app, &receiver.url).await;
        assert_eq!(book(&app, MEETING).await.0, 201);
        secret
    });
    let Some(mut function) = notifier(
        "dynamodb",
        &[("TABLE_NAME", &table), ("AWS_ENDPOINT_URL", &endpoint)],
    ) else {
        return;
    };
    let answer = invoke(&mut function, &sample("stream-meta-modify.json"));
    assert_eq!(answer, serde_json::json!({"batchItemFailures": []}));
    let received = receiver.verified(&secret);
    assert_eq!(received.len(), 1, "{received:?}");
    assert_all_verified(&received);
    assert_eq!(received[0]["payload"]["type"], "booking.created");
    // Delivered: the schedule finds nobody owing anything.
    let answer = invoke(&mut function, &sample("schedule.json"));
    assert_eq!(answer, serde_json::json!({"batchItemFailures": []}));
    assert_eq!(receiver.verified(&secret).len(), 1);
}

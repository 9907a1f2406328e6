//! The crate's background functions as deployed: a release binary of the crate (what
//! `BuildProperties: Binary: NAME` builds) behind the Lambda stand-in, with the memory and
//! timeout template.yaml gives its function, and the local-testing setting
//! `OUTBOUND_ALLOW_LOCAL=true` so it can reach a test's servers (the template never sets it).

use super::lambda::{Function, FunctionSpec};
use super::template::{project_root, template_path};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// The function's `MemorySize` (MB) and `Timeout` (s) as template.yaml declares them.
fn limits(logical_id: &str) -> (u64, u64) {
    let text = std::fs::read_to_string(template_path()).expect("template.yaml");
    let root: serde_norway::Value = serde_norway::from_str(&text).expect("YAML");
    let properties = &root["Resources"][logical_id]["Properties"];
    let number = |name: &str| {
        properties[name]
            .as_u64()
            .unwrap_or_else(|| panic!("{logical_id}'s {name}"))
    };
    (number("MemorySize"), number("Timeout"))
}

/// `target/release/BINARY`, the build `scripts/test.sh` makes once for every function.
fn release_binary(binary: &str) -> PathBuf {
    project_root().join("target").join("release").join(binary)
}

/// The release `binary` as template.yaml's `logical_id` behind the stand-in, with `extra` in
/// its environment, logging to `target/deployed/LABEL.log`; `None` (skipped, or failing under
/// `E2E_REQUIRED=1`) without the binary.
pub(super) fn background_function(
    logical_id: &str,
    binary: &str,
    label: &str,
    extra: &[(&str, &str)],
) -> Option<Function> {
    let path = release_binary(binary);
    if !path.is_file() {
        return crate::requirements::unmet(&format!(
            "{} is missing: build it with `cargo build --release --locked --features dynamodb`",
            path.display()
        ));
    }
    let (memory_mb, timeout_s) = limits(logical_id);
    let out_dir = project_root().join("target").join("deployed");
    std::fs::create_dir_all(&out_dir).expect("target/deployed");
    let log_path = out_dir.join(format!("{label}.log"));
    let _ = std::fs::remove_file(&log_path);
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let mut env: Vec<(String, String)> = vec![
        ("AWS_LAMBDA_FUNCTION_NAME".into(), logical_id.into()),
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
        command: vec![path.display().to_string()],
        env,
        memory_bytes: memory_mb * 1024 * 1024,
        timeout: Duration::from_secs(timeout_s),
        function_arn: format!("arn:aws:lambda:{region}:123456789012:function:{logical_id}"),
        log_path,
        memory_by_rss: std::env::var("DEPLOYED_MEMORY_BY").as_deref() == Ok("rss"),
    }))
}

/// One invocation that must succeed within the limits; its JSON answer.
pub(super) fn invoke(function: &mut Function, event: &[u8]) -> Value {
    let outcome = function.invoke(event);
    assert_eq!(outcome.record.failure, None, "{:?}", outcome.record);
    serde_json::from_slice(&outcome.payload.expect("an answer")).expect("a JSON answer")
}

/// Runs the API's side of a test (an `App` in this process, on the same table) to its end.
#[cfg(feature = "dynamodb")]
pub(super) fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(future)
}

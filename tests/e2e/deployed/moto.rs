//! A fresh table on the local DynamoDB-compatible server that `scripts/with-moto.sh` starts
//! (named by `AWS_ENDPOINT_URL`), keyed like template.yaml's table. Plain HTTP with DynamoDB's
//! JSON protocol, so this test program needs neither the SDK nor the `dynamodb` feature.

use super::template::Template;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

/// The local endpoint, or `None` when none is configured. Never an AWS account's.
pub(crate) fn local_endpoint() -> Option<String> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").ok()?;
    assert!(
        endpoint.starts_with("http://127.0.0.1:") || endpoint.starts_with("http://localhost:"),
        "the deployed DynamoDB tests need AWS_ENDPOINT_URL naming a local server \
         (run them through scripts/with-moto.sh); it is {endpoint:?}"
    );
    Some(endpoint)
}

fn call(endpoint: &str, action: &str, body: &Value) -> Result<Value, String> {
    call_service(endpoint, Service::DYNAMODB, action, body)
}

/// How the JSON protocol names a service: its credential scope, target prefix and version.
struct Service {
    scope: &'static str,
    target: &'static str,
    json_version: &'static str,
}

impl Service {
    const DYNAMODB: Service = Service {
        scope: "dynamodb",
        target: "DynamoDB_20120810",
        json_version: "1.0",
    };
    const KMS: Service = Service {
        scope: "kms",
        target: "TrentService",
        json_version: "1.1",
    };
}

fn call_service(
    endpoint: &str,
    service: Service,
    action: &str,
    body: &Value,
) -> Result<Value, String> {
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let key = std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_else(|_| "testing".into());
    // The server routes by the credential scope; it does not check the signature.
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={key}/20240101/{region}/{}/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00",
        service.scope
    );
    let response = ureq::post(endpoint)
        .set(
            "content-type",
            &format!("application/x-amz-json-{}", service.json_version),
        )
        .set("x-amz-target", &format!("{}.{action}", service.target))
        .set("x-amz-date", "20240101T000000Z")
        .set("authorization", &authorization)
        .send_string(&body.to_string());
    match response {
        Ok(response) => {
            let text = response
                .into_string()
                .map_err(|e| format!("{action}: {e}"))?;
            serde_json::from_str(&text).map_err(|e| format!("{action}: {e}"))
        }
        Err(ureq::Error::Status(status, response)) => Err(format!(
            "{action}: {status} {}",
            response.into_string().unwrap_or_default()
        )),
        Err(error) => Err(format!("{action}: {error}")),
    }
}

/// For a background function's test on DynamoDB: the local endpoint and a fresh table named
/// after `label`, or `None` (said, and the test skipped) without a local server.
#[cfg(feature = "dynamodb")]
pub(crate) fn endpoint_and_table(label: &str) -> Option<(String, String)> {
    let Some(endpoint) = local_endpoint() else {
        println!("SKIPPED: the DynamoDB variant needs AWS_ENDPOINT_URL (scripts/with-moto.sh)");
        return None;
    };
    let table = fresh_table(&endpoint, &Template::load(), label);
    Some((endpoint, table))
}

/// Creates a table named after the test and keyed like the template's; returns its name.
pub(crate) fn fresh_table(endpoint: &str, template: &Template, label: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!("deployed-{label}-{}-{nanos}", std::process::id());
    assert!(
        !template.table_keys.is_empty(),
        "template.yaml declares a table with a key schema"
    );
    let attributes: Vec<Value> = template
        .table_attributes
        .iter()
        .map(|(name, kind)| json!({"AttributeName": name, "AttributeType": kind}))
        .collect();
    let keys: Vec<Value> = template
        .table_keys
        .iter()
        .map(|(name, kind)| json!({"AttributeName": name, "KeyType": kind}))
        .collect();
    let mut request = json!({
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": attributes,
        "KeySchema": keys
    });
    if !template.table_indexes.is_null() {
        request["GlobalSecondaryIndexes"] = template.table_indexes.clone();
    }
    call(endpoint, "CreateTable", &request)
        .unwrap_or_else(|e| panic!("the local server creates the table: {e}"));
    name
}

/// A new symmetric key (template.yaml's `SecretsKey`): its id.
pub(crate) fn fresh_key(endpoint: &str) -> String {
    let answer = call_service(
        endpoint,
        Service::KMS,
        "CreateKey",
        &json!({"Description": "availability-api deployed test secrets"}),
    )
    .unwrap_or_else(|e| panic!("the local server creates the key: {e}"));
    answer["KeyMetadata"]["KeyId"]
        .as_str()
        .expect("a key id")
        .to_owned()
}

/// How many items the table holds (to see that writes went to it).
pub(crate) fn item_count(endpoint: &str, table: &str) -> usize {
    let answer = call(
        endpoint,
        "Scan",
        &json!({"TableName": table, "Select": "COUNT", "ConsistentRead": true}),
    )
    .unwrap_or_else(|e| panic!("the local server scans the table: {e}"));
    answer["Count"].as_u64().unwrap_or(0) as usize
}

/// Every item of the table, as DynamoDB's JSON protocol renders it (binary values base64),
/// read page by page with strongly consistent reads.
pub(crate) fn scan_items(endpoint: &str, table: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut start: Option<Value> = None;
    loop {
        let mut request = json!({"TableName": table, "ConsistentRead": true});
        if let Some(key) = start.take() {
            request["ExclusiveStartKey"] = key;
        }
        let answer = call(endpoint, "Scan", &request)
            .unwrap_or_else(|e| panic!("the local server scans the table: {e}"));
        items.extend(answer["Items"].as_array().cloned().unwrap_or_default());
        match answer.get("LastEvaluatedKey") {
            Some(key) if !key.is_null() => start = Some(key.clone()),
            _ => return items,
        }
    }
}

/// An item as the JSON protocol renders it, and the bytes of each binary value in it.
pub(crate) fn renderings(item: &Value) -> Vec<Vec<u8>> {
    let mut all = vec![item.to_string().into_bytes()];
    let mut pending: Vec<&Value> = item
        .as_object()
        .into_iter()
        .flat_map(|map| map.values())
        .collect();
    while let Some(value) = pending.pop() {
        let Some(map) = value.as_object() else {
            continue;
        };
        for (kind, inner) in map {
            match (kind.as_str(), inner) {
                ("B", Value::String(text)) => all.push(BASE64.decode(text).expect("base64")),
                ("BS", Value::Array(values)) => all.extend(
                    values
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|text| BASE64.decode(text).expect("base64")),
                ),
                ("M", Value::Object(members)) => pending.extend(members.values()),
                ("L", Value::Array(values)) => pending.extend(values),
                _ => {}
            }
        }
    }
    all
}

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

/// Whether any item of the table, as text or as a binary value's bytes, holds `needle`.
pub(crate) fn table_holds(endpoint: &str, table: &str, needle: &[u8]) -> bool {
    scan_items(endpoint, table)
        .iter()
        .flat_map(renderings)
        .any(|rendering| contains(&rendering, needle))
}

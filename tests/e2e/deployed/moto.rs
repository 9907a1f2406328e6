//! A fresh table on the local DynamoDB-compatible server that `scripts/with-moto.sh` starts
//! (named by `AWS_ENDPOINT_URL`), keyed like template.yaml's table. Plain HTTP with DynamoDB's
//! JSON protocol, so this test program needs neither the SDK nor the `dynamodb` feature.

use super::template::Template;
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
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let key = std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_else(|_| "testing".into());
    // The server routes by the credential scope; it does not check the signature.
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={key}/20240101/{region}/dynamodb/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00"
    );
    let response = ureq::post(endpoint)
        .set("content-type", "application/x-amz-json-1.0")
        .set("x-amz-target", &format!("DynamoDB_20120810.{action}"))
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

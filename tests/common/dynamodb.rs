//! Tables on the local DynamoDB-compatible server (moto) that `scripts/with-moto.sh` starts and
//! names in `AWS_ENDPOINT_URL`. Each test gets a fresh table, so tests never see each other.

use availability_api::store::DynamoDbStore;
use availability_api::store::dynamodb::{PARTITION_KEY, SORT_KEY, client_config};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// These tests create tables: they talk to a server on this machine, never to an AWS account.
fn require_local_endpoint() {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
    assert!(
        endpoint.starts_with("http://127.0.0.1:") || endpoint.starts_with("http://localhost:"),
        "the DynamoDB tests need AWS_ENDPOINT_URL naming a local server \
         (run them through scripts/with-moto.sh); it is {endpoint:?}"
    );
}

pub async fn client() -> Client {
    require_local_endpoint();
    Client::from_conf(client_config().build())
}

/// A store with its own client, built the way `main` builds it.
pub async fn store_on(table: &str) -> DynamoDbStore {
    require_local_endpoint();
    DynamoDbStore::from_env(table).await
}

pub async fn fresh_store() -> DynamoDbStore {
    store_on(&fresh_table().await).await
}

/// A new table keyed like the one in template.yaml.
pub async fn fresh_table() -> String {
    static TABLES: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "availability-test-{}-{nanos}-{}",
        std::process::id(),
        TABLES.fetch_add(1, Ordering::Relaxed)
    );
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .expect("attribute definition")
    };
    let key = |name: &str, key_type| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .expect("key schema element")
    };
    client()
        .await
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute(PARTITION_KEY))
        .attribute_definitions(attribute(SORT_KEY))
        .key_schema(key(PARTITION_KEY, KeyType::Hash))
        .key_schema(key(SORT_KEY, KeyType::Range))
        .send()
        .await
        .expect("the local server creates the table");
    name
}

/// Every item stored for one user, as the table holds them.
pub async fn items_of(table: &str, user_id: &str) -> Vec<HashMap<String, AttributeValue>> {
    client()
        .await
        .query()
        .table_name(table)
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", PARTITION_KEY)
        .expression_attribute_values(":pk", AttributeValue::S(user_id.to_owned()))
        .consistent_read(true)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .expect("the local server answers the query")
}

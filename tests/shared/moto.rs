//! Tables on the local DynamoDB-compatible server (moto) that `scripts/with-moto.sh` starts and
//! names in `AWS_ENDPOINT_URL`. Each test gets a fresh table, so tests never see each other.
//! Shared by the `api` and `store` test programs, which include it with `#[path]`.

use availability_api::store::DynamoDbStore;
use availability_api::store::dynamodb::{
    OUTBOX_DUE, OUTBOX_INDEX, OUTBOX_SHARD, PARTITION_KEY, SORT_KEY, client_config,
};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The local server's address. These tests create tables: they talk to a server on this
/// machine, never to an AWS account.
pub(crate) fn local_endpoint() -> String {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
    assert!(
        endpoint.starts_with("http://127.0.0.1:") || endpoint.starts_with("http://localhost:"),
        "the DynamoDB tests need AWS_ENDPOINT_URL naming a local server \
         (run them through scripts/with-moto.sh); it is {endpoint:?}"
    );
    endpoint
}

pub(crate) async fn client() -> Client {
    local_endpoint();
    Client::from_conf(client_config().build())
}

/// A store with its own client, built the way `main` builds it.
pub(crate) async fn store_on(table: &str) -> DynamoDbStore {
    local_endpoint();
    DynamoDbStore::from_env(table).await
}

/// A new table keyed like the one in template.yaml.
pub(crate) async fn fresh_table() -> String {
    static TABLES: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "availability-test-{}-{nanos}-{}",
        std::process::id(),
        TABLES.fetch_add(1, Ordering::Relaxed)
    );
    let typed = |name: &str, kind| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(kind)
            .build()
            .expect("attribute definition")
    };
    let attribute = |name: &str| typed(name, ScalarAttributeType::S);
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
        // The outbox index, as template.yaml declares it.
        .attribute_definitions(attribute(OUTBOX_SHARD))
        .attribute_definitions(typed(OUTBOX_DUE, ScalarAttributeType::N))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(OUTBOX_INDEX)
                .key_schema(key(OUTBOX_SHARD, KeyType::Hash))
                .key_schema(key(OUTBOX_DUE, KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::KeysOnly)
                        .build(),
                )
                .build()
                .expect("index"),
        )
        .send()
        .await
        .expect("the local server creates the table");
    name
}

/// A new symmetric KMS key on the local server (template.yaml's `SecretsKey`): its id.
#[allow(dead_code)] // Only the `api` test program seals secrets.
pub(crate) async fn fresh_key() -> String {
    local_endpoint();
    let kms = aws_sdk_kms::Client::from_conf(
        aws_sdk_kms::config::Builder::from(&availability_api::aws::sdk_config("KMS")).build(),
    );
    let created = kms
        .create_key()
        .description("availability-api test secrets")
        .send()
        .await
        .expect("the local server creates the key");
    created
        .key_metadata()
        .map(|metadata| metadata.key_id().to_owned())
        .expect("a key id")
}

/// Whether any attribute of any item of `table` holds `needle` (strings and binary values,
/// as stored: a record's pieces are binary).
#[allow(dead_code)]
pub(crate) async fn table_holds(table: &str, needle: &[u8]) -> bool {
    use aws_sdk_dynamodb::types::AttributeValue;
    fn holds(value: &AttributeValue, needle: &[u8]) -> bool {
        let found = |bytes: &[u8]| bytes.windows(needle.len()).any(|window| window == needle);
        match value {
            AttributeValue::S(text) => found(text.as_bytes()),
            AttributeValue::B(blob) => found(blob.as_ref()),
            AttributeValue::L(list) => list.iter().any(|item| holds(item, needle)),
            AttributeValue::M(map) => map.values().any(|item| holds(item, needle)),
            _ => false,
        }
    }
    let scanned = client()
        .await
        .scan()
        .table_name(table)
        .send()
        .await
        .expect("the local server scans the table");
    scanned
        .items()
        .iter()
        .flat_map(|item| item.values())
        .any(|value| holds(value, needle))
}

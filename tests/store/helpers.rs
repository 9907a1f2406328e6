//! What the store suite needs beyond a table: a store on a fresh one, and the items it holds.

use crate::moto::{client, fresh_table, store_on};
use availability_api::store::DynamoDbStore;
use availability_api::store::dynamodb::PARTITION_KEY;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use std::sync::Arc;

pub(crate) async fn fresh_store() -> DynamoDbStore {
    store_on(&fresh_table().await).await
}

/// Two stores with their own clients on one fresh table, as two Lambda instances are.
pub(crate) async fn two_stores_on_one_table() -> (Arc<DynamoDbStore>, Arc<DynamoDbStore>) {
    let table = fresh_table().await;
    (
        Arc::new(store_on(&table).await),
        Arc::new(store_on(&table).await),
    )
}

/// Every item stored for one user, as the table holds them.
pub(crate) async fn items_of(table: &str, user_id: &str) -> Vec<HashMap<String, AttributeValue>> {
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

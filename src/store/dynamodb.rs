//! A DynamoDB store: every Lambda instance reads and writes the same table.
//!
//! One user is one partition (`pk` = the user id). The record (its serde form as MessagePack with
//! named fields; interval sets packed at 16 bytes an interval) is cut into pieces of at most
//! [`CHUNK_BYTES`], far below DynamoDB's 400 KB item limit:
//!
//! - `sk = "meta"`: `version`, `chunks` (how many chunk items follow) and `data`, the first piece.
//!   Most users fit here whole, and a write is then one conditional `PutItem`.
//! - `sk = "chunk#0001"`, …: `version` and `data`, the following pieces.
//!
//! A write that involves chunk items is one `TransactWriteItems`: the meta item with the version
//! condition, the new chunks, and deletes of chunks the smaller record no longer needs. A read is
//! one strongly consistent `Query` on the partition; its pages are separate reads, so each chunk
//! carries the version it belongs to and a read that saw two versions is read again.
//!
//! A write's answer can be lost after it committed; the SDK then retries the same request, whose
//! version condition now fails. So each write attempt carries a random token, kept on the meta
//! item (`writes`: the last [`RECENT_WRITES`] tokens, carried forward by every write). When a
//! write lost its race, the read that follows first looks for the tokens this update sent: one
//! found means that attempt committed, and the update answers as if its answer had arrived
//! instead of applying the change again (which would turn a DELETE into a 404, a current
//! `If-Match` into a 412). Transactions also pass the token as `ClientRequestToken`, DynamoDB's
//! own retry idempotency (10 minutes).
//!
//! A load within a window reads the whole record (this layout holds it whole), keeps the
//! window's part and drops the rest before answering. Every request asks for its consumed
//! capacity, and the client counts each request's body bytes both ways ([`super::usage`]).

use super::usage::{self, Cost};
use super::{
    AvailabilityStore, IntervalBudget, LoadError, StoreError, UserRecord, WriteError, next_record,
    record_within,
};
use crate::domain::Interval;
use crate::observability::{Backend, count_sdk_attempt, count_store_retry, store_call};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::{BoxError, DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConsumedCapacity, Delete, Put, ReturnConsumedCapacity, TransactWriteItem,
};
use aws_smithy_http_client::tls;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Key attribute names; template.yaml declares the same.
pub const PARTITION_KEY: &str = "pk";
pub const SORT_KEY: &str = "sk";
const META_SORT_KEY: &str = "meta";
const CHUNK_SORT_KEY_PREFIX: &str = "chunk#";
const VERSION: &str = "version";
const CHUNKS: &str = "chunks";
const DATA: &str = "data";
const WRITES: &str = "writes";
/// Write tokens kept on the meta item: enough that writes landing between one attempt's commit
/// and its retry (within the SDK's 3 s operation timeout) do not push its token out.
const RECENT_WRITES: usize = 16;

/// Record bytes per item: the rest of the 400 KB item limit stays free for keys and names.
pub const CHUNK_BYTES: usize = 300_000;
/// A transaction carries at most 4 MB and 100 items; this keeps a write at 12 items, well inside.
/// (100,000 intervals, the API's limit per user, take 1.6 MB.)
const MAX_RECORD_BYTES: usize = 12 * CHUNK_BYTES;
/// Attempts of a read-modify-write that keeps losing races before the caller hears 503. A writer
/// loses only when another one wins, so N writers racing on one user all finish within N
/// attempts; 25 is far more concurrent writes to one calendar than callers make. Waits stay
/// under about 4 s in all, inside the function's 10 s timeout.
const MAX_WRITE_ATTEMPTS: u32 = 25;
/// Reads of a user whose pages kept showing two versions (a write landed between pages).
const MAX_READ_ATTEMPTS: u32 = 4;
const FIRST_BACKOFF_MS: u64 = 10;
const MAX_BACKOFF_MS: u64 = 200;
/// Error codes that mean "too much traffic, slow down" rather than "this request is wrong".
const THROTTLING_CODES: [&str; 3] = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
];

type Item = HashMap<String, AttributeValue>;

// Each SDK call's future is boxed (`Box::pin(...).await`): inline, its deep nesting inside the
// Lambda runtime's futures passes the compiler's layout depth limit. One allocation per network
// call costs nothing next to the call.

pub struct DynamoDbStore {
    client: Client,
    table: String,
}

/// A user's record as one read found it, with how many chunk items hold it.
struct Stored {
    record: UserRecord,
    chunk_items: usize,
    /// Tokens of the latest writes, oldest first.
    recent_writes: Vec<String>,
}

enum WriteOutcome {
    Written,
    /// Another write got there first (the version condition failed): read again and retry.
    LostRace,
}

impl DynamoDbStore {
    /// A store on `table` through `client`, whose requests it measures (see [`usage`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        let measured = client
            .config()
            .to_builder()
            .interceptor(CountAttempts)
            .interceptor(MeasuredRequests)
            .build();
        Self {
            client: Client::from_conf(measured),
            table: table.into(),
        }
    }

    /// A client configured from the environment (region, credentials, and `AWS_ENDPOINT_URL`,
    /// which points tests at a local server). Build it once per instance: it pools connections.
    pub async fn from_env(table: impl Into<String>) -> Self {
        Self::new(Client::from_conf(client_config().build()), table)
    }

    async fn read(&self, user_id: &str) -> Result<Stored, StoreError> {
        let mut backoff = Backoff::new(MAX_READ_ATTEMPTS);
        loop {
            let query = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PARTITION_KEY)
                .expression_attribute_values(":pk", AttributeValue::S(user_id.to_owned()))
                .consistent_read(true)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .into_paginator()
                .send()
                .try_collect();
            let pages = store_call(Backend::DynamoDb, "Query", &self.table, Box::pin(query))
                .await
                .map_err(|error| store_error("Query", error))?;
            let mut items = Vec::new();
            for page in pages {
                count_capacity(page.consumed_capacity(), false);
                items.extend(page.items.unwrap_or_default());
            }
            usage::add(Cost::ItemsRead(items.len() as u64));
            if let Some(stored) = assemble(&items)? {
                return Ok(stored);
            }
            count_store_retry();
            if !backoff.wait().await {
                return Err(StoreError::Unavailable(format!(
                    "user {user_id} kept changing while it was read"
                )));
            }
        }
    }

    /// Writes `next` over the record `previous` read, if that is still the stored version.
    /// `token` names this attempt (see the module doc).
    async fn write(
        &self,
        user_id: &str,
        next: &UserRecord,
        previous: &Stored,
        token: &str,
    ) -> Result<WriteOutcome, StoreError> {
        let encoded = rmp_serde::to_vec_named(next)
            .map_err(|e| StoreError::Internal(format!("encoding the record of {user_id}: {e}")))?;
        if encoded.len() > MAX_RECORD_BYTES {
            return Err(StoreError::Internal(format!(
                "the record of {user_id} takes {} bytes; the store holds at most {MAX_RECORD_BYTES}",
                encoded.len()
            )));
        }
        let mut pieces = encoded.chunks(CHUNK_BYTES);
        let first_piece = pieces.next().unwrap_or_default();
        let chunk_pieces: Vec<&[u8]> = pieces.collect();

        let mut meta = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(
                user_id,
                META_SORT_KEY,
                next.version,
                first_piece,
            )))
            .item(CHUNKS, number(chunk_pieces.len()))
            .item(WRITES, recent_writes(&previous.recent_writes, token))
            .expression_attribute_names("#version", VERSION);
        meta = match previous.record.version {
            0 => meta.condition_expression("attribute_not_exists(#version)"),
            version => meta
                .condition_expression("#version = :read_version")
                .expression_attribute_values(":read_version", number(version)),
        };
        let meta = meta.build().map_err(internal)?;

        if chunk_pieces.is_empty() && previous.chunk_items == 0 {
            return self.put_meta(meta).await;
        }
        let mut operations = vec![TransactWriteItem::builder().put(meta).build()];
        for (index, piece) in (1..).zip(&chunk_pieces) {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item(
                    user_id,
                    &chunk_sort_key(index),
                    next.version,
                    piece,
                )))
                .build()
                .map_err(internal)?;
            operations.push(TransactWriteItem::builder().put(put).build());
        }
        for stale in chunk_pieces.len() + 1..=previous.chunk_items {
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key(user_id, &chunk_sort_key(stale))))
                .build()
                .map_err(internal)?;
            operations.push(TransactWriteItem::builder().delete(delete).build());
        }
        self.transact(operations, token).await
    }

    async fn put_meta(&self, meta: Put) -> Result<WriteOutcome, StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(meta.table_name)
            .set_item(Some(meta.item))
            .set_condition_expression(meta.condition_expression)
            .set_expression_attribute_names(meta.expression_attribute_names)
            .set_expression_attribute_values(meta.expression_attribute_values)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send();
        let result = store_call(Backend::DynamoDb, "PutItem", &self.table, Box::pin(put)).await;
        match result {
            Ok(output) => {
                usage::add(Cost::ItemsWritten(1));
                count_capacity(output.consumed_capacity(), true);
                Ok(WriteOutcome::Written)
            }
            Err(error) => match error.as_service_error() {
                Some(
                    PutItemError::ConditionalCheckFailedException(_)
                    | PutItemError::TransactionConflictException(_),
                ) => Ok(WriteOutcome::LostRace),
                _ => Err(store_error("PutItem", error)),
            },
        }
    }

    async fn transact(
        &self,
        operations: Vec<TransactWriteItem>,
        token: &str,
    ) -> Result<WriteOutcome, StoreError> {
        let items = operations.len() as u64;
        let transaction = self
            .client
            .transact_write_items()
            .set_transact_items(Some(operations))
            .client_request_token(token)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send();
        let result = store_call(
            Backend::DynamoDb,
            "TransactWriteItems",
            &self.table,
            Box::pin(transaction),
        )
        .await;
        let error = match result {
            Ok(output) => {
                usage::add(Cost::ItemsWritten(items));
                output
                    .consumed_capacity()
                    .iter()
                    .for_each(|consumed| count_capacity(Some(consumed), true));
                return Ok(WriteOutcome::Written);
            }
            Err(error) => error,
        };
        // A retry that met our own transaction (same token) still running: the re-read finds
        // the token once it commits, and the version condition stops a second application.
        if let Some(TransactWriteItemsError::TransactionInProgressException(_)) =
            error.as_service_error()
        {
            return Ok(WriteOutcome::LostRace);
        }
        if let Some(TransactWriteItemsError::TransactionCanceledException(canceled)) =
            error.as_service_error()
        {
            let codes: Vec<&str> = canceled
                .cancellation_reasons()
                .iter()
                .filter_map(|reason| reason.code())
                .collect();
            if codes
                .iter()
                .any(|code| matches!(*code, "ConditionalCheckFailed" | "TransactionConflict"))
            {
                return Ok(WriteOutcome::LostRace);
            }
            if codes
                .iter()
                .any(|code| matches!(*code, "ThrottlingError" | "ProvisionedThroughputExceeded"))
            {
                return Err(StoreError::Unavailable(format!(
                    "TransactWriteItems throttled: {codes:?}"
                )));
            }
        }
        Err(store_error("TransactWriteItems", error))
    }
}

/// Counts each HTTP attempt the SDK makes (its retries included) for the request's metrics.
#[derive(Debug)]
struct CountAttempts;

impl Intercept for CountAttempts {
    fn name(&self) -> &'static str {
        "CountAttempts"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        count_sdk_attempt();
        Ok(())
    }
}

/// The client's configuration from the environment Lambda gives a function: `AWS_REGION`, the
/// credentials in `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, and
/// `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_DYNAMODB`), which points tests at a local server.
/// With this build's HTTPS client (rustls on ring rather than the SDK's default aws-lc, a large
/// C library) and timeouts.
///
/// Built without `aws-config`: its provider chains (profile files, SSO, STS web identity and
/// role assumption, container and instance metadata) are code a Lambda function never runs,
/// and a large part of the deployed binary (docs/benchmarks.md). Lambda's credentials are
/// those variables, fixed for the life of an instance. Without them the client still builds,
/// and each request then fails with an error the store reports.
pub fn client_config() -> aws_sdk_dynamodb::config::Builder {
    client_config_from(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
}

fn client_config_from(var: impl Fn(&str) -> Option<String>) -> aws_sdk_dynamodb::config::Builder {
    use aws_sdk_dynamodb::config::{BehaviorVersion, Region, timeout::TimeoutConfig};
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    // Bounded well inside the function's 10 s timeout, so a hung connection becomes a 503 with
    // `Retry-After` (a timeout is `Unavailable`) rather than a Lambda timeout.
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_millis(1500))
        .operation_timeout(Duration::from_secs(3))
        .build();
    let mut config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(http_client)
        .timeout_config(timeouts);
    if let Some(region) = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")) {
        config = config.region(Region::new(region));
    }
    if let Some(credentials) = credentials_from(&var) {
        config = config.credentials_provider(credentials);
    }
    if let Some(endpoint) = var("AWS_ENDPOINT_URL_DYNAMODB").or_else(|| var("AWS_ENDPOINT_URL")) {
        config = config.endpoint_url(endpoint);
    }
    config
}

fn credentials_from(
    var: impl Fn(&str) -> Option<String>,
) -> Option<aws_sdk_dynamodb::config::Credentials> {
    let (key, secret) = (var("AWS_ACCESS_KEY_ID")?, var("AWS_SECRET_ACCESS_KEY")?);
    let token = var("AWS_SESSION_TOKEN");
    Some(aws_sdk_dynamodb::config::Credentials::new(
        key, secret, token, None, "env",
    ))
}

impl AvailabilityStore for DynamoDbStore {
    /// Today's layout holds a record whole, so the whole record is read and decoded; the
    /// clipped copy is kept and the whole one dropped before the next load starts here.
    async fn load_within(
        &self,
        user_id: &str,
        window: Option<Interval>,
        budget: &IntervalBudget,
    ) -> Result<Arc<UserRecord>, LoadError> {
        let whole = Arc::new(self.read(user_id).await?.record);
        record_within(&whole, window, budget)
    }

    async fn update<E, F>(
        &self,
        user_id: &str,
        expected_version: Option<u64>,
        mut change: F,
    ) -> Result<u64, WriteError<E>>
    where
        E: Send,
        F: FnMut(&UserRecord) -> Result<UserRecord, E> + Send,
    {
        let mut backoff = Backoff::new(MAX_WRITE_ATTEMPTS);
        // (token, version written) of the attempts that lost their race, as far as we heard.
        let mut lost: Vec<(String, u64)> = Vec::new();
        loop {
            let stored = self.read(user_id).await?;
            if let Some((_, version)) = lost
                .iter()
                .find(|(token, _)| stored.recent_writes.contains(token))
            {
                // That attempt committed; its answer was lost and the SDK's retry failed.
                return Ok(*version);
            }
            // A lost race re-reads, so an `expected_version` another write has passed meanwhile
            // ends here as a mismatch rather than being retried.
            let Some(next) = next_record(&stored.record, expected_version, &mut change)? else {
                return Ok(stored.record.version);
            };
            let token = write_token();
            match self.write(user_id, &next, &stored, &token).await? {
                WriteOutcome::Written => return Ok(next.version),
                WriteOutcome::LostRace => {
                    lost.push((token, next.version));
                    count_store_retry();
                    if !backoff.wait().await {
                        return Err(StoreError::Unavailable(format!(
                            "writes to user {user_id} kept colliding"
                        ))
                        .into());
                    }
                }
            }
        }
    }

    async fn update_many<E, F>(
        &self,
        _user_ids: &[&str],
        _scope: Interval,
        _change: F,
    ) -> Result<Vec<u64>, WriteError<E>>
    where
        E: Send,
        F: FnMut(&[Arc<UserRecord>]) -> Result<Vec<UserRecord>, E> + Send,
    {
        // TODO(#14): one TransactWriteItems over the participants' items
        Err(WriteError::Store(StoreError::Internal(
            "bookings are not implemented on DynamoDB yet".into(),
        )))
    }
}

/// Counts every request this store's client sends, retries included, and the bytes of its
/// body and of the answer's: the figures DynamoDB bills by, whether or not it reports them.
#[derive(Debug)]
struct MeasuredRequests;

impl Intercept for MeasuredRequests {
    fn name(&self) -> &'static str {
        "MeasuredRequests"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let bytes_sent = context.request().body().bytes().map_or(0, <[u8]>::len);
        usage::add(Cost::Request {
            bytes_sent: bytes_sent as u64,
        });
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let bytes_received = context.response().body().bytes().map_or(0, <[u8]>::len);
        usage::add(Cost::Response {
            bytes_received: bytes_received as u64,
        });
        Ok(())
    }
}

/// Adds the capacity an answer reports (DynamoDB does when asked; a local server may not).
/// An answer may give only the total, in the units of its operation's kind.
fn count_capacity(consumed: Option<&ConsumedCapacity>, writes: bool) {
    let Some(consumed) = consumed else { return };
    let read = consumed.read_capacity_units();
    let write = consumed.write_capacity_units();
    if read.is_none() && write.is_none() {
        let total = consumed.capacity_units().unwrap_or_default();
        usage::add(if writes {
            Cost::WriteUnits(total)
        } else {
            Cost::ReadUnits(total)
        });
        return;
    }
    usage::add(Cost::ReadUnits(read.unwrap_or_default()));
    usage::add(Cost::WriteUnits(write.unwrap_or_default()));
}

/// The record from one query's items; `None` when the pages showed two versions.
fn assemble(items: &[Item]) -> Result<Option<Stored>, StoreError> {
    let Some(meta) = items.iter().find(|item| sort_key(item) == META_SORT_KEY) else {
        return Ok(Some(Stored {
            record: UserRecord::default(),
            chunk_items: 0,
            recent_writes: Vec::new(),
        }));
    };
    let version: u64 = parse_number(meta, VERSION)?;
    let chunk_items: usize = parse_number(meta, CHUNKS)?;
    let mut pieces: Vec<Option<&[u8]>> = vec![None; chunk_items];
    for item in items {
        let Some(piece) = sort_key(item)
            .strip_prefix(CHUNK_SORT_KEY_PREFIX)
            .and_then(|index| index.parse::<usize>().ok()?.checked_sub(1))
            .and_then(|index| pieces.get_mut(index))
        else {
            continue;
        };
        if parse_number::<u64>(item, VERSION)? != version {
            return Ok(None);
        }
        *piece = Some(bytes(item, DATA)?);
    }
    let mut encoded = bytes(meta, DATA)?.to_vec();
    for piece in pieces {
        // A chunk the meta item counts but the query did not return: the pages raced a write.
        let Some(piece) = piece else { return Ok(None) };
        encoded.extend_from_slice(piece);
    }
    let mut record: UserRecord = rmp_serde::from_slice(&encoded)
        .map_err(|e| StoreError::Internal(format!("a stored record does not decode: {e}")))?;
    record.version = version;
    Ok(Some(Stored {
        record,
        chunk_items,
        recent_writes: written_tokens(meta)?,
    }))
}

/// The meta item's write tokens; none on an item written before they existed.
fn written_tokens(meta: &Item) -> Result<Vec<String>, StoreError> {
    let Some(value) = meta.get(WRITES) else {
        return Ok(Vec::new());
    };
    value
        .as_l()
        .ok()
        .and_then(|tokens| {
            tokens
                .iter()
                .map(|token| token.as_s().ok().cloned())
                .collect()
        })
        .ok_or_else(|| malformed(meta, WRITES, "a list of strings"))
}

/// `previous` tokens with `token` added last, keeping the latest [`RECENT_WRITES`].
fn recent_writes(previous: &[String], token: &str) -> AttributeValue {
    let kept = &previous[previous.len().saturating_sub(RECENT_WRITES - 1)..];
    AttributeValue::L(
        kept.iter()
            .map(String::as_str)
            .chain([token])
            .map(|token| AttributeValue::S(token.to_owned()))
            .collect(),
    )
}

/// A fresh token for one write attempt: 64 random bits (the std hasher's keys are seeded per
/// process from the OS), valid as a `ClientRequestToken` (1 to 36 characters).
fn write_token() -> String {
    static ATTEMPTS: AtomicU64 = AtomicU64::new(0);
    let random = std::collections::hash_map::RandomState::new()
        .hash_one((Instant::now(), ATTEMPTS.fetch_add(1, Ordering::Relaxed)));
    format!("{random:016x}")
}

/// An item of the user's partition holding one piece of the record at `version`.
fn item(user_id: &str, sort_key: &str, version: u64, piece: &[u8]) -> Item {
    let mut item = key(user_id, sort_key);
    item.insert(VERSION.to_owned(), number(version));
    item.insert(DATA.to_owned(), AttributeValue::B(Blob::new(piece)));
    item
}

fn sort_key(item: &Item) -> &str {
    string(item, SORT_KEY).unwrap_or_default()
}

fn key(user_id: &str, sort_key: &str) -> Item {
    HashMap::from([
        (
            PARTITION_KEY.to_owned(),
            AttributeValue::S(user_id.to_owned()),
        ),
        (SORT_KEY.to_owned(), AttributeValue::S(sort_key.to_owned())),
    ])
}

/// Zero-padded so that the partition's sort order is the pieces' order.
fn chunk_sort_key(index: usize) -> String {
    format!("{CHUNK_SORT_KEY_PREFIX}{index:04}")
}

fn number(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn string<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)?.as_s().ok().map(String::as_str)
}

fn parse_number<T: std::str::FromStr>(item: &Item, name: &str) -> Result<T, StoreError> {
    item.get(name)
        .and_then(|value| value.as_n().ok())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| malformed(item, name, "a number"))
}

fn bytes<'a>(item: &'a Item, name: &str) -> Result<&'a [u8], StoreError> {
    item.get(name)
        .and_then(|value| value.as_b().ok())
        .map(Blob::as_ref)
        .ok_or_else(|| malformed(item, name, "binary"))
}

fn malformed(item: &Item, name: &str, kind: &str) -> StoreError {
    StoreError::Internal(format!(
        "stored item {:?}/{:?} lacks `{name}` as {kind}",
        string(item, PARTITION_KEY).unwrap_or("?"),
        string(item, SORT_KEY).unwrap_or("?"),
    ))
}

fn internal(error: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(error.to_string())
}

/// Throttling, 5xx answers, timeouts and unreachable endpoints are the service's state: the
/// caller may retry (503). The rest (a missing table, denied access, a rejected request) is a
/// deployment or code fault that retrying will not fix.
fn store_error<E>(operation: &str, error: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let retry_later = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(service) => {
            service.raw().status().is_server_error()
                || THROTTLING_CODES.contains(&service.err().code().unwrap_or_default())
        }
        _ => false,
    };
    let why = format!("{operation}: {}", DisplayErrorContext(&error));
    if retry_later {
        StoreError::Unavailable(why)
    } else {
        StoreError::Internal(why)
    }
}

/// Exponential backoff with full jitter, so writers that collided do not collide again in step.
struct Backoff {
    attempts_left: u32,
    ceiling_ms: u64,
}

impl Backoff {
    fn new(max_attempts: u32) -> Self {
        Self {
            attempts_left: max_attempts.saturating_sub(1),
            ceiling_ms: FIRST_BACKOFF_MS,
        }
    }

    /// Sleeps before another attempt; `false` when the attempts are used up.
    async fn wait(&mut self) -> bool {
        if self.attempts_left == 0 {
            return false;
        }
        self.attempts_left -= 1;
        // A randomly keyed hash is random enough to spread retries, without a crate for it.
        let random = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
        tokio::time::sleep(Duration::from_millis(random % (self.ceiling_ms + 1))).await;
        self.ceiling_ms = (self.ceiling_ms * 2).min(MAX_BACKOFF_MS);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Interval, IntervalSet};

    #[test]
    fn the_client_is_configured_from_lambda_s_variables() {
        let lambda = |name: &str| {
            let value = match name {
                "AWS_REGION" => "eu-west-1",
                "AWS_ACCESS_KEY_ID" => "AKIDEXAMPLE",
                "AWS_SECRET_ACCESS_KEY" => "secret",
                "AWS_SESSION_TOKEN" => "token",
                _ => return None,
            };
            Some(value.to_owned())
        };
        let config = client_config_from(lambda).build();
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-1"));
        let credentials = credentials_from(lambda).expect("credentials");
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(credentials.secret_access_key(), "secret");
        assert_eq!(credentials.session_token(), Some("token"));
        let timeouts = config.timeout_config().expect("timeouts are set");
        assert_eq!(timeouts.operation_timeout(), Some(Duration::from_secs(3)));

        let local = |name: &str| match name {
            "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:8000".to_owned()),
            _ => None,
        };
        let config = client_config_from(local).build();
        assert_eq!(config.region(), None);
        assert!(credentials_from(local).is_none());
    }

    #[test]
    fn a_record_packs_its_intervals_at_sixteen_bytes_each() {
        let slots = IntervalSet::from_normalized(
            (0..1000)
                .map(|i| Interval::new(i * 10, i * 10 + 5).expect("valid test interval"))
                .collect(),
        );
        let record = UserRecord {
            slots,
            ..UserRecord::default()
        };
        let record = UserRecord {
            version: 7,
            ..record
        };
        let encoded = rmp_serde::to_vec_named(&record).expect("encodes");
        assert!(encoded.len() < 1000 * 16 + 64, "{} bytes", encoded.len());
        let decoded: UserRecord = rmp_serde::from_slice(&encoded).expect("decodes");
        assert_eq!(decoded.slots, record.slots);
        assert_eq!(decoded.version, 0, "the version is kept beside the record");
    }

    #[test]
    fn the_meta_item_keeps_the_latest_write_tokens_and_older_items_have_none() {
        let tokens: Vec<String> = (0..RECENT_WRITES).map(|i| format!("t{i}")).collect();
        let AttributeValue::L(kept) = recent_writes(&tokens, "new") else {
            panic!("a list");
        };
        let kept: Vec<&str> = kept
            .iter()
            .filter_map(|t| t.as_s().ok())
            .map(String::as_str)
            .collect();
        assert_eq!(kept.len(), RECENT_WRITES);
        assert_eq!((kept[0], kept[RECENT_WRITES - 1]), ("t1", "new"));

        let encoded = rmp_serde::to_vec_named(&UserRecord::default()).expect("encodes");
        let mut meta = item("ana", META_SORT_KEY, 3, &encoded);
        meta.insert(CHUNKS.to_owned(), number(0));
        let stored = assemble(std::slice::from_ref(&meta))
            .expect("reads")
            .expect("whole");
        assert!(
            stored.recent_writes.is_empty(),
            "an item from before tokens"
        );
        meta.insert(WRITES.to_owned(), recent_writes(&[], "abc"));
        let stored = assemble(&[meta]).expect("reads").expect("whole");
        assert_eq!(
            (stored.record.version, stored.recent_writes),
            (3, vec!["abc".to_owned()])
        );
    }

    #[test]
    fn write_tokens_differ_and_fit_a_client_request_token() {
        let (first, second) = (write_token(), write_token());
        assert_ne!(first, second);
        assert!((1..=36).contains(&first.len()));
    }

    #[test]
    fn chunk_sort_keys_sort_in_piece_order() {
        assert!(chunk_sort_key(9) < chunk_sort_key(10));
        assert_eq!(chunk_sort_key(1), "chunk#0001");
    }
}

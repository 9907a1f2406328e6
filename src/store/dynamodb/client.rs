//! The client side of the DynamoDB store: how the client is configured and measured, how
//! the SDK's errors map to the store's, retry pacing, and write tokens.

use crate::meter::{self, Cost};
use crate::store::StoreError;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::{BoxError, DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::ConsumedCapacity;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const FIRST_BACKOFF_MS: u64 = 10;
const MAX_BACKOFF_MS: u64 = 200;
/// Error codes that mean "too much traffic, slow down" rather than "this request is wrong".
const THROTTLING_CODES: [&str; 3] = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
];

/// Counts each HTTP attempt the SDK makes (its retries included) for the request's metrics.
#[derive(Debug)]
pub(super) struct CountAttempts;

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
        meter::add(Cost::SdkAttempt);
        Ok(())
    }
}

/// The client's configuration from the environment Lambda gives a function: `AWS_REGION`, the
/// credentials in `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, and
/// `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_DYNAMODB`), which points tests at a local server.
/// With the store's own HTTPS client (`https.rs`: rustls on ring rather than the SDK's default
/// aws-lc, a large C library, and compiled-in roots rather than the machine's trust store) and
/// timeouts.
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
    const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
    let http_client = super::https::StoreHttpClient::new(CONNECT_TIMEOUT);
    // Bounded well inside the function's 10 s timeout, so a hung connection becomes a 503 with
    // `Retry-After` (a timeout is `Unavailable`) rather than a Lambda timeout.
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
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

/// Counts every request this store's client sends, retries included, and the bytes of its
/// body and of the answer's: the figures DynamoDB bills by, whether or not it reports them.
#[derive(Debug)]
pub(super) struct MeasuredRequests;

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
        meter::add(Cost::Request {
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
        meter::add(Cost::Response {
            bytes_received: bytes_received as u64,
        });
        Ok(())
    }
}

/// Adds the capacity an answer reports (DynamoDB does when asked; a local server may not).
/// An answer may give only the total, in the units of its operation's kind.
pub(super) fn count_capacity(consumed: Option<&ConsumedCapacity>, writes: bool) {
    let Some(consumed) = consumed else { return };
    let read = consumed.read_capacity_units();
    let write = consumed.write_capacity_units();
    if read.is_none() && write.is_none() {
        let total = consumed.capacity_units().unwrap_or_default();
        meter::add(if writes {
            Cost::WriteUnits(total)
        } else {
            Cost::ReadUnits(total)
        });
        return;
    }
    meter::add(Cost::ReadUnits(read.unwrap_or_default()));
    meter::add(Cost::WriteUnits(write.unwrap_or_default()));
}

/// A fresh token for one write attempt: 64 random bits (the std hasher's keys are seeded per
/// process from the OS), valid as a `ClientRequestToken` (1 to 36 characters).
pub(super) fn write_token() -> String {
    static ATTEMPTS: AtomicU64 = AtomicU64::new(0);
    let random = std::collections::hash_map::RandomState::new()
        .hash_one((Instant::now(), ATTEMPTS.fetch_add(1, Ordering::Relaxed)));
    format!("{random:016x}")
}

pub(super) fn internal(error: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(error.to_string())
}

/// Throttling, 5xx answers, timeouts and unreachable endpoints are the service's state: the
/// caller may retry (503). The rest (a missing table, denied access, a rejected request) is a
/// deployment or code fault that retrying will not fix.
pub(super) fn store_error<E>(operation: &str, error: SdkError<E, HttpResponse>) -> StoreError
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
pub(super) struct Backoff {
    attempts_left: u32,
    ceiling_ms: u64,
}

impl Backoff {
    pub(super) fn new(max_attempts: u32) -> Self {
        Self {
            attempts_left: max_attempts.saturating_sub(1),
            ceiling_ms: FIRST_BACKOFF_MS,
        }
    }

    /// Sleeps before another attempt; `false` when the attempts are used up.
    pub(super) async fn wait(&mut self) -> bool {
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
    fn write_tokens_differ_and_fit_a_client_request_token() {
        let (first, second) = (write_token(), write_token());
        assert_ne!(first, second);
        assert!((1..=36).contains(&first.len()));
    }
}

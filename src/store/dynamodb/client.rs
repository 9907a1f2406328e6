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

/// The client's configuration from the environment Lambda gives a function (`crate::aws`:
/// region, credentials, timeouts, the crate's own HTTPS client), with `AWS_ENDPOINT_URL` (or
/// `AWS_ENDPOINT_URL_DYNAMODB`) pointing tests at a local server.
pub fn client_config() -> aws_sdk_dynamodb::config::Builder {
    aws_sdk_dynamodb::config::Builder::from(&crate::aws::sdk_config("DYNAMODB"))
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
    fn write_tokens_differ_and_fit_a_client_request_token() {
        let (first, second) = (write_token(), write_token());
        assert_ne!(first, second);
        assert!((1..=36).contains(&first.len()));
    }
}

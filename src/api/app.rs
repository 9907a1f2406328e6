//! The app's state and the failures every handler may answer with. Handlers (`handlers/`) and
//! the router both build on this file; it imports neither.

use super::error::{ApiError, ProblemKind};
use super::in_process::PendingDeliveries;
use super::window::Clock;
use crate::config::Config;
use crate::domain::UserRecord;
use crate::domain::webhook::with_events;
use crate::observability::Telemetry;
use crate::outbound::Outbound;
use crate::secrets::{Secrets, SecretsError};
use crate::store::{AvailabilityStore, Scope, StoreError, WriteError};
use lambda_http::{Body, Error, Response};
use std::io::Write;
use std::sync::Arc;

/// The function's state, built once per Lambda instance and shared by every invocation.
pub struct App<S> {
    store: S,
    config: Config,
    clock: Clock,
    /// Requests to user-given URLs; its client is built on first use, not here.
    outbound: Outbound,
    /// Seals the secrets users give (CalDAV passwords) and opens them for a sync.
    secrets: Secrets,
    /// Users owing webhook deliveries, for the in-process delivery of a store without a stream.
    pub(super) pending: PendingDeliveries,
    pub(super) telemetry: Telemetry,
}

/// Why a request was not served: a client's mistake (answered), a busy store (answered 503),
/// or the unexpected (an `Err` for the Lambda runtime, so it shows in the function's error
/// metrics).
pub(crate) enum Failure {
    Client(ApiError),
    Unavailable(String),
    Unexpected(Error),
}

impl From<ApiError> for Failure {
    fn from(error: ApiError) -> Self {
        Failure::Client(error)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Unavailable(why) => Failure::Unavailable(why),
            StoreError::Internal(_) => Failure::Unexpected(Box::new(error)),
        }
    }
}

impl From<WriteError<ApiError>> for Failure {
    fn from(error: WriteError<ApiError>) -> Self {
        match error {
            WriteError::Rejected(error) => Failure::Client(error),
            WriteError::VersionMismatch { current } => Failure::Client(ApiError::new(
                ProblemKind::PreconditionFailed,
                format!(
                    "The availability changed since it was read (it is now at ETag \"{current}\"); read it again and retry."
                ),
            )),
            WriteError::TooLarge(why) => Failure::Client(too_large_to_write(&why)),
            WriteError::Store(error) => error.into(),
        }
    }
}

/// A secret (a CalDAV password, a webhook's signing secret) that could not be sealed.
impl From<SecretsError> for Failure {
    fn from(error: SecretsError) -> Self {
        match error {
            SecretsError::NoKey => Failure::Client(ApiError::new(
                ProblemKind::Unavailable,
                "This deployment keeps no secrets (CalDAV passwords, webhook signing secrets): it has no key to seal them with (SECRETS_KEY_ID). Ask its operator to set the key.",
            )),
            SecretsError::Unavailable(why) => Failure::Unavailable(why),
            // The key refused (disabled, no permission): the deployment's fault, not the caller's.
            refused @ SecretsError::Refused(_) => Failure::Unexpected(Box::new(refused)),
        }
    }
}

/// The 413 for a write the store cannot make in one piece.
pub(crate) fn too_large_to_write(why: &str) -> ApiError {
    ApiError::new(
        ProblemKind::TooLarge,
        format!("{why}; nothing was written. Change fewer users (or a shorter range) at once."),
    )
}

pub(crate) type Handled = Result<Response<Body>, Failure>;

impl<S: AvailabilityStore> App<S> {
    /// One atomic write of `users`' records (within `scope`) by `change`, which also makes
    /// something (a booking): what the run that was written made, or why nothing was written.
    /// Each record's booking changes record their webhook events in its outbox in the same
    /// write (`domain::webhook::with_events`), so an event exists exactly when its change was
    /// committed; a refused write records nothing. After the commit, the users owing
    /// deliveries are handed to the in-process delivery (a store with a stream has its own).
    pub(crate) async fn write_making<T, E, F>(
        &self,
        users: &[&str],
        scope: Scope,
        mut change: F,
    ) -> Result<T, WriteError<E>>
    where
        T: Send,
        E: Send,
        F: FnMut(&[Arc<UserRecord>]) -> Result<(Vec<UserRecord>, T), E> + Send,
    {
        let now = self.clock.now();
        let mut made = None;
        let mut owing: Vec<usize> = Vec::new();
        self.store
            .update_many(users, scope, |records| {
                let (next, this) = change(records)?;
                owing.clear();
                let next = records
                    .iter()
                    .zip(next)
                    .enumerate()
                    .map(|(at, (before, after))| {
                        let owed = after.outbox.len();
                        let recorded = with_events(before, after, now);
                        if recorded.outbox.len() != owed {
                            owing.push(at);
                        }
                        recorded
                    })
                    .collect();
                made = Some(this);
                Ok(next)
            })
            .await?;
        if !self.store.streams_changes() {
            for &at in &owing {
                self.pending.schedule(users[at], now);
            }
        }
        made.ok_or_else(|| {
            StoreError::Internal("the store wrote without running the change".into()).into()
        })
    }
}

/// The answer to a [`App::write_making`]: what it made answered by `answer`, the change's own
/// refusal by `rejected`, and the store's failures as every write's.
pub(crate) fn answer_of_write<T, E>(
    written: Result<T, WriteError<E>>,
    answer: impl FnOnce(T) -> Handled,
    rejected: impl FnOnce(E) -> Handled,
) -> Handled {
    match written {
        Ok(made) => answer(made),
        Err(WriteError::Rejected(why)) => rejected(why),
        Err(WriteError::VersionMismatch { current }) => Err(Failure::Unexpected(
            format!("a write asked for no version, yet version {current} was refused").into(),
        )),
        Err(WriteError::TooLarge(why)) => Err(too_large_to_write(&why).into()),
        Err(WriteError::Store(error)) => Err(error.into()),
    }
}

impl<S> App<S> {
    /// An app on the system clock.
    pub fn new(store: S, config: Config) -> Self {
        Self {
            outbound: Outbound::new(config.outbound_allow_local),
            secrets: Secrets::from_config(&config),
            pending: PendingDeliveries::default(),
            store,
            config,
            clock: Clock::System,
            telemetry: Telemetry::from_env(),
        }
    }

    /// The same app writing its metrics documents to `out` instead of stdout (tests read them).
    pub fn with_metrics_output(self, out: impl Write + Send + 'static) -> Self {
        Self {
            telemetry: self.telemetry.with_metrics_output(Box::new(out)),
            ..self
        }
    }

    /// The same app sending X-Ray subsegments to the daemon at `address` (`host:port`) rather
    /// than the one `AWS_XRAY_DAEMON_ADDRESS` names.
    pub fn with_xray_daemon(self, address: &str) -> Self {
        Self {
            telemetry: self.telemetry.with_xray_daemon(address),
            ..self
        }
    }

    /// The same app sending its outbound requests through `outbound` (tests loosen the rules
    /// to reach their local servers).
    pub fn with_outbound(self, outbound: Outbound) -> Self {
        Self { outbound, ..self }
    }

    /// The same app sealing secrets with `secrets` (tests pick the key).
    pub fn with_secrets(self, secrets: Secrets) -> Self {
        Self { secrets, ..self }
    }

    /// The same app reading "now" from `clock` (tests fix it).
    pub fn with_clock(self, clock: Clock) -> Self {
        Self { clock, ..self }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    pub fn outbound(&self) -> &Outbound {
        &self.outbound
    }

    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }
}

//! The HTTP(S) client behind [`super::Outbound`]: HTTP/1.1 over rustls (on ring) with the
//! roots compiled in (`webpki-roots`, so nothing is read or parsed from the machine's trust
//! store), connecting only to the addresses the policy allows after name resolution.

use super::Rules;
use bytes::Bytes;
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::TokioExecutor;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

pub(super) type HttpsClient = Client<HttpsConnector<HttpConnector<CheckedResolver>>, Full<Bytes>>;

/// Connecting takes at most this long per address tried; the request's own timeout bounds
/// the whole exchange.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) fn build(rules: Rules) -> Result<HttpsClient, String> {
    let mut tcp = HttpConnector::new_with_resolver(CheckedResolver { rules });
    tcp.set_connect_timeout(Some(CONNECT_TIMEOUT));
    Ok(Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build(crate::tls::https_connector(tcp)?))
}

/// Resolves names like the system does, then keeps only the addresses the policy allows, so
/// that the connection goes to an address that was checked (a name that resolves to a public
/// address when checked and a private one when used cannot slip through).
#[derive(Clone, Debug)]
pub(super) struct CheckedResolver {
    rules: Rules,
}

/// A name that resolved to nothing the policy allows, or did not resolve.
#[derive(Debug)]
pub(super) enum ResolveError {
    NotPublic { host: String },
    Lookup { host: String, error: std::io::Error },
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::NotPublic { host } => {
                write!(f, "{host} resolves only to addresses that are not public")
            }
            ResolveError::Lookup { host, error } => {
                write!(f, "{host} could not be resolved: {error}")
            }
        }
    }
}

impl std::error::Error for ResolveError {}

impl tower_service::Service<Name> for CheckedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = ResolveError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ResolveError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ResolveError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let rules = self.rules.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let looked_up = match rules.pinned(&host) {
                Some(pinned) => Ok(pinned.iter().map(|ip| SocketAddr::new(*ip, 0)).collect()),
                None => tokio::net::lookup_host((host.as_str(), 0))
                    .await
                    .map(Iterator::collect::<Vec<SocketAddr>>),
            }
            .map(|found| {
                found
                    .into_iter()
                    .filter(|address| rules.allows_address(address.ip()))
                    .collect::<Vec<SocketAddr>>()
            });
            let allowed = match looked_up {
                Ok(allowed) => allowed,
                Err(error) => return Err(ResolveError::Lookup { host, error }),
            };
            if allowed.is_empty() {
                return Err(ResolveError::NotPublic { host });
            }
            Ok(allowed.into_iter())
        })
    }
}

//! Requests the service sends to addresses its users give it (calendar feeds and servers,
//! webhook receivers). One mechanism for every such request, with these rules:
//! - `https` only, to public addresses only: a URL's literal address is checked before
//!   anything is sent, a name's addresses after resolution, and the connection goes only to an
//!   address that passed ([`address::is_public`]); every redirect is checked the same way;
//! - at most [`OutboundRequest::max_redirects`] redirects, followed here (never by a library);
//! - the whole exchange within [`OutboundRequest::timeout`], the response body within
//!   [`OutboundRequest::max_response_bytes`];
//! - `allow_local` (the setting `OUTBOUND_ALLOW_LOCAL=true`, for local tests only; the deployed
//!   template never sets it) also allows `http` and every address.
//!
//! The HTTPS client is built on the first request, with compiled-in roots: a function that
//! never sends one pays nothing for it at start-up.

mod address;
mod client;

pub use address::is_public;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use http_body_util::{BodyExt, Full};
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use url::{Host, Url};

/// Sends requests to user-given URLs under the rules above. Cheap to build and to clone
/// (clones share one client and its connections).
#[derive(Clone)]
pub struct Outbound {
    rules: Rules,
    client: Arc<OnceLock<Result<client::HttpsClient, String>>>,
}

impl fmt::Debug for Outbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbound")
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

/// What may be requested: which schemes, which addresses, and names with fixed addresses.
#[derive(Clone, Debug)]
struct Rules {
    allow_http: bool,
    allow_address: fn(IpAddr) -> bool,
    /// Names answered from here instead of the resolver, as a hosts file would (tests).
    pinned: Arc<Vec<(String, Vec<IpAddr>)>>,
}

impl Rules {
    fn allows_address(&self, address: IpAddr) -> bool {
        (self.allow_address)(address)
    }

    fn pinned(&self, host: &str) -> Option<&[IpAddr]> {
        self.pinned
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(host))
            .map(|(_, addresses)| addresses.as_slice())
    }
}

fn any_address(_: IpAddr) -> bool {
    true
}

fn public_or_loopback(address: IpAddr) -> bool {
    address.is_loopback() || is_public(address)
}

/// One request: what to send and the bounds of the exchange.
#[derive(Clone, Debug)]
pub struct OutboundRequest {
    pub method: Method,
    pub url: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The whole exchange, redirects and the body's last byte included.
    pub timeout: Duration,
    /// A longer body is refused ([`OutboundError::TooLarge`]), announced or not.
    pub max_response_bytes: usize,
    /// Redirects followed (each checked like the first URL); 0: a redirect is answered as is.
    pub max_redirects: u8,
}

/// Calendar fetches: a feed may be large and may have moved.
pub const GET_TIMEOUT: Duration = Duration::from_secs(10);
pub const GET_MAX_RESPONSE_BYTES: usize = 5 * 1024 * 1024;
pub const GET_MAX_REDIRECTS: u8 = 3;
/// Deliveries: a receiver answers at once and its answer's body is not needed.
pub const POST_TIMEOUT: Duration = Duration::from_secs(10);
pub const POST_MAX_RESPONSE_BYTES: usize = 64 * 1024;

impl OutboundRequest {
    /// A `GET` with the calendar bounds: 10 s, 5 MB, 3 redirects.
    pub fn get(url: impl Into<String>) -> Self {
        OutboundRequest {
            method: Method::GET,
            url: url.into(),
            headers: HeaderMap::new(),
            body: Vec::new(),
            timeout: GET_TIMEOUT,
            max_response_bytes: GET_MAX_RESPONSE_BYTES,
            max_redirects: GET_MAX_REDIRECTS,
        }
    }

    /// A `POST` with the delivery bounds: 10 s, 64 KiB of answer, no redirects.
    pub fn post(url: impl Into<String>, body: Vec<u8>) -> Self {
        OutboundRequest {
            method: Method::POST,
            url: url.into(),
            headers: HeaderMap::new(),
            body,
            timeout: POST_TIMEOUT,
            max_response_bytes: POST_MAX_RESPONSE_BYTES,
            max_redirects: 0,
        }
    }

    /// The same request with `name: value` added (a value that is not a valid header value is
    /// left out; callers pass their own, well-formed, values).
    pub fn header(mut self, name: header::HeaderName, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.append(name, value);
        }
        self
    }
}

#[derive(Clone, Debug)]
pub struct OutboundResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// Where the answer came from, after redirects.
    pub url: String,
}

/// Why a request got no answer. Its `Display` is a sentence fit to show the user who gave the
/// URL (it names their URL and host, never this service's internals).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutboundError {
    /// The URL (or a redirect's) is not one the rules allow; nothing was sent to it.
    Refused {
        url: String,
        reason: String,
    },
    TooLarge {
        limit: usize,
    },
    TimedOut,
    TooManyRedirects {
        limit: u8,
    },
    /// No answer: the connection, TLS or the HTTP exchange failed.
    Failed(String),
}

impl fmt::Display for OutboundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutboundError::Refused { url, reason } => write!(f, "{url} is not allowed: {reason}."),
            OutboundError::TooLarge { limit } => {
                write!(f, "The answer is larger than {limit} bytes.")
            }
            OutboundError::TimedOut => f.write_str("No complete answer came in time."),
            OutboundError::TooManyRedirects { limit } => {
                write!(f, "More than {limit} redirects.")
            }
            OutboundError::Failed(why) => write!(f, "The request failed: {why}."),
        }
    }
}

impl std::error::Error for OutboundError {}

impl Outbound {
    /// The rules of this module; with `allow_local`, also `http` and any address.
    pub fn new(allow_local: bool) -> Self {
        Self::with_rules(Rules {
            allow_http: allow_local,
            allow_address: if allow_local { any_address } else { is_public },
            pinned: Arc::new(Vec::new()),
        })
    }

    /// For tests of the rules themselves: `http` and loopback allowed (where a test's servers
    /// listen), every other address that is not public refused as deployed, and each of
    /// `pinned`'s names resolved to its addresses instead of through the system's resolver.
    pub fn loopback_for_tests(pinned: &[(&str, IpAddr)]) -> Self {
        Self::with_rules(Rules {
            allow_http: true,
            allow_address: public_or_loopback,
            pinned: Arc::new(
                pinned
                    .iter()
                    .map(|(name, address)| ((*name).to_owned(), vec![*address]))
                    .collect(),
            ),
        })
    }

    fn with_rules(rules: Rules) -> Self {
        Outbound {
            rules,
            client: Arc::new(OnceLock::new()),
        }
    }

    /// Checks `url` as a target without sending anything: it parses, its scheme is `https`
    /// (or `http` with `allow_local`), it names a host and no credentials, and a literal
    /// address is allowed (names are checked when resolved, at send time). Answers the URL as
    /// it will be requested.
    pub fn check_url(&self, url: &str) -> Result<Url, OutboundError> {
        let refused = |reason: &str| OutboundError::Refused {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let mut parsed = Url::parse(url).map_err(|_| refused("it is not an absolute URL"))?;
        match parsed.scheme() {
            "https" => {}
            "http" if self.rules.allow_http => {}
            "http" => return Err(refused("only https is allowed")),
            _ => return Err(refused("only https URLs can be fetched")),
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(refused(
                "it carries a user name or password; give them separately",
            ));
        }
        let address = match parsed.host() {
            None => return Err(refused("it names no host")),
            Some(Host::Ipv4(v4)) => Some(IpAddr::V4(v4)),
            Some(Host::Ipv6(v6)) => Some(IpAddr::V6(v6)),
            Some(Host::Domain(_)) => None,
        };
        if let Some(address) = address
            && !self.rules.allows_address(address)
        {
            return Err(refused("its address is not a public one"));
        }
        parsed.set_fragment(None);
        Ok(parsed)
    }

    /// Sends `request` under the rules of this module and reads the whole answer.
    pub async fn send(&self, request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        let timeout = request.timeout;
        match tokio::time::timeout(timeout, self.exchange(request)).await {
            Ok(answer) => answer,
            Err(_) => Err(OutboundError::TimedOut),
        }
    }

    fn client(&self) -> Result<&client::HttpsClient, OutboundError> {
        self.client
            .get_or_init(|| client::build(self.rules.clone()))
            .as_ref()
            .map_err(|why| OutboundError::Failed(why.clone()))
    }

    async fn exchange(&self, request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        let client = self.client()?;
        let mut url = self.check_url(&request.url)?;
        let mut method = request.method.clone();
        let mut body = request.body.clone();
        let mut redirects = 0u8;
        loop {
            let mut outgoing = http::Request::builder()
                .method(method.clone())
                .uri(url.as_str())
                .body(Full::new(Bytes::from(body.clone())))
                .map_err(|error| OutboundError::Refused {
                    url: url.to_string(),
                    reason: format!("it cannot be requested ({error})"),
                })?;
            *outgoing.headers_mut() = request.headers.clone();
            outgoing
                .headers_mut()
                .entry(header::USER_AGENT)
                .or_insert(HeaderValue::from_static("availability-api"));
            let answer = client
                .request(outgoing)
                .await
                .map_err(|error| failure_of(&url, &error))?;
            let location = answer
                .headers()
                .get(header::LOCATION)
                .and_then(|value| value.to_str().ok());
            if answer.status().is_redirection()
                && request.max_redirects > 0
                && let Some(location) = location
            {
                if redirects == request.max_redirects {
                    return Err(OutboundError::TooManyRedirects {
                        limit: request.max_redirects,
                    });
                }
                redirects += 1;
                let next = url.join(location).map_err(|_| OutboundError::Refused {
                    url: location.to_owned(),
                    reason: "a redirect to something that is not a URL".to_owned(),
                })?;
                // As browsers do: 303, and 301/302 after a POST, continue as a GET.
                let status = answer.status();
                if status == StatusCode::SEE_OTHER
                    || (method == Method::POST
                        && matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND))
                {
                    method = Method::GET;
                    body = Vec::new();
                }
                url = self.check_url(next.as_str())?;
                continue;
            }
            let status = answer.status();
            let headers = answer.headers().clone();
            let body = read_bounded(answer.into_body(), request.max_response_bytes).await?;
            return Ok(OutboundResponse {
                status,
                headers,
                body,
                url: url.to_string(),
            });
        }
    }
}

/// The whole body, refused as soon as it passes `limit` bytes (a `Content-Length` over it is
/// refused before any byte is read).
async fn read_bounded(
    mut body: hyper::body::Incoming,
    limit: usize,
) -> Result<Vec<u8>, OutboundError> {
    use hyper::body::Body as _;
    if body.size_hint().lower() > limit as u64 {
        return Err(OutboundError::TooLarge { limit });
    }
    let mut read = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| OutboundError::Failed(error.to_string()))?;
        if let Some(data) = frame.data_ref() {
            if read.len() + data.len() > limit {
                return Err(OutboundError::TooLarge { limit });
            }
            read.extend_from_slice(data);
        }
    }
    Ok(read)
}

/// A failed exchange as the user should hear of it: a name that resolved only to addresses the
/// rules refuse is a refusal, the rest a failure described by its innermost cause.
fn failure_of(url: &Url, error: &hyper_util::client::legacy::Error) -> OutboundError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut innermost = error.to_string();
    while let Some(current) = cause {
        if let Some(resolve) = current.downcast_ref::<client::ResolveError>() {
            return match resolve {
                client::ResolveError::NotPublic { .. } => OutboundError::Refused {
                    url: url.to_string(),
                    reason: resolve.to_string(),
                },
                client::ResolveError::Lookup { .. } => OutboundError::Failed(resolve.to_string()),
            };
        }
        innermost = current.to_string();
        cause = current.source();
    }
    OutboundError::Failed(innermost)
}

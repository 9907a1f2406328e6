//! The HTTP client handed to the SDK's clients (the store's, the key's): hyper's client over
//! the crate's TLS configuration (`crate::tls`: compiled-in roots). The SDK's own client loads
//! the machine's trust store when it is built, at every cold start (docs/benchmarks.md
//! measured it as most of the deployed function's extra init); this one builds its connector
//! on the first request, and even then parses no certificate.

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

type Hyper = Client<HttpsConnector<TcpConnector>, SdkBody>;

/// One pool of connections for every request of one SDK client (HTTP/1.1, kept alive).
#[derive(Clone, Debug)]
pub(crate) struct SdkHttpClient {
    connect_timeout: Duration,
    client: Arc<OnceLock<Result<Hyper, String>>>,
}

impl SdkHttpClient {
    pub(crate) fn new(connect_timeout: Duration) -> Self {
        SdkHttpClient {
            connect_timeout,
            client: Arc::new(OnceLock::new()),
        }
    }

    fn client(&self) -> Result<&Hyper, ConnectorError> {
        self.client
            .get_or_init(|| {
                let mut tcp = TcpConnector::new();
                tcp.set_connect_timeout(Some(self.connect_timeout));
                tcp.set_nodelay(true);
                Ok(Client::builder(TokioExecutor::new())
                    .pool_idle_timeout(Duration::from_secs(60))
                    .build(crate::tls::https_connector(tcp)?))
            })
            .as_ref()
            .map_err(|why| ConnectorError::other(why.clone().into(), None))
    }
}

impl HttpClient for SdkHttpClient {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for SdkHttpClient {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let this = self.clone();
        HttpConnectorFuture::new(async move {
            let client = this.client()?;
            let request = request
                .try_into_http1x()
                .map_err(|error| ConnectorError::user(error.into()))?;
            let response = client.request(request).await.map_err(connector_error)?;
            HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                .map_err(|error| ConnectorError::other(error.into(), None))
        })
    }
}

/// Connection failures and broken exchanges are I/O errors, which the SDK's retry rules treat
/// as transient (as its own client does); anything else is reported as it is.
fn connector_error(error: hyper_util::client::legacy::Error) -> ConnectorError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    let mut io = error.is_connect();
    while let Some(current) = cause {
        io |= current.is::<std::io::Error>()
            || current
                .downcast_ref::<hyper::Error>()
                .is_some_and(|e| e.is_incomplete_message() || e.is_closed() || e.is_canceled());
        cause = current.source();
    }
    if io {
        ConnectorError::io(error.into())
    } else {
        ConnectorError::other(error.into(), None)
    }
}

//! The one TLS client configuration the service's own HTTPS clients use (the DynamoDB store's
//! and `outbound`'s): rustls on ring, trusting Mozilla's roots compiled into the binary
//! (`webpki-roots`). Nothing is read or parsed from the machine's trust store, so building it
//! costs microseconds, not the milliseconds of loading `/etc/ssl` at every cold start.

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use std::sync::Arc;

/// `tcp` (its resolver and timeouts the caller's) speaking TLS with [`client_config`] to
/// `https` URLs and HTTP/1.1.
pub fn https_connector<R>(
    mut tcp: HttpConnector<R>,
) -> Result<HttpsConnector<HttpConnector<R>>, String> {
    tcp.enforce_http(false);
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(client_config()?)
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp))
}

/// A fresh client configuration, or why rustls refused it (it does not, with ring's defaults).
pub fn client_config() -> Result<rustls::ClientConfig, String> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|error| format!("TLS setup failed: {error}"))?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

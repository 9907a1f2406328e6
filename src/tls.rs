//! The one TLS client configuration the service's own HTTPS clients use (the DynamoDB store's
//! and `outbound`'s): rustls on ring, trusting Mozilla's roots compiled into the binary
//! (`webpki-roots`). Nothing is read or parsed from the machine's trust store, so building it
//! costs microseconds, not the milliseconds of loading `/etc/ssl` at every cold start.

use std::sync::Arc;

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

//! What the AWS SDK's clients share (the `dynamodb` feature: the DynamoDB store, and the KMS
//! key that seals secrets in [`crate::secrets`]): one configuration read from the variables
//! Lambda sets, and the HTTPS client they send through ([`https`]).
//!
//! Built without `aws-config`: its provider chains (profile files, SSO, STS web identity and
//! role assumption, container and instance metadata) are code a Lambda function never runs,
//! and a large part of the deployed binary (docs/benchmarks.md). Lambda's credentials are
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, fixed for the life of
//! an instance. Without them a client still builds, and each request then fails with an error
//! its caller reports.

mod https;

use aws_types::SdkConfig;
use aws_types::region::Region;
use aws_types::sdk_config::{SharedCredentialsProvider, TimeoutConfig};
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The configuration of a client of `service` (as the SDK names its endpoint variable:
/// `DYNAMODB`, `KMS`) from the process environment.
pub fn sdk_config(service: &str) -> SdkConfig {
    sdk_config_from(
        |name| std::env::var(name).ok().filter(|value| !value.is_empty()),
        service,
    )
}

/// [`sdk_config`] from the variables `var` reads: `AWS_REGION`, the credentials, and
/// `AWS_ENDPOINT_URL_{service}` or `AWS_ENDPOINT_URL`, which point tests at a local server.
pub(crate) fn sdk_config_from(var: impl Fn(&str) -> Option<String>, service: &str) -> SdkConfig {
    use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
    // Bounded well inside the function's 10 s timeout, so a hung connection becomes a 503 with
    // `Retry-After` (a timeout is `Unavailable`) rather than a Lambda timeout.
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(Duration::from_millis(1500))
        .operation_timeout(Duration::from_secs(3))
        .build();
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(https::SdkHttpClient::new(CONNECT_TIMEOUT))
        .timeout_config(timeouts);
    if let Some(region) = var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")) {
        config = config.region(Region::new(region));
    }
    if let Some(credentials) = credentials_from(&var) {
        config = config.credentials_provider(SharedCredentialsProvider::new(credentials));
    }
    if let Some(endpoint) =
        var(&format!("AWS_ENDPOINT_URL_{service}")).or_else(|| var("AWS_ENDPOINT_URL"))
    {
        config = config.endpoint_url(endpoint);
    }
    config.build()
}

fn credentials_from(
    var: impl Fn(&str) -> Option<String>,
) -> Option<aws_credential_types::Credentials> {
    let (key, secret) = (var("AWS_ACCESS_KEY_ID")?, var("AWS_SECRET_ACCESS_KEY")?);
    let token = var("AWS_SESSION_TOKEN");
    Some(aws_credential_types::Credentials::new(
        key, secret, token, None, "env",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_are_configured_from_lambda_s_variables() {
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
        let config = sdk_config_from(lambda, "KMS");
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert_eq!(config.endpoint_url(), None);
        let credentials = credentials_from(lambda).expect("credentials");
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(credentials.secret_access_key(), "secret");
        assert_eq!(credentials.session_token(), Some("token"));
        let timeouts = config.timeout_config().expect("timeouts are set");
        assert_eq!(timeouts.operation_timeout(), Some(Duration::from_secs(3)));

        let local = |name: &str| match name {
            "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:8000".to_owned()),
            "AWS_ENDPOINT_URL_KMS" => Some("http://127.0.0.1:8001".to_owned()),
            _ => None,
        };
        assert_eq!(
            sdk_config_from(local, "DYNAMODB").endpoint_url(),
            Some("http://127.0.0.1:8000")
        );
        assert_eq!(
            sdk_config_from(local, "KMS").endpoint_url(),
            Some("http://127.0.0.1:8001")
        );
        assert_eq!(sdk_config_from(local, "KMS").region(), None);
        assert!(credentials_from(local).is_none());
    }
}

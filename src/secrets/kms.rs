//! Sealing with the deployment's KMS key: `Encrypt` and `Decrypt` (a secret of at most 4 KB
//! needs no data key of its own), with the secret's place as the encryption context. The
//! client shares `crate::aws`'s configuration and is built on first use, so an instance that
//! seals nothing (most API invocations) pays nothing at start-up.

use super::SecretsError;
use crate::domain::sealed_secret::SecretPlace;
use aws_sdk_kms::Client;
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::primitives::Blob;
use std::sync::{Arc, OnceLock};

/// Service errors that mean "not now" rather than "not this".
const TRANSIENT_CODES: [&str; 4] = [
    "ThrottlingException",
    "KMSInternalException",
    "DependencyTimeoutException",
    "KeyUnavailableException",
];

#[derive(Clone)]
pub(super) struct KmsKey {
    key_id: String,
    client: Arc<OnceLock<Client>>,
}

impl std::fmt::Debug for KmsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KmsKey({})", self.key_id)
    }
}

impl KmsKey {
    pub(super) fn new(key_id: &str) -> Self {
        KmsKey {
            key_id: key_id.to_owned(),
            client: Arc::new(OnceLock::new()),
        }
    }

    fn client(&self) -> &Client {
        self.client.get_or_init(|| {
            Client::from_conf(
                aws_sdk_kms::config::Builder::from(&crate::aws::sdk_config("KMS")).build(),
            )
        })
    }

    pub(super) async fn encrypt(
        &self,
        plaintext: &[u8],
        place: &SecretPlace,
    ) -> Result<Vec<u8>, SecretsError> {
        let sent = self
            .client()
            .encrypt()
            .key_id(&self.key_id)
            .plaintext(Blob::new(plaintext))
            .encryption_context("user", &place.user)
            .encryption_context("secret", &place.secret)
            .send();
        // Boxed: the SDK's futures nest deeply (see store/dynamodb).
        let output = Box::pin(sent).await.map_err(classify)?;
        output
            .ciphertext_blob()
            .map(|blob| blob.as_ref().to_vec())
            .ok_or_else(|| SecretsError::Refused("KMS answered no ciphertext".into()))
    }

    pub(super) async fn decrypt(
        &self,
        sealed: &[u8],
        place: &SecretPlace,
    ) -> Result<Vec<u8>, SecretsError> {
        let sent = self
            .client()
            .decrypt()
            // Named, so a ciphertext of another key is refused rather than opened with it.
            .key_id(&self.key_id)
            .ciphertext_blob(Blob::new(sealed))
            .encryption_context("user", &place.user)
            .encryption_context("secret", &place.secret)
            .send();
        let output = Box::pin(sent).await.map_err(classify)?;
        output
            .plaintext()
            .map(|blob| blob.as_ref().to_vec())
            .ok_or_else(|| SecretsError::Refused("KMS answered no plaintext".into()))
    }
}

fn classify<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    error: SdkError<E, R>,
) -> SecretsError {
    match &error {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("an unnamed error");
            if TRANSIENT_CODES.contains(&code) {
                SecretsError::Unavailable(code.to_owned())
            } else {
                SecretsError::Refused(code.to_owned())
            }
        }
        // Timeouts, connection failures, unreadable answers: the service, not the secret.
        _ => SecretsError::Unavailable(aws_sdk_kms::error::DisplayErrorContext(&error).to_string()),
    }
}

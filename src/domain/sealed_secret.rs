//! A secret as a user's record holds it: sealed (encrypted and bound to where it belongs) by
//! [`crate::secrets`], never as given. The record only carries it; opening it is the sync's.

use serde::{Deserialize, Serialize};

/// What sealed a secret, so that one sealed by a key this instance does not have is refused
/// with a reason rather than misread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SealedBy {
    /// The deployment's KMS key (template.yaml's `SecretsKey`).
    Kms,
    /// A key of one running instance, for the in-memory store whose records die with it.
    InstanceKey,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedSecret {
    pub sealed_by: SealedBy,
    /// Base64 of the sealed bytes.
    pub ciphertext: String,
}

/// Not the ciphertext: logs and test failures name only what sealed it.
impl std::fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedSecret({:?})", self.sealed_by)
    }
}

/// Where a secret belongs: sealing binds it there (KMS's encryption context, the associated
/// data of an AEAD), so a sealed secret copied to another user or source does not open.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretPlace {
    pub user: String,
    /// What the secret is, e.g. `calendar/{source id}/password`.
    pub secret: String,
}

impl SecretPlace {
    pub fn calendar_password(user: &str, source_id: &str) -> Self {
        SecretPlace {
            user: user.to_owned(),
            secret: format!("calendar/{source_id}/password"),
        }
    }

    pub fn webhook_secret(user: &str, webhook_id: &str) -> Self {
        SecretPlace {
            user: user.to_owned(),
            secret: format!("webhook/{webhook_id}/signing-secret"),
        }
    }

    /// The associated data of an AEAD: both parts, unambiguously joined (neither has a NUL).
    pub fn associated_data(&self) -> Vec<u8> {
        [self.user.as_bytes(), b"\0", self.secret.as_bytes()].concat()
    }
}

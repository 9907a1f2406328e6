//! Secrets the service must read back to use them (CalDAV passwords, webhook signing secrets):
//! sealed before they are written to a user's record, opened only where they are used (a
//! calendar sync, a delivery pass), never shown again.
//!
//! One mechanism, three keys, chosen from the configuration ([`Secrets::from_config`]):
//! - `SECRETS_KEY_ID` set (template.yaml's `SecretsKey`): KMS `Encrypt`/`Decrypt` with an
//!   encryption context naming the user and the secret, so a sealed value copied elsewhere
//!   does not open and each use shows in CloudTrail;
//! - no key and the in-memory store: a key of this instance (AES-256-GCM), as short-lived as
//!   the records it seals;
//! - no key and a DynamoDB table: nothing is sealed, and a password is refused with a reason
//!   ([`SecretsError::NoKey`]) rather than written as given.

mod instance_key;
#[cfg(feature = "dynamodb")]
mod kms;

use crate::config::Config;
use crate::domain::sealed_secret::{SealedBy, SealedSecret, SecretPlace};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

/// Seals and opens secrets; cheap to clone (a KMS client is built on first use and shared).
#[derive(Clone, Debug)]
pub struct Secrets(Sealer);

#[derive(Clone, Debug)]
enum Sealer {
    #[cfg(feature = "dynamodb")]
    Kms(kms::KmsKey),
    InstanceKey,
    NoKey,
}

/// Why a secret was not sealed or opened.
#[derive(Debug, PartialEq, Eq)]
pub enum SecretsError {
    /// This deployment keeps no secrets: a DynamoDB table and no `SECRETS_KEY_ID`.
    NoKey,
    /// The key service did not answer, or asked to slow down: worth trying again later.
    Unavailable(String),
    /// Not sealed or opened, and trying again will not help: another key sealed it, it
    /// belongs elsewhere, or the key refused (disabled, no permission).
    Refused(String),
}

impl std::fmt::Display for SecretsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretsError::NoKey => f.write_str(
                "this deployment has no key to seal secrets with (SECRETS_KEY_ID is not set)",
            ),
            SecretsError::Unavailable(why) => write!(f, "the key service is unavailable ({why})"),
            SecretsError::Refused(why) => write!(f, "the key refused it ({why})"),
        }
    }
}

impl std::error::Error for SecretsError {}

impl Secrets {
    /// The sealing this configuration asks for (see the module's description).
    pub fn from_config(config: &Config) -> Self {
        match (&config.secrets_key_id, &config.table_name) {
            #[cfg(feature = "dynamodb")]
            (Some(key_id), _) => Secrets::kms(key_id),
            // `Config` refuses a key in a build without the SDK.
            #[cfg(not(feature = "dynamodb"))]
            (Some(_), _) => Secrets::no_key(),
            (None, None) => Secrets::instance_key(),
            (None, Some(_)) => Secrets::no_key(),
        }
    }

    /// Sealing with the KMS key `key_id` (an id, ARN or alias), whose client is built from the
    /// environment (`crate::aws`) when it is first needed.
    #[cfg(feature = "dynamodb")]
    pub fn kms(key_id: &str) -> Self {
        Secrets(Sealer::Kms(kms::KmsKey::new(key_id)))
    }

    /// Sealing with a key this process makes and keeps in memory.
    pub fn instance_key() -> Self {
        Secrets(Sealer::InstanceKey)
    }

    /// No sealing: every secret is refused with [`SecretsError::NoKey`].
    pub fn no_key() -> Self {
        Secrets(Sealer::NoKey)
    }

    pub async fn seal(
        &self,
        plaintext: &[u8],
        place: &SecretPlace,
    ) -> Result<SealedSecret, SecretsError> {
        let (sealed_by, bytes) = match &self.0 {
            #[cfg(feature = "dynamodb")]
            Sealer::Kms(key) => (SealedBy::Kms, key.encrypt(plaintext, place).await?),
            Sealer::InstanceKey => (SealedBy::InstanceKey, instance_key::seal(plaintext, place)?),
            Sealer::NoKey => return Err(SecretsError::NoKey),
        };
        Ok(SealedSecret {
            sealed_by,
            ciphertext: BASE64.encode(bytes),
        })
    }

    pub async fn open(
        &self,
        sealed: &SealedSecret,
        place: &SecretPlace,
    ) -> Result<Vec<u8>, SecretsError> {
        let bytes = BASE64
            .decode(&sealed.ciphertext)
            .map_err(|_| SecretsError::Refused("the sealed text is not base64".into()))?;
        match (&self.0, sealed.sealed_by) {
            #[cfg(feature = "dynamodb")]
            (Sealer::Kms(key), SealedBy::Kms) => key.decrypt(&bytes, place).await,
            (Sealer::InstanceKey, SealedBy::InstanceKey) => instance_key::open(&bytes, place),
            (_, SealedBy::Kms) => Err(SecretsError::Refused(
                "it was sealed with a KMS key, and this instance has none".into(),
            )),
            (_, SealedBy::InstanceKey) => Err(SecretsError::Refused(
                "it was sealed by another instance's own key, which is gone".into(),
            )),
        }
    }

    /// [`Secrets::open`] for a secret that is text (a password).
    pub async fn open_text(
        &self,
        sealed: &SealedSecret,
        place: &SecretPlace,
    ) -> Result<String, SecretsError> {
        String::from_utf8(self.open(sealed, place).await?)
            .map_err(|_| SecretsError::Refused("the opened secret is not UTF-8".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(user: &str, source: &str) -> SecretPlace {
        SecretPlace::calendar_password(user, source)
    }

    #[tokio::test]
    async fn an_instance_key_opens_what_it_sealed_only_in_its_place() {
        let secrets = Secrets::instance_key();
        let sealed = secrets
            .seal("hunter2 ünïcode".as_bytes(), &place("alice", "work"))
            .await
            .expect("sealed");
        assert_eq!(sealed.sealed_by, SealedBy::InstanceKey);
        assert!(!sealed.ciphertext.contains("hunter2"));
        let again = secrets
            .seal("hunter2 ünïcode".as_bytes(), &place("alice", "work"))
            .await
            .expect("sealed");
        assert_ne!(
            sealed.ciphertext, again.ciphertext,
            "a fresh nonce each time"
        );
        assert_eq!(
            secrets.open_text(&sealed, &place("alice", "work")).await,
            Ok("hunter2 ünïcode".to_owned())
        );
        for elsewhere in [place("bob", "work"), place("alice", "home")] {
            assert!(matches!(
                secrets.open(&sealed, &elsewhere).await,
                Err(SecretsError::Refused(_))
            ));
        }
        let mut tampered = sealed.clone();
        tampered.ciphertext = BASE64.encode({
            let mut bytes = BASE64.decode(&sealed.ciphertext).expect("base64");
            let last = bytes.len() - 1;
            bytes[last] ^= 1;
            bytes
        });
        assert!(matches!(
            secrets.open(&tampered, &place("alice", "work")).await,
            Err(SecretsError::Refused(_))
        ));
    }

    #[tokio::test]
    async fn without_a_key_nothing_is_sealed_and_a_kms_sealed_secret_is_refused_with_a_reason() {
        assert_eq!(
            Secrets::no_key().seal(b"x", &place("a", "b")).await,
            Err(SecretsError::NoKey)
        );
        let kms_sealed = SealedSecret {
            sealed_by: SealedBy::Kms,
            ciphertext: BASE64.encode(b"opaque"),
        };
        let refused = Secrets::instance_key()
            .open(&kms_sealed, &place("a", "b"))
            .await;
        assert!(
            matches!(&refused, Err(SecretsError::Refused(why)) if why.contains("KMS")),
            "{refused:?}"
        );
    }

    #[test]
    fn the_configuration_picks_the_key() {
        let config = |vars: &[(&str, &str)]| {
            Config::from_lookup(|name| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            })
            .expect("config")
        };
        assert!(matches!(
            Secrets::from_config(&config(&[])).0,
            Sealer::InstanceKey
        ));
        if cfg!(feature = "dynamodb") {
            assert!(matches!(
                Secrets::from_config(&config(&[("TABLE_NAME", "t")])).0,
                Sealer::NoKey
            ));
            let with_key = Secrets::from_config(&config(&[
                ("TABLE_NAME", "t"),
                ("SECRETS_KEY_ID", "alias/x"),
            ]));
            assert!(!matches!(with_key.0, Sealer::NoKey | Sealer::InstanceKey));
        }
    }
}

//! Sealing with a key of this process: AES-256-GCM, a random key made on first use and kept in
//! memory only, a random 96-bit nonce per secret, the secret's place as associated data. For
//! the in-memory store, whose records die with the process as this key does.

use super::SecretsError;
use crate::domain::sealed_secret::SecretPlace;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use std::sync::OnceLock;

/// One key per process, so every `App` and store of it opens what another sealed.
fn key() -> Result<&'static LessSafeKey, SecretsError> {
    static KEY: OnceLock<Result<LessSafeKey, String>> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|error| error.to_string())?;
        UnboundKey::new(&AES_256_GCM, &bytes)
            .map(LessSafeKey::new)
            .map_err(|_| "the key could not be made".to_owned())
    })
    .as_ref()
    .map_err(|why| SecretsError::Unavailable(why.clone()))
}

/// The nonce, then the ciphertext and its tag.
pub(super) fn seal(plaintext: &[u8], place: &SecretPlace) -> Result<Vec<u8>, SecretsError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|error| SecretsError::Unavailable(error.to_string()))?;
    let mut sealed = plaintext.to_vec();
    key()?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(place.associated_data()),
            &mut sealed,
        )
        .map_err(|_| SecretsError::Refused("it could not be sealed".into()))?;
    Ok([nonce.as_slice(), &sealed].concat())
}

pub(super) fn open(bytes: &[u8], place: &SecretPlace) -> Result<Vec<u8>, SecretsError> {
    let refused = || SecretsError::Refused("it does not open with this instance's key here".into());
    let (nonce, sealed) = bytes.split_at_checked(NONCE_LEN).ok_or_else(refused)?;
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| refused())?;
    let mut sealed = sealed.to_vec();
    let opened = key()?
        .open_in_place(nonce, Aad::from(place.associated_data()), &mut sealed)
        .map_err(|_| refused())?;
    Ok(opened.to_vec())
}

//! Envelope encryption (DESIGN §4).
//!
//! Three layers of keys, each encrypting ("wrapping") the one below:
//!
//! 1. the **master key** (KEK), kept in a keyring file outside the database
//!    ([`Keyring`]). It only ever wraps data keys;
//! 2. **data keys** (DEKs): one for the firm, for secrets that belong to no
//!    matter (TOTP seeds), and one per matter. They are stored wrapped in the
//!    `data_keys` table and handed out by [`KeyService`];
//! 3. **file keys**, one per document, wrapped by its matter's data key
//!    ([`FileKey`], [`wrap_file_key`]).
//!
//! Why the layers: a stolen database dump alone reveals nothing, and
//! rotating the master key means re-wrapping a few small rows instead of
//! re-encrypting every message and document.
//!
//! Database fields are sealed with [`encrypt_field`]; documents are streamed
//! chunk by chunk through [`FileEncryptor`] / [`FileDecryptor`]. Everything is
//! AES-256-GCM (NIST SP 800-38D) from RustCrypto, and the chunked file format
//! is the STREAM construction of the `aead-stream` crate: nothing here
//! implements a cipher mode itself.
//!
//! Every ciphertext is bound, through the AEAD's associated data, to the
//! place it belongs (table, column and row; file id; data key row), so a
//! value copied elsewhere fails to decrypt instead of being shown in the
//! wrong record.

mod field;
mod file;
mod keyring;
mod keys;

use aes_gcm::{
    Aes256Gcm, KeyInit as _,
    aead::{Aead as _, Payload},
};
use zeroize::Zeroizing;

pub use field::{FieldAad, decrypt_field, encrypt_field, envelope_key_id};
pub use file::{
    CHUNK_SIZE, ChunkDecryptor, ENCRYPTED_CHUNK_SIZE, FileDecryptor, FileEncryptor, FileKey,
    HEADER_LEN, decrypt_stream, encrypt_stream, unwrap_file_key, wrap_file_key,
};
pub use keyring::Keyring;
pub use keys::{DataKey, KeyScope, KeyService};
/// Re-exported so callers can read a [`DataKey`]'s bytes where they truly
/// must, with a call that is easy to find in review.
pub use secrecy::ExposeSecret;

/// Why encrypting or decrypting failed.
///
/// The messages are safe to log: they never contain key or plaintext bytes.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The authentication tag did not verify: the value was encrypted for
    /// another record, under another key, or its bytes were changed.
    #[error("the encrypted value does not belong to this record or was altered")]
    NotAuthentic,
    /// A chunk of an encrypted file did not verify: altered, reordered,
    /// truncated, or taken from another file.
    #[error("the encrypted file was altered, truncated, reordered or belongs to another file")]
    FileNotAuthentic,
    /// The bytes are not an envelope at all (too short, bad header).
    #[error("the encrypted value is malformed: {0}")]
    Malformed(&'static str),
    /// The envelope was written by a newer format than this build reads.
    #[error(
        "the encrypted value uses format version {0}, which this version of Vellum cannot read"
    )]
    UnsupportedVersion(u8),
    /// The caller passed a different data key than the envelope names; look
    /// the key up with [`envelope_key_id`] instead.
    #[error("the encrypted value was sealed with data key {expected}, not {supplied}")]
    WrongKey {
        /// The key id written in the envelope.
        expected: String,
        /// The id of the key that was supplied.
        supplied: String,
    },
    /// A data key was wrapped by a master key version the keyring lacks.
    #[error("the keyring has no master key version {0}; was an older keyring file restored?")]
    UnknownKekVersion(u32),
    /// A file chunk of the wrong size was passed in: every chunk but the last
    /// is exactly [`CHUNK_SIZE`] bytes of plaintext.
    #[error("a file chunk must be {expected} bytes, not {actual}")]
    ChunkSize {
        /// The size required.
        expected: usize,
        /// The size given.
        actual: usize,
    },
    /// The value exceeds what one AES-GCM message or one STREAM may hold
    /// (64 GiB per message, 2³² chunks per file).
    #[error("the value is too large to encrypt")]
    TooLarge,
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed: {0}")]
    Random(getrandom::Error),
}

/// Compares two byte strings in time that depends only on their lengths, not
/// on where they first differ, so comparing a secret token or tag leaks
/// nothing through timing. Strings of different lengths are unequal.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    subtle::ConstantTimeEq::ct_eq(a, b).into()
}

/// 32 random bytes, base64url: a session handle or a one-time token (an
/// invitation, a reset link, a calendar feed).
///
/// # Errors
/// When the operating system's random generator fails.
pub fn new_handle() -> anyhow::Result<String> {
    use base64::Engine as _;
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("the OS random generator failed: {e}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored of a one-time token: its SHA-256. A token carries 256
/// random bits, so an unsalted hash cannot be reversed, and a stolen table
/// holds no usable link.
pub fn token_hash(token: &str) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

/// Bytes as lowercase hex: digests in answers, ETags and reports.
pub fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            // Writing to a String cannot fail.
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// AES-256 keys are 32 bytes, for every key in this module.
const KEY_LEN: usize = 32;
/// GCM's recommended 96-bit nonce (NIST SP 800-38D §5.2.1.1).
const NONCE_LEN: usize = 12;
/// GCM's full 128-bit tag; shorter tags weaken forgery resistance.
const TAG_LEN: usize = 16;

/// Fills `buf` from the operating system's random number generator.
fn fill_random(buf: &mut [u8]) -> Result<(), CryptoError> {
    getrandom::fill(buf).map_err(CryptoError::Random)
}

/// A fresh random 256-bit key, wiped from memory when dropped.
fn random_key() -> Result<Zeroizing<[u8; KEY_LEN]>, CryptoError> {
    let mut key = Zeroizing::new([0_u8; KEY_LEN]);
    fill_random(key.as_mut_slice())?;
    Ok(key)
}

/// The AES-256-GCM cipher for `key`.
fn cipher(key: &[u8; KEY_LEN]) -> Aes256Gcm {
    // Borrowing the key as an `Array` avoids a stray, unwiped copy.
    Aes256Gcm::new(key.into())
}

/// Single-core AES-256-GCM throughput in bytes per second, sealing `total`
/// bytes in [`CHUNK_SIZE`] pieces: the baseline that `cargo xtask bench`
/// compares document uploads and downloads against (DESIGN §6), measured in
/// the same binary and run.
pub fn gcm_baseline_bytes_per_sec(total: usize) -> Result<f64, CryptoError> {
    // A throwaway key and a fixed nonce: nothing sealed here is kept, and
    // only the speed of the cipher is of interest.
    let cipher = cipher(&[7; KEY_LEN]);
    let nonce = [0_u8; NONCE_LEN];
    let chunk = vec![0x5a_u8; CHUNK_SIZE];
    let started = std::time::Instant::now();
    let mut sealed_bytes = 0_usize;
    while sealed_bytes < total {
        let sealed = cipher
            .encrypt(
                &nonce.into(),
                Payload {
                    msg: &chunk,
                    aad: b"",
                },
            )
            .map_err(|_| CryptoError::TooLarge)?;
        std::hint::black_box(sealed);
        sealed_bytes += CHUNK_SIZE;
    }
    #[expect(
        clippy::cast_precision_loss,
        reason = "a throughput figure; f64 is exact far beyond 1 TiB"
    )]
    let rate = sealed_bytes as f64 / started.elapsed().as_secs_f64();
    Ok(rate)
}

/// Encodes `parts` so that different lists never encode the same way: each
/// part is preceded by its length, so `("ab", "c")` and `("a", "bc")`
/// differ. Used for all associated data; its first part is always a domain
/// tag saying what kind of value is being sealed, so that, say, a wrapped
/// file key can never be accepted as a field value.
fn encode_parts(parts: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| 8 + p.len()).sum());
    for part in parts {
        out.extend_from_slice(&(part.len() as u64).to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}

/// Seals `plaintext` under `key` with a fresh random nonce and returns
/// `nonce ‖ ciphertext+tag`.
///
/// Random 96-bit nonces are safe up to 2³² messages per key (NIST SP
/// 800-38D §8.3). Each data key seals the fields of one matter, far below
/// that; files use STREAM with a key of their own instead.
fn gcm_seal(key: &[u8; KEY_LEN], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut nonce = [0_u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    let ciphertext = cipher(key)
        .encrypt(
            &nonce.into(),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| CryptoError::TooLarge)?;
    let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&ciphertext);
    Ok(sealed)
}

/// Opens what [`gcm_seal`] produced. Nothing is decrypted unless the tag
/// verifies, so a failure never yields partial plaintext.
fn gcm_open(
    key: &[u8; KEY_LEN],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Malformed("it is too short"));
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce
        .try_into()
        .map_err(|_| CryptoError::Malformed("it is too short"))?;
    cipher(key)
        .decrypt(
            &nonce.into(),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::NotAuthentic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_byte_strings_compare_equal_in_constant_time() {
        assert!(ct_eq(b"token", b"token"));
        assert!(!ct_eq(b"token", b"tokem"));
        assert!(!ct_eq(b"token", b"token2"));
        assert!(ct_eq(b"", b""));
    }

    #[test]
    fn length_prefixed_parts_do_not_collide_when_the_split_moves() {
        assert_ne!(encode_parts(&[b"ab", b"c"]), encode_parts(&[b"a", b"bc"]));
        assert_ne!(encode_parts(&[b"abc"]), encode_parts(&[b"abc", b""]));
    }

    #[test]
    fn a_sealed_value_opens_only_with_the_same_key_and_associated_data() {
        let key = random_key().unwrap();
        let sealed = gcm_seal(&key, b"aad", b"secret").unwrap();
        assert_eq!(
            gcm_open(&key, b"aad", &sealed).unwrap().as_slice(),
            b"secret"
        );
        assert!(matches!(
            gcm_open(&key, b"other", &sealed),
            Err(CryptoError::NotAuthentic)
        ));
        let other = random_key().unwrap();
        assert!(matches!(
            gcm_open(&other, b"aad", &sealed),
            Err(CryptoError::NotAuthentic)
        ));
    }

    #[test]
    fn two_seals_of_the_same_value_differ_because_nonces_are_random() {
        let key = random_key().unwrap();
        assert_ne!(
            gcm_seal(&key, b"", b"same").unwrap(),
            gcm_seal(&key, b"", b"same").unwrap()
        );
    }
}

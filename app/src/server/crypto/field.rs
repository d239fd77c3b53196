//! Encrypting one database value (a message body, a TOTP seed, an intake
//! answer) under a data key.
//!
//! The envelope is
//!
//! ```text
//! version (1 byte, = 1) ‖ key id length (1 byte) ‖ key id ‖ nonce (12 bytes) ‖ ciphertext+tag
//! ```
//!
//! The key id says which data key to fetch when decrypting, so values
//! sealed under an old key stay readable while rotation re-encrypts them.
//! The associated data covers the envelope header and names the table,
//! column and row, so a ciphertext pasted into another record fails to
//! decrypt rather than showing one client's secret in another's record.

use zeroize::Zeroizing;

use super::{CryptoError, DataKey, NONCE_LEN, TAG_LEN, encode_parts, gcm_open, gcm_seal};

/// The envelope format this build writes, and the only one it reads.
const ENVELOPE_VERSION: u8 = 1;

/// Domain tag of field values, so no other sealed value (a wrapped file key,
/// say) can pass for one.
const FIELD_DOMAIN: &[u8] = b"vellum field v1";

/// Where an encrypted value lives: it decrypts only there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldAad<'a> {
    /// The table, e.g. `"messages"`.
    pub table: &'a str,
    /// The column, e.g. `"body"`.
    pub column: &'a str,
    /// The id of the row the value is stored in.
    pub row_id: &'a str,
}

/// Encrypts `plaintext` for the place named by `aad`, under `key`.
///
/// # Errors
/// Only if the OS random number generator fails or the value is larger than
/// AES-GCM allows (64 GiB).
pub fn encrypt_field(
    key: &DataKey,
    aad: &FieldAad<'_>,
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    seal(key, &field_context(aad), plaintext)
}

/// Decrypts a value written by [`encrypt_field`] for the same place.
///
/// Find `key` first with [`envelope_key_id`] and
/// [`KeyService::key_by_id`](super::KeyService::key_by_id).
///
/// # Errors
/// [`CryptoError::NotAuthentic`] when the value belongs to another record or
/// was altered; [`CryptoError::WrongKey`] when `key` is not the one named in
/// the envelope; [`CryptoError::Malformed`] or
/// [`CryptoError::UnsupportedVersion`] when it is not an envelope this build
/// reads.
pub fn decrypt_field(
    key: &DataKey,
    aad: &FieldAad<'_>,
    envelope: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    open(key, &field_context(aad), envelope)
}

/// The id of the data key an envelope was sealed with, read without
/// decrypting anything.
///
/// # Errors
/// When the bytes are not an envelope of a version this build reads.
pub fn envelope_key_id(envelope: &[u8]) -> Result<&str, CryptoError> {
    Envelope::parse(envelope).map(|e| e.key_id)
}

fn field_context<'a>(aad: &FieldAad<'a>) -> [&'a [u8]; 4] {
    [
        FIELD_DOMAIN,
        aad.table.as_bytes(),
        aad.column.as_bytes(),
        aad.row_id.as_bytes(),
    ]
}

/// Seals `plaintext` under `key` into an envelope whose associated data is
/// the envelope header followed by `context` (a domain tag first). Shared
/// with file-key wrapping, which uses the same envelope.
pub(super) fn seal(
    key: &DataKey,
    context: &[&[u8]],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let key_id = key.id().as_bytes();
    let key_id_len =
        u8::try_from(key_id.len()).map_err(|_| CryptoError::Malformed("the key id is too long"))?;
    let mut envelope = Vec::with_capacity(2 + key_id.len() + NONCE_LEN + plaintext.len() + TAG_LEN);
    envelope.push(ENVELOPE_VERSION);
    envelope.push(key_id_len);
    envelope.extend_from_slice(key_id);
    let sealed = gcm_seal(key.bytes(), &associated_data(&envelope, context), plaintext)?;
    envelope.extend_from_slice(&sealed);
    Ok(envelope)
}

/// Opens an envelope made by [`seal`] with the same `context`.
pub(super) fn open(
    key: &DataKey,
    context: &[&[u8]],
    envelope: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let parsed = Envelope::parse(envelope)?;
    if parsed.key_id != key.id() {
        return Err(CryptoError::WrongKey {
            expected: parsed.key_id.to_owned(),
            supplied: key.id().to_owned(),
        });
    }
    gcm_open(
        key.bytes(),
        &associated_data(parsed.header, context),
        parsed.sealed,
    )
}

/// Binding the header too means the version and key id cannot be changed
/// without the tag failing.
fn associated_data(header: &[u8], context: &[&[u8]]) -> Vec<u8> {
    let mut parts = Vec::with_capacity(1 + context.len());
    parts.push(header);
    parts.extend_from_slice(context);
    encode_parts(&parts)
}

/// An envelope split into its parts.
struct Envelope<'a> {
    /// Version, key id length and key id: everything before the nonce.
    header: &'a [u8],
    key_id: &'a str,
    /// Nonce ‖ ciphertext+tag.
    sealed: &'a [u8],
}

impl<'a> Envelope<'a> {
    fn parse(envelope: &'a [u8]) -> Result<Self, CryptoError> {
        const TOO_SHORT: CryptoError = CryptoError::Malformed("it is too short");
        let (&version, rest) = envelope.split_first().ok_or(TOO_SHORT)?;
        if version != ENVELOPE_VERSION {
            return Err(CryptoError::UnsupportedVersion(version));
        }
        let (&key_id_len, rest) = rest.split_first().ok_or(TOO_SHORT)?;
        let (key_id, sealed) = rest
            .split_at_checked(usize::from(key_id_len))
            .ok_or(TOO_SHORT)?;
        if key_id.is_empty() {
            return Err(CryptoError::Malformed("it names no key"));
        }
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(TOO_SHORT);
        }
        let key_id = std::str::from_utf8(key_id)
            .map_err(|_| CryptoError::Malformed("its key id is not text"))?;
        Ok(Self {
            header: &envelope[..2 + key_id.len()],
            key_id,
            sealed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGE_BODY: FieldAad<'static> = FieldAad {
        table: "messages",
        column: "body",
        row_id: "0198a6b0-0000-7000-8000-000000000001",
    };

    #[test]
    fn a_field_round_trips_and_names_its_key() {
        let key = DataKey::random_for_tests();
        let envelope = encrypt_field(&key, &MESSAGE_BODY, b"privileged").unwrap();
        assert_eq!(envelope_key_id(&envelope).unwrap(), key.id());
        assert_eq!(
            decrypt_field(&key, &MESSAGE_BODY, &envelope)
                .unwrap()
                .as_slice(),
            b"privileged"
        );
    }

    #[test]
    fn an_empty_field_round_trips() {
        let key = DataKey::random_for_tests();
        let envelope = encrypt_field(&key, &MESSAGE_BODY, b"").unwrap();
        assert!(
            decrypt_field(&key, &MESSAGE_BODY, &envelope)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_ciphertext_copied_to_another_row_column_or_table_fails_to_decrypt() {
        let key = DataKey::random_for_tests();
        let envelope = encrypt_field(&key, &MESSAGE_BODY, b"privileged").unwrap();
        for elsewhere in [
            FieldAad {
                row_id: "0198a6b0-0000-7000-8000-000000000002",
                ..MESSAGE_BODY
            },
            FieldAad {
                column: "subject",
                ..MESSAGE_BODY
            },
            FieldAad {
                table: "notes",
                ..MESSAGE_BODY
            },
        ] {
            let err = decrypt_field(&key, &elsewhere, &envelope).unwrap_err();
            assert!(matches!(err, CryptoError::NotAuthentic), "{elsewhere:?}");
            assert_eq!(
                err.to_string(),
                "the encrypted value does not belong to this record or was altered"
            );
        }
    }

    #[test]
    fn moving_a_boundary_between_table_and_column_changes_the_associated_data() {
        let key = DataKey::random_for_tests();
        let a = FieldAad {
            table: "ab",
            column: "c",
            row_id: "1",
        };
        let b = FieldAad {
            table: "a",
            column: "bc",
            row_id: "1",
        };
        let envelope = encrypt_field(&key, &a, b"x").unwrap();
        assert!(matches!(
            decrypt_field(&key, &b, &envelope),
            Err(CryptoError::NotAuthentic)
        ));
    }

    #[test]
    fn flipping_any_byte_of_an_envelope_makes_it_fail() {
        let key = DataKey::random_for_tests();
        let envelope = encrypt_field(&key, &MESSAGE_BODY, b"privileged").unwrap();
        for i in 0..envelope.len() {
            let mut altered = envelope.clone();
            altered[i] ^= 0x01;
            assert!(
                decrypt_field(&key, &MESSAGE_BODY, &altered).is_err(),
                "byte {i} was not protected"
            );
        }
    }

    #[test]
    fn a_value_decrypted_with_another_key_is_refused_before_decrypting() {
        let key = DataKey::random_for_tests();
        let other = DataKey::random_for_tests();
        let envelope = encrypt_field(&key, &MESSAGE_BODY, b"privileged").unwrap();
        assert!(matches!(
            decrypt_field(&other, &MESSAGE_BODY, &envelope),
            Err(CryptoError::WrongKey { .. })
        ));
    }

    #[test]
    fn a_truncated_or_unknown_version_envelope_is_reported_as_such() {
        let key = DataKey::random_for_tests();
        let envelope = encrypt_field(&key, &MESSAGE_BODY, b"privileged").unwrap();
        assert!(matches!(
            envelope_key_id(&envelope[..10]),
            Err(CryptoError::Malformed(_))
        ));
        assert!(matches!(
            envelope_key_id(&[]),
            Err(CryptoError::Malformed(_))
        ));
        let mut future = envelope.clone();
        future[0] = 2;
        assert!(matches!(
            envelope_key_id(&future),
            Err(CryptoError::UnsupportedVersion(2))
        ));
    }
}

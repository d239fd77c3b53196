//! Encrypting documents chunk by chunk, so a 1 GiB upload never has to sit
//! in memory.
//!
//! Each file gets its own random 256-bit [`FileKey`], stored wrapped by its
//! matter's data key ([`wrap_file_key`]). The contents use the STREAM
//! construction (Hoang, Reyhanitabar, Rogaway, Vizár, "Online
//! Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", 2015)
//! as implemented by `aead-stream`'s `StreamBE32` over AES-256-GCM: each
//! chunk's nonce is a random 7-byte prefix ‖ a 32-bit chunk counter ‖ a
//! last-chunk flag. So a chunk that is altered, moved, dropped or
//! duplicated fails, and a file cut short at a chunk boundary fails too,
//! because its new final chunk was not sealed with the last-chunk flag.
//!
//! The encrypted file is
//!
//! ```text
//! header (12 bytes: "VLMF" ‖ format 1 ‖ nonce prefix) ‖ chunk 0 ‖ chunk 1 ‖ … ‖ last chunk
//! ```
//!
//! Every chunk but the last holds exactly [`CHUNK_SIZE`] bytes of plaintext
//! ([`ENCRYPTED_CHUNK_SIZE`] encrypted); the last holds 0 to `CHUNK_SIZE`.
//! Each chunk's associated data names the file id and the header, so a
//! chunk (or a whole encrypted body) copied from another file fails even if
//! the same key were reused.

use std::io::{self, Read, Write};

use aead_stream::{DecryptorBE32, EncryptorBE32, aead::Payload};
use aes_gcm::Aes256Gcm;
use anyhow::Context as _;
use zeroize::Zeroizing;

use super::{CryptoError, DataKey, KEY_LEN, TAG_LEN, cipher, encode_parts, field, random_key};

/// Plaintext bytes per chunk: large enough that the 16-byte tag per chunk
/// is negligible, small enough to buffer per request.
pub const CHUNK_SIZE: usize = 64 * 1024;

/// Bytes per encrypted chunk (all but the last): the plaintext plus its tag.
pub const ENCRYPTED_CHUNK_SIZE: usize = CHUNK_SIZE + TAG_LEN;

/// Bytes in the header that starts every encrypted file.
pub const HEADER_LEN: usize = MAGIC.len() + 1 + NONCE_PREFIX_LEN;

/// Marks a Vellum encrypted file, so a stray file is recognised as one.
const MAGIC: &[u8; 4] = b"VLMF";
/// The header format this build writes and reads.
const FORMAT_VERSION: u8 = 1;
/// A 96-bit GCM nonce minus STREAM's 4-byte counter and 1-byte flag.
const NONCE_PREFIX_LEN: usize = 7;

/// Domain tag of the chunks' associated data.
const CHUNK_DOMAIN: &[u8] = b"vellum file chunk v1";
/// Domain tag of a wrapped file key.
const FILE_KEY_DOMAIN: &[u8] = b"vellum file key v1";

/// The key of one file. Wiped from memory on drop; `Debug` prints no bytes.
pub struct FileKey(Zeroizing<[u8; KEY_LEN]>);

impl FileKey {
    /// A fresh random key, for one new file.
    ///
    /// # Errors
    /// If the OS random number generator fails.
    pub fn generate() -> Result<Self, CryptoError> {
        random_key().map(Self)
    }
}

impl std::fmt::Debug for FileKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileKey([redacted])")
    }
}

/// Wraps `file_key` under its matter's data key, bound to `file_id`, for
/// storing beside the file's row. Uses the field envelope, so
/// [`envelope_key_id`](super::envelope_key_id) finds the data key.
///
/// # Errors
/// If the OS random number generator fails.
pub fn wrap_file_key(
    key: &DataKey,
    file_id: &str,
    file_key: &FileKey,
) -> Result<Vec<u8>, CryptoError> {
    field::seal(
        key,
        &[FILE_KEY_DOMAIN, file_id.as_bytes()],
        file_key.0.as_slice(),
    )
}

/// Unwraps what [`wrap_file_key`] produced for the same file.
///
/// # Errors
/// [`CryptoError::NotAuthentic`] when it was wrapped for another file or
/// altered, and the envelope errors of
/// [`decrypt_field`](super::decrypt_field).
pub fn unwrap_file_key(
    key: &DataKey,
    file_id: &str,
    wrapped: &[u8],
) -> Result<FileKey, CryptoError> {
    let plain = field::open(key, &[FILE_KEY_DOMAIN, file_id.as_bytes()], wrapped)?;
    if plain.len() != KEY_LEN {
        return Err(CryptoError::Malformed("a file key must be 32 bytes"));
    }
    let mut bytes = Zeroizing::new([0_u8; KEY_LEN]);
    bytes.copy_from_slice(&plain);
    Ok(FileKey(bytes))
}

/// Encrypts one file, chunk by chunk, in order.
pub struct FileEncryptor {
    stream: EncryptorBE32<Aes256Gcm>,
    aad: Vec<u8>,
}

impl FileEncryptor {
    /// Starts encrypting the file `file_id`. Returns the header, to be
    /// written before the first chunk, and the encryptor.
    ///
    /// # Errors
    /// If the OS random number generator fails.
    pub fn new(key: &FileKey, file_id: &str) -> Result<(Vec<u8>, Self), CryptoError> {
        let mut prefix = [0_u8; NONCE_PREFIX_LEN];
        super::fill_random(&mut prefix)?;
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.push(FORMAT_VERSION);
        header.extend_from_slice(&prefix);
        let stream = EncryptorBE32::from_aead(cipher(&key.0), &prefix.into());
        let aad = chunk_aad(file_id, &header);
        Ok((header, Self { stream, aad }))
    }

    /// Encrypts a chunk that is not the last one: exactly [`CHUNK_SIZE`]
    /// bytes.
    ///
    /// # Errors
    /// [`CryptoError::ChunkSize`] for any other size; [`CryptoError::TooLarge`]
    /// past 2³² − 1 chunks (256 TiB).
    pub fn encrypt_next(&mut self, chunk: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if chunk.len() != CHUNK_SIZE {
            return Err(CryptoError::ChunkSize {
                expected: CHUNK_SIZE,
                actual: chunk.len(),
            });
        }
        self.stream
            .encrypt_next(Payload {
                msg: chunk,
                aad: &self.aad,
            })
            .map_err(|_| CryptoError::TooLarge)
    }

    /// [`encrypt_next`](Self::encrypt_next) without copying: `buffer` holds
    /// exactly [`CHUNK_SIZE`] bytes of plaintext and is replaced by the
    /// encrypted chunk. Uploads use this; a copy per 64 KiB chunk costs a
    /// good share of the throughput.
    ///
    /// # Errors
    /// As for [`encrypt_next`](Self::encrypt_next).
    pub fn encrypt_next_in_place(&mut self, buffer: &mut Vec<u8>) -> Result<(), CryptoError> {
        if buffer.len() != CHUNK_SIZE {
            return Err(CryptoError::ChunkSize {
                expected: CHUNK_SIZE,
                actual: buffer.len(),
            });
        }
        self.stream
            .encrypt_next_in_place(&self.aad, buffer)
            .map_err(|_| CryptoError::TooLarge)
    }

    /// Encrypts the last chunk, 0 to [`CHUNK_SIZE`] bytes, and finishes. An
    /// empty file is a header and one empty last chunk.
    ///
    /// # Errors
    /// [`CryptoError::ChunkSize`] if the chunk is longer than `CHUNK_SIZE`.
    pub fn encrypt_last(self, chunk: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if chunk.len() > CHUNK_SIZE {
            return Err(CryptoError::ChunkSize {
                expected: CHUNK_SIZE,
                actual: chunk.len(),
            });
        }
        self.stream
            .encrypt_last(Payload {
                msg: chunk,
                aad: &self.aad,
            })
            .map_err(|_| CryptoError::TooLarge)
    }
}

/// Decrypts one file, chunk by chunk, in order. A chunk's plaintext is
/// returned only after its tag has verified.
///
/// Verifying chunk by chunk means earlier chunks are released before a
/// later one is found altered or missing: whoever consumes the plaintext
/// must treat the file as failed unless [`decrypt_last`](Self::decrypt_last)
/// succeeds (abort the download; discard the temp file).
pub struct FileDecryptor {
    stream: DecryptorBE32<Aes256Gcm>,
    aad: Vec<u8>,
}

impl FileDecryptor {
    /// Starts decrypting the file `file_id` from its `header`.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] or [`CryptoError::UnsupportedVersion`] when
    /// the header is not one this build reads.
    pub fn new(key: &FileKey, file_id: &str, header: &[u8]) -> Result<Self, CryptoError> {
        if header.len() != HEADER_LEN || !header.starts_with(MAGIC) {
            return Err(CryptoError::Malformed("it has no Vellum file header"));
        }
        let version = header[MAGIC.len()];
        if version != FORMAT_VERSION {
            return Err(CryptoError::UnsupportedVersion(version));
        }
        let prefix: [u8; NONCE_PREFIX_LEN] = header[MAGIC.len() + 1..]
            .try_into()
            .map_err(|_| CryptoError::Malformed("it has no Vellum file header"))?;
        let stream = DecryptorBE32::from_aead(cipher(&key.0), &prefix.into());
        Ok(Self {
            stream,
            aad: chunk_aad(file_id, header),
        })
    }

    /// Decrypts a chunk that is not the last: exactly
    /// [`ENCRYPTED_CHUNK_SIZE`] bytes.
    ///
    /// # Errors
    /// [`CryptoError::FileNotAuthentic`] if the chunk does not verify at
    /// this position; [`CryptoError::ChunkSize`] for a chunk of another size.
    pub fn decrypt_next(&mut self, chunk: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if chunk.len() != ENCRYPTED_CHUNK_SIZE {
            return Err(CryptoError::ChunkSize {
                expected: ENCRYPTED_CHUNK_SIZE,
                actual: chunk.len(),
            });
        }
        self.stream
            .decrypt_next(Payload {
                msg: chunk,
                aad: &self.aad,
            })
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::FileNotAuthentic)
    }

    /// Decrypts the last chunk and finishes. Only when this succeeds is the
    /// file known to be whole.
    ///
    /// # Errors
    /// [`CryptoError::FileNotAuthentic`] if the chunk does not verify as the
    /// last one at this position, which is how truncation shows.
    pub fn decrypt_last(self, chunk: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if chunk.len() > ENCRYPTED_CHUNK_SIZE {
            return Err(CryptoError::ChunkSize {
                expected: ENCRYPTED_CHUNK_SIZE,
                actual: chunk.len(),
            });
        }
        self.stream
            .decrypt_last(Payload {
                msg: chunk,
                aad: &self.aad,
            })
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::FileNotAuthentic)
    }
}

/// Decrypts single chunks of a file by position, for range requests: only
/// the chunks a range touches are read and verified.
///
/// Unlike [`FileDecryptor`] this does not enforce order, so the caller must
/// pass each chunk's true index and say whether it is the file's last; a
/// wrong claim simply fails to verify. A full read must end with the last
/// chunk checked as last (`is_last = true`), or truncation goes unnoticed.
pub struct ChunkDecryptor {
    stream: aead_stream::StreamBE32<Aes256Gcm>,
    aad: Vec<u8>,
}

impl ChunkDecryptor {
    /// Starts decrypting the file `file_id` from its `header`.
    ///
    /// # Errors
    /// As [`FileDecryptor::new`].
    pub fn new(key: &FileKey, file_id: &str, header: &[u8]) -> Result<Self, CryptoError> {
        use aead_stream::NewStream as _;
        let prefix = parse_header(header)?;
        Ok(Self {
            stream: aead_stream::StreamBE32::from_aead(cipher(&key.0), &prefix.into()),
            aad: chunk_aad(file_id, header),
        })
    }

    /// Decrypts chunk `index` (0-based). A chunk that is not the last must be
    /// exactly [`ENCRYPTED_CHUNK_SIZE`] bytes.
    ///
    /// # Errors
    /// [`CryptoError::FileNotAuthentic`] if it does not verify at this
    /// position with this last-chunk flag; [`CryptoError::ChunkSize`] for a
    /// chunk of the wrong size.
    pub fn decrypt_chunk(
        &self,
        index: u32,
        is_last: bool,
        chunk: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let mut buffer = Zeroizing::new(chunk.to_vec());
        self.decrypt_chunk_in_place(index, is_last, &mut buffer)?;
        Ok(buffer)
    }

    /// [`decrypt_chunk`](Self::decrypt_chunk) without copying: `buffer`
    /// holds the encrypted chunk and is replaced by its plaintext only if
    /// it verifies. Downloads use this, straight from the blob's reads.
    ///
    /// # Errors
    /// As for [`decrypt_chunk`](Self::decrypt_chunk).
    pub fn decrypt_chunk_in_place(
        &self,
        index: u32,
        is_last: bool,
        buffer: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        use aead_stream::StreamPrimitive as _;
        let size_ok = if is_last {
            (TAG_LEN..=ENCRYPTED_CHUNK_SIZE).contains(&buffer.len())
        } else {
            buffer.len() == ENCRYPTED_CHUNK_SIZE
        };
        if !size_ok {
            return Err(CryptoError::ChunkSize {
                expected: ENCRYPTED_CHUNK_SIZE,
                actual: buffer.len(),
            });
        }
        self.stream
            .decrypt_in_place(index, is_last, &self.aad, buffer)
            .map_err(|_| CryptoError::FileNotAuthentic)
    }
}

/// The nonce prefix of a header this build reads.
fn parse_header(header: &[u8]) -> Result<[u8; NONCE_PREFIX_LEN], CryptoError> {
    if header.len() != HEADER_LEN || !header.starts_with(MAGIC) {
        return Err(CryptoError::Malformed("it has no Vellum file header"));
    }
    let version = header[MAGIC.len()];
    if version != FORMAT_VERSION {
        return Err(CryptoError::UnsupportedVersion(version));
    }
    header[MAGIC.len() + 1..]
        .try_into()
        .map_err(|_| CryptoError::Malformed("it has no Vellum file header"))
}

/// Each chunk is bound to its file and to the header, so neither can be
/// swapped in from another file.
fn chunk_aad(file_id: &str, header: &[u8]) -> Vec<u8> {
    encode_parts(&[CHUNK_DOMAIN, file_id.as_bytes(), header])
}

/// Encrypts everything `reader` yields into `writer` (header, then chunks).
/// Returns the number of plaintext bytes. A blocking helper; async callers
/// drive [`FileEncryptor`] themselves.
///
/// # Errors
/// On I/O failure, or the [`CryptoError`]s of [`FileEncryptor`].
pub fn encrypt_stream<R: Read, W: Write>(
    key: &FileKey,
    file_id: &str,
    reader: R,
    mut writer: W,
) -> anyhow::Result<u64> {
    let (header, mut encryptor) = FileEncryptor::new(key, file_id)?;
    writer
        .write_all(&header)
        .context("writing the encrypted file header")?;
    let mut chunks = Chunks::new(reader, CHUNK_SIZE);
    let mut total = 0_u64;
    loop {
        let (chunk, is_last) = chunks.next().context("reading the file to encrypt")?;
        total += chunk.len() as u64;
        if is_last {
            let sealed = encryptor.encrypt_last(&chunk)?;
            writer
                .write_all(&sealed)
                .context("writing the encrypted file")?;
            writer.flush().context("writing the encrypted file")?;
            return Ok(total);
        }
        let sealed = encryptor.encrypt_next(&chunk)?;
        writer
            .write_all(&sealed)
            .context("writing the encrypted file")?;
    }
}

/// Decrypts what [`encrypt_stream`] wrote into `writer`. Returns the number
/// of plaintext bytes. Only verified chunks are written, but a failure may
/// come after earlier chunks were written: discard the output on error.
///
/// # Errors
/// On I/O failure, or a [`CryptoError`] (reachable with
/// `downcast_ref`) when the file is not authentic.
pub fn decrypt_stream<R: Read, W: Write>(
    key: &FileKey,
    file_id: &str,
    mut reader: R,
    mut writer: W,
) -> anyhow::Result<u64> {
    let mut header = [0_u8; HEADER_LEN];
    if read_full(&mut reader, &mut header).context("reading the encrypted file header")?
        < HEADER_LEN
    {
        return Err(CryptoError::Malformed("its header is cut short").into());
    }
    let mut decryptor = FileDecryptor::new(key, file_id, &header)?;
    let mut chunks = Chunks::new(reader, ENCRYPTED_CHUNK_SIZE);
    let mut total = 0_u64;
    loop {
        let (chunk, is_last) = chunks.next().context("reading the encrypted file")?;
        if is_last {
            let plain = decryptor.decrypt_last(&chunk)?;
            total += plain.len() as u64;
            writer
                .write_all(&plain)
                .context("writing the decrypted file")?;
            writer.flush().context("writing the decrypted file")?;
            return Ok(total);
        }
        let plain = decryptor.decrypt_next(&chunk)?;
        total += plain.len() as u64;
        writer
            .write_all(&plain)
            .context("writing the decrypted file")?;
    }
}

/// Splits a reader into chunks of `size` bytes, reading one chunk ahead so
/// that the last chunk is known as such when it is handed out. A file that
/// is an exact multiple of `size` ends with a full last chunk, not an empty
/// one.
struct Chunks<R> {
    reader: R,
    size: usize,
    ahead: Option<Zeroizing<Vec<u8>>>,
}

impl<R: Read> Chunks<R> {
    fn new(reader: R, size: usize) -> Self {
        Self {
            reader,
            size,
            ahead: None,
        }
    }

    /// The next chunk and whether it is the last.
    fn next(&mut self) -> io::Result<(Zeroizing<Vec<u8>>, bool)> {
        let current = match self.ahead.take() {
            Some(chunk) => chunk,
            None => self.read_chunk()?,
        };
        if current.len() < self.size {
            return Ok((current, true));
        }
        let following = self.read_chunk()?;
        if following.is_empty() {
            return Ok((current, true));
        }
        self.ahead = Some(following);
        Ok((current, false))
    }

    fn read_chunk(&mut self) -> io::Result<Zeroizing<Vec<u8>>> {
        let mut chunk = Zeroizing::new(vec![0_u8; self.size]);
        let len = read_full(&mut self.reader, &mut chunk)?;
        chunk.truncate(len);
        Ok(chunk)
    }
}

/// Reads until `buf` is full or the reader ends; returns the bytes read.
fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE_ID: &str = "0198a6b0-0000-7000-8000-00000000f11e";

    fn sample(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| u8::try_from(i % 251).unwrap_or_default())
            .collect()
    }

    fn encrypt(key: &FileKey, file_id: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encrypt_stream(key, file_id, plaintext, &mut out).unwrap();
        out
    }

    fn decrypt(key: &FileKey, file_id: &str, encrypted: &[u8]) -> anyhow::Result<Vec<u8>> {
        let mut out = Vec::new();
        decrypt_stream(key, file_id, encrypted, &mut out)?;
        Ok(out)
    }

    /// The byte range of chunk `i` in an encrypted file.
    fn chunk(i: usize) -> std::ops::Range<usize> {
        let start = HEADER_LEN + i * ENCRYPTED_CHUNK_SIZE;
        start..start + ENCRYPTED_CHUNK_SIZE
    }

    fn assert_not_authentic(result: anyhow::Result<Vec<u8>>) {
        let err = result.expect_err("the altered file decrypted");
        assert!(
            matches!(
                err.downcast_ref::<CryptoError>(),
                Some(CryptoError::FileNotAuthentic)
            ),
            "{err:#}"
        );
    }

    #[test]
    fn files_of_every_boundary_size_round_trip() {
        let key = FileKey::generate().unwrap();
        for len in [
            0,
            1,
            CHUNK_SIZE - 1,
            CHUNK_SIZE,
            CHUNK_SIZE + 1,
            3 * CHUNK_SIZE,
            3 * CHUNK_SIZE + 17,
        ] {
            let plaintext = sample(len);
            let encrypted = encrypt(&key, FILE_ID, &plaintext);
            let chunks = len.div_ceil(CHUNK_SIZE).max(1);
            assert_eq!(
                encrypted.len(),
                HEADER_LEN + len + chunks * TAG_LEN,
                "size {len}"
            );
            assert_eq!(
                decrypt(&key, FILE_ID, &encrypted).unwrap(),
                plaintext,
                "size {len}"
            );
        }
    }

    #[test]
    fn a_single_chunk_decrypts_by_position_and_only_with_its_true_last_flag() {
        let key = FileKey::generate().unwrap();
        let plaintext = sample(2 * CHUNK_SIZE + 9);
        let encrypted = encrypt(&key, FILE_ID, &plaintext);
        let chunks = ChunkDecryptor::new(&key, FILE_ID, &encrypted[..HEADER_LEN]).unwrap();
        let middle = chunks
            .decrypt_chunk(1, false, &encrypted[chunk(1)])
            .unwrap();
        assert_eq!(middle.as_slice(), &plaintext[CHUNK_SIZE..2 * CHUNK_SIZE]);
        let last = &encrypted[HEADER_LEN + 2 * ENCRYPTED_CHUNK_SIZE..];
        assert_eq!(
            chunks.decrypt_chunk(2, true, last).unwrap().as_slice(),
            &plaintext[2 * CHUNK_SIZE..]
        );
        assert!(chunks.decrypt_chunk(1, true, &encrypted[chunk(1)]).is_err());
        assert!(
            chunks
                .decrypt_chunk(0, false, &encrypted[chunk(1)])
                .is_err()
        );
    }

    #[test]
    fn flipping_one_byte_in_a_chunk_fails_and_yields_no_plaintext_from_it() {
        let key = FileKey::generate().unwrap();
        let mut encrypted = encrypt(&key, FILE_ID, &sample(2 * CHUNK_SIZE + 5));
        encrypted[chunk(1).start + 100] ^= 0x80;
        let mut out = Vec::new();
        let result = decrypt_stream(&key, FILE_ID, encrypted.as_slice(), &mut out);
        assert!(result.is_err());
        assert_eq!(
            out.len(),
            CHUNK_SIZE,
            "only chunk 0, which verified, came out"
        );
    }

    #[test]
    fn flipping_a_byte_of_the_header_or_the_last_tag_fails() {
        let key = FileKey::generate().unwrap();
        let encrypted = encrypt(&key, FILE_ID, &sample(10));
        let mut header = encrypted.clone();
        header[HEADER_LEN - 1] ^= 1;
        assert_not_authentic(decrypt(&key, FILE_ID, &header));
        let mut tag = encrypted;
        *tag.last_mut().unwrap() ^= 1;
        assert_not_authentic(decrypt(&key, FILE_ID, &tag));
    }

    #[test]
    fn dropping_the_last_chunk_fails() {
        let key = FileKey::generate().unwrap();
        let encrypted = encrypt(&key, FILE_ID, &sample(2 * CHUNK_SIZE + 5));
        assert_not_authentic(decrypt(&key, FILE_ID, &encrypted[..chunk(2).start]));
        // Even everything after the header.
        let err = decrypt(&key, FILE_ID, &encrypted[..HEADER_LEN]).unwrap_err();
        assert!(err.downcast_ref::<CryptoError>().is_some(), "{err:#}");
    }

    #[test]
    fn a_file_whose_final_chunk_lacks_the_last_flag_fails() {
        // As if the real last chunk were cut off at a chunk boundary: the
        // new final chunk was sealed as a middle chunk.
        let key = FileKey::generate().unwrap();
        let (header, mut encryptor) = FileEncryptor::new(&key, FILE_ID).unwrap();
        let mut encrypted = header;
        for _ in 0..2 {
            encrypted.extend(encryptor.encrypt_next(&sample(CHUNK_SIZE)).unwrap());
        }
        assert_not_authentic(decrypt(&key, FILE_ID, &encrypted));
    }

    #[test]
    fn reordering_two_chunks_fails() {
        let key = FileKey::generate().unwrap();
        let encrypted = encrypt(&key, FILE_ID, &sample(3 * CHUNK_SIZE + 5));
        let mut swapped = encrypted.clone();
        swapped[chunk(0)].copy_from_slice(&encrypted[chunk(1)]);
        swapped[chunk(1)].copy_from_slice(&encrypted[chunk(0)]);
        assert_not_authentic(decrypt(&key, FILE_ID, &swapped));
    }

    #[test]
    fn a_chunk_swapped_in_from_another_file_fails_under_the_same_or_another_key() {
        let key = FileKey::generate().unwrap();
        let other_key = FileKey::generate().unwrap();
        let plaintext = sample(2 * CHUNK_SIZE + 5);
        let encrypted = encrypt(&key, FILE_ID, &plaintext);
        for (donor_key, donor_id) in [
            (&key, "0198a6b0-0000-7000-8000-0000000000aa"),
            (&key, FILE_ID), // same key and id, but its own nonce prefix
            (&other_key, FILE_ID),
        ] {
            let donor = encrypt(donor_key, donor_id, &plaintext);
            let mut mixed = encrypted.clone();
            mixed[chunk(1)].copy_from_slice(&donor[chunk(1)]);
            assert_not_authentic(decrypt(&key, FILE_ID, &mixed));
        }
    }

    #[test]
    fn a_whole_file_presented_as_another_file_fails() {
        let key = FileKey::generate().unwrap();
        let encrypted = encrypt(&key, FILE_ID, &sample(100));
        assert_not_authentic(decrypt(&key, "another-file", &encrypted));
    }

    #[test]
    fn decrypting_with_the_wrong_key_fails() {
        let encrypted = encrypt(&FileKey::generate().unwrap(), FILE_ID, &sample(100));
        assert_not_authentic(decrypt(&FileKey::generate().unwrap(), FILE_ID, &encrypted));
    }

    #[test]
    fn the_chunk_api_rejects_chunks_of_the_wrong_size() {
        let key = FileKey::generate().unwrap();
        let (_, mut encryptor) = FileEncryptor::new(&key, FILE_ID).unwrap();
        assert!(matches!(
            encryptor.encrypt_next(&[0; 10]),
            Err(CryptoError::ChunkSize { .. })
        ));
        assert!(matches!(
            encryptor.encrypt_last(&sample(CHUNK_SIZE + 1)),
            Err(CryptoError::ChunkSize { .. })
        ));
    }

    #[test]
    fn a_file_key_unwraps_only_for_its_own_file() {
        let dek = DataKey::random_for_tests();
        let file_key = FileKey::generate().unwrap();
        let wrapped = wrap_file_key(&dek, FILE_ID, &file_key).unwrap();
        assert_eq!(super::super::envelope_key_id(&wrapped).unwrap(), dek.id());
        let unwrapped = unwrap_file_key(&dek, FILE_ID, &wrapped).unwrap();
        assert_eq!(unwrapped.0.as_slice(), file_key.0.as_slice());
        assert!(matches!(
            unwrap_file_key(&dek, "another-file", &wrapped),
            Err(CryptoError::NotAuthentic)
        ));
        assert_eq!(format!("{file_key:?}"), "FileKey([redacted])");
    }

    #[test]
    fn a_wrapped_file_key_is_not_accepted_as_a_field_value() {
        let dek = DataKey::random_for_tests();
        let wrapped = wrap_file_key(&dek, FILE_ID, &FileKey::generate().unwrap()).unwrap();
        let aad = super::super::FieldAad {
            table: "documents",
            column: "file_key",
            row_id: FILE_ID,
        };
        assert!(matches!(
            super::super::decrypt_field(&dek, &aad, &wrapped),
            Err(CryptoError::NotAuthentic)
        ));
    }
}

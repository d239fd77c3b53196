//! The firm's logo (issue 12, point 8): a PNG an admin uploads at
//! `/admin/settings`, shown beside the firm's name in every page's header
//! (so on the sign-in page too) and on statements' letterhead. It is
//! public by nature, so it is stored as it came, after the `png` crate has
//! read it whole: a file that does not decode is refused.

use anyhow::Context as _;

use super::{
    AppState, ServiceError,
    audit::{self, AuditEntry, AuditResult},
    auth::{ClientInfo, Principal},
    db::Db,
    now_ms,
};
use crate::domain::{
    AppError,
    policy::may_manage_settings,
    settings::{MAX_LOGO_BYTES, MAX_LOGO_PIXELS, logo_too_big},
};

/// A logo read for drawing: 8-bit RGB samples and, if it has one, its
/// 8-bit alpha.
pub struct Logo {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    /// Red, green, blue for each pixel, row by row.
    pub rgb: Vec<u8>,
    /// Opacity for each pixel, when the image has any transparency.
    pub alpha: Option<Vec<u8>>,
}

/// Reads `bytes` as a PNG.
///
/// # Errors
/// [`AppError::BadRequest`] for a file that is too big, is not a PNG, or
/// does not decode.
pub fn decode(bytes: &[u8]) -> Result<Logo, AppError> {
    let bad = || AppError::BadRequest("Logo: choose a PNG image.".to_owned());
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(AppError::BadRequest(logo_too_big()));
    }
    // The decoder may use no more memory than a logo of the largest size.
    let mut decoder = png::Decoder::new_with_limits(
        std::io::Cursor::new(bytes),
        png::Limits {
            bytes: MAX_LOGO_PIXELS * 8,
        },
    );
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|_| bad())?;
    // The header states the size: refuse a huge one before allocating for
    // it (a few hundred bytes can claim terabytes of pixels).
    let (width, height) = (reader.info().width, reader.info().height);
    let claimed = u64::from(width) * u64::from(height);
    if claimed == 0 || claimed > MAX_LOGO_PIXELS as u64 {
        return Err(AppError::BadRequest(logo_too_big()));
    }
    let size = reader
        .output_buffer_size()
        .filter(|size| *size <= MAX_LOGO_PIXELS * 4)
        .ok_or_else(bad)?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|_| bad())?;
    let pixels =
        usize::try_from(u64::from(info.width) * u64::from(info.height)).map_err(|_| bad())?;
    if pixels == 0 || pixels > MAX_LOGO_PIXELS {
        return Err(AppError::BadRequest(logo_too_big()));
    }
    let samples = &buf[..info.buffer_size().min(buf.len())];
    let (rgb, alpha): (Vec<u8>, Option<Vec<u8>>) = match info.color_type {
        png::ColorType::Rgb => (samples.to_vec(), None),
        png::ColorType::Rgba => (
            samples
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect(),
            Some(samples.chunks_exact(4).map(|p| p[3]).collect()),
        ),
        png::ColorType::Grayscale => (samples.iter().flat_map(|g| [*g, *g, *g]).collect(), None),
        png::ColorType::GrayscaleAlpha => (
            samples
                .chunks_exact(2)
                .flat_map(|p| [p[0], p[0], p[0]])
                .collect(),
            Some(samples.chunks_exact(2).map(|p| p[1]).collect()),
        ),
        png::ColorType::Indexed => return Err(bad()),
    };
    if rgb.len() != pixels * 3 {
        return Err(bad());
    }
    Ok(Logo {
        width: info.width,
        height: info.height,
        rgb,
        alpha,
    })
}

/// The stored logo's bytes and when it was saved (a version for its
/// address), if the firm has one.
///
/// # Errors
/// When it cannot be read.
pub async fn stored(db: &Db) -> anyhow::Result<Option<(Vec<u8>, i64)>> {
    let row: Option<(Vec<u8>, i64)> =
        sqlx::query_as("select image, updated_at from firm_logo where id = 1")
            .fetch_optional(db.pool())
            .await
            .context("reading the firm's logo")?;
    Ok(row)
}

/// When the logo was last saved, if there is one: the version in its
/// address, so a new logo is fetched at once and an old one cached.
///
/// # Errors
/// When it cannot be read.
pub async fn version(db: &Db) -> anyhow::Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as("select updated_at from firm_logo where id = 1")
        .fetch_optional(db.pool())
        .await
        .context("reading the firm's logo")?;
    Ok(row.map(|(at,)| at))
}

/// The logo for drawing on a statement; one that no longer decodes is
/// left off rather than failing the statement.
///
/// # Errors
/// When it cannot be read.
pub async fn for_drawing(db: &Db) -> anyhow::Result<Option<Logo>> {
    Ok(stored(db).await?.and_then(|(bytes, _)| decode(&bytes).ok()))
}

/// Refuses anyone but an admin, before their upload is read.
///
/// # Errors
/// Not found, as for every page the user may not see.
pub fn require_admin(principal: &Principal) -> Result<(), AppError> {
    if may_manage_settings(&principal.subject()) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Saves `bytes` as the logo, or with `None` removes it (admins only),
/// audited.
///
/// # Errors
/// Not found for anyone but an admin; a 400 for a file that is not a PNG
/// of the allowed size.
pub async fn set(
    state: &AppState,
    principal: &Principal,
    client: &ClientInfo,
    bytes: Option<&[u8]>,
) -> Result<(), ServiceError> {
    require_admin(principal)?;
    if let Some(bytes) = bytes {
        decode(bytes)?;
    }
    let mut tx = state.db.begin_write().await?;
    sqlx::query("delete from firm_logo where id = 1")
        .execute(tx.conn())
        .await
        .context("removing the old logo")?;
    if let Some(bytes) = bytes {
        sqlx::query(
            "insert into firm_logo (id, image, updated_by, updated_at) values (1, $1, $2, $3)",
        )
        .bind(bytes.to_vec())
        .bind(principal.user_id.as_str().to_owned())
        .bind(now_ms())
        .execute(tx.conn())
        .await
        .context("saving the logo")?;
    }
    let action = if bytes.is_some() {
        "settings.logo_saved"
    } else {
        "settings.logo_removed"
    };
    audit::append(
        &mut tx,
        &AuditEntry::by(principal, client, action, AuditResult::Success).object("settings", "firm"),
    )
    .await?;
    tx.commit().await.context("committing the logo")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2 × 2 PNG: a red pixel and a half-transparent blue one per row.
    pub(crate) const TINY_PNG: &[u8] = &[
        137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 2, 0, 0, 0, 2, 8, 6,
        0, 0, 0, 114, 182, 13, 36, 0, 0, 0, 20, 73, 68, 65, 84, 120, 156, 99, 56, 33, 39, 247, 95,
        78, 238, 68, 3, 3, 140, 1, 0, 63, 23, 7, 15, 164, 218, 120, 29, 0, 0, 0, 0, 73, 69, 78, 68,
        174, 66, 96, 130,
    ];

    #[test]
    fn a_png_is_read_into_colour_and_transparency() {
        let logo = decode(TINY_PNG).unwrap();
        assert_eq!((logo.width, logo.height), (2, 2));
        assert_eq!(&logo.rgb[..6], &[200, 30, 30, 30, 30, 200]);
        assert_eq!(logo.alpha, Some(vec![255, 128, 255, 128]));
    }

    #[test]
    fn a_header_claiming_a_huge_image_is_refused_before_anything_is_allocated() {
        // The tiny PNG, its header rewritten (with a matching checksum) to
        // claim 500000 × 2147483647 pixels.
        let mut huge = TINY_PNG.to_vec();
        huge[16..20].copy_from_slice(&500_000_u32.to_be_bytes());
        huge[20..24].copy_from_slice(&2_147_483_647_u32.to_be_bytes());
        let crc = crc32(&huge[12..29]);
        huge[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(
            decode(&huge).err(),
            Some(AppError::BadRequest(logo_too_big()))
        );
    }

    /// PNG's chunk checksum (CRC-32), bit by bit: only for this test.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0_u32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn anything_but_a_whole_png_of_the_allowed_size_is_refused() {
        assert!(decode(b"GIF89a not a png").is_err());
        assert!(decode(&TINY_PNG[..40]).is_err(), "a cut-off file");
        let huge = vec![0_u8; MAX_LOGO_BYTES + 1];
        assert_eq!(
            decode(&huge).err(),
            Some(AppError::BadRequest(logo_too_big()))
        );
    }
}

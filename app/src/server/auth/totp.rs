//! TOTP (RFC 6238) through totp-rs: SHA-1, 6 digits, 30-second steps, the
//! parameters every authenticator app supports. One step of clock skew is
//! accepted either way, and a step once used is refused, so a code cannot be
//! replayed (RFC 6238 §5.2).

use anyhow::Context as _;
use totp_rs::{Algorithm, Secret, TOTP};
use zeroize::Zeroizing;

/// The issuer shown in authenticator apps.
pub const ISSUER: &str = "Vellum";
const STEP_SECONDS: u64 = 30;

/// A fresh random 160-bit seed (RFC 4226 §4 recommends 160 bits).
pub fn generate_seed() -> Zeroizing<Vec<u8>> {
    let mut seed = Zeroizing::new(vec![0_u8; 20]);
    // getrandom reads the OS generator; failing means the OS cannot give
    // randomness at all, which nothing here can recover from.
    if getrandom::fill(&mut seed).is_err() {
        seed.clear();
    }
    seed
}

/// Decodes a base32 seed as given on the command line.
pub fn seed_from_base32(encoded: &str) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let bytes = Secret::Encoded(encoded.trim().replace(' ', "").to_uppercase())
        .to_bytes()
        .map_err(|_| anyhow::anyhow!("the TOTP secret is not valid base32"))?;
    if bytes.len() < 16 {
        anyhow::bail!("the TOTP secret must be at least 128 bits (26 base32 characters)");
    }
    Ok(Zeroizing::new(bytes))
}

/// The seed in base32, for manual entry in an authenticator app.
pub fn seed_to_base32(seed: &[u8]) -> String {
    match &Secret::Raw(seed.to_vec()).to_encoded() {
        Secret::Encoded(text) => text.clone(),
        Secret::Raw(_) => String::new(),
    }
}

fn totp(seed: &[u8], account: &str) -> anyhow::Result<TOTP> {
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECONDS,
        seed.to_vec(),
        Some(ISSUER.to_owned()),
        account.to_owned(),
    )
    .context("building the TOTP generator")
}

/// The `otpauth://` URL an authenticator app scans.
pub fn provisioning_url(seed: &[u8], account: &str) -> anyhow::Result<String> {
    Ok(totp(seed, account)?.get_url())
}

/// The code for a Unix time, for tests and the demo seeding.
pub fn code_at(seed: &[u8], unix_seconds: u64) -> anyhow::Result<String> {
    Ok(totp(seed, "code")?.generate(unix_seconds))
}

/// Checks `code` at `unix_seconds`. Returns the time step it matched, which
/// must be later than `last_step` (the last one accepted for this user).
pub fn verify(
    seed: &[u8],
    code: &str,
    unix_seconds: u64,
    last_step: Option<i64>,
) -> anyhow::Result<Option<i64>> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let generator = totp(seed, "code")?;
    let now_step = i64::try_from(unix_seconds / STEP_SECONDS).context("time out of range")?;
    for step in [now_step - 1, now_step, now_step + 1] {
        if last_step.is_some_and(|last| step <= last) {
            continue;
        }
        let at = u64::try_from(step).context("time out of range")? * STEP_SECONDS;
        if crate::server::crypto::ct_eq(generator.generate(at).as_bytes(), code.as_bytes()) {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

/// An SVG QR code of `text`, drawn as one path so the strict CSP needs no
/// inline styles.
pub fn qr_svg(text: &str) -> anyhow::Result<String> {
    use std::fmt::Write as _;
    let qr = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Medium)
        .map_err(|_| anyhow::anyhow!("the text is too long for a QR code"))?;
    let border = 4;
    let size = qr.size() + border * 2;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                let _ = write!(path, "M{},{}h1v1h-1z", x + border, y + border);
            }
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code for your authenticator app\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

/// A QR code of `text` for a terminal: two rows of modules per line in
/// Unicode half blocks, dark on a light quiet zone, so a phone can scan it
/// from `vellum seed-demo`'s output.
pub fn qr_text(text: &str) -> anyhow::Result<String> {
    let qr = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Medium)
        .map_err(|_| anyhow::anyhow!("the text is too long for a QR code"))?;
    // Outside the code every module is light: the quiet zone.
    let dark = |x: i32, y: i32| qr.get_module(x, y);
    let border = 2;
    let mut out = String::new();
    let mut y = -border;
    while y < qr.size() + border {
        for x in -border..qr.size() + border {
            // Light modules print as ink, so the code reads dark-on-light
            // on the usual dark terminal background.
            out.push(match (!dark(x, y), !dark(x, y + 1)) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        out.push('\n');
        y += 2;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA-1 seed ("12345678901234567890").
    const RFC_SEED: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        // Appendix B gives 8 digits; the 6-digit code is its last six.
        assert_eq!(code_at(RFC_SEED, 59).unwrap(), "287082");
        assert_eq!(code_at(RFC_SEED, 1_111_111_109).unwrap(), "081804");
        assert_eq!(code_at(RFC_SEED, 2_000_000_000).unwrap(), "279037");
    }

    #[test]
    fn a_current_code_verifies_once_and_not_again() {
        let now = 1_700_000_000;
        let code = code_at(RFC_SEED, now).unwrap();
        let step = verify(RFC_SEED, &code, now, None)
            .unwrap()
            .expect("valid code");
        assert_eq!(
            verify(RFC_SEED, &code, now, Some(step)).unwrap(),
            None,
            "replay refused"
        );
    }

    #[test]
    fn a_code_from_one_step_away_is_accepted_but_not_from_two() {
        let now = 1_700_000_000;
        assert!(
            verify(RFC_SEED, &code_at(RFC_SEED, now - 30).unwrap(), now, None)
                .unwrap()
                .is_some()
        );
        assert!(
            verify(RFC_SEED, &code_at(RFC_SEED, now - 90).unwrap(), now, None)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn malformed_codes_are_refused() {
        for code in ["", "12345", "1234567", "abcdef"] {
            assert_eq!(verify(RFC_SEED, code, 59, None).unwrap(), None, "{code}");
        }
    }

    #[test]
    fn base32_seeds_round_trip_and_short_ones_are_refused() {
        let seed = generate_seed();
        assert_eq!(seed.len(), 20);
        let text = seed_to_base32(&seed);
        assert_eq!(*seed_from_base32(&text).unwrap(), *seed);
        assert!(
            seed_from_base32("JBSWY3DP").is_err(),
            "40 bits is too short"
        );
        assert!(seed_from_base32("not base32!").is_err());
    }

    #[test]
    fn the_qr_code_is_an_svg_without_inline_styles() {
        let svg = qr_svg("otpauth://totp/Vellum:a%40b.test?secret=ABC").unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<path"));
        assert!(!svg.contains("style="));
    }

    #[test]
    fn the_terminal_qr_code_draws_every_module_of_the_code() {
        let text = "otpauth://totp/Vellum:demo?secret=GEZDGNBVGY3TQOJQ";
        let drawn = qr_text(text).unwrap();
        let qr = qrcodegen::QrCode::encode_text(text, qrcodegen::QrCodeEcc::Medium).unwrap();
        let lines: Vec<Vec<char>> = drawn.lines().map(|l| l.chars().collect()).collect();
        let width = usize::try_from(qr.size() + 4).unwrap();
        assert!(lines.iter().all(|l| l.len() == width), "a square");
        for y in 0..qr.size() {
            for x in 0..qr.size() {
                let cell =
                    lines[usize::try_from(y / 2 + 1).unwrap()][usize::try_from(x + 2).unwrap()];
                let ink_top = matches!(cell, '█' | '▀');
                let ink_bottom = matches!(cell, '█' | '▄');
                let ink = if y % 2 == 0 { ink_top } else { ink_bottom };
                assert_eq!(ink, !qr.get_module(x, y), "module ({x}, {y})");
            }
        }
    }
}

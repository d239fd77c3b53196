//! Text in the CSV files people open in spreadsheets (the walls report,
//! the contact export and import).

/// The characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Typed text as a cell that stays text: one starting like a formula gets
/// a leading apostrophe, so opening the file never runs what someone typed.
pub fn to_cell(text: String) -> String {
    if text.starts_with(FORMULA_STARTS) {
        format!("'{text}")
    } else {
        text
    }
}

/// A cell read back: the apostrophe [`to_cell`] added is dropped, so an
/// export imports unchanged.
pub fn from_cell(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_looks_like_a_formula_stays_text_and_reads_back_the_same() {
        for typed in [
            "=HYPERLINK(\"x\")",
            "@SUM(A1)",
            "+44 20 7946 0000",
            "-5",
            "'quoted",
            "plain",
        ] {
            let cell = to_cell(typed.to_owned());
            assert!(!cell.starts_with(FORMULA_STARTS), "{cell}");
            assert_eq!(from_cell(&cell), typed);
        }
        assert_eq!(to_cell("=1+1".to_owned()), "'=1+1");
    }
}

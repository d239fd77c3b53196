//! The PDF of a statement, written with `pdf-writer`.
//!
//! The text uses the standard Type 1 font Helvetica, which every PDF reader
//! has, so nothing is embedded. Its encoding is WinAnsi (Windows-1252), so
//! text is transliterated to it by [`win_ansi`]: characters outside it
//! become `?` rather than bytes that a reader would show as something else.
//! Content streams are left uncompressed: statements are small, and the
//! text stays searchable by simple tools.

use pdf_writer::{Content, Filter, Finish as _, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::domain::{
    billing::{InvoiceView, LineKind, format_quantity, format_rate},
    time::Clock,
};
use crate::server::logo::Logo;

/// How tall the logo stands on the letterhead, in points.
const LOGO_HEIGHT: f32 = 40.0;
/// The widest it may be, in points.
const LOGO_MAX_WIDTH: f32 = 160.0;

/// A4 in points.
const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
/// Where the lines stop and a new page starts.
const BOTTOM: f32 = 90.0;
const LEADING: f32 = 16.0;
/// The widest description, in characters, before it is shortened.
const DESCRIPTION_CHARS: usize = 52;

/// The download's file name: the invoice number, with anything but
/// letters, digits and `-` replaced so the header cannot be broken.
pub fn file_name(number: &str) -> String {
    let safe: String = number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.pdf")
}

/// Encodes `text` in WinAnsi: ASCII and Latin-1 letters as themselves, the
/// typographic characters Windows-1252 adds (€, curly quotes, dashes…) at
/// their code points, control characters as spaces, and anything else as
/// `?`.
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => u8::try_from(u32::from(c)).unwrap_or(b'?'),
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8a,
            '‹' => 0x8b,
            'Œ' => 0x8c,
            'Ž' => 0x8e,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9a,
            '›' => 0x9b,
            'œ' => 0x9c,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            c if c.is_control() => b' ',
            _ => b'?',
        })
        .collect()
}

/// Shortens `text` to `max` characters with an ellipsis.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}

/// Lays text out on pages, starting a new page when one is full.
struct Writer {
    pages: Vec<Content>,
    y: f32,
}

impl Writer {
    fn new() -> Self {
        let mut writer = Self {
            pages: Vec::new(),
            y: 0.0,
        };
        writer.new_page();
        writer
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = PAGE_HEIGHT - MARGIN;
    }

    fn page(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.pages.push(Content::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Writes `text` at `x` on the current line in `font` (F1 regular, F2
    /// bold).
    fn text(&mut self, x: f32, font: &[u8], size: f32, text: &str) {
        let y = self.y;
        let encoded = win_ansi(text);
        self.page()
            .begin_text()
            .set_font(Name(font), size)
            .next_line(x, y)
            .show(Str(&encoded))
            .end_text();
    }

    /// Writes `text` so that it ends at `right`, estimating Helvetica's
    /// average glyph width (digits are 0.556 em), which suits amounts.
    fn text_right(&mut self, right: f32, font: &[u8], size: f32, text: &str) {
        #[expect(clippy::cast_precision_loss, reason = "a few dozen characters")]
        let width = win_ansi(text).len() as f32 * size * 0.556;
        self.text(right - width, font, size, text);
    }

    fn rule(&mut self) {
        let y = self.y + LEADING * 0.6;
        self.page()
            .set_line_width(0.5)
            .move_to(MARGIN, y)
            .line_to(PAGE_WIDTH - MARGIN, y)
            .stroke();
    }

    fn down(&mut self, lines: f32) {
        self.y -= LEADING * lines;
        if self.y < BOTTOM {
            self.new_page();
        }
    }
}

/// Renders `invoice` for the client `account_name` as a complete PDF, on
/// the letterhead of `firm` (with its logo, if it has one), dated by
/// `clock` (the footer by its now).
pub fn render_statement(
    firm: &str,
    logo: Option<&Logo>,
    invoice: &InvoiceView,
    account_name: &str,
    clock: &Clock,
) -> Vec<u8> {
    let mut w = Writer::new();
    let right = PAGE_WIDTH - MARGIN;
    if let Some(logo) = logo {
        // Top right of the first page, scaled to the letterhead's height.
        #[expect(clippy::cast_precision_loss, reason = "at most 1000 pixels a side")]
        let aspect = logo.width as f32 / logo.height.max(1) as f32;
        let width = (LOGO_HEIGHT * aspect).min(LOGO_MAX_WIDTH);
        let height = width / aspect;
        let top = PAGE_HEIGHT - MARGIN + 12.0;
        w.page()
            .save_state()
            .transform([width, 0.0, 0.0, height, right - width, top - height])
            .x_object(Name(b"Logo"))
            .restore_state();
    }

    w.text(MARGIN, b"F2", 12.0, &shorten(firm, 70));
    w.down(2.0);
    w.text(MARGIN, b"F2", 20.0, "Statement");
    w.text_right(right, b"F2", 14.0, &invoice.number);
    w.down(2.0);
    w.text(MARGIN, b"F1", 11.0, &format!("Client: {account_name}"));
    w.text_right(
        right,
        b"F1",
        11.0,
        &format!("Status: {}", invoice.status.label()),
    );
    w.down(1.0);
    w.text(
        MARGIN,
        b"F1",
        11.0,
        &shorten(
            &format!("Matter: {} {}", invoice.matter_number, invoice.matter_title),
            70,
        ),
    );
    w.down(1.0);
    let issued = invoice
        .issued_at
        .map_or_else(|| "not issued".to_owned(), |at| clock.date(at));
    let due = invoice
        .due_at
        .map_or_else(|| "-".to_owned(), |at| clock.date(at));
    w.text(
        MARGIN,
        b"F1",
        11.0,
        &format!(
            "Issued: {issued}    Due: {due}    Currency: {}",
            invoice.currency
        ),
    );
    w.down(2.0);

    w.text(MARGIN, b"F2", 10.0, "Description");
    w.text_right(340.0, b"F2", 10.0, "Qty");
    w.text_right(420.0, b"F2", 10.0, "Rate");
    w.text_right(465.0, b"F2", 10.0, "Tax");
    w.text_right(right, b"F2", 10.0, "Amount");
    w.down(1.0);
    w.rule();
    for line in &invoice.lines {
        let kind = match line.kind {
            LineKind::Time => "Time",
            LineKind::Expense => "Expense",
        };
        w.text(
            MARGIN,
            b"F1",
            10.0,
            &shorten(&format!("{kind}: {}", line.description), DESCRIPTION_CHARS),
        );
        w.text_right(340.0, b"F1", 10.0, &format_quantity(line.quantity));
        w.text_right(420.0, b"F1", 10.0, &line.unit_amount.to_string());
        w.text_right(465.0, b"F1", 10.0, &format_rate(line.tax_rate_bp));
        w.text_right(right, b"F1", 10.0, &line.amount.to_string());
        w.down(1.0);
    }
    w.rule();
    let t = invoice.totals;
    let rows = [
        ("Subtotal", t.subtotal, false),
        ("Tax", t.tax, false),
        ("Total", t.total, true),
        ("Payments received", -t.paid, false),
        ("Credits", -t.credited, false),
        ("Balance due", t.balance, true),
    ];
    for (label, minor, bold) in rows {
        let font: &[u8] = if bold { b"F2" } else { b"F1" };
        w.text_right(420.0, font, 10.0, label);
        w.text_right(right, font, 10.0, &invoice.money(minor).to_string());
        w.down(1.0);
    }
    w.down(1.0);
    w.text(
        MARGIN,
        b"F1",
        8.0,
        &format!(
            "Amounts in {}. Tax is calculated per line and rounded half up. Generated {}.",
            invoice.currency,
            clock.date(clock.now)
        ),
    );

    assemble(w.pages, &invoice.number, logo)
}

/// Puts the pages' content streams into a document with the two fonts,
/// and the logo the first page draws.
fn assemble(pages: Vec<Content>, title: &str, logo: Option<&Logo>) -> Vec<u8> {
    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let regular_id = Ref::new(3);
    let bold_id = Ref::new(4);
    let info_id = Ref::new(5);
    let first_page = 6;
    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(tree_id);
    let page_ids: Vec<(Ref, Ref)> = (0..pages.len())
        .map(|i| {
            let n = i32::try_from(i).unwrap_or(i32::MAX / 2 - first_page);
            (
                Ref::new(first_page + 2 * n),
                Ref::new(first_page + 2 * n + 1),
            )
        })
        .collect();
    pdf.pages(tree_id)
        .kids(page_ids.iter().map(|(page, _)| *page))
        .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));
    let after_pages = page_ids
        .last()
        .map_or(first_page, |(_, content)| content.get() + 1);
    let (logo_id, mask_id) = (Ref::new(after_pages), Ref::new(after_pages + 1));
    for (index, ((page_id, content_id), content)) in page_ids.iter().zip(pages).enumerate() {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree_id)
            .contents(*content_id);
        let mut resources = page.resources();
        resources
            .fonts()
            .pair(Name(b"F1"), regular_id)
            .pair(Name(b"F2"), bold_id);
        if index == 0 && logo.is_some() {
            resources.x_objects().pair(Name(b"Logo"), logo_id);
        }
        resources.finish();
        page.finish();
        pdf.stream(*content_id, &content.finish());
    }
    for (id, name) in [
        (regular_id, b"Helvetica".as_slice()),
        (bold_id, b"Helvetica-Bold"),
    ] {
        pdf.type1_font(id)
            .base_font(Name(name))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    if let Some(logo) = logo {
        let (width, height) = (
            i32::try_from(logo.width).unwrap_or(1),
            i32::try_from(logo.height).unwrap_or(1),
        );
        let rgb = miniz_oxide::deflate::compress_to_vec_zlib(&logo.rgb, 6);
        let mut image = pdf.image_xobject(logo_id, &rgb);
        image.filter(Filter::FlateDecode);
        image.width(width).height(height).bits_per_component(8);
        image.color_space().device_rgb();
        if logo.alpha.is_some() {
            image.s_mask(mask_id);
        }
        image.finish();
        if let Some(alpha) = &logo.alpha {
            let alpha = miniz_oxide::deflate::compress_to_vec_zlib(alpha, 6);
            let mut mask = pdf.image_xobject(mask_id, &alpha);
            mask.filter(Filter::FlateDecode);
            mask.width(width).height(height).bits_per_component(8);
            mask.color_space().device_gray();
            mask.finish();
        }
    }
    pdf.document_info(info_id)
        .title(TextStr(&format!("Statement {title}")))
        .producer(TextStr("Vellum"));
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        billing::{Currency, InvoiceLineView, InvoiceStatus, Money, Totals},
        ids::MatterId,
    };

    fn invoice(lines: usize) -> InvoiceView {
        let gbp = Currency::parse("GBP").unwrap();
        let money = |minor| Money::new(minor, gbp.clone());
        InvoiceView {
            id: "i".into(),
            number: "INV-2026-0042".into(),
            matter_id: MatterId::from_trusted("m".into()),
            matter_number: "LIT-2026-0012".into(),
            matter_title: "Harbour lease (dispute) \\ appeal".into(),
            currency: gbp.clone(),
            issued_at: Some(0),
            due_at: Some(86_400_000),
            status: InvoiceStatus::Sent,
            totals: Totals::from_sums(10_000, 2_000, 0, 0).unwrap(),
            lines: (0..lines)
                .map(|i| InvoiceLineView {
                    kind: LineKind::Time,
                    description: format!("Work item {i} — Zürich ☃"),
                    quantity: 150,
                    unit_amount: money(25_000),
                    amount: money(37_500),
                    tax_rate_bp: 2_000,
                    tax: money(7_500),
                })
                .collect(),
            void_reason: None,
        }
    }

    #[test]
    fn a_statement_is_a_pdf_on_the_firms_letterhead_that_names_its_invoice_number() {
        let bytes = render_statement(
            "Harbour Law LLP",
            None,
            &invoice(3),
            "Moreau Bakery Ltd",
            &Clock::utc(0),
        );
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("(Harbour Law LLP) Tj"), "{text}");
        assert!(text.contains("INV-2026-0042"));
        assert!(text.contains("/WinAnsiEncoding"));
        // Backslashes are escaped, and balanced parentheses (valid inside a
        // PDF string) do not end it.
        assert!(
            text.contains(r"(Matter: LIT-2026-0012 Harbour lease (dispute) \\ appeal) Tj"),
            "{text}"
        );
    }

    #[test]
    fn long_statements_flow_onto_more_pages() {
        let bytes = render_statement(
            "Harbour Law LLP",
            None,
            &invoice(50),
            "Moreau Bakery Ltd",
            &Clock::utc(0),
        );
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/Count 2"), "two pages expected");
    }

    #[test]
    fn text_outside_win_ansi_is_replaced_safely() {
        assert_eq!(win_ansi("£5 — €3"), b"\xa35 \x97 \x803");
        assert_eq!(win_ansi("Zürich"), b"Z\xfcrich");
        assert_eq!(win_ansi("☃日\n"), b"?? ");
    }

    #[test]
    fn the_file_name_cannot_break_the_header() {
        assert_eq!(file_name("INV-2026-0001"), "INV-2026-0001.pdf");
        assert_eq!(file_name("INV\"; x=1"), "INV___x_1.pdf");
    }
}

//! Turns the positioned glyphs that `pdf-extract` reports into lines of text.
//!
//! `pdf-extract`'s own plain-text output only looks for a word gap at the
//! start of each text-showing operator, so PDFs that position every word
//! inside one `TJ` array (Ghostscript, many typesetters) come out as
//! "wordsruntogether". This sink looks at every glyph: a horizontal gap wider
//! than a fraction of the font size is a space, a move down starts a new line,
//! and a move down of about two lines or more is a paragraph break (an empty
//! line). It must only lay out text: no cleaning, no sentence logic.

use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};

/// A gap wider than this share of the font size between two glyphs is a space.
const SPACE_GAP: f64 = 0.12;
/// A vertical move larger than this share of the font size starts a new line.
const NEW_LINE: f64 = 0.5;
/// A move down larger than this share of the font size also leaves an empty
/// line: the mark of a paragraph break or a heading.
const NEW_PARAGRAPH: f64 = 1.9;

/// Collects the text of one page, at most `budget` bytes of it.
#[derive(Debug)]
pub(crate) struct PageText {
    text: String,
    /// Where the previous glyph ended (x) and its baseline (y), in user space.
    last: Option<(f64, f64)>,
    /// Bytes of text the page may still add; past it the reader is stopped.
    budget: usize,
    over_budget: bool,
}

impl PageText {
    pub(crate) fn with_budget(budget: usize) -> Self {
        PageText {
            text: String::new(),
            last: None,
            budget,
            over_budget: false,
        }
    }

    /// True once the page's text went past its budget (its text is then cut).
    pub(crate) fn over_budget(&self) -> bool {
        self.over_budget
    }

    /// The page's text: lines separated by `\n`, paragraphs by an empty line.
    pub(crate) fn into_text(self) -> String {
        let mut out = String::with_capacity(self.text.len());
        for line in self.text.lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out.trim_end().to_string()
    }

    fn push_glyph(&mut self, x: f64, y: f64, advance: f64, size: f64, glyph: &str) {
        let size = if size.is_finite() && size > 0.0 {
            size
        } else {
            1.0
        };
        if let Some((last_x, last_y)) = self.last {
            let down = last_y - y;
            if down.abs() > size * NEW_LINE {
                self.text.push('\n');
                if down > size * NEW_PARAGRAPH {
                    self.text.push('\n');
                }
            } else if x - last_x > size * SPACE_GAP
                && !self.text.ends_with(char::is_whitespace)
                && !glyph.starts_with(char::is_whitespace)
            {
                self.text.push(' ');
            }
        }
        for c in glyph.chars() {
            push_normalized(&mut self.text, c);
        }
        self.last = Some((x + advance, y));
    }
}

/// Appends `c`, spelling out typographic ligatures and dropping control
/// characters that some fonts map glyphs to.
fn push_normalized(text: &mut String, c: char) {
    match c {
        '\u{fb00}' => text.push_str("ff"),
        '\u{fb01}' => text.push_str("fi"),
        '\u{fb02}' => text.push_str("fl"),
        '\u{fb03}' => text.push_str("ffi"),
        '\u{fb04}' => text.push_str("ffl"),
        '\u{fb05}' | '\u{fb06}' => text.push_str("st"),
        '\n' | '\r' | '\t' => text.push(' '),
        c if c.is_control() => {}
        c => text.push(c),
    }
}

impl OutputDev for PageText {
    fn begin_page(
        &mut self,
        _page_num: u32,
        _media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        glyph: &str,
    ) -> Result<(), OutputError> {
        // The font size as drawn: the side of the square with the area of the
        // transformed (size, size) vector.
        let vx = font_size * trm.m11 + font_size * trm.m21;
        let vy = font_size * trm.m12 + font_size * trm.m22;
        let size = (vx * vy).abs().sqrt();
        self.push_glyph(trm.m31, trm.m32, width * size, size, glyph);
        if self.text.len() > self.budget {
            // An error is the one way to stop the PDF crate mid-page.
            self.over_budget = true;
            return Err(OutputError::IoError(std::io::Error::other(
                "the text limit is reached",
            )));
        }
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

//! The `fetch` stage's work: the job's input as text. A text file is used
//! as it is (a byte-order mark dropped); a PDF goes through the crate's PDF
//! text extraction, one page after the other. A PDF without a text layer
//! (a scan) is refused with a clear error: there is no OCR here.

use jobcast_core::{JobInput, MediaType, ProcessError};

/// The text of the invoice and, for a PDF, its page count.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceText {
    pub text: String,
    pub pages: Option<usize>,
}

pub fn load(input: &JobInput) -> Result<InvoiceText, ProcessError> {
    let loaded = match input.media_type {
        MediaType::Text => InvoiceText {
            text: String::from_utf8_lossy(&input.bytes).into_owned(),
            pages: None,
        },
        MediaType::Pdf => {
            let pages = pdf_pages(&input.bytes)?;
            InvoiceText {
                pages: Some(pages.len()),
                text: pages.join("\n\n"),
            }
        }
        other => {
            return Err(ProcessError::input(
                "unsupported_input",
                format!("invoice.extract reads text or PDF invoices, not {other:?}"),
            ))
        }
    };
    if loaded.text.trim().is_empty() {
        let message = match loaded.pages {
            Some(_) => "the PDF has no text layer (a scanned invoice?); OCR is not supported",
            None => "the invoice is empty",
        };
        return Err(ProcessError::input("empty_input", message));
    }
    Ok(loaded)
}

fn pdf_pages(bytes: &[u8]) -> Result<Vec<String>, ProcessError> {
    crate::pdf::extract_pages(bytes)
        .map_err(|e| ProcessError::input("pdf_unreadable", format!("cannot read the PDF: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(bytes: &[u8]) -> JobInput {
        JobInput {
            filename: None,
            media_type: MediaType::sniff(bytes),
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn text_is_used_as_is() {
        let loaded = load(&input(b"Invoice 1\nTotal 2.00")).expect("text");
        assert_eq!(loaded.text, "Invoice 1\nTotal 2.00");
        assert_eq!(loaded.pages, None);
    }

    #[test]
    fn empty_and_foreign_inputs_are_refused() {
        let err = load(&input(b"  \n ")).expect_err("empty");
        assert!(matches!(err, ProcessError::Input { ref code, .. } if code == "empty_input"));
        let err = load(&input(b"\x89PNG\r\n\x1a\n....")).expect_err("png");
        assert!(matches!(err, ProcessError::Input { ref code, .. } if code == "unsupported_input"));
        let err = load(&input(b"%PDF-1.7 garbage")).expect_err("broken pdf");
        assert!(matches!(err, ProcessError::Input { ref code, .. } if code == "pdf_unreadable"));
    }
}

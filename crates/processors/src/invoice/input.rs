//! The `fetch` stage's work: the job's input as text. A text file is used
//! as it is (a byte-order mark dropped); a PDF is read in the parse process
//! (`crate::sandbox`), never in the server's. A PDF without a text layer
//! (a scan) is refused with a clear error: there is no OCR here. An invoice
//! is a few pages: text past `MAX_TEXT_BYTES` is refused rather than fed to
//! the extractor.

use std::sync::Arc;

use jobcast_core::{JobInput, MediaType, ProcessError};

use crate::pdf::PdfError;
use crate::sandbox::Sandbox;

/// The most text an invoice may have: far more than any real invoice.
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// The text of the invoice and, for a PDF, its page count.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceText {
    pub text: String,
    pub pages: Option<usize>,
}

pub async fn load(input: JobInput, sandbox: &Sandbox) -> Result<InvoiceText, ProcessError> {
    let loaded = match input.media_type {
        MediaType::Text => {
            if input.bytes.len() > MAX_TEXT_BYTES {
                return Err(too_long());
            }
            InvoiceText {
                text: String::from_utf8_lossy(&input.bytes).into_owned(),
                pages: None,
            }
        }
        MediaType::Pdf => {
            let pages = pdf_pages(input.bytes.into(), sandbox).await?;
            let text = pages.join("\n\n");
            if text.len() > MAX_TEXT_BYTES {
                return Err(too_long());
            }
            InvoiceText {
                pages: Some(pages.len()),
                text,
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

fn too_long() -> ProcessError {
    ProcessError::input(
        "input_too_large",
        format!(
            "the invoice has more than {} KiB of text; it cannot be an invoice",
            MAX_TEXT_BYTES >> 10
        ),
    )
}

/// The PDF's pages. A document the reader cannot read is `pdf_unreadable`,
/// whatever the reason; a document over a limit keeps the limit's code.
async fn pdf_pages(bytes: Arc<[u8]>, sandbox: &Sandbox) -> Result<Vec<String>, ProcessError> {
    match sandbox.pdf_text(bytes).await {
        Ok(text) => Ok(text.pages),
        Err(
            error @ (PdfError::Corrupt(_)
            | PdfError::Encrypted
            | PdfError::NoText
            | PdfError::Empty
            | PdfError::Crashed(_)),
        ) => Err(ProcessError::input(
            "pdf_unreadable",
            format!("cannot read the PDF: {error}"),
        )),
        Err(other) => Err(other.into()),
    }
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

    fn no_parser() -> Sandbox {
        Sandbox::new(
            crate::sandbox::ParserProgram::standalone("/nonexistent/jobcast-parse"),
            Default::default(),
        )
    }

    #[tokio::test]
    async fn text_is_used_as_is() {
        let loaded = load(input(b"Invoice 1\nTotal 2.00"), &no_parser())
            .await
            .expect("text");
        assert_eq!(loaded.text, "Invoice 1\nTotal 2.00");
        assert_eq!(loaded.pages, None);
    }

    #[tokio::test]
    async fn empty_foreign_and_oversized_inputs_are_refused() {
        let err = load(input(b"  \n "), &no_parser())
            .await
            .expect_err("empty");
        assert!(matches!(err, ProcessError::Input { ref code, .. } if code == "empty_input"));
        let err = load(input(b"\x89PNG\r\n\x1a\n...."), &no_parser())
            .await
            .expect_err("png");
        assert!(matches!(err, ProcessError::Input { ref code, .. } if code == "unsupported_input"));
        let long = vec![b'a'; MAX_TEXT_BYTES + 1];
        let err = load(input(&long), &no_parser()).await.expect_err("long");
        assert!(matches!(err, ProcessError::Input { ref code, .. } if code == "input_too_large"));
    }

    #[tokio::test]
    async fn a_parser_that_cannot_start_is_worth_a_retry() {
        let err = load(input(b"%PDF-1.7 garbage"), &no_parser())
            .await
            .expect_err("no parser");
        assert!(
            matches!(err, ProcessError::Transient { ref code, .. } if code == "parser_unavailable"),
            "{err:?}"
        );
    }
}

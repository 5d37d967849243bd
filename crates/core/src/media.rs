//! What a file is, judged by its bytes and never by its name.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaType {
    Pdf,
    Text,
    Png,
    Jpeg,
    Gif,
    Zip,
    Binary,
}

impl MediaType {
    /// Sniffs the content. A PDF's header may follow a little leading junk
    /// (readers accept it within the first kilobyte); text is valid UTF-8 with
    /// no control characters other than tab, newline, carriage return, form feed.
    pub fn sniff(bytes: &[u8]) -> MediaType {
        let head = &bytes[..bytes.len().min(1024)];
        if head.windows(5).any(|w| w == b"%PDF-") {
            return MediaType::Pdf;
        }
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            return MediaType::Png;
        }
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            return MediaType::Jpeg;
        }
        if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            return MediaType::Gif;
        }
        if bytes.starts_with(b"PK\x03\x04") {
            return MediaType::Zip;
        }
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match std::str::from_utf8(body) {
            Ok(text)
                if !text
                    .chars()
                    .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c')) =>
            {
                MediaType::Text
            }
            _ => MediaType::Binary,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Text => "text/plain; charset=utf-8",
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Gif => "image/gif",
            MediaType::Zip => "application/zip",
            MediaType::Binary => "application/octet-stream",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Text => "text",
            MediaType::Png => "png",
            MediaType::Jpeg => "jpeg",
            MediaType::Gif => "gif",
            MediaType::Zip => "zip",
            MediaType::Binary => "binary",
        }
    }

    pub fn parse(text: &str) -> Option<MediaType> {
        [
            MediaType::Pdf,
            MediaType::Text,
            MediaType::Png,
            MediaType::Jpeg,
            MediaType::Gif,
            MediaType::Zip,
            MediaType::Binary,
        ]
        .into_iter()
        .find(|m| m.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judges_by_content() {
        assert_eq!(MediaType::sniff(b"%PDF-1.7\n..."), MediaType::Pdf);
        assert_eq!(MediaType::sniff(b"\x89PNG\r\n\x1a\n\0\0"), MediaType::Png);
        assert_eq!(
            MediaType::sniff("Facture n° 12\n".as_bytes()),
            MediaType::Text
        );
        assert_eq!(MediaType::sniff(b"abc\0def"), MediaType::Binary);
        assert_eq!(MediaType::sniff(&[0xC3, 0x28]), MediaType::Binary);
    }
}

//! The name of a downloaded file: from `Content-Disposition` (RFC 6266,
//! with RFC 8187 `filename*`), or else the last segment of the final URL's
//! path — either way stripped of directories and control characters, since
//! the server on the other end chose it.

use url::Url;

/// The file name of `Content-Disposition: attachment; filename="a.pdf"`
/// (`filename*=UTF-8''...` preferred).
pub(super) fn disposition_filename(header: &str) -> Option<String> {
    let params = header_params(header);
    let extended = params
        .iter()
        .find(|(name, _)| name == "filename*")
        .and_then(|(_, value)| decode_ext_value(value));
    let plain = || {
        params
            .iter()
            .find(|(name, _)| name == "filename")
            .map(|(_, value)| value.clone())
    };
    extended
        .or_else(plain)
        .and_then(|name| sanitize_filename(&name))
}

/// `name=value` parameters after the first `;`, values unquoted.
fn header_params(header: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = header.chars().peekable();
    // Skip the disposition type.
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        let mut name = String::new();
        for c in chars.by_ref() {
            if c == '=' || c == ';' {
                break;
            }
            name.push(c);
        }
        let name = name.trim().to_ascii_lowercase();
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(escaped) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    '"' => break,
                    other => value.push(other),
                }
            }
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
            }
        } else {
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
                value.push(c);
            }
        }
        if !name.is_empty() {
            params.push((name, value.trim().to_owned()));
        }
        if chars.peek().is_none() {
            break;
        }
    }
    params
}

/// RFC 8187 `charset'language'percent-encoded`.
fn decode_ext_value(value: &str) -> Option<String> {
    let mut parts = value.splitn(3, '\'');
    let charset = parts.next()?.to_ascii_lowercase();
    let _language = parts.next()?;
    let bytes = percent_decode(parts.next()?);
    match charset.as_str() {
        "utf-8" => String::from_utf8(bytes).ok(),
        "iso-8859-1" => Some(bytes.into_iter().map(char::from).collect()),
        _ => None,
    }
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// The last non-empty path segment of `url`, percent-decoded.
pub(super) fn url_filename(url: &Url) -> Option<String> {
    let segment = url
        .path_segments()?
        .rev()
        .find(|segment| !segment.is_empty())?;
    sanitize_filename(&String::from_utf8_lossy(&percent_decode(segment)))
}

/// A name safe to store and show: no directories, no control characters,
/// at most 255 bytes.
fn sanitize_filename(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() || trimmed == "." || trimmed == ".." {
        return None;
    }
    let mut end = trimmed.len().min(255);
    while !trimmed.is_char_boundary(end) {
        end -= 1;
    }
    Some(trimmed[..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_come_from_the_header_or_the_path() {
        assert_eq!(
            disposition_filename("attachment; filename=\"invoice 1.pdf\"").as_deref(),
            Some("invoice 1.pdf")
        );
        assert_eq!(
            disposition_filename("attachment; filename=\"a;b.pdf\"; size=3").as_deref(),
            Some("a;b.pdf")
        );
        assert_eq!(
            disposition_filename("attachment; filename=plain.txt; filename*=UTF-8''na%C3%AFve.pdf")
                .as_deref(),
            Some("naïve.pdf")
        );
        assert_eq!(
            disposition_filename("attachment; filename=\"../../etc/passwd\"").as_deref(),
            Some("passwd")
        );
        assert_eq!(disposition_filename("inline").as_deref(), None);
        let url = Url::parse("https://example.com/files/My%20Report.pdf?x=1").expect("url");
        assert_eq!(url_filename(&url).as_deref(), Some("My Report.pdf"));
        let url = Url::parse("https://example.com/").expect("url");
        assert_eq!(url_filename(&url), None);
        assert_eq!(percent_decode("100%"), b"100%".to_vec());
        assert_eq!(percent_decode("%4"), b"%4".to_vec());
    }
}

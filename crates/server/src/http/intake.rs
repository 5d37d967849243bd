//! Admission of a job's input: what a kind accepts, judged by the bytes (never
//! by the file name), within the size limit, with a clean file name. Every
//! refusal names the file, so a refused batch tells the user which file to fix.

use jobcast_core::{JobInput, MediaType, Processor};
use serde_json::Value;

use crate::error::ApiError;

const MAX_FILENAME_CHARS: usize = 255;

/// One file as it arrived.
#[derive(Debug, Clone)]
pub struct Upload {
    pub filename: Option<String>,
    pub bytes: Vec<u8>,
}

impl Upload {
    fn label(&self) -> String {
        match &self.filename {
            Some(name) => format!("file {name:?}"),
            None => "the input".to_string(),
        }
    }
}

/// Checks one upload against the kind and the size limit.
pub fn admit(
    processor: &dyn Processor,
    upload: Upload,
    max_bytes: u64,
) -> Result<JobInput, ApiError> {
    if upload.bytes.is_empty() {
        return Err(ApiError::bad_request(format!(
            "{} is empty",
            upload.label()
        )));
    }
    if upload.bytes.len() as u64 > max_bytes {
        return Err(too_large(&upload.label(), max_bytes));
    }
    let media_type = MediaType::sniff(&upload.bytes);
    let accepted = processor.accepts();
    if !accepted.contains(&media_type) {
        let names: Vec<&str> = accepted.iter().map(|m| m.as_str()).collect();
        return Err(ApiError::unsupported(format!(
            "{} looks like {} content; kind {:?} accepts {}",
            upload.label(),
            media_type.as_str(),
            processor.kind(),
            names.join(", ")
        )));
    }
    Ok(JobInput {
        filename: upload.filename,
        media_type,
        bytes: upload.bytes,
    })
}

pub fn too_large(label: &str, max_bytes: u64) -> ApiError {
    ApiError::too_large(format!(
        "{label} is larger than the limit of {max_bytes} bytes"
    ))
}

/// The options of a new job: a JSON object the kind agrees to.
pub fn options(processor: &dyn Processor, options: Option<Value>) -> Result<Value, ApiError> {
    let options = options.unwrap_or_else(|| Value::Object(Default::default()));
    if !options.is_object() {
        return Err(ApiError::invalid_options("options must be a JSON object"));
    }
    processor
        .check_options(&options)
        .map_err(|message| ApiError::invalid_options(format!("bad options: {message}")))?;
    Ok(options)
}

/// The last path segment of a client-given name, without control characters,
/// at most 255 characters; `None` if nothing usable is left.
pub fn clean_filename(raw: &str) -> Option<String> {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_FILENAME_CHARS)
        .collect();
    let cleaned = cleaned.trim();
    (!cleaned.is_empty() && cleaned != "." && cleaned != "..").then(|| cleaned.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(
            clean_filename("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(clean_filename("C:\\x\\a.pdf").as_deref(), Some("a.pdf"));
        assert_eq!(clean_filename("a\u{0}b\n.pdf").as_deref(), Some("ab.pdf"));
        assert_eq!(clean_filename(".."), None);
        assert_eq!(clean_filename("   "), None);
        assert_eq!(
            clean_filename(&"x".repeat(1000)).map(|s| s.len()),
            Some(255)
        );
    }
}

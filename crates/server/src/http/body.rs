//! Request bodies read within their limits: a declared `Content-Length` over
//! the route's limit is refused before a byte is read, a body (or a multipart
//! field) is read chunk by chunk and refused as soon as it passes its limit,
//! and a `Meter` caps the bytes of a whole multipart request. Nothing is ever
//! buffered beyond its limit.
//!
//! After a refusal the rest of the body is read and thrown away in the
//! background (at most `drain` bytes, for at most `DRAIN_TIME`), so that an
//! HTTP/1.1 client still sending sees the 413 rather than a reset connection.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::{Stream, StreamExt};

use crate::error::ApiError;

/// Limit of the JSON routes other than job creation (answers, sign-in).
pub const SMALL_BODY: u64 = 256 * 1024;
/// Room in a JSON create body for everything but the text: kind, options,
/// file name, escapes.
pub const JSON_ENVELOPE: u64 = 128 * 1024;
/// Room in a multipart create body for the framing, `kind` and `options`.
pub const MULTIPART_FRAMING: u64 = 1024 * 1024;
/// Cap of the multipart `kind` field.
pub const MAX_KIND_FIELD: u64 = 100;
/// Cap of the multipart `options` field.
pub const MAX_OPTIONS_FIELD: u64 = 64 * 1024;
/// Most bytes before a multipart body's first boundary.
pub const MAX_PREAMBLE: u64 = 64 * 1024;
/// Most bytes of one multipart part's headers.
pub const MAX_PART_HEADERS: u64 = 16 * 1024;
/// A declared length is believed for the first allocation up to this.
const PREALLOCATE_AT_MOST: u64 = 1024 * 1024;
/// How long a refused body is drained for, at most.
pub const DRAIN_TIME: Duration = Duration::from_secs(30);

/// The body limits of `POST /api/jobs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreateLimits {
    /// A JSON body: one text of the upload size, and its envelope.
    pub json: u64,
    /// A multipart body: every file at the upload size, and the framing.
    pub multipart: u64,
}

impl CreateLimits {
    pub fn new(max_upload_bytes: u64, max_files: usize) -> Self {
        CreateLimits {
            json: max_upload_bytes.saturating_add(JSON_ENVELOPE),
            multipart: max_upload_bytes
                .saturating_mul(max_files as u64)
                .saturating_add(MULTIPART_FRAMING),
        }
    }

    /// What a refused create body may cost in discarded bytes: no more than
    /// the largest body the route takes.
    pub fn drain(&self) -> u64 {
        self.json.max(self.multipart)
    }
}

/// The 413 of a body over `limit`.
fn too_large(limit: u64) -> ApiError {
    ApiError::too_large(OverLimit::Body(limit).to_string())
}

/// The declared `Content-Length`, if there is a readable one.
pub fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Refuses at once a body that says it is larger than `limit`.
pub fn check_declared(headers: &HeaderMap, limit: u64) -> Result<(), ApiError> {
    match declared_length(headers) {
        Some(length) if length > limit => Err(too_large(limit)),
        _ => Ok(()),
    }
}

/// Why `read_capped` stopped.
#[derive(Debug)]
pub enum Capped<E> {
    /// More than the limit arrived; what was read is dropped.
    TooLarge,
    /// The stream failed.
    Failed(E),
}

/// Reads `stream` to its end, refusing it as soon as it passes `limit`
/// bytes. `expected` (a declared length, trusted only up to the limit)
/// sizes the buffer once. The stream is borrowed: after a refusal the caller
/// can still drain what is left.
pub async fn read_capped<S, E>(
    stream: &mut S,
    limit: u64,
    expected: Option<u64>,
) -> Result<Vec<u8>, Capped<E>>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    let capacity = expected.unwrap_or(0).min(limit).min(PREALLOCATE_AT_MOST);
    let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(Capped::Failed)?;
        if (bytes.len() as u64).saturating_add(chunk.len() as u64) > limit {
            return Err(Capped::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Reads and discards what is left of `stream` in the background: at most
/// `budget` bytes, for at most `DRAIN_TIME`.
pub fn drain_later<S, E>(mut stream: S, budget: u64)
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let drain = async {
            let mut read = 0u64;
            while let Some(Ok(chunk)) = stream.next().await {
                read = read.saturating_add(chunk.len() as u64);
                if read > budget {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
    });
}

/// Counts the bytes of a whole multipart body and fails the body once they
/// pass the limit, or once its preamble or a part's headers pass their caps
/// (a multipart parser holds those whole while it looks for their end);
/// tells afterwards whether that is why it failed.
#[derive(Debug, Clone)]
pub struct Meter {
    limit: u64,
    refusal: Arc<std::sync::OnceLock<OverLimit>>,
}

/// Why a metered body was cut.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverLimit {
    #[error("the request body is larger than the limit of {0} bytes")]
    Body(u64),
    #[error(
        "the multipart preamble (before the first boundary) is longer than {MAX_PREAMBLE} bytes"
    )]
    Preamble,
    #[error("the headers of a multipart part are longer than {MAX_PART_HEADERS} bytes")]
    PartHeaders,
}

impl Meter {
    /// `body`, failing once more than `limit` bytes have come through, or
    /// (when the `content_type` names a boundary) once the framing is too
    /// long.
    pub fn wrap(body: Body, limit: u64, content_type: &str) -> (Body, Meter) {
        let meter = Meter {
            limit,
            refusal: Arc::new(std::sync::OnceLock::new()),
        };
        let metered = Metered {
            inner: body.into_data_stream(),
            seen: 0,
            framing: boundary(content_type).map(|b| Framing::new(&b)),
            meter: meter.clone(),
            done: false,
        };
        (Body::from_stream(metered), meter)
    }

    /// Why the body was cut, if it was.
    pub fn refusal(&self) -> Option<&OverLimit> {
        self.refusal.get()
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }
}

/// The boundary parameter of a multipart content type.
fn boundary(content_type: &str) -> Option<String> {
    let start = content_type.to_ascii_lowercase().find("boundary=")? + "boundary=".len();
    let value = content_type.get(start..)?.split(';').next()?.trim();
    let value = value.trim_matches('"');
    (!value.is_empty()).then(|| value.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Preamble,
    Headers,
    Data,
}

/// Follows a multipart body's framing: the bytes before the first boundary
/// and between a boundary and the end of its part's headers are counted.
struct Framing {
    first: Vec<u8>,
    delimiter: Vec<u8>,
    stage: Stage,
    seen: u64,
    carry: Vec<u8>,
}

impl Framing {
    fn new(boundary: &str) -> Self {
        Framing {
            first: format!("--{boundary}").into_bytes(),
            delimiter: format!("\r\n--{boundary}").into_bytes(),
            stage: Stage::Preamble,
            seen: 0,
            carry: Vec::new(),
        }
    }

    /// Takes the next chunk; `Err` when a capped stage runs too long.
    fn feed(&mut self, chunk: &[u8]) -> Result<(), OverLimit> {
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(chunk);
        let mut at = 0;
        loop {
            let (pattern, cap, next, refusal): (&[u8], u64, Stage, OverLimit) = match self.stage {
                Stage::Preamble => (
                    &self.first,
                    MAX_PREAMBLE,
                    Stage::Headers,
                    OverLimit::Preamble,
                ),
                Stage::Headers => (
                    b"\r\n\r\n",
                    MAX_PART_HEADERS,
                    Stage::Data,
                    OverLimit::PartHeaders,
                ),
                Stage::Data => (
                    &self.delimiter,
                    u64::MAX,
                    Stage::Headers,
                    OverLimit::Body(0),
                ),
            };
            let rest = &data[at..];
            match memchr::memmem::find(rest, pattern) {
                Some(i) => {
                    if self.seen.saturating_add(i as u64) > cap {
                        return Err(refusal);
                    }
                    at += i + pattern.len();
                    self.seen = 0;
                    self.stage = next;
                }
                None => {
                    // Keep what could be the start of the pattern.
                    let keep = rest.len().min(pattern.len() - 1);
                    self.seen = self.seen.saturating_add((rest.len() - keep) as u64);
                    if self.seen > cap {
                        return Err(refusal);
                    }
                    self.carry = rest[rest.len() - keep..].to_vec();
                    return Ok(());
                }
            }
        }
    }
}

struct Metered {
    inner: axum::body::BodyDataStream,
    seen: u64,
    framing: Option<Framing>,
    meter: Meter,
    done: bool,
}

impl Metered {
    fn refuse(&mut self, why: OverLimit) -> Poll<Option<Result<Bytes, axum::BoxError>>> {
        self.done = true;
        let why = self.meter.refusal.get_or_init(|| why).clone();
        Poll::Ready(Some(Err(Box::new(why))))
    }
}

impl Stream for Metered {
    type Item = Result<Bytes, axum::BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.inner.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                self.seen = self.seen.saturating_add(chunk.len() as u64);
                if self.seen > self.meter.limit {
                    let limit = self.meter.limit;
                    return self.refuse(OverLimit::Body(limit));
                }
                if let Some(framing) = self.framing.as_mut() {
                    if let Err(why) = framing.feed(&chunk) {
                        return self.refuse(why);
                    }
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                self.done = true;
                Poll::Ready(Some(Err(Box::new(e))))
            }
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Middleware of the small JSON routes: refuses a declared length over
/// `SMALL_BODY` before reading anything (the streaming limit is axum's
/// `DefaultBodyLimit`, set to the same figure).
pub async fn small_declared(request: Request, next: Next) -> Response {
    if let Err(e) = check_declared(request.headers(), SMALL_BODY) {
        let (_, body) = request.into_parts();
        drain_later(body.into_data_stream(), SMALL_BODY);
        return e.into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn chunks(sizes: &[usize]) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
        let chunks: Vec<_> = sizes
            .iter()
            .map(|&n| Ok(Bytes::from(vec![1u8; n])))
            .collect();
        futures::stream::iter(chunks)
    }

    #[tokio::test]
    async fn reading_stops_at_the_chunk_that_passes_the_limit() {
        let mut stream = chunks(&[10, 10, 10, 10]);
        let read = read_capped(&mut stream, 25, Some(1_000_000)).await;
        assert!(matches!(read, Err(Capped::TooLarge)));
        // The fourth chunk is still there to drain.
        assert_eq!(stream.count().await, 1);

        let mut stream = chunks(&[10, 10, 5]);
        let read = read_capped(&mut stream, 25, None).await;
        assert_eq!(read.map(|b| b.len()).ok(), Some(25));
    }

    #[test]
    fn a_declared_length_over_the_limit_is_refused_and_nonsense_is_left_to_the_stream() {
        let mut headers = HeaderMap::new();
        assert!(check_declared(&headers, 10).is_ok());
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("11"));
        assert!(check_declared(&headers, 10).is_err());
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from_static("10"));
        assert!(check_declared(&headers, 10).is_ok());
        headers.insert(
            header::CONTENT_LENGTH,
            HeaderValue::from_static("99999999999999999999999"),
        );
        assert!(check_declared(&headers, 10).is_ok(), "unreadable: streamed");
    }

    #[tokio::test]
    async fn the_meter_fails_the_body_past_its_limit() {
        let body = Body::from_stream(chunks(&[10, 10, 10]));
        let (body, meter) = Meter::wrap(body, 15, "multipart/form-data");
        let read = axum::body::to_bytes(body, usize::MAX).await;
        assert!(read.is_err());
        assert_eq!(meter.refusal(), Some(&OverLimit::Body(15)));

        let body = Body::from_stream(chunks(&[10, 5]));
        let (body, meter) = Meter::wrap(body, 15, "multipart/form-data");
        let read = axum::body::to_bytes(body, usize::MAX).await;
        assert_eq!(read.map(|b| b.len()).ok(), Some(15));
        assert_eq!(meter.refusal(), None);
    }

    fn feed_in_pieces(framing: &mut Framing, bytes: &[u8], piece: usize) -> Result<(), OverLimit> {
        bytes.chunks(piece).try_for_each(|c| framing.feed(c))
    }

    #[test]
    fn framing_follows_boundaries_split_across_chunks() {
        let form =
            "--XyZ\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ndemo\r\n--XyZ\r\n\
                    Content-Disposition: form-data; name=\"file\"\r\n\r\n";
        for piece in [1, 2, 3, 7, 1000] {
            let mut framing = Framing::new("XyZ");
            assert_eq!(feed_in_pieces(&mut framing, form.as_bytes(), piece), Ok(()));
            assert_eq!(framing.stage, Stage::Data, "pieces of {piece}");
            // File data is not capped.
            let file = vec![b'x'; 3 * MAX_PART_HEADERS as usize];
            assert_eq!(feed_in_pieces(&mut framing, &file, 4096), Ok(()));
        }
        assert_eq!(
            boundary("multipart/form-data; boundary=\"XyZ\"; x=1").as_deref(),
            Some("XyZ")
        );
        assert_eq!(boundary("multipart/form-data"), None);
    }

    #[test]
    fn framing_caps_the_preamble_and_part_headers() {
        let mut framing = Framing::new("XyZ");
        // Refused once past the cap by more than a boundary's length (the
        // last bytes might begin the boundary).
        let preamble = vec![b'p'; MAX_PREAMBLE as usize + 6];
        assert_eq!(
            feed_in_pieces(&mut framing, &preamble, 1000),
            Err(OverLimit::Preamble)
        );

        let mut framing = Framing::new("XyZ");
        let mut form = b"--XyZ\r\nX-Long: ".to_vec();
        form.resize(MAX_PART_HEADERS as usize + 100, b'h');
        assert_eq!(
            feed_in_pieces(&mut framing, &form, 1000),
            Err(OverLimit::PartHeaders)
        );

        // Exactly at the cap is fine.
        let mut framing = Framing::new("XyZ");
        let mut form = vec![b'p'; MAX_PREAMBLE as usize];
        form.extend_from_slice(b"--XyZ\r\n\r\n");
        assert_eq!(feed_in_pieces(&mut framing, &form, 999), Ok(()));
    }

    #[test]
    fn create_limits_leave_room_for_the_envelope_and_saturate() {
        let limits = CreateLimits::new(25 * 1024 * 1024, 10);
        assert_eq!(limits.json, 25 * 1024 * 1024 + 128 * 1024);
        assert_eq!(limits.multipart, 251 * 1024 * 1024);
        assert_eq!(CreateLimits::new(u64::MAX, 10).multipart, u64::MAX);
    }
}

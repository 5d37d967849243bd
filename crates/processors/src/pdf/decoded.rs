//! How many bytes a PDF's streams decode to, counted before any of them is
//! decoded for real. A few kilobytes of Flate inside Flate expand to
//! gigabytes, and the PDF crate decodes a stream whole, in memory, the
//! moment a page draws it. This pass decodes each Flate stream as a stream,
//! into nothing, and stops as soon as the document's total passes its limit,
//! so a decompression bomb costs a bounded amount of work and no memory.
//!
//! Images are not counted: the text reader never decodes them (a PDF of
//! large Flate-encoded pictures is not a bomb). Streams under other filters
//! count at their stored size: the PDF crate
//! does not expand them past what the parse process's memory limit allows,
//! which is the backstop for everything this pass does not see. It must only
//! count: reading the text is `extract`'s.

use std::io::{self, Read};

use pdf_extract::{Document, Object, Stream};

use super::extract::PdfError;

/// Filters applied one after the other that this pass follows; a longer
/// chain is itself a sign of a hostile file.
const MAX_FILTERS: usize = 4;

/// The total decoded size of the document's streams, or `TooLarge` once it
/// passes `limit` (`TooComplex` for a chain of filters too long to follow).
pub(crate) fn decoded_size(doc: &Document, limit: u64) -> Result<u64, PdfError> {
    let mut total: u64 = 0;
    for object in doc.objects.values() {
        let Object::Stream(stream) = object else {
            continue;
        };
        if is_image(stream) {
            continue;
        }
        let left = limit.saturating_sub(total);
        total = total.saturating_add(stream_size(stream, left)?);
        if total > limit {
            return Err(PdfError::TooLarge(format!(
                "its streams decode to more than the limit of {limit} bytes"
            )));
        }
    }
    Ok(total)
}

/// The decoded size of one stream, counted up to `cap + 1` bytes.
fn stream_size(stream: &Stream, cap: u64) -> Result<u64, PdfError> {
    let filters = filters(stream);
    if filters.len() > MAX_FILTERS {
        return Err(PdfError::TooComplex(format!(
            "a stream is encoded {} times over",
            filters.len()
        )));
    }
    let raw = stream.content.len() as u64;
    if filters.is_empty() || !filters.iter().all(|f| is_flate(f)) {
        return Ok(raw);
    }
    let mut reader: Box<dyn Read + '_> = Box::new(stream.content.as_slice());
    for _ in &filters {
        reader = Box::new(flate2::read::ZlibDecoder::new(reader));
    }
    // A damaged stream counts for what decoded before the damage; the PDF
    // crate reports the damage itself when a page needs the stream.
    let mut counted = CountingSink::default();
    let _ = io::copy(&mut reader.take(cap.saturating_add(1)), &mut counted);
    Ok(counted.0.max(raw.min(cap.saturating_add(1))))
}

fn filters(stream: &Stream) -> Vec<&[u8]> {
    match stream.dict.get(b"Filter") {
        Ok(Object::Name(name)) => vec![name.as_slice()],
        Ok(Object::Array(items)) => items
            .iter()
            .map(|item| match item {
                Object::Name(name) => name.as_slice(),
                _ => b"?".as_slice(),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn is_image(stream: &Stream) -> bool {
    matches!(stream.dict.get(b"Subtype"), Ok(Object::Name(name)) if name == b"Image")
}

fn is_flate(filter: &[u8]) -> bool {
    filter == b"FlateDecode" || filter == b"Fl"
}

#[derive(Default)]
struct CountingSink(u64);

impl io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::ZlibEncoder;
    use flate2::Compression;
    use pdf_extract::{dictionary, Object, Stream};

    use super::*;

    fn deflate(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(bytes).expect("deflate");
        encoder.finish().expect("deflate")
    }

    fn doc_with(streams: Vec<Stream>) -> Document {
        let mut doc = Document::with_version("1.5");
        for stream in streams {
            doc.add_object(Object::Stream(stream));
        }
        doc
    }

    fn flate_stream(content: Vec<u8>, layers: usize) -> Stream {
        let filter = match layers {
            1 => Object::Name(b"FlateDecode".to_vec()),
            n => Object::Array(vec![Object::Name(b"FlateDecode".to_vec()); n]),
        };
        Stream::new(dictionary! { "Filter" => filter }, content)
    }

    #[test]
    fn plain_and_flate_streams_count_their_decoded_bytes() {
        let doc = doc_with(vec![
            Stream::new(dictionary! {}, vec![b'x'; 100]),
            flate_stream(deflate(&[b' '; 10_000]), 1),
        ]);
        assert_eq!(decoded_size(&doc, 1 << 20), Ok(10_100));
    }

    #[test]
    fn flate_inside_flate_is_stopped_at_the_limit() {
        let inner = deflate(&vec![0u8; 64 << 20]);
        let doc = doc_with(vec![flate_stream(deflate(&inner), 2)]);
        let error = decoded_size(&doc, 1 << 20).expect_err("over the limit");
        assert_eq!(error.code(), "input_too_large");
    }

    #[test]
    fn the_limit_is_for_the_whole_document() {
        let streams = (0..4)
            .map(|_| flate_stream(deflate(&[b'a'; 300_000]), 1))
            .collect();
        let doc = doc_with(streams);
        assert!(decoded_size(&doc, 1_000_000).is_err());
        assert_eq!(decoded_size(&doc, 1_200_000), Ok(1_200_000));
    }

    #[test]
    fn images_are_not_counted() {
        let mut image = flate_stream(deflate(&vec![0u8; 4 << 20]), 1);
        image.dict.set("Subtype", Object::Name(b"Image".to_vec()));
        let doc = doc_with(vec![image, Stream::new(dictionary! {}, vec![b'x'; 10])]);
        assert_eq!(decoded_size(&doc, 1 << 20), Ok(10));
    }

    #[test]
    fn a_long_chain_of_filters_is_refused() {
        let doc = doc_with(vec![flate_stream(vec![1, 2, 3], 9)]);
        let error = decoded_size(&doc, 1 << 20).expect_err("too many filters");
        assert_eq!(error.code(), "pdf_too_complex");
    }

    #[test]
    fn a_damaged_flate_stream_counts_what_it_holds() {
        let doc = doc_with(vec![flate_stream(vec![0xde, 0xad, 0xbe, 0xef], 1)]);
        assert_eq!(decoded_size(&doc, 1 << 20), Ok(4));
    }
}

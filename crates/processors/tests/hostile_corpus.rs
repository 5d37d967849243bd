//! Proves that each file of the hostile corpus (`common/hostile.rs`) is what
//! it claims to be: the bomb really decodes to 2 GiB, the cycles really cycle,
//! the tree really is 50 000 levels deep. The checks use `lopdf`'s parser (an
//! object graph, no page walk), `flate2` and raw bytes — never the readers
//! under test, so a reader that survives a file cannot make it look harmless.

mod common;

use std::collections::{BTreeSet, HashSet};
use std::io::{self, BufRead, Read, Write};
use std::time::Instant;

use common::hostile;
use flate2::read::ZlibDecoder;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

const KIB: usize = 1 << 10;
const MIB: usize = 1 << 20;
const GIB: u64 = 1 << 30;

/// The most bytes each file may take.
fn size_bound(name: &str) -> usize {
    match name {
        "decompression_bomb" => 64 * KIB,
        "enormous_content_stream" => 2 * MIB,
        "huge_text" => MIB,
        "deep_page_tree" => 8 * MIB,
        "many_tiny_pages" => 16 * MIB,
        _ => 4 * KIB,
    }
}

#[test]
fn every_file_is_a_pdf_within_its_size_bound() {
    let start = Instant::now();
    let corpus = hostile::corpus();
    println!("corpus() built in {:?}", start.elapsed());
    assert_eq!(corpus.len(), 10);
    let names: HashSet<_> = corpus.iter().map(|h| h.name).collect();
    assert_eq!(names.len(), corpus.len(), "names are unique");
    for file in &corpus {
        println!(
            "{:32} {:>10} bytes  {}",
            file.name,
            file.bytes.len(),
            file.attack
        );
        assert!(
            file.bytes.starts_with(b"%PDF-"),
            "{} has no PDF header",
            file.name
        );
        assert!(
            file.bytes.len() <= size_bound(file.name),
            "{} is {} bytes, over its bound of {}",
            file.name,
            file.bytes.len(),
            size_bound(file.name)
        );
        assert!(
            !file.attack.is_empty(),
            "{} says what it attacks",
            file.name
        );
    }
}

#[test]
fn decompression_bomb_decodes_to_two_gib_of_spaces() {
    let bytes = hostile::decompression_bomb();
    let doc = load(&bytes);
    let content = page_content(&doc, only_page(&doc));
    let filters: Vec<&[u8]> = content
        .dict
        .get(b"Filter")
        .and_then(Object::as_array)
        .expect("a /Filter array")
        .iter()
        .map(|f| f.as_name().expect("a filter name"))
        .collect();
    assert_eq!(filters, [b"FlateDecode", b"FlateDecode"]);

    let mut decoded = ZlibDecoder::new(ZlibDecoder::new(&content.content[..])).take(3 * GIB);
    let len = io::copy(&mut decoded, &mut Repeats::of(b" "))
        .expect("both Flate layers decode, to spaces only");
    assert!(len >= 2 * GIB, "decodes to only {len} bytes");
}

#[test]
fn enormous_content_stream_decodes_to_200_mib_without_text() {
    let bytes = hostile::enormous_content_stream();
    let doc = load(&bytes);
    let page = only_page(&doc);
    let content = page_content(&doc, page);
    assert_eq!(
        content
            .dict
            .get(b"Filter")
            .and_then(Object::as_name)
            .expect("a /Filter"),
        b"FlateDecode"
    );
    let mut first_line = Vec::new();
    io::BufReader::new(ZlibDecoder::new(&content.content[..]))
        .take(1024)
        .read_until(b'\n', &mut first_line)
        .expect("the Flate stream decodes");
    // Every text operator (BT, Tj, TJ, ', ") and string holds one of these.
    assert!(
        !first_line.iter().any(|b| b"T'\"(<".contains(b)),
        "no text in {:?}",
        String::from_utf8_lossy(&first_line)
    );
    let mut decoded = ZlibDecoder::new(&content.content[..]).take(GIB);
    let len = io::copy(&mut decoded, &mut Repeats::of(&first_line))
        .expect("the Flate stream decodes, to its first line repeated");
    assert!(len >= 150 * MIB as u64, "decodes to only {len} bytes");
    let fonts = resources(&doc, page).get(b"Font");
    assert!(fonts.is_err(), "the page has no font");
}

#[test]
fn many_tiny_pages_has_100_000_pages_sharing_one_content_stream() {
    let bytes = hostile::many_tiny_pages(100_000);
    let doc = load(&bytes);
    let pages = doc.get_pages();
    assert_eq!(pages.len(), 100_000);

    let contents: BTreeSet<ObjectId> = pages
        .values()
        .map(|&page| {
            doc.get_dictionary(page)
                .and_then(|page| page.get(b"Contents"))
                .and_then(Object::as_reference)
                .expect("a page's /Contents reference")
        })
        .collect();
    assert_eq!(contents.len(), 1, "every page shares one content stream");

    let root = doc
        .get_dictionary(pages_root(&doc))
        .expect("the root /Pages node");
    assert_eq!(count(root), 100_000);
    // Every /Pages node: at most 100 kids, and a /Count that adds up.
    for object in doc.objects.values() {
        let Ok(node) = object.as_dict() else { continue };
        if type_name(node) != Some(b"Pages") {
            continue;
        }
        let kids = kids(node);
        assert!(kids.len() <= 100, "a node has {} kids", kids.len());
        let sum: i64 = kids
            .iter()
            .map(|&kid| {
                let kid = doc.get_dictionary(kid).expect("a kid dictionary");
                match type_name(kid) {
                    Some(b"Pages") => count(kid),
                    _ => 1,
                }
            })
            .sum();
        assert_eq!(count(node), sum, "a node's /Count is the sum of its kids'");
    }
}

#[test]
fn huge_text_draws_100_kb_of_text_1000_times() {
    let bytes = hostile::huge_text();
    let doc = load(&bytes);
    let page = only_page(&doc);
    let (_, form) = xobject(&doc, resources(&doc, page), b"T");
    assert_eq!(
        form.dict
            .get(b"Filter")
            .and_then(Object::as_name)
            .expect("a /Filter"),
        b"FlateDecode"
    );
    let mut text = Vec::new();
    ZlibDecoder::new(&form.content[..])
        .read_to_end(&mut text)
        .expect("the XObject decodes");
    assert!(
        text.len() < MIB,
        "the XObject decodes to {} bytes",
        text.len()
    );
    assert!(
        in_parentheses(&text) >= 90_000,
        "the XObject shows only {} bytes of text",
        in_parentheses(&text)
    );

    let content = page_content(&doc, page);
    assert!(
        content.dict.get(b"Filter").is_err(),
        "the page content is plain"
    );
    assert!(content.content.len() < 64 * KIB);
    let draws = content.content.windows(5).filter(|w| w == b"/T Do").count();
    assert!(draws >= 1000, "the page draws the XObject {draws} times");
}

#[test]
fn truncated_xref_stops_inside_its_xref_table() {
    let bytes = hostile::truncated_xref();
    assert!(contains(&bytes, b"xref"));
    assert!(!contains(&bytes, b"%%EOF"));
    assert!(!contains(&bytes, b"trailer"));
    assert!(!contains(&bytes, b"startxref"));
    assert!(contains(&bytes, b"(Hello) Tj"), "the page is still there");
}

#[test]
fn self_drawing_xobject_names_itself_in_its_own_resources() {
    let bytes = hostile::self_drawing_xobject();
    let doc = load(&bytes);
    let page = only_page(&doc);
    assert!(contains(&page_content(&doc, page).content, b"/X0 Do"));
    let (id, form) = xobject(&doc, resources(&doc, page), b"X0");
    assert_eq!(
        form.dict.get(b"Subtype").and_then(Object::as_name).ok(),
        Some(&b"Form"[..])
    );
    assert!(contains(&form.content, b"/X0 Do"));
    let (inner, _) = xobject(&doc, form_resources(&doc, form), b"X0");
    assert_eq!(inner, id, "/X0's /X0 is /X0");
}

#[test]
fn mutually_recursive_xobjects_draw_each_other() {
    let bytes = hostile::mutually_recursive_xobjects();
    let doc = load(&bytes);
    let page = only_page(&doc);
    assert!(contains(&page_content(&doc, page).content, b"/A Do"));
    let (a, form_a) = xobject(&doc, resources(&doc, page), b"A");
    assert!(contains(&form_a.content, b"/B Do"));
    let (b, form_b) = xobject(&doc, form_resources(&doc, form_a), b"B");
    assert!(contains(&form_b.content, b"/A Do"));
    let (back, _) = xobject(&doc, form_resources(&doc, form_b), b"A");
    assert_ne!(a, b);
    assert_eq!(back, a, "/B's /A is the page's /A");
}

#[test]
fn deep_page_tree_nests_50_000_pages_nodes() {
    let bytes = hostile::deep_page_tree();
    let doc = load(&bytes);
    let mut node = pages_root(&doc);
    let mut depth = 0;
    loop {
        let dict = doc.get_dictionary(node).expect("a page-tree node");
        match type_name(dict) {
            Some(b"Pages") => {
                depth += 1;
                assert!(depth <= 1_000_000, "the chain does not end");
                let kids = kids(dict);
                assert_eq!(kids.len(), 1, "a chain, one kid per node");
                assert_eq!(count(dict), 1);
                node = kids[0];
            }
            Some(b"Page") => break,
            other => panic!("unexpected node type {other:?}"),
        }
    }
    assert!(depth >= 50_000, "only {depth} /Pages nodes");
    let page = doc.get_dictionary(node).expect("the page");
    assert!(contains(&page_content(&doc, page).content, b"(Hello) Tj"));
}

#[test]
fn cyclic_page_tree_leads_back_to_its_root() {
    let bytes = hostile::cyclic_page_tree();
    let doc = load(&bytes);
    let root = pages_root(&doc);
    let mut visited = HashSet::new();
    let mut queue = vec![root];
    let mut pages = 0;
    let mut back_to_visited = Vec::new();
    while let Some(node) = queue.pop() {
        if !visited.insert(node) {
            back_to_visited.push(node);
            continue;
        }
        let dict = doc.get_dictionary(node).expect("a page-tree node");
        match type_name(dict) {
            Some(b"Pages") => queue.extend(kids(dict)),
            Some(b"Page") => pages += 1,
            other => panic!("unexpected node type {other:?}"),
        }
    }
    assert_eq!(pages, 1);
    assert_eq!(
        back_to_visited,
        [root],
        "a /Kids entry leads back to the root"
    );
}

#[test]
fn self_referencing_object_stream_is_said_to_live_inside_itself() {
    let bytes = hostile::self_referencing_object_stream();
    assert!(bytes.starts_with(b"%PDF-1.5"));

    // The object stream: "K 0 obj << /Type /ObjStm ... >> stream\nK 0 K 0 R".
    let at = find(&bytes, b"/Type /ObjStm").expect("an object stream");
    let obj_stm: u32 = object_number_before(&bytes, at);
    let data = stream_data(&bytes, at);
    let expected = format!("{obj_stm} 0 {obj_stm} 0 R");
    assert!(
        data.starts_with(expected.as_bytes()),
        "the object stream holds object {obj_stm} = {obj_stm} 0 R: {:?}",
        String::from_utf8_lossy(data)
    );

    // startxref points at an uncompressed cross-reference stream, /W [1 4 2].
    let tail = &bytes[find(&bytes, b"startxref").expect("startxref") + 9..];
    let xref_at: usize = std::str::from_utf8(tail)
        .expect("ASCII tail")
        .split_whitespace()
        .next()
        .and_then(|offset| offset.parse().ok())
        .expect("a startxref offset");
    let dict_end = find(&bytes[xref_at..], b"stream").expect("the xref stream") + xref_at;
    let dict = &bytes[xref_at..dict_end];
    assert!(contains(dict, b"/Type /XRef"));
    assert!(contains(dict, b"/W [1 4 2]"));
    assert!(!contains(dict, b"/Filter"));
    let rows = stream_data(&bytes, xref_at);
    let row = &rows[obj_stm as usize * 7..][..7];
    assert_eq!(row[0], 2, "object {obj_stm} is said to be compressed");
    let container = u32::from_be_bytes([row[1], row[2], row[3], row[4]]);
    assert_eq!(container, obj_stm, "inside object stream {obj_stm}: itself");

    // And the page's /Resources is that object.
    assert!(contains(
        &bytes,
        format!("/Resources {obj_stm} 0 R").as_bytes()
    ));
}

/// A sink that accepts only `unit` repeated, and fails on the first byte
/// that breaks the pattern. It compares whole buffers (memcmp), not bytes one
/// by one, so that checking gigabytes stays fast in a debug build.
struct Repeats {
    unit_len: usize,
    /// `unit` repeated, a little over 64 KiB.
    pattern: Vec<u8>,
    written: usize,
}

impl Repeats {
    fn of(unit: &[u8]) -> Self {
        assert!(!unit.is_empty());
        Self {
            unit_len: unit.len(),
            pattern: unit.repeat((64 * KIB).div_ceil(unit.len()) + 1),
            written: 0,
        }
    }
}

impl Write for Repeats {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for piece in buf.chunks(64 * KIB) {
            let phase = self.written % self.unit_len;
            if piece != &self.pattern[phase..phase + piece.len()] {
                return Err(io::Error::other(format!(
                    "the pattern breaks within bytes {}..{}",
                    self.written,
                    self.written + piece.len()
                )));
            }
            self.written += piece.len();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn load(bytes: &[u8]) -> Document {
    Document::load_mem(bytes).expect("lopdf parses the file")
}

/// The root of the page tree, from the catalog; no walk.
fn pages_root(doc: &Document) -> ObjectId {
    doc.catalog()
        .and_then(|catalog| catalog.get(b"Pages"))
        .and_then(Object::as_reference)
        .expect("the catalog's /Pages")
}

/// The one page of a one-page file whose root /Pages holds it directly.
fn only_page(doc: &Document) -> &Dictionary {
    let root = doc
        .get_dictionary(pages_root(doc))
        .expect("the root /Pages");
    let kids = kids(root);
    assert_eq!(kids.len(), 1, "one page");
    doc.get_dictionary(kids[0]).expect("the page")
}

fn page_content<'a>(doc: &'a Document, page: &Dictionary) -> &'a Stream {
    let id = page
        .get(b"Contents")
        .and_then(Object::as_reference)
        .expect("one /Contents reference");
    doc.get_object(id)
        .and_then(Object::as_stream)
        .expect("a content stream")
}

fn resources<'a>(doc: &'a Document, page: &'a Dictionary) -> &'a Dictionary {
    let object = page.get(b"Resources").expect("page /Resources");
    doc.dereference(object)
        .and_then(|(_, object)| object.as_dict())
        .expect("a /Resources dictionary")
}

fn form_resources<'a>(doc: &'a Document, form: &'a Stream) -> &'a Dictionary {
    resources(doc, &form.dict)
}

/// The XObject `name` in `resources`, by reference.
fn xobject<'a>(doc: &'a Document, resources: &Dictionary, name: &[u8]) -> (ObjectId, &'a Stream) {
    let id = resources
        .get(b"XObject")
        .and_then(Object::as_dict)
        .and_then(|xobjects| xobjects.get(name))
        .and_then(Object::as_reference)
        .expect("an /XObject reference");
    let stream = doc
        .get_object(id)
        .and_then(Object::as_stream)
        .expect("an XObject stream");
    (id, stream)
}

fn type_name(dict: &Dictionary) -> Option<&[u8]> {
    dict.get(b"Type").and_then(Object::as_name).ok()
}

fn kids(node: &Dictionary) -> Vec<ObjectId> {
    node.get(b"Kids")
        .and_then(Object::as_array)
        .expect("a /Kids array")
        .iter()
        .map(|kid| kid.as_reference().expect("a kid reference"))
        .collect()
}

fn count(node: &Dictionary) -> i64 {
    node.get(b"Count")
        .and_then(Object::as_i64)
        .expect("a /Count")
}

/// How many bytes sit between `(` and `)` (the files use no escapes).
fn in_parentheses(content: &[u8]) -> usize {
    let mut inside = false;
    let mut n = 0;
    for &b in content {
        match b {
            b'(' => inside = true,
            b')' => inside = false,
            _ if inside => n += 1,
            _ => {}
        }
    }
    n
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

/// The number N of the `N 0 obj` that last starts before `at`.
fn object_number_before(bytes: &[u8], at: usize) -> u32 {
    let before = &bytes[..at];
    let obj = before
        .windows(4)
        .rposition(|w| w == b" obj")
        .expect("an object header");
    let line = before[..obj]
        .rsplit(|&b| b == b'\n')
        .next()
        .expect("a header line");
    std::str::from_utf8(line)
        .ok()
        .and_then(|line| line.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("an object number")
}

/// The data of the first stream after `at`, by its /Length.
fn stream_data(bytes: &[u8], at: usize) -> &[u8] {
    let rest = &bytes[at..];
    let digits = &rest[find(rest, b"/Length ").expect("a /Length") + 8..];
    let end = digits
        .iter()
        .position(|b| !b.is_ascii_digit())
        .expect("a /Length value");
    let length: usize = std::str::from_utf8(&digits[..end])
        .ok()
        .and_then(|n| n.parse().ok())
        .expect("a numeric /Length");
    let start = find(rest, b"stream\n").expect("stream keyword") + 7;
    &rest[start..start + length]
}

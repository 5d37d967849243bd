//! Writes hostile PDF files for the tests: files built to make a naive reader
//! recurse forever, loop, exhaust memory or run for minutes. They are
//! generated at test time so that no binary fixture has to be kept in the
//! repository, and so that each attack is readable here, in source.
//!
//! The bytes are written by hand with a tiny object writer, not with `lopdf`:
//! a PDF library refuses (or repairs) most of these shapes, and the same file
//! is included by the root package's tests with `#[path]`, so it depends on
//! nothing but `std` and `flate2` and on nothing else in `common`.
//!
//! It must stay a writer: reading PDFs is the job of the code under test, and
//! proving that each file is what it claims is the job of
//! `tests/hostile_corpus.rs`.

// Each test binary uses a different subset of these files.
#![allow(dead_code)]

use std::fmt::Display;
use std::io::Write;

use flate2::write::{DeflateEncoder, ZlibEncoder};
use flate2::Compression;

/// One hostile file and what it attacks.
pub struct Hostile {
    /// Short snake_case name, used in test names/messages.
    pub name: &'static str,
    /// The whole file.
    pub bytes: Vec<u8>,
    /// What the attack is, one line.
    pub attack: &'static str,
}

/// Every hostile file, in a fixed order.
pub fn corpus() -> Vec<Hostile> {
    vec![
        Hostile {
            name: "self_drawing_xobject",
            bytes: self_drawing_xobject(),
            attack: "a Form XObject whose content draws itself: infinite recursion",
        },
        Hostile {
            name: "mutually_recursive_xobjects",
            bytes: mutually_recursive_xobjects(),
            attack: "Form XObject /A draws /B and /B draws /A: infinite recursion",
        },
        Hostile {
            name: "deep_page_tree",
            bytes: deep_page_tree(),
            attack: "50 000 nested /Pages nodes above one page: stack overflow in a recursive walk",
        },
        Hostile {
            name: "cyclic_page_tree",
            bytes: cyclic_page_tree(),
            attack: "a /Pages node whose /Kids points back to the root: endless page-tree walk",
        },
        Hostile {
            name: "decompression_bomb",
            bytes: decompression_bomb(),
            attack: "a content stream under 64 KiB that decodes (Flate twice) to 2 GiB",
        },
        Hostile {
            name: "enormous_content_stream",
            bytes: enormous_content_stream(),
            attack: "200 MiB of drawing operators and no text: CPU and memory, nothing to find",
        },
        Hostile {
            name: "self_referencing_object_stream",
            bytes: self_referencing_object_stream(),
            attack:
                "an object stream whose xref entry says it lives inside itself: resolution loop",
        },
        Hostile {
            name: "truncated_xref",
            bytes: truncated_xref(),
            attack: "a one-page PDF cut halfway through its xref table, no trailer, no %%EOF",
        },
        Hostile {
            name: "many_tiny_pages",
            bytes: many_tiny_pages(100_000),
            attack: "100 000 pages sharing one tiny content stream: per-page overhead",
        },
        Hostile {
            name: "huge_text",
            bytes: huge_text(),
            attack: "a 100 KB text XObject drawn 1 000 times: 100 MB of text from a small file",
        },
    ]
}

/// The standard font every text-bearing file uses, so that a real extractor
/// finds text without embedded font programs.
const FONT: &str =
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";
/// A4 in points.
const MEDIA_BOX: &str = "[0 0 595 842]";
/// The text most pages carry, so that a reader that survives has something to find.
const HELLO: &[u8] = b"BT /F1 10 Tf 56 800 Td (Hello) Tj ET\n";

/// How many /Pages nodes `deep_page_tree` nests.
const DEEP_PAGE_TREE_DEPTH: usize = 50_000;
/// What `decompression_bomb`'s content stream decodes to, in bytes.
const BOMB_DECODED: usize = 2 << 30;
/// What `enormous_content_stream`'s content stream decodes to, about.
const ENORMOUS_DECODED: usize = 200 << 20;
/// Lines of text in `huge_text`'s XObject, and times the page draws it.
const HUGE_TEXT_LINES: usize = 1_000;
const HUGE_TEXT_DRAWS: usize = 1_000;
/// At most this many kids per intermediate node in `many_tiny_pages`.
const MAX_KIDS: usize = 100;

/// A Form XObject /X0 whose content stream is `/X0 Do` and whose own
/// /Resources name itself as /X0; the page draws /X0. A reader that follows
/// `Do` without a depth limit or a visited set recurses forever.
pub fn self_drawing_xobject() -> Vec<u8> {
    let mut w = Writer::new("1.4");
    w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    w.obj(
        3,
        format_args!(
            "<< /Type /Page /Parent 2 0 R /MediaBox {MEDIA_BOX} /Resources << /Font << /F1 {FONT} >> /XObject << /X0 5 0 R >> >> /Contents 4 0 R >>"
        ),
    );
    w.stream(4, "", &[HELLO, b"/X0 Do\n"].concat());
    w.stream(
        5,
        format_args!(
            "/Type /XObject /Subtype /Form /BBox {MEDIA_BOX} /Resources << /XObject << /X0 5 0 R >> >>"
        ),
        b"/X0 Do\n",
    );
    w.finish(1)
}

/// Form XObject /A draws /B and /B draws /A, each Form's /Resources pointing
/// to the other; the page draws /A.
pub fn mutually_recursive_xobjects() -> Vec<u8> {
    let mut w = Writer::new("1.4");
    w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    w.obj(
        3,
        format_args!(
            "<< /Type /Page /Parent 2 0 R /MediaBox {MEDIA_BOX} /Resources << /Font << /F1 {FONT} >> /XObject << /A 5 0 R >> >> /Contents 4 0 R >>"
        ),
    );
    w.stream(4, "", &[HELLO, b"/A Do\n"].concat());
    w.stream(
        5,
        format_args!(
            "/Type /XObject /Subtype /Form /BBox {MEDIA_BOX} /Resources << /XObject << /B 6 0 R >> >>"
        ),
        b"/B Do\n",
    );
    w.stream(
        6,
        format_args!(
            "/Type /XObject /Subtype /Form /BBox {MEDIA_BOX} /Resources << /XObject << /A 5 0 R >> >>"
        ),
        b"/A Do\n",
    );
    w.finish(1)
}

/// A chain of 50 000 nested /Pages nodes, each with `/Kids [next]` and
/// `/Count 1`, ending in one real page with text. A recursive page-tree walk
/// overflows the stack.
pub fn deep_page_tree() -> Vec<u8> {
    let mut w = Writer::new("1.4");
    let first = 2;
    let page = first + DEEP_PAGE_TREE_DEPTH;
    let content = page + 1;
    w.obj(1, format_args!("<< /Type /Catalog /Pages {first} 0 R >>"));
    for id in first..page {
        w.begin(id);
        write!(w.out, "<< /Type /Pages /Kids [{} 0 R] /Count 1", id + 1).expect("write to Vec");
        if id > first {
            write!(w.out, " /Parent {} 0 R", id - 1).expect("write to Vec");
        }
        w.out.extend_from_slice(b" >>");
        w.end();
    }
    w.obj(
        page,
        format_args!(
            "<< /Type /Page /Parent {} 0 R /MediaBox {MEDIA_BOX} /Resources << /Font << /F1 {FONT} >> >> /Contents {content} 0 R >>",
            page - 1
        ),
    );
    w.stream(content, "", HELLO);
    w.finish(1)
}

/// A root /Pages node whose /Kids holds one real page and a /Pages node whose
/// /Kids points back to the root. A walk without a visited set never ends.
pub fn cyclic_page_tree() -> Vec<u8> {
    let mut w = Writer::new("1.4");
    w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    w.obj(2, "<< /Type /Pages /Kids [4 0 R 3 0 R] /Count 1 >>");
    w.obj(3, "<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>");
    w.obj(
        4,
        format_args!(
            "<< /Type /Page /Parent 2 0 R /MediaBox {MEDIA_BOX} /Resources << /Font << /F1 {FONT} >> >> /Contents 5 0 R >>"
        ),
    );
    w.stream(5, "", HELLO);
    w.finish(1)
}

/// One page whose content stream, filtered `[/FlateDecode /FlateDecode]`,
/// decodes to 2 GiB of spaces, while the whole file stays under 64 KiB. The
/// inner layer repeats one compressed MiB (see `zlib_repeated`) and is
/// streamed into the outer encoder: nothing near 2 GiB is ever in memory.
pub fn decompression_bomb() -> Vec<u8> {
    let chunk = vec![b' '; 1 << 20];
    let mut outer = ZlibEncoder::new(Vec::new(), Compression::best());
    zlib_repeated(&chunk, BOMB_DECODED / chunk.len(), &mut outer).expect("compress into a Vec");
    let raw = outer.finish().expect("finish the outer Flate layer");

    let mut w = Writer::new("1.4");
    w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    w.obj(
        3,
        format_args!(
            "<< /Type /Page /Parent 2 0 R /MediaBox {MEDIA_BOX} /Resources << /Font << /F1 {FONT} >> >> /Contents 4 0 R >>"
        ),
    );
    w.stream(4, "/Filter [/FlateDecode /FlateDecode]", &raw);
    w.finish(1)
}

/// One page whose single FlateDecode content stream decodes to about 200 MiB
/// of line-drawing operators and no text at all; the file is under 2 MiB.
pub fn enormous_content_stream() -> Vec<u8> {
    const LINE: &[u8] = b"0 0 m 1 1 l S\n";
    let chunk = LINE.repeat((1 << 20) / LINE.len());
    let mut raw = Vec::new();
    zlib_repeated(&chunk, ENORMOUS_DECODED / chunk.len(), &mut raw).expect("compress into a Vec");

    let mut w = Writer::new("1.4");
    w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    w.obj(
        3,
        format_args!(
            "<< /Type /Page /Parent 2 0 R /MediaBox {MEDIA_BOX} /Resources << >> /Contents 4 0 R >>"
        ),
    );
    w.stream(4, "/Filter /FlateDecode", &raw);
    w.finish(1)
}

/// A PDF 1.5 file with a cross-reference stream. Object 5 is an object stream
/// (`/Type /ObjStm /N 1`) whose one object is object 5 itself, holding
/// `5 0 R`; the xref stream's entry for object 5 is of type 2, "inside object
/// stream 5". The page's /Resources is `5 0 R`, so resolving it loops: to read
/// object 5, open object stream 5, which is object 5.
pub fn self_referencing_object_stream() -> Vec<u8> {
    const OBJ_STM: usize = 5;
    const XREF: usize = 6;
    let mut w = Writer::new("1.5");
    w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    w.obj(
        3,
        format_args!(
            "<< /Type /Page /Parent 2 0 R /MediaBox {MEDIA_BOX} /Resources {OBJ_STM} 0 R /Contents 4 0 R >>"
        ),
    );
    w.stream(4, "", HELLO);
    let header = format!("{OBJ_STM} 0 ");
    let body = format!("{header}{OBJ_STM} 0 R\n");
    w.stream(
        OBJ_STM,
        format_args!("/Type /ObjStm /N 1 /First {}", header.len()),
        body.as_bytes(),
    );

    // The cross-reference stream: /W [1 4 2], one row per object 0..=XREF.
    let xref_offset = w.out.len();
    let mut rows = Vec::with_capacity((XREF + 1) * 7);
    let mut row = |kind: u8, field2: usize, field3: u16| {
        rows.push(kind);
        let field2 = u32::try_from(field2).expect("offset fits in 4 bytes");
        rows.extend_from_slice(&field2.to_be_bytes());
        rows.extend_from_slice(&field3.to_be_bytes());
    };
    row(0, 0, 0xffff);
    for id in 1..OBJ_STM {
        row(1, w.offsets[id], 0);
    }
    row(2, OBJ_STM, 0);
    row(1, xref_offset, 0);
    w.stream(
        XREF,
        format_args!("/Type /XRef /Size {} /W [1 4 2] /Root 1 0 R", XREF + 1),
        &rows,
    );
    write!(w.out, "startxref\n{xref_offset}\n%%EOF\n").expect("write to Vec");
    w.out
}

/// A valid one-page text PDF cut in the middle of its xref table: everything
/// from halfway through the xref section on (the rest of the table, the
/// trailer, `startxref` and `%%EOF`) is gone.
pub fn truncated_xref() -> Vec<u8> {
    let mut w = Writer::new("1.4");
    w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    w.obj(
        3,
        format_args!(
            "<< /Type /Page /Parent 2 0 R /MediaBox {MEDIA_BOX} /Resources << /Font << /F1 {FONT} >> >> /Contents 4 0 R >>"
        ),
    );
    w.stream(4, "", HELLO);
    let xref = w.xref_table();
    let trailer = w.out.len();
    let mut bytes = w.finish_trailer(1, xref);
    bytes.truncate(xref + (trailer - xref) / 2);
    bytes
}

/// `n` pages in a balanced page tree (intermediate /Pages nodes of at most
/// 100 kids, each with its correct /Count), every page sharing one small
/// content stream `BT /F1 1 Tf 0 0 Td (x) Tj ET` and one font.
pub fn many_tiny_pages(n: usize) -> Vec<u8> {
    const FONT_ID: usize = 2;
    const RESOURCES: usize = 3;
    const CONTENT: usize = 4;
    const FIRST_PAGE: usize = 5;

    // Level 0 is the pages; level k + 1 groups level k by MAX_KIDS, until one
    // node, the root, is left. Each level's ids are contiguous.
    struct Level {
        first_id: usize,
        len: usize,
        /// How many pages one full node of this level covers.
        span: usize,
    }
    let mut levels = vec![Level {
        first_id: FIRST_PAGE,
        len: n,
        span: 1,
    }];
    loop {
        let below = levels.last().expect("level 0 exists");
        if levels.len() > 1 && below.len == 1 {
            break;
        }
        levels.push(Level {
            first_id: below.first_id + below.len,
            len: below.len.div_ceil(MAX_KIDS).max(1),
            span: below.span * MAX_KIDS,
        });
    }
    let root = levels.last().expect("a root level").first_id;
    let parent =
        |level: usize, index: usize| -> usize { levels[level + 1].first_id + index / MAX_KIDS };

    let mut w = Writer::new("1.4");
    w.out.reserve(n * 120 + (n + 10) * 20);
    w.obj(1, format_args!("<< /Type /Catalog /Pages {root} 0 R >>"));
    w.obj(FONT_ID, FONT);
    w.obj(
        RESOURCES,
        format_args!("<< /Font << /F1 {FONT_ID} 0 R >> >>"),
    );
    w.stream(CONTENT, "", b"BT /F1 1 Tf 0 0 Td (x) Tj ET");
    for index in 0..n {
        w.obj(
            FIRST_PAGE + index,
            format_args!(
                "<< /Type /Page /Parent {} 0 R /MediaBox {MEDIA_BOX} /Resources {RESOURCES} 0 R /Contents {CONTENT} 0 R >>",
                parent(0, index)
            ),
        );
    }
    for (k, level) in levels.iter().enumerate().skip(1) {
        let below = &levels[k - 1];
        for index in 0..level.len {
            let kids = index * MAX_KIDS..((index + 1) * MAX_KIDS).min(below.len);
            let first_page = index * level.span;
            let count = ((index + 1) * level.span).min(n) - first_page.min(n);
            w.begin(level.first_id + index);
            w.out.extend_from_slice(b"<< /Type /Pages /Kids [");
            for kid in kids {
                write!(w.out, "{} 0 R ", below.first_id + kid).expect("write to Vec");
            }
            write!(w.out, "] /Count {count}").expect("write to Vec");
            if k + 1 < levels.len() {
                write!(w.out, " /Parent {} 0 R", parent(k, index)).expect("write to Vec");
            }
            w.out.extend_from_slice(b" >>");
            w.end();
        }
    }
    w.finish(1)
}

/// Text that is 100 MB once extracted from a file under 1 MiB whose decoded
/// content stays small: one Form XObject /T holding 1 000 lines of 100
/// characters (100 KB of text, FlateDecode), drawn 1 000 times by the one
/// page's content stream.
pub fn huge_text() -> Vec<u8> {
    const LOREM: &str = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut lab";
    let mut form = Vec::with_capacity(HUGE_TEXT_LINES * 140);
    for line in 0..HUGE_TEXT_LINES {
        let y = 800 - (line % 60) * 13;
        writeln!(form, "BT /F1 10 Tf 56 {y} Td ({line:04}{LOREM}) Tj ET").expect("write to Vec");
    }
    let page = b"q /T Do Q\n".repeat(HUGE_TEXT_DRAWS);

    let mut w = Writer::new("1.4");
    w.obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
    w.obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
    w.obj(
        3,
        format_args!(
            "<< /Type /Page /Parent 2 0 R /MediaBox {MEDIA_BOX} /Resources << /Font << /F1 {FONT} >> /XObject << /T 5 0 R >> >> /Contents 4 0 R >>"
        ),
    );
    w.stream(4, "", &page);
    w.stream(
        5,
        format_args!(
            "/Type /XObject /Subtype /Form /BBox {MEDIA_BOX} /Resources << /Font << /F1 {FONT} >> >> /Filter /FlateDecode"
        ),
        &zlib(&form),
    );
    w.finish(1)
}

/// Writes to `sink` one zlib (FlateDecode) stream whose data is `chunk`
/// repeated `times` times, compressing `chunk` only once: feeding gigabytes
/// through a level-9 encoder takes tens of seconds, even optimised.
///
/// A fresh encoder's blocks for `chunk`, cut by a sync flush, refer to nothing
/// before the chunk and end on a byte boundary, so they can be written again
/// and again. A final empty block and the Adler-32 of the whole data close
/// the stream; a decoder checks both.
fn zlib_repeated(chunk: &[u8], times: usize, sink: &mut impl Write) -> std::io::Result<()> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(chunk)?;
    encoder.flush()?;
    let blocks = encoder.get_ref();
    // CMF 0x78 (deflate, 32 KiB window), FLG 0xDA (level 9, check bits).
    sink.write_all(&[0x78, 0xda])?;
    for _ in 0..times {
        sink.write_all(blocks)?;
    }
    // BFINAL = 1, fixed Huffman codes, end of block at once.
    sink.write_all(&[0x03, 0x00])?;
    sink.write_all(&adler32_repeated(chunk, times).to_be_bytes())
}

/// The Adler-32 checksum of `chunk` repeated `times` times.
fn adler32_repeated(chunk: &[u8], times: usize) -> u32 {
    const MOD: u64 = 65_521;
    let (mut a, mut b) = (1, 0);
    for &byte in chunk {
        a = (a + u64::from(byte)) % MOD;
        b = (b + a) % MOD;
    }
    let (chunk_a, chunk_b) = (a, b);
    let len = chunk.len() as u64 % MOD;
    // Appending data D to data P: a = a(P) + a(D) - 1,
    // b = b(P) + b(D) + len(D) * (a(P) - 1).
    let (mut a, mut b) = (1, 0);
    for _ in 0..times {
        b = (b + chunk_b + len * (a + MOD - 1)) % MOD;
        a = (a + chunk_a + MOD - 1) % MOD;
    }
    u32::try_from(b << 16 | a).expect("two 16-bit halves")
}

/// `data` compressed as one zlib (FlateDecode) stream.
fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data).expect("compress into a Vec");
    encoder.finish().expect("finish the Flate stream")
}

/// Appends numbered objects to a PDF and remembers where each starts, so that
/// it can write a classic xref table. Objects may come in any order, but every
/// number from 1 to the highest must be written exactly once.
struct Writer {
    out: Vec<u8>,
    /// Byte offset of each object, by object number; 0 for none yet.
    offsets: Vec<usize>,
}

impl Writer {
    /// The header, with the binary-marker comment line.
    fn new(version: &str) -> Self {
        let mut out = format!("%PDF-{version}\n").into_bytes();
        out.extend_from_slice(b"%\xe2\xe3\xcf\xd3\n");
        Self {
            out,
            offsets: vec![0],
        }
    }

    /// Starts object `id`: the caller writes its body into `out`, then calls `end`.
    fn begin(&mut self, id: usize) {
        if self.offsets.len() <= id {
            self.offsets.resize(id + 1, 0);
        }
        assert_eq!(self.offsets[id], 0, "object {id} written twice");
        self.offsets[id] = self.out.len();
        writeln!(self.out, "{id} 0 obj").expect("write to Vec");
    }

    fn end(&mut self) {
        self.out.extend_from_slice(b"\nendobj\n");
    }

    /// Object `id` whose body is `body`.
    fn obj(&mut self, id: usize, body: impl Display) {
        self.begin(id);
        write!(self.out, "{body}").expect("write to Vec");
        self.end();
    }

    /// Stream object `id`: `dict` holds the dictionary's entries but /Length,
    /// which is added; `data` is written as is.
    fn stream(&mut self, id: usize, dict: impl Display, data: &[u8]) {
        self.begin(id);
        write!(self.out, "<< {dict} /Length {} >>\nstream\n", data.len()).expect("write to Vec");
        self.out.extend_from_slice(data);
        self.out.extend_from_slice(b"\nendstream");
        self.end();
    }

    /// Writes the classic xref table and returns its offset.
    fn xref_table(&mut self) -> usize {
        let at = self.out.len();
        write!(
            self.out,
            "xref\n0 {}\n0000000000 65535 f \n",
            self.offsets.len()
        )
        .expect("write to Vec");
        for (id, offset) in self.offsets.iter().enumerate().skip(1) {
            assert_ne!(*offset, 0, "object {id} was never written");
            writeln!(self.out, "{offset:010} 00000 n ").expect("write to Vec");
        }
        at
    }

    /// The trailer after an xref table at `xref`, and the end of the file.
    fn finish_trailer(mut self, root: usize, xref: usize) -> Vec<u8> {
        write!(
            self.out,
            "trailer\n<< /Size {} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            self.offsets.len()
        )
        .expect("write to Vec");
        self.out
    }

    /// The xref table, the trailer naming `root` as the catalog, and the end.
    fn finish(mut self, root: usize) -> Vec<u8> {
        let xref = self.xref_table();
        self.finish_trailer(root, xref)
    }
}

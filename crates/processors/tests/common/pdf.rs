//! Writes small PDFs for the tests, so that no binary fixture has to be kept in
//! the repository and every fixture's expected text is known exactly. It uses
//! `lopdf` (a dev-dependency) and the standard Helvetica font with
//! WinAnsiEncoding, which covers French accents, « », “ ”, ’, – — and ….
//! It must stay a writer: reading PDFs is the job of the code under test.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use lopdf::content::{Content, Operation};
use lopdf::{
    dictionary, Document, EncryptionState, EncryptionVersion, Object, Permissions, Stream,
};

/// A4 in points.
const PAGE_WIDTH: i64 = 595;
const PAGE_HEIGHT: i64 = 842;
const FONT_SIZE: i64 = 10;
const LEADING: i64 = 13;
const LEFT: i64 = 56;
const TOP: i64 = 800;

/// A PDF with one page per item of `pages`, one text line per string, in
/// Helvetica 10 pt from the top of an A4 page. Characters outside
/// WinAnsiEncoding are written as `?`.
pub fn text_pdf(pages: &[Vec<String>]) -> Vec<u8> {
    save(build(pages, false))
}

/// A PDF whose pages carry only an image (a 2×2 grey picture scaled to fill
/// most of the page) and a drawn rectangle: no text at all, like a scan.
pub fn image_only_pdf(pages: usize) -> Vec<u8> {
    let pages: Vec<Vec<String>> = vec![Vec::new(); pages];
    save(build(&pages, true))
}

/// A well-formed PDF whose page tree holds no page.
pub fn empty_pdf() -> Vec<u8> {
    save(build(&[], false))
}

/// `text_pdf(pages)` encrypted (RC4, 128 bits) with a user password, so that
/// it cannot be opened without it.
pub fn encrypted_pdf(pages: &[Vec<String>], user_password: &str) -> Vec<u8> {
    let mut doc = build(pages, false);
    let state = EncryptionState::try_from(EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner-secret",
        user_password,
        key_length: 128,
        permissions: Permissions::all(),
    })
    .expect("encryption parameters");
    doc.encrypt(&state).expect("encrypt");
    save(doc)
}

fn build(pages: &[Vec<String>], images: bool) -> Document {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let image_id = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => 2,
            "Height" => 2,
            "ColorSpace" => "DeviceGray",
            "BitsPerComponent" => 8,
        },
        vec![0x20, 0xe0, 0xe0, 0x20],
    ));
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id },
        "XObject" => dictionary! { "Im1" => image_id },
    });
    let mut kids = Vec::new();
    for lines in pages {
        let operations = if images {
            image_operations()
        } else {
            text_operations(lines)
        };
        let content = Content { operations };
        let stream = Stream::new(dictionary! {}, content.encode().expect("encode content"));
        let content_id = doc.add_object(stream);
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        });
        kids.push(Object::Reference(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
            "Resources" => resources_id,
            "MediaBox" => vec![0.into(), 0.into(), PAGE_WIDTH.into(), PAGE_HEIGHT.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    doc.trailer.set("Root", catalog_id);
    let id = Object::String(
        b"jobcast-test-pdf".to_vec(),
        lopdf::StringFormat::Hexadecimal,
    );
    doc.trailer.set("ID", vec![id.clone(), id]);
    doc
}

fn text_operations(lines: &[String]) -> Vec<Operation> {
    let mut ops = vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec!["F1".into(), FONT_SIZE.into()]),
        Operation::new("TL", vec![LEADING.into()]),
        Operation::new("Td", vec![LEFT.into(), TOP.into()]),
    ];
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            ops.push(Operation::new("T*", vec![]));
        }
        ops.push(Operation::new(
            "Tj",
            vec![Object::String(win_ansi(line), lopdf::StringFormat::Literal)],
        ));
    }
    ops.push(Operation::new("ET", vec![]));
    ops
}

/// A grey rectangle and the image: marks, but no text.
fn image_operations() -> Vec<Operation> {
    vec![
        Operation::new("q", vec![]),
        Operation::new(
            "cm",
            vec![
                400.into(),
                0.into(),
                0.into(),
                600.into(),
                100.into(),
                150.into(),
            ],
        ),
        Operation::new("Do", vec!["Im1".into()]),
        Operation::new("Q", vec![]),
        Operation::new("q", vec![]),
        Operation::new("rg", vec![0.5.into(), 0.5.into(), 0.5.into()]),
        Operation::new("re", vec![100.into(), 400.into(), 300.into(), 200.into()]),
        Operation::new("f", vec![]),
        Operation::new("Q", vec![]),
    ]
}

fn save(mut doc: Document) -> Vec<u8> {
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).expect("write PDF");
    bytes
}

/// Encodes `text` in WinAnsiEncoding (Windows-1252); other characters become `?`.
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}' => c as u8,
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8a,
            '‹' => 0x8b,
            'Œ' => 0x8c,
            'Ž' => 0x8e,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9a,
            '›' => 0x9b,
            'œ' => 0x9c,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            _ => b'?',
        })
        .collect()
}

//! The shape of a PDF's page tree, checked before the PDF crate walks it.
//! Real documents nest their page tree a few levels deep; a hostile one can
//! nest it tens of thousands of levels (every reader that recurses runs out
//! of stack) or make it loop. This walk is iterative, visits each node once
//! and stops at the first node past `MAX_DEPTH` or seen twice.
//! It must only judge the shape: listing the pages is the PDF crate's.

use std::collections::HashSet;

use pdf_extract::{Document, Object, ObjectId};

use super::extract::PdfError;

/// Deeper than any real document's page tree (they rarely pass 10).
pub(crate) const MAX_DEPTH: usize = 64;

/// `Ok` when the tree from the catalog's `/Pages` is no deeper than
/// `MAX_DEPTH` and no node appears twice. A tree too damaged to follow is
/// left to the PDF crate to report.
pub(crate) fn check_page_tree(doc: &Document) -> Result<(), PdfError> {
    let Some(root) = doc
        .catalog()
        .ok()
        .and_then(|catalog| catalog.get(b"Pages").ok())
        .and_then(reference)
    else {
        return Ok(());
    };
    let mut seen: HashSet<ObjectId> = HashSet::new();
    let mut pending = vec![(root, 1usize)];
    while let Some((id, depth)) = pending.pop() {
        if depth > MAX_DEPTH {
            return Err(PdfError::TooComplex(format!(
                "its page tree is nested more than {MAX_DEPTH} levels deep"
            )));
        }
        if !seen.insert(id) {
            return Err(PdfError::TooComplex(
                "its page tree loops back on itself".into(),
            ));
        }
        let Ok(node) = doc.get_dictionary(id) else {
            continue;
        };
        if let Ok(Object::Array(kids)) = node.get(b"Kids") {
            pending.extend(
                kids.iter()
                    .filter_map(reference)
                    .map(|kid| (kid, depth + 1)),
            );
        }
    }
    Ok(())
}

fn reference(object: &Object) -> Option<ObjectId> {
    match object {
        Object::Reference(id) => Some(*id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use pdf_extract::{dictionary, Object};

    use super::*;

    /// A catalog over a chain of `depth` page-tree nodes; with `back`, the
    /// last node's kids point back to the root.
    fn chain(depth: usize, back: bool) -> Document {
        let mut doc = Document::with_version("1.5");
        let ids: Vec<ObjectId> = (0..depth).map(|_| doc.new_object_id()).collect();
        for (i, id) in ids.iter().enumerate() {
            let kids = match ids.get(i + 1) {
                Some(next) => vec![Object::Reference(*next)],
                None if back => vec![Object::Reference(ids[0])],
                None => Vec::new(),
            };
            doc.objects.insert(
                *id,
                Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => 0 }),
            );
        }
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => ids[0] });
        doc.trailer.set("Root", catalog);
        doc
    }

    #[test]
    fn a_shallow_tree_passes() {
        assert_eq!(check_page_tree(&chain(MAX_DEPTH, false)), Ok(()));
    }

    #[test]
    fn a_tree_too_deep_is_too_complex() {
        let error = check_page_tree(&chain(MAX_DEPTH + 1, false)).expect_err("too deep");
        assert_eq!(error.code(), "pdf_too_complex");
    }

    #[test]
    fn a_loop_is_too_complex() {
        let error = check_page_tree(&chain(3, true)).expect_err("a loop");
        assert_eq!(error.code(), "pdf_too_complex");
        assert!(error.to_string().contains("loops"), "{error}");
    }
}

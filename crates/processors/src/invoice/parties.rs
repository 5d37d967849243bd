//! The vendor and the customer: blocks of lines under `From:` / `Bill to:` /
//! `Client :` (side by side when two labels share a line), or, for the
//! vendor, the unlabelled block at the top of the page. The first line of a
//! block is the name, the next ones the address; contact lines are left
//! out. Tax identifiers go to the block they sit in; those outside any
//! block (a French footer with SIRET and N° TVA) belong to the vendor.

use super::labels::Label;
use super::model::Party;
use super::text::{squeeze, words};

/// What the extractor learnt about a line before parties are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Blank,
    /// Free text: may be a name or an address line.
    Text,
    /// `INVOICE`, `Facture N° 12`: a title, with maybe text beside it.
    Title,
    /// Label/value pairs about the invoice (number, dates...).
    Fields,
    /// Only identifiers or contact details: stays inside a party block.
    Identifiers,
    /// A `From:` / `Bill to:` label: a party block starts.
    Block,
    LabelRow,
    ValueRow,
    ItemsHeader,
    Item,
    Totals,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub text: String,
    pub role: Role,
    /// Cells of a title or fields line that no label claimed, with offsets.
    pub residual: Vec<(usize, String)>,
    /// Where the first label of a fields or title line starts.
    pub fields_at: Option<usize>,
}

/// Labels starting this far right sit in a column beside a party block.
const RIGHT_COLUMN: usize = 20;

/// A party block announced on a line.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockStart {
    pub line: usize,
    pub offset: usize,
    pub label: Label,
    /// A name written after the label (`Client : Dupont SA`).
    pub name: String,
}

/// A tax or company identifier and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct TaxIdAt {
    pub line: usize,
    pub offset: usize,
    pub priority: u8,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Vendor,
    Customer,
    Other,
}

fn target(label: Label) -> Option<Target> {
    match label {
        Label::Vendor => Some(Target::Vendor),
        Label::Customer => Some(Target::Customer),
        Label::OtherParty => Some(Target::Other),
        _ => None,
    }
}

/// The lines collected for one party, and where they were.
#[derive(Debug, Default)]
struct Collected {
    lines: Vec<String>,
    /// (line index, first byte, end byte) of every region that belongs here.
    spans: Vec<(usize, usize, usize)>,
}

/// An open block: where its lines go, and for side-by-side blocks the
/// column boundary (a byte offset) and which side this block is.
#[derive(Debug, Clone, Copy)]
struct Open {
    target: Target,
    /// `Some((boundary, right))` for a block in a column.
    column: Option<(usize, bool)>,
}

pub fn read_parties(lines: &[Line], blocks: &[BlockStart], tax_ids: &[TaxIdAt]) -> (Party, Party) {
    let explicit_vendor = blocks.iter().any(|b| b.label == Label::Vendor);
    let first_items = lines
        .iter()
        .position(|l| matches!(l.role, Role::ItemsHeader | Role::Item))
        .unwrap_or(lines.len());
    let mut vendor = Collected::default();
    let mut customer = Collected::default();
    let mut other = Collected::default();
    let mut open: Vec<Open> = Vec::new();
    let mut implicit_done = explicit_vendor;
    for (i, line) in lines.iter().enumerate() {
        let starts: Vec<&BlockStart> = blocks.iter().filter(|b| b.line == i).collect();
        if !starts.is_empty() {
            open.clear();
            let boundary = (starts.len() >= 2).then(|| starts[1].offset.saturating_sub(1));
            for (k, start) in starts.iter().enumerate().take(2) {
                let Some(t) = target(start.label) else {
                    continue;
                };
                let column = boundary.map(|b| (b, k == 1));
                open.push(Open { target: t, column });
                if !start.name.is_empty() {
                    let bucket = pick(t, &mut vendor, &mut customer, &mut other);
                    bucket.lines.push(squeeze(&start.name));
                }
                if t == Target::Vendor {
                    implicit_done = true;
                }
            }
            for o in &open {
                let bucket = pick(o.target, &mut vendor, &mut customer, &mut other);
                let (from, to) = span(o.column, line.text.len());
                bucket.spans.push((i, from, to));
            }
            continue;
        }
        match line.role {
            Role::Blank => open.clear(),
            Role::Text | Role::Identifiers if !open.is_empty() => {
                for o in &open {
                    let bucket = pick(o.target, &mut vendor, &mut customer, &mut other);
                    let (from, to) = span(o.column, line.text.len());
                    bucket.spans.push((i, from, to));
                    if line.role == Role::Text {
                        let text = column_text(&line.text, o.column);
                        if !text.is_empty() {
                            bucket.lines.push(text);
                        }
                    }
                }
            }
            Role::Identifiers => {}
            Role::Fields | Role::Title
                if !open.is_empty()
                    && open.iter().all(|o| o.column.is_none())
                    && line.fields_at.is_some_and(|at| at >= RIGHT_COLUMN) =>
            {
                // `1 Infinite Loop        Invoice #: 10045`: the block goes on
                // on the left of fields written in a column on the right.
                let at = line.fields_at.unwrap_or(0);
                let left: Vec<&str> = line
                    .residual
                    .iter()
                    .filter(|(offset, _)| *offset < at)
                    .map(|(_, t)| t.as_str())
                    .collect();
                for o in &open {
                    let bucket = pick(o.target, &mut vendor, &mut customer, &mut other);
                    bucket.spans.push((i, 0, at));
                    if !left.is_empty() {
                        bucket.lines.push(squeeze(&left.join(" ")));
                    }
                }
            }
            Role::Text | Role::Title if !implicit_done && i < first_items => {
                // The unlabelled block at the top: the vendor.
                let text = if line.role == Role::Title {
                    line.residual
                        .iter()
                        .map(|(_, t)| t.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                } else {
                    line.text.trim().to_string()
                };
                if text.is_empty() {
                    continue;
                }
                vendor.lines.push(squeeze(&text));
                vendor.spans.push((i, 0, line.text.len()));
                open = vec![Open {
                    target: Target::Vendor,
                    column: None,
                }];
                implicit_done = true;
            }
            _ => open.clear(),
        }
    }
    let mut vendor_party = party(&vendor.lines);
    let mut customer_party = party(&customer.lines);
    // Identifiers: the block they sit in, else the vendor's footer.
    let mut best: [(u8, Option<String>); 2] = [(0, None), (0, None)];
    for id in tax_ids {
        let inside = |c: &Collected| {
            c.spans.iter().any(|&(l, from, to)| {
                l == id.line && id.offset >= from && id.offset < to.max(from + 1)
            })
        };
        let slot = if inside(&customer) {
            Some(1)
        } else if inside(&other) {
            None
        } else {
            Some(0)
        };
        if let Some(slot) = slot {
            if id.priority > best[slot].0 {
                best[slot] = (id.priority, Some(id.value.clone()));
            }
        }
    }
    let [(_, vendor_id), (_, customer_id)] = best;
    vendor_party.tax_id = vendor_id;
    customer_party.tax_id = customer_id;
    (vendor_party, customer_party)
}

fn pick<'a>(
    t: Target,
    vendor: &'a mut Collected,
    customer: &'a mut Collected,
    other: &'a mut Collected,
) -> &'a mut Collected {
    match t {
        Target::Vendor => vendor,
        Target::Customer => customer,
        Target::Other => other,
    }
}

fn span(column: Option<(usize, bool)>, len: usize) -> (usize, usize) {
    match column {
        None => (0, len.max(1)),
        Some((boundary, false)) => (0, boundary),
        Some((boundary, true)) => (boundary, len.max(boundary + 1)),
    }
}

/// The words of `line` on this block's side of the column boundary.
fn column_text(line: &str, column: Option<(usize, bool)>) -> String {
    match column {
        None => squeeze(line),
        Some((boundary, right)) => squeeze(
            &words(line)
                .iter()
                .filter(|w| (w.start >= boundary) == right)
                .map(|w| w.text)
                .collect::<Vec<_>>()
                .join(" "),
        ),
    }
}

/// Contact details are not part of an address.
fn is_contact(line: &str) -> bool {
    let lower = line.to_lowercase();
    lower.contains('@')
        || lower.contains("www.")
        || lower.contains("http")
        || [
            "tel", "tél", "phone", "fax", "mobile", "email", "e-mail", "web", "attn",
        ]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// Company suffixes that a comma may precede inside a name.
fn company_suffix(part: &str) -> bool {
    let first = part.split_whitespace().next().unwrap_or("");
    matches!(
        first.trim_end_matches([',', '.']).to_lowercase().as_str(),
        "inc"
            | "ltd"
            | "llc"
            | "llp"
            | "plc"
            | "sa"
            | "sas"
            | "sarl"
            | "gmbh"
            | "co"
            | "corp"
            | "ag"
    )
}

fn party(lines: &[String]) -> Party {
    let mut lines: Vec<String> = lines.iter().filter(|l| !is_contact(l)).cloned().collect();
    if lines.is_empty() {
        return Party::default();
    }
    // `Client : Dupont SA, 3 rue X, 75001 Paris` on one line.
    if lines.len() == 1 {
        if let Some((name, rest)) = split_name(&lines[0]) {
            lines = vec![name, rest];
        }
    }
    let name = lines[0].trim_end_matches(',').to_string();
    let address: Vec<String> = lines[1..]
        .iter()
        .map(|l| l.trim_end_matches(',').to_string())
        .filter(|l| !l.is_empty())
        .collect();
    Party {
        name: (!name.is_empty()).then_some(name),
        address: (!address.is_empty()).then(|| address.join(", ")),
        tax_id: None,
    }
}

fn split_name(line: &str) -> Option<(String, String)> {
    let mut search = 0;
    while let Some(i) = line[search..].find(", ") {
        let at = search + i;
        let rest = &line[at + 2..];
        if !company_suffix(rest) {
            return (!rest.trim().is_empty()).then(|| (line[..at].to_string(), rest.to_string()));
        }
        search = at + 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_company_suffixes() {
        let p = party(&["Acme, Inc., 1 Main St, Springfield".to_string()]);
        assert_eq!(p.name.as_deref(), Some("Acme, Inc."));
        assert_eq!(p.address.as_deref(), Some("1 Main St, Springfield"));
        let p = party(&[
            "Dupont SA".to_string(),
            "3 rue X".to_string(),
            "contact@dupont.fr".to_string(),
            "75001 Paris".to_string(),
        ]);
        assert_eq!(p.name.as_deref(), Some("Dupont SA"));
        assert_eq!(p.address.as_deref(), Some("3 rue X, 75001 Paris"));
    }
}

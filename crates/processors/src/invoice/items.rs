//! Line items: recognising the header of an item table, and reading one row
//! — `Widget A   3   12.50   37.50`, `3 × Widget A @ €12.50 = €37.50`,
//! `Conseil  2  1 234,56 €  2 469,12 €` — into description, quantity, unit
//! price and amount.
//!
//! A space can separate thousands or columns, so a row has several
//! readings; the one where quantity × unit price = amount wins. That check
//! is what lets rows be found without a header, and what keeps address
//! lines such as `12 Rue de la Paix 75002 Paris` out of the items.

use super::currency;
use super::labels::{column_of, key_tokens, Column};
use super::model::{round_to, LineItem};
use super::parse_numbers::{piece, readings, DecimalMark, Number};
use super::text::{words, Word};

/// What a table header says about the order of the numeric columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ColumnOrder {
    /// The unit price column comes before the quantity column.
    pub price_first: bool,
    /// The quantity column comes before the description.
    pub quantity_leads: bool,
    /// A code column (`Réf.`, `SKU`, or `Item` before `Description`) comes
    /// first: the first word of a row is a code, not the description.
    pub code_leads: bool,
}

/// The column order a line-item header announces, if `line` is one: at
/// least two kinds of column words, one of them numeric, and no numbers.
pub fn header(line: &str) -> Option<ColumnOrder> {
    let ws = words(line);
    if ws.iter().any(|w| piece(w.text).is_some()) || line.contains(':') {
        return None;
    }
    let tokens: Vec<(String, usize)> = ws
        .iter()
        .flat_map(|w| key_tokens(w.text).into_iter().map(move |t| (t, w.start)))
        .collect();
    let mut found: Vec<(Column, usize)> = Vec::new();
    let mut i = 0;
    let mut unknown = 0;
    while i < tokens.len() {
        let rest: Vec<String> = tokens[i..].iter().map(|(t, _)| t.clone()).collect();
        match column_of(&rest) {
            Some((column, used)) => {
                let seen = found.iter().any(|(c, _)| *c == column);
                if column == Column::Description && seen {
                    // `Item  Description`: the first names a code column.
                    for entry in found.iter_mut().filter(|(c, _)| *c == Column::Description) {
                        entry.0 = Column::Reference;
                    }
                    found.push((column, tokens[i].1));
                } else if !seen {
                    found.push((column, tokens[i].1));
                }
                i += used;
            }
            None => {
                unknown += 1;
                i += 1;
            }
        }
    }
    let position = |c: Column| found.iter().find(|(k, _)| *k == c).map(|(_, p)| *p);
    let numeric = [Column::Quantity, Column::UnitPrice, Column::Amount]
        .iter()
        .filter(|c| position(**c).is_some())
        .count();
    if found.len() < 2 || numeric == 0 || unknown > found.len() + 2 {
        return None;
    }
    let (qty, price, desc, code) = (
        position(Column::Quantity),
        position(Column::UnitPrice),
        position(Column::Description),
        position(Column::Reference),
    );
    Some(ColumnOrder {
        price_first: matches!((price, qty), (Some(p), Some(q)) if p < q),
        quantity_leads: matches!((qty, desc), (Some(q), Some(d)) if q < d),
        code_leads: matches!((code, desc), (Some(c), Some(d)) if c < d),
    })
}

/// The most numeric words of a row's tail that are read as numbers.
const MAX_TAIL_NUMBERS: usize = 12;

/// A row read as an item; `consistent` when quantity × price = amount.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub item: LineItem,
    pub consistent: bool,
}

fn filler(word: &str) -> bool {
    matches!(
        word,
        "x" | "X" | "×" | "@" | "=" | "*" | "-" | "–" | "—" | ":" | "/" | "à" | "a" | "at"
    )
}

fn unit(word: &str) -> bool {
    matches!(
        word.to_lowercase().trim_end_matches('.'),
        "h" | "hr"
            | "hrs"
            | "hours"
            | "heures"
            | "pcs"
            | "pc"
            | "pce"
            | "pces"
            | "u"
            | "j"
            | "jours"
            | "days"
            | "day"
            | "kg"
            | "mois"
            | "month"
            | "months"
            | "unit"
            | "units"
    )
}

/// Agreement of quantity × unit price with the amount, to the cent.
pub fn agrees(quantity: f64, unit_price: f64, amount: f64) -> bool {
    quantity > 0.0 && (quantity * unit_price - amount).abs() <= 0.011 + amount.abs() * 1e-9
}

struct Candidate {
    quantity: f64,
    unit_price: f64,
    amount: f64,
    /// Index (in the line's words) where the description ends.
    desc_end: usize,
    consistent: bool,
    /// The quantity is the number opening the row (`3 × ...`).
    uses_leading: bool,
    score: i32,
}

/// Reads a row. Without a header (`order` is `None`) only a consistent row
/// counts; under a header an inconsistent one is kept and marked.
pub fn parse_row(line: &str, mark: DecimalMark, order: Option<ColumnOrder>) -> Option<Row> {
    let ws = words(line);
    if ws.len() < 2 {
        return None;
    }
    // The numeric tail: numbers with the currency marks, units, rates and
    // signs that sit between them.
    let mut start = ws.len();
    while start > 0 {
        let w = ws[start - 1].text;
        let numeric = piece(w).is_some();
        let other = currency::word_code(w).is_some()
            || filler(w)
            || (unit(w) && start < ws.len() && start >= 2 && piece(ws[start - 2].text).is_some());
        if numeric || other {
            start -= 1;
        } else {
            break;
        }
    }
    // The numbers of the tail, with boundaries wherever anything else sat.
    let mut nums: Vec<Word<'_>> = Vec::new();
    let mut positions: Vec<usize> = Vec::new();
    let mut boundary = true;
    for (i, w) in ws.iter().enumerate().skip(start) {
        match piece(w.text) {
            Some(p) if !p.percent => {
                let mut w = *w;
                w.wide_before = w.wide_before || boundary || nums.is_empty();
                nums.push(w);
                positions.push(i);
                boundary = false;
            }
            _ => boundary = true,
        }
    }
    if nums.is_empty() {
        return None;
    }
    // Readings multiply with the words: only the last ones can be the
    // quantity, price and amount, the rest belongs to the description.
    if nums.len() > MAX_TAIL_NUMBERS {
        let cut = nums.len() - MAX_TAIL_NUMBERS;
        nums.drain(..cut);
        positions.drain(..cut);
        nums[0].wide_before = true;
        start = positions[0];
    }
    let leading = leading_quantity(&ws, start, mark);
    let price_first = order.map(|o| o.price_first);
    let mut best: Option<Candidate> = None;
    for reading in readings(&nums, mark, 256) {
        for cand in candidates(&reading, &positions, start, leading, price_first) {
            if best.as_ref().is_none_or(|b| cand.score > b.score) {
                best = Some(cand);
            }
        }
    }
    let best = best?;
    if !best.consistent && order.is_none() {
        return None;
    }
    let desc_from = match leading {
        Some((_, after)) if best.uses_leading => after,
        _ => 0,
    };
    let mut desc_from = desc_from.min(best.desc_end);
    if order.is_some_and(|o| o.code_leads) && best.desc_end - desc_from >= 2 {
        desc_from += 1;
    }
    let description = describe(&ws[desc_from..best.desc_end]);
    if description.is_empty() || !description.chars().any(char::is_alphabetic) {
        return None;
    }
    Some(Row {
        item: LineItem {
            description: Some(description),
            quantity: Some(round_to(best.quantity, 4)),
            unit_price: Some(round_to(best.unit_price, 4)),
            amount: Some(round_to(best.amount, 2)),
        },
        consistent: best.consistent,
    })
}

/// `3 x Widget...`: a number opening the row, and the index after it.
fn leading_quantity(ws: &[Word<'_>], tail_start: usize, mark: DecimalMark) -> Option<(f64, usize)> {
    let first = piece(ws.first()?.text)?;
    if first.currency.is_some() || first.percent || first.negative {
        return None;
    }
    let (value, _) = super::parse_numbers::interpret(&first.core, mark)?;
    let mut after = 1;
    while after < tail_start && filler(ws[after].text) {
        after += 1;
    }
    (after < tail_start).then_some((value, after))
}

/// The (quantity, unit price, amount) readings of one reading of the tail.
fn candidates(
    reading: &[Number],
    positions: &[usize],
    tail_start: usize,
    leading: Option<(f64, usize)>,
    price_first: Option<bool>,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    let n = reading.len();
    let desc_end_before = |k: usize| -> usize {
        // Numbers before index k of the reading go back to the description
        // (`Annual licence 2026`), without the currency marks after them.
        if k == 0 {
            tail_start
        } else {
            positions[reading[k - 1].last] + 1
        }
    };
    if n >= 3 {
        let (x, y, a) = (&reading[n - 3], &reading[n - 2], &reading[n - 1]);
        // With a header the column order is known; without one, both orders
        // are tried and the one read first (quantity first) wins ties.
        let orders: &[(bool, i32)] = match price_first {
            Some(first) => &[(first, 0)][..],
            None => &[(false, 0), (true, -5)][..],
        };
        for &(swap, penalty) in orders {
            let (q, u) = if swap { (y, x) } else { (x, y) };
            let consistent = agrees(q.value, u.value, a.value);
            let mut score = penalty;
            if consistent {
                score += 1000;
            }
            if q.fraction_digits == 0 {
                score += 100;
            }
            // Fewer numbers handed back to the description is more likely.
            score -= 10 * (n as i32 - 3);
            out.push(Candidate {
                quantity: q.value,
                unit_price: u.value,
                amount: a.value,
                desc_end: desc_end_before(n - 3),
                consistent,
                uses_leading: false,
                score,
            });
        }
    }
    if n >= 2 {
        if let Some((q, _)) = leading {
            let (u, a) = (&reading[n - 2], &reading[n - 1]);
            if agrees(q, u.value, a.value) {
                let mut score = 1000 + if q.fract() == 0.0 { 100 } else { 0 };
                score -= 10 * (n as i32 - 2);
                out.push(Candidate {
                    quantity: q,
                    unit_price: u.value,
                    amount: a.value,
                    desc_end: desc_end_before(n - 2),
                    consistent: true,
                    uses_leading: true,
                    score,
                });
            }
        }
    }
    out
}

/// The description: the words joined by single spaces, without the dots,
/// dashes and colons that led the eye to the numbers.
fn describe(ws: &[Word<'_>]) -> String {
    let text = ws.iter().map(|w| w.text).collect::<Vec<_>>().join(" ");
    let trimmed = text.trim_matches(|c: char| {
        matches!(
            c,
            '.' | '-' | '–' | '—' | ':' | '|' | '…' | '@' | '×' | '*' | ' ' | '='
        )
    });
    let trimmed = trimmed.strip_suffix(" x").unwrap_or(trimmed);
    trimmed.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        line: &str,
        mark: DecimalMark,
        order: Option<ColumnOrder>,
    ) -> Option<(String, f64, f64, f64)> {
        let r = parse_row(line, mark, order)?;
        Some((
            r.item.description?,
            r.item.quantity?,
            r.item.unit_price?,
            r.item.amount?,
        ))
    }

    fn with_header() -> Option<ColumnOrder> {
        Some(ColumnOrder::default())
    }

    #[test]
    fn reads_table_rows() {
        let d = DecimalMark::Dot;
        assert_eq!(
            row(
                "Widget A          3      12.50      37.50",
                d,
                with_header()
            ),
            Some(("Widget A".into(), 3.0, 12.5, 37.5))
        );
        assert_eq!(
            row(
                "| Cloud hosting (monthly) | 2 | $1,200.00 | $2,400.00 |",
                d,
                with_header()
            ),
            Some(("Cloud hosting (monthly)".into(), 2.0, 1200.0, 2400.0))
        );
        assert_eq!(
            row("Licence 2026 1 300.00 300.00", d, None),
            Some(("Licence 2026".into(), 1.0, 300.0, 300.0))
        );
        // Without a header, an integer quantity is preferred either side.
        assert_eq!(
            row("Annual licence 2026 @ CHF 55.93 x 9 = CHF 503.37", d, None),
            Some(("Annual licence 2026".into(), 9.0, 55.93, 503.37))
        );
        assert_eq!(
            row("9 x Annual licence 2026 @ CHF 55.93 = CHF 503.37", d, None),
            Some(("Annual licence 2026".into(), 9.0, 55.93, 503.37))
        );
        assert_eq!(
            row("4   Annual licence 2026   USD 145.66   USD 582.64", d, None),
            Some(("Annual licence 2026".into(), 4.0, 145.66, 582.64))
        );
        assert_eq!(
            row("Support 10 h 95.00 950.00 EUR", d, None),
            Some(("Support".into(), 10.0, 95.0, 950.0))
        );
    }

    #[test]
    fn space_thousands_are_told_from_columns_by_arithmetic() {
        let c = DecimalMark::Comma;
        assert_eq!(
            row("Conseil stratégique 3 1 234,56 3 703,68", c, None),
            Some(("Conseil stratégique".into(), 3.0, 1234.56, 3703.68))
        );
        assert_eq!(
            row("Audit 10 100,00 1 000,00", c, None),
            Some(("Audit".into(), 10.0, 100.0, 1000.0))
        );
        assert_eq!(
            row("Formation 2 1 500,00 € 3 000,00 €", c, None),
            Some(("Formation".into(), 2.0, 1500.0, 3000.0))
        );
        assert_eq!(
            row("Matériel 4 1.250,00 5.000,00", c, None),
            Some(("Matériel".into(), 4.0, 1250.0, 5000.0))
        );
    }

    #[test]
    fn reads_quantity_first_rows_and_price_first_headers() {
        let d = DecimalMark::Dot;
        assert_eq!(
            row("3 × Website hosting @ €12.50 = €37.50", d, None),
            Some(("Website hosting".into(), 3.0, 12.5, 37.5))
        );
        let order = header("Qty   Description   Unit Price   Line Total");
        assert_eq!(
            row("  2   Annual licence 2026   $150.00   $300.00", d, order),
            Some(("Annual licence 2026".into(), 2.0, 150.0, 300.0))
        );
        assert_eq!(
            row(
                "3 x Logo design @ 1 250,00 € = 3 750,00 €",
                DecimalMark::Comma,
                None
            ),
            Some(("Logo design".into(), 3.0, 1250.0, 3750.0))
        );
        let order = header("Description    Unit price    Qty    Amount");
        assert_eq!(
            order,
            Some(ColumnOrder {
                price_first: true,
                quantity_leads: false,
                code_leads: false,
            })
        );
        assert_eq!(
            row("Design work    80.00    2.5    200.00", d, order),
            Some(("Design work".into(), 2.5, 80.0, 200.0))
        );
    }

    #[test]
    fn code_columns_are_not_descriptions() {
        let d = DecimalMark::Dot;
        let order = header("Item   Description   Qty   Rate   Amount");
        assert!(order.is_some_and(|o| o.code_leads));
        assert_eq!(
            row("HW-100   Rack server   2   2,499.00   4,998.00", d, order),
            Some(("Rack server".into(), 2.0, 2499.0, 4998.0))
        );
        let order = header("Réf.   Désignation   Quantité   P.U. HT   Total HT");
        assert!(order.is_some_and(|o| o.code_leads));
        assert!(header("Description  Qty  Amount").is_some_and(|o| !o.code_leads));
    }

    #[test]
    fn long_runs_of_numbers_stay_cheap() {
        let line = format!("Bulk {} 2 100.00 200.00", "100 ".repeat(2000));
        let started = std::time::Instant::now();
        let r = parse_row(&line, DecimalMark::Dot, with_header()).expect("row");
        assert_eq!(r.item.amount, Some(200.0));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        let text = format!(
            "Description Qty Price Amount\n{}",
            format!("{line}\n").repeat(20)
        );
        let ex = crate::invoice::extract(&text);
        assert_eq!(ex.invoice.line_items.len(), 20);
    }

    #[test]
    fn refuses_lines_that_are_not_items() {
        let d = DecimalMark::Dot;
        assert_eq!(row("12 Rue de la Paix 75002 Paris", d, None), None);
        assert_eq!(row("Widget 3 12.50 40.00", d, None), None);
        assert_eq!(row("3 12.50 37.50", d, None), None);
        assert!(header("Description  Qty  Unit price  Amount").is_some());
        assert!(header("Désignation   Qté   Prix unitaire HT   Montant HT").is_some());
        assert!(header("Invoice No: 12").is_none());
        assert!(header("Thank you for your business").is_none());
        // Under a header, an inconsistent row is kept, marked.
        let r = parse_row("Widget 3 12.50 40.00", d, with_header()).expect("row");
        assert!(!r.consistent);
    }
}

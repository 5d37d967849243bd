//! Currencies as invoices write them — a symbol (`€`, `$`, `£`, `CA$`) or an
//! ISO 4217 code (`EUR`, `CHF`) — turned into the ISO code the result
//! carries. Only codes in a fixed list count, so that words such as `VAT`,
//! `TVA` or `LTD` are never taken for a currency.

/// The codes recognised when written as a word.
const CODES: &[&str] = &[
    "EUR", "USD", "GBP", "CHF", "CAD", "AUD", "NZD", "JPY", "CNY", "HKD", "SGD", "SEK", "NOK",
    "DKK", "PLN", "CZK", "HUF", "RON", "BGN", "TRY", "INR", "ZAR", "BRL", "MXN", "AED", "MAD",
    "XOF", "XAF", "TND", "ILS", "KRW",
];

/// `eur` or `EUR` → `EUR`, when it is a known ISO 4217 code.
pub fn iso_code(word: &str) -> Option<&'static str> {
    if word.len() != 3 {
        return None;
    }
    let upper = word.to_ascii_uppercase();
    CODES.iter().copied().find(|c| *c == upper)
}

/// A currency symbol (possibly with a country prefix) → its ISO code.
pub fn symbol_code(symbol: &str) -> Option<&'static str> {
    let code = match symbol {
        "€" => "EUR",
        "$" | "US$" | "USD$" => "USD",
        "£" => "GBP",
        "¥" => "JPY",
        "CA$" | "C$" | "CAD$" => "CAD",
        "A$" | "AU$" => "AUD",
        "NZ$" => "NZD",
        "HK$" => "HKD",
        "S$" => "SGD",
        "₹" => "INR",
        "₣" => "CHF",
        _ => return None,
    };
    Some(code)
}

/// The symbols `symbol_code` knows, longest first so prefixes match whole.
pub const SYMBOLS: &[&str] = &[
    "USD$", "CAD$", "US$", "CA$", "AU$", "NZ$", "HK$", "C$", "A$", "S$", "€", "$", "£", "¥", "₹",
    "₣",
];

/// A currency written as one word: a symbol, a code, or the Swiss `Fr.`.
pub fn word_code(word: &str) -> Option<&'static str> {
    let word = word.trim_matches(|c: char| matches!(c, '(' | ')' | ':' | ',' | ';' | '[' | ']'));
    symbol_code(word)
        .or_else(|| iso_code(word))
        .or_else(|| matches!(word, "Fr." | "SFr." | "CHF.").then_some("CHF"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_symbols() {
        assert_eq!(iso_code("eur"), Some("EUR"));
        assert_eq!(iso_code("VAT"), None);
        assert_eq!(iso_code("TVA"), None);
        assert_eq!(symbol_code("€"), Some("EUR"));
        assert_eq!(symbol_code("CA$"), Some("CAD"));
        assert_eq!(word_code("(CHF)"), Some("CHF"));
        assert_eq!(word_code("Fr."), Some("CHF"));
        assert_eq!(word_code("Ltd"), None);
    }
}

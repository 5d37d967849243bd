//! Writing what was drawn: amounts in a number style with the currency
//! marked, dates in a date style, and lines of aligned columns — what every
//! layout writes with.

use jobcast_processors::invoice::{Date, LineItem};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::drawing::Draft;
use super::vocabulary::{EN_MONTHS, FR_MONTHS};

/// How amounts are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberStyle {
    /// 1,234.56
    Comma,
    /// 1 234,56 (a plain or no-break space)
    Space(bool),
    /// 1.234,56
    Dot,
}

/// Where the currency goes next to amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    SymbolBefore,
    SymbolAfter,
    CodeBefore,
    CodeAfter,
    None,
}

pub struct Style {
    pub numbers: NumberStyle,
    pub mark: Mark,
    pub currency: &'static str,
}

impl Style {
    /// A style with `numbers` and `currency`, its mark drawn from `marks`.
    pub fn drawn(
        rng: &mut StdRng,
        numbers: NumberStyle,
        currency: &'static str,
        marks: &[Mark],
    ) -> Style {
        let mark = *marks.choose(rng).unwrap_or(&Mark::None);
        Style {
            numbers,
            mark,
            currency,
        }
    }

    /// An item as a row: description, quantity, unit price, amount.
    pub fn item_row(&self, item: &LineItem) -> Vec<String> {
        vec![
            item.description.clone().unwrap_or_default(),
            self.quantity(item.quantity.unwrap_or(0.0)),
            self.money(item.unit_price.unwrap_or(0.0)),
            self.money(item.amount.unwrap_or(0.0)),
        ]
    }

    pub fn plain(&self, v: f64) -> String {
        group(v, self.numbers)
    }

    pub fn money(&self, v: f64) -> String {
        let n = self.plain(v);
        let symbol = match self.currency {
            "EUR" => "€",
            "USD" => "$",
            "GBP" => "£",
            other => other,
        };
        let nbsp = if matches!(self.numbers, NumberStyle::Space(true)) {
            "\u{a0}"
        } else {
            " "
        };
        match self.mark {
            Mark::SymbolBefore => format!("{symbol}{n}"),
            Mark::SymbolAfter => format!("{n}{nbsp}{symbol}"),
            Mark::CodeBefore => format!("{} {n}", self.currency),
            Mark::CodeAfter => format!("{n} {}", self.currency),
            Mark::None => n,
        }
    }

    pub fn quantity(&self, q: f64) -> String {
        if q.fract() == 0.0 {
            format!("{q:.0}")
        } else {
            let s = format!("{q}");
            match self.numbers {
                NumberStyle::Comma => s,
                _ => s.replace('.', ","),
            }
        }
    }
}

/// `v` with two decimals and grouped thousands.
fn group(v: f64, style: NumberStyle) -> String {
    let cents = (v * 100.0).round() as i64;
    let (int, frac) = (cents / 100, cents % 100);
    let digits = int.to_string();
    let (sep, dec) = match style {
        NumberStyle::Comma => (",", "."),
        NumberStyle::Space(true) => ("\u{a0}", ","),
        NumberStyle::Space(false) => (" ", ","),
        NumberStyle::Dot => (".", ","),
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push_str(sep);
        }
        out.push(c);
    }
    format!("{out}{dec}{frac:02}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    Iso,
    DayMonthShort,
    DayMonthLong,
    MonthDayLong,
    MonthDayShort,
    DayFirstSlash,
    MonthFirstSlash,
    FrenchLong,
    DayFirstDots,
}

pub fn write_date(d: Date, style: DateStyle) -> String {
    let (y, m, day) = (d.year(), d.month() as usize, d.day());
    let en = EN_MONTHS[m - 1];
    match style {
        DateStyle::Iso => d.to_string(),
        DateStyle::DayMonthShort => format!("{day} {} {y}", &en[..3]),
        DateStyle::DayMonthLong => format!("{day} {en} {y}"),
        DateStyle::MonthDayLong => format!("{en} {day}, {y}"),
        DateStyle::MonthDayShort => format!("{} {day}, {y}", &en[..3]),
        DateStyle::DayFirstSlash => format!("{day:02}/{m:02}/{y}"),
        DateStyle::MonthFirstSlash => format!("{m:02}/{day:02}/{y}"),
        DateStyle::DayFirstDots => format!("{day:02}.{m:02}.{y}"),
        DateStyle::FrenchLong => {
            let day = if day == 1 {
                "1er".to_string()
            } else {
                day.to_string()
            };
            format!("{day} {} {y}", FR_MONTHS[m - 1])
        }
    }
}

pub fn rate(r: f64, french: bool) -> String {
    let s = if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r}")
    };
    if french {
        s.replace('.', ",")
    } else {
        s
    }
}

pub fn pad(s: &str, width: usize) -> String {
    let len = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(len)))
}

pub fn lpad(s: &str, width: usize) -> String {
    let len = s.chars().count();
    format!("{}{s}", " ".repeat(width.saturating_sub(len)))
}

/// Rows of cells as aligned columns: the first left-aligned, the rest right.
pub fn columns(rows: &[Vec<String>], first_right: bool) -> Vec<String> {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
                + 3
        })
        .collect();
    rows.iter()
        .map(|r| {
            r.iter()
                .enumerate()
                .map(|(c, s)| {
                    if c == 0 && !first_right {
                        pad(s, widths[c])
                    } else {
                        lpad(s, widths[c])
                    }
                })
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

/// The widest cell of each of four columns.
pub fn widths(rows: &[Vec<String>]) -> Vec<usize> {
    (0..4)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect()
}

/// The date styles of the US layouts: month-first numeric dates only when
/// one of the dates proves the order.
pub fn us_dates(proves_month_first: bool) -> &'static [DateStyle] {
    if proves_month_first {
        &[
            DateStyle::MonthFirstSlash,
            DateStyle::MonthDayShort,
            DateStyle::Iso,
        ]
    } else {
        &[
            DateStyle::MonthDayShort,
            DateStyle::MonthDayLong,
            DateStyle::Iso,
        ]
    }
}

/// What every layout writes of a drawn invoice.
impl Draft {
    /// The issue date in `style`.
    pub fn issued(&self, style: DateStyle) -> String {
        self.invoice
            .invoice_date
            .map(|x| write_date(x, style))
            .unwrap_or_default()
    }

    /// The vendor's name and address lines.
    pub fn vendor(&self) -> Vec<String> {
        let name = self.invoice.vendor.name.clone().unwrap_or_default();
        std::iter::once(name)
            .chain(self.vendor_lines.iter().cloned())
            .collect()
    }

    /// The customer's name and address lines.
    pub fn customer(&self) -> Vec<String> {
        let name = self.invoice.customer.name.clone().unwrap_or_default();
        std::iter::once(name)
            .chain(self.customer_lines.iter().cloned())
            .collect()
    }
}

//! The five layouts, one file each: how each draws its style (region,
//! currency, number style), which date styles it may use, and how it writes
//! an invoice as lines of text.

mod english_labels;
mod french_labels;
mod quantity_first;
mod table;
mod totals_right;

use rand::rngs::StdRng;

use super::drawing::Draft;
use super::writing::{DateStyle, Style};
use super::Layout;

impl Layout {
    /// The region the invoice is from, and how its amounts are written.
    pub(super) fn style(self, rng: &mut StdRng) -> (&'static str, Style) {
        match self {
            Layout::EnglishLabels => english_labels::style(rng),
            Layout::FrenchLabels => french_labels::style(rng),
            Layout::Table => table::style(rng),
            Layout::TotalsRight => totals_right::style(rng),
            Layout::QuantityFirst => quantity_first::style(rng),
        }
    }

    /// The date styles a careful reader can read without doubt in this
    /// layout (`proves_month_first`: a day after the 12th is among the dates).
    pub(super) fn dates(self, proves_month_first: bool) -> &'static [DateStyle] {
        match self {
            Layout::EnglishLabels => english_labels::dates(proves_month_first),
            Layout::FrenchLabels => french_labels::dates(proves_month_first),
            Layout::Table => table::dates(proves_month_first),
            Layout::TotalsRight => totals_right::dates(proves_month_first),
            Layout::QuantityFirst => quantity_first::dates(proves_month_first),
        }
    }

    /// The invoice `d` as lines of text.
    pub(super) fn write(
        self,
        rng: &mut StdRng,
        d: &Draft,
        s: &Style,
        dates: DateStyle,
    ) -> Vec<String> {
        match self {
            Layout::EnglishLabels => english_labels::write(rng, d, s, dates),
            Layout::FrenchLabels => french_labels::write(rng, d, s, dates),
            Layout::Table => table::write(rng, d, s, dates),
            Layout::TotalsRight => totals_right::write(rng, d, s, dates),
            Layout::QuantityFirst => quantity_first::write(rng, d, s, dates),
        }
    }
}

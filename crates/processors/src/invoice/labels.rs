//! The words invoices put before their values, in English and French:
//! `Invoice No.`, `N° de facture`, `Date`, `Échéance`, `Bill to`, `Client`,
//! `Subtotal`, `Total HT`, `VAT`, `TVA`, `Total TTC`, `SIRET`... A label is
//! compared as a sequence of folded tokens (`Facturé à :` → `facture a`),
//! with the many ways to write "number" (`No.`, `N°`, `#`, `Nr`, `Numéro`)
//! reduced to `no`. This module only names labels; reading the values that
//! follow them is the extractor's job.

use super::currency;
use super::text::fold;

/// What a label announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    InvoiceNumber,
    InvoiceDate,
    DueDate,
    /// Payment terms (`Net 30`), from which a due date may be inferred.
    Terms,
    Currency,
    /// A block about the seller starts (`From`, `Émetteur`).
    Vendor,
    /// A block about the buyer starts (`Bill to`, `Client`).
    Customer,
    /// A block the result does not keep (`Ship to`).
    OtherParty,
    /// A tax or company identifier, with its precedence (VAT 3, tax id 2,
    /// company registration 1).
    TaxId(u8),
    Subtotal,
    Tax,
    /// A total, with its precedence: 2 for the invoice total, 1 for what is
    /// left to pay.
    Total(u8),
    /// A label whose value is not kept (phone, email, customer number, paid).
    Ignored,
}

const LABELS: &[(&str, Label)] = &[
    // Invoice number.
    ("invoice no", Label::InvoiceNumber),
    ("invoice", Label::InvoiceNumber),
    ("tax invoice", Label::InvoiceNumber),
    ("tax invoice no", Label::InvoiceNumber),
    ("inv no", Label::InvoiceNumber),
    ("invoice id", Label::InvoiceNumber),
    ("invoice ref", Label::InvoiceNumber),
    ("invoice reference", Label::InvoiceNumber),
    ("bill no", Label::InvoiceNumber),
    ("facture no", Label::InvoiceNumber),
    ("facture", Label::InvoiceNumber),
    ("no de facture", Label::InvoiceNumber),
    ("no facture", Label::InvoiceNumber),
    ("reference facture", Label::InvoiceNumber),
    ("ref facture", Label::InvoiceNumber),
    ("no", Label::InvoiceNumber),
    // Invoice date.
    ("invoice date", Label::InvoiceDate),
    ("date", Label::InvoiceDate),
    ("date of issue", Label::InvoiceDate),
    ("date of invoice", Label::InvoiceDate),
    ("issue date", Label::InvoiceDate),
    ("date issued", Label::InvoiceDate),
    ("issued", Label::InvoiceDate),
    ("issued on", Label::InvoiceDate),
    ("dated", Label::InvoiceDate),
    ("billing date", Label::InvoiceDate),
    ("date de facture", Label::InvoiceDate),
    ("date facture", Label::InvoiceDate),
    ("date de facturation", Label::InvoiceDate),
    ("date d emission", Label::InvoiceDate),
    ("date emission", Label::InvoiceDate),
    ("emise le", Label::InvoiceDate),
    ("emis le", Label::InvoiceDate),
    ("fait le", Label::InvoiceDate),
    // Due date.
    ("due date", Label::DueDate),
    ("due", Label::DueDate),
    ("date due", Label::DueDate),
    ("payment due", Label::DueDate),
    ("payment due date", Label::DueDate),
    ("due by", Label::DueDate),
    ("due on", Label::DueDate),
    ("payable by", Label::DueDate),
    ("pay by", Label::DueDate),
    ("date d echeance", Label::DueDate),
    ("echeance", Label::DueDate),
    ("date limite de paiement", Label::DueDate),
    ("date limite de reglement", Label::DueDate),
    ("date limite", Label::DueDate),
    ("a payer avant le", Label::DueDate),
    ("payable avant le", Label::DueDate),
    ("a regler avant le", Label::DueDate),
    // Terms.
    ("terms", Label::Terms),
    ("payment terms", Label::Terms),
    ("conditions de paiement", Label::Terms),
    ("conditions de reglement", Label::Terms),
    ("delai de paiement", Label::Terms),
    // Currency.
    ("currency", Label::Currency),
    ("devise", Label::Currency),
    ("monnaie", Label::Currency),
    ("amounts in", Label::Currency),
    ("all amounts in", Label::Currency),
    ("montants en", Label::Currency),
    // Parties.
    ("from", Label::Vendor),
    ("seller", Label::Vendor),
    ("supplier", Label::Vendor),
    ("vendor", Label::Vendor),
    ("issued by", Label::Vendor),
    ("bill from", Label::Vendor),
    ("billed by", Label::Vendor),
    ("emetteur", Label::Vendor),
    ("fournisseur", Label::Vendor),
    ("vendeur", Label::Vendor),
    ("prestataire", Label::Vendor),
    ("bill to", Label::Customer),
    ("billed to", Label::Customer),
    ("invoice to", Label::Customer),
    ("invoiced to", Label::Customer),
    ("customer", Label::Customer),
    ("client", Label::Customer),
    ("sold to", Label::Customer),
    ("to", Label::Customer),
    ("buyer", Label::Customer),
    ("facture a", Label::Customer),
    ("facturer a", Label::Customer),
    ("adresse de facturation", Label::Customer),
    ("destinataire", Label::Customer),
    ("acheteur", Label::Customer),
    ("ship to", Label::OtherParty),
    ("deliver to", Label::OtherParty),
    ("delivery address", Label::OtherParty),
    ("livrer a", Label::OtherParty),
    ("adresse de livraison", Label::OtherParty),
    ("livraison", Label::OtherParty),
    // Identifiers.
    ("vat no", Label::TaxId(3)),
    ("vat", Label::TaxId(3)),
    ("vat id", Label::TaxId(3)),
    ("vat reg no", Label::TaxId(3)),
    ("vat registration no", Label::TaxId(3)),
    ("vat registration", Label::TaxId(3)),
    ("no tva", Label::TaxId(3)),
    ("tva", Label::TaxId(3)),
    ("no de tva", Label::TaxId(3)),
    ("no tva intracommunautaire", Label::TaxId(3)),
    ("tva intracommunautaire", Label::TaxId(3)),
    ("no tva intracom", Label::TaxId(3)),
    ("tva intracom", Label::TaxId(3)),
    ("tva intra", Label::TaxId(3)),
    ("identifiant tva", Label::TaxId(3)),
    ("gst no", Label::TaxId(3)),
    ("tax id", Label::TaxId(2)),
    ("tax no", Label::TaxId(2)),
    ("tax registration no", Label::TaxId(2)),
    ("tin", Label::TaxId(2)),
    ("ein", Label::TaxId(2)),
    ("abn", Label::TaxId(2)),
    ("uid", Label::TaxId(2)),
    ("siret", Label::TaxId(1)),
    ("no siret", Label::TaxId(1)),
    ("siren", Label::TaxId(1)),
    ("no siren", Label::TaxId(1)),
    ("company no", Label::TaxId(1)),
    ("company registration no", Label::TaxId(1)),
    ("registration no", Label::TaxId(1)),
    ("reg no", Label::TaxId(1)),
    // Totals.
    ("subtotal", Label::Subtotal),
    ("sub total", Label::Subtotal),
    ("net amount", Label::Subtotal),
    ("net total", Label::Subtotal),
    ("total net", Label::Subtotal),
    ("total excl vat", Label::Subtotal),
    ("total excl tax", Label::Subtotal),
    ("total before tax", Label::Subtotal),
    ("amount before tax", Label::Subtotal),
    ("total ht", Label::Subtotal),
    ("sous total", Label::Subtotal),
    ("sous total ht", Label::Subtotal),
    ("montant ht", Label::Subtotal),
    ("total hors taxes", Label::Subtotal),
    ("total hors taxe", Label::Subtotal),
    ("tax", Label::Tax),
    ("sales tax", Label::Tax),
    ("gst", Label::Tax),
    ("hst", Label::Tax),
    ("total tax", Label::Tax),
    ("total vat", Label::Tax),
    ("total tva", Label::Tax),
    ("montant tva", Label::Tax),
    ("montant de la tva", Label::Tax),
    ("taxes", Label::Tax),
    ("tax amount", Label::Tax),
    ("vat amount", Label::Tax),
    ("total", Label::Total(2)),
    ("total ttc", Label::Total(2)),
    ("grand total", Label::Total(2)),
    ("total amount", Label::Total(2)),
    ("invoice total", Label::Total(2)),
    ("total due", Label::Total(2)),
    ("total to pay", Label::Total(2)),
    ("total payable", Label::Total(2)),
    ("total incl vat", Label::Total(2)),
    ("total incl tax", Label::Total(2)),
    ("montant ttc", Label::Total(2)),
    ("montant total", Label::Total(2)),
    ("total a payer", Label::Total(2)),
    ("net a payer", Label::Total(2)),
    ("amount due", Label::Total(1)),
    ("balance due", Label::Total(1)),
    ("amount payable", Label::Total(1)),
    ("reste a payer", Label::Total(1)),
    ("solde du", Label::Total(1)),
    ("montant du", Label::Total(1)),
    // Kept out of the result, but recognised so they are not misread.
    ("customer no", Label::Ignored),
    ("customer id", Label::Ignored),
    ("client no", Label::Ignored),
    ("account no", Label::Ignored),
    ("order no", Label::Ignored),
    ("po no", Label::Ignored),
    ("purchase order", Label::Ignored),
    ("bon de commande", Label::Ignored),
    ("commande no", Label::Ignored),
    ("phone", Label::Ignored),
    ("tel", Label::Ignored),
    ("telephone", Label::Ignored),
    ("fax", Label::Ignored),
    ("email", Label::Ignored),
    ("e mail", Label::Ignored),
    ("mail", Label::Ignored),
    ("web", Label::Ignored),
    ("website", Label::Ignored),
    ("site web", Label::Ignored),
    ("contact", Label::Ignored),
    ("iban", Label::Ignored),
    ("bic", Label::Ignored),
    ("swift", Label::Ignored),
    ("bank", Label::Ignored),
    ("banque", Label::Ignored),
    ("amount paid", Label::Ignored),
    ("paid", Label::Ignored),
    ("deposit", Label::Ignored),
    ("acompte", Label::Ignored),
    ("deja regle", Label::Ignored),
    ("page", Label::Ignored),
];

/// The tokens a label is compared by: folded, punctuation dropped, every
/// spelling of "number" reduced to `no`.
pub fn key_tokens(text: &str) -> Vec<String> {
    let folded = fold(text)
        .replace('#', " no ")
        .replace("n°", " no ")
        .replace('°', " ");
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| match t {
            "number" | "num" | "numero" | "nr" | "nro" | "nbr" => "no".to_string(),
            "nos" => "no".to_string(),
            "excl" | "exc" | "ex" | "excluding" => "excl".to_string(),
            "incl" | "inc" | "including" => "incl".to_string(),
            other => other.to_string(),
        })
        .collect()
}

/// The label `text` is, exactly (all of it).
pub fn label_of(text: &str) -> Option<Label> {
    let key = key_tokens(text).join(" ");
    lookup(&key)
}

fn lookup(key: &str) -> Option<Label> {
    LABELS.iter().find(|(k, _)| *k == key).map(|(_, l)| *l)
}

/// For a totals line: the label that starts `text` once numbers, rates,
/// currency words and small filler words are set aside, e.g.
/// `VAT 20% on net` → `Tax`, `Total TTC (EUR)` → `Total(2)`.
pub fn totals_label(text: &str) -> Option<Label> {
    let tokens: Vec<String> = key_tokens(text)
        .into_iter()
        .filter(|t| !t.chars().all(|c| c.is_ascii_digit()))
        .filter(|t| currency::iso_code(t).is_none())
        .collect();
    // The longest known label that starts the line, with at most two words
    // of filler after it ("rate", "on", "sur", "de"...).
    for n in (1..=tokens.len().min(5)).rev() {
        let key = tokens[..n].join(" ");
        if let Some(label) = lookup(&key) {
            let amount_like = matches!(
                label,
                Label::Subtotal | Label::Tax | Label::Total(_) | Label::TaxId(_) | Label::Ignored
            );
            if amount_like && tokens.len() - n <= 2 {
                return Some(match label {
                    // `VAT 20%` or `TVA (20 %)` before an amount is the tax.
                    Label::TaxId(3) if matches!(tokens[0].as_str(), "vat" | "tva") && n == 1 => {
                        Label::Tax
                    }
                    other => other,
                });
            }
        }
    }
    None
}

/// Words that name the columns of a line-item table, by column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// A product code or reference (`Réf.`, `SKU`), before the description.
    Reference,
    Description,
    Quantity,
    UnitPrice,
    Amount,
}

/// The column a header word (or two) names.
pub fn column_of(tokens: &[String]) -> Option<(Column, usize)> {
    let two = tokens.get(..2).map(|t| t.join(" "));
    if let Some(two) = two {
        let column = match two.as_str() {
            "unit price" | "prix unitaire" | "unit cost" | "price unit" | "prix ht" | "pu ht"
            | "unit rate" => Some(Column::UnitPrice),
            "line total" | "total ht" | "montant ht" | "total ttc" | "total price" => {
                Some(Column::Amount)
            }
            _ => None,
        };
        if let Some(c) = column {
            return Some((c, 2));
        }
    }
    let column = match tokens.first()?.as_str() {
        "description" | "designation" | "item" | "items" | "article" | "articles" | "produit"
        | "produits" | "service" | "services" | "libelle" | "detail" | "details" | "prestation"
        | "product" => Column::Description,
        "qty" | "quantity" | "quantite" | "qte" | "qt" | "hours" | "hrs" | "heures" | "units"
        | "nb" | "jours" | "days" => Column::Quantity,
        "price" | "rate" | "prix" | "pu" | "tarif" | "unit" => Column::UnitPrice,
        "ref" | "reference" | "code" | "sku" | "art" | "part" => Column::Reference,
        "amount" | "montant" | "total" | "subtotal" => Column::Amount,
        _ => return None,
    };
    Some((column, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_match_however_written() {
        assert_eq!(label_of("Invoice No."), Some(Label::InvoiceNumber));
        assert_eq!(label_of("Invoice #"), Some(Label::InvoiceNumber));
        assert_eq!(label_of("N° de facture"), Some(Label::InvoiceNumber));
        assert_eq!(label_of("Numéro de facture"), Some(Label::InvoiceNumber));
        assert_eq!(label_of("Date d'émission"), Some(Label::InvoiceDate));
        assert_eq!(label_of("ÉCHÉANCE"), Some(Label::DueDate));
        assert_eq!(label_of("Facturé à"), Some(Label::Customer));
        assert_eq!(label_of("N° TVA intracommunautaire"), Some(Label::TaxId(3)));
        assert_eq!(label_of("VAT Number"), Some(Label::TaxId(3)));
        assert_eq!(label_of("SIRET"), Some(Label::TaxId(1)));
        assert_eq!(label_of("Customer No"), Some(Label::Ignored));
        assert_eq!(label_of("Widget"), None);
    }

    #[test]
    fn totals_labels_tolerate_rates_and_codes() {
        assert_eq!(totals_label("Subtotal"), Some(Label::Subtotal));
        assert_eq!(totals_label("Sous-total HT"), Some(Label::Subtotal));
        assert_eq!(totals_label("Total HT"), Some(Label::Subtotal));
        assert_eq!(totals_label("VAT (20%)"), Some(Label::Tax));
        assert_eq!(totals_label("TVA 20 %"), Some(Label::Tax));
        assert_eq!(totals_label("Total TVA"), Some(Label::Tax));
        assert_eq!(totals_label("Total TTC"), Some(Label::Total(2)));
        assert_eq!(totals_label("TOTAL (EUR)"), Some(Label::Total(2)));
        assert_eq!(totals_label("Total excl. VAT"), Some(Label::Subtotal));
        assert_eq!(totals_label("Balance due"), Some(Label::Total(1)));
        assert_eq!(totals_label("Net à payer"), Some(Label::Total(2)));
        assert_eq!(totals_label("Consulting services for the month"), None);
    }

    #[test]
    fn header_words_name_columns() {
        let t = key_tokens("Unit price");
        assert_eq!(column_of(&t), Some((Column::UnitPrice, 2)));
        let t = key_tokens("Qté");
        assert_eq!(column_of(&t), Some((Column::Quantity, 1)));
    }
}

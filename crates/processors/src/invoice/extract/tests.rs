//! The builtin extractor on hand-written invoices of different shapes.

use super::*;

fn date(y: i32, m: u32, d: u32) -> Option<Date> {
    Date::new(y, m, d)
}

const ENGLISH: &str = "\
Acme Widgets Ltd
12 High Street
London EC1A 1BB
United Kingdom
VAT Number: GB123456789
Phone: +44 20 7946 0000

INVOICE

Invoice Number: INV-2026-0042
Invoice Date: 22 Nov 2026
Due Date: 22 Dec 2026

Bill To:
Globex Corporation
500 Market Street
San Francisco, CA 94105
Tax ID: 94-1234567X

Description                 Qty    Unit Price      Amount
Widget A                      3        £12.50      £37.50
Consulting (hours)           10     £1,200.00  £12,000.00

                               Subtotal:       £12,037.50
                               VAT (20%):       £2,407.50
                               Total:          £14,445.00
";

#[test]
fn english_label_value_invoice() {
    let ex = extract(ENGLISH);
    let inv = &ex.invoice;
    assert_eq!(inv.invoice_number.as_deref(), Some("INV-2026-0042"));
    assert_eq!(inv.invoice_date, date(2026, 11, 22));
    assert_eq!(inv.due_date, date(2026, 12, 22));
    assert_eq!(inv.vendor.name.as_deref(), Some("Acme Widgets Ltd"));
    assert_eq!(
        inv.vendor.address.as_deref(),
        Some("12 High Street, London EC1A 1BB, United Kingdom")
    );
    assert_eq!(inv.vendor.tax_id.as_deref(), Some("GB123456789"));
    assert_eq!(inv.customer.name.as_deref(), Some("Globex Corporation"));
    assert_eq!(
        inv.customer.address.as_deref(),
        Some("500 Market Street, San Francisco, CA 94105")
    );
    assert_eq!(inv.customer.tax_id.as_deref(), Some("94-1234567X"));
    assert_eq!(inv.currency.as_deref(), Some("GBP"));
    assert_eq!(inv.line_items.len(), 2);
    assert_eq!(
        inv.line_items[1].description.as_deref(),
        Some("Consulting (hours)")
    );
    assert_eq!(inv.line_items[1].quantity, Some(10.0));
    assert_eq!(inv.line_items[1].unit_price, Some(1200.0));
    assert_eq!(inv.line_items[1].amount, Some(12000.0));
    assert_eq!(inv.subtotal, Some(12037.5));
    assert_eq!(inv.tax, Some(2407.5));
    assert_eq!(inv.total, Some(14445.0));
    assert_eq!(ex.doubts, []);
}

const FRENCH: &str = "\
FACTURE N° F2026-118

Émetteur :
Atelier Dubois SARL
14 rue des Lilas
69003 Lyon

Client :
Boulangerie Martin
2 place du Marché
33000 Bordeaux
N° TVA : FR98765432109

Date : 05/03/2026
Échéance : 4 avril 2026

Désignation              Qté    Prix unitaire HT    Montant HT
Pain de campagne         120              2,50 €      300,00 €
Conseil en agencement      3          1 234,56 €    3 703,68 €

Total HT : 4 003,68 €
TVA 20 % : 800,74 €
Total TTC : 4 804,42 €

SIRET : 123 456 789 00012 — N° TVA : FR12345678901
";

#[test]
fn french_invoice_with_space_thousands_and_footer_ids() {
    let ex = extract(FRENCH);
    let inv = &ex.invoice;
    assert_eq!(inv.invoice_number.as_deref(), Some("F2026-118"));
    // French labels: numeric dates are day-first, without doubt.
    assert_eq!(inv.invoice_date, date(2026, 3, 5));
    assert_eq!(inv.due_date, date(2026, 4, 4));
    assert_eq!(inv.vendor.name.as_deref(), Some("Atelier Dubois SARL"));
    assert_eq!(
        inv.vendor.address.as_deref(),
        Some("14 rue des Lilas, 69003 Lyon")
    );
    assert_eq!(inv.vendor.tax_id.as_deref(), Some("FR12345678901"));
    assert_eq!(inv.customer.name.as_deref(), Some("Boulangerie Martin"));
    assert_eq!(inv.customer.tax_id.as_deref(), Some("FR98765432109"));
    assert_eq!(inv.currency.as_deref(), Some("EUR"));
    assert_eq!(inv.line_items.len(), 2);
    assert_eq!(inv.line_items[1].unit_price, Some(1234.56));
    assert_eq!(inv.line_items[1].amount, Some(3703.68));
    assert_eq!(inv.subtotal, Some(4003.68));
    assert_eq!(inv.tax, Some(800.74));
    assert_eq!(inv.total, Some(4804.42));
    assert_eq!(ex.doubts, []);
}

const TABLE: &str = "\
NORTHWIND TRADERS INC.
400 Lakeside Drive, Seattle, WA 98101

Invoice No.      Invoice Date      Due Date       Currency
NW-88812         11/22/2026        12/22/2026     USD

Bill To                              Ship To
Contoso Pharmaceuticals              Contoso Warehouse
77 Harbor Road                       9 Dock Lane
Boston, MA 02110                     Boston, MA 02111

| Item                     | Qty | Unit Price |    Amount |
|--------------------------|-----|------------|-----------|
| Shipping pallets         |  12 |      45.00 |    540.00 |
| Forklift rental (days)   |   2 |     310.50 |    621.00 |
|                          |     | Subtotal   |  1,161.00 |
|                          |     | Sales Tax  |     95.78 |
|                          |     | Total      |  1,256.78 |
";

#[test]
fn table_layout_with_a_row_of_labels_and_side_by_side_blocks() {
    let ex = extract(TABLE);
    let inv = &ex.invoice;
    assert_eq!(inv.invoice_number.as_deref(), Some("NW-88812"));
    assert_eq!(inv.invoice_date, date(2026, 11, 22));
    assert_eq!(inv.due_date, date(2026, 12, 22));
    assert_eq!(inv.currency.as_deref(), Some("USD"));
    assert_eq!(inv.vendor.name.as_deref(), Some("NORTHWIND TRADERS INC."));
    assert_eq!(
        inv.vendor.address.as_deref(),
        Some("400 Lakeside Drive, Seattle, WA 98101")
    );
    assert_eq!(
        inv.customer.name.as_deref(),
        Some("Contoso Pharmaceuticals")
    );
    assert_eq!(
        inv.customer.address.as_deref(),
        Some("77 Harbor Road, Boston, MA 02110")
    );
    assert_eq!(inv.line_items.len(), 2);
    assert_eq!(
        inv.line_items[0].description.as_deref(),
        Some("Shipping pallets")
    );
    assert_eq!(inv.subtotal, Some(1161.0));
    assert_eq!(inv.tax, Some(95.78));
    assert_eq!(inv.total, Some(1256.78));
    assert_eq!(ex.doubts, []);
}

const MODERN: &str = "\
Invoice #2026-0193
Issued: November 3, 2026
Payment terms: Net 30

From: Bright Pixel Studio, 8 Canal Street, Manchester M1 3HE
VAT No: GB555666777

To: Harbour Books Ltd, 21 Quay Road, Bristol BS1 4DJ

2 × Logo design @ 1.250,00 EUR = 2.500,00 EUR
5 × Brand guidelines page @ 80,00 EUR = 400,00 EUR

                                        Net total    2.900,00 EUR
                                        VAT 20%        580,00 EUR
                                        Amount due   3.480,00 EUR
";

#[test]
fn free_layout_with_terms_and_dotted_thousands() {
    let ex = extract(MODERN);
    let inv = &ex.invoice;
    assert_eq!(inv.invoice_number.as_deref(), Some("2026-0193"));
    assert_eq!(inv.invoice_date, date(2026, 11, 3));
    assert_eq!(inv.due_date, date(2026, 12, 3));
    assert_eq!(inv.vendor.name.as_deref(), Some("Bright Pixel Studio"));
    assert_eq!(
        inv.vendor.address.as_deref(),
        Some("8 Canal Street, Manchester M1 3HE")
    );
    assert_eq!(inv.vendor.tax_id.as_deref(), Some("GB555666777"));
    assert_eq!(inv.customer.name.as_deref(), Some("Harbour Books Ltd"));
    assert_eq!(inv.currency.as_deref(), Some("EUR"));
    assert_eq!(inv.line_items.len(), 2);
    assert_eq!(
        inv.line_items[0].description.as_deref(),
        Some("Logo design")
    );
    assert_eq!(inv.line_items[0].quantity, Some(2.0));
    assert_eq!(inv.line_items[0].unit_price, Some(1250.0));
    assert_eq!(inv.subtotal, Some(2900.0));
    assert_eq!(inv.tax, Some(580.0));
    assert_eq!(inv.total, Some(3480.0));
    // The due date was computed from the terms, and says so.
    assert_eq!(ex.doubts.len(), 1);
    assert_eq!(ex.doubts[0].field, Field::DueDate);
}

#[test]
fn ambiguous_dates_and_missing_fields_are_reported_not_invented() {
    let ex = extract("Some Shop\n\nDate: 04/05/2026\n\nThanks!\nTotal: 10.00\n");
    let inv = &ex.invoice;
    assert_eq!(inv.invoice_number, None);
    assert_eq!(inv.invoice_date, date(2026, 5, 4));
    assert_eq!(inv.total, Some(10.0));
    assert_eq!(inv.vendor.name.as_deref(), Some("Some Shop"));
    assert_eq!(inv.line_items, []);
    assert!(ex
        .doubts
        .iter()
        .any(|d| d.field == Field::InvoiceDate && d.reason.contains("either way")));
}

#[test]
fn nothing_in_nothing_out() {
    let ex = extract("");
    assert_eq!(ex.invoice, Invoice::default());
    let ex = extract("\u{feff}\r\n\r\n   \r\n");
    assert_eq!(ex.invoice, Invoice::default());
}

// Layouts written after the extractor, to see how it does on shapes it was
// not tuned for; what it misses is asserted too, as known limits.

const SAAS: &str = "\
Invoice
Stripe-like SaaS Inc.
354 Oyster Point Blvd
South San Francisco, CA 94080

Invoice number   8F2C1A3B-0004
Date of issue    March 5, 2026
Date due         April 4, 2026

Bill to
Jane Doe
jane@example.com

$1,210.00 due April 4, 2026

Description                  Qty    Unit price     Amount
Pro plan (Mar 5 – Apr 5)       1     $1,100.00  $1,100.00
Extra seats                    2        $55.00    $110.00

Subtotal                                        $1,210.00
Total                                           $1,210.00
Amount due                                      $1,210.00
";

#[test]
fn saas_receipt_with_labels_in_columns() {
    let ex = extract(SAAS);
    let inv = &ex.invoice;
    assert_eq!(inv.invoice_number.as_deref(), Some("8F2C1A3B-0004"));
    assert_eq!(inv.invoice_date, date(2026, 3, 5));
    assert_eq!(inv.due_date, date(2026, 4, 4));
    assert_eq!(inv.vendor.name.as_deref(), Some("Stripe-like SaaS Inc."));
    assert_eq!(inv.customer.name.as_deref(), Some("Jane Doe"));
    assert_eq!(inv.customer.address, None);
    assert_eq!(
        inv.line_items[0].description.as_deref(),
        Some("Pro plan (Mar 5 – Apr 5)")
    );
    assert_eq!(inv.total, Some(1210.0));
    assert_eq!(inv.tax, None);
}

const ARTISAN: &str = "\
ENTREPRISE BATI-PLUS
12, avenue de la République - 75011 PARIS
Tél : 01 40 00 00 00 - contact@batiplus.fr

                                   M. et Mme Durand
                                   4 impasse des Roses
                                   92100 Boulogne

Facture n° 2026/0457 du 14/02/2026

Réf.   Désignation                      Quantité   P.U. HT    Total HT
001    Dépose ancien carrelage          25,00      18,00      450,00
002    Pose carrelage grès cérame       25,00      42,50      1 062,50

                                         Total HT           1 512,50
                                         TVA 10 %             151,25
                                         Total TTC          1 663,75

Conditions de paiement : 30 jours
SIRET 812 345 678 00019 - TVA intracommunautaire FR 45 812345678
";

#[test]
fn french_artisan_invoice_with_a_reference_column() {
    let ex = extract(ARTISAN);
    let inv = &ex.invoice;
    assert_eq!(inv.invoice_number.as_deref(), Some("2026/0457"));
    assert_eq!(inv.invoice_date, date(2026, 2, 14));
    assert_eq!(inv.due_date, date(2026, 3, 16));
    assert_eq!(inv.vendor.name.as_deref(), Some("ENTREPRISE BATI-PLUS"));
    assert_eq!(inv.vendor.tax_id.as_deref(), Some("FR 45 812345678"));
    assert_eq!(
        inv.line_items[1].description.as_deref(),
        Some("Pose carrelage grès cérame")
    );
    assert_eq!(inv.line_items[1].amount, Some(1062.5));
    assert_eq!(inv.total, Some(1663.75));
    // Known limits: an unlabelled customer block and amounts without any
    // currency mark are left unknown rather than guessed.
    assert_eq!(inv.customer.name, None);
    assert_eq!(inv.currency, None);
}

const TWO_COLUMN_HEADER: &str = "\
ACME CORP                                   INVOICE
1 Infinite Loop                             Invoice #: 10045
Cupertino, CA 95014                         Date: 01/15/2026
                                            Due: 02/14/2026
Bill To:
Wayne Enterprises
1007 Mountain Drive, Gotham

Item            Description           Qty   Rate      Amount
HW-100          Rack server           2     2,499.00  4,998.00
SV-200          Installation          1     350.00    350.00

Subtotal: 5,348.00
Tax (7.25%): 387.73
Total: USD 5,735.73
";

#[test]
fn vendor_block_beside_the_invoice_fields() {
    let ex = extract(TWO_COLUMN_HEADER);
    let inv = &ex.invoice;
    assert_eq!(inv.invoice_number.as_deref(), Some("10045"));
    assert_eq!(inv.invoice_date, date(2026, 1, 15));
    assert_eq!(inv.vendor.name.as_deref(), Some("ACME CORP"));
    assert_eq!(
        inv.vendor.address.as_deref(),
        Some("1 Infinite Loop, Cupertino, CA 95014")
    );
    assert_eq!(inv.customer.name.as_deref(), Some("Wayne Enterprises"));
    assert_eq!(
        inv.line_items[0].description.as_deref(),
        Some("Rack server")
    );
    assert_eq!(inv.currency.as_deref(), Some("USD"));
    assert_eq!(inv.total, Some(5735.73));
    assert_eq!(ex.doubts, []);
}

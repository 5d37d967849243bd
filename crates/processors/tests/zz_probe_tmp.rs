use jobcast_processors::invoice::{extract, validate};
#[test]
fn probe() {
    let docs = [
        "Invoice
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
",
        "ENTREPRISE BATI-PLUS
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
",
        "ACME CORP                                   INVOICE
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
",
    ];
    for d in docs {
        let ex = extract(d);
        let v = validate(&ex.invoice, &ex.doubts);
        println!(
            "{}\nconfidence {} {:?}\n",
            serde_json::to_string_pretty(&ex.invoice.to_json()).unwrap_or_default(),
            v.confidence,
            v.summary()
        );
    }
}

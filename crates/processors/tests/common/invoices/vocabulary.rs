//! The words invoices are made of: company names, streets and cities of
//! four regions, item names, month names, tax ids and invoice numbers, and
//! the draws that pick among them.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

pub const EN_FIRST: &[&str] = &[
    "Acme",
    "Northwind",
    "Bright Pixel",
    "Blue Harbor",
    "Crimson Oak",
    "Silverline",
    "Summit",
    "Evergreen",
    "Redwood",
    "Atlas",
    "Pioneer",
    "Kestrel",
    "Granite Peak",
    "Lumen",
    "Harbour",
];
pub const EN_SECOND: &[&str] = &[
    "Widgets",
    "Traders",
    "Studio",
    "Consulting",
    "Logistics",
    "Software",
    "Supplies",
    "Design",
    "Analytics",
    "Engineering",
    "Books",
    "Media",
];
pub const EN_SUFFIX: &[&str] = &[
    "Ltd", "Inc.", "LLC", "Ltd.", "Corp.", "Limited", "Group", "Co.",
];
pub const FR_FIRST: &[&str] = &[
    "Atelier",
    "Maison",
    "Société",
    "Cabinet",
    "Boulangerie",
    "Imprimerie",
    "Librairie",
    "Garage",
];
pub const FR_SECOND: &[&str] = &[
    "Dubois", "Martin", "Lefèvre", "Moreau", "Girard", "Rousseau", "Fontaine", "Bernard", "Petit",
];
pub const FR_SUFFIX: &[&str] = &["SARL", "SAS", "SA", "EURL", "& Fils", "Frères"];
pub const EN_STREETS: &[&str] = &[
    "High Street",
    "Market Street",
    "Lakeside Drive",
    "Canal Street",
    "Harbor Road",
    "Quay Road",
    "Station Road",
    "Elm Avenue",
    "King's Road",
];
pub const UK_CITIES: &[&str] = &[
    "London EC1A 1BB",
    "Manchester M1 3HE",
    "Bristol BS1 4DJ",
    "Leeds LS1 4AP",
];
pub const US_CITIES: &[&str] = &[
    "Seattle, WA 98101",
    "Boston, MA 02110",
    "Austin, TX 78701",
    "Denver, CO 80202",
];
pub const FR_STREETS: &[&str] = &[
    "rue des Lilas",
    "avenue Victor Hugo",
    "place du Marché",
    "boulevard Haussmann",
    "chemin des Vignes",
    "quai de la Loire",
];
pub const FR_CITIES: &[&str] = &[
    "69003 Lyon",
    "75008 Paris",
    "33000 Bordeaux",
    "31000 Toulouse",
    "44000 Nantes",
];
pub const CH_CITIES: &[&str] = &["1201 Genève", "8001 Zürich", "1003 Lausanne"];
pub const EN_ITEMS: &[&str] = &[
    "Website hosting (monthly)",
    "Logo design",
    "Consulting hours",
    "Widget A",
    "Widget B",
    "Office chairs",
    "USB-C cable 2m",
    "Pack of 12 pens",
    "Annual licence 2026",
    "Data migration",
    "On-site support",
    "Printer toner",
    "Training session",
    "Cloud storage 1 TB",
    "Maintenance contract",
    "Copywriting",
    "Photo retouching",
    "Network audit",
];
pub const FR_ITEMS: &[&str] = &[
    "Pain de campagne",
    "Conseil en agencement",
    "Impression flyers A5",
    "Formation Excel",
    "Maintenance annuelle",
    "Papier A4 (ramette)",
    "Développement web",
    "Audit énergétique",
    "Location salle",
    "Traduction 1 500 mots",
    "Révision véhicule",
    "Reliure cuir",
];
pub const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub const FR_MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

pub fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or("")
}

pub fn company(rng: &mut StdRng, french: bool) -> String {
    if french {
        format!(
            "{} {} {}",
            pick(rng, FR_FIRST),
            pick(rng, FR_SECOND),
            pick(rng, FR_SUFFIX)
        )
    } else {
        format!(
            "{} {} {}",
            pick(rng, EN_FIRST),
            pick(rng, EN_SECOND),
            pick(rng, EN_SUFFIX)
        )
    }
}

/// Address lines for a region: "uk", "us", "fr" or "ch".
pub fn address(rng: &mut StdRng, region: &str) -> Vec<String> {
    let n = rng.gen_range(1..=240);
    match region {
        "fr" | "ch" => {
            let mut lines = vec![format!("{n} {}", pick(rng, FR_STREETS))];
            if rng.gen_bool(0.3) {
                lines.push(format!("Bâtiment {}", pick(rng, &["A", "B", "C"])));
            }
            lines.push(pick(rng, if region == "fr" { FR_CITIES } else { CH_CITIES }).to_string());
            if rng.gen_bool(0.3) {
                lines.push(if region == "fr" { "France" } else { "Suisse" }.to_string());
            }
            lines
        }
        _ => {
            let mut lines = vec![format!("{n} {}", pick(rng, EN_STREETS))];
            if rng.gen_bool(0.25) {
                lines.push(format!("Suite {}", rng.gen_range(100..=900)));
            }
            lines.push(pick(rng, if region == "us" { US_CITIES } else { UK_CITIES }).to_string());
            if rng.gen_bool(0.3) {
                lines.push(
                    if region == "us" {
                        "USA"
                    } else {
                        "United Kingdom"
                    }
                    .to_string(),
                );
            }
            lines
        }
    }
}

pub fn digits(rng: &mut StdRng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

pub fn tax_id(rng: &mut StdRng, region: &str) -> String {
    match region {
        "fr" => format!("FR{}", digits(rng, 11)),
        "ch" => format!(
            "CHE-{}.{}.{} TVA",
            digits(rng, 3),
            digits(rng, 3),
            digits(rng, 3)
        ),
        "us" => format!("{}-{}", digits(rng, 2), digits(rng, 7)),
        _ => format!("GB{}", digits(rng, 9)),
    }
}

pub fn invoice_number(rng: &mut StdRng, french: bool) -> String {
    let year = rng.gen_range(2025..=2027);
    match rng.gen_range(0..4) {
        0 => format!("INV-{year}-{:04}", rng.gen_range(1..10_000)),
        1 if french => format!("F{year}-{:03}", rng.gen_range(1..1000)),
        1 => format!(
            "{}{}",
            pick(rng, &["A", "NW", "BP", "INV"]),
            rng.gen_range(10_000..100_000)
        ),
        2 => format!("{year}-{:04}", rng.gen_range(1..10_000)),
        _ => format!("{}", rng.gen_range(1000..1_000_000)),
    }
}

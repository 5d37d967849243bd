//! Makes a novel-like book with known sentences, to measure how well
//! `pdf.sentences` recovers them. The text mixes English and French
//! chapters with dialogue (“ ”, « », dialogue dashes), abbreviations, initials,
//! numbers, ellipses, compounds and long words; it is laid out like a printed
//! book: lines wrapped at a fixed width, long words hyphenated at the end of a
//! line (at an arbitrary point, not at a syllable), paragraphs running over
//! page breaks, running headers that alternate between even and odd pages,
//! chapter openings without a header, and page numbers at the foot.
//!
//! The expected sentences are the templates' own sentences, written down
//! before any layout: nothing here knows how the splitter works.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

/// A book: the lines of each page, and every sentence in reading order.
pub struct Novel {
    pub pages: Vec<Vec<String>>,
    pub sentences: Vec<String>,
}

const LINE_WIDTH: usize = 80;
const BODY_LINES: usize = 40;
const HEADER_EVEN: &str = "The Two Shores";
const HEADER_ODD: &str = "LES DEUX RIVES";
/// No-break spaces: an indent that survives wrapping and the text layer.
const INDENT: &str = "\u{a0}\u{a0}\u{a0}\u{a0}";

const EN_NAMES: &[&str] = &[
    "Holmes",
    "Watson",
    "Bennet",
    "Darcy",
    "Whitfield",
    "Harrington",
];
const FR_NAMES: &[&str] = &["Dupont", "Leroy", "Martin", "Bernard", "Moreau", "Lefèvre"];
const EN_FIRST: &[&str] = &["Emma", "Thomas", "Alice", "Henry", "Margaret", "Edward"];
const FR_FIRST: &[&str] = &["Jeanne", "Louis", "Camille", "Julien", "Hélène", "Antoine"];
const EN_CITIES: &[&str] = &["London", "Bath", "York", "Dover", "Oxford"];
const FR_CITIES: &[&str] = &["Paris", "Lyon", "Rouen", "Nantes", "Bordeaux"];

/// A tiny deterministic generator, so that the book is the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// One English paragraph's worth of sentences.
fn english(rng: &mut Rng) -> Vec<String> {
    let name = rng.pick(EN_NAMES);
    let first = rng.pick(EN_FIRST);
    let city = rng.pick(EN_CITIES);
    let n = 2 + rng.below(40);
    let year = 1850 + rng.below(60);
    let page = 10 + rng.below(300);
    let s = |t: &str| t.to_string();
    match rng.below(24) {
        0 => vec![format!("Mr. {name} arrived in {city} on the {n}th of May, carrying {n} letters.")],
        1 => vec![format!("Dr. {name} said the dose was 3.14 grams, i.e. far more than usual.")],
        2 => vec![format!("The house had cost $1,000.50 in {year}, which seemed a fortune at the time.")],
        3 => vec![s("J. R. R. Tolkien wrote of distant lands, e.g. Gondor and Rohan.")],
        4 => vec![format!("{first} paused..."), s("Then she opened the door.")],
        5 => vec![format!("“Are you coming?” asked {first}.")],
        6 => vec![format!("“Not yet,” said {first}."), s("“Wait for me at St. Mary’s church.”")],
        7 => vec![format!("He read p. {page} of the report, then vol. 3 of the memoirs.")],
        8 => vec![format!("Mrs. {name} lived at No. {n}, near the old mill.")],
        9 => vec![format!("The temperature fell to {n}.5 degrees before dawn.")],
        10 => vec![format!("It was, as Prof. {name} put it, a well-known problem.")],
        11 => vec![s("Why would anyone leave now?"), s("Nobody answered.")],
        12 => vec![format!("{first} counted 1,250 sheep, etc., before falling asleep.")],
        13 => vec![format!("“Stop!” cried {first}, but the carriage rolled on.")],
        14 => vec![s("Long ago — nobody knows exactly when — a bridge stood here.")],
        15 => vec![format!("He owed Mr. and Mrs. {name} exactly {n}.75 pounds.")],
        16 => vec![format!("The letter was signed by T. S. {name}, a friend of the family.")],
        17 => vec![s("What a strange evening it had been!")],
        18 => vec![s("The self-appointed guardian of the village was an extraordinarily unpleasant man.")],
        19 => vec![format!("{first} bought apples, pears, plums, etc."), s("The market closed at noon.")],
        20 => vec![s("Nobody remembered the conversation, although everybody remembered the extraordinary circumstances surrounding it.")],
        21 => vec![format!("“I wonder…” she began, and then fell silent.")],
        22 => vec![format!("In {year} the population of {city} was about 12,400, according to the census.")],
        _ => vec![format!("“Well?” said {name}."), format!("“Well, what?” replied {first}, smiling.")],
    }
}

/// One French paragraph's worth of sentences.
fn french(rng: &mut Rng) -> Vec<String> {
    let name = rng.pick(FR_NAMES);
    let first = rng.pick(FR_FIRST);
    let city = rng.pick(FR_CITIES);
    let n = 2 + rng.below(40);
    let page = 10 + rng.below(300);
    let s = |t: &str| t.to_string();
    match rng.below(24) {
        0 => vec![format!("M. {name} arriva à {city} le {n} mars, avec {n} valises.")],
        1 => vec![format!("Mme {name} paya 1 000,50 euros pour la chambre, p. ex. celle du fond.")],
        2 => vec![format!("« Vraiment ? demanda Mme {name}. »")],
        3 => vec![s("— Bonjour, dit-il."), format!("— Bonjour, répondit {first}.")],
        4 => vec![format!("— Vous venez ? demanda-t-elle à M. {name}.")],
        5 => vec![format!("{first} sourit…"), s("Puis il partit sans un mot.")],
        6 => vec![format!("Le Dr {name} expliqua que la dose était de 2,5 grammes.")],
        7 => vec![s("Il cria : « Attendez ! »"), s("Puis il disparut dans la nuit.")],
        8 => vec![s("C’était peut-être la dernière fois qu’ils se voyaient.")],
        9 => vec![format!("Les travaux, c.-à-d. la réfection du toit, coûtèrent {n} 500 euros.")],
        10 => vec![format!("Mlle {name} habitait au no {n} de la rue Saint-Jacques.")],
        11 => vec![s("Pourquoi partir maintenant ?"), s("Personne ne répondit.")],
        12 => vec![s("Elle hésita…"), s("— Non, dit-elle enfin.")],
        13 => vec![format!("Le train partait à 6 h 45, et le voyage durait environ {n},5 heures.")],
        14 => vec![s("Jean-Pierre et Marie-Claire attendaient sur le quai de la gare.")],
        15 => vec![s("L’interminable conversation se prolongea jusqu’au lever du soleil, extraordinairement paisible.")],
        16 => vec![s("Quelle soirée étrange !")],
        17 => vec![format!("Il relut le chap. 3 du manuscrit, puis la p. {page}.")],
        18 => vec![format!("« Je ne sais pas », répondit M. {name}.")],
        19 => vec![s("Elle avait lu Balzac, Zola, Flaubert, etc."), s("Le soir tombait déjà.")],
        20 => vec![s("Selon Victor Hugo, « la musique, c’est du bruit qui pense ».")],
        21 => vec![format!("— Que voulez-vous dire ? demanda {first}."), s("— Rien du tout.")],
        22 => vec![format!("Les recettes atteignirent 1 250 000 francs en {}.", 1850 + n)],
        _ => vec![format!("Mme {name} et Mlle {name} prirent le thé chez M. et Mme {name}.")],
    }
}

/// The paragraphs of the book: each a list of sentences.
fn paragraphs(rng: &mut Rng, chapters: usize) -> Vec<(bool, Vec<String>)> {
    let mut out = Vec::new();
    for chapter in 1..=chapters {
        let french_chapter = chapter % 2 == 0;
        let heading = if french_chapter {
            format!("Chapitre {chapter}")
        } else {
            format!("Chapter {chapter}")
        };
        // `true` marks a chapter opening: it starts a new page.
        out.push((true, vec![heading]));
        for _ in 0..22 {
            let mut sentences = Vec::new();
            for _ in 0..(1 + rng.below(4)) {
                let mut more = if french_chapter {
                    french(rng)
                } else {
                    english(rng)
                };
                // Dialogue lines open their own paragraph.
                let dialogue = more.first().is_some_and(|s| s.starts_with('—'));
                if dialogue && !sentences.is_empty() {
                    out.push((false, std::mem::take(&mut sentences)));
                }
                sentences.append(&mut more);
                if dialogue {
                    out.push((false, std::mem::take(&mut sentences)));
                }
            }
            if !sentences.is_empty() {
                out.push((false, sentences));
            }
        }
    }
    out
}

/// Wraps a paragraph into lines of at most `LINE_WIDTH` characters,
/// hyphenating long words at the line end.
fn wrap(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        loop {
            let room =
                LINE_WIDTH.saturating_sub(line.chars().count() + usize::from(!line.is_empty()));
            let len = word.chars().count();
            if len <= room {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if let Some((head, tail)) = hyphenate(&word, room) {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(&head);
                lines.push(std::mem::take(&mut line));
                word = tail;
                continue;
            }
            if line.is_empty() {
                line = word;
                break;
            }
            lines.push(std::mem::take(&mut line));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Splits `word` so that the head (with its hyphen) fits in `room`: at its
/// own hyphen for a compound, else after at least 4 letters and before at
/// least 3, for words of letters only.
fn hyphenate(word: &str, room: usize) -> Option<(String, String)> {
    let chars: Vec<char> = word.chars().collect();
    if let Some(at) = chars.iter().position(|&c| c == '-') {
        if at > 0 && at < room && at + 1 < chars.len() {
            let head: String = chars[..=at].iter().collect();
            let tail: String = chars[at + 1..].iter().collect();
            return Some((head, tail));
        }
        return None;
    }
    let letters = chars.iter().take_while(|c| c.is_alphabetic()).count();
    if letters < 8 {
        return None;
    }
    let cut = room.checked_sub(1)?.min(letters - 3);
    if cut < 4 {
        return None;
    }
    let head: String = chars[..cut].iter().collect::<String>() + "-";
    let tail: String = chars[cut..].iter().collect();
    Some((head, tail))
}

/// A book of at least `min_pages` pages (more chapters are added until it is).
pub fn novel(min_pages: usize) -> Novel {
    let mut chapters = 1;
    loop {
        let book = build(chapters);
        if book.pages.len() >= min_pages {
            return book;
        }
        chapters += 1;
    }
}

fn build(chapters: usize) -> Novel {
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let mut sentences = Vec::new();
    let mut bodies: Vec<(bool, Vec<String>)> = Vec::new(); // (chapter opening, lines)
    let mut body: Vec<String> = Vec::new();
    let mut opening = true;
    for (index, (new_chapter, paragraph)) in paragraphs(&mut rng, chapters).into_iter().enumerate()
    {
        if new_chapter && index > 0 {
            bodies.push((opening, std::mem::take(&mut body)));
            opening = true;
        }
        sentences.extend(paragraph.iter().cloned());
        // Paragraphs are indented, as in a printed novel, with no empty line
        // between them; a chapter heading is followed by an empty line.
        let lines = if new_chapter {
            let mut lines = wrap(&paragraph.join(" "));
            lines.push(String::new());
            lines
        } else {
            let mut lines = wrap(&paragraph.join(" "));
            if let Some(first) = lines.first_mut() {
                first.insert_str(0, INDENT);
            }
            lines
        };
        for line in lines {
            if body.len() >= BODY_LINES {
                bodies.push((opening, std::mem::take(&mut body)));
                opening = false;
            }
            body.push(line);
        }
    }
    if !body.is_empty() {
        bodies.push((opening, body));
    }
    let pages = bodies
        .into_iter()
        .enumerate()
        .map(|(i, (opening, lines))| {
            let number = i + 1;
            let mut page = Vec::new();
            if !opening {
                let header = if number % 2 == 0 {
                    format!("{number}    {HEADER_EVEN}")
                } else {
                    format!("{HEADER_ODD}    {number}")
                };
                page.push(header);
                page.push(String::new());
            }
            page.extend(lines);
            page.push(String::new());
            page.push(number.to_string());
            page
        })
        .collect();
    Novel { pages, sentences }
}

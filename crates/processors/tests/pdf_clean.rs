//! Removal of running headers, footers and page numbers, and the mending of
//! lines and hyphenated words.

use jobcast_processors::pdf::{body_lines, is_page_number, Flow, Vocabulary};

const WORDS: &[&str] = &[
    "rain", "wind", "snow", "fog", "sun", "dust", "frost", "hail", "storm", "mist",
];

/// Four body lines of page `n`, all different from those of other pages.
fn body(n: usize) -> Vec<String> {
    (0..4)
        .map(|i| {
            format!(
                "Of {} and {} the story went on.",
                WORDS[(n + i) % 10],
                WORDS[(n * 3 + i) % 10]
            )
        })
        .collect()
}

fn flow(lines: &[&str], vocabulary_from: &[&str]) -> Vec<String> {
    let pages = vec![vocabulary_from
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()];
    let vocabulary = Vocabulary::from_pages(&pages);
    let mut flow = Flow::new();
    for line in lines {
        flow.push_line(line, &vocabulary);
    }
    flow.end_paragraph();
    flow.take().0
}

#[test]
fn bare_page_numbers_are_recognised() {
    for line in [
        "12",
        "- 12 -",
        "— 7 —",
        "xii",
        "Page 3",
        "12 / 300",
        "page 3 of 40",
        "3 sur 40",
    ] {
        assert!(is_page_number(line), "{line:?}");
    }
    for line in [
        "12 apples",
        "Chapter 3",
        "1914-1918 was long",
        "Page three",
        "12.5",
    ] {
        assert!(!is_page_number(line), "{line:?}");
    }
}

#[test]
fn running_headers_footers_and_page_numbers_are_removed() {
    let pages: Vec<String> = (1..=8)
        .map(|n| {
            let header = if n % 2 == 0 {
                format!("{n}    THE TWO SHORES")
            } else {
                format!("A NOVEL    {n}")
            };
            format!(
                "{header}\n\n{}\n\nConfidential draft\n{n}",
                body(n).join("\n")
            )
        })
        .collect();
    let bodies = body_lines(&pages);
    for (i, lines) in bodies.iter().enumerate() {
        assert_eq!(lines, &body(i + 1), "page {}", i + 1);
    }
}

#[test]
fn chapter_headings_at_the_top_of_pages_are_kept() {
    // Headings that repeat in shape but whose number does not follow the page.
    let openings = [
        "It began at dawn.",
        "Rain fell all night.",
        "The end came soon.",
    ];
    let pages: Vec<String> = (1..=9)
        .map(|n| {
            if n % 3 == 1 {
                let chapter = n / 3 + 1;
                format!("Chapter {chapter}\n\n{}\n{n}", openings[chapter - 1])
            } else {
                format!("Running title\n\n{}\n{n}", body(n).join("\n"))
            }
        })
        .collect();
    let bodies = body_lines(&pages);
    assert_eq!(bodies[0], ["Chapter 1", "", "It began at dawn."]);
    assert_eq!(bodies[3], ["Chapter 2", "", "Rain fell all night."]);
    assert_eq!(bodies[1], body(2));
}

#[test]
fn few_pages_keep_their_first_lines() {
    let pages = vec![
        "Same first line\nA.".to_string(),
        "Same first line\nB.".to_string(),
    ];
    let bodies = body_lines(&pages);
    assert_eq!(bodies[0], ["Same first line", "A."]);
}

#[test]
fn lines_of_a_paragraph_are_joined_and_empty_lines_end_paragraphs() {
    assert_eq!(
        flow(&["The night", "was  dark.", "", "Morning came."], &[]),
        ["The night was dark.", "Morning came."]
    );
}

#[test]
fn words_hyphenated_at_a_line_end_are_joined() {
    assert_eq!(
        flow(&["a fine exam-", "ple of it"], &[]),
        ["a fine example of it"]
    );
    assert_eq!(flow(&["une jour-", "née"], &[]), ["une journée"]);
}

#[test]
fn soft_hyphens_at_a_line_end_are_dropped() {
    assert_eq!(flow(&["extra\u{ad}", "ordinary"], &[]), ["extraordinary"]);
}

#[test]
fn compounds_broken_at_their_hyphen_keep_it() {
    // Seen whole elsewhere in the document.
    assert_eq!(
        flow(&["a well-", "known fact"], &["it is well-known"]),
        ["a well-known fact"]
    );
    // French pronouns after a verb.
    assert_eq!(flow(&["dit-", "il en riant"], &[]), ["dit-il en riant"]);
    assert_eq!(flow(&["demanda-", "t-elle"], &[]), ["demanda-t-elle"]);
    assert_eq!(flow(&["peut-", "être pas"], &[]), ["peut-être pas"]);
    // A capital or a digit after the hyphen.
    assert_eq!(flow(&["Jean-", "Pierre vint"], &[]), ["Jean-Pierre vint"]);
    assert_eq!(flow(&["in 1914-", "1918"], &[]), ["in 1914-1918"]);
    assert_eq!(flow(&["c.-", "à-d. rien"], &[]), ["c.-à-d. rien"]);
}

#[test]
fn the_documents_own_spelling_decides() {
    assert_eq!(
        flow(&["the co-", "operation"], &["cooperation matters"]),
        ["the cooperation"]
    );
    assert_eq!(
        flow(&["the co-", "operation"], &["co-operation matters"]),
        ["the co-operation"]
    );
}

#[test]
fn dashes_that_are_not_hyphens_keep_their_space() {
    assert_eq!(
        flow(&["he said —", "then left"], &[]),
        ["he said — then left"]
    );
    assert_eq!(
        flow(&["he said -", "then left"], &[]),
        ["he said - then left"]
    );
}

#[test]
fn a_flow_resumes_with_carried_text() {
    let vocabulary = Vocabulary::default();
    let mut flow = Flow::resume("It was a remark-".to_string());
    flow.push_line("able day.", &vocabulary);
    flow.end_paragraph();
    assert_eq!(flow.take().0, ["It was a remarkable day."]);
}

//! The sentence splitter and the long-sentence cutter on tricky cases of
//! English and French prose.

use jobcast_processors::pdf::{count_words, limit_words, Language, Splitter};

fn split(text: &str) -> Vec<String> {
    Splitter::new(Language::Auto).split(text)
}

fn assert_split(text: &str, expected: &[&str]) {
    assert_eq!(split(text), expected, "splitting {text:?}");
}

#[test]
fn plain_sentences_end_at_full_stops_questions_and_exclamations() {
    assert_split(
        "It rained. Was it cold? Yes! We stayed in.",
        &["It rained.", "Was it cold?", "Yes!", "We stayed in."],
    );
}

#[test]
fn english_titles_and_latin_abbreviations_do_not_end_sentences() {
    assert_split(
        "Mr. Smith met Dr. Brown and Mrs. Green at St. Paul's. They talked, e.g. about the weather, i.e. the rain.",
        &[
            "Mr. Smith met Dr. Brown and Mrs. Green at St. Paul's.",
            "They talked, e.g. about the weather, i.e. the rain.",
        ],
    );
}

#[test]
fn french_abbreviations_do_not_end_sentences() {
    assert_split(
        "M. Dupont et Mme Leroy virent le Dr Martin. Ils parlèrent de tout, p. ex. du prix, c.-à-d. de l'argent. Mlle Girard se tut.",
        &[
            "M. Dupont et Mme Leroy virent le Dr Martin.",
            "Ils parlèrent de tout, p. ex. du prix, c.-à-d. de l'argent.",
            "Mlle Girard se tut.",
        ],
    );
}

#[test]
fn etc_ends_a_sentence_only_before_a_capital() {
    assert_split(
        "We bought apples, pears, etc., and went home. She read Balzac, Zola, etc. Then she slept.",
        &[
            "We bought apples, pears, etc., and went home.",
            "She read Balzac, Zola, etc.",
            "Then she slept.",
        ],
    );
}

#[test]
fn initials_do_not_end_sentences() {
    assert_split(
        "J. R. R. Tolkien wrote it. T. S. Eliot did not. It was in the U.S. during the war.",
        &[
            "J. R. R. Tolkien wrote it.",
            "T. S. Eliot did not.",
            "It was in the U.S. during the war.",
        ],
    );
}

#[test]
fn numbers_keep_their_dots_and_commas() {
    assert_split(
        "Pi is 3.14 or so. It cost $1,000.50 in 1999. Le prix : 1 000,50 euros. See p. 12 and No. 5 for more.",
        &[
            "Pi is 3.14 or so.",
            "It cost $1,000.50 in 1999.",
            "Le prix : 1 000,50 euros.",
            "See p. 12 and No. 5 for more.",
        ],
    );
}

#[test]
fn a_number_at_the_end_of_a_sentence_still_ends_it() {
    assert_split(
        "The war ended in 1918. Peace came slowly.",
        &["The war ended in 1918.", "Peace came slowly."],
    );
}

#[test]
fn english_quotes_stay_with_their_sentence() {
    assert_split(
        "“Are you coming?” asked Emma. “Not yet,” said Tom. “Wait for me.” She waited.",
        &[
            "“Are you coming?” asked Emma.",
            "“Not yet,” said Tom.",
            "“Wait for me.”",
            "She waited.",
        ],
    );
}

#[test]
fn french_guillemets_and_incises_stay_with_their_sentence() {
    assert_split(
        "« Vraiment ? demanda Mme Leroy. » Il sourit. Il cria : « Attendez ! » Puis il partit. « Je ne sais pas », répondit-il.",
        &[
            "« Vraiment ? demanda Mme Leroy. »",
            "Il sourit.",
            "Il cria : « Attendez ! »",
            "Puis il partit.",
            "« Je ne sais pas », répondit-il.",
        ],
    );
}

#[test]
fn dialogue_dashes_start_sentences() {
    assert_split(
        "— Bonjour, dit-il. — Bonsoir, répondit-elle. — Vous venez ? demanda-t-il.",
        &[
            "— Bonjour, dit-il.",
            "— Bonsoir, répondit-elle.",
            "— Vous venez ? demanda-t-il.",
        ],
    );
}

#[test]
fn dashes_inside_a_sentence_do_not_split_it() {
    assert_split(
        "Long ago — nobody knows when — a bridge stood here. It fell – or so they say – in a storm.",
        &[
            "Long ago — nobody knows when — a bridge stood here.",
            "It fell – or so they say – in a storm.",
        ],
    );
}

#[test]
fn ellipses_end_a_sentence_only_before_a_new_one() {
    assert_split(
        "Il sourit… Puis il partit. Well... maybe not. She paused... Then she left. Je pensais… enfin, peu importe.",
        &[
            "Il sourit…",
            "Puis il partit.",
            "Well... maybe not.",
            "She paused...",
            "Then she left.",
            "Je pensais… enfin, peu importe.",
        ],
    );
}

#[test]
fn repeated_marks_stay_together() {
    assert_split(
        "What?! You did what?? Incroyable !!! Bon.",
        &["What?!", "You did what??", "Incroyable !!!", "Bon."],
    );
}

#[test]
fn a_paragraph_without_final_punctuation_is_one_sentence() {
    assert_split("Chapter 3", &["Chapter 3"]);
    assert_split("", &[] as &[&str]);
}

#[test]
fn the_language_chooses_the_abbreviations() {
    let text = "Il vit Mme Leroy. Elle partit.";
    assert_eq!(
        Splitter::new(Language::French).split(text),
        ["Il vit Mme Leroy.", "Elle partit."]
    );
    // "Mme" is no English abbreviation, but it ends with no dot here anyway;
    // "Mrs." is one, only in English.
    let english = "He saw Mrs. Green. She left.";
    assert_eq!(
        Splitter::new(Language::English).split(english),
        ["He saw Mrs. Green.", "She left."]
    );
    assert_eq!(
        Splitter::new(Language::French).split(english),
        ["He saw Mrs.", "Green.", "She left."]
    );
}

#[test]
fn words_are_counted_without_lone_punctuation() {
    assert_eq!(count_words("« Vraiment ? » — dit-il, 3,5 fois."), 4);
    assert_eq!(count_words(""), 0);
}

fn limit(text: &str, max: usize) -> Vec<String> {
    limit_words(text, max, Language::Auto)
}

#[test]
fn long_sentences_are_cut_at_semicolons_first() {
    let pieces = limit(
        "He came home late; the house was dark, and nobody waited for him at the door.",
        8,
    );
    assert_eq!(
        pieces,
        [
            "He came home late;",
            "the house was dark,",
            "and nobody waited for him at the door."
        ]
    );
}

#[test]
fn long_sentences_are_cut_before_conjunctions_when_there_is_no_punctuation() {
    let pieces = limit(
        "Il marcha longtemps dans la forêt mais il ne trouva jamais la sortie du bois",
        9,
    );
    assert_eq!(
        pieces,
        [
            "Il marcha longtemps dans la forêt",
            "mais il ne trouva jamais la sortie du bois"
        ]
    );
}

#[test]
fn cut_pieces_respect_the_limit_keep_every_word_and_never_cut_a_word() {
    let sentence = "The extraordinarily unpleasant guardian of the village shouted at every traveller who crossed the bridge before dawn without paying the toll that the council had imposed in 1850";
    for max in 3..=12 {
        let pieces = limit(sentence, max);
        for piece in &pieces {
            let n = count_words(piece);
            assert!(n >= 1 && n <= max, "{piece:?} has {n} words, limit {max}");
        }
        assert_eq!(pieces.join(" "), sentence, "with max_words {max}");
    }
}

#[test]
fn short_sentences_are_left_alone_by_the_cutter() {
    assert_eq!(limit("Short and sweet.", 3), ["Short and sweet."]);
}

#[test]
fn closing_quotes_stay_with_the_piece_they_close() {
    let pieces = limit("« Je viens , dit-il , tout de suite » et il partit vite", 4);
    for piece in &pieces {
        assert!(
            !piece.starts_with('»') && !piece.starts_with(','),
            "{pieces:?}"
        );
    }
    assert_eq!(
        pieces.join(" "),
        "« Je viens , dit-il , tout de suite » et il partit vite"
    );
}

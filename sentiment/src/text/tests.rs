//! Tokeniser and stemming cases.

use super::*;

fn words(text: &str) -> Vec<(String, bool)> {
    let a = Analysis::of(text);
    a.tokens()
        .iter()
        .map(|t| (a.text(t).to_string(), t.negated))
        .collect()
}

fn texts(text: &str) -> Vec<String> {
    words(text).into_iter().map(|(w, _)| w).collect()
}

#[test]
fn lowercases_and_splits_on_punctuation() {
    assert_eq!(
        texts("Hello, World! It's fine."),
        ["hello", "world", "it's", "fine"]
    );
    assert_eq!(texts("well-known  \"quotes\""), ["well", "known", "quotes"]);
    assert_eq!(texts("don’t"), ["don't"]);
}

#[test]
fn negation_marks_the_rest_of_the_clause() {
    assert_eq!(
        words("I don't like it"),
        [
            ("i".into(), false),
            ("don't".into(), false),
            ("like".into(), true),
            ("it".into(), true)
        ]
    );
    assert_eq!(words("not good")[1], ("good".into(), true));
}

#[test]
fn negation_scope_ends_at_punctuation_and_line_breaks() {
    for text in [
        "not bad, good",
        "not bad. good",
        "not bad! good",
        "not bad? good",
        "not bad; good",
        "not bad\ngood",
    ] {
        let w = words(text);
        assert_eq!(w[1], ("bad".into(), true), "{text}");
        assert_eq!(w[2], ("good".into(), false), "{text}");
    }
    assert!(words("never ever again")[2].1);
}

#[test]
fn emoticons_and_emoji_become_rated_tokens() {
    let a = Analysis::of("great :) bad :( wow :-D");
    let t: Vec<_> = a.tokens().iter().map(|t| (a.text(t), t.kind)).collect();
    assert_eq!(t[1], (":)", TokenKind::Emoticon));
    assert_eq!(t[3], (":(", TokenKind::Emoticon));
    assert_eq!(t[5], (":-d", TokenKind::Emoticon));
    let cues = a.cues();
    assert_eq!(
        (
            cues.emoticons_positive,
            cues.emoticons_negative,
            cues.strong_emoticons
        ),
        (2, 1, 1)
    );

    let a = Analysis::of("thanks:) see you 😂😭👍🏽");
    let t: Vec<_> = a.tokens().iter().map(|t| a.text(t)).collect();
    assert_eq!(t, ["thanks", ":)", "see", "you", "lmao", ":'(", "good"]);
    assert_eq!(a.cues().strong_emoticons, 2);
    assert_eq!(texts(":)))"), [":)"]);
    assert_eq!(Analysis::of(":)))").cues().strong_emoticons, 1);
    // Times are not emoticons.
    assert_eq!(texts("at 3:30"), ["at", "<num>", "<num>"]);
}

#[test]
fn elongations_collapse_and_count() {
    let a = Analysis::of("soooo goooood yesss cooool");
    let t: Vec<_> = a.tokens().iter().map(|t| a.text(t)).collect();
    assert_eq!(t, ["so", "good", "yes", "cool"]);
    assert!(a.tokens().iter().all(|t| t.elongated));
    assert_eq!(a.cues().elongated, 4);
    assert_eq!(a.cues().boosters, 1, "the collapsed 'so' is a booster");
    assert_eq!(Analysis::of("good cool too").cues().elongated, 0);
    assert_eq!(texts("hahahahaha hehehe"), ["hahaha", "hehe"]);
}

#[test]
fn capitals_exclamations_and_other_cues_are_counted() {
    let a = Analysis::of("I LOVE THIS so much!!! Really?? Hmm... kind of meh, maybe…");
    let c = a.cues();
    assert_eq!(c.caps_words, 2, "'I' is a single letter and does not count");
    assert_eq!(c.exclamations, 3);
    assert_eq!(c.questions, 2);
    assert_eq!(c.ellipses, 2);
    assert_eq!(c.boosters, 2, "so, really");
    assert_eq!(c.hedges, 3, "kind of, meh, maybe");
    assert!(a.tokens()[1].caps && !a.tokens()[3].caps);
    assert!(a.mixed_case());
    assert!(!Analysis::of("ALL CAPS HERE").mixed_case());
}

#[test]
fn special_tokens_for_links_mentions_numbers() {
    assert_eq!(
        texts("@anonymous see http://url_removed at 10am #exam &amp;"),
        ["<user>", "see", "<url>", "at", "<num>", "exam", "amp"]
    );
}

#[test]
fn several_texts_form_one_document_with_separate_clauses() {
    let mut a = Analysis::new();
    a.push_text("not");
    a.push_text("happy");
    assert!(!a.tokens()[1].negated);
    assert_ne!(a.tokens()[0].clause, a.tokens()[1].clause);
    a.clear();
    assert!(a.tokens().is_empty());
    assert_eq!(a.cues(), &Cues::default());
}

#[test]
fn stemming_is_english_porter2() {
    assert_eq!(stem("running"), "run");
    assert_eq!(stem("happiness"), "happi");
    assert_eq!(stem("studies"), "studi");
    assert_eq!(stem("lecturers"), "lectur");
    assert_eq!(stem(":)"), ":)");
    assert_eq!(stem("<num>"), "<num>");
}

//! Word lists: the embedded VADER valence lexicon, negations, boosters, hedges, emoticons and emoji.

use crate::fxhash::FxHashMap;
use std::sync::OnceLock;

/// The VADER lexicon as shipped in `data/vader_lexicon.tsv` (token, mean human valence -4..+4).
const VADER_LEXICON: &str = include_str!("../../data/vader_lexicon.tsv");

/// What the word lists say about one lower-case token; looked up once per token.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WordInfo {
    /// Mean human valence from the VADER lexicon.
    pub valence: Option<f64>,
    /// Opens a negation scope.
    pub negation: bool,
    /// Intensifying degree word.
    pub booster: bool,
    /// VADER dampener (shrinks the next sentiment word).
    pub dampener: bool,
    /// One-word hedge.
    pub hedge: bool,
}

/// Everything the lexicon and the word lists know about a lower-case token.
pub fn word_info(token: &str) -> WordInfo {
    match table().get(token) {
        Some(info) => *info,
        None => WordInfo {
            negation: token.ends_with("n't"),
            ..WordInfo::default()
        },
    }
}

/// Mean human valence of a lower-case token, if the VADER lexicon rates it.
pub fn valence(token: &str) -> Option<f64> {
    entry(token).map(|(_, v)| v)
}

/// The lexicon's own copy of a token with its valence (a `'static` string to point tokens at).
pub fn entry(token: &str) -> Option<(&'static str, f64)> {
    let (key, info) = table().get_key_value(token)?;
    Some((*key, info.valence?))
}

/// The lexicon and word lists merged into one table, built on first use.
fn table() -> &'static FxHashMap<&'static str, WordInfo> {
    static TABLE: OnceLock<FxHashMap<&'static str, WordInfo>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: FxHashMap<&'static str, WordInfo> = FxHashMap::default();
        for line in VADER_LEXICON.lines().skip(1) {
            if let Some((token, value)) = line.split_once('\t')
                && let Ok(v) = value.parse()
            {
                table.entry(token).or_default().valence = Some(v);
            }
        }
        let mark = |table: &mut FxHashMap<&'static str, WordInfo>,
                    words: &[&'static str],
                    set: fn(&mut WordInfo)| {
            for &word in words {
                set(table.entry(word).or_default());
            }
        };
        mark(&mut table, NEGATIONS, |i| i.negation = true);
        mark(&mut table, BOOSTERS, |i| i.booster = true);
        mark(&mut table, DAMPENERS, |i| i.dampener = true);
        mark(&mut table, HEDGE_WORDS, |i| i.hedge = true);
        for (word, info) in table.iter_mut() {
            info.negation |= word.ends_with("n't");
        }
        table
    })
}

/// Words that open a negation scope (VADER's list plus "no"); words ending in "n't" do too.
const NEGATIONS: &[&str] = &[
    "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "dont", "hadnt",
    "hasnt", "havent", "isnt", "mightnt", "mustnt", "neednt", "neither", "never", "no", "none",
    "nope", "nor", "not", "nothing", "nowhere", "nobody", "oughtnt", "shant", "shouldnt", "wasnt",
    "werent", "without", "wont", "wouldnt", "rarely", "seldom",
];

/// Whether a lower-case word negates what follows it in its clause.
pub fn is_negation(word: &str) -> bool {
    word_info(word).negation
}

/// Degree words that intensify (VADER's boosters plus chat ones).
const BOOSTERS: &[&str] = &[
    "absolutely",
    "amazingly",
    "awfully",
    "completely",
    "deeply",
    "effing",
    "enormously",
    "entirely",
    "especially",
    "exceptionally",
    "extremely",
    "freaking",
    "fricking",
    "fucking",
    "greatly",
    "hella",
    "highly",
    "hugely",
    "incredibly",
    "insanely",
    "intensely",
    "majorly",
    "particularly",
    "purely",
    "really",
    "remarkably",
    "ridiculously",
    "so",
    "such",
    "super",
    "seriously",
    "thoroughly",
    "totally",
    "tremendously",
    "truly",
    "uber",
    "unbelievably",
    "utterly",
    "very",
];

/// Whether a lower-case word is an intensifying degree word ("so", "very", "extremely", ...).
pub fn is_booster(word: &str) -> bool {
    word_info(word).booster
}

/// One-word hedges and dampeners that lower the energy of a message.
const HEDGE_WORDS: &[&str] = &[
    "almost",
    "barely",
    "hardly",
    "kinda",
    "kindof",
    "marginally",
    "maybe",
    "meh",
    "partly",
    "perhaps",
    "scarcely",
    "slightly",
    "somewhat",
    "sorta",
    "sortof",
    "whatever",
    "dunno",
];

/// Two-word hedges ("kind of", "a bit", "I guess", ...).
const HEDGE_PAIRS: &[(&str, &str)] = &[
    ("kind", "of"),
    ("sort", "of"),
    ("a", "bit"),
    ("a", "little"),
    ("i", "guess"),
    ("i", "suppose"),
    ("not", "sure"),
];

/// Whether a lower-case word is a one-word hedge or dampener.
pub fn is_hedge_word(word: &str) -> bool {
    word_info(word).hedge
}

/// Whether two consecutive lower-case words form a hedge.
pub fn is_hedge_pair(first: &str, second: &str) -> bool {
    HEDGE_PAIRS.iter().any(|&(a, b)| a == first && b == second)
}

/// Dampeners in VADER's sense (they shrink the valence of the next sentiment word).
const DAMPENERS: &[&str] = &[
    "almost",
    "barely",
    "hardly",
    "kinda",
    "less",
    "little",
    "marginally",
    "partly",
    "scarcely",
    "slightly",
    "somewhat",
    "sorta",
    "occasionally",
];

/// Whether a lower-case word is a VADER dampener.
pub fn is_dampener(word: &str) -> bool {
    word_info(word).dampener
}

/// Emoticons missing from the VADER lexicon, mapped to one it rates.
const EXTRA_EMOTICONS: &[(&str, &str)] = &[
    ("^^", ":)"),
    ("^_^", ":)"),
    ("^-^", ":)"),
    (":')", ":)"),
    ("-_-", ":|"),
    ("-.-", ":|"),
    ("(:", ":)"),
    ("):", ":("),
    (":-/", ":/"),
];

/// Emoticons that count as a strong arousal cue (big grin, laughing, crying, broken heart, anger).
const STRONG_EMOTICONS: &[&str] = &[
    ":d", ":-d", "=d", "xd", "x-d", "8d", ":'(", ":'-(", ":,(", "d:", "</3", ":@", ">:(", ">:-(",
];

/// The lexicon token an emoticon stands for, and whether it is a strong cue; `None` if not an emoticon.
///
/// `candidate` must be lower-case and already have a repeated last character collapsed (":)))" → ":)").
pub fn emoticon(candidate: &str) -> Option<(&'static str, bool)> {
    if candidate.chars().all(char::is_alphanumeric)
        || candidate.chars().filter(|c| c.is_alphabetic()).count() > 1
    {
        return None;
    }
    let canonical = match EXTRA_EMOTICONS
        .iter()
        .find(|(surface, _)| *surface == candidate)
    {
        Some((_, mapped)) => *mapped,
        None => entry(candidate)?.0,
    };
    Some((canonical, STRONG_EMOTICONS.contains(&candidate)))
}

/// The lexicon token an emoji stands for and whether it is a strong cue (mapped by hand to a VADER-rated
/// token so the valence still comes from human ratings); `None` for symbols with no mood meaning.
pub fn emoji(c: char) -> Option<(&'static str, bool)> {
    let mapped = match c {
        '😀' | '😃' | '😄' | '😊' | '🙂' | '☺' | '😇' | '🤗' | '😌' => {
            (":)", false)
        }
        '😁' | '😆' => (":d", true),
        '😂' | '🤣' => ("lmao", true),
        '😅' => ("lol", false),
        '😉' | '😜' | '😛' | '😝' => (";)", false),
        '😍' | '🥰' | '😘' | '💕' | '💖' | '💗' => ("<3", true),
        '❤' | '💙' | '💚' | '💛' | '💜' | '🧡' | '♥' => ("<3", false),
        '👍' | '👌' | '✅' => ("good", false),
        '👎' => ("bad", false),
        '🎉' | '🥳' | '🎊' => ("yay", true),
        '🙌' | '👏' => ("yay", false),
        '😎' => ("cool", false),
        '🙏' => ("thanks", false),
        '💯' => ("perfect", true),
        '😢' | '😥' | '🥲' => (":'(", false),
        '😭' => (":'(", true),
        '😞' | '😔' | '😟' | '🙁' | '☹' | '😕' | '😓' => (":(", false),
        '💔' => ("</3", true),
        '😠' | '😤' => ("angry", false),
        '😡' | '🤬' => ("angry", true),
        '😱' | '😨' => ("horrified", true),
        '😰' | '😬' => ("nervous", false),
        '😩' | '😫' => ("ugh", true),
        '😐' | '😑' | '😶' => (":|", false),
        '🙄' => ("annoyed", false),
        '😴' | '🥱' => ("tired", false),
        '🤢' | '🤮' | '🤒' | '🤕' => ("sick", false),
        _ => return None,
    };
    Some(mapped)
}

/// Characters that belong to an emoji sequence without carrying meaning of their own.
pub fn is_emoji_modifier(c: char) -> bool {
    matches!(
        c,
        '\u{FE0F}' | '\u{FE0E}' | '\u{200D}' | '\u{1F3FB}'..='\u{1F3FF}'
    )
}

/// Pictographic characters that are kept as their own token even when they carry no lexicon valence.
pub fn is_pictograph(c: char) -> bool {
    matches!(c, '\u{1F300}'..='\u{1FAFF}' | '\u{2600}'..='\u{27BF}')
}

/// Common short words an elongation may collapse to ("soooo" → "so", "hiii" → "hi").
pub fn is_known_short_word(word: &str) -> bool {
    matches!(
        word,
        "so" | "no"
            | "yes"
            | "hi"
            | "hey"
            | "oh"
            | "ah"
            | "why"
            | "omg"
            | "ok"
            | "okay"
            | "wow"
            | "yay"
            | "please"
            | "what"
            | "now"
            | "go"
            | "me"
            | "my"
            | "too"
            | "love"
            | "lol"
            | "ugh"
            | "hm"
            | "yeah"
            | "nah"
            | "bye"
            | "sorry"
            | "sure"
            | "thanks"
            | "fun"
            | "tired"
            | "bored"
            | "mad"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicon_is_embedded_and_uses_the_last_duplicate() {
        assert_eq!(valence("good"), Some(1.9));
        assert_eq!(valence("ok"), Some(1.2));
        assert_eq!(valence(":)"), Some(2.0));
        assert_eq!(valence("table"), None);
    }

    #[test]
    fn word_lists() {
        assert!(is_negation("don't") && is_negation("never") && is_negation("isnt"));
        assert!(!is_negation("note"));
        assert!(is_booster("extremely") && !is_booster("good"));
        assert!(is_hedge_pair("kind", "of") && is_hedge_word("meh") && !is_hedge_word("very"));
    }

    #[test]
    fn emoticons_and_emoji_map_to_rated_tokens() {
        assert_eq!(emoticon(":)"), Some((":)", false)));
        assert_eq!(emoticon(":-d"), Some((":-d", true)));
        assert_eq!(emoticon("^^"), Some((":)", false)));
        assert_eq!(emoticon("ok"), None);
        assert_eq!(emoticon("no:)"), None);
        assert_eq!(emoji('😭'), Some((":'(", true)));
        for c in ['😀', '😂', '😍', '👍', '😢', '😡', '😐', '🙄', '😴', '🎉'] {
            let (token, _) = emoji(c).unwrap();
            assert!(valence(token).is_some(), "{c} maps to unrated {token}");
        }
    }
}

//! Normalisation and tokenisation of chat text into words, emoticons and emoji, with negation scope
//! and the arousal cues (exclamations, capitals, elongations, boosters, hedges, ellipses).

use super::lexicon::{self, WordInfo};
use std::ops::Range;

/// What a token is, which decides how it is stemmed and scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A lower-cased word (elongations collapsed, apostrophes kept).
    Word,
    /// Anything starting with a digit, written as `<num>`.
    Number,
    /// A link, written as `<url>`.
    Url,
    /// An @mention, written as `<user>`.
    Mention,
    /// An emoticon or emoji, written as the VADER token it stands for (":)", "<3", ...).
    Emoticon,
}

/// One token of an analysed text; its text lives in the owning [`Analysis`].
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    span: Range<u32>,
    /// What sort of token this is.
    pub kind: TokenKind,
    /// Inside the scope of a preceding negation in the same clause.
    pub negated: bool,
    /// Written in capitals (at least two letters, none lower-case).
    pub caps: bool,
    /// A letter was repeated three or more times ("soooo").
    pub elongated: bool,
    /// Clause number; punctuation and line breaks start a new clause.
    pub clause: u32,
    /// Lexicon valence and word-list membership (words and emoticons; default for the rest).
    pub info: WordInfo,
}

/// Counts of the surface cues that signal how charged a text is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cues {
    /// '!' characters.
    pub exclamations: u32,
    /// '?' characters.
    pub questions: u32,
    /// Runs of three or more dots, or '…'.
    pub ellipses: u32,
    /// Words in capitals (two or more letters).
    pub caps_words: u32,
    /// Elongated words ("soooo").
    pub elongated: u32,
    /// Intensifying degree words ("so", "very", "extremely", ...).
    pub boosters: u32,
    /// Hedges and dampeners ("kind of", "a bit", "maybe", "I guess", "meh", ...).
    pub hedges: u32,
    /// Emoticons/emoji with positive valence.
    pub emoticons_positive: u32,
    /// Emoticons/emoji with negative valence.
    pub emoticons_negative: u32,
    /// Strong emoticons/emoji (":D", "XD", ":'(", "😂", "😭", ...) or ones with a repeated last character.
    pub strong_emoticons: u32,
    /// Negation words.
    pub negations: u32,
    /// Word tokens (numbers, links and mentions excluded).
    pub words: u32,
}

/// A tokenised text (or several texts read as one document), with its cues.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    buffer: String,
    tokens: Vec<Token>,
    cues: Cues,
    clause: u32,
    negating: bool,
    scratch: String,
}

impl Analysis {
    /// An empty document; add texts with [`Analysis::push_text`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Tokenises one text.
    pub fn of(text: &str) -> Self {
        let mut analysis = Self::new();
        analysis.push_text(text);
        analysis
    }

    /// Empties the document but keeps its buffers for reuse.
    pub fn clear(&mut self) {
        self.buffer.clear();
        self.tokens.clear();
        self.cues = Cues::default();
        self.clause = 0;
        self.negating = false;
    }

    /// The tokens in order.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// The normalised text of a token of this analysis.
    pub fn text(&self, token: &Token) -> &str {
        &self.buffer[token.span.start as usize..token.span.end as usize]
    }

    /// The cue counts of the whole document.
    pub fn cues(&self) -> &Cues {
        &self.cues
    }

    /// Whether the document mixes capitalised and lower-case words (VADER's condition for caps emphasis).
    pub fn mixed_case(&self) -> bool {
        self.cues.caps_words > 0 && self.cues.caps_words < self.cues.words
    }

    /// Appends a text to the document; it starts a new clause.
    pub fn push_text(&mut self, text: &str) {
        for line in text.lines() {
            self.end_clause();
            for chunk in line.split_whitespace() {
                self.push_chunk(chunk);
            }
        }
        self.end_clause();
    }

    fn end_clause(&mut self) {
        if self.tokens.last().is_some_and(|t| t.clause == self.clause) {
            self.clause += 1;
        }
        self.negating = false;
    }

    fn push_chunk(&mut self, chunk: &str) {
        let starts = |prefix: &str| {
            chunk.len() >= prefix.len()
                && chunk.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        };
        if starts("http://") || starts("https://") || starts("www.") {
            self.push_token("<url>", TokenKind::Url, false, false);
            return;
        }
        if chunk.len() > 1 && chunk.starts_with('@') {
            self.push_token("<user>", TokenKind::Mention, false, false);
            return;
        }
        if self.try_emoticon(chunk) {
            return;
        }
        // A trailing emoticon glued to a word: "thanks:)".
        for (split, _) in chunk.char_indices().rev().take(4).skip(1) {
            let tail = &chunk[split..];
            if split > 0 && tail.starts_with([':', ';', '=']) && Self::emoticon_of(tail).is_some() {
                self.scan(&chunk[..split]);
                self.try_emoticon(tail);
                return;
            }
        }
        self.scan(chunk);
    }

    /// The canonical token for a chunk if the whole chunk is an emoticon, and whether it is strong.
    fn emoticon_of(chunk: &str) -> Option<(&'static str, bool)> {
        let bytes = chunk.as_bytes();
        if bytes.len() < 2
            || bytes.len() > 8
            || !chunk.is_ascii()
            || chunk.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return None;
        }
        let mut lower = [0u8; 8];
        lower[..bytes.len()].copy_from_slice(bytes);
        lower.make_ascii_lowercase();
        let mut len = bytes.len();
        while len > 2 && lower[len - 1] == lower[len - 2] {
            len -= 1;
        }
        let repeated = len < bytes.len();
        let collapsed = std::str::from_utf8(&lower[..len]).ok()?;
        let (token, strong) = lexicon::emoticon(collapsed)?;
        Some((token, strong || repeated))
    }

    fn try_emoticon(&mut self, chunk: &str) -> bool {
        let Some((token, strong)) = Self::emoticon_of(chunk) else {
            return false;
        };
        self.push_emoticon(token, strong);
        true
    }

    fn push_emoticon(&mut self, token: &str, strong: bool) {
        match lexicon::word_info(token).valence {
            Some(v) if v > 0.0 => self.cues.emoticons_positive += 1,
            Some(v) if v < 0.0 => self.cues.emoticons_negative += 1,
            _ => {}
        }
        if strong {
            self.cues.strong_emoticons += 1;
        }
        self.push_token(token, TokenKind::Emoticon, false, false);
    }

    /// Splits a chunk into words, punctuation and emoji.
    fn scan(&mut self, chunk: &str) {
        let mut word_start: Option<usize> = None;
        let mut chars = chunk.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let next = chars.peek().map(|&(_, n)| n);
            let in_word = c.is_alphanumeric()
                || (matches!(c, '\'' | '’')
                    && word_start.is_some()
                    && next.is_some_and(char::is_alphanumeric));
            if in_word {
                word_start.get_or_insert(i);
                continue;
            }
            if let Some(start) = word_start.take() {
                self.push_word(&chunk[start..i]);
            }
            match c {
                '!' => {
                    self.cues.exclamations += 1;
                    self.end_clause();
                }
                '?' => {
                    self.cues.questions += 1;
                    self.end_clause();
                }
                '.' => {
                    let mut run = 1;
                    while chars.next_if(|&(_, n)| n == '.').is_some() {
                        run += 1;
                    }
                    if run >= 3 {
                        self.cues.ellipses += 1;
                    }
                    self.end_clause();
                }
                '…' => {
                    self.cues.ellipses += 1;
                    self.end_clause();
                }
                ',' | ';' | ':' | '(' | ')' | '[' | ']' => self.end_clause(),
                _ => {
                    if let Some((token, strong)) = lexicon::emoji(c) {
                        self.push_emoticon(token, strong);
                    } else if lexicon::is_pictograph(c) && !lexicon::is_emoji_modifier(c) {
                        let mut utf8 = [0u8; 4];
                        self.push_token(
                            c.encode_utf8(&mut utf8),
                            TokenKind::Emoticon,
                            false,
                            false,
                        );
                    }
                }
            }
        }
        if let Some(start) = word_start {
            self.push_word(&chunk[start..]);
        }
    }

    fn push_word(&mut self, raw: &str) {
        if raw.starts_with(|c: char| c.is_ascii_digit()) {
            self.push_token("<num>", TokenKind::Number, false, false);
            return;
        }
        let letters = raw.chars().filter(|c| c.is_alphabetic()).count();
        let caps = letters >= 2 && !raw.chars().any(char::is_lowercase);
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        scratch.extend(
            raw.chars()
                .flat_map(char::to_lowercase)
                .map(|c| if c == '’' { '\'' } else { c }),
        );
        let elongated = collapse_elongation(&mut scratch);
        normalise_laughter(&mut scratch);
        self.push_token(&scratch, TokenKind::Word, caps, elongated);
        self.scratch = scratch;
    }

    fn push_token(&mut self, text: &str, kind: TokenKind, caps: bool, elongated: bool) {
        let start = self.buffer.len() as u32;
        self.buffer.push_str(text);
        let end = self.buffer.len() as u32;
        let mut negated = false;
        let info = match kind {
            TokenKind::Word | TokenKind::Emoticon => lexicon::word_info(text),
            _ => WordInfo::default(),
        };
        if kind == TokenKind::Word {
            let cues = &mut self.cues;
            cues.words += 1;
            cues.caps_words += u32::from(caps);
            cues.elongated += u32::from(elongated);
            cues.boosters += u32::from(info.booster);
            cues.hedges += u32::from(info.hedge);
            if let Some(previous) = self
                .tokens
                .last()
                .filter(|t| t.clause == self.clause && t.kind == TokenKind::Word)
            {
                let before = &self.buffer[previous.span.start as usize..previous.span.end as usize];
                cues.hedges += u32::from(lexicon::is_hedge_pair(before, text));
            }
            negated = self.negating;
            if info.negation {
                cues.negations += 1;
                self.negating = true;
            }
        }
        self.tokens.push(Token {
            span: start..end,
            kind,
            negated,
            caps,
            elongated,
            clause: self.clause,
            info,
        });
    }
}

/// Collapses letters repeated three or more times; keeps the doubled form unless only the single form is
/// a known word ("soooo" → "so", "goooood" → "good"). Returns whether anything was collapsed.
fn collapse_elongation(word: &mut String) -> bool {
    let mut previous = ['\0', '\0'];
    let has_run = word.chars().any(|c| {
        let run = c.is_alphabetic() && previous == [c, c];
        previous = [previous[1], c];
        run
    });
    if !has_run {
        return false;
    }
    let mut runs: Vec<(char, usize)> = Vec::new();
    for c in word.chars() {
        match runs.last_mut() {
            Some((last, n)) if *last == c => *n += 1,
            _ => runs.push((c, 1)),
        }
    }
    let collapse = |keep: usize| -> String {
        runs.iter()
            .flat_map(|&(c, n)| {
                std::iter::repeat_n(c, if n >= 3 && c.is_alphabetic() { keep } else { n })
            })
            .collect()
    };
    let double = collapse(2);
    let single = collapse(1);
    let known = |w: &str| {
        let info = lexicon::word_info(w);
        info.valence.is_some()
            || info.booster
            || info.negation
            || info.hedge
            || lexicon::is_known_short_word(w)
    };
    *word = if !known(&double) && known(&single) {
        single
    } else {
        double
    };
    true
}

/// "hahahaha" → "hahaha" and "hehehe..." → "hehe" so laughter of any length is one token.
fn normalise_laughter(word: &mut String) {
    for (unit, canonical) in [("ha", "hahaha"), ("he", "hehe")] {
        if word.len() > canonical.len()
            && word.len().is_multiple_of(2)
            && word
                .as_bytes()
                .chunks(2)
                .all(|pair| pair == unit.as_bytes())
        {
            word.clear();
            word.push_str(canonical);
        }
    }
}

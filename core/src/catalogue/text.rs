//! Text normalization and n-gram search terms for the catalogue.
//!
//! [`normalize`] folds the spellings a reader may type for the same word
//! (full-width and half-width forms, upper and lower case, katakana and
//! hiragana, stray punctuation) into one form. [`index_terms`] turns a
//! normalized text into the unigrams and bigrams stored for a title, and
//! [`query_terms`] gives the terms one query word must match. See the
//! [module documentation](super) for why unigrams and bigrams.

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

/// First katakana letter that has a hiragana counterpart (ァ, U+30A1).
const KATAKANA_FIRST: char = '\u{30A1}';
/// Last katakana letter that has a hiragana counterpart (ヶ, U+30F6).
const KATAKANA_LAST: char = '\u{30F6}';
/// Distance from a katakana letter down to its hiragana letter.
const KATAKANA_TO_HIRAGANA: u32 = 0x60;

/// Japanese punctuation that separates words but is not ASCII punctuation
/// once NFKC has run (full-width `！` and `（` are already ASCII by then; they
/// are listed anyway so the list reads like the specification).
const JAPANESE_PUNCTUATION: &[char] = &[
    '、', '。', '・', '「', '」', '『', '』', '（', '）', '【', '】', '〜', '！', '？', '：', '；',
    '，', '．',
];

/// Normalizes `text` for search.
///
/// In order: Unicode NFKC (full-width Latin letters and digits become ASCII,
/// half-width katakana becomes full-width, the ideographic space becomes an
/// ASCII space), lowercase, katakana → hiragana (U+30A1..=U+30F6; the long
/// vowel mark `ー` and the middle dot are left alone by this step), ASCII
/// punctuation, the Japanese punctuation `、。・「」『』（）【】〜！？：；，．` and
/// control characters become spaces, and every run of whitespace becomes one
/// ASCII space, with none at either end.
///
/// ```
/// use shiori_core::catalogue::normalize;
///
/// assert_eq!(normalize("ノルウェイの森"), "のるうぇいの森");
/// assert_eq!(normalize("Ｈａｒｒｙ　Ｐｏｔｔｅｒ"), "harry potter");
/// assert_eq!(normalize("吾輩は猫である"), "吾輩は猫である");
/// ```
pub fn normalize(text: &str) -> String {
    let nfkc: String = text.nfkc().collect();
    let mut out = String::with_capacity(nfkc.len());
    let mut pending_space = false;
    for c in nfkc.chars().flat_map(char::to_lowercase) {
        let c = katakana_to_hiragana(c);
        if is_separator(c) {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

/// Maps one katakana letter to its hiragana letter; other characters pass.
fn katakana_to_hiragana(c: char) -> char {
    if (KATAKANA_FIRST..=KATAKANA_LAST).contains(&c) {
        char::from_u32(u32::from(c) - KATAKANA_TO_HIRAGANA).unwrap_or(c)
    } else {
        c
    }
}

/// Whether `c` separates words: whitespace, punctuation, control characters.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || c.is_ascii_punctuation()
        || JAPANESE_PUNCTUATION.contains(&c)
}

/// Search terms of a normalized text: every single character (unigram) and
/// every pair of adjacent characters (bigram) within each space-separated
/// word. Deduplicated, in first-seen order.
///
/// For each word, position by position: the unigram of the character, then
/// the bigram that ends on it. Bigrams never span two words.
///
/// ```
/// use shiori_core::catalogue::index_terms;
///
/// assert_eq!(index_terms("村上 春樹"), ["村", "上", "村上", "春", "樹", "春樹"]);
/// ```
pub fn index_terms(normalized: &str) -> Vec<String> {
    let mut terms = Terms::default();
    for word in normalized.split_whitespace() {
        let mut previous: Option<char> = None;
        for c in word.chars() {
            terms.push_unigram(c);
            if let Some(p) = previous {
                terms.push_bigram(p, c);
            }
            previous = Some(c);
        }
    }
    terms.into_vec()
}

/// The terms a query word must all match: its unigram when it is one
/// character, else its bigrams. Input: one normalized word (no spaces).
///
/// Should the input contain whitespace anyway, each piece is treated as its
/// own word (no bigram spans a space, exactly as in [`index_terms`]), so the
/// result still only holds terms that an index can contain. An empty word
/// gives no terms; a caller must not treat "no terms" as "matches all".
///
/// ```
/// use shiori_core::catalogue::query_terms;
///
/// assert_eq!(query_terms("猫"), ["猫"]);
/// assert_eq!(query_terms("村上"), ["村上"]);
/// assert_eq!(query_terms("harry"), ["ha", "ar", "rr", "ry"]);
/// ```
pub fn query_terms(word: &str) -> Vec<String> {
    let mut terms = Terms::default();
    for piece in word.split_whitespace() {
        let chars: Vec<char> = piece.chars().collect();
        if let [only] = chars.as_slice() {
            terms.push_unigram(*only);
            continue;
        }
        for pair in chars.windows(2) {
            if let [first, second] = pair {
                terms.push_bigram(*first, *second);
            }
        }
    }
    terms.into_vec()
}

/// An ordered, deduplicated list of terms.
#[derive(Default)]
struct Terms {
    seen: HashSet<String>,
    list: Vec<String>,
}

impl Terms {
    fn push_unigram(&mut self, c: char) {
        self.push(String::from(c));
    }

    fn push_bigram(&mut self, first: char, second: char) {
        let mut term = String::with_capacity(first.len_utf8() + second.len_utf8());
        term.push(first);
        term.push(second);
        self.push(term);
    }

    fn push(&mut self, term: String) {
        if self.seen.insert(term.clone()) {
            self.list.push(term);
        }
    }

    fn into_vec(self) -> Vec<String> {
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn katakana_range_edges() {
        assert_eq!(katakana_to_hiragana('ァ'), 'ぁ');
        assert_eq!(katakana_to_hiragana('ヶ'), 'ゖ');
        assert_eq!(katakana_to_hiragana('ヷ'), 'ヷ');
        assert_eq!(katakana_to_hiragana('ー'), 'ー');
        assert_eq!(katakana_to_hiragana('・'), '・');
    }

    #[test]
    fn query_terms_of_empty_and_spaced_input() {
        assert!(query_terms("").is_empty());
        assert!(query_terms("   ").is_empty());
        assert_eq!(query_terms("猫 村上"), ["猫", "村上"]);
    }
}

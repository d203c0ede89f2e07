//! The labelled-data upload parser (`sentiment::parse_examples`, what
//! `POST /api/v1/admin/mood/datasets` runs on the body) on any bytes, and what an accepted
//! example promises the database (`models::mood_data::insert_dataset` stores the text as
//! PostgreSQL `text`, which cannot hold NUL).

#![no_main]

use libfuzzer_sys::fuzz_target;
use sentiment::{MAX_TEXT_CHARS, parse_examples};

/// Small, so the row cap is reached too.
const MAX_ROWS: usize = 50;

fuzz_target!(|bytes: &[u8]| {
    let Ok(examples) = parse_examples(bytes, MAX_ROWS) else {
        return;
    };
    assert!(!examples.is_empty() && examples.len() <= MAX_ROWS);
    for example in &examples {
        assert!(!example.text.is_empty());
        assert_eq!(example.text.trim(), example.text);
        assert!(example.text.chars().count() <= MAX_TEXT_CHARS);
        assert!(
            !example.text.contains('\0'),
            "PostgreSQL text cannot hold NUL"
        );
        assert!(example.emotion.is_some() || example.intensity.is_some());
    }
});

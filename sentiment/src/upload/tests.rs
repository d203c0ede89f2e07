//! Upload parsing: a good file with quoting, TSV, and every refusal.

use super::*;

fn parse(text: &str) -> Result<Vec<Example>, DatasetError> {
    parse_examples(text.as_bytes(), 100)
}

#[test]
fn good_csv_with_rfc4180_quoting_and_any_column_order() {
    let csv = "Emotion,TEXT,intensity\r\n\
               happy,\"Thanks, that helps!\",excited\r\n\
               Very Sad,\"line one\nline two with \"\"quotes\"\"\",\r\n\
               ,plain text,very_muted\r\n";
    let examples = parse(csv).unwrap();
    assert_eq!(examples.len(), 3);
    assert_eq!(examples[0].text, "Thanks, that helps!");
    assert_eq!(examples[0].emotion, Some(Emotion::Happy));
    assert_eq!(examples[0].intensity, Some(Intensity::Excited));
    assert_eq!(examples[1].text, "line one\nline two with \"quotes\"");
    assert_eq!(
        (examples[1].emotion, examples[1].intensity),
        (Some(Emotion::VerySad), None)
    );
    assert_eq!(
        (examples[2].emotion, examples[2].intensity),
        (None, Some(Intensity::VeryMuted))
    );
}

#[test]
fn tsv_is_detected_from_the_header_and_blank_lines_are_skipped() {
    let tsv = "\u{FEFF}text\temotion\tintensity\nsee you, at 3\tneutral\tmuted\n\nok\tneutral\tvery_muted";
    let examples = parse(tsv).unwrap();
    assert_eq!(examples.len(), 2);
    assert_eq!(examples[0].text, "see you, at 3");
}

#[test]
fn header_errors() {
    assert_eq!(parse(""), Err(DatasetError::Empty));
    assert_eq!(
        parse("text,emotion\nhi,happy"),
        Err(DatasetError::MissingColumn {
            column: "intensity"
        })
    );
    assert_eq!(
        parse("text,emotion,intensity,mood\nhi,happy,muted,x"),
        Err(DatasetError::UnknownColumn {
            column: "mood".into()
        })
    );
    assert_eq!(
        parse("text,emotion,text\nhi,happy,x"),
        Err(DatasetError::DuplicateColumn {
            column: "text".into()
        })
    );
    assert_eq!(parse("text,emotion,intensity\n"), Err(DatasetError::NoRows));
    let err = parse("text,emotion\n").unwrap_err();
    assert!(
        err.to_string().contains("missing column \"intensity\""),
        "{err}"
    );
}

#[test]
fn row_errors_name_the_line() {
    let head = "text,emotion,intensity\n";
    let err = parse(&format!("{head}fine,happy,muted\nhi,glad,muted")).unwrap_err();
    let DatasetError::UnknownLabel { line, source } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (*line, source.value.as_str(), source.scale),
        (3, "glad", "emotion")
    );
    assert!(
        err.to_string()
            .starts_with("line 3: unknown emotion label \"glad\""),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("very_sad, sad, neutral, happy, very_happy"),
        "{err}"
    );
    let err = parse(&format!("{head}hi,happy,loud")).unwrap_err();
    assert!(
        err.to_string()
            .contains("very_muted, muted, neutral, excited, very_excited"),
        "{err}"
    );
    assert_eq!(
        parse(&format!("{head} ,happy,muted")),
        Err(DatasetError::EmptyText { line: 2 })
    );
    assert_eq!(
        parse(&format!("{head}hi,,")),
        Err(DatasetError::NoLabels { line: 2 })
    );
    let long = "a".repeat(MAX_TEXT_CHARS + 1);
    assert_eq!(
        parse(&format!("{head}{long},happy,")),
        Err(DatasetError::TextTooLong {
            line: 2,
            chars: MAX_TEXT_CHARS + 1,
            max: MAX_TEXT_CHARS
        })
    );
    let DatasetError::Malformed { line, problem } = parse(&format!("{head}hi,happy")).unwrap_err()
    else {
        panic!()
    };
    assert_eq!(line, 2);
    assert!(problem.contains("expected 3 fields"), "{problem}");
    let err = parse(&format!("{head}\"multi\nline,happy,\nnext,sad,")).unwrap_err();
    assert_eq!(
        err,
        DatasetError::Malformed {
            line: 2,
            problem: "a quoted field is never closed".into()
        }
    );
    let err = parse(&format!("{head}\"hi\"x,happy,")).unwrap_err();
    assert!(
        matches!(err, DatasetError::Malformed { line: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn line_numbers_count_newlines_inside_quotes() {
    let text = "text,emotion,intensity\n\"a\nb\nc\",happy,\nbad,nope,";
    let DatasetError::UnknownLabel { line, .. } = parse(text).unwrap_err() else {
        panic!()
    };
    assert_eq!(line, 5);
}

#[test]
fn too_many_rows() {
    let text = "text,emotion,intensity\na,happy,\nb,sad,\nc,sad,";
    assert_eq!(
        parse_examples(text.as_bytes(), 2),
        Err(DatasetError::TooManyRows { line: 4, max: 2 })
    );
    assert_eq!(parse_examples(text.as_bytes(), 3).unwrap().len(), 3);
}

#[test]
fn invalid_utf8_names_the_line() {
    let mut bytes = b"text,emotion,intensity\nfine,happy,\n".to_vec();
    bytes.extend_from_slice(b"caf\xe9,happy,\n");
    assert_eq!(
        parse_examples(&bytes, 10),
        Err(DatasetError::InvalidUtf8 { line: 3 })
    );
}

/// Found by the `upload` fuzz target (fuzz/): the NULs were accepted into an example's text, and
/// storing it failed in PostgreSQL (whose text cannot hold NUL) with a 500 instead of a 422.
#[test]
fn a_nul_character_is_refused_with_its_line() {
    let crash = b"text,emotion,intensity\r\n\"I passed, finally!!\",very_happy,very_excited\r\n\
meh,neutral,muted\r\n\"she said \"\"fine\"\"\nand\0\0\0at\",sad,\r\n";
    assert_eq!(
        parse_examples(crash, 10),
        Err(DatasetError::Nul { line: 5 })
    );
    assert_eq!(
        parse_examples(b"text,emotion,intensity\nfine,happy\0,\n", 10),
        Err(DatasetError::Nul { line: 2 })
    );
}

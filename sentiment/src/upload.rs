//! Parsing an admin's upload of labelled examples: CSV or TSV (RFC 4180 quoting), header
//! `text,emotion,intensity` in any order, with errors that name the line and the problem.

use crate::example::Example;
use crate::labels::{Emotion, Intensity, UnknownLabel};

/// Longest text accepted in an upload, in characters.
pub const MAX_TEXT_CHARS: usize = 10_000;

/// Why an upload was refused; every variant that concerns a row names its line (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatasetError {
    /// The bytes are not UTF-8.
    #[error("line {line}: the file is not valid UTF-8 (save it as UTF-8)")]
    InvalidUtf8 {
        /// Line of the first invalid byte.
        line: usize,
    },
    /// The text holds a NUL character, which the database cannot store.
    #[error("line {line}: the file holds a NUL character (U+0000), which text cannot contain")]
    Nul {
        /// Line of the first NUL.
        line: usize,
    },
    /// There is not even a header line.
    #[error("the file is empty; expected a header line text,emotion,intensity")]
    Empty,
    /// The header lacks a required column.
    #[error(
        "line 1: missing column \"{column}\"; the header must be text, emotion, intensity (any order)"
    )]
    MissingColumn {
        /// The missing column.
        column: &'static str,
    },
    /// The header has a column that is not text, emotion or intensity.
    #[error(
        "line 1: unknown column \"{column}\"; the header must be text, emotion, intensity (any order)"
    )]
    UnknownColumn {
        /// The unexpected column name.
        column: String,
    },
    /// The header names a column twice.
    #[error("line 1: column \"{column}\" appears twice")]
    DuplicateColumn {
        /// The repeated column.
        column: String,
    },
    /// A row cannot be split into fields (bad quoting, wrong field count).
    #[error("line {line}: {problem}")]
    Malformed {
        /// Line where the row starts.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// A label cell names no class of its scale.
    #[error("line {line}: {source}")]
    UnknownLabel {
        /// Line of the row.
        line: usize,
        /// The bad label, its scale and the valid ones.
        source: UnknownLabel,
    },
    /// A row has no text.
    #[error("line {line}: the text is empty")]
    EmptyText {
        /// Line of the row.
        line: usize,
    },
    /// A row has neither an emotion nor an intensity.
    #[error("line {line}: both labels are empty; give an emotion, an intensity or both")]
    NoLabels {
        /// Line of the row.
        line: usize,
    },
    /// A row's text is too long.
    #[error("line {line}: the text has {chars} characters; at most {max} are allowed")]
    TextTooLong {
        /// Line of the row.
        line: usize,
        /// Its length in characters.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// More rows than allowed.
    #[error("line {line}: more than {max} rows")]
    TooManyRows {
        /// Line of the first row over the limit.
        line: usize,
        /// The limit.
        max: usize,
    },
    /// A header but no rows.
    #[error("no rows after the header")]
    NoRows,
}

/// Parses an admin upload into examples (see the module docs for the format).
pub fn parse_examples(bytes: &[u8], max_rows: usize) -> Result<Vec<Example>, DatasetError> {
    let text = std::str::from_utf8(bytes).map_err(|e| DatasetError::InvalidUtf8 {
        line: 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
    })?;
    if let Some(at) = text.find('\0') {
        let line = 1 + text[..at].matches('\n').count();
        return Err(DatasetError::Nul { line });
    }
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let header_line = text.lines().next().ok_or(DatasetError::Empty)?;
    let delimiter = if header_line.contains('\t') {
        '\t'
    } else {
        ','
    };
    let mut records = Records {
        rest: text,
        line: 1,
        delimiter,
    };
    let (_, header) = records.next_record()?.ok_or(DatasetError::Empty)?;
    let columns = Columns::of(&header)?;
    let mut examples = Vec::new();
    while let Some((line, fields)) = records.next_record()? {
        if fields.len() == 1 && fields[0].trim().is_empty() {
            continue;
        }
        if examples.len() == max_rows {
            return Err(DatasetError::TooManyRows {
                line,
                max: max_rows,
            });
        }
        if fields.len() != header.len() {
            let problem = format!(
                "expected {} fields like the header, found {}",
                header.len(),
                fields.len()
            );
            return Err(DatasetError::Malformed { line, problem });
        }
        examples.push(columns.example(line, &fields)?);
    }
    if examples.is_empty() {
        return Err(DatasetError::NoRows);
    }
    Ok(examples)
}

/// Positions of the three columns.
struct Columns {
    text: usize,
    emotion: usize,
    intensity: usize,
}

impl Columns {
    fn of(header: &[String]) -> Result<Self, DatasetError> {
        let mut found: [Option<usize>; 3] = [None; 3];
        for (i, name) in header.iter().enumerate() {
            let name = name.trim().to_lowercase();
            let slot = match name.as_str() {
                "text" => 0,
                "emotion" => 1,
                "intensity" => 2,
                _ => return Err(DatasetError::UnknownColumn { column: name }),
            };
            if found[slot].replace(i).is_some() {
                return Err(DatasetError::DuplicateColumn { column: name });
            }
        }
        let get = |slot: usize, column: &'static str| {
            found[slot].ok_or(DatasetError::MissingColumn { column })
        };
        Ok(Columns {
            text: get(0, "text")?,
            emotion: get(1, "emotion")?,
            intensity: get(2, "intensity")?,
        })
    }

    fn example(&self, line: usize, fields: &[String]) -> Result<Example, DatasetError> {
        fn label(cell: &str) -> Option<&str> {
            Some(cell.trim()).filter(|c| !c.is_empty())
        }
        let text = fields[self.text].trim();
        if text.is_empty() {
            return Err(DatasetError::EmptyText { line });
        }
        let chars = text.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(DatasetError::TextTooLong {
                line,
                chars,
                max: MAX_TEXT_CHARS,
            });
        }
        let bad = |source| DatasetError::UnknownLabel { line, source };
        let emotion = label(&fields[self.emotion])
            .map(str::parse::<Emotion>)
            .transpose()
            .map_err(bad)?;
        let intensity = label(&fields[self.intensity])
            .map(str::parse::<Intensity>)
            .transpose()
            .map_err(bad)?;
        if emotion.is_none() && intensity.is_none() {
            return Err(DatasetError::NoLabels { line });
        }
        Ok(Example {
            text: text.to_string(),
            emotion,
            intensity,
        })
    }
}

/// RFC 4180 record reader over the whole text, tracking line numbers (also reads EmoBank's CSV).
pub(crate) struct Records<'a> {
    rest: &'a str,
    line: usize,
    delimiter: char,
}

impl<'a> Records<'a> {
    /// A reader over `text` whose first line is line 1.
    pub(crate) fn new(text: &'a str, delimiter: char) -> Self {
        Records {
            rest: text,
            line: 1,
            delimiter,
        }
    }

    /// The next record and the line it starts on; `None` at the end.
    pub(crate) fn next_record(&mut self) -> Result<Option<(usize, Vec<String>)>, DatasetError> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let start_line = self.line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut chars = self.rest.char_indices().peekable();
        let mut quoted = false;
        let mut at_field_start = true;
        let mut consumed = self.rest.len();
        while let Some((i, c)) = chars.next() {
            if quoted {
                match c {
                    '"' if chars.next_if(|&(_, n)| n == '"').is_some() => field.push('"'),
                    '"' => {
                        quoted = false;
                        if let Some(&(_, n)) = chars.peek()
                            && n != self.delimiter
                            && n != '\n'
                            && n != '\r'
                        {
                            let problem = format!(
                                "unexpected {n:?} after a closing quote (double a quote inside a quoted field)"
                            );
                            return Err(DatasetError::Malformed {
                                line: self.line,
                                problem,
                            });
                        }
                    }
                    '\n' => {
                        self.line += 1;
                        field.push(c);
                    }
                    _ => field.push(c),
                }
                continue;
            }
            match c {
                '"' if at_field_start => {
                    quoted = true;
                    at_field_start = false;
                }
                c if c == self.delimiter => {
                    fields.push(std::mem::take(&mut field));
                    at_field_start = true;
                }
                '\r' if chars.peek().is_some_and(|&(_, n)| n == '\n') => {}
                '\n' => {
                    self.line += 1;
                    consumed = i + 1;
                    break;
                }
                _ => {
                    field.push(c);
                    at_field_start = false;
                }
            }
        }
        if quoted {
            let problem = "a quoted field is never closed".to_string();
            return Err(DatasetError::Malformed {
                line: start_line,
                problem,
            });
        }
        fields.push(field);
        self.rest = &self.rest[consumed..];
        Ok(Some((start_line, fields)))
    }
}

#[cfg(test)]
mod tests;

//! Validated values of the chat, directory and mood-data requests: group names, search text,
//! page sizes and dataset names. Each limit is a named constant and each value exists only
//! within it (`TryFrom`), so a request type holding one was checked while it was deserialized
//! ([`crate::validated`]). Where the schema repeats a limit in a CHECK constraint, a test
//! compares the two.

use crate::validated::{self, InvalidValue};
use crate::{ModelError, conversation, deserialize_by_try_from};

/// Longest message search query, in characters (surrounding space not counted).
pub const MAX_SEARCH_QUERY_CHARS: usize = 200;
/// Longest name of an uploaded mood dataset, in characters (surrounding space not counted).
pub const MAX_DATASET_NAME_CHARS: usize = 200;
/// Largest page a client may ask for: history, search results, directory users.
pub const PAGE_SIZES: std::ops::RangeInclusive<i64> = 1..=100;

/// Text trimmed of surrounding space, of 1 to `max` characters.
fn trimmed(field: &'static str, raw: &str, max: usize) -> Result<String, InvalidValue> {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(InvalidValue::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// A refusal of the data layer's own validation, as a value's refusal.
fn refusal(field: &'static str, e: ModelError) -> InvalidValue {
    match e {
        ModelError::Invalid { field, message } => InvalidValue { field, message },
        other => InvalidValue::new(field, other.to_string()),
    }
}

/// A group conversation's name: inner space collapsed, 1 to
/// [`conversation::MAX_NAME_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupName(String);

impl TryFrom<&str> for GroupName {
    type Error = InvalidValue;
    fn try_from(raw: &str) -> Result<Self, InvalidValue> {
        conversation::normalise_name(raw)
            .map(Self)
            .map_err(|e| refusal("name", e))
    }
}

impl GroupName {
    /// The normalised name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A message search query (words, "phrases", -exclusions), trimmed: 1 to
/// [`MAX_SEARCH_QUERY_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery(String);

impl TryFrom<&str> for SearchQuery {
    type Error = InvalidValue;
    fn try_from(raw: &str) -> Result<Self, InvalidValue> {
        trimmed("q", raw, MAX_SEARCH_QUERY_CHARS).map(Self)
    }
}

impl SearchQuery {
    /// The query, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name of an uploaded mood dataset, trimmed: 1 to [`MAX_DATASET_NAME_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetName(String);

impl TryFrom<&str> for DatasetName {
    type Error = InvalidValue;
    fn try_from(raw: &str) -> Result<Self, InvalidValue> {
        trimmed("name", raw, MAX_DATASET_NAME_CHARS).map(Self)
    }
}

impl DatasetName {
    /// The name, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

crate::try_from_string!(GroupName, SearchQuery, DatasetName);
deserialize_by_try_from!(GroupName: String, SearchQuery: String, DatasetName: String, PageSize: i64);

crate::schema_of!(GroupName => validated::text_schema(1, conversation::MAX_NAME_CHARS));

crate::schema_of!(SearchQuery => validated::text_schema(1, MAX_SEARCH_QUERY_CHARS));

crate::schema_of!(DatasetName => validated::text_schema(1, MAX_DATASET_NAME_CHARS));

/// How many items one page holds (a `limit` parameter), within [`PAGE_SIZES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(i64);

impl TryFrom<i64> for PageSize {
    type Error = InvalidValue;
    fn try_from(value: i64) -> Result<Self, InvalidValue> {
        validated::within("limit", value, &PAGE_SIZES).map(Self)
    }
}

impl TryFrom<u32> for PageSize {
    type Error = InvalidValue;
    fn try_from(value: u32) -> Result<Self, InvalidValue> {
        Self::try_from(i64::from(value))
    }
}

impl PageSize {
    /// A page of history when the client names no size.
    pub const HISTORY: Self = Self(50);
    /// A page of search results or directory users when the client names no size.
    pub const LIST: Self = Self(20);
    /// A page of the conversation list when the client names no size (the largest page).
    pub const CONVERSATIONS: Self = Self(100);

    /// The number of items.
    pub fn get(self) -> i64 {
        self.0
    }

    /// For `#[serde(default, deserialize_with = ...)]`: an optional page size sent as an
    /// unsigned number, so a negative one is a wrong type (as it always was for the directory)
    /// rather than a size out of range.
    pub fn unsigned<'de, D>(deserializer: D) -> Result<Option<Self>, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        <Option<u32> as serde::Deserialize>::deserialize(deserializer)?
            .map(validated::check)
            .transpose()
    }
}

const _: () = assert!(
    *PAGE_SIZES.start() <= PageSize::LIST.0
        && PageSize::LIST.0 <= *PAGE_SIZES.end()
        && *PAGE_SIZES.start() <= PageSize::HISTORY.0
        && PageSize::HISTORY.0 <= *PAGE_SIZES.end()
        && PageSize::CONVERSATIONS.0 <= *PAGE_SIZES.end()
);

crate::schema_of!(PageSize => validated::int64_schema(&PAGE_SIZES));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_queries_are_trimmed_and_bounded() {
        assert_eq!(
            GroupName::try_from("  Study   group ").map(|n| n.as_str().to_owned()),
            Ok("Study group".to_owned())
        );
        assert_eq!(
            GroupName::try_from(" ").map_err(|e| e.to_string()),
            Err("name must be 1 to 80 characters".to_owned())
        );
        assert!(GroupName::try_from("x".repeat(conversation::MAX_NAME_CHARS + 1)).is_err());
        assert_eq!(
            SearchQuery::try_from(" lecture ").map(|q| q.as_str().to_owned()),
            Ok("lecture".to_owned())
        );
        assert_eq!(
            SearchQuery::try_from("").map_err(|e| e.to_string()),
            Err("q must be 1 to 200 characters".to_owned())
        );
        assert!(SearchQuery::try_from("é".repeat(MAX_SEARCH_QUERY_CHARS).as_str()).is_ok());
        assert!(SearchQuery::try_from("é".repeat(MAX_SEARCH_QUERY_CHARS + 1).as_str()).is_err());
        assert!(DatasetName::try_from("x".repeat(MAX_DATASET_NAME_CHARS).as_str()).is_ok());
        assert_eq!(
            DatasetName::try_from("   ").map_err(|e| e.to_string()),
            Err("name must be 1 to 200 characters".to_owned())
        );
    }

    #[test]
    fn page_sizes_stay_within_their_range() {
        assert_eq!(PageSize::try_from(1_i64).map(PageSize::get), Ok(1));
        assert_eq!(PageSize::try_from(100_u32).map(PageSize::get), Ok(100));
        assert_eq!(
            PageSize::try_from(0_i64).map_err(|e| e.to_string()),
            Err("limit must be between 1 and 100".to_owned())
        );
        assert!(PageSize::try_from(101_i64).is_err());
        assert!(PageSize::try_from(-1_i64).is_err());
    }

    #[test]
    fn an_unsigned_page_size_refuses_negative_numbers_as_a_type() {
        #[derive(Debug, serde::Deserialize)]
        struct Params {
            #[serde(default, deserialize_with = "PageSize::unsigned")]
            limit: Option<PageSize>,
        }
        let parse = |json: &str| {
            validated::collecting(|| serde_json::from_str::<Params>(json).map(|p| p.limit))
        };
        assert_eq!(parse("{}").0.ok(), Some(None));
        assert_eq!(
            parse(r#"{"limit":5}"#).0.ok(),
            Some(PageSize::try_from(5_i64).ok())
        );
        let (refused, message) = parse(r#"{"limit":500}"#);
        assert!(refused.is_err());
        assert_eq!(message.as_deref(), Some("limit must be between 1 and 100"));
        let (negative, message) = parse(r#"{"limit":-1}"#);
        assert!(negative.is_err());
        assert_eq!(message, None, "a wrong type, not a refusal");
    }
}

//! Values that exist only within their limits, deserialized straight from a request.
//!
//! A validated newtype (a topic, a page size) implements `TryFrom` its raw form and
//! `Deserialize` through [`deserialize`] (see [`deserialize_by_try_from!`](crate::deserialize_by_try_from)),
//! so a request type holding it can only be built from a valid value. Serde erases error types,
//! though: a refusal inside `Deserialize` reaches the caller as one more data error. So the HTTP
//! edge deserializes inside [`collecting`], which hands back the first refusal's own message to
//! answer with (`validation_failed`, not `invalid_body`).
//!
//! The collector is per thread and scoped: it only records while a `collecting` closure runs
//! (deserialization is synchronous, so no other task runs on the thread meanwhile), and outside
//! one (WebSocket frames, stored JSON) nothing is recorded, so no stale state is left behind.

use std::cell::RefCell;
use std::fmt::Display;
use std::ops::RangeInclusive;

use serde::de::{Deserialize, Deserializer};
use utoipa::Number;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};

use crate::ModelError;

#[doc(hidden)]
pub use serde as __serde;

thread_local! {
    /// `None` outside [`collecting`]; inside, the first refusal recorded so far (if any).
    static FIRST_REFUSAL: RefCell<Option<Option<String>>> = const { RefCell::new(None) };
}

/// Puts the enclosing scope's state back when a [`collecting`] scope ends, even by a panic.
struct Scope {
    outer: Option<Option<String>>,
}

impl Drop for Scope {
    fn drop(&mut self) {
        let outer = self.outer.take();
        FIRST_REFUSAL.with(|cell| *cell.borrow_mut() = outer);
    }
}

/// Runs `f` and returns, with its result, the message of the first refusal a validated value
/// recorded while it ran (a nested scope keeps its own refusals to itself).
pub fn collecting<T>(f: impl FnOnce() -> T) -> (T, Option<String>) {
    let scope = Scope {
        outer: FIRST_REFUSAL.with(|cell| cell.replace(Some(None))),
    };
    let value = f();
    let refusal = FIRST_REFUSAL
        .with(|cell| cell.borrow_mut().take())
        .flatten();
    drop(scope);
    (value, refusal)
}

/// Records `message` as the scope's refusal unless one came first (nothing outside a scope).
fn record(message: &str) {
    FIRST_REFUSAL.with(|cell| {
        if let Some(first @ None) = &mut *cell.borrow_mut() {
            *first = Some(message.to_owned());
        }
    });
}

/// Turns a raw value into `T`; a refusal is recorded (inside [`collecting`]) and becomes the
/// deserializer's error with the same message. For `deserialize_with` functions.
pub fn check<Raw, T, E>(raw: Raw) -> Result<T, E>
where
    T: TryFrom<Raw>,
    T::Error: Display,
    E: serde::de::Error,
{
    T::try_from(raw).map_err(|refusal| {
        let message = refusal.to_string();
        record(&message);
        E::custom(message)
    })
}

/// Deserializes a `Raw` and turns it into `T` with [`check`]: the body of a validated newtype's
/// `Deserialize`, or a `#[serde(deserialize_with = "...")]` function.
pub fn deserialize<'de, D, Raw, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    Raw: Deserialize<'de>,
    T: TryFrom<Raw>,
    T::Error: Display,
{
    check(Raw::deserialize(deserializer)?)
}

/// Implements `Deserialize` for validated newtypes through their `TryFrom<Raw>`:
/// `deserialize_by_try_from!(Topic: String, Capacity: i32);`.
#[macro_export]
macro_rules! deserialize_by_try_from {
    ($($ty:ty : $raw:ty),+ $(,)?) => {$(
        impl<'de> $crate::validated::__serde::Deserialize<'de> for $ty {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: $crate::validated::__serde::Deserializer<'de>,
            {
                $crate::validated::deserialize::<D, $raw, Self>(deserializer)
            }
        }
    )+};
}

/// Gives validated newtypes their OpenAPI schema (`PartialSchema` and `ToSchema`), so the
/// document shows the limits a value is checked against:
/// `schema_of!(Topic => text_schema(1, MAX_TOPIC_CHARS));`.
#[macro_export]
macro_rules! schema_of {
    ($($ty:ty => $schema:expr),+ $(,)?) => {$(
        impl ::utoipa::PartialSchema for $ty {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::Schema> {
                $schema
            }
        }
        impl ::utoipa::ToSchema for $ty {}
    )+};
}

/// `TryFrom<String>` for text newtypes that check a `&str` (`TryFrom<&str>`), so they can be
/// deserialized from an owned string: `try_from_string!(Email, DisplayName);`.
#[macro_export]
macro_rules! try_from_string {
    ($($ty:ty),+ $(,)?) => {$(
        impl ::std::convert::TryFrom<::std::string::String> for $ty {
            type Error = $crate::validated::InvalidValue;
            fn try_from(raw: ::std::string::String) -> ::std::result::Result<Self, Self::Error> {
                Self::try_from(raw.as_str())
            }
        }
    )+};
}

/// `value` if it lies within `range`, else the refusal "`field` must be between `min` and
/// `max`": the one wording of every numeric limit.
pub fn within<T>(
    field: &'static str,
    value: T,
    range: &RangeInclusive<T>,
) -> Result<T, InvalidValue>
where
    T: PartialOrd + Display,
{
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(InvalidValue::new(
            field,
            format!("must be between {} and {}", range.start(), range.end()),
        ))
    }
}

/// A value refused by its rule: the field as the client names it, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {message}")]
pub struct InvalidValue {
    /// The field, as the client sent it.
    pub field: &'static str,
    /// What is wrong with it, e.g. "must be 1 to 80 characters".
    pub message: String,
}

impl InvalidValue {
    /// A refusal of `field`.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl From<InvalidValue> for ModelError {
    fn from(invalid: InvalidValue) -> Self {
        Self::Invalid {
            field: invalid.field,
            message: invalid.message,
        }
    }
}

/// The OpenAPI schema of a text of `min..=max` characters (no `minLength` when `min` is 0).
pub fn text_schema(min: usize, max: usize) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length((min > 0).then_some(min))
        .max_length(Some(max))
        .into()
}

/// The OpenAPI schema of a 32-bit integer within `range`.
pub fn int32_schema(range: &RangeInclusive<i32>) -> RefOr<Schema> {
    integer_schema(KnownFormat::Int32, *range.start(), *range.end())
}

/// The OpenAPI schema of a 64-bit integer within `range`.
pub fn int64_schema(range: &RangeInclusive<i64>) -> RefOr<Schema> {
    integer_schema(KnownFormat::Int64, *range.start(), *range.end())
}

fn integer_schema<N: Into<Number>>(format: KnownFormat, min: N, max: N) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(format)))
        .minimum(Some(min))
        .maximum(Some(max))
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An even number: the smallest validated newtype.
    #[derive(Debug, PartialEq)]
    struct Even(u8);

    impl TryFrom<u8> for Even {
        type Error = InvalidValue;
        fn try_from(value: u8) -> Result<Self, InvalidValue> {
            if value.is_multiple_of(2) {
                Ok(Self(value))
            } else {
                Err(InvalidValue::new(
                    "even",
                    format!("must be even, not {value}"),
                ))
            }
        }
    }

    crate::deserialize_by_try_from!(Even: u8);

    #[derive(Debug, serde::Deserialize)]
    struct Pair {
        #[allow(dead_code)]
        a: Even,
        #[allow(dead_code)]
        b: Even,
    }

    #[test]
    fn a_refusal_is_recorded_and_fails_deserialization_with_its_message() {
        let (parsed, refusal) = collecting(|| serde_json::from_str::<Even>("3"));
        let error = parsed.expect_err("3 is odd").to_string();
        assert!(error.starts_with("even must be even, not 3"), "{error}");
        assert_eq!(refusal.as_deref(), Some("even must be even, not 3"));
        let (parsed, refusal) = collecting(|| serde_json::from_str::<Even>("4"));
        assert_eq!((parsed.ok(), refusal), (Some(Even(4)), None));
    }

    #[test]
    fn wrong_types_are_not_refusals() {
        let (parsed, refusal) = collecting(|| serde_json::from_str::<Even>("\"four\""));
        assert!(parsed.is_err());
        assert_eq!(refusal, None);
    }

    #[test]
    fn nothing_is_recorded_outside_collecting() {
        assert!(serde_json::from_str::<Even>("5").is_err());
        let ((), refusal) = collecting(|| ());
        assert_eq!(refusal, None, "the refusal outside left nothing behind");
    }

    #[test]
    fn the_first_refusal_wins_and_nested_scopes_keep_their_own() {
        let (_, refusal) = collecting(|| {
            let _ = serde_json::from_str::<Even>("1");
            let (_, inner) = collecting(|| serde_json::from_str::<Even>("7"));
            assert_eq!(inner.as_deref(), Some("even must be even, not 7"));
            let _ = serde_json::from_str::<Even>("9");
        });
        assert_eq!(refusal.as_deref(), Some("even must be even, not 1"));
        let (parsed, refusal) = collecting(|| serde_json::from_str::<Pair>(r#"{"a":3,"b":5}"#));
        assert!(parsed.is_err());
        assert_eq!(refusal.as_deref(), Some("even must be even, not 3"));
    }

    #[test]
    fn a_panic_inside_collecting_restores_the_outer_scope() {
        let outcome = std::panic::catch_unwind(|| {
            collecting(|| {
                let _ = serde_json::from_str::<Even>("1");
                panic!("boom")
            })
        });
        assert!(outcome.is_err());
        assert!(serde_json::from_str::<Even>("3").is_err());
        assert_eq!(collecting(|| ()).1, None, "no scope was left enabled");
    }

    #[test]
    fn schemas_carry_the_bounds() {
        let text = serde_json::to_value(text_schema(1, 80)).expect("json");
        assert_eq!(
            text,
            serde_json::json!({ "type": "string", "minLength": 1, "maxLength": 80 })
        );
        let optional = serde_json::to_value(text_schema(0, 10)).expect("json");
        assert!(optional.get("minLength").is_none());
        let number = serde_json::to_value(int32_schema(&(1..=100))).expect("json");
        assert_eq!(
            number,
            serde_json::json!({ "type": "integer", "format": "int32", "minimum": 1, "maximum": 100 })
        );
    }
}

//! One labelled example, the unit of every data set. Its own module because the shipped data sets
//! ([`crate::dataset`]) and the parser of uploaded ones ([`crate::upload`]) both make them, and the
//! shipped chat evaluation set is read with that parser.

use crate::labels::{Emotion, Intensity};
use serde::{Deserialize, Serialize};

/// One labelled example; either label may be missing (then it only trains the other scale).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    /// The message text.
    pub text: String,
    /// Emotion label, if known.
    pub emotion: Option<Emotion>,
    /// Intensity label, if known.
    pub intensity: Option<Intensity>,
}

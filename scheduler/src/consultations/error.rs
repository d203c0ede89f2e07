//! Why a consultation command was refused: one typed error for every use case, mapped to HTTP in
//! one place (the API's error module), so no caller matches on string codes.

use models::ModelError;
use models::consultation::Clash;
use uuid::Uuid;

use crate::lifecycle::Refusal;
use crate::room::RoomRefusal;
use crate::{InvalidAvailability, TimingRefusal};

/// What a consultation use case can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum ConsultationError {
    /// The thing does not exist, or is not the caller's to see (`what` names it).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller's role may never do this (e.g. a lecturer booking a slot).
    #[error("{0}")]
    NotAllowed(&'static str),
    /// The lifecycle rules refuse the action now.
    #[error(transparent)]
    Lifecycle(#[from] Refusal),
    /// The room rules refuse the action now.
    #[error(transparent)]
    Room(#[from] RoomRefusal),
    /// The requested time is not bookable.
    #[error(transparent)]
    Timing(#[from] TimingRefusal),
    /// A submitted value is not acceptable.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// Someone would be double-booked; the message names the clash for the caller.
    #[error("{message}")]
    Clash {
        /// Whose time clashed.
        clash: Clash,
        /// What the caller asked for in their own terms: a student picking a slot someone else
        /// just took sees `slot_taken`, not the lecturer's calendar.
        seen_as: ClashSeenAs,
        /// What to tell the caller.
        message: String,
    },
    /// The data layer failed or refused.
    #[error(transparent)]
    Model(ModelError),
}

/// How a clash is presented to the one who caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClashSeenAs {
    /// A student's chosen slot was taken in the meantime (`slot_taken`).
    SlotTaken,
    /// The lecturer is busy (`lecturer_busy`).
    LecturerBusy,
    /// A student is busy (`student_busy`).
    StudentBusy,
}

impl ClashSeenAs {
    /// How a clash reads when nothing more is known about who asked.
    pub fn of(clash: Clash) -> Self {
        match clash {
            Clash::Lecturer => Self::LecturerBusy,
            Clash::Student => Self::StudentBusy,
        }
    }

    /// The stable machine-readable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::SlotTaken => "slot_taken",
            Self::LecturerBusy => "lecturer_busy",
            Self::StudentBusy => "student_busy",
        }
    }
}

impl From<ModelError> for ConsultationError {
    fn from(e: ModelError) -> Self {
        Self::Model(e)
    }
}

/// A submitted value that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    /// A field is out of its limits (`validation_failed`).
    #[error("{0}")]
    Field(String),
    /// The availability does not hold together (`validation_failed`).
    #[error(transparent)]
    Availability(#[from] InvalidAvailability),
    /// A listed student does not exist (`unknown_student`).
    #[error("no student {0}")]
    UnknownStudent(Uuid),
    /// A listed account is not a student (`not_a_student`).
    #[error("{0} is not a student")]
    NotAStudent(Uuid),
    /// The new time is the current one (`same_time`).
    #[error("the consultation is already at that time")]
    SameTime,
}

impl Invalid {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Field(_) | Self::Availability(_) => "validation_failed",
            Self::UnknownStudent(_) => "unknown_student",
            Self::NotAStudent(_) => "not_a_student",
            Self::SameTime => "same_time",
        }
    }
}

/// Result of a consultation use case.
pub type ConsultationResult<T> = Result<T, ConsultationError>;

impl From<sqlx::Error> for ConsultationError {
    fn from(e: sqlx::Error) -> Self {
        Self::Model(ModelError::Database(e))
    }
}

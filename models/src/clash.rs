//! Whose time a consultation would double-book: the two exclusion constraints of the schema,
//! named once, so that a refused write becomes a typed [`Clash`] (see
//! `consultation::clash_error`) rather than a string to match.

/// Constraint refusing overlapping consultations of one lecturer.
pub const LECTURER_CLASH: &str = "consultations_lecturer_clash";
/// Constraint refusing overlapping consultations of one student.
pub const STUDENT_CLASH: &str = "consultation_participants_student_clash";

/// Whose time a refused write would have double-booked, told by the exclusion constraint that
/// refused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clash {
    /// The lecturer's (constraint [`LECTURER_CLASH`]: time plus buffer).
    Lecturer,
    /// A student's (constraint [`STUDENT_CLASH`]).
    Student,
}

impl Clash {
    /// Every clash, one per exclusion constraint (a test checks each exists in the schema).
    pub const ALL: [Clash; 2] = [Clash::Lecturer, Clash::Student];

    /// The clash a constraint stands for, if it is one of the clash constraints.
    pub fn from_constraint(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.constraint() == name)
    }

    /// The constraint's name in the schema.
    pub fn constraint(self) -> &'static str {
        match self {
            Self::Lecturer => LECTURER_CLASH,
            Self::Student => STUDENT_CLASH,
        }
    }
}

impl std::fmt::Display for Clash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Lecturer => "the lecturer already has a consultation at that time",
            Self::Student => "a student already has a consultation at that time",
        })
    }
}

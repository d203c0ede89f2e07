//! Consultations: availability, free-slot generation, clash rules and reminders.
//! (Built in the consultations issue.)

//! How the domain's typed refusals become HTTP answers: the one place a lifecycle, timing,
//! room, clash or membership refusal gets its status and code. Every variant is matched, so a new refusal
//! that is not mapped does not compile.

use realtime::membership::MembershipError;
use realtime::room::switch::SwitchError;
use scheduler::TimingRefusal;
use scheduler::consultations::{ConsultationError, Invalid};
use scheduler::lifecycle::Refusal;
use scheduler::room::RoomRefusal;

use crate::error::ApiError;

impl From<ConsultationError> for ApiError {
    fn from(e: ConsultationError) -> Self {
        match e {
            ConsultationError::NotFound(what) => ApiError::NotFound(what),
            ConsultationError::NotAllowed(message) => ApiError::Forbidden(message),
            ConsultationError::Lifecycle(refusal) => refusal.into(),
            ConsultationError::Room(refusal) => refusal.into(),
            ConsultationError::Timing(refusal) => refusal.into(),
            ConsultationError::Invalid(invalid) => invalid.into(),
            ConsultationError::Clash {
                seen_as, message, ..
            } => ApiError::Conflict {
                code: seen_as.code(),
                message: message.into(),
            },
            ConsultationError::Model(e) => e.into(),
        }
    }
}

impl From<MembershipError> for ApiError {
    fn from(e: MembershipError) -> Self {
        match e {
            MembershipError::NotFound(what) => ApiError::NotFound(what),
            MembershipError::Model(e) => e.into(),
        }
    }
}

impl From<SwitchError> for ApiError {
    fn from(e: SwitchError) -> Self {
        match e {
            SwitchError::Refused(refused) => refused.into(),
            other => ApiError::Conflict {
                code: other.code(),
                message: other.to_string().into(),
            },
        }
    }
}

impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        ApiError::Unprocessable {
            code: invalid.code(),
            message: invalid.to_string(),
        }
    }
}

impl From<TimingRefusal> for ApiError {
    fn from(refusal: TimingRefusal) -> Self {
        ApiError::Unprocessable {
            code: refusal.code(),
            message: refusal.to_string(),
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotAllowed(message) => ApiError::Forbidden(message),
            Refusal::WrongState { code, message } => ApiError::Conflict {
                code,
                message: message.into(),
            },
        }
    }
}

impl From<RoomRefusal> for ApiError {
    fn from(refusal: RoomRefusal) -> Self {
        let message = refusal.to_string().into();
        if refusal.is_forbidden() {
            ApiError::Denied {
                code: refusal.code(),
                message,
            }
        } else {
            ApiError::Conflict {
                code: refusal.code(),
                message,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use models::consultation::Clash;
    use scheduler::consultations::ClashSeenAs;

    use super::*;

    fn answer(e: impl Into<ApiError>) -> (StatusCode, &'static str) {
        e.into().status_and_code()
    }

    #[test]
    fn clashes_are_conflicts_named_as_the_caller_sees_them() {
        let cases = [
            (Clash::Lecturer, ClashSeenAs::SlotTaken, "slot_taken"),
            (Clash::Lecturer, ClashSeenAs::LecturerBusy, "lecturer_busy"),
            (Clash::Student, ClashSeenAs::StudentBusy, "student_busy"),
        ];
        for (clash, seen_as, code) in cases {
            let e = ConsultationError::Clash {
                clash,
                seen_as,
                message: "busy".into(),
            };
            assert_eq!(answer(e), (StatusCode::CONFLICT, code));
        }
    }

    #[test]
    fn refusals_keep_their_status_and_code() {
        assert_eq!(
            answer(ConsultationError::NotFound("consultation")),
            (StatusCode::NOT_FOUND, "not_found")
        );
        assert_eq!(
            answer(Refusal::NotAllowed("no")),
            (StatusCode::FORBIDDEN, "forbidden")
        );
        assert_eq!(
            answer(Invalid::SameTime),
            (StatusCode::UNPROCESSABLE_ENTITY, "same_time")
        );
        assert_eq!(
            answer(TimingRefusal::InPast),
            (StatusCode::UNPROCESSABLE_ENTITY, "in_past")
        );
        assert_eq!(
            answer(RoomRefusal::NotTheLecturer),
            (StatusCode::FORBIDDEN, "not_the_lecturer")
        );
        assert_eq!(
            answer(RoomRefusal::Closed),
            (StatusCode::CONFLICT, "room_closed")
        );
    }
}

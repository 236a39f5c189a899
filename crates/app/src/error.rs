//! What a use case can answer besides success.

use domain::accounts::FieldError;
use domain::policy::Denied;
use store::StoreError;

/// Per-field problems of a submitted form or JSON body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<(&'static str, FieldError)>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, e: FieldError) {
        self.0.push((field, e));
    }

    pub fn get(&self, field: &str) -> Option<&FieldError> {
        self.0.iter().find(|(f, _)| *f == field).map(|(_, e)| e)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when no field failed, else the errors.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() { Ok(()) } else { Err(AppError::Invalid(self)) }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("wrong email or password")]
    BadCredentials,
    #[error("the email address is not confirmed yet")]
    EmailNotConfirmed,
    #[error("too many attempts; retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: i64 },
    #[error("this link is invalid, used or expired")]
    InvalidLink,
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("busy, retry")]
    Busy,
    /// The slot collides with a confirmed booking (of this resource, or of
    /// one above or below it in its tree).
    #[error("the slot is taken")]
    SlotTaken { resource_id: i64, starts_at: chrono::DateTime<chrono::Utc>, ends_at: chrono::DateTime<chrono::Utc> },
    /// The resource, or one above it, is closed over the slot.
    #[error("the resource is closed then")]
    Closed {
        resource_id: i64,
        starts_at: chrono::DateTime<chrono::Utc>,
        ends_at: chrono::DateTime<chrono::Utc>,
        reason: String,
    },
    #[error("internal error: {0}")]
    Internal(String),
    // Booking lifecycle (holds, approval, check-in, access rules).
    /// The hold lapsed before it was confirmed; the slot may be gone.
    #[error("the hold expired")]
    HoldExpired,
    /// The booking's state does not allow this step.
    #[error("the booking is {status}: {message}")]
    BookingState { status: String, message: String },
    /// Check-in runs from a quarter of an hour before the start until the end.
    #[error("check-in is open from {opens_at} until {closes_at}")]
    CheckInClosed { opens_at: chrono::DateTime<chrono::Utc>, closes_at: chrono::DateTime<chrono::Utc> },
    /// The resource is for the place's members or residents.
    #[error("reserved to the place's {access}")]
    AccessRestricted { access: String },
    /// The machine needs a training the person does not hold.
    #[error("the training {training} is required")]
    TrainingRequired { training: String },
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Busy => AppError::Busy,
            StoreError::Invalid(m) | StoreError::Other(m) => AppError::Internal(m),
        }
    }
}

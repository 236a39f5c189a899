//! One person's data: everything we hold about them (GDPR art. 15 and 20)
//! and its erasure (art. 17).

use domain::audit::AuditRecord;

use crate::accounts::User;
use crate::api_tokens::ApiToken;
use crate::events::{Event, Registration};
use crate::grants::GrantRecord;
use crate::mail::Mail;
use crate::operations::Booking;
use crate::sessions::Session;
use crate::{Result, Store, WriteTx, now_micros};

#[derive(Debug, Clone)]
pub struct PersonalData {
    pub user: User,
    pub grants: Vec<GrantRecord>,
    pub sessions: Vec<Session>,
    pub api_tokens: Vec<ApiToken>,
    pub mails: Vec<Mail>,
    /// Entries the person caused or that concern their account.
    pub audit: Vec<AuditRecord>,
    /// Registrations they made (for themselves or someone they registered), with the event.
    pub registrations: Vec<(Registration, Event)>,
    pub bookings: Vec<Booking>,
}

impl Store {
    pub async fn personal_data(&self, user_id: i64) -> Result<PersonalData> {
        let user = self.user(user_id).await?;
        Ok(PersonalData {
            user,
            grants: self.grants_of(user_id).await?,
            sessions: self.sessions_of(user_id).await?,
            api_tokens: self.api_tokens_of(user_id).await?,
            mails: self.mails_of(user_id).await?,
            audit: self.audit_entries_for_user(user_id).await?,
            registrations: self.registrations_of_user(user_id).await?,
            bookings: self.bookings_of_user(user_id).await?,
        })
    }
}

impl WriteTx {
    /// Erases the person's personal fields and everything that lets anyone
    /// act as them. The account row stays, emptied, so that their public
    /// contributions and the audit log keep pointing at an anonymous author.
    pub async fn erase_user(&mut self, user_id: i64) -> Result<()> {
        for sql in [
            "DELETE FROM sessions WHERE user_id = $1",
            "DELETE FROM api_tokens WHERE user_id = $1",
            "DELETE FROM one_time_tokens WHERE user_id = $1",
            "DELETE FROM role_grants WHERE user_id = $1",
            "DELETE FROM mail_outbox WHERE user_id = $1",
            // Memberships and trainings say where the person works and what they can operate.
            "DELETE FROM place_memberships WHERE user_id = $1",
            "DELETE FROM trainings_held WHERE user_id = $1",
        ] {
            sqlx::query(sql).bind(user_id).execute(self.conn()).await?;
        }
        // Answers to an event's questionnaire are the person's own words.
        sqlx::query(
            "DELETE FROM registration_answers WHERE registration_id IN (SELECT id FROM registrations WHERE user_id = $1)",
        )
        .bind(user_id)
        .execute(self.conn())
        .await?;
        // Registrations stay (seats and waitlists must add up) without the
        // names, birth dates and guardians' addresses they carried.
        sqlx::query(
            "UPDATE registrations SET participant = '', birth_date = NULL, guardian_email = NULL WHERE user_id = $1",
        )
        .bind(user_id)
        .execute(self.conn())
        .await?;
        let now = now_micros();
        sqlx::query(
            "UPDATE users SET email = NULL, display_name = '', password_hash = NULL, email_confirmed_at = NULL, \
             deleted_at = $1, updated_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(user_id)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

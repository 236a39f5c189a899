//! Mails we send. They are written to the outbox inside the transaction that
//! causes them (see [`store::mail`]) and delivered by a job ([`delivery`]).

pub mod delivery;

use crate::i18n::{Lang, fill};

/// A mail ready to be queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub subject: String,
    pub body: String,
}

/// A body with the platform's signature, for mails composed elsewhere.
pub fn signed(lang: Lang, body: String) -> String {
    with_signature(lang, body)
}

fn with_signature(lang: Lang, body: String) -> String {
    format!("{body}\n\n-- \n{}\n", lang.messages().mail_signature)
}

pub fn confirm_email(lang: Lang, name: &str, link: &str) -> Composed {
    let t = lang.messages();
    Composed {
        subject: t.mail_confirm_subject.into(),
        body: with_signature(lang, fill(t.mail_confirm_body, &[name, link])),
    }
}

pub fn account_exists(lang: Lang, login_link: &str, forgot_link: &str) -> Composed {
    let t = lang.messages();
    Composed {
        subject: t.mail_exists_subject.into(),
        body: with_signature(lang, fill(t.mail_exists_body, &[login_link, forgot_link])),
    }
}

pub fn reset_password(lang: Lang, name: &str, link: &str) -> Composed {
    let t = lang.messages();
    Composed {
        subject: t.mail_reset_subject.into(),
        body: with_signature(lang, fill(t.mail_reset_body, &[name, link])),
    }
}

pub fn password_changed(lang: Lang, name: &str, forgot_link: &str) -> Composed {
    let t = lang.messages();
    Composed {
        subject: t.mail_password_changed_subject.into(),
        body: with_signature(lang, fill(t.mail_password_changed_body, &[name, forgot_link])),
    }
}

pub fn guardian_consent(
    lang: Lang,
    registrant: &str,
    participant: &str,
    event: &str,
    when: &str,
    link: &str,
) -> Composed {
    let t = lang.messages();
    Composed {
        subject: fill(t.mail_consent_subject, &[participant, event]),
        body: with_signature(lang, fill(t.mail_consent_body, &[registrant, participant, event, when, link])),
    }
}

pub fn confirm_record(lang: Lang, name: &str, record: &str, confirm_link: &str, edit_link: &str) -> Composed {
    let t = lang.messages();
    Composed {
        subject: fill(t.mail_freshness_subject, &[record]),
        body: with_signature(lang, fill(t.mail_freshness_body, &[name, record, confirm_link, edit_link])),
    }
}

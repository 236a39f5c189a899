//! The audit log: append-only entries, each holding the hash of the previous
//! one, so that editing, inserting or removing a row breaks the chain.
//!
//! Summaries name what changed (field names, roles, ids), never personal
//! values: entries outlive account deletion and cannot be rewritten without
//! breaking the chain.

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who caused a change, as recorded in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditActor {
    /// A person, through a page or an API token.
    User(i64),
    /// Nobody signed in (sign-up, password reset by link).
    Anonymous,
    /// The `maillage` command line or a background job.
    System,
}

impl AuditActor {
    pub fn to_code(&self) -> String {
        match self {
            AuditActor::User(id) => format!("user:{id}"),
            AuditActor::Anonymous => "anonymous".into(),
            AuditActor::System => "system".into(),
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "anonymous" => Some(AuditActor::Anonymous),
            "system" => Some(AuditActor::System),
            _ => code.strip_prefix("user:")?.parse().ok().map(AuditActor::User),
        }
    }
}

/// What a writer provides; the store adds sequence, time and hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub actor: AuditActor,
    /// Dotted verb, e.g. `user.signup`, `role.grant`.
    pub action: &'static str,
    pub entity_type: &'static str,
    pub entity_id: String,
    pub summary: String,
}

impl AuditEvent {
    pub fn new(actor: AuditActor, action: &'static str, entity_type: &'static str, entity_id: impl ToString) -> Self {
        Self { actor, action, entity_type, entity_id: entity_id.to_string(), summary: String::new() }
    }

    pub fn with_summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = summary.into();
        self
    }
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at_micros: i64,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub summary: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    /// Hash of the entry's content chained to the previous hash (the `hash`
    /// field itself is not part of it). Each field is length-prefixed so that
    /// no two different entries encode to the same bytes.
    pub fn expected_hash(&self) -> String {
        let mut h = Sha256::new();
        let seq = self.seq.to_string();
        let at = self.at_micros.to_string();
        for field in
            [&self.prev_hash, &seq, &at, &self.actor, &self.action, &self.entity_type, &self.entity_id, &self.summary]
        {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// The first thing wrong with a chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainProblem {
    #[error("entry {seq} was altered: its content no longer matches its hash")]
    Altered { seq: i64 },
    #[error("entry {expected} is missing (the next entry found is {found})")]
    Missing { expected: i64, found: i64 },
    #[error("entry {seq} does not follow the entry before it: its previous hash differs")]
    BrokenLink { seq: i64 },
    #[error("the last {count} entries are missing: the head records entry {head_seq}, the log stops at {last_seq}")]
    TailMissing { head_seq: i64, last_seq: i64, count: i64 },
    #[error("the head records hash {head_hash} for entry {head_seq}, the log holds another")]
    HeadMismatch { head_seq: i64, head_hash: String },
}

/// Checks a chain entry by entry, in sequence order, in constant memory.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self { expected_seq: 1, prev_hash: GENESIS_HASH.to_owned() }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, r: &AuditRecord) -> Result<(), ChainProblem> {
        if r.seq != self.expected_seq {
            return Err(ChainProblem::Missing { expected: self.expected_seq, found: r.seq });
        }
        // A recomputed hash that differs means this row's content was edited,
        // whatever else is wrong; report that first because it is the likelier act.
        if r.expected_hash() != r.hash {
            return Err(ChainProblem::Altered { seq: r.seq });
        }
        if r.prev_hash != self.prev_hash {
            return Err(ChainProblem::BrokenLink { seq: r.seq });
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&r.hash);
        Ok(())
    }

    /// Number of entries checked so far.
    pub fn count(&self) -> i64 {
        self.expected_seq - 1
    }

    /// Compares the end of the log with the head (the last sequence and hash
    /// written beside the log), which catches entries deleted from the tail.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainProblem> {
        let last_seq = self.count();
        if head_seq > last_seq {
            return Err(ChainProblem::TailMissing { head_seq, last_seq, count: head_seq - last_seq });
        }
        if head_seq != last_seq || head_hash != self.prev_hash {
            return Err(ChainProblem::HeadMismatch { head_seq, head_hash: head_hash.to_owned() });
        }
        Ok(last_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let mut r = AuditRecord {
                    seq,
                    at_micros: 1_700_000_000_000_000 + seq,
                    actor: "user:1".into(),
                    action: "user.update".into(),
                    entity_type: "user".into(),
                    entity_id: seq.to_string(),
                    summary: "display_name".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                r.hash = r.expected_hash();
                prev.clone_from(&r.hash);
                r
            })
            .collect()
    }

    fn verify(records: &[AuditRecord], head: (i64, &str)) -> Result<i64, ChainProblem> {
        let mut v = ChainVerifier::default();
        for r in records {
            v.push(r)?;
        }
        v.finish(head.0, head.1)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, (5, &c[4].hash)), Ok(5));
        assert_eq!(verify(&[], (0, GENESIS_HASH)), Ok(0));
    }

    #[test]
    fn every_kind_of_tampering_is_named() {
        let c = chain(5);
        let head = (5, c[4].hash.as_str());

        let mut edited = c.clone();
        edited[2].summary = "password_hash".into();
        assert_eq!(verify(&edited, head), Err(ChainProblem::Altered { seq: 3 }));

        let mut removed = c.clone();
        removed.remove(1);
        assert_eq!(verify(&removed, head), Err(ChainProblem::Missing { expected: 2, found: 3 }));

        // Rewriting a row and recomputing its own hash still breaks the next link.
        let mut rehashed = c.clone();
        rehashed[1].summary = "x".into();
        rehashed[1].hash = rehashed[1].expected_hash();
        assert_eq!(verify(&rehashed, head), Err(ChainProblem::BrokenLink { seq: 3 }));

        assert_eq!(verify(&c[..3], head), Err(ChainProblem::TailMissing { head_seq: 5, last_seq: 3, count: 2 }));
    }

    #[test]
    fn actors_round_trip() {
        for a in [AuditActor::User(7), AuditActor::Anonymous, AuditActor::System] {
            assert_eq!(AuditActor::parse(&a.to_code()), Some(a));
        }
        assert_eq!(AuditActor::parse("user:x"), None);
    }
}

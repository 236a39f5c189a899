//! Programmes: ticket categories sharing one capacity, sessions attended
//! one by one, and the registration questionnaire.

use std::collections::HashMap;

/// Whether one more seat can be given: the event has room, and the
/// category (when it has a quota) too.
pub fn has_room(event_held: i64, capacity: i64, category: Option<(i64, Option<i64>)>) -> bool {
    event_held < capacity && category.is_none_or(|(held, quota)| quota.is_none_or(|q| held < q))
}

/// The session a check-in counts for: the one under way, else the next.
/// `sessions` are (id, starts_at, ends_at); `None` once all are over.
pub fn session_for_checkin(sessions: &[(i64, i64, i64)], now: i64) -> Option<i64> {
    let mut upcoming: Vec<&(i64, i64, i64)> = sessions.iter().filter(|s| s.2 > now).collect();
    upcoming.sort_by_key(|s| (s.1, s.0));
    upcoming.first().map(|s| s.0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    Text,
    Choice,
    YesNo,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 3] = [QuestionKind::Text, QuestionKind::Choice, QuestionKind::YesNo];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Text => "text",
            QuestionKind::Choice => "choice",
            QuestionKind::YesNo => "yes_no",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A question as the validation needs it.
#[derive(Debug, Clone)]
pub struct QuestionRule<'a> {
    pub id: i64,
    pub kind: QuestionKind,
    pub required: bool,
    pub choices: &'a [String],
}

pub const ANSWER_MAX_CHARS: usize = 2000;

/// Why an answer was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerProblem {
    Missing,
    TooLong,
    /// Not one of the question's choices (or not yes / no).
    NotAChoice,
    /// An answer to a question the event does not ask.
    UnknownQuestion,
}

/// Answers to store, by question id, or every problem found.
pub type CheckedAnswers = Result<Vec<(i64, String)>, Vec<(i64, AnswerProblem)>>;

/// Checks answers (question id → text) against the questions; returns the
/// answers to store (trimmed, empty optional ones left out) or every
/// problem, by question id, in question order.
pub fn check_answers(questions: &[QuestionRule<'_>], answers: &HashMap<i64, String>) -> CheckedAnswers {
    let mut problems = Vec::new();
    let mut keep = Vec::new();
    for q in questions {
        let a = answers.get(&q.id).map_or("", |a| a.trim());
        if a.is_empty() {
            if q.required {
                problems.push((q.id, AnswerProblem::Missing));
            }
            continue;
        }
        let ok = match q.kind {
            QuestionKind::Text => {
                if a.chars().count() > ANSWER_MAX_CHARS {
                    problems.push((q.id, AnswerProblem::TooLong));
                    continue;
                }
                true
            }
            QuestionKind::Choice => q.choices.iter().any(|c| c == a),
            QuestionKind::YesNo => a == "yes" || a == "no",
        };
        if ok {
            keep.push((q.id, a.to_owned()));
        } else {
            problems.push((q.id, AnswerProblem::NotAChoice));
        }
    }
    let mut unknown: Vec<i64> = answers.keys().filter(|id| !questions.iter().any(|q| q.id == **id)).copied().collect();
    unknown.sort_unstable();
    problems.extend(unknown.into_iter().map(|id| (id, AnswerProblem::UnknownQuestion)));
    if problems.is_empty() { Ok(keep) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_share_the_capacity_and_quotas_cap_them() {
        assert!(has_room(9, 10, None));
        assert!(!has_room(10, 10, None));
        assert!(has_room(5, 10, Some((2, Some(3)))));
        assert!(!has_room(5, 10, Some((3, Some(3)))), "the category's quota is reached");
        assert!(!has_room(10, 10, Some((0, Some(3)))), "the shared capacity is reached");
        assert!(has_room(9, 10, Some((9, None))));
    }

    #[test]
    fn a_check_in_counts_for_the_current_or_next_session() {
        let sessions = [(2, 300, 400), (1, 100, 200), (3, 500, 600)];
        assert_eq!(session_for_checkin(&sessions, 50), Some(1));
        assert_eq!(session_for_checkin(&sessions, 150), Some(1), "under way");
        assert_eq!(session_for_checkin(&sessions, 250), Some(2), "between sessions: the next");
        assert_eq!(session_for_checkin(&sessions, 600), None, "all over");
    }

    #[test]
    fn answers_are_checked_per_question() {
        let choices = vec!["Végétarien".to_owned(), "Sans restriction".to_owned()];
        let none: Vec<String> = Vec::new();
        let qs = [
            QuestionRule { id: 1, kind: QuestionKind::Text, required: true, choices: &none },
            QuestionRule { id: 2, kind: QuestionKind::Choice, required: false, choices: &choices },
            QuestionRule { id: 3, kind: QuestionKind::YesNo, required: true, choices: &none },
        ];
        let answers = |pairs: &[(i64, &str)]| pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        assert_eq!(
            check_answers(&qs, &answers(&[(1, " Lycée Guez de Balzac "), (3, "yes")])),
            Ok(vec![(1, "Lycée Guez de Balzac".to_owned()), (3, "yes".to_owned())])
        );
        assert_eq!(
            check_answers(&qs, &answers(&[(1, "  "), (2, "Carnivore"), (3, "peut-être"), (9, "x")])),
            Err(vec![
                (1, AnswerProblem::Missing),
                (2, AnswerProblem::NotAChoice),
                (3, AnswerProblem::NotAChoice),
                (9, AnswerProblem::UnknownQuestion)
            ])
        );
        let long = "a".repeat(ANSWER_MAX_CHARS + 1);
        assert_eq!(check_answers(&qs, &answers(&[(1, &long), (3, "no")])), Err(vec![(1, AnswerProblem::TooLong)]));
    }
}

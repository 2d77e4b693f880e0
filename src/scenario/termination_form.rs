//! Agent Framework's `termination_condition` as a scenario's profile writes it.

use serde::de;

use crate::engine::Termination;

/// Agent Framework's `termination_condition` as written: `{"user_messages": N}` or
/// `{"last_message_contains": "...", "ignore_case": true}`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TerminationFile {
    user_messages: Option<u32>,
    last_message_contains: Option<String>,
    #[serde(default)]
    ignore_case: bool,
    last_author: Option<String>,
}

impl TerminationFile {
    pub(super) fn into_termination<E: de::Error>(self) -> Result<Termination, E> {
        match (self.user_messages, self.last_message_contains, self.last_author) {
            (None, None, Some(name)) if !self.ignore_case => Ok(Termination::LastAuthor(name)),
            (Some(n), None, None) if !self.ignore_case => Ok(Termination::UserMessages(n)),
            (None, Some(text), None) => Ok(Termination::LastMessageContains {
                text,
                ignore_case: self.ignore_case,
            }),
            _ => Err(E::custom(
                r#"`termination_condition` is {"user_messages": N}, {"last_message_contains": "...", "ignore_case": true} or {"last_author": agent} (one of them; a condition of other code runs under `handoff serve`)"#,
            )),
        }
    }
}

/// Where a `last_author` condition names no agent of `design`: the place and the error.
pub(super) fn unknown_author(
    termination: Option<&Termination>,
    design: &crate::design::Design,
) -> Option<(String, String)> {
    let Some(Termination::LastAuthor(name)) = termination else {
        return None;
    };
    design.find(name).is_none().then(|| {
        (
            "profile.termination_condition.last_author".into(),
            format!("`{name}` is no agent of the design"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_hold_as_the_lambdas_do() {
        let exact = Termination::LastMessageContains {
            text: "Bye".into(),
            ignore_case: false,
        };
        assert!(exact.holds(1, "Bye.") && !exact.holds(1, "bye."));
        assert!(Termination::UserMessages(2).holds(2, "") && !Termination::UserMessages(2).holds(1, ""));
        let read = |json: &str| {
            serde_json::from_str::<TerminationFile>(json)
                .unwrap()
                .into_termination::<serde_json::Error>()
        };
        assert!(read(r#"{"ignore_case": true}"#).is_err());
        assert_eq!(read(r#"{"user_messages": 0}"#).unwrap(), Termination::UserMessages(0));
        let refund = read(r#"{"last_author": "refund_agent"}"#).unwrap();
        assert!(refund.holds_by(1, "Which order?", Some("refund_agent")) && !refund.holds(1, "Which order?"));
        assert!(!refund.holds_by(1, "x", Some("triage")));
        assert!(read(r#"{"last_author": "a", "user_messages": 1}"#).is_err());
    }
}

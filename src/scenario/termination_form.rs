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
}

impl TerminationFile {
    pub(super) fn into_termination<E: de::Error>(self) -> Result<Termination, E> {
        match (self.user_messages, self.last_message_contains) {
            (Some(n), None) if !self.ignore_case => Ok(Termination::UserMessages(n)),
            (None, Some(text)) => Ok(Termination::LastMessageContains {
                text,
                ignore_case: self.ignore_case,
            }),
            _ => Err(E::custom(
                r#"`termination_condition` is {"user_messages": N} or {"last_message_contains": "...", "ignore_case": true} (one of them; a condition of other code runs under `handoff serve`)"#,
            )),
        }
    }
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
    }
}

//! A scenario's `task`: one text (the first user message), or a list of messages as the
//! frameworks take a task given as several (`orchestration.invoke(task=[ChatMessageContent,
//! ...])`, `workflow.run([Message, ...])`, `Runner.run(agent, [items])`):
//! `[{"role": "user", "content": "...", "name": "bob"}, ...]`.

use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, Deserializer};

use crate::engine::{InputMessage, InputRole, Profile};
use crate::files::closest;

/// `task` as written.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum TaskFile {
    /// One user message.
    Text(String),
    /// Several messages, in order.
    Messages(Vec<InputMessage>),
}

/// One message as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageFile {
    role: String,
    content: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

/// What the run is given: the task's text (of several messages, the last user message's,
/// `""` when it has none) and the messages, if several.
pub(super) type Task = (Option<String>, Option<Arc<[InputMessage]>>);

impl TaskFile {
    /// The task for a run under `profile`; an error is its place under `task` and its message.
    pub(super) fn resolve(task: Option<TaskFile>, profile: &Profile) -> Result<Task, (String, String)> {
        let messages = match task {
            None => return Ok((None, None)),
            Some(TaskFile::Text(text)) => return Ok((Some(text), None)),
            Some(TaskFile::Messages(messages)) => messages,
        };
        // Only the OpenAI Agents SDK's input items take a message without content as such.
        if profile.name != Profile::OPENAI_AGENTS.name
            && let Some(i) = messages.iter().position(|m| m.content.is_none())
        {
            return Err((
                format!("task[{i}].content"),
                format!(
                    "null: under `{}` a message of the task has a text (\"\" for an empty one); a message without content is an input item of `openai-agents`",
                    profile.name
                ),
            ));
        }
        let text = messages
            .iter()
            .rev()
            .find(|m| m.role == InputRole::User)
            .map(|m| m.text().to_string())
            .unwrap_or_default();
        Ok((Some(text), Some(messages.into())))
    }
}

impl<'de> Deserialize<'de> for TaskFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<TaskFile, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Text(String),
            Messages(Vec<serde_json::Value>),
        }
        let form = Form::deserialize(deserializer).map_err(|_| {
            de::Error::custom(
                r#"`task` is a text, or a list of messages: [{"role": "user", "content": "...", "name": "..."}, ...]"#,
            )
        })?;
        let values = match form {
            Form::Text(text) => return Ok(TaskFile::Text(text)),
            Form::Messages(values) => values,
        };
        if values.is_empty() {
            return Err(de::Error::custom("`task` is an empty list: give at least one message"));
        }
        let mut messages = Vec::with_capacity(values.len());
        for (i, value) in values.into_iter().enumerate() {
            let has_content = value.get("content").is_some();
            let file = MessageFile::deserialize(value).map_err(|e| de::Error::custom(format!("task[{i}]: {e}")))?;
            if !has_content {
                return Err(de::Error::custom(format!(
                    "task[{i}]: missing `content` (its text, or null for a message without content)"
                )));
            }
            let role = InputRole::named(&file.role).ok_or_else(|| {
                de::Error::custom(format!(
                    "task[{i}].role: `{}` is not a role of a task's message; one of {}{}",
                    file.role,
                    InputRole::NAMES.join(", "),
                    closest(&file.role, InputRole::NAMES.iter().copied())
                ))
            })?;
            messages.push(InputMessage {
                role,
                content: file.content,
                name: file.name,
            });
        }
        Ok(TaskFile::Messages(messages))
    }
}

impl schemars::JsonSchema for TaskFile {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Task".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The task: the first user message of the run; or the task given as several messages (orchestration.invoke(task=[...]), workflow.run([...]), Runner.run(agent, [...])), each with its role, its text (null for none: openai-agents only) and the speaker's name.",
            "anyOf": [
                { "type": "string" },
                {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "properties": {
                            "role": { "enum": InputRole::NAMES },
                            "content": { "type": ["string", "null"] },
                            "name": { "type": "string" }
                        },
                        "required": ["role", "content"],
                        "additionalProperties": false
                    }
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TaskFile, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    #[test]
    fn a_task_is_a_text_or_messages_with_a_role_a_content_and_a_name() {
        assert_eq!(parse(r#""hi""#).unwrap(), TaskFile::Text("hi".into()));
        let TaskFile::Messages(messages) =
            parse(r#"[{"role": "user", "content": null, "name": "bob"}, {"role": "assistant", "content": ""}]"#)
                .unwrap()
        else {
            panic!("a list is messages")
        };
        assert_eq!(messages[0].name.as_deref(), Some("bob"));
        assert_eq!(messages[0].content, None);
        assert_eq!(messages[1].role, InputRole::Assistant);
        for (text, error) in [
            ("[]", "at least one message"),
            (r#"[{"role": "user"}]"#, "task[0]: missing `content`"),
            (r#"[{"role": "usr", "content": ""}]"#, "did you mean `user`"),
            (
                r#"[{"role": "user", "content": "", "speaker": "x"}]"#,
                "unknown field `speaker`",
            ),
            ("7", "`task` is a text, or a list"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(error), "{text}: {e}");
        }
    }

    #[test]
    fn the_text_is_the_last_user_message_and_null_content_is_the_sdks_alone() {
        let messages = parse(r#"[{"role": "user", "content": "a"}, {"role": "user", "content": null}, {"role": "assistant", "content": "b"}]"#)
            .unwrap();
        let (text, list) = TaskFile::resolve(Some(messages.clone()), &Profile::OPENAI_AGENTS).unwrap();
        assert_eq!((text.as_deref(), list.map(|l| l.len())), (Some(""), Some(3)));
        let (place, message) = TaskFile::resolve(Some(messages), &Profile::SEMANTIC_KERNEL).unwrap_err();
        assert_eq!(place, "task[1].content");
        assert!(message.contains("openai-agents"), "{message}");
    }
}

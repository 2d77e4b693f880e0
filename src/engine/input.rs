//! A task given as several messages: what Semantic Kernel's `orchestration.invoke(task=[...])`,
//! Agent Framework's `workflow.run([...])` and the OpenAI Agents SDK's `Runner.run(agent,
//! [...])` take instead of one text. Each message has a role, a text (or none), and a speaker's
//! name. Every agent reads them first, in order, as it reads a task given as one text.
//!
//! Under the OpenAI Agents SDK's nested handoff history an assistant message of the input may
//! itself be a summary an earlier handoff (or an older SDK) wrote: the SDK takes it apart into
//! its records before it summarizes again (`handoffs/history.py`,
//! `_extract_nested_history_transcript`). [`summary_records`] parses one the same way.

/// Who says a message of the task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputRole {
    /// The user.
    User,
    /// A model (an earlier turn the app gives back).
    Assistant,
    /// Instructions.
    System,
    /// Instructions of the developer (the OpenAI role that replaces `system` for newer models).
    Developer,
}

impl InputRole {
    /// The roles a task's message may have, as written.
    pub const NAMES: [&'static str; 4] = ["user", "assistant", "system", "developer"];

    /// The role `name` names.
    pub fn named(name: &str) -> Option<InputRole> {
        match name {
            "user" => Some(InputRole::User),
            "assistant" => Some(InputRole::Assistant),
            "system" => Some(InputRole::System),
            "developer" => Some(InputRole::Developer),
            _ => None,
        }
    }

    /// Its name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            InputRole::User => "user",
            InputRole::Assistant => "assistant",
            InputRole::System => "system",
            InputRole::Developer => "developer",
        }
    }
}

/// One message of a task given as several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputMessage {
    /// Who says it.
    pub role: InputRole,
    /// Its text; `None` for a message without content (`"content": null`).
    pub content: Option<String>,
    /// The speaker's name (the message's `name`), if given.
    pub name: Option<String>,
}

impl InputMessage {
    /// A message of `role` saying `text`.
    pub fn new(role: InputRole, text: impl Into<String>) -> InputMessage {
        InputMessage {
            role,
            content: Some(text.into()),
            name: None,
        }
    }

    /// Its text, `""` for none.
    pub fn text(&self) -> &str {
        self.content.as_deref().unwrap_or("")
    }
}

/// One record of a summary taken apart: a message (role, name and text), or an item the
/// summary quotes as JSON, kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SummaryRecord {
    /// `user: text`, `user (bob): text`, or a bare role (an empty turn an older SDK wrote).
    Message(InputMessage),
    /// `{"type": "function_call", ...}`: an item, quoted again as it is written.
    Quoted(String),
}

/// The preambles the SDK recognizes a summary by (the current one and an older one).
const PREAMBLES: [&str; 2] = [
    "For context, here is the conversation so far between the user and the previous agent:",
    "For context, here is the conversation so far:",
];

/// The records of `content` when it is a summary (an assistant message's text: a preamble
/// line, the `start` wrapper, the numbered records, the `end` wrapper), as the SDK 0.24 parses
/// it: a numbered record runs on over unnumbered lines; `role: text` and `role (name): text`
/// are messages (a text that is JSON quoting an item of another type than a message role is
/// that item); a JSON object is an item; a bare known role is an empty turn; any other line
/// is prose and is dropped. `None` when `content` is no summary.
pub fn summary_records(content: &str, (start, end): (&str, &str)) -> Option<Vec<SummaryRecord>> {
    let (preamble, wrapped) = content.split_once('\n')?;
    if !PREAMBLES.contains(&preamble) {
        return None;
    }
    let body = wrapped
        .strip_prefix(start)?
        .strip_prefix('\n')?
        .strip_suffix(end)?
        .strip_suffix('\n')?;
    Some(split_records(body).iter().filter_map(|r| parse_record(r)).collect())
}

/// `_split_summary_records`: a numbered line starts a record, an unnumbered one continues it.
fn split_records(body: &str) -> Vec<String> {
    let mut records = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut numbered = false;
    for line in body.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let starts = starts_numbered(line);
        if current.is_empty() {
            current.push(line.trim());
            numbered = starts;
            continue;
        }
        if starts || !numbered {
            records.push(current.join("\n"));
            current = vec![line.trim()];
            numbered = starts;
            continue;
        }
        current.push(line.trim_end());
    }
    if !current.is_empty() {
        records.push(current.join("\n"));
    }
    records
}

/// Whether `line` starts with digits and a dot (`12. ...`; Python's `"".isdigit()` is false).
fn starts_numbered(line: &str) -> bool {
    let stripped = line.trim_start();
    stripped
        .find('.')
        .is_some_and(|dot| dot > 0 && stripped[..dot].chars().all(|c| c.is_ascii_digit()))
}

/// `_parse_summary_line`.
fn parse_record(record: &str) -> Option<SummaryRecord> {
    let mut stripped = record.trim();
    if stripped.is_empty() {
        return None;
    }
    if starts_numbered(stripped) {
        let dot = stripped.find('.').expect("a numbered record has a dot");
        stripped = stripped[dot + 1..].trim_start();
    }
    if matches!(serde_json::from_str(stripped), Ok(serde_json::Value::Object(_))) {
        return Some(SummaryRecord::Quoted(stripped.to_string()));
    }
    let Some((role_part, remainder)) = stripped.split_once(':') else {
        // An empty turn an older SDK wrote as a bare role; anything else is prose.
        if !known_role(role_and_name(stripped).0) {
            return None;
        }
        let (role, name) = role_and_name(stripped);
        return Some(message(role, name, String::new()));
    };
    let role_text = role_part.trim();
    if role_text.is_empty() {
        return None;
    }
    let (role, name) = role_and_name(role_text);
    let content = remainder.trim();
    if !content.is_empty()
        && !known_role(role)
        && let Ok(serde_json::Value::Object(_)) = serde_json::from_str::<serde_json::Value>(content)
    {
        // An item of the older `type: {json}` form, the type given as the role.
        let quoted = match content.trim_end().strip_suffix('}').map(str::trim_end) {
            Some(open) if open.trim_start() == "{" => format!("{{\"type\": {}}}", json(role)),
            Some(open) => format!("{open}, \"type\": {}}}", json(role)),
            None => content.to_string(),
        };
        return Some(SummaryRecord::Quoted(quoted));
    }
    Some(message(role, name, content.to_string()))
}

/// A record's message; a role the SDK does not know is kept as written.
fn message(role: &str, name: Option<&str>, content: String) -> SummaryRecord {
    let input = InputMessage {
        role: InputRole::named(role).unwrap_or(InputRole::User),
        content: Some(content),
        name: name.map(String::from),
    };
    match InputRole::named(role) {
        Some(_) => SummaryRecord::Message(input),
        // `foo: text` is re-summarized as it reads.
        None => SummaryRecord::Quoted(format!(
            "{}{}: {}",
            role,
            name.map(|n| format!(" ({n})")).unwrap_or_default(),
            input.text()
        )),
    }
}

fn known_role(role: &str) -> bool {
    InputRole::named(role).is_some()
}

/// `_split_role_and_name`: `user (bob)` is the role `user` and the name `bob`; an empty role
/// before a name is `developer`.
fn role_and_name(text: &str) -> (&str, Option<&str>) {
    if text.ends_with(')')
        && let Some(open) = text.rfind('(')
    {
        let name = text[open + 1..text.len() - 1].trim();
        let role = text[..open].trim();
        if !name.is_empty() {
            return (if role.is_empty() { "developer" } else { role }, Some(name));
        }
    }
    (if text.is_empty() { "developer" } else { text }, None)
}

fn json(text: &str) -> String {
    serde_json::to_string(text).expect("a string always serialises")
}

/// How a summary quotes a message (`_format_transcript_item`): `role: text`, or `role (name):
/// text`; a text with a line break as the message's JSON (Python's `json.dumps`), its keys in
/// the order the message has them: a message of the input as `{"content", "role", "name"}`,
/// a record of a summary taken apart (`parsed`) as the SDK rebuilds it, `{"role", "name",
/// "content"}`.
pub fn summary_line(message: &InputMessage, parsed: bool) -> String {
    let name = message.name.as_deref().filter(|n| !n.is_empty());
    match &message.content {
        Some(text) if text.contains(['\n', '\r']) => {
            let role = format!("\"role\": \"{}\"", message.role.name());
            let name = name.map(|n| format!("\"name\": {}", json(n)));
            let content = format!("\"content\": {}", json(text));
            let fields: Vec<String> = match parsed {
                true => [Some(role), name, Some(content)].into_iter().flatten().collect(),
                false => [Some(content), Some(role), name].into_iter().flatten().collect(),
            };
            format!("{{{}}}", fields.join(", "))
        }
        _ => format!(
            "{}{}: {}",
            message.role.name(),
            name.map(|n| format!(" ({n})")).unwrap_or_default(),
            message.text()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRAPPERS: (&str, &str) = ("<CONVERSATION HISTORY>", "</CONVERSATION HISTORY>");

    fn summary(lines: &[&str]) -> String {
        format!(
            "{}\n<CONVERSATION HISTORY>\n{}\n</CONVERSATION HISTORY>",
            PREAMBLES[0],
            lines.join("\n")
        )
    }

    fn roles(records: &[SummaryRecord]) -> Vec<String> {
        records
            .iter()
            .map(|r| match r {
                SummaryRecord::Message(m) => format!("{}={}", m.role.name(), m.text()),
                SummaryRecord::Quoted(q) => q.clone(),
            })
            .collect()
    }

    #[test]
    fn bare_roles_are_empty_turns_and_prose_is_dropped() {
        let records = summary_records(
            &summary(&[
                "1. user: first question",
                "2. assistant",
                "3. assistant: ",
                "4. some stray prose",
                "5. user (bob)",
            ]),
            WRAPPERS,
        )
        .unwrap();
        assert_eq!(
            roles(&records),
            ["user=first question", "assistant=", "assistant=", "user="]
        );
        let SummaryRecord::Message(bob) = &records[3] else {
            panic!()
        };
        assert_eq!(bob.name.as_deref(), Some("bob"));
    }

    #[test]
    fn an_unnumbered_line_continues_its_record_and_json_is_quoted_as_written() {
        let records = summary_records(
            &summary(&[
                "1. user: two",
                "lines",
                "2. {\"call_id\": \"c\", \"type\": \"function_call_output\"}",
            ]),
            WRAPPERS,
        )
        .unwrap();
        assert_eq!(
            roles(&records),
            [
                "user=two\nlines",
                "{\"call_id\": \"c\", \"type\": \"function_call_output\"}"
            ]
        );
        assert_eq!(summary_records("plain text", WRAPPERS), None);
        assert_eq!(summary_records(&summary(&["1. user: x"]), ("<A>", "</A>")), None);
    }

    #[test]
    fn a_message_is_quoted_as_the_sdk_writes_it() {
        let mut m = InputMessage::new(InputRole::User, "");
        m.name = Some("bob".into());
        assert_eq!(summary_line(&m, false), "user (bob): ");
        m.content = None;
        assert_eq!(summary_line(&m, false), "user (bob): ");
        m.content = Some("a\nb".into());
        assert_eq!(
            summary_line(&m, false),
            r#"{"content": "a\nb", "role": "user", "name": "bob"}"#
        );
        assert_eq!(
            summary_line(&m, true),
            r#"{"role": "user", "name": "bob", "content": "a\nb"}"#
        );
    }
}

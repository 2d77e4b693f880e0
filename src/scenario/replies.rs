//! The fields that are a string or an object with a few string fields: a reply of the human
//! (`"text"` or `{"say", "agent"}`) and a tool's result (`"template"` or `{"matches",
//! "example"}`).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

/// A string, or the object form: each of `names` at most once, each a string.
pub(super) enum Form<const N: usize> {
    Text(String),
    Fields([Option<String>; N]),
}

/// Reads a [`Form`] whose object form has the fields `names`; `expecting` says both forms.
pub(super) fn text_or_fields<'de, D: Deserializer<'de>, const N: usize>(
    deserializer: D,
    expecting: &'static str,
    names: &'static [&'static str; N],
) -> Result<Form<N>, D::Error> {
    struct Read<const N: usize>(&'static str, &'static [&'static str; N]);
    impl<'de, const N: usize> Visitor<'de> for Read<N> {
        type Value = Form<N>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
        fn visit_str<E: de::Error>(self, text: &str) -> Result<Form<N>, E> {
            Ok(Form::Text(text.to_string()))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Form<N>, A::Error> {
            let mut fields: [Option<String>; N] = std::array::from_fn(|_| None);
            while let Some(key) = map.next_key::<String>()? {
                let Some(i) = self.1.iter().position(|name| *name == key) else {
                    return Err(de::Error::unknown_field(&key, self.1));
                };
                if fields[i].is_some() {
                    return Err(de::Error::custom(format!("`{key}` is given twice")));
                }
                fields[i] = Some(map.next_value()?);
            }
            Ok(Form::Fields(fields))
        }
    }
    deserializer.deserialize_any(Read(expecting, names))
}

/// A reply of the human: its text, or `{"say": text, "agent": name}` for a turn the app's
/// host gives to another agent than the framework's loop would (the OpenAI Agents SDK's
/// `Runner.run(other_agent, ...)`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ReplyFile {
    pub(super) say: String,
    pub(super) agent: Option<String>,
}

impl<'de> Deserialize<'de> for ReplyFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ReplyFile, D::Error> {
        let expecting = r#"the reply's text, or {"say": text, "agent": name}"#;
        match text_or_fields(deserializer, expecting, &["say", "agent"])? {
            Form::Text(say) => Ok(ReplyFile { say, agent: None }),
            Form::Fields([say, agent]) => Ok(ReplyFile {
                say: say.ok_or_else(|| de::Error::missing_field("say"))?,
                agent,
            }),
        }
    }
}

/// A reply's text, or the object form naming the agent the host runs for it.
impl schemars::JsonSchema for ReplyFile {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Reply".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The human's reply; or an object with the reply (`say`) and the agent the app's host runs for it (`agent`), where the app picks the agent for a turn instead of the framework's loop.",
            "anyOf": [
                { "type": "string" },
                {
                    "type": "object",
                    "properties": {
                        "say": { "type": "string" },
                        "agent": { "type": "string", "description": "The agent the host runs for this reply." }
                    },
                    "required": ["say"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// A tool's result: its template, or `{"matches": regex, "example": template}` for a result
/// the app's own tool computes (checked by the regex under `handoff serve`; the example is
/// what a run without the app returns).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ResultFile {
    pub(super) example: String,
    pub(super) matches: Option<String>,
}

impl<'de> Deserialize<'de> for ResultFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ResultFile, D::Error> {
        let expecting = r#"the result's template, or {"matches": regex, "example": template}"#;
        match text_or_fields(deserializer, expecting, &["matches", "example"])? {
            Form::Text(example) => Ok(ResultFile { example, matches: None }),
            Form::Fields([matches, example]) => Ok(ResultFile {
                example: example.ok_or_else(|| de::Error::missing_field("example"))?,
                matches: Some(matches.ok_or_else(|| de::Error::missing_field("matches"))?),
            }),
        }
    }
}

/// A result template, or the object form for a result the app's tool computes.
impl schemars::JsonSchema for ResultFile {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ToolResult".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "What the tool returns, a template with `{parameter}` placeholders; or, for a result the app's own tool computes (a random number, a time), the regular expression every result must match and the example a run without the app returns.",
            "anyOf": [
                { "type": "string" },
                {
                    "type": "object",
                    "properties": {
                        "matches": { "type": "string", "description": "A regular expression every result the app's tool gives must match." },
                        "example": { "type": "string", "description": "The result a run without the app uses (a template)." }
                    },
                    "required": ["matches", "example"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_and_a_result_are_a_string_or_their_object_form() {
        let reply: ReplyFile = serde_json::from_str(r#"{"say": "hi", "agent": "B"}"#).unwrap();
        assert_eq!((reply.say.as_str(), reply.agent.as_deref()), ("hi", Some("B")));
        let reply: ReplyFile = serde_json::from_str(r#""hi""#).unwrap();
        assert_eq!(reply.agent, None);
        let result: ResultFile = serde_json::from_str(r#"{"example": "4", "matches": "^\\d$"}"#).unwrap();
        assert_eq!(
            (result.example.as_str(), result.matches.as_deref()),
            ("4", Some("^\\d$"))
        );
        for (bad, says) in [
            (r#"{"say": "a", "say": "b"}"#, "`say` is given twice"),
            (r#"{"agent": "B"}"#, "missing field `say`"),
            (
                r#"{"say": "a", "to": "B"}"#,
                "unknown field `to`, expected `say` or `agent`",
            ),
            (r#"3"#, r#"expected the reply's text, or {"say": text, "agent": name}"#),
        ] {
            let error = serde_json::from_str::<ReplyFile>(bad).unwrap_err().to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
        let error = serde_json::from_str::<ResultFile>(r#"{"matches": "x"}"#)
            .unwrap_err()
            .to_string();
        assert!(error.contains("missing field `example`"), "{error}");
    }
}

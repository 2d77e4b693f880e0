//! A scenario's `cancel`: where the app cancels the run (`{"at_call": N}` or
//! `"after_result"`), and its check against the profile.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::engine::{Cancel, Cancellation, Profile};

const EXPECTING: &str = r#"{"at_call": N} (N from 1) or "after_result""#;

/// Where the app cancels, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CancelFile(pub(super) Cancel);

impl<'de> Deserialize<'de> for CancelFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CancelFile, D::Error> {
        struct Read;
        impl<'de> Visitor<'de> for Read {
            type Value = CancelFile;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(EXPECTING)
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<CancelFile, E> {
                match text {
                    "after_result" => Ok(CancelFile(Cancel::AfterResult)),
                    _ => Err(E::custom(format!("`{text}` is no point to cancel at: {EXPECTING}"))),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CancelFile, A::Error> {
                let mut call = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key != "at_call" {
                        return Err(de::Error::unknown_field(&key, &["at_call"]));
                    }
                    if call.is_some() {
                        return Err(de::Error::custom("`at_call` is given twice"));
                    }
                    call = Some(map.next_value::<serde_json::Value>()?);
                }
                let call = call.ok_or_else(|| de::Error::missing_field("at_call"))?;
                match call.as_u64().and_then(|n| u32::try_from(n).ok()) {
                    Some(n) if n >= 1 => Ok(CancelFile(Cancel::AtCall(n))),
                    _ => Err(de::Error::custom(format!(
                        "`at_call` is the run's model call in flight when the app cancels, a whole number from 1; got {call}"
                    ))),
                }
            }
        }
        deserializer.deserialize_any(Read)
    }
}

/// Where the app cancels the run.
impl schemars::JsonSchema for CancelFile {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Cancel".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Where the app cancels the run: {\"at_call\": N}, while the run's N-th model call is in flight (Semantic Kernel's OrchestrationResult.cancel(); cancelling the task that runs Agent Framework's workflow or the Agents SDK's Runner.run), or \"after_result\", once the run's result is in.",
            "anyOf": [
                { "type": "string", "enum": ["after_result"] },
                {
                    "type": "object",
                    "properties": { "at_call": { "type": "integer", "minimum": 1, "description": "The run's model call in flight (1 for the first)." } },
                    "required": ["at_call"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// The scenario's cancellation under `profile`; an error (the place and message) where its
/// framework's cancellation is not traced.
pub(super) fn checked(cancel: Option<CancelFile>, profile: &Profile) -> Result<Option<Cancel>, (String, String)> {
    let Some(CancelFile(cancel)) = cancel else {
        return Ok(None);
    };
    match Cancellation::of(profile) {
        Some(_) => Ok(Some(cancel)),
        None => Err((
            "cancel".into(),
            format!(
                "`{}` has no traced cancellation (`semantic-kernel`, `semantic-kernel-fixed`, `agent-framework` and `openai-agents` do)",
                profile.name
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_is_a_call_from_1_or_after_the_result() {
        let read = |text: &str| serde_json::from_str::<CancelFile>(text).map(|c| c.0);
        assert_eq!(read(r#"{"at_call": 3}"#).unwrap(), Cancel::AtCall(3));
        assert_eq!(read(r#""after_result""#).unwrap(), Cancel::AfterResult);
        for (bad, says) in [
            (r#"{"at_call": 0}"#, "from 1; got 0"),
            (r#""later""#, "`later` is no point"),
            (r#"{"at": 1}"#, "unknown field `at`"),
        ] {
            let error = read(bad).unwrap_err().to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
        let dotnet = checked(Some(CancelFile(Cancel::AfterResult)), &Profile::SEMANTIC_KERNEL_DOTNET);
        assert!(
            dotnet
                .unwrap_err()
                .1
                .contains("`semantic-kernel-dotnet` has no traced cancellation")
        );
    }
}

//! The human's decisions on calls that wait for approval (`approvals`: the OpenAI Agents SDK's
//! `needs_approval`, Agent Framework's `approval_mode="always_require"`), as written, and their
//! checks against the design and the profile.

use serde::Deserialize;
use serde::de::{self, Deserializer};

use super::replies::{Form, text_or_fields};
use crate::design::Design;
use crate::engine::{Approval, Profile};

/// One decision: `"approve"`, `"reject"`, or `{"reject": message}` (the text the model reads
/// instead of the result, `state.reject(item, rejection_message=...)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ApprovalFile(pub(super) Approval);

impl<'de> Deserialize<'de> for ApprovalFile {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ApprovalFile, D::Error> {
        let expecting = r#""approve", "reject", or {"reject": the text the model reads}"#;
        match text_or_fields(deserializer, expecting, &["reject"])? {
            Form::Text(text) if text == "approve" => Ok(ApprovalFile(Approval::Approve)),
            Form::Text(text) if text == "reject" => Ok(ApprovalFile(Approval::Reject { message: None })),
            Form::Text(text) => Err(de::Error::custom(format!(
                "`{text}` is no decision: \"approve\", \"reject\", or {{\"reject\": the text the model reads}}"
            ))),
            Form::Fields([message]) => Ok(ApprovalFile(Approval::Reject {
                message: Some(message.ok_or_else(|| de::Error::missing_field("reject"))?),
            })),
        }
    }
}

/// A decision, or a rejection with its own text.
impl schemars::JsonSchema for ApprovalFile {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Approval".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The human's decision on a call that waits for approval (a tool with `needs_approval`: openai-agents' state.approve/state.reject, agent-framework's to_function_approval_response): `approve` (the call runs), `reject` (the model reads the framework's \"Tool execution was not approved.\" or \"Error: Tool call invocation was rejected by user.\"), or {\"reject\": text} (openai-agents): the model reads this text (rejection_message=...).",
            "anyOf": [
                { "type": "string", "enum": ["approve", "reject"] },
                {
                    "type": "object",
                    "properties": { "reject": { "type": "string", "description": "The text the model reads instead of the result." } },
                    "required": ["reject"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// Where `design` has a tool that waits for approval, under a `profile` whose framework has no
/// such tools: the tool's place in the file and the error.
pub(super) fn refused_tool(design: &Design, profile: &Profile) -> Option<(String, String)> {
    if profile.texts.approval_rejected.is_some() {
        return None;
    }
    design.agents().iter().enumerate().find_map(|(a, agent)| {
        let (t, tool) = agent.tools.iter().enumerate().find(|(_, tool)| tool.needs_approval)?;
        Some((
            format!("agents[{a}].tools[{t}].needs_approval"),
            format!(
                "`{}` waits for the human's approval, which only `openai-agents` (the SDK's `needs_approval`) and `agent-framework` (`approval_mode=\"always_require\"`) run; `{}` has no such tools",
                tool.name, profile.name
            ),
        ))
    })
}

/// Checks the decisions of a file against `design`: decisions with no tool to decide on are
/// an error (its place and message).
pub(super) fn decisions(
    approvals: Option<Vec<ApprovalFile>>,
    design: &Design,
    profile: &Profile,
) -> Result<Vec<Approval>, (String, String)> {
    let Some(approvals) = approvals else {
        return Ok(Vec::new());
    };
    let own_text = |a: &ApprovalFile| matches!(a.0, Approval::Reject { message: Some(_) });
    if !crate::engine::own_rejection_text(profile)
        && let Some(i) = approvals.iter().position(own_text)
    {
        return Err((
            format!("approvals[{i}]"),
            format!(
                "`{}` rejects with its own text (\"Error: Tool call invocation was rejected by user.\"): `to_function_approval_response(approved=False)` takes none; write \"reject\"",
                profile.name
            ),
        ));
    }
    let waits = design.agents().iter().any(|a| a.tools.iter().any(|t| t.needs_approval));
    if !waits && !approvals.is_empty() {
        return Err((
            "approvals".into(),
            "no tool of the design waits for approval (`needs_approval: true`), so no decision is ever asked".into(),
        ));
    }
    Ok(approvals.into_iter().map(|a| a.0).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_is_approve_reject_or_a_rejection_with_its_text() {
        let read = |text: &str| serde_json::from_str::<ApprovalFile>(text).map(|a| a.0);
        assert_eq!(read(r#""approve""#).unwrap(), Approval::Approve);
        assert_eq!(read(r#""reject""#).unwrap(), Approval::Reject { message: None });
        assert_eq!(
            read(r#"{"reject": "Ask a manager."}"#).unwrap(),
            Approval::Reject {
                message: Some("Ask a manager.".into())
            }
        );
        for (bad, says) in [
            (r#""yes""#, "`yes` is no decision"),
            (r#"{"approve": "x"}"#, "unknown field `approve`"),
            (r#"true"#, r#"expected "approve", "reject""#),
        ] {
            let error = read(bad).unwrap_err().to_string();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }
}

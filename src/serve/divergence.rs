//! A divergence of the app's traffic, as the report and the app read it: the one-line reason,
//! and the diff of the request the framework sends there against the one the app sent.

use serde_json::Value;

use super::request::AppRequest;
use crate::engine::ModelRequest;
use crate::wire::Divergence;

/// A divergence of the app's traffic, in one line.
pub fn describe(divergence: &Divergence) -> String {
    format!(
        "the app's request diverges from the run at {} call {} (model call {} of the run): {}",
        divergence.agent, divergence.call, divergence.run_call, divergence.reason
    )
}

/// A divergence as the app reads it: the reason and the diff.
pub(super) fn divergence_text(divergence: &Divergence) -> String {
    if divergence.diff.is_empty() {
        return describe(divergence);
    }
    format!(
        "{}\n--- expected (what the framework sends here)\n+++ sent by the app\n{}",
        describe(divergence),
        divergence.diff
    )
}

/// The unified diff of `expected` against `sent`, a line each.
pub(super) fn line_diff(expected: &[String], sent: &[String]) -> String {
    let (expected, sent) = (expected.join("\n") + "\n", sent.join("\n") + "\n");
    similar::TextDiff::from_lines(&expected, &sent)
        .unified_diff()
        .context_radius(2)
        .to_string()
}

/// What likely makes `sent` differ from `request`'s model call, where it can be told: the
/// same functions in another order, functions whose parameters differ, or messages that
/// differ only in their authors' names.
pub(super) fn likely_cause(ours: &[Value], request: &ModelRequest<'_>, sent: &AppRequest) -> Option<String> {
    let names = |tools: &[Value]| -> Vec<String> {
        tools
            .iter()
            .filter_map(|t| t["function"]["name"].as_str().map(String::from))
            .collect()
    };
    let (expected, offered) = (names(ours), names(&sent.tools));
    if expected != offered {
        let (mut a, mut b) = (expected.clone(), offered.clone());
        a.sort();
        b.sort();
        if a == b {
            return Some(
                "the app offers the same functions in another order: give the scenario's tools in the order the app offers them (Semantic Kernel offers a plugin's functions sorted by name, plugins in the order they were added)".into(),
            );
        }
        return None;
    }
    let parameters = |tools: &[Value]| -> Vec<Value> {
        tools
            .iter()
            .map(|t| t["function"]["parameters"]["properties"].clone())
            .collect()
    };
    if !super::expected::same_output_type(request, sent) {
        return Some(super::expected::output_type_cause(request));
    }
    if parameters(ours) != parameters(&sent.tools) {
        return Some(
            "a function's parameters differ: declare them in the scenario as the app does (typed parameters: scenarios/README.md), or write them with --write-design".into(),
        );
    }
    if sent.system.as_deref() != Some(request.instructions()) {
        return None;
    }
    let unnamed = |messages: &mut dyn Iterator<Item = crate::wire::chat::ChatMessage>| -> Vec<_> {
        messages
            .map(|m| crate::wire::chat::ChatMessage { name: None, ..m })
            .collect()
    };
    let expected_messages = unnamed(
        &mut request
            .thread()
            .map(|m| crate::wire::chat::ChatMessage::from_thread(request, m)),
    );
    let sent_messages = unnamed(&mut sent.messages.iter().cloned());
    (expected_messages == sent_messages).then(|| {
        if request.profile().wire.signs_unstreamed {
            "the messages differ only in their authors' names: Agent Framework names an agent's own earlier messages after a `workflow.run` that does not stream; say which runs stream with `profile.streamed_runs` (`first`: the task's run streams and the later ones do not, as the framework's samples do)".into()
        } else {
            "the messages differ only in their authors' names, which the profile does not model here: `--match agent` checks only which agent is called".into()
        }
    })
}

//! A divergence of the app's traffic, as the report and the app read it: the one-line reason,
//! and the diff of the request the framework sends there against the one the app sent.

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

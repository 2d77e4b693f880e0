//! `handoff compare FILE --profiles A,B[,C]`: one scenario under several frameworks'
//! semantics, and a report of where they part: the migration report for a pull request.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use handoff_harness::files::plural;
use serde_json::{Value, json};

use super::output::{BOLD, Color, DIM, Format, GREEN, RED, Status, ansi, bad_input, json_text, print, use_color};
use super::profile::parse_profile;
use handoff_harness::Profile;
use handoff_harness::compare::{CallComparison, Comparison, Side, ViewDifference};
use handoff_harness::files::escape_controls;

/// Arguments of `handoff compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The scenario file (JSON), with a scripted model.
    file: PathBuf,
    /// The profiles to run it under, comma-separated; the first is the baseline the others
    /// are compared with.
    #[arg(long, value_name = "A,B[,C]", value_delimiter = ',', required = true, num_args = 1.., value_parser = parse_profile)]
    profiles: Vec<&'static Profile>,
    /// Output format: `text`, where the conversations differ, or `json`: the first differing
    /// event, each model call under each profile, the outcomes.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

/// Runs `handoff compare`: exit 0 when every profile's run is the same, 1 when they differ.
pub(crate) fn compare(args: &CompareArgs) -> Status {
    let comparison = match Comparison::load(&args.file, &args.profiles) {
        Ok(comparison) => comparison,
        Err(error) => return bad_input(error),
    };
    let text = match args.format {
        Format::Json => json_text(&report_json(&args.file, &comparison)),
        Format::Text => report_text(&args.file, &comparison, use_color(args.color)),
    };
    print(&text);
    if comparison.identical() {
        Status::Passed
    } else {
        Status::Failed
    }
}

fn report_text(file: &std::path::Path, comparison: &Comparison, color: bool) -> String {
    let sides = &comparison.sides;
    let width = sides.iter().map(|s| s.profile.name.len()).max().unwrap_or(0);
    let mut out = format!("compare {}\n", file.display());
    for (i, side) in sides.iter().enumerate() {
        let role = if i == 0 { "  (baseline)" } else { "" };
        out.push_str(&format!(
            "  {:width$}  {}{role}\n",
            side.profile.name, side.profile.framework
        ));
    }

    out.push_str(&heading("outcomes", color));
    for side in sides {
        let run = &side.run;
        let path: Vec<&str> = run.path().iter().map(|a| run.name(*a)).collect();
        out.push_str(&format!(
            "  {:width$}  {}: {}, {}, path {}\n  {:width$}    {}\n",
            side.profile.name,
            run.outcome().kind(),
            plural(run.model_calls(), "model call"),
            plural(run.human_turns(), "human turn"),
            path.join(" -> "),
            "",
            run.outcome_line()
        ));
    }

    let agree = if comparison.surfaces_agree() { "" } else { " (differs)" };
    out.push_str(&heading(&format!("tool surface{agree}"), color));
    let surface_row = |label: &str, value: fn(&Side) -> Option<String>, none: &str| {
        let mut row = String::new();
        for side in sides {
            row.push_str(&format!(
                "  {label:<16} {:width$}  {}\n",
                side.profile.name,
                value(side).unwrap_or_else(|| none.to_string())
            ));
        }
        row
    };
    out.push_str(&surface_row("transfer", |s| s.surface.transfer_tool.clone(), "(none)"));
    out.push_str(&surface_row(
        "completion",
        |s| s.surface.completion_tool.clone(),
        "(none: a reply in text ends the turn)",
    ));
    out.push_str(&surface_row(
        "transfer result",
        |s| {
            s.surface.transfer_result.as_deref().map(|t| match t {
                "" => "(empty text)".to_string(),
                t => escape_controls(t).into_owned(),
            })
        },
        "(no transfer made)",
    ));

    out.push_str(&heading("first difference", color));
    match &comparison.first_difference {
        None => out.push_str("  none: every profile had the same conversation\n"),
        Some(first) => {
            out.push_str(&format!("  at line {} of the conversation:\n", first.line + 1));
            for (side, line) in sides.iter().zip(&first.lines) {
                let line = line.as_deref().unwrap_or("(the conversation had ended)");
                out.push_str(&format!("  {:width$}  {line}\n", side.profile.name));
            }
        }
    }

    let differing: Vec<&CallComparison> = comparison.differing_calls().collect();
    out.push_str(&heading(
        &format!(
            "model calls that differ from {} ({} of {})",
            sides[0].profile.name,
            differing.len(),
            comparison.calls.len()
        ),
        color,
    ));
    if differing.is_empty() {
        out.push_str("  none: every model call saw the same messages and tools\n");
    }
    // What each profile's view of each agent differed in at its previous differing call:
    // a difference carried on from there is named, not printed again.
    let mut earlier: BTreeMap<(&str, &str), (u32, &ViewDifference)> = BTreeMap::new();
    for call in differing {
        let numbers: Vec<String> = sides
            .iter()
            .zip(&call.model_calls)
            .map(|(side, n)| match n {
                Some(n) => format!("{} #{n}", side.profile.name),
                None => format!("{} (not made)", side.profile.name),
            })
            .collect();
        out.push_str(&format!(
            "  {} call {}: {}\n",
            call.agent,
            call.call,
            numbers.join(", ")
        ));
        for difference in &call.differences {
            let before = earlier.insert((difference.profile, &call.agent), (call.call, difference));
            out.push_str(&difference_text(difference, before, color));
        }
    }

    let verdict = match comparison.identical() {
        true => ansi(GREEN, "identical", color),
        false => ansi(RED, "the profiles differ", color),
    };
    out.push_str(&format!("\ncompare: {verdict}\n"));
    out
}

fn heading(text: &str, color: bool) -> String {
    format!("\n{}\n", ansi(BOLD, text, color))
}

/// One profile's difference at one call; `before`: the same agent's previous differing call
/// under that profile, whose differences this one may carry on.
fn difference_text(difference: &ViewDifference, before: Option<(u32, &ViewDifference)>, color: bool) -> String {
    let mut out = format!("    under {}", difference.profile);
    match difference.only {
        Some(true) => out.push_str(" only (the baseline made no such call)"),
        Some(false) => out.push_str(": not made"),
        None => {}
    }
    out.push('\n');
    if difference.only == Some(false) {
        return out;
    }
    let carried = |now: &[String], then: &[String]| !then.is_empty() && now.starts_with(then);
    let (mut missing, mut added) = (&difference.missing[..], &difference.added[..]);
    if let Some((call, then)) = before
        && (carried(missing, &then.missing) || carried(added, &then.added))
    {
        let (m, a) = (
            if carried(missing, &then.missing) {
                then.missing.len()
            } else {
                0
            },
            if carried(added, &then.added) {
                then.added.len()
            } else {
                0
            },
        );
        (missing, added) = (&missing[m..], &added[a..]);
        let more = if missing.is_empty() && added.is_empty() {
            ""
        } else {
            ", and:"
        };
        out.push_str(&format!(
            "      {}\n",
            ansi(
                DIM,
                &format!("the same {} as at call {call}{more}", plural(m + a, "difference")),
                color
            )
        ));
    }
    for line in missing {
        out.push_str(&format!("      {}\n", ansi(RED, &format!("- {line}"), color)));
    }
    for line in added {
        out.push_str(&format!("      {}\n", ansi(GREEN, &format!("+ {line}"), color)));
    }
    for tool in &difference.tools_missing {
        out.push_str(&format!("      {}\n", ansi(RED, &format!("- tool: {tool}"), color)));
    }
    for tool in &difference.tools_added {
        out.push_str(&format!("      {}\n", ansi(GREEN, &format!("+ tool: {tool}"), color)));
    }
    out
}

fn report_json(file: &std::path::Path, comparison: &Comparison) -> Value {
    let sides = &comparison.sides;
    json!({
        "file": file.display().to_string(),
        "identical": comparison.identical(),
        "baseline": sides[0].profile.name,
        "profiles": sides.iter().map(|side| {
            let run = &side.run;
            json!({
                "profile": side.profile.name,
                "framework": side.profile.framework,
                "outcome": run.outcome_json(),
                "path": run.path().iter().map(|a| run.name(*a)).collect::<Vec<_>>(),
                "model_calls": run.model_calls(),
                "human_turns": run.human_turns(),
                "surface": {
                    "transfer_tool": side.surface.transfer_tool,
                    "completion_tool": side.surface.completion_tool,
                    "transfer_result": side.surface.transfer_result,
                },
                "conversation": side.conversation.iter().map(|(_, line)| line).collect::<Vec<_>>(),
            })
        }).collect::<Vec<_>>(),
        "first_difference": comparison.first_difference.as_ref().map(|first| json!({
            "line": first.line,
            "lines": sides.iter().zip(&first.lines).map(|(s, l)| (s.profile.name.to_string(), json!(l))).collect::<serde_json::Map<_, _>>(),
        })),
        "calls": comparison.calls.iter().map(|call| json!({
            "agent": call.agent,
            "call": call.call,
            "model_calls": sides.iter().zip(&call.model_calls).map(|(s, n)| (s.profile.name.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
            "identical": call.differences.is_empty(),
            "differences": call.differences.iter().map(|d| json!({
                "profile": d.profile,
                "made": d.only != Some(false),
                "only_here": d.only == Some(true),
                "added": d.added,
                "missing": d.missing,
                "tools_added": d.tools_added,
                "tools_missing": d.tools_missing,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

//! What every command shares: output formats, colour, exit statuses, and the ways a report
//! reaches the terminal.

use std::io::Write;

use anstream::ColorChoice;
use anstyle::{AnsiColor, Style};
use std::path::PathBuf;

use clap::ValueEnum;
use handoff_harness::engine::{Profile, Run};
use handoff_harness::files::escape_controls;
use handoff_harness::scenario::{Scenario, Verdict};
use handoff_harness::suite::Suite;
use serde_json::json;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// For people (what `--format` above says it holds).
    Text,
    /// One JSON document, for machines (what `--format` above says it holds).
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Color {
    /// Colour on a terminal, unless `NO_COLOR`, `CLICOLOR=0` or `TERM=dumb` says not to
    /// (`CLICOLOR_FORCE` colours anywhere).
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Exit statuses of `handoff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything went as expected.
    Passed = 0,
    /// A run failed or an expectation did not hold.
    Failed = 1,
    /// Bad input or usage.
    BadInput = 2,
    /// Stopped by Ctrl-C (SIGINT) after reporting what it had found, as shells number it.
    Interrupted = 130,
}

/// Writes `text` to standard output. A closed pipe (`handoff run x | head`) is not an error
/// worth reporting.
pub(crate) fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// A run of `scenario` and its verdict, as `--format json` prints it.
pub(crate) fn run_json(scenario: &Scenario, run: &Run, verdict: &Verdict) -> serde_json::Value {
    let mut value = run.to_json();
    value["scenario"] = scenario.name.clone().into();
    value["file"] = scenario.file.clone().into();
    value["profile"] = scenario.profile().name.into();
    value["passed"] = verdict.passed.into();
    value["expectations"] = verdict
        .checks
        .iter()
        .map(|c| {
            let mut check = json!({ "name": c.name, "expected": c.expected, "actual": c.actual, "passed": c.passed });
            if !c.detail.is_empty() {
                check["detail"] = json!(c.detail);
            }
            check
        })
        .collect();
    value
}

/// Prints `error: <message>` on standard error and returns [`Status::BadInput`]. The message
/// names the file and the place.
pub(crate) fn bad_input(message: impl std::fmt::Display) -> Status {
    let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    Status::BadInput
}

/// A JSON document as the commands print it: pretty, ending with a newline.
pub(crate) fn json_text(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values always serialise");
    text.push('\n');
    text
}

/// The scenario files of `suite`; none at all is an error, as a typo in the directory is the
/// likely cause.
pub(crate) fn suite_files(suite: &Suite) -> Result<Vec<PathBuf>, String> {
    let files = suite.files().map_err(|e| e.to_string())?;
    if files.is_empty() {
        let filter = suite
            .filter
            .as_deref()
            .map(|f| format!(" matching `{f}`"))
            .unwrap_or_default();
        return Err(format!("{}: no scenarios (*.json){filter}", suite.dir.display()));
    }
    Ok(files)
}

/// Whether `CI` is set (to anything but empty, `0` or `false`): no prompts, no progress.
pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Whether to colour standard output: `--color always|never`, or, for `auto`, what anstream
/// decides: a terminal, unless `NO_COLOR` is set, `CLICOLOR=0`, or `TERM=dumb`; and always
/// with `CLICOLOR_FORCE` set.
pub(crate) fn use_color(choice: Color) -> bool {
    let choice = match choice {
        Color::Auto => ColorChoice::Auto,
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
    };
    anstream::AutoStream::new(std::io::stdout(), choice).current_choice() != ColorChoice::Never
}

/// The conversation of `run`, then its verdict: what `handoff run` prints.
pub(crate) fn text_report(run: &Run, verdict: &Verdict, color: bool) -> String {
    let profile = run.settings().profile;
    let mut out = match *profile == Profile::default() {
        true => String::new(),
        false => format!("Profile: {} ({})\n", profile.name, profile.framework),
    };
    out.push_str(&painted(&run.text(), color));
    out.push_str(&verdict_report(verdict, color));
    out
}

/// `text`, each line coloured by what it is.
pub(crate) fn painted(text: &str, color: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        out.push_str(&paint(line, color));
        out.push('\n');
    }
    out
}

/// The expectations checked and how they went (nothing when none were given).
pub(crate) fn verdict_report(verdict: &Verdict, color: bool) -> String {
    let mut out = String::new();
    if !verdict.checks.is_empty() {
        let failed = verdict.checks.iter().filter(|c| !c.passed).count();
        out.push_str(&format!(
            "\nexpect: {} passed, {failed} failed\n",
            verdict.checks.len() - failed
        ));
        for check in &verdict.checks {
            let (expected, actual) = (escape_controls(&check.expected), escape_controls(&check.actual));
            let line = if check.passed {
                format!("  ok     {}: {actual}", check.name)
            } else {
                format!("  FAILED {}: expected {expected}, got {actual}", check.name)
            };
            out.push_str(&paint(&line, color));
            out.push('\n');
            for detail in check.detail.iter().filter(|_| !check.passed) {
                out.push_str(&format!("           {}\n", escape_controls(detail)));
            }
        }
    }
    out
}

/// Bold: headings.
pub(crate) const BOLD: Style = Style::new().bold();
/// Dimmed: tool calls, notes, the task.
pub(crate) const DIM: Style = Style::new().dimmed();
/// Removed lines.
pub(crate) const RED: Style = AnsiColor::Red.on_default();
/// Added lines, `ok`, the user.
pub(crate) const GREEN: Style = AnsiColor::Green.on_default();
/// Ignored, changed.
pub(crate) const YELLOW: Style = AnsiColor::Yellow.on_default();
/// Diff hunks.
pub(crate) const CYAN: Style = AnsiColor::Cyan.on_default();
/// Errors and failures.
pub(crate) const BOLD_RED: Style = AnsiColor::Red.on_default().bold();
/// Success.
pub(crate) const BOLD_GREEN: Style = AnsiColor::Green.on_default().bold();
/// Warnings.
pub(crate) const BOLD_YELLOW: Style = AnsiColor::Yellow.on_default().bold();
/// Information.
pub(crate) const BOLD_CYAN: Style = AnsiColor::Cyan.on_default().bold();
/// Handoffs.
pub(crate) const BOLD_MAGENTA: Style = AnsiColor::Magenta.on_default().bold();

/// `text` in `style` when `color` is on.
pub(crate) fn ansi(style: Style, text: &str, color: bool) -> String {
    if color {
        format!("{style}{text}{style:#}")
    } else {
        text.to_string()
    }
}

/// Colours a line of the text rendering by what it is.
fn paint(line: &str, color: bool) -> String {
    if !color {
        return line.to_string();
    }
    let code = if line.starts_with("[handoff]") {
        BOLD_MAGENTA
    } else if line.starts_with("[tool]")
        || line.starts_with("[note]")
        || line.starts_with("[not broadcast]")
        || line.starts_with("Task:")
    {
        DIM
    } else if line.starts_with("User:") {
        GREEN
    } else if line.starts_with("Task is completed") || line.trim_start().starts_with("ok ") {
        BOLD_GREEN
    } else if line.starts_with("Run stopped") || line.trim_start().starts_with("FAILED") {
        BOLD_RED
    } else {
        return line.to_string();
    };
    ansi(code, line, true)
}

/// A unified diff, its removed lines red, added lines green and hunk headers cyan.
pub(crate) fn paint_diff(diff: &str, color: bool) -> String {
    diff.lines()
        .map(|line| {
            let code = match line.chars().next() {
                Some('+') if !line.starts_with("+++") => GREEN,
                Some('-') if !line.starts_with("---") => RED,
                Some('@') => CYAN,
                _ => return format!("{line}\n"),
            };
            format!("{}\n", ansi(code, line, color))
        })
        .collect()
}

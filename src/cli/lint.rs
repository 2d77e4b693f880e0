//! `handoff lint FILE...`: the mistakes of scenario and design files found without running
//! them, one per line (`file:line:column: error[code]: path: message`) or `--format json`.

use std::path::PathBuf;

use clap::Args;
use handoff_harness::files::plural;
use handoff_harness::lint::{Linted, Severity};
use serde_json::json;

use super::output::{BOLD_RED, Color, Format, Status, YELLOW, ansi, bad_input, json_text, print, use_color};

#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// Scenario or design files (JSON).
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// Output format: `text`, one finding per line and a summary, or `json`: every finding
    /// with its file, line, column, JSON path, severity, code and message.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

/// Lints every file: exit 0 when no finding is an error (warnings are printed), 1 when one
/// is, 2 when a file does not load.
pub(crate) fn lint(args: &LintArgs) -> Status {
    let mut linted = Vec::with_capacity(args.files.len());
    // A recording beside its scenario is not a scenario (a shell glob takes both).
    let (recordings, files): (Vec<&PathBuf>, Vec<&PathBuf>) = args
        .files
        .iter()
        .partition(|f| f.to_string_lossy().ends_with(".recording.json"));
    if files.is_empty() {
        return bad_input("handoff lint: only recordings given (*.recording.json); give scenario or design files");
    }
    for file in files {
        match Linted::load(file) {
            Ok(found) => linted.push(found),
            Err(error) => return bad_input(error),
        }
    }
    let errors: usize = linted.iter().map(|l| l.count(Severity::Error)).sum();
    let warnings: usize = linted.iter().map(|l| l.count(Severity::Warning)).sum();
    match args.format {
        Format::Text => {
            let color = use_color(args.color);
            let mut text = String::new();
            for recording in &recordings {
                text.push_str(&format!(
                    "{}: skipped, a recording (handoff replay checks it)\n",
                    recording.display()
                ));
            }
            for line in linted.iter().map(Linted::text).collect::<String>().lines() {
                let code = if line.contains(": error[") { BOLD_RED } else { YELLOW };
                text.push_str(&ansi(code, line, color));
                text.push('\n');
            }
            text.push_str(&format!(
                "lint: {}, {}, {}\n",
                plural(linted.len(), "file"),
                plural(errors, "error"),
                plural(warnings, "warning")
            ));
            print(&text);
        }
        Format::Json => {
            let value = json!({
                "files": linted.iter().map(|l| l.file.clone()).collect::<Vec<_>>(),
                "skipped": recordings.iter().map(|r| r.display().to_string()).collect::<Vec<_>>(),
                "errors": errors,
                "warnings": warnings,
                "findings": linted.iter().flat_map(Linted::json).collect::<Vec<_>>(),
            });
            print(&json_text(&value));
        }
    }
    if errors > 0 { Status::Failed } else { Status::Passed }
}

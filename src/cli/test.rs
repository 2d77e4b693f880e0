//! `handoff test [DIR]`: every scenario of a directory against its expectations and
//! snapshot, with output like `cargo test`, `--format json`, `--junit PATH`, and snapshot
//! review (`--review`, `--accept`) on insta's files.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::output::{Color, Format, Status, ansi, bad_input, in_ci, json_text, suite_files, use_color};
use super::profile::ProfileArg;
use handoff_harness::files::write_atomic;
use handoff_harness::suite::snapshot;
use handoff_harness::suite::{Failure, ScenarioReport, Suite};

/// Arguments of `handoff test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Directory of scenarios, searched recursively for `*.json`.
    #[arg(default_value = "scenarios")]
    dir: PathBuf,
    /// Directory of snapshots [default: `snapshots` beside DIR].
    #[arg(long)]
    snapshots: Option<PathBuf>,
    /// Run only the scenarios whose name contains this text.
    #[arg(long)]
    filter: Option<String>,
    /// Accept every new or changed snapshot (`.snap.new` replaces `.snap`).
    #[arg(long, conflicts_with = "review")]
    accept: bool,
    /// Show each new or changed snapshot and ask whether to accept it (not with `CI` set).
    #[arg(long)]
    review: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    profile: ProfileArg,
    /// Also write a JUnit XML report to this file.
    #[arg(long, value_name = "PATH")]
    junit: Option<PathBuf>,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

/// Runs `handoff test`.
pub fn test(args: &TestArgs) -> Status {
    if args.review && in_ci() {
        return bad_input("--review asks a person, and `CI` is set; review locally, or pass --accept");
    }
    let mut suite = Suite::new(&args.dir);
    if let Some(dir) = &args.snapshots {
        suite.snapshots = dir.clone();
    }
    suite.filter = args.filter.clone();
    suite.profile = args.profile.profile;
    let files = match suite_files(&suite) {
        Ok(files) => files,
        Err(message) => return bad_input(message),
    };
    let color = args.format == Format::Text && use_color(args.color);
    let mut out = std::io::stdout().lock();
    if args.format == Format::Text {
        let _ = writeln!(out, "\nrunning {} scenarios from {}", files.len(), args.dir.display());
    }
    let mut reports = Vec::with_capacity(files.len());
    for file in &files {
        let mut report = suite.run_one(file);
        if report.pending_snapshot() && (args.accept || (args.review && review(&report))) {
            match snapshot::accept(&report.snapshot) {
                Ok(()) => report.snapshot_accepted(),
                Err(e) => report.failures.push(Failure::SnapshotIo(format!(
                    "{}: cannot read or write the snapshot: {e}",
                    report.snapshot.display()
                ))),
            }
        }
        if args.format == Format::Text {
            let verdict = if let Some(why) = &report.ignored {
                ansi("33", &format!("ignored, {why}"), color)
            } else if report.passed() {
                ansi("32", "ok", color)
            } else {
                ansi("1;31", "FAILED", color)
            };
            let _ = writeln!(out, "scenario {} ... {verdict}", report.name);
        }
        reports.push(report);
    }
    let failed = reports.iter().filter(|r| !r.passed()).count();
    let ignored = reports.iter().filter(|r| r.ignored.is_some()).count();
    let passed = reports.len() - failed - ignored;
    let text = match args.format {
        Format::Text => text_summary(&reports, color),
        Format::Json => json_summary(&args.dir, &reports),
    };
    let _ = out.write_all(text.as_bytes());
    if args.format == Format::Text {
        let ignored = if ignored > 0 {
            format!(", {ignored} ignored")
        } else {
            String::new()
        };
        let _ = writeln!(out, "{passed} passed, {failed} failed{ignored}");
    }
    if let Some(path) = &args.junit
        && let Err(e) = write_atomic(path, junit(&args.dir, &reports).as_bytes())
    {
        return bad_input(format!("{}: cannot write the JUnit report: {e}", path.display()));
    }
    if reports.iter().any(|r| r.failures.iter().any(Failure::is_bad_input)) {
        Status::BadInput
    } else if failed > 0 {
        Status::Failed
    } else {
        Status::Passed
    }
}

/// Shows a pending snapshot on standard error and asks whether to accept it. A rejected one
/// is deleted; a skipped one stays pending.
fn review(report: &ScenarioReport) -> bool {
    let mut err = std::io::stderr().lock();
    let pending = snapshot::pending_path(&report.snapshot);
    let _ = writeln!(err, "\nsnapshot of {} ({})", report.name, report.file.display());
    for failure in &report.failures {
        match failure {
            Failure::ChangedSnapshot { diff, .. } => {
                let _ = write!(err, "{diff}");
            }
            Failure::NewSnapshot { .. } => {
                let text = snapshot::read(&pending).ok().flatten().unwrap_or_default();
                let _ = writeln!(err, "new snapshot:\n{text}");
            }
            _ => {}
        }
    }
    let _ = write!(err, "accept it? [a]ccept, [r]eject, [s]kip: ");
    let _ = err.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    match answer.trim() {
        "a" | "accept" | "y" | "yes" => true,
        "r" | "reject" => {
            let _ = snapshot::reject(&report.snapshot);
            false
        }
        _ => false,
    }
}

/// The details of each failure, then the list of failed scenarios, as `cargo test` prints.
fn text_summary(reports: &[ScenarioReport], color: bool) -> String {
    let failed: Vec<&ScenarioReport> = reports.iter().filter(|r| !r.passed()).collect();
    if failed.is_empty() {
        return "\n".to_string();
    }
    let mut out = String::from("\nfailures:\n");
    for report in &failed {
        out.push_str(&format!("\n---- {} ({}) ----\n", report.name, report.file.display()));
        for failure in &report.failures {
            out.push_str(&ansi("1;31", &failure.summary(), color));
            out.push('\n');
            match failure {
                Failure::ChangedSnapshot { diff, .. } => out.push_str(&paint_diff(diff, color)),
                Failure::Nondeterministic { first, second, .. } => {
                    out.push_str(&format!("  first run:  {first}\n  second run: {second}\n"))
                }
                _ => {}
            }
        }
    }
    out.push_str("\nfailures:\n");
    for report in &failed {
        out.push_str(&format!("    {}\n", report.name));
    }
    if failed.iter().any(|r| r.pending_snapshot()) {
        out.push_str("\nto accept the new snapshots: handoff test --review (or --accept, or cargo insta review)\n");
    }
    out.push('\n');
    out
}

fn paint_diff(diff: &str, color: bool) -> String {
    diff.lines()
        .map(|line| {
            let code = match line.chars().next() {
                Some('+') if !line.starts_with("+++") => "32",
                Some('-') if !line.starts_with("---") => "31",
                Some('@') => "36",
                _ => return format!("{line}\n"),
            };
            format!("{}\n", ansi(code, line, color))
        })
        .collect()
}

fn failure_json(failure: &Failure) -> serde_json::Value {
    let kind = match failure {
        Failure::Load(_) => "load",
        Failure::Run(_) => "run",
        Failure::Expectation(_) => "expectation",
        Failure::Nondeterministic { .. } => "nondeterministic",
        Failure::NewSnapshot { .. } => "new-snapshot",
        Failure::ChangedSnapshot { .. } => "changed-snapshot",
        Failure::SnapshotIo(_) => "snapshot-io",
    };
    let mut value = json!({ "kind": kind, "message": failure.summary() });
    match failure {
        Failure::ChangedSnapshot { diff, .. } => value["diff"] = diff.clone().into(),
        Failure::Expectation(c) => {
            value["expected"] = c.expected.clone().into();
            value["actual"] = c.actual.clone().into();
        }
        _ => {}
    }
    value
}

fn json_summary(dir: &std::path::Path, reports: &[ScenarioReport]) -> String {
    let failed = reports.iter().filter(|r| !r.passed()).count();
    let ignored = reports.iter().filter(|r| r.ignored.is_some()).count();
    let scenarios: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            json!({
                "name": r.name,
                "file": r.file.display().to_string(),
                "snapshot": r.snapshot.display().to_string(),
                "outcome": r.outcome,
                "passed": r.passed() && r.ignored.is_none(),
                "ignored": r.ignored,
                "failures": r.failures.iter().map(failure_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let value = json!({
        "dir": dir.display().to_string(),
        "passed": reports.len() - failed - ignored,
        "failed": failed,
        "ignored": ignored,
        "scenarios": scenarios,
    });
    json_text(&value)
}

/// The reports as JUnit XML: one test case per scenario; load errors are `<error>`, other
/// failures `<failure>`.
fn junit(dir: &std::path::Path, reports: &[ScenarioReport]) -> String {
    let errors = reports
        .iter()
        .filter(|r| r.failures.iter().any(Failure::is_bad_input))
        .count();
    let failures = reports.iter().filter(|r| !r.passed()).count() - errors;
    let skipped = reports.iter().filter(|r| r.ignored.is_some()).count();
    let suite = xml_escape(&dir.display().to_string());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"handoff test\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">\n",
        reports.len()
    ));
    out.push_str(&format!(
        "  <testsuite name=\"{suite}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">\n",
        reports.len()
    ));
    for report in reports {
        let name = xml_escape(&report.name);
        let file = xml_escape(&report.file.display().to_string());
        if let Some(why) = &report.ignored {
            out.push_str(&format!(
                "    <testcase name=\"{name}\" classname=\"{suite}\" file=\"{file}\">\n      \
                 <skipped message=\"{}\"/>\n    </testcase>\n",
                xml_escape(why)
            ));
            continue;
        }
        if report.passed() {
            out.push_str(&format!(
                "    <testcase name=\"{name}\" classname=\"{suite}\" file=\"{file}\"/>\n"
            ));
            continue;
        }
        out.push_str(&format!(
            "    <testcase name=\"{name}\" classname=\"{suite}\" file=\"{file}\">\n"
        ));
        let element = if report.failures.iter().any(Failure::is_bad_input) {
            "error"
        } else {
            "failure"
        };
        let summary: Vec<String> = report.failures.iter().map(Failure::summary).collect();
        let details = text_summary(std::slice::from_ref(report), false);
        out.push_str(&format!(
            "      <{element} message=\"{}\">{}</{element}>\n",
            xml_escape(&summary.join("; ")),
            xml_escape(details.trim())
        ));
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters other than tab and newlines are not allowed in XML 1.0.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => {
                out.push_str(&format!("\\u{{{:04x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

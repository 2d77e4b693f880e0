//! `handoff test [DIR]`: every scenario of a directory against its expectations and
//! snapshot, with output like `cargo test`, `--format json`, `--junit PATH`, and snapshot
//! review (`--review`, `--accept`) on insta's files.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use clap::ValueEnum;

use super::output::{
    BOLD_RED, Color, Format, GREEN, Status, YELLOW, ansi, bad_input, in_ci, json_text, paint_diff, suite_files,
    use_color,
};
use super::profile::ProfileArg;
use handoff_harness::files::{escape_controls, write_atomic};
use handoff_harness::suite::junit::{Timed, junit};
use handoff_harness::suite::{Failure, ScenarioReport, Suite};
use handoff_harness::suite::{served, snapshot};

/// Arguments of `handoff test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Scenario directories (searched recursively for `*.json`) or scenario files. A file is
    /// named and snapshotted as in its suite: the nearest folder above it with `snapshots`
    /// beside it.
    #[arg(value_name = "PATH", default_value = "scenarios")]
    paths: Vec<PathBuf>,
    /// Directory of snapshots [default: `snapshots` beside each directory].
    #[arg(long)]
    snapshots: Option<PathBuf>,
    /// What to do with snapshots no scenario writes any more (checked when whole directories
    /// run without --filter): `warn` lists them, `reject` also fails, `delete` removes them.
    #[arg(long, value_enum, default_value_t = Unreferenced::Warn)]
    unreferenced: Unreferenced,
    /// Run only the scenarios whose name contains this text.
    #[arg(long)]
    filter: Option<String>,
    /// Accept every new or changed snapshot (`.snap.new` replaces `.snap`).
    #[arg(long, conflicts_with = "review")]
    accept: bool,
    /// Show each new or changed snapshot and ask whether to accept it (not with `CI` set).
    #[arg(long)]
    review: bool,
    /// Output format: `text` as `cargo test` prints, or `json`, a summary with every
    /// scenario's outcome and failures.
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

/// One item of `handoff test`'s run.
enum Job<'a> {
    /// A scenario file of a suite: run it.
    Scenario(&'a Suite, &'a PathBuf),
    /// A served conversation's pending snapshot, already compared.
    Served(ScenarioReport),
}

/// The pending snapshots of served conversations of a suite run whole: below its folder and
/// in its snapshot folder.
fn served_pending(suite: &Suite) -> Vec<ScenarioReport> {
    if !suite.only.is_empty() || suite.filter.is_some() {
        return Vec::new();
    }
    let mut found = served::pending(&suite.dir);
    if !suite.snapshots.starts_with(&suite.dir) {
        found.extend(served::pending(&suite.snapshots));
    }
    found
}

/// What `handoff test` does with a snapshot no scenario writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Unreferenced {
    /// Say nothing.
    Ignore,
    /// List them after the summary.
    Warn,
    /// List them and fail (exit 1).
    Reject,
    /// Delete them, and say so.
    Delete,
}

/// The suites the paths name: one per directory, one per folder of the files given.
fn suites(args: &TestArgs) -> Result<Vec<Suite>, String> {
    let mut suites: Vec<Suite> = Vec::new();
    for path in &args.paths {
        if path.as_os_str() == "-" {
            return Err("handoff test: `-` (standard input) has no snapshot to compare with; give a file".into());
        }
        let mut suite = if path.is_file() {
            Suite::of_file(path)
        } else {
            Suite::new(path)
        };
        if let Some(dir) = &args.snapshots {
            suite.snapshots = dir.clone();
        }
        suite.filter = args.filter.clone();
        suite.profile = args.profile.profile;
        match suites
            .iter_mut()
            .find(|s| !s.only.is_empty() && s.dir == suite.dir && !suite.only.is_empty())
        {
            Some(same) => same.only.append(&mut suite.only),
            None => suites.push(suite),
        }
    }
    Ok(suites)
}

/// Runs `handoff test`.
pub fn test(args: &TestArgs) -> Status {
    if args.review && in_ci() {
        return bad_input("--review asks a person, and `CI` is set; review locally, or pass --accept");
    }
    let suites = match suites(args) {
        Ok(suites) => suites,
        Err(message) => return bad_input(message),
    };
    let mut planned = Vec::with_capacity(suites.len());
    let mut served = Vec::new();
    for suite in &suites {
        let pending = served_pending(suite);
        match suite_files(suite) {
            Ok(files) => planned.push(files),
            // A folder of tests whose conversations serve snapshotted (the pytest plugin's)
            // may hold no scenario: its pending snapshots are still reviewed.
            Err(_) if !pending.is_empty() || served::any_in(&suite.dir) => planned.push(Vec::new()),
            Err(message) => return bad_input(message),
        }
        served.extend(pending);
    }
    served.sort_by(|a, b| a.snapshot.cmp(&b.snapshot));
    served.dedup_by(|a, b| a.snapshot == b.snapshot);
    let color = args.format == Format::Text && use_color(args.color);
    let mut out = std::io::stdout().lock();
    let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
    if args.format == Format::Text {
        let count: usize = planned.iter().map(Vec::len).sum();
        let _ = writeln!(out, "\nrunning {count} scenarios from {}", paths.join(", "));
        if count == 0 && served.is_empty() {
            let _ = writeln!(
                out,
                "and no pending snapshot of a served conversation: nothing to review (the tests that wrote the snapshots compare them)"
            );
        } else if !served.is_empty() {
            let _ = writeln!(
                out,
                "and {} pending snapshot(s) of served conversations (handoff serve --snapshot, the pytest plugin)",
                served.len()
            );
        }
    }
    let mut reports = Vec::new();
    let mut times = Vec::new();
    let mut suite_of = Vec::new();
    // Each scenario of each suite, then the served snapshots (in the first suite's group of
    // the JUnit report).
    let mut jobs: Vec<(usize, Job)> = Vec::new();
    for (index, (suite, files)) in suites.iter().zip(&planned).enumerate() {
        jobs.extend(files.iter().map(|file| (index, Job::Scenario(suite, file))));
    }
    jobs.extend(served.into_iter().map(|report| (0, Job::Served(report))));
    for (index, job) in jobs {
        let started = std::time::Instant::now();
        let mut report = match job {
            Job::Scenario(suite, file) => suite.run_one(file),
            Job::Served(report) => report,
        };
        let mut accepted = false;
        if report.pending_snapshot() && (args.accept || (args.review && review(&report))) {
            match snapshot::accept(&report.snapshot) {
                Ok(()) => {
                    report.snapshot_accepted();
                    accepted = true;
                }
                Err(e) => report.failures.push(Failure::SnapshotIo(format!(
                    "{}: cannot read or write the snapshot: {e}",
                    report.snapshot.display()
                ))),
            }
        }
        if args.format == Format::Text {
            let verdict = if let Some(why) = &report.ignored {
                ansi(YELLOW, &format!("ignored, {why}"), color)
            } else if report.passed() {
                let note = report.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
                format!("{}{note}", ansi(GREEN, "ok", color))
            } else {
                ansi(BOLD_RED, "FAILED", color)
            };
            let _ = writeln!(out, "scenario {} ... {verdict}", report.name);
            if accepted {
                let _ = writeln!(out, "    accepted {}", report.snapshot.display());
            }
        }
        times.push(started.elapsed());
        suite_of.push(index);
        reports.push(report);
    }
    let unreferenced = unreferenced_snapshots(args, &suites);
    let failed = reports.iter().filter(|r| !r.passed()).count();
    let ignored = reports.iter().filter(|r| r.ignored.is_some()).count();
    let passed = reports.len() - failed - ignored;
    let text = match args.format {
        Format::Text => text_summary(&reports, color),
        Format::Json => json_summary(&paths, &reports, &unreferenced),
    };
    let _ = out.write_all(text.as_bytes());
    if args.format == Format::Text {
        let ignored = if ignored > 0 {
            format!(", {ignored} ignored")
        } else {
            String::new()
        };
        let _ = writeln!(out, "{passed} passed, {failed} failed{ignored}");
        let _ = out.write_all(unreferenced_text(&unreferenced, args.unreferenced).as_bytes());
    }
    if let Some(path) = &args.junit {
        let mut grouped: Vec<(String, Vec<Timed<'_>>)> = suites
            .iter()
            .map(|s| (s.dir.display().to_string(), Vec::new()))
            .collect();
        for ((report, time), index) in reports.iter().zip(&times).zip(&suite_of) {
            grouped[*index].1.push(Timed { report, time: *time });
        }
        if let Err(e) = write_atomic(path, junit(&grouped).as_bytes()) {
            return bad_input(format!("{}: cannot write the JUnit report: {e}", path.display()));
        }
    }
    let rejected = args.unreferenced == Unreferenced::Reject && !unreferenced.is_empty();
    if reports.iter().any(|r| r.failures.iter().any(Failure::is_bad_input)) {
        Status::BadInput
    } else if failed > 0 || rejected {
        Status::Failed
    } else {
        Status::Passed
    }
}

/// The unreferenced snapshots of the directories run whole (none with --filter or files
/// given: a partial run cannot tell), deleted when asked; an error deleting is reported as a
/// remaining one.
fn unreferenced_snapshots(args: &TestArgs, suites: &[Suite]) -> Vec<(std::path::PathBuf, bool)> {
    if args.unreferenced == Unreferenced::Ignore || args.filter.is_some() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for suite in suites.iter().filter(|s| s.only.is_empty()) {
        // A served conversation's snapshot is referenced by the test that wrote it.
        let unreferenced = suite.unreferenced().unwrap_or_default();
        for path in unreferenced.into_iter().filter(|p| !served::is_served(p)) {
            let deleted = args.unreferenced == Unreferenced::Delete && std::fs::remove_file(&path).is_ok();
            found.push((path, deleted));
        }
    }
    found
}

fn unreferenced_text(found: &[(std::path::PathBuf, bool)], mode: Unreferenced) -> String {
    let mut out = String::new();
    for (path, deleted) in found {
        let what = if *deleted {
            "deleted unreferenced snapshot"
        } else {
            "unreferenced snapshot"
        };
        out.push_str(&format!("{what}: {} (no scenario writes it)\n", path.display()));
    }
    if found.iter().any(|(_, deleted)| !deleted) && mode != Unreferenced::Delete {
        out.push_str("to delete them: handoff test --unreferenced delete\n");
    }
    out
}

/// Shows a pending snapshot on standard error and asks whether to accept it. A rejected one
/// is deleted; a skipped one stays pending.
fn review(report: &ScenarioReport) -> bool {
    let mut err = std::io::stderr().lock();
    let pending = snapshot::pending_path(&report.snapshot);
    let _ = writeln!(err, "\nsnapshot of {} ({})", report.name, report.file.display());
    // The conversation, as `handoff run` prints it; of the run's JSON that follows it in the
    // file, only how much (the whole is in the `.snap.new`, and in `handoff test`'s diff).
    let new = snapshot::read(&pending).ok().flatten().unwrap_or_default();
    let (new_text, json_lines) = snapshot::conversation(&new);
    for failure in &report.failures {
        match failure {
            Failure::ChangedSnapshot { .. } => {
                let old = snapshot::read(&report.snapshot).ok().flatten().unwrap_or_default();
                let (old_text, _) = snapshot::conversation(&old);
                match old_text == new_text {
                    true => {
                        let _ = writeln!(err, "the conversation is the same; only the run's JSON changed");
                    }
                    false => {
                        let _ = write!(err, "{}", snapshot::diff(old_text, new_text));
                    }
                }
            }
            Failure::NewSnapshot { .. } => {
                let _ = writeln!(err, "new snapshot:\n{new_text}");
            }
            _ => {}
        }
    }
    let _ = writeln!(err, "(then the run as JSON, {json_lines} lines: {})", pending.display());
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
            out.push_str(&ansi(BOLD_RED, &failure.summary(), color));
            out.push('\n');
            match failure {
                Failure::ChangedSnapshot { diff, .. } => out.push_str(&paint_diff(diff, color)),
                Failure::Nondeterministic { first, second, .. } => {
                    out.push_str(&format!("  first run:  {first}\n  second run: {second}\n"))
                }
                Failure::BrokenRun { reason, .. } => {
                    for line in reason.lines() {
                        out.push_str(&format!("  {line}\n"));
                    }
                }
                Failure::Expectation(check) => {
                    for line in &check.detail {
                        out.push_str(&format!("  {}\n", escape_controls(line)));
                    }
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

fn failure_json(failure: &Failure) -> serde_json::Value {
    let kind = match failure {
        Failure::Load(_) => "load",
        Failure::Run(_) => "run",
        Failure::Expectation(_) => "expectation",
        Failure::Nondeterministic { .. } => "nondeterministic",
        Failure::BrokenRun { .. } => "broken-run",
        Failure::NewSnapshot { .. } => "new-snapshot",
        Failure::ChangedSnapshot { .. } => "changed-snapshot",
        Failure::SnapshotIo(_) => "snapshot-io",
    };
    let mut value = json!({ "kind": kind, "message": failure.summary() });
    match failure {
        Failure::ChangedSnapshot { diff, .. } => value["diff"] = diff.clone().into(),
        Failure::BrokenRun { reason, detail } => {
            value["reason"] = reason.clone().into();
            value["detail"] = detail.clone();
        }
        Failure::Expectation(c) => {
            value["expected"] = c.expected.clone().into();
            value["actual"] = c.actual.clone().into();
            if !c.detail.is_empty() {
                value["detail"] = json!(c.detail);
            }
        }
        _ => {}
    }
    value
}

fn json_summary(paths: &[String], reports: &[ScenarioReport], unreferenced: &[(std::path::PathBuf, bool)]) -> String {
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
                "note": r.note,
                "failures": r.failures.iter().map(failure_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let unreferenced: Vec<serde_json::Value> = unreferenced
        .iter()
        .map(|(path, deleted)| json!({ "snapshot": path.display().to_string(), "deleted": deleted }))
        .collect();
    let value = json!({
        "dir": paths[0],
        "paths": paths,
        "unreferenced": unreferenced,
        "passed": reports.len() - failed - ignored,
        "failed": failed,
        "ignored": ignored,
        "scenarios": scenarios,
    });
    json_text(&value)
}

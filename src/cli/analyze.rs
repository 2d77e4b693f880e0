//! `handoff analyze`: findings of the handoff graph of one or more designs, drawings of it,
//! the coverage of a directory of scenarios, and the diff of two versions of a design.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde::Serialize;
use serde_json::json;

use super::output::{
    BOLD, BOLD_CYAN, BOLD_GREEN, BOLD_RED, BOLD_YELLOW, Color, GREEN, RED, Status, YELLOW, ansi, bad_input, json_text,
    suite_files, use_color,
};
use super::profile::ProfileArg;
use handoff_harness::Profile;
use handoff_harness::analysis::coverage::{Coverage, DesignCoverage};
use handoff_harness::analysis::diff::{Change, DesignDiff};
use handoff_harness::analysis::draw::{self, Drawing};
use handoff_harness::analysis::{AnalysedFile, Finding, Severity, Tally};
use handoff_harness::files::{names, plural};
use handoff_harness::scenario::Scenario;
use handoff_harness::suite::Suite;

/// `--format json`'s report, its keys in the order `serde_json::Value` prints them (sorted),
/// written without building a `Value` of a large design's findings first.
#[derive(Serialize)]
struct ReportJson<'a> {
    designs: Vec<DesignJson<'a>>,
    findings: Vec<FindingJson<'a>>,
    summary: SummaryJson,
}

/// A design's line of the JSON report.
#[derive(Serialize)]
struct DesignJson<'a> {
    agents: usize,
    errors: usize,
    file: &'a str,
    handoffs: usize,
    infos: usize,
    name: &'a str,
    profile: &'a str,
    start: Option<&'a str>,
    warnings: usize,
}

impl DesignJson<'_> {
    fn of(a: &AnalysedFile) -> DesignJson<'_> {
        let graph = a.analysis.graph();
        let tally = a.analysis.tally();
        DesignJson {
            agents: graph.agent_count(),
            errors: tally.errors,
            file: &a.file,
            handoffs: graph.handoff_count(),
            infos: tally.infos,
            name: &a.name,
            profile: a.profile.name,
            start: graph.start().map(|s| graph.name(s)),
            warnings: tally.warnings,
        }
    }
}

/// A finding of the JSON report: [`Finding::to_json`] and its file.
#[derive(Serialize)]
struct FindingJson<'a> {
    agents: &'a [String],
    code: &'a str,
    file: &'a str,
    message: &'a str,
    place: Option<&'a str>,
    severity: &'a str,
}

impl<'a> FindingJson<'a> {
    fn of(f: &'a Finding, file: &'a str) -> FindingJson<'a> {
        FindingJson {
            agents: &f.agents,
            code: f.code.as_str(),
            file,
            message: &f.message,
            place: f.place.as_deref(),
            severity: f.severity.as_str(),
        }
    }
}

/// The JSON report's totals.
#[derive(Serialize)]
struct SummaryJson {
    designs: usize,
    errors: usize,
    infos: usize,
    passed: bool,
    warnings: usize,
}

/// Arguments of `handoff analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Design or scenario files (JSON); a design file needs only `agents`, `start` and `handoffs`.
    #[arg(required_unless_present_any = ["diff", "coverage"], conflicts_with_all = ["diff", "coverage"])]
    files: Vec<PathBuf>,
    /// Output format: findings as text or JSON, or a drawing of the graph.
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Text)]
    format: AnalyzeFormat,
    /// Fail (exit 1) on warnings too, or with --coverage on handoffs no scenario takes.
    #[arg(long, value_enum, value_name = "WHAT")]
    deny: Vec<Deny>,
    /// Run the scenarios in DIR and report which handoffs of each design they take.
    #[arg(long, value_name = "DIR", conflicts_with = "diff")]
    coverage: Option<PathBuf>,
    /// Compare two versions of a design: changed agents, handoffs and descriptions, and new findings.
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"])]
    diff: Option<Vec<PathBuf>>,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Analyse the graph this framework builds, with its own findings, instead of the
    /// file's `profile`.
    #[command(flatten)]
    profile: ProfileArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum AnalyzeFormat {
    /// Findings for people, grouped by severity, with a summary line.
    Text,
    /// Everything, for machines.
    Json,
    /// A Graphviz drawing of the graph.
    Dot,
    /// A Mermaid drawing of the graph (renders in GitHub Markdown).
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Deny {
    /// Warnings fail like errors.
    Warnings,
    /// With --coverage: a handoff no scenario takes fails.
    Uncovered,
}

/// Runs `handoff analyze`.
pub fn analyze(args: &AnalyzeArgs) -> Status {
    let color = args.format == AnalyzeFormat::Text && use_color(args.color);
    let deny_warnings = args.deny.contains(&Deny::Warnings);
    if args.deny.contains(&Deny::Uncovered) && args.coverage.is_none() {
        return bad_input("--deny uncovered applies to coverage: add --coverage DIR");
    }
    let profile = args.profile.profile;
    let (text, status) = if let Some(pair) = &args.diff {
        diff(&pair[0], &pair[1], profile, args.format, deny_warnings, color)
    } else if let Some(dir) = &args.coverage {
        coverage(dir, profile, args.format, args.deny.contains(&Deny::Uncovered), color)
    } else {
        findings(&args.files, profile, args.format, deny_warnings, color)
    };
    // A closed pipe (`handoff analyze x | head`) is not an error worth reporting.
    super::output::print(&text);
    status
}

fn load(path: &Path, profile: Option<&'static Profile>) -> Option<AnalysedFile> {
    match AnalysedFile::load(path, profile) {
        Ok(analysed) => Some(analysed),
        Err(error) => {
            bad_input(error);
            None
        }
    }
}

pub(super) fn findings(
    files: &[PathBuf],
    profile: Option<&'static Profile>,
    format: AnalyzeFormat,
    deny_warnings: bool,
    color: bool,
) -> (String, Status) {
    let loaded: Vec<Option<AnalysedFile>> = files.iter().map(|f| load(f, profile)).collect();
    let unloaded = loaded.iter().any(Option::is_none);
    let analysed: Vec<AnalysedFile> = loaded.into_iter().flatten().collect();
    let mut total = Tally::default();
    for a in &analysed {
        total.add(a.analysis.tally());
    }
    let text = match format {
        _ if analysed.is_empty() => String::new(),
        AnalyzeFormat::Text => {
            let mut out = String::new();
            for a in &analysed {
                out.push_str(&design_report(a, color));
            }
            let designs = plural(analysed.len(), "design");
            let denied = if deny_warnings && total.warnings > 0 {
                " (warnings denied)"
            } else {
                ""
            };
            let line = format!("analyzed {designs}: {total}{denied}");
            let failed = total.fails(deny_warnings);
            out.push_str(&ansi(if failed { BOLD_RED } else { BOLD_GREEN }, &line, color));
            out.push('\n');
            out
        }
        AnalyzeFormat::Json => {
            let findings: Vec<FindingJson> = analysed
                .iter()
                .flat_map(|a| a.analysis.findings().iter().map(|f| FindingJson::of(f, &a.file)))
                .collect();
            let designs: Vec<DesignJson> = analysed.iter().map(DesignJson::of).collect();
            let report = ReportJson {
                designs,
                findings,
                summary: SummaryJson {
                    designs: analysed.len(),
                    errors: total.errors,
                    infos: total.infos,
                    passed: !total.fails(deny_warnings),
                    warnings: total.warnings,
                },
            };
            let mut text = serde_json::to_string_pretty(&report).expect("the report serialises");
            text.push('\n');
            text
        }
        AnalyzeFormat::Dot | AnalyzeFormat::Mermaid => {
            let drawings: Vec<Drawing> = analysed.iter().map(|a| Drawing::of(&a.analysis, &a.name)).collect();
            drawn(format, &drawings)
        }
    };
    // The process ends after printing: handing a large design's millions of strings back to
    // the allocator one by one would take longer than some of the analysis did.
    std::mem::forget(analysed);
    let status = if unloaded {
        Status::BadInput
    } else if total.fails(deny_warnings) {
        Status::Failed
    } else {
        Status::Passed
    };
    (text, status)
}

/// One design's findings, errors first.
fn design_report(a: &AnalysedFile, color: bool) -> String {
    let graph = a.analysis.graph();
    let start = match graph.start() {
        Some(s) => format!("start `{}`", graph.name(s)),
        None => "no known start agent".into(),
    };
    let under = match *a.profile == Profile::default() {
        true => String::new(),
        false => format!(", under `{}`", a.profile.name),
    };
    let heading = format!(
        "{}: `{}`: {}, {}, {start}{under}",
        a.file,
        a.name,
        plural(graph.agent_count(), "agent"),
        plural(graph.handoff_count(), "handoff")
    );
    let mut out = ansi(BOLD, &heading, color);
    out.push('\n');
    for finding in a.analysis.findings() {
        out.push_str(&finding_lines(finding, color));
    }
    out.push('\n');
    out
}

/// `  warning[code]: message` and, when it has one, the place on the next line.
fn finding_lines(finding: &Finding, color: bool) -> String {
    let code = match finding.severity {
        Severity::Error => BOLD_RED,
        Severity::Warning => BOLD_YELLOW,
        Severity::Info => BOLD_CYAN,
    };
    let label = ansi(code, &format!("{}[{}]", finding.severity, finding.code), color);
    let mut out = format!("  {label}: {}\n", finding.message);
    if let Some(place) = &finding.place {
        out.push_str(&format!("      at {place}\n"));
    }
    out
}

fn diff(
    old: &Path,
    new: &Path,
    profile: Option<&'static Profile>,
    format: AnalyzeFormat,
    deny_warnings: bool,
    color: bool,
) -> (String, Status) {
    let (Some(old_design), Some(new_design)) = (load(old, profile), load(new, profile)) else {
        return (String::new(), Status::BadInput);
    };
    let diff = DesignDiff::new(&old_design.analysis, &new_design.analysis);
    let tally = diff.new_tally();
    let text = match format {
        AnalyzeFormat::Text => diff_report(&diff, &old_design.file, &new_design.file, color),
        AnalyzeFormat::Json => {
            let mut value = diff.to_json();
            value["old"] = old_design.file.clone().into();
            value["new"] = new_design.file.clone().into();
            value["passed"] = (!tally.fails(deny_warnings)).into();
            json_text(&value)
        }
        AnalyzeFormat::Dot | AnalyzeFormat::Mermaid => drawn(format, &[diff.drawing(&new_design.name)]),
    };
    let status = if tally.fails(deny_warnings) {
        Status::Failed
    } else {
        Status::Passed
    };
    (text, status)
}

fn diff_report(diff: &DesignDiff, old: &str, new: &str, color: bool) -> String {
    let mut out = ansi(BOLD, &format!("design diff: {old} → {new}"), color);
    out.push('\n');
    let mut line = |sign: &str, text: String| {
        let code = match sign {
            "+" => GREEN,
            "-" => RED,
            _ => YELLOW,
        };
        out.push_str(&ansi(code, &format!("  {sign} {text}"), color));
        out.push('\n');
    };
    for agent in &diff.agents {
        match agent.change {
            Change::Added => line("+", format!("agent `{}`", agent.name)),
            Change::Removed => line("-", format!("agent `{}`", agent.name)),
            Change::Same | Change::Changed => {}
        }
    }
    if diff.start.0 != diff.start.1 {
        let name = |s: &Option<String>| s.as_deref().map_or("(unknown)".to_string(), |n| format!("`{n}`"));
        line("~", format!("start: {} → {}", name(&diff.start.0), name(&diff.start.1)));
    }
    for h in &diff.handoffs {
        let edge = format!("handoff `{}` → `{}`", h.source, h.target);
        let old = h.old.as_deref().unwrap_or_default();
        let new = h.new.as_deref().unwrap_or_default();
        match h.change() {
            Change::Same => {}
            Change::Added => line("+", format!("{edge}: \"{new}\"")),
            Change::Removed => line("-", format!("{edge}: \"{old}\"")),
            Change::Changed => line("~", format!("{edge}: \"{old}\" → \"{new}\"")),
        }
    }
    for source in &diff.reordered {
        line("~", format!("`{source}` offers its handoffs in another order"));
    }
    if diff.is_empty() {
        out.push_str("  no changes to agents, handoffs, descriptions or start\n");
    }
    for (title, findings) in [
        ("new findings", &diff.new_findings),
        ("resolved findings", &diff.resolved_findings),
    ] {
        if !findings.is_empty() {
            out.push_str(&format!("{title}:\n"));
            for finding in findings {
                out.push_str(&finding_lines(finding, color));
            }
        }
    }
    out.push_str(&format!(
        "\n{}; new findings: {}; {} resolved\n",
        diff.counts(),
        diff.new_tally(),
        diff.resolved_findings.len()
    ));
    out
}

fn coverage(
    dir: &Path,
    profile: Option<&'static Profile>,
    format: AnalyzeFormat,
    deny_uncovered: bool,
    color: bool,
) -> (String, Status) {
    let suite = Suite::new(dir);
    let files = match suite_files(&suite) {
        Ok(files) => files,
        Err(message) => return (String::new(), bad_input(message)),
    };
    let mut coverage = Coverage::new();
    let mut unloaded = false;
    for file in &files {
        let loaded = Scenario::load_under(file, profile).and_then(|scenario| {
            let run = if scenario.is_design_only() {
                None
            } else {
                Some(scenario.run_blocking()?)
            };
            Ok((scenario, run))
        });
        match loaded {
            Ok((scenario, run)) => coverage.add(&suite.name(file), &scenario.file, &scenario.design, run.as_ref()),
            Err(error) => {
                bad_input(error);
                unloaded = true;
            }
        }
    }
    let designs = coverage.designs();
    let exercised: usize = designs.iter().map(DesignCoverage::exercised).sum();
    let total: usize = designs.iter().map(|d| d.edges.len()).sum();
    let text = match format {
        AnalyzeFormat::Text => {
            let mut out = String::new();
            for design in designs {
                out.push_str(&coverage_table(design, color));
            }
            let line = format!(
                "coverage: {exercised} of {} exercised ({}) in {}",
                plural(total, "handoff"),
                percent(exercised, total),
                plural(designs.len(), "design")
            );
            let failed = deny_uncovered && exercised < total;
            out.push_str(&ansi(if failed { BOLD_RED } else { BOLD_GREEN }, &line, color));
            out.push('\n');
            out
        }
        AnalyzeFormat::Json => json_text(&json!({
            "designs": designs.iter().map(DesignCoverage::to_json).collect::<Vec<_>>(),
            "summary": { "designs": designs.len(), "exercised": exercised, "total": total },
        })),
        AnalyzeFormat::Dot | AnalyzeFormat::Mermaid => {
            let drawings: Vec<Drawing> = designs.iter().map(DesignCoverage::drawing).collect();
            drawn(format, &drawings)
        }
    };
    let status = if unloaded {
        Status::BadInput
    } else if deny_uncovered && exercised < total {
        Status::Failed
    } else {
        Status::Passed
    };
    (text, status)
}

/// One design's handoffs with how often they were taken, never-taken ones highlighted.
fn coverage_table(design: &DesignCoverage, color: bool) -> String {
    let scenario_names: Vec<&str> = design.scenarios.iter().map(|s| s.name.as_str()).collect();
    let mut out = ansi(
        BOLD,
        &format!("{}: the design of {}", design.title(), names(&scenario_names)),
        color,
    );
    out.push('\n');
    let edges: Vec<String> = design
        .edges
        .iter()
        .map(|e| format!("{} -> {}", e.source, e.target))
        .collect();
    let width = edges
        .iter()
        .map(|e| e.chars().count())
        .max()
        .unwrap_or(0)
        .max("handoff".len());
    out.push_str(&format!("  {:width$}  {:>5}  scenarios\n", "handoff", "taken"));
    for (edge, label) in design.edges.iter().zip(&edges) {
        let row = if edge.handoffs == 0 {
            ansi(YELLOW, &format!("  {label:width$}  {:>5}", "never"), color)
        } else {
            format!("  {label:width$}  {:>5}  {}", edge.handoffs, edge.scenarios.join(", "))
        };
        out.push_str(&row);
        out.push('\n');
    }
    let unvisited: Vec<&str> = design
        .agents
        .iter()
        .filter(|a| a.visits == 0)
        .map(|a| a.name.as_str())
        .collect();
    out.push_str(&format!(
        "  {} of {} exercised ({}); {} of {} visited",
        design.exercised(),
        plural(design.edges.len(), "handoff"),
        percent(design.exercised(), design.edges.len()),
        design.visited(),
        plural(design.agents.len(), "agent"),
    ));
    if !unvisited.is_empty() {
        out.push_str(&format!("; never visited: {}", names(&unvisited)));
    }
    out.push_str("\n\n");
    out
}

fn drawn(format: AnalyzeFormat, drawings: &[Drawing]) -> String {
    match format {
        AnalyzeFormat::Dot => draw::dot(drawings),
        _ => draw::mermaid(drawings),
    }
}

fn percent(part: usize, whole: usize) -> String {
    // Rounded down, so that 99.9 % never shows as 100 %.
    (part * 100).checked_div(whole).map_or("-".into(), |p| format!("{p}%"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use handoff_harness::analysis::Code;

    #[test]
    fn a_finding_in_the_report_is_its_to_json_with_its_file() {
        let finding = Finding {
            code: Code::DuplicateHandoff,
            severity: Severity::Warning,
            agents: vec!["A".into(), "B".into()],
            message: "twice".into(),
            place: Some("handoffs.A.B".into()),
        };
        let mut value = finding.to_json();
        value["file"] = "d.json".into();
        let direct = serde_json::to_string_pretty(&FindingJson::of(&finding, "d.json")).unwrap();
        assert_eq!(direct, serde_json::to_string_pretty(&value).unwrap());
    }
}

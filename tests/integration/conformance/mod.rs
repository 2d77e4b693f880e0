//! Conformance: every trace of a real framework in `conformance/traces/` (Semantic Kernel,
//! Agent Framework, the OpenAI Agents SDK, run by `conformance/run.sh` against a scripted
//! fake model) is run again in the harness, under the profile that models the framework,
//! from its scenario in `conformance/scenarios/`, and compared call by call: the agent
//! called, the tools offered, every input message, the reply, and how the run ended.
//!
//! - `trace`: a trace read into the neutral shape (`view`);
//! - `scenario`: the scenario file a trace gives (`json` writes it in key order; `errors`
//!   the HTTP errors and refusals of a call);
//! - `run`: the harness's run of it, each request in the same neutral shape;
//! - `known`: the differences the harness does not reproduce, each asserted;
//! - `rules`: the rules of the profiles, one test each, by the traces that show them.

mod errors;
mod json;
mod known;
mod rules;
mod run;
mod scenario;
mod trace;
mod view;

use similar::TextDiff;

use crate::support;

use trace::{Framework, Trace};

/// What comparing one trace found: the calls compared, and a report of every difference.
struct Compared {
    calls: usize,
    differences: Vec<String>,
}

/// A unified diff of two line lists, the trace first.
fn diff(trace: &[String], harness: &[String]) -> String {
    let (trace, harness) = (trace.join("\n") + "\n", harness.join("\n") + "\n");
    TextDiff::from_lines(&trace, &harness)
        .unified_diff()
        .context_radius(2)
        .header("real framework (trace)", "harness")
        .to_string()
}

/// Compares the harness's run of `trace`'s scenario with the trace, every call and the
/// outcome (the known differences are expected as the harness shows them).
fn compare(trace: &Trace, harness: &run::HarnessRun) -> Compared {
    let mut expected: Vec<_> = trace.calls().iter().map(|c| trace.record(c)).collect();
    known::expect(trace, &mut expected);
    let mut differences = Vec::new();
    for (i, (theirs, mut ours)) in expected.iter().zip(harness.calls.iter().cloned()).enumerate() {
        let n = i + 1;
        if theirs.elided.is_some() {
            run::elide(&mut ours);
        }
        let (theirs, ours) = (theirs.lines(), ours.lines());
        if theirs != ours {
            differences.push(format!(
                "{}: model call #{n} ({}) differs:\n{}",
                trace.label(),
                expected[i].agent,
                diff(&theirs, &ours)
            ));
        }
    }
    if !harness.failed_checks.is_empty() {
        differences.push(format!(
            "{}: the scenario's `expect` fails (`handoff run` would exit 1): {}",
            trace.label(),
            harness.failed_checks.join("; ")
        ));
    }
    if expected.len() != harness.calls.len() {
        differences.push(format!(
            "{}: the real framework made {} model calls, the harness {}",
            trace.label(),
            expected.len(),
            harness.calls.len()
        ));
    }
    let theirs = trace.outcome();
    let ours = run::outcome(trace.framework, harness, theirs.handoffs.is_some());
    if theirs != ours {
        differences.push(format!(
            "{}: the run ends differently:\n{}",
            trace.label(),
            diff(&theirs.lines(), &ours.lines())
        ));
    }
    Compared {
        calls: expected.len().min(harness.calls.len()),
        differences,
    }
}

/// The trace `probe` of `framework` and the harness's run of its scenario, which must match
/// (for the rule tests, which then look at the run).
fn conforming(framework: Framework, probe: &str) -> (Trace, run::HarnessRun) {
    let trace = Trace::named(framework, probe);
    let harness = run::run(&trace);
    let compared = compare(&trace, &harness);
    assert!(
        compared.differences.is_empty(),
        "{} differs from the harness:\n\n{}",
        trace.label(),
        compared.differences.join("\n\n")
    );
    (trace, harness)
}

/// Compares every trace of `framework`, reporting all differences at once.
fn conforms(framework: Framework) {
    let traces = Trace::all(framework);
    assert!(!traces.is_empty(), "no traces of {framework:?}");
    let mut differences = Vec::new();
    let (mut calls, mut differing) = (0, 0);
    for trace in &traces {
        let compared = compare(trace, &run::run(trace));
        calls += compared.calls;
        differing += usize::from(!compared.differences.is_empty());
        differences.extend(compared.differences);
    }
    assert!(
        differences.is_empty(),
        "{differing} of {} traces of {} differ from the harness ({} calls compared):\n\n{}",
        traces.len(),
        framework.profile(),
        calls,
        differences.join("\n\n")
    );
}

#[test]
fn semantic_kernel_traces_match_the_harness() {
    conforms(Framework::SemanticKernel);
}

#[test]
fn agent_framework_traces_match_the_harness() {
    conforms(Framework::AgentFramework);
}

#[test]
fn openai_agents_traces_match_the_harness() {
    conforms(Framework::OpenAiAgents);
}

/// Each trace has its scenario, and the committed file is the one the trace gives
/// (`CONFORMANCE_BLESS=1 cargo test conformance` writes them).
#[test]
fn every_trace_has_its_scenario() {
    let bless = std::env::var_os("CONFORMANCE_BLESS").is_some();
    let mut stale = Vec::new();
    for framework in Framework::ALL {
        let traces = Trace::all(framework);
        let dir = support::root().join("conformance/scenarios").join(framework.dir());
        for entry in std::fs::read_dir(&dir).into_iter().flatten() {
            let path = entry.unwrap().path();
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            if !traces.iter().any(|t| t.probe == stem) {
                stale.push(format!("{}: no trace of that name (remove it)", path.display()));
            }
        }
        for trace in traces {
            let path = scenario::path(&trace);
            let wanted = scenario::scenario(&trace);
            let committed = std::fs::read_to_string(&path).ok();
            if committed.as_deref() == Some(wanted.as_str()) {
                continue;
            }
            if bless {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &wanted).unwrap();
            } else {
                stale.push(match committed {
                    None => format!("{}: missing", path.display()),
                    Some(committed) => format!(
                        "{}: not what the trace gives:\n{}",
                        path.display(),
                        TextDiff::from_lines(&committed, &wanted)
                            .unified_diff()
                            .header("committed", "from the trace")
                    ),
                });
            }
        }
    }
    assert!(
        stale.is_empty(),
        "scenarios out of date (write them with CONFORMANCE_BLESS=1 cargo test conformance):\n{}",
        stale.join("\n")
    );
}

/// Each known difference still occurs: one that no trace shows any more is to be removed.
#[test]
fn every_known_difference_still_occurs() {
    let all: Vec<Trace> = Framework::ALL.into_iter().flat_map(Trace::all).collect();
    for known in &known::KNOWN {
        let shown_by: Vec<String> = all
            .iter()
            .filter(|t| {
                let mut calls: Vec<_> = t.calls().iter().map(|c| t.record(c)).collect();
                known::expect(t, &mut calls).contains(&known.name)
            })
            .map(Trace::label)
            .collect();
        assert!(
            !shown_by.is_empty(),
            "known difference `{}`: no trace shows it any more",
            known.name
        );
    }
}

/// The differences between the Agents SDK's trace `probe` and the harness's run of the
/// scenario `text` (another scenario than the trace's own: a test's variant of it).
pub(crate) fn openai_agents_differences(probe: &str, text: &str) -> Vec<String> {
    let trace = Trace::named(Framework::OpenAiAgents, probe);
    let scenario = handoff_harness::Scenario::parse(text, "variant.json", None).unwrap();
    compare(&trace, &run::record_run(&scenario, Framework::OpenAiAgents)).differences
}

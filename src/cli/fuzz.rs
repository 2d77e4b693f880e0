//! `handoff fuzz`: searches a scenario's human inputs for endless bouncing, shrinks what it
//! finds, and writes it as a regression scenario.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use clap::Args;
use serde_json::json;

use super::output::{Format, Status, bad_input, in_ci, json_text};
use super::profile::ProfileArg;
use handoff_harness::files::read_text;
use handoff_harness::files::write_atomic;
use handoff_harness::fuzz::{
    Campaign, CampaignReport, Case, Fuzzer, Shard, frozen_regression, path_from, regression, regressions_dir,
};
use handoff_harness::scenario::Scenario;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// Arguments of `handoff fuzz`.
#[derive(Debug, Args)]
pub struct FuzzArgs {
    /// The scenario file (JSON); it needs a task and a scripted model.
    file: PathBuf,
    /// Cases to run (in blocks of 1,000, each seeded from --seed).
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    cases: u64,
    /// The campaign's seed: the same seed gives the same cases and the same result on any
    /// machine and with any number of jobs.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// At most this many human replies per case (default: the scenario's, from 2 to 8).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
    max_turns: Option<u32>,
    /// Threads (default: every core).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,
    /// Run only part I of N of the campaign (1-based), for a CI matrix: shards never overlap
    /// and together make the whole campaign.
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    shard: Option<Shard>,
    /// Let the model ignore its script at random calls and hand off to any allowed agent.
    #[arg(long)]
    confused: bool,
    /// Where regression scenarios go (default: `regressions/` beside FILE; required when FILE
    /// is `-`).
    #[arg(long, value_name = "DIR")]
    regressions: Option<PathBuf>,
    /// Output format: `text`, progress, the bounces found, what the cases reached and the
    /// script gaps, or `json`: the campaign's figures (reach, outcome shares, script gaps)
    /// and every failure with its seed and shrunk case.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    profile: ProfileArg,
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let (i, n) = text.split_once('/').ok_or("write I/N, as in 2/4")?;
    let (i, n): (u64, u64) = (
        i.trim().parse().map_err(|_| format!("`{i}` is not a number"))?,
        n.trim().parse().map_err(|_| format!("`{n}` is not a number"))?,
    );
    if n == 0 || i == 0 || i > n {
        return Err(format!("shard {i} of {n}: I must be from 1 to N"));
    }
    Ok(Shard { index: i - 1, count: n })
}

/// Runs `handoff fuzz`.
pub(crate) fn fuzz(args: &FuzzArgs) -> Status {
    let file = args.file.as_path();
    let loaded = Scenario::load_under(file, args.profile.profile).and_then(|scenario| {
        let fuzzer = Fuzzer::new(&scenario)?;
        Ok((scenario, fuzzer, read_text(file)?.0))
    });
    let (scenario, mut fuzzer, original) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => return bad_input(error),
    };
    if let Some(turns) = args.max_turns {
        fuzzer = fuzzer.max_turns(turns as usize);
    }
    fuzzer = fuzzer.confused(args.confused);
    let from_stdin = file.as_os_str() == handoff_harness::files::STDIN;
    let stem = handoff_harness::files::stem(file);
    let dir = match (&args.regressions, from_stdin) {
        (Some(dir), _) => dir.clone(),
        (None, false) => regressions_dir(file),
        (None, true) => {
            return bad_input(
                "fuzz -: a scenario on standard input has no folder for its regressions; pass --regressions DIR",
            );
        }
    };

    // Counterexamples found before are tried first; those that pass now are reported.
    let known = match known_regressions(&dir, &stem) {
        Ok(known) => known,
        Err(error) => return bad_input(error),
    };
    let mut fixed = Vec::new();
    for known in known {
        if let Err(violation) = fuzzer.check(&known.case) {
            let message = format!(
                "{}: still fails: {violation}\nreproduce: handoff run {}",
                known.path.display(),
                known.path.display()
            );
            return report_known(args, &message);
        }
        fixed.push(known);
    }

    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, usize::from),
        |j| j as usize,
    );
    let shard = args.shard.unwrap_or(Shard::ALL);
    let started = Instant::now();
    let campaign = Campaign {
        cases: args.cases,
        seed: args.seed,
        jobs,
        shard,
    };
    if let Err(error) = campaign.check() {
        return bad_input(error);
    }
    let bar = progress_bar(
        &campaign,
        args.format == Format::Text && std::io::stderr().is_terminal() && !in_ci(),
    );
    let progress = |done: u64| bar.set_position(done);
    // The first Ctrl-C stops after the blocks running now and reports what was found; a
    // second one ends the process at once.
    let stop = Arc::new(AtomicBool::new(false));
    for register in [
        signal_hook::flag::register_conditional_shutdown(signal_hook::consts::SIGINT, 130, Arc::clone(&stop)),
        signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&stop)),
    ] {
        if let Err(error) = register {
            let _ = writeln!(
                std::io::stderr().lock(),
                "warning: Ctrl-C will not report a summary: {error}"
            );
        }
    }
    let report = fuzzer.campaign_until(campaign, &progress, &stop);
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();

    let mut written = None;
    if let Some(found) = &report.failure
        && found.case.overrides.iter().all(Option::is_none)
    {
        let violation = found.violation.to_string();
        let text = match from_stdin {
            // Nothing to name: the regression is a copy of the scenario.
            true => frozen_regression(&original, &stem, &found.case, &violation, args.profile.profile)
                .map_err(|e| format!("{}: {e}", file.display())),
            false => {
                // A regression of a regression names the scenario that one names.
                let base = scenario.base.as_ref().map_or(file, |b| Path::new(&b.file));
                std::fs::create_dir_all(&dir)
                    .and_then(|()| path_from(&dir, base))
                    .map_err(|e| format!("{}: cannot write the regression scenario: {e}", dir.display()))
                    .and_then(|named| {
                        regression(
                            &named,
                            &stem,
                            &found.case,
                            (&violation, args.seed),
                            args.profile.profile,
                        )
                        .map_err(|e| format!("{}: {e}", file.display()))
                    })
            }
        };
        let (name, text) = match text {
            Ok(pair) => pair,
            Err(error) => return bad_input(error),
        };
        let path = dir.join(format!("{name}.json"));
        if let Err(error) = write_atomic(&path, text.as_bytes()) {
            return bad_input(format!(
                "{}: cannot write the regression scenario: {error}",
                path.display()
            ));
        }
        written = Some(path);
    }
    let summary = Summary {
        args,
        scenario: &scenario,
        report: &report,
        jobs,
        seconds,
        written: written.as_deref(),
        fixed: &fixed,
    };
    let text = match args.format {
        Format::Json => json_text(&summary.json()),
        Format::Text => summary.text(),
    };
    super::output::print(&text);
    if report.interrupted {
        Status::Interrupted
    } else if report.failure.is_some() {
        Status::Failed
    } else {
        Status::Passed
    }
}

/// The regression scenarios of `stem` in `dir` (`<stem>-*.json`), as cases.
/// The progress bar of a campaign on standard error: cases done of the shard's, cases per
/// second and the time left. Hidden unless `show` (a terminal, outside CI, text output).
fn progress_bar(campaign: &Campaign, show: bool) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(campaign.shard_cases()), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("  {bar:30} {pos}/{len} cases  {rate}  ETA {eta}")
        .expect("the template is valid")
        .with_key("rate", |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.0} cases/s", state.per_sec());
        });
    bar.set_style(style);
    bar
}

/// A regression scenario found in the regressions folder.
struct Known {
    path: PathBuf,
    case: Case,
    /// Whether it is an old one: a copy of the whole scenario, design and all, rather than a
    /// file that names its scenario (`handoff test` then runs the design as it was).
    frozen: bool,
}

fn known_regressions(dir: &Path, stem: &str) -> Result<Vec<Known>, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p.file_stem()
                    .and_then(|s| s.to_str())
                    .and_then(|s| s.strip_prefix(stem))
                    .is_some_and(|rest| rest.starts_with('-'))
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let scenario = Scenario::load(&path).map_err(|e| e.to_string())?;
            Ok(Known {
                path,
                frozen: scenario.base.is_none(),
                case: Case {
                    replies: scenario.user.unwrap_or_default(),
                    overrides: Vec::new(),
                },
            })
        })
        .collect()
}

fn report_known(args: &FuzzArgs, message: &str) -> Status {
    let text = match args.format {
        Format::Json => json_text(&json!({ "passed": false, "known_regression": message })),
        Format::Text => format!("FAILED {message}\n"),
    };
    super::output::print(&text);
    Status::Failed
}

/// What `handoff fuzz` prints.
struct Summary<'a> {
    args: &'a FuzzArgs,
    scenario: &'a Scenario,
    report: &'a CampaignReport,
    jobs: usize,
    seconds: f64,
    written: Option<&'a Path>,
    /// The regressions found before that pass now.
    fixed: &'a [Known],
}

impl Summary<'_> {
    fn reproduce(&self) -> String {
        let mut command = format!(
            "handoff fuzz {} --cases {} --seed {}",
            self.args.file.display(),
            self.args.cases,
            self.args.seed
        );
        if let Some(turns) = self.args.max_turns {
            command.push_str(&format!(" --max-turns {turns}"));
        }
        if let Some(profile) = self.args.profile.profile {
            command.push_str(&format!(" --profile {}", profile.name));
        }
        if let Some(shard) = self.args.shard {
            command.push_str(&format!(" --shard {}/{}", shard.index + 1, shard.count));
        }
        if self.args.confused {
            command.push_str(" --confused");
        }
        command
    }

    fn edges(&self) -> Vec<(String, String, u64)> {
        let design = &self.scenario.design;
        let name = |a| design.agent(a).name.clone();
        let mut edges: Vec<(String, String, u64)> = Vec::new();
        for source in design.ids() {
            for handoff in design.handoffs(source) {
                let taken = self.report.edges.get(&(source, handoff.target)).copied().unwrap_or(0);
                edges.push((name(source), name(handoff.target), taken));
            }
        }
        edges
    }

    fn text(&self) -> String {
        let r = self.report;
        let mut out = format!(
            "fuzzing {} ({}): seed {}, {} job{}{}\n",
            self.scenario.name,
            self.args.file.display(),
            self.args.seed,
            self.jobs,
            if self.jobs == 1 { "" } else { "s" },
            self.args
                .shard
                .map(|s| format!(", shard {}/{}", s.index + 1, s.count))
                .unwrap_or_default()
        );
        out.push_str(&self.fixed_text());
        let rate = r.cases as f64 / self.seconds.max(1e-9);
        match &r.failure {
            Some(found) => {
                out.push_str(&format!(
                    "FAILED after {} cases: {}\nshrunk to {}\n\n",
                    r.cases, found.violation, found.case
                ));
                for line in found.run.text().lines() {
                    out.push_str(&format!("  {line}\n"));
                }
                out.push('\n');
                match self.written {
                    Some(path) => out.push_str(&format!(
                        "regression scenario written: {}\nreproduce: handoff run {}\n",
                        path.display(),
                        path.display()
                    )),
                    None => out.push_str("(the model was overridden, so no scenario reproduces it on its own)\n"),
                }
                out.push_str(&format!("or: {}\n", self.reproduce()));
            }
            None => {
                let outcomes: Vec<String> = r.outcomes.iter().map(|(k, n)| format!("{n} {k}")).collect();
                let verdict = if r.interrupted { "interrupted" } else { "ok" };
                out.push_str(&format!(
                    "{verdict}: {} cases in {:.2} s ({rate:.0} cases/s), no bounce; runs ended: {}\n",
                    r.cases,
                    self.seconds,
                    outcomes.join(", ")
                ));
                let edges = self.edges();
                let reached = edges.iter().filter(|e| e.2 > 0).count();
                out.push_str(&format!("handoffs reached: {reached} of {}\n", edges.len()));
                for (from, to, taken) in edges {
                    let taken = if taken == 0 {
                        "never".to_string()
                    } else {
                        taken.to_string()
                    };
                    out.push_str(&format!("  {from} -> {to}: {taken}\n"));
                }
            }
        }
        match (&r.failure, r.passed()) {
            (_, 0) => {}
            // The campaign stops at its first failure: the few cases that passed before it
            // say nothing about what the cases reach.
            (Some(_), passed) => out.push_str(&format!(
                "{passed} case{} passed before the failure: too few to tell what the cases reach (fix the bounce and fuzz again)\n{}",
                if passed == 1 { "" } else { "s" },
                self.gaps()
            )),
            (None, _) => out.push_str(&self.effectiveness()),
        }
        out
    }

    /// What the regressions that pass now say.
    fn fixed_text(&self) -> String {
        let mut out = String::new();
        for known in self.fixed {
            let path = known.path.display();
            out.push_str(&match known.frozen {
                false => format!(
                    "regression {path}: passes, the bounce no longer happens (`handoff test` keeps checking it)\n"
                ),
                true => format!(
                    "regression {path}: the bounce no longer happens with this design, but the file holds its own old copy of the design, so `handoff test` still runs that copy: delete it (regressions written now name their scenario)\n"
                ),
            });
        }
        out
    }

    /// The shares of the passing runs that ended completed, human-exhausted, model-failed
    /// and otherwise, in that order (all 0 when none passed).
    fn shares(&self) -> [(&'static str, f64); 4] {
        let outcomes = &self.report.outcomes;
        let total = self.report.passed().max(1) as f64;
        let named = ["completed", "human-exhausted", "model-failed"];
        let count = |kind: &str| outcomes.get(kind).copied().unwrap_or(0);
        let other: u64 = outcomes
            .iter()
            .filter(|(k, _)| !named.contains(k))
            .map(|(_, n)| n)
            .sum();
        [
            (named[0], count(named[0]) as f64 / total),
            (named[1], count(named[1]) as f64 / total),
            (named[2], count(named[2]) as f64 / total),
            ("other", other as f64 / total),
        ]
    }

    /// Distinct handoff edges the passing runs took.
    fn distinct_edges(&self) -> usize {
        self.report.edges.values().filter(|n| **n > 0).count()
    }

    /// Per second of the campaign.
    fn per_second(&self, n: usize) -> f64 {
        n as f64 / self.seconds.max(1e-9)
    }

    /// What the cases reached, how they ended, and the gaps of the scripts they met.
    fn effectiveness(&self) -> String {
        let r = self.report;
        let states = r.states.len();
        let edges = self.distinct_edges();
        let passed = r.passed();
        let mut out = format!(
            "reached: {states} (agent, deciding state) pairs ({:.1}/s), {edges} of {} handoff edges ({:.1}/s); {:.1}% of runs got past the first human reply\n",
            self.per_second(states),
            self.edges().len(),
            self.per_second(edges),
            100.0 * r.past_first_turn as f64 / passed.max(1) as f64,
        );
        let shares: Vec<String> = self
            .shares()
            .iter()
            .map(|(kind, share)| format!("{:.1}% {kind}", 100.0 * share))
            .collect();
        out.push_str(&format!("shares of the {passed} passing runs: {}\n", shares.join(", ")));
        out.push_str(&self.gaps());
        out
    }

    /// The gaps of the scripts the passing cases met.
    fn gaps(&self) -> String {
        let r = self.report;
        let mut out = String::new();
        if !r.gaps.is_empty() {
            out.push_str(
                "script gaps (an agent's script had no answer for the input: a gap in the scenario, not a finding of the design):\n",
            );
            for (agent, gap) in &r.gaps {
                out.push_str(&format!(
                    "  {}: {} run{}, e.g. after {:?}: {}\n",
                    self.scenario.design.agent(*agent).name,
                    gap.cases,
                    if gap.cases == 1 { "" } else { "s" },
                    gap.example,
                    gap.message
                ));
            }
        }
        out
    }

    fn json(&self) -> serde_json::Value {
        let r = self.report;
        let failure = r.failure.as_ref().map(|found| {
            json!({
                "violation": found.violation.to_string(),
                "replies": found.case.replies,
                "overrides": found.case.overrides,
                "conversation": found.run.text(),
                "regression": self.written.map(|p| p.display().to_string()),
                "reproduce": self.reproduce(),
            })
        });
        json!({
            "scenario": self.scenario.name,
            "file": self.args.file.display().to_string(),
            "seed": self.args.seed,
            "jobs": self.jobs,
            "shard": self.args.shard.map(|s| format!("{}/{}", s.index + 1, s.count)),
            "confused": self.args.confused,
            "cases": r.cases,
            "seconds": self.seconds,
            "cases_per_second": r.cases as f64 / self.seconds.max(1e-9),
            "passed": r.failure.is_none() && !r.interrupted,
            "interrupted": r.interrupted,
            "outcomes": r.outcomes,
            "edges": self.edges().into_iter().map(|(from, to, taken)| json!({ "from": from, "to": to, "taken": taken })).collect::<Vec<_>>(),
            "failure": failure,
            "regressions_passing": self.fixed.iter().map(|k| json!({ "file": k.path.display().to_string(), "frozen_copy": k.frozen })).collect::<Vec<_>>(),
            "passing_runs": r.passed(),
            "distinct_agent_states": r.states.len(),
            "distinct_agent_states_per_second": self.per_second(r.states.len()),
            "distinct_edges": self.distinct_edges(),
            "distinct_edges_per_second": self.per_second(self.distinct_edges()),
            "design_edges": self.edges().len(),
            "past_first_turn": r.past_first_turn,
            "past_first_turn_share": r.past_first_turn as f64 / r.passed().max(1) as f64,
            "outcome_shares": self.shares().iter().map(|(kind, share)| (kind.to_string(), json!(share))).collect::<serde_json::Map<_, _>>(),
            "script_gaps": r.gaps.iter().map(|(agent, gap)| json!({
                "agent": self.scenario.design.agent(*agent).name,
                "cases": gap.cases,
                "example": gap.example,
                "message": gap.message,
            })).collect::<Vec<_>>(),
        })
    }
}

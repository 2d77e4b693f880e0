//! One scenario under several profiles, side by side: where the conversations part, what each
//! model call saw under each framework (messages added or missing), and how each run ended.
//! The migration report of `handoff compare`.
//!
//! ```
//! use handoff_harness::compare::Comparison;
//! use handoff_harness::Profile;
//!
//! let profiles = [&Profile::SEMANTIC_KERNEL, &Profile::AGENT_FRAMEWORK];
//! let comparison = Comparison::load("scenarios/customer_support.json", &profiles)?;
//! assert!(!comparison.identical());
//! // Every model call saw the same messages, but Agent Framework has no `complete_task`: the
//! // last reply is text, and the frameworks spell a transfer differently.
//! assert_eq!(comparison.differing_calls().count(), 0);
//! assert!(comparison.first_difference.is_some() && !comparison.surfaces_agree());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::future::Future;
use std::path::Path;

use crate::design::ToolKind;
use crate::engine::{Model, ModelError, ModelRequest, Profile, Response, Run, block_on};
use crate::files::FileError;
use crate::scenario::{Scenario, ScenarioError};

mod view;

pub use view::{CallView, conversation};

/// The runs of one scenario under each profile, and where they differ from the first.
#[derive(Debug)]
pub struct Comparison {
    /// Each profile's run, in the order given; the first is the baseline.
    pub sides: Vec<Side>,
    /// Where the conversations first part, if they do.
    pub first_difference: Option<FirstDifference>,
    /// Every model call that some profile made, in the baseline's order (calls only other
    /// profiles made after theirs), with its differences from the baseline.
    pub calls: Vec<CallComparison>,
}

/// One profile's run.
#[derive(Debug)]
pub struct Side {
    /// The profile.
    pub profile: &'static Profile,
    /// The run.
    pub run: Run,
    /// Every model call, as its agent saw it.
    pub views: Vec<CallView>,
    /// Its conversation in neutral lines, with each line's event index.
    pub conversation: Vec<(usize, String)>,
    /// How the framework spells a transfer, completes, and answers a transfer.
    pub surface: Surface,
}

/// The framework's own spelling, compared once instead of at every call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Surface {
    /// The first transfer function offered to the first agent, as sent on the wire.
    pub transfer_tool: Option<String>,
    /// The completion function, as sent on the wire; `None` where the framework has none.
    pub completion_tool: Option<String>,
    /// The result text of the run's first transfer, as its model read it.
    pub transfer_result: Option<String>,
}

/// Where the conversations first part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstDifference {
    /// Position in the neutral conversation (0 for the task).
    pub line: usize,
    /// Each profile's line there (`None` where its conversation had ended), in side order.
    pub lines: Vec<Option<String>>,
}

/// One agent's n-th model call across the profiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallComparison {
    /// The agent.
    pub agent: String,
    /// Which call of the agent (1 for its first).
    pub call: u32,
    /// The run-wide call number under each profile (`None`: not made there), in side order.
    pub model_calls: Vec<Option<usize>>,
    /// How each other profile's view differs from the baseline's; profiles that saw the same
    /// are left out.
    pub differences: Vec<ViewDifference>,
}

/// How one profile's view of a call differs from the baseline's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewDifference {
    /// The profile.
    pub profile: &'static str,
    /// The call was made under the baseline but not under this profile (`Some(false)`), or
    /// only under this profile (`Some(true)`); `None` when both made it.
    pub only: Option<bool>,
    /// Messages this profile's model read that the baseline's did not.
    pub added: Vec<String>,
    /// Messages the baseline's model read that this profile's did not.
    pub missing: Vec<String>,
    /// Functions offered here and not under the baseline.
    pub tools_added: Vec<String>,
    /// Functions offered under the baseline and not here.
    pub tools_missing: Vec<String>,
}

/// A comparison that cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// The scenario does not load or run under one of the profiles.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// Fewer than two profiles, or one given twice.
    #[error("{0}")]
    Profiles(String),
}

impl Comparison {
    /// Loads the scenario at `path` under each of `profiles` (two or more, each once), runs
    /// its scripted model and human, and compares the runs with the first's. A script a
    /// profile cannot express is an error naming the rule and the profile.
    pub fn load(path: impl AsRef<Path>, profiles: &[&'static Profile]) -> Result<Comparison, CompareError> {
        if profiles.len() < 2 {
            return Err(CompareError::Profiles(
                "--profiles: compare needs at least two profiles".into(),
            ));
        }
        if let Some((i, p)) = profiles.iter().enumerate().find(|(i, p)| profiles[..*i].contains(p)) {
            return Err(CompareError::Profiles(format!(
                "--profiles: profile `{}` is given twice (at positions {} and {} of the list)",
                p.name,
                profiles.iter().position(|q| q == p).map_or(0, |first| first + 1),
                i + 1
            )));
        }
        let mut sides = Vec::with_capacity(profiles.len());
        for &profile in profiles {
            sides.push(Side::run(path.as_ref(), profile)?);
        }
        let first_difference = first_difference(&sides);
        let calls = compare_calls(&sides);
        Ok(Comparison {
            sides,
            first_difference,
            calls,
        })
    }

    /// Whether every profile had the same conversation, the same views, the same tool
    /// surface and the same outcome.
    pub fn identical(&self) -> bool {
        self.first_difference.is_none()
            && self.calls.iter().all(|c| c.differences.is_empty())
            && self.outcomes_agree()
            && self.surfaces_agree()
    }

    /// Whether every framework spells and answers the handoff functions alike.
    pub fn surfaces_agree(&self) -> bool {
        self.sides[1..].iter().all(|s| s.surface == self.sides[0].surface)
    }

    /// Whether every run ended the same way (same kind, agent and text).
    pub fn outcomes_agree(&self) -> bool {
        let baseline = self.sides[0].run.outcome_json();
        self.sides[1..].iter().all(|s| s.run.outcome_json() == baseline)
    }

    /// The model calls whose views differ under some profile.
    pub fn differing_calls(&self) -> impl Iterator<Item = &CallComparison> {
        self.calls.iter().filter(|c| !c.differences.is_empty())
    }
}

impl Side {
    fn run(path: &Path, profile: &'static Profile) -> Result<Side, ScenarioError> {
        // Loaded even if it names a recording of another profile, to say what compare needs.
        let scenario = Scenario::load_mismatched(path, profile)?;
        if scenario.recording.is_some() {
            return Err(FileError::invalid(
                &scenario.file,
                "model",
                "names a recording, made under one profile; compare runs a scenario's scripted model under each",
            )
            .into());
        }
        let (_, model) = scenario.orchestration()?;
        let mut model = Capture {
            inner: model,
            views: Vec::new(),
        };
        let run = block_on(scenario.run_with(&mut model)).map_err(ScenarioError::Runtime)??;
        let conversation = conversation(run.design(), profile, run.log());
        let surface = Surface::of(&run);
        Ok(Side {
            profile,
            views: model.views,
            conversation,
            surface,
            run,
        })
    }
}

impl Surface {
    fn of(run: &Run) -> Surface {
        let design = run.design();
        let tools = design.tools(design.start());
        let wire = |kind: fn(ToolKind) -> bool| {
            tools
                .iter()
                .find(|t| kind(t.kind))
                .map(|t| t.qualified_name.to_string())
        };
        let log = run.log();
        let transfer_result = log
            .events()
            .iter()
            .enumerate()
            .find_map(|(i, event)| match &event.kind {
                crate::engine::EventKind::ToolResult { output, .. } => {
                    let call = log.tool_call(i as u32)?;
                    let agent = event.agent?;
                    matches!(design.resolve_tool(agent, &call.name)?.kind, ToolKind::Transfer(_))
                        .then(|| output.text().unwrap_or(run.settings().profile.wire.nothing).to_string())
                }
                _ => None,
            });
        Surface {
            transfer_tool: wire(|k| matches!(k, ToolKind::Transfer(_))),
            completion_tool: wire(|k| k == ToolKind::Complete),
            transfer_result,
        }
    }
}

/// The scripted model, keeping each call's view.
struct Capture<M> {
    inner: M,
    views: Vec<CallView>,
}

impl<M: Model> Model for Capture<M> {
    fn respond(&mut self, request: &ModelRequest<'_>) -> impl Future<Output = Result<Response, ModelError>> + Send {
        self.views.push(CallView::of(request, self.views.len() + 1));
        self.inner.respond(request)
    }

    fn state(&self) -> Option<u64> {
        self.inner.state()
    }
}

fn first_difference(sides: &[Side]) -> Option<FirstDifference> {
    let longest = sides.iter().map(|s| s.conversation.len()).max().unwrap_or(0);
    let line = |side: &Side, i: usize| side.conversation.get(i).map(|(_, l)| l.clone());
    (0..longest)
        .find(|&i| sides[1..].iter().any(|s| line(s, i) != line(&sides[0], i)))
        .map(|i| FirstDifference {
            line: i,
            lines: sides.iter().map(|s| line(s, i)).collect(),
        })
}

/// The calls of every side keyed by (agent, n-th call of the agent), the baseline's first.
fn compare_calls(sides: &[Side]) -> Vec<CallComparison> {
    let mut keys: Vec<(&str, u32)> = Vec::new();
    for side in sides {
        for view in &side.views {
            if !keys.contains(&(view.agent.as_str(), view.call)) {
                keys.push((view.agent.as_str(), view.call));
            }
        }
    }
    keys.into_iter()
        .map(|key| {
            let baseline = find(&sides[0], key);
            CallComparison {
                agent: key.0.to_string(),
                call: key.1,
                model_calls: sides.iter().map(|s| find(s, key).map(|v| v.model_call)).collect(),
                differences: sides[1..]
                    .iter()
                    .filter_map(|side| difference(side.profile.name, baseline, find(side, key)))
                    .collect(),
            }
        })
        .collect()
}

fn find<'a>(side: &'a Side, (agent, call): (&str, u32)) -> Option<&'a CallView> {
    side.views.iter().find(|v| v.agent == agent && v.call == call)
}

fn difference(profile: &'static str, baseline: Option<&CallView>, other: Option<&CallView>) -> Option<ViewDifference> {
    let empty = Vec::new();
    let (a, b) = (
        baseline.map_or(&empty, |v| &v.messages),
        other.map_or(&empty, |v| &v.messages),
    );
    let (missing, added) = changes(a, b);
    let (ta, tb) = (
        baseline.map_or(&empty, |v| &v.tools),
        other.map_or(&empty, |v| &v.tools),
    );
    let tools_missing: Vec<String> = ta.iter().filter(|t| !tb.contains(t)).cloned().collect();
    let tools_added: Vec<String> = tb.iter().filter(|t| !ta.contains(t)).cloned().collect();
    let only = match (baseline, other) {
        (Some(_), None) => Some(false),
        (None, Some(_)) => Some(true),
        _ => None,
    };
    let same =
        only.is_none() && missing.is_empty() && added.is_empty() && tools_missing.is_empty() && tools_added.is_empty();
    (!same).then_some(ViewDifference {
        profile,
        only,
        added,
        missing,
        tools_added,
        tools_missing,
    })
}

/// The lines of `a` not in `b` and of `b` not in `a`, by a line diff (order kept).
fn changes(a: &[String], b: &[String]) -> (Vec<String>, Vec<String>) {
    let (a, b): (Vec<&str>, Vec<&str>) = (
        a.iter().map(String::as_str).collect(),
        b.iter().map(String::as_str).collect(),
    );
    let diff = similar::TextDiff::configure().diff_slices(&a, &b);
    let (mut missing, mut added) = (Vec::new(), Vec::new());
    for change in diff.iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Delete => missing.push(change.value().to_string()),
            similar::ChangeTag::Insert => added.push(change.value().to_string()),
            similar::ChangeTag::Equal => {}
        }
    }
    (missing, added)
}

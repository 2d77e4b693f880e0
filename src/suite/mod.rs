//! A suite: every scenario in a directory, each run twice (the two event logs must be
//! identical), checked against its `expect` block and its snapshot. `handoff test` runs one.

use std::path::{Path, PathBuf};

use crate::engine::{Profile, Run};
use crate::scenario::{Check, Scenario};

pub mod header;
pub mod junit;
pub mod served;
pub mod snapshot;

use snapshot::Comparison;

/// Where a suite's scenarios and snapshots are, and which scenarios to run.
#[derive(Debug, Clone)]
pub struct Suite {
    /// The directory searched (recursively) for `*.json` scenarios; recordings
    /// (`*.recording.json`) are not scenarios and are skipped.
    pub dir: PathBuf,
    /// Where snapshots live: `<snapshots>/<name>.snap`.
    pub snapshots: PathBuf,
    /// Only scenarios whose name contains this text.
    pub filter: Option<String>,
    /// Run every scenario under this profile instead of its own (`handoff test --profile`);
    /// snapshots are then `<name>@<profile>.snap`, as insta names a snapshot with a suffix,
    /// so each framework's conversations are kept and reviewed apart.
    pub profile: Option<&'static Profile>,
    /// Only these scenario files (`handoff test FILE...`), instead of every file below `dir`.
    pub only: Vec<PathBuf>,
}

/// Why one scenario failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The file did not load: bad input.
    Load(String),
    /// The run could not start (no task or model).
    Run(String),
    /// An expectation that did not hold.
    Expectation(Check),
    /// The two runs of the scenario differ.
    Nondeterministic {
        /// Index of the first differing event (or `events` length where one log is shorter).
        index: usize,
        /// That event in the first run (JSON).
        first: String,
        /// That event in the second run (JSON).
        second: String,
    },
    /// The run is broken: it ended because the scripted model could not answer (no rule
    /// matched, no script, the responses used up), and the scenario does not expect
    /// `model-failed`. Its snapshot is not compared nor written: a broken run is not a
    /// conversation to accept.
    BrokenRun {
        /// Why, as the run's text ends: one rule tried per line, then hints.
        reason: String,
        /// The same as structured fields (see [`crate::engine::ModelError::detail`]).
        detail: serde_json::Value,
    },
    /// No accepted snapshot yet.
    NewSnapshot {
        /// The accepted snapshot's path.
        snapshot: PathBuf,
    },
    /// The snapshot differs from the accepted one.
    ChangedSnapshot {
        /// The accepted snapshot's path.
        snapshot: PathBuf,
        /// Unified diff.
        diff: String,
    },
    /// A snapshot file could not be read or written.
    SnapshotIo(String),
}

impl Failure {
    /// Whether the failure is bad input (a file that does not load) rather than a failed run.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Failure::Load(_) | Failure::Run(_) | Failure::SnapshotIo(_))
    }

    /// One-line summary.
    pub fn summary(&self) -> String {
        match self {
            Failure::Load(message) | Failure::Run(message) | Failure::SnapshotIo(message) => message.clone(),
            Failure::Expectation(c) => format!("expect.{}: expected {}, got {}", c.name, c.expected, c.actual),
            Failure::Nondeterministic { index, .. } => {
                format!("not deterministic: event {index} differs between two runs")
            }
            Failure::BrokenRun { .. } => {
                "the run is broken: the scripted model could not answer, so the snapshot was not compared (fix the script, then run again)".into()
            }
            Failure::NewSnapshot { snapshot } => {
                format!(
                    "new snapshot: {} (review and accept it)",
                    snapshot::pending_path(snapshot).display()
                )
            }
            Failure::ChangedSnapshot { snapshot, .. } => format!(
                "snapshot changed: {} differs from {}",
                snapshot::pending_path(snapshot).display(),
                snapshot.display()
            ),
        }
    }
}

/// The result of one scenario.
#[derive(Debug, Clone)]
pub struct ScenarioReport {
    /// The scenario's name (its path below the suite directory, without `.json`).
    pub name: String,
    /// Its file.
    pub file: PathBuf,
    /// Its snapshot file.
    pub snapshot: PathBuf,
    /// How the run ended (`None` if it did not run).
    pub outcome: Option<String>,
    /// Everything that went wrong; empty when it passed.
    pub failures: Vec<Failure>,
    /// Why it was not run, if it was not: a design file has no task or model (it is for
    /// `handoff analyze`).
    pub ignored: Option<String>,
    /// What a passing scenario adds to its `ok`: a regression's bounce no longer happens
    /// ([`Scenario::note`]).
    pub note: Option<String>,
}

impl ScenarioReport {
    /// Whether the scenario passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
    /// Whether its snapshot is pending review (new or changed).
    pub fn pending_snapshot(&self) -> bool {
        self.failures
            .iter()
            .any(|f| matches!(f, Failure::NewSnapshot { .. } | Failure::ChangedSnapshot { .. }))
    }
    /// Drops the snapshot failures, once the pending snapshot was accepted.
    pub fn snapshot_accepted(&mut self) {
        self.failures
            .retain(|f| !matches!(f, Failure::NewSnapshot { .. } | Failure::ChangedSnapshot { .. }));
    }
}

/// A suite that cannot run at all.
#[derive(Debug, thiserror::Error)]
#[error("{dir}: {message}")]
pub struct SuiteError {
    /// The directory.
    pub dir: String,
    /// What is wrong.
    pub message: String,
}

impl Suite {
    /// A suite of the scenarios in `dir`, with snapshots in the `snapshots` directory beside it.
    pub fn new(dir: impl Into<PathBuf>) -> Suite {
        let dir = dir.into();
        let snapshots = dir.parent().unwrap_or(Path::new(".")).join("snapshots");
        Suite {
            dir,
            snapshots,
            filter: None,
            profile: None,
            only: Vec::new(),
        }
    }

    /// The suite a scenario file belongs to: the nearest folder above it that has a
    /// `snapshots` folder beside it (so the file keeps the name and snapshot it has when its
    /// whole suite runs), else the file's own folder; the suite runs only that file.
    pub fn of_file(file: &Path) -> Suite {
        let folder = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir = folder
            .ancestors()
            .filter(|d| !d.as_os_str().is_empty())
            .find(|d| d.parent().unwrap_or(Path::new(".")).join("snapshots").is_dir())
            .unwrap_or(folder);
        let mut suite = Suite::new(dir);
        suite.only = vec![file.to_path_buf()];
        suite
    }

    /// The scenario files, sorted, filtered: every `*.json` below the directory but
    /// recordings, in folders that are not hidden (`.name`); links to folders are not
    /// followed (so a link loop cannot trap the walk), links to files are read. Two files
    /// whose snapshots would share a name are an error naming both.
    pub fn files(&self) -> Result<Vec<PathBuf>, SuiteError> {
        let mut files = match self.only.is_empty() {
            true => self.all_files()?,
            false => self.only.clone(),
        };
        files.retain(|f| self.filter.as_deref().is_none_or(|text| self.name(f).contains(text)));
        Ok(files)
    }

    /// Every scenario file below the directory, unfiltered.
    fn all_files(&self) -> Result<Vec<PathBuf>, SuiteError> {
        let error = |message: String| SuiteError {
            dir: self.dir.display().to_string(),
            message,
        };
        let mut files = Vec::new();
        let walk = walkdir::WalkDir::new(&self.dir)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walk {
            let entry = entry.map_err(|e| {
                // walkdir's own text repeats the path; name a file below the folder only.
                let below = e.path().filter(|p| *p != self.dir.as_path());
                let what = e
                    .io_error()
                    .map_or_else(|| e.to_string(), |io| format!("cannot read: {io}"));
                match below {
                    Some(path) => error(format!("{}: {what}", path.display())),
                    None => error(what),
                }
            })?;
            let path = entry.path();
            let is_file = entry.file_type().is_file()
                || (entry.file_type().is_symlink() && std::fs::metadata(path).is_ok_and(|m| m.is_file()));
            if is_file
                && path.extension().is_some_and(|e| e == "json")
                && !path.to_string_lossy().ends_with(".recording.json")
            {
                files.push(path.to_path_buf());
            }
        }
        files.sort();
        let mut snapshots: std::collections::BTreeMap<PathBuf, &PathBuf> = std::collections::BTreeMap::new();
        for file in &files {
            if let Some(other) = snapshots.insert(self.snapshot_path(file), file) {
                return Err(error(format!(
                    "{} and {} would share the snapshot {}; rename one of them",
                    other.display(),
                    file.display(),
                    self.snapshot_path(file).display()
                )));
            }
        }
        Ok(files)
    }

    /// The snapshots in the snapshot folder that no scenario of the directory writes (under
    /// its own profile or any chosen one: `<name>@<profile>.snap`), sorted; what insta's
    /// `--unreferenced` finds. Empty when the folder does not exist. (A served conversation's
    /// snapshot, [`served`], is among them: the test that wrote it references it.)
    pub fn unreferenced(&self) -> Result<Vec<PathBuf>, SuiteError> {
        let referenced: std::collections::BTreeSet<PathBuf> =
            self.all_files()?.iter().map(|f| self.snapshot_named(f, "")).collect();
        let entries = match std::fs::read_dir(&self.snapshots) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(SuiteError {
                    dir: self.snapshots.display().to_string(),
                    message: format!("cannot list the snapshots: {e}"),
                });
            }
        };
        let mut unreferenced = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".snap") else {
                continue;
            };
            let stem = match stem.rsplit_once('@') {
                Some((stem, profile)) if Profile::parse(profile).is_ok() => stem,
                _ => stem,
            };
            if !referenced.contains(&self.snapshots.join(format!("{stem}.snap"))) {
                unreferenced.push(path);
            }
        }
        unreferenced.sort();
        Ok(unreferenced)
    }

    /// The name of a scenario file: its path below the suite directory, without `.json`
    /// (a suite of one file, given as its directory, names it by its file name).
    pub fn name(&self, file: &Path) -> String {
        let relative = match file.strip_prefix(&self.dir) {
            Ok(below) if !below.as_os_str().is_empty() => below,
            _ => Path::new(file.file_name().unwrap_or(file.as_os_str())),
        }
        .with_extension("");
        relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The snapshot file of a scenario: `<snapshots>/<name>.snap`, `/` in the name as `__`
    /// (`<name>@<profile>.snap` when the suite runs under a chosen profile).
    pub fn snapshot_path(&self, file: &Path) -> PathBuf {
        let suffix = self.profile.map(|p| format!("@{}", p.name)).unwrap_or_default();
        self.snapshot_named(file, &suffix)
    }

    /// `<snapshots>/<name><suffix>.snap`.
    fn snapshot_named(&self, file: &Path, suffix: &str) -> PathBuf {
        self.snapshots
            .join(format!("{}{suffix}.snap", self.name(file).replace('/', "__")))
    }

    /// Runs one scenario file: load, run twice, compare, check expectations and snapshot.
    pub fn run_one(&self, file: &Path) -> ScenarioReport {
        let mut report = ScenarioReport {
            name: self.name(file),
            file: file.to_path_buf(),
            snapshot: self.snapshot_path(file),
            outcome: None,
            failures: Vec::new(),
            ignored: None,
            note: None,
        };
        let scenario = match Scenario::load_under(file, self.profile) {
            Ok(s) => s,
            Err(e) => {
                report.failures.push(Failure::Load(e.to_string()));
                return report;
            }
        };
        if scenario.is_design_only() {
            report.ignored = Some("design file (no task, model or user)".into());
            return report;
        }
        let ((first, verdict), second) = match (scenario.run_checked_blocking(), scenario.run_blocking()) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                report.failures.push(Failure::Run(e.to_string()));
                return report;
            }
        };
        report.outcome = Some(first.outcome().kind().to_string());
        if let Some(failure) = first_difference(&first, &second) {
            report.failures.push(failure);
        }
        report.note = scenario.note(&verdict);
        report.failures.extend(
            verdict
                .checks
                .into_iter()
                .filter(|c| !c.passed)
                .map(Failure::Expectation),
        );
        if let Some(broken) = broken(&scenario, &first) {
            // The expectations' failures follow the reason.
            report.failures.insert(0, broken);
            return report;
        }
        if scenario.base.is_some() {
            // A regression proves its `expect` with the conversation the design gives now;
            // a fix changes that conversation, so it has no snapshot.
            return report;
        }
        let input = file.display().to_string();
        match snapshot::compare(&report.snapshot, &snapshot::contents(&first), "handoff test", &input) {
            Ok(Comparison::Matched) => {}
            Ok(Comparison::New { .. }) => report.failures.push(Failure::NewSnapshot {
                snapshot: report.snapshot.clone(),
            }),
            Ok(Comparison::Changed { diff, .. }) => report.failures.push(Failure::ChangedSnapshot {
                snapshot: report.snapshot.clone(),
                diff,
            }),
            Err(e) => report.failures.push(Failure::SnapshotIo(format!(
                "{}: cannot read or write the snapshot: {e}",
                report.snapshot.display()
            ))),
        }
        report
    }
}

/// The failure of a run its script could not finish, unless the scenario expects that.
fn broken(scenario: &Scenario, run: &Run) -> Option<Failure> {
    let crate::engine::Outcome::ModelFailed {
        detail: Some(detail), ..
    } = run.outcome()
    else {
        return None;
    };
    if scenario.expect.outcome.as_deref() == Some(run.outcome().kind()) {
        return None;
    }
    Some(Failure::BrokenRun {
        reason: run.outcome_line(),
        detail: (**detail).clone(),
    })
}

fn first_difference(a: &Run, b: &Run) -> Option<Failure> {
    a.first_difference(b)
        .map(|(index, first, second)| Failure::Nondeterministic { index, first, second })
}

//! Reliability: hostile inputs (the corpus in `tests/hostile/`), runs that would never end,
//! network faults, files that must not be lost or overwritten, folders that loop.

use std::path::{Path, PathBuf};

use crate::endpoint::{Answer, Endpoint, answers_of};
use crate::support::{arg, handoff_within, root};

/// The kinds of file the corpus holds: folder, file ending, the commands that read them.
const KINDS: [(&str, &str, &[&str]); 3] = [
    ("scenario", "json", &["run", "test", "fuzz", "analyze", "record"]),
    ("recording", "json", &["replay"]),
    ("log", "jsonl", &["import"]),
];

/// The command line that makes `command` read `file`, writing only below `tmp`.
fn command_line(command: &str, file: &Path, tmp: &Path) -> Vec<String> {
    let file = arg(file).to_string();
    let at = |name: &str| arg(&tmp.join(name)).to_string();
    let words: Vec<String> = match command {
        "run" => vec!["run".into(), file],
        "test" => vec!["test".into(), file, "--snapshots".into(), at("snapshots")],
        "fuzz" => vec![
            "fuzz".into(),
            file,
            "--cases".into(),
            "200".into(),
            "--jobs".into(),
            "1".into(),
            "--regressions".into(),
            at("regressions"),
        ],
        "analyze" => vec!["analyze".into(), file],
        // Nothing listens on port 9: a scenario that loads fails at the first call.
        "record" => vec![
            "record".into(),
            file,
            "--base-url".into(),
            "http://127.0.0.1:9/v1".into(),
            "--model".into(),
            "m".into(),
            "--out".into(),
            at("recording.json"),
        ],
        "replay" => vec![
            "replay".into(),
            "scenarios/customer_support.json".into(),
            "--transcript".into(),
            file,
        ],
        "import" => vec![
            "import".into(),
            file,
            "--design".into(),
            "tests/hostile/log/design.json".into(),
            "--out".into(),
            at("imported.json"),
            "--force".into(),
        ],
        other => panic!("no command line for `{other}`"),
    };
    words
}

/// A case's expectations: per command, the exit code and the words the output must hold.
/// `* CODE WORDS` applies to every command of the kind that has no line of its own.
fn expectations(text: &str, commands: &[&str]) -> Vec<(String, i32, String)> {
    let mut lines: Vec<(String, i32, String)> = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let mut parts = line.splitn(3, ' ');
        let (command, code, words) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap_or(""));
        lines.push((command.to_string(), code.parse().unwrap(), words.to_string()));
    }
    let named: Vec<String> = lines.iter().map(|l| l.0.clone()).filter(|c| c != "*").collect();
    let mut out = Vec::new();
    for (command, code, words) in lines {
        if command == "*" {
            for c in commands.iter().filter(|c| !named.iter().any(|n| n == *c)) {
                out.push((c.to_string(), code, words.clone()));
            }
        } else {
            assert!(commands.contains(&command.as_str()), "unknown command `{command}`");
            out.push((command, code, words));
        }
    }
    out
}

#[test]
fn every_hostile_input_gets_the_exit_code_and_the_words_its_case_names() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (kind, ending, commands) in KINDS {
        let dir = root().join("tests/hostile").join(kind);
        let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "expect"))
            .collect();
        cases.sort();
        assert!(cases.len() >= 5, "{kind}: the corpus was found");
        for case in cases {
            let input = case.with_extension(ending);
            assert!(input.exists(), "{} has no input {}", case.display(), input.display());
            let relative = input.strip_prefix(root()).unwrap().to_path_buf();
            for (command, code, words) in expectations(&std::fs::read_to_string(&case).unwrap(), commands) {
                let tmp = tempfile::tempdir().unwrap();
                let line = command_line(&command, &relative, tmp.path());
                let args: Vec<&str> = line.iter().map(String::as_str).collect();
                let output = handoff_within(&args, 60);
                let text = format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
                checked += 1;
                if output.status.code() != Some(code) || !text.contains(&words) {
                    failures.push(format!(
                        "{} with `{}`: expected exit {code} and `{words}`, got {:?}:\n{text}",
                        relative.display(),
                        line.join(" "),
                        output.status.code()
                    ));
                }
            }
        }
    }
    assert!(checked >= 40, "{checked} checks");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every file the corpus has needs a case, so that none sits there untested.
#[test]
fn every_file_of_the_corpus_has_its_expectations() {
    for (kind, ending, _) in KINDS {
        for entry in std::fs::read_dir(root().join("tests/hostile").join(kind)).unwrap() {
            let path = entry.unwrap().path();
            let design = path.file_name().is_some_and(|n| n == "design.json");
            if path.extension().is_some_and(|e| e == ending) && !design {
                assert!(
                    path.with_extension("expect").exists(),
                    "{} has no .expect",
                    path.display()
                );
            }
        }
    }
}

/// The unbounded design, copied where commands may write beside it.
fn unbounded(dir: &Path) -> PathBuf {
    let path = dir.join("scenarios/unbounded.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::copy(
        root().join("tests/hostile/scenario/unbounded_call_counting.json"),
        &path,
    )
    .unwrap();
    path
}

#[test]
fn a_run_with_every_limit_off_ends_in_every_command_that_runs_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = unbounded(dir.path());
    let scenarios = arg(file.parent().unwrap()).to_string();
    let snapshots = arg(&dir.path().join("snapshots")).to_string();
    let regressions = arg(&dir.path().join("regressions")).to_string();
    let cases: [(&[&str], i32, &str); 4] = [
        (&["run", arg(&file)], 1, "endless loop: A -> B -> A"),
        (
            &["test", &scenarios, "--snapshots", &snapshots],
            1,
            "0 passed, 1 failed",
        ),
        (
            &["fuzz", arg(&file), "--cases", "1000", "--regressions", &regressions],
            1,
            "regression scenario written",
        ),
        (&["analyze", "--coverage", &scenarios], 0, "2 of 2 handoffs exercised"),
    ];
    for (args, code, words) in cases {
        let output = handoff_within(args, 30);
        let text = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(code), "{args:?}: {text}");
        assert!(text.contains(words), "{args:?}: {text}");
    }
}

#[test]
fn the_ceiling_stops_a_model_that_cannot_name_its_state() {
    use handoff_harness::engine::{NoHuman, Outcome};
    use handoff_harness::{Agent, Design, Limits, Orchestration, Response};
    let design = Design::builder()
        .agent(Agent::new("A"))
        .agent(Agent::new("B"))
        .handoff("A", "B", "to B")
        .handoff("B", "A", "to A")
        .build()
        .unwrap();
    // No limits, no loop proof (the model's state is unknown): only the ceiling is left.
    let mut model = crate::support::FnModel(|r: &handoff_harness::ModelRequest<'_>| {
        Response::handoff(if r.agent_name() == "A" { "B" } else { "A" })
    });
    let orchestration = Orchestration::new(design)
        .task("go")
        .limits(Limits::none().ceiling(300));
    let run = crate::support::run(&orchestration, &mut model, &mut NoHuman);
    assert!(
        matches!(run.outcome(), Outcome::CeilingReached { events: 300, .. }),
        "{:?}",
        run.outcome()
    );
    assert!(
        run.log().len() <= 300 + 4,
        "stops at the ceiling: {} events",
        run.log().len()
    );
    assert!(run.outcome().is_bounce());
    let json = run.to_json();
    assert_eq!(json["outcome"]["kind"], "ceiling-reached");
    assert_eq!(json["outcome"]["limit"], "max_events");
    assert!(run.text().contains("raise limits.max_events"));
}

#[test]
fn durations_of_any_size_from_the_server_or_the_command_line_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/refund.json");
    for header in [
        ("retry-after", "1e20"),
        ("retry-after", "1e309"),
        ("retry-after-ms", "1e300"),
        ("retry-after", "Sun, 06 Nov 99999 08:49:37 GMT"),
    ] {
        let endpoint = Endpoint::start([Answer::Status(
            429,
            vec![(header.0, header.1.to_string())],
            r#"{"error":{"message":"slow down"}}"#.into(),
        )]);
        let out = dir.path().join("r.json");
        let output = handoff_within(
            &[
                "record",
                arg(&scenario),
                "--base-url",
                &endpoint.base_url,
                "--model",
                "m",
                "--out",
                arg(&out),
                "--retries",
                "1",
                "--max-wait",
                "1",
            ],
            30,
        );
        let text = String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr);
        assert_ne!(output.status.code(), Some(101), "{header:?} panicked: {text}");
        assert_eq!(output.status.code(), Some(1), "{header:?}: {text}");
        // A wait too long to hold is refused; a date that is no date is no wait (backoff).
        assert!(
            text.contains("more than the 1.0 s allowed") || text.contains("after 2 attempts"),
            "{header:?}: {text}"
        );
    }
    for flag in ["--timeout", "--max-wait"] {
        for value in ["1e30", "1e19", "inf", "-1", "0"] {
            let setting = format!("{flag}={value}");
            let output = handoff_within(
                &[
                    "record",
                    arg(&scenario),
                    "--base-url",
                    "http://127.0.0.1:9/v1",
                    "--model",
                    "m",
                    &setting,
                ],
                10,
            );
            let text = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{flag} {value}: {text}");
            assert!(
                text.contains(value) && text.contains("seconds"),
                "{flag} {value}: {text}"
            );
        }
    }
}

#[test]
fn nothing_is_called_when_the_recording_could_not_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let scenario = root().join("scenarios/refund.json");
    let endpoint = Endpoint::start(Vec::new());
    let out = blocker.join("refund.recording.json");
    let output = handoff_within(
        &[
            "record",
            arg(&scenario),
            "--base-url",
            &endpoint.base_url,
            "--model",
            "m",
            "--out",
            arg(&out),
        ],
        30,
    );
    let text = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("cannot write the recording there") && text.contains("no model was called"),
        "{text}"
    );
    assert!(endpoint.received().is_empty(), "no call was paid for");
}

#[test]
fn no_command_writes_over_a_file_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("refund.json");
    std::fs::copy(root().join("scenarios/refund.json"), &scenario).unwrap();
    let before = std::fs::read(&scenario).unwrap();
    let endpoint = Endpoint::start(Vec::new());
    let output = handoff_within(
        &[
            "record",
            arg(&scenario),
            "--base-url",
            &endpoint.base_url,
            "--model",
            "m",
            "--out",
            arg(&dir.path().join("./refund.json")),
            "--mode",
            "all",
        ],
        30,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is the scenario being recorded"));
    assert!(endpoint.received().is_empty());

    let log = dir.path().join("log.jsonl");
    std::fs::copy(root().join("tests/hostile/log/valid.jsonl"), &log).unwrap();
    let design = dir.path().join("design.json");
    std::fs::copy(root().join("tests/hostile/log/design.json"), &design).unwrap();
    for (out, what) in [(&design, "is the design"), (&log, "is the log being imported")] {
        let output = handoff_within(
            &[
                "import",
                arg(&log),
                "--design",
                arg(&design),
                "--out",
                arg(out),
                "--force",
            ],
            30,
        );
        assert_eq!(output.status.code(), Some(2), "{what}");
        assert!(String::from_utf8_lossy(&output.stderr).contains(what));
    }
    assert_eq!(std::fs::read(&scenario).unwrap(), before);
    assert_eq!(
        std::fs::read(&log).unwrap(),
        std::fs::read(root().join("tests/hostile/log/valid.jsonl")).unwrap()
    );
}

#[test]
fn a_short_key_is_not_redacted_and_a_pattern_that_matches_nothing_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = handoff_harness::Scenario::load(root().join("scenarios/refund.json")).unwrap();
    let endpoint = Endpoint::start(answers_of(&scenario.run_blocking().unwrap()));
    let out = dir.path().join("refund.recording.json");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args([
            "record",
            arg(&root().join("scenarios/refund.json")),
            "--base-url",
            &endpoint.base_url,
            "--model",
            "m",
            "--out",
            arg(&out),
        ])
        .env("OPENAI_API_KEY", "a")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("too short to redact"));
    let recording = std::fs::read_to_string(&out).unwrap();
    assert!(!recording.contains("[REDACTED]"), "ordinary words are left alone");
    assert!(recording.contains("Thank you for reaching out"));
    for pattern in ["", ".*"] {
        let output = handoff_within(
            &[
                "record",
                arg(&root().join("scenarios/refund.json")),
                "--base-url",
                &endpoint.base_url,
                "--model",
                "m",
                "--out",
                arg(&dir.path().join("other.json")),
                "--redact",
                pattern,
            ],
            30,
        );
        assert_eq!(output.status.code(), Some(2), "--redact {pattern:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("matches the empty string"));
    }
}

#[test]
fn every_shard_of_a_campaign_runs_cases_or_says_why_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let regressions = arg(&dir.path().join("regressions")).to_string();
    let scenario = "scenarios/customer_support.json";
    let mut total = 0;
    for shard in 1..=5 {
        let shard = format!("{shard}/5");
        let output = handoff_within(
            &[
                "fuzz",
                scenario,
                "--cases",
                "1000",
                "--shard",
                &shard,
                "--format",
                "json",
                "--regressions",
                &regressions,
            ],
            60,
        );
        assert_eq!(output.status.code(), Some(0), "shard {shard}");
        let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let cases = summary["cases"].as_u64().unwrap();
        assert!(cases >= 100, "shard {shard} ran {cases} cases");
        total += cases;
    }
    assert_eq!(total, 1000, "the shards make the whole campaign");
    let output = handoff_within(
        &[
            "fuzz",
            scenario,
            "--cases",
            "3",
            "--shard",
            "5/5",
            "--regressions",
            &regressions,
        ],
        30,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("a campaign in 5 shards needs at least 5 cases"));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_a_campaign_with_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args([
            "fuzz",
            "scenarios/customer_support.json",
            "--cases",
            "1000000000",
            "--regressions",
            arg(&dir.path().join("regressions")),
        ])
        .current_dir(root())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(130), "{text}");
    assert!(text.contains("interrupted: ") && text.contains("cases in"), "{text}");
}

#[cfg(unix)]
#[test]
fn a_folder_that_links_to_itself_is_walked_once_and_hidden_folders_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = dir.path().join("scenarios");
    std::fs::create_dir_all(scenarios.join(".hidden")).unwrap();
    std::fs::copy(root().join("scenarios/refund.json"), scenarios.join("refund.json")).unwrap();
    std::fs::copy(
        root().join("scenarios/refund.json"),
        scenarios.join(".hidden/refund.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(".", scenarios.join("self")).unwrap();
    let snapshots = dir.path().join("snapshots");
    let output = handoff_within(&["test", arg(&scenarios), "--snapshots", arg(&snapshots)], 30);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("0 passed, 1 failed"),
        "one scenario, once (a new snapshot): {text}"
    );
    assert_eq!(std::fs::read_dir(&snapshots).unwrap().count(), 1, "one .snap.new");

    std::fs::create_dir(scenarios.join("a")).unwrap();
    std::fs::copy(root().join("scenarios/refund.json"), scenarios.join("a/b.json")).unwrap();
    std::fs::copy(root().join("scenarios/refund.json"), scenarios.join("a__b.json")).unwrap();
    let output = handoff_within(&["test", arg(&scenarios), "--snapshots", arg(&snapshots)], 30);
    let text = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("would share the snapshot"), "{text}");
}

#[cfg(unix)]
#[test]
fn a_pipe_is_refused_instead_of_read_forever() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("scenario.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for args in [vec!["run", arg(&fifo)], vec!["analyze", arg(&fifo)]] {
        let output = handoff_within(&args, 10);
        let text = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {text}");
        assert!(text.contains("not a regular file"), "{text}");
    }
}

mod arbitrary_json {
    use std::sync::mpsc;
    use std::time::Duration;

    use proptest::prelude::*;
    use serde_json::Value;

    use crate::support::root;

    /// Any JSON value, a few levels deep.
    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "\\PC{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(("[a-z_]{1,10}", inner), 0..6)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
    }

    /// `base` with the value at one place (chosen by `path`) replaced by `new`.
    fn mutate(base: &Value, path: &[usize], new: Value) -> Value {
        let mut out = base.clone();
        let mut pointer = String::new();
        for &step in path {
            let Some(at) = out.pointer(&pointer) else { break };
            let next = match at {
                Value::Object(map) if !map.is_empty() => map
                    .keys()
                    .nth(step % map.len())
                    .unwrap()
                    .replace('~', "~0")
                    .replace('/', "~1"),
                Value::Array(items) if !items.is_empty() => (step % items.len()).to_string(),
                _ => break,
            };
            pointer.push('/');
            pointer.push_str(&next);
        }
        if let Some(at) = out.pointer_mut(&pointer) {
            *at = new;
        }
        out
    }

    /// Runs `f` on its own thread; a panic or more than a second is a failure.
    fn within_a_second(f: impl FnOnce() + Send + 'static) -> Result<(), TestCaseError> {
        let (done, wait) = mpsc::channel();
        std::thread::spawn(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = done.send(result.is_ok());
        });
        match wait.recv_timeout(Duration::from_secs(1)) {
            Ok(true) => Ok(()),
            Ok(false) => Err(TestCaseError::fail("panicked")),
            Err(_) => Err(TestCaseError::fail("took more than a second")),
        }
    }

    fn shipped(name: &str) -> Value {
        serde_json::from_str(&std::fs::read_to_string(root().join(name)).unwrap()).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn no_scenario_recording_or_log_panics_or_hangs(whole in value(), path in prop::collection::vec(any::<usize>(), 0..6), part in value()) {
            let scenario = mutate(&shipped("scenarios/customer_support.json"), &path, part.clone());
            let recording = mutate(&shipped("scenarios/customer_support.recording.json"), &path, part.clone());
            for text in [whole.to_string(), scenario.to_string()] {
                within_a_second(move || {
                    if let Ok(s) = handoff_harness::Scenario::parse(&text, "x.json", None) {
                        let _ = s.run_blocking();
                    }
                    let _ = handoff_harness::scenario::DesignFile::parse(&text, "x.json", None);
                })?;
            }
            for text in [whole.to_string(), recording.to_string()] {
                within_a_second(move || {
                    let _ = handoff_harness::wire::Transcript::parse(&text, "x.json");
                })?;
            }
            let log = format!("{}\n{}\n", whole, serde_json::json!({"request": part, "response": whole}));
            within_a_second(move || {
                let design = handoff_harness::Scenario::load(root().join("scenarios/customer_support.json")).unwrap().design;
                if let Ok(entries) = handoff_harness::wire::log_entries(&log) {
                    let _ = handoff_harness::wire::Transcript::import(&design, &handoff_harness::engine::Profile::SEMANTIC_KERNEL, "x", &entries);
                }
            })?;
        }
    }
}

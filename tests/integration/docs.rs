//! Every shell example in the README and the guide is run here, or accounted for, so no doc goes
//! stale.
//!
//! The files: `README.md`, `docs/*.md`, `python/README.md`, `scenarios/README.md` and every
//! `examples/**/README.md` (found by walking the folder, so a new one is covered).
//!
//! Rules for doc writers:
//!
//! - A **shell command** is a line of an indented (4 spaces) code block, or of a fenced block
//!   (```` ``` ````, `sh`, `bash`, `console`, `text`), that starts with a program (`handoff `,
//!   `cargo `, `python`, `pip `, `examples/`, `target/`, `PROFILE=`, `OPENAI_`, ... see
//!   [`PROGRAMS`]). A trailing `\` continues it on the next line; a trailing `# comment` is not
//!   part of it. In a block where some line starts with `$ `, and in `console` and `text`
//!   blocks, only the `$ ` lines are commands and the lines after one are its output. Any other
//!   line is output, never a command. A block right after `<!-- output: handoff ARGS -->` is the
//!   output of `handoff ARGS`, compared with the real one (`UPDATE_README=1` rewrites it).
//! - `handoff ARGS` and `cargo run [--release] -- ARGS` are **run** with the binary under test,
//!   from the repository root, with no API key in the environment. The exit status must be 0,
//!   or the one the command's comment names (`# ... exit 1`). The output shown after a `$ `
//!   line is compared like a marked block: exactly, or line by line in order when the block
//!   holds a `...` line; `…` inside a line stands for anything.
//! - A command that needs what a test does not have (a live model, the user's own app or file)
//!   is run up to where it needs it, in [`PARSE_ONLY`], with what it must say there.
//! - Any other command is in [`ELSEWHERE`], with why it is not run here and which test runs it.
//!
//! A command that is neither run nor listed fails the test (file, line, what to do), and so does
//! a table entry no doc shows any more.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{output_within, root};

/// How a command line starts (after an optional `$ `).
const PROGRAMS: &[&str] = &[
    "handoff ",
    "cargo ",
    "python",
    "pip ",
    "pytest",
    "examples/",
    "scripts/",
    "python/",
    "target/",
    "PROFILE=",
    "ZIG=",
    "OPENAI_",
    "export ",
    ".ci/",
    "PY=",
    "git ",
    "sh ",
    "bash ",
    "env ",
];

const REAL_APP: &str = "real_app::the_real_tutorial_sample_under_serve_is_the_tutorial_line_for_line_and_replays";
const REAL_OAI: &str = "real_app::the_agents_sdk_customer_service_example_under_serve_is_each_request_the_expected_one";
const REAL_AF: &str = "real_af::the_support_desk_wired_as_the_samples_are_passes_strict_serve_over_foundry";
const PYTEST_EXAMPLES: &str = "pytest_examples::the_examples_pass_in_process_and_a_changed_reply_fails_with_the_diff";
const WHEEL: &str = "wheel::the_wheel_installs_without_rust_and_its_binary_module_and_pytest_plugin_work";

/// Commands shown but not run here: (the command as the doc shows it, without its comment;
/// why, and which test runs it instead).
const ELSEWHERE: &[(&str, &str)] = &[
    ("cargo test", "the test suite itself, this test included"),
    ("cargo test --test integration wheel", "part of this suite: `wheel`"),
    (".ci/run", "CI: fmt, clippy and docs, then this suite"),
    (
        "cargo install --path . --locked",
        "writes into the user's cargo home; the binary it installs is the one this suite builds and runs",
    ),
    ("examples/semantic-kernel/setup.sh", REAL_APP),
    (
        "cargo run --release -- serve scenarios/customer_support.json -- examples/semantic-kernel/python.sh examples/semantic-kernel/step4_handoff.py",
        REAL_APP,
    ),
    (
        "handoff serve scenarios/customer_support.json -- examples/semantic-kernel/python.sh examples/semantic-kernel/step4_handoff.py",
        REAL_APP,
    ),
    (
        "OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 OPENAI_API_KEY=any OPENAI_CHAT_MODEL_ID=any examples/semantic-kernel/python.sh examples/semantic-kernel/step4_handoff.py < replies.txt",
        "PORT is a running serve's: serve gives the app these variables in real_app::the_real_tutorial_sample_under_serve_is_the_tutorial_line_for_line_and_replays",
    ),
    ("examples/openai-agents/setup.sh", REAL_OAI),
    (
        "cargo run --release -- serve --task-on-stdin examples/openai-agents/customer_service.json -- examples/openai-agents/python.sh examples/openai-agents/main.py",
        REAL_OAI,
    ),
    (
        "handoff serve --task-on-stdin examples/openai-agents/customer_service.json -- examples/openai-agents/python.sh examples/openai-agents/main.py",
        REAL_OAI,
    ),
    (
        "handoff serve --task-on-stdin examples/openai-agents/escalation.json -- examples/openai-agents/python.sh examples/openai-agents/escalation.py",
        "real_app::the_agents_sdk_handoff_inputs_example_gets_the_scenario_s_arguments_in_its_callback",
    ),
    (
        "OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 OPENAI_API_KEY=any OPENAI_DEFAULT_MODEL=any examples/openai-agents/python.sh examples/openai-agents/main.py < messages.txt",
        "PORT is a running serve's: serve gives the app these variables in real_app::the_agents_sdk_customer_service_example_under_serve_is_each_request_the_expected_one",
    ),
    ("PY=$(examples/published/agent-framework/setup.sh | tail -n 1)", REAL_AF),
    (
        "handoff serve examples/agent-framework/support_desk.json -- \"$PY\" examples/agent-framework/support_desk.py",
        REAL_AF,
    ),
    (
        "handoff serve examples/published/agent-framework/handoff_simple.json -- \"$PY\" handoff_simple.py",
        "the sample is not redistributed here (the user's copy); its scenario runs in real_app::the_published_samples_scenarios_run_as_their_samples_document",
    ),
    (
        "export OPENAI_API_KEY=sk-...",
        "a key no test has; the `handoff record` after it is parse-checked here",
    ),
    ("python/build-wheel.sh", WHEEL),
    (
        "PROFILE=release python/build-wheel.sh",
        "a release build (minutes on 2 cores); no test runs it: wheel runs the same script with the default profile",
    ),
    (
        "ZIG=1 PROFILE=release python/build-wheel.sh",
        "a release build linked by zig, downloaded; no test runs it (checked by hand when publishing)",
    ),
    (
        "target/python/maturin-venv/bin/maturin sdist --out target/python/sdist",
        "needs the maturin venv of python/build-wheel.sh; no test runs it (checked by hand when publishing)",
    ),
    (
        "pip install handoff-harness",
        "the published package, from the package index; wheel installs the wheel built from this tree instead",
    ),
    ("python -m handoff_harness --version", WHEEL),
    (
        "handoff discover --write-design design.json --write-scenario scenario.json -- python app.py",
        "`app.py` is the reader's; discover::the_tutorial_sample_shows_the_tutorials_design_and_replays_strict runs it on the tutorial",
    ),
    ("examples/pytest/setup.sh", PYTEST_EXAMPLES),
    (
        "target/examples/pytest/venv/bin/python -m pytest examples/pytest",
        PYTEST_EXAMPLES,
    ),
    (
        "handoff test --review examples/pytest/snapshots",
        "asks a person (refused with `CI` set); its --accept twin runs in serve::outputs::a_served_conversation_is_snapshotted_and_handoff_test_accepts_its_changes",
    ),
    (
        "examples/pytest/lint-workflow.sh examples/pytest/github-workflow.yml",
        "pytest_examples::the_github_workflow_is_accepted_by_actionlint",
    ),
    (
        "scripts/graphviz.sh",
        "drawings::* render the DOT drawings with the dot it prints",
    ),
    (
        "scripts/render-mermaid.sh design.mmd design.svg",
        "drives a browser (Chromium), too heavy for CI; run by hand, its figures are in docs/analyze.md",
    ),
];

/// Commands run only up to where they need what no test has: (command, what its output must
/// contain there, why it stops there). None may fail as a usage error.
const PARSE_ONLY: &[(&str, &str, &str)] = &[
    (
        "handoff record scenarios/customer_support.json --base-url https://api.openai.com/v1 --model gpt-4o-mini",
        "customer_support.recording.json: exists",
        "a live model and a key: it stops before the network, at the shipped recording (record::* record against a loopback server)",
    ),
    (
        "handoff import production.jsonl --design scenarios/customer_support.json",
        "production.jsonl: cannot read",
        "production.jsonl is the user's log (record::a_chat_completions_log_imports_as_a_recording_that_replays_strictly imports one)",
    ),
    (
        "handoff serve scenarios/customer_support.json -- python my_app.py",
        "app: the app exited with status",
        "my_app.py is the user's app: serve starts it, it is missing (real_app::* serve real apps)",
    ),
];

/// Commands that write beside their input (fuzz's regression scenario): run in a scratch folder
/// holding copies of the files they name, never in the repository.
const SCRATCH: &[&str] = &["handoff fuzz scenarios/mixed_requests.json"];

/// Commands whose shown output is not compared: (command, why).
const UNCOMPARED: &[(&str, &str)] = &[
    (
        "cargo run --release -- bench scenarios/customer_support.json",
        "timings, memory and cpu are the machine's (bench::bench_file_prints_the_figures_as_json)",
    ),
    (
        "cargo run --release -- bench pingpong --handoffs 1000000",
        "timings, memory and cpu are the machine's (bench::bench_pingpong_prints_the_figures_as_text)",
    ),
    (
        "cargo run --release -- fuzz scenarios/mixed_requests.json --regressions target/regressions --seed 2 --cases 1000",
        "its first line names the machine's job count (fuzz::*)",
    ),
];

/// A shell command in a doc.
struct Shown {
    place: String,
    command: String,
    comment: String,
    output: Option<String>,
}

/// The doc files, relative to the repository root.
fn files() -> Vec<PathBuf> {
    fn readmes(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                readmes(&path, found);
            } else if path.file_name().is_some_and(|n| n == "README.md") {
                found.push(path);
            }
        }
    }
    let root = root();
    let mut guide: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    guide.sort();
    let mut examples = Vec::new();
    readmes(&root.join("examples"), &mut examples);
    examples.sort();
    let mut files = vec![root.join("README.md")];
    files.extend(guide);
    files.extend([root.join("python/README.md"), root.join("scenarios/README.md")]);
    files.extend(examples);
    files
        .into_iter()
        .map(|p| p.strip_prefix(&root).unwrap().to_path_buf())
        .collect()
}

fn is_command(line: &str) -> bool {
    PROGRAMS.iter().any(|p| line.starts_with(p))
}

/// The command starting at `lines[at]` (continued by trailing `\`), its comment, and the index
/// of its last line.
fn command_at(lines: &[&str], at: usize, first: &str) -> (String, String, usize) {
    let (mut text, mut end) = (first.to_string(), at);
    while text.trim_end().ends_with('\\') && end + 1 < lines.len() {
        text = format!("{} {}", text.trim_end().trim_end_matches('\\'), lines[end + 1].trim());
        end += 1;
    }
    let (command, comment) = text.split_once(" #").unwrap_or((&text, ""));
    (
        command.split_whitespace().collect::<Vec<_>>().join(" "),
        comment.trim().to_string(),
        end,
    )
}

/// Every shell command of the doc at `file`.
fn shown(file: &Path) -> Vec<Shown> {
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let place = |i: usize| format!("{}:{}", file.display(), i + 1);
    let mut i = 0;
    while i < lines.len() {
        if let Some(info) = lines[i].strip_prefix("```") {
            let end = (i + 1..lines.len()).find(|&j| lines[j].starts_with("```")).unwrap();
            let body = &lines[i + 1..end];
            let marked = i > 0 && lines[i - 1].starts_with("<!-- output: ");
            let prompted = matches!(info, "console" | "text") || body.iter().any(|l| l.starts_with("$ "));
            if !marked && matches!(info, "" | "sh" | "bash" | "console" | "text") {
                let mut k = 0;
                while k < body.len() {
                    let first = if prompted {
                        body[k].strip_prefix("$ ")
                    } else {
                        Some(body[k])
                    };
                    match first.filter(|l| prompted || is_command(l)) {
                        Some(first) => {
                            let (command, comment, last) = command_at(body, k, first);
                            let next = (last + 1..body.len()).find(|&j| body[j].starts_with("$ "));
                            let shown_output = &body[last + 1..next.unwrap_or(body.len())];
                            let output = (prompted && !shown_output.is_empty())
                                .then(|| shown_output.iter().map(|l| format!("{l}\n")).collect());
                            found.push(Shown {
                                place: place(i + 1 + k),
                                command,
                                comment,
                                output,
                            });
                            k = if prompted { next.unwrap_or(body.len()) } else { last + 1 };
                        }
                        None => k += 1,
                    }
                }
            }
            i = end + 1;
        } else if lines[i].starts_with("    ") && (i == 0 || lines[i - 1].trim().is_empty()) {
            let end = (i..lines.len())
                .find(|&j| !lines[j].starts_with("    ") && !lines[j].trim().is_empty())
                .unwrap_or(lines.len());
            let body: Vec<&str> = lines[i..end].iter().map(|l| l.get(4..).unwrap_or("")).collect();
            let mut k = 0;
            while k < body.len() {
                let first = body[k].strip_prefix("$ ").unwrap_or(body[k]);
                if is_command(first) {
                    let (command, comment, last) = command_at(&body, k, first);
                    found.push(Shown {
                        place: place(i + k),
                        command,
                        comment,
                        output: None,
                    });
                    k = last;
                }
                k += 1;
            }
            i = end;
        } else {
            i += 1;
        }
    }
    found
}

/// The arguments `handoff` gets from `command`, if it runs the binary.
fn handoff_args(command: &str) -> Option<Vec<&str>> {
    let args = ["handoff ", "cargo run --release -- ", "cargo run -- "]
        .iter()
        .find_map(|p| command.strip_prefix(p))?;
    Some(args.split(' ').collect())
}

/// Runs `args` from the repository root, or from `scratch` holding copies of the files they name.
fn run(args: &[&str], scratch: bool) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let cwd = if scratch {
        for arg in args.iter().filter(|a| root().join(a).is_file()) {
            std::fs::create_dir_all(dir.path().join(arg).parent().unwrap()).unwrap();
            std::fs::copy(root().join(arg), dir.path().join(arg)).unwrap();
        }
        dir.path().to_path_buf()
    } else {
        root()
    };
    let mut command = Command::new(env!("CARGO_BIN_EXE_handoff"));
    command.args(args).current_dir(cwd).env("NO_COLOR", "1");
    for key in [
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_ENDPOINT",
    ] {
        command.env_remove(key);
    }
    let out = output_within(command, &format!("handoff {}", args.join(" ")), 120);
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap();
    (out.status.code().unwrap_or(-1), text(out.stdout), text(out.stderr))
}

/// Whether `actual` is the line `shown`, where `…` in `shown` stands for anything.
fn line_matches(shown: &str, actual: &str) -> bool {
    let parts: Vec<&str> = shown.split('…').collect();
    let mut rest = match actual.strip_prefix(parts[0]) {
        Some(rest) => rest,
        None => return false,
    };
    for (n, part) in parts.iter().enumerate().skip(1) {
        if n == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Checks shown output against the actual: line by line in order when it holds a `...` line,
/// else exactly (`…` inside a line stands for anything).
fn compare(place: &str, shown: &str, actual: &str) {
    let mut remaining = actual.lines();
    if shown.lines().any(|l| l == "...") {
        for line in shown.lines().filter(|l| *l != "...") {
            assert!(
                remaining.any(|l| line_matches(line, l)),
                "{place}: `{line}` is not in the output, in order:\n{actual}"
            );
        }
    } else if shown.contains('…') {
        let lines: Vec<&str> = remaining.collect();
        assert!(
            lines.len() == shown.lines().count() && shown.lines().zip(&lines).all(|(s, a)| line_matches(s, a)),
            "{place}: the output differs:\n{actual}"
        );
    } else {
        assert_eq!(shown, actual, "{place}");
    }
}

fn is_usage_error(text: &str) -> bool {
    [
        "error: unexpected argument",
        "error: invalid value",
        "Usage:",
        "error: the following required",
    ]
    .iter()
    .any(|m| text.contains(m))
}

/// The exit status a command's comment names (`exit N`, `exits N`), else 0.
fn documented_exit(comment: &str) -> i32 {
    let words: Vec<&str> = comment.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| matches!(w[0].trim_matches(|c: char| !c.is_alphabetic()), "exit" | "exits"))
        .and_then(|w| w[1].trim_matches(|c: char| !c.is_ascii_digit()).parse().ok())
        .unwrap_or(0)
}

#[test]
fn every_shell_example_is_run_or_accounted_for() {
    let all: Vec<Shown> = files().iter().flat_map(|f| shown(f)).collect();
    let mut unaccounted = Vec::new();
    let (mut ran, mut parsed, mut listed) = (Vec::<String>::new(), 0, 0);
    for shown in &all {
        let command = shown.command.as_str();
        let place = format!("{}: `{command}`", shown.place);
        if ELSEWHERE.iter().any(|(c, _)| *c == command) {
            listed += 1;
        } else if let Some((_, says, _)) = PARSE_ONLY.iter().find(|(c, _, _)| *c == command) {
            let (code, stdout, stderr) = run(&handoff_args(command).unwrap(), false);
            let all = format!("{stdout}{stderr}");
            assert!(!is_usage_error(&all), "{place}: a usage error (exit {code}):\n{all}");
            assert!(
                all.contains(says),
                "{place}: does not say `{says}` (exit {code}):\n{all}"
            );
            parsed += 1;
        } else if let Some(args) = handoff_args(command).filter(|a| !a.iter().any(|a| a.contains(['$', '"', '<', '|'])))
        {
            let expected = documented_exit(&shown.comment);
            let (code, stdout, stderr) = run(&args, SCRATCH.contains(&command));
            assert!(!is_usage_error(&stderr), "{place}: a usage error:\n{stderr}");
            assert_eq!(
                code, expected,
                "{place}: exit status (a `# exit N` comment says another):\n{stdout}{stderr}"
            );
            if let Some(output) = shown
                .output
                .as_ref()
                .filter(|_| !UNCOMPARED.iter().any(|(c, _)| *c == command))
            {
                compare(&place, output, &stdout);
            }
            ran.push(command.to_string());
        } else {
            unaccounted.push(format!(
                "{place} is neither run nor accounted for: write it as `handoff ARGS` (or `cargo run \
                 [--release] -- ARGS`) to have tests/integration/docs.rs run it, or add it to ELSEWHERE \
                 (why not here, and the test that runs it) or PARSE_ONLY in tests/integration/docs.rs"
            ));
        }
    }
    let commands: Vec<&str> = all.iter().map(|s| s.command.as_str()).collect();
    let tables = ELSEWHERE.iter().map(|e| e.0).chain(PARSE_ONLY.iter().map(|e| e.0));
    for stale in tables
        .chain(SCRATCH.iter().copied())
        .chain(UNCOMPARED.iter().map(|e| e.0))
    {
        if !commands.contains(&stale) {
            unaccounted.push(format!(
                "`{stale}` is in a table of tests/integration/docs.rs but in no doc: remove it"
            ));
        }
    }
    assert!(unaccounted.is_empty(), "{}", unaccounted.join("\n"));
    ran.sort();
    ran.dedup();
    eprintln!(
        "docs: {} commands shown; {} distinct run, {parsed} parse-checked, {listed} listed",
        all.len(),
        ran.len()
    );
    assert!(ran.len() >= 8 && parsed == PARSE_ONLY.len(), "{ran:?}");
}

#[test]
fn readme_examples_are_real_output() {
    let update = std::env::var_os("UPDATE_README").is_some_and(|v| v == "1");
    let mut checked = 0;
    for file in files() {
        let path = root().join(&file);
        let readme = std::fs::read_to_string(&path).unwrap();
        let mut updated = readme.clone();
        for marked in readme.split("\n<!-- output: handoff ").skip(1) {
            let (command, rest) = marked.split_once(" -->\n").unwrap();
            let block = rest.split_once("\n").unwrap().1.split_once("```\n").unwrap().0;
            let args: Vec<&str> = command.split(' ').collect();
            let (_, actual, _) = run(&args, false);
            let place = format!("{} block of `handoff {command}`", file.display());
            if update && !block.lines().any(|l| l == "...") {
                let fence = rest.split_once("\n").unwrap().0;
                updated = updated.replacen(
                    &format!("{command} -->\n{fence}\n{block}```\n"),
                    &format!("{command} -->\n{fence}\n{actual}```\n"),
                    1,
                );
            } else {
                compare(&format!("{place} (UPDATE_README=1 rewrites it)"), block, &actual);
            }
            checked += 1;
        }
        if update && updated != readme {
            std::fs::write(&path, updated).unwrap();
        }
    }
    assert!(checked >= 6, "only {checked} blocks checked");
}

//! `examples/pytest/`: the Semantic Kernel tutorial sample and the Agents SDK's customer-service
//! sample tested in-process with the pytest plugin, as a user runs them: the wheel installed
//! (`examples/pytest/setup.sh`, with the frameworks from the package index), no cargo on
//! `PATH`. Green as committed; red, with the diff in pytest's own output, once one reply of the
//! scenario is changed (in a copy of the files the test reads).

use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::support::{root, setup_once_with};
use crate::wheel::{path_without_cargo, succeeded, wheel};

/// The venv of the examples, the wheel installed in it (cached under `target/`).
fn python() -> std::path::PathBuf {
    static READY: OnceLock<Result<std::path::PathBuf, String>> = OnceLock::new();
    setup_once_with(&READY, "examples/pytest/setup.sh", &[wheel().as_os_str()])
}

/// `python -m pytest ARGS` in `cwd`, the venv first on a `PATH` without cargo.
fn pytest(cwd: &Path, args: &[&str]) -> Output {
    let python = python();
    let bin = python.parent().unwrap();
    Command::new(&python)
        .args(["-m", "pytest", "-p", "no:cacheprovider", "-q"])
        .args(args)
        .current_dir(cwd)
        .env("PATH", format!("{}:{}", bin.display(), path_without_cargo()))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env(
            "HANDOFF_OAI_SAMPLE_DIR",
            root().join("target/examples/openai-agents/sdk"),
        )
        .env_remove("HANDOFF_BIN")
        .env_remove("PYTHONPATH")
        .env_remove("VIRTUAL_ENV")
        .output()
        .unwrap()
}

/// The summary line pytest ends with.
fn summary(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout.lines().last().unwrap_or_default().to_string()
}

#[test]
fn the_examples_pass_in_process_and_a_changed_reply_fails_with_the_diff() {
    let green = pytest(&root(), &["examples/pytest"]);
    succeeded(&green, "pytest examples/pytest");
    assert!(summary(&green).starts_with("2 passed"), "{}", summary(&green));
    assert!(
        !root().join("examples/pytest/snapshots").read_dir().unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".new")),
        "a green run leaves no pending snapshot"
    );

    // The same files, laid out as in the repository, with one reply of the tutorial's
    // scenario changed (and no recording beside it, so the scripted model answers).
    let copy = tempfile::tempdir().unwrap();
    for file in [
        "examples/pytest/conftest.py",
        "examples/pytest/test_semantic_kernel.py",
        "examples/pytest/snapshots/test_semantic_kernel__test_the_tutorial_sample_processes_a_return.snap",
        "examples/semantic-kernel/step4_handoff.py",
        "scenarios/customer_support.json",
    ] {
        let to = copy.path().join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root().join(file), &to).unwrap();
    }
    let scenario = copy.path().join("scenarios/customer_support.json");
    let text = std::fs::read_to_string(&scenario).unwrap();
    let greeting = "Hello! Thank you for reaching out. How can I assist you today?";
    assert!(text.contains(greeting));
    std::fs::write(
        &scenario,
        text.replace(greeting, "Hello! Thanks for calling. How can I help?"),
    )
    .unwrap();

    let red = pytest(copy.path(), &["examples/pytest/test_semantic_kernel.py"]);
    assert_eq!(red.status.code(), Some(1), "{}", String::from_utf8_lossy(&red.stdout));
    let stdout = String::from_utf8_lossy(&red.stdout);
    assert!(summary(&red).starts_with("1 failed"), "{stdout}");
    for line in [
        "handoff serve ",
        "snapshot: changed: ",
        "-TriageAgent: Hello! Thank you for reaching out. How can I assist you today?",
        "+TriageAgent: Hello! Thanks for calling. How can I help?",
    ] {
        assert!(stdout.contains(line), "`{line}` is not in pytest's output:\n{stdout}");
    }
}

#[test]
fn the_github_workflow_is_accepted_by_actionlint() {
    let lint = |file: &Path| {
        Command::new(root().join("examples/pytest/lint-workflow.sh"))
            .arg(file)
            .output()
            .unwrap()
    };
    let workflow = root().join("examples/pytest/github-workflow.yml");
    let accepted = lint(&workflow);
    succeeded(&accepted, "lint-workflow.sh examples/pytest/github-workflow.yml");
    assert!(
        accepted.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&accepted.stdout)
    );

    // The linter does look: the same workflow with a misspelt key and an unknown context is
    // refused, each problem named by its line.
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.yml");
    let text = std::fs::read_to_string(&workflow).unwrap();
    let text = text.replace("timeout-minutes: 15", "timeout: 15") + "      - run: echo \"${{ github.nope }}\"\n";
    std::fs::write(&broken, &text).unwrap();
    let refused = lint(&broken);
    assert_eq!(refused.status.code(), Some(1));
    let problems = String::from_utf8_lossy(&refused.stdout);
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    assert!(
        problems.contains(&format!(
            ":{}:5: unexpected key \"timeout\" for \"job\" section",
            line_of("timeout: 15")
        )),
        "{problems}"
    );
    assert!(
        problems.contains(&format!(":{}:", line_of("github.nope")))
            && problems.contains("property \"nope\" is not defined"),
        "{problems}"
    );
}

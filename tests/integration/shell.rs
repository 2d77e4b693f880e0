//! Shell habits: completions, manual pages, help with examples and exit codes, `-` for
//! standard input, colour that follows the usual variables.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::support::{handoff, root};

/// Runs `handoff ARGS` in the repository root with `env` set (and `NO_COLOR`, `CLICOLOR*`
/// and `TERM` cleared first) and `stdin` written to its standard input.
fn handoff_with(args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_handoff"));
    command
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("TERM")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn completions_for_each_shell_name_every_command() {
    for (shell, marker) in [
        ("bash", "_handoff() {"),
        ("zsh", "#compdef handoff"),
        ("fish", "complete -c handoff"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[handoff]"),
    ] {
        let out = handoff(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = text(&out.stdout);
        assert!(script.contains(marker), "{shell}: {script}");
        for command in ["run", "test", "analyze", "fuzz", "serve", "replay", "completions"] {
            assert!(script.contains(command), "{shell} completes {command}");
        }
    }
    let out = handoff(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("possible values: bash"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bash_accepts_its_completion_script() {
    let script = text(&handoff(&["completions", "bash"]).stdout);
    let out = Command::new("bash")
        .args(["-c", "eval \"$1\" && complete -p handoff", "_", &script])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("-F _handoff"), "{}", text(&out.stdout));
}

#[test]
fn the_manual_has_a_page_per_command_with_examples_and_exit_codes() {
    let page = text(&handoff(&["man"]).stdout);
    assert!(page.contains(".TH handoff 1"), "{page}");
    assert!(page.contains("Exit status: 0 the check passed"), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let out = handoff(&["man", "--out-dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for command in [
        "run", "test", "analyze", "bench", "fuzz", "record", "replay", "compare", "serve", "import",
    ] {
        let page = std::fs::read_to_string(dir.path().join(format!("handoff-{command}.1"))).unwrap();
        assert!(page.contains(&format!(".TH handoff-{command} 1")), "{command}");
        assert!(
            page.contains("Exit status:"),
            "handoff-{command}.1 names its exit codes"
        );
        assert!(
            page.contains("handoff ") && page.contains("Examples:"),
            "handoff-{command}.1 has examples"
        );
    }
}

#[test]
fn help_of_every_command_shows_an_example_and_its_exit_codes() {
    for command in [
        "run", "test", "analyze", "bench", "fuzz", "record", "replay", "compare", "serve", "import",
    ] {
        let help = text(&handoff(&[command, "--help"]).stdout);
        assert!(help.contains(&format!("$ handoff {command} ")), "{command}: {help}");
        assert!(help.contains("Exit status: 0 "), "{command}: {help}");
    }
    // Each command describes its own --format, not `run`'s.
    let test = text(&handoff(&["test", "--help"]).stdout);
    assert!(test.contains("`text` as `cargo test` prints"), "{test}");
    assert!(!test.contains("Outcome, expectations and every event"), "{test}");
    let fuzz = text(&handoff(&["fuzz", "--help"]).stdout);
    assert!(fuzz.contains("every failure with its seed"), "{fuzz}");
}

#[test]
fn a_dash_reads_the_file_from_standard_input() {
    let file = std::fs::read(root().join("scenarios/refund.json")).unwrap();
    let from_file = handoff(&["run", "scenarios/refund.json"]);
    let from_stdin = handoff_with(&["run", "-"], &[("NO_COLOR", "1")], &file);
    assert_eq!(from_stdin.status.code(), Some(0), "{}", text(&from_stdin.stderr));
    assert_eq!(text(&from_stdin.stdout), text(&from_file.stdout));
    let design = std::fs::read(root().join("scenarios/designs/customer_support_v2.json")).unwrap();
    let analyzed = handoff_with(&["analyze", "-", "--format", "json"], &[], &design);
    let value: serde_json::Value = serde_json::from_slice(&analyzed.stdout).unwrap();
    assert_eq!(value["designs"][0]["file"], "<stdin>", "{value}");
    // `fuzz` reads its file twice (the design, then its phrases): both reads see the same
    // text, and the bounce the refund design allows is found and written where asked.
    let regressions = tempfile::tempdir().unwrap();
    let dir = regressions.path().to_str().unwrap();
    let fuzzed = handoff_with(&["fuzz", "-", "--cases", "200", "--regressions", dir], &[], &file);
    assert_eq!(fuzzed.status.code(), Some(1), "{}", text(&fuzzed.stdout));
    let written: Vec<_> = std::fs::read_dir(regressions.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(written.len(), 1);
    assert!(written[0].to_string_lossy().starts_with("stdin-"), "{written:?}");
    let refused = handoff_with(&["fuzz", "-"], &[], &file);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("pass --regressions DIR"),
        "{}",
        text(&refused.stderr)
    );
    // Named `stdin` where a file's name would be used; a recording of it needs --out.
    let json = handoff_with(
        &["run", "-", "--format", "json"],
        &[],
        &std::fs::read(root().join("scenarios/no_human.json")).unwrap(),
    );
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["file"], "<stdin>");
    let record = handoff_with(
        &["record", "-", "--base-url", "http://127.0.0.1:9/v1", "--model", "m"],
        &[],
        &file,
    );
    assert_eq!(record.status.code(), Some(2));
    assert!(
        text(&record.stderr).contains("pass --out PATH"),
        "{}",
        text(&record.stderr)
    );
    let broken = handoff_with(&["run", "-"], &[], b"{\"agents\": [");
    assert_eq!(broken.status.code(), Some(2));
    assert!(
        text(&broken.stderr).starts_with("error: <stdin>:1:"),
        "{}",
        text(&broken.stderr)
    );
    let at_line_end = handoff_with(&["run", "-"], &[], b"{\"agents\": [\n");
    let said = text(&at_line_end.stderr);
    assert!(said.starts_with("error: <stdin>:2:1: "), "columns count from 1: {said}");
}

#[test]
fn colour_follows_the_flag_then_the_usual_variables() {
    let colored = |env: &[(&str, &str)], flag: &str| {
        let out = handoff_with(&["run", "scenarios/no_human.json", "--color", flag], env, b"");
        text(&out.stdout).contains("\x1b[")
    };
    assert!(!colored(&[], "auto"), "a pipe is not a terminal");
    assert!(colored(&[("CLICOLOR_FORCE", "1")], "auto"));
    assert!(
        !colored(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], "auto"),
        "NO_COLOR wins"
    );
    assert!(colored(&[("NO_COLOR", "1")], "always"), "the flag wins");
    assert!(!colored(&[("CLICOLOR_FORCE", "1")], "never"));
}

#[test]
fn fuzz_draws_a_progress_bar_on_a_terminal_and_nowhere_else() {
    let regressions = tempfile::tempdir().unwrap();
    let command = format!(
        "{} fuzz scenarios/customer_support.json --cases 3000 --jobs 1 --regressions {}",
        env!("CARGO_BIN_EXE_handoff"),
        regressions.path().display()
    );
    // `script` runs the command on a pseudo-terminal of its own.
    let on_terminal = |ci: Option<&str>| {
        let mut script = Command::new("script");
        script
            .args(["-qec", &command, "/dev/null"])
            .current_dir(root())
            .env_remove("CI");
        if let Some(ci) = ci {
            script.env("CI", ci);
        }
        let out = script
            .output()
            .expect("util-linux's script runs a command on a terminal");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
        text(&out.stdout)
    };
    let drawn = on_terminal(None);
    assert!(drawn.contains("/3000 cases"), "{drawn:?}");
    assert!(drawn.contains(" cases/s  ETA "), "{drawn:?}");
    assert!(!on_terminal(Some("true")).contains(" ETA "), "no bar in CI");
    let piped = handoff(&[
        "fuzz",
        "scenarios/customer_support.json",
        "--cases",
        "3000",
        "--regressions",
        regressions.path().to_str().unwrap(),
    ]);
    assert_eq!(piped.status.code(), Some(0));
    assert!(!text(&piped.stderr).contains(" ETA "), "{}", text(&piped.stderr));
}

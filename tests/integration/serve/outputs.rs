//! The files serve writes (`--record`, its `.partial`, `--write-design`, `--port-file`) are
//! checked once, before anything runs: distinct, none an input, none a folder; `--snapshot`
//! compares the conversation with an insta snapshot that `handoff test` reviews.

use super::{exits, path_in, small_scenario};
use crate::support::{arg, handoff};

/// `handoff serve FILE ARGS -- sh -c 'touch RAN'` with a loopback upstream that is never
/// called; asserts that it is refused with exit 2 naming `words`, and that the app never ran.
fn refused(args: &[&str], words: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let ran = path_in(&dir, "RAN");
    let mut all = vec![
        "serve",
        arg(&file),
        "--upstream",
        "http://127.0.0.1:9/v1",
        "--upstream-model",
        "m",
    ];
    let args: Vec<String> = args.iter().map(|a| a.replace("DIR", arg(dir.path()))).collect();
    all.extend(args.iter().map(String::as_str));
    let touch = format!("touch '{ran}'");
    all.extend(["--", "sh", "-c", &touch]);
    let output = handoff(&all);
    exits(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(words), "{stderr}");
    assert!(!std::path::Path::new(&ran).exists(), "the app ran");
    assert!(dir.path().join("small.json").exists(), "the scenario is kept");
}

#[test]
fn the_recording_and_the_design_cannot_name_one_file() {
    refused(
        &["--record", "DIR/out.json", "--write-design", "DIR/out.json"],
        "--record and --write-design name the same file",
    );
    refused(
        &["--record", "DIR/out.json", "--port-file", "DIR/./out.json"],
        "--record and --port-file name the same file",
    );
}

#[test]
fn the_recording_in_progress_cannot_be_the_scenario() {
    // The scenario is `conv.json.partial`, what `--record conv.json` keeps as it goes.
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let partial = dir.path().join("conv.json.partial");
    std::fs::copy(&file, &partial).unwrap();
    let record = path_in(&dir, "conv.json");
    let output = handoff(&[
        "serve",
        arg(&partial),
        "--upstream",
        "http://127.0.0.1:9/v1",
        "--upstream-model",
        "m",
        "--record",
        &record,
        "--",
        "true",
    ]);
    exits(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--record's recording in progress names an input"),
        "{stderr}"
    );
    assert!(partial.exists(), "the scenario is kept");
}

#[test]
fn a_recording_that_names_a_folder_is_refused_before_anything_runs() {
    refused(&["--record", "DIR"], "--record names a folder");
}

#[test]
fn a_recording_that_cannot_be_written_at_the_end_goes_to_the_temporary_folder() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let bodies = super::expected_bodies(&file);
    let folder = dir.path().join("out");
    let recording = folder.join("rec.json");
    let serve = super::Serve::start(&file, &["--wait", "0.3", "--record", arg(&recording)]);
    let (agent, url) = (super::client(), serve.url());
    let (last, first) = bodies.split_last().unwrap();
    for body in first {
        assert_eq!(super::chat(&agent, &url, body).status, 200);
    }
    // The folder of the recording becomes a file mid-run (as root, chmod would not stop a
    // write): the recording cannot go there.
    std::fs::remove_dir_all(&folder).unwrap();
    std::fs::write(&folder, "in the way").unwrap();
    assert_eq!(super::chat(&agent, &url, last).status, 200);
    let output = serve.finish();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let moved = stderr
        .lines()
        .find_map(|l| {
            l.split_once("; the recording was written to ")?
                .1
                .strip_suffix(" instead")
        })
        .unwrap_or_else(|| panic!("{}", super::shown(&output)));
    let kept: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(moved).unwrap()).unwrap();
    assert_eq!(kept["calls"].as_array().unwrap().len(), bodies.len());
    std::fs::remove_file(moved).unwrap();
}

#[test]
fn a_recording_to_standard_output_is_written_there_and_the_device_kept() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let bodies = super::expected_bodies(&file);
    // A link to /dev/stdout, as /dev/stdout itself is: replaced by the atomic rename before,
    // and this one may be replaced without harm.
    let link = dir.path().join("stdout");
    std::os::unix::fs::symlink("/dev/stdout", &link).unwrap();
    let serve = super::Serve::start(&file, &["--wait", "0.3", "--record", arg(&link)]);
    let (agent, url) = (super::client(), serve.url());
    for body in &bodies {
        assert_eq!(super::chat(&agent, &url, body).status, 200);
    }
    let output = serve.finish();
    exits(&output, 0);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("\"calls\": ["), "{}", super::shown(&output));
    assert!(
        std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(),
        "the link is kept"
    );
}

/// Serves `file` with `--snapshot snapshot` to a client that sends what its framework sends;
/// serve's exit status and output.
fn served_with_snapshot(file: &std::path::Path, snapshot: &std::path::Path) -> (i32, String) {
    let bodies = super::expected_bodies(file);
    let serve = super::Serve::start(file, &["--wait", "0.3", "--snapshot", arg(snapshot)]);
    let (agent, url) = (super::client(), serve.url());
    for body in &bodies {
        assert_eq!(super::chat(&agent, &url, body).status, 200);
    }
    let output = serve.finish();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn a_served_conversation_is_snapshotted_and_handoff_test_accepts_its_changes() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    let tests = dir.path().join("tests");
    let snapshot = tests.join("snapshots/test_app__test_refund.snap");
    let pending = tests.join("snapshots/test_app__test_refund.snap.new");

    // New: written beside it as .snap.new, the serve fails.
    let (code, out) = served_with_snapshot(&file, &snapshot);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("snapshot: new: written to ") && out.contains("FAIL: new snapshot"),
        "{out}"
    );
    let written = std::fs::read_to_string(&pending).unwrap();
    assert!(written.starts_with("---\nsource: handoff serve\n"), "{written}");
    // The conversation as `handoff run` prints it, then the run as JSON: what `handoff test`
    // keeps of a scenario.
    let run = handoff(&["run", arg(&file)]);
    let first_lines: Vec<&str> = std::str::from_utf8(&run.stdout).unwrap().lines().take(4).collect();
    assert!(written.contains(&first_lines.join("\n")), "{written}");

    // `handoff test` finds the pending snapshot of the folder (no scenario in it) and fails.
    let listed = handoff(&["test", arg(&tests)]);
    exits(&listed, 1);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        text.contains("scenario snapshots/test_app__test_refund (served) ... FAILED"),
        "{text}"
    );
    // --accept accepts it; the serve then passes.
    exits(&handoff(&["test", "--accept", arg(&tests)]), 0);
    assert!(snapshot.exists() && !pending.exists());
    let (code, out) = served_with_snapshot(&file, &snapshot);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("snapshot: matches {}", snapshot.display())),
        "{out}"
    );
    // An accepted served snapshot is not unreferenced (no scenario writes it).
    let again = handoff(&["test", "--unreferenced", "reject", arg(&tests)]);
    exits(&again, 0);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("nothing to review"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );

    // One reply of the scenario changed: the diff, and the accepted snapshot kept.
    let changed = std::fs::read_to_string(&file)
        .unwrap()
        .replace("is on its way", "is already on its way");
    std::fs::write(&file, changed).unwrap();
    let (code, out) = served_with_snapshot(&file, &snapshot);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("snapshot: changed: "), "{out}");
    assert!(
        out.contains("-RefundAgent: Your refund for order 7 is on its way. Anything else?")
            && out.contains("+RefundAgent: Your refund for order 7 is already on its way. Anything else?"),
        "{out}"
    );
    assert!(
        out.contains(&format!("handoff test --review {}", tests.join("snapshots").display())),
        "{out}"
    );
    let listed = handoff(&["test", "--format", "json", arg(&tests)]);
    exits(&listed, 1);
    let report: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(
        report["scenarios"][0]["failures"][0]["kind"], "changed-snapshot",
        "{report}"
    );
    exits(&handoff(&["test", "--accept", arg(&tests)]), 0);
    assert!(
        std::fs::read_to_string(&snapshot)
            .unwrap()
            .contains("is already on its way")
    );
}

#[test]
fn a_script_that_cannot_answer_is_reported_one_rule_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = small_scenario(&dir, None);
    // RefundAgent's regex misspells `order`: it cannot answer the customer's reply.
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("(?i)order (?P", "(?i)ordr (?P");
    std::fs::write(&file, text).unwrap();
    let bodies = super::expected_bodies(&file);
    let serve = super::Serve::start(&file, &["--wait", "0.3"]);
    let (agent, url) = (super::client(), serve.url());
    let (last, first) = bodies.split_last().unwrap();
    for body in first {
        assert_eq!(super::chat(&agent, &url, body).status, 200);
    }
    // The call no rule answers is refused.
    assert_ne!(super::chat(&agent, &url, last).status, 200);
    let output = serve.finish();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains(r"\n"), "{}", super::shown(&output));
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("Run stopped: the model of RefundAgent failed: no rule of `RefundAgent` matches"))
        .unwrap_or_else(|| panic!("{}", super::shown(&output)));
    assert_eq!(lines[at + 1], "  rules tried, in order:", "{stdout}");
    assert!(
        lines[at + 2].starts_with("    rules[0] (when tool_result ~ /"),
        "{stdout}"
    );
    assert!(
        lines[at + 4..].iter().any(|l| l.starts_with("  hint: model.scripted.RefundAgent.rules[2].when.user /(?i)ordr (?P<order_id>\\d+)/ would match this text if `ordr` were `order`")),
        "{stdout}"
    );
}

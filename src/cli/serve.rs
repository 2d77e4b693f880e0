//! `handoff serve`: an OpenAI-compatible endpoint that answers the user's real application
//! from a scenario, checks every request against the scenario's framework, and reports the
//! conversation as `handoff run` does; with `-- COMMAND`, it runs the app too.

use std::ffi::OsString;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use serde_json::json;

use super::output::{Color, Format, Status, bad_input, json_text, print, run_json, text_report, use_color};
use super::profile::ProfileArg;
use super::record::{http_url, positive_seconds};
use super::replay::divergence_json;
use super::serve_snapshot::Snapshot;
use handoff_harness::files::{check_outputs as check_output_files, is_stream, write_atomic};
use handoff_harness::scenario::Scenario;
use handoff_harness::serve::{
    AppCommand, AppEnd, AppEnvironment, Conversation, Matching, ObservedDesign, Options, Served, Server,
};
use handoff_harness::suite::snapshot;
use handoff_harness::wire::{Auth, Endpoint, LiveModel, Redactor};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The scenario file: its design, its model (scripted rules or a recording), its human
    /// replies and expectations. Several: each conversation of the app is a run of the one
    /// whose first request starts it (users with different tasks).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The address to listen on, `HOST:PORT` (loopback by default; port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0", value_parser = socket_address)]
    listen: SocketAddr,
    /// Write the port listened on to this file (atomically, at start; it stays after the
    /// serve, and the next serve writes it again), for scripts that start the app themselves.
    #[arg(long, value_name = "PATH")]
    port_file: Option<PathBuf>,
    /// Write the environment an app needs to reach this serve, as JSON (`{"set": {NAME:
    /// value}, "remove": [NAME], "stdin": [LINE]}`, atomically at start), for an app serve
    /// does not start itself (the pytest plugin, a script): what a wrapped app is given, and
    /// the lines it reads on its input (the human's replies; the task first with --task-on-stdin).
    #[arg(long, value_name = "PATH")]
    app_env: Option<PathBuf>,
    /// Write the conversation as a recording, for `handoff replay` and `handoff test`.
    #[arg(long, value_name = "PATH")]
    record: Option<PathBuf>,
    /// Compare the conversation with the snapshot at this path (insta's `.snap` format, as
    /// `handoff test` writes it): a new or changed one is written beside it as `PATH.new` and
    /// the serve fails; `handoff test --review` (or `--accept`) on its folder accepts it.
    #[arg(long, value_name = "PATH")]
    snapshot: Option<PathBuf>,
    /// Write the design the traffic shows (agents, functions, handoffs) as a design file,
    /// for `handoff analyze`.
    #[arg(long, value_name = "PATH")]
    write_design: Option<PathBuf>,
    /// How much of each request must be what the framework sends: `strict` (the agent, its
    /// instructions, functions and every message) or `agent` (only which agent is called).
    #[arg(long = "match", value_enum, default_value_t = Matching::Strict)]
    matching: Matching,
    /// How many conversations the app holds, at once or one after another (each a fresh run
    /// of a scenario); fewer fail, and one more is refused.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    conversations: u32,
    /// Stop the app (and report it) if it runs longer than this, in seconds; without an app,
    /// stop serving.
    #[arg(long, value_name = "SECONDS", default_value = "120", value_parser = positive_seconds)]
    timeout: Duration,
    /// After a conversation ends, how long to wait for the app to exit or ask again, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = positive_seconds)]
    wait: Duration,
    /// Forward every request to this real OpenAI-compatible endpoint instead of answering from
    /// the scenario, and record what it answers.
    #[arg(long, value_name = "URL", value_parser = http_url, requires = "upstream_model")]
    upstream: Option<String>,
    /// The model to ask upstream.
    #[arg(long, value_name = "NAME", requires = "upstream")]
    upstream_model: Option<String>,
    /// How long to wait for each answer of the upstream, in seconds (lower than `handoff
    /// record`'s: an app waits on it); serve's --timeout and a signal abandon it anyway.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = positive_seconds, requires = "upstream")]
    upstream_timeout: Duration,
    /// How many times to try an upstream call again after a timeout, a 429 or a 5xx.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "upstream")]
    upstream_retries: u32,
    /// The environment variable holding the upstream API key (never written anywhere).
    #[arg(long, value_name = "NAME", default_value = "OPENAI_API_KEY")]
    api_key_env: String,
    /// A regular expression to scrub from what the upstream answers (repeatable).
    #[arg(long, value_name = "REGEX")]
    redact: Vec<String>,
    /// Write the scenario's task to the app's input first, as its first line, before the
    /// human's replies: for an app that reads its first message from its input too, like the
    /// OpenAI Agents SDK's chat loop (`examples/openai-agents/`).
    #[arg(long)]
    task_on_stdin: bool,
    /// Output format of the report: `text`, each conversation as `handoff run` prints it, or
    /// `json`, one document per conversation with the traffic.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// When to colour text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    #[command(flatten)]
    profile: ProfileArg,
    /// The app to run against the endpoint, after `--`: it gets OPENAI_BASE_URL, a dummy
    /// OPENAI_API_KEY and the model name, and the scenario's human replies on its input
    /// (after the task, with --task-on-stdin).
    #[arg(last = true, value_name = "COMMAND")]
    command: Vec<OsString>,
}

/// `HOST:PORT`, the host a name (`localhost`) or an address.
fn socket_address(text: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    match text.to_socket_addrs() {
        Ok(mut addresses) => addresses.next().ok_or_else(|| format!("`{text}` names no address")),
        Err(error) => Err(format!("`{text}` is not HOST:PORT ({error})")),
    }
}

/// Serves the scenario of `args` and reports each conversation.
pub(crate) fn serve(args: &ServeArgs) -> Status {
    let mut scenarios = Vec::with_capacity(args.files.len());
    for file in &args.files {
        match Scenario::load_under(file, args.profile.profile) {
            Ok(scenario) => scenarios.push(scenario),
            Err(error) => return bad_input(error),
        }
    }
    if let Err(status) = check_outputs(args, &scenarios) {
        return status;
    }
    let mut options = None;
    for scenario in &scenarios {
        match self::options(args, scenario) {
            Ok(made) => options = Some(made),
            Err(status) => return status,
        }
    }
    let Some(options) = options else {
        return bad_input("serve: no scenario file given");
    };
    let scenario = scenarios[0].clone();
    for (first, second) in alike_starts(&scenarios) {
        let _ = writeln!(
            std::io::stderr().lock(),
            "warning: {} and {} start alike (the same task, start agent and functions): every conversation that starts so is a run of {}, and one meant as {} diverges where they part",
            first.file,
            second.file,
            first.file,
            second.file
        );
    }
    let stdin = handoff_harness::serve::app_input(&scenario, args.task_on_stdin);
    let app = args.command.split_first().map(|(program, rest)| AppCommand {
        program: program.clone(),
        args: rest.to_vec(),
        stdin: stdin.clone(),
        key_env: Some(args.api_key_env.clone().into()),
    });
    let outcome = handoff_harness::serve::block_on(async {
        let server = Server::bind(args.listen)
            .await
            .map_err(|e| format!("--listen {}: cannot listen there: {e}", args.listen))?;
        let url = server.url();
        if let Some(path) = &args.app_env {
            write_atomic(path, AppEnvironment::for_url(&url).to_json(&stdin).as_bytes())
                .map_err(|e| format!("{}: cannot write the app's environment: {e}", path.display()))?;
        }
        if let Some(path) = &args.port_file {
            write_atomic(path, format!("{}\n", server.address().port()).as_bytes())
                .map_err(|e| format!("{}: cannot write the port file: {e}", path.display()))?;
        }
        let _ = writeln!(std::io::stderr().lock(), "listening on {url}");
        if !server.address().ip().is_loopback() {
            let _ = writeln!(
                std::io::stderr().lock(),
                "warning: listening on {}: other machines can reach it",
                server.address()
            );
        }
        let report = Report::new(args, &scenarios);
        let (sender, receiver) = std::sync::mpsc::channel();
        let served = server
            .run_all(scenarios.clone(), options, app, move |conversation| {
                let _ = sender.send(report.conversation(&conversation));
            })
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((served, in_order(receiver.into_iter().collect())))
    });
    let (served, finished) = match outcome {
        Ok(Ok(pair)) => pair,
        Ok(Err(message)) => return bad_input(message),
        Err(error) => return bad_input(format!("cannot start the async runtime: {error}")),
    };
    if let Some(AppEnd::NotStarted(why)) = &served.app {
        return bad_input(format!("the command after `--` could not be started: {why}"));
    }
    let mut written = Ok(());
    if let Some(first) = finished.iter().find(|f| f.number == 1) {
        written = write_files(args, &scenarios[first.scenario], first);
    }
    let held = served.passed() && served.conversations >= args.conversations && written.is_ok();
    let snapshot = args.snapshot.as_ref().map(|path| {
        let contents: Vec<String> = finished.iter().filter_map(|f| f.snapshot.clone()).collect();
        Snapshot::check(path, held, &contents, &args.files)
    });
    let passed = held && snapshot.as_ref().is_none_or(Snapshot::matched);
    match args.format {
        Format::Text => {
            let color = use_color(args.color);
            let mut text = String::new();
            for f in &finished {
                text.push_str(&format!("conversation {}\n{}", f.number, f.text));
            }
            if let Some(first) = served.refused.first() {
                text.push_str(&format!(
                    "serve: {} request(s) of the app were refused; the first: {first}\n",
                    served.refused_count
                ));
            }
            if served.conversations == 0 {
                text.push_str("serve: no conversation: the app sent no model request\n");
            }
            if let Some(end) = &served.app {
                text.push_str(&format!("app: {end}\n"));
            }
            if served.interrupted {
                text.push_str("serve: interrupted (Ctrl-C, SIGTERM, SIGHUP or SIGQUIT), the conversation unfinished\n");
            }
            if served.timed_out {
                text.push_str(&format!(
                    "serve: stopped after {} s (--timeout), the conversation unfinished\n",
                    args.timeout.as_secs_f64()
                ));
            }
            if let Err(message) = &written {
                text.push_str(&format!("serve: {message}\n"));
            }
            if let Some(snapshot) = &snapshot {
                text.push_str(&snapshot.text(color));
            }
            let why = failure(&served, args.conversations, &written).or_else(|| snapshot.as_ref()?.failure());
            let verdict = match why {
                None => "PASS\n".to_string(),
                Some(why) => format!("FAIL: {why}\n"),
            };
            text.push_str(&super::output::painted(&verdict, color));
            print(&text);
        }
        Format::Json => {
            let value = json!({
                "passed": passed,
                "conversations": finished.iter().filter_map(|f| f.json.clone()).collect::<Vec<_>>(),
                "app": served.app.as_ref().map(|end| end.to_string()),
                "app_succeeded": served.app.as_ref().map(AppEnd::succeeded),
                "timed_out": served.timed_out,
                "interrupted": served.interrupted || served.app == Some(AppEnd::Interrupted),
                "refused": served.refused,
                "error": written.err(),
                "snapshot": snapshot.as_ref().map(Snapshot::to_json),
            });
            print(&json_text(&value));
        }
    }
    let interrupted = served.interrupted || served.app == Some(AppEnd::Interrupted);
    match (interrupted, passed) {
        (true, _) => Status::Interrupted,
        (false, true) => Status::Passed,
        (false, false) => Status::Failed,
    }
}

/// The pairs of scenarios whose first requests are alike: the same task, profile, and start
/// agent with the same instructions and functions. A conversation that starts so goes to the
/// first of them, though the app may have meant the second.
fn alike_starts(scenarios: &[Scenario]) -> Vec<(&Scenario, &Scenario)> {
    let start = |s: &Scenario| {
        let design = &s.design;
        let agent = design.start();
        let tools: Vec<serde_json::Value> = design.tools(agent).iter().map(|t| t.json_schema()).collect();
        (
            s.task.clone(),
            s.profile().name,
            design.agent(agent).instructions.clone(),
            tools,
        )
    };
    let starts: Vec<_> = scenarios.iter().map(start).collect();
    let mut pairs = Vec::new();
    for (i, a) in starts.iter().enumerate() {
        if let Some(j) = starts[i + 1..].iter().position(|b| b == a) {
            pairs.push((&scenarios[i], &scenarios[i + 1 + j]));
        }
    }
    pairs
}

/// Why the serve failed, first reason first; `None` if it passed.
fn failure(served: &Served, expected: u32, written: &Result<(), String>) -> Option<String> {
    let failed = served.conversations - served.passed;
    if served.conversations == 0 {
        Some("no conversation".into())
    } else if failed > 0 {
        Some(format!("{failed} of {} conversation(s) failed", served.conversations))
    } else if !served.refused.is_empty() {
        Some(format!("{} request(s) were refused", served.refused_count))
    } else if served.conversations < expected {
        Some(format!(
            "the app held {} conversation(s), and --conversations {expected} expects {expected}",
            served.conversations
        ))
    } else if served.timed_out || served.interrupted {
        Some("the conversation is unfinished".into())
    } else if let Some(end) = served.app.as_ref().filter(|end| !end.succeeded()) {
        Some(end.to_string())
    } else {
        written.as_ref().err().cloned()
    }
}

/// Where a forwarded conversation's recording in progress is kept: `<out>.partial`, or, for a
/// recording written to a stream (`--record /dev/stdout`), a file of the temporary folder.
fn partial_of(out: &Path) -> PathBuf {
    match is_stream(out) {
        true => std::env::temp_dir().join(format!("handoff-serve-{}.recording.partial", std::process::id())),
        false => super::record::partial_path(out),
    }
}

/// Refuses, before anything runs, output files that name one file, an input (a scenario or
/// its recording), a folder, or a place that cannot be written: every file serve writes,
/// the recording in progress (`--record`'s `.partial`, with `--upstream`) among them.
fn check_outputs(args: &ServeArgs, scenarios: &[Scenario]) -> Result<(), Status> {
    let partial = args
        .record
        .as_ref()
        .filter(|_| args.upstream.is_some())
        .map(|out| partial_of(out));
    let pending = args.snapshot.as_deref().map(snapshot::pending_path);
    let named = [
        ("--record", args.record.as_deref()),
        ("--record's recording in progress", partial.as_deref()),
        ("--write-design", args.write_design.as_deref()),
        ("--port-file", args.port_file.as_deref()),
        ("--app-env", args.app_env.as_deref()),
        ("--snapshot's pending file", pending.as_deref()),
    ];
    let outputs: Vec<(&str, &Path)> = named
        .into_iter()
        .filter_map(|(option, path)| Some((option, path?)))
        .collect();
    let recordings = scenarios
        .iter()
        .filter_map(|s| s.recording.as_ref().map(|r| Path::new(&r.file)));
    let read = scenarios.iter().flat_map(Scenario::files_read);
    let inputs: Vec<&Path> = args
        .files
        .iter()
        .map(PathBuf::as_path)
        .chain(recordings)
        .chain(read)
        .collect();
    check_output_files(&outputs, &inputs).map_err(|error| bad_input(error.to_string()))
}

fn options(args: &ServeArgs, scenario: &Scenario) -> Result<Options, Status> {
    let mut options = Options {
        matching: args.matching,
        conversations: args.conversations,
        wait: args.wait,
        timeout: args.timeout,
        upstream: None,
        record: args.record.is_some(),
        // What a forwarded conversation paid for is kept as it goes, as `handoff record` does
        // (of one conversation: several at once would write over each other's).
        partial: args
            .record
            .as_ref()
            .filter(|_| args.upstream.is_some() && args.conversations == 1)
            .map(|out| partial_of(out)),
        stop_on_signals: true,
        observe: args.write_design.is_some(),
        stopped: None,
    };
    if let (Some(url), Some(model)) = (&args.upstream, &args.upstream_model) {
        let key = std::env::var(&args.api_key_env).ok().filter(|k| !k.is_empty());
        let redactor = Redactor::new(key.as_deref(), &args.redact).map_err(bad_input)?;
        let endpoint = Endpoint {
            api_key: key,
            auth: Auth::Bearer,
            timeout: args.upstream_timeout,
            retries: args.upstream_retries,
            ..Endpoint::new(url, model)
        };
        options.upstream = Some(LiveModel::new(endpoint, redactor));
    } else if scenario.model.is_none() && scenario.recording.is_none() {
        return Err(bad_input(format!(
            "{}: model: missing: serve answers from the scenario's scripted rules or recording, or from --upstream",
            scenario.file
        )));
    }
    Ok(options)
}

/// How a conversation is reported, made on the conversation's thread.
struct Report {
    format: Format,
    color: bool,
    /// The scenarios of the serve: a conversation is reported with its own.
    scenarios: Vec<Scenario>,
    /// Whether the files written from the first conversation are asked for.
    record: bool,
    observe: bool,
    snapshot: bool,
}

/// What is kept of a conversation for the report: its report (text, or JSON under `--format
/// json`), by which conversations are put in an order that does not depend on timing, and
/// what the files are written from, if they are asked for.
struct Finished {
    number: u32,
    /// Its scenario, by index.
    scenario: usize,
    text: String,
    json: Option<serde_json::Value>,
    transcript: Option<handoff_harness::wire::Transcript>,
    observed: ObservedDesign,
    /// What its snapshot holds, if `--snapshot` asked for one.
    snapshot: Option<String>,
}

impl Report {
    fn new(args: &ServeArgs, scenarios: &[Scenario]) -> Report {
        Report {
            format: args.format,
            color: use_color(args.color) && args.format == Format::Text,
            scenarios: scenarios.to_vec(),
            record: args.record.is_some(),
            observe: args.write_design.is_some(),
            snapshot: args.snapshot.is_some(),
        }
    }

    /// What must be kept of `conversation` for the report (a recording in progress that could
    /// not be written is warned of at once).
    fn conversation(&self, conversation: &Conversation) -> Finished {
        if let Some(error) = &conversation.partial_error {
            let _ = writeln!(std::io::stderr().lock(), "warning: {error}");
        }
        let Conversation {
            number,
            run,
            traffic,
            verdict,
            ..
        } = conversation;
        let json = (self.format == Format::Json).then(|| {
            let mut json = run_json(&self.scenarios[conversation.scenario], run, verdict);
            json["traffic"] = json!({
                "answered": traffic.answered,
                "retries": traffic.retries,
                "divergence": traffic.divergence.as_ref().map(divergence_json),
                "unexpected": traffic.unexpected,
                "closed": traffic.closed,
            });
            json
        });
        let text = match &json {
            Some(json) => json.to_string(),
            None => self.text(conversation),
        };
        Finished {
            number: *number,
            scenario: conversation.scenario,
            text,
            json,
            transcript: conversation.transcript.clone().filter(|_| self.record),
            observed: if self.observe {
                conversation.observed.clone()
            } else {
                ObservedDesign::default()
            },
            snapshot: self.snapshot.then(|| snapshot::contents(run)),
        }
    }

    /// The report of `conversation` as `handoff run` prints it, with what the traffic showed
    /// (without its `conversation N` line).
    fn text(&self, conversation: &Conversation) -> String {
        let Conversation {
            run, traffic, verdict, ..
        } = conversation;
        let mut text = text_report(run, verdict, self.color);
        if let Some(d) = traffic.divergence.as_ref().filter(|d| !d.diff.is_empty()) {
            text.push_str(&format!(
                "\ntraffic: diverged at {} call {} (model call {}): {}\n--- expected (what the framework sends here)\n+++ sent by the app\n{}",
                d.agent, d.call, d.run_call, d.reason, d.diff
            ));
        }
        // The app sent what the run expects, but the scenario's recording has another request.
        if let Some(d) = conversation.replay_divergence.as_ref().filter(|d| !d.diff.is_empty()) {
            text.push_str(&format!(
                "\nreplay: diverged at {} call {} (model call {}): {}\n--- recorded\n+++ this run\n{}",
                d.agent, d.call, d.run_call, d.reason, d.diff
            ));
        }
        if traffic.retries > 0 {
            text.push_str(&format!(
                "traffic: {} request(s) sent again and answered again\n",
                traffic.retries
            ));
        }
        if let Some(closed) = &traffic.closed {
            text.push_str(&format!("traffic: the app's run was ended for it: {closed}\n"));
        }
        text
    }
}

/// The conversations in an order that does not depend on which request came first: by their
/// reports (equal conversations are interchangeable), numbered again in that order.
fn in_order(mut finished: Vec<Finished>) -> Vec<Finished> {
    finished.sort_by(|a, b| a.text.cmp(&b.text).then(a.number.cmp(&b.number)));
    for (i, f) in finished.iter_mut().enumerate() {
        f.number = i as u32 + 1;
        if let Some(json) = &mut f.json {
            json["conversation"] = f.number.into();
        }
    }
    finished
}

/// Writes the recording and the observed design of the first conversation.
fn write_files(args: &ServeArgs, scenario: &Scenario, first: &Finished) -> Result<(), String> {
    if let Some(path) = &args.record {
        let Some(transcript) = &first.transcript else {
            return Err(format!("{}: no conversation to record", path.display()));
        };
        let written = super::record::keep_recording(path, &transcript.to_json())?;
        if args.upstream.is_some() && written == *path {
            let _ = std::fs::remove_file(partial_of(path));
        }
        let _ = writeln!(std::io::stderr().lock(), "recorded {}", written.display());
    }
    if let Some(path) = &args.write_design {
        if first.observed.is_empty() {
            return Err(format!(
                "{}: no request was seen, so there is no design to write",
                path.display()
            ));
        }
        let text = first
            .observed
            .to_design_file(&format!("{}-observed", scenario.name), scenario.profile().name);
        write_atomic(path, text.as_bytes()).map_err(|e| format!("{}: cannot write the design: {e}", path.display()))?;
        let unknown = first.observed.unknown_agents();
        let mut message = format!("wrote the observed design to {}", path.display());
        if !unknown.is_empty() {
            message.push_str(&format!(" (never reached, listed as unknown: {})", unknown.join(", ")));
        }
        let _ = writeln!(std::io::stderr().lock(), "{message}");
    }
    Ok(())
}

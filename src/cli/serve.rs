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
use handoff_harness::files::{check_writable, same_file, write_atomic};
use handoff_harness::scenario::Scenario;
use handoff_harness::serve::{AppCommand, AppEnd, Conversation, Matching, ObservedDesign, Options, Served, Server};
use handoff_harness::wire::{Auth, Endpoint, LiveModel, Redactor};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The scenario file: its design, its model (scripted rules or a recording), its human
    /// replies and expectations.
    file: PathBuf,
    /// The address to listen on, `HOST:PORT` (loopback by default; port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0", value_parser = socket_address)]
    listen: SocketAddr,
    /// Write the port listened on to this file (atomically, at start; it stays after the
    /// serve, and the next serve writes it again), for scripts that start the app themselves.
    #[arg(long, value_name = "PATH")]
    port_file: Option<PathBuf>,
    /// Write the conversation as a recording, for `handoff replay` and `handoff test`.
    #[arg(long, value_name = "PATH")]
    record: Option<PathBuf>,
    /// Write the design the traffic shows (agents, functions, handoffs) as a design file,
    /// for `handoff analyze`.
    #[arg(long, value_name = "PATH")]
    write_design: Option<PathBuf>,
    /// How much of each request must be what the framework sends: `strict` (the agent, its
    /// instructions, functions and every message) or `agent` (only which agent is called).
    #[arg(long = "match", value_enum, default_value_t = Matching::Strict)]
    matching: Matching,
    /// How many conversations to hold, one after another (each a fresh run of the scenario).
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
    let scenario = match Scenario::load_under(&args.file, args.profile.profile) {
        Ok(scenario) => scenario,
        Err(error) => return bad_input(error),
    };
    if let Err(status) = check_outputs(args, &scenario) {
        return status;
    }
    let options = match options(args, &scenario) {
        Ok(options) => options,
        Err(status) => return status,
    };
    let app = args.command.split_first().map(|(program, rest)| AppCommand {
        program: program.clone(),
        args: rest.to_vec(),
        stdin: handoff_harness::serve::app_input(&scenario, args.task_on_stdin),
    });
    let outcome = handoff_harness::serve::block_on(async {
        let server = Server::bind(args.listen)
            .await
            .map_err(|e| format!("--listen {}: cannot listen there: {e}", args.listen))?;
        let url = server.url();
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
        // Text reports are printed as each conversation ends, so that a serve of many keeps
        // none; what is kept is the first conversation's files, and JSON reports if asked.
        let report = Report::new(args, &scenario);
        let (sender, receiver) = std::sync::mpsc::channel();
        let served = server
            .run(scenario.clone(), options, app, move |conversation| {
                if let Some(kept) = report.conversation(&conversation) {
                    let _ = sender.send(kept);
                }
            })
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((served, receiver.into_iter().collect::<Vec<Finished>>()))
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
        written = write_files(args, &scenario, first);
    }
    let passed = served.passed() && written.is_ok();
    match args.format {
        Format::Text => {
            let color = use_color(args.color);
            let mut text = String::new();
            if served.conversations == 0 {
                text.push_str("serve: no conversation: the app sent no model request\n");
            }
            if let Some(end) = &served.app {
                text.push_str(&format!("app: {end}\n"));
            }
            if served.interrupted {
                text.push_str("serve: interrupted (Ctrl-C or SIGTERM), the conversation unfinished\n");
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
            let verdict = match failure(&served, &written) {
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
                "error": written.err(),
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

/// Why the serve failed, first reason first; `None` if it passed.
fn failure(served: &Served, written: &Result<(), String>) -> Option<String> {
    let failed = served.conversations - served.passed;
    if served.conversations == 0 {
        Some("no conversation".into())
    } else if failed > 0 {
        Some(format!("{failed} of {} conversation(s) failed", served.conversations))
    } else if served.timed_out || served.interrupted {
        Some("the conversation is unfinished".into())
    } else if let Some(end) = served.app.as_ref().filter(|end| !end.succeeded()) {
        Some(end.to_string())
    } else {
        written.as_ref().err().cloned()
    }
}

/// Refuses, before anything runs, output files that are the scenario or cannot be written.
fn check_outputs(args: &ServeArgs, scenario: &Scenario) -> Result<(), Status> {
    let outputs = [
        ("--record", &args.record),
        ("--write-design", &args.write_design),
        ("--port-file", &args.port_file),
    ];
    for (option, path) in outputs {
        let Some(path) = path else { continue };
        let input = scenario.recording.as_ref().map(|r| Path::new(&r.file));
        if same_file(path, &args.file) || input.is_some_and(|input| same_file(path, input)) {
            return Err(bad_input(format!(
                "{}: {option} names an input of this serve; give another file",
                path.display()
            )));
        }
        if let Err(error) = check_writable(path) {
            return Err(bad_input(format!(
                "{}: {option}: cannot write there ({error})",
                path.display()
            )));
        }
    }
    Ok(())
}

fn options(args: &ServeArgs, scenario: &Scenario) -> Result<Options, Status> {
    let mut options = Options {
        matching: args.matching,
        conversations: args.conversations,
        wait: args.wait,
        timeout: args.timeout,
        upstream: None,
        record: args.record.is_some(),
        // What a forwarded conversation paid for is kept as it goes, as `handoff record` does.
        partial: args
            .record
            .as_ref()
            .filter(|_| args.upstream.is_some())
            .map(|out| super::record::partial_path(out)),
        stop_on_signals: true,
        observe: args.write_design.is_some(),
    };
    if let (Some(url), Some(model)) = (&args.upstream, &args.upstream_model) {
        let key = std::env::var(&args.api_key_env).ok().filter(|k| !k.is_empty());
        let redactor = Redactor::new(key.as_deref(), &args.redact).map_err(bad_input)?;
        let endpoint = Endpoint {
            api_key: key,
            auth: Auth::Bearer,
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
    scenario: Scenario,
}

/// What is kept of a conversation after its report: its JSON report (under `--format
/// json`), and for the first, the files written from it.
struct Finished {
    number: u32,
    json: Option<serde_json::Value>,
    /// The first conversation's recording (only the first is recorded).
    transcript: Option<handoff_harness::wire::Transcript>,
    observed: ObservedDesign,
}

impl Report {
    fn new(args: &ServeArgs, scenario: &Scenario) -> Report {
        Report {
            format: args.format,
            color: use_color(args.color) && args.format == Format::Text,
            scenario: scenario.clone(),
        }
    }

    /// Prints a text report of `conversation` at once; returns what must be kept of it.
    fn conversation(&self, conversation: &Conversation) -> Option<Finished> {
        let Conversation {
            number,
            run,
            traffic,
            verdict,
            ..
        } = conversation;
        let json = match self.format {
            Format::Text => {
                print(&self.text(conversation));
                None
            }
            Format::Json => {
                let mut json = run_json(&self.scenario, run, verdict);
                json["conversation"] = (*number).into();
                json["traffic"] = json!({
                    "answered": traffic.answered,
                    "retries": traffic.retries,
                    "divergence": traffic.divergence.as_ref().map(divergence_json),
                    "unexpected": traffic.unexpected,
                    "closed": traffic.closed,
                });
                Some(json)
            }
        };
        let first = *number == 1;
        (first || json.is_some()).then(|| Finished {
            number: *number,
            json,
            transcript: conversation.transcript.clone().filter(|_| first),
            observed: if first {
                conversation.observed.clone()
            } else {
                ObservedDesign::default()
            },
        })
    }

    /// The report of `conversation` as `handoff run` prints it, with what the traffic showed.
    fn text(&self, conversation: &Conversation) -> String {
        let Conversation {
            number,
            run,
            traffic,
            verdict,
            ..
        } = conversation;
        let mut text = format!("conversation {number}\n");
        text.push_str(&text_report(run, verdict, self.color));
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

/// Writes the recording and the observed design of the first conversation.
fn write_files(args: &ServeArgs, scenario: &Scenario, first: &Finished) -> Result<(), String> {
    if let Some(path) = &args.record {
        let Some(transcript) = &first.transcript else {
            return Err(format!("{}: no conversation to record", path.display()));
        };
        transcript
            .save(path)
            .inspect(|()| {
                if args.upstream.is_some() {
                    let _ = std::fs::remove_file(super::record::partial_path(path));
                }
            })
            .map_err(|e| format!("{}: cannot write the recording: {e}", path.display()))?;
        let _ = writeln!(std::io::stderr().lock(), "recorded {}", path.display());
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

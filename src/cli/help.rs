//! What `--help` says after the options: an example or two and the exit codes, one text per
//! command. Every example line (`  $ handoff ...`) is parsed by a test, so none can drift from
//! the options it shows.

/// After the top-level help.
pub(super) const HANDOFF: &str = "\
Examples:
  $ handoff run scenarios/refund.json
  $ handoff test
  $ handoff analyze scenarios/designs/customer_support_v2.json

Exit status: 0 the check passed, 1 it did not (a failed run, expectation, finding or
bounce), 2 bad input or usage, 130 interrupted. `handoff COMMAND --help` says which
of them each command uses and when.";

/// `handoff lint`.
pub(super) const LINT: &str = "\
Examples:
  $ handoff lint scenarios/refund.json
  $ handoff lint scenarios/customer_support.json scenarios/refund.json --format json

Exit status: 0 no finding is an error (warnings are printed: a call of a function the agent
was not offered, a regex no input of the scenario matches, a reply no rule listens for);
1 an error (a rule that can never match, an expectation naming an unknown agent); 2 bad
input (a file that does not load, as `handoff run` says).";

/// `handoff run`.
pub(super) const RUN: &str = "\
Examples:
  $ handoff run scenarios/refund.json
  $ handoff run scenarios/customer_support.json --format json --profile agent-framework
  $ cat scenarios/refund.json | handoff run -

Exit status: 0 the run completed and every expectation held; 1 it did not (a limit,
a proven loop, a script or a human that ran out, an unmet expectation); 2 bad input.";

/// `handoff test`.
pub(super) const TEST: &str = "\
Examples:
  $ handoff test
  $ handoff test scenarios/refund.json --junit target/handoff-junit.xml
  $ handoff test --review

Exit status: 0 every scenario passed; 1 any failed (an expectation, a snapshot, two
runs that differ, or an unreferenced snapshot with --unreferenced reject); 2 a file
does not load or no scenarios were found.";

/// `handoff analyze`.
pub(super) const ANALYZE: &str = "\
Examples:
  $ handoff analyze scenarios/designs/customer_support_v2.json
  $ handoff analyze scenarios/customer_support.json --format mermaid
  $ handoff analyze --diff scenarios/customer_support.json scenarios/designs/customer_support_v2.json

Exit status: 0 no error findings (and no warnings with --deny warnings); 1 there are;
2 a file does not load.";

/// `handoff bench`.
pub(super) const BENCH: &str = "\
Examples:
  $ handoff bench scenarios/customer_support.json
  $ handoff bench scenarios/customer_support.json --runs 1000 --format json
  $ handoff bench pingpong --handoffs 100000
  $ handoff bench pingpong --agents 8 --format json

Exit status: 0 measured (a scenario's run may end any way: its outcome is reported); 1 the
ping-pong did not complete; 2 bad input (a scenario without a task or a scripted model).";

/// `handoff fuzz`.
pub(super) const FUZZ: &str = "\
Examples:
  $ handoff fuzz scenarios/mixed_requests.json --cases 1000
  $ handoff fuzz scenarios/customer_support.json --seed 7 --regressions target/regressions

The report says what the cases reached: distinct (agent, deciding state) pairs and handoff
edges (and per second), the share of runs past the first human reply, how the runs ended
(completed, human-exhausted, model-failed, other), and the script gaps: agents whose script
had no answer for an input, once per agent with an example. Gaps are not bounces and do not
fail the run; many of them mean the scripts cover little of what was tried.

Exit status: 0 no bounce found; 1 a bounce (or a broken invariant) was found and written
as a regression scenario; 2 bad input; 130 interrupted (the summary is still printed).";

/// `handoff record`.
pub(super) const RECORD: &str = "\
Examples:
  $ handoff record scenarios/customer_support.json --base-url https://api.openai.com/v1 --model gpt-4o-mini
  $ handoff record scenarios/customer_support.json --base-url http://localhost:11434/v1 --model llama3.1 --mode new

Exit status: 0 the recorded run completed and every expectation held; 1 it did not, or
the endpoint failed (what was paid for is kept in PATH.partial); 2 bad input.";

/// `handoff replay`.
pub(super) const REPLAY: &str = "\
Examples:
  $ handoff replay scenarios/customer_support.json --transcript scenarios/customer_support.recording.json
  $ handoff replay scenarios/designs/customer_support_v2.json --transcript scenarios/customer_support.recording.json

Exit status: 0 every call was asked as recorded and every expectation held; 1 the run
diverged from the recording or failed; 2 bad input.";

/// `handoff compare`.
pub(super) const COMPARE: &str = "\
Examples:
  $ handoff compare scenarios/customer_support.json --profiles semantic-kernel,agent-framework

Exit status: 0 the conversations are identical; 1 they differ; 2 bad input.";

/// `handoff serve`.
pub(super) const SERVE: &str = "\
Examples:
  $ handoff serve scenarios/customer_support.json -- python app.py
  $ handoff serve scenarios/customer_support.json --port-file target/port

Exit status: 0 the app exited 0 and every expectation held; 1 it did not (a request
that diverged, a failed expectation, a timeout); 2 bad input; 130 interrupted.";

/// `handoff discover`.
pub(super) const DISCOVER: &str = "\
Examples:
  $ handoff discover --write-design design.json --write-scenario scenario.json -- python app.py
  $ handoff discover --input Hello -- python chat_loop.py

Exit status: 0 every handoff was taken and every tool called; 1 some were not (or the app
sent no request); 2 bad input.";

/// `handoff import`.
pub(super) const IMPORT: &str = "\
Examples:
  $ handoff import requests.jsonl --design scenarios/customer_support.json

Exit status: 0 the recording was written; 2 bad input (the log, the design, the output).";

/// `handoff completions`.
pub(super) const COMPLETIONS: &str = "\
Examples:
  $ handoff completions bash > ~/.local/share/bash-completion/completions/handoff
  $ handoff completions zsh > ~/.zfunc/_handoff
  $ handoff completions fish > ~/.config/fish/completions/handoff.fish

Exit status: 0; 2 bad usage.";

/// `handoff man`.
pub(super) const MAN: &str = "\
Examples:
  $ handoff man | man -l -
  $ handoff man --out-dir target/man

Exit status: 0; 2 bad usage or a folder that cannot be written.";

/// `handoff schema`.
pub(super) const SCHEMA: &str = "\
Examples:
  $ handoff schema scenario > scenario.schema.json
  $ handoff schema recording

Exit status: 0; 2 bad usage.";

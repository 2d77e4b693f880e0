//! The `handoff` binary: a clap front end over the `handoff_harness` library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}

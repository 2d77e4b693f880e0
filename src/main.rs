//! The `handoff` binary: a thin front end over [`handoff_harness::cli`].

fn main() -> std::process::ExitCode {
    handoff_harness::cli::main()
}

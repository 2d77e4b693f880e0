//! The Python package: `python/build-wheel.sh` builds the wheel with maturin (from the package
//! index into a virtual environment under `target/`, cached), and the test installs it into a
//! fresh virtual environment whose `PATH` has no `cargo`, as a user would. Through it:
//! `handoff run`, `python -m handoff_harness`/`python -m handoff`, and the pytest plugin's own
//! tests (`python/tests/`, pytest's `pytester`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

use crate::support::{root, setup_once};

/// The wheel `python/build-wheel.sh` built (once per test process; cached under `target/`).
pub(crate) fn wheel() -> PathBuf {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    setup_once(&READY, "python/build-wheel.sh")
}

/// `PATH` without any folder that holds a `cargo`: no Rust toolchain.
pub(crate) fn path_without_cargo() -> String {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|dir| !dir.join("cargo").exists())
        .collect();
    std::env::join_paths(kept).unwrap().into_string().unwrap()
}

/// A fresh virtual environment with the wheel installed (and pytest, pinned), no cargo on its
/// `PATH`.
struct Venv {
    dir: tempfile::TempDir,
    path: String,
}

impl Venv {
    fn new(wheel: &Path) -> Venv {
        let dir = tempfile::tempdir().unwrap();
        let path = format!("{}:{}", dir.path().join("venv/bin").display(), path_without_cargo());
        let venv = Venv { dir, path };
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        let made = venv
            .command(&python)
            .args(["-m", "venv"])
            .arg(venv.dir.path().join("venv"))
            .output();
        succeeded(&made.unwrap(), "python3 -m venv");
        let started = Instant::now();
        let constraints = root().join("python/constraints.txt");
        let installed = venv
            .command("python")
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-c"])
            .arg(&constraints)
            .arg(wheel)
            .output()
            .unwrap();
        succeeded(&installed, "pip install WHEEL");
        eprintln!(
            "wheel: pip install of the wheel alone took {:.2} s",
            started.elapsed().as_secs_f64()
        );
        let installed = venv
            .command("python")
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-c"])
            .arg(&constraints)
            .args(["pytest", "pytest-xdist"])
            .output()
            .unwrap();
        succeeded(&installed, "pip install pytest pytest-xdist");
        venv
    }

    /// `program` run in the repository root with the venv first on `PATH`, no cargo on it.
    fn command(&self, program: &str) -> Command {
        let program = match program {
            "python" | "handoff" => self.dir.path().join("venv/bin").join(program),
            other => PathBuf::from(other),
        };
        let mut command = Command::new(program);
        command
            .current_dir(root())
            .env("PATH", &self.path)
            .env("NO_COLOR", "1")
            // Nothing written into the repository: no __pycache__, no .pytest_cache.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env_remove("HANDOFF_BIN")
            .env_remove("VIRTUAL_ENV")
            .env_remove("PYTHONPATH");
        command
    }
}

pub(crate) fn succeeded(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}: {}\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_wheel_installs_without_rust_and_its_binary_module_and_pytest_plugin_work() {
    let started = Instant::now();
    let wheel = wheel();
    eprintln!(
        "wheel: built (or found cached) in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let size = std::fs::metadata(&wheel).unwrap().len();
    eprintln!("wheel: {} ({:.1} MB)", wheel.display(), size as f64 / 1e6);
    let started = Instant::now();
    let venv = Venv::new(&wheel);
    eprintln!(
        "wheel: fresh venv + pip install took {:.2} s",
        started.elapsed().as_secs_f64()
    );

    // No cargo anywhere on the PATH the venv's commands see.
    let which = venv.command("sh").args(["-c", "command -v cargo"]).output().unwrap();
    assert!(
        !which.status.success(),
        "cargo is on PATH: {}",
        String::from_utf8_lossy(&which.stdout)
    );

    // The binary the wheel put on PATH runs the tutorial.
    let run = venv
        .command("handoff")
        .args(["run", "scenarios/customer_support.json"])
        .output()
        .unwrap();
    succeeded(&run, "handoff run scenarios/customer_support.json");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("expect: 7 passed, 0 failed"), "{stdout}");
    let on_path = venv.command("sh").args(["-c", "command -v handoff"]).output().unwrap();
    let on_path = String::from_utf8_lossy(&on_path.stdout);
    assert!(
        on_path.trim().starts_with(venv.dir.path().to_str().unwrap()),
        "{on_path}"
    );

    // `python -m handoff_harness` and `python -m handoff` are the binary.
    let version = format!("handoff {}", env!("CARGO_PKG_VERSION"));
    for module in ["handoff_harness", "handoff"] {
        let output = venv
            .command("python")
            .args(["-m", module, "--version"])
            .output()
            .unwrap();
        succeeded(&output, &format!("python -m {module} --version"));
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), version);
    }
    let found = venv
        .command("python")
        .args(["-c", "import handoff_harness; print(handoff_harness.find_binary())"])
        .output()
        .unwrap();
    succeeded(&found, "find_binary()");
    assert!(
        String::from_utf8_lossy(&found.stdout)
            .trim()
            .starts_with(venv.dir.path().to_str().unwrap()),
        "{}",
        String::from_utf8_lossy(&found.stdout)
    );

    // The plugin's own tests, with pytest's pytester.
    let started = Instant::now();
    let tests = venv
        .command("python")
        .args(["-m", "pytest", "python/tests", "-p", "no:cacheprovider", "-q"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&tests.stdout);
    eprintln!(
        "wheel: pytest python/tests took {:.2} s",
        started.elapsed().as_secs_f64()
    );
    succeeded(&tests, "pytest python/tests");
    // The summary: every test passed, but the one that fails for a known limitation of the
    // core (`xfail(strict=True)`, in python/tests/test_plugin.py).
    let last = report.lines().last().unwrap_or_default();
    assert!(last.starts_with("13 passed in "), "{report}");
}

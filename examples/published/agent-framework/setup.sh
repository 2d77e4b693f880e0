#!/usr/bin/env bash
# Creates the virtual environment Agent Framework's published handoff sample
# (python/samples/03-workflows/orchestrations/handoff_simple.py) runs in, under
# target/examples/agent-framework/venv (relative to the repository root, whatever the cwd), from the
# package index: agent-framework-core==1.23.0 and agent-framework-orchestrations==1.4.0 (the versions
# agent-framework==1.23.0 names), agent-framework-foundry (FoundryChatClient; it brings
# agent-framework-openai) and azure-identity (AzureCliCredential). Not agent-framework==1.23.0 itself:
# that meta-package depends on agent-framework-core[all], some thirty connector packages the sample
# does not import. Every transitive dependency is pinned by examples/published/agent-framework/constraints.txt
# (a pip freeze of a fresh install). Same approach as examples/semantic-kernel/setup.sh.
# Cache: a venv whose marker matches the requirements, the Python version and the constraints hash is
# left alone, and the script returns at once. Idempotent.
# All progress goes to stderr; the last line on stdout is the venv's python path.
#   PYTHON=python3.11 examples/published/agent-framework/setup.sh   # choose the interpreter (default python3)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
# shellcheck source=../../venv.sh
source "$ROOT/examples/venv.sh"
pinned_venv "$ROOT/target/examples/agent-framework/venv" \
  "agent-framework-core==1.23.0 agent-framework-orchestrations==1.4.0 agent-framework-foundry azure-identity" \
  "$HERE/constraints.txt" "setup.sh"

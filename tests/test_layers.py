"""The layers of the README hold: who may import what, and what `validate` loads."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, TESTS

PACKAGE = TESTS.parent / "reconciler"

# For each layer, the packages of this project it may import (besides itself and the bottom:
# canonical, errors, files, heap, jsonwalk, loopback, oneline, progress and shared).
# Dependency points down.
ALLOWED = {
    "domain": set(),
    "sandbox": {"domain"},
    "api": {"domain"},
    "manifest": {"domain"},
    "planning": {"domain", "manifest"},
    "policy": {"domain", "manifest", "planning"},
    "state": {"domain", "planning"},
    "render": {"domain", "planning"},
    "engine": {
        "domain",
        "api",
        "manifest",
        "planning",
        "policy",
        "render",
        "state",
        "sandbox",
        "schemas",
    },
    "cli": {
        "domain",
        "api",
        "manifest",
        "planning",
        "render",
        "state",
        "engine",
        "sandbox",
        "schemas",
    },
}
BOTTOM = {
    "canonical", "errors", "files", "heap", "jsonwalk", "loopback", "oneline", "progress", "shared"
}  # fmt: skip


def imports(path: Path) -> set[str]:
    """Every module `path` imports, at any depth (lazy imports count)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def layer_files() -> list[tuple[str, Path]]:
    return [
        (path.relative_to(PACKAGE).parts[0], path)
        for path in sorted(PACKAGE.rglob("*.py"))
        if len(path.relative_to(PACKAGE).parts) > 1
    ]


@pytest.mark.parametrize(("layer", "path"), layer_files(), ids=lambda v: str(v)[-40:])
def test_each_module_imports_only_layers_below_it(layer: str, path: Path) -> None:
    used = {
        name.split(".")[1]
        for name in imports(path)
        if name.startswith("reconciler.") and name.count(".") >= 1
    }
    extra = used - ALLOWED[layer] - BOTTOM - {layer}
    assert not extra, f"{path.relative_to(PACKAGE)} imports {sorted(extra)}"


def test_only_the_cli_imports_click() -> None:
    users = {p for _, p in layer_files() if any(m.split(".")[0] == "click" for m in imports(p))}
    assert all(p.relative_to(PACKAGE).parts[0] == "cli" for p in users), users


def test_only_api_and_the_sandbox_server_import_httpx() -> None:
    """The client speaks to the service; the sandbox's server module serves, and its
    downloads module PUTs a file to an UploadUrl as the service does (loopback only)."""
    users = {
        str(p.relative_to(PACKAGE))
        for _, p in layer_files()
        if any(m.split(".")[0] == "httpx" for m in imports(p))
    }
    assert users == {"api/client.py", "sandbox/server.py", "sandbox/downloads.py"}


def test_only_the_remote_state_and_the_upload_signer_use_a_bucket_library() -> None:
    """The remote state talks to its bucket; the signer only presigns PUT URLs for pull."""
    users = {
        str(p.relative_to(PACKAGE))
        for _, p in layer_files()
        if any(m.split(".")[0] in ("obstore", "boto3", "botocore") for m in imports(p))
    }
    assert users == {"state/remote.py", "engine/upload_urls.py"}


def test_validate_loads_neither_the_http_stack_nor_the_sandbox() -> None:
    script = (
        "import sys\n"
        "from reconciler.cli import main\n"
        f"assert main(['validate', {str(EXAMPLES)!r}]) == 0\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('httpx', 'httpcore', 'starlette', 'uvicorn') or m.startswith('reconciler.sandbox'))\n"
        "print('loaded:' + ','.join(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "loaded:"

"""clearsky-orders import"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import click

from reconciler.cli.options import announce, run, settings_options
from reconciler.cli.output import format_option, say
from reconciler.engine import Settings, open_workspace
from reconciler.engine import import_order as record_import
from reconciler.errors import ClearskyOrdersError


@click.command("import")
@click.argument("args", nargs=-1, metavar="NAME GUID [PATHS]... | --all [PATHS]...")
@settings_options(changes=False, lock=True)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Write a manifest for every live order no manifest describes and no state owns, and "
    "record that it owns the order (orders the service made itself, or another workspace "
    "owns, are skipped and said).",
)
@click.option(
    "--write",
    "write_dir",
    type=click.Path(),
    default=None,
    help="With --all: the folder the manifests go to (default: the workspace's folder). With "
    "NAME GUID: the new manifest file that reproduces the order (never an existing one).",
)
@click.option(
    "--name-template",
    default="order-{start}-{short}",
    show_default=True,
    help="With --all: each manifest's name; {start} is the order's first month, {short} the "
    "first 8 characters of its GUID.",
)
@click.option(
    "--dry-run", is_flag=True, help="With --all or --write: print the manifests; write nothing."
)
@format_option(
    "text",
    "json",
    help='json: what the command says, as {"messages": [...]}; with --all, what was written '
    "and skipped.",
)
def import_order(
    args: tuple[str, ...],
    settings: Settings,
    everything: bool,
    write_dir: str | None,
    name_template: str,
    dry_run: bool,
    fmt: str,
) -> int:
    """Record that manifest NAME owns live order GUID (no API change); with --write FILE,
    first write that manifest from the order; with --all bring a whole account under
    management: a manifest written for each order.

    Without --write, shows the differences when the live order does not match the manifest;
    the next plan then replaces it. A written manifest reproduces its order exactly as the
    service lists it (fields clearsky.yaml's defaults give anyway are left out), so that the
    next plan has nothing to do; no file is ever overwritten.

    \b
    Examples:
      clearsky-orders import aarhus-bay c3528462-02fc-4301-bb37-8d226b45f149 orders/
      clearsky-orders import aarhus-bay c3528462-02fc-4301-bb37-8d226b45f149 \\
          --write orders/aarhus-bay.yaml orders/
      clearsky-orders import --all --dry-run orders/
      clearsky-orders import --all --write orders/imported orders/
    """
    if everything:
        return _import_all(
            replace(settings, paths=args or (".",)),
            write_dir,
            name_template,
            dry_run,
            fmt,
        )
    if len(args) < 2:
        raise ClearskyOrdersError(
            "import takes NAME GUID [PATHS] (one order), or --all [PATHS] (every order no "
            "manifest describes)"
        )
    name, guid, *paths = args
    settings = replace(settings, paths=tuple(paths) or (".",))
    if write_dir is not None:
        return _import_one(settings, name, guid, Path(write_dir), dry_run, fmt)
    if dry_run:
        raise ClearskyOrdersError("--dry-run needs --all or --write FILE")
    workspace = open_workspace(settings)
    lines = [f"Using {workspace.target.describe()}: no real orders are placed."]
    lines = lines if workspace.target.sandbox else []
    imported = run(record_import(workspace, name, guid))
    lines.append(f"Imported {imported.guid} as {name}.")
    if imported.diff:
        lines.append("The live order differs from the manifest; the next plan replaces it:")
        for field, values in imported.diff.items():
            lines.append(f"  ~ {field}: {values.get('old')} -> {values.get('new')}")
    say(json.dumps({"messages": lines}, indent=2) if fmt == "json" else "\n".join(lines))
    return 0


def _import_one(
    settings: Settings, name: str, guid: str, file: Path, dry_run: bool, fmt: str
) -> int:
    from reconciler.engine.adopting import import_one

    workspace = open_workspace(settings)
    announce(workspace.target, err=fmt != "text")
    written = run(import_one(workspace, name, guid, file, dry_run=dry_run))
    if fmt == "json":
        entry = {"name": written.name, "orderGuid": written.guid, "file": str(written.file)}
        say(json.dumps({"dryRun": dry_run, "written": [entry], "skipped": []}, indent=2))
    elif dry_run:
        say(f"--- {written.file} (not written)\n{written.text}")
    else:
        say(f"wrote {written.file}: {written.name} owns {written.guid}")
    return 0


def _import_all(
    settings: Settings, write_dir: str | None, template: str, dry_run: bool, fmt: str
) -> int:
    from reconciler.engine.adopting import import_all

    workspace = open_workspace(settings)
    announce(workspace.target, err=fmt != "text")
    folder = Path(write_dir) if write_dir else workspace.folder
    found = run(import_all(workspace, folder, template=template, dry_run=dry_run))
    if fmt == "json":
        say(
            json.dumps(
                {
                    "dryRun": dry_run,
                    "written": [
                        {"name": w.name, "orderGuid": w.guid, "file": str(w.file)}
                        for w in found.written
                    ],
                    "skipped": [{"orderGuid": g, "why": why} for g, why in found.skipped],
                },
                indent=2,
            )
        )
        return 0
    for each in found.written:
        if dry_run:
            say(f"--- {each.file} (not written)\n{each.text}")
        else:
            say(f"wrote {each.file}: {each.name} owns {each.guid}")
    for guid, why in found.skipped:
        say(f"skipped {guid}: {why}")
    if not found.written:
        say("Nothing to import: every live order is described or owned already.")
    return 0

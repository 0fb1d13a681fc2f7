"""Saved plans: reading one, the settings it was made with, and the areas to draw it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from shapely.geometry import MultiPolygon

from reconciler.api import DEFAULT_URL
from reconciler.domain.geometry import GeometryProblem, parse_wkt
from reconciler.engine.workspace import Settings, Workspace, state_file_for
from reconciler.errors import PlanError
from reconciler.files import inside, read_text_file
from reconciler.manifest import load_config
from reconciler.planning.select import Selection, parse_selectors
from reconciler.render.document import ChangeDoc, ContextDoc, PlanDoc, load_document
from reconciler.render.view import Areas, PlanView

MAX_PLAN_BYTES = 64 * 1024 * 1024


def read_saved_plan(path: str | Path) -> PlanDoc:
    """A plan saved by `plan -o`; PlanError when it cannot be read."""
    try:
        return load_document(read_text_file(Path(path), MAX_PLAN_BYTES))
    except OSError as exc:
        raise PlanError(f"cannot read the plan {path}: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise PlanError(f"{path} is not a clearsky-orders plan ({first})") from None


def context_of(workspace: Workspace) -> ContextDoc:
    """What a saved plan records of its settings, so that `apply FILE` can plan it again."""
    s = workspace.settings
    return ContextDoc(
        manifest_paths=list(workspace.paths),
        state_path=workspace.state_file.location,
        sandbox=workspace.target.sandbox,
        api_url=workspace.target.api_url,
        prune=s.prune,
        prune_orphans=s.prune_orphans,
        sole_owner=s.sole_owner,
        force=s.force,
        targets=sorted(s.selection.targets),
        excludes=sorted(s.selection.excludes),
        selectors=[f"{k}={v}" for k, v in s.selection.selectors],
    )


def saved_settings(doc: PlanDoc, given: Settings) -> Settings:
    """The settings a saved plan was made with. The file is untrusted: its paths must stay in
    this repository, and the service (and so the key) comes only from the flags and the
    environment; a plan made against another API URL is refused."""
    ctx = doc.context
    if ctx is None:
        return replace(given, paths=(".",))
    remote_state = "://" in ctx.state_path
    named_state = bool(given.state_path) and given.state_path == ctx.state_path
    for path in [*ctx.manifest_paths, "" if remote_state or named_state else ctx.state_path]:
        if path and not _here(path):
            raise PlanError(
                f"the saved plan names {path!r}, outside this repository; refused"
                + (
                    f" (give --state {path} to apply it with that state)"
                    if path == ctx.state_path
                    else ""
                )
            )
    if given.state_path and not named_state and not remote_state:
        raise PlanError(
            f"the saved plan was made with the state {ctx.state_path}, and --state names "
            f"{given.state_path}: make the plan again with that state, or apply this one with "
            f"--state {ctx.state_path}"
        )
    if ctx.sandbox != given.sandbox:
        raise PlanError(
            "the saved plan was made against the embedded sandbox: give --sandbox to apply it "
            "there (a plan for the sandbox never applies to the service)"
            if ctx.sandbox
            else f"the saved plan was made against {ctx.api_url or DEFAULT_URL}, not the "
            "embedded sandbox: apply it without --sandbox, or make a plan with --sandbox"
        )
    url = given.api_url or DEFAULT_URL
    if (
        not (ctx.sandbox or given.sandbox)
        and ctx.api_url
        and ctx.api_url.rstrip("/") != url.rstrip("/")
    ):
        raise PlanError(
            f"the saved plan was made against {ctx.api_url}, and the API URL now is {url}; "
            "give --api-url (or CLEARSKY_API_URL) for that service, or make the plan again"
        )
    return replace(
        given,
        paths=tuple(ctx.manifest_paths) or (".",),
        sandbox=ctx.sandbox,
        # a remote state comes from clearsky.yaml or --state, never from the (untrusted) file
        state_path=given.state_path or _chosen_state(ctx, remote_state),
        selection=Selection(
            frozenset(ctx.targets), frozenset(ctx.excludes), parse_selectors(ctx.selectors)
        ),
        prune=ctx.prune,
        prune_orphans=ctx.prune_orphans,
        sole_owner=ctx.sole_owner,
        force=ctx.force,
    )


def _chosen_state(ctx: ContextDoc, remote: bool) -> str | None:
    """The state a saved plan names, where it is not the one its folders choose themselves
    (then the command line named it, and apply names it too)."""
    if remote or not ctx.state_path:
        return None
    paths = tuple(ctx.manifest_paths) or (".",)
    own = state_file_for(paths, None, load_config(paths)).location
    return None if own == ctx.state_path else ctx.state_path


def _here(path: str) -> bool:
    """A relative path that stays within the working folder."""
    return not Path(path).is_absolute() and inside(Path(path), Path.cwd())


def saved_view(doc: PlanDoc) -> PlanView:
    """A saved plan ready to render: its areas read back from the canonical WKT it holds."""
    return PlanView(doc, lambda index: _areas(doc.changes[index]))


def _areas(change: ChangeDoc) -> Areas:
    return Areas(
        _shape(change.desired, change.desired_footprint),
        _shape(change.live, change.live_footprint),
    )


def _shape(spec: dict[str, object] | None, footprint: str | None) -> MultiPolygon | None:
    aoi = spec.get("aoi") if spec else None
    wkt = aoi.get("wkt") if isinstance(aoi, dict) else None
    if not isinstance(wkt, str):
        wkt = footprint
    if not isinstance(wkt, str):
        return None
    try:
        return parse_wkt(wkt)
    except GeometryProblem:
        return None

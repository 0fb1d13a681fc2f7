"""Find, read and check manifests: every problem in every file, reported in one run."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from reconciler.canonical import canonical_sha256
from reconciler.domain.catalog import BUILT_IN, Catalog
from reconciler.domain.desired import DesiredOrder, Source
from reconciler.domain.geometry import GeometryProblem, below_service_precision
from reconciler.domain.order import OrderSpec
from reconciler.errors import Problem, Problems
from reconciler.files import NotARegularFile, read_text_file
from reconciler.heap import collection_paused
from reconciler.manifest.catalog_cache import cached_catalog
from reconciler.manifest.messages import explain
from reconciler.manifest.models import (
    API_VERSION,
    Config,
    Delivery,
    Spec,
    TaskingOrderManifest,
    default_config,
)
from reconciler.manifest.resolve import aoi_path, merge_defaults, resolve_spec
from reconciler.manifest.yamlfile import Document, YamlSyntaxError, read_documents
from reconciler.shared import shared, shared_labels

CONFIG_NAMES = ("clearsky.yaml", "clearsky.yml")
MAX_MANIFEST_BYTES = 10 * 1024 * 1024
SKIPPED_DIRS = frozenset({".git", ".clearsky", "node_modules", ".venv", "__pycache__"})


@dataclass(frozen=True)
class Manifests:
    """What the manifests ask for, with the configuration that applies to them."""

    root: Path
    config: Config
    config_file: Path | None
    orders: tuple[DesiredOrder, ...]
    files: tuple[Path, ...]
    notes: tuple[Problem, ...] = ()
    """Warnings found while loading (names the catalog did not know offline)."""

    def digest(self) -> str:
        """sha256 over what the manifests mean (not how they are formatted) and the config."""
        rows = [
            [o.name, o.spec.fingerprint, dict(o.labels), o.prevent_cancel, o.create_before_cancel]
            for o in sorted(self.orders, key=lambda o: o.name)
        ]
        body = {"orders": rows, "config": self.config.model_dump(mode="json", by_alias=True)}
        return canonical_sha256(body)


def find_config(start: Path) -> Path | None:
    """clearsky.yaml in `start` (a folder, or a file's folder) or the nearest parent."""
    folder = start.resolve()
    if not folder.is_dir():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            if (candidate / name).is_file():
                return candidate / name
    return None


def load_config(paths: Sequence[str | Path] = (".",)) -> Config:
    """Only the clearsky.yaml that applies to `paths` (defaults when there is none)."""
    problems = Problems()
    config_file = find_config(Path((paths or (".",))[0]))
    config = _load_config(config_file, problems) if config_file else default_config()
    problems.raise_if_any()
    return config


@dataclass(frozen=True)
class Job:
    """What loading the manifests under some paths involves: files, config, root, defaults."""

    root: Path
    config: Config
    config_file: Path | None
    files: tuple[Path, ...]
    defaults: dict[str, Any]
    catalog: Catalog = BUILT_IN


@dataclass
class Chunk:
    """What a group of files holds: its orders, its problems and every name it uses."""

    orders: list[DesiredOrder] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    names: list[tuple[str, Source]] = field(default_factory=list)


def prepare(paths: Sequence[str | Path] = (".",), catalog: Catalog | None = None) -> Job:
    """Find the files and read clearsky.yaml; raises ManifestError when that already fails."""
    problems = Problems()
    given = [Path(p) for p in (paths or (".",))]
    for path in given:
        if not path.exists():
            problems.add(display(path), 0, "", "", "no such file or folder")
    problems.raise_if_any()
    config_file = find_config(given[0])
    config = _load_config(config_file, problems) if config_file else default_config()
    problems.raise_if_any()
    root = config_file.parent.resolve() if config_file else _root_of(given[0])
    files = tuple(map(Path, sorted(dict.fromkeys(_discovered(given)), key=_parts)))
    defaults = config.defaults.model_dump(by_alias=True, exclude_none=True, mode="python")
    known = catalog or cached_catalog(root) or BUILT_IN
    return Job(root, config, config_file, files, defaults, known)


def load_chunk(
    files: Sequence[Path],
    root: Path,
    defaults: dict[str, Any],
    catalog: Catalog = BUILT_IN,
    unread: bool = False,
) -> Chunk:
    """Read and check some of the files (a unit of work that may run in another process).
    With `unread`, WKT and GeoJSON AOIs are kept as text: `read_aois` reads them."""
    problems = Problems()
    chunk = Chunk()
    context = _Context(root, defaults, catalog, problems)
    with collection_paused():  # the orders are kept: nothing for it to find
        for start in range(0, len(files), AOIS_AT_ONCE):
            orders: list[DesiredOrder] = []
            for file in files[start : start + AOIS_AT_ONCE]:
                orders.extend(_load_file(file, context, chunk.names))
            chunk.orders.extend(orders if unread else _with_aois_read(orders, problems))
    chunk.problems = problems.items
    chunk.notes = problems.notes
    return chunk


AOIS_AT_ONCE = 64
"""Files whose AOIs are read together, once the files are read and checked: one after
another, the geometry library runs about twice as fast as between each file's YAML and model
(measured: 40 against 95 us for a 20-vertex polygon). In groups, not all at the end: the texts
of large AOIs wait for their turn only as long as their group."""


def _with_aois_read(orders: list[DesiredOrder], problems: Problems) -> list[DesiredOrder]:
    """The orders with their AOIs read (as if they had been read with their files); an order
    whose AOI cannot be read is a problem where the AOI is written, and no order."""
    read = []
    for order in orders:
        try:
            order.spec.read_aoi()
        except GeometryProblem as problem:
            line, field_ = order.aoi_at
            problems.add(order.source.file, line, order.name, field_, str(problem))
            continue
        tiny = below_service_precision(order.spec.geometry)
        if tiny:
            line, field_ = order.aoi_at
            problems.note(order.source.file, line, order.name, field_, tiny)
        read.append(order)
    return read


def finish(job: Job, chunks: Sequence[Chunk]) -> Manifests:
    """Merge the chunks (in file order); raises ManifestError listing every problem."""
    problems = Problems([p for c in chunks for p in c.problems])
    _check_unique_names([n for c in chunks for n in c.names], problems)
    orders = tuple(o for c in chunks for o in c.orders)
    _check_uploads(orders, job.config.delivery.allowed_uploads, problems)
    if problems:  # every problem at once: the AOIs left unread too
        _read_unread(orders, lambda order: False, problems)
    problems.raise_if_any()
    notes = tuple(sorted([*(n for c in chunks for n in c.notes), *problems.notes]))
    return Manifests(job.root, job.config, job.config_file, orders, job.files, notes)


def _check_uploads(
    orders: Sequence[DesiredOrder], allowed: Sequence[str], problems: Problems
) -> None:
    """Where a manifest's own delivery sends its files: only to a host or bucket clearsky.yaml
    allows (delivery.allowedUploads), and then said in every plan (a pull request could
    otherwise send every image anywhere, with a plan that says 'no changes')."""
    kept = {a.lower() for a in allowed}
    for order in orders:
        given = dict(order.delivery)
        for field_, url in (
            ("uploadUrl", given.get("upload_url")),
            ("uploadTo", given.get("upload_to")),
        ):
            if not isinstance(url, str):
                continue
            where = (urlsplit(url.replace("{", "").replace("}", "")).hostname or "").lower()
            path = f"delivery.{field_}"
            if where not in kept:
                problems.add(
                    order.source.file,
                    order.source.line,
                    order.name,
                    path,
                    f"a manifest may send its files only where clearsky.yaml allows: add "
                    f"{where!r} to delivery.allowedUploads there, or give the destination on "
                    "the command line (pull --upload-url-template)",
                )
            else:
                problems.note(
                    order.source.file,
                    order.source.line,
                    order.name,
                    path,
                    f"pull uploads this order's files to {where} (allowed by clearsky.yaml)",
                )


def read_aois(manifests: Manifests, keep: Callable[[DesiredOrder], bool]) -> None:
    """Read every AOI left as text, except those `keep` says need no reading; raises
    ManifestError listing the problems found, where they were written."""
    problems = Problems()
    _read_unread(manifests.orders, keep, problems)
    problems.raise_if_any()


def _read_unread(
    orders: Sequence[DesiredOrder], keep: Callable[[DesiredOrder], bool], problems: Problems
) -> None:
    for order in orders:
        if not order.spec.unread or keep(order):
            continue
        try:
            order.spec.geometry  # noqa: B018 - read (and checked) now
        except GeometryProblem as problem:
            line, field_ = order.aoi_at
            problems.add(order.source.file, line, order.name, field_, str(problem))


def load(paths: Sequence[str | Path] = (".",), catalog: Catalog | None = None) -> Manifests:
    """Load every manifest under `paths`; raises ManifestError listing every problem. Models
    and constellations are checked against `catalog` (default: the cached list of the service
    beside clearsky.yaml, else the built-in one; unknown names are then notes)."""
    job = prepare(paths, catalog)
    return finish(job, [load_chunk(job.files, job.root, job.defaults, job.catalog)])


@dataclass(frozen=True)
class _Context:
    """What checking one document needs besides the document."""

    root: Path
    defaults: dict[str, Any]
    catalog: Catalog
    problems: Problems
    cwd: str = field(default_factory=os.getcwd)
    """Asked once: each file's name is shown relative to it."""


def _root_of(path: Path) -> Path:
    resolved = path.resolve()
    return resolved if resolved.is_dir() else resolved.parent


def discover(paths: Sequence[Path]) -> Iterator[Path]:
    """Manifest files: files given, and *.yaml/*.yml below folders (clearsky.yaml, hidden
    files and hidden folders aside, and folders below with a clearsky.yaml of their own: they
    are workspaces of their own)."""
    return map(Path, _discovered(paths))


def _discovered(paths: Sequence[Path]) -> Iterator[str]:
    """`discover` as text, each path written as Path writes it (so equal texts are equal
    paths): Path objects are made once, for the files kept, and cost more than the walk."""
    for path in paths:
        if path.is_file():
            if path.name not in CONFIG_NAMES:
                yield str(path)
            continue
        here = str(path) == "."  # the walk then writes ./b for what Path writes as b
        for folder, dirs, names in os.walk(path):
            dirs[:] = sorted(
                d
                for d in dirs
                if d not in SKIPPED_DIRS
                and not d.startswith(".")
                and not _own_workspace(os.path.join(folder, d))
            )
            written = folder[2:] if here else folder
            inside = written + os.sep if written and not written.endswith(os.sep) else written
            for name in sorted(names):
                if (
                    name.endswith((".yaml", ".yml"))
                    and name not in CONFIG_NAMES
                    and not name.startswith(".")
                ):
                    yield inside + name


def _own_workspace(folder: str) -> bool:
    return any(os.path.isfile(os.path.join(folder, name)) for name in CONFIG_NAMES)


def _parts(path: str) -> list[str] | tuple[str, ...]:
    """The sort key Path.parts would give `path` (as Path writes it)."""
    if os.sep != "/" or os.altsep:
        return Path(path).parts
    parts = path.split("/")
    if not parts[0]:
        parts[0] = "/"  # an absolute path: Path's first part is the root
    return parts


def display(path: Path, cwd: str | None = None) -> str:
    """A path as the user would write it: relative to the working folder (`cwd`, when the
    caller knows it already) where possible."""
    cwd = cwd or os.getcwd()
    absolute = os.path.join(cwd, path) if not os.path.isabs(path) else os.fspath(path)
    absolute = os.path.normpath(absolute)
    if absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return absolute[len(cwd.rstrip(os.sep)) + 1 :]
    return str(path)


def _read(file: Path, problems: Problems) -> list[Document] | None:
    try:
        text = read_text_file(file, MAX_MANIFEST_BYTES)
    except UnicodeDecodeError:
        problems.add(display(file), 0, "", "", "not UTF-8 text")
        return None
    except NotARegularFile as exc:
        problems.add(display(file), 0, "", "", str(exc))
        return None
    except OSError as exc:
        problems.add(display(file), 0, "", "", f"cannot read: {exc.strerror or exc}")
        return None
    try:
        return list(read_documents(text))
    except YamlSyntaxError as exc:
        where = f" (column {exc.column})" if exc.column else ""
        problems.add(display(file), exc.line, "", "", f"YAML syntax error: {exc}{where}")
        return None


def _load_config(file: Path, problems: Problems) -> Config:
    documents = [d for d in _read(file, problems) or [] if d.value is not None]
    if len(documents) != 1 or not isinstance(documents[0].value, dict):
        if documents:
            problems.add(
                display(file),
                documents[0].line,
                "",
                "",
                "clearsky.yaml must hold exactly one mapping of kind Config",
            )
        return default_config()
    document = documents[0]
    _report_duplicate_keys(document, display(file), "", problems)
    value = document.value
    if value.get("kind") != "Config":
        problems.add(
            display(file),
            document.line_of(["kind"]),
            "",
            "kind",
            f"expected kind Config in clearsky.yaml, found {value.get('kind')!r}",
        )
        return default_config()
    try:
        return Config.model_validate(value)
    except ValidationError as error:
        for loc, message in explain(Config, error):
            problems.add(display(file), document.line_of(loc), "", _dotted(loc), message)
    return default_config()


def _load_file(
    file: Path, context: _Context, names: list[tuple[str, Source]]
) -> Iterator[DesiredOrder]:
    shown = display(file, context.cwd)
    folder = file.parent  # AOI files are resolved (and kept inside the repository) when read
    for document in _read(file, context.problems) or []:
        if document.value is None:
            continue
        name = _name_of(document.value)
        if name:
            names.append((name, Source(shown, document.line)))
        order = _load_document(document, shown, folder, context)
        if order is not None:
            yield order


def _load_document(
    document: Document, shown: str, folder: Path, context: _Context
) -> DesiredOrder | None:
    problems, root = context.problems, context.root
    value = document.value
    if not isinstance(value, dict):
        problems.add(
            shown, document.line, "", "", f"a manifest must be a mapping, not a {_yaml_type(value)}"
        )
        return None
    name = _name_of(value)
    _report_duplicate_keys(document, shown, name, problems)
    header = _header_problem(value)
    if header is not None:
        field_, message = header
        problems.add(shown, document.line_of([field_]), name, field_, message)
        return None
    if isinstance(value.get("spec"), dict):
        value = {**value, "spec": merge_defaults(value["spec"], context.defaults)}
    bad_keys: set[str | int] = set()

    def report(path: tuple[str | int, ...], message: str) -> None:
        if len(path) < 2 or path[0] != "spec" or path[1] not in bad_keys:
            problems.add(shown, document.line_of(path), name, _dotted(path), message)

    def note(path: tuple[str | int, ...], message: str) -> None:
        problems.note(shown, document.line_of(path), name, _dotted(path), message)

    def resolve(spec: Spec, unread: bool = True) -> OrderSpec | None:
        return resolve_spec(
            spec,
            manifest_dir=folder,
            root=root,
            report=report,
            note=note,
            catalog=context.catalog,
            unread=unread,
        )

    try:
        manifest = TaskingOrderManifest.model_validate(value)
    except ValidationError as error:
        for loc, message in explain(TaskingOrderManifest, error):
            problems.add(shown, document.line_of(loc), name, _dotted(loc), message)
            if len(loc) >= 2 and loc[0] == "spec":
                bad_keys.add(loc[1])
        # Check what is left of the spec too, so that one run shows every problem.
        salvaged = _salvage_spec(value.get("spec"), bad_keys)
        if salvaged is not None:
            resolve(salvaged, unread=False)  # only for its problems: the AOI's too
        return None
    spec = resolve(manifest.spec)
    if spec is None:
        return None
    lifecycle = manifest.spec.lifecycle
    return DesiredOrder(
        name=shared(manifest.metadata.name),  # the state's entry shares it
        spec=spec,
        source=Source(shown, document.line),
        labels=shared_labels(manifest.metadata.labels),
        prevent_cancel=bool(lifecycle and lifecycle.prevent_cancel),
        create_before_cancel=bool(lifecycle and lifecycle.create_before_cancel),
        delivery=_given(manifest.delivery),
        aoi_at=_aoi_at(document, manifest.spec) if spec.unread else (0, ""),
    )


def _aoi_at(document: Document, spec: Spec) -> tuple[int, str]:
    path = aoi_path(spec.aoi)
    return document.line_of(path), shared(_dotted(path))


def _given(delivery: Delivery | None) -> tuple[tuple[str, object], ...]:
    if delivery is None:
        return ()
    return tuple(sorted(delivery.model_dump(exclude_none=True).items()))


def _header_problem(value: dict[str, Any]) -> tuple[str, str] | None:
    """(field, message) when the document is not a TaskingOrder of this apiVersion."""
    kind = value.get("kind")
    if kind != "TaskingOrder":
        if kind is None:
            return "kind", "missing kind; expected TaskingOrder"
        if kind == "Config":
            return "kind", "kind Config belongs in clearsky.yaml"
        return "kind", f"unknown kind {kind!r}; expected TaskingOrder"
    found = value.get("apiVersion")
    if found != API_VERSION:
        message = "missing apiVersion" if found is None else f"unknown apiVersion {found!r}"
        return "apiVersion", f"{message}; expected {API_VERSION}"
    return None


def _name_of(value: object) -> str:
    metadata = value.get("metadata") if isinstance(value, dict) else None
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) else ""


def _salvage_spec(spec: object, bad_keys: set[str | int]) -> Spec | None:
    if not isinstance(spec, dict):
        return None
    try:
        return Spec.model_validate({k: v for k, v in spec.items() if k not in bad_keys})
    except ValidationError:
        return None


def _report_duplicate_keys(document: Document, shown: str, name: str, problems: Problems) -> None:
    for line, key in document.duplicate_keys:
        problems.add(
            shown,
            line,
            name,
            key,
            f"duplicate key {key!r}: YAML keeps only the last one; remove one of them",
        )


def _check_unique_names(names: list[tuple[str, Source]], problems: Problems) -> None:
    first: dict[str, Source] = {}
    for name, source in names:
        seen = first.setdefault(name, source)
        if seen is not source:
            problems.add(
                source.file,
                source.line,
                name,
                "metadata.name",
                f"duplicate name {name!r}: also defined at {seen}",
            )
            problems.add(
                seen.file,
                seen.line,
                name,
                "metadata.name",
                f"duplicate name {name!r}: also defined at {source}",
            )


def _dotted(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _yaml_type(value: object) -> str:
    return {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}.get(
        type(value), type(value).__name__
    )

"""Hostile input, one test per attack: each ends in one clear message (exit 1) or a safe
result, never a traceback, a hang, a leak of the key, or a write outside the repository."""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.api import ClearskyClient, order_request
from reconciler.errors import ConfigurationError, ServiceError
from reconciler.planning import Plan, Violation
from reconciler.render.markdown import MARKER
from reconciler.render.registry import RenderOptions, plan_view, render
from tests.conftest import AARHUS, KEY_A, Repo, Service, flat, manifest, sample_plan, spec
from tests.e2e.test_plan_apply import Cli, converge, state_of

FORGED = "\n".join(
    [
        "x",
        "",
        "**clearsky-orders: no changes**",
        "<!-- clearsky-orders:plan -->",
        "@org/team ![i](http://evil/x.png) [a](http://evil)",
        "<sub>Checksum `" + "0" * 64 + "`",
    ]
)


def test_a_state_key_with_a_line_break_is_refused(api_env: Service, repo: Repo, cli: Cli) -> None:
    converge(cli)
    body = state_of(repo)
    body["orders"][FORGED] = body["orders"].pop("skagen")
    repo.state.write_text(json.dumps(body))
    result = cli("plan", "--format", "markdown")
    assert result.code == 1 and result.out == "" and result.err.count("\n") == 1


def test_text_from_the_service_cannot_forge_the_comment() -> None:
    plan = sample_plan()
    hostile = replace(plan.changes[0], warnings=(FORGED,), drift=FORGED, order_guid=FORGED)
    forged = Plan(
        (hostile, *plan.changes[1:]),
        plan.today,
        plan.inputs,
        plan.created_at,
        FORGED,
        violations=(Violation("policy.x", FORGED),),
        notes=(FORGED,),
    )
    text = render("markdown", plan_view(forged))
    assert text.count(MARKER) == 1
    assert [line for line in text.splitlines() if line.startswith("<sub>Checksum")] == [
        next(line for line in text.splitlines() if line.startswith("<sub>Checksum"))
    ]
    assert "0" * 64 not in next(
        line for line in text.splitlines() if line.startswith("<sub>Checksum")
    )
    for bad in ("@org", "](http", "<!--", "**clearsky-orders: no changes**"):
        assert text.count(bad) == (1 if bad == "<!--" else 0), bad
    assert all(not line.startswith("**clearsky-orders: no changes") for line in text.splitlines())


def test_a_thousand_violations_keep_the_comment_under_githubs_limit() -> None:
    plan = sample_plan()
    many = replace(plan, violations=tuple(Violation("policy.x", "y" * 500) for _ in range(1500)))
    text = render("markdown", plan_view(many), RenderOptions())
    assert len(text) < 65_536 and "1480 more" in text


def test_a_saved_plan_for_another_server_or_with_made_up_content_is_refused(
    api_env: Service, repo: Repo, cli: Cli, tmp_path: Path
) -> None:
    saved = tmp_path / "plan.json"
    assert cli("plan", "-o", str(saved)).code == 0
    body = json.loads(saved.read_text())
    elsewhere = {**body, "context": {**body["context"], "apiUrl": "https://evil.example"}}
    (tmp_path / "elsewhere.json").write_text(json.dumps(elsewhere))
    refused = cli("apply", str(tmp_path / "elsewhere.json"))
    assert refused.code == 1 and "made against https://evil.example" in refused.err
    made_up = {**body, "checksum": "0" * 64}
    made_up["summary"]["nextMonthCost"] = -1_000_000
    (tmp_path / "made-up.json").write_text(json.dumps(made_up))
    refused = cli("apply", str(tmp_path / "made-up.json"))
    assert refused.code == 1 and "changed after it was made" in refused.err
    outside = {**body, "context": {**body["context"], "statePath": "/tmp/victim.json"}}
    (tmp_path / "outside.json").write_text(json.dumps(outside))
    refused = cli("apply", str(tmp_path / "outside.json"))
    assert refused.code == 1 and "outside this repository" in refused.err
    assert not Path("/tmp/victim.json").exists()


def test_a_committed_lock_symlink_is_not_followed(
    api_env: Service, repo: Repo, cli: Cli, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (repo.root / ".clearsky").mkdir()
    os.symlink(victim, repo.root / ".clearsky" / "state.json.lock")
    result = cli("apply", "--auto-approve")
    assert result.code == 1 and "symlink" in result.err
    assert victim.read_text() == "precious"


@pytest.mark.parametrize("where", ["/dev/zero", "/", "../../outside.json"])
def test_a_state_path_outside_the_repository_is_refused(
    api_env: Service, repo: Repo, cli: Cli, where: str
) -> None:
    repo.write(
        "clearsky.yaml",
        f"apiVersion: clearsky-orders/v1\nkind: Config\nstate: {{path: {where!r}}}\n",
    )
    started = time.monotonic()
    result = cli("plan")
    assert result.code == 1 and "leads outside the repository" in result.err
    assert time.monotonic() - started < 10


def test_a_fifo_state_does_not_hang(api_env: Service, repo: Repo, cli: Cli) -> None:
    (repo.root / ".clearsky").mkdir()
    os.mkfifo(repo.root / ".clearsky" / "state.json")
    result = cli("plan")
    assert result.code == 1 and "not a regular file" in result.err


def test_a_manifest_linked_to_a_device_or_in_a_loop_is_a_message(repo: Repo, cli: Cli) -> None:
    os.symlink("/dev/zero", repo.root / "zero.yaml")
    os.symlink(repo.root / "loop-b.yaml", repo.root / "loop-a.yaml")
    os.symlink(repo.root / "loop-a.yaml", repo.root / "loop-b.yaml")
    result = cli("validate")
    assert result.code == 1 and "zero.yaml: not a regular file (a device)" in result.err
    assert "loop-a.yaml" in result.err and "Traceback" not in result.err


def test_a_billion_laughs_is_refused_quickly(repo: Repo, cli: Cli) -> None:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, n in zip("abcdefgh", "bcdefghi", strict=True)
    )
    repo.write("laughs.yaml", manifest("laughs").replace("metadata:", laughs + "metadata:"))
    started = time.monotonic()
    result = cli("validate")
    assert result.code == 1 and "expands to more than" in result.err
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("from: ", "from: 2026-02-30\n  x: "), "cannot be read"),
        (("imageFrequency: 3", "imageFrequency: " + "9" * 5000), "cannot be read"),
        (('    wkt: "', '    file: "a\\x00b"\n    x: "'), "aoi"),
    ],
)
def test_values_that_broke_the_reader_are_located_messages(
    repo: Repo, cli: Cli, change: tuple[str, str], message: str
) -> None:
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay").replace(*change, 1))
    result = cli("validate")
    assert result.code == 1 and "aarhus-bay.yaml" in result.err and message in result.err
    assert "Traceback" not in result.err


def test_a_box_on_the_antimeridian_is_refused_not_measured_as_zero(repo: Repo, cli: Cli) -> None:
    world = "POLYGON((-180 -80, 180 -80, 180 80, -180 80, -180 -80))"
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay", world))
    result = cli("validate")
    assert result.code == 1 and "antimeridian" in result.err


@pytest.mark.parametrize(
    "url",
    ["https://user:secret@api.clearsky.vision", "http://sandbox.localhost:8787"],
)
def test_urls_with_credentials_or_unsafe_http_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        ClearskyClient(api_key="k" * 10, base_url=url)
    assert "secret" not in str(caught.value)


def test_a_key_the_service_echoes_is_not_shown() -> None:
    key = "very-secret-key-42"
    echo = httpx.MockTransport(
        lambda request: httpx.Response(
            400, json={"Succeeded": False, "Error": {"Message": f"bad key {key}", "Code": 992}}
        )
    )

    async def go() -> None:
        async with ClearskyClient(
            api_key=key, base_url="https://api.clearsky.vision", transport=echo
        ) as api:
            await api.estimate_order(order_request(spec(AARHUS)))

    with pytest.raises(ServiceError) as caught:
        asyncio.run(go())
    assert key not in str(caught.value) and "***" in str(caught.value)


def hand_edit(repo: Repo, change: Any) -> None:
    body = state_of(repo)
    change(body)
    repo.state.write_text(json.dumps(body))


def first_lines(cli: Cli) -> dict[str, str]:
    """The first line of the plan in each format (JSON: its first key and value)."""
    text = cli("plan").out.splitlines()[0]
    markdown = cli("plan", "--format", "markdown").out.splitlines()[0]
    doc = json.loads(cli("plan", "--format", "json").out)
    first_key = next(iter(doc))
    return {"text": text, "markdown": markdown, "json": f"{first_key}: {doc[first_key]}"}


def test_a_hand_edited_state_is_called_out_first_in_every_format(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    hand_edit(
        repo,
        lambda b: b["orders"]["skagen"].update(
            orderGuid=b["orders"]["skagen"]["orderGuid"].upper()
        ),
    )
    lines = first_lines(cli)
    assert lines["text"].startswith("WARNING: the state was changed outside clearsky-orders")
    assert lines["markdown"].startswith("**⚠️ the state was changed outside clearsky-orders")
    assert lines["json"].startswith("stateWarning: the state was changed outside")
    assert "Untrusted entries: skagen." in lines["text"] + lines["markdown"]
    doc = json.loads(cli("plan", "--format", "json").out)
    assert doc["untrustedEntries"] == ["skagen"]
    assert cli("state", "seal").code == 0  # accepted by someone holding the key
    assert not cli("plan").out.startswith("WARNING")


def test_an_added_entry_cannot_make_an_unmanaged_order_cancellable(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    stray = make_order(api_env)
    hand_edit(
        repo,
        lambda b: b["orders"].update(
            ghost={"orderGuid": stray.upper(), "fingerprint": "", "preventCancel": False}
        ),
    )
    refused = cli("apply", "--auto-approve")
    assert refused.code == 1 and "ghost" in refused.err and "protected" in refused.err
    assert stray in active_guids(api_env)


def test_a_removed_protection_still_protects(api_env: Service, repo: Repo, cli: Cli) -> None:
    repo.write(
        "coast/skagen.yaml",
        repo.root.joinpath("coast/skagen.yaml").read_text()
        + "  lifecycle: {preventCancel: true}\n",
    )
    converge(cli)
    guid = state_of(repo)["orders"]["skagen"]["orderGuid"]
    hand_edit(repo, lambda b: b["orders"]["skagen"].update(preventCancel=False))
    repo.remove("coast/skagen.yaml")
    refused = cli("apply", "--auto-approve")
    assert refused.code == 1 and "skagen" in refused.err and "protected" in refused.err
    assert guid in active_guids(api_env)


def test_a_changed_recorded_cost_makes_no_plan_cheaper(
    api_env: Service, repo: Repo, cli: Cli
) -> None:
    converge(cli)
    honest = cancel_estimate(cli, repo)
    hand_edit(
        repo,
        lambda b: b["orders"]["aarhus-bay"]["estimate"].update(
            currentMonthCost=1e6, nextMonthCost=1e6
        ),
    )
    assert cancel_estimate(cli, repo) == honest  # the record is not believed
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay"))


def cancel_estimate(cli: Cli, repo: Repo) -> float:
    """What the plan says removing aarhus-bay's manifest saves per month (then restored)."""
    text = repo.root.joinpath("aarhus-bay.yaml").read_text()
    repo.remove("aarhus-bay.yaml")
    doc = json.loads(cli("plan", "--format", "json").out)
    repo.write("aarhus-bay.yaml", text)
    change = next(c for c in doc["changes"] if c["name"] == "aarhus-bay")
    return float(change["estimate"]["nextMonthCost"])


def make_order(service: Service) -> str:
    async def go() -> str:
        async with ClearskyClient(api_key=KEY_A, base_url=service.url) as api:
            made = await api.create_order(order_request(spec(AARHUS, frequency=7)))
            return made.task_order_guid

    return asyncio.run(go())


def active_guids(service: Service) -> list[str]:
    async def go() -> list[str]:
        async with ClearskyClient(api_key=KEY_A, base_url=service.url) as api:
            return [
                o.task_order_guid
                for o in await api.list_orders()
                if o.ordering_process_status != "Canceled"
            ]

    return asyncio.run(go())


def test_a_service_error_text_cannot_drive_the_terminal(
    api_env: Service, repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reconciler.sandbox import app as sandbox_app

    hostile = "\x1b]0;PWNED\x07\x1b[2J\nError: forged line\u202e"
    real = sandbox_app.failure

    def failing(status: int, message: str, code: int, *args: Any, **kwargs: Any) -> Any:
        return real(status, hostile, code, *args, **kwargs)

    monkeypatch.setattr(sandbox_app, "failure", failing)
    monkeypatch.setenv("CLEARSKY_API_KEY", "not-a-key")  # 401, with the hostile text
    refused = cli("plan")
    assert refused.code == 1
    said = refused.out + refused.err
    assert "\x1b" not in said and "\x07" not in said and "\u202e" not in said
    assert "forged line" in said and not any(
        line.startswith("Error: forged") for line in said.splitlines()
    )


@pytest.mark.parametrize(
    "config",
    [
        "state: {url: 'https://alice:s3cret@bucket/state.json'}\n",
        "state: {url: 's3://bucket/state.json', endpoint: 'http://alice:s3cret@10.1.1.1:9000'}\n",
        "delivery: {uploadTo: 's3://b/p', uploadEndpoint: 'http://alice:s3cret@10.1.1.1:9000'}\n",
    ],
    ids=["state-url", "state-endpoint", "upload-endpoint"],
)
def test_a_rejected_url_never_echoes_its_secret(repo: Repo, cli: Cli, config: str) -> None:
    repo.write("clearsky.yaml", "apiVersion: clearsky-orders/v1\nkind: Config\n" + config)
    refused = cli("validate")
    assert refused.code == 1, refused.out + refused.err
    assert "s3cret" not in refused.out + refused.err and "alice" not in refused.err


def test_an_api_url_with_a_query_is_printed_without_it(
    repo: Repo, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLEARSKY_API_KEY", KEY_A)
    refused = cli("plan", "--api-url", "https://api.example.test/?token=s3cret")
    assert refused.code == 1 and "s3cret" not in refused.err and "?..." in refused.err


def test_a_manifest_cannot_send_the_imagery_where_clearsky_yaml_does_not_allow(
    repo: Repo, cli: Cli
) -> None:
    upload = "delivery: {uploadUrl: 'https://evil.example.test/{name}/{date}.tif'}\n"
    repo.write("aarhus-bay.yaml", manifest("aarhus-bay") + upload)
    refused = cli("validate")
    assert refused.code == 1 and "delivery.uploadUrl" in refused.err
    assert "allowedUploads" in refused.err
    assert cli("plan", "--sandbox").code == 1
    repo.write(
        "clearsky.yaml",
        "apiVersion: clearsky-orders/v1\nkind: Config\n"
        "delivery: {allowedUploads: [evil.example.test]}\n",
    )
    assert cli("validate").code == 0
    planned = cli("plan", "--sandbox")
    assert "pull uploads this order's files to evil.example.test" in flat(planned.out)


@pytest.mark.parametrize(
    ("endpoint", "code"), [("http://10.1.1.1:9000", 1), ("http://127.0.0.1:9000", 0)]
)
def test_plain_http_uploads_go_only_to_this_machine(
    repo: Repo, cli: Cli, endpoint: str, code: int
) -> None:
    repo.write(
        "clearsky.yaml",
        "apiVersion: clearsky-orders/v1\nkind: Config\n"
        f"delivery: {{uploadTo: 's3://bucket/p', uploadEndpoint: '{endpoint}'}}\n",
    )
    checked = cli("validate")
    assert checked.code == code, checked.err
    if code:
        assert "plain http" in checked.err

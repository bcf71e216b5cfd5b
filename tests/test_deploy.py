"""The systemd deployment files in deploy/: the unit passes systemd's own checks as shipped."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
UNIT = DEPLOY / "ingest.service"
SYSUSERS = DEPLOY / "ingest.sysusers"
MAX_EXPOSURE = 2.0

needs_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed"
)
needs_sysusers = pytest.mark.skipif(
    shutil.which("systemd-sysusers") is None, reason="systemd-sysusers is not installed"
)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SYSTEMD_PAGER": "cat", "SYSTEMD_COLORS": "0", "LC_ALL": "C.UTF-8"}
    return subprocess.run(args, check=False, capture_output=True, text=True, env=env, timeout=120)


def _unit() -> dict[str, dict[str, list[str]]]:
    """The unit file as {section: {key: [values in order]}}; continuation lines joined."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    pending = ""
    for raw in UNIT.read_text().splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"setting outside a section: {line!r}"
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {line!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def _one(service: dict[str, list[str]], key: str) -> str:
    assert key in service, f"{key}= missing from [Service]"
    return service[key][-1]


_SPAN_UNITS = {  # systemd.time(7), the units a unit file is likely to use
    **dict.fromkeys(["us", "usec"], 1e-6),
    **dict.fromkeys(["ms", "msec"], 1e-3),
    **dict.fromkeys(["", "s", "sec", "second", "seconds"], 1.0),
    **dict.fromkeys(["m", "min", "minute", "minutes"], 60.0),
    **dict.fromkeys(["h", "hr", "hour", "hours"], 3600.0),
}


def _seconds(span: str) -> float:
    """A systemd time span ("30s", "1min 30s", "45") in seconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", span.lower())
    assert parts and re.fullmatch(r"(\s*\d+(\.\d+)?\s*[a-z]*)+\s*", span.lower()), span
    return sum(float(number) * _SPAN_UNITS[unit] for number, unit in parts)


def _environment(service: dict[str, list[str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for value in service.get("Environment", []):
        for assignment in shlex.split(value):
            key, _, val = assignment.partition("=")
            env[key] = val
    return env


@needs_analyze
def test_verify_prints_nothing() -> None:
    # verify exits 0 even on unknown directives and typos: any output at all is a failure.
    result = _run("systemd-analyze", "verify", "--man=no", str(UNIT))
    assert (result.stdout + result.stderr) == "", result.stdout + result.stderr
    assert result.returncode == 0


@needs_analyze
def test_security_exposure_is_low() -> None:
    result = _run("systemd-analyze", "security", "--offline=true", str(UNIT))
    output = result.stdout + result.stderr
    match = re.search(r"Overall exposure level for ingest\.service:\s*(\d+(?:\.\d+)?)", output)
    assert match, output
    assert float(match.group(1)) <= MAX_EXPOSURE, output


def test_unit_runs_the_daemon_as_designed() -> None:
    unit = _unit()
    service = unit["Service"]
    assert _one(service, "Type") == "notify"
    assert _one(service, "NotifyAccess") == "main"
    assert _one(service, "User") == "ingest"
    assert _one(service, "Group") == "ingest"
    assert _one(service, "StateDirectory") == "ingest"
    assert _one(service, "StateDirectoryMode") == "0750"
    assert _one(service, "UMask") == "0027"
    assert _one(service, "ConfigurationDirectory") == "ingest"

    reload = shlex.split(_one(service, "ExecReload"))
    assert Path(reload[0]).name == "kill" and "-HUP" in reload and "$MAINPID" in reload, reload

    assert _seconds(_one(service, "WatchdogSec")) > 0
    # The daemon drains in-flight work for 20 s after SIGTERM; systemd must wait longer than that.
    assert _seconds(_one(service, "TimeoutStopSec")) > 20
    # SIGTERM to the daemon only: its worker processes finish what they are doing while it drains.
    assert _one(service, "KillMode") == "mixed"
    assert _one(service, "Restart") == "on-failure"

    env = _environment(service)
    assert env["INGEST_CONFIG"] == "/etc/ingest/feeds.yaml"
    assert env["INGEST_DB"] == "/var/lib/ingest/ingest.db"
    # ExecStart runs `ingest` through env(1): the venv's bin must come first on PATH.
    start = shlex.split(_one(service, "ExecStart"))
    if Path(start[0]).name == "env":
        assert start[1] == "ingest", start
        assert env["PATH"].split(":")[0] == "/opt/ingest/venv/bin", env["PATH"]
    else:
        assert start[0] == "/opt/ingest/venv/bin/ingest", start
    assert "--once" not in start

    assert unit["Install"]["WantedBy"] == ["multi-user.target"]


def _sysusers_lines() -> list[list[str]]:
    lines = []
    for raw in SYSUSERS.read_text().splitlines():
        if raw.strip() and not raw.lstrip().startswith("#"):
            lines.append(shlex.split(raw))
    return lines


def test_sysusers_declares_the_ingest_user() -> None:
    lines = _sysusers_lines()
    assert lines, "no entries in ingest.sysusers"
    for fields in lines:
        assert fields[0] in {"u", "g", "m", "r"}, fields
        assert 2 <= len(fields) <= 6, fields
    assert any(fields[:2] == ["u", "ingest"] for fields in lines), lines


@needs_sysusers
def test_sysusers_creates_user_and_group(tmp_path: Path) -> None:
    # --root writes only below tmp_path (passwd, group, shadow, gshadow and a lock file).
    (tmp_path / "etc").mkdir()
    result = _run("systemd-sysusers", f"--root={tmp_path}", str(SYSUSERS))
    assert result.returncode == 0, result.stdout + result.stderr
    passwd = {
        line.split(":")[0]: line.split(":") for line in (tmp_path / "etc/passwd").read_text().splitlines()
    }
    group = {
        line.split(":")[0]: line.split(":") for line in (tmp_path / "etc/group").read_text().splitlines()
    }
    assert "ingest" in passwd and "ingest" in group
    assert passwd["ingest"][3] == group["ingest"][2], "the user's primary group is `ingest`"
    assert int(passwd["ingest"][2]) < 1000, "a system user"
    assert passwd["ingest"][6].endswith("nologin")

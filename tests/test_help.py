"""Every command's --help, from the real command: what it does, two examples and its exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import run_ingest

COMMANDS = ["", "feeds", "retry", "search", "export", "show", "extract", "reextract", "webhooks",
            "stories split", "stories merge", "duplicates unmark"]  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
def test_help_describes_the_command_with_examples_and_exit_codes(command: str, tmp_path: Path) -> None:
    done = run_ingest(*command.split(), "--help", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    description, _, rest = done.stdout.partition("\noptions:")
    assert len(description.split("\n\n", 1)[-1].split()) >= 12  # says what it does, beyond the usage line
    examples = rest.partition("\nexamples:\n")[2].partition("\n\nexit status:\n")[0]
    commands = [line.strip() for line in examples.splitlines() if line.startswith("  ingest")]
    assert len(commands) == 2 and all(line.split()[1:2] == command.split()[:1] or not command
                                      for line in commands), examples  # fmt: skip
    codes = re.findall(r"^  (\d)  \S", done.stdout.partition("\nexit status:\n")[2], re.M)
    assert codes[0] == "0" and "2" in codes, done.stdout


def test_the_main_help_points_to_each_command(tmp_path: Path) -> None:
    done = run_ingest("--help", cwd=tmp_path)

    listed = set(re.findall(r"^    (\w+) ", done.stdout, re.M))
    assert listed == {command.split()[0] for command in COMMANDS if command}

"""`ingest webhooks`: how each configured receiver's deliveries go."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from ingest.cli.common import EXIT_FAILED, EXIT_OK, USAGE_EXIT, config_of, described, stored
from ingest.text.clean import aligned

if TYPE_CHECKING:
    from ingest.cli.common import Commands

COLUMNS = ("url", "state", "delivered", "dropped", "pending", "last_success", "next_try", "last_error")


def add_commands(commands: Commands, common: argparse.ArgumentParser) -> None:
    hooks = described(
        commands, "webhooks", common,
        summary="how each webhook's deliveries go",
        about="List the webhooks of feeds.yaml with their state (new, ok, failing), the events delivered and "
              "given up on, the events after each one's place (pending), the last success, the next try of "
              "a failing one and its last error. A table, or JSON lines with --json.",
        examples=(("ingest webhooks", "the table"),
                  ("ingest webhooks --json | jq 'select(.state == \"failing\")'", "the failing ones")),
        exits=((EXIT_OK, "every webhook is new or ok"), (EXIT_FAILED, "a webhook is failing, or the database "
               "is missing"), USAGE_EXIT),
    )  # fmt: skip
    hooks.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    hooks.set_defaults(func=cmd_webhooks)


def cmd_webhooks(args: argparse.Namespace) -> int:
    config = config_of(args)
    with stored(args, config) as store:
        states, last = store.webhook_states(), store.last_event_id()
    rows = []
    for hook in config.webhooks:
        state = states.get(hook.url)
        row = {"url": hook.url, "events": list(hook.events), "state": "new"}
        if state is not None:
            row |= {name: getattr(state, name) for name in COLUMNS if hasattr(state, name)}
            row |= {"state": "failing" if state.failing_since else "ok", "pending": last - state.after}
        rows.append(row)
    if args.json:
        sys.stdout.write("".join(json.dumps(row) + "\n" for row in rows))
    else:
        sys.stdout.write(_table(rows))
    return EXIT_FAILED if any(row["state"] == "failing" for row in rows) else EXIT_OK


def _table(rows: list[dict]) -> str:
    cells = [[c.upper().replace("_", " ") for c in COLUMNS]]
    cells += [[str(row.get(c) if row.get(c) is not None else "-") for c in COLUMNS] for row in rows]
    return "".join(line + "\n" for line in aligned(cells))

"""`manage.py sandbox reset|token|secret|clock|rate-limit|scenarios`: the sandbox controls
from the command line, printing JSON (the same actions as the /sandbox/ HTTP endpoints)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bizlink.core import clock
from bizlink.core.errors import InvalidInput
from bizlink.sandbox import actions


class Command(BaseCommand):
    help = "Control sandbox mode: reset to a scenario, issue tokens, move the clock."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        reset = sub.add_parser("reset", help="empty the database and load a scenario")
        reset.add_argument("--scenario", default="demo", choices=sorted(actions.SCENARIOS))
        sub.add_parser("scenarios", help="list the scenarios")
        token = sub.add_parser("token", help="issue an access token without a browser")
        token.add_argument("--user", default="ben@example.com", help="the user's email")
        token.add_argument("--account", default="", help="their account's handle (default: first)")
        token.add_argument("--app", default=actions.SANDBOX_APP)
        token.add_argument("--scope", default="", help="space-separated (default: all allowed)")
        secret = sub.add_parser("secret", help="rotate and print an app's client secret")
        secret.add_argument("--app", default=actions.SANDBOX_APP)
        clock_cmd = sub.add_parser("clock", help="show or advance the sandbox clock")
        clock_cmd.add_argument("--advance", default="", help="e.g. 90s, 15m, 2h, 3d")
        limit = sub.add_parser("rate-limit", help="set an app's calls per minute")
        limit.add_argument("app", help="client id or app name")
        limit.add_argument("per_minute", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SANDBOX_MODE:
            raise CommandError("Sandbox mode is off: run with SANDBOX_MODE=1.")
        try:
            result = self._run(options)
        except InvalidInput as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps(result, indent=2, default=str))

    def _run(self, options: dict[str, Any]) -> Any:
        what = options["what"]
        if what == "reset":
            return actions.reset(options["scenario"])
        if what == "scenarios":
            return {name: text for name, (text, _) in actions.SCENARIOS.items()}
        if what == "token":
            return actions.issue_token(
                email=options["user"],
                handle=options["account"],
                app_name=options["app"],
                scope=options["scope"],
            )
        if what == "secret":
            return actions.new_client_secret(options["app"])
        if what == "clock":
            if options["advance"]:
                return actions.advance_clock(parse_duration(options["advance"]))
            return {
                "now": clock.now().isoformat(),
                "offset_seconds": int(clock.offset().total_seconds()),
            }
        return {"per_minute": actions.set_rate_limit(options["app"], options["per_minute"])}


def parse_duration(text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    unit = text[-1:] if text[-1:] in units else "s"
    number = text[:-1] if text[-1:] in units else text
    if not number.isdigit():
        raise InvalidInput(f"Give a duration like 90s, 15m, 2h or 3d; got {text!r}.")
    return int(number) * units[unit]

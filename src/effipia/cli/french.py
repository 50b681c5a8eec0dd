"""French for the help pages and usage errors that Typer writes in English.

Typer (0.29, with its vendored Click) has no French catalogue: its section titles go
through ``gettext`` in ``typer.core``, the rest are literals. :func:`install` routes
them through ``data/messages/cli.toml``; usage errors are reworded by
:func:`usage_error_text` from the exception's own fields.
"""

from __future__ import annotations

import re
import sys
import tomllib
from functools import cache
from importlib.resources import files

from effipia.errors import message

__all__ = ["install", "usage_error_text"]


@cache
def _framework_texts() -> dict[str, str]:
    text = (files("effipia") / "data" / "messages" / "cli.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["cli_framework"]


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    text = (files("effipia") / "data" / "messages" / "cli.toml").read_text(encoding="utf-8")
    return [(re.compile(pattern), template) for pattern, template in tomllib.loads(text)["cli_patterns"].items()]


def _translate(text: str) -> str:
    if text in _framework_texts():
        return _framework_texts()[text]
    for pattern, template in _patterns():
        match = pattern.match(text)
        if match:
            return template.format(**match.groupdict())
    return text


def install() -> None:
    """Make Typer's help pages French (idempotent)."""
    import typer.core
    from typer._click import decorators, formatting

    if getattr(formatting.HelpFormatter.write_usage, "_effipia_french", False):
        return
    typer.core._ = _translate
    original_write_usage = formatting.HelpFormatter.write_usage

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        original_write_usage(self, prog, args, message("cli.usage_prefix") if prefix is None else prefix)

    write_usage._effipia_french = True  # type: ignore[attr-defined]
    formatting.HelpFormatter.write_usage = write_usage

    original_help_option = decorators.help_option

    def help_option(param_decls):
        decorate = original_help_option(param_decls)

        def apply(command):
            command = decorate(command)
            command.params[-1].help = message("cli.help_option")
            return command

        return apply

    decorators.help_option = help_option

    from typer._click import exceptions as click_exc

    def show(self, file=None) -> None:
        out = file or sys.stderr
        if self.ctx is not None:
            print(self.ctx.get_usage(), file=out)
            if self.ctx.help_option_names:
                command = self.ctx.command_path
                print(message("cli.try_help", command=command, option=self.ctx.help_option_names[0]), file=out)
        print(usage_error_text(self), file=out)

    click_exc.UsageError.show = show


def usage_error_text(exc: Exception) -> str:
    """French text for a Typer usage error (missing argument, unknown option…)."""
    from typer._click import exceptions as click_exc

    if isinstance(exc, click_exc.MissingParameter):
        hint = exc.param.get_error_hint() if exc.param is not None else (exc.param_hint or "")
        detail = message("cli.missing_parameter", hint=hint)
    elif isinstance(exc, click_exc.NoSuchOption):
        detail = message("cli.no_such_option", name=exc.option_name)
    elif isinstance(exc, click_exc.BadParameter):
        hint = exc.param.get_error_hint() if exc.param is not None else (exc.param_hint or "")
        detail = message("cli.bad_parameter", hint=hint, message=_translate(exc.message))
    elif isinstance(exc, click_exc.UsageError) and exc.message.startswith("Got unexpected extra argument"):
        detail = message("cli.unexpected_arguments", arguments=exc.message.partition("(")[2].rstrip(")"))
    else:
        detail = _translate(getattr(exc, "message", str(exc)))
    return message("cli.usage_error", message=detail)

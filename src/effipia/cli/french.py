"""French help pages and usage errors, through Typer's public extension points only.

Typer (0.29, with its vendored Click) writes its help pages and usage errors in English and
has no catalogue to swap. Instead of rewording its private modules, effipia gives every
group and command its own class — the ``cls`` parameter of ``typer.Typer`` and
``Typer.command`` (:class:`FrenchTyper` sets it) — derived from the public
``typer.core.TyperGroup`` / ``TyperCommand``. The classes override Click's documented
``Command`` hooks: ``format_usage``, ``collect_usage_pieces``, ``format_options``,
``format_commands``, ``get_help_option``, ``resolve_command`` and ``main`` (usage errors
caught as ``typer.TyperException``, the public base of Click's exceptions, and said in
French from the exception's documented fields). Every text is in ``data/messages/cli.toml``.
Why this route: ``docs/decisions.md`` « French CLI without a private API ».
"""

from __future__ import annotations

import inspect
import re
import sys
import tomllib
from collections.abc import Iterable
from difflib import get_close_matches
from enum import Enum
from functools import cache
from importlib.resources import files
from typing import Any

import typer
import typer.core

__all__ = ["METAVARS", "FrenchCommand", "FrenchGroup", "FrenchTyper", "choices", "metavar", "usage_error_text"]


@cache
def _catalogue() -> dict[str, Any]:
    return tomllib.loads((files("effipia") / "data" / "messages" / "cli.toml").read_text(encoding="utf-8"))


def _text(key: str, **params: object) -> str:
    return _catalogue()["cli"][key].format(**params)


@cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(pattern), template) for pattern, template in _catalogue()["cli_patterns"].items()]


METAVARS: dict[str, str] = dict(_catalogue()["cli_metavars"])


def metavar(kind: str) -> str:
    """The French placeholder of a value in help pages (``metavar("file")`` → ``FICHIER``)."""
    return METAVARS[kind]


def choices(values: type[Enum] | Iterable[object]) -> str:
    """The metavar of an option with fixed values: ``csv|xlsx|parquet|sav|dta``."""
    items = [member.value for member in values] if isinstance(values, type) and issubclass(values, Enum) else list(values)
    return "|".join(str(item) for item in items)


def translate(text: str) -> str:
    """French for an English message Typer put into a usage error (``[cli_patterns]``)."""
    for pattern, template in _patterns():
        match = pattern.match(text)
        if match:
            groups = {k: v.replace("'", "") if k == "choices" else v for k, v in match.groupdict().items()}
            return template.format(**groups)
    return text


# --- help pages -------------------------------------------------------------------------


def _value_name(param: Any) -> str:
    return param.metavar or param.name.upper()


def _argument_usage(param: Any) -> str:
    name = _value_name(param)
    if not param.required:
        name = f"[{name}]"
    return f"{name}..." if param.nargs != 1 else name


def _is_flag(param: Any) -> bool:
    return bool(getattr(param, "is_flag", False) or getattr(param, "count", False))


def _option_names(param: Any) -> str:
    names = ", ".join(param.opts)
    if param.secondary_opts:
        names += " / " + ", ".join(param.secondary_opts)
    if not _is_flag(param):
        names += f" {_value_name(param)}"
        if param.nargs != 1:
            names += "..."
    return names


def _default_text(param: Any, ctx: Any) -> str:
    if isinstance(param.show_default, str):
        return f"({param.show_default})"
    if not (param.show_default or ctx.show_default):
        return ""
    resilient = ctx.resilient_parsing
    ctx.resilient_parsing = True  # read the default without converting it
    try:
        default = param.get_default(ctx, call=False)
    finally:
        ctx.resilient_parsing = resilient
    if default is None:
        return ""
    if inspect.isfunction(default):
        return _text("dynamic_default")
    if _is_flag(param):
        if not param.secondary_opts:
            return ""
        return (param.opts if default else param.secondary_opts)[0].lstrip("-")
    values = default if isinstance(default, (list, tuple)) else [default]
    return ", ".join(str(v.value if isinstance(v, Enum) else v) for v in values)


def _range_text(param: Any) -> str:
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is not None and high is not None:
        return f"{low}<=x<={high}"
    if low is not None:
        return f"x>={low}"
    if high is not None:
        return f"x<={high}"
    return ""


def help_row(param: Any, ctx: Any) -> tuple[str, str] | None:
    """The (term, description) row of an option or argument, every word French."""
    if getattr(param, "hidden", False):
        return None
    term = _option_names(param) if param.param_type_name == "option" else _value_name(param) + ("..." if param.nargs != 1 else "")
    extra = []
    if getattr(param, "show_envvar", False) and param.envvar:
        envvar = param.envvar if isinstance(param.envvar, str) else ", ".join(param.envvar)
        extra.append(_text("env_var", var=envvar))
    default = _default_text(param, ctx)
    if default:
        extra.append(_text("default", default=default))
    if range_text := _range_text(param):
        extra.append(range_text)
    if param.required:
        extra.append(_text("required"))
    description = param.help or ""
    if extra:
        description = f"{description}  [{' ; '.join(extra)}]".strip()
    return term, description


def _section(formatter: Any, heading: str, rows: list[tuple[str, str]]) -> None:
    if rows:
        formatter.write_paragraph()
        formatter.write(f"{heading}\n")
        with formatter.indentation():
            formatter.write_dl(rows)


class _French:
    """What the French group and command classes share (mixed in before Typer's class)."""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _text("help_option")
        return option

    def collect_usage_pieces(self, ctx):
        # Click's « [OPTIONS] » placeholder in the French form of GNU tools (« [OPTION]... »)
        pieces = [_text("options_metavar")] if self.options_metavar else []
        pieces += [_argument_usage(p) for p in self.get_params(ctx) if p.param_type_name == "argument"]
        return pieces

    def format_usage(self, ctx, formatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix=_text("usage_prefix"))

    def format_options(self, ctx, formatter) -> None:
        rows = {"argument": [], "option": []}
        for param in self.get_params(ctx):
            row = help_row(param, ctx)
            if row is not None and param.param_type_name in rows:
                rows[param.param_type_name].append(row)
        _section(formatter, _text("arguments_heading"), rows["argument"])
        _section(formatter, _text("options_heading"), rows["option"])

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Click's ``main``; in standalone mode (the ``effipia`` script, ``CliRunner``) the
        errors Typer would print in English are printed in French, with the same exit codes."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.Abort:
            print(_text("aborted"), file=sys.stderr)
            sys.exit(1)
        except typer.TyperException as exc:  # Click's ClickException and its usage errors
            if _kind(exc) == "NoArgsIsHelpError":  # a group run bare: its help page, as Click does
                exc.show()
            else:
                show_error(exc)
            sys.exit(exc.exit_code)
        # Non-standalone Typer returns the code of a typer.Exit (commands return nothing).
        sys.exit(result if isinstance(result, int) else 0)


class FrenchCommand(_French, typer.core.TyperCommand):
    """A command whose help page and usage errors are French."""


class FrenchGroup(_French, typer.core.TyperGroup):
    """A group of commands whose help page and usage errors are French."""

    def __init__(self, *, subcommand_metavar: str | None = None, **attrs: Any) -> None:
        super().__init__(subcommand_metavar=subcommand_metavar or _text("subcommand_metavar"), **attrs)

    def collect_usage_pieces(self, ctx):
        return [*super().collect_usage_pieces(ctx), self.subcommand_metavar]

    def format_options(self, ctx, formatter) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx, formatter) -> None:
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        commands = [(name, command) for name, command in commands if command is not None and not command.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            _section(formatter, _text("commands_heading"), [(name, command.get_short_help_str(limit)) for name, command in commands])

    def resolve_command(self, ctx, args):
        name = args[0]
        command = self.get_command(ctx, name)
        if command is None and ctx.token_normalize_func is not None:
            name = ctx.token_normalize_func(name)
            command = self.get_command(ctx, name)
        if command is None and not ctx.resilient_parsing:
            if not name[:1].isalnum():  # an option where a command was expected: parse it (unknown option)
                self.parse_args(ctx, args)
            reason = _text("no_such_command", name=args[0])
            close = get_close_matches(args[0], list(self.commands))
            if close:
                reason = _text("did_you_mean", text=reason, suggestions=", ".join(close))
            raise FrenchUsageError(reason, ctx=ctx)
        return (name if command else None), command, args[1:]


class FrenchTyper(typer.Typer):
    """``typer.Typer`` whose groups and commands default to the French classes."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", FrenchGroup)
        super().__init__(**kwargs)

    def command(self, name: str | None = None, **kwargs: Any):
        kwargs.setdefault("cls", FrenchCommand)
        return super().command(name, **kwargs)


# --- usage errors ----------------------------------------------------------------------


class FrenchUsageError(typer.BadParameter):
    """A usage error whose reason is already French (``typer.BadParameter`` is the one usage
    error class Typer exports; it derives from Click's ``UsageError``, exit code 2)."""


def _kind(exc: BaseException) -> str:
    """The most specific of Click's documented exception names that ``exc`` is."""
    names = [cls.__name__ for cls in type(exc).__mro__]
    for kind in ("FrenchUsageError", "NoArgsIsHelpError", "MissingParameter", "NoSuchOption", "BadOptionUsage", "BadParameter", "UsageError"):
        if kind in names:
            return kind
    return "ClickException"


def _param_name(param: Any) -> str:
    return param.opts[0] if param.param_type_name == "option" and param.opts else _value_name(param)


def _hint(exc: Any) -> str:
    if exc.param_hint is not None:
        hint = exc.param_hint
        return hint if isinstance(hint, str) else " / ".join(hint)
    return _param_name(exc.param) if exc.param is not None else ""


def usage_error_text(exc: Exception) -> str:
    """The French reason of a usage error raised by Typer (missing argument, unknown option…)."""
    kind = _kind(exc)
    if kind == "FrenchUsageError":
        return exc.message
    if kind == "MissingParameter":
        param = exc.param
        if param is None:
            return _text("missing_parameter", name=_hint(exc))
        if param.param_type_name == "argument":
            return _text("missing_argument", name=_argument_usage(param).strip("[]"))
        return _text("missing_option", name=_option_names(param))
    if kind == "NoSuchOption":
        reason = _text("no_such_option", name=exc.option_name)
        if exc.possibilities:
            reason = _text("did_you_mean", text=reason, suggestions=", ".join(sorted(exc.possibilities)))
        return reason
    if kind == "BadParameter":
        return _text("bad_parameter", name=_hint(exc), message=translate(exc.message))
    message = exc.message
    extra = re.fullmatch(r"Got unexpected extra argument\(s\) \((?P<arguments>.*)\)", message)
    if extra:
        arguments = extra["arguments"]
        return _text("unexpected_argument" if len(arguments.split()) == 1 else "unexpected_arguments", arguments=arguments)
    return translate(message)


def show_error(exc: Any) -> None:
    """Print a Typer error on stderr as Click would, in French: for a usage error the usage
    line and where to find help, then « Erreur : raison »."""
    ctx = getattr(exc, "ctx", None) if _kind(exc) != "ClickException" else None
    if ctx is not None:
        print(ctx.get_usage(), file=sys.stderr)
        if ctx.command.get_help_option(ctx) is not None:
            print(_text("try_help", command=ctx.command_path, option=ctx.help_option_names[0]), file=sys.stderr)
        print(_text("usage_error", message=usage_error_text(exc)), file=sys.stderr)
    elif _kind(exc) == "ClickException":
        print(_text("error", message=translate(exc.format_message())), file=sys.stderr)
    else:
        print(_text("usage_error", message=usage_error_text(exc)), file=sys.stderr)

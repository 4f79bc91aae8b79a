"""The argument parser of `ctdss`: every subcommand's `--help` opens with a sentence saying what it does, and an
unknown option is refused with the usage of the subcommand it was given to."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

CHOSEN = "_chosen_parser"  # the namespace attribute naming the innermost subcommand's parser


def sentence(text: str) -> str:
    """A subcommand's one-line help as a sentence: a capital first letter and a full stop."""
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


class _Subcommands(argparse._SubParsersAction):
    """Subcommands whose parser gets its help as a sentence where no longer description is given, so that a
    subcommand added anywhere has one."""

    def add_parser(self, name: str, **kwargs):  # type: ignore[no-untyped-def]
        if not kwargs.get("description") and kwargs.get("help"):
            kwargs["description"] = sentence(kwargs["help"])
        return super().add_parser(name, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:  # type: ignore[no-untyped-def]
        super().__call__(parser, namespace, values, option_string)
        # The innermost subcommand is called last but returns first: the outer ones keep what it set.
        if not hasattr(namespace, CHOSEN):
            setattr(namespace, CHOSEN, self.choices[values[0]])


class CommandParser(argparse.ArgumentParser):
    """An ArgumentParser whose subcommands are _Subcommands, at every level."""

    def add_subparsers(self, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("action", _Subcommands)
        return super().add_subparsers(**kwargs)

    def parse_args(self, args: Sequence[str] | None = None, namespace=None):  # type: ignore[no-untyped-def,override]
        """As argparse's, but an unrecognised argument is reported by the subcommand it follows (its usage, exit
        2), not by `ctdss`, whose usage would not show the options the subcommand takes."""
        parsed, extra = self.parse_known_args(args, namespace)
        chosen = vars(parsed).pop(CHOSEN, self)
        if extra:
            chosen.error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Every subcommand's parser under `parser`, at any depth, by its full name ("spark compare")."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found[name] = child
                found.update({f"{name} {inner}": p for inner, p in subcommands(child).items()})
    return found

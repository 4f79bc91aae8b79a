"""Errors a user can hit. Each one is a single paragraph: what failed, why, and what to do next."""


class UserError(Exception):
    """A failure the user can act on. The CLI prints its message, without a traceback, and exits with 2."""


class LoadFailure(UserError):
    """A dataset could not be landed; the previous data is unchanged."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message, without a trailing full stop, to quote inside a sentence."""
    return str(exc).strip().splitlines()[0].rstrip(".")

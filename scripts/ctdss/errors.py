"""Errors a user can hit. Each one is a single paragraph: what failed, why, and what to do next."""


class UserError(Exception):
    """A failure the user can act on. The CLI prints its message, without a traceback, and exits with 2."""

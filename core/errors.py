"""The project's own exceptions, as one tree with three branches, so every edge (Slack, REST, CLI) decides
how to show and log a failure from its branch alone:

- `Refusal`: the user's input or rights; shown as is, logged at INFO.
- `Unavailable`: a dependency is down (PostgreSQL, Grafana, Slack, the browser); retrying later may work;
  shown with a reference id, logged at WARNING with its cause.
- `Invalid`: a bad report or bad input data; the message names the file and the line.

Messages are shown to users as they are: say what went wrong and what to do, never a secret value.
Adapters translate third-party errors (psycopg, httpx, slack_sdk, playwright) into these with `raise … from`.
"""

from __future__ import annotations


class EdabotError(Exception):
    """Base class; `str(error)` is safe to show to the user. Raise a branch, never this class itself."""


class Refusal(EdabotError):
    """The user asked for something they may not have or gave something we cannot accept; nothing changed."""


class Unavailable(EdabotError):
    """Something edabot depends on is down or misconfigured; the same request may succeed later."""


class Invalid(EdabotError):
    """A report or data file cannot be read or stored as it is."""


class InvalidInput(Refusal):
    """The user gave something we cannot accept; nothing was written."""


class NotAllowed(Refusal):
    """The caller may not do this; the message says why."""


class NotFound(Refusal):
    pass


class AlreadyExists(Refusal):
    pass


class NotEdabots(Refusal):
    """A database or role of that name exists and was not created by edabot: never taken over or dropped."""


class CredentialsKeyError(Unavailable):
    """Stored secrets cannot be decrypted with the configured keys: refuse to run."""


class DatabaseUnavailable(Unavailable):
    """The PostgreSQL server (or a user's database on it) cannot be reached or logged in to."""

"""The project's own exceptions. Messages are shown to users as they are: say what went wrong and
what to do, and never include a secret value."""

from __future__ import annotations


class EdabotError(Exception):
    """Base class; `str(error)` is safe to show to the user."""


class InvalidInput(EdabotError):
    """The user gave something we cannot accept; nothing was written."""


class NotAllowed(EdabotError):
    """The caller may not do this; the message says why."""


class NotFound(EdabotError):
    pass


class AlreadyExists(EdabotError):
    pass


class CredentialsKeyError(EdabotError):
    """Stored secrets cannot be decrypted with the configured keys: refuse to run."""


class ProvisioningError(EdabotError):
    """A database server step failed; the message names the step and the fix."""

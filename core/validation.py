"""Checks on names and values users type; each failure names the problem and the rule."""

from __future__ import annotations

import re
import unicodedata

from core.errors import InvalidInput

USERNAME = re.compile(r"^[a-z][a-z0-9_]{2,30}$")
RESERVED_USERNAMES = frozenset({"postgres", "admin", "root", "public", "grafana", "template0", "template1"})
RESERVED_PREFIXES = ("pg_", "edabot")
# A username ending like this would collide with another user's read-only Grafana role.
RESERVED_SUFFIXES = ("_grafana",)
KEY_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
MAX_VALUE_BYTES = 10 * 1024


def username(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise InvalidInput("A username is required: 3 to 31 characters, a-z, 0-9 and _, starting with a letter.")
    shown = name if len(name) <= 40 else name[:40] + "…"
    if len(name) > 31:
        raise InvalidInput(f"Username `{shown}` is too long ({len(name)} characters; at most 31).")
    if len(name) < 3:
        raise InvalidInput(f"Username `{shown}` is too short (at least 3 characters).")
    if name != name.lower() and USERNAME.match(name.lower()):
        raise InvalidInput(f"Username `{shown}` has upper-case letters; use lower case: `{name.lower()}`.")
    if not USERNAME.match(name):
        bad = sorted({c for c in name if not re.match(r"[a-z0-9_]", c)})
        what = ", ".join(repr(c) for c in bad[:5]) if bad else "its first character"
        raise InvalidInput(
            f"Username `{shown}` is not allowed: {what} — use 3 to 31 characters, a-z, 0-9 and _, "
            "starting with a letter."
        )
    if name in RESERVED_USERNAMES or name.startswith(RESERVED_PREFIXES) or name.endswith(RESERVED_SUFFIXES):
        raise InvalidInput(f"Username `{name}` is reserved; choose another.")
    return name


def key_name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise InvalidInput("A credential name is required, like `SLACK_CHANNEL_ID` (A-Z, 0-9 and _).")
    if not KEY_NAME.match(name):
        shown = name if len(name) <= 70 else name[:70] + "…"
        if KEY_NAME.match(name.upper()):
            raise InvalidInput(f"Credential name `{shown}` must be upper case: `{name.upper()}`.")
        raise InvalidInput(
            f"Credential name `{shown}` is not allowed: use 1 to 64 characters A-Z, 0-9 and _, starting with a letter."
        )
    return name


def secret_value(key: str, value: str | None) -> str:
    """Values must be non-empty text of at most 10 kB, with no control characters (binary data)."""
    if value is None or value.strip() == "":
        raise InvalidInput(f"The value for `{key}` is empty; nothing was saved.")
    size = len(value.encode("utf-8", errors="surrogatepass"))
    if size > MAX_VALUE_BYTES:
        raise InvalidInput(f"The value for `{key}` is {size} bytes; the limit is {MAX_VALUE_BYTES}. Nothing was saved.")
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\t" for c in value):
        raise InvalidInput(
            f"The value for `{key}` contains binary or control characters; store text only "
            "(base64-encode binary data). Nothing was saved."
        )
    return value.strip()

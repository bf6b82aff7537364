"""The Grafana service-account token as a value that masks itself in repr, str and logs."""

from __future__ import annotations

from core.secret import Secret


class GrafanaToken(Secret):
    __slots__ = ()

    def __init__(self, value: str, *, setting: str = "GRAFANA_API_KEY") -> None:
        value = value.strip()
        # A token goes into an HTTP header: control characters would break (or smuggle) headers.
        if not value or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in value):
            raise ValueError(
                f"{setting} is empty or contains spaces/control characters; "
                "paste the service-account token exactly as Grafana showed it"
            )
        super().__init__(value)

    def __repr__(self) -> str:
        return "GrafanaToken('••••')"

    __str__ = __repr__

    def authorization(self) -> str:
        """The Authorization header value; the only place the token is revealed."""
        return f"Bearer {self.reveal()}"

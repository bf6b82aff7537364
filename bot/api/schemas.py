"""The REST API's request and response bodies (pydantic), as published in /openapi.json.

Names and values are checked by the core services (core.validation via core.users, core.credentials,
core.registration) so the rules and their messages live in one place; the patterns here only document
them for API clients.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from core.credentials import MaskedCredential
from core.dashboards import DashboardLine
from core.ingest.format_ids import ReportKind
from core.ingest.load.loader import LoadResult
from core.pipeline.machine import DashboardState
from core.users import UserSummary
from core.validation import KEY_NAME, USERNAME

SLACK_USER_ID_PATTERN = r"^[UW][A-Z0-9]{2,20}$"  # documents bot.config.SLACK_USER_ID, which checks it
_STATES = [state.value for state in DashboardState]


class ErrorBody(BaseModel):
    """Every refusal and failure: a code word for programs and a sentence for people."""

    error: str = Field(description="a code word: unauthorized, forbidden, not_found, invalid_input, …")
    message: str = Field(description="what went wrong and what to do")


class UserOut(BaseModel):
    username: str
    slack_user_id: str | None
    state: str = Field(description="registering, active or deleting")
    active: bool
    is_admin: bool
    api_key_prefix: str | None = Field(description="the first characters of the current API key, to tell keys apart")
    dashboards: int
    credentials: int

    @classmethod
    def of(cls, summary: UserSummary) -> UserOut:
        return cls(
            username=summary.username,
            slack_user_id=summary.slack_user_id,
            state=summary.state,
            active=summary.active,
            is_admin=summary.is_admin,
            api_key_prefix=summary.api_key_prefix,
            dashboards=summary.dashboards,
            credentials=summary.credentials,
        )


class UserList(BaseModel):
    users: list[UserOut]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        json_schema_extra={"pattern": USERNAME.pattern},
        description="3 to 31 characters a-z, 0-9 and _, starting with a letter; some names are reserved",
    )
    slack_user_id: str | None = Field(
        default=None, json_schema_extra={"pattern": SLACK_USER_ID_PATTERN}, description="the engineer's Slack user ID"
    )
    admin: bool = Field(default=False, description="give the new user admin rights")


class UserDatabases(BaseModel):
    timing: str
    qor: str
    drc: str


class UserCreated(BaseModel):
    user: UserOut
    api_key: str = Field(description="the new user's API key; shown this once and never again")
    databases: UserDatabases
    db_host: str
    db_port: int
    resumed: bool = Field(description="true when this finished an earlier, interrupted registration")


class CredentialOut(BaseModel):
    key_name: str
    masked: str = Field(description="•••• plus the last 4 characters for values of 12 or more characters")
    updated_at: datetime
    managed: bool = Field(description="managed by edabot (a database password): cannot be changed or deleted")

    @classmethod
    def of(cls, masked: MaskedCredential) -> CredentialOut:
        return cls(key_name=masked.key_name, masked=masked.masked, updated_at=masked.updated_at, managed=masked.managed)


class CredentialList(BaseModel):
    credentials: list[CredentialOut]


class CredentialCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key_name: str = Field(json_schema_extra={"pattern": KEY_NAME.pattern}, description="e.g. SLACK_CHANNEL_ID")
    value: SecretStr = Field(description="text of at most 10 kB; stored encrypted, never shown again in full")


class CredentialValue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: SecretStr = Field(description="text of at most 10 kB; stored encrypted, never shown again in full")


class DashboardOut(BaseModel):
    table: str
    kind: str = Field(description="timing, qor or drc")
    state: str = Field(description=", ".join(_STATES[:-1]) + " or " + _STATES[-1])
    url: str | None
    last_error: str | None

    @classmethod
    def of(cls, line: DashboardLine) -> DashboardOut:
        return cls(table=line.table, kind=line.kind, state=line.state, url=line.url, last_error=line.last_error)


class DashboardList(BaseModel):
    dashboards: list[DashboardOut]


class ReportTable(BaseModel):
    table: str = Field(description="the new table in the `public` schema of the user's database for `kind`")
    database: str
    kind: ReportKind
    format: str = Field(description="the report format detected, e.g. opensta_checks")
    design: str | None
    run_id: int
    rows: dict[str, int] = Field(description="rows stored per canonical table")

    @classmethod
    def of(cls, result: LoadResult, database: str) -> ReportTable:
        return cls(
            table=result.table,
            database=database,
            kind=result.kind,
            format=result.format.value,
            design=result.design,
            run_id=result.run_id,
            rows=dict(result.rows),
        )


class ReportIngested(BaseModel):
    file: str = Field(description="the uploaded file's name")
    tables: list[ReportTable]

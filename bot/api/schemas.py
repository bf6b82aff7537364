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
from core.usecases.series_overview import LatestFigure, RunFigure, SeriesOverview, SeriesRun, UserSeries
from core.users import UserSummary
from core.validation import KEY_NAME, USERNAME

SLACK_USER_ID_PATTERN = r"^[UW][A-Z0-9]{2,20}$"  # documents bot.config.SLACK_USER_ID, which checks it
_STATES = [state.value for state in DashboardState]


class ErrorBody(BaseModel):
    """Every refusal and failure: a code word for programs and a sentence for people."""

    error: str = Field(description="a code word: unauthorized, forbidden, not_found, invalid_input, …")
    message: str = Field(description="what went wrong and what to do")


class UserOut(BaseModel):
    id: int = Field(description="the numeric user id; `{id}` in paths accepts it as well as the username")
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
            id=summary.id,
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


class FigureOut(BaseModel):
    title: str = Field(description="the figure's name, e.g. Setup WNS")
    value: float | None = Field(description="the number in `unit`; null when the table gave none")
    unit: str | None = Field(description="ns, ps, µm², mW, %, MHz, count …; null for a plain number")
    shown: str = Field(description="the value with its unit as Slack messages show it")

    @classmethod
    def of(cls, figure: RunFigure) -> FigureOut:
        return cls(title=figure.title, value=figure.value, unit=figure.unit, shown=figure.shown)


class RunOut(BaseModel):
    dashboard_id: int
    table: str
    state: str = Field(description=", ".join(_STATES[:-1]) + " or " + _STATES[-1])
    posted_at: datetime | None = Field(description="when it was posted to Slack; null if it was not (yet)")
    url: str | None = Field(description="its Grafana dashboard")
    figures: list[FigureOut]

    @classmethod
    def of(cls, run: SeriesRun) -> RunOut:
        return cls(
            dashboard_id=run.dashboard_id,
            table=run.table,
            state=run.state,
            posted_at=run.posted_at,
            url=run.grafana_url,
            figures=[FigureOut.of(f) for f in run.figures],
        )


class FigureChangeOut(BaseModel):
    title: str
    value: float | None = Field(description="the latest run's number in `unit`")
    previous: float | None = Field(description="the previous run's number in `unit`; null when there is none")
    unit: str | None
    shown: str = Field(description="the latest value with its unit")
    change: str | None = Field(description="e.g. `▼ 12.0 ps`; null without a previous run to compare with")
    verdict: str = Field(description="better, worse, same, changed (no better direction) or new")
    best_so_far: bool
    first_regression: bool

    @classmethod
    def of(cls, figure: LatestFigure) -> FigureChangeOut:
        return cls(
            title=figure.title,
            value=figure.value,
            previous=figure.previous,
            unit=figure.unit,
            shown=figure.shown,
            change=figure.change,
            verdict=figure.verdict.value,
            best_so_far=figure.best_so_far,
            first_regression=figure.first_regression,
        )


class SeriesOut(BaseModel):
    kind: str = Field(description="timing, qor or drc")
    series: str
    muted: bool = Field(description="new runs of a muted series are not posted")
    run_count: int = Field(description="all runs of the series; `runs` holds the last ones")
    runs: list[RunOut] = Field(description="oldest first: the last is the latest run")
    latest: list[FigureChangeOut] = Field(description="the latest run's figures against the run before it")
    wns_trend: list[float] = Field(description="setup WNS (ns) of the last runs that have one, oldest first")
    sparkline: str = Field(description="wns_trend drawn with Unicode blocks")

    @classmethod
    def of(cls, overview: SeriesOverview) -> SeriesOut:
        return cls(
            kind=overview.kind,
            series=overview.series,
            muted=overview.muted,
            run_count=overview.run_count,
            runs=[RunOut.of(r) for r in overview.runs],
            latest=[FigureChangeOut.of(f) for f in overview.latest],
            wns_trend=list(overview.wns_trend),
            sparkline=overview.sparkline,
        )


class SeriesList(BaseModel):
    id: int = Field(description="the owner's numeric user id")
    username: str
    series: list[SeriesOut] = Field(description="the series with the newest run first")

    @classmethod
    def of(cls, found: UserSeries) -> SeriesList:
        return cls(id=found.id, username=found.username, series=[SeriesOut.of(s) for s in found.series])

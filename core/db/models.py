"""The master database: users, encrypted credentials, dashboards with their pipeline state, audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.pipeline.machine import DashboardState

DASHBOARD_KINDS = ("timing", "qor", "drc")
# Plain strings: the check constraint's SQL is their repr, the same text the migrations generate.
DASHBOARD_STATES = tuple(state.value for state in DashboardState)
REGISTRATION_STATES = ("registering", "active", "deleting")


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(31), unique=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    # SHA-256 hex of the API key; the plain key is shown once and never stored.
    api_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    api_key_prefix: Mapped[str | None] = mapped_column(String(16))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # False until every registration step has finished; a half-registered user is finished by re-running.
    active: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    state: Mapped[str] = mapped_column(String(16), default="registering", server_default="registering")
    # When the pipeline last claimed one of this user's dashboards: claims serve the user waiting longest.
    last_claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        CheckConstraint("username ~ '^[a-z][a-z0-9_]{2,30}$'", name="users_username_format"),
        CheckConstraint(f"state IN {REGISTRATION_STATES!r}", name="users_state_known"),
    )


class Credential(Base):
    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key_name: Mapped[str] = mapped_column(String(64))
    # Fernet token (MultiFernet, newest key first); never the plain value.
    encrypted_value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        UniqueConstraint("user_id", "key_name", name="credentials_user_key_unique"),
        CheckConstraint("key_name ~ '^[A-Z][A-Z0-9_]{0,63}$'", name="credentials_key_name_format"),
    )


class Dashboard(Base):
    __tablename__ = "dashboards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    database_name: Mapped[str] = mapped_column(String(63))
    table_name: Mapped[str] = mapped_column(String(63))
    # The table's pg_class oid when the scanner last saw it: a renamed table keeps its dashboard.
    table_oid: Mapped[int | None] = mapped_column(BigInteger)
    # Set when a listing no longer finds the table (dropped); the dashboard is kept, never re-posted.
    table_dropped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    grafana_uid: Mapped[str | None] = mapped_column(String(40))
    grafana_url: Mapped[str | None] = mapped_column(Text)
    gif_path: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(
        String(16), default=DashboardState.DETECTED.value, server_default=DashboardState.DETECTED.value
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    slack_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    key_figures: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Where a failed row resumes once its backoff has passed.
    retry_from: Mapped[str | None] = mapped_column(String(16))
    # Set (and committed) before the Slack send starts: a row with this set and no message_ts may or may
    # not have been posted, so it is reconciled through message metadata before any re-send.
    send_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    slack_file_id: Mapped[str | None] = mapped_column(String(32))
    # The series this table is a run of (core/series.py; NULL until the dashboard is built). With the owner and
    # kind it names the series; `series_chosen` means the owner set it with `/eda series`, so a rebuild keeps it.
    series: Mapped[str | None] = mapped_column(String(120))
    series_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    # A later run of a series is a reply in the thread of the series' first message: that message's ts.
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    # When the row entered the pipeline (NULL while deferred): the hourly quota counts these.
    admitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    __table_args__ = (
        UniqueConstraint("user_id", "kind", "table_name", name="dashboards_owner_kind_table_unique"),
        CheckConstraint(f"kind IN {DASHBOARD_KINDS!r}", name="dashboards_kind_known"),
        CheckConstraint(f"state IN {DASHBOARD_STATES!r}", name="dashboards_state_known"),
        Index("dashboards_due", "state", "next_attempt_at"),
        Index("dashboards_admitted", "user_id", "admitted_at"),
        Index("dashboards_series", "user_id", "kind", "series"),
        # Fair claims probe each user's oldest due row here (migration 0011; core/pipeline/states.py).
        Index(
            "dashboards_user_due",
            "user_id",
            "next_attempt_at",
            "id",
            postgresql_where=text("state IN ('detected', 'dashboard_ready', 'preview_ready', 'failed')"),
        ),
    )


class DeferralNotice(Base):
    """The one Slack message per user database that summarises its deferred tables (over the hourly quota).

    Posted once and then edited in place as the count changes; the send is recorded before it starts
    (`send_started_at`), so a retry looks for the message by its metadata before posting again.
    """

    __tablename__ = "deferral_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    database_name: Mapped[str] = mapped_column(String(63))
    # The count the message shows now (NULL: no message yet).
    shown_count: Mapped[int | None] = mapped_column(Integer)
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    send_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (UniqueConstraint("user_id", "database_name", name="deferral_notices_user_database_unique"),)


class SeriesMute(Base):
    """A series its owner muted: new runs of it are not posted (their dashboards end in state `muted`)."""

    __tablename__ = "series_mutes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    series: Mapped[str] = mapped_column(String(120))
    muted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (UniqueConstraint("user_id", "kind", "series", name="series_mutes_user_kind_series_unique"),)


class RetainedName(Base):
    """A username whose databases were kept when its account was deleted. It stays reserved: registering it
    would hand the kept data to whoever asked first, so only an admin can restore it to a named Slack user or
    purge the data."""

    __tablename__ = "retained_names"

    username: Mapped[str] = mapped_column(String(31), primary_key=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(32))
    deleted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    deleted_by: Mapped[str] = mapped_column(String(64))


class ScanCounter(Base):
    """The write counters of one user database when the scanner last listed it (pg_stat_database)."""

    __tablename__ = "scan_counters"

    database_name: Mapped[str] = mapped_column(String(63), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    tup_inserted: Mapped[int] = mapped_column(BigInteger)
    tup_updated: Mapped[int] = mapped_column(BigInteger)
    tup_deleted: Mapped[int] = mapped_column(BigInteger)
    stats_reset: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    listed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ScanState(Base):
    """One row: when every database was last listed, and the server start time seen then."""

    __tablename__ = "scan_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_full_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    server_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("id = 1", name="scan_state_single_row"),)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Who acted: a Slack user ID, "cli", or "api:<username>".
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target_username: Mapped[str | None] = mapped_column(String(31))
    # Names and outcomes only; never a secret value (enforced by callers passing no values).
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")

    __table_args__ = (Index("audit_log_target", "target_username", "at"),)

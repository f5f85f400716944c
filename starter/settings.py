"""Configuration, read once from the environment (see the README's table of variables).

What a setting becomes (the calendar, the keys, the mail relay) is imported when it is first
asked for: every command reads the settings, and `sla deadline` must not load the mail's and
the communiqués' models to compute one date.
"""

from __future__ import annotations

from datetime import date, timedelta
from email.utils import parseaddr
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

if TYPE_CHECKING:
    from adapters.sealed_mail import MailKeys
    from adapters.smtp_mail_server import SmtpServer
    from models.audit import SealKeys
    from models.inbound import IntakeAddresses
    from models.resolution import Targets
    from models.service_calendar import ServiceCalendar
    from models.sla import WarningPolicy
    from starter.keys import Key


class Settings(BaseSettings):
    # Only the documented variables are read: field names (like `home`) must never match HOME.
    # No value in an error: SAGIR_SMTP_URL and the keys may hold secrets.
    model_config = SettingsConfigDict(
        frozen=True, extra="ignore", populate_by_name=False, hide_input_in_errors=True
    )

    home: Path = Field(default=Path(".sagir"), validation_alias="SAGIR_HOME")
    database_url_override: str | None = Field(default=None, validation_alias="SAGIR_DATABASE_URL")
    temporal_address: str = Field(default="localhost:7233", validation_alias="TEMPORAL_ADDRESS")
    # The worker's Prometheus metrics (the Temporal SDK's own: task latencies, slots, polls),
    # served by the worker on this port when set; the API's are at its /metrics.
    worker_metrics_port: int | None = Field(
        default=None, ge=1, le=65535, validation_alias="SAGIR_WORKER_METRICS_PORT"
    )
    metrics_host: str = Field(default="127.0.0.1", validation_alias="SAGIR_METRICS_HOST")
    temporal_namespace: str = Field(default="default", validation_alias="TEMPORAL_NAMESPACE")
    task_queue: str = Field(default="sagir-desk", validation_alias="SAGIR_TASK_QUEUE")
    ui_port: int | None = Field(default=None, validation_alias="SAGIR_UI_PORT")
    api_port: int = Field(default=8000, validation_alias="SAGIR_API_PORT")
    # Where `sagir-desk api` listens (`sagir-desk dev` serves on the engine's host).
    api_host: str = Field(default="127.0.0.1", validation_alias="SAGIR_API_HOST")
    # How many processes `sagir-desk api` serves with (one per core is a good start).
    api_workers: int = Field(default=1, ge=1, le=64, validation_alias="SAGIR_API_WORKERS")
    # How long a web console session lasts after sign-in (a working day by default).
    console_session_hours: float = Field(
        default=10, gt=0, le=24 * 7, validation_alias="SAGIR_CONSOLE_SESSION_HOURS"
    )
    # The console's cookies go only over HTTPS (set it wherever the desk is served over TLS).
    console_secure_cookies: bool = Field(
        default=False, validation_alias="SAGIR_CONSOLE_SECURE_COOKIES"
    )
    # Who the command line acts as: a token of `sagir-desk token create`.
    token: str | None = Field(default=None, validation_alias="SAGIR_TOKEN", repr=False)
    payload_keys_text: str | None = Field(
        default=None, validation_alias="SAGIR_PAYLOAD_KEYS", repr=False
    )
    audit_keys_text: str | None = Field(
        default=None, validation_alias="SAGIR_AUDIT_KEYS", repr=False
    )
    # Where the audit trail's checkpoints are written besides the engine (a file the database's
    # administrators cannot write, in production); default under SAGIR_HOME.
    audit_checkpoint_file: Path | None = Field(
        default=None, validation_alias="SAGIR_AUDIT_CHECKPOINT_FILE"
    )
    checkpoint_minutes: int = Field(
        default=15, ge=1, le=1440, validation_alias="SAGIR_AUDIT_CHECKPOINT_MINUTES"
    )
    # A folder of notice templates that replace the shipped ones, file by file (README, "Notices").
    notice_templates: Path | None = Field(default=None, validation_alias="SAGIR_NOTICE_TEMPLATES")
    # How far back an agent may date a ticket's receipt (a voicemail heard late, say).
    max_receipt_age_days: int = Field(
        default=30, ge=1, le=365, validation_alias="SAGIR_MAX_RECEIPT_AGE_DAYS"
    )
    dossier_wait_open_days: int = Field(
        default=5, ge=1, le=60, validation_alias="SAGIR_DOSSIER_WAIT_OPEN_DAYS"
    )
    # The warning before a breach: at this share of a request's open time, or for a phone
    # request this many open minutes before its deadline.
    warning_share: float = Field(default=0.75, gt=0, lt=1, validation_alias="SAGIR_WARNING_SHARE")
    phone_warning_minutes: int = Field(
        default=5, ge=1, le=14, validation_alias="SAGIR_PHONE_WARNING_MINUTES"
    )
    # Open days between reminders of a ticket forwarded to a DGGIR pilot or an intervenant.
    forward_reminder_open_days: int = Field(
        default=2, ge=1, le=30, validation_alias="SAGIR_FORWARD_REMINDER_OPEN_DAYS"
    )
    # A ticket's run hands over to a new one (continue-as-new) once its history holds this many
    # events, so no run's history grows large (a ticket of 30 steps or more).
    ticket_continue_after_events: int = Field(
        default=200, ge=20, le=40_000, validation_alias="SAGIR_TICKET_CONTINUE_AFTER_EVENTS"
    )
    # Open days a parameterisation request or a ticket waits for the client's answer before it
    # is closed.
    answer_wait_open_days: int = Field(
        default=5, ge=1, le=60, validation_alias="SAGIR_ANSWER_WAIT_OPEN_DAYS"
    )
    # The mail relay (SMTP); unset, no relay runs and the outbox keeps its mail queued.
    smtp_url: str | None = Field(default=None, validation_alias="SAGIR_SMTP_URL", repr=False)
    mail_from: str = Field(
        default="Centre d'assistance SAGIR <assistance@sagir-desk.local>",
        validation_alias="SAGIR_MAIL_FROM",
    )
    # The right-hand side of the Message-IDs (`<digest@domain>`).
    mail_domain: str = Field(
        default="sagir-desk.local",
        pattern=r"^[A-Za-z0-9.-]+$",
        validation_alias="SAGIR_MAIL_DOMAIN",
    )
    smtp_max_attempts: int = Field(
        default=8, ge=1, le=50, validation_alias="SAGIR_SMTP_MAX_ATTEMPTS"
    )
    # The question period after a communiqué is sent, in calendar days.
    communique_question_days: int = Field(
        default=30, ge=0, le=365, validation_alias="SAGIR_COMMUNIQUE_QUESTION_DAYS"
    )
    mail_relay_seconds: int = Field(
        default=15, ge=1, le=3600, validation_alias="SAGIR_MAIL_RELAY_SECONDS"
    )
    # `sagir-desk dev`'s local mail sink (every message kept under SAGIR_HOME/mail).
    dev_smtp_port: int = Field(default=1025, ge=1, le=65535, validation_alias="SAGIR_DEV_SMTP_PORT")
    # The intake of incoming mail (`sagir-desk intake`): where it listens, the desk's address.
    intake_host: str = Field(default="127.0.0.1", validation_alias="SAGIR_INTAKE_HOST")
    intake_port: int = Field(default=2525, ge=1, le=65535, validation_alias="SAGIR_INTAKE_PORT")
    intake_address: str = Field(
        default="assistance@sagir-desk.local", validation_alias="SAGIR_INTAKE_ADDRESS"
    )
    # The largest message (advertised as SMTP SIZE; larger is refused, 552) and file in it.
    intake_max_bytes: int = Field(
        default=15_000_000, ge=1000, validation_alias="SAGIR_INTAKE_MAX_BYTES"
    )
    intake_max_attachment_bytes: int = Field(
        default=10_000_000, ge=1, validation_alias="SAGIR_INTAKE_MAX_ATTACHMENT_BYTES"
    )
    # Unset: the kinds of `models.inbound.DEFAULT_FILE_KINDS` (read only when asked for).
    intake_attachment_types_text: str | None = Field(
        default=None, validation_alias="SAGIR_INTAKE_ATTACHMENT_TYPES"
    )
    fax_gateway_addresses_text: str = Field(
        default="", validation_alias="SAGIR_FAX_GATEWAY_ADDRESSES"
    )
    voicemail_addresses_text: str = Field(default="", validation_alias="SAGIR_VOICEMAIL_ADDRESSES")
    attachments_dir_override: Path | None = Field(
        default=None, validation_alias="SAGIR_ATTACHMENTS_DIR"
    )
    # How often the intake retries the messages whose step has not reached the engine yet.
    intake_sweep_seconds: float = Field(
        default=60.0, gt=0, le=3600, validation_alias="SAGIR_INTAKE_SWEEP_SECONDS"
    )
    # Resolution targets per SAGIR module and channel, in open hours (`RF:email=14,RH:phone=3.5`):
    # reported by the committee's report, never enforced; none by default.
    resolution_targets_text: str = Field(default="", validation_alias="SAGIR_RESOLUTION_TARGETS")
    extra_closures: Annotated[tuple[date, ...], NoDecode] = Field(
        default=(), validation_alias="SAGIR_EXTRA_CLOSURES"
    )

    @field_validator("extra_closures", mode="before")
    @classmethod
    def _comma_separated_dates(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            try:
                return tuple(date.fromisoformat(part) for part in parts)
            except ValueError:
                raise ValueError(
                    "SAGIR_EXTRA_CLOSURES must be dates like 2026-12-28, separated by commas"
                ) from None
        return value

    @field_validator("resolution_targets_text", mode="after")
    @classmethod
    def _targets(cls, value: str) -> str:
        # Run on the default too (pydantic-settings validates defaults): no target, no import.
        if not any(part.strip() for part in value.split(",")):
            return value
        from models.resolution import parse_targets

        parse_targets(value)  # one sentence naming the variable and the entry
        return value

    @field_validator("smtp_url", mode="after")
    @classmethod
    def _an_smtp_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from adapters.smtp_mail_server import SmtpServer

        SmtpServer.from_url(value)  # one sentence naming the variable, never the URL
        return value

    @field_validator("mail_from", mode="after")
    @classmethod
    def _a_sender(cls, value: str) -> str:
        if "@" not in parseaddr(value)[1]:
            raise ValueError(
                "SAGIR_MAIL_FROM must be an address, with a name if you like: "
                "Centre d'assistance SAGIR <assistance@example.org>"
            )
        return value

    @property
    def smtp_server(self) -> SmtpServer | None:
        """The mail relay of SAGIR_SMTP_URL; None: no relay runs, mail stays queued."""
        from adapters.smtp_mail_server import SmtpServer

        return None if self.smtp_url is None else SmtpServer.from_url(self.smtp_url)

    @property
    def mail_folder(self) -> Path:
        """Where `sagir-desk dev`'s mail sink keeps every message it receives."""
        return self.home / "mail"

    @field_validator("intake_attachment_types_text")
    @classmethod
    def _known_file_kinds(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from models.inbound import attachment_types

        try:
            attachment_types(value)
        except ValueError as error:
            raise ValueError(f"SAGIR_INTAKE_ATTACHMENT_TYPES: {error}") from None
        return value

    @property
    def intake_attachment_types(self) -> frozenset[str]:
        from models.inbound import DEFAULT_FILE_KINDS, attachment_types

        text = self.intake_attachment_types_text
        return attachment_types(DEFAULT_FILE_KINDS if text is None else text)

    @property
    def intake_addresses(self) -> IntakeAddresses:
        """The desk's address, and the fax gateway's and voicemail system's."""
        from models.inbound import IntakeAddresses, addresses_of

        return IntakeAddresses(
            desk=self.intake_address.strip().lower(),
            fax=addresses_of(self.fax_gateway_addresses_text),
            voicemail=addresses_of(self.voicemail_addresses_text),
        )

    @property
    def intake_queue(self) -> str:
        """The intake process's own task queue: the intake's rounds run their activity there."""
        return f"{self.task_queue}-intake"

    @property
    def attachments_dir(self) -> Path:
        return self.attachments_dir_override or self.home / "attachments"

    @property
    def database_url(self) -> str:
        if self.database_url_override:
            return self.database_url_override
        return f"sqlite:///{(self.home / 'sagir.db').resolve()}"

    @property
    def temporal_port(self) -> int:
        _, _, port = self.temporal_address.rpartition(":")
        return int(port) if port.isdigit() else 7233

    @property
    def temporal_ui_port(self) -> int:
        return self.ui_port if self.ui_port is not None else self.temporal_port + 1000

    @cached_property
    def payload_keys(self) -> list[Key]:
        """SAGIR_PAYLOAD_KEYS when set; otherwise a key file made under SAGIR_HOME."""
        from starter.keys import local_keys, parse_keys

        if self.payload_keys_text:
            return parse_keys(self.payload_keys_text)
        return local_keys(self.home / "payload-keys")

    @cached_property
    def mail_keys(self) -> MailKeys:
        """The payload keys, as the adapters seal personal data and secrets at rest with them."""
        from adapters.sealed_mail import MailKeys

        return MailKeys.of([(key.key_id, key.secret) for key in self.payload_keys])

    @property
    def checkpoint_file(self) -> Path:
        return self.audit_checkpoint_file or self.home / "audit-checkpoints.jsonl"

    @cached_property
    def audit_keys(self) -> SealKeys:
        """SAGIR_AUDIT_KEYS when set; otherwise a key file made under SAGIR_HOME. Never in the
        database: whoever can write the trail's table cannot seal an entry."""
        from models.audit import SealKeys
        from starter.keys import local_keys, parse_keys

        setting = "SAGIR_AUDIT_KEYS"
        if self.audit_keys_text:
            keys = parse_keys(self.audit_keys_text, setting)
        else:
            keys = local_keys(self.home / "audit-keys", setting)
        return SealKeys.of([(key.key_id, key.secret) for key in keys])

    @cached_property
    def warning_policy(self) -> WarningPolicy:
        from models.sla import WarningPolicy

        return WarningPolicy(self.warning_share, timedelta(minutes=self.phone_warning_minutes))

    @cached_property
    def resolution_targets(self) -> Targets:
        from models.resolution import parse_targets

        return parse_targets(self.resolution_targets_text)

    @cached_property
    def calendar(self) -> ServiceCalendar:
        from models.service_calendar import ServiceCalendar

        return ServiceCalendar(frozenset(self.extra_closures))

"""Getting the report out: an atomic file write, or an email through SMTP."""

from __future__ import annotations

import os
import smtplib
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path


class DeliveryError(RuntimeError):
    """The report could not be written or sent."""


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` via a temporary file in the same folder and a rename.

    A crash or a full disk leaves either the old file or the new one, never half a report.
    """
    folder = path.resolve().parent
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise DeliveryError(f"cannot write to {folder}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise DeliveryError(f"cannot write {path}: {exc.strerror}") from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send mail; read from SMTP_* and REPORT_FROM."""

    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool
    sender: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings:
        host = env.get("SMTP_HOST")
        if not host:
            raise DeliveryError("SMTP_HOST is not set; it is needed for --email")
        try:
            port = int(env.get("SMTP_PORT", "25"))
        except ValueError:
            raise DeliveryError("SMTP_PORT must be a port number") from None
        return cls(
            host=host,
            port=port,
            user=env.get("SMTP_USER") or None,
            password=env.get("SMTP_PASSWORD") or None,
            starttls=env.get("SMTP_STARTTLS", "").lower() in {"1", "true", "yes", "on"},
            sender=env.get("REPORT_FROM") or "chat-analytics@localhost",
        )


def send_email(settings: SmtpSettings, recipients: list[str], subject: str, text: str, html: str) -> None:
    """Send one multipart/alternative message (plain text, then HTML) to every recipient."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.sender
    message["To"] = ", ".join(recipients)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            smtp.send_message(message, to_addrs=recipients)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"cannot send the email through {settings.host}:{settings.port}: {exc}") from exc

"""The outbox keeps no secret in clear (issue 11): a mail holding a secret is sealed with the
payload keys, opens for whoever holds them (after a rotation too), and loses its body once
delivered. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from adapters.database import OutboxRow, UnitOfWork
from adapters.outbox_mailer import OutboxMailer
from adapters.sealed_mail import MailKeys
from models.mail import Mail, UnreadableMail
from tests.payload_keys import TEST_KEYS

AT = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
SECRET = "Temp-0042-secret"
OLD = ("old-2025", b"o" * 32)
NEW = ("new-2026", b"n" * 32)
TEST_MAIL_KEYS = MailKeys.of([(key.key_id, key.secret) for key in TEST_KEYS])


def password_mail(key: str = "motdepasse-MTQ-2026-000001/reset/mail") -> Mail:
    return Mail(
        idempotency_key=key,
        to="annie.morin@mtq.example",
        subject="SAGIR : mot de passe temporaire / temporary password",
        body=f"Votre mot de passe temporaire SAGIR / your temporary SAGIR password: {SECRET}",
        secret=True,
    )


def stored_body(uow: UnitOfWork, key: str) -> str:
    with uow.begin() as session:
        row = session.get(OutboxRow, key)
        assert row is not None
        return row.body


def test_a_secret_mail_is_sealed_in_the_outbox_and_sent_gives_it_back_opened(
    uow: UnitOfWork,
) -> None:
    mailer = OutboxMailer(uow, TEST_MAIL_KEYS)
    mail = password_mail()

    assert mailer.send(mail, AT)
    assert not mailer.send(mail, AT)  # once per key, as before

    body = stored_body(uow, mail.idempotency_key)
    assert SECRET not in body
    assert body.startswith("sealed:test-2026:")
    assert mailer.sent("motdepasse-") == [mail]


def test_every_mails_address_subject_and_body_are_sealed_and_read_back_as_written(
    uow: UnitOfWork,
) -> None:
    mailer = OutboxMailer(uow, TEST_MAIL_KEYS)
    welcome = Mail(
        idempotency_key="a/welcome",
        to="annie.morin@mtq.example",
        subject="Arrivée",
        body="Bienvenue",
    )
    odd = Mail(idempotency_key="b/odd", to="a@b.example", subject="s", body="sealed:x:AAAA")

    assert mailer.send(welcome, AT) and mailer.send(odd, AT)

    with uow.begin() as session:
        row = session.get(OutboxRow, "a/welcome")
        assert row is not None
        stored = (row.to_address, row.subject, row.body)
    assert all(value.startswith("private:test-2026:") for value in stored)
    assert not any(text in " ".join(stored) for text in ("annie.morin", "Arrivée", "Bienvenue"))
    assert mailer.sent() == [welcome, odd]


def test_a_mail_queued_before_the_outbox_sealed_everything_reads_as_it_was_written(
    uow: UnitOfWork,
) -> None:
    with uow.begin() as session:
        session.add(
            OutboxRow(
                idempotency_key="c/old",
                to_address="a@b.example",
                subject="Avis",
                body="Bonjour.",
                created_at=AT,
            )
        )
    [old] = OutboxMailer(uow, TEST_MAIL_KEYS).sent("c/")
    assert (old.to, old.subject, old.body, old.secret) == ("a@b.example", "Avis", "Bonjour.", False)


def test_a_mail_sealed_with_an_older_key_still_opens_after_the_keys_rotate(
    uow: UnitOfWork,
) -> None:
    before = OutboxMailer(uow, MailKeys.of([OLD]))
    old_mail = password_mail("motdepasse-1/reset/mail")
    before.send(old_mail, AT)

    after = OutboxMailer(uow, MailKeys.of([NEW, OLD]))  # the new key seals, both open
    new_mail = password_mail("motdepasse-2/reset/mail")
    after.send(new_mail, AT)

    assert after.sent("motdepasse-") == [old_mail, new_mail]
    assert stored_body(uow, "motdepasse-1/reset/mail").startswith("sealed:old-2025:")
    assert stored_body(uow, "motdepasse-2/reset/mail").startswith("sealed:new-2026:")


def test_a_mail_sealed_with_a_key_no_longer_configured_names_the_key_to_add_back(
    uow: UnitOfWork,
) -> None:
    OutboxMailer(uow, MailKeys.of([OLD])).send(password_mail(), AT)

    with pytest.raises(UnreadableMail) as unreadable:
        OutboxMailer(uow, MailKeys.of([NEW])).sent()
    assert str(unreadable.value) == (
        "mail 'motdepasse-MTQ-2026-000001/reset/mail' is sealed with payload key 'old-2025', "
        "which is not configured: add that key back to SAGIR_PAYLOAD_KEYS (after the first) to "
        "open it"
    )


def test_a_sealed_mail_redirected_to_another_address_no_longer_opens(uow: UnitOfWork) -> None:
    mailer = OutboxMailer(uow, TEST_MAIL_KEYS)
    mailer.send(password_mail(), AT)
    with uow.begin() as session:
        session.execute(update(OutboxRow).values(to_address="someone@else.example"))

    with pytest.raises(UnreadableMail, match="does not open: its row in the outbox was altered"):
        mailer.sent()


def test_a_delivered_secret_mail_keeps_its_row_but_loses_its_body(uow: UnitOfWork) -> None:
    mailer = OutboxMailer(uow, TEST_MAIL_KEYS)
    mail = password_mail()
    plain = Mail(idempotency_key="a/welcome", to="a@b.example", subject="s", body="Bienvenue")
    mailer.send(mail, AT)
    mailer.send(plain, AT)

    assert mailer.delivered(mail.idempotency_key)
    assert not mailer.delivered(mail.idempotency_key)  # removed once
    assert not mailer.delivered(plain.idempotency_key)  # nothing secret to remove
    assert not mailer.delivered("never/queued")

    with uow.begin() as session:
        bodies = session.scalars(select(OutboxRow.body).order_by(OutboxRow.idempotency_key)).all()
    assert bodies[0].startswith("private:") and bodies[1] == "removed:delivered"
    assert mailer.sent() == [plain, mail.model_copy(update={"body": ""})]
    assert not mailer.send(mail, AT)  # still sent: a retried reset mails no second password


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ([], "at least one payload key is required"),
        ([("short", b"k" * 16)], "payload key 'short' must be 32 bytes"),
        ([("a:b", b"k" * 32)], "payload key id 'a:b' must be text without ':'"),
        ([OLD, OLD], "the payload keys name a key id twice"),
    ],
)
def test_mail_keys_are_refused_unless_each_is_32_bytes_under_its_own_id(
    keys: list[tuple[str, bytes]], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        MailKeys.of(keys)


def test_mail_keys_never_print_a_secret() -> None:
    assert (
        repr(MailKeys.of([NEW, OLD]))
        == "MailKeys(sealing='new-2026', ids=['new-2026', 'old-2025'])"
    )

"""`sagir-desk communique`: communiqués written by the DGGIR or an MO, checked and released by
the CA, forwarded unchanged (`verify` proves it), and their questions answered."""

from __future__ import annotations

import json
import mimetypes
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from models.communiques import (
    GROUP_EXAMPLES,
    Answer,
    Communique,
    CommuniqueStatus,
    Group,
    NewFile,
    Question,
    QuestionStatus,
    Side,
    Submission,
    VerifyReport,
)
from models.timestamps import local_text
from starter.cli import session
from starter.cli.output import instant, json_option, print_model, print_models, print_rows
from starter.desks.errors import InvalidInput, one_sentence, parse

if TYPE_CHECKING:
    from starter.desks.communiques import GuardedCommuniques

T = TypeVar("T")
EXIT_NOT_PROVEN = 1  # `verify`: a delivery's digest differs from the submitted one, or is missing

existing_file = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


@click.group()
def communique() -> None:
    """Communiqués of the DGGIR and the MOs, forwarded unchanged to the groups they target."""


@communique.command("submit", cls=session.Changing)
@click.option("--title", required=True)
@click.option("--body", default=None, help="The text (or --body-file).")
@click.option("--body-file", type=existing_file, default=None, help="The text, from a file.")
@click.option(
    "--group",
    "groups",
    multiple=True,
    required=True,
    help=f"A target group; repeat. One of: {GROUP_EXAMPLES}.",
)
@click.option(
    "--to-mo",
    "--mo-target",
    "mos",
    multiple=True,
    help="An MO whose users it targets; repeat (a DGGIR communiqué without one: every MO).",
)
@click.option("--file", "files", type=existing_file, multiple=True, help="An attachment; repeat.")
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--release-at", default=None, help="When to send it (default: once released).")
@click.option("--corrects", default=None, help="The communiqué this one corrects.")
@click.option(
    "--side",
    type=click.Choice([side.value for side in Side]),
    default=None,
    help="Whose communiqué (default: your token's: a DGGIR author's, the DGGIR; an MO's, the MO).",
)
@click.option("--mo", default=None, help="The author's MO (default: your token's).")
@click.option("--author", default=None, help="Who writes it (default: your token's holder).")
@json_option
def communique_submit(
    title: str,
    body: str | None,
    body_file: Path | None,
    groups: tuple[str, ...],
    mos: tuple[str, ...],
    files: tuple[Path, ...],
    language: str,
    release_at: str | None,
    corrects: str | None,
    side: str | None,
    mo: str | None,
    author: str | None,
    as_json: bool,
) -> None:
    """Submit a communiqué; prints its id and the digest of its content. Once submitted it is
    never edited: a correction is a new communiqué with --corrects."""
    text = _body(body, body_file)
    targets = _groups(groups)
    when = instant(release_at) if release_at else None
    attachments = [_attachment(path) for path in files]

    def submitted(desk: GuardedCommuniques) -> Awaitable[Communique]:
        own_side, own_mo = desk.own_side()
        chosen = Side(side) if side else own_side
        submission = parse(
            Submission,
            side=chosen,
            mo=mo if mo is not None else (own_mo if chosen is Side.mo else None),
            author=author or desk.caller.subject,
            title=title,
            body=text,
            language=language,
            mos=list(mos),
            groups=targets,
            release_at=when,
            corrects=corrects,
            files=attachments,
        )
        return desk.submit(submission)

    found = _run(submitted)
    if as_json:
        return print_model(found)
    click.echo(f"{found.id}  digest {found.digest}")


@communique.command("check", cls=session.Changing)
@click.argument("communique_id")
@click.option("--agent", required=True, help="The CA agent checking it (you).")
@json_option
def communique_check(communique_id: str, agent: str, as_json: bool) -> None:
    """Check a submitted communiqué: its groups exist, reach someone, and its author may address
    them (else it is refused, with the reason)."""
    _print(_run(lambda desk: desk.check(communique_id, agent)), as_json)


@communique.command("release", cls=session.Changing)
@click.argument("communique_id")
@click.option("--agent", required=True, help="The CA agent releasing it (you).")
@json_option
def communique_release(communique_id: str, agent: str, as_json: bool) -> None:
    """Release a checked communiqué: sent at its release time, or now."""
    _print(_run(lambda desk: desk.release(communique_id, agent)), as_json)


@communique.command("cancel", cls=session.Changing)
@click.argument("communique_id")
@click.option("--by", required=True, help="Who cancels it (you): the CA, or its own side.")
@json_option
def communique_cancel(communique_id: str, by: str, as_json: bool) -> None:
    """Cancel a communiqué before its release; after it, nothing can be recalled."""
    _print(_run(lambda desk: desk.cancel(communique_id, by)), as_json)


@communique.command("show")
@click.argument("communique_id")
@json_option
def communique_show(communique_id: str, as_json: bool) -> None:
    """A communiqué: where it stands, its targets, its digest, its deliveries and questions."""
    _print(_on_records(lambda desk: desk.show(communique_id)), as_json)


@communique.command("list")
@click.option("--status", type=click.Choice([s.value for s in CommuniqueStatus]), default=None)
@json_option
def communique_list(status: str | None, as_json: bool) -> None:
    """The communiqués you see, newest first."""
    chosen = CommuniqueStatus(status) if status else None
    found = _on_records(lambda desk: desk.list(chosen))
    if as_json:
        return print_models(found)
    if not found:
        click.echo("none")
    for one in found:
        side = one.mo or "DGGIR"
        click.echo(
            f"{one.id:<24} {one.status.value:<10} {side:<8} {local_text(one.submitted_at)}  "
            f"{one.title}"
        )


@communique.command("verify")
@click.argument("communique_id")
@json_option
def communique_verify(communique_id: str, as_json: bool) -> None:
    """Whether every delivery carried the submitted content: the digest each mail recorded
    equals the submitted one. Names every delivery that differs or recorded none; exit code 1
    when not proven."""
    report = _on_records(lambda desk: desk.verify(communique_id))
    if as_json:
        click.echo(
            json.dumps({**report.model_dump(mode="json"), "proven": report.proven}, indent=2)
        )
    else:
        _print_verification(report)
    if not report.proven:
        sys.exit(EXIT_NOT_PROVEN)


@communique.command("questions", cls=session.Changing)
@click.argument("communique_id")
@click.option("--answer", "question_id", default=None, help="The question to answer (its id).")
@click.option("--text", default=None, help="The answer (with --answer).")
@click.option("--by", default=None, help="Who answers (you: the MO's author; with --answer).")
@json_option
def communique_questions(
    communique_id: str,
    question_id: str | None,
    text: str | None,
    by: str | None,
    as_json: bool,
) -> None:
    """The questions about a communiqué, with how many were asked, answered and are open; with
    --answer QUESTION_ID --text ... --by ..., an MO's author answers one."""
    if question_id is None:
        if text is not None or by is not None:
            raise click.UsageError("--text and --by go with --answer QUESTION_ID")
        found = _on_records(lambda desk: desk.questions(communique_id))
        if as_json:
            return print_models(found)
        _print_questions(found)
        return
    if text is None or by is None:
        raise click.UsageError("--answer QUESTION_ID needs --text and --by")
    step = parse(Answer, text=text, by=by)
    answered = _on_records(lambda desk: _answer(desk, communique_id, question_id, step))
    if as_json:
        return print_model(answered)
    _print_question(answered)


@communique.command("lists")
@click.option("--mo", default=None, help="The MO (default: your token's).")
@json_option
def communique_lists(mo: str | None, as_json: bool) -> None:
    """An MO's named lists (the `list:NAME` groups) and how many members each has."""
    found = _on_records(lambda desk: desk.lists(mo))
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    if not found:
        click.echo("none")
    for name, members in found.items():
        click.echo(f"{name:<40} {_members(members)}")


@communique.command("list-keep", cls=session.Changing)
@click.argument("name")
@click.option("--employee", "employees", multiple=True, help="An employee number; repeat.")
@click.option(
    "--employees-file",
    type=existing_file,
    default=None,
    help="Employee numbers, one a line (added to any --employee).",
)
@click.option("--mo", default=None, help="The MO (default: your token's).")
@json_option
def communique_list_keep(
    name: str,
    employees: tuple[str, ...],
    employees_file: Path | None,
    mo: str | None,
    as_json: bool,
) -> None:
    """Replace a named list's members (an MO's author, for the MO); none removes the list."""
    members = list(employees)
    if employees_file is not None:
        members += [line.strip() for line in _text(employees_file).splitlines() if line.strip()]
    kept = _on_records(lambda desk: desk.keep_list(name, members, mo))
    if as_json:
        click.echo(json.dumps({"name": name, "members": kept}, indent=2))
        return
    click.echo(f"list:{name}  {_members(kept)}")


def _run(action: Callable[[GuardedCommuniques], Awaitable[T]]) -> T:
    return session.run(lambda desks: desks.communiques, action)


def _on_records(action: Callable[[GuardedCommuniques], Awaitable[T]]) -> T:
    """What the desk's records do alone (the engine may be down)."""
    return session.run_without_engine(lambda desks: desks.communiques, action)


async def _answer(
    desk: GuardedCommuniques, communique_id: str, question_id: str, step: Answer
) -> Question:
    """The answer to one of this communiqué's questions (a question of another is refused)."""
    if question_id not in {question.id for question in await desk.questions(communique_id)}:
        raise InvalidInput(f"--answer: {question_id} is not a question about {communique_id}")
    return await desk.answer(question_id, step)


def _members(count: int) -> str:
    return f"{count} member" if count == 1 else f"{count} members"


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path}: is not UTF-8 text") from None


def _body(body: str | None, body_file: Path | None) -> str:
    if (body is None) == (body_file is None):
        raise click.UsageError("give either --body TEXT or --body-file PATH")
    return body if body is not None else _text(body_file)  # type: ignore[arg-type]


def _groups(texts: tuple[str, ...]) -> list[Group]:
    from pydantic import ValidationError

    try:
        return [Group.parse(text) for text in texts]
    except ValidationError as error:  # a group's name that breaks its kind's rule
        raise InvalidInput(one_sentence(error.errors())) from None
    except ValueError as error:  # not a group at all
        raise InvalidInput(str(error)) from None


def _attachment(path: Path) -> NewFile:
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return parse(NewFile, name=path.name, content_type=content_type, data=path.read_bytes())


def _print(found: Communique, as_json: bool) -> None:
    if as_json:
        return print_model(found)
    rows = [
        ("communiqué", f"{found.id}  {found.tag}"),
        ("status", found.status.value),
        ("side", found.side.value if found.mo is None else f"{found.side.value} {found.mo}"),
        ("author", found.author),
        ("title", found.title),
        ("language", found.language.value),
        ("to", ", ".join(found.mos) or "every MO"),
        ("groups", ", ".join(str(group) for group in found.groups)),
        ("digest", found.digest),
        ("submitted", local_text(found.submitted_at)),
    ]
    rows += [("file", f"{f.name} ({f.content_type}, {f.size} bytes)") for f in found.files]
    if found.release_at is not None:
        rows.append(("release at", local_text(found.release_at)))
    if found.corrects is not None:
        rows.append(("corrects", found.corrects))
    if found.corrected_by:
        rows.append(("corrected by", ", ".join(found.corrected_by)))
    if found.refusal is not None:
        rows.append(("refused", found.refusal))
    if found.released_by is not None and found.released_at is not None:
        rows.append(("released", f"{local_text(found.released_at)} by {found.released_by}"))
    if found.recipients is not None:
        rows.append(("recipients", f"{found.recipients} (list digest {found.recipients_digest})"))
        rows.append(
            ("mail", f"{found.delivered} delivered, {found.failed} failed, {found.queued} queued")
        )
    if found.questions is not None:
        counts = found.questions
        rows.append(
            ("questions", f"{counts.asked} asked, {counts.answered} answered, {counts.open} open")
        )
    print_rows(rows)
    if found.status.value in ("sending", "sent", "closed"):
        click.echo("  (released: a communiqué sent cannot be recalled; correct it with --corrects)")
    click.echo("")
    click.echo(found.body, nl=False)


def _print_verification(report: VerifyReport) -> None:
    verdict = "proven" if report.proven else "NOT PROVEN"
    print_rows(
        [
            ("communiqué", report.id),
            ("verdict", verdict),
            ("digest", report.digest),
            (
                "recipients",
                "not resolved yet" if report.recipients is None else str(report.recipients),
            ),
            ("delivered", f"{report.delivered} ({report.matching} with the submitted digest)"),
            ("queued", str(report.queued)),
            ("failed", str(report.failed)),
        ]
    )
    for key in report.mismatched:
        click.echo(f"  mismatched: {key} (its digest differs from the submitted one)")
    for key in report.unrecorded:
        click.echo(f"  unrecorded: {key} (delivered without a recorded digest)")


def _print_questions(found: list[Question]) -> None:
    answered = sum(1 for one in found if one.status is QuestionStatus.answered)
    click.echo(f"{len(found)} asked, {answered} answered, {len(found) - answered} open")
    for question in found:
        _print_question(question)


def _print_question(question: Question) -> None:
    where = f"  ticket {question.ticket_id}" if question.ticket_id else ""
    click.echo(
        f"{question.id}  {question.status.value:<8} {local_text(question.asked_at)}  "
        f"{question.via.value} {question.mo or ''}/{question.asked_by}{where}"
    )
    click.echo(f"    {question.text}")
    if question.answer is not None and question.answered_at is not None:
        click.echo(
            f"    answered by {question.answered_by} {local_text(question.answered_at)}: "
            f"{question.answer}"
        )

"""Notices put in words from Jinja2 templates (plain text), in French or English.

The templates ship in adapters/notice_templates/ (`<name>.<language>.txt`: the first line is the
subject, then a blank line, then the body). A CA supervisor changes the wording without touching
code by putting a file of the same name in SAGIR_NOTICE_TEMPLATES; a template there that does not
render (a typo, a value that does not exist) is reported and the shipped one is used, so a notice
is never lost to a wording mistake. Dates and times are shown in the service's time zone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path

from jinja2 import (
    BaseLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    TemplateError,
)

from models.notices import SAMPLES, RenderedNotice, Template, Wording
from models.service_calendar import MONTREAL
from models.tickets import Language

log = logging.getLogger(__name__)

SHIPPED = Path(__file__).parent / "notice_templates"

DAYS = {
    Language.fr: ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    Language.en: ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS = {
    Language.fr: (
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    ).split(),
    Language.en: (
        "January February March April May June July August September October November December"
    ).split(),
}
CHANNELS = {
    Language.fr: {
        "phone": "téléphone",
        "web": "Outil Requête",
        "email": "courriel",
        "fax": "télécopieur",
        "voicemail": "boîte vocale",
    },
    Language.en: {
        "phone": "phone",
        "web": "Outil Requête",
        "email": "email",
        "fax": "fax",
        "voicemail": "voicemail",
    },
}
KINDS = {
    Language.fr: {
        "warning": "échéance de prise en charge proche",
        "breach": "non pris en charge à temps",
        "late_notice": "avis de départ tardif",
        "removal_failed": "accès encore présents après un départ",
        "given_up": "demande abandonnée",
        "mail_failed": "avis non livré",
    },
    Language.en: {
        "warning": "take-in-charge deadline near",
        "breach": "not taken in charge in time",
        "late_notice": "late departure notice",
        "removal_failed": "access still present after a departure",
        "given_up": "request given up",
        "mail_failed": "notice not delivered",
    },
}


# What an employee-data change wrote or started, in words (`remove RM-X; grant RF-Y`, say).
CHANGE_WRITES = {
    Language.fr: {
        "grant": "ajout de",
        "remove": "retrait de",
        "partition": "cloisonnement",
        "departure": "départ",
        "arrival": "arrivée",
    },
    Language.en: {},
}


def _writes(language: Language) -> Callable[[str], str]:
    """`remove RM-X; grant RF-Y` (or `grant RF-Y failed: why`) in the notice's language, each
    write's action in words; SAGIR's own reason is quoted as it gave it."""
    words = CHANGE_WRITES[language]

    def said(value: str) -> str:
        what, failed, why = value.partition(" failed: ")  # a write SAGIR refused, and why
        parts = []
        for part in what.split("; "):
            action, _, rest = part.partition(" ")
            parts.append(f"{words.get(action, action)} {rest}".strip())
        if failed and language is Language.fr:
            return f"l'écriture « {'; '.join(parts)} » a échoué : {why}"
        return "; ".join(parts) + (failed + why if failed else "")

    return said


REQUEST_KINDS = {
    Language.fr: {
        "create_responsibility": "création de responsabilité",
        "modify_responsibility": "modification de responsabilité",
        "grant_powers": "attribution de pouvoirs d'approbation",
        "change_powers": "modification de pouvoirs d'approbation",
        "withdraw_powers": "retrait de pouvoirs d'approbation",
        "change_cloisonnement": "modification du cloisonnement",
        "access": "demande d'accès",
    },
    Language.en: {
        "create_responsibility": "new responsibility",
        "modify_responsibility": "responsibility change",
        "grant_powers": "approval powers granted",
        "change_powers": "approval powers changed",
        "withdraw_powers": "approval powers withdrawn",
        "change_cloisonnement": "cloisonnement change",
        "access": "access request",
    },
}


class NoticeTemplateError(ValueError):
    """A template that does not render; the message names the file and the mistake."""


def _when(language: Language) -> Callable[[str], str]:
    def when(value: str) -> str:
        moment = datetime.fromisoformat(value).astimezone(MONTREAL)
        day = _day_words(language, moment.date())
        if language is Language.fr:
            return f"{day} à {moment.hour} h {moment.minute:02d}"
        return f"{day} at {moment.strftime('%I:%M %p').lstrip('0')}"

    return when


def _day_words(language: Language, value: date) -> str:
    weekday, month = DAYS[language][value.weekday()], MONTHS[language][value.month - 1]
    if language is Language.fr:
        first = "1er" if value.day == 1 else str(value.day)
        return f"{weekday} {first} {month} {value.year}"
    return f"{weekday}, {month} {value.day}, {value.year}"


def _minutes(language: Language) -> Callable[[str], str]:
    def minutes(value: str) -> str:
        total = int(value)
        hours, rest = divmod(total, 60)
        if language is Language.fr:
            return f"{hours} h {rest:02d} min" if hours else f"{rest} min"
        return f"{hours} h {rest:02d} min" if hours else f"{rest} min"

    return minutes


def _environment(loader: BaseLoader, language: Language) -> Environment:
    env = Environment(
        loader=loader,
        undefined=StrictUndefined,  # a value the notice does not have is an error, not a blank
        autoescape=False,  # plain-text mail
        keep_trailing_newline=True,
        trim_blocks=True,
    )
    env.filters["when"] = _when(language)
    env.filters["day"] = lambda value: _day_words(language, date.fromisoformat(value))
    env.filters["minutes"] = _minutes(language)
    env.filters["channel"] = lambda value: CHANNELS[language].get(value, value)
    env.filters["kind"] = lambda value: KINDS[language].get(value, value)
    env.filters["request_kind"] = lambda value: REQUEST_KINDS[language].get(value, value)
    env.filters["writes"] = _writes(language)
    return env


def file_name(template: Template, language: Language) -> str:
    return f"{template.value}.{language.value}.txt"


class NoticeTemplates:
    """Renders a notice's wording in a language; `overrides` is SAGIR_NOTICE_TEMPLATES."""

    def __init__(self, overrides: Path | None = None) -> None:
        self.overrides = overrides
        shipped = PackageLoader("adapters", "notice_templates")
        self._shipped = {lang: _environment(shipped, lang) for lang in Language}
        self._changed = (
            {lang: _environment(FileSystemLoader(str(overrides)), lang) for lang in Language}
            if overrides is not None
            else {}
        )

    def render(self, wording: Wording, language: Language) -> RenderedNotice:
        name = file_name(wording.template, language)
        if self.overridden(wording.template, language):
            try:
                return _split(self._changed[language].get_template(name).render(wording.values))
            except (TemplateError, ValueError) as error:
                # The template's mistake, never the values (they may be personal).
                log.error(
                    "notice template %s in SAGIR_NOTICE_TEMPLATES does not render (%s); the "
                    "shipped wording is used",
                    name,
                    type(error).__name__,
                )
        return _split(self._shipped[language].get_template(name).render(wording.values))

    def overridden(self, template: Template, language: Language) -> bool:
        return (
            self.overrides is not None
            and (self.overrides / file_name(template, language)).is_file()
        )

    def source(self, template: Template, language: Language) -> tuple[Path, str]:
        """Where the wording in use comes from, and its text."""
        name = file_name(template, language)
        path = (
            self.overrides / name
            if self.overrides is not None and self.overridden(template, language)
            else SHIPPED / name
        )
        return path, path.read_text(encoding="utf-8")

    def check(self) -> list[str]:
        """Every overridden template rendered with sample values: the mistakes, one sentence
        each (empty when all is well)."""
        problems = []
        for template in Template:
            for language in Language:
                if not self.overridden(template, language):
                    continue
                name = file_name(template, language)
                try:
                    _split(self._changed[language].get_template(name).render(SAMPLES[template]))
                except (TemplateError, ValueError) as error:
                    problems.append(f"{self.overrides}/{name}: {error}")
        return problems


def _split(text: str) -> RenderedNotice:
    subject, blank, body = text.lstrip("\n").partition("\n\n")
    if not blank or not subject.strip() or "\n" in subject.strip():
        raise NoticeTemplateError(
            "a notice template must start with the subject on one line, then a blank line, "
            "then the body"
        )
    return RenderedNotice(subject=subject.strip(), body=body.strip() + "\n")


def rendered_samples(templates: NoticeTemplates) -> Mapping[tuple[Template, Language], str]:
    """Every notice rendered with its sample values (for tests and previews)."""
    out = {}
    for template in Template:
        for language in Language:
            notice = templates.render(
                Wording(template=template, values=SAMPLES[template]), language
            )
            out[(template, language)] = f"{notice.subject}\n\n{notice.body}"
    return out

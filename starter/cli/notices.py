"""`sagir-desk notices`: the notices the service sends, as a CA supervisor reads and changes
them. The wording lives in templates; a file of the same name in SAGIR_NOTICE_TEMPLATES replaces
the shipped one (README, "Notices"). Needs neither the engine nor the database."""

from __future__ import annotations

import click

from models.notices import Template
from models.tickets import Language
from starter.cli import session

TEMPLATE = click.Choice([template.value for template in Template])
LANGUAGE = click.Choice([language.value for language in Language])


@click.group()
def notices() -> None:
    """The notices the service sends: their templates, in French and English."""


@notices.command("list")
def notices_list() -> None:
    """Every notice, and where its wording comes from (shipped, or SAGIR_NOTICE_TEMPLATES)."""
    templates = session.notice_templates()
    for template in Template:
        for language in Language:
            path, _ = templates.source(template, language)
            origin = "changed" if templates.overridden(template, language) else "shipped"
            click.echo(f"{template.value:<30} {language.value}  {origin:<8} {path}")


@notices.command("show")
@click.argument("name", type=TEMPLATE, metavar="NAME")
@click.option("--language", type=LANGUAGE, default="fr", show_default=True)
@click.option("--preview", is_flag=True, help="Render it with sample values.")
def notices_show(name: str, language: str, preview: bool) -> None:
    """A notice's template (copy it into SAGIR_NOTICE_TEMPLATES to change it), or a preview."""
    from models.notices import SAMPLES, Wording

    templates = session.notice_templates()
    template, lang = Template(name), Language(language)
    if preview:
        notice = templates.render(Wording(template=template, values=SAMPLES[template]), lang)
        click.echo(f"Objet : {notice.subject}\n\n{notice.body}", nl=False)
        return
    path, text = templates.source(template, lang)
    click.echo(f"# {path}", err=True)
    click.echo(text, nl=False)


@notices.command("check")
def notices_check() -> None:
    """Render every changed template with sample values; exit 2 naming each mistake."""
    problems = session.notice_templates().check()
    for problem in problems:
        click.echo(f"sagir-desk: {problem}", err=True)
    if problems:
        raise SystemExit(2)
    click.echo("every notice template renders")

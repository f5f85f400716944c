"""The console mounted on the API's app: its pages under /console, its assets (CSS, htmx, the
icon) served from the package so it works with no internet, its error page, and the way to
sign-in when the session is gone."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from starter.console import (
    arrivals,
    auditor,
    billing,
    committee,
    communiques,
    departures,
    employee_changes,
    home,
    parameterisation,
    passwords,
    registre,
    reports,
    signin,
    supervision,
    tickets,
    training,
    training_requests,
    triage,
)
from starter.console.french import in_french
from starter.console.pages import HERE, render
from starter.console.session import SignInRequired

TITLES = {
    401: "Connexion requise",
    403: "Accès refusé",
    404: "Page introuvable",
    409: "Étape refusée",
    422: "Donnée refusée",
    503: "Service momentanément indisponible",
}


def add_console(app: FastAPI) -> None:
    for module in (
        signin,
        home,
        tickets,
        triage,
        arrivals,
        departures,
        employee_changes,
        parameterisation,
        registre,
        passwords,
        training,
        training_requests,
        communiques,
        billing,
        supervision,
        auditor,
        committee,
        reports,
    ):
        app.include_router(module.router)
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")
    app.state.error_page = error_page

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, _error: SignInRequired) -> Response:
        to = f"{signin.SIGN_IN}?suite={request.url.path}"
        if request.headers.get("hx-request"):  # htmx follows this header, not a redirect
            return Response(status_code=204, headers={"HX-Redirect": to})
        return RedirectResponse(to, status_code=303)


def error_page(request: Request, status: int, detail: str) -> Response:
    """A refusal as a page, in French: what happened and where to go from here."""
    if status == 401:
        return RedirectResponse(f"{signin.SIGN_IN}?suite={request.url.path}", status_code=303)
    if status == 404 and not detail.endswith("does not exist"):
        detail = "Cette page n'existe pas."
    else:
        detail = in_french(detail)
    if status >= 500 and status != 503:
        detail = (
            "Le service n'a pas pu faire cette opération; elle est consignée et rien n'a été "
            "fait à moitié."
        )
    return render(
        request,
        "error.html",
        status_code=status,
        title=TITLES.get(status, "Erreur"),
        detail=detail,
    )

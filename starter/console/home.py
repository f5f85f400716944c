"""The console's front door: each person lands on their role's main page."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import RedirectResponse, Response

from starter.console.pages import home_of
from starter.console.session import ConsoleCaller

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/")
@router.get("")
async def home(caller: ConsoleCaller) -> Response:
    return RedirectResponse(home_of(caller), status_code=303)

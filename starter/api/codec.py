"""The payload codec the Temporal UI calls to show decoded payloads (`/codec/decode`,
`/codec/encode`), for callers who may read histories: the token comes in the Authorization
header (the UI with single sign-on passes its access token), or in the path, for a person who
sets the UI's data encoder to `/codec/<token>` in their own browser."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from fastapi import Depends, FastAPI, Request
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from models.roles import Action, Caller
from starter.api.deps import current_caller, desks
from starter.desks.access import authorize
from starter.desks.errors import InvalidInput
from starter.keys import BadKey
from starter.payload_codec import EncryptionCodec, workflows_of


def add_codec_routes(app: FastAPI, codec: EncryptionCodec) -> None:
    async def header_caller(
        request: Request,
        caller: Caller = Depends(current_caller),  # noqa: B008
    ) -> None:
        request.state.action = Action.payload_decode
        authorize(caller, Action.payload_decode)

    def path_caller(request: Request, token: str) -> None:
        caller = desks(request).tokens.authenticate(f"Bearer {token}")
        request.state.caller = caller  # for the audit trail
        request.state.action = Action.payload_decode
        authorize(caller, Action.payload_decode)

    async def decode(request: Request) -> dict[str, Any]:
        payloads = await _payloads(request)
        # The trail says what was opened: the workflow the payloads name (the page's address
        # for payloads sealed before they named it).
        request.state.record = ", ".join(workflows_of(payloads.payloads)) or _shown_workflow(
            request
        )
        try:
            decoded = await codec.decode(payloads.payloads)
        except BadKey as error:
            raise InvalidInput(str(error)) from None
        return _json(Payloads(payloads=decoded))

    async def encode(request: Request) -> dict[str, Any]:
        payloads = await _payloads(request)
        return _json(Payloads(payloads=await codec.encode(payloads.payloads)))

    for path, check in (("/codec", header_caller), ("/codec/{token}", path_caller)):
        for name, handler in (("decode", decode), ("encode", encode)):
            app.add_api_route(
                f"{path}/{name}",
                handler,
                methods=["POST"],
                tags=["codec"],
                dependencies=[Depends(check)],
                summary=f"{name.capitalize()} payloads for the Temporal UI",
            )


async def _payloads(request: Request) -> Payloads:
    body = await request.body()
    try:
        return json_format.Parse(body, Payloads())
    except json_format.ParseError:
        raise InvalidInput("body: must be a JSON object with a 'payloads' list") from None


def _shown_workflow(request: Request) -> str:
    """The workflow whose payloads the Temporal UI asks to open: its page's address (the
    Referer, `.../namespaces/<ns>/workflows/<id>/<run>/...`) names it."""
    parts = urlsplit(request.headers.get("referer", "")).path.split("/")
    if "workflows" in parts and parts.index("workflows") + 1 < len(parts):
        found = unquote(parts[parts.index("workflows") + 1])
        if found:
            return found
    return "temporal-ui"  # a page that names no workflow (a list of them)


def _json(payloads: Payloads) -> dict[str, Any]:
    return json_format.MessageToDict(payloads)

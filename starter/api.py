"""The desk's HTTP service. For now it serves the payload codec the Temporal UI calls to show
decoded payloads (`/codec/decode`, `/codec/encode`); the full API grows here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.middleware.cors import CORSMiddleware
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from starter.payload_codec import EncryptionCodec, PayloadKey, PayloadKeyError


def create_app(keys: Sequence[PayloadKey], ui_origins: Sequence[str] = ()) -> FastAPI:
    codec = EncryptionCodec(keys)
    app = FastAPI(title="sagir-desk", version="0.1.0")
    # The UI's page calls the codec from the browser: only the UI's own origin may.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(ui_origins),
        allow_credentials=True,
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["Content-Type", "X-Namespace", "Authorization"],
    )

    @app.post("/codec/decode")
    async def decode(request: Request) -> dict[str, Any]:
        payloads = await _payloads(request)
        try:
            decoded = await codec.decode(payloads.payloads)
        except PayloadKeyError as error:
            raise HTTPException(status_code=422, detail=str(error)) from None
        return _json(Payloads(payloads=decoded))

    @app.post("/codec/encode")
    async def encode(request: Request) -> dict[str, Any]:
        payloads = await _payloads(request)
        return _json(Payloads(payloads=await codec.encode(payloads.payloads)))

    return app


async def _payloads(request: Request) -> Payloads:
    body = await request.body()
    try:
        return json_format.Parse(body, Payloads())
    except json_format.ParseError:
        raise HTTPException(
            status_code=422, detail="body must be a JSON object with a 'payloads' list"
        ) from None


def _json(payloads: Payloads) -> dict[str, Any]:
    return json_format.MessageToDict(payloads)

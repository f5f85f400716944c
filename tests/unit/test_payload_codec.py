"""The payload codec: what reaches the engine is sealed, and keys can rotate."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi.testclient import TestClient
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.api.failure.v1 import Failure
from temporalio.converter import WorkflowSerializationContext, default

from adapters.database import UnitOfWork
from models.roles import Caller, Role
from starter.api.app import create_app
from starter.client import data_converter
from starter.desks.compose import build_desks
from starter.keys import BadKey, format_keys, local_keys, new_key, parse_keys
from starter.payload_codec import EncryptionCodec, workflows_of
from starter.settings import Settings
from tests.payload_keys import TEST_AUDIT_KEYS_TEXT, TEST_KEYS

SECRET_TEXT = "Tremblay born 14-03 marie.tremblay@mtq.gouv.qc.ca"


async def test_encoded_payloads_hold_no_personal_data_in_clear() -> None:
    converter = data_converter(TEST_KEYS)
    [payload] = await converter.encode([SECRET_TEXT])
    assert b"Tremblay" not in payload.SerializeToString()
    assert b"14-03" not in payload.SerializeToString()
    assert payload.metadata["encryption-key-id"] == b"test-2026"
    assert await converter.decode([payload], [str]) == [SECRET_TEXT]


async def test_failures_are_sealed_too() -> None:
    converter = data_converter(TEST_KEYS)
    failure = Failure()
    await converter.encode_failure(ValueError(SECRET_TEXT), failure)
    assert "Tremblay" not in failure.message
    assert b"Tremblay" not in failure.SerializeToString()


async def test_a_rotated_key_still_opens_old_payloads() -> None:
    old, new = new_key(), new_key()
    [sealed_by_old] = await EncryptionCodec([old]).encode(_plain(SECRET_TEXT))
    rotated = EncryptionCodec([new, old])
    [opened] = await rotated.decode([sealed_by_old])
    assert opened.data == b'"' + SECRET_TEXT.encode() + b'"'
    [sealed_by_new] = await rotated.encode(_plain(SECRET_TEXT))
    assert sealed_by_new.metadata["encryption-key-id"] == new.key_id.encode()


async def test_a_payload_sealed_by_an_unknown_key_is_refused_by_name() -> None:
    [sealed] = await EncryptionCodec([new_key()]).encode(_plain(SECRET_TEXT))
    with pytest.raises(BadKey, match="not configured"):
        await EncryptionCodec([new_key()]).decode([sealed])


def test_malformed_keys_are_refused_with_the_rule() -> None:
    with pytest.raises(BadKey, match="32 bytes"):
        parse_keys("k1:c2hvcnQ=")
    with pytest.raises(BadKey, match="key-id:base64"):
        parse_keys("no-separator")
    key = new_key()
    with pytest.raises(BadKey, match="twice"):
        parse_keys(format_keys([key, key]))


def test_the_local_key_file_is_made_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "home" / "payload-keys"
    first = local_keys(path)
    assert local_keys(path) == first
    assert path.stat().st_mode & 0o077 == 0


async def test_the_codec_endpoint_decodes_for_the_ui_only_for_roles_that_read_histories(
    demo_uow: UnitOfWork,
) -> None:
    [sealed] = await EncryptionCodec(TEST_KEYS).encode(_plain(SECRET_TEXT))
    settings = Settings().model_copy(update={"audit_keys_text": TEST_AUDIT_KEYS_TEXT})
    desks = build_desks(settings, None, demo_uow)  # no engine needed
    client = TestClient(create_app(desks, TEST_KEYS, ["http://127.0.0.1:8233"]))
    body = json_format.MessageToDict(Payloads(payloads=[sealed]))
    origin = {"Origin": "http://127.0.0.1:8233"}
    assert client.post("/codec/decode", json=body, headers=origin).status_code == 401
    hr = desks.tokens.issue(Caller(role=Role.mo_hr, mo="MTQ", subject="rh-mtq"), "")
    refused = client.post("/codec/decode", json=body, headers={**origin, **_bearer(hr.token)})
    assert refused.status_code == 403
    assert SECRET_TEXT not in refused.text
    auditor = desks.tokens.issue(Caller(role=Role.auditor, subject="verif-1"), "")
    headers = {**origin, **_bearer(auditor.token)}
    response = client.post("/codec/decode", json=body, headers=headers)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:8233"
    decoded = json_format.ParseDict(response.json(), Payloads())
    assert decoded.payloads[0].data == b'"' + SECRET_TEXT.encode() + b'"'
    # The token in the path, for the UI's data encoder set in a person's own browser.
    in_path = client.post(f"/codec/{auditor.token}/decode", json=body, headers=origin)
    assert in_path.json() == response.json()
    assert client.post(f"/codec/{hr.token}/decode", json=body).status_code == 403
    # Every opening is in the audit trail, with who; the token in the path never is.
    trail = desks.trail.entries()
    assert [(e.actor, e.action, e.outcome.value) for e in trail][-2:] == [
        ("verif-1", "payload.decode", "done"),
        ("rh-mtq", "payload.decode", "refused"),
    ]
    assert all(
        secret not in entry.model_dump_json()
        for entry in trail
        for secret in (auditor.token, hr.token)
    )
    not_json = client.post("/codec/decode", content=b"not json", headers=headers)
    assert not_json.status_code == 422
    assert not_json.json() == {"detail": "body: must be a JSON object with a 'payloads' list"}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _plain(text: str) -> list[Payload]:
    return default().payload_converter.to_payloads([text])


def test_the_api_docs_render_from_the_desks_own_files_with_no_internet(
    demo_uow: UnitOfWork,
) -> None:
    settings = Settings().model_copy(update={"audit_keys_text": TEST_AUDIT_KEYS_TEXT})
    client = TestClient(create_app(build_desks(settings, None, demo_uow), TEST_KEYS))
    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets and all(asset.startswith("/") for asset in assets), (page, assets)
        for asset in assets:
            assert client.get(asset).status_code == 200, asset


async def test_a_payload_sealed_for_a_workflow_names_it_so_its_opening_is_recorded_with_it() -> (
    None
):
    codec = EncryptionCodec(TEST_KEYS).with_context(
        WorkflowSerializationContext(namespace="default", workflow_id="T-2026-000123")
    )
    [sealed] = await codec.encode(_plain(SECRET_TEXT))
    assert workflows_of([sealed]) == ["T-2026-000123"]
    assert SECRET_TEXT.encode() not in sealed.SerializeToString()
    [opened] = await EncryptionCodec(TEST_KEYS).decode([sealed])
    assert SECRET_TEXT.encode() in opened.data


def test_a_large_payload_is_compressed_before_it_is_sealed_and_opens_whole() -> None:
    """A ticket's state with its steps repeats itself: sealed compressed, the history keeps a
    fraction of it (issue 17), and it opens to the very payload that was sealed."""
    codec = EncryptionCodec(TEST_KEYS)
    steps = ",".join(
        f'{{"seq":{n},"kind":"message","actor":"agent-tremblay","at":"2026-11-27T15:00:00Z"}}'
        for n in range(200)
    )
    payload = Payload(metadata={"encoding": b"json/plain"}, data=f"[{steps}]".encode())
    sealed = codec.seal(payload)
    assert sealed.metadata["compression"] == b"zlib"
    assert len(sealed.data) * 5 < len(payload.data)
    assert codec.open(sealed) == payload
    small = Payload(metadata={"encoding": b"json/plain"}, data=b'"T-2026-000001"')
    assert "compression" not in codec.seal(small).metadata
    assert codec.open(codec.seal(small)) == small


def test_a_compression_flag_changed_or_dropped_does_not_open() -> None:
    codec = EncryptionCodec(TEST_KEYS)
    payload = Payload(metadata={"encoding": b"json/plain"}, data=b'"x"' * 400)
    sealed = codec.seal(payload)
    dropped = Payload()
    dropped.CopyFrom(sealed)
    del dropped.metadata["compression"]
    with pytest.raises(BadKey, match="does not open"):
        codec.open(dropped)
    other = Payload()
    other.CopyFrom(sealed)
    other.metadata["compression"] = b"brotli"
    with pytest.raises(BadKey, match="unknown compression"):
        codec.open(other)


def test_a_payload_sealed_before_compression_existed_still_opens() -> None:
    """Histories recorded before: their payloads were sealed whole, the key alone bound."""
    codec = EncryptionCodec(TEST_KEYS)
    key = TEST_KEYS[0]
    payload = Payload(metadata={"encoding": b"json/plain"}, data=b'"y"' * 400)
    nonce = b"\x01" * 12
    sealed = AESGCM(key.secret).encrypt(nonce, payload.SerializeToString(), key.key_id.encode())
    old = Payload(
        metadata={"encoding": b"binary/encrypted", "encryption-key-id": key.key_id.encode()},
        data=nonce + sealed,
    )
    assert codec.open(old) == payload

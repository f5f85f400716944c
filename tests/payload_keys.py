"""The payload key of the test suite and of the recorded histories, and its audit key (test
secrets, not real ones: production keys come from SAGIR_PAYLOAD_KEYS and SAGIR_AUDIT_KEYS, or the
key files under SAGIR_HOME)."""

from models.audit import SealKeys
from starter.client import data_converter
from starter.keys import parse_keys

TEST_KEYS_TEXT = "test-2026:" + "dGVzdC1rZXktb2Ytc2FnaXItZGVzay0zMi1ieXRlcyE="
TEST_KEYS = parse_keys(TEST_KEYS_TEXT)
TEST_CONVERTER = data_converter(TEST_KEYS)
TEST_AUDIT_KEYS_TEXT = "test-audit-2026:dGVzdCBhdWRpdCBrZXkgb2YgdGhlIHNhZ2lyIGRlc2s="
TEST_AUDIT_KEYS = SealKeys.of(
    [(key.key_id, key.secret) for key in parse_keys(TEST_AUDIT_KEYS_TEXT, "SAGIR_AUDIT_KEYS")]
)

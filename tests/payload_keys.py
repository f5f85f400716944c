"""The payload key of the test suite and of the recorded histories (a test secret, not a real
one: production keys come from SAGIR_PAYLOAD_KEYS or the key file under SAGIR_HOME)."""

from starter.client import data_converter
from starter.payload_codec import parse_keys

TEST_KEYS = parse_keys("test-2026:" + "dGVzdC1rZXktb2Ytc2FnaXItZGVzay0zMi1ieXRlcyE=")
TEST_CONVERTER = data_converter(TEST_KEYS)

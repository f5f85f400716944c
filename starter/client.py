"""The one client factory: every worker, starter, test and replayer gets its client here, so
they can never disagree on the data converter."""

from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.service import RPCError, RPCStatusCode

from workflows import search_attributes

DATA_CONVERTER: DataConverter = pydantic_data_converter


async def connect(address: str, namespace: str = "default") -> Client:
    return await Client.connect(address, namespace=namespace, data_converter=DATA_CONVERTER)


async def register_search_attributes(client: Client) -> None:
    """Register the desk's search attributes on the namespace; those already there are kept."""
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=client.namespace)
        )
        existing = set(listed.custom_attributes)
    except RPCError as error:
        # The time-skipping test server can add search attributes but not list them.
        if error.status is not RPCStatusCode.UNIMPLEMENTED:
            raise
        existing = set()
    missing = {
        key.name: IndexedValueType.ValueType(_indexed_type(key.indexed_value_type))
        for key in search_attributes.ALL
        if key.name not in existing
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )


def _indexed_type(kind: SearchAttributeIndexedValueType) -> int:
    return int(kind)

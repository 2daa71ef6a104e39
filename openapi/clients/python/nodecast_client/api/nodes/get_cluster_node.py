from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.include import Include
from ...models.node_item import NodeItem
from ...models.view import View
from ...types import UNSET, Response, Unset


def _get_kwargs(
    cluster: str,
    node: str,
    *,
    view: View | Unset = UNSET,
    fields: str | Unset = UNSET,
    include: Include | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match

    params: dict[str, Any] = {}

    json_view: str | Unset = UNSET
    if not isinstance(view, Unset):
        json_view = view.value

    params["view"] = json_view

    params["fields"] = fields

    json_include: str | Unset = UNSET
    if not isinstance(include, Unset):
        json_include = include.value

    params["include"] = json_include

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/nodes/{cluster}/{node}".format(
            cluster=quote(str(cluster), safe=""),
            node=quote(str(node), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | ErrorBody | NodeItem | None:
    if response.status_code == 200:
        response_200 = NodeItem.from_dict(response.json())

        return response_200

    if response.status_code == 304:
        response_304 = cast(Any, None)
        return response_304

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = ErrorBody.from_dict(response.json())

        return response_409

    if response.status_code == 415:
        response_415 = ErrorBody.from_dict(response.json())

        return response_415

    if response.status_code == 502:
        response_502 = ErrorBody.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = ErrorBody.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        response_504 = ErrorBody.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Any | ErrorBody | NodeItem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    cluster: str,
    node: str,
    *,
    client: AuthenticatedClient | Client,
    view: View | Unset = UNSET,
    fields: str | Unset = UNSET,
    include: Include | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
) -> Response[Any | ErrorBody | NodeItem]:
    """Get one node

    Args:
        cluster (str):
        node (str):
        view (View | Unset): Which view of a node to return.
        fields (str | Unset):
        include (Include | Unset): What a node read may add from outside the cache.
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorBody | NodeItem]
    """

    kwargs = _get_kwargs(
        cluster=cluster,
        node=node,
        view=view,
        fields=fields,
        include=include,
        if_none_match=if_none_match,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    cluster: str,
    node: str,
    *,
    client: AuthenticatedClient | Client,
    view: View | Unset = UNSET,
    fields: str | Unset = UNSET,
    include: Include | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
) -> Any | ErrorBody | NodeItem | None:
    """Get one node

    Args:
        cluster (str):
        node (str):
        view (View | Unset): Which view of a node to return.
        fields (str | Unset):
        include (Include | Unset): What a node read may add from outside the cache.
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorBody | NodeItem
    """

    return sync_detailed(
        cluster=cluster,
        node=node,
        client=client,
        view=view,
        fields=fields,
        include=include,
        if_none_match=if_none_match,
    ).parsed


async def asyncio_detailed(
    cluster: str,
    node: str,
    *,
    client: AuthenticatedClient | Client,
    view: View | Unset = UNSET,
    fields: str | Unset = UNSET,
    include: Include | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
) -> Response[Any | ErrorBody | NodeItem]:
    """Get one node

    Args:
        cluster (str):
        node (str):
        view (View | Unset): Which view of a node to return.
        fields (str | Unset):
        include (Include | Unset): What a node read may add from outside the cache.
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | ErrorBody | NodeItem]
    """

    kwargs = _get_kwargs(
        cluster=cluster,
        node=node,
        view=view,
        fields=fields,
        include=include,
        if_none_match=if_none_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    cluster: str,
    node: str,
    *,
    client: AuthenticatedClient | Client,
    view: View | Unset = UNSET,
    fields: str | Unset = UNSET,
    include: Include | Unset = UNSET,
    if_none_match: str | Unset = UNSET,
) -> Any | ErrorBody | NodeItem | None:
    """Get one node

    Args:
        cluster (str):
        node (str):
        view (View | Unset): Which view of a node to return.
        fields (str | Unset):
        include (Include | Unset): What a node read may add from outside the cache.
        if_none_match (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | ErrorBody | NodeItem
    """

    return (
        await asyncio_detailed(
            cluster=cluster,
            node=node,
            client=client,
            view=view,
            fields=fields,
            include=include,
            if_none_match=if_none_match,
        )
    ).parsed

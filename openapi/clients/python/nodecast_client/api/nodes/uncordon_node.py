from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.node_result import NodeResult
from ...types import UNSET, Response, Unset


def _get_kwargs(
    cluster: str,
    node: str,
    *,
    dry_run: bool | Unset = False,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["dry_run"] = dry_run

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/nodes/{cluster}/{node}/uncordon".format(
            cluster=quote(str(cluster), safe=""),
            node=quote(str(node), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | NodeResult | None:
    if response.status_code == 200:
        response_200 = NodeResult.from_dict(response.json())

        return response_200

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
) -> Response[ErrorBody | NodeResult]:
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
    dry_run: bool | Unset = False,
) -> Response[ErrorBody | NodeResult]:
    """Uncordon one node

    Args:
        cluster (str):
        node (str):
        dry_run (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | NodeResult]
    """

    kwargs = _get_kwargs(
        cluster=cluster,
        node=node,
        dry_run=dry_run,
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
    dry_run: bool | Unset = False,
) -> ErrorBody | NodeResult | None:
    """Uncordon one node

    Args:
        cluster (str):
        node (str):
        dry_run (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | NodeResult
    """

    return sync_detailed(
        cluster=cluster,
        node=node,
        client=client,
        dry_run=dry_run,
    ).parsed


async def asyncio_detailed(
    cluster: str,
    node: str,
    *,
    client: AuthenticatedClient | Client,
    dry_run: bool | Unset = False,
) -> Response[ErrorBody | NodeResult]:
    """Uncordon one node

    Args:
        cluster (str):
        node (str):
        dry_run (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | NodeResult]
    """

    kwargs = _get_kwargs(
        cluster=cluster,
        node=node,
        dry_run=dry_run,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    cluster: str,
    node: str,
    *,
    client: AuthenticatedClient | Client,
    dry_run: bool | Unset = False,
) -> ErrorBody | NodeResult | None:
    """Uncordon one node

    Args:
        cluster (str):
        node (str):
        dry_run (bool | Unset):  Default: False.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | NodeResult
    """

    return (
        await asyncio_detailed(
            cluster=cluster,
            node=node,
            client=client,
            dry_run=dry_run,
        )
    ).parsed

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.node_pods import NodePods
from ...types import UNSET, Response, Unset


def _get_kwargs(
    cluster: str,
    node: str,
    *,
    limit: int | Unset = UNSET,
    continue_: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["continue"] = continue_

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/nodes/{cluster}/{node}/pods".format(
            cluster=quote(str(cluster), safe=""),
            node=quote(str(node), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | NodePods | None:
    if response.status_code == 200:
        response_200 = NodePods.from_dict(response.json())

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
) -> Response[ErrorBody | NodePods]:
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
    limit: int | Unset = UNSET,
    continue_: str | Unset = UNSET,
) -> Response[ErrorBody | NodePods]:
    """List a node's pods

     Straight from the cluster's API server (a list with the field selector
    `spec.nodeName`, within 15 s), never from the cache. Paged by `limit`
    and `continue` as Kubernetes pages it. An API server that refuses,
    fails or does not answer in time is a 403, 502 or 504.

    Args:
        cluster (str):
        node (str):
        limit (int | Unset):
        continue_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | NodePods]
    """

    kwargs = _get_kwargs(
        cluster=cluster,
        node=node,
        limit=limit,
        continue_=continue_,
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
    limit: int | Unset = UNSET,
    continue_: str | Unset = UNSET,
) -> ErrorBody | NodePods | None:
    """List a node's pods

     Straight from the cluster's API server (a list with the field selector
    `spec.nodeName`, within 15 s), never from the cache. Paged by `limit`
    and `continue` as Kubernetes pages it. An API server that refuses,
    fails or does not answer in time is a 403, 502 or 504.

    Args:
        cluster (str):
        node (str):
        limit (int | Unset):
        continue_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | NodePods
    """

    return sync_detailed(
        cluster=cluster,
        node=node,
        client=client,
        limit=limit,
        continue_=continue_,
    ).parsed


async def asyncio_detailed(
    cluster: str,
    node: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    continue_: str | Unset = UNSET,
) -> Response[ErrorBody | NodePods]:
    """List a node's pods

     Straight from the cluster's API server (a list with the field selector
    `spec.nodeName`, within 15 s), never from the cache. Paged by `limit`
    and `continue` as Kubernetes pages it. An API server that refuses,
    fails or does not answer in time is a 403, 502 or 504.

    Args:
        cluster (str):
        node (str):
        limit (int | Unset):
        continue_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | NodePods]
    """

    kwargs = _get_kwargs(
        cluster=cluster,
        node=node,
        limit=limit,
        continue_=continue_,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    cluster: str,
    node: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = UNSET,
    continue_: str | Unset = UNSET,
) -> ErrorBody | NodePods | None:
    """List a node's pods

     Straight from the cluster's API server (a list with the field selector
    `spec.nodeName`, within 15 s), never from the cache. Paged by `limit`
    and `continue` as Kubernetes pages it. An API server that refuses,
    fails or does not answer in time is a 403, 502 or 504.

    Args:
        cluster (str):
        node (str):
        limit (int | Unset):
        continue_ (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | NodePods
    """

    return (
        await asyncio_detailed(
            cluster=cluster,
            node=node,
            client=client,
            limit=limit,
            continue_=continue_,
        )
    ).parsed

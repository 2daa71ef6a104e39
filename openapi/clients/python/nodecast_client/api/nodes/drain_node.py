from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.drain_options import DrainOptions
from ...models.error_body import ErrorBody
from ...models.operation import Operation
from ...types import UNSET, Response, Unset


def _get_kwargs(
    cluster: str,
    node: str,
    *,
    body: DrainOptions,
    reason: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["reason"] = reason

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/nodes/{cluster}/{node}/drain".format(
            cluster=quote(str(cluster), safe=""),
            node=quote(str(node), safe=""),
        ),
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json; charset=utf-8"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | Operation | None:
    if response.status_code == 202:
        response_202 = Operation.from_dict(response.json())

        return response_202

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
) -> Response[ErrorBody | Operation]:
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
    body: DrainOptions,
    reason: str | Unset = UNSET,
) -> Response[ErrorBody | Operation]:
    """Drain a node

     Cordons the node (recording who and why, as a cordon does), then
    evicts its pods through `policy/v1` Eviction as `kubectl drain` does,
    with its options and defaults: nothing is evicted when a pod could not
    be (a DaemonSet's without `ignore_daemonsets`, one with `emptyDir`
    without `delete_emptydir_data`, one with no controller without
    `force`); an eviction a disruption budget refuses (429) is asked
    again with a backoff (0.5 s doubling to 5 s) until `timeout_seconds`;
    then it waits until each pod is gone. The operation runs on the
    server, whatever happens to the client; a server restart stops it.

    Args:
        cluster (str):
        node (str):
        reason (str | Unset):
        body (DrainOptions): What a drain may do, with kubectl drain's defaults and meanings.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Operation]
    """

    kwargs = _get_kwargs(
        cluster=cluster,
        node=node,
        body=body,
        reason=reason,
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
    body: DrainOptions,
    reason: str | Unset = UNSET,
) -> ErrorBody | Operation | None:
    """Drain a node

     Cordons the node (recording who and why, as a cordon does), then
    evicts its pods through `policy/v1` Eviction as `kubectl drain` does,
    with its options and defaults: nothing is evicted when a pod could not
    be (a DaemonSet's without `ignore_daemonsets`, one with `emptyDir`
    without `delete_emptydir_data`, one with no controller without
    `force`); an eviction a disruption budget refuses (429) is asked
    again with a backoff (0.5 s doubling to 5 s) until `timeout_seconds`;
    then it waits until each pod is gone. The operation runs on the
    server, whatever happens to the client; a server restart stops it.

    Args:
        cluster (str):
        node (str):
        reason (str | Unset):
        body (DrainOptions): What a drain may do, with kubectl drain's defaults and meanings.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Operation
    """

    return sync_detailed(
        cluster=cluster,
        node=node,
        client=client,
        body=body,
        reason=reason,
    ).parsed


async def asyncio_detailed(
    cluster: str,
    node: str,
    *,
    client: AuthenticatedClient | Client,
    body: DrainOptions,
    reason: str | Unset = UNSET,
) -> Response[ErrorBody | Operation]:
    """Drain a node

     Cordons the node (recording who and why, as a cordon does), then
    evicts its pods through `policy/v1` Eviction as `kubectl drain` does,
    with its options and defaults: nothing is evicted when a pod could not
    be (a DaemonSet's without `ignore_daemonsets`, one with `emptyDir`
    without `delete_emptydir_data`, one with no controller without
    `force`); an eviction a disruption budget refuses (429) is asked
    again with a backoff (0.5 s doubling to 5 s) until `timeout_seconds`;
    then it waits until each pod is gone. The operation runs on the
    server, whatever happens to the client; a server restart stops it.

    Args:
        cluster (str):
        node (str):
        reason (str | Unset):
        body (DrainOptions): What a drain may do, with kubectl drain's defaults and meanings.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Operation]
    """

    kwargs = _get_kwargs(
        cluster=cluster,
        node=node,
        body=body,
        reason=reason,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    cluster: str,
    node: str,
    *,
    client: AuthenticatedClient | Client,
    body: DrainOptions,
    reason: str | Unset = UNSET,
) -> ErrorBody | Operation | None:
    """Drain a node

     Cordons the node (recording who and why, as a cordon does), then
    evicts its pods through `policy/v1` Eviction as `kubectl drain` does,
    with its options and defaults: nothing is evicted when a pod could not
    be (a DaemonSet's without `ignore_daemonsets`, one with `emptyDir`
    without `delete_emptydir_data`, one with no controller without
    `force`); an eviction a disruption budget refuses (429) is asked
    again with a backoff (0.5 s doubling to 5 s) until `timeout_seconds`;
    then it waits until each pod is gone. The operation runs on the
    server, whatever happens to the client; a server restart stops it.

    Args:
        cluster (str):
        node (str):
        reason (str | Unset):
        body (DrainOptions): What a drain may do, with kubectl drain's defaults and meanings.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Operation
    """

    return (
        await asyncio_detailed(
            cluster=cluster,
            node=node,
            client=client,
            body=body,
            reason=reason,
        )
    ).parsed

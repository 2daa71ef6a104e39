"""The servers come from openapi/live.sh, which sets LIVE_* (see its header)."""

import os
import subprocess

import httpx
import pytest

from nodecast_client import AuthenticatedClient, Client
from nodecast_client.api.nodes import list_nodes
from nodecast_client.result import unwrap

CLUSTER = "demo"


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the tests under openapi/live.sh", pytrace=False)
    return value


@pytest.fixture
def live_url() -> str:
    return env("LIVE_URL")


@pytest.fixture
def auth_url() -> str:
    return env("LIVE_AUTH_URL")


@pytest.fixture
def client(live_url):
    with Client(base_url=live_url, timeout=httpx.Timeout(20.0)) as client:
        yield client


def token_client(url: str, token_variable: str) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=url, token=env(token_variable), timeout=httpx.Timeout(20.0))


def kubectl(*args: str) -> str:
    done = subprocess.run(
        ["kubectl", "--kubeconfig", env("LIVE_KUBECONFIG"), *args], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stderr}"
    return done.stdout


def node_names(client: Client) -> list[str]:
    listed = unwrap(list_nodes.sync_detailed(client=client, cluster_name=CLUSTER, fields="name"))
    return [item.name for item in listed.items]

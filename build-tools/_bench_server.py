"""build-tools/bench, the credential server's part: how fast `aws-login serve` answers (median
and p99 over N requests, each on a new connection as the SDKs make them), next to what a
botocore client's own request costs in the same run (GetCallerIdentity on the local STS)."""

from __future__ import annotations

import http.client
import shlex
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(python: Path, roles: str, env: Mapping[str, str], requests: int) -> list[str]:
    """The markdown lines of the server's table."""
    proc = subprocess.Popen([str(python), "-m", "aws_login", "serve", "--outform", "linux",
                             "--assume-roles", roles], env=dict(env), text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # the comment line
        settings = dict(shlex.split(proc.stdout.readline())[1].split("=", 1) for _ in range(2))
        url = urlsplit(settings["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
        token = settings["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        server = [_one(url.netloc, url.path, token) for _ in range(requests)]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    client = _botocore_calls(env, max(10, requests // 10))
    return [
        f"| answer of `aws-login serve` ({requests} requests) | "
        f"{statistics.median(server):.2f} | {_percentile(server, 0.99):.2f} |",
        f"| botocore GetCallerIdentity on the local STS ({len(client)} calls) | "
        f"{statistics.median(client):.2f} | {_percentile(client, 0.99):.2f} |",
    ]


def _one(authority: str, path: str, token: str) -> float:
    start = time.perf_counter()
    connection = http.client.HTTPConnection(authority, timeout=5)
    connection.request("GET", path, headers={"Authorization": token})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"bench: the credential server answered {response.status}")
    return (time.perf_counter() - start) * 1000


def _botocore_calls(env: Mapping[str, str], count: int) -> list[float]:
    import botocore.session  # the bench's own interpreter has it (the test extra)

    session = botocore.session.Session()
    session.set_credentials(env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"])
    client = session.create_client("sts", region_name="us-east-1",
                                   endpoint_url=env["AWS_ENDPOINT_URL_STS"])
    client.get_caller_identity()  # warm-up: the model loads once
    times = []
    for _ in range(count):
        start = time.perf_counter()
        client.get_caller_identity()
        times.append((time.perf_counter() - start) * 1000)
    return times

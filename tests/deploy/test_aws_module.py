"""The AWS root module (terraform/aws), checked offline. No AWS provider can be installed here (it is not on a
registry this machine reaches), so `plan` cannot run; instead:

* its lifecycle rules are checked on the parsed HCL: data volumes never destroyed and snapshotted, datastore
  instances immune to image and release changes, server hosts rolled one at a time behind a /health check;
* a reference graph built from every expression of the module shows what a new release can reach (the server
  hosts) and cannot (any datastore, any data volume);
* the parts that decide those properties are run for real with OpenTofu and Terraform: the AMI pin (a newer
  image changes nothing on the next apply; a chosen ami_id does) and the datastores' placement (private
  subnets, one zone after another, addresses inside their subnets), each evaluated from the module's own
  text.
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
from collections import defaultdict
from pathlib import Path
from typing import Any

import hcl2
import pytest

from deploy_support import TERRAFORM_DIR, require_tool, run, terraform_env, terraform_tools

pytestmark = [pytest.mark.timeout(120)]

AWS = TERRAFORM_DIR / "aws"


def _unquote(key: str) -> str:
    return key.strip('"')


def _load() -> dict[str, Any]:
    """Every block of the module by address: var.X, local.X, module.X, data.T.N, T.N, output.X."""
    blocks: dict[str, Any] = {}
    for path in sorted(AWS.glob("*.tf")):
        doc = hcl2.loads(path.read_text())
        for block in doc.get("variable", []):
            for name, body in block.items():
                blocks[f"var.{_unquote(name)}"] = body
        for block in doc.get("locals", []):
            for name, body in block.items():
                if not name.startswith("__"):
                    blocks[f"local.{name}"] = body
        for block in doc.get("module", []):
            for name, body in block.items():
                blocks[f"module.{_unquote(name)}"] = body
        for kind in ("resource", "data"):
            for block in doc.get(kind, []):
                for rtype, named in block.items():
                    for name, body in named.items():
                        prefix = "data." if kind == "data" else ""
                        blocks[f"{prefix}{_unquote(rtype)}.{_unquote(name)}"] = body
        for block in doc.get("output", []):
            for name, body in block.items():
                blocks[f"output.{_unquote(name)}"] = body
    return blocks


BLOCKS = _load()
REF = re.compile(
    r"(?<![\w.])((?:var|local|module)\.[A-Za-z0-9_-]+|data\.[a-z0-9_]+\.[A-Za-z0-9_-]+|"
    r"(?:aws_[a-z0-9_]+|terraform_data|random_[a-z0-9_]+)\.[A-Za-z0-9_-]+)"
)


def _refs(body: Any) -> set[str]:
    """Addresses an expression body refers to (lifecycle blocks aside: they steer, they feed no value)."""
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("lifecycle", "__comments__")}
    return {r for r in REF.findall(json.dumps(body)) if r in BLOCKS}


def _reach(sources: set[str]) -> set[str]:
    """Every address whose value depends, directly or not, on one of ``sources``."""
    users: dict[str, set[str]] = defaultdict(set)
    for address, body in BLOCKS.items():
        for ref in _refs(body):
            users[ref].add(address)
    seen = set(sources)
    todo = list(sources)
    while todo:
        for user in users[todo.pop()]:
            if user not in seen:
                seen.add(user)
                todo.append(user)
    return seen


def _attr(address: str, *path: str) -> Any:
    value: Any = BLOCKS[address]
    for key in path:
        value = value[key]
        if isinstance(value, list) and value and isinstance(value[0], dict) and value[0].get("__is_block__"):
            value = value[0]
    return value


def _lifecycle(address: str) -> dict[str, Any]:
    blocks = BLOCKS[address].get("lifecycle", [])
    return blocks[0] if blocks else {}


DATASTORE = {
    "aws_instance.redis",
    "aws_instance.mongod",
    "aws_ebs_volume.redis",
    "aws_ebs_volume.mongod",
    "aws_ebs_volume.single_data",
    "aws_volume_attachment.redis",
    "aws_volume_attachment.mongod",
    "module.redis_host",
    "module.mongod_host",
    "aws_dlm_lifecycle_policy.data",
}
#: What an operator changes for a new version or configuration of the server.
RELEASE_INPUTS = {"var.wheel_path", "var.lock_path", "var.settings", "var.config_toml", "var.python"}


def test_the_module_is_what_the_tests_read() -> None:
    for address in (*DATASTORE, "aws_launch_template.server", "aws_autoscaling_group.server", "terraform_data.ami"):
        assert address in BLOCKS, address
    # The analyser sees references through locals and modules (a check that cannot fail would prove nothing).
    assert "local.release" in _refs(BLOCKS["module.turms_host"])
    assert "aws_ebs_volume.mongod" in _refs(BLOCKS["module.mongod_host"])


def test_a_new_release_reaches_the_server_hosts_and_no_datastore() -> None:
    reached = _reach(RELEASE_INPUTS)
    assert {"aws_launch_template.server", "aws_autoscaling_group.server", "aws_instance.single"} <= reached
    assert {"aws_s3_object.wheel", "aws_s3_object.lock"} <= reached
    assert not (reached & DATASTORE), sorted(reached & DATASTORE)


def test_a_new_image_reaches_only_the_pin() -> None:
    """The AMI data source feeds terraform_data.ami alone; everything else reads the pin's output."""
    direct = {a for a, body in BLOCKS.items() if "data.aws_ami.ubuntu" in _refs(body)}
    assert direct == {"terraform_data.ami"}
    assert _lifecycle("terraform_data.ami")["ignore_changes"] == ["input"]
    assert _attr("terraform_data.ami", "triggers_replace") == ["${var.ami_id}"]
    assert _attr("local.ami_id") == "${terraform_data.ami.output}"
    for address in ("aws_instance.single", "aws_instance.redis", "aws_instance.mongod"):
        assert _attr(address, "ami") == "${local.ami_id}"
    assert _attr("aws_launch_template.server", "image_id") == "${local.ami_id}"


def test_datastore_instances_are_never_replaced_by_an_apply() -> None:
    for address in ("aws_instance.redis", "aws_instance.mongod"):
        ignored = set(_lifecycle(address)["ignore_changes"])
        assert {"ami", "user_data", "user_data_base64"} <= ignored, address
        assert "user_data_replace_on_change" not in BLOCKS[address]


def test_data_lives_on_volumes_that_are_kept_and_snapshotted() -> None:
    policy_tags = _attr("aws_dlm_lifecycle_policy.data", "policy_details", "target_tags")
    assert policy_tags == {'"turms:backup"': "${var.name}"}
    schedule = _attr("aws_dlm_lifecycle_policy.data", "policy_details", "schedule")
    assert schedule["retain_rule"][0]["count"] == "${var.snapshot_retention_days}"
    for volume in ("aws_ebs_volume.redis", "aws_ebs_volume.mongod", "aws_ebs_volume.single_data"):
        assert _lifecycle(volume)["prevent_destroy"] is True, volume
        assert _attr(volume, "encrypted") is True
        assert _attr(volume, "tags")['"turms:backup"'] == "${var.name}", volume
    for attachment, volume in (
        ("aws_volume_attachment.redis", "aws_ebs_volume.redis"),
        ("aws_volume_attachment.mongod", "aws_ebs_volume.mongod"),
        ("aws_volume_attachment.single_data", "aws_ebs_volume.single_data"),
    ):
        assert volume in _refs(BLOCKS[attachment])
        assert _attr(attachment, "stop_instance_before_detaching") is True, attachment
    # Each host mounts its own volume at its state directory before its service starts (the host modules'
    # rendering is tested in test_terraform_module.py).
    assert "aws_ebs_volume.redis" in _refs(BLOCKS["module.redis_host"])
    assert "aws_ebs_volume.single_data" in _refs(BLOCKS["local.single_data_device"])


def test_server_hosts_roll_one_at_a_time_behind_the_health_check() -> None:
    asg = "aws_autoscaling_group.server"
    assert _attr(asg, "launch_template", "version") == "${aws_launch_template.server[0].latest_version}"
    refresh = _attr(asg, "instance_refresh")
    assert refresh["strategy"] == '"Rolling"'
    prefs = refresh["preferences"][0]
    # Launch first (never below the desired count), at most one host more than desired at any time.
    assert prefs["min_healthy_percentage"] == 100
    assert prefs["max_healthy_percentage"] == "${100 + floor(100 / var.instance_count)}"
    # The hosts above the desired count during a refresh, (max - 100) % of it: always exactly one host's worth
    # or less (AWS replaces at least one), for every count the module accepts.
    counts = _attr("var.instance_count", "validation")
    assert "var.instance_count <= 100" in json.dumps(counts)
    for count in range(1, 101):
        extra = (100 // count) * count / 100
        assert 0 < extra <= 1, count
    assert _attr(asg, "health_check_type") == '${var.enable_nlb ? "ELB" : "EC2"}'
    assert "var.enable_nlb" in json.dumps(_lifecycle(asg)["precondition"])  # a cluster needs the NLB
    health = _attr("aws_lb_target_group.clients", "health_check")
    assert (health["protocol"], health["path"], health["matcher"]) == ('"HTTP"', '"/health"', '"200"')
    assert health["port"] == "${tostring(var.health_port)}"
    settings = _attr("local.host_settings")
    assert '"health.http.port"' in settings and "var.health_port" in settings
    rule = BLOCKS["aws_vpc_security_group_ingress_rule.health"]
    assert rule["cidr_ipv4"] == "${local.vpc_cidr}" and rule["from_port"] == "${var.health_port}"


def test_secrets_reach_hosts_through_parameter_store_not_user_data() -> None:
    for module, parameters in (
        ("module.turms_host", "local.server_parameters"),
        ("module.redis_host", "local.redis_parameters"),
        ("module.mongod_host", "local.mongod_parameters"),
    ):
        body = BLOCKS[module]
        assert body["credential_parameters"] == "${" + parameters + "}", module
        for plain in (
            "redis_url",
            "mongo_uri",
            "credentials",
            "redis_password",
            "mongo_keyfile",
            "mongo_admin_password",
        ):
            assert plain not in body, (module, plain)
    parameter = BLOCKS["aws_ssm_parameter.secret"]
    assert parameter["type"] == '"SecureString"'
    # Each role reads its own path only; every instance has the SSM core policy (the way in) and IMDSv2.
    policy = json.dumps(BLOCKS["data.aws_iam_policy_document.host"])
    assert "ssm:GetParameter" in policy and "${each.value.secrets}/*" in policy
    assert "AmazonSSMManagedInstanceCore" in json.dumps(BLOCKS["aws_iam_role_policy_attachment.ssm_core"])
    for address in ("aws_instance.single", "aws_instance.redis", "aws_instance.mongod"):
        assert "aws_iam_instance_profile.host" in _refs(BLOCKS[address])
        assert _attr(address, "metadata_options", "http_tokens") == '"required"'
    assert "aws_iam_instance_profile.host" in _refs(BLOCKS["aws_launch_template.server"])


def test_datastores_have_no_public_address() -> None:
    for address in ("aws_instance.redis", "aws_instance.mongod"):
        assert _attr(address, "associate_public_ip_address") is False
    assert "map_public_ip_on_launch" not in BLOCKS["aws_subnet.private"]
    assert "nat_gateway_id" in json.dumps(BLOCKS["aws_route_table.private"])


# -- evaluated for real ------------------------------------------------------------------------------------


def _block_text(path: Path, header: str) -> str:
    """The text of one block of a .tf file, from its header to its closing brace."""
    text = path.read_text()
    start = text.index(header)
    depth = 0
    for i in range(text.index("{", start), len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start : i + 1]
    raise AssertionError(f"unterminated block {header}")


@pytest.fixture(params=terraform_tools())
def tf(request: pytest.FixtureRequest) -> str:
    return require_tool(request.param)


def _plan_changes(tf: str, work: Path, env: dict[str, str], *args: str) -> bool:
    proc = subprocess.run(
        [tf, "plan", "-input=false", "-detailed-exitcode", *args],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode in (0, 2), proc.stdout + proc.stderr
    return proc.returncode == 2


def test_the_ami_pin_holds_across_new_images_and_moves_when_chosen(tf: str, tmp_path: Path) -> None:
    """terraform/aws/ami.tf's pin, verbatim, with the image search replaced by a variable `published` (what
    the newest Ubuntu image is at each apply)."""
    pin = _block_text(AWS / "ami.tf", 'resource "terraform_data" "ami"')
    assert "data.aws_ami.ubuntu[0].id" in pin
    (tmp_path / "main.tf").write_text(
        'variable "ami_id" {\n  type    = string\n  default = ""\n}\n'
        'variable "published" {\n  type = string\n}\n'
        + pin.replace("data.aws_ami.ubuntu[0].id", "var.published")
        + '\noutput "ami" {\n  value = terraform_data.ami.output\n}\n'
    )
    env = terraform_env(tmp_path)
    run([tf, "init", "-backend=false", "-input=false"], cwd=tmp_path, env=env)

    def apply(*args: str) -> str:
        run([tf, "apply", "-auto-approve", "-input=false", *args], cwd=tmp_path, env=env)
        return json.loads(run([tf, "output", "-json", "ami"], cwd=tmp_path, env=env))

    assert apply("-var", "published=ami-0aaa") == "ami-0aaa"  # the first apply takes the newest image
    # A newer image is published: the next plan changes nothing, and an apply keeps the pinned one.
    assert not _plan_changes(tf, tmp_path, env, "-var", "published=ami-0bbb")
    assert apply("-var", "published=ami-0bbb") == "ami-0aaa"
    # The operator chooses an image: the pin moves (and with it the launch template: a rolling replacement).
    assert _plan_changes(tf, tmp_path, env, "-var", "published=ami-0bbb", "-var", "ami_id=ami-0ccc")
    assert apply("-var", "published=ami-0bbb", "-var", "ami_id=ami-0ccc") == "ami-0ccc"
    assert not _plan_changes(tf, tmp_path, env, "-var", "published=ami-0ddd", "-var", "ami_id=ami-0ccc")


def test_datastores_are_placed_in_private_subnets_one_zone_after_another(tf: str, tmp_path: Path) -> None:
    """The module's own placement expressions (secrets.tf), evaluated over three private subnets."""
    expressions = {}
    for block in hcl2.loads((AWS / "secrets.tf").read_text())["locals"]:
        for name in ("redis_ip", "mongo_members", "mongo_hosts"):
            if name in block:
                expressions[name] = block[name][2:-1]  # "${…}" -> …
    assert set(expressions) == {"redis_ip", "mongo_members", "mongo_hosts"}
    subnets = [
        {"id": "subnet-a", "az": "eu-west-3a", "cidr": "10.42.128.0/20"},
        {"id": "subnet-b", "az": "eu-west-3b", "cidr": "10.42.144.0/20"},
        {"id": "subnet-c", "az": "eu-west-3c", "cidr": "10.42.160.0/20"},
    ]
    variables = {"self_managed_redis": "true", "self_managed_mongodb": "true", "mongo_member_count": "5"}
    (tmp_path / "main.tf").write_text(
        "\n".join(f'variable "{k}" {{\n  default = {v}\n}}' for k, v in variables.items())
        + '\nvariable "datastore_ip_offset" {\n  default = 10\n}\n'
        + "locals {\n  private_subnets = jsondecode("
        + json.dumps(json.dumps(subnets))
        + ")\n"
        + "".join(f"  {name} = {expr}\n" for name, expr in expressions.items())
        + "}\n"
        + 'output "layout" {\n  value = {\n'
        + "    redis_ip = local.redis_ip, members = local.mongo_members, hosts = local.mongo_hosts\n  }\n}\n"
    )
    env = terraform_env(tmp_path)
    run([tf, "init", "-backend=false", "-input=false"], cwd=tmp_path, env=env)
    run([tf, "apply", "-auto-approve", "-input=false"], cwd=tmp_path, env=env)
    layout = json.loads(run([tf, "output", "-json", "layout"], cwd=tmp_path, env=env))
    assert ipaddress.ip_address(layout["redis_ip"]) in ipaddress.ip_network(subnets[0]["cidr"])
    zones = [m["subnet"]["az"] for m in layout["members"]]
    assert zones == ["eu-west-3a", "eu-west-3b", "eu-west-3c", "eu-west-3a", "eu-west-3b"]
    ips = [m["ip"] for m in layout["members"]]
    for member, ip in zip(layout["members"], ips, strict=True):
        assert ipaddress.ip_address(ip) in ipaddress.ip_network(member["subnet"]["cidr"])
    assert len(set(ips) | {layout["redis_ip"]}) == 6  # nobody shares an address
    assert layout["hosts"] == [f"{ip}:27017" for ip in ips]
    # Three members in three zones: losing one zone leaves a majority.
    assert len(set(zones[:3])) == 3

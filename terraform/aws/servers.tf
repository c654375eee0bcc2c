# The turms-server hosts, in one of two shapes:
#
# * cluster (a shared MongoDB: mongo_uri or self_managed_mongodb): stateless hosts in an autoscaling group
#   built from a launch template. A new release, configuration or AMI is a new launch template version, which
#   starts an instance refresh: one host at a time, the new one launched and healthy (with the load balancer:
#   its /health answers 200) before the old one is drained and terminated. No datastore is touched.
# * single (the embedded SQLite store): one instance whose data directory /var/lib/turms is an EBS volume of
#   its own, never destroyed (prevent_destroy) and snapshotted daily (backups.tf). A new release replaces the
#   instance; the volume is detached after a clean stop and attached to its successor.

locals {
  cluster = local.shared_mongo

  host_settings = merge(
    {
      "gateway.tcp.host"       = "0.0.0.0"
      "gateway.tcp.port"       = tostring(var.tcp_port)
      "gateway.websocket.host" = "0.0.0.0"
      "gateway.websocket.port" = tostring(var.ws_port)
      # The admin listener stays on loopback unless someone is allowed to reach it (or through SSM port
      # forwarding, docs/operations.md).
      "admin.http.host" = length(var.admin_cidrs) > 0 ? "0.0.0.0" : "127.0.0.1"
      "admin.http.port" = tostring(var.admin_port)
      # /health alone on a port of its own, for the load balancer's health checks (the VPC only).
      "health.http.enabled" = "true"
      "health.http.host"    = "0.0.0.0"
      "health.http.port"    = tostring(var.health_port)
    },
    var.settings,
  )

  # With a single host, its data volume's device, as Nitro instances name it.
  single_data_device = local.cluster ? "" : "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${replace(aws_ebs_volume.single_data[0].id, "-", "")}"
}

module "turms_host" {
  source                = "../modules/turms-host"
  wheel_url             = local.release.wheel_url
  wheel_sha256          = local.release.wheel_sha256
  lock_url              = local.release.lock_url
  lock_sha256           = local.release.lock_sha256
  config_toml           = var.config_toml
  settings              = local.host_settings
  credential_parameters = local.server_parameters
  data_device           = local.single_data_device
  python                = var.python
}

# -- cluster: autoscaling group with rolling instance refresh -----------------------------------------------

resource "aws_launch_template" "server" {
  count                  = local.cluster ? 1 : 0
  name_prefix            = "${var.name}-server-"
  image_id               = local.ami_id
  instance_type          = var.instance_type
  key_name               = var.key_name != "" ? var.key_name : null
  user_data              = module.turms_host.user_data_base64gzip
  update_default_version = true
  iam_instance_profile {
    arn = aws_iam_instance_profile.host["server"].arn
  }
  network_interfaces {
    associate_public_ip_address = var.associate_public_ip
    security_groups             = [aws_security_group.turms.id]
    delete_on_termination       = true
  }
  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
  block_device_mappings {
    device_name = "/dev/sda1"
    ebs {
      volume_type           = "gp3"
      volume_size           = var.root_volume_gb
      encrypted             = true
      delete_on_termination = true
    }
  }
  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${var.name}-server", "turms:role" = "server" }
  }
  lifecycle {
    precondition {
      # EC2 accepts at most 16 KiB of user data (after base64 decoding).
      condition     = floor(length(module.turms_host.user_data_base64gzip) * 3 / 4) <= 16384
      error_message = "The gzipped cloud-init exceeds EC2's 16 KiB user-data limit: shorten config_toml (empty: the release's default file) or move settings into it."
    }
  }
}

resource "aws_autoscaling_group" "server" {
  count                     = local.cluster ? 1 : 0
  name_prefix               = "${var.name}-server-"
  min_size                  = var.instance_count
  max_size                  = var.instance_count * 2
  desired_capacity          = var.instance_count
  vpc_zone_identifier       = local.public_subnet_ids
  target_group_arns         = [for tg in aws_lb_target_group.clients : tg.arn]
  health_check_type         = var.enable_nlb ? "ELB" : "EC2"
  health_check_grace_period = var.server_boot_grace_s
  default_instance_warmup   = var.server_boot_grace_s
  launch_template {
    id      = aws_launch_template.server[0].id
    version = aws_launch_template.server[0].latest_version
  }
  # A new launch template version (release, settings, AMI) rolls the hosts: one at a time, the replacement
  # launched first and in service before the old host is terminated (min 100 %, max 100 % + one host).
  instance_refresh {
    strategy = "Rolling"
    preferences {
      min_healthy_percentage = 100
      max_healthy_percentage = 100 + floor(100 / var.instance_count)
      instance_warmup        = var.server_boot_grace_s
      skip_matching          = true
      auto_rollback          = true
    }
  }
  # A terminated host drains first: the target group's deregistration delay, then systemd's stop (SIGTERM:
  # every client told SERVER_CLOSED with a jittered reconnect hint).
  termination_policies = ["OldestLaunchTemplate", "OldestInstance"]
  lifecycle {
    precondition {
      # Without the load balancer the refresh could not wait for /health, and clients would not know where
      # the hosts are.
      condition     = var.enable_nlb
      error_message = "Hosts with a shared MongoDB run in an autoscaling group behind the network load balancer: set enable_nlb = true."
    }
  }
  tag {
    key                 = "turms:cluster"
    value               = var.name
    propagate_at_launch = true
  }
}

# -- single: one instance with its data on a volume of its own ----------------------------------------------

resource "aws_ebs_volume" "single_data" {
  count             = local.cluster ? 0 : 1
  availability_zone = local.public_subnet_azs[0]
  size              = var.data_volume_gb
  type              = "gp3"
  encrypted         = true
  tags              = { Name = "${var.name}-server-data", "turms:backup" = var.name }
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_instance" "single" {
  count                       = local.cluster ? 0 : 1
  ami                         = local.ami_id
  instance_type               = var.instance_type
  subnet_id                   = local.public_subnet_ids[0]
  vpc_security_group_ids      = [aws_security_group.turms.id]
  associate_public_ip_address = var.associate_public_ip
  key_name                    = var.key_name != "" ? var.key_name : null
  iam_instance_profile        = aws_iam_instance_profile.host["server"].name
  user_data_base64            = module.turms_host.user_data_base64gzip
  # A new release or configuration is a new instance (cloud-init installs once per instance); the data
  # volume moves to it.
  user_data_replace_on_change = true
  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
  maintenance_options {
    auto_recovery = "default"
  }
  root_block_device {
    volume_type = "gp3"
    volume_size = var.root_volume_gb
    encrypted   = true
  }
  tags = { Name = "${var.name}-server", "turms:role" = "server" }
  lifecycle {
    precondition {
      condition     = floor(length(module.turms_host.user_data_base64gzip) * 3 / 4) <= 16384
      error_message = "The gzipped cloud-init exceeds EC2's 16 KiB user-data limit: shorten config_toml (empty: the release's default file) or move settings into it."
    }
  }
}

resource "aws_volume_attachment" "single_data" {
  count       = local.cluster ? 0 : 1
  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.single_data[0].id
  instance_id = aws_instance.single[0].id
  # Stop the instance (turms drains, SQLite closes) before the volume is detached from it.
  stop_instance_before_detaching = true
}

resource "random_password" "admin_root" {
  count   = var.admin_root_password == "" ? 1 : 0
  length  = 24
  special = false
}

locals {
  admin_open = length(var.admin_cidrs) > 0

  host_settings = merge(
    {
      "gateway.tcp.host"       = "0.0.0.0"
      "gateway.tcp.port"       = tostring(var.tcp_port)
      "gateway.websocket.host" = "0.0.0.0"
      "gateway.websocket.port" = tostring(var.ws_port)
      # The admin listener stays on loopback unless someone is allowed to reach it.
      "admin.http.host" = local.admin_open ? "0.0.0.0" : "127.0.0.1"
      "admin.http.port" = tostring(var.admin_port)
    },
    var.settings,
  )

  credentials = merge(
    { "admin-root-password" = var.admin_root_password != "" ? var.admin_root_password : random_password.admin_root[0].result },
    var.gateway_jwt_key != "" ? { "gateway-jwt-key" = var.gateway_jwt_key } : {},
  )
}

module "turms_host" {
  source          = "../modules/turms-host"
  package_version = var.package_version
  wheel_url       = var.wheel_url
  config_toml     = var.config_toml
  settings        = local.host_settings
  redis_url       = local.effective_redis_url
  mongo_uri       = local.effective_mongo_uri
  credentials     = local.credentials
}

resource "aws_instance" "turms" {
  count                       = var.instance_count
  ami                         = local.ami_id
  instance_type               = var.instance_type
  subnet_id                   = local.subnet_ids[count.index % length(local.subnet_ids)]
  vpc_security_group_ids      = [aws_security_group.turms.id]
  associate_public_ip_address = var.associate_public_ip
  key_name                    = var.key_name != "" ? var.key_name : null
  user_data_base64            = module.turms_host.user_data_base64gzip
  # A changed configuration or version replaces hosts; for in-place changes use `systemctl reload turms`
  # (docs/operations.md, rolling upgrade).
  user_data_replace_on_change = true
  metadata_options {
    http_tokens = "required"
  }
  root_block_device {
    volume_type = "gp3"
    volume_size = var.root_volume_gb
    encrypted   = true
  }
  tags = { Name = "${var.name}-server-${count.index}" }

  lifecycle {
    precondition {
      # EC2 accepts at most 16 KiB of user data (after base64 decoding).
      condition     = floor(length(module.turms_host.user_data_base64gzip) * 3 / 4) <= 16384
      error_message = "The gzipped cloud-init exceeds EC2's 16 KiB user-data limit: shorten config_toml (empty: the release's default file) or move settings into it."
    }
  }
  depends_on = [aws_instance.redis, aws_instance.mongod]
}

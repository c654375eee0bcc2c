# Instance roles. Every host can be reached through SSM Session Manager (AmazonSSMManagedInstanceCore: the
# documented way in, no SSH), reads its own secrets from Parameter Store, and the server hosts read the
# release from the artifacts bucket. Nothing else.

data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  hosts = {
    server = { secrets = "server", artifacts = true, enabled = true }
    redis  = { secrets = "redis", artifacts = false, enabled = var.self_managed_redis }
    mongod = { secrets = "mongod", artifacts = false, enabled = var.self_managed_mongodb }
  }
  enabled_hosts = { for k, v in local.hosts : k => v if v.enabled }
  parameter_arn = "arn:${data.aws_partition.current.partition}:ssm:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:parameter"
}

data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "host" {
  for_each           = local.enabled_hosts
  name_prefix        = "${var.name}-${each.key}-"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
}

resource "aws_iam_role_policy_attachment" "ssm_core" {
  for_each   = local.enabled_hosts
  role       = aws_iam_role.host[each.key].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

data "aws_iam_policy_document" "host" {
  for_each = local.enabled_hosts
  statement {
    sid       = "OwnSecrets"
    actions   = ["ssm:GetParameter"]
    resources = ["${local.parameter_arn}${local.parameter_prefix}/${each.value.secrets}/*"]
  }
  dynamic "statement" {
    for_each = each.value.artifacts ? [1] : []
    content {
      sid       = "Releases"
      actions   = ["s3:GetObject"]
      resources = ["${aws_s3_bucket.artifacts.arn}/releases/*"]
    }
  }
}

resource "aws_iam_role_policy" "host" {
  for_each = local.enabled_hosts
  name     = "turms-${each.key}"
  role     = aws_iam_role.host[each.key].id
  policy   = data.aws_iam_policy_document.host[each.key].json
}

resource "aws_iam_instance_profile" "host" {
  for_each    = local.enabled_hosts
  name_prefix = "${var.name}-${each.key}-"
  role        = aws_iam_role.host[each.key].name
}

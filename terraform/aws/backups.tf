# Daily EBS snapshots of every data volume (tagged turms:backup = <name>: the single host's SQLite volume and
# the Redis and MongoDB volumes), kept for snapshot_retention_days, by Data Lifecycle Manager. A snapshot of a
# running SQLite (WAL) or MongoDB (journal) volume restores as after a crash: consistent, with every
# acknowledged write. Restoring: docs/operations.md, Backups.

data "aws_iam_policy_document" "dlm_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["dlm.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "dlm" {
  name_prefix        = "${var.name}-dlm-"
  assume_role_policy = data.aws_iam_policy_document.dlm_assume.json
}

resource "aws_iam_role_policy_attachment" "dlm" {
  role       = aws_iam_role.dlm.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole"
}

resource "aws_dlm_lifecycle_policy" "data" {
  description        = "${var.name}: daily snapshots of the turms data volumes"
  execution_role_arn = aws_iam_role.dlm.arn
  state              = "ENABLED"
  policy_details {
    resource_types = ["VOLUME"]
    target_tags    = { "turms:backup" = var.name }
    schedule {
      name = "daily"
      create_rule {
        interval      = 24
        interval_unit = "HOURS"
        times         = [var.snapshot_time_utc]
      }
      retain_rule {
        count = var.snapshot_retention_days
      }
      copy_tags = true
      tags_to_add = {
        "turms:snapshot" = "daily"
      }
    }
  }
}

# Self-managed Redis (one VM) and MongoDB replica set (mongo_member_count VMs, one per private subnet in turn,
# so across availability zones), installed by cloud-init with the units in systemd/. They have fixed private
# addresses (members and servers must know them before anything boots) and no public one. Their data lives on
# EBS volumes of their own: never destroyed (prevent_destroy), snapshotted daily (backups.tf), and nothing an
# apply changes replaces these instances: a new AMI, a new turms-server release or new settings leave them
# alone (ignore_changes); their operating system is upgraded in place (docs/operations.md).

module "redis_host" {
  count                 = var.self_managed_redis ? 1 : 0
  source                = "../modules/datastore-host"
  role                  = "redis"
  credential_parameters = local.redis_parameters
  data_device           = "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${replace(aws_ebs_volume.redis[0].id, "-", "")}"
}

module "mongod_host" {
  count                 = var.self_managed_mongodb ? var.mongo_member_count : 0
  source                = "../modules/datastore-host"
  role                  = "mongod"
  mongo_version         = var.mongo_version
  mongo_replica_set     = "rs0"
  mongo_members         = local.mongo_hosts
  mongo_initiator       = count.index == 0
  credential_parameters = local.mongod_parameters
  data_device           = "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${replace(aws_ebs_volume.mongod[count.index].id, "-", "")}"
}

resource "aws_ebs_volume" "redis" {
  count             = var.self_managed_redis ? 1 : 0
  availability_zone = local.private_subnets[0].az
  size              = var.redis_volume_gb
  type              = "gp3"
  encrypted         = true
  tags              = { Name = "${var.name}-redis-data", "turms:backup" = var.name }
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_instance" "redis" {
  count                       = var.self_managed_redis ? 1 : 0
  ami                         = local.ami_id
  instance_type               = var.redis_instance_type
  subnet_id                   = local.private_subnets[0].id
  private_ip                  = local.redis_ip
  vpc_security_group_ids      = [aws_security_group.datastore[0].id]
  associate_public_ip_address = false
  key_name                    = var.key_name != "" ? var.key_name : null
  iam_instance_profile        = aws_iam_instance_profile.host["redis"].name
  user_data_base64            = module.redis_host[0].user_data_base64gzip
  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
  maintenance_options {
    auto_recovery = "default"
  }
  root_block_device {
    volume_type = "gp3"
    volume_size = 20
    encrypted   = true
  }
  tags = { Name = "${var.name}-redis", "turms:role" = "redis" }
  lifecycle {
    ignore_changes = [ami, user_data, user_data_base64]
  }
}

resource "aws_volume_attachment" "redis" {
  count                          = var.self_managed_redis ? 1 : 0
  device_name                    = "/dev/sdf"
  volume_id                      = aws_ebs_volume.redis[0].id
  instance_id                    = aws_instance.redis[0].id
  stop_instance_before_detaching = true
}

resource "aws_ebs_volume" "mongod" {
  count             = length(local.mongo_members)
  availability_zone = local.mongo_members[count.index].subnet.az
  size              = var.mongo_volume_gb
  type              = "gp3"
  encrypted         = true
  tags              = { Name = "${var.name}-mongod-${count.index}-data", "turms:backup" = var.name }
  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_instance" "mongod" {
  count                       = length(local.mongo_members)
  ami                         = local.ami_id
  instance_type               = var.mongo_instance_type
  subnet_id                   = local.mongo_members[count.index].subnet.id
  private_ip                  = local.mongo_members[count.index].ip
  vpc_security_group_ids      = [aws_security_group.datastore[0].id]
  associate_public_ip_address = false
  key_name                    = var.key_name != "" ? var.key_name : null
  iam_instance_profile        = aws_iam_instance_profile.host["mongod"].name
  user_data_base64            = module.mongod_host[count.index].user_data_base64gzip
  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
  maintenance_options {
    auto_recovery = "default"
  }
  root_block_device {
    volume_type = "gp3"
    volume_size = 20
    encrypted   = true
  }
  tags = { Name = "${var.name}-mongod-${count.index}", "turms:role" = "mongod" }
  lifecycle {
    ignore_changes = [ami, user_data, user_data_base64]
  }
}

resource "aws_volume_attachment" "mongod" {
  count                          = length(local.mongo_members)
  device_name                    = "/dev/sdf"
  volume_id                      = aws_ebs_volume.mongod[count.index].id
  instance_id                    = aws_instance.mongod[count.index].id
  stop_instance_before_detaching = true
}

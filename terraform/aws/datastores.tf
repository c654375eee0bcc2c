# Self-managed Redis (one VM) and MongoDB replica set (mongo_member_count VMs), installed by cloud-init with
# the units in systemd/. They get fixed private IPs so that the members and the turms-server hosts know
# their addresses before anything boots.

resource "random_password" "redis" {
  count   = var.self_managed_redis ? 1 : 0
  length  = 32
  special = false
}

resource "random_password" "mongo_admin" {
  count   = var.self_managed_mongodb ? 1 : 0
  length  = 32
  special = false
}

resource "random_password" "mongo_turms" {
  count   = var.self_managed_mongodb ? 1 : 0
  length  = 32
  special = false
}

resource "random_bytes" "mongo_keyfile" {
  count  = var.self_managed_mongodb ? 1 : 0
  length = 512
}

locals {
  redis_ip      = cidrhost(data.aws_subnet.datastore.cidr_block, var.datastore_ip_offset)
  mongo_ips     = [for i in range(var.mongo_member_count) : cidrhost(data.aws_subnet.datastore.cidr_block, var.datastore_ip_offset + 1 + i)]
  mongo_members = [for ip in local.mongo_ips : "${ip}:27017"]

  effective_redis_url = (
    var.redis_url != "" ? var.redis_url :
    var.self_managed_redis ? "redis://:${random_password.redis[0].result}@${local.redis_ip}:6379/0" : ""
  )
  effective_mongo_uri = (
    var.mongo_uri != "" ? var.mongo_uri :
    var.self_managed_mongodb ? format(
      "mongodb://turms:%s@%s/turms?replicaSet=rs0&authSource=admin",
      random_password.mongo_turms[0].result, join(",", local.mongo_members),
    ) : ""
  )
}

module "redis_host" {
  count          = var.self_managed_redis ? 1 : 0
  source         = "../modules/datastore-host"
  role           = "redis"
  redis_password = random_password.redis[0].result
}

module "mongod_host" {
  count                = var.self_managed_mongodb ? var.mongo_member_count : 0
  source               = "../modules/datastore-host"
  role                 = "mongod"
  mongo_version        = var.mongo_version
  mongo_replica_set    = "rs0"
  mongo_members        = local.mongo_members
  mongo_initiator      = count.index == 0
  mongo_keyfile        = random_bytes.mongo_keyfile[0].base64
  mongo_admin_password = random_password.mongo_admin[0].result
  mongo_turms_password = random_password.mongo_turms[0].result
}

resource "aws_instance" "redis" {
  count                       = var.self_managed_redis ? 1 : 0
  ami                         = local.ami_id
  instance_type               = var.redis_instance_type
  subnet_id                   = data.aws_subnet.datastore.id
  private_ip                  = local.redis_ip
  vpc_security_group_ids      = [aws_security_group.datastore[0].id]
  associate_public_ip_address = var.associate_public_ip
  key_name                    = var.key_name != "" ? var.key_name : null
  user_data_base64            = module.redis_host[0].user_data_base64gzip
  metadata_options {
    http_tokens = "required"
  }
  root_block_device {
    volume_type = "gp3"
    volume_size = 20
    encrypted   = true
  }
  tags = { Name = "${var.name}-redis" }
}

resource "aws_instance" "mongod" {
  count                       = var.self_managed_mongodb ? var.mongo_member_count : 0
  ami                         = local.ami_id
  instance_type               = var.mongo_instance_type
  subnet_id                   = data.aws_subnet.datastore.id
  private_ip                  = local.mongo_ips[count.index]
  vpc_security_group_ids      = [aws_security_group.datastore[0].id]
  associate_public_ip_address = var.associate_public_ip
  key_name                    = var.key_name != "" ? var.key_name : null
  user_data_base64            = module.mongod_host[count.index].user_data_base64gzip
  metadata_options {
    http_tokens = "required"
  }
  root_block_device {
    volume_type = "gp3"
    volume_size = var.mongo_volume_gb
    encrypted   = true
  }
  tags = { Name = "${var.name}-mongod-${count.index}" }
}

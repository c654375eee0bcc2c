# Every secret is a SecureString in SSM Parameter Store (encrypted with the account's aws/ssm key), under a
# path per kind of host; each host's instance role may read its own path only, and the hosts fetch them at
# every boot (deploy/aws-fetch.sh, turms-credentials.service). The user data carries parameter names, never a
# secret. The values are also in the Terraform state: keep it in an encrypted backend.

resource "random_password" "admin_root" {
  count   = nonsensitive(var.admin_root_password == "") ? 1 : 0
  length  = 24
  special = false
}

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
  parameter_prefix = "/${var.name}"
  # Whether an input is set is not a secret (its value is): these decide counts and names.
  redis_url_given = nonsensitive(var.redis_url != "")
  mongo_uri_given = nonsensitive(var.mongo_uri != "")
  jwt_key_given   = nonsensitive(var.gateway_jwt_key != "")
  root_pw_given   = nonsensitive(var.admin_root_password != "")
  shared_redis    = local.redis_url_given || var.self_managed_redis
  shared_mongo    = local.mongo_uri_given || var.self_managed_mongodb

  redis_ip = var.self_managed_redis ? cidrhost(local.private_subnets[0].cidr, var.datastore_ip_offset) : ""
  mongo_members = [
    for i in range(var.self_managed_mongodb ? var.mongo_member_count : 0) : {
      subnet = local.private_subnets[i % length(local.private_subnets)]
      ip     = cidrhost(local.private_subnets[i % length(local.private_subnets)].cidr, var.datastore_ip_offset + 1 + i)
    }
  ]
  mongo_hosts = [for m in local.mongo_members : "${m.ip}:27017"]

  effective_redis_url = (
    local.redis_url_given ? var.redis_url :
    var.self_managed_redis ? "redis://:${random_password.redis[0].result}@${local.redis_ip}:6379/0" : ""
  )
  effective_mongo_uri = (
    local.mongo_uri_given ? var.mongo_uri :
    var.self_managed_mongodb ? format(
      "mongodb://turms:%s@%s/turms?replicaSet=rs0&authSource=admin",
      random_password.mongo_turms[0].result, join(",", local.mongo_hosts),
    ) : ""
  )

  # credential name => value, for the turms-server hosts
  server_secrets = merge(
    { "admin-root-password" = local.root_pw_given ? var.admin_root_password : random_password.admin_root[0].result },
    local.jwt_key_given ? { "gateway-jwt-key" = var.gateway_jwt_key } : {},
    local.shared_redis ? { "redis-url" = local.effective_redis_url } : {},
    local.shared_mongo ? { "mongo-uri" = local.effective_mongo_uri } : {},
  )
  redis_secrets = var.self_managed_redis ? { "redis-auth.conf" = "requirepass ${random_password.redis[0].result}" } : {}
  mongod_secrets = var.self_managed_mongodb ? {
    "mongodb-keyfile"        = random_bytes.mongo_keyfile[0].base64
    "mongodb-admin-password" = random_password.mongo_admin[0].result
    "mongodb-turms-password" = random_password.mongo_turms[0].result
  } : {}

  # The parameters' names, decided by non-secret inputs only (for_each keys must not be sensitive).
  server_names = concat(
    ["admin-root-password"],
    local.jwt_key_given ? ["gateway-jwt-key"] : [],
    local.shared_redis ? ["redis-url"] : [],
    local.shared_mongo ? ["mongo-uri"] : [],
  )
  redis_names  = var.self_managed_redis ? ["redis-auth.conf"] : []
  mongod_names = var.self_managed_mongodb ? ["mongodb-keyfile", "mongodb-admin-password", "mongodb-turms-password"] : []
  secret_values = merge(
    { for k in local.server_names : "server/${k}" => local.server_secrets[k] },
    { for k in local.redis_names : "redis/${k}" => local.redis_secrets[k] },
    { for k in local.mongod_names : "mongod/${k}" => local.mongod_secrets[k] },
  )
  secret_names = concat(
    [for k in local.server_names : "server/${k}"],
    [for k in local.redis_names : "redis/${k}"],
    [for k in local.mongod_names : "mongod/${k}"],
  )
}

resource "aws_ssm_parameter" "secret" {
  for_each = toset(local.secret_names)
  name     = "${local.parameter_prefix}/${each.key}"
  type     = "SecureString"
  value    = local.secret_values[each.key]
}

locals {
  # credential name => parameter name, per kind of host
  server_parameters = { for k in local.server_names : k => "${local.parameter_prefix}/server/${k}" }
  redis_parameters  = { for k in local.redis_names : k => "${local.parameter_prefix}/redis/${k}" }
  mongod_parameters = { for k in local.mongod_names : k => "${local.parameter_prefix}/mongod/${k}" }
}

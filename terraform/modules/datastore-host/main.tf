locals {
  repo_root = "${path.module}/../../.."

  redis_conf = join("\n", concat([
    "# Written by cloud-init (Terraform module datastore-host). The password is in a credential.",
    "bind 0.0.0.0 -::*",
    "port 6379",
    "protected-mode yes",
    "tcp-backlog 65535",
    "maxclients 100000",
    # Sessions, routes and blocklist entries must not be evicted under memory pressure: fail writes instead.
    "maxmemory-policy noeviction",
    "appendonly yes",
    "appendfsync everysec",
    ], var.redis_maxmemory_mb > 0 ? ["maxmemory ${var.redis_maxmemory_mb}mb"] : [], [""]
  ))

  mongod_conf = join("\n", concat([
    "# Written by cloud-init (Terraform module datastore-host).",
    "net:",
    "  port: 27017",
    "  bindIpAll: true",
    "replication:",
    "  replSetName: ${var.mongo_replica_set}",
    "security:",
    "  authorization: enabled",
    ], var.mongo_cache_gb > 0 ? [
    "storage:",
    "  wiredTiger:",
    "    engineConfig:",
    "      cacheSizeGB: ${var.mongo_cache_gb}",
  ] : [], [""]))

  unit      = var.role == "redis" ? "turms-redis.service" : "turms-mongod.service"
  state_dir = var.role == "redis" ? "/var/lib/turms-redis" : "/var/lib/turms-mongod"
  fetched   = length(var.credential_parameters) > 0

  # The secrets: written by cloud-init from the plain inputs (off AWS: they travel in the user data), or
  # fetched at every boot from SSM Parameter Store with the instance role (credential_parameters).
  plain_secrets = local.fetched ? {} : (var.role == "redis" ? {
    "redis-auth.conf" = "requirepass ${var.redis_password}\n"
    } : {
    "mongodb-keyfile"        = "${var.mongo_keyfile}\n"
    "mongodb-admin-password" = var.mongo_admin_password
    "mongodb-turms-password" = var.mongo_turms_password
  })

  redis_files = [
    { path = "/etc/systemd/system/turms-redis.service", content = file("${local.repo_root}/systemd/turms-redis.service"), permissions = "0644" },
    { path = "/etc/turms/redis.conf", content = local.redis_conf, permissions = "0644" },
    { path = "/etc/sysctl.d/90-turms-redis.conf", content = "vm.overcommit_memory = 1\nnet.core.somaxconn = 65535\n", permissions = "0644" },
  ]
  mongod_files = [
    { path = "/etc/systemd/system/turms-mongod.service", content = file("${local.repo_root}/systemd/turms-mongod.service"), permissions = "0644" },
    { path = "/etc/turms/mongod.conf", content = local.mongod_conf, permissions = "0644" },
    { path = "/opt/turms/deploy/mongod-setup.sh", content = file("${local.repo_root}/deploy/mongod-setup.sh"), permissions = "0755" },
    { path = "/opt/turms/deploy/mongod-initiate.js", content = file("${local.repo_root}/deploy/mongod-initiate.js"), permissions = "0644" },
    {
      path        = "/etc/turms/mongod-setup.env"
      permissions = "0644"
      content = join("", [
        "MONGO_VERSION=${var.mongo_version}\n",
        "MONGO_REPLICA_SET=${var.mongo_replica_set}\n",
        "MONGO_MEMBERS=\"${join(" ", var.mongo_members)}\"\n",
        "MONGO_INITIATOR=${var.mongo_initiator ? 1 : 0}\n",
      ])
    },
  ]
  secret_files = [
    for name in sort(keys(local.plain_secrets)) : { path = "/etc/turms/credentials/${name}", content = local.plain_secrets[name], permissions = "0600" }
  ]
  parameter_files = local.fetched ? [
    { path = "/opt/turms/deploy/aws-fetch.sh", content = file("${local.repo_root}/deploy/aws-fetch.sh"), permissions = "0755" },
    { path = "/etc/systemd/system/turms-credentials.service", content = file("${local.repo_root}/systemd/turms-credentials.service"), permissions = "0644" },
    {
      path        = "/etc/turms/credential-parameters"
      permissions = "0644"
      content     = join("", [for name in sort(keys(var.credential_parameters)) : "${name} ${var.credential_parameters[name]}\n"])
    },
  ] : []
  data_files = var.data_device == "" ? [] : [
    { path = "/opt/turms/deploy/mount-data.sh", content = file("${local.repo_root}/deploy/mount-data.sh"), permissions = "0755" },
    { path = "/etc/systemd/system/${local.unit}.d/10-data-volume.conf", content = "[Unit]\nRequiresMountsFor=${local.state_dir}\n", permissions = "0644" },
  ]

  prepare = concat(
    var.data_device == "" ? [] : [["/opt/turms/deploy/mount-data.sh", var.data_device, local.state_dir]],
    local.fetched ? [
      ["install", "-d", "-m", "0700", "/etc/turms/credentials"],
      ["/opt/turms/deploy/aws-fetch.sh", "credentials", "/etc/turms/credential-parameters", "/etc/turms/credentials"],
      ["systemctl", "enable", "turms-credentials.service"],
    ] : [],
  )

  cloud_config = merge(
    {
      package_update = true
      packages       = var.role == "redis" ? ["redis-server", "curl", "ca-certificates"] : ["curl", "gnupg", "ca-certificates"]
      write_files = [
        for f in concat(var.role == "redis" ? local.redis_files : local.mongod_files, local.secret_files, local.parameter_files, local.data_files) : merge(f, { owner = "root:root" })
      ]
      runcmd = var.role == "redis" ? concat(
        # The package's own unit would hold port 6379.
        [["systemctl", "disable", "--now", "redis-server.service"]],
        local.prepare,
        [
          ["sysctl", "--quiet", "--load=/etc/sysctl.d/90-turms-redis.conf"],
          ["systemctl", "daemon-reload"],
          ["systemctl", "enable", "--now", "turms-redis.service"],
        ],
        ) : concat(
        local.prepare,
        [["/opt/turms/deploy/mongod-setup.sh"]],
      )
    },
    length(var.ssh_authorized_keys) > 0 ? { ssh_authorized_keys = var.ssh_authorized_keys } : {},
  )
}

check "secrets_present" {
  assert {
    condition = local.fetched ? (
      var.role == "redis" ? keys(var.credential_parameters) == ["redis-auth.conf"] : toset(keys(var.credential_parameters)) == toset(["mongodb-keyfile", "mongodb-admin-password", "mongodb-turms-password"])
      ) : (var.role == "redis" ? var.redis_password != "" : (
        var.mongo_keyfile != "" && var.mongo_admin_password != "" && var.mongo_turms_password != ""
    ))
    error_message = "role redis needs redis_password or credential_parameters { redis-auth.conf }; role mongod needs mongo_keyfile and both passwords, or credential_parameters for mongodb-keyfile, mongodb-admin-password and mongodb-turms-password."
  }
  assert {
    condition     = var.role == "redis" || length(var.mongo_members) > 0
    error_message = "role mongod needs mongo_members."
  }
}

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

  redis_files = [
    { path = "/etc/systemd/system/turms-redis.service", content = file("${local.repo_root}/systemd/turms-redis.service"), permissions = "0644" },
    { path = "/etc/turms/redis.conf", content = local.redis_conf, permissions = "0644" },
    { path = "/etc/turms/credentials/redis-auth.conf", content = "requirepass ${var.redis_password}\n", permissions = "0600" },
    { path = "/etc/sysctl.d/90-turms-redis.conf", content = "vm.overcommit_memory = 1\nnet.core.somaxconn = 65535\n", permissions = "0644" },
  ]
  mongod_files = [
    { path = "/etc/systemd/system/turms-mongod.service", content = file("${local.repo_root}/systemd/turms-mongod.service"), permissions = "0644" },
    { path = "/etc/turms/mongod.conf", content = local.mongod_conf, permissions = "0644" },
    { path = "/etc/turms/credentials/mongodb-keyfile", content = "${var.mongo_keyfile}\n", permissions = "0600" },
    { path = "/etc/turms/credentials/mongodb-admin-password", content = var.mongo_admin_password, permissions = "0600" },
    { path = "/etc/turms/credentials/mongodb-turms-password", content = var.mongo_turms_password, permissions = "0600" },
    { path = "/opt/turms/deploy/mongod-setup.sh", content = file("${local.repo_root}/deploy/mongod-setup.sh"), permissions = "0755" },
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

  cloud_config = merge(
    {
      package_update = true
      packages       = var.role == "redis" ? ["redis-server"] : ["curl", "gnupg", "ca-certificates"]
      write_files = [
        for f in(var.role == "redis" ? local.redis_files : local.mongod_files) : merge(f, { owner = "root:root" })
      ]
      runcmd = var.role == "redis" ? [
        # The package's own unit would hold port 6379.
        ["systemctl", "disable", "--now", "redis-server.service"],
        ["sysctl", "--quiet", "--load=/etc/sysctl.d/90-turms-redis.conf"],
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--now", "turms-redis.service"],
        ] : [
        ["/opt/turms/deploy/mongod-setup.sh"],
      ]
    },
    length(var.ssh_authorized_keys) > 0 ? { ssh_authorized_keys = var.ssh_authorized_keys } : {},
  )
}

check "secrets_present" {
  assert {
    condition = var.role == "redis" ? var.redis_password != "" : (
      var.mongo_keyfile != "" && var.mongo_admin_password != "" && var.mongo_turms_password != "" && length(var.mongo_members) > 0
    )
    error_message = "role redis needs redis_password; role mongod needs mongo_keyfile, both passwords and mongo_members."
  }
}

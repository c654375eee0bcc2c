locals {
  repo_root = "${path.module}/../../.."

  # pip's requirement for install.sh: a wheel URL, a pinned release, or the newest release.
  package = (
    var.wheel_url != "" ? var.wheel_url :
    var.package_version != "" ? "turms-server==${var.package_version}" : "turms-server"
  )

  # Secrets, the Redis and MongoDB URIs included, are credential files: install.sh hands each one present to
  # the service with LoadCredential= and points the matching *_file setting at it. The environment file
  # carries no secret.
  credentials = merge(
    var.credentials,
    var.redis_url != "" ? { "redis-url" = var.redis_url } : {},
    var.mongo_uri != "" ? { "mongo-uri" = var.mongo_uri } : {},
  )

  # systemd's EnvironmentFile= syntax: inside double quotes, \ escapes ", \, ` and $, and nothing is expanded.
  env_file = join("", [
    for key in sort(keys(var.settings)) : format(
      "TURMS_%s=\"%s\"\n",
      upper(replace(key, ".", "_")),
      replace(var.settings[key], "/([\"\\\\`$])/", "\\$1"),
    )
  ])

  deploy_files = [
    { path = "/opt/turms/deploy/turms.service", content = file("${local.repo_root}/systemd/turms.service"), permissions = "0644" },
    { path = "/opt/turms/deploy/90-turms.conf", content = file("${local.repo_root}/systemd/90-turms.conf"), permissions = "0644" },
    { path = "/opt/turms/deploy/install.sh", content = file("${local.repo_root}/systemd/install.sh"), permissions = "0755" },
    { path = "/etc/turms/turms.env", content = "# Written by cloud-init (Terraform module turms-host).\n${local.env_file}", permissions = "0600" },
  ]
  config_toml = var.config_toml == null ? file("${local.repo_root}/conf/turms.toml") : var.config_toml
  config_files = local.config_toml == "" ? [] : [
    { path = "/etc/turms/turms.toml", content = local.config_toml, permissions = "0644" },
  ]
  credential_files = [
    for name in sort(keys(local.credentials)) : {
      path = "/etc/turms/credentials/${name}", content = local.credentials[name], permissions = "0600"
    }
  ]

  cloud_config = merge(
    {
      package_update = true
      packages       = var.os_packages
      write_files = [
        for f in concat(local.deploy_files, local.config_files, local.credential_files) : merge(f, { owner = "root:root" })
      ]
      runcmd = [
        concat(
          ["/opt/turms/deploy/install.sh", "--package", local.package, "--python", var.python],
          var.start ? [] : ["--no-start"],
        ),
      ]
    },
    length(var.ssh_authorized_keys) > 0 ? { ssh_authorized_keys = var.ssh_authorized_keys } : {},
  )
}

locals {
  repo_root = "${path.module}/../../.."

  wheel_name = regex("[^/]+$", var.wheel_url)
  wheel_path = "/opt/turms/dist/${local.wheel_name}"
  lock_path  = "/opt/turms/dist/runtime.lock"

  # Secrets written by cloud-init (off AWS only: they travel in the user data). On AWS, credential_parameters
  # names SSM parameters instead, which turms-credentials.service reads at every boot with the instance role.
  plain_credentials = merge(
    var.credentials,
    var.redis_url != "" ? { "redis-url" = var.redis_url } : {},
    var.mongo_uri != "" ? { "mongo-uri" = var.mongo_uri } : {},
  )
  # No shared Redis: the supervisor starts a private one, from the distribution's redis-server package.
  embedded_redis = var.redis_url == "" && !contains(keys(var.credential_parameters), "redis-url")

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
    { path = "/opt/turms/deploy/aws-fetch.sh", content = file("${local.repo_root}/deploy/aws-fetch.sh"), permissions = "0755" },
    { path = "/etc/turms/turms.env", content = "# Written by cloud-init (Terraform module turms-host).\n${local.env_file}", permissions = "0600" },
  ]
  parameter_files = length(var.credential_parameters) == 0 ? [] : [
    { path = "/etc/systemd/system/turms-credentials.service", content = file("${local.repo_root}/systemd/turms-credentials.service"), permissions = "0644" },
    {
      path        = "/etc/turms/credential-parameters"
      permissions = "0644"
      content     = join("", [for name in sort(keys(var.credential_parameters)) : "${name} ${var.credential_parameters[name]}\n"])
    },
  ]
  data_files = var.data_device == "" ? [] : [
    { path = "/opt/turms/deploy/mount-data.sh", content = file("${local.repo_root}/deploy/mount-data.sh"), permissions = "0755" },
    # The service never starts on the root volume when the data volume is missing.
    { path = "/etc/systemd/system/turms.service.d/10-data-volume.conf", content = "[Unit]\nRequiresMountsFor=/var/lib/turms\n", permissions = "0644" },
  ]
  config_toml = var.config_toml == null ? file("${local.repo_root}/conf/turms.toml") : var.config_toml
  config_files = local.config_toml == "" ? [] : [
    { path = "/etc/turms/turms.toml", content = local.config_toml, permissions = "0644" },
  ]
  credential_files = [
    for name in sort(keys(local.plain_credentials)) : {
      path = "/etc/turms/credentials/${name}", content = local.plain_credentials[name], permissions = "0600"
    }
  ]

  install = concat(
    ["/opt/turms/deploy/install.sh", "--wheel", local.wheel_path, "--lock", local.lock_path, "--python", var.python],
    var.start ? [] : ["--no-start"],
  )

  cloud_config = merge(
    {
      package_update = true
      packages       = concat(var.os_packages, local.embedded_redis ? ["redis-server"] : [])
      write_files = [
        for f in concat(local.deploy_files, local.parameter_files, local.data_files, local.config_files, local.credential_files) : merge(f, { owner = "root:root" })
      ]
      runcmd = concat(
        # The embedded default runs its own redis-server on a Unix socket: the package's service is not needed.
        local.embedded_redis ? [["systemctl", "disable", "--now", "redis-server.service"]] : [],
        var.data_device == "" ? [] : [["/opt/turms/deploy/mount-data.sh", var.data_device, "/var/lib/turms"]],
        [
          ["install", "-d", "-m", "0755", "/opt/turms/dist"],
          ["/opt/turms/deploy/aws-fetch.sh", "object", var.wheel_url, var.wheel_sha256, local.wheel_path],
          ["/opt/turms/deploy/aws-fetch.sh", "object", var.lock_url, var.lock_sha256, local.lock_path],
        ],
        length(var.credential_parameters) == 0 ? [] : [
          ["install", "-d", "-m", "0700", "/etc/turms/credentials"],
          ["/opt/turms/deploy/aws-fetch.sh", "credentials", "/etc/turms/credential-parameters", "/etc/turms/credentials"],
          ["systemctl", "enable", "turms-credentials.service"],
        ],
        [local.install],
      )
    },
    length(var.ssh_authorized_keys) > 0 ? { ssh_authorized_keys = var.ssh_authorized_keys } : {},
  )
}

variable "wheel_url" {
  type        = string
  description = "Where the host downloads the turms-server wheel (scripts/build_dist.sh builds it): an s3:// object (read with the instance role) or an https:// URL of a store the operator controls. Never a package index name."
  validation {
    condition     = can(regex("^(s3|https)://[^[:space:]]+/turms_server-[0-9A-Za-z.+!_]+-py3-none-any\\.whl$", var.wheel_url))
    error_message = "wheel_url must be an s3:// or https:// URL of a turms_server-<version>-py3-none-any.whl file."
  }
}

variable "wheel_sha256" {
  type        = string
  description = "SHA-256 of the wheel (dist/SHA256SUMS, or filesha256() of the file): the host installs nothing else."
  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.wheel_sha256))
    error_message = "wheel_sha256 must be 64 lowercase hex digits."
  }
}

variable "lock_url" {
  type        = string
  description = "Where the host downloads the runtime.lock that goes with the wheel (s3:// or https://): every dependency is installed from it, hash-checked."
  validation {
    condition     = can(regex("^(s3|https)://[^[:space:]]+$", var.lock_url))
    error_message = "lock_url must be an s3:// or https:// URL."
  }
}

variable "lock_sha256" {
  type        = string
  description = "SHA-256 of the lock file."
  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.lock_sha256))
    error_message = "lock_sha256 must be 64 lowercase hex digits."
  }
}

variable "config_toml" {
  type        = string
  description = "Content of /etc/turms/turms.toml. Null: conf/turms.toml of this source tree (every setting at its default). Empty: not written, so install.sh writes the installed release's own default (`turms config docs --toml`), which keeps the user data small. Host-specific values belong in settings, not here."
  default     = null
}

variable "settings" {
  type        = map(string)
  description = "Setting overrides for this host, by key (e.g. { \"server.workers\" = \"0\", \"gateway.auth.type\" = \"jwt\" }). Written as TURMS_* variables to /etc/turms/turms.env, which the unit reads; they win over turms.toml. Not for secrets: use credential_parameters (or, off AWS, redis_url, mongo_uri and credentials)."
  default     = {}
  validation {
    condition     = alltrue([for k in keys(var.settings) : can(regex("^[a-z0-9_]+(\\.[a-z0-9_]+)+$", k))])
    error_message = "Every settings key must be a dotted setting name such as gateway.tcp.port."
  }
  validation {
    condition = alltrue([
      for k in keys(var.settings) : !contains(["redis.url", "storage.mongo.uri", "admin.root.password", "gateway.auth.jwt.key", "admin.auth.jwt.key"], k) && !can(regex("^storage\\.mongo\\.[a-z]+\\.uri$", k))
    ])
    error_message = "Secret settings (redis.url, storage.mongo.uri and the groups' URIs, admin.root.password, the JWT keys) do not belong in settings: pass them as credential_parameters (or redis_url, mongo_uri, credentials)."
  }
  validation {
    condition     = alltrue([for v in values(var.settings) : !strcontains(v, "\n") && !strcontains(v, "\r")])
    error_message = "Setting values cannot contain line breaks."
  }
}

variable "credential_parameters" {
  type        = map(string)
  description = "AWS: the service's secret files, by credential name (redis-url, mongo-uri, admin-root-password, gateway-jwt-key, admin-jwt-key, mongo-<group>-uri, files-local-secret, s3-access-key, s3-secret-key), each the name of an SSM Parameter Store parameter that the host reads with its instance role at every boot (turms-credentials.service). Only parameter names reach the user data, never a secret."
  default     = {}
  validation {
    condition     = alltrue([for k in keys(var.credential_parameters) : contains(["admin-root-password", "gateway-jwt-key", "admin-jwt-key", "redis-url", "mongo-uri", "files-local-secret", "s3-access-key", "s3-secret-key"], k) || can(regex("^mongo-(admin|user|group|conversation|message|conference)-uri$", k))])
    error_message = "credential_parameters keys must be among admin-root-password, gateway-jwt-key, admin-jwt-key, redis-url, mongo-uri, mongo-<group>-uri, files-local-secret, s3-access-key and s3-secret-key."
  }
  validation {
    condition     = alltrue([for v in values(var.credential_parameters) : can(regex("^/[A-Za-z0-9_.\\-/]+$", v))])
    error_message = "credential_parameters values must be SSM parameter names such as /turms/prod/redis-url."
  }
}

variable "redis_url" {
  type        = string
  description = "Off AWS: URL of an external or self-managed Redis shared by every host (redis://, rediss://, redis(s)+sentinel://, redis(s)+cluster://), written to the credential redis-url. It travels in the user data: on AWS use credential_parameters instead. Empty (and no redis-url parameter): each host runs its own embedded Redis (the distribution's redis-server), which is right for a single host only."
  default     = ""
  sensitive   = true
  validation {
    condition     = var.redis_url == "" || can(regex("^rediss?(\\+sentinel|\\+cluster)?://[^[:space:]]+$", var.redis_url))
    error_message = "redis_url must be empty or a redis://, rediss://, redis(s)+sentinel:// or redis(s)+cluster:// URL without spaces."
  }
}

variable "mongo_uri" {
  type        = string
  description = "Off AWS: URI of the MongoDB deployment, written to the credential mongo-uri (in the user data: on AWS use credential_parameters). Empty (and no mongo-uri parameter): the embedded SQLite store on the host's disk (single host only)."
  default     = ""
  sensitive   = true
  validation {
    condition     = var.mongo_uri == "" || can(regex("^mongodb(\\+srv)?://[^[:space:]]+$", var.mongo_uri))
    error_message = "mongo_uri must be empty or a mongodb:// or mongodb+srv:// URI without spaces."
  }
}

variable "credentials" {
  type        = map(string)
  description = "Off AWS: secret files written by cloud-init (so they travel in the user data), by name: admin-root-password, gateway-jwt-key, admin-jwt-key, mongo-<group>-uri. On AWS use credential_parameters. Without admin-root-password the first start generates one and logs it once."
  default     = {}
  sensitive   = true
  validation {
    condition     = alltrue([for k in keys(var.credentials) : contains(["admin-root-password", "gateway-jwt-key", "admin-jwt-key", "files-local-secret", "s3-access-key", "s3-secret-key"], k) || can(regex("^mongo-(admin|user|group|conversation|message|conference)-uri$", k))])
    error_message = "credentials keys must be among admin-root-password, gateway-jwt-key, admin-jwt-key, files-local-secret, s3-access-key, s3-secret-key and mongo-<group>-uri (redis_url and mongo_uri have their own inputs)."
  }
  validation {
    condition     = alltrue([for k, v in var.credentials : !endswith(k, "-uri") || can(regex("^mongodb(\\+srv)?://[^[:space:]]+$", v))])
    error_message = "A mongo-<group>-uri credential must be a mongodb:// or mongodb+srv:// URI without spaces."
  }
  validation {
    condition     = alltrue([for v in values(var.credentials) : trimspace(v) != ""])
    error_message = "A credential cannot be empty: leave it out instead."
  }
}

variable "data_device" {
  type        = string
  description = "Block device of a data volume of its own (e.g. /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123…) mounted at /var/lib/turms before the service starts: the SQLite store and the generated secrets outlive the instance. Empty: the root volume."
  default     = ""
  validation {
    condition     = var.data_device == "" || can(regex("^/dev/[A-Za-z0-9_./-]+$", var.data_device))
    error_message = "data_device must be empty or a /dev/ path."
  }
}

variable "os_packages" {
  type        = list(string)
  description = "Debian/Ubuntu packages installed before turms-server: an interpreter of Python 3.11 or newer with venv (Debian 12 and Ubuntu 24.04: python3 and python3-venv; Ubuntu 22.04's python3 is 3.10, too old), curl and CA certificates for the downloads. redis-server is added when the host runs its own embedded Redis."
  default     = ["python3", "python3-venv", "curl", "ca-certificates"]
  validation {
    condition     = alltrue([for p in var.os_packages : can(regex("^[a-z0-9][a-z0-9+.-]+$", p))])
    error_message = "os_packages must be Debian package names."
  }
}

variable "python" {
  type        = string
  description = "Interpreter that creates the virtual environment under /opt/turms (3.11 or newer)."
  default     = "python3"
  validation {
    condition     = can(regex("^[A-Za-z0-9_./-]+$", var.python))
    error_message = "python must be a command name or an absolute path."
  }
}

variable "ssh_authorized_keys" {
  type        = list(string)
  description = "Public keys allowed to log in as the image's default user. Empty: none added by this module."
  default     = []
}

variable "start" {
  type        = bool
  description = "Start the service at the end of cloud-init (false: install and enable only, e.g. to restore a backup first)."
  default     = true
}

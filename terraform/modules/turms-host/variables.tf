variable "package_version" {
  type        = string
  description = "turms-server version to install from PyPI, e.g. \"0.1.0\". Empty: the newest release. Ignored when wheel_url is set."
  default     = ""
  validation {
    condition     = can(regex("^([0-9]+(\\.[0-9]+)*([abc]|rc|\\.post|\\.dev)?[0-9]*)?$", var.package_version))
    error_message = "package_version must be empty or a PEP 440 version such as 0.1.0 or 0.2.0rc1."
  }
}

variable "wheel_url" {
  type        = string
  description = "HTTPS URL of a turms-server wheel to install instead of a PyPI release. Empty: use PyPI."
  default     = ""
  validation {
    condition     = var.wheel_url == "" || can(regex("^https://[^[:space:]]+\\.whl$", var.wheel_url))
    error_message = "wheel_url must be empty or an https:// URL ending in .whl."
  }
}

variable "config_toml" {
  type        = string
  description = "Content of /etc/turms/turms.toml. Null: conf/turms.toml of this source tree (every setting at its default). Empty: not written, so install.sh writes the installed release's own default (`turms config docs --toml`), which keeps the user data small. Host-specific values belong in settings, not here."
  default     = null
}

variable "settings" {
  type        = map(string)
  description = "Setting overrides for this host, by key (e.g. { \"server.workers\" = \"0\", \"gateway.auth.type\" = \"jwt\" }). Written as TURMS_* variables to /etc/turms/turms.env, which the unit reads; they win over turms.toml. Not for secrets: use redis_url, mongo_uri and credentials."
  default     = {}
  validation {
    condition     = alltrue([for k in keys(var.settings) : can(regex("^[a-z0-9_]+(\\.[a-z0-9_]+)+$", k))])
    error_message = "Every settings key must be a dotted setting name such as gateway.tcp.port."
  }
  validation {
    condition = alltrue([
      for k in keys(var.settings) : !contains(["redis.url", "storage.mongo.uri", "admin.root.password", "gateway.auth.jwt.key", "admin.auth.jwt.key"], k) && !can(regex("^storage\\.mongo\\.[a-z]+\\.uri$", k))
    ])
    error_message = "Secret settings (redis.url, storage.mongo.uri and the groups' URIs, admin.root.password, the JWT keys) do not belong in settings: pass them as redis_url, mongo_uri or credentials."
  }
  validation {
    condition     = alltrue([for v in values(var.settings) : !strcontains(v, "\n") && !strcontains(v, "\r")])
    error_message = "Setting values cannot contain line breaks."
  }
}

variable "redis_url" {
  type        = string
  description = "URL of an external or self-managed Redis shared by every host (redis://, rediss://). Written to the credential redis-url, which the service reads through redis.url_file. Empty: each host runs its own embedded Redis, which is right for a single host only."
  default     = ""
  sensitive   = true
  validation {
    condition     = var.redis_url == "" || can(regex("^rediss?://[^[:space:]]+$", var.redis_url))
    error_message = "redis_url must be empty or a redis:// or rediss:// URL without spaces."
  }
}

variable "mongo_uri" {
  type        = string
  description = "URI of the MongoDB deployment. Written to the credential mongo-uri, which the service reads through storage.mongo.uri_file. Empty: the embedded SQLite store on the host's disk (single host only)."
  default     = ""
  sensitive   = true
  validation {
    condition     = var.mongo_uri == "" || can(regex("^mongodb(\\+srv)?://[^[:space:]]+$", var.mongo_uri))
    error_message = "mongo_uri must be empty or a mongodb:// or mongodb+srv:// URI without spaces."
  }
}

variable "credentials" {
  type        = map(string)
  description = "Secret files handed to the service through LoadCredential=, by name: admin-root-password, gateway-jwt-key, admin-jwt-key, and mongo-<group>-uri (group: admin, user, group, conversation, message, conference) for a URI group on its own MongoDB deployment. The Redis URL and the main MongoDB URI are the redis_url and mongo_uri inputs. Without admin-root-password the first start generates one and logs it once."
  default     = {}
  sensitive   = true
  validation {
    condition     = alltrue([for k in keys(var.credentials) : contains(["admin-root-password", "gateway-jwt-key", "admin-jwt-key"], k) || can(regex("^mongo-(admin|user|group|conversation|message|conference)-uri$", k))])
    error_message = "credentials keys must be among admin-root-password, gateway-jwt-key, admin-jwt-key and mongo-<group>-uri (redis_url and mongo_uri have their own inputs)."
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

variable "os_packages" {
  type        = list(string)
  description = "Debian/Ubuntu packages installed before turms-server: an interpreter of Python 3.11 or newer with venv and pip, and procps for /bin/kill (ExecReload)."
  default     = ["python3", "python3-venv", "python3-pip", "procps", "ca-certificates"]
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

variable "role" {
  type        = string
  description = "What this host runs: \"redis\" (one Redis for every turms-server host) or \"mongod\" (one member of a MongoDB replica set)."
  validation {
    condition     = contains(["redis", "mongod"], var.role)
    error_message = "role must be \"redis\" or \"mongod\"."
  }
}

variable "redis_password" {
  type        = string
  description = "Redis requirepass (role redis), written by cloud-init (off AWS: on AWS use credential_parameters). Letters and digits only, at least 16 of them."
  default     = ""
  sensitive   = true
  validation {
    condition     = var.redis_password == "" || can(regex("^[A-Za-z0-9]{16,}$", var.redis_password))
    error_message = "redis_password must be at least 16 letters or digits."
  }
}

variable "redis_maxmemory_mb" {
  type        = number
  description = "Redis maxmemory in MiB (role redis); 0: no limit. Keys are never evicted (noeviction): sessions must not vanish silently."
  default     = 0
  validation {
    condition     = var.redis_maxmemory_mb >= 0 && floor(var.redis_maxmemory_mb) == var.redis_maxmemory_mb
    error_message = "redis_maxmemory_mb must be a whole number of MiB, 0 or more."
  }
}

variable "mongo_version" {
  type        = string
  description = "MongoDB release series installed from MongoDB's apt repository (role mongod)."
  default     = "8.0"
  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+$", var.mongo_version))
    error_message = "mongo_version must look like 8.0."
  }
}

variable "mongo_replica_set" {
  type        = string
  description = "Replica set name (role mongod)."
  default     = "rs0"
  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.mongo_replica_set))
    error_message = "mongo_replica_set must be 1-64 letters, digits, _ or -."
  }
}

variable "mongo_members" {
  type        = list(string)
  description = "host:port of every replica-set member, the initiator first (role mongod)."
  default     = []
  validation {
    condition     = alltrue([for m in var.mongo_members : can(regex("^[A-Za-z0-9.-]+:[0-9]{1,5}$", m))])
    error_message = "Each mongo_members entry must be host:port."
  }
}

variable "mongo_initiator" {
  type        = bool
  description = "This member initiates the replica set and creates the users (exactly one member, role mongod)."
  default     = false
}

variable "mongo_keyfile" {
  type        = string
  description = "Shared replica-set key (6-1024 base64 characters), the same on every member (role mongod)."
  default     = ""
  sensitive   = true
  validation {
    condition     = var.mongo_keyfile == "" || (length(var.mongo_keyfile) >= 6 && length(var.mongo_keyfile) <= 1024 && can(regex("^[A-Za-z0-9+/=]+$", var.mongo_keyfile)))
    error_message = "mongo_keyfile must be 6-1024 base64 characters."
  }
}

variable "mongo_admin_password" {
  type        = string
  description = "Password of the MongoDB root user `admin`, created by the initiator (role mongod). Letters and digits only."
  default     = ""
  sensitive   = true
  validation {
    condition     = var.mongo_admin_password == "" || can(regex("^[A-Za-z0-9]{16,}$", var.mongo_admin_password))
    error_message = "mongo_admin_password must be at least 16 letters or digits."
  }
}

variable "mongo_turms_password" {
  type        = string
  description = "Password of the MongoDB user `turms` that turms-server connects as (role mongod). Letters and digits only."
  default     = ""
  sensitive   = true
  validation {
    condition     = var.mongo_turms_password == "" || can(regex("^[A-Za-z0-9]{16,}$", var.mongo_turms_password))
    error_message = "mongo_turms_password must be at least 16 letters or digits."
  }
}

variable "mongo_cache_gb" {
  type        = number
  description = "WiredTiger cache size in GB (role mongod); 0: MongoDB's default (half of RAM minus 1 GB)."
  default     = 0
  validation {
    condition     = var.mongo_cache_gb >= 0
    error_message = "mongo_cache_gb cannot be negative."
  }
}

variable "credential_parameters" {
  type        = map(string)
  description = "AWS: the secrets as SSM Parameter Store parameter names, read with the instance role at every boot (turms-credentials.service) instead of travelling in the user data. Role redis: { \"redis-auth.conf\" = <parameter whose value is `requirepass <password>`> }; role mongod: mongodb-keyfile, mongodb-admin-password and mongodb-turms-password. Empty: the plain inputs."
  default     = {}
  validation {
    condition     = alltrue([for k in keys(var.credential_parameters) : contains(["redis-auth.conf", "mongodb-keyfile", "mongodb-admin-password", "mongodb-turms-password"], k)])
    error_message = "credential_parameters keys must be redis-auth.conf, mongodb-keyfile, mongodb-admin-password or mongodb-turms-password."
  }
  validation {
    condition     = alltrue([for v in values(var.credential_parameters) : can(regex("^/[A-Za-z0-9_.\\-/]+$", v))])
    error_message = "credential_parameters values must be SSM parameter names such as /turms/prod/redis-auth."
  }
}

variable "data_device" {
  type        = string
  description = "Block device of the data volume (e.g. /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123…), mounted at the service's state directory (/var/lib/turms-redis or /var/lib/turms-mongod) before it starts: the data outlives the instance. Empty: the root volume."
  default     = ""
  validation {
    condition     = var.data_device == "" || can(regex("^/dev/[A-Za-z0-9_./-]+$", var.data_device))
    error_message = "data_device must be empty or a /dev/ path."
  }
}

variable "ssh_authorized_keys" {
  type        = list(string)
  description = "Public keys allowed to log in as the image's default user."
  default     = []
}

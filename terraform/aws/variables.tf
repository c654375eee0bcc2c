# -- placement ---------------------------------------------------------------------------------------------

variable "region" {
  type        = string
  description = "AWS region."
  default     = "us-east-1"
  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "name" {
  type        = string
  description = "Name of the cluster: prefix of every resource name and value of the turms:cluster tag."
  default     = "turms"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,20}$", var.name))
    error_message = "name must be 1-21 lowercase letters, digits or dashes, starting with a letter (NLB names are short)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags on every resource."
  default     = {}
}

variable "create_vpc" {
  type        = bool
  description = "Create a VPC with, per availability zone, a public subnet (server hosts, load balancer) and a private one (Redis and MongoDB, out through a NAT gateway). False: use vpc_id, public_subnet_ids and private_subnet_ids."
  default     = true
}

variable "vpc_cidr" {
  type        = string
  description = "CIDR of the VPC created when create_vpc is true (a /16 to /20: it is cut into 16 subnets)."
  default     = "10.42.0.0/16"
  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 20
    error_message = "vpc_cidr must be an IPv4 CIDR between /16 and /20."
  }
}

variable "availability_zone_count" {
  type        = number
  description = "Availability zones of the created VPC (a public and a private subnet each). Server hosts are spread across them, and so are the MongoDB members (member i in zone i mod count): 3 keeps a majority when a zone fails."
  default     = 3
  validation {
    condition     = var.availability_zone_count >= 1 && var.availability_zone_count <= 6
    error_message = "availability_zone_count must be between 1 and 6."
  }
}

variable "vpc_id" {
  type        = string
  description = "Existing VPC (create_vpc = false)."
  default     = ""
  validation {
    condition     = var.create_vpc || can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "With create_vpc = false, vpc_id must name an existing VPC (vpc-…)."
  }
}

variable "public_subnet_ids" {
  type        = list(string)
  description = "Existing subnets of vpc_id for the server hosts and the load balancer (create_vpc = false)."
  default     = []
  validation {
    condition     = var.create_vpc || (length(var.public_subnet_ids) > 0 && alltrue([for s in var.public_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))]))
    error_message = "With create_vpc = false, public_subnet_ids must list at least one subnet (subnet-…)."
  }
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Existing private subnets of vpc_id for the self-managed Redis and MongoDB (create_vpc = false), ideally one per availability zone; they need a route out (NAT) for packages and SSM."
  default     = []
  validation {
    condition     = var.create_vpc || !(var.self_managed_redis || var.self_managed_mongodb) || (length(var.private_subnet_ids) > 0 && alltrue([for s in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))]))
    error_message = "With create_vpc = false and a self-managed datastore, private_subnet_ids must list at least one subnet (subnet-…)."
  }
}

variable "associate_public_ip" {
  type        = bool
  description = "Give each turms-server host a public IP (clients connect to it directly when there is no load balancer)."
  default     = true
}

# -- access ------------------------------------------------------------------------------------------------

variable "client_cidrs" {
  type        = list(string)
  description = "Who may reach the client ports (TCP and WebSocket)."
  default     = ["0.0.0.0/0"]
  validation {
    condition     = alltrue([for c in var.client_cidrs : can(cidrhost(c, 0))])
    error_message = "client_cidrs must be CIDR blocks."
  }
}

variable "admin_cidrs" {
  type        = list(string)
  description = "Who may reach the admin HTTP API and /metrics. Empty (the default): nobody; the admin listener then stays on loopback."
  default     = []
  validation {
    condition     = alltrue([for c in var.admin_cidrs : can(cidrhost(c, 0))])
    error_message = "admin_cidrs must be CIDR blocks."
  }
}

variable "ssh_cidrs" {
  type        = list(string)
  description = "Who may reach port 22 of the server hosts. Empty (the default): nobody. The way in is SSM Session Manager (output ssm_session): every host has an SSM-enabled instance role and the agent."
  default     = []
  validation {
    condition     = alltrue([for c in var.ssh_cidrs : can(cidrhost(c, 0))])
    error_message = "ssh_cidrs must be CIDR blocks."
  }
}

variable "key_name" {
  type        = string
  description = "EC2 key pair for SSH. Empty: none."
  default     = ""
}

variable "tcp_port" {
  type        = number
  description = "Client TCP port (gateway.tcp.port)."
  default     = 11510
  validation {
    condition     = var.tcp_port >= 1024 && var.tcp_port <= 65535
    error_message = "tcp_port must be between 1024 and 65535 (the service has no capability to bind lower ports)."
  }
}

variable "ws_port" {
  type        = number
  description = "Client WebSocket port (gateway.websocket.port)."
  default     = 10510
  validation {
    condition     = var.ws_port >= 1024 && var.ws_port <= 65535
    error_message = "ws_port must be between 1024 and 65535."
  }
}

variable "admin_port" {
  type        = number
  description = "Admin HTTP port (admin.http.port)."
  default     = 8510
  validation {
    condition     = var.admin_port >= 1024 && var.admin_port <= 65535
    error_message = "admin_port must be between 1024 and 65535."
  }
}

variable "health_port" {
  type        = number
  description = "Port of the hosts' health listener (health.http.port): GET /health for the load balancer, reachable from the VPC only."
  default     = 8511
  validation {
    condition     = var.health_port >= 1024 && var.health_port <= 65535
    error_message = "health_port must be between 1024 and 65535."
  }
}

variable "enable_nlb" {
  type        = bool
  description = "Put a network load balancer in front of the hosts, with one TCP listener for the client TCP port and one for WebSocket, health-checking GET /health. Required with a shared MongoDB (a cluster of hosts in an autoscaling group)."
  default     = false
}

variable "nlb_certificate_arn" {
  type        = string
  description = "TLS at the load balancer: an ACM certificate ARN makes both client listeners TLS listeners (clients connect with TLS and wss://; the NLB forwards plain TCP to the hosts). Empty: plain TCP pass-through (TLS, if any, on the hosts: tls.* settings). docs/operations.md, TLS."
  default     = ""
  validation {
    condition     = var.nlb_certificate_arn == "" || can(regex("^arn:aws[a-z-]*:acm:", var.nlb_certificate_arn))
    error_message = "nlb_certificate_arn must be empty or an ACM certificate ARN."
  }
}

variable "nlb_tls_policy" {
  type        = string
  description = "Security policy of the NLB's TLS listeners (with nlb_certificate_arn)."
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

# -- turms-server hosts ------------------------------------------------------------------------------------

variable "instance_count" {
  type        = number
  description = "Number of turms-server hosts. More than one needs a shared Redis and MongoDB (redis_url/mongo_uri or the self-managed ones)."
  default     = 1
  validation {
    # Up to 100 so that the instance refresh can replace exactly one host at a time (max_healthy_percentage is
    # 100 + floor(100 / instance_count), a whole percentage).
    condition     = var.instance_count >= 1 && var.instance_count <= 100 && floor(var.instance_count) == var.instance_count
    error_message = "instance_count must be a whole number between 1 and 100."
  }
  validation {
    condition     = var.instance_count == 1 || ((var.redis_url != "" || var.self_managed_redis) && (var.mongo_uri != "" || var.self_managed_mongodb))
    error_message = "Several hosts share state only through Redis and MongoDB: set redis_url (or self_managed_redis) and mongo_uri (or self_managed_mongodb)."
  }
}

variable "instance_type" {
  type        = string
  description = "EC2 type of the turms-server hosts (see docs/operations.md, Sizing)."
  default     = "c7i.large"
}

variable "ami_id" {
  type        = string
  description = "AMI of every host (Debian 12 or Ubuntu 24.04; with the SSM agent for Session Manager). Empty: the newest Ubuntu 24.04 LTS image at the first apply, then pinned (a newer image changes nothing; set ami_id to move the server hosts to another image, one at a time)."
  default     = ""
  validation {
    condition     = var.ami_id == "" || can(regex("^ami-[0-9a-f]+$", var.ami_id))
    error_message = "ami_id must be empty or an AMI id (ami-…)."
  }
}

variable "architecture" {
  type        = string
  description = "CPU architecture of the default AMI: x86_64 or arm64 (must match the instance types; the runtime lock installs on both)."
  default     = "x86_64"
  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "root_volume_gb" {
  type        = number
  description = "Root volume of each server host, in GiB (system, releases, logs; the data is elsewhere)."
  default     = 20
  validation {
    condition     = var.root_volume_gb >= 8
    error_message = "root_volume_gb must be at least 8."
  }
}

variable "data_volume_gb" {
  type        = number
  description = "The single host's data volume (/var/lib/turms: the SQLite store), in GiB (gp3). Kept when the instance is replaced or destroyed; snapshotted daily."
  default     = 20
  validation {
    condition     = var.data_volume_gb >= 1
    error_message = "data_volume_gb must be at least 1."
  }
}

variable "server_boot_grace_s" {
  type        = number
  description = "Seconds a new server host gets to install and start before its health counts (instance refresh warm-up, health check grace period)."
  default     = 300
  validation {
    condition     = var.server_boot_grace_s >= 60
    error_message = "server_boot_grace_s must be at least 60."
  }
}

variable "wheel_path" {
  type        = string
  description = "The turms-server wheel to install (dist/turms_server-<version>-py3-none-any.whl from scripts/build_dist.sh). It is uploaded to this deployment's private artifacts bucket; a new wheel rolls the server hosts."
  validation {
    condition     = can(regex("turms_server-[0-9A-Za-z.+!_]+-py3-none-any\\.whl$", var.wheel_path))
    error_message = "wheel_path must be a turms_server-<version>-py3-none-any.whl file."
  }
}

variable "lock_path" {
  type        = string
  description = "The hash-pinned runtime lock that goes with the wheel (dist/runtime.lock). Empty: requirements/runtime.lock of this source tree."
  default     = ""
}

variable "python" {
  type        = string
  description = "Interpreter of the hosts that creates the virtual environment (3.11 or newer: python3 on Debian 12 and Ubuntu 24.04)."
  default     = "python3"
}

variable "config_toml" {
  type        = string
  description = "Content of /etc/turms/turms.toml. Empty (the default): the installed release's own default file. Null: conf/turms.toml of this source tree (check the 16 KiB user-data limit)."
  default     = ""
}

variable "settings" {
  type        = map(string)
  description = "Setting overrides for every host (written to /etc/turms/turms.env), e.g. { \"gateway.auth.type\" = \"jwt\" }. Ports, listener addresses, Redis and MongoDB are set by this module; secrets are refused here (they go to SSM Parameter Store)."
  default     = {}
}

variable "admin_root_password" {
  type        = string
  description = "Root admin password (SSM parameter <name>/server/admin-root-password). Empty: a random one is generated (output admin_root_password)."
  default     = ""
  sensitive   = true
}

variable "gateway_jwt_key" {
  type        = string
  description = "Key verifying client JWTs (SSM parameter <name>/server/gateway-jwt-key) for gateway.auth.type = jwt. Empty: none."
  default     = ""
  sensitive   = true
}

variable "snapshot_time_utc" {
  type        = string
  description = "Time of day (UTC, HH:MM) of the daily snapshots of the data volumes."
  default     = "03:00"
  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.snapshot_time_utc))
    error_message = "snapshot_time_utc must be HH:MM."
  }
}

variable "snapshot_retention_days" {
  type        = number
  description = "How many daily snapshots of each data volume are kept."
  default     = 14
  validation {
    condition     = var.snapshot_retention_days >= 1 && var.snapshot_retention_days <= 1000
    error_message = "snapshot_retention_days must be between 1 and 1000."
  }
}

# -- Redis and MongoDB -------------------------------------------------------------------------------------

variable "redis_url" {
  type        = string
  description = "External Redis shared by every host: redis:// or rediss:// (one node, e.g. ElastiCache), redis+sentinel:// (a Sentinel group) or rediss+cluster:// (a Redis Cluster, e.g. ElastiCache in cluster mode); docs/operations.md. Empty: self_managed_redis, else each host's embedded Redis."
  default     = ""
  sensitive   = true
  validation {
    condition     = var.redis_url == "" || can(regex("^rediss?(\\+sentinel|\\+cluster)?://[^[:space:]]+$", var.redis_url))
    error_message = "redis_url must be empty or a redis://, rediss://, redis(s)+sentinel:// or redis(s)+cluster:// URL."
  }
  validation {
    condition     = !(var.redis_url != "" && var.self_managed_redis)
    error_message = "Set either redis_url or self_managed_redis, not both."
  }
}

variable "mongo_uri" {
  type        = string
  description = "External MongoDB (replica set or sharded cluster; e.g. Atlas through peering): mongodb:// or mongodb+srv://. Empty: self_managed_mongodb, else each host's embedded SQLite."
  default     = ""
  sensitive   = true
  validation {
    condition     = var.mongo_uri == "" || can(regex("^mongodb(\\+srv)?://[^[:space:]]+$", var.mongo_uri))
    error_message = "mongo_uri must be empty or a mongodb:// or mongodb+srv:// URI."
  }
  validation {
    condition     = !(var.mongo_uri != "" && var.self_managed_mongodb)
    error_message = "Set either mongo_uri or self_managed_mongodb, not both."
  }
}

variable "self_managed_redis" {
  type        = bool
  description = "Run one Redis VM (systemd/turms-redis.service) for the cluster."
  default     = false
}

variable "redis_instance_type" {
  type        = string
  description = "EC2 type of the self-managed Redis VM."
  default     = "r7i.large"
}

variable "self_managed_mongodb" {
  type        = bool
  description = "Run a MongoDB replica set (systemd/turms-mongod.service) on mongo_member_count VMs."
  default     = false
}

variable "mongo_member_count" {
  type        = number
  description = "Members of the self-managed replica set: 1 for tests, 3 or 5 for production (an odd number keeps a majority)."
  default     = 3
  validation {
    condition     = contains([1, 3, 5, 7], var.mongo_member_count)
    error_message = "mongo_member_count must be 1, 3, 5 or 7."
  }
}

variable "mongo_instance_type" {
  type        = string
  description = "EC2 type of the self-managed MongoDB members."
  default     = "r7i.large"
}

variable "redis_volume_gb" {
  type        = number
  description = "Data volume of the self-managed Redis (its append-only file), in GiB (gp3)."
  default     = 20
  validation {
    condition     = var.redis_volume_gb >= 1
    error_message = "redis_volume_gb must be at least 1."
  }
}

variable "mongo_volume_gb" {
  type        = number
  description = "Data volume of each MongoDB member, in GiB (gp3): kept when the member is replaced or destroyed, snapshotted daily."
  default     = 100
  validation {
    condition     = var.mongo_volume_gb >= 10
    error_message = "mongo_volume_gb must be at least 10."
  }
}

variable "mongo_version" {
  type        = string
  description = "MongoDB release series of the self-managed members."
  default     = "8.0"
}

variable "datastore_ip_offset" {
  type        = number
  description = "Self-managed Redis and MongoDB VMs get fixed private IPs: host number offset (Redis), offset+1+i (MongoDB member i) of their private subnet (members must know each other's addresses before they boot)."
  default     = 10
  validation {
    condition     = var.datastore_ip_offset >= 4 && var.datastore_ip_offset <= 200
    error_message = "datastore_ip_offset must be between 4 (AWS reserves the first four addresses) and 200."
  }
}

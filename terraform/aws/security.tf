# turms-server hosts: client ports from client_cidrs, the health port from the VPC (load balancer checks), the
# admin port only from admin_cidrs (none by default), SSH only from ssh_cidrs (none by default: the way in is
# SSM Session Manager, which needs no inbound port).
resource "aws_security_group" "turms" {
  name_prefix = "${var.name}-server-"
  description = "turms-server hosts"
  vpc_id      = local.vpc_id
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "client_tcp" {
  for_each          = toset(var.client_cidrs)
  security_group_id = aws_security_group.turms.id
  description       = "turms client TCP"
  ip_protocol       = "tcp"
  from_port         = var.tcp_port
  to_port           = var.tcp_port
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "client_ws" {
  for_each          = toset(var.client_cidrs)
  security_group_id = aws_security_group.turms.id
  description       = "turms client WebSocket"
  ip_protocol       = "tcp"
  from_port         = var.ws_port
  to_port           = var.ws_port
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "admin" {
  for_each          = toset(var.admin_cidrs)
  security_group_id = aws_security_group.turms.id
  description       = "turms admin HTTP API and /metrics"
  ip_protocol       = "tcp"
  from_port         = var.admin_port
  to_port           = var.admin_port
  cidr_ipv4         = each.value
}

# The load balancer's health checks come from its addresses inside the VPC.
resource "aws_vpc_security_group_ingress_rule" "health" {
  security_group_id = aws_security_group.turms.id
  description       = "turms /health (load balancer health checks)"
  ip_protocol       = "tcp"
  from_port         = var.health_port
  to_port           = var.health_port
  cidr_ipv4         = local.vpc_cidr
}

resource "aws_vpc_security_group_ingress_rule" "ssh" {
  for_each          = toset(var.ssh_cidrs)
  security_group_id = aws_security_group.turms.id
  description       = "SSH"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "turms_all" {
  security_group_id = aws_security_group.turms.id
  description       = "package downloads, Redis, MongoDB"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

# Self-managed Redis and MongoDB: reachable only from the turms-server hosts and from each other.
resource "aws_security_group" "datastore" {
  count       = var.self_managed_redis || var.self_managed_mongodb ? 1 : 0
  name_prefix = "${var.name}-datastore-"
  description = "turms-server Redis and MongoDB"
  vpc_id      = local.vpc_id
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "datastore_from_turms" {
  for_each                     = var.self_managed_redis || var.self_managed_mongodb ? { redis = 6379, mongod = 27017 } : {}
  security_group_id            = aws_security_group.datastore[0].id
  description                  = "${each.key} from turms-server hosts"
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = aws_security_group.turms.id
}

resource "aws_vpc_security_group_ingress_rule" "datastore_internal" {
  count                        = var.self_managed_mongodb ? 1 : 0
  security_group_id            = aws_security_group.datastore[0].id
  description                  = "replica-set members"
  ip_protocol                  = "tcp"
  from_port                    = 27017
  to_port                      = 27017
  referenced_security_group_id = aws_security_group.datastore[0].id
}

resource "aws_vpc_security_group_ingress_rule" "datastore_ssh" {
  for_each          = var.self_managed_redis || var.self_managed_mongodb ? toset(var.ssh_cidrs) : toset([])
  security_group_id = aws_security_group.datastore[0].id
  description       = "SSH"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_egress_rule" "datastore_all" {
  count             = var.self_managed_redis || var.self_managed_mongodb ? 1 : 0
  security_group_id = aws_security_group.datastore[0].id
  description       = "package downloads (through the NAT gateway), SSM"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

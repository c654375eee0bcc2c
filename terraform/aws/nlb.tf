# Optional network load balancer (required for a cluster of hosts): plain TCP pass-through for both client
# ports, so client IPs and the WebSocket upgrade reach the hosts unchanged; or, with nlb_certificate_arn, TLS
# listeners that end TLS here and forward plain TCP. Sessions are long-lived; the hosts'
# SO_REUSEPORT spreads them across workers. Health: HTTP GET /health on the hosts' health listener, which
# answers 200 only while the host is ready (booted, Redis reachable, not draining).

locals {
  nlb_ports = var.enable_nlb ? { tcp = var.tcp_port, ws = var.ws_port } : {}
}

resource "aws_lb" "clients" {
  count                            = var.enable_nlb ? 1 : 0
  name                             = "${var.name}-clients"
  load_balancer_type               = "network"
  internal                         = false
  subnets                          = local.public_subnet_ids
  enable_cross_zone_load_balancing = true
}

resource "aws_lb_target_group" "clients" {
  for_each    = local.nlb_ports
  name        = "${var.name}-${each.key}"
  port        = each.value
  protocol    = "TCP"
  target_type = "instance"
  vpc_id      = local.vpc_id
  # A draining host tells its clients SERVER_CLOSED and closes within server.drain_timeout_s.
  deregistration_delay = 30
  health_check {
    protocol            = "HTTP"
    port                = tostring(var.health_port)
    path                = "/health"
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

resource "aws_lb_listener" "clients" {
  for_each          = local.nlb_ports
  load_balancer_arn = aws_lb.clients[0].arn
  port              = each.value
  # TLS at the load balancer (nlb_certificate_arn), else plain pass-through (TLS, if any, ends on the hosts).
  protocol        = var.nlb_certificate_arn == "" ? "TCP" : "TLS"
  certificate_arn = var.nlb_certificate_arn == "" ? null : var.nlb_certificate_arn
  ssl_policy      = var.nlb_certificate_arn == "" ? null : var.nlb_tls_policy
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.clients[each.key].arn
  }
}

# The single host is registered here; the autoscaling group registers its own hosts (target_group_arns).
resource "aws_lb_target_group_attachment" "single" {
  for_each         = local.cluster ? {} : local.nlb_ports
  target_group_arn = aws_lb_target_group.clients[each.key].arn
  target_id        = aws_instance.single[0].id
  port             = each.value
}

# Optional network load balancer: plain TCP pass-through for both client ports, so client IPs and the
# WebSocket upgrade reach the hosts unchanged. Sessions are long-lived; the hosts' SO_REUSEPORT spreads them
# across workers.

locals {
  nlb_ports = var.enable_nlb ? { tcp = var.tcp_port, ws = var.ws_port } : {}
}

resource "aws_lb" "clients" {
  count                            = var.enable_nlb ? 1 : 0
  name                             = "${var.name}-clients"
  load_balancer_type               = "network"
  internal                         = false
  subnets                          = local.subnet_ids
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
    protocol            = "TCP"
    port                = "traffic-port"
    interval            = 10
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

resource "aws_lb_listener" "clients" {
  for_each          = local.nlb_ports
  load_balancer_arn = aws_lb.clients[0].arn
  port              = each.value
  protocol          = "TCP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.clients[each.key].arn
  }
}

resource "aws_lb_target_group_attachment" "clients" {
  for_each = {
    for pair in setproduct(keys(local.nlb_ports), range(var.instance_count)) : "${pair[0]}-${pair[1]}" => {
      group = pair[0], host = pair[1]
    }
  }
  target_group_arn = aws_lb_target_group.clients[each.value.group].arn
  target_id        = aws_instance.turms[each.value.host].id
  port             = local.nlb_ports[each.value.group]
}

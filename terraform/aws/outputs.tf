output "client_tcp_endpoints" {
  description = "host:port of the client TCP listener: the load balancer's, or every host's."
  value = var.enable_nlb ? ["${aws_lb.clients[0].dns_name}:${var.tcp_port}"] : [
    for i in aws_instance.turms : "${coalesce(i.public_ip, i.private_ip)}:${var.tcp_port}"
  ]
}

output "client_websocket_urls" {
  description = "WebSocket URLs for clients (path /)."
  value = var.enable_nlb ? ["ws://${aws_lb.clients[0].dns_name}:${var.ws_port}/"] : [
    for i in aws_instance.turms : "ws://${coalesce(i.public_ip, i.private_ip)}:${var.ws_port}/"
  ]
}

output "admin_urls" {
  description = "Admin HTTP API of every host. Reachable only from admin_cidrs; with none, use an SSH tunnel to 127.0.0.1 on the host."
  value = [
    for i in aws_instance.turms : "http://${local.admin_open ? coalesce(i.public_ip, i.private_ip) : "127.0.0.1"}:${var.admin_port}/"
  ]
}

output "host_private_ips" {
  description = "Private IPs of the turms-server hosts."
  value       = aws_instance.turms[*].private_ip
}

output "admin_root_password" {
  description = "Password of the root admin (login name `turms`)."
  value       = local.credentials["admin-root-password"]
  sensitive   = true
}

output "redis_url" {
  description = "The Redis URL the hosts use (empty: embedded)."
  value       = local.effective_redis_url
  sensitive   = true
}

output "mongo_uri" {
  description = "The MongoDB URI the hosts use (empty: embedded SQLite)."
  value       = local.effective_mongo_uri
  sensitive   = true
}

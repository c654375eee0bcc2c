output "client_tcp_endpoint" {
  description = "host:port of the client TCP listener: the load balancer's, or the single host's."
  value       = var.enable_nlb ? "${aws_lb.clients[0].dns_name}:${var.tcp_port}" : "${coalesce(aws_instance.single[0].public_ip, aws_instance.single[0].private_ip)}:${var.tcp_port}"
}

output "client_websocket_url" {
  description = "WebSocket URL for clients (path /)."
  value       = var.enable_nlb ? "ws://${aws_lb.clients[0].dns_name}:${var.ws_port}/" : "ws://${coalesce(aws_instance.single[0].public_ip, aws_instance.single[0].private_ip)}:${var.ws_port}/"
}

output "server_instance_ids" {
  description = "The single host's instance id (empty for a cluster: its hosts come and go with the autoscaling group; see server_asg_name)."
  value       = aws_instance.single[*].id
}

output "server_asg_name" {
  description = "The autoscaling group of a cluster of hosts (empty for a single host)."
  value       = local.cluster ? aws_autoscaling_group.server[0].name : ""
}

output "ssm_session" {
  description = "How to log in to a server host (SSM Session Manager: no SSH, no inbound port) and reach its admin API on localhost:8510 (docs/operations.md)."
  value = local.cluster ? join("\n", [
    "ID=$(aws autoscaling describe-auto-scaling-groups --region ${var.region} --auto-scaling-group-names ${aws_autoscaling_group.server[0].name} --query 'AutoScalingGroups[0].Instances[0].InstanceId' --output text)",
    "aws ssm start-session --region ${var.region} --target $ID",
    "aws ssm start-session --region ${var.region} --target $ID --document-name AWS-StartPortForwardingSession --parameters portNumber=${var.admin_port},localPortNumber=${var.admin_port}",
    ]) : join("\n", [
    "aws ssm start-session --region ${var.region} --target ${aws_instance.single[0].id}",
    "aws ssm start-session --region ${var.region} --target ${aws_instance.single[0].id} --document-name AWS-StartPortForwardingSession --parameters portNumber=${var.admin_port},localPortNumber=${var.admin_port}",
  ])
}

output "admin_root_password" {
  description = "Password of the root admin (login name `turms`); also in SSM Parameter Store at <name>/server/admin-root-password."
  value       = local.server_secrets["admin-root-password"]
  sensitive   = true
}

output "release" {
  description = "What the server hosts install: the wheel and lock in the artifacts bucket, with their SHA-256."
  value       = local.release
}

output "ami_id" {
  description = "The AMI every host was created from (pinned at the first apply; set ami_id to move)."
  value       = local.ami_id
}

output "datastore_instance_ids" {
  description = "Instance ids of the self-managed Redis and MongoDB members."
  value       = { redis = aws_instance.redis[*].id, mongod = aws_instance.mongod[*].id }
}

output "data_volume_ids" {
  description = "EBS volumes that hold the data (single host's SQLite, Redis, MongoDB members): kept on destroy, snapshotted daily."
  value = {
    server = aws_ebs_volume.single_data[*].id
    redis  = aws_ebs_volume.redis[*].id
    mongod = aws_ebs_volume.mongod[*].id
  }
}

output "secret_parameters" {
  description = "The SSM Parameter Store parameters holding the secrets (names only)."
  value       = sort([for p in aws_ssm_parameter.secret : p.name])
}

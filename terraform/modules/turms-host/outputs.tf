output "user_data" {
  description = "The cloud-config document (#cloud-config) that installs and starts turms-server. EC2 limits user data to 16 KiB: pass it gzipped (base64gzip) as user_data_base64."
  value       = templatefile("${path.module}/cloud-init.yaml.tftpl", { cloud_config = local.cloud_config })
  sensitive   = true
}

output "wheel" {
  description = "Where the host installs the wheel from, and the digest it checks."
  value       = { url = var.wheel_url, sha256 = var.wheel_sha256 }
}

output "user_data_base64gzip" {
  description = "user_data gzipped and base64-encoded, for aws_instance.user_data_base64 or a launch template (cloud-init unpacks it)."
  value       = base64gzip(templatefile("${path.module}/cloud-init.yaml.tftpl", { cloud_config = local.cloud_config }))
  sensitive   = true
}

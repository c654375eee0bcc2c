output "user_data" {
  description = "The cloud-config document (#cloud-config) that installs and starts Redis or a MongoDB member."
  value       = templatefile("${path.module}/cloud-init.yaml.tftpl", { role = var.role, cloud_config = local.cloud_config })
  sensitive   = true
}

output "user_data_base64gzip" {
  description = "user_data gzipped and base64-encoded, for aws_instance.user_data_base64."
  value       = base64gzip(templatefile("${path.module}/cloud-init.yaml.tftpl", { role = var.role, cloud_config = local.cloud_config }))
  sensitive   = true
}

terraform {
  # Renders text only (no provider), like turms-host.
  required_version = ">= 1.9"
}

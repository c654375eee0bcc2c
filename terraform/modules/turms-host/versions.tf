terraform {
  # Cross-variable validation needs 1.9 (OpenTofu 1.8). This module declares no provider: it only renders
  # text, so it can be planned and tested without cloud credentials.
  required_version = ">= 1.9"
}

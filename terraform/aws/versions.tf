terraform {
  # Cross-variable validation needs Terraform 1.9 (OpenTofu 1.8).
  required_version = ">= 1.9"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 7.0"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.6, < 4.0"
    }
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = merge({ "turms:cluster" = var.name }, var.tags)
  }
}

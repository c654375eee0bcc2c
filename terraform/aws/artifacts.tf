# The release the hosts install: the wheel that scripts/build_dist.sh built (wheel_path) and the hash-pinned
# runtime.lock that goes with it, uploaded to a private bucket of this deployment. The hosts read them with
# their instance role and install them only if their SHA-256 is the one computed here; every dependency comes
# from the lock, hash-checked. Nothing is looked up by name on a package index.

locals {
  lock_path = var.lock_path != "" ? var.lock_path : "${path.module}/../../requirements/runtime.lock"
  wheel_key = "releases/${basename(var.wheel_path)}"
  lock_key  = "releases/${trimsuffix(basename(var.wheel_path), ".whl")}.runtime.lock"
  # What a server host installs: changing it (a new version) changes the launch template, which rolls the
  # server hosts one at a time.
  release = {
    wheel_url    = "s3://${aws_s3_bucket.artifacts.bucket}/${local.wheel_key}"
    wheel_sha256 = filesha256(var.wheel_path)
    lock_url     = "s3://${aws_s3_bucket.artifacts.bucket}/${local.lock_key}"
    lock_sha256  = filesha256(local.lock_path)
  }
}

resource "aws_s3_bucket" "artifacts" {
  bucket_prefix = "${var.name}-artifacts-"
  force_destroy = true # releases only: every one can be uploaded again from dist/
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_object" "wheel" {
  bucket      = aws_s3_bucket.artifacts.id
  key         = local.wheel_key
  source      = var.wheel_path
  source_hash = local.release.wheel_sha256
}

resource "aws_s3_object" "lock" {
  bucket      = aws_s3_bucket.artifacts.id
  key         = local.lock_key
  source      = local.lock_path
  source_hash = local.release.lock_sha256
}

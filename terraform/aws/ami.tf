# The image of every host: ami_id, or else Ubuntu 24.04 LTS (Canonical's images carry the SSM agent, and its
# python3 is 3.12) as found at the first apply, and then pinned: terraform_data.ami keeps the id it was
# created with (ignore_changes), so a newer image published later changes nothing on the next apply. Setting
# or changing ami_id replaces the pin (triggers_replace) and so, deliberately, rolls the server hosts one at a
# time (the launch template changes). The datastore instances ignore AMI changes altogether: their operating
# system is upgraded in place or by a documented replacement, never by an apply (docs/operations.md).

data "aws_ami" "ubuntu" {
  count       = var.ami_id == "" ? 1 : 0
  most_recent = true
  owners      = ["099720109477"] # Canonical
  filter {
    name   = "name"
    values = ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${var.architecture == "arm64" ? "arm64" : "amd64"}-server-*"]
  }
  filter {
    name   = "architecture"
    values = [var.architecture]
  }
}

resource "terraform_data" "ami" {
  input            = var.ami_id != "" ? var.ami_id : data.aws_ami.ubuntu[0].id
  triggers_replace = [var.ami_id]
  lifecycle {
    ignore_changes = [input]
  }
}

locals {
  ami_id = terraform_data.ami.output
}

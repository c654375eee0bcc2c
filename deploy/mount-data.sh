#!/usr/bin/env bash
# Mount a host's data volume (an EBS volume of its own, kept when the instance is replaced) at a state
# directory, formatting it only if it carries no file system yet. Run by cloud-init before anything writes
# there; idempotent.
#
#   mount-data.sh DEVICE MOUNTPOINT
#
# DEVICE may appear some time after boot (Terraform attaches the volume once the instance exists): wait up to
# TURMS_DEVICE_WAIT_S (600) seconds for it, then fail, so that nothing starts on the root volume by mistake.
# The fstab entry names the file system's UUID, with nofail: a later boot without the volume still comes up
# (reachable through SSM) instead of hanging in emergency mode, and the services refuse to start (see below).
set -euo pipefail
device="$1"
mountpoint="$2"
wait_s="${TURMS_DEVICE_WAIT_S:-600}"

for ((i = 0; i < wait_s; i += 2)); do
  [ -b "$device" ] && break
  sleep 2
done
[ -b "$device" ] || { echo "mount-data: $device did not appear within $wait_s s" >&2; exit 1; }
device="$(readlink -f "$device")"

if ! blkid "$device" >/dev/null 2>&1; then
  echo "mount-data: $device has no file system: formatting it (ext4)"
  mkfs.ext4 -q -L turms-data "$device"
fi
uuid="$(blkid -s UUID -o value "$device")"
mkdir -p "$mountpoint"
if ! grep -q "UUID=$uuid " /etc/fstab; then
  echo "UUID=$uuid $mountpoint ext4 defaults,nofail,x-systemd.device-timeout=300 0 2" >>/etc/fstab
fi
mountpoint -q "$mountpoint" || mount "$mountpoint"
# The Terraform modules give the service RequiresMountsFor=MOUNTPOINT (a drop-in), so it never starts on the
# root volume when the data volume is missing.
echo "mount-data: $device (UUID $uuid) mounted at $mountpoint"

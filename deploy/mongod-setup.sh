#!/usr/bin/env bash
# Set up one self-managed MongoDB replica-set member for turms-server (run by cloud-init; idempotent).
#
# Reads /etc/turms/mongod-setup.env:
#   MONGO_VERSION=8.0  MONGO_REPLICA_SET=rs0  MONGO_MEMBERS="10.0.1.10:27017 10.0.1.11:27017 …"
#   MONGO_INITIATOR=1 on exactly one member (the first), which initiates the replica set and creates the users
# and the root-only secret files /etc/turms/credentials/{mongodb-keyfile,mongodb-admin-password,
# mongodb-turms-password} (written by cloud-init, or fetched from SSM Parameter Store by deploy/aws-fetch.sh).
# Fails (non-zero, with the cause) if the replica set cannot be initiated or elects no primary in time.
set -euo pipefail
# shellcheck source=/dev/null
. /etc/turms/mongod-setup.env

codename="$(. /etc/os-release && echo "$VERSION_CODENAME")"
distro="$(. /etc/os-release && echo "$ID")"
keyring="/usr/share/keyrings/mongodb-server-$MONGO_VERSION.gpg"
if [ ! -f "$keyring" ]; then
  curl -fsSL "https://www.mongodb.org/static/pgp/server-$MONGO_VERSION.asc" | gpg --dearmor -o "$keyring"
fi
if [ "$distro" = ubuntu ]; then
  line="deb [signed-by=$keyring] https://repo.mongodb.org/apt/ubuntu $codename/mongodb-org/$MONGO_VERSION multiverse"
else
  line="deb [signed-by=$keyring] https://repo.mongodb.org/apt/debian $codename/mongodb-org/$MONGO_VERSION main"
fi
echo "$line" > "/etc/apt/sources.list.d/mongodb-org-$MONGO_VERSION.list"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mongodb-org

# The package's own unit would start a second mongod on the same port.
if systemctl cat mongod.service >/dev/null 2>&1; then
  systemctl disable --now mongod.service
fi
systemctl daemon-reload
systemctl enable --now turms-mongod.service

[ "${MONGO_INITIATOR:-0}" = 1 ] || exit 0

wait_for() {  # host:port
  for _ in $(seq 1 300); do
    mongosh --quiet --host "$1" --eval 'db.adminCommand({ ping: 1 }).ok' >/dev/null 2>&1 && return 0
    sleep 2
  done
  echo "mongod-setup: $1 did not answer within 10 minutes" >&2
  return 1
}
for member in $MONGO_MEMBERS; do wait_for "$member"; done

# Initiate, wait for a primary (any member), then for this member's priority takeover, and create the admin
# user through the localhost exception (deploy/mongod-initiate.js). Any failure stops the script with the
# replica set's own words: nothing is hidden.
MONGO_ADMIN_PASSWORD="$(cat /etc/turms/credentials/mongodb-admin-password)" \
  MONGO_REPLICA_SET="$MONGO_REPLICA_SET" MONGO_MEMBERS="$MONGO_MEMBERS" \
  mongosh --quiet --host 127.0.0.1 "$(dirname "$0")/mongod-initiate.js"

# The turms user, authenticated as admin against the replica set (wherever its primary is). Passwords go
# through the environment, never the command line.
MONGO_ADMIN_PASSWORD="$(cat /etc/turms/credentials/mongodb-admin-password)" \
  MONGO_TURMS_PASSWORD="$(cat /etc/turms/credentials/mongodb-turms-password)" \
  MONGO_URI="mongodb://$(echo "$MONGO_MEMBERS" | tr ' ' ',')/?replicaSet=$MONGO_REPLICA_SET" \
  mongosh --quiet --nodb --eval '
  const admin = new Mongo(process.env.MONGO_URI).getDB("admin");
  admin.auth("admin", process.env.MONGO_ADMIN_PASSWORD);
  if (admin.getUser("turms") === null) {
    admin.createUser({ user: "turms", pwd: process.env.MONGO_TURMS_PASSWORD,
      roles: [{ role: "readWrite", db: "turms" }, { role: "dbAdmin", db: "turms" }, "clusterMonitor"] });
    print("created the user turms");
  }
'
echo "mongod-setup: replica set $MONGO_REPLICA_SET ready"

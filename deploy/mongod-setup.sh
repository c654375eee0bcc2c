#!/usr/bin/env bash
# Set up one self-managed MongoDB replica-set member for turms-server (run by cloud-init; idempotent).
#
# Reads /etc/turms/mongod-setup.env:
#   MONGO_VERSION=8.0  MONGO_REPLICA_SET=rs0  MONGO_MEMBERS="10.0.1.10:27017 10.0.1.11:27017 …"
#   MONGO_INITIATOR=1 on exactly one member (the first), which initiates the replica set and creates the users
# and the root-only secret files /etc/turms/credentials/{mongodb-keyfile,mongodb-admin-password,
# mongodb-turms-password}.
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
systemctl disable --now mongod.service 2>/dev/null || true
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

members_js=""
i=0
for member in $MONGO_MEMBERS; do
  members_js="$members_js{ _id: $i, host: '$member' },"
  i=$((i + 1))
done
admin_pw="$(cat /etc/turms/credentials/mongodb-admin-password)"
turms_pw="$(cat /etc/turms/credentials/mongodb-turms-password)"
# The localhost exception allows the first user to be created without credentials; afterwards every
# command here authenticates, so a re-run is harmless.
mongosh --quiet --host 127.0.0.1 --eval "
  try { rs.status() } catch (e) { rs.initiate({ _id: '$MONGO_REPLICA_SET', members: [$members_js] }) }
  while (!db.hello().isWritablePrimary) { sleep(1000) }
  const admin = db.getSiblingDB('admin');
  if (admin.getUser('admin') === null) {
    admin.createUser({ user: 'admin', pwd: '$admin_pw', roles: ['root'] });
  }
" || true
mongosh --quiet --host 127.0.0.1 -u admin -p "$admin_pw" --authenticationDatabase admin --eval "
  const admin = db.getSiblingDB('admin');
  if (admin.getUser('turms') === null) {
    admin.createUser({ user: 'turms', pwd: '$turms_pw',
      roles: [{ role: 'readWrite', db: 'turms' }, { role: 'dbAdmin', db: 'turms' }, 'clusterMonitor'] });
  }
"

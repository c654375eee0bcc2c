// Run by deploy/mongod-setup.sh on the initiating member, with mongosh connected to that member on localhost:
//   mongosh --quiet --host 127.0.0.1 mongod-initiate.js
// Settings come from the environment: MONGO_REPLICA_SET, MONGO_MEMBERS ("host:port host:port …", the initiator
// first), MONGO_ADMIN_PASSWORD, MONGO_WAIT_S (600).
//
// 1. Initiate the replica set unless it already is (a re-run). The initiator gets priority 2, the others 1, so
//    it ends up primary; a failed rs.initiate throws (mongosh exits non-zero).
// 2. Wait for a primary, any member: another may win the first election.
// 3. Wait for this member to become primary (the priority takeover follows within seconds), because the first
//    user can be created only through the localhost exception, on the primary. Both waits are bounded and
//    fail with what the replica set reported.
// 4. Create the root user `admin` unless it exists. The `turms` user is created by mongod-setup.sh, which
//    authenticates as admin (so a re-run never relies on the localhost exception).

const env = process.env;
const setName = env.MONGO_REPLICA_SET;
const members = (env.MONGO_MEMBERS || "").split(/\s+/).filter((m) => m.length > 0);
const waitMs = Number(env.MONGO_WAIT_S || "600") * 1000;
if (!setName || members.length === 0 || !env.MONGO_ADMIN_PASSWORD) {
  throw new Error("MONGO_REPLICA_SET, MONGO_MEMBERS and MONGO_ADMIN_PASSWORD are required");
}

function initiated() {
  try {
    rs.status();
    return true;
  } catch (e) {
    // 94 NotYetInitialized: nothing configured yet. Anything else (auth, network) is a real failure.
    if (e.code === 94 || e.codeName === "NotYetInitialized") return false;
    throw e;
  }
}

function waitFor(what, done) {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const hello = db.hello();
    if (done(hello)) return hello;
    if (Date.now() > deadline) {
      throw new Error(`${what} within ${waitMs / 1000} s; last hello: ${JSON.stringify(hello)}`);
    }
    sleep(1000);
  }
}

if (!initiated()) {
  const config = {
    _id: setName,
    members: members.map((host, i) => ({ _id: i, host: host, priority: i === 0 ? 2 : 1 })),
  };
  const result = rs.initiate(config);
  if (!result || result.ok !== 1) {
    throw new Error(`rs.initiate failed: ${JSON.stringify(result)}`);
  }
  print(`initiated replica set ${setName} with ${members.length} members`);
}

const first = waitFor("no primary was elected", (h) => Boolean(h.primary));
print(`primary: ${first.primary}`);
waitFor("this member (the initiator, priority 2) did not become primary", (h) => h.isWritablePrimary === true);

const admin = db.getSiblingDB("admin");
if (admin.getUser("admin") === null) {
  admin.createUser({ user: "admin", pwd: env.MONGO_ADMIN_PASSWORD, roles: ["root"] });
  print("created the user admin");
}

"""The admin API routes the console needed and the API gained with it: the stored audit log, one conversation's
messages, recalls by an admin through the message service, dissolving groups through the group service, the
online count per worker, and the host's metrics as JSON."""

from __future__ import annotations

from pathlib import Path

from turms.cluster.sessions import SessionEntry
from turms.gateway.login_policy import DeviceType
from turms.observability import metrics
from turms.protocol.status import ResponseStatusCode as Code

from admin_support import AdminEnv, admin_env, basic, call


async def make_users(env: AdminEnv, *ids: int) -> None:
    for uid in ids:
        status, body = await call(env, "POST", "/users", json={"id": uid, "password": "pw"})
        assert status == 200, body


async def test_the_audit_log_is_stored_and_filtered(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        await make_users(env, 11)
        assert (await call(env, "DELETE", "/sessions?ids=11"))[0] == 200
        assert (await call(env, "PUT", "/users?ids=11", json={"name": "x" * 100}))[0] == 400
        # Refused before authentication: logged, not stored (nobody without a credential fills the store).
        assert (await call(env, "DELETE", "/users?ids=11", headers=basic("turms", "wrong")))[0] == 401
        env.clock.advance(3600)
        assert (await call(env, "PUT", "/users?ids=11", json={"name": "y"}))[0] == 200

        async def routes(query: str) -> list[tuple[str, str, int]]:
            status, body = await call(env, "GET", f"/admins/action-logs{query}")
            assert status == 200, body
            return [(r["method"], r["route"], r["httpStatus"]) for r in body["data"]["records"]]

        everything = await routes("")
        assert everything == [
            ("PUT", "/users", 200),
            ("PUT", "/users", 400),
            ("DELETE", "/sessions", 200),
            ("POST", "/users", 200),
        ]
        assert await routes("?result=refused") == [("PUT", "/users", 400)]
        assert await routes("?methods=DELETE") == [("DELETE", "/sessions", 200)]
        assert await routes("?routes=/users&result=succeeded") == [("PUT", "/users", 200), ("POST", "/users", 200)]
        assert await routes("?startDate=2026-01-01T00:30:00Z") == [("PUT", "/users", 200)]
        assert await routes("?endDate=2026-01-01T00:30:00Z&size=1&page=1") == [("DELETE", "/sessions", 200)]
        assert await routes("?loginNames=someone-else") == []
        status, body = await call(env, "GET", "/admins/action-logs?size=1")
        assert status == 200
        record = body["data"]["records"][0]
        assert body["data"]["total"] == 4 and record["loginName"] == "turms" and record["targets"] == ["11"]
        assert record["code"] == 1000 and len(record["traceId"]) == 32 and record["ip"]


async def test_a_conversation_is_read_both_ways_and_an_admin_recalls_through_the_message_service(
    tmp_path: Path, redis_url: str
) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        await make_users(env, 1, 2, 3)
        sent = []
        for sender, target, text in ((1, 2, "one"), (2, 1, "two"), (1, 3, "elsewhere")):
            body = {"isGroupMessage": False, "isSystemMessage": True, "senderId": sender, "targetId": target}
            status, reply = await call(env, "POST", "/messages?send=false", json={**body, "text": text})
            assert status == 200, reply
            sent.append(reply["data"]["id"])
        status, body = await call(env, "GET", "/conversations/messages?userIds=2,1")
        assert status == 200, body
        assert [(m["text"], m["sequenceId"]) for m in body["data"]["records"]] == [("two", 2), ("one", 1)]
        status, body = await call(env, "GET", "/conversations/messages?userIds=1")
        assert status == 400 and "exactly two" in body["reason"]
        status, body = await call(env, "GET", "/conversations/messages?userIds=1,2&groupId=5")
        assert status == 400

        status, body = await call(env, "POST", f"/messages/recalls?ids={sent[0]},424242")
        assert status == 200, body
        assert body["data"]["recalledIds"] == [sent[0]]
        assert [(f["id"], f["code"]) for f in body["data"]["failures"]] == [(424242, Code.RECALL_NONEXISTENT_MESSAGE)]
        status, body = await call(env, "GET", "/conversations/messages?userIds=1,2")
        notice, second, first = body["data"]["records"]
        # The recalled message keeps its place, without content; the RECALL notice takes the next number.
        assert first["id"] == sent[0] and "recallDate" in first and first["sequenceId"] == 1
        assert notice["isSystemMessage"] and notice["sequenceId"] == 3 and notice["referenceId"] == sent[0]
        assert second["text"] == "two" and "recallDate" not in second
        # Recalling again changes nothing.
        status, body = await call(env, "POST", f"/messages/recalls?ids={sent[0]}")
        assert body["data"]["recalledIds"] == [sent[0]]
        assert (await call(env, "GET", "/conversations/messages?userIds=1,2"))[1]["data"]["total"] == 3


async def test_users_are_found_by_exact_name(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        for uid, name in ((21, "alice"), (22, "bob"), (23, "alice")):
            assert (await call(env, "POST", "/users", json={"id": uid, "name": name}))[0] == 200
        status, body = await call(env, "GET", "/users?names=alice")
        assert status == 200 and [u["id"] for u in body["data"]["records"]] == [21, 23]
        status, body = await call(env, "GET", "/users?names=ali")
        assert body["data"]["total"] == 0


async def test_dissolving_a_group_removes_its_members(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        await make_users(env, 1, 2)
        status, body = await call(env, "POST", "/groups", json={"name": "g", "ownerId": 1, "creatorId": 1})
        assert status == 200, body
        group_id = body["data"]["id"]
        status, body = await call(env, "GET", f"/groups/members?groupIds={group_id}")
        if not body["data"]["total"]:  # the owner's membership, unless the group's creation recorded it
            owner = {"groupId": group_id, "userId": 1, "role": 0}
            assert (await call(env, "POST", "/groups/members", json=owner))[0] == 200
        member = {"groupId": group_id, "userId": 2, "role": 2}
        assert (await call(env, "POST", "/groups/members", json=member))[0] == 200
        status, body = await call(env, "GET", f"/groups/members?groupIds={group_id}")
        assert body["data"]["total"] == 2
        status, body = await call(env, "DELETE", f"/groups?ids={group_id},999")
        assert status == 200 and body["data"]["deletedCount"] == 1
        status, body = await call(env, "GET", f"/groups/members?groupIds={group_id}")
        assert body["data"]["total"] == 0
        status, body = await call(env, "GET", f"/groups?ids={group_id}")
        assert "deletionDate" in body["data"]["records"][0]  # logically, by default
        status, body = await call(env, "DELETE", f"/groups?ids={group_id}")
        assert body["data"]["deletedCount"] == 0
        assert (await call(env, "DELETE", "/groups"))[0] == 400  # ids are required


async def test_online_users_are_counted_per_worker(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        me = env.deps.membership.instance_id
        entry = SessionEntry(DeviceType.ANDROID, me, "s1", 1)
        other = SessionEntry(DeviceType.DESKTOP, me, "s2", 1)
        gone = SessionEntry(DeviceType.IOS, "dead-instance", "s3", 1)
        await env.deps.registry.restore([(1, entry, 0), (1, other, 0), (2, entry, 0), (3, gone, 0)])
        status, body = await call(env, "GET", "/users/online-infos/count")
        assert status == 200, body
        assert body["data"]["total"] == 2 and body["data"]["sessions"] == 3
        assert body["data"]["workers"] == [{"instanceId": me, "users": 2, "sessions": 3}]


async def test_the_metrics_summary_carries_this_hosts_totals(tmp_path: Path, redis_url: str) -> None:
    async with admin_env(tmp_path, redis_url) as env:
        status, before = await call(env, "GET", "/metrics/summary")
        assert status == 200, before
        metrics.record_request("create_message_request", 1000, 0.003)
        metrics.record_request("create_message_request", 5002, 0.2)
        metrics.record_request("query_messages_request", 1200, 7.0)
        status, after = await call(env, "GET", "/metrics/summary")
        a, b = after["data"], before["data"]
        assert a["messagesSent"] - b["messagesSent"] == 1
        assert a["requests"] - b["requests"] == 3
        assert a["requestsRefused"] - b["requestsRefused"] == 1
        assert a["requestsFailed"] - b["requestsFailed"] == 1
        le, now, then = a["latency"]["le"], a["latency"]["cumulative"], b["latency"]["cumulative"]
        grown = [n - t for n, t in zip(now, then, strict=True)]
        assert le[-1] is None and grown[-1] == 3  # +Inf counts all three
        assert grown[le.index(0.005)] == 1 and grown[le.index(0.25)] == 2 and grown[le.index(5.0)] == 2
        assert a["time"] >= b["time"] and a["nodeId"] == env.deps.membership.node_id

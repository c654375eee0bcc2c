"""The message domain's extension points on a real SQLite store: content checks beside antispam (after the sender
is authorised; what is stored is what is pushed), and the offline recipients of each stored and pushed message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from turms.plugins.api import MessageContent, OfflineMessage, PluginSpec, Refuse, ReplaceText
from turms.plugins.testing import running
from turms.protocol.status import ResponseStatusCode as Code
from turms.security.antispam import TextType, Verdict
from turms.service.api import Requester, ServiceRequest
from turms.service.message.create import handle_create

from message_world import World, world

A, B, C = 11, 22, 33


class Online:
    """The Presence port: these users have a session, nobody else."""

    def __init__(self, *online: int) -> None:
        self.online = set(online)
        self.asked: list[set[int]] = []

    async def statuses(self, user_ids: Any) -> dict[int, tuple[int | None, list[int]]]:
        ids = set(user_ids)
        self.asked.append(ids)
        return {u: (0, [0]) if u in self.online else (None, []) for u in ids}


class Checker:
    """Replaces "darn" with "heck", refuses "spam", and records what it was asked."""

    seen: list[MessageContent] = []

    def __init__(self, ctx: Any) -> None:
        pass

    async def check_message(self, content: MessageContent) -> Refuse | ReplaceText | None:
        Checker.seen.append(content)
        text = content.text or ""
        if "spam" in text:
            return Refuse(Code.MESSAGE_IS_ILLEGAL, "no spam")
        if "darn" in text:
            return ReplaceText(text.replace("darn", "heck"))
        return None


class Broken:
    def __init__(self, ctx: Any) -> None:
        pass

    async def check_message(self, content: MessageContent) -> None:
        raise ConnectionError("the moderation service is down")


class Offline:
    events: list[OfflineMessage] = []

    def __init__(self, ctx: Any) -> None:
        pass

    async def on_offline_recipients(self, message: OfflineMessage) -> None:
        Offline.events.append(message)


def pushed_texts(w: World) -> list[str]:
    out = []
    for _, n, _, _ in w.notes.sent:
        body = n.relayed_request
        kind = body.WhichOneof("kind")
        out.append(getattr(body, kind).text)
    return out


class Masker:
    def moderate(self, text_type: TextType, text: str) -> Verdict:
        return Verdict(text.replace("darn", "****"))


async def test_antispam_masking_reaches_the_push_too(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        w.s.moderator = Masker()
        mid = (await w.send(A, to=B, text="darn it")).data.long
        assert (await w.call(A, "update_message_request", message_id=mid, text="darn again")).code == Code.OK
        (doc,) = await w.messages()
        assert doc["txt"] == "**** again"
        # Before, the push relayed the request as the client sent it: the unmasked word reached the recipient.
        assert pushed_texts(w) == ["**** it", "**** again"]


async def test_content_checks_replace_or_refuse_after_authorisation(tmp_path: Path) -> None:
    Checker.seen = []
    async with world(tmp_path) as w, running(PluginSpec("checker", Checker)) as (hooks, _):
        w.s.plugins = hooks
        mid = (await w.send(A, to=B, text="darn it")).data.long
        r = await w.send(A, to=B, text="buy spam")
        assert (r.code, r.reason) == (Code.MESSAGE_IS_ILLEGAL, "no spam")
        await w.relate(C, A, blocked=True)
        assert (await w.send(A, to=C, text="darn")).code == Code.BLOCKED_USER_SEND_PRIVATE_MESSAGE
        assert (await w.call(B, "update_message_request", message_id=mid, text="darn")).code == (
            Code.NOT_SENDER_TO_UPDATE_MESSAGE
        )
        assert (await w.call(A, "update_message_request", message_id=mid, text="darn twice")).code == Code.OK
        (doc,) = await w.messages()
        assert doc["txt"] == "heck twice"
        assert pushed_texts(w) == ["heck it", "heck twice"]
        # Asked only for senders allowed to send or edit: never for the blocked send or the stranger's edit.
        assert [(c.sender_id, c.target_id, c.text, c.message_id) for c in Checker.seen] == [
            (A, B, "darn it", None),
            (A, B, "buy spam", None),
            (A, B, "darn twice", mid),
        ]


async def test_a_content_check_that_fails_refuses_the_message(tmp_path: Path) -> None:
    async with world(tmp_path) as w, running(PluginSpec("broken", Broken)) as (hooks, _):
        w.s.plugins = hooks
        assert (await w.send(A, to=B, text="hello")).code == Code.SERVER_UNAVAILABLE
        assert await w.messages() == [] and w.notes.sent == []


async def test_offline_recipients_of_each_stored_message(tmp_path: Path) -> None:
    Offline.events = []
    async with world(tmp_path) as w, running(PluginSpec("offline", Offline)) as (hooks, _):
        w.s.plugins = hooks
        w.s.presence = Online(A, C)
        await w.group(1, {A: 0, B: 2, C: 2})
        to_b = (await w.send(A, to=B, text="you there?")).data.long
        await w.send(A, to=C, text="online")  # C is online: nothing
        in_group = (await w.send(A, group=1, text="all")).data.long
        stored = await handle_create(
            w.s,
            _admin_request(w, B),
            push=False,  # the admin API's send=false: stored, nobody told, nobody pushed to
        )
        assert stored.code == Code.OK
        await hooks.drain(5.0)
        assert [(e.message_id, e.offline_recipient_ids, e.recipient_ids) for e in Offline.events] == [
            (to_b, frozenset({B}), frozenset({B})),
            (in_group, frozenset({B}), frozenset({B, C})),  # the sender is never a recipient
        ]
        first = Offline.events[0]
        assert (first.sender_id, first.target_id, first.is_group, first.text, first.sequence_id) == (
            A,
            B,
            False,
            "you there?",
            1,
        )


def _admin_request(w: World, to: int) -> ServiceRequest:
    request = w.request("create_message_request", recipient_id=to, text="stored only")
    return ServiceRequest(Requester(A, 0, "admin", "", True), 0, request, "create_message_request", w.clock.now())

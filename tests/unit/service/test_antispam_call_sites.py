"""Antispam wired into every text type's real handler: each user text Turms moderates is refused (REJECT) or
stored masked (MASK) when it contains a dictionary word in disguise (case, full-width, separators)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from turms.protocol.pb import model_group_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.security.antispam import AntiSpam
from turms.service.accounts import create_user
from turms.service.registry import build_router

from message_world import World, world

DISGUISED = "B.\uff21-d W o R d"  # "badword" behind case, a full-width A and separators


@asynccontextmanager
async def moderated_world(tmp_path: Path, strategy: str) -> AsyncIterator[World]:
    words = tmp_path / "words.txt"
    words.write_text("badword\n")
    settings = {
        "security.antispam.enabled": "true",
        "security.antispam.dictionary_path": str(words),
        "security.antispam.strategy": strategy,
    }
    async with world(tmp_path, settings) as w:
        antispam = AntiSpam(w.s.settings)
        assert antispam.reload(force=True)
        w.s.moderator = antispam
        w.router = build_router(w.s)
        yield w


async def _group(w: World, owner: int) -> int:
    r = await w.ok(owner, "create_group_request", name="g")
    return int(r.data.long)


#: Where each attempt leaves its text when it is stored: the edited message is looked up by id.
EDITED = "MESSAGE_TEXT (update)"


async def _attempts(w: World) -> tuple[dict[str, Any], int]:
    """One request per text type (and per call site: message text on create and on update), each carrying
    the disguised word; returns the responses by text type and the id of the message whose text was edited."""
    await create_user(w.store, 8, None, w.clock.now())
    gid = await _group(w, 1)
    await w.add_member(gid, 2)
    # Questions exist only for groups that admit by questions: a second group of such a type.
    await w.store.insert_one("groupType", {"_id": 9, "n": "by questions", "gsl": 100, "js": 2})
    qgid = 777
    await w.group(qgid, {1: 0}, type_id=9)
    r = await w.ok(3, "create_friend_request_request", recipient_id=4, content="hello")
    friend_request = int(r.data.long)
    question = model_group_pb2.GroupJoinQuestion(question="q", answers=["a"], score=1)
    # Join requests are sent only to groups that admit by join request (JoinStrategy.JOIN_REQUEST).
    await w.store.insert_one("groupType", {"_id": 10, "n": "by join request", "gsl": 100, "js": 3})
    rgid = 778
    await w.group(rgid, {1: 0}, type_id=10)
    # A clean message of the sender's, edited below with the disguised word.
    r = await w.ok(1, "create_message_request", group_id=gid, text="to be edited")
    edited = int(r.data.long)
    assert edited > 0
    return {
        "GROUP_NAME": await w.call(1, "create_group_request", name=DISGUISED),
        "GROUP_INTRO": await w.call(1, "update_group_request", group_id=gid, intro=DISGUISED),
        "GROUP_ANNOUNCEMENT": await w.call(1, "update_group_request", group_id=gid, announcement=DISGUISED),
        "GROUP_MEMBER_NAME": await w.call(1, "update_group_member_request", group_id=gid, member_id=2, name=DISGUISED),
        "GROUP_INVITATION_CONTENT": await w.call(
            1, "create_group_invitation_request", group_id=gid, invitee_id=5, content=DISGUISED
        ),
        "GROUP_JOIN_QUESTION": await w.call(
            1,
            "create_group_join_questions_request",
            group_id=qgid,
            questions=[model_group_pb2.GroupJoinQuestion(question=DISGUISED, answers=["a"], score=1)],
        ),
        "GROUP_JOIN_QUESTION_ANSWER": await w.call(
            1,
            "create_group_join_questions_request",
            group_id=qgid,
            questions=[model_group_pb2.GroupJoinQuestion(question="q", answers=[DISGUISED], score=question.score)],
        ),
        "FRIEND_REQUEST_CONTENT": await w.call(5, "create_friend_request_request", recipient_id=6, content=DISGUISED),
        "FRIEND_REQUEST_REASON": await w.call(
            4, "update_friend_request_request", request_id=friend_request, response_action=1, reason=DISGUISED
        ),
        "RELATIONSHIP_GROUP_NAME": await w.call(7, "create_relationship_group_request", name=DISGUISED),
        "USER_NAME": await w.call(8, "update_user_request", name=DISGUISED),
        "USER_INTRO": await w.call(8, "update_user_request", intro=DISGUISED),
        "GROUP_JOIN_REQUEST_CONTENT": await w.call(
            9, "create_group_join_request_request", group_id=rgid, content=DISGUISED
        ),
        "MESSAGE_TEXT": await w.call(1, "create_message_request", group_id=gid, text=DISGUISED),
        EDITED: await w.call(1, "update_message_request", message_id=edited, text=DISGUISED),
    }, edited


async def test_reject_refuses_every_text_type(tmp_path: Path) -> None:
    async with moderated_world(tmp_path, "REJECT") as w:
        results, edited = await _attempts(w)
        kept = await w.store.find_one("message", {"_id": edited})
        join_requests = await w.store.find("groupJoinRequest", {})
    wrong = {t: (r.code, r.reason) for t, r in results.items() if r.code != Code.MESSAGE_IS_ILLEGAL}
    assert wrong == {}
    # Refused means nothing was written: the edited message keeps its text, no join request exists.
    assert kept is not None and kept["txt"] == "to be edited"
    assert join_requests == []


@pytest.mark.parametrize(
    ("collection", "field"),
    [
        ("group", "n"),
        ("group", "intro"),
        ("group", "annt"),
        ("groupMember", "n"),
        ("groupInvitation", "cnt"),
        ("groupJoinQuestion", "q"),
        ("groupJoinRequest", "cnt"),
        ("userFriendRequest", "cnt"),
        ("userRelationshipGroup", "n"),
        ("user", "n"),
        ("user", "intro"),
        ("message", "txt"),
    ],
)
async def test_mask_stores_masked_text(tmp_path: Path, collection: str, field: str) -> None:
    async with moderated_world(tmp_path, "MASK") as w:
        results, _ = await _attempts(w)
        refused = {t: (r.code, r.reason) for t, r in results.items() if r.code not in (Code.OK, Code.NO_CONTENT)}
        assert refused == {}
        stored = [d.get(field) for d in await w.store.find(collection, {}) if isinstance(d.get(field), str)]
    assert DISGUISED not in stored
    assert any("*" in text for text in stored), stored


async def test_mask_stores_the_edited_message_text_masked(tmp_path: Path) -> None:
    async with moderated_world(tmp_path, "MASK") as w:
        results, edited = await _attempts(w)
        assert results[EDITED].code == Code.OK, (results[EDITED].code, results[EDITED].reason)
        doc = await w.store.find_one("message", {"_id": edited})
    assert doc is not None
    assert doc["txt"] not in ("to be edited", DISGUISED)
    assert "*" in doc["txt"] and "badword" not in doc["txt"].lower()


async def test_mask_pushes_only_the_masked_text(tmp_path: Path) -> None:
    """A push relays what was stored: no recipient ever sees the text before antispam masked it."""
    async with moderated_world(tmp_path, "MASK") as w:
        # Other users hear of every event below, so each masked text goes out in a push.
        await w.ok(1, "update_group_request", group_id=await _group(w, 1), name="plain")
        w.notes.clear()
        await _attempts(w)
        relayed = [n.relayed_request for _, n, _, _ in w.notes.sent]
    kinds = {str(r.WhichOneof("kind")) for r in relayed}
    # The text types whose events are pushed by default (group info, member names, friend requests, messages).
    assert {
        "update_group_request",
        "update_group_member_request",
        "create_friend_request_request",
        "update_friend_request_request",
        "create_message_request",
        "update_message_request",
    } <= kinds, kinds
    leaked = [str(r.WhichOneof("kind")) for r in relayed if DISGUISED.encode() in r.SerializeToString()]
    assert leaked == [], leaked

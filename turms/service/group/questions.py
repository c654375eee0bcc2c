"""Join questions: groups whose type joins by QUESTION admit users whose correct answers score at least
the group's minimum score (``group.ms``). Answers are shown only to the owner and managers."""

from __future__ import annotations

from typing import Any

from turms.errors import TurmsError
from turms.protocol.pb import model_group_pb2
from turms.protocol.status import ResponseStatusCode as Code
from turms.security.antispam import TextType, check_text
from turms.service.api import OK, Response, ServiceRequest
from turms.service.context import Services
from turms.service.group import access, permissions
from turms.service.group.members import add_members
from turms.service.group.model import GROUP_JOIN_QUESTION, JoinStrategy, Role
from turms.service.group.notify import notify_member_joined
from turms.service.group.proto import Data, longs_with_version, question_to_proto
from turms.settings import group as gs


class Questions:
    def __init__(self, services: Services) -> None:
        self.s = services
        self.store = services.store

    def _check(self, question: str | None, answers: list[str] | None, score: int | None) -> None:
        get = self.s.settings.get
        if question is not None and not 0 < len(question) <= get(gs.QUESTION_MAX_LENGTH):
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "a question must have 1 to max_question_length characters")
        if answers is not None:
            if not 0 < len(answers) <= get(gs.QUESTION_MAX_ANSWER_COUNT):
                raise TurmsError(Code.ILLEGAL_ARGUMENT, "a question must have 1 to max_answer_count answers")
            if any(not 0 < len(a) <= get(gs.QUESTION_MAX_ANSWER_LENGTH) for a in answers):
                raise TurmsError(Code.ILLEGAL_ARGUMENT, "an answer must have 1 to max_answer_length characters")
        if score is not None and score < 0:
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "a score must be >= 0")

    async def create(self, req: ServiceRequest) -> Response:
        body = req.body
        group_id = body.group_id
        for q in body.questions:
            self._check(q.question, list(q.answers), q.score)
        if not permissions.is_owner_or_manager(await access.member_role(self.store, group_id, req.requester.user_id)):
            raise TurmsError(Code.NOT_GROUP_OWNER_OR_MANAGER_TO_CREATE_GROUP_QUESTION)
        found = await access.active_group_and_type(self.store, group_id)
        if found is None:
            raise TurmsError(Code.CREATE_GROUP_QUESTION_FOR_INACTIVE_GROUP)
        code = permissions.create_question_code(found[1].join_strategy)
        if code is not Code.OK:
            raise TurmsError(code)
        if not body.questions:
            return OK
        docs = [
            {
                "_id": self.s.ids.next_id(),
                "gid": group_id,
                "q": self._moderated(q.question),
                "ans": [self._moderated(a) for a in dict.fromkeys(q.answers)],
                "score": q.score,
            }
            for q in body.questions
        ]
        await self.store.insert_many(GROUP_JOIN_QUESTION, docs)
        await access.touch_group_version(self.store, group_id, req.now, "jq")
        return Response(data=longs_with_version([int(d["_id"]) for d in docs], None))

    async def delete(self, req: ServiceRequest) -> Response:
        body = req.body
        if not permissions.is_owner_or_manager(
            await access.member_role(self.store, body.group_id, req.requester.user_id)
        ):
            raise TurmsError(Code.NOT_GROUP_OWNER_OR_MANAGER_TO_DELETE_GROUP_QUESTION)
        ids = list(body.question_ids)
        if ids and await self.store.delete_many(GROUP_JOIN_QUESTION, {"_id": {"$in": ids}, "gid": body.group_id}):
            await access.touch_group_version(self.store, body.group_id, req.now, "jq")
        return OK

    def _moderated(self, text: str) -> str:
        return check_text(self.s.moderator, TextType.GROUP_JOIN_QUESTION, text)

    async def update(self, req: ServiceRequest) -> Response:
        body = req.body
        question = body.question if body.HasField("question") else None
        answers = list(dict.fromkeys(body.answers)) if body.answers else None
        score = body.score if body.HasField("score") else None
        self._check(question, answers, score)
        doc = await self.store.find_one(GROUP_JOIN_QUESTION, {"_id": body.question_id}, projection={"gid": 1})
        group_id = None if doc is None else int(doc["gid"])
        if group_id is None or not permissions.is_owner_or_manager(
            await access.member_role(self.store, group_id, req.requester.user_id)
        ):
            raise TurmsError(Code.NOT_GROUP_OWNER_OR_MANAGER_TO_UPDATE_GROUP_QUESTION)
        changes: dict[str, Any] = {}
        if question is not None:
            changes["q"] = self._moderated(question)
        if answers is not None:
            changes["ans"] = [self._moderated(a) for a in answers]
        if score is not None:
            changes["score"] = score
        if changes:
            await self.store.update_one(GROUP_JOIN_QUESTION, {"_id": body.question_id}, {"$set": changes})
            await access.touch_group_version(self.store, group_id, req.now, "jq")
        return OK

    async def query(self, req: ServiceRequest) -> Response:
        body = req.body
        if body.with_answers and not permissions.is_owner_or_manager(
            await access.member_role(self.store, body.group_id, req.requester.user_id)
        ):
            raise TurmsError(Code.NOT_GROUP_OWNER_OR_MANAGER_TO_QUERY_GROUP_QUESTION_ANSWER)
        version = await access.group_version(self.store, body.group_id, "jq")
        lud = body.last_updated_date if body.HasField("last_updated_date") else None
        if access.up_to_date(lud, version):
            return Response(Code.ALREADY_UP_TO_DATE)
        docs = await self.store.find(GROUP_JOIN_QUESTION, {"gid": body.group_id})
        if not docs:
            return Response(Code.NO_CONTENT)
        result = model_group_pb2.GroupJoinQuestionsWithVersion()
        result.group_join_questions.extend(question_to_proto(d, body.with_answers) for d in docs)
        if version is not None:
            result.last_updated_date = int(version.timestamp() * 1000)
        return Response(data=Data(group_join_questions_with_version=result))

    async def check_answers(self, req: ServiceRequest) -> Response:
        answers: dict[int, str] = dict(req.body.question_id_to_answer)
        uid = req.requester.user_id
        if not answers:
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "no answers")
        if any(len(a) > self.s.settings.get(gs.QUESTION_MAX_ANSWER_LENGTH) for a in answers.values()):
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "an answer is too long")
        docs = await self.store.find(GROUP_JOIN_QUESTION, {"_id": {"$in": list(answers)}})
        if len(docs) != len(answers) or len({int(d["gid"]) for d in docs}) != 1:
            raise TurmsError(Code.ILLEGAL_ARGUMENT, "the questions must exist and belong to one group")
        group_id = int(docs[0]["gid"])
        if await access.is_blocked(self.store, group_id, uid):
            raise TurmsError(Code.GROUP_QUESTION_ANSWERER_HAS_BEEN_BLOCKED)
        if await access.member_role(self.store, group_id, uid) is not None:
            raise TurmsError(Code.GROUP_MEMBER_ANSWER_GROUP_QUESTION)
        found = await access.active_group_and_type(self.store, group_id)
        if found is None:
            raise TurmsError(Code.ANSWER_GROUP_QUESTION_OF_INACTIVE_GROUP)
        group, group_type = found
        if group_type.join_strategy is not JoinStrategy.QUESTION:
            raise TurmsError(Code.ANSWER_INACTIVE_GROUP_QUESTION)
        correct = [d for d in docs if answers[int(d["_id"])] in d.get("ans", [])]
        score = sum(int(d.get("score", 0)) for d in correct)
        joined = score >= int(group.get("ms", 0))
        if joined:
            try:
                await add_members(self.s, group_id, group_type, [uid], Role.MEMBER, req.now)
            except TurmsError as e:
                if e.code is Code.RECORD_CONTAINS_DUPLICATE_KEY:
                    raise TurmsError(Code.GROUP_MEMBER_ANSWER_GROUP_QUESTION) from None
                raise
        result = model_group_pb2.GroupJoinQuestionsAnswerResult(
            score=score, question_ids=[int(d["_id"]) for d in correct], joined=joined
        )
        if joined:
            await notify_member_joined(self.s, req, group_id, uid)
        return Response(data=Data(group_join_question_answer_result=result))

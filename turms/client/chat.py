"""A small terminal chat over the Python client: ``python -m turms.client.chat --user 1 --password 123 --to 2``.

Type a line to send it to the current conversation. Commands: ``/to USER_ID`` (private chat), ``/group
GROUP_ID`` (group chat), ``/history`` (the last messages of the current conversation), ``/send FILE`` (upload a
file as an attachment of the conversation and send a message referring to it), ``/save ATTACHMENT_ID [PATH]``
(download a received attachment; by default into ``--download-dir``), ``/quit``. Meetings: ``/meet @USER_ID`` or
``/meet #GROUP_ID`` (or ``/meet`` for the current conversation; a password may follow) creates a meeting, invites
the user or the group, and prints the creator's own room token; an invitation arrives as ``[meeting invitation
from USER] ... /join MEETING_ID [PASSWORD]``; ``/join MEETING_ID [PASSWORD]`` accepts one and prints the room
token (and where to connect with it), ``/decline MEETING_ID [PASSWORD]`` declines, ``/cancel MEETING_ID``
cancels one's own meeting. At start, the last ``--history`` messages of the chosen conversation are shown as
history (``[history] ...``) and only messages sent from then on are printed as new: ``[from USER (group G)] text``
as soon as they arrive, exactly once and in order per conversation, also across reconnects (the message service
resyncs after every reconnect); a message carrying an attachment adds a line ``  attachment ID NAME (TYPE): /save
ID``. A lost connection prints ``disconnected ...`` and, once the client is back, ``reconnected``.
"""

from __future__ import annotations

import argparse
import asyncio
import mimetypes
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from turms.client.client import TurmsClient
from turms.client.conference import ConferenceService, MeetingAccess, meeting_invitation
from turms.client.errors import ConnectionClosedError, ResponseError, TurmsClientError
from turms.client.message import ChatMessage, ConversationKey, MessageService
from turms.client.storage import StorageService
from turms.protocol.pb import constant_pb2, model_storage_pb2

HELP = (
    "commands: /to USER_ID, /group GROUP_ID, /history, /send FILE, /save ATTACHMENT_ID [PATH], "
    "/meet [@USER_ID|#GROUP_ID] [PASSWORD], /join MEETING_ID [PASSWORD], /decline MEETING_ID [PASSWORD], "
    "/cancel MEETING_ID, /quit; anything else is sent"
)


def format_message(m: ChatMessage, *, history: bool = False) -> str:
    where = f" (group {m.conversation.target_id})" if m.conversation.is_group else ""
    meeting = meeting_invitation(m)
    if meeting is not None:
        name = f" {meeting.name!r}" if meeting.HasField("name") else ""
        password = f" {meeting.password}" if meeting.HasField("password") else ""
        body = f"meeting {meeting.id}{name}; /join {meeting.id}{password}"
        return f"{'[history] ' if history else ''}[meeting invitation from {m.sender_id}{where}] {body}"
    lines = [f"{'[history] ' if history else ''}[from {m.sender_id}{where}] {m.text or ''}"]
    for info in StorageService.attachments_in(m.records):
        lines.append(f"  attachment {info.id_num} {info.name} ({info.media_type}): /save {info.id_num}")
    return "\n".join(lines)


def format_access(meeting_id: int, access: MeetingAccess) -> str:
    where = f" at {access.url}" if access.url else ""
    return f"meeting {meeting_id}: join{where} with token {access.access_token}"


class Chat:
    def __init__(
        self,
        client: TurmsClient,
        messages: MessageService,
        out: TextIO,
        *,
        storage: StorageService | None = None,
        download_dir: Path | None = None,
    ) -> None:
        self.client = client
        self.messages = messages
        self.meetings = ConferenceService(client)
        self.out = out
        self.storage = storage or StorageService(client)
        self.download_dir = download_dir or Path.cwd()
        self.target: ConversationKey | None = None
        client.on_notification(self.on_notification)

    def on_notification(self, n: Any) -> None:
        """Meeting news that is not a message: a cancellation, an answered invitation."""
        if not n.HasField("relayed_request") or n.requester_id == self.messages.user_id:
            return
        relay = n.relayed_request
        kind = relay.WhichOneof("kind")
        if kind == "delete_meeting_request":
            self.say(f"[meeting {relay.delete_meeting_request.id} cancelled by {n.requester_id}]")
        elif kind == "update_meeting_invitation_request":
            body = relay.update_meeting_invitation_request
            actions = {constant_pb2.ResponseAction.ACCEPT: "accepted", constant_pb2.ResponseAction.DECLINE: "declined"}
            verb = actions.get(body.response_action)
            if verb:
                self.say(f"[meeting {body.meeting_id} {verb} by {n.requester_id}]")

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def print_incoming(self) -> None:
        async for m in self.messages.messages():
            if m.sender_id != self.messages.user_id:
                self.say(format_message(m))

    async def handle(self, line: str) -> bool:
        """Handle one input line; False to quit."""
        line = line.strip()
        if not line:
            return True
        try:
            if line in ("/quit", "/exit"):
                return False
            if line.startswith("/to "):
                self.target = ConversationKey(False, int(line.split()[1]))
                self.say(f"now chatting with user {self.target.target_id}")
            elif line.startswith("/group "):
                self.target = ConversationKey(True, int(line.split()[1]))
                self.say(f"now chatting in group {self.target.target_id}")
            elif line == "/history":
                await self.history()
            elif line == "/meet" or line.startswith("/meet "):
                await self.meet(line.split()[1:])
            elif line.startswith(("/join ", "/decline ", "/cancel ")):
                await self.meeting_command(line.split())
            elif line.startswith("/save "):
                await self.save(*line.split(maxsplit=2)[1:])
            elif line.startswith("/send "):
                await self.send_file(Path(line[len("/send ") :].strip()))
            elif line.startswith("/"):
                self.say(HELP)
            elif self.target is None:
                self.say("choose a conversation first: /to USER_ID or /group GROUP_ID")
            else:
                send = self.messages.send_group if self.target.is_group else self.messages.send_private
                result = await send(self.target.target_id, line)
                self.say(f"(sent #{result.sequence_id or '?'})")
        except (ValueError, IndexError):
            self.say(HELP)
        except ResponseError as e:
            self.say(f"refused: {e.code.name} ({int(e.code)}) {e.reason or ''}".rstrip())
        except ConnectionClosedError as e:
            if self.client.closed.is_set():
                self.say(f"disconnected for good ({e}); /quit to leave")
            else:
                self.say(f"not connected ({e}); retrying in the background")
        except TurmsClientError as e:  # a timeout, or a file store's HTTP failure
            self.say(f"failed: {e.code.name} ({int(e.code)}) {e}")
        except OSError as e:
            self.say(f"file error: {e.strerror or e}")
        return True

    async def send_file(self, path: Path) -> None:
        """Upload ``path`` into the current conversation, then send a message that refers to it."""
        if self.target is None:
            self.say("choose a conversation first: /to USER_ID or /group GROUP_ID")
            return
        data = await asyncio.to_thread(path.read_bytes)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        where = {"group_id" if self.target.is_group else "user_id": self.target.target_id}
        attachment_id = await self.storage.upload_attachment(data, name=path.name, media_type=media_type, **where)
        info = model_storage_pb2.StorageResourceInfo(
            id_num=attachment_id, name=path.name, media_type=media_type, uploader_id=self.messages.user_id
        )
        send = self.messages.send_group if self.target.is_group else self.messages.send_private
        result = await send(
            self.target.target_id, f"[file] {path.name}", records=[self.storage.attachment_record(info)]
        )
        self.say(f"(sent {path.name}, {len(data)} bytes, as attachment {attachment_id}; #{result.sequence_id or '?'})")

    async def save(self, attachment_id: str, path: str | None = None) -> None:
        data = await self.storage.download_attachment(int(attachment_id))
        target = Path(path) if path else self.download_dir / f"attachment-{int(attachment_id)}"
        await asyncio.to_thread(target.write_bytes, data)
        self.say(f"saved attachment {attachment_id}: {len(data)} bytes to {target}")

    def show_history(self, history: dict[ConversationKey, list[ChatMessage]]) -> None:
        """What :meth:`MessageService.catch_up` found: the current conversation's messages, marked as history,
        and a count of the other conversations that have messages."""
        shown = history.get(self.target, []) if self.target is not None else []
        for m in shown:
            self.say(format_message(m, history=True))
        others = sum(1 for key in history if key != self.target)
        if others:
            self.say(f"({others} other conversation{'s' if others > 1 else ''} with earlier messages)")
        self.say("--- new messages below ---")

    def describe_disconnect(self, error: ConnectionClosedError) -> str:
        status = f" (close status {error.close_status})" if error.close_status is not None else ""
        if self.client.closed.is_set():
            return f"disconnected{status}; not reconnecting: /quit to leave"
        return f"disconnected{status}; reconnecting..."

    async def reconnected(self) -> None:
        self.say("reconnected")

    async def meet(self, args: list[str]) -> None:
        """``/meet [@USER|#GROUP] [PASSWORD]``: create the meeting (the invitation goes out), then join it."""
        target = self.target
        if args and args[0][:1] in ("@", "#"):
            target = ConversationKey(args[0][0] == "#", int(args[0][1:]))
            args = args[1:]
        if target is None:
            self.say("meet whom? /meet @USER_ID or /meet #GROUP_ID")
            return
        password = args[0] if args else None
        if target.is_group:
            meeting_id = await self.meetings.create_meeting(group_id=target.target_id, password=password)
            self.say(f"meeting {meeting_id} created; group {target.target_id} is invited")
        else:
            meeting_id = await self.meetings.create_meeting(user_id=target.target_id, password=password)
            self.say(f"meeting {meeting_id} created; user {target.target_id} is invited")
        self.say(format_access(meeting_id, await self.meetings.accept_meeting_invitation(meeting_id, password)))

    async def meeting_command(self, words: list[str]) -> None:
        command, meeting_id, password = words[0], int(words[1]), (words[2] if len(words) > 2 else None)
        if command == "/join":
            self.say(format_access(meeting_id, await self.meetings.accept_meeting_invitation(meeting_id, password)))
        elif command == "/decline":
            await self.meetings.decline_meeting_invitation(meeting_id, password)
            self.say(f"meeting {meeting_id} declined")
        else:
            await self.meetings.cancel_meeting(meeting_id)
            self.say(f"meeting {meeting_id} cancelled")

    async def history(self) -> None:
        if self.target is None:
            self.say("no conversation chosen")
            return
        found = await self.messages.query(
            are_group_messages=self.target.is_group,
            from_ids=(self.target.target_id,),
            max_count=20,
            descending=True,
        )
        for m in reversed(found):
            where = f" (group {m.group_id})" if m.HasField("group_id") else ""
            self.say(f"[from {m.sender_id}{where}] {m.text}")


async def _stdin_lines() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def run(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    client = TurmsClient(args.host, args.port, url=args.url)
    try:
        await client.connect()
    except ConnectionClosedError as e:
        out.write(f"{e}\n")
        return 1
    messages = MessageService(client, args.user)
    chat = Chat(client, messages, out, download_dir=Path(args.download_dir))
    try:
        await client.login(args.user, args.password, device_type=args.device)
    except ResponseError as e:
        chat.say(f"login refused: {e.code.name} ({int(e.code)})")
        await client.close()
        return 1
    except TurmsClientError as e:
        chat.say(f"login failed: {e}")
        await client.close()
        return 1
    client.on_disconnected(lambda e: chat.say(chat.describe_disconnect(e)))
    client.on_reconnected(chat.reconnected)
    # Catch up before saying so: a message stored before the catch-up's query is history, and one sent after
    # it is shown as new, so "logged in" is printed only once every message sent from then on will show.
    history: dict[ConversationKey, list[ChatMessage]] | None = None
    error: TurmsClientError | None = None
    try:
        history = await messages.catch_up(args.history)
    except TurmsClientError as e:
        error = e
    chat.say(f"logged in as user {args.user}; {HELP}")
    if args.to is not None:
        await chat.handle(f"/to {args.to}")
    elif args.group is not None:
        await chat.handle(f"/group {args.group}")
    if history is not None:
        chat.show_history(history)
    else:
        chat.say(f"could not load earlier messages ({error}); /history shows them later")
    incoming = asyncio.ensure_future(chat.print_incoming())
    reader = await _stdin_lines()
    try:
        while True:
            raw = await reader.readline()
            if not raw or not await chat.handle(raw.decode(errors="replace")):
                break
    finally:
        incoming.cancel()
        await chat.storage.close()
        await messages.close()
        await client.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m turms.client.chat", description="A terminal chat for Turms servers.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=11510, help="client TCP port")
    p.add_argument("--url", help="connect over WebSocket instead, e.g. ws://127.0.0.1:10510")
    p.add_argument("--user", type=int, required=True, help="your user id")
    p.add_argument("--password", default=None, help="password (or a JWT when the server uses JWT)")
    p.add_argument("--device", type=int, default=0, help="device type (0 desktop, 1 browser, 2 iOS, 3 Android)")
    p.add_argument("--download-dir", default=".", help="where /save puts attachments (default: here)")
    p.add_argument(
        "--history", type=int, default=10, help="earlier messages of the conversation to show at start (0: none)"
    )
    target = p.add_mutually_exclusive_group()
    target.add_argument("--to", type=int, help="start a private chat with this user")
    target.add_argument("--group", type=int, help="start chatting in this group")
    return asyncio.run(run(p.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())

"""An echo bot: logs in as a user and answers every private message sent to it from then on with the same text
(messages it received before it started are history: it does not answer them).

    python examples/echo_bot.py --port 11510 --user 100 --password secret

Stops after --max-replies replies (0: never) or on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio

from turms.client import TurmsClient
from turms.client.message import MessageService


async def main(host: str, port: int, user: int, password: str | None, max_replies: int) -> None:
    async with TurmsClient(host, port) as client:
        await client.login(user, password)
        messages = MessageService(client, user)
        await messages.catch_up()  # what was sent before now is history, not a question to answer
        print(f"echo bot {user} is online", flush=True)
        replies = 0
        async for m in messages.messages():
            if m.sender_id == user or m.conversation.is_group or not m.text:
                continue
            await messages.send_private(m.sender_id, f"echo: {m.text}")
            replies += 1
            if max_replies and replies >= max_replies:
                break
        await messages.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=11510)
    p.add_argument("--user", type=int, required=True)
    p.add_argument("--password")
    p.add_argument("--max-replies", type=int, default=0)
    a = p.parse_args()
    asyncio.run(main(a.host, a.port, a.user, a.password, a.max_replies))

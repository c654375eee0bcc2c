"""Two users chat: Alice sends Bob a message, Bob answers, and both print what they received.

python examples/two_users.py --port 11510 --alice 1 --bob 2 [--password 123]
"""

from __future__ import annotations

import argparse
import asyncio

from turms.client import TurmsClient
from turms.client.message import MessageService


async def main(host: str, port: int, alice_id: int, bob_id: int, password: str | None) -> None:
    async with TurmsClient(host, port) as alice, TurmsClient(host, port) as bob:
        await alice.login(alice_id, password)
        await bob.login(bob_id, password)
        alice_messages = MessageService(alice, alice_id)
        bob_messages = MessageService(bob, bob_id)
        # Earlier messages between them (the demo dataset has some) are history, not what they say now.
        await alice_messages.catch_up()
        await bob_messages.catch_up()

        sent = await alice_messages.send_private(bob_id, "Hi Bob!")
        print(f"alice sent message {sent.message_id} (sequence {sent.sequence_id})")
        got = await bob_messages.next_message(timeout_s=10)
        print(f"bob received from {got.sender_id}: {got.text}")

        await bob_messages.send_private(alice_id, "Hello Alice!")
        while True:  # Alice's own message comes back first when she resyncs; skip it
            reply = await alice_messages.next_message(timeout_s=10)
            if reply.sender_id == bob_id:
                break
        print(f"alice received from {reply.sender_id}: {reply.text}")
        await alice_messages.close()
        await bob_messages.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=11510)
    p.add_argument("--alice", type=int, default=1)
    p.add_argument("--bob", type=int, default=2)
    p.add_argument("--password")
    a = p.parse_args()
    asyncio.run(main(a.host, a.port, a.alice, a.bob, a.password))

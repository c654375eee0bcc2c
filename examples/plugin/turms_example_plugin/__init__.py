"""An example turms-server plugin: login tokens in front of the built-in password check, a request policy (refuse
some request kinds, mask words in messages) and an online-status counter. It imports only ``turms.plugins.api``,
as every plugin should."""

from __future__ import annotations

import re

from turms.plugins.api import (
    AuthResult,
    ClientRequest,
    LoginAttempt,
    OnlineStatusChange,
    PluginContext,
    PluginSetting,
    PluginSpec,
    Refuse,
    RequestResult,
    ResponseStatusCode,
    Rewrite,
    TurmsRequest,
)

__version__ = "0.1.0"


class ExamplePlugin:
    #: A policy plugin: when it cannot answer, refuse the request rather than let it through unchecked.
    fail_closed = True

    def __init__(self, ctx: PluginContext) -> None:
        self.ctx = ctx

    async def start(self) -> None:
        self.ctx.log.info("example plugin %s started", __version__)

    async def stop(self) -> None:
        self.ctx.log.info("example plugin stopped")

    async def authenticate(self, attempt: LoginAttempt) -> AuthResult:
        """A login whose password is the user's token is accepted (the user need not exist in the server's
        store); anything else goes on to the built-in check."""
        for entry in self.ctx.setting("login_tokens"):
            user, _, token = entry.partition(":")
            if user == str(attempt.user_id) and token and attempt.password == token:
                return True
        return None

    async def handle_request(self, request: ClientRequest) -> RequestResult:
        kind = request.kind
        if kind in self.ctx.setting("rejected_kinds"):
            return Refuse(ResponseStatusCode.UNAUTHORIZED_REQUEST, f"{kind} is turned off on this server")
        if kind == "create_message_request" and request.body.HasField("text"):
            masked = self.mask(request.body.text)
            if masked != request.body.text:
                rewritten = TurmsRequest()
                rewritten.CopyFrom(request.request)
                rewritten.create_message_request.text = masked
                return Rewrite(rewritten)
        return None

    def mask(self, text: str) -> str:
        words = [w for w in self.ctx.setting("masked_words") if w]
        if not words:
            return text
        pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
        mask = self.ctx.setting("mask")
        return pattern.sub(lambda m: mask * len(m.group(0)), text)

    async def on_online_status_change(self, change: OnlineStatusChange) -> None:
        self.ctx.count("logins" if change.online else "logouts")


PLUGIN = PluginSpec(
    name="example",
    plugin=ExamplePlugin,
    description="Refuses chosen request kinds and masks words in messages (an example).",
    settings=(
        PluginSetting(
            "rejected_kinds",
            list,
            [],
            "Request kinds refused with UNAUTHORIZED_REQUEST (1106), e.g. create_group_request.",
            item_type=str,
        ),
        PluginSetting("masked_words", list, [], "Words masked in the text of new messages.", item_type=str),
        PluginSetting(
            "login_tokens",
            list,
            [],
            "`<user id>:<token>` pairs: logging in with the token as the password is accepted for that user.",
            item_type=str,
            secret=True,
        ),
        PluginSetting(
            "mask",
            str,
            "*",
            "The character each letter of a masked word becomes.",
            validator=lambda v: None if len(v) == 1 else "must be one character",
        ),
    ),
)

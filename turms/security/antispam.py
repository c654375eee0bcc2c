"""Antispam: find unwanted words in user-supplied text, and reject or mask them.

Text is normalized before matching, so simple disguises do not slip through:

* full-width forms (U+FF01..U+FF5E) become their ASCII letters, digits and symbols, and the ideographic
  space (U+3000) a space;
* case is folded (``BaD`` -> ``bad``);
* everything that is not a letter or a digit is removed (whitespace, punctuation, symbols, so
  ``b.a-d``, ``b a d`` and ``b_a_d`` all read ``bad``).

Dictionary words are normalized the same way and compiled into one Aho-Corasick automaton (pyahocorasick), so a
check is a single pass over the text, linear in its length whatever the size of the dictionary. The dictionary
is a text file (one word per line; ``#`` starts a comment) or a CSV/TSV file with a ``word`` column (Turms's
format). Each worker checks the file's modification time periodically and reloads it without a restart; an
admin can also force a reload on every worker (``antispam`` bus event).

Strategies: REJECT answers ``MESSAGE_IS_ILLEGAL`` (5010); MASK replaces the characters of each unwanted word
(and anything inserted between them) with the mask character. Text types listed in
``security.antispam.silent_text_types`` are rejected silently: the request is answered OK and dropped.

Domain services call :func:`check_text` with the :class:`TextModerator` from their ``Services``.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import ahocorasick

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode
from turms.settings import Settings
from turms.settings import security as sec

log = logging.getLogger("turms.security.antispam")


class TextType(StrEnum):
    """The kinds of user text Turms's antispam applies to (values match ``security.antispam.text_types``)."""

    MESSAGE_TEXT = "MESSAGE_TEXT"  # CreateMessageRequest.text and UpdateMessageRequest.text
    GROUP_NAME = "GROUP_NAME"
    GROUP_INTRO = "GROUP_INTRO"
    GROUP_ANNOUNCEMENT = "GROUP_ANNOUNCEMENT"
    GROUP_INVITATION_CONTENT = "GROUP_INVITATION_CONTENT"
    GROUP_JOIN_QUESTION = "GROUP_JOIN_QUESTION"  # the question (and its answers)
    GROUP_JOIN_REQUEST_CONTENT = "GROUP_JOIN_REQUEST_CONTENT"
    GROUP_MEMBER_NAME = "GROUP_MEMBER_NAME"
    FRIEND_REQUEST_CONTENT = "FRIEND_REQUEST_CONTENT"
    FRIEND_REQUEST_REASON = "FRIEND_REQUEST_REASON"  # the reason given when answering a friend request
    RELATIONSHIP_GROUP_NAME = "RELATIONSHIP_GROUP_NAME"
    USER_NAME = "USER_NAME"
    USER_INTRO = "USER_INTRO"


# -- normalization ----------------------------------------------------------------------------------------

#: Full-width ASCII variants (U+FF01..U+FF5E) -> ASCII, and the ideographic space -> a space.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
#: What is removed: anything but letters and digits (``\W`` plus the underscore).
_SEPARATORS = re.compile(r"[\W_]+")


def _fold(text: str) -> str:
    """Half-width and lower case, one output character per input character (so indexes still match)."""
    folded = text.translate(_HALF_WIDTH).lower()
    if len(folded) != len(text):  # a few characters lower to two (U+0130): keep the first
        folded = "".join(c.lower()[:1] for c in text.translate(_HALF_WIDTH))
    return folded


def normalize(text: str) -> str:
    """The form text is matched in (and dictionary words are stored in)."""
    return _SEPARATORS.sub("", _fold(text))


def _normalize_with_positions(text: str) -> tuple[str, list[int]]:
    """``normalize(text)`` and, for each of its characters, the index of the original character."""
    folded = _fold(text)
    keep = [i for i, c in enumerate(folded) if c.isalnum()]
    return "".join(folded[i] for i in keep), keep


# -- the dictionary ---------------------------------------------------------------------------------------


def read_words(path: str | Path) -> list[str]:
    """Words of a dictionary file: CSV/TSV with a ``word`` header column, or one word per line."""
    raw = Path(path).read_text(encoding="utf-8-sig")
    first = raw.split("\n", 1)[0]
    for delimiter in (",", "\t"):
        header = [h.strip().lower() for h in first.split(delimiter)]
        if delimiter in first and "word" in header:
            column = header.index("word")
            rows = csv.reader(io.StringIO(raw), delimiter=delimiter)
            next(rows, None)
            return [row[column] for row in rows if len(row) > column and row[column].strip()]
    words = []
    for line in raw.splitlines():
        word = line.strip()
        if word and not word.startswith("#"):
            words.append(word)
    return words


def build_automaton(words: Iterable[str]) -> Any:
    """An Aho-Corasick automaton over the normalized ``words``; each value is the word's length."""
    automaton = ahocorasick.Automaton()
    count = 0
    for word in words:
        key = normalize(word)
        if key:
            automaton.add_word(key, len(key))
            count += 1
    if count:
        automaton.make_automaton()
    return automaton if count else None


# -- moderation -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with one text: keep ``text`` (possibly masked), reject it, or silently drop the request."""

    text: str
    rejected: bool = False
    silent: bool = False
    words: tuple[str, ...] = field(default=())


class TextModerator(Protocol):
    def moderate(self, text_type: TextType, text: str) -> Verdict:
        """Check ``text`` of ``text_type``."""
        ...


class SilentlyDropped(TurmsError):
    """An illegal text of a silent type: the request is answered OK and nothing is stored or pushed."""

    def __init__(self) -> None:
        super().__init__(ResponseStatusCode.OK, None)


def check_text(moderator: TextModerator | None, text_type: TextType, text: str) -> str:
    """The text to store: ``text`` itself or its masked form.

    Raises ``TurmsError(MESSAGE_IS_ILLEGAL)`` to reject it, or :class:`SilentlyDropped` (code OK) for a
    silent text type; the router turns either into the response, so a service needs no other handling.
    """
    if moderator is None or not text:
        return text
    verdict = moderator.moderate(text_type, text)
    if verdict.silent:
        raise SilentlyDropped()
    if verdict.rejected:
        raise TurmsError(ResponseStatusCode.MESSAGE_IS_ILLEGAL, "the text contains unwanted words")
    return verdict.text


class AntiSpam:
    """The worker's :class:`TextModerator`: the current automaton plus the live settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._automaton: Any = None
        self._source: tuple[str, float, int] | None = None  # (path, mtime, size) of the loaded file
        self._loading: asyncio.Lock | None = None
        self.word_count = 0
        self.loads = 0

    # Dictionary ---------------------------------------------------------------------------------------

    def load_words(self, words: Iterable[str]) -> int:
        """Replace the dictionary with ``words`` (tests, or a dictionary not kept in a file)."""
        listed = list(words)
        self._install(build_automaton(listed), len(listed))
        return self.word_count

    def _install(self, automaton: Any, count: int) -> None:
        # One assignment: a check running concurrently sees the old or the new automaton, never half of one.
        self._automaton = automaton
        self.word_count = count if automaton is not None else 0
        self.loads += 1

    def _file_state(self) -> tuple[str, float, int] | None:
        path = self.settings.get(sec.ANTISPAM_DICTIONARY_PATH)
        if not path:
            return None
        try:
            st = os.stat(path)
        except OSError:
            return (path, -1.0, -1)
        return (path, st.st_mtime, st.st_size)

    def needs_reload(self) -> bool:
        return self._file_state() != self._source

    def reload(self, *, force: bool = False) -> bool:
        """Load the dictionary file if it changed (or ``force``); True if a new dictionary was installed."""
        state = self._file_state()
        if not force and state == self._source:
            return False
        if state is None:
            self._source = None
            self._install(None, 0)
            return True
        try:
            words = read_words(state[0])
        except (OSError, UnicodeDecodeError, csv.Error) as e:
            if self._source is None or self._source[0] != state[0] or force:
                log.warning("cannot read the antispam dictionary %s: %s", state[0], e)
            self._source = state  # not retried until the file changes
            return False
        self._install(build_automaton(words), len(words))
        self._source = state
        log.info("antispam dictionary %s loaded: %d words", state[0], self.word_count)
        return True

    async def reload_async(self, *, force: bool = False) -> bool:
        """:meth:`reload` off the event loop (compiling 50,000 words takes a noticeable fraction of a second)."""
        if not force and not self.needs_reload():
            return False
        if self._loading is None:
            self._loading = asyncio.Lock()
        async with self._loading:
            return await asyncio.to_thread(self.reload, force=force)

    # Matching -----------------------------------------------------------------------------------------

    def find(self, text: str, limit: int = 0) -> list[str]:
        """The unwanted words (normalized) in ``text``, in order; at most ``limit`` (0: all)."""
        automaton = self._automaton
        if automaton is None or not text:
            return []
        normalized = normalize(text)
        found: list[str] = []
        for end, length in automaton.iter(normalized):
            found.append(normalized[end - length + 1 : end + 1])
            if limit and len(found) >= limit:
                break
        return found

    def contains(self, text: str) -> bool:
        automaton = self._automaton
        if automaton is None or not text:
            return False
        for _ in automaton.iter(normalize(text)):
            return True
        return False

    def mask(self, text: str, mask: str | None = None) -> str:
        """``text`` with every character of each unwanted word (and anything inserted inside it) masked."""
        automaton = self._automaton
        if automaton is None or not text:
            return text
        char = mask or self.settings.get(sec.ANTISPAM_MASK)
        normalized, positions = _normalize_with_positions(text)
        out: list[str] | None = None
        for end, length in automaton.iter(normalized):
            if out is None:
                out = list(text)
            for i in range(positions[end - length + 1], positions[end] + 1):
                out[i] = char
        return text if out is None else "".join(out)

    # TextModerator ------------------------------------------------------------------------------------

    def moderate(self, text_type: TextType, text: str) -> Verdict:
        s = self.settings
        if self._automaton is None or not text or not s.get(sec.ANTISPAM_ENABLED):
            return Verdict(text)
        if text_type.value not in s.get(sec.ANTISPAM_TEXT_TYPES):
            return Verdict(text)
        if s.get(sec.ANTISPAM_STRATEGY) == "MASK" and text_type.value not in s.get(sec.ANTISPAM_SILENT_TEXT_TYPES):
            return Verdict(self.mask(text))
        if not self.contains(text):
            return Verdict(text)
        silent = text_type.value in s.get(sec.ANTISPAM_SILENT_TEXT_TYPES)
        return Verdict(text, rejected=True, silent=silent)

    def test_text(self, text: str) -> dict[str, Any]:
        """For the admin endpoint: the unwanted words found and the masked text, whatever the strategy."""
        return {"words": self.find(text), "masked": self.mask(text), "dictionary_words": self.word_count}

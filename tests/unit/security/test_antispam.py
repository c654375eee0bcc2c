# ruff: noqa: RUF001  (full-width characters are what these tests are about)
"""Antispam: normalization, REJECT / MASK / silent outcomes for every text type, dictionary reload."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode
from turms.security.antispam import AntiSpam, SilentlyDropped, TextType, check_text, normalize, read_words
from turms.settings import load_settings
from turms.settings import security as sec

pytestmark = pytest.mark.timeout(10)

#: Disguises of the dictionary word "spam": case, full width, separators and symbols between characters.
VARIANTS = ["SPAM", "SpAm", "ｓｐａｍ", "ＳＰＡＭ", "s p a m", "s.p-a_m", "s*p/a\u3000m", "s、p，a！m"]


def antispam(tmp_path: Path | None = None, **flags: str) -> AntiSpam:
    settings = load_settings(None, env={}, flags=[("security.antispam.enabled", "true"), *flags.items()])
    a = AntiSpam(settings)
    if tmp_path is None:
        a.load_words(["spam", "Bad Word", "坏词"])
    return a


def test_normalization() -> None:
    assert normalize("Ｈｅｌｌｏ,　Ｗｏｒｌｄ！") == "helloworld"
    assert normalize("A-b_C d.E") == "abcde"
    assert normalize("坏 词") == "坏词"
    assert [normalize(v) for v in VARIANTS] == ["spam"] * len(VARIANTS)


def test_the_text_types_are_turms_list_and_match_the_setting() -> None:
    assert [t.value for t in TextType] == sec.ANTISPAM_TEXT_TYPES.default
    assert len(TextType) == 13


@pytest.mark.parametrize("text_type", list(TextType))
@pytest.mark.parametrize("variant", VARIANTS)
def test_reject_every_variant_for_every_text_type(text_type: TextType, variant: str) -> None:
    moderator = antispam()
    with pytest.raises(TurmsError) as e:
        check_text(moderator, text_type, f"buy {variant} now")
    assert e.value.code is ResponseStatusCode.MESSAGE_IS_ILLEGAL
    assert check_text(moderator, text_type, "a clean sentence") == "a clean sentence"


@pytest.mark.parametrize("text_type", list(TextType))
def test_mask_every_variant_for_every_text_type(text_type: TextType) -> None:
    moderator = antispam(**{"security.antispam.strategy": "MASK", "security.antispam.mask": "#"})
    for variant in VARIANTS:
        masked = check_text(moderator, text_type, f"buy {variant} now")
        assert masked == f"buy {'#' * len(variant)} now", variant
    assert check_text(moderator, text_type, "so Bad-Word!") == "so ########!"
    assert check_text(moderator, text_type, "这是坏词。") == "这是##。"


@pytest.mark.parametrize("text_type", list(TextType))
def test_silent_text_types_answer_ok_and_drop(text_type: TextType) -> None:
    moderator = antispam(**{"security.antispam.silent_text_types": text_type.value})
    with pytest.raises(SilentlyDropped) as e:
        check_text(moderator, text_type, "S.P.A.M")
    assert e.value.code is ResponseStatusCode.OK
    other = next(t for t in TextType if t is not text_type)
    with pytest.raises(TurmsError) as rejected:
        check_text(moderator, other, "S.P.A.M")
    assert rejected.value.code is ResponseStatusCode.MESSAGE_IS_ILLEGAL


def test_text_types_not_listed_disabled_or_no_moderator_pass() -> None:
    assert check_text(None, TextType.USER_NAME, "spam") == "spam"
    only_messages = antispam(**{"security.antispam.text_types": "MESSAGE_TEXT"})
    assert check_text(only_messages, TextType.USER_NAME, "spam") == "spam"
    off = antispam(**{"security.antispam.enabled": "false"})
    assert check_text(off, TextType.MESSAGE_TEXT, "spam") == "spam"


def test_admin_test_text() -> None:
    result = antispam().test_text("SPAM and b a d w o r d")
    assert result["words"] == ["spam", "badword"]
    assert result["masked"] == "**** and *************"


def test_dictionary_files_and_reload_without_restart(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# comment\nspam\n\n", encoding="utf-8")
    a = antispam(tmp_path, **{"security.antispam.dictionary_path": str(words)})
    assert a.reload()
    assert a.contains("Ｓpam") and not a.contains("eggs")
    assert not a.reload()  # unchanged file: nothing to do
    words.write_text("eggs\n", encoding="utf-8")
    os.utime(words, (1, 1))  # a distinct mtime even on coarse-grained file systems
    assert a.needs_reload() and a.reload()
    assert a.contains("E G G S") and not a.contains("spam")
    csv_file = tmp_path / "words.csv"
    csv_file.write_text('id,word,level\n1,ham,2\n2,"jam, jelly",1\n', encoding="utf-8")
    assert read_words(csv_file) == ["ham", "jam, jelly"]
    tsv = tmp_path / "words.tsv"
    tsv.write_text("word\tcategory\nfoo\tx\n", encoding="utf-8")
    assert read_words(tsv) == ["foo"]
    words.unlink()
    assert a.reload() is False and a.contains("eggs")  # a missing file keeps the last good dictionary


async def test_reload_off_the_loop_picks_up_a_changed_file(tmp_path: Path) -> None:
    words = tmp_path / "w.txt"
    words.write_text("alpha\n", encoding="utf-8")
    a = antispam(tmp_path, **{"security.antispam.dictionary_path": str(words)})
    assert await a.reload_async()
    words.write_text("alpha\nbeta\n", encoding="utf-8")
    os.utime(words, (2, 2))
    assert await a.reload_async()
    assert a.word_count == 2 and a.contains("BETA")

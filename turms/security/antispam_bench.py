"""Antispam throughput with a large dictionary: ``python -m turms.security.antispam_bench``.

Builds a dictionary of ``--words`` pseudo-random words (5-10 Latin letters or 2-4 CJK characters, fixed
seed), then checks ``--texts`` chat-sized texts (some with a disguised dictionary word) with the REJECT check
(``contains``) and the MASK rewrite, and prints build time and throughput. Figures are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import string
import time

from turms.security.antispam import AntiSpam
from turms.settings import load_settings

CJK = [chr(c) for c in range(0x4E00, 0x4E00 + 2000)]


def _word(rng: random.Random) -> str:
    # Latin words of 5-10 letters: with shorter ones, 50,000 words would match almost any random text.
    if rng.random() < 0.3:
        return "".join(rng.choice(CJK) for _ in range(rng.randint(2, 4)))
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 10)))


def _text(rng: random.Random, words: list[str], length: int) -> str:
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < length:
        if rng.random() < 0.02:  # a disguised unwanted word now and then
            parts.append(".".join(rng.choice(words)).upper())
        else:
            parts.append("".join(rng.choice(string.ascii_letters) for _ in range(rng.randint(2, 9))))
    return " ".join(parts)[:length]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=50_000)
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--length", type=int, default=100, help="characters per text")
    args = parser.parse_args(argv)
    rng = random.Random(20260101)
    words = list({_word(rng) for _ in range(args.words * 2)})[: args.words]
    texts = [_text(rng, words, args.length) for _ in range(args.texts)]
    antispam = AntiSpam(load_settings(None, env={}, flags=[("security.antispam.enabled", "true")]))
    started = time.perf_counter()
    antispam.load_words(words)
    build_s = time.perf_counter() - started
    total_chars = sum(len(t) for t in texts)
    results = {}
    for name, check in (("reject (contains)", antispam.contains), ("mask", antispam.mask)):
        started = time.perf_counter()
        hits = 0
        for text in texts:
            hits += bool(check(text)) if name.startswith("reject") else check(text) != text
        elapsed = time.perf_counter() - started
        results[name] = (len(texts) / elapsed, total_chars / elapsed / 1e6, hits)
    print(f"dictionary: {len(words)} words, built in {build_s:.2f} s")  # noqa: T201
    print(f"texts: {len(texts)} of {args.length} characters")  # noqa: T201
    for name, (per_s, mchars, hits) in results.items():
        print(f"{name:18} {per_s:12,.0f} texts/s  {mchars:6.2f} M chars/s  ({hits} with unwanted words)")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Render time of hostile Markdown at the longest body an update may have.

    python -m bench.render --runs 3 --random 40

For each shape in tests/hostile_markdown.py, the heaviest body the validator accepts: the
shape as long as `markdown_problem` lets it be, then ordinary paragraphs up to
UPDATE_MAX_CHARS while still accepted. A refused shape is timed too (validator plus the
plain-text rendering it falls back to). Then `--random` seeded mixes of Markdown's symbols,
words and line breaks, each cut to the longest start the validator accepts. Each body is
rendered `--runs` times and its fastest run counts, so other work on the machine does not pass
for slowness of ours; the slowest body is the result. Prints one JSON line.
"""

import argparse
import json
import random
import time

from bench.common import setup_django

FILLER = "\n\n" + "The quick brown fox jumps over the lazy dog. " * 20
TOKENS = [
    "[", "]", "(", ")", "<a ", "<b>", "</b>", "*", "**", "_", "`", "```", "\n", "\n\n", "- ",
    "1. ", "> ", "# ", "word ", "http://x.y/ ", "&amp;", "!", "~~", '"', "'", "--", "...",
    "    ", "\\", "<http://a>", "[a](b)", "![a](b)", "<!--", "-->", "\t", "|", ":", "{", "}",
]  # fmt: skip


def random_mix(rng: random.Random, limit: int) -> str:
    weights = [rng.random() ** 3 for _ in TOKENS]
    return "".join(rng.choices(TOKENS, weights, k=limit))[:limit]


def longest_accepted_start(text: str, markdown_problem) -> str:
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if markdown_problem(text[:middle]):
            high = middle - 1
        else:
            low = middle
    return text[:low]


def heaviest_accepted(make, limit: int, markdown_problem) -> str:
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if markdown_problem(make(middle)):
            high = middle - 1
        else:
            low = middle
    text = make(low)
    while len(text) + len(FILLER) <= limit and not markdown_problem(text + FILLER):
        text += FILLER
    return text


def fastest(render, text: str, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        render(text)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--random", type=int, default=40)
    args = parser.parse_args()
    setup_django("sqlite:////tmp/liveblog-bench-render.sqlite3")
    from django.conf import settings

    from incidents.rendering import markdown_problem, render_markdown
    from tests.hostile_markdown import CORPUS

    limit = settings.UPDATE_MAX_CHARS
    times = {}
    for name, make in CORPUS.items():
        refused = make(limit)
        accepted = heaviest_accepted(make, limit, markdown_problem)
        times[f"{name} (accepted, {len(accepted):,} chars)"] = fastest(
            render_markdown, accepted, args.runs
        )
        if markdown_problem(refused):
            times[f"{name} (refused)"] = fastest(render_markdown, refused, args.runs)
    rng = random.Random(2026)
    for n in range(args.random):
        mix = longest_accepted_start(random_mix(rng, limit), markdown_problem)
        times[f"random mix {n} (accepted, {len(mix):,} chars)"] = fastest(
            render_markdown, mix, args.runs
        )
    worst = max(times, key=times.get)
    print(
        json.dumps(
            {
                "scenario": "render",
                "db": "none",
                "max_chars": limit,
                "bodies": len(times),
                "max_ms": round(times[worst], 1),
                "worst": worst,
                "median_ms": round(sorted(times.values())[len(times) // 2], 1),
            }
        )
    )


if __name__ == "__main__":
    main()

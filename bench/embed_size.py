"""The size a visitor downloads for the embed script, gzipped as a web server sends it
(goal: at most 15 KB).

    .venv/bin/python bench/embed_size.py
"""

import gzip
from pathlib import Path

EMBED = Path(__file__).resolve().parent.parent / "static" / "forms_builder" / "embed.js"
GOAL_BYTES = 15 * 1024


def main() -> None:
    raw = EMBED.read_bytes()
    gzipped = len(gzip.compress(raw, compresslevel=9))
    print(f"{EMBED.name}: {len(raw)} bytes, {gzipped} bytes gzipped (goal <= {GOAL_BYTES})")
    print(f"embed_raw_bytes={len(raw)} embed_gzip_bytes={gzipped}")


if __name__ == "__main__":
    main()

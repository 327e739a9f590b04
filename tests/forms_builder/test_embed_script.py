"""embed.js stays small: a visitor downloads it on every page of the customer's site."""

import gzip

from bench.embed_size import EMBED, GOAL_BYTES


def test_embed_script_is_at_most_15_kb_gzipped():
    assert len(gzip.compress(EMBED.read_bytes(), compresslevel=9)) <= GOAL_BYTES


def test_embed_script_tracks_page_views_unless_told_not_to():
    script = EMBED.read_text()

    assert 'script.dataset.track !== "off"' in script
    assert "track: track" in script  # Parley.track()

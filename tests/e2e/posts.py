"""The fixture posts the end-to-end tests fetch: their URLs, keys, and how to serve them.

Every constant names a post some fixture under ``fixtures/<platform>/responses/`` answers
for (see the fixture READMEs); Mastodon and generic pages live on the replay server itself.
"""

from __future__ import annotations

from tests.e2e.replay import Replay, fixture

X_ID = "2008902282974425946"
X_URL = f"https://x.com/marisol_ol/status/{X_ID}"
X_KEY = f"twitter:{X_ID}"
BSKY_DID = "did:plc:k4t7vqzm2xw5n3rdj6hya2pe"
BSKY_URL = "https://bsky.app/profile/ilse.bsky.social/post/3lp3gy6ehhc4g"
BSKY_KEY = f"bluesky:{BSKY_DID}/3lp3gy6ehhc4g"
REDDIT_URL = (
    "https://www.reddit.com/r/FakeCityNews/comments/1c9k2mf/council_meeting_moved_to_thursday/"
)
TELEGRAM_URL = "https://t.me/RiversideWatch/4821"
TOOT_ID = "114103637122945249"
ARTICLE = "/news/2026/01/ferry-timetable/"


def toot_url(replay: Replay, status_id: str = TOOT_ID) -> str:
    return replay.url(f"/@alice/{status_id}")


def toot_key(replay: Replay, status_id: str = TOOT_ID) -> str:
    return f"mastodon:{replay.netloc}/{status_id}"


def serve_one_of_each(replay: Replay) -> list[str]:
    """X, Mastodon, Bluesky, Reddit, Telegram and a generic page (sent gzip-coded)."""
    replay.twitter(X_ID, fixture("twitter", "ok-photo.200.json"))
    replay.mastodon(TOOT_ID, fixture("mastodon", "status-ok.200.json"))
    replay.bluesky("ilse.bsky.social", "3lp3gy6ehhc4g", fixture("bluesky", "ok-images.200.json"))
    replay.reddit("1c9k2mf", fixture("reddit", "self-post.200.json"))
    replay.telegram("RiversideWatch", "4821", fixture("telegram", "ok-text.200.html"))
    replay.on(ARTICLE, fixture("web", "article-ok.200.html").gzipped())
    return [X_URL, toot_url(replay), BSKY_URL, REDDIT_URL, TELEGRAM_URL, replay.url(ARTICLE)]

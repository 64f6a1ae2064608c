"""The posts an article links to in its body, and only there."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.documents.links import body_post_links, page_post_links

ARTICLES = Path(__file__).resolve().parents[2] / "fixtures" / "articles"
POST = "https://x.com/marisol_ol/status/2008902282974425946"
OTHER = "https://www.reddit.com/r/FakeCityNews/comments/1c9k2mf/council_meeting_moved_to_thursday/"


def page(body: str) -> str:
    return f"<html><head><title>t</title></head><body>{body}</body></html>"


def test_the_fixture_article_gives_its_body_links_in_order_and_no_chrome() -> None:
    text = (ARTICLES / "cited-posts.html").read_text(encoding="utf-8")
    assert page_post_links(text) == [
        "https://x.com/petralindgren/status/2009896798101400706",
        OTHER,
        "https://x.com/harbour_master/status/2009100000000000404",
        "https://x.com/alder_ferries/status/2009200000000000503",
        # the embedded post, linked again in the prose: the embed's own links are not read,
        # so this is its one link (the caller cites it once, as embedded)
        "https://twitter.com/marisol_ol/status/2008902282974425946",
    ]


@pytest.mark.parametrize(
    "chrome",
    [
        "<nav><a href='{url}'>x</a></nav>",
        "<header><p><a href='{url}'>x</a></p></header>",
        "<footer><a href='{url}'>x</a></footer>",
        "<aside><a href='{url}'>x</a></aside>",
        "<div role='navigation'><a href='{url}'>x</a></div>",
        "<div role='complementary'><a href='{url}'>x</a></div>",
        "<div class='share-buttons'><a href='{url}'>Tweet this</a></div>",
        "<div class='sharedaddy'><a href='{url}'>Share</a></div>",
        "<div class='entry-content'><div class='social-follow'><a href='{url}'>x</a></div></div>",
        "<div class='author-bio'><a href='{url}'>pinned</a></div>",
        "<section id='comments'><p><a href='{url}'>x</a></p></section>",
        "<ol class='comment-list'><li><a href='{url}'>x</a></li></ol>",
        "<div class='jp-relatedposts'><a href='{url}'>x</a></div>",
        "<div class='related-articles'><a href='{url}'>x</a></div>",
        "<div class='newsletter-signup'><a href='{url}'>x</a></div>",
        "<form><a href='{url}'>x</a></form>",
    ],
)
def test_links_in_chrome_are_not_the_articles(chrome: str) -> None:
    assert page_post_links(page(chrome.format(url=POST))) == []


@pytest.mark.parametrize(
    "body",
    [
        "<p>As <a href='{url}'>she said</a>.</p>",
        "<article class='post category-social tag-twitter'><p><a href='{url}'>x</a></p></article>",
        "<main><article><div itemprop='articleBody'><a href='{url}'>x</a></div></article></main>",
        # a body container stops the walk up: the sidebar class outside it says nothing
        "<div class='layout-with-sidebar'><div class='article__content'><a href='{url}'>x</a>"
        "</div></div>",
        "<section class='article-content js-truncate-related-to-size'><a href='{url}'>x</a>"
        "</section>",
        "<p><a href='//x.com/marisol_ol/status/2008902282974425946'>protocol-relative</a></p>",
        # a layout wrapper named for the sidebar beside the text holds the headline
        "<div class='page with-sidebar'><h1>Title</h1><p><a href='{url}'>x</a></p>"
        "<div class='sidebar-widget'><h3>More</h3><a href='" + OTHER + "'>x</a></div></div>",
    ],
)
def test_links_in_the_text_are_kept(body: str) -> None:
    assert page_post_links(page(body.format(url=POST))) == [POST]


def test_only_posts_count_each_once_and_embeds_keep_their_own_links() -> None:
    body = (
        "<p><a href='https://x.com/marisol_ol'>a profile</a>, "
        "<a href='https://twitter.com/intent/tweet?text=hi'>a share intent</a>, "
        "<a href='https://x.com/search?q=flood'>a search</a>, "
        "<a href='https://news.example/other-story'>a page</a>, "
        "<a href='/relative/path'>a relative link</a>, "
        "<a href='mailto:desk@news.example'>mail</a>, "
        f"<a href='{OTHER}'>a thread</a>, "
        f"<a href='{POST}'>a post</a> and "
        "<a href='https://twitter.com/Marisol_OL/status/2008902282974425946?s=20'>again</a>.</p>"
        "<blockquote class='twitter-tweet'><p>quoting "
        "<a href='https://x.com/dana_h/status/2009300000000000004'>a post</a></p>&mdash; "
        "<a href='https://twitter.com/petralindgren/status/2009896798101400706'>Jan 9</a>"
        "</blockquote>"
    )
    assert page_post_links(page(body)) == [OTHER, POST]


def test_body_post_links_reads_a_parsed_page() -> None:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page(f"<p><a href='{POST}'>x</a></p>"), "lxml")
    assert body_post_links(soup) == [POST]

from __future__ import annotations

import pytest

from archiver.platforms.base import ParseError, Reason
from archiver.platforms.meta_oembed import find_handles, graph_error, is_login_wall, page_gone


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("(#100) The requested media does not exist", Reason.NOT_FOUND),
        ("Media not found", Reason.NOT_FOUND),
        ("This post has been deleted", Reason.NOT_FOUND),
        ("The content is no longer available", Reason.NOT_FOUND),
        ("(#10) This media is from a private account", Reason.PRIVATE),
        ("This post is not public", Reason.PRIVATE),
        ("Please log in to see this post", Reason.LOGIN_REQUIRED),
        ("The owner has disabled embedding for this post", Reason.EMBEDDING_DISABLED),
        ("This post is not available in your country", Reason.REGION_LOCKED),
        ("This post is age-restricted", Reason.AGE_RESTRICTED),
        # Threads: "not supported" is lifted by a login, unless only a geo-gate is named.
        ("Posts on private accounts are not supported", Reason.LOGIN_REQUIRED),
        ("Geo-gated posts on this page are not supported", Reason.REGION_LOCKED),
        ("Geo-gated posts are not supported", Reason.REGION_LOCKED),
        (
            "Posts on private, inactive, and age-restricted accounts as well as geo-gated "
            "posts are not supported.",
            Reason.LOGIN_REQUIRED,
        ),
    ],
)
def test_graph_error_words(message: str, reason: Reason) -> None:
    gone = graph_error({"message": message, "type": "OAuthException", "code": 100}, 400)
    assert (gone.reason, gone.status) == (reason, 400)
    assert gone.detail == f"Meta oEmbed error 100: {message}"


@pytest.mark.parametrize(
    "error",
    [
        # Graph's generic answer for an object it will not load: "missing permissions" is
        # one of its three readings, so it proves no deletion.
        {
            "message": "Unsupported get request. Object with ID '1234' does not exist, cannot "
            "be loaded due to missing permissions, or does not support this operation.",
            "type": "GraphMethodException",
            "code": 100,
            "error_subcode": 33,
        },
        {"message": "(#10) Application does not have permission for this action", "code": 10},
        {"message": "(#200) Permissions error", "type": "OAuthException", "code": 200},
        {"message": "(#299) The media was not found or was deleted", "code": 299},
        {"message": "You do not have permission to view this post", "code": 100},
    ],
)
def test_graph_permission_errors_are_never_gone(error: dict) -> None:
    with pytest.raises(ParseError, match=r"lack of permission.*says nothing about the post"):
        graph_error(error, 400)


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (
            "(#10) This media is from a private account and cannot be viewed without permission",
            Reason.PRIVATE,
        ),
        ("(#10) This post is not public or you do not have permission to view it.", Reason.PRIVATE),
        ("(#10) The owner of this media has turned off embedding", Reason.EMBEDDING_DISABLED),
    ],
)
def test_graph_permission_errors_that_name_the_posts_own_state(
    message: str, reason: Reason
) -> None:
    assert graph_error({"message": message, "code": 10}, 400).reason is reason


def test_graph_error_reads_user_facing_fields_too() -> None:
    error = {
        "message": "Invalid parameter",
        "code": 100,
        "error_user_title": "Media Not Found",
        "error_user_msg": "The media could not be found.",
    }
    assert graph_error(error, 400).reason is Reason.NOT_FOUND


@pytest.mark.parametrize(
    ("error", "status", "reason"),
    [
        ({"message": "Unsupported get request", "code": 100}, 404, Reason.NOT_FOUND),
        ({"message": "Something odd", "code": 1}, 404, Reason.NOT_FOUND),
        ({"message": "Something odd", "code": 1}, 403, Reason.LOGIN_REQUIRED),
    ],
)
def test_graph_error_falls_back_to_status(error: dict, status: int, reason: Reason) -> None:
    assert graph_error(error, status).reason is reason


@pytest.mark.parametrize(
    ("error", "message"),
    [
        ({"message": "(#4) Application request limit reached", "code": 4}, "rate limited"),
        ({"message": "User request limit reached", "code": 17}, "rate limited"),
        ({"message": "Invalid OAuth access token.", "code": 190}, "access token"),
        ({"message": "(#10) To use 'Meta oEmbed Read' ...", "code": 10}, "access token"),
        ({"message": "An unknown error occurred", "code": 1}, "unrecognised"),
        ("not an object", "malformed"),
    ],
)
def test_graph_errors_that_are_not_about_the_post(error: object, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        graph_error(error, 400)


@pytest.mark.parametrize(
    ("url", "walled"),
    [
        ("https://www.instagram.com/accounts/login/?next=%2Fp%2FX%2F", True),
        ("https://www.facebook.com/login/?next=x", True),
        ("https://www.facebook.com/login.php?next=x", True),
        ("https://www.threads.com/login?next=x", True),
        ("https://www.facebook.com/loginpage/posts/1", False),
        ("https://graph.facebook.com/v22.0/oembed_post?url=https%3A%2F%2Fx%2Flogin%2F", False),
    ],
)
def test_login_walls(url: str, walled: bool) -> None:
    assert is_login_wall(url) is walled


def test_page_gone_texts_accept_typographic_apostrophes() -> None:
    gone = page_gone("Sorry, this page isn\u2019t available.", 404)
    assert gone is not None
    assert (gone.reason, gone.status) == (Reason.NOT_FOUND, 404)
    private = page_gone("wren.okh\nThis Account is Private", 200)
    assert private is not None
    assert private.reason is Reason.PRIVATE
    assert page_gone("A perfectly ordinary page", 200) is None


def test_find_handles_keeps_dots_inside_but_not_at_the_end() -> None:
    text = "Thanks @river.wardens, @tide_log. Mail me@example.com or @river.wardens again"
    assert find_handles(text) == ["river.wardens", "tide_log"]

"""What page furniture looks like: the data both boilerplate layers work from.

Layer 1 (prune.py) matches elements by structure; layer 2 (lines.py) matches lines of extracted text by
content. Add to these lists when a new kind of furniture shows up; the tests in test_boilerplate.py say
what each entry must and must not catch.
"""

from __future__ import annotations

# -- layer 1: structure ------------------------------------------------------------------------------

#: Elements dropped by tag alone, wherever they are.
FURNITURE_TAGS = ("nav", "aside", "footer", "dialog", "template", "button", "select", "textarea")

#: Values of role="..." that mark furniture.
FURNITURE_ROLES = ("navigation", "complementary", "contentinfo", "banner", "dialog", "alertdialog", "search")

#: Words in a class or id name that mark furniture. Matched as whole words of the name, split at "-", "_"
#: and camelCase humps, so "share" catches "post-share-bar" and "shareButtons" but not "shared".
FURNITURE_WORDS = (
    # comments
    "comment", "comments", "disqus", "respond", "akismet", "commentlist", "replies",
    # share and social bars
    "share", "sharing", "sharedaddy", "addtoany", "a2a", "social", "sociallinks", "socials",
    # newsletter and subscribe boxes
    "newsletter", "subscribe", "subscription", "signup", "optin", "mailchimp", "mc4wp",
    # related, recommended, more stories
    "related", "relatedposts", "recommended", "recommendations", "recirc", "outbrain", "taboola", "yarpp",
    "morestories", "readnext", "trending", "mostread", "mostpopular", "popular", "prevnext", "pagination",
    # adblock notices, cookie banners, consent
    "adblock", "adblocker", "cookie", "cookies", "consent", "gdpr",
    # author bios, tag clouds, breadcrumbs, tables of contents
    "authorbio", "authorbox", "tagcloud", "breadcrumb", "breadcrumbs",
    # ads and promotions
    "ad", "ads", "advert", "advertisement", "adslot", "adunit", "sponsored", "promo", "dfp",
    # chrome
    "sidebar", "navbar", "menu", "modal", "popup",
)

#: Multi-word class or id names (joined by "-" after normalisation) that mark furniture.
FURNITURE_PHRASES = (
    "author-bio", "about-author", "author-box", "post-tags", "entry-tags", "tag-list", "tags-list",
    "table-of-contents", "ez-toc", "toc-container", "toc-wrapper", "more-stories", "read-more", "read-next", "you-may-like", "also-like",
    "post-navigation", "nav-links", "jp-relatedposts", "wp-block-jetpack-subscriptions", "sd-sharing",
    "comment-respond", "comments-area", "site-footer", "site-header", "newsletter-signup", "ad-container",
)

#: Words of an aria-label that mark furniture.
FURNITURE_LABELS = (
    "share", "comments", "related", "newsletter", "subscribe", "breadcrumb", "breadcrumbs", "advertisement",
    "navigation", "menu", "footer", "social", "recommended",
)

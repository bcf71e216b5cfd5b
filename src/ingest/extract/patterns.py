"""What page furniture looks like: the data both boilerplate layers work from.

Layer 1 (prune.py) matches elements by structure; layer 2 (lines.py) matches lines of extracted text by
content. Add to these lists when a new kind of furniture shows up; the tests in test_boilerplate.py say
what each entry must and must not catch.
"""

from __future__ import annotations

# -- layer 1: structure ------------------------------------------------------------------------------

#: Elements dropped by tag alone, wherever they are.
FURNITURE_TAGS = ("nav", "aside", "footer", "dialog", "template", "button", "select", "textarea", "form")

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
)  # fmt: skip

#: Multi-word class or id names (joined by "-" after normalisation) that mark furniture.
FURNITURE_PHRASES = (
    "author-bio", "about-author", "author-box", "post-tags", "entry-tags", "tag-list", "tags-list",
    "table-of-contents", "ez-toc", "toc-container", "toc-wrapper", "more-stories", "read-more", "read-next",
    "you-may-like", "also-like",
    "post-navigation", "nav-links", "jp-relatedposts", "wp-block-jetpack-subscriptions", "sd-sharing",
    "comment-respond", "comments-area", "site-footer", "site-header", "newsletter-signup", "ad-container",
)  # fmt: skip

#: Words of an aria-label that mark furniture.
FURNITURE_LABELS = (
    "share", "comments", "related", "newsletter", "subscribe", "breadcrumb", "breadcrumbs", "advertisement",
    "navigation", "menu", "footer", "social", "recommended", "cookie", "cookies", "consent",
)  # fmt: skip


# -- layer 2: lines of text -----------------------------------------------------------------------

#: Whole lines that are furniture, in several languages: each a regular expression matched
#: case-insensitively against the full line, once bullets, ellipses and surrounding punctuation are gone.
BOILERPLATE_LINES = (
    # prompts to share, comment, subscribe, follow
    r"share( this| this article| this story| this post| on \w+| news)?",
    r"like this( article| post)?\W*spread the word.*",
    r"(leave|post|write) a (comment|reply)",
    r"\d* ?comments?",
    r"recent comments",
    r"this site uses akismet to reduce spam\. learn how your comment data is processed",
    r"discover more from .{1,60}",
    r"subscribe to get the latest posts( sent)? to your email",
    r"(subscribe|sign up)( now)?( for| to)( our| the)? .{0,50}(newsletter|updates|emails?|alerts)",
    r"thank you for subscribing.{0,60}",
    r"follow us( on .{1,40})?",
    r"get in touch",
    # headings of related and recommended lists
    r"you (may|might) (also )?like",
    r"related( posts| articles| stories| news| content)?",
    r"(other|more|latest) news",
    r"recommended( for you| stories| articles)?",
    r"more (stories|articles)( from .{1,40})?",
    r"most (read|popular|viewed)",
    r"trending( now| news| stories)?",
    r"don['’]?t miss",
    r"see also",
    r"read next|up next",
    r"read more|continue reading|read the full (story|article)|click here to read more",
    # shopping links beside a product in a review
    r"read (our|the) full review",
    r"(check|see|view) (the )?(latest |current |best )?prices?( (on|at) .{1,40}| - .{1,40})?",
    r"(view|buy|shop|see)( it)?( now)? (on|at) (amazon|walmart|target|ebay|best buy|rei)\b(\W+\S+){0,4}",
    # notices
    r"ad(block|blocker)? detected",
    r"please support us by disabling your ad ?blocker.{0,120}",
    r"advertisement|advertising|sponsored( content)?|anzeige|publicité|publicidad|pubblicità",
    r"table of contents",
    r"loading",
    # credits and reading furniture around the text
    r"((header|featured|top|lead) )?(image|photo|picture|video)s? ?(credits?|source|courtesy)\W.{0,100}",
    r"(credits?|source|courtesy)\s*:.{0,100}(getty|reuters|afp|ap|shutterstock|istock|unsplash|images?)\W*",
    r"(photo|image|picture)s? (by|courtesy of|via) .{0,80}",
    r"(last )?(updated|published|modified)( on)?\s*:?.{0,30}\d{4}.{0,20}",
    r"\d+ min(ute)?s? read",
    r"(tags|tagged( with| in)?|filed under|posted in|categories|topics)\s*:?",
    # "Copyright" only with a sign, year or colon after it: "Copyright law changed in 2019." is a sentence;
    # the "(" of "(c) 2025" is gone with the line's edges.
    r"(all rights reserved|©|\(?c\) ?\d{4}|copyright ?(©|\(c\)|\d{4}|:)).{0,80}",
    r"copyrights?( notice| policy| statement| information)?",
    r".{0,80}all rights reserved\W*",
    # the wire services' notice under every copy: "Copyright 2018 The Associated Press. All rights ..."
    r"(copyright|©).{0,120}may not be (re)?published, broadcast, rewritten,? or redistributed\W*",
    r".{0,80}(alle rechte vorbehalten|tous droits réservés|todos los derechos reservados)\W*",
    r".{0,80}(tutti i diritti riservati|todos os direitos reservados|alle rechten voorbehouden)\W*",
    # the same in other languages
    r"weiterlesen|mehr zum thema|auch interessant|lesen sie auch|teilen|kommentare",
    r"lire (aussi|la suite|plus)|à lire aussi|partager|abonnez-vous.{0,60}",
    r"leer más|lee también|te puede interesar|compartir|suscríbete.{0,60}",
    r"leggi (anche|di più)|condividi|iscriviti.{0,60}",
    r"leia (mais|também)|compartilhe|assine.{0,60}",
    r"lees (ook|meer)|delen",
)

#: Starts of lines that point elsewhere: "Related: <headline>", "READ MORE: <headline>".
BOILERPLATE_PREFIXES = (
    r"(related|read more|read also|also read|see also|more|recommended|watch|listen)\s*:",
    r"(lire aussi|lesen sie auch|leia também|lee también|leggi anche)\s*:",
)

#: Headings after which nothing is the article any more, when they sit in the last part of the text:
#: a related list, a comment section, a subscribe box.
TAIL_MARKERS = (
    r"you (may|might) (also )?like",
    r"related( posts| articles| stories| news)?",
    r"(other|more) news",
    r"recommended( for you| stories)?",
    r"more stories",
    r"most (read|popular)",
    r"recent comments",
    r"leave a (comment|reply)",
    r"\d* ?comments?",
    r"discover more from .{1,60}",
    r"(tags|tagged( with| in)?|filed under|posted in)\s*:?",
)

#: Starts of a last paragraph that sells rather than reports: a call to action closing a brand's post.
CLOSING_PITCHES = (
    r"sign up (now|today|for)",
    r"(book|schedule|request) a (free )?(demo|call|consultation|quote)",
    r"start (a|your) free trial",
    r"try .{1,40} (for )?free",
    r"get started( today| now| with)",
    r"ready to (get started|find|start|try|learn|see)",
    r"download (our|the|it|now)",
    r"(contact|call) us (today|now|to)",
    r"enjoy(ed)? (this|the) (post|article)",
)

#: Phrases that make a whole line (of up to DISCLOSURE_MAX_WORDS words) an affiliate disclosure,
#: wherever they sit in it: searched, not matched whole.
DISCLOSURE_PHRASES = (
    r"\b(this|the|our|my) (post|article|page|story|site|guide) (may )?contains? affiliate links?",
    r"\baffiliate links?\b.{0,80}\b(earn|commission|support)",
    r"\b(we|i) (may )?(earn|receive|get) (a |an |small |us a )*(small )?(commission|fee|compensation)",
    r"\bpurchases? made through (our|these|the) links\b",
    r"\bas an amazon associate\b",
    r"\bfrom qualifying purchases\b",
)
DISCLOSURE_MAX_WORDS = 60

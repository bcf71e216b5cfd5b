"""A story's record, built in one place from its stored articles and their digest: for the refresh that
the daemon and `--once` run, and for `show` and `export` when the stored record is out of date."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.model import Article, Story
from ingest.store import Store
from ingest.stories.summary import LEAD_CHARS, Digest, Member, sources, summarize


def story_record(story_id: str, articles: Sequence[Article], digest: Digest, by: str = "extractive") -> Story:
    """The story's record from its stored articles (in order of publication) and their digest."""
    dates = sorted(article.published or article.fetched_at for article in articles)
    fetched = sorted(article.fetched_at for article in articles)
    return Story(
        id=story_id,
        title=digest.title or None,
        date=dates[0][:10] if dates else None,
        sources=sources([article.source for article in articles]),
        articles=[article.id for article in articles],
        summary=digest.summary,
        key_points=list(digest.key_points),
        image_url=digest.image_url,
        image_caption=digest.image_caption,
        image_source=digest.image_source,
        first_seen=fetched[0] if fetched else "",
        updated_at=fetched[-1] if fetched else "",
        summarized_by=by,
    )


def members_of(articles: Sequence[Article]) -> list[Member]:
    """Stored articles as summarising reads them: the lead of each text, not all of it (it travels to a
    worker process, and a story may hold hundreds)."""
    return [
        Member(
            id=article.id,
            title=article.title or "",
            text=(article.text or "")[:LEAD_CHARS],
            source=article.source or "",
            published=article.published or article.fetched_at,
            site_name=article.site_name,
            image_url=article.image_url,
            image_caption=article.image_caption,
            duplicate_of=article.duplicate_of,
        )
        for article in articles
    ]


def current_story(store: Store, story: Story, members: Sequence[Article] | None = None) -> Story:
    """The story's record as it should read now: the stored one, unless articles joined since it was
    written; then one made here, extractively, from its articles (`members`, if already read)."""
    if story.summary and not store.is_stale(story.id):
        return story
    members = store.story_members(story.id) if members is None else members
    return story_record(story.id, members, summarize(members_of(members))) if members else story

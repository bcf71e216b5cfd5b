"""How long a story stays open: as long as it keeps being reported, up to a cap, and no longer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ingest.dedupe import reasons
from ingest.dedupe.clusters import MAX_SPAN_DAYS, WINDOW_DAYS, StoryArticle, StoryClusterer
from ingest.dedupe.reasons import describe
from ingest.dedupe.terms import names

START = datetime(2024, 3, 4, 9, tzinfo=UTC)
BACKGROUND = [
    (
        "Central bank holds rates steady",
        "The European Central Bank kept its main interest rate unchanged on Thursday, and President "
        "Christine Lagarde said inflation was easing across the euro zone.",
    ),
    (
        "Storm floods coastal towns",
        "Hurricane Delia flooded towns along the Gulf coast of Texas, and officials in Galveston ordered "
        "residents to leave low-lying neighbourhoods.",
    ),
    (
        "Tech giant unveils new phone",
        "Apple showed its new iPhone at an event in Cupertino, California, with a faster chip and a "
        "better camera, priced from 799 dollars.",
    ),
    (
        "Football club sacks manager",
        "Chelsea dismissed its manager after a run of five defeats, the London club said in a statement "
        "on Sunday evening.",
    ),
    (
        "Wildfire spreads in Greece",
        "Firefighters battled a wildfire near Athens as strong winds pushed the flames towards villages "
        "on the slopes of Mount Parnitha.",
    ),
]
# One trial, reported in other words every few days.
TRIAL = [
    (
        "Senator Menendez goes on trial in Manhattan over gold bars",
        "Jury selection began in Manhattan in the bribery trial of Senator Bob Menendez, accused of "
        "taking gold bars and cash from businessmen in New Jersey in exchange for favours.",
    ),
    (
        "Prosecutors open bribery case against Menendez",
        "Prosecutors told the jury in Manhattan that Senator Bob Menendez sold his office for gold bars "
        "and cash, as the bribery trial of the New Jersey Democrat opened.",
    ),
    (
        "Menendez trial hears from businessman who paid bribes",
        "A New Jersey businessman testified at the bribery trial of Senator Bob Menendez in Manhattan "
        "that he gave the senator gold bars and cash.",
    ),
    (
        "FBI agent describes cash found at Menendez home",
        "An FBI agent told the jury in the bribery trial of Senator Bob Menendez that agents found gold "
        "bars and cash stuffed in jackets at his New Jersey home.",
    ),
    (
        "Defence rests in Menendez bribery trial",
        "Lawyers for Senator Bob Menendez rested their case in the Manhattan bribery trial, saying the "
        "gold bars and cash found in New Jersey were his wife's.",
    ),
    (
        "Jury begins deliberating in Menendez trial",
        "The jury in the bribery trial of Senator Bob Menendez began deliberating in Manhattan on charges"
        " he took gold bars and cash from New Jersey businessmen.",
    ),
]


def _clusterer() -> StoryClusterer:
    clusterer = StoryClusterer()
    for i, (title, text) in enumerate(BACKGROUND):
        clusterer.assign(StoryArticle(f"bg{i}", title, text, START - timedelta(days=2, hours=i)))
    return clusterer


def _trial(i: int, days: float, prefix: str = "trial") -> StoryArticle:
    title, text = TRIAL[i % len(TRIAL)]
    return StoryArticle(f"{prefix}{i}", title, text, START + timedelta(days=days))


def test_an_event_reported_for_weeks_stays_one_story() -> None:
    # Each report comes within the window of the one before it, the last weeks after the first.
    gap = WINDOW_DAYS * 0.9
    count = min(len(TRIAL), int(MAX_SPAN_DAYS // gap) + 1)
    assert (count - 1) * gap >= 21, "the test needs an event longer than three weeks"
    clusterer = _clusterer()
    stories = {clusterer.assign(_trial(i, i * gap)) for i in range(count)}
    assert stories == {"trial0"}
    assert clusterer.story_of("bg0") != "trial0"


def test_a_silence_longer_than_the_window_closes_the_story() -> None:
    clusterer = _clusterer()
    first = clusterer.assign(_trial(0, 0))
    assert clusterer.assign(_trial(1, 1)) == first
    # Same words, but after a silence longer than the window: another event (a retrial, say).
    assert clusterer.assign(_trial(2, 1 + WINDOW_DAYS + 1)) != first


def test_similar_events_five_weeks_apart_do_not_merge() -> None:
    clusterer = _clusterer()
    first = clusterer.assign(_trial(0, 0, "spring"))
    later = clusterer.assign(_trial(0, 35, "summer"))
    assert later != first
    # A report of the later event does not bring the two together either.
    assert clusterer.assign(_trial(1, 36, "summer")) == later
    assert clusterer.story_of("spring0") == first


def test_a_steady_story_is_capped() -> None:
    # Reported without a pause, a story still closes MAX_SPAN_DAYS after its first article.
    gap = min(WINDOW_DAYS * 0.9, MAX_SPAN_DAYS / 4)
    clusterer = _clusterer()
    days = [i * gap for i in range(int(MAX_SPAN_DAYS / gap) + 2)]
    assigned = {d: clusterer.assign(_trial(i, d, "steady")) for i, d in enumerate(days)}
    within = {story for d, story in assigned.items() if d <= MAX_SPAN_DAYS}
    beyond = {story for d, story in assigned.items() if d > MAX_SPAN_DAYS}
    assert within == {"steady0"}
    assert beyond and "steady0" not in beyond


def test_an_assignment_says_why() -> None:
    clusterer = _clusterer()
    started = clusterer.place(_trial(0, 0))
    assert started.reason.method == reasons.NEW_STORY and started.reason.matched == started.story_id
    second = _trial(1, 0.5)
    joined = clusterer.place(second)
    reason = joined.reason
    assert joined.story_id == started.story_id == reason.matched
    assert reason.method in (reasons.CENTROID, reasons.RECENT)
    assert reason.score is not None and clusterer.threshold_for(second) <= reason.score <= 1.0
    assert "Menendez" in " ".join(reason.names)  # the name both reports write
    text = describe(reason)
    assert text.startswith(f"joined story {started.story_id[:8]}")
    assert f"cosine {reason.score:.2f} to " in text and "shared names: " in text


def test_names_are_capitalised_runs_less_each_languages_stop_list() -> None:
    never_seen = lambda term: False  # noqa: E731  no text read yet: an ambiguous capital is no name
    english = "On Monday, Secretary of State Antony Blinken met officials of the Foreign Ministry in Beijing."
    found = [name.shown for name in names(english, "en", never_seen)]
    assert found == ["Antony Blinken", "Foreign Ministry", "Beijing"]  # not Monday, nor Secretary
    # German capitalises every noun: a lone capital is no evidence there, a run of them is.
    german = "Am Montag sagte Kanzler Olaf Scholz in der Hauptstadt, die Regierung bleibe."
    assert [name.shown for name in names(german, "de", never_seen)] == ["Olaf Scholz"]
    # In a headline Written Like This only what the texts read so far capitalise counts.
    headline = "Blinken Meets Chinese Leaders In Beijing"
    assert [n.shown for n in names(headline, "en", {"beijing"}.__contains__, capitals_mean_nothing=True)] == [
        "Beijing"
    ]

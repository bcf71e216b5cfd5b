r"""Extraction quality and speed: ours, as `ingest extract` runs it, against plain trafilatura, in one run.

Every fixture page (`pages/pages.jsonl` of the shared fixtures) goes through
1. ours, exactly as `ingest extract` does it (`standalone.article_from_file`: `extract_article`, then
   `normalize.build_article`); the text and metadata scored are the stored record's (url: the page's,
   else the page's canonical URL, else the file's URI, as the command does);
2. plain trafilatura, default options: `trafilatura.extract(html, url=url)`; its metadata comes from
   `trafilatura.bare_extraction(html, url=url, with_metadata=True)`, which is not timed.
Both run in the same worker processes, page by page, taking turns at going first; each call is timed with
time.perf_counter inside the worker (ours: extract_article + build_article), so the per-page cost ratio
holds on a shared, noisy machine. Each worker first runs both extractors once on a page, untimed.

Text: tokens are the `\w+` runs of a text, shingles runs of 4 consecutive tokens, compared as multisets:
tp = the shared shingles, P = tp / predicted shingles, R = tp / gold shingles. Mean P is over the pages
whose prediction has a shingle (P is undefined otherwise), mean R over all pages (an empty prediction or a
failed extraction scores R = 0); F1 is the harmonic mean of mean P and mean R. A per-page F1 (harmonic mean
of the page's P and R, 0 without a prediction) ranks the worst pages and the losses. A gold text of fewer
than 4 tokens would be scored on n-grams of its own length, both sides (the fixtures have none: the
shortest gold has 19). In Chinese, Japanese and Thai a `\w+` run is a whole clause, so the few such pages
are scored coarsely.

WCXB checks: must-include passes when every `gold_with` snippet occurs in the text, must-exclude when no
`gold_without` snippet does, both folded as the metadata below is (the snippets write "it's" where most pages
have "it’s"; an empty text passes must-exclude).

Metadata, on the readability pages that have the gold field (and the WCXB pages' title, author and date,
printed below them as a second look); values NFKC, case-folded, curly quotes and
dashes made ASCII, whitespace squashed; a missing value is wrong:
- title: equal, or equal once one or two trailing " | Site"-style segments (separated by " | ", " - ",
  " :: ", " · " or "_") are cut from either side;
- author: the same `\w+` tokens, each as often (a multiset), once a leading "By", "Par", "Por" or "Von"
  and any "and" are dropped: the order of several names and what separates them do not matter, an extra
  word does ("James Carter Senior News Editor" is not "James Carter"), and so does a repeated name
  ("Jeffrey Gettleman; JEFFREY GETTLEMAN"). Some gold bylines are not names (Seattle Times, Spiceworks);
- published: the calendar date (YYYY-MM-DD) equals the gold's as written, or the gold's in UTC, as ours
  stores UTC;
- site name: the same `\w` characters ("HeraldSun" is "Herald Sun"; "Le Monde.fr" is not "Le Monde").
Language, on all pages: ours `language` vs `lang`, primary subtags. Plain trafilatura fills in a language
only when given target_language, so it has no figure there.

    .venv/bin/python bench/extraction.py [--jobs 2] [--origin wcxb] [--limit N] [--worst 15]
                                         [--json results.json] [--only-ours] [--fixtures DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import multiprocessing
import os
import re
import sys
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import trafilatura
from dateutil.parser import UnknownTimezoneWarning

from ingest.extract import ExtractionError
from ingest.run.standalone import article_from_file

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))  # the fixture finder, shared with the tests
from support.fixturedir import NOT_FOUND, find_fixtures

ORIGINS = ("readability", "newspaper", "wcxb")
META_ORIGINS = ("readability", "wcxb")  # the figures are readability's; WCXB's gold is a second look
N = 4  # shingle length
_TOKEN = re.compile(r"\w+")


# -- one page, in a worker ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Task:
    """One page to extract: where it is, its URL, which turn it takes, what to run."""

    index: int
    id: str
    path: str
    url: str | None
    plain: bool
    meta: bool


@dataclass(slots=True)
class Run:
    """One extractor's output on one page."""

    text: str = ""
    seconds: float = 0.0
    error: str | None = None
    title: str | None = None
    author: str | None = None
    published: str | None = None
    site_name: str | None = None
    language: str | None = None


def _ours(html: bytes, task: Task) -> Run:
    """`ingest extract`'s path (article_from_file); the stored record's fields."""
    try:
        article = article_from_file(html, Path(task.path), task.url)
    except ExtractionError as exc:
        return Run(error=f"ExtractionError: {exc}")
    return Run(
        text=article.text,
        title=article.title,
        author=article.author,
        published=article.published,
        site_name=article.site_name,
        language=article.language,
    )


def _plain(html: bytes, task: Task) -> Run:
    """Plain trafilatura, default options."""
    return Run(text=trafilatura.extract(html, url=task.url) or "")


def _plain_meta(html: bytes, task: Task, run: Run) -> None:
    """Plain trafilatura's metadata into `run` (not timed)."""
    doc = trafilatura.bare_extraction(html, url=task.url, with_metadata=True)
    if doc is not None:
        run.title, run.author, run.published = doc.title, doc.author, doc.date
        run.site_name, run.language = doc.sitename, doc.language


def _timed(extractor: Callable[[bytes, Task], Run], html: bytes, task: Task) -> Run:
    """Run one extractor and time it; a crash is recorded as an empty result."""
    started = time.perf_counter()
    try:
        run = extractor(html, task)
    except Exception as exc:  # noqa: BLE001 - a crash is counted, the run goes on
        run = Run(error=f"crashed: {type(exc).__name__}: {exc}")
    run.seconds = time.perf_counter() - started
    return run


def _extract(task: Task) -> tuple[str, Run, Run | None]:
    """Both extractors on one page, taking turns at going first."""
    html = _read_html(Path(task.path))
    ours_first = task.index % 2 == 0
    plain = _timed(_plain, html, task) if task.plain and not ours_first else None
    ours = _timed(_ours, html, task)
    if task.plain and ours_first:
        plain = _timed(_plain, html, task)
    if plain is not None and task.meta:
        _plain_meta(html, task, plain)
    return task.id, ours, plain


def _warm_up(path: str) -> None:
    """Quiet the extractors' logs and pay their first-call costs before anything is timed."""
    for name in ("trafilatura", "htmldate", "courlan", "justext", "ingest"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    # htmldate, in both extractors, hands dateutil zone names such as "EST" it cannot place.
    warnings.filterwarnings("ignore", category=UnknownTimezoneWarning)
    _extract(Task(index=0, id="warm-up", path=path, url=None, plain=True, meta=True))


def _read_html(path: Path) -> bytes:
    """The page's HTML bytes, as cmd_extract reads a file."""
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


# -- scoring --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Score:
    """Shingle precision (None when the prediction has no shingle) and recall of one page."""

    p: float | None
    r: float

    @property
    def f1(self) -> float:
        """The page's own F1; 0 without a prediction."""
        return _harmonic(self.p or 0.0, self.r)


@dataclass(slots=True)
class Scored:
    """One page's results, scored."""

    id: str
    origin: str
    ours: Run
    plain: Run | None
    ours_score: Score
    plain_score: Score | None


def score(predicted: str, gold: str) -> Score:
    """4-token shingle P and R of `predicted` against `gold` (shorter n-grams for a very short gold)."""
    gold_tokens = _TOKEN.findall(gold)
    n = max(1, min(N, len(gold_tokens)))
    want, got = _shingles(gold_tokens, n), _shingles(_TOKEN.findall(predicted), n)
    tp = sum((want & got).values())
    p = tp / got.total() if got else None
    r = tp / want.total() if want else 0.0
    return Score(p, r)


def _shingles(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    """The multiset of runs of n consecutive tokens."""
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _harmonic(a: float, b: float) -> float:
    """Harmonic mean; 0 when either is 0."""
    return 2 * a * b / (a + b) if a > 0 and b > 0 else 0.0


def _means(scores: list[Score]) -> tuple[float, float, float]:
    """Mean P over pages with a prediction, mean R over all pages, and their harmonic mean."""
    ps = [s.p for s in scores if s.p is not None]
    p = sum(ps) / len(ps) if ps else 0.0
    r = sum(s.r for s in scores) / len(scores) if scores else 0.0
    return p, r, _harmonic(p, r)


# -- metadata -----------------------------------------------------------------------------------------

_ASCII = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2013": "-",
        "\u2014": "-",
    }
)
_SEPARATORS = (" | ", " - ", " :: ", " \u00b7 ", "_")
_BY = frozenset({"by", "par", "por", "von"})


def _fold(text: str) -> str:
    """NFKC, case-folded, ASCII quotes and dashes, whitespace squashed."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_ASCII).casefold().split())


def _cut_segment(title: str) -> str:
    """The title without its last " | Site"-style segment; unchanged when it has none."""
    cut = max(title.rfind(sep) for sep in _SEPARATORS)
    return title[:cut].strip() if cut > 0 else title


def same_title(ours: str, gold: str) -> bool:
    """Equal, or equal once one or two trailing site segments are cut from either side."""
    a, b = _fold(ours), _fold(gold)
    return a == b or b in _cuts(a) or a in _cuts(b)


def _cuts(title: str) -> set[str]:
    """The title with its last one and last two site segments cut."""
    once = _cut_segment(title)
    return {once, _cut_segment(once)}


def _name_tokens(name: str) -> Counter[str]:
    """A byline's words, counted, without a leading "By" and without "and"."""
    tokens = _TOKEN.findall(_fold(name))
    if tokens and tokens[0] in _BY:
        tokens = tokens[1:]
    return Counter(token for token in tokens if token != "and")


def same_author(ours: str, gold: str) -> bool:
    """The same name words, each as often."""
    mine = _name_tokens(ours)
    return bool(mine) and mine == _name_tokens(gold)


def same_day(ours: str, gold: str) -> bool:
    """Ours' calendar date is the gold's as written or the gold's in UTC."""
    gold = gold.strip()
    days = {gold[:10]}
    try:
        parsed = datetime.fromisoformat(gold)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.tzinfo is not None:
        days.add(parsed.astimezone(UTC).date().isoformat())
    return ours.strip()[:10] in days


def same_site(ours: str, gold: str) -> bool:
    """The same word characters."""
    mine = "".join(_TOKEN.findall(_fold(ours)))
    return bool(mine) and mine == "".join(_TOKEN.findall(_fold(gold)))


def _primary(lang: str) -> str:
    """The primary language subtag."""
    return lang.strip().replace("_", "-").split("-")[0].lower()


def same_language(ours: str, gold: str) -> bool:
    """The same primary subtag."""
    return _primary(ours) == _primary(gold)


# field label, gold key in pages.jsonl, Run attribute, comparison
FIELDS: tuple[tuple[str, str, str, Callable[[str, str], bool]], ...] = (
    ("title", "gold_title", "title", same_title),
    ("author", "byline", "author", same_author),
    ("published", "published", "published", same_day),
    ("site name", "site_name", "site_name", same_site),
)


def _correct(run: Run | None, attr: str, gold: str, same: Callable[[str, str], bool]) -> bool:
    """Whether the run's value of `attr` matches the gold value."""
    value = getattr(run, attr) if run is not None else None
    return bool(value) and same(value, gold)


# -- report ---------------------------------------------------------------------------------------------


def _text_table(pages: list[Scored], plain: bool) -> None:
    """Mean P, R, F1 overall and per origin, ours and plain side by side."""
    print(f"\ntext, {N}-token shingles")
    head = f"{'origin':<13}{'pages':>6}   {'ours P':>7}{'R':>7}{'F1':>7}"
    print(head + (f"   {'plain P':>7}{'R':>7}{'F1':>7}   {'F1 diff':>7}" if plain else ""))
    groups = [("all", pages)] + [(o, [p for p in pages if p.origin == o]) for o in ORIGINS]
    for name, group in groups:
        if not group:
            continue
        ours = _means([p.ours_score for p in group])
        line = f"{name:<13}{len(group):>6}   {_row(ours)}"
        if plain:
            theirs = _means([p.plain_score for p in group if p.plain_score is not None])
            line += f"   {_row(theirs)}   {ours[2] - theirs[2]:>+7.3f}"
        print(line)


def _row(means: tuple[float, float, float]) -> str:
    """P, R and F1 as table cells."""
    return "".join(f"{value:>7.3f}" for value in means)


def _pr(s: Score | None) -> str:
    """A page's P/R as one cell; '-' for an undefined P."""
    if s is None:
        return "-"
    return f"{'-' if s.p is None else f'{s.p:.2f}'}/{s.r:.2f}"


def _worst(pages: list[Scored], count: int, plain: bool) -> None:
    """The pages where ours scores lowest."""
    worst = sorted(pages, key=lambda p: (p.ours_score.f1, p.id))[:count]
    print(f"\n{len(worst)} worst pages of ours, by per-page F1")
    print(
        f"{'id':<34}{'ours F1':>8}{'P/R':>11}" + (f"{'plain F1':>10}{'P/R':>11}" if plain else "") + "  note"
    )
    for p in worst:
        line = f"{p.id:<34}{p.ours_score.f1:>8.3f}{_pr(p.ours_score):>11}"
        if plain and p.plain_score is not None:
            line += f"{p.plain_score.f1:>10.3f}{_pr(p.plain_score):>11}"
        print(f"{line}  {p.ours.error or ''}".rstrip())


def _losses(pages: list[Scored]) -> None:
    """The pages where ours loses more than 0.1 F1 against plain trafilatura."""
    lost = [p for p in pages if _loss(p) > 0.1]
    lost.sort(key=lambda p: (-_loss(p), p.id))
    print(f"\npages where ours loses more than 0.1 F1 against plain trafilatura: {len(lost)}")
    if not lost:
        return
    print(f"{'id':<34}{'ours F1':>8}{'plain F1':>10}{'loss':>7}{'ours P/R':>11}{'plain P/R':>11}  note")
    for p in lost:
        assert p.plain_score is not None
        cells = f"{p.ours_score.f1:>8.3f}{p.plain_score.f1:>10.3f}{_loss(p):>7.3f}"
        print(f"{p.id:<34}{cells}{_pr(p.ours_score):>11}{_pr(p.plain_score):>11}  {_why(p)}")


def _loss(p: Scored) -> float:
    """How much lower ours' per-page F1 is than plain's."""
    return p.plain_score.f1 - p.ours_score.f1 if p.plain_score is not None else 0.0


def _why(p: Scored) -> str:
    """Whether a loss is mostly one of precision or of recall."""
    if p.ours.error:
        return p.ours.error
    assert p.plain_score is not None
    dp = (p.plain_score.p or 0.0) - (p.ours_score.p or 0.0)
    dr = p.plain_score.r - p.ours_score.r
    return "precision" if dp > dr else "recall"


def _snippet_checks(run: Run, row: dict) -> tuple[bool, bool]:
    """WCXB must-include (every gold_with found) and must-exclude (no gold_without found)."""
    text = _fold(run.text)
    include = all(_fold(s) in text for s in row.get("gold_with") or [])
    exclude = not any(_fold(s) in text for s in row.get("gold_without") or [])
    return include, exclude


def _line(label: str, ours: str, plain: str | None) -> None:
    """One row of a two-column section; no plain column when plain was skipped."""
    print(f"{label:<44}{ours:>16}" + (f"{plain:>16}" if plain is not None else ""))


def _snippets(pages: list[Scored], rows: dict[str, dict], plain: bool) -> None:
    """The share of WCXB pages passing their must-include and must-exclude checks."""
    wcxb = [p for p in pages if p.origin == "wcxb"]
    if not wcxb:
        return
    ours = [_snippet_checks(p.ours, rows[p.id]) for p in wcxb]
    theirs = [_snippet_checks(p.plain, rows[p.id]) for p in wcxb if p.plain is not None]
    print()
    _line(f"WCXB snippet checks, {len(wcxb)} pages", "ours", "plain" if plain else None)
    for i, label in enumerate(("must-include (all gold_with found)", "must-exclude (no gold_without found)")):
        theirs_cell = _share(sum(c[i] for c in theirs), len(theirs)) if plain else None
        _line(label, _share(sum(c[i] for c in ours), len(ours)), theirs_cell)


def _share(correct: int, total: int) -> str:
    """'correct/total share%'."""
    return f"{correct}/{total} {100 * correct / total:5.1f}%" if total else "-"


def _metadata(pages: list[Scored], rows: dict[str, dict], plain: bool) -> None:
    """Metadata accuracy on readability pages (and, as a check nobody tuned on, WCXB pages); language
    accuracy on all pages."""
    print()
    _line("metadata (gold-bearing pages)", "ours", "plain" if plain else None)
    for origin in META_ORIGINS:
        scoped = [p for p in pages if p.origin == origin]
        for label, key, attr, same in FIELDS if scoped else ():
            having = [p for p in scoped if rows[p.id].get(key)]
            if not having:
                continue
            ours = sum(_correct(p.ours, attr, rows[p.id][key], same) for p in having)
            theirs = sum(_correct(p.plain, attr, rows[p.id][key], same) for p in having)
            _line(
                f"{label}, {origin}",
                _share(ours, len(having)),
                _share(theirs, len(having)) if plain else None,
            )
    lang = sum(_correct(p.ours, "language", rows[p.id]["lang"], same_language) for p in pages)
    _line("language, all pages", _share(lang, len(pages)), "n/a" if plain else None)


def _speed(pages: list[Scored], wall: float, jobs: int, plain: bool) -> None:
    """Seconds per page summed inside the workers, pages per second, and the per-page cost ratio."""
    ours = sum(p.ours.seconds for p in pages) / len(pages)
    theirs = sum(p.plain.seconds for p in pages if p.plain) / len(pages)
    print()
    _line("speed, timed inside the workers", "ours", "plain" if plain else None)
    _line(
        "seconds, summed over pages",
        f"{ours * len(pages):.1f}",
        f"{theirs * len(pages):.1f}" if plain else None,
    )
    _line("seconds per page", f"{ours:.4f}", f"{theirs:.4f}" if plain else None)
    _line("pages per second, one process", f"{1 / ours:.1f}", f"{1 / theirs:.1f}" if plain else None)
    if plain:
        print(f"per-page cost ratio ours/plain: {ours / theirs:.2f}  (goal <= 1.5)")
    print(f"wall time {wall:.1f} s for {len(pages)} pages, {jobs} worker processes, {os.cpu_count()} cores")


def _failures(pages: list[Scored], rows: dict[str, dict], plain: bool) -> None:
    """Pages without a text from either extractor, and pages without a URL."""
    print()
    for name, runs in (
        ("ours", [(p.id, p.ours) for p in pages]),
        ("plain", [(p.id, p.plain) for p in pages]),
    ):
        if name == "plain" and not plain:
            continue
        failed = [(pid, run.error or "no text") for pid, run in runs if run is not None and not run.text]
        print(
            f"{name}: no text on {_pages(len(failed))}" + "".join(f"\n  {pid}: {why}" for pid, why in failed)
        )
    no_url = [p.id for p in pages if not rows[p.id].get("url")]
    print(
        f"pages without a URL in pages.jsonl: {len(no_url)}" + (f" ({', '.join(no_url)})" if no_url else "")
    )


def _pages(count: int) -> str:
    """'1 page', '2 pages'."""
    return f"{count} page" + ("" if count == 1 else "s")


def _dump(pages: list[Scored], path: Path) -> None:
    """Per-page results as JSON, for analysis."""
    out = [_page_json(p) for p in pages]
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    print(f"\nper-page results written to {path}")


def _page_json(p: Scored) -> dict[str, object]:
    """One page's scores and times."""
    record: dict[str, object] = {"id": p.id, "origin": p.origin}
    for name, run, s in (("ours", p.ours, p.ours_score), ("plain", p.plain, p.plain_score)):
        if run is None or s is None:
            continue
        record |= {f"{name}_p": s.p, f"{name}_r": s.r, f"{name}_f1": s.f1}
        record |= {f"{name}_seconds": run.seconds, f"{name}_error": run.error, f"{name}_chars": len(run.text)}
    return record


# -- main -----------------------------------------------------------------------------------------------


def main() -> None:
    """Extract, score, report."""
    args = _args()
    rows = _rows(args.fixtures, args.origin, args.limit)
    plain = not args.only_ours
    tasks = [_task(i, row, args.fixtures, plain) for i, row in enumerate(rows)]
    counts = Counter(_origin(row) for row in rows)
    print(f"{len(rows)} pages (" + ", ".join(f"{o} {counts[o]}" for o in ORIGINS if counts[o]) + ")")
    started = time.perf_counter()
    results = _run(tasks, args.jobs)
    wall = time.perf_counter() - started
    by_id = {row["id"]: row for row in rows}
    pages = [_scored(by_id[pid], ours, theirs) for pid, ours, theirs in sorted(results, key=lambda r: r[0])]
    _report(pages, by_id, plain, args, wall)


def _report(
    pages: list[Scored], rows: dict[str, dict], plain: bool, args: argparse.Namespace, wall: float
) -> None:
    """Print every section; dump JSON when asked."""
    _text_table(pages, plain)
    _worst(pages, args.worst, plain)
    if plain:
        _losses(pages)
    _snippets(pages, rows, plain)
    _metadata(pages, rows, plain)
    _speed(pages, wall, args.jobs, plain)
    _failures(pages, rows, plain)
    if args.json:
        _dump(pages, args.json)


def _run(tasks: list[Task], jobs: int) -> list[tuple[str, Run, Run | None]]:
    """Extract every page in `jobs` worker processes."""
    if not tasks:
        return []
    with multiprocessing.Pool(jobs, initializer=_warm_up, initargs=(tasks[0].path,)) as pool:
        return list(pool.imap_unordered(_extract, tasks, chunksize=4))


def _scored(row: dict, ours: Run, plain: Run | None) -> Scored:
    """Score one page's results against its gold text."""
    gold = row["gold_text"]
    plain_score = score(plain.text, gold) if plain is not None else None
    return Scored(row["id"], _origin(row), ours, plain, score(ours.text, gold), plain_score)


def _task(index: int, row: dict, fixtures: Path, plain: bool) -> Task:
    """The worker's task for one page."""
    path = str(fixtures / "pages" / row["file"])
    meta = _origin(row) in META_ORIGINS
    return Task(index=index, id=row["id"], path=path, url=row.get("url"), plain=plain, meta=meta)


def _origin(row: dict) -> str:
    """The short origin name: readability, newspaper or wcxb."""
    return row["id"].split("-")[0]


def _rows(fixtures: Path, origin: str | None, limit: int | None) -> list[dict]:
    """The pages to run: of one origin if asked, at most `limit`, spread over the file."""
    lines = (fixtures / "pages" / "pages.jsonl").read_text().split("\n")
    rows = [json.loads(line) for line in lines if line]
    rows = [row for row in rows if origin is None or _origin(row) == origin]
    if limit is not None:
        step = max(len(rows) // max(limit, 1), 1)
        rows = rows[::step][:limit]  # spread over the corpora, the same pages every run
    return rows


def _positive(text: str) -> int:
    """A whole number of at least 1, for argparse."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def _args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=_positive, default=2, help="worker processes (default 2)")
    parser.add_argument("--origin", choices=ORIGINS, help="only the pages of this corpus")
    parser.add_argument("--limit", type=_positive, help="at most N pages, spread over the corpora")
    parser.add_argument("--worst", type=int, default=15, metavar="N", help="worst pages of ours to list")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write per-page results here")
    parser.add_argument("--only-ours", action="store_true", help="skip plain trafilatura (no comparison)")
    parser.add_argument(
        "--fixtures", type=Path, help="shared fixtures (default: $INGEST_FIXTURES, else found)"
    )
    args = parser.parse_args()
    args.fixtures = args.fixtures or find_fixtures() or sys.exit(NOT_FOUND)
    return args


if __name__ == "__main__":
    main()

"""Suggested themes: groups of similar passages of partners' replies, found offline.

Suggestions only: the officer decides. Each passage (a point not yet filed, a paragraph not
yet marked) becomes a TF-IDF vector of its words and pairs of adjacent words, English stop
words left out and endings trimmed (so "schools" meets "school" and "safeguarding" meets
"safeguard"). A passage close to the texts the officer has already filed under a theme,
taken together, is suggested for that theme. The rest are grouped by agglomerative
clustering, average linkage on cosine distance, cut at a fixed distance so that the
number of themes is not guessed; each group is named from the words that set it apart.

Words are all it sees: two points that make the same argument in words they do not share
are grouped only through a third passage, or a theme's texts, that shares words with both.
"""

import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.preprocessing import normalize

# A passage longer than this is a whole letter, not a point: its opening says what it is
# about, and the cap keeps one pasted document from setting the time taken.
MAX_CHARS = 10_000
# Groups are merged while the average cosine distance between their passages is below
# this; short passages share few words, so even related ones are far apart.
DISTANCE_THRESHOLD = 0.97
# Exact distances between every pair of rows: 5,000 rows take about 5 s and 0.7 GB. Past
# this, the rows beyond an even sample join the group of their nearest sampled row, so
# time and memory grow in proportion to the number of rows instead of its square.
MAX_CLUSTERED = 5_000
# A passage at least this close (cosine similarity) to an existing theme's texts taken
# together is suggested for that theme.
ANCHOR_SIMILARITY = 0.1
LABEL_WORDS = 3
# Words that say how a partner feels, not what about: never a label's words.
VAGUE = frozenset(
    {"ask", "like", "make", "sure", "need", "want", "wish", "hope", "think", "believe"}
    | {"feel", "say", "let", "set", "come", "way", "clear", "key", "real", "good", "new"}
)

TOKEN = re.compile(r"\w\w+")
# (ending, replacement, shortest stem left): a light stemmer, enough to bring plurals and
# -ing, -ed, -ly forms together; it never needs to produce real words.
ENDINGS = (
    ("ies", "y", 3),
    ("ied", "y", 3),
    ("sses", "ss", 2),
    ("ness", "", 4),
    ("ments", "", 4),
    ("ment", "", 4),
    ("ings", "", 4),
    ("ing", "", 4),
    ("ed", "", 4),
    ("ly", "", 5),
    ("es", "", 4),
    ("s", "", 3),
)


@dataclass
class Suggestion:
    """A group of passages that may share a theme: ``members`` index the passages given;
    ``existing_theme`` names the officer's theme they could be added to, if any."""

    label: str
    members: list[int]
    existing_theme: str | None = None


def suggest_themes(
    passages: list[str],
    *,
    themed: dict[str, list[str]] | None = None,
    progress=lambda done, total: None,
) -> list[Suggestion]:
    """Suggest themes for ``passages``, the largest group first.

    ``themed`` maps an existing theme's name to the texts already filed under it. A passage
    whose words are close enough to one theme's texts taken together is suggested for that
    theme, even alone; the others are grouped among themselves, and a group of one is not
    suggested. Passages that are empty, or nothing but stop words, are never suggested.
    The same input always gives the same output, whatever order it comes in;
    ``progress(done, total)`` is called as the work advances.
    """
    total = 4
    progress(0, total)
    cleaned = [_clean(text) for text in passages]
    anchors = {}
    for name in sorted(themed or {}):
        texts = [_clean(text) for text in themed[name]]
        if any(texts):
            anchors[name] = [text for text in texts if text]
    # One row per distinct text, in a fixed order: duplicates always land together, and
    # the order of the passages given cannot change the groups.
    rows = sorted({text for text in cleaned if text}.union(*anchors.values()))
    vectors = _vectorise(rows)
    if vectors is None:
        progress(total, total)
        return []
    vectors, terms = vectors
    row_of = {text: number for number, text in enumerate(rows)}
    passage_rows = sorted({row_of[text] for text in cleaned if text})
    passage_rows = [row for row in passage_rows if vectors[row].nnz]
    progress(1, total)

    themes = _nearest_themes(vectors, passage_rows, anchors, row_of)
    progress(2, total)
    groups = _cluster(vectors, [row for row in passage_rows if row not in themes])
    progress(3, total)

    members = {}
    for index, text in enumerate(cleaned):
        row = row_of.get(text)
        if row in themes:
            members.setdefault(("theme", themes[row]), []).append(index)
        elif row in groups:
            members.setdefault(("group", groups[row]), []).append(index)
    suggestions = []
    for (kind, key), indices in members.items():
        if kind == "group" and len(indices) < 2:
            continue
        texts = [cleaned[index] for index in indices]
        group_rows = sorted({row_of[text] for text in texts})
        label = _label(_top_terms(vectors, group_rows, terms), texts)
        suggestions.append(Suggestion(label, indices, key if kind == "theme" else None))
    suggestions.sort(key=lambda suggestion: (-len(suggestion.members), suggestion.members[0]))
    _make_labels_distinct(suggestions, vectors, terms, cleaned, row_of)
    progress(total, total)
    return suggestions


def _vectorise(rows):
    """TF-IDF rows (unit length) and the terms of their columns; None if no row has a
    word that is not a stop word."""
    if not rows:
        return None
    vectoriser = TfidfVectorizer(analyzer=_terms, sublinear_tf=True)
    try:
        return vectoriser.fit_transform(rows).tocsr(), vectoriser.get_feature_names_out()
    except ValueError:  # an empty vocabulary
        return None


def _clean(text):
    text = unicodedata.normalize("NFKC", text or "")[:MAX_CHARS]
    return " ".join(text.split())


def _stem(word):
    if not word.isalpha():
        return word
    for ending, replacement, shortest in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= shortest:
            if ending == "s" and word[-2] in "su":  # "process", "status"
                continue
            word = word[: -len(ending)] + replacement
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def _words(text):
    """(stem, word as written) for each word that is not a stop word or a number."""
    found = []
    for match in TOKEN.finditer(text):
        word = match.group(0)
        lower = word.lower()
        if lower not in ENGLISH_STOP_WORDS and not lower.isdigit():
            found.append((_stem(lower), word))
    return found


def _terms(text):
    """A passage's terms: its stems, and each pair of stems that come next to each other
    once the stop words are out ("joint safeguard", "safeguard plan")."""
    stems = [stem for stem, _ in _words(text)]
    return stems + [f"{a} {b}" for a, b in itertools.pairwise(stems)]


def _nearest_themes(vectors, rows, anchors, row_of):
    """Row -> the existing theme whose texts, taken together, it is closest to, for the
    rows at least ANCHOR_SIMILARITY close to one."""
    if not anchors or not rows:
        return {}
    names = list(anchors)
    filed = [[row_of[text] for text in anchors[name]] for name in names]
    centroids = normalize(np.vstack([np.asarray(vectors[theme].mean(axis=0)) for theme in filed]))
    similarity = np.asarray(vectors[rows] @ centroids.T)
    nearest = similarity.argmax(axis=1)
    closeness = similarity[np.arange(len(rows)), nearest]
    return {
        row: names[theme]
        for row, theme, close in zip(rows, nearest, closeness, strict=True)
        if close >= ANCHOR_SIMILARITY
    }


def _cluster(vectors, rows):
    """Row -> group number, for ``rows``."""
    rows = np.asarray(rows, dtype=int)
    if len(rows) < 2:
        return {int(row): number for number, row in enumerate(rows)}
    sample = rows
    if len(rows) > MAX_CLUSTERED:
        sample = rows[np.linspace(0, len(rows) - 1, MAX_CLUSTERED, dtype=int)]
    distance = _cosine_distance(vectors[sample], vectors[sample])
    np.fill_diagonal(distance, 0)
    clustering = AgglomerativeClustering(
        n_clusters=None,
        distance_threshold=DISTANCE_THRESHOLD,
        metric="precomputed",
        linkage="average",
    )
    sampled = clustering.fit_predict(distance)
    del distance
    groups = dict(zip(sample.tolist(), sampled.tolist(), strict=True))
    rest = np.setdiff1d(rows, sample)
    lonely = int(sampled.max()) + 1
    for start in range(0, len(rest), 1_000):
        chunk = rest[start : start + 1_000]
        distance = _cosine_distance(vectors[chunk], vectors[sample])
        nearest = distance.argmin(axis=1)
        away = distance[np.arange(len(chunk)), nearest]
        for row, near, far in zip(chunk, nearest, away, strict=True):
            if far < DISTANCE_THRESHOLD:
                groups[int(row)] = int(sampled[near])
            else:
                groups[int(row)] = lonely
                lonely += 1
    return groups


def _cosine_distance(left, right):
    """1 - cosine similarity of two sets of rows; TF-IDF rows already have unit length."""
    distance = (left @ right.T).toarray()
    np.subtract(1, distance, out=distance)
    return np.clip(distance, 0, 1, out=distance)


def _top_terms(vectors, rows, terms, count=LABEL_WORDS):
    """The stems that best tell the group from the rest: found in many of its passages
    and few others (share in the group x log of its lift), those in two or more passages
    first, taken term by term so that a pair of stems that come together ("joint
    safeguard") stays in that order."""
    present = vectors[rows] > 0
    times = np.asarray(present.sum(axis=0)).ravel()
    overall = np.asarray((vectors > 0).mean(axis=0)).ravel()
    candidates = np.flatnonzero(times > 0)
    inside = times[candidates] / len(rows)
    score = inside * np.log(inside / overall[candidates])
    shared = times[candidates] >= min(2, len(rows))
    order = candidates[np.lexsort((terms[candidates], -score, ~shared))]
    stems = []
    for term in order:
        new = [stem for stem in terms[term].split() if stem not in stems and stem not in VAGUE]
        if not new or len(stems) + len(new) > count:
            continue
        stems.extend(new)
        if len(stems) >= count:
            break
    return stems


def _label(stems, texts):
    """The stems in the order the group's texts most often put them ("early help", not
    "help early"), written as the texts write them: in small letters wherever they are
    ever written so, else as written ("CCG", "Rotherham"); the first capitalised."""
    written = {stem: Counter() for stem in stems}
    places = {stem: [] for stem in stems}
    for text in texts:
        words = _words(text)
        first = {}
        for position, (stem, word) in enumerate(words):
            if stem in written:
                written[stem][word] += 1
                first.setdefault(stem, position / len(words))
        for stem, place in first.items():
            places[stem].append(place)
    stems = sorted(stems, key=lambda stem: (float(np.median(places[stem] or [1.0])), stem))
    words = []
    for stem in stems:
        forms = written[stem]
        lower = Counter({form: n for form, n in forms.items() if form.islower()})
        words.append((lower or forms).most_common(1)[0][0] if forms else stem)
    if not words:
        return "Other points"
    if len(words) == 1:
        words.append("points")
    label = " ".join(words)
    return label[0].upper() + label[1:]


def _make_labels_distinct(suggestions, vectors, terms, cleaned, row_of):
    """Two suggestions with the same label: the later one gets a fourth word."""
    seen = set()
    for suggestion in suggestions:
        if suggestion.label in seen:
            texts = [cleaned[index] for index in suggestion.members]
            rows = sorted({row_of[text] for text in texts})
            suggestion.label = _label(_top_terms(vectors, rows, terms, LABEL_WORDS + 1), texts)
            if suggestion.label in seen:
                suggestion.label = f"{suggestion.label} ({len(seen) + 1})"
        seen.add(suggestion.label)

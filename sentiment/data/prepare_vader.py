#!/usr/bin/env python3
"""Regenerates the shipped VADER data files from the PyPI source distribution.

Usage (from the repository root):

    mkdir -p /tmp/vader && cd /tmp/vader && \
        pip download --no-binary :all: --no-deps vadersentiment==3.3.2
    python3 sentiment/data/prepare_vader.py /tmp/vader/vaderSentiment-3.3.2.tar.gz sentiment/data

Writes vader_sentences.tsv, vader_lexicon.tsv and LICENSE-VADER.txt into the output folder.
Only the Python standard library is used; the output is byte-for-byte deterministic.
"""

import io
import sys
import tarfile

SDIST_ROOT = "vaderSentiment-3.3.2"
ICWSM = SDIST_ROOT + "/additional_resources/hutto_ICWSM_2014.tar.gz"
LEXICON = SDIST_ROOT + "/vaderSentiment/vader_lexicon.txt"
LICENSE = SDIST_ROOT + "/LICENSE.txt"
# (name in the output, file inside hutto_ICWSM_2014.tar.gz)
SOURCES = [
    ("tweets", "hutto_ICWSM_2014/tweets_GroundTruth.txt"),
    ("movie_reviews", "hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt"),
    ("amazon_reviews", "hutto_ICWSM_2014/amazonReviewSnippets_GroundTruth.txt"),
    ("nyt_editorials", "hutto_ICWSM_2014/nytEditorialSnippets_GroundTruth.txt"),
]
EXPECTED_SENTENCES = 23703


def clean(text):
    """Tabs, carriage returns and newlines inside a field become single spaces."""
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def read_member(tar, name):
    member = tar.extractfile(name)
    if member is None:
        sys.exit(f"missing {name}")
    return member.read()


def sentences(icwsm_bytes):
    rows = []
    with tarfile.open(fileobj=io.BytesIO(icwsm_bytes), mode="r:gz") as inner:
        for source, name in SOURCES:
            text = read_member(inner, name).decode("utf-8")
            for line in text.split("\r\n"):
                if not line.strip():
                    continue
                ident, valence, sentence = line.split("\t", 2)
                float(valence)  # must parse
                rows.append((source, ident.strip(), valence.strip(), clean(sentence).strip()))
    if len(rows) != EXPECTED_SENTENCES:
        sys.exit(f"expected {EXPECTED_SENTENCES} sentences, found {len(rows)}")
    return rows


def lexicon(lexicon_bytes):
    """token -> mean valence; like vaderSentiment's dict, a later duplicate wins, and since
    VADER looks words up lower-cased, entries with upper-case letters are unreachable and dropped."""
    entries = {}
    for line in lexicon_bytes.decode("utf-8").splitlines():
        if not line.strip():
            continue
        token, mean = line.split("\t")[:2]
        float(mean)
        entries[token] = mean
    return [(t, m) for t, m in entries.items() if t == t.lower() and not any(c.isspace() for c in t)]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sdist, out = sys.argv[1], sys.argv[2]
    with tarfile.open(sdist, mode="r:gz") as outer:
        rows = sentences(read_member(outer, ICWSM))
        lex = lexicon(read_member(outer, LEXICON))
        licence = read_member(outer, LICENSE).decode("utf-8").replace("\r\n", "\n")
    with open(f"{out}/vader_sentences.tsv", "w", encoding="utf-8", newline="\n") as f:
        f.write("source\tid\tvalence\ttext\n")
        for row in rows:
            f.write("\t".join(row) + "\n")
    with open(f"{out}/vader_lexicon.tsv", "w", encoding="utf-8", newline="\n") as f:
        f.write("token\tvalence\n")
        for token, mean in lex:
            f.write(f"{token}\t{mean}\n")
    with open(f"{out}/LICENSE-VADER.txt", "w", encoding="utf-8", newline="\n") as f:
        f.write(licence)
    print(f"{len(rows)} sentences, {len(lex)} lexicon entries written to {out}")


if __name__ == "__main__":
    main()

"""Issue 18, finding 2: pairs that ``learn-pairs`` folds into a model (or that pass as an extra
lexicon) never edit natural text; a page of the spinner they were learned from still gets them."""

from __future__ import annotations

import json
from collections import Counter

import pytest

import unspin
from unspin.cli import main
from unspin.decode.document import decode as ungated
from unspin.decode.learned import MIN_LEARNED_PAIRS, consistent, learned_words
from unspin.lexicon import Lexicon, Source, sources
from unspin.spin import random_table, spin
from unspin.trace import TraceIndex
from unspin.trace.fingerprint import default_fingerprinter
from unspin.trace.learn import fold_pairs
from unspin.train.corpora import documents, peoples_daily


@pytest.fixture(scope="module")
def corpus() -> list[tuple[str, str]]:
    docs = (d for d in documents(peoples_daily(), seed=5, min_chars=400, max_chars=1200) if len(d) >= 400)
    return [(f"pd-{i}", d) for i, d in zip(range(80), docs, strict=False)]


@pytest.fixture(scope="module")
def table() -> dict[str, str]:
    return random_table(sources.cilin(), seed=11, coverage=0.8)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory, corpus, table):
    """A model taught by `learn-pairs` from 3 `trace` proofs of pages by one spinner (a Cilin table at
    70%), and the pairs it learned."""
    d = tmp_path_factory.mktemp("learned")
    ix = TraceIndex.create(d / "idx", default_fingerprinter(None)[0])
    ix.add(corpus[:50])
    ix.close()
    pairs: Counter = Counter()
    for i in (3, 12, 27):
        r = unspin.trace(spin(corpus[i][1], table, 0.7, seed=i).text, str(d / "idx"))
        (d / f"p{i}.json").write_text(json.dumps(r.to_dict(), ensure_ascii=False), encoding="utf-8")
        pairs.update({(a, b): n for a, b, n in r.matches[0].substitution_counts()})
    assert main(["learn-pairs", *(str(d / f"p{i}.json") for i in (3, 12, 27)), "--out", str(d / "model")]) == 0
    return d / "model", pairs


def test_learned_pairs_never_edit_natural_text(model_dir, corpus):
    path, pairs = model_dir
    base, taught = unspin.load_model(None), unspin.load_model(path)
    words = learned_words(taught.lexicon)
    assert len(words) > 100 and not learned_words(base.lexicon)
    natural = [t for _, t in corpus[60:80]]  # neither indexed nor spun
    # the gate opens where the model without the learned pairs already reads the text as spun (by design);
    # natural text it reads as natural must never be edited by them
    natural = [t for t in natural if unspin.detect(t, model=base, cascade=False).spin_probability < 0.5]
    assert sum(any(w in t for w in words) for t in natural) >= 15  # the learned words are everyday words too
    leaked = [t for t in natural if ungated(t, taught).edits != ungated(t, base).edits]
    assert leaked, "the setting no longer shows the leak the gate is for"
    extra = fold_pairs(Lexicon(), pairs)  # the same pairs passed as an extra lexicon
    for t in natural:
        before = unspin.restore(t, model=base).to_dict()
        assert unspin.restore(t, model=taught).to_dict() == before
        assert unspin.restore(t, lexicon=extra).to_dict() == before
        # the taught model has no cascade of its own (learn-pairs writes none): compare the decoders
        assert unspin.detect(t, model=taught).to_dict() == unspin.detect(t, model=base, cascade=False).to_dict()


def test_a_page_of_the_spinner_still_gets_its_learned_edits(model_dir, corpus, table, tmp_path, capsys):
    path, _ = model_dir
    taught = unspin.load_model(path)
    for i in (55, 57):
        page = spin(corpus[i][1], table, 0.7, seed=100 + i).text  # a new page of the same source
        got = unspin.restore(page, model=taught)
        assert got.to_dict() == ungated(page, taught).to_dict()  # the gate lets the learned pairs through
        learned = {(e.spun, e.original) for e in got.edits if taught.lexicon.flags(e.spun, e.original) & Source.LEARNED}
        assert len(learned) >= MIN_LEARNED_PAIRS and len(got.edits) > len(unspin.restore(page).edits)
        assert consistent(got, page, learned_words(taught.lexicon), taught.lexicon)
    f = tmp_path / "page.txt"
    f.write_text(spin(corpus[56][1], table, 0.7, seed=156).text, encoding="utf-8")
    nat = tmp_path / "natural.txt"
    calm = next(t for _, t in corpus[75:] if unspin.detect(t, cascade=False).spin_probability < 0.5)  # read as natural
    nat.write_text(calm, encoding="utf-8")
    outs = []
    for model in ([], ["--model", str(path)]):  # the command line decodes through the same gate
        assert main(["detect", str(nat), "--format", "jsonl", "--no-cascade", *model]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[0] == outs[1]
    assert main(["restore", str(f), "--format", "json", "--model", str(path)]) == 0
    assert len(json.loads(capsys.readouterr().out)["edits"]) > len(unspin.restore(f.read_text(encoding="utf-8")).edits)

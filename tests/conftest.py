"""Shared fixtures: real registry text, a spinner table from the thesaurus, the default model."""

from __future__ import annotations

import signal
import subprocess

import pytest


@pytest.fixture(scope="session")
def model():
    import unspin

    return unspin.load_model()


@pytest.fixture(scope="session")
def heldout_docs(model):
    """Held-out People's Daily paragraphs joined into ~500-character documents (never trained on)."""
    import random

    from unspin.evaluate import heldout_paragraphs, make_docs

    paras = heldout_paragraphs(model, None, "text")
    return make_docs(paras, 500, 12, random.Random(3))


@pytest.fixture(scope="session")
def cilin_table():
    from unspin.lexicon.sources import cilin
    from unspin.spin import random_table

    return random_table(cilin(), seed=11, coverage=1.0)


@pytest.fixture(scope="module")
def ray_local():
    """One local Ray instance (2 CPUs) for a module (``pytest.mark.usefixtures("ray_local")``);
    the code under test joins it."""
    import ray

    from unspin.cluster import connect

    assert connect(None, 2)
    yield
    ray.shutdown()


def start_interruptible(cmd: list[str], **kwargs) -> subprocess.Popen:
    """``cmd`` in its own process group, with Ctrl-C handled as in a terminal: a shell that starts
    the test suite in the background (`./test.sh &`, nohup, some CI runners) makes every child
    ignore SIGINT, and Python keeps an ignored SIGINT ignored."""
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **kwargs)

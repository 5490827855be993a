"""Pain points fitted in two processes (miner/pipeline/fits.py): the same pain points as in one, whichever process
fits a touchpoint, and the fits of a second process that fails are done in this one."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from miner.pipeline.fits import fit_all, shares, warm
from miner.topics import PainPointModel

WORDS = {
    "delivery": ["late", "cold", "missing", "driver", "hour", "wait"],
    "billing": ["charged", "twice", "refund", "invoice", "fee", "price"],
    "website": ["page", "crash", "login", "slow", "menu", "button"],
}


def _inputs(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    out = {}
    for t, (tp, words) in enumerate(WORDS.items()):
        n = 20 + 10 * t
        centres = rng.normal(size=(3, 32))
        which = rng.integers(0, 3, n)
        vectors = centres[which] + 0.1 * rng.normal(size=(n, 32))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        texts = [f"the {words[k]} and {words[k + 3]} again {i}" for i, k in enumerate(which)]
        out[tp] = (texts, vectors.astype(np.float16), [None] * n, np.linspace(0.5, 1.0, n))
    return out


class _Pool:
    """A second process, as the run's partner lends it (`submit`), counting what it was given."""

    def __init__(self) -> None:
        self.pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        self.given: list[str] = []

    def submit(self, fn, *args):
        self.given.append(args[1] if len(args) > 1 else fn.__name__)
        return self.pool.submit(fn, *args)


class _Broken:
    def submit(self, fn, *args):
        return None


def _points(fitted: dict) -> dict:
    return {tp: [(p.label, p.members, p.representatives, p.keywords) for p in points] for tp, points in fitted.items()}


def _fitted(model, inputs: dict, advance=lambda n: None, helper=None) -> dict:
    """What `fit_all` hands over, by touchpoint; each touchpoint handed over once."""
    out: dict = {}
    sizes = {tp: len(x[0]) for tp, x in inputs.items()}
    fit_all(model, sizes, inputs.__getitem__, lambda tp, points: out.setdefault(tp, points), advance, helper)
    assert sorted(out) == sorted(inputs)
    return out


def test_the_larger_fits_are_shared_out_by_size_alone():
    here, there = shares({"a": 9000, "b": 5000, "c": 3000, "d": 1000, "e": 900}, helper=True)
    # a fit counts up to the 4,000-complaint sample it is fitted on: a and b weigh the same
    assert (here, there) == (["a", "c"], ["b", "d", "e"])
    # one too large to hold a copy of while it is fitted there stays here
    assert shares({"a": 90_000, "b": 60_000, "c": 3000}, helper=True) == (["a", "b"], ["c"])
    assert shares({"a": 9000, "b": 5000}, helper=False) == (["a", "b"], [])


def test_a_second_process_fits_the_same_pain_points():
    inputs = _inputs()
    model = PainPointModel(names={}, min_share=0.1)
    alone = _fitted(model, inputs)
    pool = _Pool()
    try:
        assert pool.submit(warm).result()
        steps: list[int] = []
        shared = _fitted(model, inputs, steps.append, pool)
    finally:
        pool.pool.shutdown()
    assert pool.given[1:] and set(pool.given[1:]) < set(WORDS)  # it fitted some touchpoints, not all
    assert sum(steps) == len(WORDS)
    assert all(alone[tp] for tp in WORDS)
    assert _points(shared) == _points(alone)


def test_fits_a_second_process_cannot_take_are_done_here():
    inputs = _inputs(1)
    model = PainPointModel(names={}, min_share=0.1)
    steps: list[int] = []
    shared = _fitted(model, inputs, steps.append, _Broken())
    assert _points(shared) == _points(_fitted(model, inputs))
    assert sum(steps) == len(WORDS)

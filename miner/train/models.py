"""The trained encoders by name, for the model registry (miner/embed/registry.py): `tuned` and `fast`.

A run uses the model its recipe last built (the manifest in miner/embed/built.py), so editing one taxonomy example
renames nothing until `touchpoints setup-models` builds from the new texts. Where a recipe has built nothing yet,
the model is named from the default training texts (miner/train/sources.py) and built from them on first use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path

from miner.embed.built import BuiltEmbedder, built_path, is_built, record, recorded
from miner.embed.registry import EncoderBundle, get_embedder
from miner.embed.static import PROJECTION, StaticEmbedder, fast_model_dir
from miner.errors import ModelError
from miner.progress import Progress
from miner.train.names import Training
from miner.train.recipes import COMPLAINTS, TUNED, Recipe
from miner.train.sources import default_complaint_training, default_projection_texts, default_touchpoint_training


def build(recipe: Recipe, training: Training, base: str | None = None, progress: Progress | None = None) -> Path:
    """Build `recipe` on `training` unless a model of that name is in the cache, and record it as the model runs
    of this recipe and base use from now on. Returns its folder."""
    name = recipe.name(training, base)
    if not is_built(name):
        recipe.fit(*training, built_path(name), progress, base=base)
    record(recipe.key(base), name)
    return built_path(name)


def encoder(recipe: Recipe, base: str | None, read: Callable[[], Training]) -> BuiltEmbedder:
    """The encoder `recipe` built last for `base`; if none, the one `read()`'s texts give, built on first use."""
    name = recorded(recipe.key(base))
    training: Training | None = None
    if not name:
        training = read()
        name = recipe.name(training, base)

    def locate() -> Path:
        if training is not None:
            return build(recipe, training, base)
        if not is_built(name):
            raise ModelError(f"{built_path(name)}: this encoder left the cache; run `touchpoints setup-models`")
        return built_path(name)

    return BuiltEmbedder(name, locate)


def tuned(base: str | None) -> EncoderBundle:
    """MiniLM (or `base`) fine-tuned on the taxonomy; its complaint encoder; pain points clustered on the plain base
    model, since the tuned one pulls each touchpoint's complaints together (docs/quality.md, "Pain points")."""
    return EncoderBundle(
        mapping=encoder(TUNED, base, default_touchpoint_training), complaint=_complaint(base), cluster=_plain(base)
    )


def tuned_on(touchpoints: Training, complaints: Training | None = None) -> EncoderBundle:
    """The `tuned` bundle's recipes on other training texts (the leave-one-domain-out evaluation's taxonomy and
    seeds without a domain's sentences): each model named by its texts and built on first use, never recorded in
    the manifest, so the encoder `tuned` names stays the one `setup-models` built. `complaints` None: the default
    complaint encoder."""
    complaint = _complaint(None) if complaints is None else unrecorded(COMPLAINTS, complaints)
    bundle = EncoderBundle(mapping=unrecorded(TUNED, touchpoints), complaint=complaint, cluster=_plain(None))
    bundle.mapping.bundle = bundle
    return bundle


def unrecorded(recipe: Recipe, training: Training, base: str | None = None) -> BuiltEmbedder:
    """`recipe` on `training`, built into the cache on first use under its own name, not recorded as the recipe's."""
    name = recipe.name(training, base)

    def locate() -> Path:
        if not is_built(name):
            recipe.fit(*training, built_path(name), None, base=base)
        return built_path(name)

    return BuiltEmbedder(name, locate)


@functools.cache
def _complaint(base: str | None) -> BuiltEmbedder:
    return encoder(COMPLAINTS, base, default_complaint_training)  # one per process and base: a service's jobs share it


@functools.cache
def _plain(base: str | None):  # noqa: ANN202 - an Embedder
    return get_embedder(base or "minilm")  # one per process and base model, like the complaint encoder


def fast(path: str | None) -> EncoderBundle:
    """The fast tier: the projected MiniLM distillation, or a model2vec model at `path` (`m2v:PATH`)."""
    if path and "/" in path:
        return EncoderBundle(mapping=StaticEmbedder(path))
    return EncoderBundle(mapping=StaticEmbedder(locate=fast_model))


def fast_model(texts: Sequence[str] | None = None) -> Path:
    """The projected distillation's folder, distilled first (on `texts`, else the default ones) if it is not there."""
    from miner.train.distill import distill_fast_model

    target = fast_model_dir()
    if (target / PROJECTION).exists():
        return target
    return distill_fast_model(default_projection_texts() if texts is None else texts, target)

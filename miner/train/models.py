"""The trained encoders by name, for the model registry (miner/embed/registry.py): `tuned` and `fast`.

A run uses the model its recipe last built (the manifest in miner/embed/built.py), so editing one taxonomy example
renames nothing until `touchpoints setup-models` builds from the new texts. Where a recipe has built nothing yet,
the model is named from the default training texts (miner/train/sources.py) and built from them on first use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path

from miner.embed.bert import exact_float32
from miner.embed.built import BuiltEmbedder, built_path, is_built, record, recorded
from miner.embed.head import HeadEmbedder
from miner.embed.registry import EncoderBundle, get_embedder
from miner.embed.static import COMPLAINT_HEAD, StaticEmbedder
from miner.errors import ModelError
from miner.progress import Progress
from miner.train.names import Training
from miner.train.recipes import COMPLAINTS, FAST, JOINT, TUNED, Recipe, compact_recipe, complaint_head_recipe
from miner.train.sources import (
    default_complaint_training,
    default_head_training,
    default_joint_training,
    default_projection_texts,
    default_touchpoint_training,
    head_texts,
)


def build(recipe: Recipe, training: Training, base: str | None = None, progress: Progress | None = None) -> Path:
    """Build `recipe` on `training` unless a model of that name is in the cache, and record it as the model runs
    of this recipe and base use from now on. Returns its folder."""
    name = recipe.name(training, base)
    if not is_built(name):
        with exact_float32():  # the same model on any chip (miner/embed/bert.py)
            recipe.fit(*training, built_path(name), progress, base=base)
    record(recipe.key(base), name)
    return built_path(name)


def named(recipe: Recipe, base: str | None, read: Callable[[], Training]) -> tuple[str, Callable[[], Path]]:
    """The name of the model `recipe` built last for `base` (if none, the one `read()`'s texts give) and a function
    returning its folder, which builds it on first use."""
    name = recorded(recipe.key(base))
    training: Training | None = None
    if not name:
        training = read()
        name = recipe.name(training, base)

    def locate() -> Path:
        if training is not None:
            return build(recipe, training, base)
        if not is_built(name):
            raise ModelError(f"{built_path(name)}: this encoder left the cache; run `touchpoints {recipe.setup}`")
        return built_path(name)

    return name, locate


def encoder(recipe: Recipe, base: str | None, read: Callable[[], Training]) -> BuiltEmbedder:
    """The encoder `recipe` built last for `base`; if none, the one `read()`'s texts give, built on first use."""
    return BuiltEmbedder(*named(recipe, base, read))


def tuned(base: str | None) -> EncoderBundle:
    """MiniLM fine-tuned on the taxonomy, read once per segment: the complaint detector's second reading is the
    complaint head on its vectors (miner/embed/head.py, docs/lab/secondhead.md). Pain points are clustered on the
    tuned encoder's vectors, blended with their items' (docs/lab/onepass.md). Another base model (`tuned:PATH`)
    has no head: its complaint encoder reads each segment again, as `twopass` does."""
    if base is not None:
        return two_pass(base)
    model = encoder(TUNED, base, default_touchpoint_training)
    return EncoderBundle(mapping=model, complaint=complaint_head(model, _complaint(None)), cluster=model)


def build_complaint_head(progress: Progress | None = None) -> Path:
    """Fit the default complaint head on the default texts between the encoders `tuned` names now (unless one of
    that name is built), and record it as the one `tuned` uses. Returns its folder."""
    mapping = encoder(TUNED, None, default_touchpoint_training)
    return build(complaint_head_recipe(mapping, _complaint(None)), default_head_training(), None, progress)


def two_pass(base: str | None) -> EncoderBundle:
    """The default before the complaint head: MiniLM (or `base`) fine-tuned on the taxonomy, and its complaint
    encoder reading every segment a second time."""
    model = encoder(TUNED, base, default_touchpoint_training)
    return EncoderBundle(mapping=model, complaint=_complaint(base), cluster=model)


def complaint_head(mapping: BuiltEmbedder, teacher: BuiltEmbedder, training: Training | None = None) -> HeadEmbedder:
    """The head from `mapping`'s vectors to `teacher`'s: the one `setup-models` built last for this pair (else
    fitted on the default texts on first use); or, given `training`, the one fitted on those texts, built into the
    cache under its own name and not recorded (the transfer protocol's held-out encoders)."""
    recipe = complaint_head_recipe(mapping, teacher)
    name, locate = named(recipe, None, default_head_training) if training is None else cached(recipe, training)
    return HeadEmbedder(name, mapping, locate, teacher)


def three_pass(base: str | None) -> EncoderBundle:
    """The default before issue 21: as `twopass`, with pain points clustered on the plain base model (a third pass
    over every complaint and its item)."""
    return EncoderBundle(
        mapping=encoder(TUNED, base, default_touchpoint_training), complaint=_complaint(base), cluster=_plain(base)
    )


def one_pass(base: str | None) -> EncoderBundle:
    """MiniLM (or `base`) fine-tuned on the taxonomy and the complaint seeds at once (the `JOINT` recipe): its one
    pass over each segment feeds the mapper, the complaint detector and the pain points (docs/lab/onepass.md)."""
    model = encoder(JOINT, base, default_joint_training)
    return EncoderBundle(mapping=model, cluster=model)


def tuned_on(touchpoints: Training, complaints: Training | None = None, head: bool = True) -> EncoderBundle:
    """The `tuned` bundle's recipes on other training texts (the leave-one-domain-out evaluation's taxonomy and
    seeds without a domain's sentences): each model named by its texts and built on first use, never recorded in
    the manifest, so the encoder `tuned` names stays the one `setup-models` built. `complaints` None: the default
    complaint encoder. `head` False: that complaint encoder reads each segment (`twopass`), not its head."""
    teacher = _complaint(None) if complaints is None else unrecorded(COMPLAINTS, complaints)
    mapping = unrecorded(TUNED, touchpoints)
    texts = head_texts(touchpoints, complaints or default_complaint_training())
    complaint = complaint_head(mapping, teacher, (texts, [])) if head else teacher
    bundle = EncoderBundle(mapping=mapping, complaint=complaint, cluster=mapping)
    bundle.mapping.bundle = bundle
    return bundle


def unrecorded(recipe: Recipe, training: Training, base: str | None = None) -> BuiltEmbedder:
    """`recipe` on `training`, built into the cache on first use under its own name, not recorded as the recipe's."""
    return BuiltEmbedder(*cached(recipe, training, base))


def cached(recipe: Recipe, training: Training, base: str | None = None) -> tuple[str, Callable[[], Path]]:
    """The name of `recipe` on `training` and a function returning its folder, which builds it on first use."""
    name = recipe.name(training, base)

    def locate() -> Path:
        if not is_built(name):
            with exact_float32():
                recipe.fit(*training, built_path(name), None, base=base)
        return built_path(name)

    return name, locate


@functools.cache
def _complaint(base: str | None) -> BuiltEmbedder:
    return encoder(COMPLAINTS, base, default_complaint_training)  # one per process and base: a service's jobs share it


@functools.cache
def _plain(base: str | None):  # noqa: ANN202 - an Embedder
    return get_embedder(base or "minilm")  # one per process and base model, like the complaint encoder


def fast(path: str | None) -> EncoderBundle:
    """The fast tier: the projected MiniLM distillation, named like the tuned encoder after its recipe and the
    texts its projection was fitted on; or a model2vec model at `path` (`m2v:PATH`). Its complaint head (the same
    static vectors into the complaint encoder's space) is the complaint detector's second encoder; a model at
    `path` without one has none."""
    if path and "/" in path:
        mapping = StaticEmbedder(path)
        has = (Path(path).expanduser() / COMPLAINT_HEAD).exists()
        return EncoderBundle(mapping=mapping, complaint=_complaint_head(mapping) if has else None)
    name, locate = named(FAST, None, _projection_training)
    mapping = StaticEmbedder(locate=locate, label=f"m2v:{name}")
    return EncoderBundle(mapping=mapping, complaint=_complaint_head(mapping))


def compact(base: str | None) -> EncoderBundle:
    """The compact student (miner/train/compact.py): the tuned encoder cut to one layer and taught to give its
    vectors, so it reads as the tuned encoder does at a sixth of the layers. Its vectors go through the tuned
    encoder's complaint head for the detector, and pain points cluster on them (docs/lab/compact.md)."""
    if base is not None:
        raise ModelError("the compact student is distilled from the default's tuned encoder only")
    teacher = encoder(TUNED, None, default_touchpoint_training)
    head = complaint_head(teacher, _complaint(None))
    mapping = encoder(compact_recipe(teacher, head), None, _projection_training)
    return EncoderBundle(mapping=mapping, complaint=head.on(mapping), cluster=mapping)


def compact_model(progress: Progress | None = None) -> Path:
    """Distil the compact student from the tuned encoder (building that first if need be) unless a student of that
    name is built, and record it as the one `--embedding-model compact` uses. Returns its folder."""
    teacher = encoder(TUNED, None, default_touchpoint_training)
    head = complaint_head(teacher, _complaint(None))
    return build(compact_recipe(teacher, head), _projection_training(), None, progress)


def _complaint_head(mapping: StaticEmbedder) -> StaticEmbedder:
    """The complaint head of `mapping`'s folder, on the model `mapping` loads."""
    return StaticEmbedder(mapping.path, locate=mapping.locate, label=mapping.label, head=COMPLAINT_HEAD, source=mapping)


def _projection_training() -> Training:
    return default_projection_texts(), []


def fast_model(texts: Sequence[str] | None = None) -> Path:
    """Distil the fast tier (its projection fitted on `texts`, else the default ones) unless a model of that name is
    built, and record it as the one `--embedding-model fast` uses. Returns its folder."""
    return build(FAST, _projection_training() if texts is None else (list(texts), []))

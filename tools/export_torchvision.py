#!/usr/bin/env python3
"""Export a torchvision model's weights to a NumPy .npz archive that Retina4j reads.

Two kinds of model, chosen with --arch:

* RetinaNet detectors (``retinanet_resnet50_fpn``, or the same layout on ``resnet18``/``resnet34``/``resnet101``:
  ``retinanet_resnet18_fpn`` ...), for ``retina4j import --torchvision FILE.npz``;
* ImageNet classification ResNets (``resnet18``, ``resnet34``, ``resnet50``, ``resnet101``), for
  ``retina4j train --backbone resnet50 --backbone-weights FILE.npz``.

The weights come from a file saved with ``torch.save(model.state_dict(), FILE.pth)`` (--state-dict; also accepted: a
whole pickled model, or a checkpoint dict holding the state dict under ``state_dict`` or ``model``) or from
torchvision's weight registry (--weights, downloads once into torch's cache), e.g.::

    python3 tools/export_torchvision.py --arch retinanet_resnet50_fpn \
        --weights RetinaNet_ResNet50_FPN_Weights.COCO_V1 --out retinanet_resnet50_fpn_coco.npz
    python3 tools/export_torchvision.py --arch resnet50 --weights ResNet50_Weights.IMAGENET1K_V1 --out resnet50.npz
    python3 tools/export_torchvision.py --arch retinanet_resnet50_fpn --state-dict my_retinanet.pth --out my.npz

The state dict is first loaded, strictly, into the torchvision model of --arch: a file of another architecture fails
here with torch's list of missing and unexpected keys, and state dicts written by older torchvision releases are
converted to the current key names by torchvision's own loading code. The exported arrays are the model's
``state_dict()``: float32 for floating-point tensors, int64 for the BatchNorm counters, key names unchanged.

Works with torchvision 0.14 (Debian's python3-torchvision) and later releases; needs only torch, torchvision, numpy.

mmdetection checkpoints (--mmdet FILE.pth, no --arch): the ``.pth`` files of mmdetection's model zoo, e.g. RetinaNet
``retinanet_r50_fpn_1x_coco_*.pth`` or Libra RetinaNet ``libra_retinanet_r50_fpn_1x_coco_*.pth``, are dicts holding
``state_dict`` and ``meta`` (and, from training, ``optimizer``). The state dict is written with mmdetection's key
names unchanged (``backbone.*``, ``neck.*`` or ``neck.0.*``/``neck.1.*``, ``bbox_head.*``), for
``retina4j import --mmdet FILE.npz``::

    python3 tools/export_torchvision.py --mmdet retinanet_r50_fpn_1x_coco.pth --out retinanet_r50_fpn_1x_coco.npz

Neither mmdetection nor mmcv/mmengine is imported: objects of their classes inside the checkpoint (in ``meta`` or the
optimizer state, never in the weights) are read as placeholders and dropped. The key names are checked only loosely
here (a RetinaNet head must be present); ``retina4j import`` checks every tensor.
"""

import argparse
import contextlib
import inspect
import os
import pickle
import sys
import tempfile

import numpy as np
import torch
import torchvision
from torchvision.models import resnet as tv_resnet
from torchvision.models.detection import retinanet as tv_retinanet
from torchvision.ops import misc as tv_misc

RESNET_DEPTHS = (18, 34, 50, 101)
CLASSIFIERS = {"resnet%d" % d: d for d in RESNET_DEPTHS}
DETECTORS = {"retinanet_resnet%d_fpn" % d: d for d in RESNET_DEPTHS}
# torchvision.models.detection.retinanet: 9 anchors per location (3 sizes x 3 aspect ratios)
ANCHORS_PER_LOCATION = 9


def fail(message):
    print("export_torchvision.py: error: " + message, file=sys.stderr)
    sys.exit(1)


def resnet(depth, frozen_bn):
    """torchvision's ResNet of this depth, random weights (no download)."""
    kwargs = {"norm_layer": tv_misc.FrozenBatchNorm2d} if frozen_bn else {}
    builder = getattr(tv_resnet, "resnet%d" % depth)
    if "weights" in inspect.signature(builder).parameters:
        return builder(weights=None, **kwargs)
    return builder(pretrained=False, **kwargs)  # torchvision < 0.13


def retinanet(depth, num_classes):
    """torchvision's RetinaNet on a ResNet of this depth, built as retinanet_resnet50_fpn builds it: frozen BatchNorm,
    C3-C5 into a 256-channel FPN, P6 and P7 from P5 (LastLevelP6P7(256, 256))."""
    from torchvision.models.detection.backbone_utils import BackboneWithFPN
    from torchvision.ops.feature_pyramid_network import LastLevelP6P7
    body = resnet(depth, frozen_bn=True)
    in_channels = [128, 256, 512] if depth < 50 else [512, 1024, 2048]
    backbone = BackboneWithFPN(body, {"layer2": "0", "layer3": "1", "layer4": "2"}, in_channels, 256,
                               extra_blocks=LastLevelP6P7(256, 256))
    return tv_retinanet.RetinaNet(backbone, num_classes)


def resolve_weights(name, arch):
    """A torchvision weights enum value from its name ('ResNet50_Weights.IMAGENET1K_V1', or 'DEFAULT' for the arch)."""
    models = torchvision.models
    if hasattr(models, "get_weight"):  # torchvision >= 0.14
        if "." not in name:
            builder = arch if arch in CLASSIFIERS or arch == "retinanet_resnet50_fpn" else None
            if builder is None:
                fail("--weights %s needs the enum's full name for --arch %s" % (name, arch))
            return getattr(models.get_model_weights(builder), name)
        return models.get_weight(name)
    enum_name, _, value = name.partition(".")
    for module in (models, models.detection):
        enum = getattr(module, enum_name, None)
        if enum is not None:
            return getattr(enum, value)
    fail("unknown weights '%s' (torchvision %s)" % (name, torchvision.__version__))


def load_state_dict(path):
    kwargs = {"map_location": "cpu"}
    if "weights_only" in inspect.signature(torch.load).parameters:
        kwargs["weights_only"] = False  # also whole pickled models and checkpoint dicts
    try:
        obj = torch.load(path, **kwargs)
    except Exception as e:  # noqa: BLE001 - any unreadable file is a user error
        fail("%s cannot be read by torch.load: %s" % (path, str(e).splitlines()[0] if str(e) else type(e).__name__))
    if isinstance(obj, torch.nn.Module):
        return obj.state_dict()
    if isinstance(obj, dict):
        for key in ("state_dict", "model"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
        if all(isinstance(v, torch.Tensor) for v in obj.values()):
            return obj
    fail("%s holds no state dict (a dict of tensors, a model, or a checkpoint with 'state_dict'/'model')" % path)


class _Placeholder:
    """Stands for an object of a class that cannot be imported here (mmcv, mmengine, mmdet); never used."""

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass

    def __call__(self, *args, **kwargs):
        return self


class _LenientUnpickler(pickle.Unpickler):
    """Reads classes of uninstalled packages as placeholders."""

    def find_class(self, module, name):
        try:
            return super().find_class(module, name)
        except (ImportError, AttributeError):
            return _Placeholder


@contextlib.contextmanager
def _lenient_unpickling():
    """torch.load unpickles with a subclass of pickle.Unpickler (and torch 1.13 ignores its pickle_module argument
    unless weights_only is set), so the base class is swapped for the duration of the load."""
    original = pickle.Unpickler
    pickle.Unpickler = _LenientUnpickler
    try:
        yield
    finally:
        pickle.Unpickler = original


MMDET_HEAD = "bbox_head.retina_cls.weight"


def load_mmdet_state_dict(path):
    """The ``state_dict`` of an mmdetection checkpoint (or a bare state dict with mmdetection's names)."""
    kwargs = {"map_location": "cpu"}
    if "weights_only" in inspect.signature(torch.load).parameters:
        kwargs["weights_only"] = False  # meta may hold tuples, numpy scalars, config objects
    try:
        with _lenient_unpickling():
            obj = torch.load(path, **kwargs)
    except Exception as e:  # noqa: BLE001 - any unreadable file is a user error
        fail("%s cannot be read by torch.load: %s" % (path, str(e).splitlines()[0] if str(e) else type(e).__name__))
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        fail("%s holds no mmdetection state dict (a checkpoint dict with 'state_dict', or a dict of tensors)" % path)
    if MMDET_HEAD not in obj:
        hint = ""
        if "head.classification_head.cls_logits.weight" in obj:
            hint = " (it is a torchvision RetinaNet: use --arch retinanet_resnet50_fpn --state-dict)"
        fail("%s is not an mmdetection RetinaNet checkpoint: it has no '%s'%s" % (path, MMDET_HEAD, hint))
    return obj


def export_mmdet(path, out):
    state_dict = load_mmdet_state_dict(path)

    class _Holder:  # export() reads model.state_dict()
        def state_dict(self):
            return state_dict
    arrays = export(_Holder(), out)
    libra = any(k.startswith("neck.1.refine.") for k in arrays)
    parameters = sum(int(np.prod(a.shape)) for a in arrays.values() if a.dtype == np.float32)
    print("wrote %s: %d tensors, %.1f M values, mmdetection %s (torch %s)" % (
        out, len(arrays), parameters / 1e6, "Libra RetinaNet" if libra else "RetinaNet", torch.__version__))
    return 0


def num_classes_of(state_dict, path):
    key = "head.classification_head.cls_logits.weight"
    if key not in state_dict:
        fail("%s is not a torchvision RetinaNet state dict: it has no '%s'" % (path, key))
    outputs = state_dict[key].shape[0]
    if outputs % ANCHORS_PER_LOCATION != 0:
        fail("%s: %s has %d outputs, not a multiple of %d anchors" % (path, key, outputs, ANCHORS_PER_LOCATION))
    return outputs // ANCHORS_PER_LOCATION


def build(arch, state_dict, path):
    if arch in CLASSIFIERS:
        # ImageNet checkpoints hold trainable BatchNorm layers (with num_batches_tracked)
        return resnet(CLASSIFIERS[arch], frozen_bn=False)
    return retinanet(DETECTORS[arch], num_classes_of(state_dict, path) if state_dict is not None else 91)


def check_fits(model, state_dict, arch):
    """Fails with one line naming the missing, unexpected and mis-shaped tensors (the first few of each); used once
    torch's own loading, which also converts the key names of older torchvision releases, has refused the weights."""
    expected = model.state_dict()
    # FrozenBatchNorm2d drops num_batches_tracked itself when loading; checkpoints of trainable BatchNorm carry it
    given = {k: v for k, v in state_dict.items() if not (k.endswith(".num_batches_tracked") and k not in expected)}
    missing = [k for k in expected if k not in given and not k.endswith(".num_batches_tracked")]
    unexpected = [k for k in given if k not in expected]
    shapes = ["%s %s vs %s" % (k, list(v.shape), list(expected[k].shape))
              for k, v in given.items() if k in expected and tuple(v.shape) != tuple(expected[k].shape)]
    if missing or unexpected or shapes:
        parts = []
        for label, items in (("missing", missing), ("unexpected", unexpected), ("mis-shaped (file vs model)", shapes)):
            if items:
                more = " and %d more" % (len(items) - 5) if len(items) > 5 else ""
                parts.append("%d %s: %s%s" % (len(items), label, ", ".join(items[:5]), more))
        fail("the weights do not fit torchvision's %s: %s" % (arch, "; ".join(parts)))


def export(model, out):
    arrays = {}
    for key, tensor in model.state_dict().items():
        t = tensor.detach().cpu()
        if t.is_floating_point():
            values = t.to(torch.float32).numpy()
            bad = np.size(values) - np.count_nonzero(np.isfinite(values))
            if bad:
                fail("tensor %s has %d NaN/Inf values" % (key, bad))
        else:
            values = t.to(torch.int64).numpy()
        arrays[key] = np.ascontiguousarray(values)
    directory = os.path.dirname(os.path.abspath(out))
    os.makedirs(directory, exist_ok=True)
    # written beside the target and renamed, so an interrupted export never leaves a truncated archive
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=directory)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return arrays


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", choices=sorted(DETECTORS) + sorted(CLASSIFIERS),
                        help="torchvision architecture the weights belong to (not with --mmdet)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--state-dict", metavar="FILE.pth", help="file written by torch.save(model.state_dict(), ...)")
    source.add_argument("--weights", metavar="NAME",
                        help="torchvision weights, e.g. RetinaNet_ResNet50_FPN_Weights.COCO_V1, ResNet50_Weights.IMAGENET1K_V1")
    source.add_argument("--mmdet", metavar="FILE.pth",
                        help="mmdetection RetinaNet / Libra RetinaNet checkpoint; key names kept (no --arch)")
    parser.add_argument("--out", required=True, metavar="FILE.npz", help="archive to write")
    args = parser.parse_args(argv)

    if args.mmdet is not None:
        if args.arch is not None:
            fail("--arch is for torchvision weights; an --mmdet checkpoint keeps mmdetection's own layout")
        if not os.path.isfile(args.mmdet):
            fail("--mmdet: file not found: %s" % args.mmdet)
        return export_mmdet(args.mmdet, args.out)
    if args.arch is None:
        fail("--arch is required with --state-dict and --weights")

    if args.weights is not None:
        if args.arch not in CLASSIFIERS and args.arch != "retinanet_resnet50_fpn":
            fail("torchvision publishes no weights for %s; export a --state-dict instead" % args.arch)
        weights = resolve_weights(args.weights, args.arch)
        try:
            state_dict = weights.get_state_dict(progress=True)
        except OSError as e:  # urllib's URLError is an OSError
            fail("cannot download %s (%s); download it elsewhere and use --state-dict" % (args.weights, e))
    else:
        if not os.path.isfile(args.state_dict):
            fail("--state-dict: file not found: %s" % args.state_dict)
        state_dict = load_state_dict(args.state_dict)

    model = build(args.arch, state_dict, args.state_dict or args.weights)
    try:
        model.load_state_dict(state_dict, strict=True)
    except RuntimeError as e:
        check_fits(model, state_dict, args.arch)  # fails with a one-line summary of the differences
        fail("the weights do not fit torchvision's %s: %s" % (args.arch, " ".join(str(e).split())))
    arrays = export(model.eval(), args.out)
    parameters = sum(int(np.prod(a.shape)) for a in arrays.values() if a.dtype == np.float32)
    print("wrote %s: %d tensors, %.1f M values, %s (torch %s, torchvision %s)" % (
        args.out, len(arrays), parameters / 1e6, args.arch, torch.__version__, torchvision.__version__))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Writes a reference set of the layout of reference/anchors/ (see reference/README.md, "anchors/").

Anchors, IoU, matching, box coding and NMS are computed by torchvision itself; only the second anchor
convention (mmdetection's unrounded formula) is a port. Needs torch and torchvision (tested with the
Debian packages python3-torch 1.13 and python3-torchvision 0.14.1) and numpy.

    python3 anchors_targets.py --out /tmp/ref/anchors                      # the committed set's geometry
    python3 anchors_targets.py --out /tmp/ref/anchors --main-hw 192 288 --second-hw 256 384 \
        --gt-boxes boxes.json --prefix alt_                                  # another image size and boxes

The JSON written names every array file relative to the folder that holds anchors/ ("anchors/<file>"),
as the tests read them. Random parts (the IoU subset's random rows, the decode deltas and the NMS boxes)
come from --seed.
"""
import argparse
import json
import math
import os

import numpy as np
import torch
import torchvision
from torchvision.models.detection import _utils as det_utils
from torchvision.models.detection.image_list import ImageList

# The main image's ground truth of the committed set: a gt between anchor centres, a tiny one, one equal to an
# anchor, and two whose best anchor is the same.
DEFAULT_GT = [[8.0, 30.0, 32.0, 58.0], [100.5, 60.2, 180.8, 150.6], [130.2, 70.9, 210.4, 170.1],
              [10.0, 150.0, 300.0, 250.0], [250.6, 10.4, 262.1, 60.8], [64.0, 64.0, 96.0, 96.0],
              [200.3, 203.7, 206.9, 209.2], [208.0, 64.0, 272.0, 128.0], [211.2, 67.2, 268.8, 124.8]]

IOU_THRESHOLD = 0.5
HIGH, LOW = 0.5, 0.4
RANDOM_IOU_ROWS = 600


def save_npy(out_dir, name, array):
    np.save(os.path.join(out_dir, name), np.ascontiguousarray(array))
    return "anchors/" + name


def feature_sizes(model, h, w):
    """The feature-map sizes the real ResNet-50-FPN produces for a padded h x w input."""
    with torch.no_grad():
        feats = model.backbone(torch.zeros(1, 3, h, w))
    return [list(f.shape[-2:]) for f in feats.values()]


def torchvision_anchors(model, h, w):
    gen = model.anchor_generator
    fm = feature_sizes(model, h, w)
    images = ImageList(torch.zeros(1, 3, h, w), [(h, w)])
    feats = [torch.zeros(1, 1, fh, fw) for fh, fw in fm]
    anchors = gen(images, feats)[0].double()
    cells = [c.tolist() for c in gen.cell_anchors]
    per_level = [fh * fw * len(c) for (fh, fw), c in zip(fm, cells)]
    starts = np.concatenate([[0], np.cumsum(per_level)[:-1]]).tolist()
    strides = [[h // fh, w // fw] for fh, fw in fm]
    return anchors, fm, cells, per_level, starts, strides


def unrounded_anchors(h, w, strides=(8, 16, 32, 64, 128), octave_base_scale=4, scales_per_octave=3,
                      ratios=(0.5, 1.0, 2.0)):
    """Port of mmdetection's AnchorGenerator (center offset 0, nothing rounded), float64."""
    scales = octave_base_scale * 2.0 ** (np.arange(scales_per_octave) / scales_per_octave)
    out = []
    for s in strides:
        h_ratios = np.sqrt(np.asarray(ratios))
        w_ratios = 1.0 / h_ratios
        ws = (s * w_ratios[:, None] * scales[None, :]).reshape(-1)
        hs = (s * h_ratios[:, None] * scales[None, :]).reshape(-1)
        base = np.stack([-0.5 * ws, -0.5 * hs, 0.5 * ws, 0.5 * hs], axis=-1)
        fh, fw = math.ceil(h / s), math.ceil(w / s)
        sx = np.arange(fw) * s
        sy = np.arange(fh) * s
        xx, yy = np.meshgrid(sx, sy)
        shifts = np.stack([xx.reshape(-1), yy.reshape(-1), xx.reshape(-1), yy.reshape(-1)], axis=-1)
        out.append((shifts[:, None, :] + base[None, :, :]).reshape(-1, 4))
    return np.concatenate(out, axis=0)


def matcher_section(anchors, gt, out_dir, tag):
    iou = torchvision.ops.box_iou(gt, anchors)
    with_lq = det_utils.Matcher(HIGH, LOW, allow_low_quality_matches=True)(iou)
    without = det_utils.Matcher(HIGH, LOW, allow_low_quality_matches=False)(iou)
    best = iou.max(dim=1).values
    tied = [torch.nonzero(iou[g] == best[g]).flatten().tolist() for g in range(gt.shape[0])]
    taken = sorted({a for g, lst in enumerate(tied) for a in lst if int(with_lq[a]) != g})
    changed = torch.nonzero(with_lq != without).flatten().tolist()
    section = {
        "high_threshold": HIGH, "low_threshold": LOW, "allow_low_quality_matches": True,
        "file": save_npy(out_dir, tag("matched_idxs") + ".npy", with_lq.numpy().astype("<i8")),
        "codes": {"-1": "below low threshold (background)", "-2": "between thresholds (ignored)",
                  ">=0": "index of the matched gt box"},
        "best_iou_per_gt": best.tolist(),
        "anchors_with_best_iou_per_gt": tied,
        "anchors_changed_by_low_quality_rule": changed,
        "best_anchors_assigned_to_another_gt": taken,
        "num_positive": int((with_lq >= 0).sum()),
        "num_ignored": int((with_lq == -2).sum()),
        "num_background": int((with_lq == -1).sum()),
    }
    return iou, with_lq, section


def iou_section(iou, out_dir, tag, rng):
    best = iou.max(dim=0).values
    high = set(torch.nonzero(best >= 0.3).flatten().tolist())
    rest = [a for a in range(iou.shape[1]) if a not in high]
    extra = rng.choice(rest, size=min(RANDOM_IOU_ROWS, len(rest)), replace=False).tolist()
    rows = sorted(high | set(extra))
    table = np.concatenate([np.asarray(rows, dtype="<f8")[:, None], iou[:, rows].T.numpy()], axis=1)
    return {"file": save_npy(out_dir, tag("iou_subset") + ".npy", table.astype("<f8")),
            "format": "[S, 1 + G] rows (anchor_index, iou with gt 0, ..., iou with gt G-1) = columns of "
                      "box_iou(gt_boxes, anchors) [G, A] for a subset of anchors: every anchor whose max IoU is "
                      ">= 0.3 plus " + str(RANDOM_IOU_ROWS) + " random others, sorted by anchor index (the index "
                      "is stored as a float)"}


def coder_sections(anchors, gt, matched, rng):
    coder = det_utils.BoxCoder(weights=(1.0, 1.0, 1.0, 1.0))
    fg = torch.nonzero(matched >= 0).flatten()
    targets = coder.encode_single(gt[matched[fg]], anchors[fg])
    encode = {"weights": [1.0, 1.0, 1.0, 1.0], "foreground_anchor_indices": fg.tolist(),
              "matched_gt_index": matched[fg].tolist(), "targets_dx_dy_dw_dh": targets.tolist()}
    n = 48
    idx = np.sort(rng.choice(anchors.shape[0], size=n, replace=False))
    deltas = rng.normal(0.0, 0.4, size=(n, 4))
    # dw/dh above the clip (clamped by torchvision) and below -clip (not clamped by torchvision)
    deltas[0, 2], deltas[1, 3], deltas[2, 2], deltas[3, 3] = 6.0, 5.0, -6.0, -7.5
    decoded = coder.decode_single(torch.from_numpy(deltas), anchors[torch.from_numpy(idx)])
    decode = {"weights": [1.0, 1.0, 1.0, 1.0], "bbox_xform_clip": coder.bbox_xform_clip,
              "anchor_indices": idx.tolist(), "deltas": deltas.tolist(), "decoded_boxes": decoded.tolist()}
    return encode, decode


def nms_section(rng, h, w):
    boxes, classes = [], []
    for c in range(3):
        for _ in range(14):
            cx, cy = rng.uniform(0.2 * w, 0.8 * w), rng.uniform(0.2 * h, 0.8 * h)
            bw, bh = rng.uniform(10, 40), rng.uniform(10, 40)
            boxes.append([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2])
            classes.append(c)
    # a same-class pair at IoU exactly 0.5 (both kept: suppression needs IoU > threshold)
    boxes += [[10.0, 10.0, 50.0, 50.0], [10.0, 10.0, 50.0, 30.0]]
    classes += [0, 0]
    for _ in range(3):
        boxes.append([boxes[0][0] + 1, boxes[0][1] + 1, boxes[0][2] + 1, boxes[0][3] + 1])
        classes.append(1)
    scores = rng.permutation(len(boxes)) / len(boxes) + 0.5 / len(boxes)
    b = torch.tensor(boxes, dtype=torch.float64)
    s = torch.tensor(scores, dtype=torch.float64)
    k = torch.tensor(classes)
    keep = torchvision.ops.batched_nms(b, s, k, IOU_THRESHOLD)
    return {"iou_threshold": IOU_THRESHOLD, "boxes": boxes, "scores": scores.tolist(), "class_idxs": classes,
            "keep": keep.tolist(), "num_suppressed": len(boxes) - len(keep)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="the anchors/ folder to write")
    p.add_argument("--main-hw", type=int, nargs=2, default=[256, 320])
    p.add_argument("--second-hw", type=int, nargs=2, default=[128, 256],
                   help="a second anchor set; it also gets the unrounded-formula anchors")
    p.add_argument("--gt-boxes", help="JSON file: [[x1, y1, x2, y2], ...] for the main image")
    p.add_argument("--prefix", default="", help="prefix of every array file name")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    torch.manual_seed(a.seed)
    gt_list = json.load(open(a.gt_boxes)) if a.gt_boxes else DEFAULT_GT
    gt = torch.tensor(gt_list, dtype=torch.float64)
    (mh, mw), (sh, sw) = a.main_hw, a.second_hw

    def tag(name, hw=(mh, mw)):
        return a.prefix + name + "_" + str(hw[0]) + "x" + str(hw[1])

    model = torchvision.models.detection.retinanet_resnet50_fpn(weights=None, weights_backbone=None).eval()
    sets = []
    main_anchors = None
    for hw in ([mh, mw], [sh, sw]):
        anchors, fm, cells, per_level, starts, strides = torchvision_anchors(model, *hw)
        entry = {"image_hw": hw, "file": save_npy(a.out, tag("torchvision_anchors", hw) + ".npy",
                                                  anchors.numpy().astype("<f8")),
                 "num_anchors": int(anchors.shape[0]), "feature_map_hw": fm,
                 "level_strides_hw_as_torchvision_computes": strides, "level_start_index": starts,
                 "level_num_anchors": per_level, "cell_anchors_per_level": cells}
        if hw == [sh, sw]:
            unrounded = unrounded_anchors(*hw)
            entry["spec_formula_file"] = save_npy(a.out, tag("spec_formula_anchors", hw) + ".npy",
                                                  unrounded.astype("<f8"))
            entry["spec_formula_max_abs_diff_vs_torchvision"] = float(np.abs(unrounded - anchors.numpy()).max())
        else:
            main_anchors = anchors
        sets.append(entry)

    iou, matched, matcher = matcher_section(main_anchors, gt, a.out, tag)
    encode, decode = coder_sections(main_anchors, gt, matched, rng)
    gen = model.anchor_generator
    doc = {
        "item": "anchors_matching_coding_nms",
        "generator": "torchvision " + torchvision.__version__ + " (torch " + torch.__version__ + "): "
                     "retinanet_resnet50_fpn(weights=None).anchor_generator on the real backbone's feature-map "
                     "sizes; torchvision.ops.box_iou; models.detection._utils.Matcher(0.5, 0.4, "
                     "allow_low_quality_matches=True); BoxCoder(weights=(1,1,1,1)); torchvision.ops.batched_nms "
                     "(reference/tools/anchors_targets.py)",
        "anchor_config": {"sizes": [list(s) for s in gen.sizes], "aspect_ratios": [list(r) for r in gen.aspect_ratios]},
        "anchor_sets": sets,
        "main_image_hw": [mh, mw],
        "gt_boxes": gt_list,
        "iou": iou_section(iou, a.out, tag, rng),
        "matcher": matcher,
        "no_gt_image": "torchvision RetinaNetHead.compute_loss: an image without gt boxes gets matched_idxs = -1 "
                       "(background) for every anchor",
        "encode": encode,
        "decode": decode,
        "batched_nms": nms_section(rng, mh, mw),
    }
    with open(os.path.join(a.out, "anchors_targets.json"), "w") as f:
        json.dump(doc, f)


if __name__ == "__main__":
    main()

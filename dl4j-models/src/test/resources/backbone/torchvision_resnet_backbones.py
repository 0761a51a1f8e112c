#!/usr/bin/env python3
"""Writes torchvision_resnet_backbones.json, the fixture of ResNetConfigTest (python3-torch 1.13,
python3-torchvision 0.14.1): per ResNet depth, the parameter count of the backbone without avgpool/fc with
trainable BatchNorm2d, the trainable parameter count of the detection default (FrozenBatchNorm2d, stem and
layer1 frozen: layer2-layer4 only), and the [C, H, W] outputs of layer1..layer4 for a zero 96x160 input.

    python3 torchvision_resnet_backbones.py > torchvision_resnet_backbones.json
"""
import json

import torch
import torchvision
from torchvision.ops.misc import FrozenBatchNorm2d

INPUT_HW = [96, 160]


def body(model):
    return torch.nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool,
                               model.layer1, model.layer2, model.layer3, model.layer4)


def main():
    out = {"torch": torch.__version__, "torchvision": torchvision.__version__, "input_hw": INPUT_HW, "depths": {}}
    for depth in (18, 34, 50, 101):
        make = getattr(torchvision.models, "resnet" + str(depth))
        trainable = make(weights=None).eval()
        frozen = make(weights=None, norm_layer=FrozenBatchNorm2d)
        shapes = []
        with torch.no_grad():
            x = body(trainable)[:4](torch.zeros(1, 3, *INPUT_HW))
            for layer in (trainable.layer1, trainable.layer2, trainable.layer3, trainable.layer4):
                x = layer(x)
                shapes.append(list(x.shape[1:]))
        out["depths"][str(depth)] = {
            "params_trainable_bn_all_stages": sum(p.numel() for p in body(trainable).parameters()),
            "params_trainable_frozen_bn_stem_layer1_frozen": sum(
                p.numel() for layer in (frozen.layer2, frozen.layer3, frozen.layer4) for p in layer.parameters()),
            "c2_c5_shapes_chw": shapes,
        }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

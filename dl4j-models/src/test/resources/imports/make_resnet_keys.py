#!/usr/bin/env python3
"""Writes resnet_state_dict_keys.json: name -> shape of every tensor of torchvision's ImageNet ResNet-18 and
ResNet-50 state dicts (torchvision.models.resnet18() / resnet50(), the layout of ResNet18_Weights.IMAGENET1K_V1 and
ResNet50_Weights.IMAGENET1K_V1 checkpoints). Run with torch and torchvision (written with torchvision 0.14.1);
tests never run it.

    python3 make_resnet_keys.py
"""
import json

import torchvision

out = {"torchvision": torchvision.__version__}
for depth in (18, 50):
    model = getattr(torchvision.models, "resnet%d" % depth)()
    out["resnet%d" % depth] = [[k, list(v.shape)] for k, v in model.state_dict().items()]
with open("resnet_state_dict_keys.json", "w") as f:
    json.dump(out, f, separators=(",", ":"))

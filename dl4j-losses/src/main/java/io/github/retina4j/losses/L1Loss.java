package io.github.retina4j.losses;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * L1 box regression loss, L(d) = d (RetinaNet baseline in torchvision/mmdetection; DESIGN §3.5).
 * Contract: see {@link AbstractBoxLoss}.
 */
public class L1Loss extends AbstractBoxLoss {

    private static final long serialVersionUID = 1L;

    @Override
    protected void elementLoss(INDArray d, INDArray dGrad) {
        if (dGrad != null) {
            dGrad.assign(1.0);
        }
    }

    @Override
    public String name() {
        return "L1Loss";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof L1Loss;
    }

    @Override
    public int hashCode() {
        return L1Loss.class.hashCode();
    }
}

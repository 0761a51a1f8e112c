package io.github.retina4j.models.backbone;

import io.github.retina4j.models.dl4j.NoRecomputeConvolutionLayer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;

import java.util.Arrays;

/**
 * A small plain CNN backbone for training from scratch on a 2-core CPU (the synthetic {@code shapes-lt} data):
 * five stride-2 stages of 3×3 conv + ReLU, stages 3–5 with one extra 3×3 conv + ReLU, giving C3, C4, C5 at
 * strides 8, 16, 32. No normalisation (batches of 1–4 images make batch statistics useless; the net is shallow
 * enough to train with He initialisation and Adam).
 *
 * <p>Vertex names: {@code backbone.body.layer<s>.<i>} (s = 1..5, i = 0 or 1), C3/C4/C5 = last conv of
 * layer3/4/5.
 *
 * @param widths channels of the five stages, e.g. {16, 32, 48, 64, 96}
 */
public record SmallBackboneConfig(int[] widths) implements BackboneConfig {
    public static final int STAGES = 5;
    public static final String PREFIX = "backbone.body.";

    public SmallBackboneConfig {
        if (widths == null || widths.length != STAGES || Arrays.stream(widths).anyMatch(w -> w < 1)) {
            throw new IllegalArgumentException("SmallBackboneConfig needs 5 positive stage widths, got "
                    + Arrays.toString(widths));
        }
        widths = widths.clone();
    }

    /** Widths used for shapes-lt: ~0.2 M parameters. */
    public static SmallBackboneConfig defaults() {
        return new SmallBackboneConfig(new int[]{16, 32, 48, 64, 96});
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    @Override
    public int[] outChannels() {
        return new int[]{widths[2], widths[3], widths[4]};
    }

    @Override
    public FeatureMaps addTo(ComputationGraphConfiguration.GraphBuilder g, String input) {
        String x = input;
        int in = 3;
        String[] outs = new String[3];
        for (int s = 0; s < STAGES; s++) {
            String name = PREFIX + "layer" + (s + 1) + ".0";
            g.addLayer(name, conv(in, widths[s], 2), x);
            x = name;
            if (s >= 2) {
                String second = PREFIX + "layer" + (s + 1) + ".1";
                g.addLayer(second, conv(widths[s], widths[s], 1), x);
                x = second;
                outs[s - 2] = x;
            }
            in = widths[s];
        }
        return new FeatureMaps(outs, outChannels());
    }

    private static ConvolutionLayer conv(int in, int out, int stride) {
        return NoRecomputeConvolutionLayer.of(new ConvolutionLayer.Builder(3, 3).nIn(in).nOut(out).stride(stride, stride)
                .padding(1, 1).convolutionMode(ConvolutionMode.Truncate).weightInit(WeightInit.RELU).biasInit(0.0)
                .activation(Activation.RELU));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SmallBackboneConfig c && Arrays.equals(widths, c.widths);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(widths);
    }

    @Override
    public String toString() {
        return "SmallBackboneConfig[widths=" + Arrays.toString(widths) + "]";
    }
}

package io.github.retina4j.models.fpn;

/**
 * Feature pyramid network P3–P7 (Lin et al. 2017 FPN; RetinaNet paper §4 "Feature Pyramid Network Backbone").
 *
 * @param channels output channels of every level (256 in the paper)
 * @param p6Source which map the stride-2 3×3 conv producing P6 reads: {@link P6Source#C5} (paper, mmdetection
 *                 {@code add_extra_convs='on_input'}) or {@link P6Source#P5} (torchvision
 *                 {@code retinanet_resnet50_fpn}, {@code LastLevelP6P7(256, 256)})
 * @param reluBeforeP7 P7 = conv(ReLU(P6)) (paper §4, torchvision {@code LastLevelP6P7}) or P7 = conv(P6) (mmdetection's
 *                 {@code FPN}, whose {@code relu_before_extra_convs} is False in its RetinaNet configs)
 */
public record FpnConfig(int channels, P6Source p6Source, boolean reluBeforeP7) {
    /** FPN width of the paper (§4). */
    public static final int DEFAULT_CHANNELS = 256;

    public enum P6Source { C5, P5 }

    public FpnConfig {
        if (channels < 1) {
            throw new IllegalArgumentException("FPN channels must be positive, got " + channels);
        }
        if (p6Source == null) {
            throw new IllegalArgumentException("FPN p6Source must be set (C5 or P5)");
        }
    }

    /** P7 = conv(ReLU(P6)), as the paper (§4) and torchvision. */
    public FpnConfig(int channels, P6Source p6Source) {
        this(channels, p6Source, true);
    }

    /** Paper / mmdetection: 256 channels, P6 from C5 (with the paper's ReLU before P7, which mmdetection omits). */
    public static FpnConfig paper() {
        return new FpnConfig(DEFAULT_CHANNELS, P6Source.C5);
    }

    /** torchvision's {@code retinanet_resnet50_fpn}: 256 channels, P6 from P5. */
    public static FpnConfig torchvision() {
        return new FpnConfig(DEFAULT_CHANNELS, P6Source.P5);
    }
}

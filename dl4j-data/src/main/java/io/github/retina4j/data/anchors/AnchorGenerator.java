package io.github.retina4j.data.anchors;

import io.github.retina4j.data.boxes.Boxes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * RetinaNet anchors for all pyramid levels of a padded input (DESIGN §4), concatenated level by level (P3 first) and
 * within a level in (y, x, cell anchor) order — the order of the dense predictions {@code [N, C, A]} (DESIGN §2).
 *
 * <p>The feature map of a level with stride s has {@code ceil(H/s) × ceil(W/s)} cells: ResNet's stride-2 convolutions
 * and the FPN's P6/P7 convolutions (kernel 3, padding 1) each map a size f to ceil(f/2). Cell anchors are centred on
 * the origin and shifted by {@code stride·(x, y)} (centre offset 0). Arithmetic and cell order come from the
 * {@link AnchorConfig}. Anchors are computed once per padded size and cached (thread-safe); every accessor returns a
 * fresh copy.
 */
public final class AnchorGenerator {

    private final AnchorConfig config;
    /** Per level: cell anchors as flat [anchorsPerLocation·4] (x1, y1, x2, y2) centred on 0. */
    private final double[][] cellAnchors;
    private final Map<Long, double[]> cache = new ConcurrentHashMap<>();

    public AnchorGenerator(AnchorConfig config) {
        this.config = config;
        this.cellAnchors = new double[config.numLevels()][];
        for (int l = 0; l < config.numLevels(); l++) {
            cellAnchors[l] = config.convention() == AnchorConvention.TORCHVISION ? torchvisionCellAnchors(l) : unroundedCellAnchors(l);
        }
    }

    public AnchorConfig config() {
        return config;
    }

    /** Anchors {@code [A, 4]} (float32, the network's type) for a padded input of {@code paddedH × paddedW}. */
    public INDArray anchors(int paddedH, int paddedW) {
        return anchors(paddedH, paddedW, DataType.FLOAT);
    }

    /** Anchors {@code [A, 4]} in the given data type. */
    public INDArray anchors(int paddedH, int paddedW, DataType type) {
        return Boxes.fromFlat(cached(paddedH, paddedW), type);
    }

    /** Anchors as a flat row-major {@code double[4A]} (a copy of the cached array). */
    public double[] anchorCoordinates(int paddedH, int paddedW) {
        return cached(paddedH, paddedW).clone();
    }

    /** Total number of anchors A for a padded input. */
    public int numAnchors(int paddedH, int paddedW) {
        int n = 0;
        for (int[] f : featureSizes(paddedH, paddedW)) {
            n += f[0] * f[1] * config.anchorsPerLocation();
        }
        return n;
    }

    /** Feature-map sizes {@code [level][h, w]} = ceil(size / stride). */
    public int[][] featureSizes(int paddedH, int paddedW) {
        validateSize(paddedH, paddedW);
        int[] strides = config.strides();
        int[][] out = new int[strides.length][];
        for (int l = 0; l < strides.length; l++) {
            out[l] = new int[] {ceilDiv(paddedH, strides[l]), ceilDiv(paddedW, strides[l])};
        }
        return out;
    }

    /** First anchor index of every level. */
    public int[] levelStartIndex(int paddedH, int paddedW) {
        int[][] f = featureSizes(paddedH, paddedW);
        int[] start = new int[f.length];
        int n = 0;
        for (int l = 0; l < f.length; l++) {
            start[l] = n;
            n += f[l][0] * f[l][1] * config.anchorsPerLocation();
        }
        return start;
    }

    /**
     * Stride {@code [h, w]} used for the shifts of a level: the nominal stride for {@link AnchorConvention#UNROUNDED},
     * {@code size // featureSize} per axis for {@link AnchorConvention#TORCHVISION}.
     */
    public int[][] levelStrides(int paddedH, int paddedW) {
        int[][] f = featureSizes(paddedH, paddedW);
        int[] strides = config.strides();
        int[][] out = new int[f.length][];
        for (int l = 0; l < f.length; l++) {
            out[l] = config.convention() == AnchorConvention.TORCHVISION
                    ? new int[] {paddedH / f[l][0], paddedW / f[l][1]}
                    : new int[] {strides[l], strides[l]};
        }
        return out;
    }

    /** The grid structure of the anchors of a padded size (for assignment that visits only overlapping anchors). */
    public AnchorLayout layout(int paddedH, int paddedW) {
        return new AnchorLayout(levelStartIndex(paddedH, paddedW), featureSizes(paddedH, paddedW),
                levelStrides(paddedH, paddedW), cellAnchors.clone(), numAnchors(paddedH, paddedW));
    }

    /** The cell anchors of a level as {@code [anchorsPerLocation][4]}, centred on the origin, in the configured order. */
    public double[][] cellAnchors(int level) {
        double[] c = cellAnchors[level];
        double[][] out = new double[c.length / 4][4];
        for (int i = 0; i < out.length; i++) {
            System.arraycopy(c, 4 * i, out[i], 0, 4);
        }
        return out;
    }

    private double[] cached(int paddedH, int paddedW) {
        validateSize(paddedH, paddedW);
        return cache.computeIfAbsent(((long) paddedH << 32) | paddedW, k -> generate(paddedH, paddedW));
    }

    private double[] generate(int paddedH, int paddedW) {
        int[][] f = featureSizes(paddedH, paddedW);
        int[][] s = levelStrides(paddedH, paddedW);
        double[] out = new double[numAnchors(paddedH, paddedW) * 4];
        int o = 0;
        for (int l = 0; l < f.length; l++) {
            double[] cell = cellAnchors[l];
            for (int y = 0; y < f[l][0]; y++) {
                double sy = (double) y * s[l][0];
                for (int x = 0; x < f[l][1]; x++) {
                    double sx = (double) x * s[l][1];
                    for (int c = 0; c < cell.length; c += 4) {
                        out[o++] = sx + cell[c];
                        out[o++] = sy + cell[c + 1];
                        out[o++] = sx + cell[c + 2];
                        out[o++] = sy + cell[c + 3];
                    }
                }
            }
        }
        return out;
    }

    /** mmdetection {@code AnchorGenerator.gen_single_level_base_anchors}, center offset 0, in float64. */
    private double[] unroundedCellAnchors(int level) {
        double base = config.strides()[level];
        double[] ratios = config.ratios();
        int ns = config.scalesPerOctave();
        double[] out = new double[ratios.length * ns * 4];
        for (int r = 0; r < ratios.length; r++) {
            double hRatio = Math.sqrt(ratios[r]);
            double wRatio = 1.0 / hRatio;
            for (int k = 0; k < ns; k++) {
                double scale = config.octaveBaseScale() * Math.pow(2.0, (double) k / ns);
                double w = base * wRatio * scale;
                double h = base * hRatio * scale;
                int i = cellIndex(r, k, ratios.length, ns) * 4;
                out[i] = -0.5 * w;
                out[i + 1] = -0.5 * h;
                out[i + 2] = 0.5 * w;
                out[i + 3] = 0.5 * h;
            }
        }
        return out;
    }

    /**
     * torchvision {@code AnchorGenerator.generate_anchors} on the sizes of {@code retinanet_resnet50_fpn}:
     * {@code size_k = int(base·2^(k/3))} (Python int truncation), float32 arithmetic, {@code torch.round} = half-even.
     */
    private double[] torchvisionCellAnchors(int level) {
        double baseSize = config.strides()[level] * config.octaveBaseScale();
        double[] ratios = config.ratios();
        int ns = config.scalesPerOctave();
        double[] out = new double[ratios.length * ns * 4];
        for (int r = 0; r < ratios.length; r++) {
            float hRatio = (float) Math.sqrt((float) ratios[r]);
            float wRatio = 1.0f / hRatio;
            for (int k = 0; k < ns; k++) {
                float size = (float) (long) (baseSize * Math.pow(2.0, (double) k / ns));
                float ws = wRatio * size;
                float hs = hRatio * size;
                int i = cellIndex(r, k, ratios.length, ns) * 4;
                out[i] = Math.rint(-ws / 2.0f);
                out[i + 1] = Math.rint(-hs / 2.0f);
                out[i + 2] = Math.rint(ws / 2.0f);
                out[i + 3] = Math.rint(hs / 2.0f);
            }
        }
        return out;
    }

    private int cellIndex(int ratioIndex, int scaleIndex, int numRatios, int numScales) {
        return config.cellOrder() == CellAnchorOrder.RATIO_MAJOR
                ? ratioIndex * numScales + scaleIndex
                : scaleIndex * numRatios + ratioIndex;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static void validateSize(int h, int w) {
        if (h <= 0 || w <= 0) {
            throw new IllegalArgumentException("padded input size must be positive, got " + h + "x" + w);
        }
    }
}

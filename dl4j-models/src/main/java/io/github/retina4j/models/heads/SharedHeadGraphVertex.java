package io.github.retina4j.models.heads;

import io.github.retina4j.models.dl4j.Conv2dOp;
import io.github.retina4j.models.dl4j.DenseArrays;
import io.github.retina4j.models.dl4j.Relu;
import io.github.retina4j.models.dl4j.ReusableArrays;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.samediff.SameDiffGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runtime of {@link SharedHeadVertex} written directly on libnd4j's {@code conv2d}/{@code conv2d_bp} ops
 * ({@link Conv2dOp}) instead of a SameDiff graph. Same parameters, same layout, same arithmetic as
 * {@link SharedHeadVertex#defineVertex} (the SameDiff definition, kept as the reference the tests compare with).
 *
 * <p>Why hand-written: DL4J's {@code SameDiffGraphVertex.doBackward} calls {@code SameDiff.calculateGradients},
 * which runs the whole forward pass again — for RetinaNet's heads, the largest part of the network's FLOPs, that is
 * one extra forward per training step — and its gradients come out 2× too large (DESIGN §10.3) and need a correction
 * pass. Here the forward keeps every post-ReLU activation (training only) and the backward uses them: relu'(z) is
 * read from the output (out &gt; 0 ⇔ z &gt; 0) and the next conv's input is that output.
 *
 * <p>Intermediates live in {@link ReusableArrays} (no per-step native allocation); the vertex output and the
 * errors sent to the inputs are fresh arrays from DL4J's workspace manager, as DL4J expects.
 */
public class SharedHeadGraphVertex extends SameDiffGraphVertex {
    private final SharedHeadVertex head;
    private final Conv2dOp conv;
    private final ReusableArrays scratch = new ReusableArrays();
    /** The c-order inputs and post-ReLU activations [level][conv] of the last training forward pass. */
    private INDArray[] levelInputs;
    private INDArray[][] activations;

    public SharedHeadGraphVertex(SharedHeadVertex config, ComputationGraph graph, String name, int vertexIndex,
                                 INDArray paramsView, boolean initParams, DataType dataType) {
        super(config, graph, name, vertexIndex, paramsView, initParams, dataType);
        this.head = config;
        this.conv = new Conv2dOp(SharedHeadVertex.KERNEL, SharedHeadVertex.KERNEL / 2, config.isChannelsLast());
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        head.validateInput(inputs);
        if (head.isChannelsLast()) {
            return channelsLastForward(workspaceMgr);
        }
        int levels = inputs.length;
        long n = inputs[0].size(0);
        int k = head.getOutputsPerAnchor();
        int a = head.getNumAnchors();
        long total = 0;
        for (INDArray x : inputs) {
            total += x.size(2) * x.size(3) * a;
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[]{n, k, total}, 'c');
        INDArray[] dense = new INDArray[levels];
        INDArray[][] kept = training ? new INDArray[levels][head.getNumConvs()] : null;
        long offset = 0;
        for (int l = 0; l < levels; l++) {
            dense[l] = DenseArrays.cOrder(inputs[l]);
            INDArray x = dense[l];
            long h = x.size(2), w = x.size(3);
            for (int i = 0; i < head.getNumConvs(); i++) {
                // training keeps one buffer per (level, conv) for the backward pass; inference ping-pongs two
                String key = training ? "act" + l + "_" + i : "act" + (i % 2);
                INDArray z = scratch.get(key, dataType, n, head.getChannels(), h, w);
                conv.forward(x, param(SharedHeadVertex.convWeight(i)), param(SharedHeadVertex.convBias(i)), z);
                Relu.forward(z, z);
                if (training) {
                    kept[l][i] = z;
                }
                x = z;
            }
            INDArray y = scratch.get("pred", dataType, n, (long) a * k, h, w);
            conv.forward(x, param(head.predictorWeight()), param(head.predictorBias()), y);
            levelView(out, offset, h, w, a).assign(anchorLast(y, n, a, k, h, w));
            offset += h * w * a;
        }
        if (training) {
            levelInputs = dense;
            activations = kept;
        }
        return out;
    }

    /**
     * Inference on channels-last levels {@code [N, H, W, C]} (DESIGN §10.14): the same convolutions with the NHWC
     * format argument; the predictor's {@code [N, H, W, A·K]} output is read as {@code [N, K, H, W, A]}.
     */
    private INDArray channelsLastForward(LayerWorkspaceMgr workspaceMgr) {
        long n = inputs[0].size(0);
        int k = head.getOutputsPerAnchor();
        int a = head.getNumAnchors();
        long total = 0;
        for (INDArray x : inputs) {
            total += x.size(1) * x.size(2) * a;
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, new long[]{n, k, total}, 'c');
        long offset = 0;
        for (INDArray level : inputs) {
            INDArray x = DenseArrays.cOrder(level);
            long h = x.size(1), w = x.size(2);
            for (int i = 0; i < head.getNumConvs(); i++) {
                INDArray z = scratch.get("act" + (i % 2), dataType, n, h, w, head.getChannels());
                conv.forward(x, param(SharedHeadVertex.convWeight(i)), param(SharedHeadVertex.convBias(i)), z);
                Relu.forward(z, z);
                x = z;
            }
            INDArray y = scratch.get("pred", dataType, n, h, w, (long) a * k);
            conv.forward(x, param(head.predictorWeight()), param(head.predictorBias()), y);
            levelView(out, offset, h, w, a).assign(y.reshape('c', n, h, w, a, k).permute(0, 4, 1, 2, 3));
            offset += h * w * a;
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (head.isChannelsLast()) {
            throw new UnsupportedOperationException("SharedHeadGraphVertex '" + getVertexName()
                    + "': the channels-last form is for inference; train the graph of the model file");
        }
        if (activations == null || activations.length != inputs.length) {
            throw new IllegalStateException("SharedHeadGraphVertex '" + getVertexName()
                    + "': backward pass without a training forward pass");
        }
        int levels = inputs.length;
        long n = inputs[0].size(0);
        int k = head.getOutputsPerAnchor();
        int a = head.getNumAnchors();
        int convs = head.getNumConvs();
        INDArray[] inputErrors = new INDArray[levels];
        long offset = 0;
        for (int l = 0; l < levels; l++) {
            INDArray input = levelInputs[l];
            long h = input.size(2), w = input.size(3);
            INDArray dy = scratch.get("pred", dataType, n, (long) a * k, h, w);
            anchorLast(dy, n, a, k, h, w).assign(levelView(epsilon, offset, h, w, a));
            offset += h * w * a;

            // predictor, then the convs from the top; each writes dL/d(its input) into the next buffer
            INDArray x = convs > 0 ? activations[l][convs - 1] : input;
            INDArray dx = convs > 0 ? scratch.get("grad" + (convs % 2), dataType, x.shape())
                    : workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
            backward(l, x, head.predictorWeight(), head.predictorBias(), dy, dx);
            for (int i = convs - 1; i >= 0; i--) {
                INDArray z = activations[l][i];
                Relu.backward(z, dx, dx);
                INDArray below = i > 0 ? activations[l][i - 1] : input;
                INDArray dBelow = i > 0 ? scratch.get("grad" + (i % 2), dataType, below.shape())
                        : workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, input.shape(), 'c');
                backward(l, below, SharedHeadVertex.convWeight(i), SharedHeadVertex.convBias(i), dx, dBelow);
                dx = dBelow;
            }
            inputErrors[l] = dx;
        }
        levelInputs = null;
        activations = null;
        Gradient g = new DefaultGradient();
        for (String p : paramTable.keySet()) {
            g.gradientForVariable().put(p, gradTable.get(p));
        }
        return new Pair<>(g, inputErrors);
    }

    /**
     * One conv's backward for one level. The weights are shared by all levels, so their gradient is the sum over
     * levels: level 0 writes into DL4J's gradient view, the others add a temporary to it.
     */
    private void backward(int level, INDArray x, String weight, String bias, INDArray gradOut, INDArray gradX) {
        INDArray gw = gradTable.get(weight);
        INDArray gb = gradTable.get(bias);
        if (level == 0) {
            conv.backward(x, param(weight), param(bias), gradOut, gradX, gw, gb);
        } else {
            INDArray tw = scratch.get("dW", dataType, gw.shape());
            INDArray tb = scratch.get("db", dataType, gb.shape());
            conv.backward(x, param(weight), param(bias), gradOut, gradX, tw, tb);
            gw.addi(tw);
            gb.addi(tb);
        }
    }

    private INDArray param(String name) {
        return paramTable.get(name);
    }

    /** {@code [N, A·K, H, W]} (c-order) seen as {@code [N, K, H, W, A]}: the head's channel j = a·K + k. */
    private static INDArray anchorLast(INDArray y, long n, long a, long k, long h, long w) {
        return y.reshape('c', n, a, k, h, w).permute(0, 2, 3, 4, 1);
    }

    /**
     * The slice {@code [:, :, offset, offset + H·W·A)} of an {@code [N, K, A_total]} array (any strides) as a
     * {@code [N, K, H, W, A]} view — built from the strides directly, so it is a view whatever the array's order
     * (a reshape of a non-contiguous slice could silently copy, and an assign into a copy would be lost).
     */
    private static INDArray levelView(INDArray arr, long offset, long h, long w, long a) {
        long[] s = arr.stride();
        long[] shape = {arr.size(0), arr.size(1), h, w, a};
        long[] stride = {s[0], s[1], s[2] * w * a, s[2] * a, s[2]};
        return Nd4j.create(arr.data(), shape, stride, arr.offset() + offset * s[2], arr.ordering());
    }
}

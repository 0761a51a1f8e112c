package io.github.retina4j.models.fpn;

import io.github.retina4j.models.dl4j.DenseArrays;
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
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Hand-written runtime of {@link NonLocalBlockVertex} (same parameters, same function as its SameDiff definition,
 * which the tests use as the reference). Per image, with X = x as {@code [C, S]} (S = H·W) and the 1×1 convolutions
 * as matrix products:
 * <pre>
 *   θ = W_θᵀX + b_θ,  φ = W_φᵀX + b_φ,  g = W_gᵀX + b_g          [C_i, S]
 *   F = softmax_rows(θᵀφ [/ sqrt(C_i)])                          [S, S]
 *   Y = g Fᵀ                                                     [C_i, S]
 *   Z = X + W_zᵀY + b_z                                          [C, S]
 * </pre>
 * and the backward pass (softmax rows: dP = F ⊙ (dF − rowsum(dF ⊙ F))):
 * dW_z = Y dZᵀ, dY = W_z dZ, dg = dY F, dF = dYᵀ g, dθ = φ dPᵀ, dφ = θ dP, dW_• = X d•ᵀ, dX = dZ + Σ W_• d•.
 *
 * <p>Why hand-written: DL4J's SameDiff vertex recomputes the forward pass in the backward pass, doubles the
 * gradients, and reads freed memory under DL4J workspaces (RetinaNet#workspaceMode). With this vertex Libra
 * RetinaNet has no SameDiff-executed vertex and trains with workspaces too. θ, φ, g, F and Y of the last
 * training forward pass are kept in {@link ReusableArrays} for the backward pass.
 */
public class NonLocalBlockGraphVertex extends SameDiffGraphVertex {
    private static final String[] EMBEDDINGS = {"theta", "phi", "g"};

    private final NonLocalBlockVertex block;
    private final ReusableArrays scratch = new ReusableArrays();
    /** The c-order input of the last training forward pass; its θ, φ, g, F, Y are in {@link #scratch}. */
    private INDArray trainingInput;

    public NonLocalBlockGraphVertex(NonLocalBlockVertex config, ComputationGraph graph, String name, int vertexIndex,
                                    INDArray paramsView, boolean initParams, DataType dataType) {
        super(config, graph, name, vertexIndex, paramsView, initParams, dataType);
        this.block = config;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray x = input();
        long n = x.size(0), c = x.size(1), s = x.size(2) * x.size(3);
        int ci = block.getInterChannels();
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
        for (int i = 0; i < n; i++) {
            // training keeps every image's intermediates for the backward pass; inference reuses one set
            int slot = training ? i : 0;
            INDArray xi = imageMatrix(x, i);
            INDArray[] e = new INDArray[EMBEDDINGS.length];
            for (int k = 0; k < EMBEDDINGS.length; k++) {
                e[k] = scratch.get(EMBEDDINGS[k] + slot, dataType, ci, s);
                mmul(matrix(param(EMBEDDINGS[k] + "W"), c, ci), xi, e[k], true, false, 0.0);
                e[k].addiColumnVector(param(EMBEDDINGS[k] + "b").reshape(ci, 1));
            }
            INDArray f = scratch.get("F" + slot, dataType, s, s);
            mmul(e[0], e[1], f, true, false, 0.0);
            if (block.isUseScale()) {
                f.muli(1.0 / Math.sqrt(ci));
            }
            Nd4j.exec(new SoftMax(f, f, 1));
            INDArray y = scratch.get("Y" + slot, dataType, ci, s);
            mmul(e[2], f, y, false, true, 0.0);
            INDArray zi = imageMatrix(out, i);
            zi.assign(xi);
            mmul(matrix(param("convOutW"), ci, c), y, zi, true, false, 1.0);
            zi.addiColumnVector(param("convOutb").reshape(c, 1));
        }
        trainingInput = training ? x : null;
        return out;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (trainingInput == null) {
            throw new IllegalStateException("NonLocalBlockGraphVertex '" + getVertexName()
                    + "': backward pass without a training forward pass");
        }
        INDArray x = trainingInput;
        INDArray dz = DenseArrays.cOrder(epsilon);
        long n = x.size(0), c = x.size(1), s = x.size(2) * x.size(3);
        int ci = block.getInterChannels();
        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        INDArray dWz = matrix(gradTable.get("convOutW"), ci, c);
        for (int i = 0; i < n; i++) {
            double beta = i == 0 ? 0.0 : 1.0;   // parameter gradients: sum over the images
            INDArray xi = imageMatrix(x, i);
            INDArray dzi = imageMatrix(dz, i);
            INDArray dxi = imageMatrix(dx, i);
            INDArray theta = scratch.get("theta" + i, dataType, ci, s);
            INDArray phi = scratch.get("phi" + i, dataType, ci, s);
            INDArray g = scratch.get("g" + i, dataType, ci, s);
            INDArray f = scratch.get("F" + i, dataType, s, s);
            INDArray y = scratch.get("Y" + i, dataType, ci, s);

            mmul(y, dzi, dWz, false, true, beta);
            accumulate(gradTable.get("convOutb"), dzi.sum(1), i);
            INDArray dy = scratch.get("dY", dataType, ci, s);
            mmul(matrix(param("convOutW"), ci, c), dzi, dy, false, false, 0.0);
            INDArray dg = scratch.get("dg", dataType, ci, s);
            mmul(dy, f, dg, false, false, 0.0);
            INDArray dp = scratch.get("dF", dataType, s, s);
            mmul(dy, g, dp, true, false, 0.0);
            // softmax backward per row, in place: dP = F ⊙ (dF − rowsum(dF ⊙ F))
            INDArray dpf = scratch.get("dFF", dataType, s, s);
            Nd4j.exec(new MulOp(dp, f, dpf));
            INDArray rowDot = dpf.sum(1);
            dp.subiColumnVector(rowDot.reshape(s, 1)).muli(f);
            if (block.isUseScale()) {
                dp.muli(1.0 / Math.sqrt(ci));
            }
            INDArray dTheta = scratch.get("dtheta", dataType, ci, s);
            mmul(phi, dp, dTheta, false, true, 0.0);
            INDArray dPhi = scratch.get("dphi", dataType, ci, s);
            mmul(theta, dp, dPhi, false, false, 0.0);

            dxi.assign(dzi);
            INDArray[] d = {dTheta, dPhi, dg};
            for (int k = 0; k < EMBEDDINGS.length; k++) {
                String name = EMBEDDINGS[k];
                mmul(xi, d[k], matrix(gradTable.get(name + "W"), c, ci), false, true, beta);
                accumulate(gradTable.get(name + "b"), d[k].sum(1), i);
                mmul(matrix(param(name + "W"), c, ci), d[k], dxi, false, false, 1.0);
            }
        }
        trainingInput = null;
        Gradient grad = new DefaultGradient();
        for (String p : paramTable.keySet()) {
            grad.gradientForVariable().put(p, gradTable.get(p));
        }
        return new Pair<>(grad, new INDArray[]{dx});
    }

    private INDArray input() {
        INDArray x = inputs[0];
        if (x.rank() != 4 || x.size(1) != block.getChannels()) {
            throw new IllegalArgumentException("NonLocalBlockGraphVertex '" + getVertexName() + "': input must be [N, "
                    + block.getChannels() + ", H, W], got " + java.util.Arrays.toString(x.shape()));
        }
        return DenseArrays.cOrder(x);
    }

    private INDArray param(String name) {
        return paramTable.get(name);
    }

    private static void accumulate(INDArray target, INDArray value, int image) {
        if (image == 0) {
            target.assign(value.reshape(target.shape()));
        } else {
            target.addi(value.reshape(target.shape()));
        }
    }

    /** c = op(a)·op(b) + beta·c (libnd4j matmul; c any contiguous array, written in place). */
    private static void mmul(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB, double beta) {
        Nd4j.exec(new Mmul(a, b, c, 1.0, beta, MMulTranspose.builder().transposeA(transA).transposeB(transB).build()));
    }

    /** Image {@code i} of a c-order {@code [N, C, H, W]} array as a {@code [C, H·W]} view. */
    private static INDArray imageMatrix(INDArray a, int i) {
        long c = a.size(1), s = a.size(2) * a.size(3);
        return Nd4j.create(a.data(), new long[]{c, s}, new long[]{s, 1}, a.offset() + i * c * s, 'c');
    }

    /** A c-contiguous parameter (or gradient) of YXIO shape {@code [1, 1, in, out]} as an {@code [in, out]} view. */
    private static INDArray matrix(INDArray p, long rows, long cols) {
        if (p.length() != rows * cols || p.ordering() != 'c' || p.elementWiseStride() != 1) {
            throw new IllegalStateException("NonLocalBlockGraphVertex: parameter view " + p.shapeInfoToString()
                    + " is not a contiguous [" + rows + ", " + cols + "] block");
        }
        return Nd4j.create(p.data(), new long[]{rows, cols}, new long[]{cols, 1}, p.offset(), 'c');
    }
}

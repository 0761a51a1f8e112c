/**
 * Detection losses (docs/DESIGN.md §3) as ND4J {@link org.nd4j.linalg.lossfunctions.ILossFunction} implementations:
 * {@link io.github.retina4j.losses.SigmoidFocalLoss}, {@link io.github.retina4j.losses.EqualizedFocalLoss},
 * {@link io.github.retina4j.losses.EqualizationLoss}, {@link io.github.retina4j.losses.EqualizationFocalLoss},
 * {@link io.github.retina4j.losses.SoftmaxEqualizationLoss}, {@link io.github.retina4j.losses.BalancedL1Loss},
 * {@link io.github.retina4j.losses.SmoothL1Loss}, {@link io.github.retina4j.losses.L1Loss},
 * {@link io.github.retina4j.losses.GumbelLoss} (GOL), {@link io.github.retina4j.losses.IifFocalLoss} (IIF weights from
 * {@link io.github.retina4j.losses.InverseImageFrequency}), and the joint class + box loss
 * {@link io.github.retina4j.losses.PisaLoss} (PISA, DESIGN §3.6).
 * Comments in this module cite the design document as "DESIGN §n": section n of {@code docs/DESIGN.md}.
 *
 * <h2>How to use them in a DL4J graph (the normalisation contract)</h2>
 * <ol>
 *   <li>Output each dense head as one {@code [N, C, A]} (class) / {@code [N, 4, A]} (box) activation with all
 *       pyramid levels concatenated on axis 2 (so that one loss sees every anchor of the minibatch and
 *       Z = max(1, N_pos) is the minibatch total) and feed it to an
 *       {@code org.deeplearning4j.nn.conf.layers.RnnLossLayer} with {@code Activation.IDENTITY} and the loss.
 *       The layer hands the loss {@code [N·A, C]} arrays and the label mask as {@code [N·A, 1]} (mask
 *       {@code [N, A]}) or {@code [N·A, C]} (mask {@code [N, C, A]}).</li>
 *   <li>Class labels: one-hot, background anchor = all-zero row; class mask: 1 = used, 0 = ignored anchor.
 *       Box labels: encoded target deltas; box mask: 1 = positive anchor (the box loss normalises by the
 *       number of positive anchors in its own mask, which is N_pos of the class loss when both masks come
 *       from the same assignment).</li>
 *   <li>Every loss returns the objective S of docs/DESIGN.md §3 itself from {@code computeScore} and exactly ∂S/∂x from
 *       {@code computeGradient} — it cannot know N (it only sees N·A rows). DL4J 1.0.0-M2.1 then
 *       (a) divides the reported score of an {@code RnnLossLayer} by N, and (b) divides the parameter
 *       gradients by N in the updater ({@code BaseMultiLayerUpdater}, "divideByMinibatch") when the
 *       configuration has {@code miniBatch(true)}, the default. <b>Build detection graphs with
 *       {@code new NeuralNetConfiguration.Builder().miniBatch(false)}</b>: the update then uses ∂S/∂θ
 *       unchanged, i.e. the optimised objective is exactly docs/DESIGN.md §3's (class loss + box loss, each / Z).
 *       The score DL4J reports ({@code graph.score()}, listeners) stays S/N: multiply it by N to log S.
 *       {@code SigmoidFocalLossTest#graphWithMiniBatchFalseOptimisesExactlyTheLossObjective} proves both
 *       facts with N = 2 against the reference gradient.</li>
 *   <li>{@code GradientCheckUtil} compares ∂(score)/∂θ with the updater-processed gradient, so it passes
 *       with the default {@code miniBatch(true)} (both sides carry 1/N); run it on such a copy of the
 *       configuration. For {@link io.github.retina4j.losses.EqualizedFocalLoss} freeze the statistics first
 *       ({@code setStateFrozen(true)}).</li>
 *   <li>L2/weight decay is applied by DL4J independently of {@code miniBatch}; with {@code miniBatch(false)}
 *       learning rates are per-minibatch-sum, as in mmdetection/detectron2 (whose losses are also
 *       normalised by N_pos, not by N).</li>
 * </ol>
 * {@link io.github.retina4j.losses.SoftmaxEqualizationLoss} is a classification loss and follows DL4J's own
 * convention instead (sum over examples, averaged by DL4J with {@code miniBatch(true)}).
 *
 * <h2>Speed</h2>
 * Focal, equalized focal and equalization focal loss evaluate score and gradient in one pass over the arrays
 * (identity activation, float or double). On float32 that pass uses the JDK's incubating Vector API when the JVM is
 * started with {@code --add-modules jdk.incubator.vector} (the {@code retina4j} launcher does; {@code java -jar}
 * cannot), about 10× faster than the scalar kernel every other JVM runs (same results within 1e-6).
 */
package io.github.retina4j.losses;

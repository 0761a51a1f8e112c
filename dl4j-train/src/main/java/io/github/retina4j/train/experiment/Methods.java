package io.github.retina4j.train.experiment;

import io.github.retina4j.data.targets.CombinedSampler;
import io.github.retina4j.train.DetectorSetup;
import io.github.retina4j.train.experiment.TrainingPlan.Sampling;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The registry of named methods an experiment configuration can list. Each entry is one line: a training plan
 * (overrides of RetinaNet's recipe) or an evaluation of another method's models.
 */
public final class Methods {

    /**
     * Anchors sampled per image by Libra's IoU-balanced sampling, at most a quarter positive: the R-CNN sampler of
     * mmdetection's Libra R-CNN config ({@code num=512, pos_fraction=0.25}; Pang 2019, §3.1).
     */
    public static final int LIBRA_SAMPLED_ANCHORS = 512;

    private static final Map<String, Method> REGISTRY = new LinkedHashMap<>();

    static {
        add(Method.trained("focal", "RetinaNet, sigmoid focal loss (Lin 2017): the baseline", TrainingPlan.retinaNet()));
        add(Method.trained("efl", "equalized focal loss (Li 2022)", TrainingPlan.retinaNet().withClsLoss("efl")));
        add(Method.trained("eql-focal", "equalization loss (Tan 2020) on the focal loss",
                TrainingPlan.retinaNet().withClsLoss("eql-focal")));
        add(Method.trained("focal+rfs", "focal loss, repeat factor sampling (Gupta 2019)",
                TrainingPlan.retinaNet().withSampling(Sampling.REPEAT_FACTOR)));
        add(Method.trained("efl+rfs", "equalized focal loss, repeat factor sampling",
                TrainingPlan.retinaNet().withClsLoss("efl").withSampling(Sampling.REPEAT_FACTOR)));
        add(Method.trained("libra", "Libra RetinaNet (Pang 2019): IoU-balanced sampling, balanced feature pyramid, balanced L1",
                TrainingPlan.libra().withRecipe(r -> r.withSampler(
                        CombinedSampler.libra(LIBRA_SAMPLED_ANCHORS, CombinedSampler.DEFAULT_POSITIVE_FRACTION)))));
        add(Method.trained("pisa", "PISA (Cao 2020): ISR-P re-weighting of the positives and CARL, on focal + smooth L1",
                TrainingPlan.retinaNet().withNetwork(DetectorSetup::pisa)));
        // the same training as focal: its models, under the name the Libra comparison uses
        add(Method.evaluationOf("retinanet", "RetinaNet (= focal's models), the reference of libra", "focal",
                Method.PostHoc.NONE));
    }

    private Methods() {
    }

    private static void add(Method m) {
        if (REGISTRY.putIfAbsent(m.name(), m) != null) {
            throw new IllegalStateException("method registered twice: " + m.name());
        }
    }

    /** Registers a method of one's own (e.g. in a notebook) under a name not yet taken. */
    public static synchronized void register(Method m) {
        if (REGISTRY.containsKey(m.name())) {
            throw new IllegalArgumentException("a method named '" + m.name() + "' is already registered");
        }
        add(m);
    }

    /** The method of a name; the message of an unknown one lists the known names. */
    public static Method get(String name) {
        Method m = REGISTRY.get(name);
        if (m == null) {
            throw new IllegalArgumentException("unknown method '" + name + "' (known: " + String.join(", ", REGISTRY.keySet()) + ")");
        }
        return m;
    }

    /** All registered methods by name, in registration order. */
    public static Map<String, Method> all() {
        return Collections.unmodifiableMap(REGISTRY);
    }
}

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

    /**
     * NorCal's γ for {@code focal+norcal}: the paper tunes γ per model and its code defaults to 0 (off); 0.5 is within
     * the range that helped the demo's focal model most (DESIGN §6.6).
     */
    public static final double NORCAL_GAMMA = 0.5;

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
        add(Method.trained("focal+cas", "focal loss, class-aware sampling (Shen 2016; DESIGN §4.5)",
                TrainingPlan.retinaNet().withSampling(Sampling.CLASS_AWARE)));
        add(Method.trained("gol", "Gumbel optimised loss (Alexandridis 2022): Gumbel activation in training and inference",
                TrainingPlan.retinaNet().withClsLoss(DetectorSetup.GOL)));
        add(Method.trained("iif", "inverse image frequency logit weights, raw variant (Alexandridis 2023), on the focal loss",
                TrainingPlan.retinaNet().withClsLoss(DetectorSetup.IIF)));
        add(Method.evaluationOf("focal+norcal", "focal's models with NorCal (Pan 2021) at gamma " + NORCAL_GAMMA
                + ", no retraining", "focal", (metadata, train) -> DetectorSetup.withNorCal(metadata, NORCAL_GAMMA, train)));
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

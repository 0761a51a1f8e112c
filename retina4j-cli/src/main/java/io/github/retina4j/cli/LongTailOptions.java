package io.github.retina4j.cli;

import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.train.DetectorSetup;
import io.github.retina4j.train.ImageSampling;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The long-tail switches of the command line: NorCal at inference ({@code detect}, {@code eval}; a picocli mixin), and
 * the translation of {@code train}'s {@code --cls-loss iif --iif-variant V} and {@code --sampler}/{@code --rfs} into
 * {@link DetectorSetup} and {@link ImageSampling} names.
 */
public final class LongTailOptions {

    @Option(names = "--norcal-gamma", paramLabel = "G", description = {"NorCal: divide each class score by n_c^G (n_c "
            + "training images of the class) against its own background and renormalise; no retraining (DESIGN §6.6). "
            + "The counts come from --norcal-counts, else from the model file."})
    Double norcalGamma;

    @Option(names = "--norcal-counts", paramLabel = "FILE", description = "Training annotations (COCO/LVIS JSON) whose "
            + "images per class NorCal uses (default: the counts saved in the model file by train).")
    Path norcalCounts;

    /** The metadata with NorCal switched on when asked for; unchanged otherwise. */
    ModelMetadata apply(ModelMetadata metadata) {
        if (norcalGamma == null) {
            if (norcalCounts != null) {
                throw new IllegalArgumentException("--norcal-counts needs --norcal-gamma");
            }
            return metadata;
        }
        if (!(norcalGamma >= 0) || norcalGamma.isInfinite()) {
            throw new IllegalArgumentException("--norcal-gamma must be a finite number >= 0, got " + norcalGamma);
        }
        try {
            return DetectorSetup.withNorCal(metadata, norcalGamma, norcalCounts == null ? null
                    : CocoJsonReader.builder().keepSegmentation(false).build().read(Inputs.existingFile(norcalCounts,
                    "--norcal-counts")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--norcal-gamma: " + e.getMessage(), e);
        }
    }

    /** {@code --cls-loss} with {@code --iif-variant}: the {@link DetectorSetup} loss name ({@code iif-V}). */
    static String classLoss(String clsLoss, String iifVariant) {
        if (iifVariant == null) {
            return clsLoss;
        }
        if (!DetectorSetup.IIF.equals(clsLoss.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("--iif-variant needs --cls-loss iif, got --cls-loss " + clsLoss);
        }
        String name = DetectorSetup.IIF + "-" + iifVariant.toLowerCase(Locale.ROOT);
        DetectorSetup.iifVariant(name);   // an unknown variant fails here, before any data is read
        return name;
    }

    /** {@code --sampler} with {@code --rfs} as its alias for {@code rfs}. */
    static ImageSampling sampling(String sampler, boolean rfs, double rfsThreshold) {
        if (sampler == null) {
            return rfs ? ImageSampling.rfs(rfsThreshold) : ImageSampling.uniform();
        }
        ImageSampling s = ImageSampling.named(sampler, rfsThreshold);
        if (rfs && s.kind() != ImageSampling.Kind.RFS) {
            throw new IllegalArgumentException("--rfs means --sampler rfs, not --sampler " + sampler);
        }
        return s;
    }
}

package io.github.retina4j.examples.training;

import io.github.retina4j.data.annotations.CocoDataset;
import io.github.retina4j.examples.cli.NotAvailableException;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.nio.file.Path;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/** The training MultiDataSetIterator for a detector: data's batches → models' dense targets. */
public final class TrainingData {

    private TrainingData() {
    }

    /** A closeable {@link MultiDataSetIterator} (images, class/box targets and masks). */
    public interface CloseableIterator extends MultiDataSetIterator, AutoCloseable {
        @Override
        void close();
    }

    public static CloseableIterator iterator(CocoDataset train, Path images, RetinaNetConfig config, int batchSize,
                                             int longEdge, int shortEdge, long seed, boolean repeatFactorSampling) {
        throw new NotAvailableException("the detector training iterator (models' DetectionBatch → targets MultiDataSetIterator)");
    }
}

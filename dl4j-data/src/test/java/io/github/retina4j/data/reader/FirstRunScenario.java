package io.github.retina4j.data.reader;

import io.github.retina4j.coco.BadInputPolicy;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.coco.ImageInfo;
import io.github.retina4j.coco.SkipReport;
import io.github.retina4j.data.transform.TransformConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The part of {@link FirstRunTest} that runs in a fresh JVM whose JavaCPP cache folder is empty, so every
 * native library (ND4J's backend, OpenCV, Leptonica) is extracted by the calls below. Arguments: the COCO
 * file and an image folder in which image 0 is missing, image 1 decodes and image 2 is not an image.
 * Exits 0 after the last step, 1 with the failure on standard error.
 */
public final class FirstRunScenario {
    static final String PASSED = "first-run scenario passed";

    private FirstRunScenario() {
    }

    public static void main(String[] args) {
        try {
            run(Path.of(args[0]), Path.of(args[1]));
            System.out.println(PASSED + "; ND4J backend " + Nd4j.getBackend().getClass().getSimpleName());
            System.out.flush();
            System.exit(0);
        } catch (Throwable t) {
            t.printStackTrace();
            System.err.flush();
            System.exit(1);
        }
    }

    private static void run(Path cocoJson, Path imageRoot) {
        CocoDataset data = CocoJsonReader.strict().read(cocoJson);
        List<ImageInfo> ims = data.images();
        TransformConfig transform = TransformConfig.evaluation().withScale(96, 64);

        // Fail policy, one image per batch, two prefetch threads: batch 0 (missing file) fails at once while
        // the workers are decoding batch 1 (first OpenCV and ND4J use) and batch 2 (first Leptonica use, the
        // fallback decoder for bytes OpenCV rejects). Closing the iterator must leave those loads intact.
        // The caller arrives with its interrupt flag set: the iterator must build anyway and keep the flag.
        Thread.currentThread().interrupt();
        DetectionBatchIterator failing = DetectionBatchIterator.builder(data, imageRoot).transform(transform)
                .batchSize(1).prefetchThreads(2).build();
        check(Thread.interrupted(), "building the iterator cleared the caller's interrupt flag");
        try (failing) {
            failing.hasNext();
            throw new AssertionError("a missing image under the fail policy did not fail the iteration");
        } catch (ImageLoadException e) {
            check(e.getMessage().contains(ims.get(0).fileName()) && e.getMessage().contains("not found"),
                    "fail-policy message does not name the missing file: " + e.getMessage());
        }

        // Skip policy over the same folder in the same JVM: every decodable image arrives, the two bad ones
        // are counted with their reasons.
        int images = 0;
        try (DetectionBatchIterator skipping = DetectionBatchIterator.builder(data, imageRoot).transform(transform)
                .batchSize(2).prefetchThreads(2).policy(BadInputPolicy.SKIP).build()) {
            while (skipping.hasNext()) {
                INDArray batch = skipping.next().images();
                check(batch.rank() == 4 && batch.size(1) == 3, "batch shape " + batch.shapeInfoToString());
                for (float v : batch.data().asFloat()) {
                    check(Float.isFinite(v), "non-finite pixel in a decoded batch");
                }
                images += (int) batch.size(0);
            }
            check(images == ims.size() - 2, "skip policy delivered " + images + " of " + (ims.size() - 2) + " images");
            check(skipping.skipReport().count(DetectionSampleLoader.MISSING_IMAGE) == 1, "missing images counted: "
                    + skipping.skipReport());
            check(skipping.skipReport().count(DetectionSampleLoader.UNDECODABLE_IMAGE) == 1, "undecodable images counted: "
                    + skipping.skipReport());
        }

        // The undecodable file through the loader directly: a one-line error naming reason and file.
        DetectionSampleLoader strict = new DetectionSampleLoader(data, imageRoot, data.categoryMapping(), transform,
                BadInputPolicy.FAIL, new SkipReport());
        try {
            strict.load(2, new Random(1));
            throw new AssertionError("an undecodable image under the fail policy did not fail");
        } catch (ImageLoadException e) {
            check(e.getMessage().contains(DetectionSampleLoader.UNDECODABLE_IMAGE)
                    && e.getMessage().contains(ims.get(2).fileName()), "undecodable message: " + e.getMessage());
        }

        // A native ND4J op on small integers, exact in float.
        double s = Nd4j.createFromArray(1f, 2f, 3f).mul(2).sumNumber().doubleValue();
        check(s == 12.0, "ND4J computed sum(2 * [1, 2, 3]) = " + s);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}

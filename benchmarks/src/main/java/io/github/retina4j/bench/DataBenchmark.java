package io.github.retina4j.bench;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.data.reader.DetectionBatch;
import io.github.retina4j.data.reader.DetectionBatchIterator;
import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import io.github.retina4j.data.transform.TransformConfig;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * Data benchmarks (DESIGN §8), a plain main:
 * <ol>
 * <li>parse of an LVIS-v1-sized annotation file (100 170 images, 1 270 141 annotations with polygon
 * segmentations, 1 203 categories; generated to a temporary file) with {@link CocoJsonReader},
 * keeping and dropping segmentations, against baselines measured in the same run: raw byte read,
 * a Jackson token-only pass (the floor for any Jackson parse) and a Jackson tree-model parse;
 * with peak heap (sum of heap pools' peaks) and retained heap;</li>
 * <li>{@link DetectionBatchIterator} images/s on shapes-lt at 512 px with 0 and 2 prefetch threads.</li>
 * </ol>
 * Usage: {@code DataBenchmark [--no-parse] [--no-tree] [--no-iterator] [--images N] [--annotations N]}; run with e.g. {@code -Xmx10g}.
 */
public final class DataBenchmark {
    /** LVIS v1 train sizes (Gupta et al. 2019, lvis-api v1 release). */
    private static final int LVIS_IMAGES = 100_170;
    private static final int LVIS_ANNOTATIONS = 1_270_141;
    private static final int LVIS_CATEGORIES = 1_203;
    /** Polygon vertices per synthetic segmentation (gives a file of roughly LVIS v1 train's size class). */
    private static final int POLYGON_POINTS = 32;

    private DataBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        boolean tree = true;
        boolean iterator = true;
        boolean parse = true;
        int images = LVIS_IMAGES;
        int annotations = LVIS_ANNOTATIONS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--no-tree" -> tree = false;
                case "--no-iterator" -> iterator = false;
                case "--no-parse" -> parse = false;
                case "--images" -> images = Integer.parseInt(args[++i]);
                case "--annotations" -> annotations = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Path dir = Files.createTempDirectory("retina4j-databench");
        try {
            if (parse) {
                parseBenchmark(dir, images, annotations, tree);
            }
            if (iterator) {
                iteratorBenchmark(dir);
            }
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    // ------------------------------------------------------------------ parse

    private static void parseBenchmark(Path dir, int images, int annotations, boolean tree) throws Exception {
        Path file = dir.resolve("lvis_v1_sized.json");
        long t0 = System.nanoTime();
        writeLvisSized(file, images, annotations, LVIS_CATEGORIES);
        System.out.printf(Locale.ROOT, "generated %s: %d images, %d annotations, %d categories, %.1f MB in %.1f s%n",
                file.getFileName(), images, annotations, LVIS_CATEGORIES, Files.size(file) / 1e6, secs(t0));

        Measured raw = measure("raw byte read (baseline)", () -> {
            long n = 0;
            byte[] buf = new byte[1 << 20];
            try (InputStream in = Files.newInputStream(file)) {
                int r;
                while ((r = in.read(buf)) > 0) {
                    n += r;
                }
            }
            return n;
        });
        Measured skim = measure("Jackson token pass, no model (baseline)", () -> {
            long tokens = 0;
            try (JsonParser p = new JsonFactory().createParser(file.toFile())) {
                while (p.nextToken() != null) {
                    tokens++;
                }
            }
            return tokens;
        });
        Measured keep1 = measure("CocoJsonReader, segmentation kept (1st run)", () -> CocoJsonReader.strict().read(file));
        Measured keep2 = measure("CocoJsonReader, segmentation kept (2nd run)", () -> CocoJsonReader.strict().read(file));
        Measured drop = measure("CocoJsonReader, segmentation dropped",
                () -> CocoJsonReader.builder().keepSegmentation(false).build().read(file));
        Measured treeModel = null;
        if (tree) {
            try {
                treeModel = measure("Jackson tree model, ObjectMapper.readTree (baseline)",
                        () -> new ObjectMapper().readTree(file.toFile()));
            } catch (OutOfMemoryError e) {
                System.out.println("Jackson tree model: OutOfMemoryError with -Xmx" + Runtime.getRuntime().maxMemory() / (1 << 20) + "m");
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "parse of %.0f MB (%d annotations): target < 15 s%n", Files.size(file) / 1e6, annotations);
        for (Measured m : new Measured[] {raw, skim, keep1, keep2, drop, treeModel}) {
            if (m == null) {
                continue;
            }
            System.out.printf(Locale.ROOT, "  %-52s %7.2f s wall %7.2f s cpu  %6.0f MB/s  peak heap %6.0f MB  retained %6.0f MB"
                            + "  | cpu x token pass %5.2f%s%n", m.name, m.seconds, m.cpuSeconds, Files.size(file) / 1e6 / m.seconds,
                    m.peakMb, m.retainedMb, m.cpuSeconds / skim.cpuSeconds,
                    treeModel != null && m != treeModel ? String.format(Locale.ROOT, "  cpu x tree %5.2f", m.cpuSeconds / treeModel.cpuSeconds) : "");
        }
    }

    /** Wall time and the measuring thread's CPU time (less sensitive to other load on a shared machine). */
    private record Measured(String name, double seconds, double cpuSeconds, double peakMb, double retainedMb) {
    }

    private static Measured measure(String name, Callable<Object> work) throws Exception {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        Object result = work.call();
        double s = secs(t0);
        double cpu = (threads.getCurrentThreadCpuTime() - c0) / 1e9;
        double peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.gc();
        double retained = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        String what = result instanceof CocoDataset d ? d.toString() : String.valueOf(result instanceof JsonNode ? "tree" : result);
        System.out.printf(Locale.ROOT, "%-52s %7.2f s wall, %7.2f s cpu  (%s)%n", name, s, cpu, what);
        Measured m = new Measured(name, s, cpu, peak / 1e6, retained / 1e6);
        result = null; // drop before the next measurement
        return m;
    }

    /** Streams an LVIS v1-shaped file: images with LVIS fields, polygon annotations, LVIS categories. */
    static void writeLvisSized(Path file, int images, int annotations, int categories) throws IOException {
        SplittableRandom rng = new SplittableRandom(2019);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
             JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeObjectFieldStart("info");
            g.writeStringField("description", "synthetic LVIS-v1-sized benchmark file (retina4j)");
            g.writeEndObject();
            g.writeArrayFieldStart("images");
            for (int i = 1; i <= images; i++) {
                g.writeStartObject();
                g.writeNumberField("id", i);
                g.writeNumberField("width", 640);
                g.writeNumberField("height", 480);
                g.writeStringField("coco_url", String.format("http://images.cocodataset.org/train2017/%012d.jpg", i));
                g.writeNumberField("license", 1);
                g.writeStringField("date_captured", "2013-11-14 11:18:45");
                g.writeArrayFieldStart("neg_category_ids");
                for (int k = 0; k < 4; k++) {
                    g.writeNumber(1 + rng.nextInt(categories));
                }
                g.writeEndArray();
                g.writeArrayFieldStart("not_exhaustive_category_ids");
                if (rng.nextInt(4) == 0) {
                    g.writeNumber(1 + rng.nextInt(categories));
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("annotations");
            for (int a = 1; a <= annotations; a++) {
                double w = 5 + rng.nextDouble() * 200;
                double h = 5 + rng.nextDouble() * 200;
                double x = rng.nextDouble() * (640 - w);
                double y = rng.nextDouble() * (480 - h);
                g.writeStartObject();
                g.writeNumberField("id", a);
                g.writeNumberField("image_id", 1 + rng.nextInt(images));
                g.writeNumberField("category_id", 1 + (int) Math.min(categories - 1, Math.abs(rng.nextGaussian()) * categories / 3));
                g.writeArrayFieldStart("bbox");
                g.writeNumber(round2(x));
                g.writeNumber(round2(y));
                g.writeNumber(round2(w));
                g.writeNumber(round2(h));
                g.writeEndArray();
                g.writeNumberField("area", round2(w * h * 0.7));
                g.writeArrayFieldStart("segmentation");
                g.writeStartArray();
                for (int p = 0; p < POLYGON_POINTS; p++) {
                    double ang = 2 * Math.PI * p / POLYGON_POINTS;
                    g.writeNumber(round2(x + w / 2 + Math.cos(ang) * w / 2));
                    g.writeNumber(round2(y + h / 2 + Math.sin(ang) * h / 2));
                }
                g.writeEndArray();
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("categories");
            for (int c = 1; c <= categories; c++) {
                g.writeStartObject();
                g.writeNumberField("id", c);
                g.writeStringField("name", "category_" + c);
                g.writeStringField("synset", "category_" + c + ".n.01");
                g.writeArrayFieldStart("synonyms");
                g.writeString("category_" + c);
                g.writeEndArray();
                g.writeStringField("def", "a synthetic category number " + c);
                g.writeStringField("frequency", c % 3 == 0 ? "r" : c % 3 == 1 ? "c" : "f");
                g.writeNumberField("image_count", 1 + c % 500);
                g.writeNumberField("instance_count", 1 + c % 1500);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    // ------------------------------------------------------------------ iterator

    private static void iteratorBenchmark(Path dir) {
        ShapesLtConfig cfg = ShapesLtConfig.builder().seed(1).trainImages(120).valImages(0).imageSize(384, 512)
                .objectSize(32, 128).longTail(100, 1).build();
        long t0 = System.nanoTime();
        ShapesLtFiles files = new ShapesLtGenerator(cfg).writeTo(dir.resolve("shapes"));
        System.out.printf(Locale.ROOT, "%ngenerated shapes-lt: %d train images of 384-512 px in %.1f s%n",
                cfg.trainImages(), secs(t0));
        CocoDataset train = CocoJsonReader.strict().read(files.trainCoco());
        TransformConfig t = TransformConfig.training().withScale(512, 512);
        run(train, files, t, 0, "warm-up (0 prefetch threads)");
        double sync = run(train, files, t, 0, "0 prefetch threads (baseline)");
        double pre = run(train, files, t, 2, "2 prefetch threads");
        double sync2 = run(train, files, t, 0, "0 prefetch threads (again)");
        double pre2 = run(train, files, t, 2, "2 prefetch threads (again)");
        System.out.printf(Locale.ROOT, "iterator at 512 px, batch 2: 2 threads / 0 threads = %.2f and %.2f%n",
                pre / sync, pre2 / sync2);
    }

    private static double run(CocoDataset train, ShapesLtFiles files, TransformConfig t, int threads, String label) {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long c0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        int n = 0;
        try (DetectionBatchIterator it = DetectionBatchIterator.builder(train, files.trainImages()).transform(t)
                .batchSize(2).shuffle(true).seed(3).prefetchThreads(threads).build()) {
            while (it.hasNext()) {
                DetectionBatch b = it.next();
                n += b.size();
            }
        }
        double s = secs(t0);
        double cpu = (os.getProcessCpuTime() - c0) / 1e9;
        double rate = n / s;
        System.out.printf(Locale.ROOT, "  %-34s %4d images in %6.2f s = %6.1f images/s (process cpu %.1f ms/image)%n",
                label, n, s, rate, 1000 * cpu / n);
        return rate;
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}

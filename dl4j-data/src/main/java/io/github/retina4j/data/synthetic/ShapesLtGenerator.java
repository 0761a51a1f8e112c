package io.github.retina4j.data.synthetic;

import io.github.retina4j.coco.Annotation;
import io.github.retina4j.coco.Category;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonWriter;
import io.github.retina4j.coco.Frequency;
import io.github.retina4j.coco.ImageInfo;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The {@code shapes-lt} synthetic long-tailed detection dataset (DESIGN §4): coloured geometric shapes
 * (shape × colour = class) on noisy grey backgrounds. Train image counts per class fall geometrically
 * from {@link ShapesLtConfig#headImages()} to {@link ShapesLtConfig#tailImages()}, so the train split has
 * LVIS rare (1–10 images), common (11–100) and frequent (&gt;100) classes with the default config. Val
 * mixes classes uniformly. Shapes never overlap, and each box is the tight box of the shape's pixels
 * ({@link ShapeInstance}).
 *
 * <p>Deterministic: everything derives from the seed, rendering is pure integer arithmetic, so the
 * same config gives byte-identical PNG and JSON files. Hand-written because no library generates
 * detection datasets with a controlled long tail.
 */
public final class ShapesLtGenerator {
    /** Extra instances of an already placed class per image (so instance counts differ from image counts). */
    private static final double SECOND_INSTANCE_RATE = 0.15;
    /** Placement attempts per shape before it is given up (the shape is then not drawn nor annotated). */
    private static final int PLACEMENT_TRIES = 60;
    /** Minimum free pixels between two shapes' boxes. */
    private static final int GAP = 2;
    /** Background grey range and per-pixel noise amplitude. */
    private static final int BG_MIN = 30;
    private static final int BG_MAX = 100;
    private static final int NOISE = 10;
    /** Per-shape colour jitter (each channel). */
    private static final int COLOR_JITTER = 15;
    /** Shape aspect ratio range (width/height). */
    private static final double MIN_ASPECT = 0.75;
    private static final double MAX_ASPECT = 1.0 / MIN_ASPECT;

    private final ShapesLtConfig config;
    private final List<ShapeClass> classes;
    private final Map<Split, List<ShapeScene>> scenes = new EnumMap<>(Split.class);

    public ShapesLtGenerator(ShapesLtConfig config) {
        this.config = config;
        this.classes = buildClasses(config);
    }

    public ShapesLtConfig config() {
        return config;
    }

    /** The classes, index = contiguous class, with their target train image counts. */
    public List<ShapeClass> classes() {
        return classes;
    }

    private static List<ShapeClass> buildClasses(ShapesLtConfig cfg) {
        int c = cfg.numClasses();
        // Geometric tail n_k = head · r^k with r chosen so that n_{C−1} = tail.
        int[] counts = new int[c];
        double r = c == 1 ? 1 : Math.pow((double) cfg.tailImages() / cfg.headImages(), 1.0 / (c - 1));
        for (int k = 0; k < c; k++) {
            counts[k] = Math.max(cfg.tailImages(), (int) Math.round(cfg.headImages() * Math.pow(r, k)));
        }
        // Which class gets which tail position is shuffled by the seed so rare classes vary in shape and colour.
        Random rng = new Random(cfg.seed());
        for (int i = c - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = counts[i];
            counts[i] = counts[j];
            counts[j] = t;
        }
        ShapeKind[] shapes = ShapeKind.values();
        ShapeColor[] colors = ShapeColor.values();
        List<ShapeClass> out = new ArrayList<>(c);
        for (int k = 0; k < c; k++) {
            // colour-major order: the first 30 classes are 5 colours × 6 shapes
            out.add(new ShapeClass(k, shapes[k % shapes.length], colors[k / shapes.length], counts[k]));
        }
        return List.copyOf(out);
    }

    /** The scenes of a split (computed once, deterministic). */
    public synchronized List<ShapeScene> scenes(Split split) {
        return scenes.computeIfAbsent(split, s -> s == Split.TRAIN ? layoutTrain() : layoutVal());
    }

    private List<ShapeScene> layoutTrain() {
        Random rng = new Random(config.seed() * 31 + 1);
        int n = config.trainImages();
        List<List<ShapeClass>> perImage = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            perImage.add(new ArrayList<>());
        }
        List<ShapeClass> byCount = new ArrayList<>(classes);
        byCount.sort((a, b) -> b.trainImages() != a.trainImages() ? Integer.compare(b.trainImages(), a.trainImages())
                : Integer.compare(a.index(), b.index()));
        for (ShapeClass sc : byCount) {
            int[] free = new int[n];
            int nf = 0;
            for (int i = 0; i < n; i++) {
                if (perImage.get(i).size() < config.maxObjectsPerImage()) {
                    free[nf++] = i;
                }
            }
            int take = Math.min(sc.trainImages(), nf);
            for (int t = 0; t < take; t++) { // partial Fisher–Yates: take distinct images
                int j = t + rng.nextInt(nf - t);
                int tmp = free[t];
                free[t] = free[j];
                free[j] = tmp;
                perImage.get(free[t]).add(sc);
            }
        }
        return layout(Split.TRAIN, perImage, rng, 0);
    }

    private List<ShapeScene> layoutVal() {
        Random rng = new Random(config.seed() * 31 + 2);
        int n = config.valImages();
        List<List<ShapeClass>> perImage = new ArrayList<>(n);
        int next = 0; // cycle through all classes first so that each appears when space allows
        for (int i = 0; i < n; i++) {
            int k = 1 + rng.nextInt(config.maxObjectsPerImage());
            Set<ShapeClass> chosen = new HashSet<>();
            List<ShapeClass> list = new ArrayList<>();
            for (int t = 0; t < k; t++) {
                ShapeClass sc = next < classes.size() ? classes.get(next++) : classes.get(rng.nextInt(classes.size()));
                if (chosen.add(sc)) {
                    list.add(sc);
                }
            }
            perImage.add(list);
        }
        return layout(Split.VAL, perImage, rng, config.trainImages());
    }

    private List<ShapeScene> layout(Split split, List<List<ShapeClass>> perImage, Random rng, long idOffset) {
        List<ShapeScene> out = new ArrayList<>(perImage.size());
        for (int i = 0; i < perImage.size(); i++) {
            List<ShapeClass> wanted = new ArrayList<>(perImage.get(i));
            if (!wanted.isEmpty() && wanted.size() < config.maxObjectsPerImage() && rng.nextDouble() < SECOND_INSTANCE_RATE) {
                wanted.add(wanted.get(rng.nextInt(wanted.size())));
            }
            int w = config.minImageSize() + rng.nextInt(config.maxImageSize() - config.minImageSize() + 1);
            int h = config.minImageSize() + rng.nextInt(config.maxImageSize() - config.minImageSize() + 1);
            List<ShapeInstance> placed = new ArrayList<>();
            for (ShapeClass sc : wanted) {
                ShapeInstance s = place(sc, w, h, placed, rng);
                if (s != null) {
                    placed.add(s);
                }
            }
            int grey = BG_MIN + rng.nextInt(BG_MAX - BG_MIN + 1);
            int background = (grey << 16) | (grey << 8) | grey;
            long noiseSeed = rng.nextLong();
            Set<Integer> present = new HashSet<>();
            for (ShapeInstance s : placed) {
                present.add(s.shapeClass().categoryId());
            }
            List<Integer> absent = new ArrayList<>();
            for (ShapeClass sc : classes) {
                if (!present.contains(sc.categoryId())) {
                    absent.add(sc.categoryId());
                }
            }
            List<Integer> neg = new ArrayList<>();
            for (int t = 0; t < config.negativeIdsPerImage() && !absent.isEmpty(); t++) {
                neg.add(absent.remove(rng.nextInt(absent.size())));
            }
            neg.sort(null);
            List<Integer> notExhaustive = new ArrayList<>();
            if (!present.isEmpty() && rng.nextDouble() < config.notExhaustiveRate()) {
                List<Integer> p = new ArrayList<>(present);
                p.sort(null);
                notExhaustive.add(p.get(rng.nextInt(p.size())));
            }
            long id = idOffset + i + 1;
            String name = String.format("%s_%06d.png", split.label(), i + 1);
            out.add(new ShapeScene(id, name, w, h, background, noiseSeed, placed, neg, notExhaustive));
        }
        return List.copyOf(out);
    }

    private ShapeInstance place(ShapeClass sc, int w, int h, List<ShapeInstance> placed, Random rng) {
        int maxSize = Math.min(config.maxObjectSize(), Math.min(w, h));
        for (int t = 0; t < PLACEMENT_TRIES; t++) {
            int size = config.minObjectSize() + rng.nextInt(maxSize - config.minObjectSize() + 1);
            double aspect = MIN_ASPECT + rng.nextDouble() * (MAX_ASPECT - MIN_ASPECT);
            double halfW = Math.min(w / 2.0, size / 2.0 * Math.sqrt(aspect));
            double halfH = Math.min(h / 2.0, size / 2.0 / Math.sqrt(aspect));
            double cx = halfW + rng.nextDouble() * (w - 2 * halfW);
            double cy = halfH + rng.nextDouble() * (h - 2 * halfH);
            int jr = jitter(sc.color().red(), rng);
            int jg = jitter(sc.color().green(), rng);
            int jb = jitter(sc.color().blue(), rng);
            int[] box = tightBox(sc.shape(), cx, cy, halfW, halfH, w, h);
            if (box == null) {
                continue;
            }
            boolean clash = false;
            for (ShapeInstance o : placed) {
                if (box[0] < o.x2() + GAP && o.x() < box[2] + GAP && box[1] < o.y2() + GAP && o.y() < box[3] + GAP) {
                    clash = true;
                    break;
                }
            }
            if (!clash) {
                return new ShapeInstance(sc, cx, cy, halfW, halfH, jr, jg, jb, box[0], box[1], box[2] - box[0],
                        box[3] - box[1]);
            }
        }
        return null;
    }

    private static int jitter(int channel, Random rng) {
        return Math.max(0, Math.min(255, channel + rng.nextInt(2 * COLOR_JITTER + 1) - COLOR_JITTER));
    }

    /** Tight pixel box [x1, y1, x2, y2) of the covered pixels, or null if none. */
    private static int[] tightBox(ShapeKind shape, double cx, double cy, double halfW, double halfH, int w, int h) {
        int x0 = Math.max(0, (int) Math.floor(cx - halfW) - 1);
        int x1 = Math.min(w - 1, (int) Math.ceil(cx + halfW) + 1);
        int y0 = Math.max(0, (int) Math.floor(cy - halfH) - 1);
        int y1 = Math.min(h - 1, (int) Math.ceil(cy + halfH) + 1);
        int bx1 = Integer.MAX_VALUE, by1 = Integer.MAX_VALUE, bx2 = -1, by2 = -1;
        for (int py = y0; py <= y1; py++) {
            double v = (py + 0.5 - cy) / halfH;
            for (int px = x0; px <= x1; px++) {
                if (shape.contains((px + 0.5 - cx) / halfW, v)) {
                    bx1 = Math.min(bx1, px);
                    bx2 = Math.max(bx2, px);
                    by1 = Math.min(by1, py);
                    by2 = Math.max(by2, py);
                }
            }
        }
        return bx2 < 0 ? null : new int[] {bx1, by1, bx2 + 1, by2 + 1};
    }

    /** Renders a scene: noisy grey background, then each shape's covered pixels in its colour. */
    public static BufferedImage render(ShapeScene scene) {
        int w = scene.width();
        int h = scene.height();
        int[] px = new int[w * h];
        Random noise = new Random(scene.noiseSeed());
        int bg = scene.background() & 0xFF;
        for (int i = 0; i < px.length; i++) {
            int g = Math.max(0, Math.min(255, bg + noise.nextInt(2 * NOISE + 1) - NOISE));
            px[i] = (g << 16) | (g << 8) | g;
        }
        for (ShapeInstance s : scene.shapes()) {
            int rgb = s.rgb();
            for (int y = s.y(); y < s.y2(); y++) {
                for (int x = s.x(); x < s.x2(); x++) {
                    if (s.covers(x, y)) {
                        px[y * w + x] = rgb;
                    }
                }
            }
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, w, h, px, 0, w);
        return img;
    }

    /** Number of pixels a shape covers (its segmentation area, written as the annotation area). */
    public static int pixelArea(ShapeInstance s) {
        int n = 0;
        for (int y = s.y(); y < s.y2(); y++) {
            for (int x = s.x(); x < s.x2(); x++) {
                if (s.covers(x, y)) {
                    n++;
                }
            }
        }
        return n;
    }

    /** The COCO dataset of a split (categories: id, name, supercategory = shape). */
    public CocoDataset cocoDataset(Split split) {
        return dataset(split, false);
    }

    /**
     * The LVIS dataset of a split: categories carry {@code frequency} (from the train split's image
     * counts, as in LVIS), and {@code image_count}/{@code instance_count} of this split; images carry
     * {@code neg_category_ids} and {@code not_exhaustive_category_ids}.
     */
    public CocoDataset lvisDataset(Split split) {
        return dataset(split, true);
    }

    private CocoDataset dataset(Split split, boolean lvis) {
        List<ShapeScene> sc = scenes(split);
        List<ImageInfo> images = new ArrayList<>(sc.size());
        List<Annotation> anns = new ArrayList<>();
        long annId = 1;
        for (ShapeScene s : sc) {
            images.add(lvis ? ImageInfo.lvis(s.imageId(), s.fileName(), s.width(), s.height(), null,
                    s.negCategoryIds(), s.notExhaustiveCategoryIds())
                    : ImageInfo.coco(s.imageId(), s.fileName(), s.width(), s.height()));
            for (ShapeInstance in : s.shapes()) {
                anns.add(new Annotation(annId++, s.imageId(), in.shapeClass().categoryId(), in.x(), in.y(), in.w(),
                        in.h(), pixelArea(in), false, null));
            }
        }
        int[] splitImages = imageCounts(sc);
        int[] splitInstances = new int[classes.size()];
        for (Annotation a : anns) {
            splitInstances[a.categoryId() - 1]++;
        }
        int[] trainImages = imageCounts(scenes(Split.TRAIN));
        List<Category> cats = new ArrayList<>(classes.size());
        for (ShapeClass c : classes) {
            if (lvis) {
                cats.add(new Category(c.categoryId(), c.name(), c.shape().label(),
                        Frequency.ofImageCount(trainImages[c.index()]), splitImages[c.index()],
                        splitInstances[c.index()], null, List.of(c.name()),
                        "a " + c.color().label() + " " + c.shape().label()));
            } else {
                cats.add(Category.coco(c.categoryId(), c.name(), c.shape().label()));
            }
        }
        String info = "{\"description\":\"shapes-lt synthetic long-tailed detection dataset (retina4j), seed "
                + config.seed() + ", split " + split.label() + "\",\"version\":\"1.0\"}";
        return new CocoDataset(info, null, images, anns, cats, null);
    }

    /** Images per class (index = contiguous class) in the given scenes. */
    public int[] imageCounts(List<ShapeScene> sc) {
        int[] counts = new int[classes.size()];
        for (ShapeScene s : sc) {
            boolean[] seen = new boolean[classes.size()];
            for (ShapeInstance in : s.shapes()) {
                seen[in.shapeClass().index()] = true;
            }
            for (int k = 0; k < seen.length; k++) {
                if (seen[k]) {
                    counts[k]++;
                }
            }
        }
        return counts;
    }

    /** Writes both splits (PNG images + COCO and LVIS JSON) under {@code root}; see {@link ShapesLtFiles}. */
    public ShapesLtFiles writeTo(Path root) {
        ShapesLtFiles files = ShapesLtFiles.under(root);
        try {
            for (Split split : Split.values()) {
                if (scenes(split).isEmpty()) {
                    continue; // e.g. valImages = 0: an empty annotation file would be an invalid dataset
                }
                Path dir = files.images(split);
                Files.createDirectories(dir);
                // Each file depends only on its scene, so writing them in parallel keeps the bytes identical.
                scenes(split).parallelStream().forEach(sc -> writePng(sc, dir.resolve(sc.fileName())));
                CocoJsonWriter.write(cocoDataset(split), files.coco(split));
                CocoJsonWriter.write(lvisDataset(split), files.lvis(split));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write shapes-lt to " + root, e);
        }
        return files;
    }

    private static void writePng(ShapeScene scene, Path png) {
        try {
            if (!ImageIO.write(render(scene), "png", png.toFile())) {
                throw new IllegalStateException("no PNG writer available in javax.imageio");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png, e);
        }
    }

    @Override
    public String toString() {
        return "ShapesLtGenerator[" + config + "]";
    }
}

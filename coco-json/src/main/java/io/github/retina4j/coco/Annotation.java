package io.github.retina4j.coco;

/**
 * One entry of the {@code annotations} array. The box is kept in COCO's {@code [x, y, w, h]}
 * form here (the IO boundary); {@link #x2()}/{@link #y2()} give the DESIGN §2 corner form.
 * {@code segmentation} is kept opaque: the exact JSON text of the value (polygon list or RLE
 * object), or null when absent or dropped at read time, so that it round-trips unchanged.
 */
public record Annotation(long id, long imageId, int categoryId, double x, double y, double w, double h,
                         double area, boolean iscrowd, String segmentation) {

    /** A box-only annotation with area = w·h and no segmentation. */
    public static Annotation box(long id, long imageId, int categoryId, double x, double y, double w, double h,
                                 boolean iscrowd) {
        return new Annotation(id, imageId, categoryId, x, y, w, h, w * h, iscrowd, null);
    }

    /** Right edge x + w. */
    public double x2() {
        return x + w;
    }

    /** Bottom edge y + h. */
    public double y2() {
        return y + h;
    }
}

package io.github.retina4j.data.synthetic;

/**
 * One {@code shapes-lt} class: a shape in a colour, e.g. "red_circle" (supercategory "circle").
 *
 * @param index      contiguous class index 0..C−1 (category id = index + 1)
 * @param trainImages the number of training images the generator aims to put this class in (long tail)
 */
public record ShapeClass(int index, ShapeKind shape, ShapeColor color, int trainImages) {

    public String name() {
        return color.label() + "_" + shape.label();
    }

    public int categoryId() {
        return index + 1;
    }
}

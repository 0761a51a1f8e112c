package io.github.retina4j.data.synthetic;

import java.util.Locale;

/** Saturated, well-separated fill colours of {@code shapes-lt} (RGB). */
public enum ShapeColor {
    RED(220, 40, 40), GREEN(40, 200, 60), BLUE(50, 80, 235), YELLOW(230, 220, 40), MAGENTA(210, 50, 210),
    CYAN(40, 210, 220), ORANGE(245, 140, 20), WHITE(245, 245, 245);

    private final int r;
    private final int g;
    private final int b;

    ShapeColor(int r, int g, int b) {
        this.r = r;
        this.g = g;
        this.b = b;
    }

    public int red() {
        return r;
    }

    public int green() {
        return g;
    }

    public int blue() {
        return b;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

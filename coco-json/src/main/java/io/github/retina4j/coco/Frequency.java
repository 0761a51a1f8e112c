package io.github.retina4j.coco;

/**
 * LVIS frequency group of a category (LVIS paper, Gupta et al. 2019, §3): rare = 1–10 training
 * images, common = 11–100, frequent = more than 100. Serialised as "r", "c", "f".
 */
public enum Frequency {
    RARE("r"), COMMON("c"), FREQUENT("f");

    /** Upper bound (inclusive) of training images for the rare group (LVIS §3). */
    public static final int RARE_MAX_IMAGES = 10;
    /** Upper bound (inclusive) of training images for the common group (LVIS §3). */
    public static final int COMMON_MAX_IMAGES = 100;

    private final String code;

    Frequency(String code) {
        this.code = code;
    }

    /** The one-letter JSON code ("r", "c" or "f"). */
    public String code() {
        return code;
    }

    /** Parses "r", "c" or "f". */
    public static Frequency fromCode(String code) {
        for (Frequency f : values()) {
            if (f.code.equals(code)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown LVIS frequency '" + code + "' (expected r, c or f)");
    }

    /** The group a category falls in given its number of training images. */
    public static Frequency ofImageCount(int imageCount) {
        if (imageCount <= RARE_MAX_IMAGES) {
            return RARE;
        }
        return imageCount <= COMMON_MAX_IMAGES ? COMMON : FREQUENT;
    }
}

package io.github.retina4j.data.synthetic;

import java.util.Locale;

/** The two splits written by the generator. */
public enum Split {
    TRAIN, VAL;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

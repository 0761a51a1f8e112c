package io.github.retina4j.coco;

/** What to do with a bad record (annotation, image file, box): fail at once, or skip it and count it (DESIGN §9). */
public enum BadInputPolicy {
    /** Throw an exception naming the file, record and reason. */
    FAIL,
    /** Skip the record, count it in a {@link SkipReport} by reason, keep going. */
    SKIP
}

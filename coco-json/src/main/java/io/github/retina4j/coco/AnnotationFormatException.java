package io.github.retina4j.coco;

/**
 * A COCO/LVIS annotation file (or an in-memory dataset) is malformed. The message names the file,
 * the record (array and index or id) and the reason.
 */
public class AnnotationFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final String record;
    private final String reason;

    public AnnotationFormatException(String source, String record, String reason, Throwable cause) {
        super(source + ": " + (record == null ? "" : record + ": ") + reason, cause);
        this.source = source;
        this.record = record;
        this.reason = reason;
    }

    public AnnotationFormatException(String source, String record, String reason) {
        this(source, record, reason, null);
    }

    /** The file (or "<memory>") where the problem is. */
    public String source() {
        return source;
    }

    /** The offending record, e.g. {@code annotations[17] (id 1774)}, or null for file-level problems. */
    public String record() {
        return record;
    }

    /** Why the record is bad. */
    public String reason() {
        return reason;
    }
}

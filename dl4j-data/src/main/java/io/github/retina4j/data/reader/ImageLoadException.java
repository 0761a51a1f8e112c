package io.github.retina4j.data.reader;

/** An image file is missing, unreadable, undecodable or does not match its annotation; names path and reason. */
public class ImageLoadException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ImageLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
